/**
 * Fused forward and BPTT kernels of the `fused` backend. Each layer's whole time scan is one loop; synaptic input is
 * summed only over the active (nonzero) inputs of each row; work is split over threads by NEURON slices (never by
 * batch), so every output element is computed by one thread in one fixed order and results are bit-identical for
 * any thread count.
 *
 * Forward, per layer, row r = (b, t), neuron j (canonical order of `src/neuron/dynamics.ts`):
 *   acc = 0 (float32); for active inputs i ascending: acc = fround(acc + W[j][i] * s_i)
 *   x = fround(acc + bias_j);  I = fround(aI I + x);  U = fround(aV V + I)   (lif: U = fround(aV V + x))
 *   S = U >= Th;  V = S ? (zero: 0 | subtract: fround(U - Th)) : U
 * Backward (surrogate g at the pre-reset voltage, g = g(U - Th)), carried backwards in t with dV = dL/dV[t] (post
 * reset) and dI = dL/dI[t+1]:
 *   dS = gS[t] + (detachReset ? 0 : dV * dVpost/dS)      zero: dVpost/dS = -U; subtract: dVpost/dS = -Th
 *   dU = dV * dVpost/dU + dS g                           zero: dVpost/dU = 1 - S; subtract: 1
 *   dTh += -dS g + (subtract ? -S dV : 0)                (Th enters the subtract reset even when S is detached)
 *   dI[t] = dU + aI dI[t+1];  dx = dI (cuba) or dU (lif);  dV[t-1] = aV dU
 *   dBias += dx;  dW[j][i] += dx[r] s_i[r - delay];  gS_prev[r - delay][i] += sum_j W[j][i] dx[r][j]
 */
import { simdKernels } from './simd.js';
import type { KernelCall, Workspace } from './workspace.js';
import { sliceOf } from './workspace.js';

/** Surrogate kind codes used by the kernels. */
export const SG_EXPONENTIAL = 0;
export const SG_FAST_SIGMOID = 1;
export const SG_ATAN = 2;
export const SG_TRIANGLE = 3;

/** g(x) for an encoded surrogate (same formulas as `surrogateGrad`). */
export function sgrad(kind: number, p1: number, p2: number, x: number): number {
  switch (kind) {
    case SG_EXPONENTIAL:
      return (p1 / p2) * Math.exp(-Math.abs(x) / p2);
    case SG_FAST_SIGMOID: {
      const d = 1 + p1 * Math.abs(x);
      return 1 / (d * d);
    }
    case SG_ATAN: {
      const u = (Math.PI * p1 * x) / 2;
      return p1 / 2 / (1 + u * u);
    }
    default: {
      const r = 1 - Math.abs(x) / p2;
      return r > 0 ? p1 * r : 0;
    }
  }
}

/** Per-thread scratch: accumulators and the CSR/CSC of hidden-layer spikes (never shared). */
export class ThreadScratch {
  acc = new Float32Array(1);
  cur = new Float32Array(1);
  vol = new Float32Array(1);
  acc64 = new Float64Array(1);
  carryV = new Float64Array(1);
  carryI = new Float64Array(1);
  thAcc = new Float64Array(1);
  biasAcc = new Float64Array(1);
  /** Per layer l >= 1: CSR of layer l-1 spikes over rows, and CSC (target rows shifted by layer l's delay). */
  rowPtr: Int32Array[] = [];
  cols: Int32Array[] = [];
  colPtr: Int32Array[] = [];
  rows: Int32Array[] = [];

  /** Ensures the width-dependent buffers hold `n` entries. */
  ensureWidth(n: number): void {
    if (this.acc.length >= n) return;
    this.acc = new Float32Array(n);
    this.cur = new Float32Array(n);
    this.vol = new Float32Array(n);
    this.acc64 = new Float64Array(n);
    this.carryV = new Float64Array(n);
    this.carryI = new Float64Array(n);
    this.thAcc = new Float64Array(n);
    this.biasAcc = new Float64Array(n);
  }
}

/**
 * Builds the CSR (rows ascending, active columns ascending) and the delay-shifted CSC of a `[rows][width]` 0/1 byte
 * matrix into growable per-thread arrays of `sc` for layer `l`.
 */
