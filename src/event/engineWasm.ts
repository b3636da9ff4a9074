/**
 * The description engine's arena: ONE `WebAssembly.Memory`, sized once by {@link compileDescription} when the
 * synapse count is known (initial = maximum, so it never grows and typed-array views on it never detach), that
 * holds the CSR (`targets`, `weights`), every population's state arrays and thresholds, the input buffers, the
 * fired-neuron list, the delivery list and the per-neuron Poisson streams and CDF tables. The kernels of
 * ./engineWasm.wat (compiled into ./engineWasm-binary.ts by scripts/build-wasm.mjs) work on it in place: delivery of
 * all delay groups due at a step in one call, the per-neuron Poisson draw (four blocks of 1024 neurons at a time in
 * SIMD lanes) and the iaf_psc_exp step.
 * JavaScript sees the same bytes through typed-array views; other neuron models run their `step` on those views.
 * wasm32 memory is capped at 4 GiB ({@link ENGINE_WASM_MAX_BYTES}); a network that needs more (or a runtime without
 * WebAssembly) keeps plain typed arrays and the JavaScript path, with the same results.
 */
import { ENGINE_WASM_BASE64 } from './engineWasm-binary.js';

/** Largest arena (bytes): 65536 pages of 64 KiB, the wasm32 limit. */
export const ENGINE_WASM_MAX_BYTES = 65536 * 65536;

/** Delay groups per delivery call (the list holds start, end and buffer pointer per group: 12 bytes each). */
export const DELIVERY_LIST_GROUPS = 4096;

/** Bytes at the start of every arena that are never allocated (see {@link Arena}). */
export const ARENA_RESERVED = 4128;

/** A shared `WebAssembly.Memory` (its buffer a SharedArrayBuffer, so worker threads can attach to it). */
export interface WasmMemoryLike {
  readonly buffer: ArrayBufferLike;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (mod: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemoryLike;
}

/** `deliver(list, count, targets, weights)`: see engineWasm.wat. Returns the synapses delivered. */
export type DeliverFn = (list: number, count: number, targets: number, weights: number) => number;

/**
 * `deliverPart(list, count, targets, weights, lo, hi)`: `deliver` restricted to targets in [lo, hi) of groups sorted
 * by target (see engineWasm.wat). Returns the synapses delivered.
 */
export type DeliverPartFn = (
  list: number,
  count: number,
  targets: number,
  weights: number,
  lo: number,
  hi: number,
) => number;

/**
 * `draw(n, x, streams, cdf, lut, w)`: the per-neuron Poisson draw of ./drive.ts `drawPerNeuron` on x[0, n) in place
 * (see engineWasm.wat). Returns the number of events.
 */
export type DrawFn = (n: number, x: number, streams: number, cdf: number, lut: number, w: number) => number;

/**
 * `draw4(n, x, streams, cdf, lut, thr, w)`: {@link DrawFn} four blocks of 1024 neurons at a time in SIMD lanes, the
 * counts from the thresholds at `thr` (./drive.ts `poissonThresholds`) and the lookup where they do not suffice; the
 * same draws and bits.
 */
export type Draw4Fn = (
  n: number,
  x: number,
  streams: number,
  cdf: number,
  lut: number,
  thr: number,
  w: number,
) => number;

/** `iafStep(...)`: see engineWasm.wat. Returns the number of spikes. */
export type IafStepFn = (
  n: number,
  V: number,
  Iex: number,
  Iin: number,
  I0: number,
  ref: number,
  xEx: number,
  xIn: number,
  xCur: number,
  th: number,
  thv: number,
  list: number,
  el: number,
  P22: number,
  P21ex: number,
  P21in: number,
  ie: number,
  P20: number,
  vr: number,
  refractorySteps: number,
  P11ex: number,
  P11in: number,
) => number;

let api: WasmApi | null | undefined;
let module: object | null = null;

/** The WebAssembly API and the compiled engine module, or null when this runtime has no WebAssembly. */
function engineModule(): { WA: WasmApi; mod: object } | null {
  if (api === undefined) {
    api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly ?? null;
    if (api) {
      try {
        const bin = atob(ENGINE_WASM_BASE64);
        const bytes = new Uint8Array(bin.length);
        for (let k = 0; k < bin.length; k++) bytes[k] = bin.charCodeAt(k);
        module = new api.Module(bytes);
      } catch {
        api = null;
      }
    }
  }
  return api && module ? { WA: api, mod: module } : null;
}

/** True when WebAssembly is available (then {@link createArena} can make arenas up to the cap). */
export function engineWasmAvailable(): boolean {
  return engineModule() !== null;
}

/**
 * A bump allocator over one fixed-size WebAssembly memory and the engine kernels bound to it. `alloc*` hand out
 * 16-byte-aligned, zero-filled views; allocating beyond the planned size throws (a planning bug, never user input).
 */
export class Arena {
  /** The shared memory (post it to a worker and {@link Arena.attach} there). */
  readonly memory: WasmMemoryLike;
  readonly buffer: ArrayBufferLike;
  readonly bytes: number;
  readonly deliver: DeliverFn;
  readonly deliverPart: DeliverPartFn;
  readonly iafStep: IafStepFn;
  readonly draw: DrawFn;
  readonly draw4: Draw4Fn;
  /** Bytes 0..15: pointer 0 means "none" to the kernels; 16..4127: `draw4`'s sink (engineWasm.wat). */
  private top = ARENA_RESERVED;

