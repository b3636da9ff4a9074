/** Messages between the fused backend and its worker threads. */
import type { Phase } from './kernels.js';
import type { KernelCall, Workspace } from './workspace.js';

/** Main thread -> worker: a new workspace layout (no reply), or one phase to run on slice `part` of `parts`. */
export type WorkerRequest =
  { type: 'setup'; ws: Workspace } | { type: 'phase'; call: KernelCall; phase: Phase; part: number; parts: number };

/** Worker -> main thread after a phase. */
export type WorkerReply = { type: 'done' } | { type: 'error'; message: string };
