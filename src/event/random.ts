import type { ResetMode } from '../model/spec.js';
import { SpikeRecordBuilder, type SpikeRecord } from '../model/spikes.js';
import { neuronCoefficients } from '../neuron/dynamics.js';
import { fail } from '../util/errors.js';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Rng } from '../util/rng.js';
import { delayGroups, fixedFanOut, type CsrSynapses, type DelayRule } from './csr.js';
import { abortKernel, blockRngs, CTL_WORDS, DRIVE_BLOCK, driveBlocks, runPart, sharedFloat32, sharedFloat64, sharedInt32, waitReady, type KernelInit } from './kernel.js';
import { checkMemory, type MemoryCheckOptions } from './memory.js';
import { CalendarQueue, EventHeap, FifoQueue } from './scheduler.js';

/**
 * A random recurrent excitatory/inhibitory LIF population (Brunel-style; workload B of PERF.md) driven by external
 * Poisson input, simulated by the event engine in discrete or continuous mode.
 *
 * Neuron (membrane potential V in mV, delta synapses): dV/dt = -V / tauMs between inputs; an input of weight w (mV)
 * makes V += w; a spike when V >= thresholdMv, then reset (`zero`: V = 0, `subtract`: V -= threshold).
 */
export interface RandomNetworkOptions {
  neurons: number;
  /** Outgoing synapses per neuron (fixed fan-out, uniform random targets, no self-connections). */
  fanOut: number;
  /** Fraction of excitatory neurons (ids [0, round(f N)) are excitatory). Default 0.8. */
  excitatoryFraction?: number;
  /** Excitatory weight in mV. Default 0.5. */
  weightExcMv?: number;
  /** Inhibitory weight = -g * weightExcMv. Default g = 5. */
  inhibitoryRatio?: number;
  /** Synaptic delays in ms. Default fixed 1 ms. */
  delayMs?: DelayRule;
  seed: number;
  memory?: MemoryCheckOptions;
}

/** A built random network (synapse delays in ms). */
export interface RandomNetwork {
  neurons: number;
  numExcitatory: number;
  weightExcMv: number;
  weightInhMv: number;
  synapses: CsrSynapses;
  seed: number;
}

/** Builds the random E/I network (see {@link RandomNetworkOptions}). Memory is checked before allocation. */
export function buildRandomNetwork(opts: RandomNetworkOptions): RandomNetwork {
  const where = 'buildRandomNetwork';
  if (!Number.isInteger(opts.neurons) || opts.neurons < 2) fail(where, 'neurons', opts.neurons, 'an integer >= 2');
  const f = opts.excitatoryFraction ?? 0.8;
  if (!(f >= 0 && f <= 1)) fail(where, 'excitatoryFraction', f, 'a number in [0, 1]');
  const je = opts.weightExcMv ?? 0.5;
  const g = opts.inhibitoryRatio ?? 5;
  const numExcitatory = Math.round(f * opts.neurons);
  const wi = Math.fround(-g * je);
  const weight = (i: number): number => (i < numExcitatory ? je : wi);
  const rng = new Rng(opts.seed);
  const synapses = fixedFanOut({
    numPre: opts.neurons,
    numPost: opts.neurons,
    fanOut: opts.fanOut,
    weight,
    delay: opts.delayMs ?? { kind: 'fixed', value: 1 },
    allowSelf: false,
    rng,
    sortRows: true,
    shared: true,
    ...(opts.memory ? { memory: opts.memory } : {}),
  });
  return { neurons: opts.neurons, numExcitatory, weightExcMv: Math.fround(je), weightInhMv: wi, synapses, seed: opts.seed };
}

/** Simulation mode: `discrete` (clock-driven neurons at dtMs, event-driven integer-step delivery via a calendar queue)
 * or `continuous` (exact event-driven: spikes at continuous times, exact exponential decay, heap scheduler). */
export type SimulationMode = 'discrete' | 'continuous';