function buildSpikeLists(
  sc: ThreadScratch,
  l: number,
  S: Uint8Array,
  rows: number,
  width: number,
  steps: number,
  delay: number,
): void {
  let rowPtr = sc.rowPtr[l];
  if (!rowPtr || rowPtr.length < rows + 1) rowPtr = sc.rowPtr[l] = new Int32Array(rows + 1);
  let colPtr = sc.colPtr[l];
  if (!colPtr || colPtr.length < width + 1) colPtr = sc.colPtr[l] = new Int32Array(width + 1);
  let cols = sc.cols[l] ?? (sc.cols[l] = new Int32Array(1024));
  colPtr.fill(0, 0, width + 1);
  let nnz = 0;
  for (let r = 0; r < rows; r++) {
    rowPtr[r] = nnz;
    const base = r * width;
    for (let i = 0; i < width; i++) {
      if (S[base + i] !== 0) {
        if (nnz === cols.length) {
          const c = new Int32Array(cols.length * 2);
          c.set(cols);
          cols = sc.cols[l] = c;
        }
        cols[nnz++] = i;
      }
    }
  }
  rowPtr[rows] = nnz;
  // CSC of entries whose target row (t + delay) is inside the window
  for (let r = 0; r < rows; r++) {
    if ((r % steps) + delay >= steps) continue;
    for (let q = rowPtr[r] as number, e = rowPtr[r + 1] as number; q < e; q++) {
      const c = (cols[q] as number) + 1;
      colPtr[c] = (colPtr[c] as number) + 1;
    }
  }
  for (let i = 0; i < width; i++) colPtr[i + 1] = (colPtr[i + 1] as number) + (colPtr[i] as number);
  const total = colPtr[width] as number;
  let rowsArr = sc.rows[l];
  if (!rowsArr || rowsArr.length < total) rowsArr = sc.rows[l] = new Int32Array(Math.max(1024, total * 1.5) | 0);
  for (let r = 0; r < rows; r++) {
    if ((r % steps) + delay >= steps) continue;
    const target = r + delay;
    for (let q = rowPtr[r] as number, e = rowPtr[r + 1] as number; q < e; q++) {
      const i = cols[q] as number;
      const p = colPtr[i] as number;
      rowsArr[p] = target;
      colPtr[i] = p + 1;
    }
  }
  // colPtr[i] now holds the start of column i+1: shift right to restore the starts
  for (let i = width; i > 0; i--) colPtr[i] = colPtr[i - 1] as number;
  colPtr[0] = 0;
}

/**
 * Builds the input CSR and the layer-0-delay-shifted CSC from a `[B][T][inputs]` tensor into the workspace.
 * Call {@link countInput} first and grow the workspace to its nnz.
 */
export function buildInputLists(ws: Workspace, data: Float32Array, delay: number): void {
  const rows = ws.batch * ws.steps;
  const width = ws.inputSize;
  const steps = ws.steps;
  const { inRowPtr, inCols, inVals, inColPtr } = ws;
  inColPtr.fill(0);
  let nnz = 0;
  for (let r = 0; r < rows; r++) {
    inRowPtr[r] = nnz;
    const base = r * width;
    const shifted = (r % steps) + delay < steps;
    for (let i = 0; i < width; i++) {
      const v = data[base + i] as number;
      if (v !== 0) {
        inCols[nnz] = i;
        inVals[nnz++] = v;
        if (shifted) inColPtr[i + 1] = (inColPtr[i + 1] as number) + 1;
      }
    }
  }
  inRowPtr[rows] = nnz;
  buildInputCsc(ws, delay);
}

/**
 * SIMD workspace: streams `data` through the workspace's small staging buffer (each chunk is scanned while in cache)
 * and builds the input CSR and CSC like {@link buildInputLists} (identical lists). Returns the nonzero count and whether all nonzeros are 1; when the count
 * exceeds the workspace's capacity (`nnz > ws.inCols.length`) the lists are incomplete: lay out a bigger workspace
 * and call again.
 */
