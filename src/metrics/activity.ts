/**
 * Activity reductions shared by the trainer (per-epoch metrics) and the event engine (evaluation), so both report
 * with one definition (the README table "Metric definitions").
 *
 * Inputs are per-neuron spike totals over an evaluation set of `samples` samples of `steps` steps each.
 * - spike rate      = total spikes / (neurons * samples * steps)         (spikes per neuron per step)
 * - sparsity        = fraction of neuron-steps without a spike = 1 - rate (binary spikes)
 * - dead neuron     = a neuron with no spike over the whole set (Rouser paper's definition)
 * - saturated neuron = a neuron that spiked on at least {@link SATURATION_LEVEL} (90%) of all steps of all samples
 *   (count >= 0.9 * samples * steps); `saturatedStrictFraction` keeps the strict count (a spike at every step of
 *   every sample, count = samples * steps)
 * The per-sample dead fraction (mean over samples of the fraction of neurons silent for that sample, the paper's
 * "fails to spike while an input is presented") needs per-sample spikes: {@link silentPerSample}.
 */

/** A neuron is "saturated" when it fires on at least this fraction of the evaluated steps. */
export const SATURATION_LEVEL = 0.9;

export interface ActivitySummary {
  neurons: number;
  samples: number;
  steps: number;
  totalSpikes: number;
  /** Spikes per neuron per step. */
  spikeRate: number;
  /** Spikes per neuron per second, given the step length. */
  spikeRateHz: number;
  sparsity: number;
  deadFraction: number;
  deadIds: number[];
  /** Fraction of neurons with count >= SATURATION_LEVEL * samples * steps. */
  saturatedFraction: number;
  /** Fraction of neurons with a spike at every step of every sample. */
  saturatedStrictFraction: number;
}

/** Summarises per-neuron spike totals (see module doc for the definitions). `dtMs` only scales `spikeRateHz`. */
export function summariseActivity(
  counts: ArrayLike<number>,
  samples: number,
  steps: number,
  dtMs = 1,
): ActivitySummary {
  const n = counts.length;
  const full = samples * steps;
  let total = 0;
  let saturated = 0;
  let strict = 0;
  const deadIds: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = counts[i] as number;
    total += c;
    if (c === 0) deadIds.push(i);
    if (full > 0 && c >= SATURATION_LEVEL * full) saturated++;
    if (full > 0 && c >= full) strict++;
  }
  const denom = n * full;
  const spikeRate = denom > 0 ? total / denom : 0;
  return {
    neurons: n,
    samples,
    steps,
    totalSpikes: total,
    spikeRate,
    spikeRateHz: (spikeRate * 1000) / dtMs,
    sparsity: denom > 0 ? 1 - spikeRate : 1,
    deadFraction: n > 0 ? deadIds.length / n : 0,
    deadIds,
    saturatedFraction: n > 0 ? saturated / n : 0,
    saturatedStrictFraction: n > 0 ? strict / n : 0,
  };
}

/**
 * Per-sample silence of one layer from its spikes `[batch][steps][size]` (0/1, the layout backends record): for
 * each sample b, the fraction of the `size` neurons with no spike in any of the `steps` steps. The per-sample dead
 * fraction of a data set is the mean of these values over its samples.
 */
export function silentPerSample(spikes: ArrayLike<number>, batch: number, steps: number, size: number): Float64Array {
  if (spikes.length !== batch * steps * size)
    throw new RangeError(
      `silentPerSample: ${spikes.length} spikes, expected batch ${batch} x steps ${steps} x size ${size}`,
    );
  const out = new Float64Array(batch);
  if (size === 0) return out;
  const fired = new Uint8Array(size);
  for (let b = 0; b < batch; b++) {
    fired.fill(0);
    for (let t = 0; t < steps; t++) {
      const base = (b * steps + t) * size;
      for (let o = 0; o < size; o++) if ((spikes[base + o] as number) !== 0) fired[o] = 1;
    }
    let silent = 0;
    for (let o = 0; o < size; o++) if (fired[o] === 0) silent++;
    out[b] = silent / size;
  }
  return out;
}

