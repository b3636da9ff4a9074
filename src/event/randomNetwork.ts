import type { ResetMode } from '../model/spec.js';
import { SpikeRecordBuilder } from '../model/spikes.js';
import type { SpikeRecord } from '../model/spikes.js';
import { fail } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { fixedFanOut, type CsrSynapses, type DelayRule } from './csr.js';
import { checkLength, checkMemory, randomNetworkBytes, type MemoryCheckOptions } from './memory.js';

/**
 * A random recurrent excitatory/inhibitory LIF population (Brunel-style; the engine benchmark's workload B: 100k neurons x 100 synapses, ~10 Hz) driven by external
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
  if (!Number.isInteger(opts.fanOut) || opts.fanOut < 0) fail(where, 'fanOut', opts.fanOut, 'an integer >= 0');
  // the whole footprint (CSR + the discrete run's state at the default 1 ms step) before anything is allocated
  const delay = opts.delayMs ?? { kind: 'fixed', value: 1 };
  const maxDelayMs = delay.kind === 'fixed' ? delay.value : delay.max;
  checkLength(`${where}: synapses (${opts.neurons} x ${opts.fanOut})`, opts.neurons * opts.fanOut);
  const bytes = randomNetworkBytes({
    neurons: opts.neurons,
    fanOut: opts.fanOut,
    perSynapseDelays: delay.kind !== 'fixed',
    delaySteps: Math.max(1, Math.round(maxDelayMs)),
    threads: 1,
  });
  checkMemory(
    `${where}: random network (${opts.neurons} neurons x ${opts.fanOut} synapses)`,
    bytes.build + bytes.run,
    opts.memory,
  );
  const numExcitatory = Math.round(f * opts.neurons);
  const wi = Math.fround(-g * je);
  const weight = (i: number): number => (i < numExcitatory ? je : wi);
  const rng = new Rng(opts.seed);
  const synapses = fixedFanOut({
    numPre: opts.neurons,
    numPost: opts.neurons,
    fanOut: opts.fanOut,
    weight,
    delay,
    allowSelf: false,
    rng,
    sortRows: true,
    shared: true,
    ...(opts.memory ? { memory: opts.memory } : {}),
  });
  return {
    neurons: opts.neurons,
    numExcitatory,
    weightExcMv: Math.fround(je),
    weightInhMv: wi,
    synapses,
    seed: opts.seed,
  };
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
  synOps: number;
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

/** Run settings shared by both modes (internal to the random-network files). */
export interface Common {
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

/** Largest mean number of external events per neuron per step that a run accepts. */
export const MAX_DRIVE_PER_STEP = 1000;

/** Validates run options and derives {@link Common}. */
export function common(net: RandomNetwork, o: RandomRunOptions): Common {
  const where = 'simulateRandomNetwork';
  const dt = o.dtMs ?? 1;
  if (!(dt > 0) || !Number.isFinite(dt)) fail(where, 'dtMs', dt, 'a finite number > 0');
  if (!(o.durationMs >= 0) || !Number.isFinite(o.durationMs))
    fail(where, 'durationMs', o.durationMs, 'a finite number >= 0');
  if (!(o.externalRateHz >= 0) || !Number.isFinite(o.externalRateHz))
    fail(where, 'externalRateHz', o.externalRateHz, 'a finite number >= 0');
  // an absurd drive would run for hours: at most MAX_DRIVE_PER_STEP external events per neuron per step
  if (!((o.externalRateHz * dt) / 1000 <= MAX_DRIVE_PER_STEP))
    fail(
      where,
      'externalRateHz',
      o.externalRateHz,
      `a rate of at most ${(MAX_DRIVE_PER_STEP * 1000) / dt} Hz per neuron at dtMs ${dt} (${MAX_DRIVE_PER_STEP} external events per neuron per step)`,
    );
  const tau = o.tauMs ?? 20;
  if (!(tau > 0)) fail(where, 'tauMs', tau, 'a number > 0');
  const theta = o.thresholdMv ?? 20;
  if (!(theta > 0))
    fail(
      where,
      'thresholdMv',
      theta,
      'a number > 0 (continuous mode checks crossings at input times, exact only for a positive threshold)',
    );
  const st = o.stimulus;
  if (st) {
    if (st.ids.length !== st.timesMs.length)
      fail(where, 'stimulus.timesMs.length', st.timesMs.length, `${st.ids.length} (= stimulus.ids.length)`);
    if (!Number.isFinite(st.weightMv)) fail(where, 'stimulus.weightMv', st.weightMv, 'a finite number');
    let prev = -Infinity;
    for (let k = 0; k < st.ids.length; k++) {
      const id = st.ids[k] as number;
      if (id < 0 || id >= net.neurons) fail(where, `stimulus.ids[${k}]`, id, `an integer in [0, ${net.neurons})`);
      const t = st.timesMs[k] as number;
      if (!(t >= prev) || !Number.isFinite(t))
        fail(where, `stimulus.timesMs[${k}]`, t, `a finite time >= ${Math.max(0, prev)} (sorted, non-negative)`);
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

/** Assembles a {@link RandomRunResult}. */
export function finish(
  mode: SimulationMode,
  net: RandomNetwork,
  c: Common,
  counts: Int32Array,
  spikes: number,
  syn: number,
  ext: number,
  events: number,
  simMs: number,
  deliveryMs: number | null,
): RandomRunResult {
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
    synOps: syn,
    externalEvents: ext,
    eventsProcessed: events,
    simMs,
    deliveryMs,
  };
  if (c.rec) result.spikeRecord = c.rec.finish();
  return result;
}