export function loadInputSimd(ws: Workspace, data: Float32Array, delay: number): { nnz: number; binary: boolean } {
  if (ws.mem === undefined || !ws.inputInMem) throw new Error('loadInputSimd: not a SIMD workspace');
  const rows = ws.batch * ws.steps;
  const { inData, inRowPtr, inCols, inVals, inColPtr, inFlags } = ws;
  inColPtr.fill(0);
  inFlags[0] = 0;
  const cap = inCols.length;
  const width = ws.inputSize;
  const k = simdKernels(ws.mem);
  let nnz = 0;
  // stream the tensor through the small staging buffer: each chunk is scanned right after its copy, still in cache
  for (let r0 = 0; r0 < rows; r0 += ws.inChunkRows) {
    const r1 = Math.min(rows, r0 + ws.inChunkRows);
    inData.set(data.subarray(r0 * width, r1 * width));
    nnz = k.scan(
      inData.byteOffset,
      r1,
      width,
      ws.steps,
      delay,
      inRowPtr.byteOffset,
      inCols.byteOffset,
      inVals.byteOffset,
      inColPtr.byteOffset,
      cap,
      inFlags.byteOffset,
      r0,
      nnz,
    );
  }
  if (nnz <= cap) {
    const { inRows, inRowVals } = ws;
    k.csc(
      inRowPtr.byteOffset,
      inCols.byteOffset,
      inVals.byteOffset,
      inColPtr.byteOffset,
      inRows.byteOffset,
      inRowVals.byteOffset,
      rows,
      ws.inputSize,
      ws.steps,
      delay,
      1,
    );
  }
  return { nnz, binary: inFlags[0] === 0 };
}

/**
 * SIMD workspace: builds the CSR and the delay-shifted CSC of layer `l - 1`'s spikes (the inputs of layer l >= 1)
 * into layer l's shared `sp*` arrays, once for all threads (call on one thread after layer l - 1's forward phase and
 * before layer l's; then set `sharedLists` in the call). Same lists as the per-thread JavaScript builder.
 */
export function buildSpikeListsShared(ws: Workspace, call: KernelCall, l: number): void {
  const kl = call.layers[l];
  const buf = ws.layers[l];
  const prev = ws.layers[l - 1];
  if (ws.mem === undefined || l < 1 || !kl || !buf || !prev)
    throw new Error(`buildSpikeListsShared: no SIMD layer ${l}`);
  const k = simdKernels(ws.mem);
  const rows = ws.batch * ws.steps;
  const { spRowPtr, spCols, spColPtr, spRows } = buf;
  k.spikes(
    prev.S.byteOffset,
    rows,
    kl.nIn,
    ws.steps,
    kl.delay,
    spRowPtr.byteOffset,
    spCols.byteOffset,
    spColPtr.byteOffset,
  );
  k.csc(
    spRowPtr.byteOffset,
    spCols.byteOffset,
    0,
    spColPtr.byteOffset,
    spRows.byteOffset,
    0,
    rows,
    kl.nIn,
    ws.steps,
    kl.delay,
    0,
  );
}

/** The delay-shifted input CSC from the CSR (inColPtr[i + 1] holds column i's count of in-window entries). */
function buildInputCsc(ws: Workspace, delay: number): void {
  const rows = ws.batch * ws.steps;
  const width = ws.inputSize;
  const steps = ws.steps;
  const { inRowPtr, inCols, inVals, inColPtr, inRows, inRowVals } = ws;
  for (let i = 0; i < width; i++) inColPtr[i + 1] = (inColPtr[i + 1] as number) + (inColPtr[i] as number);
  for (let r = 0; r < rows; r++) {
    if ((r % steps) + delay >= steps) continue;
    const target = r + delay;
    for (let q = inRowPtr[r] as number, e = inRowPtr[r + 1] as number; q < e; q++) {
      const i = inCols[q] as number;
      const p = inColPtr[i] as number;
      inRows[p] = target;
      inRowVals[p] = inVals[q] as number;
      inColPtr[i] = p + 1;
    }
  }
  for (let i = width; i > 0; i--) inColPtr[i] = inColPtr[i - 1] as number;
  inColPtr[0] = 0;
}

/** Counts nonzeros of an input tensor and whether all of them equal 1. */
export function countInput(data: Float32Array): { nnz: number; binary: boolean } {
  let nnz = 0;
  let binary = true;
  for (let k = 0; k < data.length; k++) {
    const v = data[k] as number;
    if (v !== 0) {
      nnz++;
      if (v !== 1) binary = false;
    }
  }
  return { nnz, binary };
}

