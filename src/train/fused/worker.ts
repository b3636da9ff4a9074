/**
 * Worker-thread entry of the fused backend: holds a per-thread scratch, receives the shared workspace once per
 * layout, then runs phases on its neuron slice and reports back. Runs from dist/ as .js, or from source (.ts) with
 * the tsx loader under vitest.
 */
import { parentPort } from 'node:worker_threads';
import { runPhase, ThreadScratch } from './kernels.js';
import type { WorkerRequest, WorkerReply } from './protocol.js';
import type { Workspace } from './workspace.js';

const port = parentPort;
if (port) {
  const scratch = new ThreadScratch();
  let ws: Workspace | undefined;
  port.on('message', (msg: WorkerRequest) => {
    let reply: WorkerReply;
    try {
      switch (msg.type) {
        case 'setup':
          ws = msg.ws;
          return;
        case 'phase':
          if (!ws) throw new Error('fused worker: phase before setup');
          runPhase(ws, msg.call, scratch, msg.phase, msg.part, msg.parts);
          reply = { type: 'done' };
          break;
        default: {
          const never: never = msg;
          throw new Error(`fused worker: unknown message ${JSON.stringify(never)}`);
        }
      }
    } catch (e) {
      reply = { type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) };
    }
    port.postMessage(reply);
  });
}
