import type { LayerSpec, NetworkSpec } from '../model/spec.js';
import type { SpikeTensor } from '../model/spikes.js';
import { prepareLayers, referenceForward, weightPort } from '../neuron/dynamics.js';
import {
  paramValuesPerNeuron,
  resetPartials,
  resetState,
  resolveParams,
  spikeArgument,
  spikeArgumentPartials,
  voltageIndex,
  type NeuronCalculus,
  type NeuronModelDef,
  type NeuronParams,
  type ParamValues,
} from '../neuron/model.js';
import { surrogateGrad } from '../neuron/surrogate.js';
import { RouserError } from '../util/errors.js';
import { lossAndGrad } from './loss.js';
import type { ForwardResult, GradientOptions, Gradients, StepResult, TrainBackend } from './types.js';

/**
 * The unfused reference BPTT backend: plain loops, one sample at a time, written to be read and trusted rather
 * than to be fast. It is the oracle the fused and tfjs backends are checked against, and it trains ANY registered
 * neuron model that declares its calculus (src/neuron/interface.ts `NeuronCalculus`).
 *
 * Forward (per layer, per step t, exactly `referenceForward` in src/neuron/dynamics.ts, float32):
 *   x_p[t] = sum of W s_in[t - delay] over the weights routed to port p (+ b on port 0)
 *   s[t] = model.step(s[t-1], x[t])          with S[t] the spikes and U[t] the pre-reset voltage
 * Backward, per neuron, from the model's calculus (float64), with the step decomposed as
 *   s' = F(s[t-1], x[t]),   u = U(s', Th),   S = H(u),   s[t] = s' + S (R(s', Th) - s')
 * and G[t] = dL/ds[t] (zero after the last step), gS[t] = dL/dS[t] from the loss or the next layer:
 *   G'    = G[t] (I + S (dR/ds' - I))                      through the reset
 *   gS   += [not detached] G[t] . (R - s')                  the reset's dependence on S
 *   gTh  += S G[t] . dR/dTh + gS g(u) du/dTh               g = the surrogate, dS/du
 *   G'   += gS g(u) du/ds'
 *   G[t-1] = G' dF/ds,   gx[t] = G' dF/dx,   then gW[o][i] += gx_port(w)[o] s_in[i], gb[o] += gx_0[o],
 *   dL/ds_in[i] += sum_o W[o][i] gx_port(w)[o]
 * s' is evaluated in float64 from the recorded float32 s[t-1] and x[t], with its voltage replaced by the recorded
 * float32 U[t] so that the surrogate sees exactly the pre-reset voltage of the forward pass. For cuba and lif this is
 * the classic recursion gV[t] = aV gU[t+1], gU = gV dV/dU + gS g, gI[t] = gU + aI gI[t+1], gx = gI.
 * `detachReset` (default, the paper) treats S in the reset term as a constant (stop-gradient on S, the snnTorch
 * convention): the reset still multiplies the voltage gradient by (1 - S) for zero reset, and the subtract reset
 * still passes -S to the threshold, but no surrogate term flows through the reset.
 * Loss on output counts C = sum_t S_L[t] (see loss.ts), so dL/dS_L[t] = dL/dC for every t.
 * All backward arithmetic is in float64; gradients are summed over the batch (the loss is a batch mean) and
 * stored as float32.
 */
