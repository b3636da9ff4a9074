import { fail, RouserError } from '../util/errors.js';
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
 * The sfc32 state (a, b, c, d) that `new Rng(seed)` starts from (src/util/rng.ts: splitmix32 seeding, then 12 discarded
 * outputs), written to out[at .. at + 4). A generator stepped from this state (see {@link drawPerNeuron}) gives the same
 * 32-bit outputs as the `Rng`, so the per-neuron drive can keep its streams in a plain Uint32Array (or WebAssembly
 * memory) instead of `Rng` objects.
 */
export function sfc32State(seed: number, out: Uint32Array, at: number): void {
  new Rng(seed).saveState(out, at);
}

/**
 * Per-neuron drive streams of a population of n neurons: one sfc32 state per block of {@link DRIVE_BLOCK} neurons,
 * 4 words each; block b starts where the b-th `fork()` of `new Rng(seed)` starts (the streams of {@link blockRngs}).
 * Written into `out` (4 ceil(n / 1024) words) or a new array.
 */
export function perNeuronStreams(seed: number, n: number, out?: Uint32Array): Uint32Array {
  const blocks = Math.ceil(n / DRIVE_BLOCK);
  const st = out ?? new Uint32Array(4 * blocks);
  const master = new Rng(seed);
  for (let b = 0; b < blocks; b++) sfc32State(master.nextUint32(), st, 4 * b);
  return st;
}

/**
 * Largest mean count per neuron and step of the per-neuron draw (its CDF table is searched linearly). Below about 745,
 * exp(-lambda) is a positive double, so the table starts above 0 ({@link poissonCdf}, {@link poissonThresholds}).
 */
export const MAX_PER_NEURON_LAMBDA = 700;

/**
 * Per-neuron Poisson drive of neurons [0, n) for one step (NEST `poisson_generator`, Brian2 `PoissonInput`): neuron k
 * (in block b = k >> 10, in ascending order) takes one 32-bit output r of its block's sfc32 stream in `streams`
 * ({@link perNeuronStreams}, advanced in place), u = r / 2^32, and its count is the exact inversion
 * m = min{i : u < cdf[i]} of the Poisson(lambda) table `cdf` ({@link poissonCdf}), so P(m = i) is the Poisson
 * probability up to the 2^-32 granularity of u. Then x[k] = fround(x[k] + m w) for m > 0: the float64 product m w
 * (exact: m is a small integer, w a float32) and float64 sum, stored as float32 (one rounding of the float64 sum).
 * Returns the total count. The WebAssembly engine kernel (src/event/engineWasm.wat) does the same operations.
 */
export function drawPerNeuron(streams: Uint32Array, cdf: Float64Array, x: Float32Array, n: number, w: number): number {
  let total = 0;
  for (let b = 0, base = 0; base < n; b++, base += DRIVE_BLOCK) {
    const q = 4 * b;
    let a = streams[q] as number;
    let bb = streams[q + 1] as number;
    let c = streams[q + 2] as number;
    let d = streams[q + 3] as number;
    const end = Math.min(n, base + DRIVE_BLOCK);
    for (let k = base; k < end; k++) {
      const t = (a + bb + d) | 0;
      d = (d + 1) | 0;
      a = bb ^ (bb >>> 9);
      bb = (c + (c << 3)) | 0;
      c = (((c << 21) | (c >>> 11)) + t) | 0;
      const u = (t >>> 0) / 4294967296;
      let m = 0;
      while (u >= (cdf[m] as number)) m++;
      if (m > 0) {
        x[k] = (x[k] as number) + m * w;
        total += m;
      }
    }
    streams[q] = a;
    streams[q + 1] = bb;
    streams[q + 2] = c;
    streams[q + 3] = d;
  }
  return total;
}

/** Entries of {@link poissonLookup} (one per value of the top 10 bits of a 32-bit draw). */
export const POISSON_LUT_SIZE = 1024;

/**
 * Count lookup of the per-neuron draw: entry i is the inversion count m = min{k : r / 2^32 < cdf[k]} shared by every
 * 32-bit r with r >> 22 = i (the count at the lowest and the highest such r agree, so all between do: the table is
 * increasing), or 0xffff where they differ (then the kernel searches the table). Same result as the search, fewer
 * unpredictable branches: with lambda ~ 1.5 about 1 % of the entries are 0xffff.
 */
export function poissonLookup(cdf: Float64Array, out: Uint16Array = new Uint16Array(POISSON_LUT_SIZE)): Uint16Array {
  const count = (r: number): number => {
    const u = r / 4294967296;
    let m = 0;
    while (u >= (cdf[m] as number)) m++;
    return m;
  };
  for (let i = 0; i < POISSON_LUT_SIZE; i++) {
    const lo = count(i * 4194304);
    out[i] = lo === count(i * 4194304 + 4194303) && lo < 0xffff ? lo : 0xffff;
  }
  return out;
}

/** Thresholds of the SIMD count in engineWasm.wat `draw4` ({@link poissonThresholds}). */
export const POISSON_THRESHOLDS = 8;

/**
 * The first {@link POISSON_THRESHOLDS} inversion thresholds of `cdf` as `draw4` compares them, each repeated in four
 * int32 lanes: u = r / 2^32 >= cdf[i] exactly when the integer r >= C_i = ceil(cdf[i] 2^32) (scaling by 2^32 is
 * exact), i.e. when (r XOR 2^31) > (C_i - 1 XOR 2^31) as signed int32; a C_i of 2^32 or more (never reached) is
 * stored as 2^31 - 1, which no signed int32 exceeds. The count of thresholds reached is then the inversion count m
 * whenever it is below the last one. C_0 = 0 (cdf[0] = 0, lambda above about 745, beyond
 * {@link MAX_PER_NEURON_LAMBDA}) cannot be expressed: it throws.
 */
export function poissonThresholds<T extends Int32Array>(cdf: Float64Array, out: T): T {
  for (let i = 0; i < POISSON_THRESHOLDS; i++) {
    const c = i < cdf.length ? Math.ceil((cdf[i] as number) * 4294967296) : Infinity;
    if (!(c > 0)) throw new RouserError(`poissonThresholds: cdf[${i}] = ${cdf[i]}, expected > 0`);
    out.fill(c >= 4294967296 ? 2147483647 : (c - 1 - 2147483648) | 0, 4 * i, 4 * i + 4);
  }
  return out;
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
