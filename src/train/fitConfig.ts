import { PAPER_DEFAULTS, type NeuronModel, type ResetMode } from '../model/spec.js';
import { DEFAULT_SURROGATE, surrogateProblem, type Surrogate } from '../neuron/surrogate.js';
import type { ThresholdStats } from '../metrics/activity.js';
import { fail } from '../util/errors.js';
import { checkRunSize } from '../util/memory.js';
import { THRESHOLD_MODES, type ThresholdMode } from './adam.js';
import { INIT_SCHEMES, type InitScheme } from './init.js';
import { BACKEND_KINDS, type BackendKind } from './backend.js';
import { DEFAULT_LOSS, type LossSpec } from './loss.js';

/**
 * The defaults of {@link FitConfig} in one place (the CLI's `train`, `compare` and `demo` read them too):
 * the paper's Adam learning rates (1e-3 for weights and thresholds), 10 epochs, batch 32, seed 0, Kaiming bound
 * multiplier 1, dt 1 ms, threshold init 1.25 (PAPER_DEFAULTS.thInit), and for `lif` neurons the voltage
 * retention beta = aV = 0.97 of the paper's CUBA neuron (so `--neuron lif` keeps the CUBA membrane leak).
 */
export const FIT_DEFAULTS = {
  lr: 1e-3,
  lrTh: 1e-3,
  epochs: 10,
  batch: 32,
  seed: 0,
  weightScale: 1,
  dtMs: 1,
  thInit: PAPER_DEFAULTS.thInit,
  lifBeta: PAPER_DEFAULTS.voltageRetention,
} as const;

/** The default neuron of each kind: CUBA with the paper's aI = 0.75, aV = 0.97; LIF with beta = {@link FIT_DEFAULTS}.lifBeta. */
export function defaultNeuron(kind: 'cuba' | 'lif'): NeuronModel {
  switch (kind) {
    case 'cuba':
      return {
        kind: 'cuba',
        currentRetention: PAPER_DEFAULTS.currentRetention,
        voltageRetention: PAPER_DEFAULTS.voltageRetention,
      };
    case 'lif':
      return { kind: 'lif', beta: FIT_DEFAULTS.lifBeta };
    default: {
      const never: never = kind;
      return fail('defaultNeuron', 'kind', never, "'cuba' or 'lif'");
    }
  }
}

/**
 * Everything that determines a training run (with the data and, optionally, an initial spec). Every field but
 * `sizes` has a default (see {@link resolveFitConfig}); two runs with equal resolved configs, data and backend
 * produce bit-identical weights and metrics.
 */
export interface FitConfig {
  /** Layer sizes including the input, e.g. [2312, 500, 500, 10]; sizes[0] must equal the dataset's channels. */
  sizes: number[];
  /** Default CUBA with aI = 0.75, aV = 0.97 (the paper). */
  neuron?: NeuronModel;
  /** Default `zero`. */
  reset?: ResetMode;
  /** Default `learned` (Rouser); `fixed` is the baseline. */
  thresholdMode?: ThresholdMode;
  /**
   * Initial threshold of every neuron (default 1.25). With an `initialSpec`, undefined keeps the spec's thresholds
   * and a number overwrites them (so variants share weights and differ only in thresholds).
   */
  thInit?: number;
  /** Adam learning rate of weights and biases (default 1e-3). */
  lr?: number;
  /** Adam learning rate of thresholds (default 1e-3; 0 freezes them like `fixed`). */
  lrTh?: number;
  /** Default 10. */
  epochs?: number;
  /** Training batch size (default 32). */
  batch?: number;
  /** Evaluation batch size (default = batch). */
  evalBatch?: number;
  /** Seeds the initial weights (when no initialSpec) and the per-epoch shuffles. Default 0. */
  seed?: number;
  /** Default SLAYER exponential, s = 1.5, tau = 3.75. */
  surrogate?: Surrogate;
  /** Default rate MSE with true 0.2 / false 0.03. */
  loss?: LossSpec;
  /** Stop-gradient on S in the reset term (default true, the paper). */
  detachReset?: boolean;
  /** Optional threshold floor: Th >= thFloor after every update (binds are counted per epoch). */
  thFloor?: number;
  /** Per-neuron bias (default false). */
  bias?: boolean;
  /** Backend created when none is passed to fit (default `fused`). */
  backend?: BackendKind;
  /** Multiplies the bound of the initial weights (default 1): sqrt(6 / fanIn) for `kaiming`, 1 / sqrt(fanIn) for `lava-dl`. */
  weightScale?: number;
  /** Initial weights when no initialSpec is given (default `kaiming`; `lava-dl` is the paper's framework, see init.ts). */
  init?: InitScheme;
  /** Time step in ms (default 1). */
  dtMs?: number;
  /**
   * Fraction of the training samples held out as a validation split (default 0 = none). The split is a seeded
   * permutation ({@link validationSplit}); the held-out samples are never trained on, and the epoch with the best
   * validation accuracy is the run's selected model (`FitResult.best`).
   */
  valFraction?: number;
  /** Seed of the validation split (default: `seed`). Runs that should share a split (the variants of a compare) pass the same value. */
  valSeed?: number;
}

