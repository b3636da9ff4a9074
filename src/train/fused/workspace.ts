/**
 * Buffers of the fused backend, laid out once per (architecture, batch, steps) and reused across calls. Every array
 * that more than one thread touches lives in a SharedArrayBuffer so that worker threads see the same memory; the
 * layout is plain data (structured-clonable) so it can be posted to a worker.
 *
 * Row index r = b * T + t (sample-major); per-layer `[B][T][n]` arrays hold row r at offset r * n.
 */

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
  /** Weight gradient accumulator, transposed `[nIn][n]`. */
  dWT: Float32Array;
  /** Weight gradient `[n][nIn]`. */
  dW: Float32Array;
  dTh: Float32Array;
  dBias: Float32Array;
  /** Spike totals per neuron over batch and steps. */
  counts: Float64Array;
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
}

function sharedF32(n: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(Math.max(1, n) * 4));
}
function sharedF64(n: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(Math.max(1, n) * 8));
}
function sharedI32(n: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(Math.max(1, n) * 4));
}
function sharedU8(n: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(Math.max(1, n)));
}

/** Allocates a workspace for `sizes = [inputs, n1, ..., nL]`, batch B, steps T and an input nonzero capacity. */
export function createWorkspace(sizes: readonly number[], batch: number, steps: number, nnzCapacity: number): Workspace {
  const rows = batch * steps;
  const layers: LayerBuffers[] = [];
  for (let l = 1; l < sizes.length; l++) {
    const n = sizes[l] as number;
    const nIn = sizes[l - 1] as number;
    layers.push({
      W: sharedF32(n * nIn),
      WT: sharedF32(n * nIn),
      thresholds: sharedF32(n),
      bias: sharedF32(n),
      U: sharedF32(rows * n),
      S: sharedU8(rows * n),
      DX: sharedF32(rows * n),
      GS: l < sizes.length - 1 ? sharedF32(rows * n) : new Float32Array(1),
      dWT: sharedF32(n * nIn),
      dW: sharedF32(n * nIn),
      dTh: sharedF32(n),
      dBias: sharedF32(n),
      counts: sharedF64(n),
    });
  }
  const classes = sizes[sizes.length - 1] as number;
  const inputSize = sizes[0] as number;
  return {
    batch,
    steps,
    inputSize,
    layers,
    outCounts: sharedF32(batch * classes),
    dCounts: sharedF32(batch * classes),
    inRowPtr: sharedI32(rows + 1),
    inCols: sharedI32(nnzCapacity),
    inVals: sharedF32(nnzCapacity),
    inColPtr: sharedI32(inputSize + 1),
    inRows: sharedI32(nnzCapacity),
    inRowVals: sharedF32(nnzCapacity),
  };
}

/** Grows the input CSR/CSC arrays (new shared buffers) when an input has more nonzeros than they hold. */
export function growInputCapacity(ws: Workspace, nnz: number): boolean {
  if (nnz <= ws.inCols.length) return false;
  const cap = Math.max(nnz, Math.ceil(ws.inCols.length * 1.5));
  ws.inCols = sharedI32(cap);
  ws.inVals = sharedF32(cap);
  ws.inRows = sharedI32(cap);
  ws.inRowVals = sharedF32(cap);
  return true;
}

/** Half-open neuron range [lo, hi) of slice `k` of `parts` for a layer of `n` neurons (balanced, deterministic). */
export function sliceOf(n: number, k: number, parts: number): [number, number] {
  return [Math.floor((k * n) / parts), Math.floor(((k + 1) * n) / parts)];
}
