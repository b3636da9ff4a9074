/**
 * The `fused` training backend (default): hand-written forward and BPTT kernels on Float32Array that fuse each
 * layer's whole time scan into one loop and sum only the rows of active input spikes (see `fused/kernels.ts` for
 * the equations). Optionally splits every phase over worker threads by neuron slices; results are bit-identical for
 * any thread count.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { NetworkSpec } from '../model/spec.js';
import type { SpikeTensor } from '../model/spikes.js';
import { neuronCoefficients } from '../neuron/dynamics.js';
import { surrogateProblem, type Surrogate } from '../neuron/surrogate.js';
import { RouserError, fail } from '../util/errors.js';
import { lossAndGrad } from './loss.js';
import {
  SG_ATAN,
  SG_EXPONENTIAL,
  SG_FAST_SIGMOID,
  SG_TRIANGLE,
  ThreadScratch,
  buildInputLists,
  buildSpikeListsShared,
  countInput,
  loadInputSimd,
  runPhase,
  type Phase,
} from './fused/kernels.js';
import type { WorkerReply, WorkerRequest } from './fused/protocol.js';
import { simdSupported } from './fused/simd.js';
import {
  createWorkspace,
  growInputCapacity,
  type KernelCall,
  type KernelLayer,
  type Workspace,
} from './fused/workspace.js';
import type { ForwardResult, GradientOptions, Gradients, StepResult, TrainBackend } from './types.js';

/** Options of {@link createFusedBackend}. */
export interface FusedBackendOptions {
  /**
   * Threads that share every phase (the calling thread plus `threads - 1` worker threads), default 1.
   * Work is split by neuron slices, so results do not depend on this number.
   */
  threads?: number;
  /**
   * Use the WebAssembly SIMD kernels (default: when the runtime supports WebAssembly SIMD and shared memory).
   * `false` forces the JavaScript kernels; both compute bit-identical results.
   */
  simd?: boolean;
}

/**
 * Checks that `spec`, `input` (and `labels`) fit together; throws a RouserError naming the field otherwise.
 * Cheap (shapes only): parameter values are not scanned.
 */
export function checkTrainInputs(spec: NetworkSpec, input: SpikeTensor, labels?: Int32Array): void {
  if (spec.layers.length === 0) fail('NetworkSpec', 'layers.length', 0, 'at least 1 layer');
  let prev = spec.inputSize;
  spec.layers.forEach((l, k) => {
    const f = `layers[${k}]`;
    if (l.inputSize !== prev) fail('NetworkSpec', `${f}.inputSize`, l.inputSize, `${prev}`);
    if (l.weights.length !== l.size * l.inputSize)
      fail('NetworkSpec', `${f}.weights.length`, l.weights.length, `${l.size * l.inputSize}`);
    if (l.thresholds.length !== l.size) fail('NetworkSpec', `${f}.thresholds.length`, l.thresholds.length, `${l.size}`);
    if (l.bias && l.bias.length !== l.size) fail('NetworkSpec', `${f}.bias.length`, l.bias.length, `${l.size}`);
    if (!Number.isInteger(l.delaySteps) || l.delaySteps < 0)
      fail('NetworkSpec', `${f}.delaySteps`, l.delaySteps, 'an integer >= 0');
    prev = l.size;
  });
  if (input.channels !== spec.inputSize)
    fail('SpikeTensor', 'channels', input.channels, `${spec.inputSize} (the network input size)`);
  if (!Number.isInteger(input.batch) || input.batch <= 0)
    fail('SpikeTensor', 'batch', input.batch, 'a positive integer');
  if (!Number.isInteger(input.steps) || input.steps <= 0)
    fail('SpikeTensor', 'steps', input.steps, 'a positive integer');
  const want = input.batch * input.steps * input.channels;
  if (input.data.length !== want)
    fail('SpikeTensor', 'data.length', input.data.length, `${want} (batch*steps*channels)`);
  if (labels) {
    if (labels.length !== input.batch) fail('labels', 'length', labels.length, `${input.batch} (the batch size)`);
    const classes = (spec.layers[spec.layers.length - 1] as { size: number }).size;
    for (let b = 0; b < labels.length; b++) {
      const y = labels[b] as number;
      if (!(y >= 0 && y < classes)) fail('labels', `[${b}]`, y, `an integer in [0, ${classes})`);
    }
  }
}

