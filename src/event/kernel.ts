import { blockRngs, DRIVE_BLOCK, DRIVE_BLOCK_BITS, driveBlocks } from './drive.js';

/**
 * The fast discrete-mode kernel of the random network (uniform integer delay D >= 1 steps), shared by the main thread
 * and the worker threads. Every array may live on a SharedArrayBuffer; part `p` of `parts` owns the neurons
 * [lo_p, hi_p) (boundaries on drive blocks) and per step, in this order:
 *  1. external drive of its blocks (see {@link driveBlocks}) into the float32 input x,
 *  2. stimulus events of this step for its neurons,
 *  3. delivery of every spike of step t - D (the lists of all parts, in part order = ascending id) restricted to the
 *     synapses into its range (rows are sorted by target, so that is one contiguous slice per row),
 *  4. the fused LIF update + threshold + spike collection of its neurons (same arithmetic as `stepNeurons`),
 * then a barrier. Each neuron's input is summed in the same order (drive, stimulus, deliveries in spike order) for any
 * part count, so spikes are bit-identical across thread counts.
 */

/** Control words of the shared Int32Array `ctl`. */
const C_COUNT = 0;
const C_GEN = 1;
const C_ABORT = 2;
export const C_READY = 3;
export const CTL_WORDS = 4;

/** Everything a part needs (plain data + typed arrays, so it can be posted to a worker as workerData). */
export interface KernelInit {
  n: number;
  parts: number;
  /** Part boundaries, length parts + 1 (multiples of DRIVE_BLOCK except the last = n). */
  bounds: Int32Array;
  delaySteps: number;
  bins: number;
  aV: number;
  theta: number;
  subtract: boolean;
  jext: number;
  lambdaPerNeuron: number;
  seed: number;
  rowPtr: Int32Array;
  targets: Int32Array;
  /** Per-row weight (every synapse of row i has weight rowWeight[i]) or null: use `weights`. */
  rowWeight: Float32Array | null;
  weights: Float32Array;
  /** Row split points for parts > 1: split[(p - 1) * n + i] = first synapse of row i with target >= bounds[p]. */
  split: Int32Array;
  /** Stimulus: neuron ids, step of each event (non-decreasing) and weight (float32). */
  stimIds: Int32Array;
  stimSteps: Int32Array;
  stimWeight: number;
  vol: Float32Array;
  x: Float32Array;
  counts: Int32Array;
  /** (delaySteps + 1) slots of n ids: part p's spikes of step t at [slot * n + bounds[p], + spikeLen[slot * parts + p]). */
  spikeBuf: Int32Array;
  spikeLen: Int32Array;
  /** External events per part. */
  extCount: Float64Array;
  ctl: Int32Array;
}

/** Called by part 0 after each step's barrier (all parts' spikes of step t are in their slot). */
export type AfterStep = (t: number, slot: number) => void;

const SPIN = 2000;

function barrier(ctl: Int32Array, parts: number): void {
  if (parts === 1) return;
  const gen = Atomics.load(ctl, C_GEN);
  if (Atomics.add(ctl, C_COUNT, 1) === parts - 1) {
    Atomics.store(ctl, C_COUNT, 0);
    Atomics.add(ctl, C_GEN, 1);
    Atomics.notify(ctl, C_GEN);
    return;
  }
  for (let s = 0; s < SPIN; s++) if (Atomics.load(ctl, C_GEN) !== gen) return;
  while (Atomics.load(ctl, C_GEN) === gen) {
    Atomics.wait(ctl, C_GEN, gen, 1000);
    if (Atomics.load(ctl, C_ABORT) !== 0) throw new Error('event kernel: another thread failed');
  }
}

/** Marks the run as failed and wakes every waiting part. */
export function abortKernel(ctl: Int32Array): void {
  Atomics.store(ctl, C_ABORT, 1);
  Atomics.add(ctl, C_GEN, 1);
  Atomics.notify(ctl, C_GEN);
}

/** Delivers spikes spikeBuf[off, off + len) into x through row slices [startArr[i + so], endArr[i + eo]) with one
 * weight per row (unrolled by 4; each target still receives its inputs in spike order). */
export function deliverRowWeight(
  spikeBuf: Int32Array,
  off: number,
  len: number,
  startArr: Int32Array,
  so: number,
  endArr: Int32Array,
  eo: number,
  rowWeight: Float32Array,
  targets: Int32Array,
  x: Float32Array,
): void {
  for (let s = off; s < off + len; s++) {
    const i = spikeBuf[s] as number;
    const w = rowWeight[i] as number;
    const e = endArr[i + eo] as number;
    let c = startArr[i + so] as number;
    for (; c + 4 <= e; c += 4) {
      const j0 = targets[c] as number;
      const j1 = targets[c + 1] as number;
      const j2 = targets[c + 2] as number;
      const j3 = targets[c + 3] as number;
      x[j0] = (x[j0] as number) + w;
      x[j1] = (x[j1] as number) + w;
      x[j2] = (x[j2] as number) + w;
      x[j3] = (x[j3] as number) + w;
    }
    for (; c < e; c++) {
      const j = targets[c] as number;
      x[j] = (x[j] as number) + w;
    }
  }
}

