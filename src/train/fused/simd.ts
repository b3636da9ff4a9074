/**
 * Loader of the WebAssembly SIMD kernels (`simd.wat`, compiled into `simd-binary.ts` by scripts/build-wasm.mjs).
 * The kernels run on a workspace that lives in one shared `WebAssembly.Memory`; each thread instantiates the module
 * once per memory. When WebAssembly SIMD or shared memory is unavailable, `simdSupported()` is false and the
 * workspace falls back to plain SharedArrayBuffers and the JavaScript kernels (which compute the same bits).
 */
import { SIMD_WASM_BASE64 } from './simd-binary.js';

/** The exported kernels; all pointers are byte offsets into the workspace memory. */
export interface SimdKernels {
  gather(
    out: number,
    WT: number,
    cols: number,
    rowPtr: number,
    rows: number,
    steps: number,
    delay: number,
    n: number,
    j0: number,
    j1: number,
  ): void;
  scatter(dW: number, DX: number, rows: number, colPtr: number, nIn: number, n: number, j0: number, j1: number): void;
  scan(
    data: number,
    rows: number,
    width: number,
    steps: number,
    delay: number,
    rowPtr: number,
    cols: number,
    vals: number,
    colCnt: number,
    cap: number,
    flags: number,
    r0: number,
    nnz0: number,
  ): number;
  fscan(
    U: number,
    S: number,
    counts: number,
    th: number,
    bias: number,
    B: number,
    T: number,
    n: number,
    j0: number,
    j1: number,
    aI: number,
    aV: number,
    hasCurrent: number,
    subtract: number,
    hasBias: number,
    cur: number,
    vol: number,
  ): void;
  bscan(
    U: number,
    S: number,
    th: number,
    gIn: number,
    isLast: number,
    DX: number,
    B: number,
    T: number,
    n: number,
    j0: number,
    j1: number,
    aI: number,
    aV: number,
    hasCurrent: number,
    subtract: number,
    detach: number,
    kind: number,
    p1: number,
    p2: number,
    carryV: number,
    carryI: number,
    thAcc: number,
    biasAcc: number,
  ): void;
  propagate(
    GS: number,
    W64: number,
    DX: number,
    rows: number,
    steps: number,
    delay: number,
    n: number,
    nIn: number,
    i0: number,
    i1: number,
  ): void;
  transpose(W: number, WT: number, n: number, nIn: number, j0: number, j1: number): void;
  spikes(
    S: number,
    rows: number,
    width: number,
    steps: number,
    delay: number,
    rowPtr: number,
    cols: number,
    colCnt: number,
  ): number;
  csc(
    rowPtr: number,
    cols: number,
    vals: number,
    colPtr: number,
    outRows: number,
    outVals: number,
    rows: number,
    width: number,
    steps: number,
    delay: number,
    hasVals: number,
  ): void;
}

/** A shared `WebAssembly.Memory` (declared here: the project's TypeScript lib has no WebAssembly types). */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
}
interface WasmModule {
  readonly __wasmModule?: never;
}
/** The part of the global `WebAssembly` object used here. */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (
    mod: WasmModule,
    imports: Record<string, Record<string, unknown>>,
  ) => { exports: Record<string, unknown> };
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}
const WA = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

let compiled: WasmModule | null | undefined;

function base64Bytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let k = 0; k < bin.length; k++) out[k] = bin.charCodeAt(k);
  return out;
}

/** The compiled module, or null when this runtime lacks WebAssembly SIMD or shared memory. */
function simdModule(): WasmModule | null {
  if (compiled !== undefined) return compiled;
  let mod: WasmModule | null = null;
  try {
    if (WA && typeof SharedArrayBuffer === 'function') {
      const bytes = base64Bytes(SIMD_WASM_BASE64);
      if (WA.validate(bytes)) {
        const m = new WA.Module(bytes);
        // shared memory must be constructible too
        new WA.Memory({ initial: 1, maximum: 1, shared: true });
        mod = m;
      }
    }
  } catch {
    mod = null;
  }
  compiled = mod;
  return mod;
}

/** True when the SIMD kernels can run here. */
export function simdSupported(): boolean {
  return simdModule() !== null;
}

/** A new shared memory of at least `bytes` bytes (fixed size). */
export function createSimdMemory(bytes: number): WasmMemory {
  if (!WA) throw new Error('fused: WebAssembly unavailable');
  const pages = Math.max(1, Math.ceil(bytes / 65536));
  return new WA.Memory({ initial: pages, maximum: pages, shared: true });
}

const instances = new WeakMap<WasmMemory, SimdKernels>();

/** This thread's kernels bound to `mem` (instantiated on first use). */
export function simdKernels(mem: WasmMemory): SimdKernels {
  let k = instances.get(mem);
  if (!k) {
    const mod = simdModule();
    if (!mod || !WA) throw new Error('fused: WebAssembly SIMD kernels unavailable');
    const inst = new WA.Instance(mod, { env: { mem } });
    k = inst.exports as unknown as SimdKernels;
    instances.set(mem, k);
  }
  return k;
}
