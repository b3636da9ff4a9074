/**
 * Buffers of the fused backend, laid out once per (architecture, batch, steps) and reused across calls. Every array
 * that more than one thread touches lives in a SharedArrayBuffer so that worker threads see the same memory; the
 * layout is plain data (structured-clonable) so it can be posted to a worker.
 *
 * With WebAssembly SIMD available, all arrays are views into one shared `WebAssembly.Memory` instead (see simd.ts).
 *
 * Row index r = b * T + t (sample-major); per-layer `[B][T][n]` arrays hold row r at offset r * n.
 */

import { createSimdMemory, simdSupported, type WasmMemory } from './simd.js';

/** Static geometry and neuron constants of one layer, as the kernels need them. */
export interface KernelLayer {
  /** Neurons (outputs). */
  n: number;
  /** Inputs. */
  nIn: number;
  /** Inter-layer delay in steps (input row t - delay feeds step t). */
  delay: number;
  /** Float32-rounded current retention aI (0 for lif). */
  aI: number;
  /** Float32-rounded voltage retention aV (beta for lif). */
  aV: number;
  /** True for cuba (has a synaptic current state). */
  hasCurrent: boolean;
  /** True for subtract reset, false for zero reset. */
  subtract: boolean;
  /** True when the layer has a bias. */
  hasBias: boolean;
}

/**
 * Per-call settings shared by all phases: surrogate encoded as an integer kind and two parameters
 * (0 exponential(scale, tau), 1 fastSigmoid(slope), 2 atan(alpha), 3 triangle(scale, width)).
 */
export interface KernelCall {
  layers: KernelLayer[];
  sgKind: number;
  sgP1: number;
  sgP2: number;
  detachReset: boolean;
  /** True when every nonzero input value is exactly 1 (the fast path: no multiplications). */
  inputBinary: boolean;
  /**
   * True when the caller has built the spike lists of every hidden layer into the workspace (`sp*` arrays, SIMD
   * layout) with `buildSpikeListsShared` (kernels.ts) before each forward phase of a layer l >= 1: the kernels then gather and
   * scatter over those shared lists in WebAssembly. Otherwise each thread builds its own lists in JavaScript.
   */
  sharedLists?: boolean;
}

/** Shared buffers of one layer. */
export interface LayerBuffers {
  /** Weights `[n][nIn]` (copy of the spec's). */
  W: Float32Array;
  /** Transposed weights `[nIn][n]` (rows of active inputs are summed). */
  WT: Float32Array;
  thresholds: Float32Array;
  bias: Float32Array;
  /** Pre-reset voltage `[B][T][n]`. */
  U: Float32Array;
  /** Spikes `[B][T][n]` (0/1). */
  S: Uint8Array;
  /** dLoss/d(synaptic input x) `[B][T][n]`. */
  DX: Float32Array;
  /** dLoss/dS of this layer's spikes `[B][T][n]` (written by the next layer's backward; unused for the last layer). */
  GS: Float32Array;
  /** SIMD layout, layers after the first: float64 copy of W (the dL/dS propagation reads it); else one element. */
  W64: Float64Array;
  /** Weight gradient `[n][nIn]`. */
  dW: Float32Array;
  dTh: Float32Array;
  dBias: Float32Array;
  /** Spike totals per neuron over batch and steps. */
  counts: Float64Array;
  /**
   * SIMD layout, layers after the first: the previous layer's spikes as CSR over rows (`spRowPtr`, `spCols`) and as
   * CSC with target rows shifted by this layer's delay (`spColPtr`, `spRows`), built once per call and shared by all
   * threads; one element otherwise.
   */
  spRowPtr: Int32Array;
  spCols: Int32Array;
  spColPtr: Int32Array;
  spRows: Int32Array;
}