/**
 * Forward phase of layer `l` on neuron slice `part` of `parts`: transposes the slice's weights, (for l >= 1) builds
 * this thread's spike lists of layer l-1, then runs the fused gather + neuron scan over every sample and step.
 */
export function forwardLayer(
  ws: Workspace,
  call: KernelCall,
  sc: ThreadScratch,
  l: number,
  part: number,
  parts: number,
): void {
  const kl = call.layers[l];
  const buf = ws.layers[l];
  if (!kl || !buf) throw new Error(`forwardLayer: no layer ${l}`);
  const { n, nIn, delay, aI, aV, hasCurrent, subtract, hasBias } = kl;
  const B = ws.batch;
  const T = ws.steps;
  const [j0, j1] = sliceOf(n, part, parts);
  if (j1 <= j0) return;
  sc.ensureWidth(n);
  const { W, WT, thresholds: th, bias, U, S, counts } = buf;
  if (ws.mem !== undefined) simdKernels(ws.mem).transpose(W.byteOffset, WT.byteOffset, n, nIn, j0, j1);
  else transposeSlice(W, WT, n, nIn, j0, j1);
  let rowPtr: Int32Array;
  let cols: Int32Array;
  let vals: Float32Array | null = null;
  const shared = l > 0 && call.sharedLists === true && ws.mem !== undefined;
  if (l === 0) {
    rowPtr = ws.inRowPtr;
    cols = ws.inCols;
    if (!call.inputBinary) vals = ws.inVals;
  } else if (shared) {
    rowPtr = buf.spRowPtr;
    cols = buf.spCols;
  } else {
    const prev = ws.layers[l - 1];
    if (!prev) throw new Error('forwardLayer: missing previous layer');
    buildSpikeLists(sc, l, prev.S, B * T, nIn, T, delay);
    rowPtr = sc.rowPtr[l] as Int32Array;
    cols = sc.cols[l] as Int32Array;
  }
  // the synaptic input of every row goes into U first (read back by the neuron scan as its accumulator)
  const mem = shared || (l === 0 && vals === null && ws.inputInMem) ? ws.mem : undefined;
  if (mem !== undefined)
    simdKernels(mem).gather(
      U.byteOffset,
      WT.byteOffset,
      cols.byteOffset,
      rowPtr.byteOffset,
      B * T,
      T,
      delay,
      n,
      j0,
      j1,
    );
  else gatherRows(U, WT, rowPtr, cols, vals, B * T, T, delay, n, j0, j1);
  if (ws.mem !== undefined) {
    const c0 = ws.scan64.byteOffset;
    const m = ws.maxWidth * 8;
    simdKernels(ws.mem).fscan(
      U.byteOffset,
      S.byteOffset,
      counts.byteOffset,
      th.byteOffset,
      bias.byteOffset,
      B,
      T,
      n,
      j0,
      j1,
      aI,
      aV,
      hasCurrent ? 1 : 0,
      subtract ? 1 : 0,
      hasBias ? 1 : 0,
      c0,
      c0 + m,
    );
  } else neuronScan(U, S, counts, th, bias, sc.cur, sc.vol, B, T, n, j0, j1, aI, aV, hasCurrent, subtract, hasBias);
  if (l === call.layers.length - 1) {
    const outCounts = ws.outCounts;
    for (let b = 0; b < B; b++) {
      for (let j = j0; j < j1; j++) {
        let c = 0;
        for (let t = 0; t < T; t++) c += S[(b * T + t) * n + j] as number;
        outCounts[b * n + j] = c;
      }
    }
  }
}

/** U[r][j] = the float32 sum of WT rows of the active inputs of row r - delay (0 for t < delay), JS kernels. */
function gatherRows(
  U: Float32Array,
  WT: Float32Array,
  rowPtr: Int32Array,
  cols: Int32Array,
  vals: Float32Array | null,
  rows: number,
  T: number,
  delay: number,
  n: number,
  j0: number,
  j1: number,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    for (let j = j0; j < j1; j++) U[o + j] = 0;
    if (r % T < delay) continue;
    const src = r - delay;
    const q0 = rowPtr[src] as number;
    const q1 = rowPtr[src + 1] as number;
    if (vals === null) gatherBinary(U, o, WT, cols, q0, q1, n, j0, j1);
    else gatherValues(U, o, WT, cols, vals, q0, q1, n, j0, j1);
  }
}

