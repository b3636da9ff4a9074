import { Worker } from 'node:worker_threads';
import { workerUrl } from './workerUrl.js';
import { neuronCoefficients } from '../neuron/dynamics.js';
import { fail } from '../util/errors.js';
import { runContinuous } from './continuous.js';
import { delayGroups, type CsrSynapses } from './csr.js';
import { blockRngs, DRIVE_BLOCK, driveBlocks } from './drive.js';
import {
  abortKernel,
  CTL_WORDS,
  runPart,
  sharedFloat32,
  sharedFloat64,
  sharedInt32,
  updateRange,
  waitReady,
  type KernelInit,
} from './kernel.js';
import {
  common,
  finish,
  type Common,
  type RandomNetwork,
  type RandomRunOptions,
  type RandomRunResult,
} from './randomNetwork.js';
import { checkMemory, randomNetworkBytes, type MemoryCheckOptions } from './memory.js';
import { CalendarQueue } from './scheduler.js';

/**
 * The random E/I network's simulator (workload B): discrete mode (calendar queue, or the fast uniform-delay kernel
 * of kernel.ts with worker threads) here, continuous mode in continuous.ts, the network and run options in
 * randomNetwork.ts, the external drive in drive.ts.
 */

/**
 * Simulates the random network.
 *
 * Discrete mode (the shared discretisation via `updateRange` (kernel.ts), bitwise equal to `stepNeurons`, lif beta = exp(-dt/tau) rounded to float32): at step t
 * the float32 input x[t] = external drive of step t (added first) + weights of the delay groups due at t (calendar
 * queue, FIFO within a step); then V[t] = beta V[t-1] + x[t], spike if V >= threshold, reset. Delays are rounded to
 * whole steps and must be >= 1 step (a recurrent population cannot propagate within its own step).
 *
 * Continuous mode: spike and event times are real numbers. State is kept as A_j = V_j(t) e^{(t - tRef)/tau} (one
 * shared reference time), so applying the exact decay to a touched neuron costs nothing per synapse: an input of
 * weight w at time t does A_j += w E(t), E(t) = e^{(t - tRef)/tau}, and V_j(t) >= theta <=> A_j >= theta E(t); every
 * 5 tau the reference is moved (A *= e^{-(t - tRef)/tau}). Threshold-crossing rule: between inputs V decays towards
 * 0 and cannot rise, so with theta > 0 a crossing can only happen at an input; V is compared with theta right after
 * each input and the spike time is that input's time (exact for delta synapses). Events at equal times are ordered
 * (time, insertion sequence) with queued recurrent deliveries first, then stimulus events, then external events.
 *
 * External drive (both modes) is generated per dt in bulk, never one heap entry per neuron. Discrete mode: per block of
 * neurons, count ~ Poisson (Rng.poisson) and uniform targets. Continuous mode: a homogeneous Poisson process of rate
 * N nu on the lattice of 2^32 offsets per bin (time = binStart + dt u / 2^32, u a uniform 32-bit integer, the
 * resolution of Rng.uniform): the bin is cut into 2^S sub-bins (S smallest with N nu dt / 2^S <= 4); each sub-bin gets
 * an independent Poisson(N nu dt / 2^S) count by inversion of a CDF table (one Rng.uniform per sub-bin), then that many
 * iid uniform offsets inside the sub-bin (the low 32 - S bits of one draw each), sorted. So the bin's count is exactly
 * Poisson(N nu dt) and, given the count, the times are the order statistics of iid uniforms in the bin. Targets are
 * uniform (floor(Rng.uniform() N)), drawn in time order. The decay factor e^{(t - tRef)/tau} of an external event is
 * e^{(binStart - tRef)/tau} (one exp per bin) times a 2^T-entry table of e^{(dt/tau) h / 2^T} times a degree-4 Taylor
 * polynomial for the rest (argument <= 1e-3, truncation error < 1e-17 relative); Math.exp per event when dt/tau is so
 * large that the table would need more than 2^16 entries.
 */