/** Everything the kernels read and write. */
export interface Workspace {
  batch: number;
  steps: number;
  inputSize: number;
  layers: LayerBuffers[];
  /** Output spike counts `[B][C]`. */
  outCounts: Float32Array;
  /** dLoss/dcount `[B][C]`. */
  dCounts: Float32Array;
  /** Input CSR over rows r = b*T + t: active input indices (ascending) and their values. */
  inRowPtr: Int32Array;
  inCols: Int32Array;
  inVals: Float32Array;
  /** Input CSC per input channel: target rows (already shifted by layer 0's delay) and values. */
  inColPtr: Int32Array;
  inRows: Int32Array;
  inRowVals: Float32Array;
  /**
   * SIMD layout: a staging buffer of `inChunkRows` rows of the input tensor (streamed through it chunk by chunk and
   * scanned while still in cache); one element otherwise.
   */
  inData: Float32Array;
  /** Rows the staging buffer `inData` holds (SIMD layout). */
  inChunkRows: number;
  /** SIMD layout: float64 scratch of the backward scan, 4 rows of `maxWidth` indexed by neuron (slices disjoint). */
  scan64: Float64Array;
  /** Widest layer. */
  maxWidth: number;
  /** SIMD layout: flags written by the input scan ([0] = 1 when some nonzero input is not 1). */
  inFlags: Int32Array;
  /** The shared WebAssembly memory holding every array above (SIMD kernels), or undefined (JavaScript kernels). */
  mem: WasmMemory | undefined;
  /** True while the input CSR/CSC arrays are inside `mem` (false after {@link growInputCapacity}). */
  inputInMem: boolean;
}

/** Typed-array allocator of a workspace. */
interface Alloc {
  f32(n: number): Float32Array;
  f64(n: number): Float64Array;
  i32(n: number): Int32Array;
  u8(n: number): Uint8Array;
}

/** Each array in its own SharedArrayBuffer (the JavaScript kernels' layout). */
const sabAlloc: Alloc = {
  f32: (n) => new Float32Array(new SharedArrayBuffer(Math.max(1, n) * 4)),
  f64: (n) => new Float64Array(new SharedArrayBuffer(Math.max(1, n) * 8)),
  i32: (n) => new Int32Array(new SharedArrayBuffer(Math.max(1, n) * 4)),
  u8: (n) => new Uint8Array(new SharedArrayBuffer(Math.max(1, n))),
};

/**
 * Bump allocator inside one buffer (64-byte aligned blocks); with `buffer` null it only measures (`bytes`) and
 * returns empty placeholder arrays.
 */
function arenaAlloc(buffer: ArrayBufferLike | null): Alloc & { bytes: number } {
  const a = {
    bytes: 64,
    take(n: number, size: number): number {
      const off = a.bytes;
      a.bytes += Math.ceil((Math.max(1, n) * size) / 64) * 64;
      return off;
    },
    f32: (n: number) =>
      buffer ? new Float32Array(buffer, a.take(n, 4), Math.max(1, n)) : (a.take(n, 4), new Float32Array(0)),
    f64: (n: number) =>
      buffer ? new Float64Array(buffer, a.take(n, 8), Math.max(1, n)) : (a.take(n, 8), new Float64Array(0)),
    i32: (n: number) =>
      buffer ? new Int32Array(buffer, a.take(n, 4), Math.max(1, n)) : (a.take(n, 4), new Int32Array(0)),
    u8: (n: number) =>
      buffer ? new Uint8Array(buffer, a.take(n, 1), Math.max(1, n)) : (a.take(n, 1), new Uint8Array(0)),
  };
  return a;
}

/** Options of {@link createWorkspace}. */
export interface WorkspaceOptions {
  /** Lay the workspace out in a shared WebAssembly memory so the SIMD kernels can run (default: when supported). */
  simd?: boolean;
}

/**
 * Allocates a workspace for `sizes = [inputs, n1, ..., nL]`, batch B, steps T and an input nonzero capacity. With
 * SIMD (default when supported) every array is a view into one shared `WebAssembly.Memory` (`ws.mem`).
 */