/** The neuron time scan of one layer's slice: U holds the synaptic input on entry and the pre-reset voltage on exit. */
function neuronScan(
  U: Float32Array,
  S: Uint8Array,
  counts: Float64Array,
  th: Float32Array,
  bias: Float32Array,
  cur: Float32Array,
  vol: Float32Array,
  B: number,
  T: number,
  n: number,
  j0: number,
  j1: number,
  aI: number,
  aV: number,
  hasCurrent: boolean,
  subtract: boolean,
  hasBias: boolean,
): void {
  for (let j = j0; j < j1; j++) counts[j] = 0;
  for (let b = 0; b < B; b++) {
    for (let j = j0; j < j1; j++) {
      cur[j] = 0;
      vol[j] = 0;
    }
    for (let t = 0; t < T; t++) {
      const o = (b * T + t) * n;
      for (let j = j0; j < j1; j++) {
        const a = U[o + j] as number;
        const x = hasBias ? Math.fround(a + (bias[j] as number)) : a;
        let v: number;
        if (hasCurrent) {
          const i = Math.fround(aI * (cur[j] as number) + x);
          cur[j] = i;
          v = Math.fround(aV * (vol[j] as number) + i);
        } else {
          v = Math.fround(aV * (vol[j] as number) + x);
        }
        U[o + j] = v;
        const thj = th[j] as number;
        if (v >= thj) {
          S[o + j] = 1;
          counts[j] = (counts[j] as number) + 1;
          vol[j] = subtract ? Math.fround(v - thj) : 0;
        } else {
          S[o + j] = 0;
          vol[j] = v;
        }
      }
    }
  }
}

/** WT[i][j] = W[j][i] for j in [j0, j1), in bands of 16 neurons (each WT row gets 64 contiguous bytes at a time). */
function transposeSlice(W: Float32Array, WT: Float32Array, n: number, nIn: number, j0: number, j1: number): void {
  for (let jb = j0; jb < j1; jb += 16) {
    const je = Math.min(j1, jb + 16);
    for (let i = 0; i < nIn; i++) {
      const o = i * n;
      for (let j = jb; j < je; j++) WT[o + j] = W[j * nIn + i] as number;
    }
  }
}

/** acc[ao + j] = fround(acc[ao + j] + WT[i][j]) for active inputs i ascending (4 rows per pass, rounding each add). */
function gatherBinary(
  acc: Float32Array,
  ao: number,
  WT: Float32Array,
  cols: Int32Array,
  q0: number,
  q1: number,
  n: number,
  j0: number,
  j1: number,
): void {
  const fr = Math.fround;
  let q = q0;
  for (; q + 3 < q1; q += 4) {
    const w0 = (cols[q] as number) * n;
    const w1 = (cols[q + 1] as number) * n;
    const w2 = (cols[q + 2] as number) * n;
    const w3 = (cols[q + 3] as number) * n;
    for (let j = j0; j < j1; j++) {
      acc[ao + j] =
        fr(fr(fr((acc[ao + j] as number) + (WT[w0 + j] as number)) + (WT[w1 + j] as number)) + (WT[w2 + j] as number)) +
        (WT[w3 + j] as number);
    }
  }
  for (; q < q1; q++) {
    const w0 = (cols[q] as number) * n;
    for (let j = j0; j < j1; j++) acc[ao + j] = (acc[ao + j] as number) + (WT[w0 + j] as number);
  }
}

/** acc[ao + j] = fround(acc[ao + j] + WT[i][j] * v_i) for active inputs i in ascending order (count-valued inputs). */
function gatherValues(
  acc: Float32Array,
  ao: number,
  WT: Float32Array,
  cols: Int32Array,
  vals: Float32Array,
  q0: number,
  q1: number,
  n: number,
  j0: number,
  j1: number,
): void {
  for (let q = q0; q < q1; q++) {
    const w0 = (cols[q] as number) * n;
    const v = vals[q] as number;
    for (let j = j0; j < j1; j++) acc[ao + j] = (acc[ao + j] as number) + (WT[w0 + j] as number) * v;
  }
}