/**
 * Statistics of a layer's thresholds. `fractionMoved` counts |Th - Th0| > tol against the initial values, and is
 * null when they are unknown. `negative` counts thresholds below 0 (a neuron with Th < 0 fires even without input
 * once V >= Th; `--th-floor` / `thFloor` keeps Th >= floor instead).
 */
export interface ThresholdStats {
  mean: number;
  std: number;
  min: number;
  max: number;
  fractionMoved: number | null;
  negative: number;
}

/**
 * Mean, population std, min, max of thresholds, the count below 0, and the fraction that moved more than `tol` from
 * `initial` (per-neuron values, or one value for all); `initial` null = unknown, then `fractionMoved` is null.
 */
export function thresholdStats(
  thresholds: ArrayLike<number>,
  initial: ArrayLike<number> | number | null,
  tol = 1e-6,
): ThresholdStats {
  if (initial !== null && typeof initial !== 'number' && initial.length !== thresholds.length)
    throw new RangeError(`thresholdStats: ${thresholds.length} thresholds but ${initial.length} initial values`);
  const n = thresholds.length;
  let sum = 0;
  let mn = Infinity;
  let mx = -Infinity;
  let moved = 0;
  let negative = 0;
  for (let i = 0; i < n; i++) {
    const t = thresholds[i] as number;
    sum += t;
    mn = Math.min(mn, t);
    mx = Math.max(mx, t);
    if (t < 0) negative++;
    if (initial === null) continue;
    const t0 = typeof initial === 'number' ? initial : (initial[i] as number);
    if (Math.abs(t - t0) > tol) moved++;
  }
  const mean = n > 0 ? sum / n : NaN;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += ((thresholds[i] as number) - mean) ** 2;
  return {
    mean,
    std: n > 0 ? Math.sqrt(sq / n) : NaN,
    min: mn,
    max: mx,
    fractionMoved: initial === null ? null : n > 0 ? moved / n : 0,
    negative,
  };
}

/** Histogram with `bins` equal-width bins over [lo, hi] (default: the data range); the last bin includes hi. */
export interface Histogram {
  edges: number[];
  counts: number[];
}

/** Equal-width histogram of values. Values outside [lo, hi] are clamped into the edge bins. */
export function histogram(values: ArrayLike<number>, bins = 20, range?: [number, number]): Histogram {
  let lo = range?.[0] ?? Infinity;
  let hi = range?.[1] ?? -Infinity;
  if (!range) {
    for (let i = 0; i < values.length; i++) {
      lo = Math.min(lo, values[i] as number);
      hi = Math.max(hi, values[i] as number);
    }
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return { edges: [], counts: [] };
  if (hi === lo) {
    lo -= 0.5;
    hi += 0.5;
  }
  const width = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + i * width);
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(((values[i] as number) - lo) / width)));
    counts[b] = (counts[b] as number) + 1;
  }
  return { edges, counts };
}

/** Euclidean distance ||a - b|| between two equally long arrays. */
export function l2Distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`l2Distance: lengths differ (${a.length} vs ${b.length})`);
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] as number) - (b[i] as number);
    s += d * d;
  }
  return Math.sqrt(s);
}

/**
 * Normalised weight change of the paper (Fig. 3): ||W_e - W_0|| / ||W_final - W_0||, per epoch e.
 * Returns NaN when the final weights equal the initial ones (no change to normalise by).
 */
export function normalisedWeightChange(
  w0: ArrayLike<number>,
  we: ArrayLike<number>,
  wFinal: ArrayLike<number>,
): number {
  const denom = l2Distance(wFinal, w0);
  return denom > 0 ? l2Distance(we, w0) / denom : NaN;
}