/** A {@link FitConfig} with every default filled in (what checkpoints store). */
export type ResolvedFitConfig = Required<Omit<FitConfig, 'thFloor' | 'thInit'>> & {
  thInit: number | null;
  thFloor: number | null;
};

/** Defaults of the fields added after the first checkpoint format: a checkpoint without them used these values. */
export const LATER_CONFIG_DEFAULTS: Partial<ResolvedFitConfig> = { init: 'kaiming', valFraction: 0 };

/** Fills defaults and validates every field; errors name the field, the value and the expectation. */
export function resolveFitConfig(c: FitConfig, where = 'FitConfig'): ResolvedFitConfig {
  const r: ResolvedFitConfig = {
    sizes: c.sizes,
    neuron: c.neuron ?? defaultNeuron('cuba'),
    reset: c.reset ?? PAPER_DEFAULTS.reset,
    thresholdMode: c.thresholdMode ?? 'learned',
    thInit: c.thInit ?? null,
    lr: c.lr ?? FIT_DEFAULTS.lr,
    lrTh: c.lrTh ?? FIT_DEFAULTS.lrTh,
    epochs: c.epochs ?? FIT_DEFAULTS.epochs,
    batch: c.batch ?? FIT_DEFAULTS.batch,
    evalBatch: c.evalBatch ?? c.batch ?? FIT_DEFAULTS.batch,
    seed: c.seed ?? FIT_DEFAULTS.seed,
    surrogate: c.surrogate ?? { ...DEFAULT_SURROGATE },
    loss: c.loss ?? { ...DEFAULT_LOSS },
    detachReset: c.detachReset ?? true,
    thFloor: c.thFloor ?? null,
    bias: c.bias ?? false,
    backend: c.backend ?? 'fused',
    weightScale: c.weightScale ?? FIT_DEFAULTS.weightScale,
    init: c.init ?? 'kaiming',
    dtMs: c.dtMs ?? FIT_DEFAULTS.dtMs,
    valFraction: c.valFraction ?? 0,
    valSeed: c.valSeed ?? c.seed ?? 0,
  };
  if (!Array.isArray(r.sizes) || r.sizes.length < 2)
    fail(where, 'sizes', r.sizes, 'at least two layer sizes (input and output)');
  r.sizes.forEach((s, i) => {
    if (!Number.isInteger(s) || s < 1) fail(where, `sizes[${i}]`, s, 'a positive integer');
  });
  if (!THRESHOLD_MODES.includes(r.thresholdMode))
    fail(where, 'thresholdMode', r.thresholdMode, THRESHOLD_MODES.join(', '));
  if (r.thInit !== null && !Number.isFinite(r.thInit)) fail(where, 'thInit', r.thInit, 'a finite number');
  if (!(Number.isFinite(r.lr) && r.lr >= 0)) fail(where, 'lr', r.lr, 'a finite number >= 0');
  if (!(Number.isFinite(r.lrTh) && r.lrTh >= 0)) fail(where, 'lrTh', r.lrTh, 'a finite number >= 0');
  for (const k of ['epochs', 'batch', 'evalBatch'] as const)
    if (!Number.isInteger(r[k]) || r[k] < (k === 'epochs' ? 0 : 1))
      fail(where, k, r[k], k === 'epochs' ? 'an integer >= 0' : 'a positive integer');
  if (!Number.isInteger(r.seed)) fail(where, 'seed', r.seed, 'an integer');
  const sp = surrogateProblem(r.surrogate);
  if (sp) fail(where, 'surrogate', r.surrogate, sp.replace(/^surrogate \w+: /, ''));
  if (r.loss.kind === 'rateMse' && !(Number.isFinite(r.loss.trueRate) && Number.isFinite(r.loss.falseRate)))
    fail(where, 'loss', r.loss, 'finite trueRate and falseRate');
  if (r.thFloor !== null && !Number.isFinite(r.thFloor)) fail(where, 'thFloor', r.thFloor, 'a finite number');
  if (!BACKEND_KINDS.includes(r.backend)) fail(where, 'backend', r.backend, BACKEND_KINDS.join(', '));
  if (!(Number.isFinite(r.weightScale) && r.weightScale >= 0))
    fail(where, 'weightScale', r.weightScale, 'a finite number >= 0');
  if (!(Number.isFinite(r.dtMs) && r.dtMs > 0)) fail(where, 'dtMs', r.dtMs, 'a finite number > 0');
  if (!INIT_SCHEMES.includes(r.init)) fail(where, 'init', r.init, INIT_SCHEMES.join(', '));
  if (!(Number.isFinite(r.valFraction) && r.valFraction >= 0 && r.valFraction < 1))
    fail(where, 'valFraction', r.valFraction, 'a number in [0, 1)');
  if (!Number.isInteger(r.valSeed)) fail(where, 'valSeed', r.valSeed, 'an integer');
  checkRunSize(where, { sizes: r.sizes });
  return r;
}