/**
 * Backward phase of layer `l` on neuron slice `part`: the reverse time scan (writes DX, dTh, dBias) and the weight
 * gradient of the slice, dW[j][i] = sum over rows where input i was active of DX[row][j] * s_i (rows in ascending
 * order, 4 per pass).
 */
export function backwardLayer(
  ws: Workspace,
  call: KernelCall,
  sc: ThreadScratch,
  l: number,
  part: number,
  parts: number,
): void {
  const kl = call.layers[l];
  const buf = ws.layers[l];
  if (!kl || !buf) throw new Error(`backwardLayer: no layer ${l}`);
  const { n, nIn, aI, aV, hasCurrent, subtract, hasBias } = kl;
  const B = ws.batch;
  const T = ws.steps;
  const [j0, j1] = sliceOf(n, part, parts);
  if (j1 <= j0) return;
  sc.ensureWidth(n);
  const { thresholds: th, U, S, DX, GS, dW, dTh, dBias } = buf;
  const isLast = l === call.layers.length - 1;
  const gIn = isLast ? ws.dCounts : GS;
  if (ws.mem !== undefined && call.sgKind !== SG_EXPONENTIAL) {
    // the surrogates without exp: same float64 expressions in WebAssembly
    const c = ws.scan64;
    const m = ws.maxWidth * 8;
    const c0 = c.byteOffset;
    simdKernels(ws.mem).bscan(
      U.byteOffset,
      S.byteOffset,
      th.byteOffset,
      gIn.byteOffset,
      isLast ? 1 : 0,
      DX.byteOffset,
      B,
      T,
      n,
      j0,
      j1,
      aI,
      aV,
      hasCurrent ? 1 : 0,
      subtract ? 1 : 0,
      call.detachReset ? 1 : 0,
      call.sgKind,
      call.sgP1,
      call.sgP2,
      c0,
      c0 + m,
      c0 + 2 * m,
      c0 + 3 * m,
    );
    const mw = ws.maxWidth;
    for (let j = j0; j < j1; j++) {
      dTh[j] = c[2 * mw + j] as number;
      dBias[j] = hasBias ? (c[3 * mw + j] as number) : 0;
    }
  } else
    backwardScan(
      U,
      S,
      th,
      gIn,
      isLast,
      DX,
      dTh,
      dBias,
      sc,
      B,
      T,
      n,
      j0,
      j1,
      aI,
      aV,
      hasCurrent,
      subtract,
      hasBias,
      call,
    );
  // weight gradient via the CSC of this layer's inputs
  let colPtr: Int32Array;
  let rows: Int32Array;
  let vals: Float32Array | null = null;
  const shared = l > 0 && call.sharedLists === true && ws.mem !== undefined;
  if (l === 0) {
    colPtr = ws.inColPtr;
    rows = ws.inRows;
    if (!call.inputBinary) vals = ws.inRowVals;
  } else if (shared) {
    colPtr = buf.spColPtr;
    rows = buf.spRows;
  } else {
    colPtr = sc.colPtr[l] as Int32Array;
    rows = sc.rows[l] as Int32Array;
  }
  if (ws.mem !== undefined && (shared || (l === 0 && vals === null && ws.inputInMem))) {
    simdKernels(ws.mem).scatter(dW.byteOffset, DX.byteOffset, rows.byteOffset, colPtr.byteOffset, nIn, n, j0, j1);
    return;
  }
  const acc = sc.acc64;
  for (let i = 0; i < nIn; i++) {
    for (let j = j0; j < j1; j++) acc[j] = 0;
    const q0 = colPtr[i] as number;
    const q1 = colPtr[i + 1] as number;
    if (vals === null) scatterBinary(acc, DX, rows, q0, q1, n, j0, j1);
    else scatterValues(acc, DX, rows, vals, q0, q1, n, j0, j1);
    for (let j = j0; j < j1; j++) dW[j * nIn + i] = acc[j] as number;
  }
}