export function createWorkspace(
  sizes: readonly number[],
  batch: number,
  steps: number,
  nnzCapacity: number,
  opts: WorkspaceOptions = {},
): Workspace {
  if (opts.simd ?? simdSupported()) {
    if (!simdSupported()) throw new Error('createWorkspace: WebAssembly SIMD is not supported by this runtime');
    const measure = arenaAlloc(null);
    layout(measure, sizes, batch, steps, nnzCapacity, true);
    const mem = createSimdMemory(measure.bytes);
    const ws = layout(arenaAlloc(mem.buffer), sizes, batch, steps, nnzCapacity, true);
    ws.mem = mem;
    ws.inputInMem = true;
    return ws;
  }
  return layout(sabAlloc, sizes, batch, steps, nnzCapacity, false);
}

function layout(
  alloc: Alloc,
  sizes: readonly number[],
  batch: number,
  steps: number,
  nnzCapacity: number,
  simd: boolean,
): Workspace {
  const rows = batch * steps;
  const layers: LayerBuffers[] = [];
  for (let l = 1; l < sizes.length; l++) {
    const n = sizes[l] as number;
    const nIn = sizes[l - 1] as number;
    layers.push({
      W: alloc.f32(n * nIn),
      WT: alloc.f32(n * nIn),
      thresholds: alloc.f32(n),
      bias: alloc.f32(n),
      U: alloc.f32(rows * n),
      S: alloc.u8(rows * n),
      DX: alloc.f32(rows * n),
      GS: l < sizes.length - 1 ? alloc.f32(rows * n) : alloc.f32(1),
      W64: alloc.f64(simd && l > 1 ? n * nIn : 1),
      dW: alloc.f32(n * nIn),
      dTh: alloc.f32(n),
      dBias: alloc.f32(n),
      counts: alloc.f64(n),
      spRowPtr: alloc.i32(simd && l > 1 ? rows + 1 : 1),
      spCols: alloc.i32(simd && l > 1 ? rows * nIn : 1),
      spColPtr: alloc.i32(simd && l > 1 ? nIn + 1 : 1),
      spRows: alloc.i32(simd && l > 1 ? rows * nIn : 1),
    });
  }
  const classes = sizes[sizes.length - 1] as number;
  const inputSize = sizes[0] as number;
  const maxWidth = Math.max(...sizes.slice(1));
  // ~256 KB of input rows per chunk: copied in and scanned while in L2
  const inChunkRows = Math.max(1, Math.min(rows, Math.floor(65536 / Math.max(1, inputSize))));
  return {
    batch,
    steps,
    inputSize,
    layers,
    outCounts: alloc.f32(batch * classes),
    dCounts: alloc.f32(batch * classes),
    inRowPtr: alloc.i32(rows + 1),
    inCols: alloc.i32(nnzCapacity),
    inVals: alloc.f32(nnzCapacity),
    inColPtr: alloc.i32(inputSize + 1),
    inRows: alloc.i32(nnzCapacity),
    inRowVals: alloc.f32(nnzCapacity),
    inData: alloc.f32(simd ? inChunkRows * inputSize : 1),
    inChunkRows,
    inFlags: alloc.i32(4),
    scan64: alloc.f64(simd ? 4 * maxWidth : 1),
    maxWidth,
    mem: undefined,
    inputInMem: false,
  };
}

/** Grows the input CSR/CSC arrays (new shared buffers) when an input has more nonzeros than they hold. */
export function growInputCapacity(ws: Workspace, nnz: number): boolean {
  if (nnz <= ws.inCols.length) return false;
  const cap = Math.max(nnz, Math.ceil(ws.inCols.length * 1.5));
  ws.inCols = sabAlloc.i32(cap);
  ws.inVals = sabAlloc.f32(cap);
  ws.inRows = sabAlloc.i32(cap);
  ws.inRowVals = sabAlloc.f32(cap);
  ws.inputInMem = false; // the SIMD kernels no longer see the input lists
  return true;
}

/** Half-open neuron range [lo, hi) of slice `k` of `parts` for a layer of `n` neurons (balanced, deterministic). */
export function sliceOf(n: number, k: number, parts: number): [number, number] {
  return [Math.floor((k * n) / parts), Math.floor(((k + 1) * n) / parts)];
}
