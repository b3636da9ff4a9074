import { createSpec, PAPER_DEFAULTS, type NetworkSpec, type NeuronModel, type ResetMode } from '../model/spec.js';
import { fail } from '../util/errors.js';
import { Rng } from '../util/rng.js';

/** Options of {@link initNetwork}. */
export interface InitOptions {
  /** Layer sizes including the input, e.g. [2312, 500, 500, 10]. */
  sizes: number[];
  /** Default: CUBA with the paper's retentions (aI = 0.75, aV = 0.97). */
  neuron?: NeuronModel;
  /** Default `zero` (the paper). */
  reset?: ResetMode;
  /** Initial threshold of every neuron (default 1.25, the paper). */
  thresholdInit?: number;
  /** Per-neuron bias (initialised to 0). Default false. */
  bias?: boolean;
  /** Time step in ms (default 1). */
  dtMs?: number;
  /** Multiplies the Kaiming bound (default 1). */
  weightScale?: number;
  /** Seed of the weight draw: equal seeds and sizes give bit-identical weights. */
  seed: number;
}

/**
 * Kaiming-uniform bound (He et al. 2015, gain sqrt(2) for ReLU-like units; PyTorch `kaiming_uniform_` with
 * `nonlinearity='relu'`): W ~ U(-b, b) with b = weightScale * sqrt(6 / fanIn) = weightScale * gain * sqrt(3 / fanIn).
 * This is sqrt(6) ~ 2.45 times PyTorch's nn.Linear default (1/sqrt(fanIn)): SLAYER-style networks need weights that
 * are large relative to Th = 1.25 for a freshly initialised CUBA net to spike on sparse binary input at T ~ 20.
 */
export function kaimingBound(fanIn: number, weightScale = 1): number {
  if (!Number.isInteger(fanIn) || fanIn < 1) fail('kaimingBound', 'fanIn', fanIn, 'a positive integer');
  return weightScale * Math.sqrt(6 / fanIn);
}

/**
 * A freshly initialised network: weights of layer l drawn i.i.d. from U(-b_l, b_l), b_l = weightScale *
 * sqrt(6 / fanIn_l) ({@link kaimingBound}), in row-major order (out x in), layer by layer, from one {@link Rng}
 * seeded with `seed`; each value is rounded to float32. Thresholds all equal `thresholdInit`; biases are 0.
 */
export function initNetwork(opts: InitOptions): NetworkSpec {
  const where = 'initNetwork';
  if (!Array.isArray(opts.sizes) || opts.sizes.length < 2) fail(where, 'sizes', opts.sizes, 'at least two sizes (input and output), e.g. [100, 64, 10]');
  opts.sizes.forEach((s, i) => {
    if (!Number.isInteger(s) || s < 1) fail(where, `sizes[${i}]`, s, 'a positive integer');
  });
  const th = opts.thresholdInit ?? PAPER_DEFAULTS.thresholdInit;
  if (!Number.isFinite(th)) fail(where, 'thresholdInit', th, 'a finite number');
  const scale = opts.weightScale ?? 1;
  if (!(Number.isFinite(scale) && scale >= 0)) fail(where, 'weightScale', scale, 'a finite number >= 0');
  if (!Number.isFinite(opts.seed)) fail(where, 'seed', opts.seed, 'a finite number');
  const spec = createSpec({
    sizes: opts.sizes,
    ...(opts.neuron ? { neuron: opts.neuron } : {}),
    reset: opts.reset ?? PAPER_DEFAULTS.reset,
    thresholdInit: th,
    bias: opts.bias ?? false,
    dtMs: opts.dtMs ?? 1,
  });
  const rng = new Rng(opts.seed);
  for (const layer of spec.layers) {
    const b = kaimingBound(layer.inputSize, scale);
    const w = layer.weights;
    for (let k = 0; k < w.length; k++) w[k] = rng.range(-b, b);
  }
  return spec;
}