export function simulateRandomNetwork(net: RandomNetwork, o: RandomRunOptions): RandomRunResult {
  switch (o.mode) {
    case 'discrete':
      return runDiscrete(net, o, common(net, o));
    case 'continuous':
      return runContinuous(net, o, common(net, o));
    default: {
      const never: never = o.mode;
      return fail('simulateRandomNetwork', 'mode', never, '"discrete" or "continuous"');
    }
  }
}

function runDiscrete(net: RandomNetwork, o: RandomRunOptions, c: Common): RandomRunResult {
  const { n, dt } = c;
  const csr = net.synapses;
  const groups = delayGroups(csr);
  const { groupPtr, rowGroup, groupDelay } = groups;
  const numGroups = groupPtr.length - 1;
  const stepsOf = (ms: number): number => Math.round(ms / dt);
  const groupSteps = new Int32Array(groupDelay ? numGroups : 0);
  let maxSteps = stepsOf(csr.uniformDelay);
  let minSteps = maxSteps;
  if (groupDelay) {
    maxSteps = 0;
    minSteps = Infinity;
    for (let g = 0; g < numGroups; g++) {
      const s = stepsOf(groupDelay[g] as number);
      groupSteps[g] = s;
      if (s > maxSteps) maxSteps = s;
      if (s < minSteps) minSteps = s;
    }
  }
  if (csr.targets.length > 0 && minSteps < 1)
    fail(
      'simulateRandomNetwork',
      'delayMs',
      minSteps * dt,
      `>= dtMs (${dt}) in discrete mode: delays are whole steps >= 1`,
    );
  const uniformSteps = Math.max(1, stepsOf(csr.uniformDelay));
  if (!groupDelay && uniformSteps <= 64 && !o.forceCalendar) return runDiscreteFast(net, o, c, uniformSteps);
  const cal = new CalendarQueue(Math.max(1, maxSteps), 1024);
  const aV = neuronCoefficients({ kind: 'lif', beta: Math.exp(-dt / c.tau) }).aV;
  const theta = Math.fround(c.theta);
  const subtract = c.reset === 'subtract';
  const vol = new Float32Array(n);
  const x = new Float32Array(n);
  const fireIds = new Int32Array(n);
  const counts = new Int32Array(n);
  const { targets, weights } = csr;
  const jext = Math.fround(c.jext);
  const rngs = blockRngs(c.seed, n);
  const lambdaPerNeuron = c.lambdaPerBin / n;
  const stim = o.stimulus;
  const sw = Math.fround(stim?.weightMv ?? 0);
  let sp = 0;
  const rec = c.rec;
  let spikes = 0;
  let syn = 0;
  let ext = 0;
  let popped = 0;
  let deliveryMs = 0;
  const t0 = performance.now();
  const progressEvery = Math.max(1, Math.round(10 / dt));
  for (let t = 0; t < c.bins; t++) {
    ext += driveBlocks(rngs, 0, rngs.length, n, lambdaPerNeuron, x, jext);
    if (stim) {
      while (sp < stim.ids.length && Math.round((stim.timesMs[sp] as number) / dt) <= t) {
        const j = stim.ids[sp++] as number;
        x[j] = (x[j] as number) + sw;
      }
    }
    cal.advance(t);
    const td = performance.now();
    while (cal.size > 0 && cal.peekTime() === t) {
      const g = cal.pop();
      popped++;
      const end = groupPtr[g + 1] as number;
      const start = groupPtr[g] as number;
      syn += end - start;
      for (let k = start; k < end; k++) {
        const j = targets[k] as number;
        x[j] = (x[j] as number) + (weights[k] as number);
      }
    }
    deliveryMs += performance.now() - td;
    const fired = updateRange(0, n, aV, theta, subtract, vol, x, counts, fireIds, 0);
    for (let q = 0; q < fired; q++) {
      const i = fireIds[q] as number;
      if (rec) rec.push(i, t * dt);
      const g1 = rowGroup[i + 1] as number;
      for (let g = rowGroup[i] as number; g < g1; g++)
        if ((groupPtr[g + 1] as number) > (groupPtr[g] as number))
          cal.push(g, t + (groupDelay ? (groupSteps[g] as number) : uniformSteps));
    }
    spikes += fired;
    if (o.onProgress && (t + 1) % progressEvery === 0) o.onProgress((t + 1) * dt, c.bins * dt);
  }
  const simMs = performance.now() - t0;
  o.onProgress?.(c.bins * dt, c.bins * dt);
  return finish('discrete', net, c, counts, spikes, syn, ext, popped + ext, simMs, deliveryMs);
}

