import { freemem, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';
import { RouserError } from '../util/errors.js';

/**
 * Memory guard of the event engine: every large allocation (CSR arrays, queues) is estimated first and refused with
 * a clear message, instead of letting V8 crash with "invalid array length" or the OS kill the process.
 */

/** Largest typed-array length the engine allocates (2^31 - 1: indices are stored in Int32Array). */
export const MAX_TYPED_LENGTH = 2 ** 31 - 1;

/** Options of {@link checkMemory}. */
export interface MemoryCheckOptions {
  /** Bytes the caller allows; overrides the detected free memory (tests and `--memory-limit-mb`). */
  limitBytes?: number;
}

function cgroupLimitBytes(): number {
  for (const p of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    try {
      const raw = readFileSync(p, 'utf8').trim();
      const v = Number(raw);
      if (Number.isFinite(v) && v > 0 && v < 2 ** 60) return v;
    } catch {
      // not present on this system
    }
  }
  return Infinity;
}

/**
 * Bytes the process may still allocate: min(OS available memory, cgroup limit - current RSS).
 * `os.freemem()` reports MemAvailable on Linux (page cache counts as free).
 */
export function availableMemoryBytes(): number {
  const cg = cgroupLimitBytes() - process.memoryUsage().rss;
  return Math.max(0, Math.min(freemem(), totalmem(), cg));
}

/** Formats a byte count as MB with one decimal (`123.4 MB`). */
export function formatMB(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MB`;
}

/**
 * Throws a `RouserError` naming what was being built, the size asked and the size available when `bytes` does not
 * fit; returns silently otherwise. Call it before allocating.
 * @param what e.g. `CSR synapses (1000000 x 100)`
 */
export function checkMemory(what: string, bytes: number, opts: MemoryCheckOptions = {}): void {
  const available = opts.limitBytes ?? availableMemoryBytes();
  if (!(bytes <= available))
    throw new RouserError(`${what}: needs ${formatMB(bytes)} but only ${formatMB(available)} is available; reduce the network size or free memory`);
}

/** Throws a `RouserError` when a typed-array length exceeds {@link MAX_TYPED_LENGTH}. */
export function checkLength(what: string, length: number): void {
  if (!(length <= MAX_TYPED_LENGTH))
    throw new RouserError(`${what}: ${length} elements asked; at most ${MAX_TYPED_LENGTH} fit in one typed array`);
}

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
export function compiledBytes(synapses: number, sources: number, neurons: number, stateWords: number, groups: number): number {
  return synapses * 10 + 4 * 3 * (sources + 1) + neurons * stateWords * 4 + groups * 7;
}
