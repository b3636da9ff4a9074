import { workerData } from 'node:worker_threads';
import { abortKernel, markReady, runPart, type KernelInit } from './kernel.js';

/** Worker thread of the discrete random-network kernel: runs part `part` of the shared {@link KernelInit}. */
const { init, part } = workerData as { init: KernelInit; part: number };
markReady(init.ctl);
try {
  runPart(init, part, undefined);
} catch (e) {
  abortKernel(init.ctl);
  throw e;
}
