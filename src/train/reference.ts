import type { LayerSpec, NetworkSpec } from '../model/spec.js';
import type { SpikeTensor } from '../model/spikes.js';
import { neuronCoefficients, referenceForward, type NeuronCoefficients } from '../neuron/dynamics.js';
import { surrogateGrad } from '../neuron/surrogate.js';
import { RouserError } from '../util/errors.js';
import { lossAndGrad } from './loss.js';
import type { ForwardResult, GradientOptions, Gradients, StepResult, TrainBackend } from './types.js';

/**
 * The unfused reference BPTT backend: plain loops, one sample at a time, written to be read and trusted rather
 * than to be fast. It is the oracle the fused and tfjs backends are checked against.
 *
 * Forward (per layer, per step t, exactly the arithmetic of `referenceForward` in src/neuron/dynamics.ts):
 *   x[t] = W s_in[t - delay] (+ b)                 canonical float32 accumulation, ascending input index
 *   I[t] = aI I[t-1] + x[t]                        (cuba; lif has no current: U[t] = beta V[t-1] + x[t])
 *   U[t] = aV V[t-1] + I[t]                        pre-reset voltage
 *   S[t] = H(U[t] - Th)
 *   V[t] = U[t] (1 - S[t])  (zero reset)   or   V[t] = U[t] - Th S[t]  (subtract reset)
 * Loss on output counts C = sum_t S_L[t] (see loss.ts), so dL/dS_L[t] = dL/dC for every t.
 *
 * Backward (BPTT, g[t] = g(U[t] - Th) the surrogate at the pre-reset voltage, dS/dU = g, dS/dTh = -g):
 *   gV[t]  = aV gU[t+1]                                           (V[t] only feeds U[t+1])
 *   gS[t]  = dL/dS[t] (loss or next layer) + [not detached] gV[t] dV/dS,   dV/dS = -U[t] (zero) | -Th (subtract)
 *   gU[t]  = gV[t] dV/dU + gS[t] g[t],   dV/dU = 1 - S[t] (zero) | 1 (subtract)
 *   gTh   += -gS[t] g[t]  - [subtract] gV[t] S[t]
 *   gI[t]  = gU[t] + aI gI[t+1]   (cuba)      gx[t] = gI[t] (cuba) | gU[t] (lif)
 *   gW[o][i] += gx[t][o] s_in[t-delay][i],  gb[o] += gx[t][o],  dL/ds_in[t-delay][i] += sum_o W[o][i] gx[t][o]
 * `detachReset` (default, the paper) treats S in the reset term as a constant (stop-gradient on S, the snnTorch
 * convention): the reset still multiplies the voltage gradient by (1 - S) for zero reset, and the subtract reset
 * still passes -S to the threshold, but no surrogate term flows through the reset.
 * All backward arithmetic is in float64; gradients are summed over the batch (the loss is a batch mean) and
 * stored as float32.
 */
export function createReferenceBackend(): TrainBackend {
  return {
    name: 'reference',
    description: 'reference (unfused loops, one sample at a time, float64 BPTT)',
    forward: (spec, input, opts) => Promise.resolve(referenceBatch(spec, input, undefined, opts?.recordSpikes === true)),
    forwardBackward: (spec, input, labels, opts, grads) => Promise.resolve(referenceBatch(spec, input, { labels, opts, grads })),
    dispose: () => Promise.resolve(),
  };
}

interface BackwardRequest {
  labels: Int32Array;
  opts: GradientOptions;
  grads: Gradients;
}

function checkInput(spec: NetworkSpec, input: SpikeTensor): void {
  if (input.channels !== spec.inputSize)
    throw new RouserError(`reference backend: input has ${input.channels} channels; expected ${spec.inputSize} (the network input size)`);
  if (input.data.length !== input.batch * input.steps * input.channels)
    throw new RouserError(`reference backend: input.data.length is ${input.data.length}; expected batch*steps*channels = ${input.batch * input.steps * input.channels}`);
}

