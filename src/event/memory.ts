/**
 * Memory guard of the event engine: every large allocation (CSR arrays, queues) is estimated first and refused with
 * a clear message, instead of letting V8 crash with "invalid array length" or the OS kill the process. The checks
 * are the project's one estimator in util/memory.ts.
 */

export {
  MAX_TYPED_LENGTH,
  availableMemoryBytes,
  checkLength,
  checkMemory,
  formatMB,
  type MemoryCheckOptions,
} from '../util/memory.js';

/** Inputs of {@link randomNetworkBytes}. */
export interface RandomNetworkSize {
  neurons: number;
  fanOut: number;
  /** Per-synapse delays stored (random delays): +4 bytes per synapse. */
  perSynapseDelays: boolean;
  /** Delay in steps of the discrete fast path (spike lists are kept for delaySteps + 1 steps). */
  delaySteps: number;
  /** Worker threads of the discrete fast path (row split points: 4 bytes per neuron per extra thread). */
  threads: number;
}

/**
 * Bytes of the random E/I network: `build` = the CSR (rowPtr 4 (n + 1), 8 bytes per synapse + 4 with per-synapse
 * delays), `run` = the simulation state of the discrete mode (float32 voltage and input, int32 counts, fired ids and
 * per-row weights: 5 x 4 bytes per neuron, the spike-list ring 4 (delaySteps + 1) per neuron, split points
 * 4 (threads - 1) per neuron). The continuous mode needs less (8 + 4 bytes per neuron plus its queue).
 */
export function randomNetworkBytes(s: RandomNetworkSize): { build: number; run: number } {
  const n = s.neurons;
  const build = 4 * (n + 1) + n * s.fanOut * (s.perSynapseDelays ? 12 : 8);
  const run = n * 4 * (5 + Math.max(1, s.delaySteps) + 1 + Math.max(0, s.threads - 1));
  return { build, run };
}

/**
 * Bytes of a compiled network description at its build peak: 8 bytes per synapse (int32 target, float32 weight) plus
 * the 2-byte sort key of the build, 3 int32 per CSR row (row pointers, fill pointers, row groups), `stateWords`
 * float32 words per neuron and 7 bytes per delay group. The one estimate behind `compileDescription`'s refusals.
 */
export function compiledBytes(
  synapses: number,
  sources: number,
  neurons: number,
  stateWords: number,
  groups: number,
): number {
  return synapses * 10 + 4 * 3 * (sources + 1) + neurons * stateWords * 4 + groups * 7;
}