/** Options of {@link simulateRandomNetwork}. */
export interface RandomRunOptions {
  mode: SimulationMode;
  durationMs: number;
  /** Step (discrete) or external-drive batching interval (continuous), ms. Default 1. */
  dtMs?: number;
  tauMs?: number;
  thresholdMv?: number;
  reset?: ResetMode;
  /** External Poisson drive: rate per neuron (Hz) and weight (mV) of each external event. */
  externalRateHz: number;
  externalWeightMv?: number;
  seed: number;
  /** Extra input events (e.g. forced spikes for tests): neuron `ids[k]` receives `weightMv` at `timesMs[k]` (sorted).
   * In discrete mode an event at time t lands in step round(t / dt). */
  stimulus?: Stimulus;
  /** Record every spike (ids, times in ms; discrete mode: step * dt). Default false. */
  recordSpikes?: boolean;
  /** Called about every 10 ms of simulated time (and at the end) with the simulated time done. */
  onProgress?: (doneMs: number, totalMs: number) => void;
  /**
   * Discrete mode with one uniform delay: threads splitting the neurons (worker_threads over SharedArrayBuffers).
   * Spikes are bit-identical for every thread count. Needs rows sorted by target (as `buildRandomNetwork` builds
   * them); otherwise the run uses one thread. Default 1.
   */
  threads?: number;
  /** Testing: force the general calendar-queue path of discrete mode (same results as the fast path). */
  forceCalendar?: boolean;
}

/** Explicit input events of {@link RandomRunOptions.stimulus}. */
export interface Stimulus {
  ids: Int32Array;
  timesMs: Float64Array;
  weightMv: number;
}

/** Counters of a random-network run. */
export interface RandomRunResult {
  mode: SimulationMode;
  neurons: number;
  synapses: number;
  durationMs: number;
  dtMs: number;
  spikes: number;
  spikeCounts: Int32Array;
  meanRateHz: number;
  /** Synaptic events delivered (each delivered spike x its fan-out; deliveries due after durationMs are not counted). */
  synEvents: number;
  /** External Poisson events applied. */
  externalEvents: number;
  /** Queue events processed (delay groups popped) plus external events. */
  eventsProcessed: number;
  /** Wall time of the simulation loop (ms). */
  simMs: number;
  /** Wall time of the synaptic delivery loops alone (discrete calendar path; null in the discrete fast path and in
   * continuous mode, where timing each delivery would perturb it: bench/event.ts measures delivery separately). */
  deliveryMs: number | null;
  /** Every spike (timeUnit 'ms'), when `recordSpikes`. */
  spikeRecord?: SpikeRecord;
}

interface Common {
  n: number;
  tau: number;
  theta: number;
  reset: ResetMode;
  dt: number;
  jext: number;
  lambdaPerBin: number;
  bins: number;
  rng: Rng;
  seed: number;
  rec: SpikeRecordBuilder | undefined;
}

