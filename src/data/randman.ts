import { SpikeRecordBuilder, type SpikeDataset, type SpikeRecord } from '../model/spikes.js';
import { fail } from '../util/errors.js';
import { Rng } from '../util/rng.js';

/**
 * Options of the Randman task (Zenke & Vogels 2021, "The remarkable robustness of surrogate gradient learning for
 * instilling complex function in spiking neural networks", Neural Computation 33(4)).
 */
export interface RandmanOptions {
  /** Number of classes (one random manifold each). Default 10. */
  classes?: number;
  /** Input channels (embedding dimension): each channel spikes once per sample. Default 100. */
  units?: number;
  /** Time steps; spike times are integers in [0, steps). Default 50. */
  steps?: number;
  /** Samples per class. Default 100. */
  samplesPerClass?: number;
  /**
   * Difficulty knob in [0, 1] (default 0.5): sets the intrinsic manifold dimension `1 + min(2, floor(3 * difficulty))`
   * (1..3), the smoothness exponent `alpha = 3 - 2 * difficulty` (rougher manifolds when harder) and the spike
   * time jitter `difficulty * 2` steps. Explicit `manifoldDim`, `alpha` and `jitterSteps` override it.
   */
  difficulty?: number;
  manifoldDim?: number;
  alpha?: number;
  jitterSteps?: number;
  /** Fourier components per random function (default 5). */
  cutoff?: number;
  seed?: number;
}

/** Fully resolved Randman parameters. */
export interface RandmanParams {
  classes: number;
  units: number;
  steps: number;
  samplesPerClass: number;
  manifoldDim: number;
  alpha: number;
  jitterSteps: number;
  cutoff: number;
  seed: number;
}

/** Resolves defaults and the difficulty knob (see {@link RandmanOptions}). */
export function randmanParams(o: RandmanOptions = {}): RandmanParams {
  const d = o.difficulty ?? 0.5;
  if (!(d >= 0 && d <= 1)) fail('randman', 'difficulty', d, 'a number in [0, 1]');
  const p: RandmanParams = {
    classes: o.classes ?? 10,
    units: o.units ?? 100,
    steps: o.steps ?? 50,
    samplesPerClass: o.samplesPerClass ?? 100,
    manifoldDim: o.manifoldDim ?? 1 + Math.min(2, Math.floor(3 * d)),
    alpha: o.alpha ?? 3 - 2 * d,
    jitterSteps: o.jitterSteps ?? 2 * d,
    cutoff: o.cutoff ?? 5,
    seed: o.seed ?? 0,
  };
  for (const k of ['classes', 'units', 'steps', 'samplesPerClass', 'manifoldDim', 'cutoff'] as const)
    if (!Number.isInteger(p[k]) || p[k] < 1) fail('randman', k, p[k], 'a positive integer');
  return p;
}

/**
 * Generates a Randman dataset. Each class c owns a random smooth manifold: for every unit u,
 * `f_cu(x) = prod_d sum_{i<cutoff} a_i (i+1)^-alpha sin(2 pi (i x_d b_i + phi_i))` with a, b, phi ~ U[0,1), and
 * x ~ U[0,1)^manifoldDim an intrinsic coordinate drawn per sample. Values are normalised per class and unit to
 * [0, 1] over that class's samples and mapped to one spike per unit at step `round(v * (steps - 1) + jitter)`.
 * Classes differ only in spike timing, so rate codes cannot solve it. Deterministic in `seed`.
 * The samples are interleaved by class (sample i has class i % classes).
 */
export function generateRandman(opts: RandmanOptions = {}): SpikeDataset & { params: RandmanParams } {
  const p = randmanParams(opts);
  const rng = new Rng(p.seed ^ 0x52414e44);
  const { classes, units, steps, samplesPerClass: n, manifoldDim: D, cutoff: K } = p;
  const spect = new Float64Array(K);
  for (let i = 0; i < K; i++) spect[i] = (i + 1) ** -p.alpha;
  const values: Float64Array[] = [];
  for (let c = 0; c < classes; c++) {
    // theta[u][d][i][3]
    const theta = new Float64Array(units * D * K * 3);
    for (let i = 0; i < theta.length; i++) theta[i] = rng.uniform();
    const v = new Float64Array(n * units);
    const x = new Float64Array(D);
    for (let s = 0; s < n; s++) {
      for (let d = 0; d < D; d++) x[d] = rng.uniform();
      for (let u = 0; u < units; u++) {
        let prod = 1;
        for (let d = 0; d < D; d++) {
          let sum = 0;
          const base = (u * D + d) * K * 3;
          for (let i = 0; i < K; i++) {
            const a = theta[base + i * 3] as number;
            const b = theta[base + i * 3 + 1] as number;
            const ph = theta[base + i * 3 + 2] as number;
            sum += a * (spect[i] as number) * Math.sin(2 * Math.PI * (i * (x[d] as number) * b + ph));
          }
          prod *= sum;
        }
        v[s * units + u] = prod;
      }
    }
    for (let u = 0; u < units; u++) {
      let mn = Infinity;
      let mx = -Infinity;
      for (let s = 0; s < n; s++) {
        const a = v[s * units + u] as number;
        if (a < mn) mn = a;
        if (a > mx) mx = a;
      }
      const range = mx - mn || 1;
      for (let s = 0; s < n; s++) v[s * units + u] = ((v[s * units + u] as number) - mn) / range;
    }
    values.push(v);
  }
  const samples: SpikeRecord[] = [];
  const labels = new Int32Array(classes * n);
  const order = new Int32Array(units);
  const times = new Float64Array(units);
  for (let s = 0; s < n; s++) {
    for (let c = 0; c < classes; c++) {
      const v = values[c] as Float64Array;
      for (let u = 0; u < units; u++) {
        const jitter = p.jitterSteps > 0 ? rng.normal() * p.jitterSteps : 0;
        times[u] = Math.min(steps - 1, Math.max(0, Math.round((v[s * units + u] as number) * (steps - 1) + jitter)));
        order[u] = u;
      }
      order.sort((a, b) => (times[a] as number) - (times[b] as number) || a - b);
      const b = new SpikeRecordBuilder(units, 'step', units);
      for (let k = 0; k < units; k++) b.push(order[k] as number, times[order[k] as number] as number);
      labels[samples.length] = c;
      samples.push(b.finish());
    }
  }
  return { name: 'randman', samples, labels, classes, params: p };
}
