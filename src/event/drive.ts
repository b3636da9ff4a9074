import { fail } from '../util/errors.js';
import { Rng } from '../util/rng.js';

/**
 * External Poisson drive of the event engine, shared by the random network (discrete kernel, continuous mode) and the
 * description engine (src/event/engine.ts): per-block streams and bulk per-step generation, the Poisson CDF table
 * of continuous mode, and the drive-rate calibration of the random network.
 */

/** Neurons per external-drive block (2^10): each block has its own Rng stream, forked from the run seed in order. */
export const DRIVE_BLOCK_BITS = 10;
export const DRIVE_BLOCK = 1 << DRIVE_BLOCK_BITS;
const BLOCK_MASK = DRIVE_BLOCK - 1;

/** One Rng per drive block (independent of the thread count): block b gets the b-th fork of `new Rng(seed)`. */
export function blockRngs(seed: number, n: number): Rng[] {
  const master = new Rng(seed);
  const out: Rng[] = [];
  for (let b = 0; b * DRIVE_BLOCK < n; b++) out.push(master.fork());
  return out;
}

/**
 * External Poisson drive of blocks [b0, b1) for one step: per block, count ~ Poisson(size * lambdaPerNeuron)
 * (`Rng.poisson`), then uniform targets inside the block: a full block (1024 neurons) takes three 10-bit targets from
 * each 32-bit draw (exactly uniform); the last, partial block uses floor(uniform * size). Adds `jext` to x[target].
 * Returns the number of events.
 */
export function driveBlocks(
  rngs: readonly Rng[],
  b0: number,
  b1: number,
  n: number,
  lambdaPerNeuron: number,
  x: Float32Array,
  jext: number,
): number {
  if (!(lambdaPerNeuron > 0)) return 0;
  const lamFull = DRIVE_BLOCK * lambdaPerNeuron;
  let total = 0;
  for (let b = b0; b < b1; b++) {
    const rng = rngs[b] as Rng;
    const base = b << DRIVE_BLOCK_BITS;
    const size = Math.min(DRIVE_BLOCK, n - base);
    if (size === DRIVE_BLOCK) {
      const m = rng.poisson(lamFull);
      total += m;
      let e = 0;
      for (; e + 3 <= m; e += 3) {
        const u = rng.nextUint32();
        const j0 = base + (u & BLOCK_MASK);
        x[j0] = (x[j0] as number) + jext;
        const j1 = base + ((u >>> 10) & BLOCK_MASK);
        x[j1] = (x[j1] as number) + jext;
        const j2 = base + ((u >>> 20) & BLOCK_MASK);
        x[j2] = (x[j2] as number) + jext;
      }
      if (e < m) {
        const u = rng.nextUint32();
        for (let s = 0; e < m; e++, s += 10) {
          const j = base + ((u >>> s) & BLOCK_MASK);
          x[j] = (x[j] as number) + jext;
        }
      }
    } else {
      const m = rng.poisson(size * lambdaPerNeuron);
      total += m;
      for (let e = 0; e < m; e++) {
        const j = base + Math.floor(rng.uniform() * size);
        x[j] = (x[j] as number) + jext;
      }
    }
  }
  return total;
}

/**
 * CDF table of Poisson(lambda) for inversion: cdf[k] = P(X <= k) summed in double precision up to the first k where
 * the next term is below 1e-300 relative to the sum (or the sum reaches 1), then a +Infinity sentinel, so
 * `k = first index with u < cdf[k]` is exact inversion for any u in [0, 1).
 */
export function poissonCdf(lambda: number): Float64Array {
  const out: number[] = [];
  let p = Math.exp(-lambda);
  let sum = p;
  out.push(sum);
  for (let k = 1; k < 10_000 && sum < 1 && p > 0; k++) {
    p *= lambda / k;
    sum += p;
    out.push(sum);
    if (p < 1e-300 * sum && k > lambda) break;
  }
  out.push(Infinity);
  return Float64Array.from(out);
}

/** Measured (output rate Hz, drive rate Hz) pairs of the default network (K = 100, dt = 1 ms, discrete, 20k neurons). */
const DRIVE_CALIBRATION: readonly (readonly [number, number])[] = [
  [0, 0],
  [0.94, 250],
  [3.33, 300],
  [6.79, 350],
  [10.51, 400],
  [14.12, 450],
  [17.76, 500],
  [24.61, 600],
  [37.9, 800],
];

/** Largest output rate {@link driveRateForOutput} accepts (Hz): the top of its measured calibration. */
export const MAX_CALIBRATED_RATE_HZ = 37.9;

/**
 * External Poisson rate per neuron (Hz) that gives about `outputHz` mean output rate in the default random network
 * (piecewise-linear interpolation of a measured calibration). Rates outside the calibration, [0, 37.9] Hz, are
 * refused (a linear extrapolation to, say, 1e9 Hz would ask for a drive that runs for hours). Approximate: other
 * fan-outs, steps or weights shift the rate.
 * @param field name of the option in messages (e.g. `--rate`)
 */
export function driveRateForOutput(outputHz: number, where = 'driveRateForOutput', field = 'outputHz'): number {
  if (!(outputHz >= 0 && outputHz <= MAX_CALIBRATED_RATE_HZ))
    fail(
      where,
      field,
      outputHz,
      `a rate in [0, ${MAX_CALIBRATED_RATE_HZ}] Hz (the measured range of the drive calibration; set the drive directly for other rates)`,
    );
  const tab = DRIVE_CALIBRATION;
  for (let i = 1; i < tab.length; i++) {
    const [r1, d1] = tab[i] as readonly [number, number];
    const [r0, d0] = tab[i - 1] as readonly [number, number];
    if (outputHz <= r1) return d0 + ((outputHz - r0) * (d1 - d0)) / (r1 - r0);
  }
  return (tab[tab.length - 1] as readonly [number, number])[1];
}