function common(net: RandomNetwork, o: RandomRunOptions): Common {
  const where = 'simulateRandomNetwork';
  const dt = o.dtMs ?? 1;
  if (!(dt > 0) || !Number.isFinite(dt)) fail(where, 'dtMs', dt, 'a finite number > 0');
  if (!(o.durationMs >= 0) || !Number.isFinite(o.durationMs)) fail(where, 'durationMs', o.durationMs, 'a finite number >= 0');
  if (!(o.externalRateHz >= 0) || !Number.isFinite(o.externalRateHz)) fail(where, 'externalRateHz', o.externalRateHz, 'a finite number >= 0');
  const tau = o.tauMs ?? 20;
  if (!(tau > 0)) fail(where, 'tauMs', tau, 'a number > 0');
  const theta = o.thresholdMv ?? 20;
  if (!(theta > 0)) fail(where, 'thresholdMv', theta, 'a number > 0 (continuous mode checks crossings at input times, exact only for a positive threshold)');
  const st = o.stimulus;
  if (st) {
    if (st.ids.length !== st.timesMs.length) fail(where, 'stimulus.timesMs.length', st.timesMs.length, `${st.ids.length} (= stimulus.ids.length)`);
    if (!Number.isFinite(st.weightMv)) fail(where, 'stimulus.weightMv', st.weightMv, 'a finite number');
    let prev = -Infinity;
    for (let k = 0; k < st.ids.length; k++) {
      const id = st.ids[k] as number;
      if (id < 0 || id >= net.neurons) fail(where, `stimulus.ids[${k}]`, id, `an integer in [0, ${net.neurons})`);
      const t = st.timesMs[k] as number;
      if (!(t >= prev) || !Number.isFinite(t)) fail(where, `stimulus.timesMs[${k}]`, t, `a finite time >= ${Math.max(0, prev)} (sorted, non-negative)`);
      prev = t;
    }
  }
  return {
    n: net.neurons,
    tau,
    theta,
    reset: o.reset ?? 'zero',
    dt,
    jext: o.externalWeightMv ?? 2,
    lambdaPerBin: (net.neurons * o.externalRateHz * dt) / 1000,
    bins: Math.round(o.durationMs / dt),
    rng: new Rng(o.seed),
    seed: o.seed,
    rec: o.recordSpikes ? new SpikeRecordBuilder(net.neurons, 'ms', 1024) : undefined,
  };
}

/**
 * Simulates the random network.
 *
 * Discrete mode (the shared discretisation via {@link stepLifCollect}, bitwise equal to `stepNeurons`, lif beta = exp(-dt/tau) rounded to float32): at step t
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
    fail('simulateRandomNetwork', 'delayMs', minSteps * dt, `>= dtMs (${dt}) in discrete mode: delays are whole steps >= 1`);
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
    const fired = stepLifCollect(aV, subtract, theta, vol, x, fireIds);
    for (let q = 0; q < fired; q++) {
      const i = fireIds[q] as number;
      counts[i] = (counts[i] as number) + 1;
      if (rec) rec.push(i, t * dt);
      const g1 = rowGroup[i + 1] as number;
      for (let g = rowGroup[i] as number; g < g1; g++) if ((groupPtr[g + 1] as number) > (groupPtr[g] as number)) cal.push(g, t + (groupDelay ? (groupSteps[g] as number) : uniformSteps));
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
const rowFactsCache = new WeakMap<CsrSynapses, RowFacts>();

function rowFacts(csr: CsrSynapses): RowFacts {
  const hit = rowFactsCache.get(csr);
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
  rowFactsCache.set(csr, facts);
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
 * How to start the kernel worker: the compiled worker.js next to this file (dist/), or, from the .ts sources (vitest,
 * tsx), a small ESM bootstrap registering the tsx loader inside the worker (`execArgv: ['--import', 'tsx']` is not
 * honoured by worker threads on Node 20).
 */