/** Checks `grads` has the shapes of `spec`. */
function checkGradients(spec: NetworkSpec, grads: Gradients): void {
  spec.layers.forEach((l, k) => {
    const w = grads.weights[k];
    const th = grads.thresholds[k];
    if (!w || w.length !== l.weights.length)
      fail('Gradients', `weights[${k}].length`, w?.length, `${l.weights.length}`);
    if (!th || th.length !== l.size) fail('Gradients', `thresholds[${k}].length`, th?.length, `${l.size}`);
    const b = grads.bias[k];
    if (l.bias && (!b || b.length !== l.size)) fail('Gradients', `bias[${k}].length`, b?.length, `${l.size}`);
  });
}

/** Encodes a surrogate for the kernels: [kind, p1, p2]. */
export function encodeSurrogate(sg: Surrogate): [number, number, number] {
  const problem = surrogateProblem(sg);
  if (problem) throw new RouserError(problem);
  switch (sg.kind) {
    case 'exponential':
      return [SG_EXPONENTIAL, sg.scale, sg.tau];
    case 'fastSigmoid':
      return [SG_FAST_SIGMOID, sg.slope, 0];
    case 'atan':
      return [SG_ATAN, sg.alpha, 0];
    case 'triangle':
      return [SG_TRIANGLE, sg.scale, sg.width];
    default: {
      const never: never = sg;
      throw new RouserError(`unknown surrogate ${JSON.stringify(never)}`);
    }
  }
}

function kernelLayers(spec: NetworkSpec): KernelLayer[] {
  return spec.layers.map((l) => {
    const c = neuronCoefficients(l.neuron);
    return {
      n: l.size,
      nIn: l.inputSize,
      delay: l.delaySteps,
      aI: c.aI,
      aV: c.aV,
      hasCurrent: c.hasCurrent,
      subtract: l.reset === 'subtract',
      hasBias: l.bias !== undefined,
    };
  });
}

/**
 * How to start the worker: the compiled .js next to this file (dist/), or, when running from the .ts sources
 * (vitest, tsx), a small ESM bootstrap that registers the tsx loader inside the worker and then imports worker.ts
 * (`execArgv: ['--import', 'tsx']` is not honoured by worker threads on Node 20).
 */
function workerEntry(): { url: URL; execArgv: string[] } {
  if (!import.meta.url.endsWith('.ts')) return { url: new URL('./fused/worker.js', import.meta.url), execArgv: [] };
  const req = createRequire(import.meta.url);
  const tsxApi = pathToFileURL(join(dirname(req.resolve('tsx/package.json')), 'dist', 'esm', 'api', 'index.mjs')).href;
  const target = new URL('./fused/worker.ts', import.meta.url).href;
  const code = `import { register } from ${JSON.stringify(tsxApi)};\nregister();\nawait import(${JSON.stringify(target)});\n`;
  return { url: new URL(`data:text/javascript,${encodeURIComponent(code)}`), execArgv: [] };
}

/** A worker and the resolver of its pending reply. */
interface PoolWorker {
  worker: Worker;
  pending: { resolve: () => void; reject: (e: Error) => void } | undefined;
  failure: Error | undefined;
}

/**
 * Creates the fused backend.
 *
 * Forward spikes are identical to `referenceForward` (same float32 summation order: active inputs ascending into a
 * float32 accumulator from 0, bias added once, coefficients rounded to float32, `delaySteps` honoured). Inputs may
 * hold counts (values other than 0/1 are multiplied in); all-binary input takes the fast path without
 * multiplications. BPTT evaluates the surrogate at the pre-reset voltage, dS/dTh = -g, and honours `detachReset`
 * (S treated as a constant in the reset term: zero reset V+ = U (1 - S), subtract reset V+ = U - Th S, where Th
 * still receives -S dL/dV+), for both reset modes and both neuron kinds.
 *
 * @example
 * const backend = createFusedBackend({ threads: 2 });
 * const grads = createGradients(spec);
 * const r = await backend.forwardBackward(spec, batch, labels, { surrogate: DEFAULT_SURROGATE, loss: DEFAULT_LOSS, detachReset: true }, grads);
 * await backend.dispose();
 */