/** As {@link deliverRowWeight} with one weight per synapse. */
function deliverWeights(
  spikeBuf: Int32Array,
  off: number,
  len: number,
  startArr: Int32Array,
  so: number,
  endArr: Int32Array,
  eo: number,
  weights: Float32Array,
  targets: Int32Array,
  x: Float32Array,
): void {
  for (let s = off; s < off + len; s++) {
    const i = spikeBuf[s] as number;
    const e = endArr[i + eo] as number;
    for (let c = startArr[i + so] as number; c < e; c++) {
      const j = targets[c] as number;
      x[j] = (x[j] as number) + (weights[c] as number);
    }
  }
}

/**
 * Fused LIF update of neurons [lo, hi) for both discrete paths of the random network (this kernel and the calendar
 * path of random.ts): v = fround(aV V + x); spike if v >= theta, then V = 0 (zero) or fround(v - theta) (subtract),
 * else V = v; the same arithmetic as `stepNeurons` (checked bit for bit in test/event/random.test.ts). Writes the
 * fired ids (ascending) to ids[f..], adds 1 to their counts, zeroes x; returns the new f.
 */
export function updateRange(
  lo: number,
  hi: number,
  aV: number,
  theta: number,
  subtract: boolean,
  vol: Float32Array,
  x: Float32Array,
  counts: Int32Array,
  ids: Int32Array,
  f: number,
): number {
  for (let j = lo; j < hi; j++) {
    const v = Math.fround(aV * (vol[j] as number) + (x[j] as number));
    x[j] = 0;
    if (v >= theta) {
      vol[j] = subtract ? Math.fround(v - theta) : 0;
      counts[j] = (counts[j] as number) + 1;
      ids[f++] = j;
    } else vol[j] = v;
  }
  return f;
}

/** Runs all steps of part `p` (part 0 calls `after` after each step's barrier). */
export function runPart(k: KernelInit, p: number, after: AfterStep | undefined): void {
  const {
    n,
    parts,
    bounds,
    delaySteps: D,
    bins,
    aV,
    theta,
    subtract,
    jext,
    lambdaPerNeuron,
    rowPtr,
    targets,
    rowWeight,
    weights,
    split,
    stimIds,
    stimSteps,
    stimWeight,
    vol,
    x,
    counts,
    spikeBuf,
    spikeLen,
    ctl,
  } = k;
  const lo = bounds[p] as number;
  const hi = bounds[p + 1] as number;
  const b0 = lo >> DRIVE_BLOCK_BITS;
  const b1 = (hi + DRIVE_BLOCK - 1) >> DRIVE_BLOCK_BITS;
  const rngs = blockRngs(k.seed, n).slice(0, b1);
  const slots = D + 1;
  // row slice of this part: [startArr[i + so], endArr[i + eo])
  const startArr = p === 0 ? rowPtr : split;
  const so = p === 0 ? 0 : (p - 1) * n;
  const endArr = p === parts - 1 ? rowPtr : split;
  const eo = p === parts - 1 ? 1 : p * n;
  let sp = 0;
  const stimN = stimIds.length;
  let ext = 0;
  for (let t = 0; t < bins; t++) {
    ext += driveBlocks(rngs, b0, b1, n, lambdaPerNeuron, x, jext);
    while (sp < stimN && (stimSteps[sp] as number) <= t) {
      const j = stimIds[sp++] as number;
      if (j >= lo && j < hi) x[j] = (x[j] as number) + stimWeight;
    }
    const slot = t % slots;
    if (t >= D) {
      const ds = (t - D) % slots;
      for (let q = 0; q < parts; q++) {
        const off = ds * n + (bounds[q] as number);
        const len = spikeLen[ds * parts + q] as number;
        if (rowWeight) deliverRowWeight(spikeBuf, off, len, startArr, so, endArr, eo, rowWeight, targets, x);
        else deliverWeights(spikeBuf, off, len, startArr, so, endArr, eo, weights, targets, x);
      }
    }
    const f0 = slot * n + lo;
    spikeLen[slot * parts + p] = updateRange(lo, hi, aV, theta, subtract, vol, x, counts, spikeBuf, f0) - f0;
    barrier(ctl, parts);
    if (after) after(t, slot);
  }
  k.extCount[p] = ext;
  barrier(ctl, parts);
}

/** Signals readiness (workers) and waits until `count` parts are ready (main thread), with a timeout in ms. */
export function markReady(ctl: Int32Array): void {
  Atomics.add(ctl, C_READY, 1);
  Atomics.notify(ctl, C_READY);
}

export function waitReady(ctl: Int32Array, count: number, timeoutMs: number): boolean {
  return waitCount(ctl, C_READY, C_ABORT, count, timeoutMs);
}

/**
 * Waits (up to `timeoutMs`) until the counter `ctl[at]` reaches `count`; false on timeout or when `ctl[abort]` is set.
 * Shared by the random network's kernel and the description engine's threads (./engineThreads.ts).
 */
export function waitCount(ctl: Int32Array, at: number, abort: number, count: number, timeoutMs: number): boolean {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const r = Atomics.load(ctl, at);
    if (r >= count) return true;
    if (Atomics.load(ctl, abort) !== 0) return false;
    const left = deadline - performance.now();
    if (left <= 0) return false;
    Atomics.wait(ctl, at, r, Math.min(left, 100));
  }
}

/** Typed arrays on a SharedArrayBuffer (for the worker threads). */
export function sharedInt32(length: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(Math.max(1, length) * 4)).subarray(0, length);
}
export function sharedFloat32(length: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(Math.max(1, length) * 4)).subarray(0, length);
}
export function sharedFloat64(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(Math.max(1, length) * 8)).subarray(0, length);
}