function workerUrl(): URL {
  if (!import.meta.url.endsWith('.ts')) return new URL('./worker.js', import.meta.url);
  const req = createRequire(import.meta.url);
  const tsxApi = pathToFileURL(join(dirname(req.resolve('tsx/package.json')), 'dist', 'esm', 'api', 'index.mjs')).href;
  const target = new URL('./worker.ts', import.meta.url).href;
  const code = `import { register } from ${JSON.stringify(tsxApi)};\nregister();\nawait import(${JSON.stringify(target)});\n`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

/**
 * Fast discrete path for one uniform delay of D steps: a ring of D + 1 spike lists instead of a queue, per-row weights
 * when rows have one weight, fused update, optional worker threads over a neuron partition (see kernel.ts).
 */
function runDiscreteFast(net: RandomNetwork, o: RandomRunOptions, c: Common, D: number): RandomRunResult {
  const { n, dt } = c;
  const csr = net.synapses;
  const facts = rowFacts(csr);
  const threads = o.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) fail('simulateRandomNetwork', 'threads', threads, 'an integer in [1, 64]');
  const numBlocks = Math.ceil(n / DRIVE_BLOCK);
  const parts = facts.sorted ? Math.max(1, Math.min(threads, numBlocks)) : 1;
  const mt = parts > 1;
  const bounds = new Int32Array(parts + 1);
  for (let p = 0; p <= parts; p++) bounds[p] = Math.min(n, Math.round((p * numBlocks) / parts) * DRIVE_BLOCK);
  const slots = D + 1;
  checkMemory(`simulateRandomNetwork: discrete state (${n} neurons, ${slots} spike slots)`, n * 4 * (3 + slots + (parts - 1)) + (mt && !(csr.targets.buffer instanceof SharedArrayBuffer) ? csr.targets.length * 4 : 0));
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
  const stim = o.stimulus;
  const stimN = stim ? stim.ids.length : 0;
  const stimIds = i32(stimN);
  const stimSteps = i32(stimN);
  if (stim) {
    stimIds.set(stim.ids);
    for (let k = 0; k < stimN; k++) stimSteps[k] = Math.round((stim.timesMs[k] as number) / dt);
  }
  const init: KernelInit = {
    n, parts, bounds, delaySteps: D, bins: c.bins,
    aV: neuronCoefficients({ kind: 'lif', beta: Math.exp(-dt / c.tau) }).aV,
    theta: Math.fround(c.theta), subtract: c.reset === 'subtract', jext: Math.fround(c.jext),
    lambdaPerNeuron: c.lambdaPerBin / n, seed: c.seed,
    rowPtr, targets, rowWeight, weights, split, stimIds, stimSteps, stimWeight: Math.fround(stim?.weightMv ?? 0),
    vol: f32(n), x: f32(n), counts: i32(n), spikeBuf: i32(slots * n), spikeLen: i32(slots * parts),
    extCount: mt ? sharedFloat64(parts) : new Float64Array(parts), ctl: i32(CTL_WORDS),
  };
  const workers: Worker[] = [];
  if (mt) {
    const url = workerUrl();
    for (let p = 1; p < parts; p++) {
      const w = new Worker(url, { workerData: { init, part: p } });
      w.unref();
      workers.push(w);
    }
    if (!waitReady(init.ctl, parts - 1, 120_000)) {
      abortKernel(init.ctl);
      for (const w of workers) void w.terminate();
      throw new Error('simulateRandomNetwork: worker threads did not start');
    }
  }
  const rec = c.rec;
  const { spikeBuf, spikeLen } = init;
  const rp = csr.rowPtr;
  let spikes = 0;
  let syn = 0;
  let delivered = 0;
  const progressEvery = Math.max(1, Math.round(10 / dt));
  const after = (t: number, slot: number): void => {
    const counted = t + D < c.bins; // delivered inside the run
    for (let q = 0; q < parts; q++) {
      const len = spikeLen[slot * parts + q] as number;
      spikes += len;
      const off = slot * n + (bounds[q] as number);
      for (let s = off; s < off + len; s++) {
        const i = spikeBuf[s] as number;
        if (rec) rec.push(i, t * dt);
        if (counted) {
          const r = (rp[i + 1] as number) - (rp[i] as number);
          syn += r;
          if (r > 0) delivered++;
        }
      }
    }
    if (o.onProgress && (t + 1) % progressEvery === 0) o.onProgress((t + 1) * dt, c.bins * dt);
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
  o.onProgress?.(c.bins * dt, c.bins * dt);
  let ext = 0;
  for (let p = 0; p < parts; p++) ext += init.extCount[p] as number;
  const counts = mt ? Int32Array.from(init.counts) : init.counts;
  return finish('discrete', net, c, counts, spikes, syn, ext, delivered + ext, simMs, null);
}

/**
 * One discrete step of LIF neurons without bias or current state, fused with spike collection and input clearing:
 * the same arithmetic as `stepNeurons` (v = fround(aV V + x); spike if v >= Th; zero -> 0, subtract -> fround(v - Th)),
 * checked bit for bit against it in test/event. Writes fired ids (ascending) to `ids`, zeroes `x`, returns the count.
 */
export function stepLifCollect(aV: number, subtract: boolean, threshold: number, vol: Float32Array, x: Float32Array, ids: Int32Array): number {
  let f = 0;
  const n = vol.length;
  for (let k = 0; k < n; k++) {
    const v = Math.fround(aV * (vol[k] as number) + (x[k] as number));
    x[k] = 0;
    if (v >= threshold) {
      vol[k] = subtract ? Math.fround(v - threshold) : 0;
      ids[f++] = k;
    } else vol[k] = v;
  }
  return f;
}

function finish(mode: SimulationMode, net: RandomNetwork, c: Common, counts: Int32Array, spikes: number, syn: number, ext: number, events: number, simMs: number, deliveryMs: number | null): RandomRunResult {
  const durationMs = c.bins * c.dt;
  const result: RandomRunResult = {
    mode,
    neurons: net.neurons,
    synapses: net.synapses.targets.length,
    durationMs,
    dtMs: c.dt,
    spikes,
    spikeCounts: counts,
    meanRateHz: durationMs > 0 ? spikes / net.neurons / (durationMs / 1000) : 0,
    synEvents: syn,
    externalEvents: ext,
    eventsProcessed: events,
    simMs,
    deliveryMs,
  };
  if (c.rec) result.spikeRecord = c.rec.finish();
  return result;
}

/** Per-delay-group weight when every synapse of each group has one weight (bitwise), else null; cached per CSR. */
const groupWeightCache = new WeakMap<Int32Array, Float32Array | null>();

function groupWeights(csr: CsrSynapses, groupPtr: Int32Array): Float32Array | null {
  if (groupWeightCache.has(groupPtr)) return groupWeightCache.get(groupPtr) ?? null;
  const { weights } = csr;
  const bits = new Int32Array(weights.buffer, weights.byteOffset, weights.length);
  const numGroups = groupPtr.length - 1;
  let gw: Float32Array | null = new Float32Array(numGroups);
  for (let g = 0; g < numGroups && gw; g++) {
    const a = groupPtr[g] as number;
    const e = groupPtr[g + 1] as number;
    if (a === e) continue;
    const b0 = bits[a] as number;
    for (let k = a + 1; k < e; k++)
      if (bits[k] !== b0) {
        gw = null;
        break;
      }
    if (gw) gw[g] = weights[a] as number;
  }
  groupWeightCache.set(groupPtr, gw);
  return gw;
}

/** Largest x = (dt / tau) * lo / 2^32 (lo < 2^(32 - T), T = bits of the decay table) for which the degree-4 Taylor polynomial of e^x is used
 * (relative error < x^5 / 120 = 8.3e-18, far below the 1.1e-16 double rounding); beyond it, Math.exp per event. */
const POLY_MAX_X = 1e-3;
/** Largest mean count of one drive sub-bin (continuous mode): the bin is cut into 2^S sub-bins with lambda / 2^S <= this. */
const SUB_MEAN_MAX = 4;

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

function runContinuous(net: RandomNetwork, o: RandomRunOptions, c: Common): RandomRunResult {
  const { n, dt, rng, tau, theta } = c;
  const csr = net.synapses;
  const { groupPtr, rowGroup, groupDelay } = delayGroups(csr);
  if (csr.targets.length > 0) {
    const minDelay = groupDelay ? groupDelay.reduce((a, b) => Math.min(a, b), Infinity) : csr.uniformDelay;
    if (!(minDelay > 0)) fail('simulateRandomNetwork', 'delayMs', minDelay, 'delays > 0 ms in continuous mode');
  }
  const uniformDelay = csr.uniformDelay;
  const gw = groupWeights(csr, groupPtr);
  // one uniform delay: push times are non-decreasing, so a FIFO ring is an exact queue with the heap's order
  const heap = groupDelay ? new EventHeap(1024) : new FifoQueue(1024);
  const A = new Float64Array(n);
  const counts = new Int32Array(n);
  const { targets, weights } = csr;
  const subtract = c.reset === 'subtract';
  const renormMs = 5 * tau;
  const invTau = 1 / tau;
  const jext = c.jext;
  let tRef = 0;
  let spikes = 0;
  let syn = 0;
  let ext = 0;
  let popped = 0;
  // external drive (see the doc of simulateRandomNetwork): 2^S sub-bins per bin, each with an independent
  // Poisson(lambda / 2^S) count (lambda / 2^S <= 4) by inversion of a CDF table
  let S = 0;
  while (S < 30 && c.lambdaPerBin * 2 ** -S > SUB_MEAN_MAX) S++;
  if (c.lambdaPerBin * 2 ** -S > 500) fail('simulateRandomNetwork', 'externalRateHz', o.externalRateHz, `a rate giving at most ${500 * 2 ** 30} external events per dt in continuous mode`);
  const nSub = 2 ** S;
  const shiftS = 32 - S;
  const subBase = 2 ** shiftS;
  const cdf = poissonCdf(c.lambdaPerBin / nSub);
  // decay factor of an offset u: e^{(dt / tau) u / 2^32} = tabE[u >>> (32 - T)] * e^{x}, x = (dt / tau) (u mod 2^(32 - T)) / 2^32,
  // with e^x by its degree-4 Taylor polynomial when x <= POLY_MAX_X, else Math.exp
  const cdt = dt * invTau;
  let T = 10;
  while (T < 16 && cdt * 2 ** -T > POLY_MAX_X) T++;
  const usePoly = cdt * 2 ** -T <= POLY_MAX_X;
  const shiftT = 32 - T;
  const loMask = (1 << shiftT) - 1;
  const tabE = new Float64Array(1 << T);
  for (let h = 0; h < tabE.length; h++) tabE[h] = Math.exp(cdt * h * 2 ** -T);
  const cLo = cdt * 2 ** -32;
  const uScale = dt * 2 ** -32;
  let us = new Int32Array(1024);
  const tEnd = c.bins * dt;
  const t0 = performance.now();
  const progressEvery = Math.max(1, Math.round(10 / dt));

  const stim = o.stimulus;
  const stimN = stim ? stim.ids.length : 0;
  const sw = stim?.weightMv ?? 0;
  let sp = 0;
  const rec = c.rec;
  const fire = (j: number, t: number): void => {
    counts[j] = (counts[j] as number) + 1;
    if (rec) rec.push(j, t);
    spikes++;
    const g1 = rowGroup[j + 1] as number;
    for (let g = rowGroup[j] as number; g < g1; g++) if ((groupPtr[g + 1] as number) > (groupPtr[g] as number)) heap.push(g, t + (groupDelay ? (groupDelay[g] as number) : uniformDelay));
  };
  const renorm = (t: number): void => {
    const f = Math.exp(-(t - tRef) * invTau);
    for (let j = 0; j < n; j++) A[j] = (A[j] as number) * f;
    tRef = t;
  };

  for (let b = 0; b < c.bins; b++) {
    const binStart = b * dt;
    const binEnd = b + 1 === c.bins ? tEnd : (b + 1) * dt;
    // external events of this bin, in time order: per sub-bin h a Poisson count k, then k offsets
    // u = h 2^(32 - S) + (32-bit draw >>> S) inserted in order (stored sign-flipped: int32 order = unsigned order)
    let m = 0;
    if (c.lambdaPerBin > 0) {
      for (let h = 0; h < nSub; h++) {
        const r = rng.uniform();
        if (r < (cdf[0] as number)) continue;
        let k = 1;
        while (r >= (cdf[k] as number)) k++;
        const base = h * subBase;
        for (; k > 0; k--) {
          if (m === us.length) {
            const nu = new Int32Array(m * 2);
            nu.set(us);
            us = nu;
          }
          const x = (base + (rng.nextUint32() >>> S)) ^ 0x80000000;
          let j = m - 1;
          while (j >= 0 && (us[j] as number) > x) {
            us[j + 1] = us[j] as number;
            j--;
          }
          us[j + 1] = x;
          m++;
        }
      }
    }
    ext += m;
    if (binStart - tRef > renormMs) renorm(binStart);
    const eBin = Math.exp((binStart - tRef) * invTau);
    const jextE = jext * eBin;
    const thBin = theta * eBin;
    let e = 0;
    for (;;) {
      const tq = heap.peekTime();
      const ts = sp < stimN ? ((stim as Stimulus).timesMs[sp] as number) : Infinity;
      // tight loop over the external events before the next queued delivery / stimulus (ties go to those first);
      // a spike may schedule a delivery earlier than tq (non-uniform delays), so re-peek after each spike
      const lim = Math.min(tq, ts);
      const s0 = spikes;
      while (e < m) {
        const u = ((us[e] as number) ^ 0x80000000) >>> 0;
        const te = binStart + u * uScale;
        if (!(te < lim)) break;
        e++;
        const j = Math.floor(rng.uniform() * n);
        let f: number;
        if (usePoly) {
          const x = cLo * (u & loMask);
          f = (tabE[u >>> shiftT] as number) * (1 + x * (1 + x * (0.5 + x * (1 / 6 + x * (1 / 24)))));
        } else f = Math.exp(cdt * u * 2 ** -32);
        const a = (A[j] as number) + jextE * f;
        const thE = thBin * f;
        if (a >= thE) {
          A[j] = subtract ? a - thE : 0;
          fire(j, te);
          break;
        } else A[j] = a;
      }
      if (spikes !== s0) continue;
      if (e === m && !(lim < binEnd)) break;
      // the next event is a queued delivery or a stimulus event at lim (< binEnd when external events remain)
      if (ts < tq) {
        const j = (stim as Stimulus).ids[sp++] as number;
        const E = Math.exp((ts - tRef) * invTau);
        const a = (A[j] as number) + sw * E;
        const thE = theta * E;
        if (a >= thE) {
          A[j] = subtract ? a - thE : 0;
          fire(j, ts);
        } else A[j] = a;
      } else {
        const g = heap.pop();
        popped++;
        const E = Math.exp((tq - tRef) * invTau);
        const thE = theta * E;
        const end = groupPtr[g + 1] as number;
        const start = groupPtr[g] as number;
        syn += end - start;
        if (gw) {
          const wE = (gw[g] as number) * E;
          for (let k = start; k < end; k++) {
            const j = targets[k] as number;
            const a = (A[j] as number) + wE;
            if (a >= thE) {
              A[j] = subtract ? a - thE : 0;
              fire(j, tq);
            } else A[j] = a;
          }
        } else {
          for (let k = start; k < end; k++) {
            const j = targets[k] as number;
            const a = (A[j] as number) + (weights[k] as number) * E;
            if (a >= thE) {
              A[j] = subtract ? a - thE : 0;
              fire(j, tq);
            } else A[j] = a;
          }
        }
      }
    }
    if (o.onProgress && (b + 1) % progressEvery === 0) o.onProgress(binEnd, tEnd);
  }
  const simMs = performance.now() - t0;
  o.onProgress?.(tEnd, tEnd);
  return finish('continuous', net, c, counts, spikes, syn, ext, popped + ext, simMs, null);
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

/**
 * External Poisson rate per neuron (Hz) that gives about `outputHz` mean output rate in the default random network
 * (piecewise-linear interpolation of a measured calibration, linear extrapolation above 38 Hz). Approximate: other
 * fan-outs, steps or weights shift the rate.
 */
export function driveRateForOutput(outputHz: number): number {
  if (!(outputHz >= 0)) fail('driveRateForOutput', 'outputHz', outputHz, 'a number >= 0');
  const tab = DRIVE_CALIBRATION;
  for (let i = 1; i < tab.length; i++) {
    const [r1, d1] = tab[i] as readonly [number, number];
    const [r0, d0] = tab[i - 1] as readonly [number, number];
    if (outputHz <= r1 || i === tab.length - 1) return d0 + ((outputHz - r0) * (d1 - d0)) / (r1 - r0);
  }
  return 0;
}