function referenceBatch(spec: NetworkSpec, input: SpikeTensor, bw: BackwardRequest | undefined, recordSpikes = false): StepResult & ForwardResult {
  checkInput(spec, input);
  const { batch, steps, channels } = input;
  const layers = spec.layers;
  const last = layers[layers.length - 1] as LayerSpec;
  const classes = last.size;
  const outputCounts = new Float32Array(batch * classes);
  const layerCounts = layers.map((l) => new Float64Array(l.size));
  if (bw) {
    if (bw.labels.length < batch) throw new RouserError(`reference backend: labels.length is ${bw.labels.length}; expected ${batch} (the batch size)`);
    for (const g of bw.grads.weights) g.fill(0);
    for (const g of bw.grads.thresholds) g.fill(0);
    for (const g of bw.grads.bias) g?.fill(0);
  }
  const coeffs = layers.map((l) => neuronCoefficients(l.neuron));
  // Per-sample pre-reset voltages [steps][size] per layer; spikes come from the canonical forward pass.
  const pre = layers.map((l) => new Float32Array(steps * l.size));
  const per = steps * channels;
  const samples: { spikes: Uint8Array[]; pre: Float32Array[] }[] = [];
  const recorded = recordSpikes ? layers.map((l) => new Uint8Array(batch * steps * l.size)) : undefined;
  for (let b = 0; b < batch; b++) {
    const x = input.data.subarray(b * per, (b + 1) * per);
    const spikes = referenceForward(layers, x, steps, pre);
    layers.forEach((layer, li) => {
      const sp = spikes[li] as Uint8Array;
      const lc = layerCounts[li] as Float64Array;
      for (let t = 0; t < steps; t++) for (let o = 0; o < layer.size; o++) lc[o] = (lc[o] as number) + (sp[t * layer.size + o] as number);
    });
    const outSp = spikes[layers.length - 1] as Uint8Array;
    for (let t = 0; t < steps; t++)
      for (let c = 0; c < classes; c++) outputCounts[b * classes + c] = (outputCounts[b * classes + c] as number) + (outSp[t * classes + c] as number);
    if (bw) samples.push({ spikes, pre: pre.map((p) => p.slice()) });
    recorded?.forEach((r, li) => r.set(spikes[li] as Uint8Array, b * steps * (layers[li] as LayerSpec).size));
  }
  if (!bw) return recorded ? { outputCounts, layerCounts, loss: NaN, spikes: recorded } : { outputCounts, layerCounts, loss: NaN };

  const dCounts = new Float64Array(batch * classes);
  const loss = lossAndGrad(bw.opts.loss, outputCounts, bw.labels, batch, classes, steps, dCounts);
  for (let b = 0; b < batch; b++) {
    const smp = samples[b] as { spikes: Uint8Array[]; pre: Float32Array[] };
    const x = input.data.subarray(b * per, (b + 1) * per);
    // dL/dS[t][o] of the current layer, starting with the output layer.
    let gS = new Float64Array(steps * classes);
    for (let t = 0; t < steps; t++) for (let c = 0; c < classes; c++) gS[t * classes + c] = dCounts[b * classes + c] as number;
    for (let li = layers.length - 1; li >= 0; li--) {
      const layer = layers[li] as LayerSpec;
      const gIn = li > 0 ? new Float64Array(steps * layer.inputSize) : undefined;
      backwardLayer(layer, coeffs[li] as NeuronCoefficients, bw.opts, steps, smp.pre[li] as Float32Array, smp.spikes[li] as Uint8Array,
        li === 0 ? x : (smp.spikes[li - 1] as Uint8Array), gS, gIn, bw.grads, li);
      if (gIn) gS = gIn;
    }
  }
  return { outputCounts, layerCounts, loss };
}

/** BPTT through one layer for one sample; accumulates parameter gradients and writes dL/ds_in into `gIn`. */
function backwardLayer(
  layer: LayerSpec,
  coeff: NeuronCoefficients,
  opts: GradientOptions,
  steps: number,
  pre: Float32Array,
  spikes: Uint8Array,
  src: Float32Array | Uint8Array,
  gS: Float64Array,
  gIn: Float64Array | undefined,
  grads: Gradients,
  li: number,
): void {
  const n = layer.size;
  const inSize = layer.inputSize;
  const th = layer.thresholds;
  const w = layer.weights;
  const gW = grads.weights[li] as Float32Array;
  const gTh = grads.thresholds[li] as Float32Array;
  const gB = grads.bias[li];
  const subtract = layer.reset === 'subtract';
  const detach = opts.detachReset;
  const gUNext = new Float64Array(n); // gU[t+1]
  const gINext = new Float64Array(n); // gI[t+1]
  const gx = new Float64Array(n);
  const gWAcc = new Float64Array(n * inSize);
  const gThAcc = new Float64Array(n);
  const gBAcc = new Float64Array(n);
  for (let t = steps - 1; t >= 0; t--) {
    for (let o = 0; o < n; o++) {
      const u = pre[t * n + o] as number;
      const thr = th[o] as number;
      const s = spikes[t * n + o] as number;
      const g = surrogateGrad(opts.surrogate, u - thr);
      const gV = coeff.aV * (gUNext[o] as number);
      let gs = gS[t * n + o] as number;
      if (!detach) gs += gV * (subtract ? -thr : -u);
      const gU = gV * (subtract ? 1 : 1 - s) + gs * g;
      gThAcc[o] = (gThAcc[o] as number) - gs * g - (subtract ? gV * s : 0);
      let gxo: number;
      if (coeff.hasCurrent) {
        const gI = gU + coeff.aI * (gINext[o] as number);
        gINext[o] = gI;
        gxo = gI;
      } else {
        gxo = gU;
      }
      gUNext[o] = gU;
      gx[o] = gxo;
      gBAcc[o] = (gBAcc[o] as number) + gxo;
    }
    const srcT = t - layer.delaySteps;
    if (srcT < 0) continue;
    const base = srcT * inSize;
    for (let i = 0; i < inSize; i++) {
      const s = src[base + i] as number;
      if (s !== 0) for (let o = 0; o < n; o++) gWAcc[o * inSize + i] = (gWAcc[o * inSize + i] as number) + (gx[o] as number) * s;
      if (gIn) {
        let sum = 0;
        for (let o = 0; o < n; o++) sum += (w[o * inSize + i] as number) * (gx[o] as number);
        gIn[base + i] = (gIn[base + i] as number) + sum;
      }
    }
  }
  for (let k = 0; k < gW.length; k++) gW[k] = (gW[k] as number) + (gWAcc[k] as number);
  for (let o = 0; o < n; o++) gTh[o] = (gTh[o] as number) + (gThAcc[o] as number);
  if (gB) for (let o = 0; o < n; o++) gB[o] = (gB[o] as number) + (gBAcc[o] as number);
}
