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
