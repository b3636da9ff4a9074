/**
 * The `tfjs` training backend: the same network, loss and surrogate BPTT as the fused kernels, written as plain
 * TensorFlow.js ops and differentiated by tfjs autodiff; the reference that the fused backend is checked against.
 * This is the only module that imports `@tensorflow/*`.
 *
 * Loader: `@tensorflow/tfjs-node` (optional dependency; it cannot install on many machines) -> the wasm backend
 * (`@tensorflow/tfjs-backend-wasm`, its .wasm files located next to the package's dist/) -> the pure-JS cpu backend.
 * The backend in use is reported in `description`, e.g. "tfjs wasm (tfjs-node not installed)".
 *
 * Per layer (rows b*T + t), exactly the equations of `src/neuron/dynamics.ts` in float32 tensor ops:
 *   x = s_in[t - delay] W^T + bias  (bias every step, also while t < delay);  I = aI I + x;  U = aV V + I (lif: U = aV V + x)
 *   S = spike(U, Th) = [U >= Th], custom gradient dS/dU = g(U - Th), dS/dTh = -g(U - Th)
 *   V = U (1 - S')  (zero reset) or  V = U - Th S'  (subtract reset), S' = detach(S) when `detachReset`, else S
 * Loss on output counts sum_t S (the losses of `loss.ts`, written in tensor ops).
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type * as TfNs from '@tensorflow/tfjs';
import type { NetworkSpec } from '../model/spec.js';
import type { SpikeTensor } from '../model/spikes.js';
import { neuronCoefficients } from '../neuron/dynamics.js';
import { surrogateProblem, type Surrogate } from '../neuron/surrogate.js';
import { RouserError, fail } from '../util/errors.js';
import type { LossSpec } from './loss.js';
import type { ForwardResult, GradientOptions, Gradients, StepResult, TrainBackend } from './types.js';

type Tf = typeof TfNs;
type Tensor = TfNs.Tensor;

/** Which tfjs backend the loader selected. */
export type TfBackendName = 'tensorflow' | 'wasm' | 'cpu';

/** The loaded tfjs module, the backend in use and why the better ones were skipped. */
export interface LoadedTf {
  tf: Tf;
  backend: TfBackendName;
  notes: string[];
}

let loading: Promise<LoadedTf> | undefined;

/**
 * Loads TensorFlow.js once per process: tfjs-node if it is installed and loads, else the wasm backend, else cpu.
 * @returns the module, the selected backend and notes on skipped backends
 */