/** Per-CSR facts of the fast path, computed once (O(synapses)) and cached. */
interface RowFacts {
  /** Per-row weight when every row has one weight (bitwise), else null. */
  rowWeight: Float32Array | null;
  /** Every row's targets non-decreasing. */
  sorted: boolean;
}
const rowFactsCache = new WeakMap<Int32Array, RowFacts>();

/** Drops the cached row facts of a CSR whose rows were reordered in place (e.g. sorted by target). */
export function forgetRowFacts(targets: Int32Array): void {
  rowFactsCache.delete(targets);
}

/** Row facts of a CSR, cached per `targets` array (a CSR's rows and weights do not change once built). */
function rowFacts(csr: Pick<CsrSynapses, 'numPre' | 'rowPtr' | 'targets' | 'weights'>): RowFacts {
  const hit = rowFactsCache.get(csr.targets);
  if (hit) return hit;
  const { numPre, rowPtr, targets, weights } = csr;
  const bits = new Int32Array(weights.buffer, weights.byteOffset, weights.length);
  let rowWeight: Float32Array | null = new Float32Array(numPre);
  let sorted = true;
  for (let i = 0; i < numPre; i++) {
    const a = rowPtr[i] as number;
    const e = rowPtr[i + 1] as number;
    if (a === e) continue;
    if (rowWeight) {
      const b0 = bits[a] as number;
      for (let k = a + 1; k < e; k++)
        if (bits[k] !== b0) {
          rowWeight = null;
          break;
        }
      if (rowWeight) rowWeight[i] = weights[a] as number;
    }
    if (sorted) for (let k = a + 1; k < e; k++) if ((targets[k] as number) < (targets[k - 1] as number)) sorted = false;
  }
  const facts = { rowWeight, sorted };
  rowFactsCache.set(csr.targets, facts);
  return facts;
}