export function createFusedBackend(opts: FusedBackendOptions = {}): TrainBackend {
  const threads = opts.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1 || threads > 256)
    fail('createFusedBackend', 'threads', threads, 'an integer in [1, 256]');
  const useSimd = opts.simd ?? simdSupported();
  if (useSimd && !simdSupported())
    fail('createFusedBackend', 'simd', true, 'false (this runtime lacks WebAssembly SIMD or shared memory)');
  const scratch = new ThreadScratch();
  const pool: PoolWorker[] = [];
  let ws: Workspace | undefined;
  let wsKey = '';
  let wsVersion = 0;
  let sentVersion = 0;
  let queue: Promise<unknown> = Promise.resolve();
  let disposed = false;

  function ensurePool(): void {
    if (pool.length === threads - 1) return;
    const { url, execArgv } = workerEntry();
    for (let k = pool.length; k < threads - 1; k++) {
      const worker = new Worker(url, { execArgv });
      const pw: PoolWorker = { worker, pending: undefined, failure: undefined };
      worker.on('message', (m: WorkerReply) => {
        const p = pw.pending;
        pw.pending = undefined;
        if (!p) return;
        if (m.type === 'done') p.resolve();
        else p.reject(new Error(`fused worker ${k + 1} failed: ${m.message}`));
      });
      worker.on('error', (e: Error) => {
        pw.failure = e;
        pw.pending?.reject(e);
        pw.pending = undefined;
      });
      worker.unref();
      pool.push(pw);
    }
  }

  function ensureWorkspace(spec: NetworkSpec, input: SpikeTensor, nnz: number): Workspace {
    const sizes = [spec.inputSize, ...spec.layers.map((l) => l.size)];
    const key = `${sizes.join(',')}|${input.batch}|${input.steps}`;
    if (!ws || key !== wsKey || (ws.mem !== undefined && nnz > ws.inCols.length)) {
      // a SIMD workspace is one fixed-size memory: lay it out anew (with room to spare) when the input outgrows it
      const cap = Math.max(1024, Math.ceil(nnz * 1.25), ws && key === wsKey ? Math.ceil(ws.inCols.length * 1.5) : 0);
      ws = createWorkspace(sizes, input.batch, input.steps, cap, { simd: useSimd });
      wsKey = key;
      wsVersion++;
    } else if (growInputCapacity(ws, nnz)) {
      wsVersion++;
    }
    return ws;
  }

  function loadParams(spec: NetworkSpec, w: Workspace): void {
    spec.layers.forEach((l, k) => {
      const buf = w.layers[k];
      if (!buf) throw new Error('fused: workspace layer missing');
      buf.W.set(l.weights);
      buf.thresholds.set(l.thresholds);
      if (l.bias) buf.bias.set(l.bias);
      else buf.bias.fill(0);
    });
  }

  async function phase(w: Workspace, call: KernelCall, ph: Phase): Promise<void> {
    if (pool.length === 0) {
      runPhase(w, call, scratch, ph, 0, 1);
      return;
    }
    const waits: Promise<void>[] = [];
    pool.forEach((pw, k) => {
      if (pw.failure) throw pw.failure;
      if (sentVersion !== wsVersion) {
        const setup: WorkerRequest = { type: 'setup', ws: w };
        pw.worker.postMessage(setup);
      }
      waits.push(
        new Promise<void>((resolve, reject) => {
          pw.pending = { resolve, reject };
        }),
      );
      const req: WorkerRequest = { type: 'phase', call, phase: ph, part: k + 1, parts: threads };
      pw.worker.postMessage(req);
    });
    sentVersion = wsVersion;
    runPhase(w, call, scratch, ph, 0, threads);
    await Promise.all(waits);
  }

  async function runForward(
    spec: NetworkSpec,
    input: SpikeTensor,
    call: Omit<KernelCall, 'inputBinary' | 'layers'>,
  ): Promise<{ w: Workspace; kc: KernelCall }> {
    const delay0 = spec.layers[0]?.delaySteps ?? 0;
    let w: Workspace;
    let binary: boolean;
    if (useSimd) {
      w = ensureWorkspace(spec, input, 0);
      let r = loadInputSimd(w, input.data, delay0);
      if (r.nnz > w.inCols.length) {
        w = ensureWorkspace(spec, input, r.nnz);
        r = loadInputSimd(w, input.data, delay0);
      }
      binary = r.binary;
    } else {
      const c = countInput(input.data);
      w = ensureWorkspace(spec, input, c.nnz);
      buildInputLists(w, input.data, delay0);
      binary = c.binary;
    }
    loadParams(spec, w);
    const kc: KernelCall = {
      ...call,
      layers: kernelLayers(spec),
      inputBinary: binary,
      sharedLists: w.mem !== undefined,
    };
    ensurePool();
    for (const pw of pool) pw.worker.ref();
    try {
      for (let l = 0; l < spec.layers.length; l++) {
        // layer l's input spike lists: built once here (WebAssembly), shared by every thread
        if (l > 0 && kc.sharedLists === true) buildSpikeListsShared(w, kc, l);
        await phase(w, kc, { kind: 'forward', layer: l });
      }
    } catch (e) {
      for (const pw of pool) pw.worker.unref();
      throw e;
    }
    return { w, kc };
  }

  function forwardResult(w: Workspace, recordFor?: SpikeTensor): ForwardResult {
    const r: ForwardResult = { outputCounts: w.outCounts.slice(), layerCounts: w.layers.map((b) => b.counts.slice()) };
    // S is [B][T][n] for the call's batch (the rows of `recordFor`).
    if (recordFor) r.spikes = w.layers.map((b) => b.S.slice(0, recordFor.batch * recordFor.steps * b.counts.length));
    return r;
  }

  function serial<T>(fn: () => Promise<T>): Promise<T> {
    if (disposed) return Promise.reject(new RouserError('fused backend: used after dispose()'));
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  }

  return {
    name: 'fused',
    description: `${threads === 1 ? 'fused, 1 thread' : `fused, ${threads} threads (${threads - 1} worker threads)`}${useSimd ? ', wasm simd' : ', js'}`,
    forward(spec, input, fopts) {
      return serial(async () => {
        checkTrainInputs(spec, input);
        const { w } = await runForward(spec, input, { sgKind: 0, sgP1: 1, sgP2: 1, detachReset: true });
        for (const pw of pool) pw.worker.unref();
        return forwardResult(w, fopts?.recordSpikes === true ? input : undefined);
      });
    },
    forwardBackward(spec, input, labels, gopts: GradientOptions, grads): Promise<StepResult> {
      return serial(async () => {
        checkTrainInputs(spec, input, labels);
        checkGradients(spec, grads);
        const [sgKind, sgP1, sgP2] = encodeSurrogate(gopts.surrogate);
        const { w, kc } = await runForward(spec, input, { sgKind, sgP1, sgP2, detachReset: gopts.detachReset });
        try {
          const L = spec.layers.length;
          const classes = (spec.layers[L - 1] as { size: number }).size;
          const loss = lossAndGrad(gopts.loss, w.outCounts, labels, input.batch, classes, input.steps, w.dCounts);
          await phase(w, kc, { kind: 'backward', layer: L - 1 });
          for (let l = L - 1; l >= 1; l--) await phase(w, kc, { kind: 'propagateBackward', layer: l });
          spec.layers.forEach((l, k) => {
            const buf = w.layers[k];
            if (!buf) return;
            (grads.weights[k] as Float32Array).set(buf.dW);
            (grads.thresholds[k] as Float32Array).set(buf.dTh);
            if (l.bias) (grads.bias[k] as Float32Array).set(buf.dBias);
          });
          return { ...forwardResult(w), loss };
        } finally {
          for (const pw of pool) pw.worker.unref();
        }
      });
    },
    async dispose() {
      disposed = true;
      await queue;
      await Promise.all(pool.map((pw) => pw.worker.terminate()));
      pool.length = 0;
      ws = undefined;
    },
  };
}