export function loadTf(): Promise<LoadedTf> {
  loading ??= (async (): Promise<LoadedTf> => {
    const notes: string[] = [];
    try {
      const nodeName = '@tensorflow/tfjs-node';
      const mod = (await import(nodeName)) as Tf & { default?: Tf };
      const tf = mod.default ?? mod;
      if (await tf.setBackend('tensorflow')) {
        await tf.ready();
        return { tf, backend: 'tensorflow', notes };
      }
      notes.push('tfjs-node loaded but its backend did not initialise');
    } catch (e) {
      const code = (e as { code?: string }).code;
      notes.push(
        code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND'
          ? 'tfjs-node not installed'
          : `tfjs-node failed: ${(e as Error).message}`,
      );
    }
    const tf = await import('@tensorflow/tfjs');
    try {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      const req = createRequire(import.meta.url);
      wasm.setWasmPaths(`${dirname(req.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        return { tf, backend: 'wasm', notes };
      }
      notes.push('wasm backend did not initialise');
    } catch (e) {
      notes.push(`wasm failed: ${(e as Error).message}`);
    }
    await tf.setBackend('cpu');
    await tf.ready();
    return { tf, backend: 'cpu', notes };
  })();
  return loading;
}

/** Surrogate pseudo-derivative g(x) as tensor ops (same formulas as `surrogateGrad`). */
function surrogateTensor(tf: Tf, sg: Surrogate, x: Tensor): Tensor {
  switch (sg.kind) {
    case 'exponential':
      return tf.mul(sg.scale / sg.tau, tf.exp(tf.div(tf.neg(tf.abs(x)), sg.tau)));
    case 'fastSigmoid':
      return tf.div(1, tf.square(tf.add(1, tf.mul(sg.slope, tf.abs(x)))));
    case 'atan':
      return tf.div(sg.alpha / 2, tf.add(1, tf.square(tf.mul((Math.PI * sg.alpha) / 2, x))));
    case 'triangle':
      return tf.mul(sg.scale, tf.relu(tf.sub(1, tf.div(tf.abs(x), sg.width))));
    default: {
      const never: never = sg;
      throw new RouserError(`unknown surrogate ${JSON.stringify(never)}`);
    }
  }
}

/** Mean loss over the batch from counts [B, C] (the formulas of `lossAndGrad`). */
function lossTensor(
  tf: Tf,
  loss: LossSpec,
  counts: Tensor,
  labels: Int32Array,
  classes: number,
  steps: number,
): Tensor {
  const batch = labels.length;
  switch (loss.kind) {
    case 'rateMse': {
      const target = new Float32Array(batch * classes).fill(loss.falseRate);
      for (let b = 0; b < batch; b++) target[b * classes + (labels[b] as number)] = loss.trueRate;
      const diff = tf.sub(tf.div(counts, steps), tf.tensor2d(target, [batch, classes]));
      return tf.div(tf.mul(0.5, tf.sum(tf.square(diff))), batch);
    }
    case 'crossEntropy': {
      const onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), classes).toFloat();
      const picked = tf.sum(tf.mul(counts, onehot), 1);
      return tf.mean(tf.sub(tf.logSumExp(counts, 1), picked));
    }
    default: {
      const never: never = loss;
      throw new RouserError(`unknown loss ${JSON.stringify(never)}`);
    }
  }
}

/** Runs the network on tensors; returns per-layer spike sums [B, n] and the output counts. */
function runNetwork(
  tf: Tf,
  spec: NetworkSpec,
  input: SpikeTensor,
  params: Tensor[],
  sg: Surrogate,
  detachReset: boolean,
): { layerSums: Tensor[] } {
  const { batch: B, steps: T } = input;
  const spike = tf.customGrad(((u: Tensor, th: Tensor, save: TfNs.GradSaveFunc) => {
    save([u, th]);
    return {
      value: tf.cast(tf.greaterEqual(u, th), 'float32'),
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [us, ths] = saved as [Tensor, Tensor];
        const du = tf.mul(dy, surrogateTensor(tf, sg, tf.sub(us, ths)));
        return [du, tf.neg(tf.sum(du, 0))];
      },
    };
  }) as unknown as Parameters<Tf['customGrad']>[0]) as unknown as (u: Tensor, th: Tensor) => Tensor;
  const detach = tf.customGrad(((x: Tensor) => ({
    value: tf.clone(x),
    gradFunc: (dy: Tensor) => tf.zerosLike(dy),
  })) as unknown as Parameters<Tf['customGrad']>[0]) as unknown as (x: Tensor) => Tensor;

  let seq: Tensor = tf.tensor2d(input.data, [B * T, input.channels]);
  const layerSums: Tensor[] = [];
  let p = 0;
  spec.layers.forEach((layer) => {
    const n = layer.size;
    const W = params[p++] as Tensor;
    const th = params[p++] as Tensor;
    const bias = layer.bias ? (params[p++] as Tensor) : undefined;
    const x = tf.matMul(seq, W, false, true);
    const xs = tf.split(tf.reshape(x, [B, T, n]), T, 1).map((s) => tf.reshape(s, [B, n]));
    const c = neuronCoefficients(layer.neuron);
    const zeros = tf.zeros([B, n]);
    let cur: Tensor = zeros;
    let vol: Tensor = zeros;
    const spikes: Tensor[] = [];
    for (let t = 0; t < T; t++) {
      const shifted = t >= layer.delaySteps ? (xs[t - layer.delaySteps] as Tensor) : zeros;
      const xt = bias ? tf.add(shifted, bias) : shifted;
      let u: Tensor;
      if (c.hasCurrent) {
        cur = tf.add(tf.mul(cur, c.aI), xt);
        u = tf.add(tf.mul(vol, c.aV), cur);
      } else {
        u = tf.add(tf.mul(vol, c.aV), xt);
      }
      const s = spike(u, th);
      spikes.push(s);
      const sr = detachReset ? detach(s) : s;
      switch (layer.reset) {
        case 'zero':
          vol = tf.mul(u, tf.sub(1, sr));
          break;
        case 'subtract':
          vol = tf.sub(u, tf.mul(th, sr));
          break;
        default: {
          const never: never = layer.reset;
          throw new RouserError(`unknown reset ${String(never)}`);
        }
      }
    }
    layerSums.push(tf.addN(spikes));
    seq = tf.reshape(tf.stack(spikes, 1), [B * T, n]);
  });
  return { layerSums };
}

function paramTensors(tf: Tf, spec: NetworkSpec): Tensor[] {
  const out: Tensor[] = [];
  for (const l of spec.layers) {
    out.push(tf.tensor2d(l.weights, [l.size, l.inputSize]));
    out.push(tf.tensor1d(l.thresholds));
    if (l.bias) out.push(tf.tensor1d(l.bias));
  }
  return out;
}

function checkInputs(spec: NetworkSpec, input: SpikeTensor, labels?: Int32Array): void {
  if (spec.layers.length === 0) fail('NetworkSpec', 'layers.length', 0, 'at least 1 layer');
  if (input.channels !== spec.inputSize)
    fail('SpikeTensor', 'channels', input.channels, `${spec.inputSize} (the network input size)`);
  const want = input.batch * input.steps * input.channels;
  if (input.data.length !== want)
    fail('SpikeTensor', 'data.length', input.data.length, `${want} (batch*steps*channels)`);
  if (labels && labels.length !== input.batch)
    fail('labels', 'length', labels.length, `${input.batch} (the batch size)`);
}

/** Reads per-layer sums [B, n] into the {@link ForwardResult} shape. */
function readCounts(spec: NetworkSpec, sums: Tensor[]): ForwardResult {
  const layerCounts = sums.map((s, l) => {
    const v = s.dataSync();
    const n = (spec.layers[l] as { size: number }).size;
    const out = new Float64Array(n);
    for (let k = 0; k < v.length; k++) out[k % n] = (out[k % n] as number) + (v[k] as number);
    return out;
  });
  const last = sums[sums.length - 1] as Tensor;
  return { outputCounts: Float32Array.from(last.dataSync()), layerCounts };
}

/** Runs `fn` in a tfjs scope: every tensor it creates is disposed afterwards, plain results are returned. */
function scoped<T>(tf: Tf, fn: () => T): T {
  tf.engine().startScope();
  try {
    return fn();
  } finally {
    tf.engine().endScope();
  }
}

/**
 * Creates the tfjs reference backend (loads tfjs on first use; see {@link loadTf}).
 * @example
 * const tfb = await createTfBackend();
 * console.log(tfb.description); // "tfjs wasm (tfjs-node not installed)"
 */
export async function createTfBackend(): Promise<TrainBackend> {
  const { tf, backend, notes } = await loadTf();
  return {
    name: 'tfjs',
    description: `tfjs ${backend}${notes.length ? ` (${notes.join('; ')})` : ''}`,
    forward(spec, input) {
      checkInputs(spec, input);
      const res = scoped(tf, () => {
        const { layerSums } = runNetwork(
          tf,
          spec,
          input,
          paramTensors(tf, spec),
          { kind: 'exponential', scale: 1, tau: 1 },
          true,
        );
        return readCounts(spec, layerSums);
      });
      return Promise.resolve(res);
    },
    forwardBackward(spec, input, labels, opts: GradientOptions, grads: Gradients): Promise<StepResult> {
      checkInputs(spec, input, labels);
      const problem = surrogateProblem(opts.surrogate);
      if (problem) throw new RouserError(problem);
      const classes = (spec.layers[spec.layers.length - 1] as { size: number }).size;
      const res = scoped(tf, () => {
        const params = paramTensors(tf, spec);
        let sums: Tensor[] = [];
        const f = (...ps: Tensor[]): Tensor => {
          const { layerSums } = runNetwork(tf, spec, input, ps, opts.surrogate, opts.detachReset);
          sums = layerSums.map((s) => tf.keep(s));
          return lossTensor(tf, opts.loss, layerSums[layerSums.length - 1] as Tensor, labels, classes, input.steps);
        };
        const { value, grads: g } = tf.valueAndGrads(f)(params);
        let p = 0;
        spec.layers.forEach((l, k) => {
          (grads.weights[k] as Float32Array).set(g[p++]?.dataSync() as Float32Array);
          (grads.thresholds[k] as Float32Array).set(g[p++]?.dataSync() as Float32Array);
          if (l.bias) (grads.bias[k] as Float32Array).set(g[p++]?.dataSync() as Float32Array);
        });
        const fr = readCounts(spec, sums);
        for (const s of sums) s.dispose();
        return { ...fr, loss: value.dataSync()[0] as number };
      });
      return Promise.resolve(res);
    },
    dispose() {
      return Promise.resolve();
    },
  };
}