/** First index in sorted targets[a, e) with value >= v. */
function lowerBound(targets: Int32Array, a: number, e: number, v: number): number {
  let lo = a;
  let hi = e;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((targets[mid] as number) < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function toShared<T extends Int32Array | Float32Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const c = (a instanceof Int32Array ? sharedInt32(a.length) : sharedFloat32(a.length)) as T;
  c.set(a);
  return c;
}

/**
 * Fast discrete path for one uniform delay of D steps: a ring of D + 1 spike lists instead of a queue, per-row weights
 * when rows have one weight, fused update, optional worker threads over a neuron partition (see kernel.ts).
 */
function runDiscreteFast(net: RandomNetwork, o: RandomRunOptions, c: Common, D: number): RandomRunResult {
  const { dt } = c;
  const stim = o.stimulus;
  const r = runRingKernel({
    where: 'simulateRandomNetwork',
    csr: net.synapses,
    delaySteps: D,
    bins: c.bins,
    dtMs: dt,
    aV: neuronCoefficients({ kind: 'lif', beta: Math.exp(-dt / c.tau) }).aV,
    theta: Math.fround(c.theta),
    subtract: c.reset === 'subtract',
    jext: Math.fround(c.jext),
    lambdaPerNeuron: c.lambdaPerBin / c.n,
    seed: c.seed,
    threads: o.threads ?? 1,
    stimulus: stim
      ? {
          ids: stim.ids,
          steps: Int32Array.from(stim.timesMs, (ms) => Math.round(ms / dt)),
          weight: Math.fround(stim.weightMv),
        }
      : undefined,
    record: c.rec ? (i, t) => c.rec!.push(i, t * dt) : undefined,
    onProgress: o.onProgress,
  });
  return finish(
    'discrete',
    net,
    c,
    r.counts,
    r.spikes,
    r.synOps,
    r.externalEvents,
    r.delivered + r.externalEvents,
    r.simMs,
    null,
  );
}

/**
 * Inputs of {@link runRingKernel}: one LIF population, one uniform delay (`delaySteps` >= 1), block Poisson drive;
 * the kernel's scalars (`bins`, float32 `aV` and `theta`, `subtract`, `jext`, `lambdaPerNeuron`, the drive seed) as
 * in {@link KernelInit}.
 */
export interface RingKernelSpec extends Pick<
  KernelInit,
  'delaySteps' | 'bins' | 'aV' | 'theta' | 'subtract' | 'jext' | 'lambdaPerNeuron' | 'seed'
> {
  /** Name in messages. */
  where: string;
  /** Recurrent synapses (rows = sources = targets' population); rows sorted by target allow threads. */
  csr: Pick<CsrSynapses, 'numPre' | 'rowPtr' | 'targets' | 'weights'>;
  dtMs: number;
  threads: number;
  /** Extra input events: neuron ids[k] receives `weight` at step steps[k] (non-decreasing). */
  stimulus?: { ids: Int32Array; steps: Int32Array; weight: number };
  /** Initial voltages (float32, length n); default 0. Receives the final voltages. */
  voltage?: Float32Array;
  /** Called for every spike in step order, ascending id within a step. */
  record?: (neuron: number, step: number) => void;
  onProgress?: (doneMs: number, totalMs: number) => void;
  memory?: MemoryCheckOptions;
}

/** Counters of {@link runRingKernel}. */
export interface RingKernelResult {
  counts: Int32Array;
  spikes: number;
  /** Synaptic events delivered inside the run (a spike of step t counts its row when t + D < bins). */
  synOps: number;
  /** Spikes whose (non-empty) row was delivered inside the run. */
  delivered: number;
  externalEvents: number;
  simMs: number;
  /** Parts (threads) actually used: 1 when rows are not sorted by target. */
  parts: number;
}

/**
 * The uniform-delay ring kernel (kernel.ts) on one LIF population: per step block drive, stimulus, delivery of the
 * spikes of step t - D, fused update; worker threads over a neuron partition when rows are sorted by target (spikes
 * identical for every thread count). Used by the random network's discrete fast path and by the description engine's
 * fast path (src/event/ring.ts).
 */
export function runRingKernel(k: RingKernelSpec): RingKernelResult {
  const csr = k.csr;
  const n = csr.numPre;
  const D = k.delaySteps;
  const dt = k.dtMs;
  const facts = rowFacts(csr);
  const threads = k.threads;
  if (!Number.isInteger(threads) || threads < 1 || threads > 64)
    fail(k.where, 'threads', threads, 'an integer in [1, 64]');
  const numBlocks = Math.ceil(n / DRIVE_BLOCK);
  const parts = facts.sorted ? Math.max(1, Math.min(threads, numBlocks)) : 1;
  const mt = parts > 1;
  const bounds = new Int32Array(parts + 1);
  for (let p = 0; p <= parts; p++) bounds[p] = Math.min(n, Math.round((p * numBlocks) / parts) * DRIVE_BLOCK);
  const slots = D + 1;
  checkMemory(
    `${k.where}: discrete state (${n} neurons, ${slots} spike slots)`,
    randomNetworkBytes({ neurons: n, fanOut: 0, perSynapseDelays: false, delaySteps: D, threads: parts }).run +
      (mt && !(csr.targets.buffer instanceof SharedArrayBuffer) ? csr.targets.length * 4 : 0),
    k.memory,
  );
  const i32 = mt ? sharedInt32 : (len: number) => new Int32Array(len);
  const f32 = mt ? sharedFloat32 : (len: number) => new Float32Array(len);
  const rowPtr = mt ? toShared(csr.rowPtr) : csr.rowPtr;
  const targets = mt ? toShared(csr.targets) : csr.targets;
  const rowWeight = facts.rowWeight ? (mt ? toShared(facts.rowWeight) : facts.rowWeight) : null;
  const weights = rowWeight ? new Float32Array(0) : mt ? toShared(csr.weights) : csr.weights;
  const split = i32((parts - 1) * n);
  for (let p = 1; p < parts; p++) {
    const v = bounds[p] as number;
    const off = (p - 1) * n;
    for (let i = 0; i < n; i++) split[off + i] = lowerBound(targets, rowPtr[i] as number, rowPtr[i + 1] as number, v);
  }
  const stim = k.stimulus;
  const stimN = stim ? stim.ids.length : 0;
  const stimIds = i32(stimN);
  const stimSteps = i32(stimN);
  if (stim) {
    stimIds.set(stim.ids);
    stimSteps.set(stim.steps);
  }
  const vol = f32(n);
  if (k.voltage) vol.set(k.voltage);
  const init: KernelInit = {
    n,
    parts,
    bounds,
    delaySteps: D,
    bins: k.bins,
    aV: k.aV,
    theta: k.theta,
    subtract: k.subtract,
    jext: k.jext,
    lambdaPerNeuron: k.lambdaPerNeuron,
    seed: k.seed,
    rowPtr,
    targets,
    rowWeight,
    weights,
    split,
    stimIds,
    stimSteps,
    stimWeight: stim?.weight ?? 0,
    vol,
    x: f32(n),
    counts: i32(n),
    spikeBuf: i32(slots * n),
    spikeLen: i32(slots * parts),
    extCount: mt ? sharedFloat64(parts) : new Float64Array(parts),
    ctl: i32(CTL_WORDS),
  };
  const workers: Worker[] = [];
  if (mt) {
    const url = workerUrl('worker');
    for (let p = 1; p < parts; p++) {
      const w = new Worker(url, { workerData: { init, part: p } });
      w.unref();
      workers.push(w);
    }
    if (!waitReady(init.ctl, parts - 1, 120_000)) {
      abortKernel(init.ctl);
      for (const w of workers) void w.terminate();
      throw new Error(`${k.where}: worker threads did not start`);
    }
  }
  const rec = k.record;
  const { spikeBuf, spikeLen } = init;
  const rp = csr.rowPtr;
  let spikes = 0;
  let syn = 0;
  let delivered = 0;
  const progressEvery = Math.max(1, Math.round(10 / dt));
  const after = (t: number, slot: number): void => {
    const counted = t + D < k.bins; // delivered inside the run
    for (let q = 0; q < parts; q++) {
      const len = spikeLen[slot * parts + q] as number;
      spikes += len;
      const off = slot * n + (bounds[q] as number);
      for (let s = off; s < off + len; s++) {
        const i = spikeBuf[s] as number;
        if (rec) rec(i, t);
        if (counted) {
          const r = (rp[i + 1] as number) - (rp[i] as number);
          syn += r;
          if (r > 0) delivered++;
        }
      }
    }
    if (k.onProgress && (t + 1) % progressEvery === 0) k.onProgress((t + 1) * dt, k.bins * dt);
  };
  const t0 = performance.now();
  try {
    runPart(init, 0, after);
  } catch (e) {
    abortKernel(init.ctl);
    throw e;
  } finally {
    for (const w of workers) void w.terminate();
  }
  const simMs = performance.now() - t0;
  k.onProgress?.(k.bins * dt, k.bins * dt);
  let ext = 0;
  for (let p = 0; p < parts; p++) ext += init.extCount[p] as number;
  if (k.voltage) k.voltage.set(vol);
  return {
    counts: mt ? Int32Array.from(init.counts) : init.counts,
    spikes,
    synOps: syn,
    delivered,
    externalEvents: ext,
    simMs,
    parts,
  };
}
