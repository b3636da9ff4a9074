import { createSpec, type NetworkSpec, type NeuronModel, type ResetMode } from '../../src/model/index.js';
import type { Surrogate } from '../../src/neuron/index.js';
import type { SpikeTensor } from '../../src/model/index.js';
import { Rng } from '../../src/util/index.js';

/** One random case of the trainer tests. */
export interface TrainCase {
  spec: NetworkSpec;
  input: SpikeTensor;
  labels: Int32Array;
  label: string;
}

/** The four surrogates with their default parameters. */
export const SURROGATES: Surrogate[] = [
  { kind: 'exponential', scale: 1.5, tau: 3.75 },
  { kind: 'fastSigmoid', slope: 25 },
  { kind: 'atan', alpha: 2 },
  { kind: 'triangle', scale: 1, width: 1 },
];

/**
 * A random small network (sizes e.g. [11, 7, 4]) with weights scaled so that neurons fire at moderate rates,
 * per-neuron thresholds (`learnedTh`) or one shared value, optional bias and delays, and a random binary input.
 */
export function randomCase(
  seed: number,
  o: {
    neuron: NeuronModel['kind'];
    reset: ResetMode;
    learnedTh: boolean;
    bias: boolean;
    delay: number;
    sizes?: number[];
    batch?: number;
    steps?: number;
    counts?: boolean;
  },
): TrainCase {
  const rng = new Rng(seed);
  const sizes = o.sizes ?? [11, 7, 4];
  const neuron: NeuronModel =
    o.neuron === 'cuba' ? { kind: 'cuba', currentRetention: 0.75, voltageRetention: 0.97 } : { kind: 'lif', beta: 0.9 };
  const spec = createSpec({ sizes, neuron, reset: o.reset, bias: o.bias, thInit: 0.8, delaySteps: o.delay });
  for (const l of spec.layers) {
    const a = 1.6 / Math.sqrt(l.inputSize);
    for (let i = 0; i < l.weights.length; i++) l.weights[i] = rng.range(-0.6 * a, a);
    if (o.learnedTh) for (let i = 0; i < l.size; i++) l.thresholds[i] = rng.range(0.3, 1.3);
    if (l.bias) for (let i = 0; i < l.size; i++) l.bias[i] = rng.range(-0.05, 0.1);
  }
  const batch = o.batch ?? 3;
  const steps = o.steps ?? 14;
  const data = new Float32Array(batch * steps * (sizes[0] as number));
  for (let k = 0; k < data.length; k++) data[k] = rng.bernoulli(0.3) ? (o.counts && rng.bernoulli(0.3) ? 2 : 1) : 0;
  const labels = new Int32Array(batch);
  const classes = sizes[sizes.length - 1] as number;
  for (let b = 0; b < batch; b++) labels[b] = rng.int(classes);
  const label = `${o.neuron}/${o.reset}/${o.learnedTh ? 'learnedTh' : 'fixedTh'}/${o.bias ? 'bias' : 'nobias'}/d${o.delay}`;
  return { spec, input: { batch, steps, channels: sizes[0] as number, data }, labels, label };
}

/**
 * Relative agreement used by the parity tests: |a - b| <= rel * max(|a|, |b|, scale), scale = max |b| over the whole
 * tensor (so that entries near zero are judged against the tensor's magnitude, not their own).
 * @returns the worst |a - b| / max(|a|, |b|, scale) (0 when both tensors are all zero)
 */
export function worstRelative(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i] as number));
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    const den = Math.max(Math.abs(x), Math.abs(y), scale);
    if (den > 0) worst = Math.max(worst, Math.abs(x - y) / den);
  }
  return worst;
}
