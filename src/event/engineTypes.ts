import type { SpikeRecord } from '../model/spikes.js';
import type { MemoryCheckOptions } from './memory.js';

/** Options and results of `simulateDescription` (src/event/engine.ts), shared with its ring fast path (ring.ts). */

/** Options of {@link simulateDescription}. */
export interface SimulateDescriptionOptions {
  durationMs: number;
  /** Seed of the run's random drive (Poisson stimuli); default the description's seed. */
  seed?: number;
  /** Populations whose spikes are recorded, in addition to the description's `spikes` recorders. */
  recordSpikes?: string[];
  /** Called about every 10 ms of simulated time (and at the end). */
  onProgress?: (doneMs: number, totalMs: number) => void;
  memory?: MemoryCheckOptions;
  /**
   * Dense per-step values of spike sources, `[steps][size]` row-major (e.g. a trained spec's input counts): at step
   * t every channel with a non-zero value v at step t - d delivers its delay-d synapses with weight x value
   * (x += w v), channels in ascending order. Replaces the source's listed spikes.
   */
  sourceValues?: Record<string, Float32Array>;
  /**
   * Worker threads (default 1) over a neuron partition. The ring fast path uses them (src/event/ring.ts: rows are
   * then sorted by target in place, which does not change results); the general loop uses them for the iaf_psc_exp
   * populations of the WebAssembly arena (src/event/engineThreads.ts: parts of at least 1024 neurons; not with
   * delay-0 synapses), stepping the other populations on the calling thread. `threads` of the result says how many
   * ran. Spikes, counts, events and state are identical for every thread count.
   */
  threads?: number;
  /** Testing: false forces the general loop where the ring fast path would apply (same spikes). Default true. */
  fastPath?: boolean;
}

/** Recorded state trace: `values[variable][sample * neurons.length + n]` at `timesMs[sample]`. */
export interface StateTrace {
  population: string;
  neurons: number[];
  variables: string[];
  timesMs: Float64Array;
  values: Float32Array[];
}

/** Population rate per bin (Hz): `rates[population][bin]`, bins of `binMs` from t = 0. */
export interface RateTrace {
  binMs: number;
  populations: string[];
  rates: Float64Array[];
}

/** Result of {@link simulateDescription}. */
export interface DescriptionRunResult {
  steps: number;
  durationMs: number;
  dtMs: number;
  /** Per population: spikes per neuron. */
  spikeCounts: Record<string, Int32Array>;
  /** Per population: mean rate over the run (Hz). */
  meanRateHz: Record<string, number>;
  spikes: number;
  /** Synaptic events delivered (one per synapse of a delivered group) inside the run. */
  synOps: number;
  /** External (Poisson) events applied. */
  externalEvents: number;
  /** Wall time of the simulation loop (ms). */
  simMs: number;
  /** Recorded spikes per population (population-local ids, times in ms = step * dt). */
  spikeRecords: Record<string, SpikeRecord>;
  rates: RateTrace[];
  traces: StateTrace[];
  /** Which loop ran: the ring kernel (src/event/ring.ts) or the general loop with its spike queue. */
  path: 'ring' | 'general';
  /** Threads that ran. */
  threads: number;
}
