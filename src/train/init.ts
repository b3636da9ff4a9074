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
  thInit?: number;
  /** Per-neuron bias (initialised to 0). Default false. */
  bias?: boolean;
  /** Time step in ms (default 1). */
  dtMs?: number;
  /** Multiplies the initial weight bound (default 1; lava-dl's `weight_scale`). */
  weightScale?: number;
  /** Initialisation scheme (default `kaiming`); see {@link INIT_SCHEMES}. */
  init?: InitScheme;
  /** Seed of the weight draw: equal seeds and sizes give bit-identical weights. */
  seed: number;
}

/**
 * Weight initialisation schemes:
 * - `kaiming`: W ~ U(-b, b), b = weightScale * sqrt(6 / fanIn) ({@link kaimingBound}); no inter-layer delay.
 * - `lava-dl`: the starting point of the paper's framework (lava-dl SLAYER `block.cuba.Dense`, NMNIST tutorial), see
 *   {@link lavaDlBound}, {@link quantizeLavaDlWeight} and {@link LAVA_DL}: W ~ U(-b, b) with PyTorch's default
 *   Conv3d bound b = weightScale / sqrt(fanIn), rounded to lava-dl's 8-bit weight grid (step 2 / 64 = 1/32,
 *   clamped to [-4, 254/64]), and a one-step delay into every layer after the first (lava-dl's `delay_shift`).
 */
export type InitScheme = 'kaiming' | 'lava-dl';

/** Accepted values of {@link InitOptions.init}. */
export const INIT_SCHEMES: readonly InitScheme[] = ['kaiming', 'lava-dl'];

/**
 * Constants of lava-dl (github.com/lava-nc/lava-dl, commit d825ac5) that fix the forward pass of a freshly built
 * `slayer.block.cuba.Dense` network:
 * - `wScale` = 64: `cuba.Neuron(scale=1 << 6)` passes `w_scale = scale` to `neuron/base.py`;
 * - `weightStep` = 2 / wScale: `base.Neuron.quantize_8bit` returns `quantize(weight, step=2 / w_scale)` (round to
 *   nearest, `utils/quantize.py`) clamped to [-256 / w_scale, 254 / w_scale]; `block/cuba.py` installs it as the
 *   synapse's `pre_hook_fx`, so every forward pass (training included) sees the quantised weights;
 * - `interLayerDelay` = 1: `block/base.py` `AbstractDense(delay_shift=True)` delays each block's output spikes by one
 *   step (`step_delay`) before the next block.
 */
export const LAVA_DL = {
  wScale: 64,
  weightStep: 2 / 64,
  weightMin: -256 / 64,
  weightMax: 254 / 64,
  interLayerDelay: 1,
} as const;

/**
 * lava-dl's initial weight bound: `synapse.layer.Dense` is a `torch.nn.Conv3d` whose `reset_parameters` runs
 * `kaiming_uniform_(w, a=sqrt(5))`, i.e. b = gain * sqrt(3 / fanIn) with gain = sqrt(2 / (1 + 5)), so
 * b = 1 / sqrt(fanIn); `weight_scale` multiplies the drawn weights (`synapse/layer.py`).
 */
export function lavaDlBound(fanIn: number, weightScale = 1): number {
  if (!Number.isInteger(fanIn) || fanIn < 1) fail('lavaDlBound', 'fanIn', fanIn, 'a positive integer');
  return weightScale / Math.sqrt(fanIn);
}

/**
 * lava-dl's 8-bit weight quantisation (`quantize_8bit`): round(w / step) * step with step = 1/32, ties to even as
 * `torch.round` does, clamped to [-4, 3.96875]. Weights with |w| < 1/64 become 0.
 */
export function quantizeLavaDlWeight(w: number): number {
  const q = w / LAVA_DL.weightStep;
  let r = Math.round(q);
  if (Math.abs(q - Math.trunc(q)) === 0.5 && r % 2 !== 0) r -= 1; // torch.round: half to even
  return Math.min(LAVA_DL.weightMax, Math.max(LAVA_DL.weightMin, r * LAVA_DL.weightStep));
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
 * A freshly initialised network: weights of layer l drawn i.i.d. from U(-b_l, b_l), in row-major order (out x in),
 * layer by layer, from one {@link Rng} seeded with `seed`; each value is rounded to float32. `kaiming`:
 * b_l = weightScale * sqrt(6 / fanIn_l) ({@link kaimingBound}), every delay 0. `lava-dl`: b_l = weightScale /
 * sqrt(fanIn_l) ({@link lavaDlBound}), each weight then put on lava-dl's grid ({@link quantizeLavaDlWeight}), and
 * layers 1.. get `delaySteps` = 1. Thresholds all equal `thInit`; biases are 0.
 */
export function initNetwork(opts: InitOptions): NetworkSpec {
  const where = 'initNetwork';
  if (!Array.isArray(opts.sizes) || opts.sizes.length < 2)
    fail(where, 'sizes', opts.sizes, 'at least two sizes (input and output), e.g. [100, 64, 10]');
  opts.sizes.forEach((s, i) => {
    if (!Number.isInteger(s) || s < 1) fail(where, `sizes[${i}]`, s, 'a positive integer');
  });
  const th = opts.thInit ?? PAPER_DEFAULTS.thInit;
  if (!Number.isFinite(th)) fail(where, 'thInit', th, 'a finite number');
  const scale = opts.weightScale ?? 1;
  if (!(Number.isFinite(scale) && scale >= 0)) fail(where, 'weightScale', scale, 'a finite number >= 0');
  if (!Number.isFinite(opts.seed)) fail(where, 'seed', opts.seed, 'a finite number');
  const scheme = opts.init ?? 'kaiming';
  if (!INIT_SCHEMES.includes(scheme)) fail(where, 'init', scheme, INIT_SCHEMES.join(', '));
  const spec = createSpec({
    sizes: opts.sizes,
    ...(opts.neuron ? { neuron: opts.neuron } : {}),
    reset: opts.reset ?? PAPER_DEFAULTS.reset,
    thInit: th,
    bias: opts.bias ?? false,
    dtMs: opts.dtMs ?? 1,
  });
  const rng = new Rng(opts.seed);
  spec.layers.forEach((layer, li) => {
    const w = layer.weights;
    switch (scheme) {
      case 'kaiming': {
        const b = kaimingBound(layer.inputSize, scale);
        for (let k = 0; k < w.length; k++) w[k] = rng.range(-b, b);
        break;
      }
      case 'lava-dl': {
        const b = lavaDlBound(layer.inputSize, scale);
        for (let k = 0; k < w.length; k++) w[k] = quantizeLavaDlWeight(Math.fround(rng.range(-b, b)));
        if (li > 0) layer.delaySteps = LAVA_DL.interLayerDelay;
        break;
      }
      default: {
        const never: never = scheme;
        fail(where, 'init', never, INIT_SCHEMES.join(', '));
      }
    }
  });
  return spec;
}
