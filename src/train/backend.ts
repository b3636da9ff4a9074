/**
 * Backend factory: one API over the `fused` kernels (default) and the `tfjs` reference. tfjs is imported lazily, so
 * programs that only use `fused` never load TensorFlow.js.
 */
import { fail } from '../util/errors.js';
import { createFusedBackend, type FusedBackendOptions } from './fused.js';
import type { TrainBackend } from './types.js';

/** Backends selectable by name. */
export type TrainBackendKind = 'fused' | 'tfjs';

/** Backend kinds, for CLI parsing and exhaustive tests. */
export const TRAIN_BACKEND_KINDS: readonly TrainBackendKind[] = ['fused', 'tfjs'] as const;

/** Options of {@link createBackend}; `threads` applies to `fused` only. */
export type CreateBackendOptions = FusedBackendOptions;

/**
 * Creates a training backend.
 * - `fused`: hand-written spike-sparse forward + BPTT kernels (optionally over worker threads).
 * - `tfjs`: TensorFlow.js autodiff reference; loads tfjs-node, else the wasm backend, else cpu (see `description`).
 * Call `dispose()` when done (it stops worker threads and frees tensors).
 * @example
 * const backend = await createBackend('fused', { threads: 2 });
 * console.log(backend.description); // "fused, 2 threads (1 worker threads), wasm simd"
 */
export async function createBackend(kind: TrainBackendKind, opts: CreateBackendOptions = {}): Promise<TrainBackend> {
  switch (kind) {
    case 'fused':
      return createFusedBackend(opts);
    case 'tfjs': {
      const { createTfBackend } = await import('./tf.js');
      return createTfBackend();
    }
    default: {
      const never: never = kind;
      return fail('createBackend', 'kind', never, "'fused' or 'tfjs'");
    }
  }
}
