import type { ResetMode } from '../model/spec.js';
import { SpikeRecordBuilder, type SpikeRecord } from '../model/spikes.js';
import { neuronCoefficients } from '../neuron/dynamics.js';
import { fail } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { delayGroups, fixedFanOut, type CsrSynapses, type DelayRule } from './csr.js';
import type { MemoryCheckOptions } from './memory.js';
import { CalendarQueue, EventHeap } from './scheduler.js';

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
  /** Wall time of the synaptic delivery loops alone (discrete mode; null in continuous mode, where timing each
   * delivery would perturb it: bench/event.ts measures delivery separately). */
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
 * External drive (both modes) is generated per dt in bulk: count ~ Poisson(N nu dt) (Rng.poisson), uniform targets
 * (and, in continuous mode, sorted uniform times in the bin via exponential spacings), never one heap entry per neuron.
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
  const { n, dt, rng } = c;
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
  const uniformSteps = stepsOf(csr.uniformDelay);
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
    const m = c.lambdaPerBin > 0 ? rng.poisson(c.lambdaPerBin) : 0;
    for (let e = 0; e < m; e++) {
      const j = Math.floor(rng.uniform() * n);
      x[j] = (x[j] as number) + jext;
    }
    ext += m;
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

function runContinuous(net: RandomNetwork, o: RandomRunOptions, c: Common): RandomRunResult {
  const { n, dt, rng, tau, theta } = c;
  const csr = net.synapses;
  const { groupPtr, rowGroup, groupDelay } = delayGroups(csr);
  if (csr.targets.length > 0) {
    const minDelay = groupDelay ? groupDelay.reduce((a, b) => Math.min(a, b), Infinity) : csr.uniformDelay;
    if (!(minDelay > 0)) fail('simulateRandomNetwork', 'delayMs', minDelay, 'delays > 0 ms in continuous mode');
  }
  const uniformDelay = csr.uniformDelay;
  const heap = new EventHeap(1024);
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
  let extTimes = new Float64Array(1024);
  let extIds = new Int32Array(1024);
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
    // external events of this bin, sorted uniform times by exponential spacings, uniform targets
    const m = c.lambdaPerBin > 0 ? rng.poisson(c.lambdaPerBin) : 0;
    if (m > extTimes.length) {
      extTimes = new Float64Array(m * 2);
      extIds = new Int32Array(m * 2);
    }
    let cum = 0;
    for (let e = 0; e < m; e++) {
      cum -= Math.log(1 - rng.uniform());
      extTimes[e] = cum;
      extIds[e] = Math.floor(rng.uniform() * n);
    }
    const total = cum - Math.log(1 - rng.uniform());
    const scale = (binEnd - binStart) / total;
    for (let e = 0; e < m; e++) extTimes[e] = binStart + (extTimes[e] as number) * scale;
    ext += m;
    if (binStart - tRef > renormMs) renorm(binStart);
    let e = 0;
    for (;;) {
      const tq = heap.peekTime();
      const te = e < m ? (extTimes[e] as number) : Infinity;
      const ts = sp < stimN ? ((stim as Stimulus).timesMs[sp] as number) : Infinity;
      if (ts < tq && ts <= te) {
        if (!(ts < binEnd)) break;
        const j = (stim as Stimulus).ids[sp++] as number;
        const E = Math.exp((ts - tRef) * invTau);
        const a = (A[j] as number) + sw * E;
        const thE = theta * E;
        if (a >= thE) {
          A[j] = subtract ? a - thE : 0;
          fire(j, ts);
        } else A[j] = a;
      } else if (tq <= te) {
        if (!(tq < binEnd)) break;
        const g = heap.pop();
        popped++;
        const E = Math.exp((tq - tRef) * invTau);
        const thE = theta * E;
        const end = groupPtr[g + 1] as number;
        const start = groupPtr[g] as number;
        syn += end - start;
        for (let k = start; k < end; k++) {
          const j = targets[k] as number;
          const a = (A[j] as number) + (weights[k] as number) * E;
          if (a >= thE) {
            A[j] = subtract ? a - thE : 0;
            fire(j, tq);
          } else A[j] = a;
        }
      } else {
        if (!(te < binEnd)) break;
        const j = extIds[e] as number;
        e++;
        const E = Math.exp((te - tRef) * invTau);
        const a = (A[j] as number) + jext * E;
        const thE = theta * E;
        if (a >= thE) {
          A[j] = subtract ? a - thE : 0;
          fire(j, te);
        } else A[j] = a;
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
