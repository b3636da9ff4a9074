/**
 * Worker threads of the description engine's general loop (src/event/engine.ts). The neurons are split into `parts`
 * contiguous ranges of global ids, [bounds[p], bounds[p + 1]), cut at population boundaries or at multiples of 1024
 * neurons inside a population (so a per-neuron Poisson stream block, src/event/drive.ts, belongs to one part). Part 0
 * is the main thread. Per step, after the main thread has applied its serial inputs (block drives, DC, spike sources)
 * and listed the due delay groups in the arena, every part
 *  1. delivers the listed groups into its own targets (`deliverPart`: the targets of a group are sorted, so a part's
 *     are one sub-range; each target gets its synapses in the same order as on one thread), and
 *  2. steps its range of every population of {@link PartPop} kind (iaf_psc_exp in the in-place kernel, after the
 *     population's one per-neuron drive drawn by `draw4`), writing the fired neurons (ids relative to the range
 *     start) to the arena's spike list at the range's global offset and their number to `fired[pop * parts + part]`;
 * then the main thread, in population order, emits each population's spikes part by part (ascending ids, as on one
 * thread) and steps the remaining populations itself. So every float32 sum, every spike and every count is the one of
 * the single-threaded loop, for any number of parts (test/event/engineThreads.test.ts).
 *
 * Synchronisation: one control word array on a SharedArrayBuffer; the main thread publishes a step (generation
 * counter), the workers spin briefly then `Atomics.wait`, and count themselves done.
 */
import { Arena, type WasmMemoryLike } from './engineWasm.js';
import { waitCount } from './kernel.js';

/**
 * An iaf_psc_exp population with uniform E_L / V_reset / I_e stepped in place in the arena ({@link drawRange},
 * {@link stepRange}): by the parts, or by the calling thread of a one-thread run.
 */
export interface PartPop {
  offset: number;
  size: number;
  /** Byte pointers of V, I_ex, I_in, I_0, ref, x_ex, x_in, x_cur, thresholds (x_cur / thresholds may be 0). */
  ptr: number[];
  thv: number;
  el: number;
  vr: number;
  ie: number;
  P22: number;
  P21ex: number;
  P21in: number;
  P20: number;
  P11ex: number;
  P11in: number;
  refractorySteps: number;
  /**
   * The per-neuron Poisson drive drawn before the step (streams, CDF, lookup and thresholds pointers, weight, steps),
   * or null.
   */
  fused: { st: number; cdf: number; lut: number; thr: number; w: number; startStep: number; stopStep: number } | null;
}

/** Everything a part needs (plain data and shared memory, so it can be posted to a worker as workerData). */
export interface EnginePartsInit {
  memory: WasmMemoryLike;
  parts: number;
  /** Global neuron id bounds of the parts (parts + 1 entries). */
  bounds: number[];
  pops: PartPop[];
  /** Byte pointers: the spike list (one int32 per neuron), the delivery list, targets, weights. */
  listPtr: number;
  dlPtr: number;
  tPtr: number;
  wPtr: number;
  /** `fired[pop * parts + part]`: spikes of the last step (SharedArrayBuffer). */
  fired: Int32Array;
  /** `totals[2 part]` synapses delivered, `totals[2 part + 1]` Poisson events, over the run (SharedArrayBuffer). */
  totals: Float64Array;
  ctl: Int32Array;
}

/** Control words. */
const C_GEN = 0;
const C_DONE = 1;
const C_ABORT = 2;
const C_READY = 3;
const C_T = 4;
const C_NL = 5;
const C_MODE = 6;
/** Words of the control array. */
export const ENGINE_CTL_WORDS = 8;
/** Modes of a published step. */
export const MODE_DELIVER = 0;
export const MODE_STEP = 1;
export const MODE_EXIT = 2;

const SPIN = 100_000;

/**
 * Bounds of `parts` contiguous neuron ranges over `numNeurons` neurons: cuts at population boundaries or at
 * multiples of 1024 inside a population, each the allowed cut nearest to an equal split (non-decreasing).
 */
export function partitionBounds(pops: { offset: number; size: number }[], numNeurons: number, parts: number): number[] {
  const cuts: number[] = [0];
  for (const p of pops) for (let k = 1024; k < p.size; k += 1024) cuts.push(p.offset + k);
  for (const p of pops) cuts.push(p.offset + p.size);
  cuts.sort((a, b) => a - b);
  const bounds = [0];
  for (let w = 1; w < parts; w++) {
    const goal = (w * numNeurons) / parts;
    const prev = bounds[w - 1] as number;
    let best = numNeurons;
    for (const c of cuts) if (c >= prev && Math.abs(c - goal) < Math.abs(best - goal)) best = c;
    bounds.push(Math.max(prev, Math.min(numNeurons, best)));
  }
  bounds.push(numNeurons);
  return bounds;
}

/** The range [a, b) of population-local ids of `pop` that part `part` owns (a = b when none). */
export function partRange(init: Pick<EnginePartsInit, 'bounds'>, pop: PartPop, part: number): [number, number] {
  const a = Math.max(init.bounds[part] as number, pop.offset) - pop.offset;
  const b = Math.min(init.bounds[part + 1] as number, pop.offset + pop.size) - pop.offset;
  return b > a ? [a, b] : [a, a];
}

