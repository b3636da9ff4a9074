import { createSpikeTensor, type TensorDataset } from '../model/spikes.js';
import { fail } from '../util/errors.js';
import { Rng } from '../util/rng.js';

/** Options of {@link makeSyntheticTask}. */
export interface SyntheticTaskOptions {
  /** Input channels (default 40). */
  inputs?: number;
  /** Classes (default 4). */
  classes?: number;
  /** Time steps per sample (default 20). */
  steps?: number;
  /** Training samples (default 256). */
  samples?: number;
  /** Test samples (default samples / 4, at least classes). */
  testSamples?: number;
  /** Fraction of channels each class drives (default 0.25). */
  activeFraction?: number;
  /** Peak firing probability per step of a driven channel (default 0.5). */
  peakRate?: number;
  /** Background firing probability per step of every channel (default 0.02). */
  backgroundRate?: number;
  /** Per-sample time jitter: the whole pattern shifts by an integer in [-jitterSteps, jitterSteps] (default 1). */
  jitterSteps?: number;
  seed?: number;
}

/**
 * A small generated spatio-temporal classification task (used until real datasets are available, and by the
 * tests). Class c owns a random set of `activeFraction * inputs` channels, each with a preferred step mu_ci drawn
 * uniformly in [0, steps) and a width w_ci in [1, steps / 6 + 1). A sample of class c spikes on channel i at step t
 * with probability
 *   p(i, t) = backgroundRate + peakRate * exp(-((t - j - mu_ci) / w_ci)^2 / 2)   (driven channels)
 *   p(i, t) = backgroundRate                                                        (others)
 * where j is the sample's jitter. Spikes are binary (Bernoulli per bin). Labels are balanced: sample k has class
 * k % classes. Classes overlap in channels, so timing and identity both matter. Deterministic in `seed`; the test
 * split shares the class prototypes and draws fresh noise.
 */
export function makeSyntheticTask(opts: SyntheticTaskOptions = {}): { train: TensorDataset; test: TensorDataset } {
  const where = 'makeSyntheticTask';
  const inputs = opts.inputs ?? 40;
  const classes = opts.classes ?? 4;
  const steps = opts.steps ?? 20;
  const samples = opts.samples ?? 256;
  const testSamples = opts.testSamples ?? Math.max(classes, Math.floor(samples / 4));
  const activeFraction = opts.activeFraction ?? 0.25;
  const peak = opts.peakRate ?? 0.5;
  const bg = opts.backgroundRate ?? 0.02;
  const jitter = opts.jitterSteps ?? 1;
  const seed = opts.seed ?? 0;
  for (const [k, v] of [
    ['inputs', inputs],
    ['classes', classes],
    ['steps', steps],
    ['samples', samples],
    ['testSamples', testSamples],
  ] as const)
    if (!Number.isInteger(v) || v < 1) fail(where, k, v, 'a positive integer');
  if (classes < 2) fail(where, 'classes', classes, 'at least 2');
  if (!(activeFraction > 0 && activeFraction <= 1)) fail(where, 'activeFraction', activeFraction, 'a number in (0, 1]');
  if (!(peak >= 0 && bg >= 0 && peak + bg <= 1))
    fail(where, 'peakRate + backgroundRate', peak + bg, 'probabilities >= 0 summing to at most 1');
  if (!Number.isInteger(jitter) || jitter < 0) fail(where, 'jitterSteps', jitter, 'a non-negative integer');

  const rng = new Rng(seed ^ 0x53594e54);
  const driven = Math.max(1, Math.round(activeFraction * inputs));
  const mu = new Float64Array(classes * inputs).fill(NaN);
  const width = new Float64Array(classes * inputs);
  const order = Int32Array.from({ length: inputs }, (_, i) => i);
  for (let c = 0; c < classes; c++) {
    rng.shuffle(order);
    for (let k = 0; k < driven; k++) {
      const i = order[k] as number;
      mu[c * inputs + i] = rng.range(0, steps);
      width[c * inputs + i] = rng.range(1, steps / 6 + 1);
    }
  }
  const make = (name: string, n: number, r: Rng): TensorDataset => {
    const tensor = createSpikeTensor(n, steps, inputs);
    const labels = new Int32Array(n);
    for (let s = 0; s < n; s++) {
      const c = s % classes;
      labels[s] = c;
      const j = jitter > 0 ? r.int(2 * jitter + 1) - jitter : 0;
      for (let t = 0; t < steps; t++) {
        for (let i = 0; i < inputs; i++) {
          const m = mu[c * inputs + i] as number;
          const w = width[c * inputs + i] as number;
          const p = Number.isNaN(m) ? bg : bg + peak * Math.exp(-(((t - j - m) / w) ** 2) / 2);
          if (r.uniform() < p) tensor.data[(s * steps + t) * inputs + i] = 1;
        }
      }
    }
    return { name, inputs: tensor, labels, classes };
  };
  return { train: make('synthetic-train', samples, rng.fork()), test: make('synthetic-test', testSamples, rng.fork()) };
}
