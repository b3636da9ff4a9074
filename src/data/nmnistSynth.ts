import { type SpikeRecord } from '../model/spikes.js';
import { GrowableArray } from '../util/buffers.js';
import { fail } from '../util/errors.js';
import type { Rng } from '../util/rng.js';
import { NMNIST_SENSOR } from './nmnist.js';

/** Options of the DVS pixel model used to make a derived N-MNIST sample from a static digit. */
export interface DvsSynthOptions {
  /** Log-intensity change that triggers an event (default 0.25; real DVS 0.15-0.3). */
  thresholdLog?: number;
  /** Per-pixel threshold mismatch, standard deviation as a fraction of the threshold (default 0.1). */
  thresholdMismatch?: number;
  /** Offset added to intensity in [0, 1] before the log, so black is not -infinity (default 0.15). */
  logEps?: number;
  /** Simulation step in microseconds (default 2000: the image moves 0.16 px per step); event times are spread uniformly inside a step. */
  stepUs?: number;
  /** Duration of one saccade in microseconds (default 100 000, as N-MNIST). */
  saccadeUs?: number;
  /** Number of saccades simulated, 1..3 (default 3, the whole N-MNIST recording). */
  saccades?: number;
  /** Background noise rate per pixel and polarity in Hz (default 0.05). */
  noiseHz?: number;
}

/**
 * Apparent image displacement in pixels at the end of each saccade: the ATIS camera of N-MNIST moves along a
 * triangle, (0,0) -> (3.5,7) -> (7,0) -> (0,0), one leg per ~100 ms (Orchard et al. 2015).
 */
export const NMNIST_SACCADE_PATH: readonly (readonly [number, number])[] = [
  [0, 0],
  [3.5, 7],
  [7, 0],
  [0, 0],
];

/** Side of the padded log-intensity image: 28 pixels plus a 2-pixel border of background on each side. */
const PAD = 2;
/** Packing base of (time offset, index) sort keys; steps hold far fewer events than this. */
const KEY_SPAN = 2 ** 24;
const SIDE = 28 + 2 * PAD;

/** Bilinear sample of the padded log image at image coordinates (u, v); outside it is the background. */
function bilinearLog(logImg: Float64Array, bg: number, u: number, v: number): number {
  const pu = u + PAD;
  const pv = v + PAD;
  if (pu < 0 || pv < 0 || pu >= SIDE - 1 || pv >= SIDE - 1) return bg;
  const x0 = Math.floor(pu);
  const y0 = Math.floor(pv);
  const fx = pu - x0;
  const fy = pv - y0;
  const i = y0 * SIDE + x0;
  const a = logImg[i] as number;
  const b = logImg[i + 1] as number;
  const c = logImg[i + SIDE] as number;
  const d = logImg[i + SIDE + 1] as number;
  return (a + (b - a) * fx) * (1 - fy) + (c + (d - c) * fx) * fy;
}

/**
 * Turns a 28 x 28 grey image (values in [0, 1], row-major) into a 34 x 34 x 2 event record (microseconds) by moving
 * it along the N-MNIST saccade triangle and running a DVS pixel model: the image is taken to log intensity
 * `ln(I + eps)` and resampled bilinearly at the moving position; each pixel keeps a reference log intensity; whenever the current value differs from it by the pixel's threshold (mismatched per pixel), an ON
 * (increase) or OFF (decrease) event is emitted and the reference moves by one threshold. Poisson background noise
 * is added. Deterministic given `rng`'s state.
 */
export function synthesizeNmnist(image: ArrayLike<number>, rng: Rng, opts: DvsSynthOptions = {}): SpikeRecord {
  if (image.length !== 784) fail('synthesizeNmnist', 'image.length', image.length, '784 (28 x 28)');
  const th = opts.thresholdLog ?? 0.25;
  const mismatch = opts.thresholdMismatch ?? 0.1;
  const eps = opts.logEps ?? 0.15;
  const stepUs = opts.stepUs ?? 2000;
  const saccadeUs = opts.saccadeUs ?? 100_000;
  const saccades = opts.saccades ?? 3;
  const noiseHz = opts.noiseHz ?? 0.05;
  const { width: W, height: H } = NMNIST_SENSOR;
  const P = W * H;
  const thr = new Float64Array(P);
  for (let i = 0; i < P; i++) thr[i] = th * Math.max(0.3, 1 + mismatch * rng.normal());
  const ref = new Float64Array(P);
  const bg = Math.log(eps);
  const logImg = new Float64Array(SIDE * SIDE).fill(bg);
  for (let y = 0; y < 28; y++)
    for (let x = 0; x < 28; x++) logImg[(y + PAD) * SIDE + x + PAD] = Math.log((image[y * 28 + x] as number) + eps);
  const render = (px: number, py: number, out: Float64Array): void => {
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) out[y * W + x] = bilinearLog(logImg, bg, x + 0.5 - px, y + 0.5 - py);
  };
  render(0, 0, ref);
  const cur = new Float64Array(P);
  const ids = new GrowableArray(Int32Array, 4096);
  const times = new GrowableArray(Float64Array, 4096);
  const totalUs = saccades * saccadeUs;
  const nSteps = Math.round(totalUs / stepUs);
  const stepIds = new GrowableArray(Int32Array, 1024);
  const stepTimes = new GrowableArray(Int32Array, 1024);
  let keys = new Float64Array(1024);
  const noisePerStep = noiseHz * P * 2 * (stepUs / 1e6);
  for (let s = 1; s <= nSteps; s++) {
    const tEnd = s * stepUs;
    const leg = Math.min(saccades - 1, Math.floor((tEnd - 1) / saccadeUs));
    const frac = (tEnd - leg * saccadeUs) / saccadeUs;
    const a = NMNIST_SACCADE_PATH[leg] as readonly [number, number];
    const b = NMNIST_SACCADE_PATH[leg + 1] as readonly [number, number];
    render(a[0] + (b[0] - a[0]) * frac, a[1] + (b[1] - a[1]) * frac, cur);
    stepIds.clear();
    stepTimes.clear();
    const t0 = (s - 1) * stepUs;
    for (let i = 0; i < P; i++) {
      const t = thr[i] as number;
      const d = (cur[i] as number) - (ref[i] as number);
      const n = Math.floor(Math.abs(d) / t);
      if (n === 0) continue;
      const on = d > 0 ? 1 : 0;
      ref[i] = (ref[i] as number) + (on ? n * t : -n * t);
      for (let j = 0; j < n; j++) {
        stepIds.push(on * P + i);
        stepTimes.push(t0 + Math.floor(((j + rng.uniform()) / n) * stepUs));
      }
    }
    const noise = rng.poisson(noisePerStep);
    for (let j = 0; j < noise; j++) {
      stepIds.push(rng.int(2 * P));
      stepTimes.push(t0 + rng.int(stepUs));
    }
    // Order the step's events by (time, emission index) with one native numeric sort of packed keys.
    const m = stepIds.length;
    if (keys.length < m) keys = new Float64Array(m * 2);
    for (let j = 0; j < m; j++) keys[j] = (stepTimes.get(j) - t0) * KEY_SPAN + j;
    const sorted = keys.subarray(0, m).sort();
    for (let j = 0; j < m; j++) {
      const e = (sorted[j] as number) % KEY_SPAN;
      ids.push(stepIds.get(e));
      times.push(stepTimes.get(e));
    }
  }
  return { channels: 2 * P, ids: ids.finish(), times: times.finish(), timeUnit: 'us', sensor: { ...NMNIST_SENSOR } };
}