/** Runs part `part`'s share of a published step (`nl` listed groups; with MODE_STEP also the population steps). */
export function runPartStep(
  init: EnginePartsInit,
  arena: Arena,
  part: number,
  t: number,
  nl: number,
  mode: number,
): void {
  const lo = init.bounds[part] as number;
  const hi = init.bounds[part + 1] as number;
  const tot = init.totals;
  if (nl > 0)
    tot[2 * part] = (tot[2 * part] as number) + arena.deliverPart(init.dlPtr, nl, init.tPtr, init.wPtr, lo, hi);
  if (mode !== MODE_STEP) return;
  const parts = init.parts;
  for (let q = 0; q < init.pops.length; q++) {
    const pop = init.pops[q] as PartPop;
    const [a, b] = partRange(init, pop, part);
    if (b === a) {
      init.fired[q * parts + part] = 0;
      continue;
    }
    const evs = drawRange(arena, pop, a, b, t);
    const n = stepRange(arena, pop, a, b, init.listPtr + 4 * (pop.offset + a));
    init.fired[q * parts + part] = n;
    tot[2 * part + 1] = (tot[2 * part + 1] as number) + evs;
  }
}

/**
 * The population's per-neuron Poisson drive (when it has one and step t is in its window) drawn into x_ex of its
 * neurons [a, b) by `draw4` (a is a multiple of 1024: the streams of its blocks); returns the events drawn.
 */
export function drawRange(arena: Arena, pop: PartPop, a: number, b: number, t: number): number {
  const f = pop.fused;
  if (f === null || t < f.startStep || t >= f.stopStep) return 0;
  return arena.draw4(b - a, (pop.ptr[5] as number) + 4 * a, f.st + 16 * (a / 1024), f.cdf, f.lut, f.thr, f.w);
}

/**
 * One `iafStep` of the population's neurons [a, b), the fired ones (ids relative to a) listed at byte `list`;
 * returns their number.
 */
export function stepRange(arena: Arena, pop: PartPop, a: number, b: number, list: number): number {
  const p = pop.ptr;
  const at = (k: number): number => ((p[k] as number) === 0 ? 0 : (p[k] as number) + 4 * a);
  return arena.iafStep(
    b - a,
    at(0),
    at(1),
    at(2),
    at(3),
    at(4),
    at(5),
    at(6),
    at(7),
    at(8),
    pop.thv,
    list,
    pop.el,
    pop.P22,
    pop.P21ex,
    pop.P21in,
    pop.ie,
    pop.P20,
    pop.vr,
    pop.refractorySteps,
    pop.P11ex,
    pop.P11in,
  );
}

/** Main thread: publishes a step to the workers. */
export function publishStep(ctl: Int32Array, t: number, nl: number, mode: number): void {
  Atomics.store(ctl, C_T, t);
  Atomics.store(ctl, C_NL, nl);
  Atomics.store(ctl, C_MODE, mode);
  Atomics.add(ctl, C_GEN, 1);
  Atomics.notify(ctl, C_GEN);
}

/** Main thread: waits until the `workers` workers are done with the published step, then re-arms the counter. */
export function awaitWorkers(ctl: Int32Array, workers: number): void {
  for (let s = 0; ; s++) {
    const d = Atomics.load(ctl, C_DONE);
    if (d >= workers) break;
    if (Atomics.load(ctl, C_ABORT) !== 0) throw new Error('simulateDescription: a worker thread failed');
    if (s > SPIN) Atomics.wait(ctl, C_DONE, d, 100);
  }
  Atomics.store(ctl, C_DONE, 0);
}

/** Marks the run as failed and wakes every waiting thread. */
export function abortParts(ctl: Int32Array): void {
  Atomics.store(ctl, C_ABORT, 1);
  Atomics.add(ctl, C_GEN, 1);
  Atomics.notify(ctl, C_GEN);
  Atomics.add(ctl, C_DONE, 1 << 20);
  Atomics.notify(ctl, C_DONE);
}

/** Main thread: waits (up to `timeoutMs`) until `count` workers are ready; false on timeout or abort. */
export function awaitReady(ctl: Int32Array, count: number, timeoutMs: number): boolean {
  return waitCount(ctl, C_READY, C_ABORT, count, timeoutMs);
}

/** A worker's loop: attach to the arena, signal readiness, run published steps until MODE_EXIT. */
export function runEngineWorker(init: EnginePartsInit, part: number): void {
  const ctl = init.ctl;
  try {
    const arena = Arena.attach(init.memory);
    Atomics.add(ctl, C_READY, 1);
    Atomics.notify(ctl, C_READY);
    let gen = 0;
    for (;;) {
      for (let s = 0; Atomics.load(ctl, C_GEN) === gen; s++) if (s > SPIN) Atomics.wait(ctl, C_GEN, gen, 100);
      gen = Atomics.load(ctl, C_GEN);
      if (Atomics.load(ctl, C_ABORT) !== 0) return;
      const mode = Atomics.load(ctl, C_MODE);
      if (mode === MODE_EXIT) return;
      runPartStep(init, arena, part, Atomics.load(ctl, C_T), Atomics.load(ctl, C_NL), mode);
      Atomics.add(ctl, C_DONE, 1);
      Atomics.notify(ctl, C_DONE);
    }
  } catch (e) {
    abortParts(ctl);
    throw e;
  }
}
