import { freemem, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';
import { RouserError } from './errors.js';

/**
 * The one memory estimator of the project: every large allocation (weights, Adam moments, activations, spike
 * tensors, the event engine's CSR arrays and queues) is estimated first and refused with a clear message naming
 * what was being built, instead of letting V8 throw "Invalid typed array length" or the OS kill the process.
 */

/** Largest typed-array length allocated (2^31 - 1: indices are stored in Int32Array). */
export const MAX_TYPED_LENGTH = 2 ** 31 - 1;

/** Options of {@link checkMemory}. */
export interface MemoryCheckOptions {
  /** Bytes the caller allows; overrides the detected free memory (tests and `--memory-limit-mb`). */
  limitBytes?: number;
}

let cgroupLimit: number | undefined;

/** The cgroup memory limit (read once: it does not change while the process runs), or Infinity. */
function cgroupLimitBytes(): number {
  if (cgroupLimit === undefined) cgroupLimit = readCgroupLimit();
  return cgroupLimit;
}

function readCgroupLimit(): number {
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

/** Requests below this size (1 MiB) are not checked against the detected free memory (a `limitBytes` is still applied). */
export const SMALL_REQUEST_BYTES = 2 ** 20;

/**
 * Throws a `RouserError` naming what was being built, the size asked and the size available when `bytes` does not
 * fit; returns silently otherwise. Call it before allocating. Requests below {@link SMALL_REQUEST_BYTES} are
 * accepted without querying the OS unless `opts.limitBytes` is given.
 * @param what e.g. `CSR synapses (1000000 x 100)`
 */
export function checkMemory(what: string, bytes: number, opts: MemoryCheckOptions = {}): void {
  // below 1 MiB (e.g. the per-sample buffers of an evaluation) the OS query would cost more than the allocation
  if (opts.limitBytes === undefined && bytes >= 0 && bytes < SMALL_REQUEST_BYTES) return;
  const available = opts.limitBytes ?? availableMemoryBytes();
  if (!(bytes <= available))
    throw new RouserError(
      `${what}: needs ${formatMB(bytes)} but only ${formatMB(available)} is available; reduce the network size or free memory`,
    );
}

/** Throws a `RouserError` when a typed-array length exceeds {@link MAX_TYPED_LENGTH}. */
export function checkLength(what: string, length: number): void {
  if (!(length <= MAX_TYPED_LENGTH))
    throw new RouserError(`${what}: ${length} elements asked; at most ${MAX_TYPED_LENGTH} fit in one typed array`);
}

/**
 * Bytes a surrogate-gradient training run holds per trainable weight: float32 weights of the current and the
 * initial network (8), float64 Adam moments m and v (16), the float32 gradient and its transposed copy in the fused
 * workspace (8), and the float64 accumulation copy (8).
 */
export const TRAIN_BYTES_PER_WEIGHT = 40;

/**
 * Bytes per neuron per time step per sample of a forward + backward pass: the float32 membrane, current, spike
 * and surrogate-gradient traces kept for BPTT (16).
 */
export const TRAIN_BYTES_PER_NEURON_STEP = 16;

/** Sizes of a training or evaluation run, for {@link trainingMemoryBytes}. */
export interface RunSize {
  /** Layer sizes including the input, e.g. [2312, 500, 500, 10]. */
  sizes: readonly number[];
  /** Samples per batch (0 when only the parameters are estimated). */
  batch?: number;
  /** Time steps per sample. */
  steps?: number;
}

/**
 * Estimated bytes of a training run: weights x {@link TRAIN_BYTES_PER_WEIGHT} + batch x steps x (neurons of all
 * layers, input included) x {@link TRAIN_BYTES_PER_NEURON_STEP}. A lower bound of the peak (buffers of the
 * backend's workers come on top), used to refuse sizes that cannot fit before anything is allocated.
 */
export function trainingMemoryBytes(run: RunSize): number {
  let weights = 0;
  let neurons = 0;
  run.sizes.forEach((s, i) => {
    neurons += s;
    if (i > 0) weights += s * (run.sizes[i - 1] as number);
  });
  return weights * TRAIN_BYTES_PER_WEIGHT + (run.batch ?? 0) * (run.steps ?? 0) * neurons * TRAIN_BYTES_PER_NEURON_STEP;
}

/**
 * Checks a network's sizes before anything is allocated: every layer's weight matrix fits one typed array and the
 * run's estimated bytes ({@link trainingMemoryBytes}) fit the available memory.
 * @param where e.g. `fit: config` or the model file
 * @throws RouserError naming `where`, the layer or the size, and the limit
 */
export function checkRunSize(where: string, run: RunSize, opts: MemoryCheckOptions = {}): void {
  for (let i = 1; i < run.sizes.length; i++) {
    const w = (run.sizes[i] as number) * (run.sizes[i - 1] as number);
    checkLength(`${where}: layer ${i - 1} weights (${run.sizes[i]} x ${run.sizes[i - 1]})`, w);
  }
  const shape = `${run.sizes.join('-')}${run.batch ? `, batch ${run.batch}` : ''}${run.steps ? `, ${run.steps} steps` : ''}`;
  checkMemory(`${where}: network ${shape}`, trainingMemoryBytes(run), opts);
}

/**
 * Checks a dense spike tensor of `batch x steps x channels` float32 values before it is allocated: the length
 * fits one typed array and the bytes fit the available memory.
 */
export function checkTensorSize(
  what: string,
  batch: number,
  steps: number,
  channels: number,
  opts: MemoryCheckOptions = {},
): void {
  const n = batch * steps * channels;
  checkLength(`${what} (${batch} samples x ${steps} steps x ${channels} channels)`, n);
  // Below 64 MB the probe of free memory (two small file reads) would cost more than it protects.
  if (n * 4 >= 2 ** 26 || opts.limitBytes !== undefined)
    checkMemory(`${what} (${batch} samples x ${steps} steps x ${channels} channels)`, n * 4, opts);
}