export function createReferenceBackend(): TrainBackend {
  return {
    name: 'reference',
    description: 'reference (unfused loops, one sample at a time, float64 BPTT)',
    forward: (spec, input, opts) =>
      Promise.resolve(referenceBatch(spec, input, undefined, opts?.recordSpikes === true)),
    forwardBackward: (spec, input, labels, opts, grads) =>
      Promise.resolve(referenceBatch(spec, input, { labels, opts, grads })),
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
    throw new RouserError(
      `reference backend: input has ${input.channels} channels; expected ${spec.inputSize} (the network input size)`,
    );
  if (input.data.length !== input.batch * input.steps * input.channels)
    throw new RouserError(
      `reference backend: input.data.length is ${input.data.length}; expected batch*steps*channels = ${input.batch * input.steps * input.channels}`,
    );
}

function referenceBatch(
  spec: NetworkSpec,
  input: SpikeTensor,
  bw: BackwardRequest | undefined,
  recordSpikes = false,
): StepResult & ForwardResult {
  checkInput(spec, input);
  const { batch, steps, channels } = input;
  const layers = spec.layers;
  const last = layers[layers.length - 1] as LayerSpec;
  const classes = last.size;
  const outputCounts = new Float32Array(batch * classes);
  const layerCounts = layers.map((l) => new Float64Array(l.size));
  if (bw) {
    if (bw.labels.length < batch)
      throw new RouserError(
        `reference backend: labels.length is ${bw.labels.length}; expected ${batch} (the batch size)`,
      );
    for (const g of bw.grads.weights) g.fill(0);
    for (const g of bw.grads.thresholds) g.fill(0);
    for (const g of bw.grads.bias) g?.fill(0);
  }
  const prepared = prepareLayers(layers, spec.dtMs);
  const calc = bw
    ? layers.map((l, li) => layerCalculus(l, (prepared[li] as { model: NeuronModelDef }).model, li, spec.dtMs))
    : [];
  // Per-sample pre-reset voltages, post-step states and port inputs [steps][size] per layer.
  const pre = layers.map((l) => new Float32Array(steps * l.size));
  const models = prepared.map((p) => p.model);
  const states = bw
    ? layers.map((l, li) => (models[li] as NeuronModelDef).state.map(() => new Float32Array(steps * l.size)))
    : undefined;
  const inputs = bw
    ? layers.map((l, li) => (models[li] as NeuronModelDef).ports.map(() => new Float32Array(steps * l.size)))
    : undefined;
  const per = steps * channels;
  const samples: Trace[] = [];
  const recorded = recordSpikes ? layers.map((l) => new Uint8Array(batch * steps * l.size)) : undefined;
  for (let b = 0; b < batch; b++) {
    const x = input.data.subarray(b * per, (b + 1) * per);
    const spikes = referenceForward(
      layers,
      x,
      steps,
      pre,
      states && inputs ? { dtMs: spec.dtMs, states, inputs } : { dtMs: spec.dtMs },
    );
    layers.forEach((layer, li) => {
      const sp = spikes[li] as Uint8Array;
      const lc = layerCounts[li] as Float64Array;
      for (let t = 0; t < steps; t++)
        for (let o = 0; o < layer.size; o++) lc[o] = (lc[o] as number) + (sp[t * layer.size + o] as number);
    });
    const outSp = spikes[layers.length - 1] as Uint8Array;
    for (let t = 0; t < steps; t++)
      for (let c = 0; c < classes; c++)
        outputCounts[b * classes + c] = (outputCounts[b * classes + c] as number) + (outSp[t * classes + c] as number);
    if (bw && states && inputs)
      samples.push({
        spikes,
        pre: pre.map((p) => p.slice()),
        states: states.map((l) => l.map((a) => a.slice())),
        inputs: inputs.map((l) => l.map((a) => a.slice())),
      });
    recorded?.forEach((r, li) => r.set(spikes[li] as Uint8Array, b * steps * (layers[li] as LayerSpec).size));
  }
  if (!bw)
    return recorded
      ? { outputCounts, layerCounts, loss: NaN, spikes: recorded }
      : { outputCounts, layerCounts, loss: NaN };

  const dCounts = new Float64Array(batch * classes);
  const loss = lossAndGrad(bw.opts.loss, outputCounts, bw.labels, batch, classes, steps, dCounts);
  for (let b = 0; b < batch; b++) {
    const smp = samples[b] as Trace;
    const x = input.data.subarray(b * per, (b + 1) * per);
    // dL/dS[t][o] of the current layer, starting with the output layer.
    let gS = new Float64Array(steps * classes);
    for (let t = 0; t < steps; t++)
      for (let c = 0; c < classes; c++) gS[t * classes + c] = dCounts[b * classes + c] as number;
    for (let li = layers.length - 1; li >= 0; li--) {
      const layer = layers[li] as LayerSpec;
      const gIn = li > 0 ? new Float64Array(steps * layer.inputSize) : undefined;
      backwardLayer(
        layer,
        calc[li] as LayerCalculus,
        bw.opts,
        steps,
        smp,
        li,
        li === 0 ? x : (smp.spikes[li - 1] as Uint8Array),
        gS,
        gIn,
        bw.grads,
      );
      if (gIn) gS = gIn;
    }
  }
  return { outputCounts, layerCounts, loss };
}

/** One sample's forward record: per layer spikes, pre-reset voltages, post-step states and port inputs. */
interface Trace {
  spikes: Uint8Array[];
  pre: Float32Array[];
  states: Float32Array[][];
  inputs: Float32Array[][];
}

/** A layer's model with its calculus and per-neuron parameter values. */
interface LayerCalculus {
  model: NeuronModelDef;
  calculus: NeuronCalculus;
  params: ParamValues[];
  dtMs: number;
}

function layerCalculus(layer: LayerSpec, model: NeuronModelDef, li: number, dtMs: number): LayerCalculus {
  const calculus = model.calculus;
  if (!calculus)
    throw new RouserError(
      `reference backend: layers[${li}].neuron.kind is ${JSON.stringify(model.name)}; expected a neuron model that declares its calculus (partial derivatives) to be trained (this one can only be simulated)`,
    );
  const resolved = resolveParams(
    model,
    layer.neuron as unknown as NeuronParams,
    layer.size,
    `NetworkSpec: layers[${li}].neuron`,
  );
  return { model, calculus, params: paramValuesPerNeuron(resolved, layer.size), dtMs };
}

/** BPTT through one layer for one sample; accumulates parameter gradients and writes dL/ds_in into `gIn`. */
function backwardLayer(
  layer: LayerSpec,
  lc: LayerCalculus,
  opts: GradientOptions,
  steps: number,
  trace: Trace,
  li: number,
  src: Float32Array | Uint8Array,
  gS: Float64Array,
  gIn: Float64Array | undefined,
  grads: Gradients,
): void {
  const { model, calculus, params, dtMs } = lc;
  const n = layer.size;
  const m = model.state.length;
  const P = model.ports.length;
  const Q = calculus.params.length;
  const vi = voltageIndex(model);
  const inSize = layer.inputSize;
  const th = layer.thresholds;
  const w = layer.weights;
  const pre = trace.pre[li] as Float32Array;
  const spikes = trace.spikes[li] as Uint8Array;
  const states = trace.states[li] as Float32Array[];
  const inputs = trace.inputs[li] as Float32Array[];
  const gW = grads.weights[li] as Float32Array;
  const gTh = grads.thresholds[li] as Float32Array;
  const gB = grads.bias[li];
  const detach = opts.detachReset;
  const G = new Float64Array(n * m); // dL/ds[t] (post-step state), per neuron
  const gx = new Float64Array(P * n); // dL/dx_p[t][o]
  const prev = new Float64Array(m);
  const x = new Float64Array(P);
  const next = new Float64Array(m);
  const R = new Float64Array(m);
  const dR = new Float64Array(m * m);
  const dRth = new Float64Array(m);
  const du = new Float64Array(m);
  const dF = new Float64Array(m * m);
  const dX = new Float64Array(m * P);
  const dP = new Float64Array(m * Q);
  const Gp = new Float64Array(m);
  const gWAcc = new Float64Array(n * inSize);
  const gThAcc = new Float64Array(n);
  const gBAcc = new Float64Array(n);
  for (let t = steps - 1; t >= 0; t--) {
    for (let o = 0; o < n; o++) {
      const p = params[o] as ParamValues;
      for (let j = 0; j < m; j++)
        prev[j] =
          t === 0
            ? (model.state[j] as { rest: number }).rest
            : ((states[j] as Float32Array)[(t - 1) * n + o] as number);
      for (let q = 0; q < P; q++) x[q] = (inputs[q] as Float32Array)[t * n + o] as number;
      calculus.update(p, dtMs, prev, x, next);
      next[vi] = pre[t * n + o] as number;
      const thr = th[o] as number;
      const S = spikes[t * n + o] as number;
      const gBase = o * m;
      let gs = gS[t * n + o] as number;
      let gThO = 0;
      if (S === 1 || !detach) {
        resetState(model, p, next, thr, layer.reset, R);
        resetPartials(model, p, next, thr, layer.reset, dR, dRth);
      }
      for (let j = 0; j < m; j++) {
        if (S === 1) {
          let acc = 0;
          for (let i = 0; i < m; i++) acc += (G[gBase + i] as number) * (dR[i * m + j] as number);
          Gp[j] = acc;
        } else Gp[j] = G[gBase + j] as number;
      }
      if (S === 1) for (let i = 0; i < m; i++) gThO += (G[gBase + i] as number) * (dRth[i] as number);
      if (!detach)
        for (let i = 0; i < m; i++) gs += (G[gBase + i] as number) * ((R[i] as number) - (next[i] as number));
      const u = spikeArgument(model, p, next, thr);
      const duTh = spikeArgumentPartials(model, p, next, thr, du);
      const gu = gs * surrogateGrad(opts.surrogate, u);
      for (let j = 0; j < m; j++) Gp[j] = (Gp[j] as number) + gu * (du[j] as number);
      gThO += gu * duTh;
      gThAcc[o] = (gThAcc[o] as number) + gThO;
      calculus.partials(p, dtMs, prev, x, dF, dX, dP);
      for (let j = 0; j < m; j++) {
        let acc = 0;
        for (let i = 0; i < m; i++) acc += (Gp[i] as number) * (dF[i * m + j] as number);
        G[gBase + j] = acc;
      }
      for (let q = 0; q < P; q++) {
        let acc = 0;
        for (let i = 0; i < m; i++) acc += (Gp[i] as number) * (dX[i * P + q] as number);
        gx[q * n + o] = acc;
      }
      gBAcc[o] = (gBAcc[o] as number) + (gx[o] as number);
    }
    const srcT = t - layer.delaySteps;
    if (srcT < 0) continue;
    const base = srcT * inSize;
    for (let i = 0; i < inSize; i++) {
      const s = src[base + i] as number;
      let sum = 0;
      for (let o = 0; o < n; o++) {
        const wv = w[o * inSize + i] as number;
        const g = gx[weightPort(P, wv) * n + o] as number;
        if (s !== 0) gWAcc[o * inSize + i] = (gWAcc[o * inSize + i] as number) + g * s;
        sum += wv * g;
      }
      if (gIn) gIn[base + i] = (gIn[base + i] as number) + sum;
    }
  }
  for (let k = 0; k < gW.length; k++) gW[k] = (gW[k] as number) + (gWAcc[k] as number);
  for (let o = 0; o < n; o++) gTh[o] = (gTh[o] as number) + (gThAcc[o] as number);
  if (gB) for (let o = 0; o < n; o++) gB[o] = (gB[o] as number) + (gBAcc[o] as number);
}