/** Per-layer metrics of one epoch (one entry per layer of the network, hidden and output). */
export interface LayerMetrics {
  size: number;
  /** Fraction of neurons without any spike over the whole test set (the paper's "dead"). */
  deadFraction: number;
  /** Mean over test batches of the fraction of neurons silent in that batch. */
  deadFractionPerBatchMean: number;
  /**
   * Mean over test samples of the fraction of neurons silent for that sample (the paper's "fails to spike while an
   * input is presented"); null when the backend does not return spikes (tfjs).
   */
  deadFractionPerSample: number | null;
  /** Spikes per neuron per step over the test set. */
  spikeRate: number;
  /** Fraction of neurons firing on >= 90% of all test steps (`SATURATION_LEVEL` in metrics/activity.ts). */
  saturatedFraction: number;
  /** Fraction of neurons spiking at every step of every test sample. */
  saturatedStrictFraction: number;
  /** Threshold statistics; `fractionMoved` counts |Th - Th_initial| > 1e-6. */
  threshold: ThresholdStats;
  /** ||W_e - W_0|| (Frobenius norm of the weight change since the initial weights). */
  weightChange: number;
  /** How many threshold values the floor clamped during this epoch (summed over updates). */
  floorBinds: number;
}

/**
 * One line of metrics.jsonl. Epoch 0 is the initial network (before any update): its `loss` and `trainAccuracy`
 * come from a forward pass over the training set. For epochs >= 1 they are the means over the epoch's training
 * batches (loss) and the running accuracy of those batches' forward passes (as SLAYER reports). Test metrics and
 * all layer metrics are measured on the test set after the epoch.
 */
export interface EpochMetrics {
  epoch: number;
  loss: number;
  testLoss: number;
  trainAccuracy: number;
  testAccuracy: number;
  /** Accuracy on the validation split (held out from the training data); null without one. */
  valAccuracy: number | null;
  /** Loss on the validation split; null without one. */
  valLoss: number | null;
  layers: LayerMetrics[];
  /** Training wall time since the start of the run (summed over resumed sessions), ms. */
  wallMs: number;
  /** Wall time of this epoch (training and evaluation), ms. */
  epochMs: number;
}