/**
 * The reverse time scan of one layer's slice (writes DX, dTh, dBias). `gIn` is dL/dcount `[B][n]` for the last layer
 * (`isLast`), else dL/dS `[B][T][n]`.
 */
function backwardScan(
  U: Float32Array,
  S: Uint8Array,
  th: Float32Array,
  gIn: Float32Array,
  isLast: boolean,
  DX: Float32Array,
  dTh: Float32Array,
  dBias: Float32Array,
  sc: ThreadScratch,
  B: number,
  T: number,
  n: number,
  j0: number,
  j1: number,
  aI: number,
  aV: number,
  hasCurrent: boolean,
  subtract: boolean,
  hasBias: boolean,
  call: KernelCall,
): void {
  const { sgKind, sgP1, sgP2, detachReset } = call;
  const dCounts = gIn;
  const GS = gIn;
  const carryV = sc.carryV;
  const carryI = sc.carryI;
  const thAcc = sc.thAcc;
  const biasAcc = sc.biasAcc;
  for (let j = j0; j < j1; j++) {
    thAcc[j] = 0;
    biasAcc[j] = 0;
  }
  for (let b = 0; b < B; b++) {
    for (let j = j0; j < j1; j++) {
      carryV[j] = 0;
      carryI[j] = 0;
    }
    for (let t = T - 1; t >= 0; t--) {
      const o = (b * T + t) * n;
      for (let j = j0; j < j1; j++) {
        const u = U[o + j] as number;
        const s = S[o + j] as number;
        const thj = th[j] as number;
        const gs = isLast ? (dCounts[b * n + j] as number) : (GS[o + j] as number);
        // sgrad(sgKind, sgP1, sgP2, u - thj), inlined (same expressions)
        const xg = u - thj;
        let g: number;
        if (sgKind === SG_FAST_SIGMOID) {
          const d = 1 + sgP1 * Math.abs(xg);
          g = 1 / (d * d);
        } else if (sgKind === SG_EXPONENTIAL) {
          g = (sgP1 / sgP2) * Math.exp(-Math.abs(xg) / sgP2);
        } else if (sgKind === SG_ATAN) {
          const q = (Math.PI * sgP1 * xg) / 2;
          g = sgP1 / 2 / (1 + q * q);
        } else {
          const r = 1 - Math.abs(xg) / sgP2;
          g = r > 0 ? sgP1 * r : 0;
        }
        const dv = carryV[j] as number;
        let dS: number;
        let dU: number;
        let dT: number;
        if (subtract) {
          dS = detachReset ? gs : gs - thj * dv;
          dU = dv + dS * g;
          dT = -dS * g - s * dv;
        } else {
          dS = detachReset ? gs : gs - u * dv;
          dU = dv * (1 - s) + dS * g;
          dT = -dS * g;
        }
        let dx: number;
        if (hasCurrent) {
          dx = dU + aI * (carryI[j] as number);
          carryI[j] = dx;
        } else {
          dx = dU;
        }
        DX[o + j] = dx;
        thAcc[j] = (thAcc[j] as number) + dT;
        biasAcc[j] = (biasAcc[j] as number) + dx;
        carryV[j] = aV * dU;
      }
    }
  }
  for (let j = j0; j < j1; j++) {
    dTh[j] = thAcc[j] as number;
    dBias[j] = hasBias ? (biasAcc[j] as number) : 0;
  }
}

/** acc[j] += sum of DX[row][j] over the listed rows (4 rows per pass). */
function scatterBinary(
  acc: Float64Array,
  DX: Float32Array,
  rows: Int32Array,
  q0: number,
  q1: number,
  n: number,
  j0: number,
  j1: number,
): void {
  let q = q0;
  for (; q + 3 < q1; q += 4) {
    const r0 = (rows[q] as number) * n;
    const r1 = (rows[q + 1] as number) * n;
    const r2 = (rows[q + 2] as number) * n;
    const r3 = (rows[q + 3] as number) * n;
    for (let j = j0; j < j1; j++) {
      acc[j] =
        (acc[j] as number) +
        ((DX[r0 + j] as number) + (DX[r1 + j] as number) + (DX[r2 + j] as number) + (DX[r3 + j] as number));
    }
  }
  for (; q < q1; q++) {
    const r0 = (rows[q] as number) * n;
    for (let j = j0; j < j1; j++) acc[j] = (acc[j] as number) + (DX[r0 + j] as number);
  }
}