  private constructor(memory: WasmMemoryLike, bytes: number, exports: Record<string, unknown>) {
    this.memory = memory;
    this.buffer = memory.buffer;
    this.bytes = bytes;
    this.deliver = exports.deliver as DeliverFn;
    this.deliverPart = exports.deliverPart as DeliverPartFn;
    this.iafStep = exports.iafStep as IafStepFn;
    this.draw = exports.draw as DrawFn;
    this.draw4 = exports.draw4 as Draw4Fn;
  }

  /**
   * An arena of at least `bytes` bytes (whole 64 KiB pages), or null when WebAssembly is unavailable, the size is
   * above `maxBytes` (default and at most {@link ENGINE_WASM_MAX_BYTES}) or the runtime refuses the memory.
   */
  static create(bytes: number, maxBytes = ENGINE_WASM_MAX_BYTES): Arena | null {
    const m = engineModule();
    const cap = Math.min(maxBytes, ENGINE_WASM_MAX_BYTES);
    if (!m || !(bytes + ARENA_RESERVED <= cap)) return null;
    const pages = Math.max(1, Math.ceil((bytes + ARENA_RESERVED) / 65536));
    try {
      const memory = new m.WA.Memory({ initial: pages, maximum: pages, shared: true });
      const inst = new m.WA.Instance(m.mod, { env: { memory } });
      return new Arena(memory, pages * 65536, inst.exports);
    } catch {
      return null;
    }
  }

  /**
   * The kernels of this module bound to an existing shared memory (a worker thread's view of the main thread's
   * arena; nothing is allocated from it). Throws when WebAssembly is unavailable.
   */
  static attach(memory: WasmMemoryLike): Arena {
    const m = engineModule();
    if (!m) throw new Error('Arena.attach: WebAssembly is unavailable');
    const inst = new m.WA.Instance(m.mod, { env: { memory } });
    const a = new Arena(memory, memory.buffer.byteLength, inst.exports);
    a.top = a.bytes;
    return a;
  }

  /** Byte size a view of `n` elements of `elementBytes` takes in the arena (rounded up to 16). */
  static size(n: number, elementBytes: number): number {
    return Math.ceil((n * elementBytes) / 16) * 16;
  }

  private take(bytes: number): number {
    const at = this.top;
    const size = Math.ceil(bytes / 16) * 16;
    if (at + size > this.bytes) throw new Error(`Arena: out of planned space (${at + size} > ${this.bytes} bytes)`);
    this.top = at + size;
    return at;
  }

  allocF32(n: number): Float32Array {
    return new Float32Array(this.buffer, this.take(4 * n), n);
  }

  allocI32(n: number): Int32Array {
    return new Int32Array(this.buffer, this.take(4 * n), n);
  }

  allocU32(n: number): Uint32Array {
    return new Uint32Array(this.buffer, this.take(4 * n), n);
  }

  allocU16(n: number): Uint16Array {
    return new Uint16Array(this.buffer, this.take(2 * n), n);
  }

  allocF64(n: number): Float64Array {
    return new Float64Array(this.buffer, this.take(8 * n), n);
  }

  /** True when `a` is a view on this arena's memory. */
  holds(a: ArrayBufferView): boolean {
    return a.buffer === this.buffer;
  }
}
