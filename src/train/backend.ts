/**
 * Backend factory: one API over the `fused` kernels (default), the `tfjs` reference and the unfused float64
 * `reference` oracle. tfjs is imported lazily, so programs that never ask for `tfjs` never load TensorFlow.js.
 */
import { fail } from '../util/errors.js';
import { createFusedBackend, type FusedBackendOptions } from './fused.js';
import { createReferenceBackend } from './reference.js';
import type { TrainBackend } from './types.js';

/** Trainer backends selectable by name (CLI `--backend`, {@link FitConfig}`.backend`, `computeGradients`). */
export type BackendKind = 'fused' | 'tfjs' | 'reference';

/** Every {@link BackendKind}, for CLI parsing, validation and exhaustive tests. */
export const BACKEND_KINDS: readonly BackendKind[] = ['fused', 'tfjs', 'reference'] as const;

/** Options of {@link createBackend}; `threads` applies to `fused` only (the other kinds ignore it). */
export type CreateBackendOptions = FusedBackendOptions;

/**
 * Creates a training backend.
 * - `fused`: hand-written spike-sparse forward + BPTT kernels (optionally over worker threads).
 * - `tfjs`: TensorFlow.js autodiff reference; loads tfjs-node, else the wasm backend, else cpu (see `description`).
 * - `reference`: the slow, readable float64 oracle of reference.ts (forward = `referenceForward`).
 * Call `dispose()` when done (it stops worker threads and frees tensors).
 * @example
 * const backend = await createBackend('fused', { threads: 2 });
 * console.log(backend.description); // "fused, 2 threads (1 worker threads), wasm simd"
 */
export async function createBackend(kind: BackendKind, opts: CreateBackendOptions = {}): Promise<TrainBackend> {
  switch (kind) {
    case 'fused':
      return createFusedBackend(opts);
    case 'tfjs': {
      const { createTfBackend } = await import('./tf.js');
      return createTfBackend();
    }
    case 'reference':
      return createReferenceBackend();
    default: {
      const never: never = kind;
      return fail('createBackend', 'kind', never, BACKEND_KINDS.map((k) => `'${k}'`).join(', '));
    }
  }
}