/** acc[j] += sum of DX[row][j] * v over the listed (row, v) entries. */
function scatterValues(
  acc: Float64Array,
  DX: Float32Array,
  rows: Int32Array,
  vals: Float32Array,
  q0: number,
  q1: number,
  n: number,
  j0: number,
  j1: number,
): void {
  for (let q = q0; q < q1; q++) {
    const r0 = (rows[q] as number) * n;
    const v = vals[q] as number;
    for (let j = j0; j < j1; j++) acc[j] = (acc[j] as number) + (DX[r0 + j] as number) * v;
  }
}

/**
 * Propagates layer `l`'s input gradient to layer l-1's spikes on slice `part` of layer l-1's neurons:
 * GS_{l-1}[b][t'][i] = sum_j W[j][i] DX_l[b][t' + delay][j]  (0 when t' + delay >= T), j ascending.
 */
export function propagateLayer(
  ws: Workspace,
  call: KernelCall,
  sc: ThreadScratch,
  l: number,
  part: number,
  parts: number,
): void {
  const kl = call.layers[l];
  const buf = ws.layers[l];
  const prev = ws.layers[l - 1];
  if (!kl || !buf || !prev) throw new Error(`propagateLayer: no layer ${l}`);
  const { n, nIn, delay } = kl;
  const B = ws.batch;
  const T = ws.steps;
  const [i0, i1] = sliceOf(nIn, part, parts);
  if (i1 <= i0) return;
  const { W, DX } = buf;
  const GS = prev.GS;
  if (ws.mem !== undefined) {
    // float64 copy of this slice's columns of W (exact), so the kernel's inner loop has no conversions
    const W64 = buf.W64;
    for (let j = 0; j < n; j++) {
      const wr = j * nIn;
      for (let i = i0; i < i1; i++) W64[wr + i] = W[wr + i] as number;
    }
    simdKernels(ws.mem).propagate(GS.byteOffset, W64.byteOffset, DX.byteOffset, B * T, T, delay, n, nIn, i0, i1);
    return;
  }
  sc.ensureWidth(nIn);
  const acc = sc.acc64;
  for (let b = 0; b < B; b++) {
    for (let tp = 0; tp < T; tp++) {
      const o = (b * T + tp) * nIn;
      const t = tp + delay;
      if (t >= T) {
        for (let i = i0; i < i1; i++) GS[o + i] = 0;
        continue;
      }
      for (let i = i0; i < i1; i++) acc[i] = 0;
      const r = (b * T + t) * n;
      for (let j = 0; j < n; j++) {
        const d = DX[r + j] as number;
        if (d === 0) continue;
        const wr = j * nIn;
        for (let i = i0; i < i1; i++) acc[i] = (acc[i] as number) + (W[wr + i] as number) * d;
      }
      for (let i = i0; i < i1; i++) GS[o + i] = acc[i] as number;
    }
  }
}

/** A unit of work a thread runs on its slice. */
export type Phase =
  | { kind: 'forward'; layer: number }
  | { kind: 'backward'; layer: number }
  /** propagate layer `layer`'s gradient to layer-1's spikes, then run layer-1's backward on the same slice. */
  | { kind: 'propagateBackward'; layer: number };

/** Runs one phase on slice `part` of `parts`. */
export function runPhase(
  ws: Workspace,
  call: KernelCall,
  sc: ThreadScratch,
  phase: Phase,
  part: number,
  parts: number,
): void {
  switch (phase.kind) {
    case 'forward':
      forwardLayer(ws, call, sc, phase.layer, part, parts);
      return;
    case 'backward':
      backwardLayer(ws, call, sc, phase.layer, part, parts);
      return;
    case 'propagateBackward':
      propagateLayer(ws, call, sc, phase.layer, part, parts);
      backwardLayer(ws, call, sc, phase.layer - 1, part, parts);
      return;
    default: {
      const never: never = phase;
      throw new Error(`unknown phase ${JSON.stringify(never)}`);
    }
  }
}
