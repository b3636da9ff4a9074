/**
 * The WebAssembly kernel of the iaf_psc_exp uniform-parameter step (`iafPscExp.wat`, compiled into
 * `iafPscExpWasm-binary.ts` by scripts/build-wasm.mjs). The kernel does the same float64 arithmetic as
 * the JavaScript step and rounds to float32 at the same points, so results are bit-identical; it runs about 3x
 * faster because WebAssembly memory accesses need no typed-array bounds checks or pointer reloads. The caller's
 * float32 arrays are copied into the module's memory (block copies) and back. One instance per thread (module
 * state), grown on demand. When WebAssembly is unavailable `iafWasmKernel()` is null and the JavaScript step runs.
 */
import { IAF_PSC_EXP_WASM_BASE64 } from './iafPscExpWasm-binary.js';

/** `WebAssembly.Memory` as used here (the project's TypeScript lib has no WebAssembly types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (mod: object, imports: Record<string, never>) => { exports: Record<string, unknown> };
}
type KernelFn = (
  n: number,
  V: number,
  Iex: number,
  Iin: number,
  I0: number,
  ref: number,
  xEx: number,
  xIn: number,
  th: number,
  sp: number,
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

/** The propagators the kernel reads (those of `IafPscExpCoefficients`; float32 values held in float64). */
export interface IafWasmCoefficients {
  readonly P22: number;
  readonly P11ex: number;
  readonly P11in: number;
  readonly P21ex: number;
  readonly P21in: number;
  readonly P20: number;
  readonly refractorySteps: number;
}

/** The instantiated kernel with views on its memory (re-made when the memory grows). */
export interface IafWasmKernel {
  /**
   * One step of neurons [from, to) of float32 state (V, I_ex, I_in, I_0, ref) with inputs x_ex, x_in, x_cur:
   * the same result bits as `stepIafPscExp`'s uniform path, with E_L = el, V_reset = vr, I_e = ie for every
   * neuron. Returns the number of spikes; spike flags 0/1.
   */
  step(
    c: IafWasmCoefficients,
    el: number,
    vr: number,
    ie: number,
    V: Float32Array,
    Iex: Float32Array,
    Iin: Float32Array,
    I0: Float32Array,
    ref: Float32Array,
    xEx: Float32Array,
    xIn: Float32Array,
    xCur: Float32Array,
    thresholds: Float32Array,
    spikes: Uint8Array,
    from: number,
    to: number,
  ): number;
}

let kernel: IafWasmKernel | null | undefined;

/** The kernel, or null when this runtime has no WebAssembly (then the JavaScript step runs). Instantiated once. */
export function iafWasmKernel(): IafWasmKernel | null {
  if (kernel !== undefined) return kernel;
  kernel = null;
  const WA = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (!WA) return kernel;
  try {
    const bin = atob(IAF_PSC_EXP_WASM_BASE64);
    const bytes = new Uint8Array(bin.length);
    for (let k = 0; k < bin.length; k++) bytes[k] = bin.charCodeAt(k);
    const inst = new WA.Instance(new WA.Module(bytes), {});
    kernel = makeKernel(inst.exports.memory as WasmMemory, inst.exports.iafUniform as KernelFn);
  } catch {
    kernel = null;
  }
  return kernel;
}

function makeKernel(memory: WasmMemory, fn: KernelFn): IafWasmKernel {
  let cap = 0; // neurons the current layout holds
  let f32 = new Float32Array(memory.buffer);
  let u8 = new Uint8Array(memory.buffer);
  // views of the kernel's V, I_ex, I_in, ref and spike arrays, per range length (made once: a typed-array view
  // costs about as much as copying a small population)
  let out = new Map<number, [Float32Array, Float32Array, Float32Array, Float32Array, Uint8Array]>();
  const ensure = (n: number): void => {
    if (n <= cap && f32.buffer === memory.buffer) return;
    const want = Math.max(n, cap * 2, 1024);
    const bytes = want * (8 * 4 + 1);
    const have = memory.buffer.byteLength;
    if (bytes > have) memory.grow(Math.ceil((bytes - have) / 65536));
    cap = want;
    f32 = new Float32Array(memory.buffer);
    u8 = new Uint8Array(memory.buffer);
    out = new Map();
  };
  return {
    step(c, el, vr, ie, V, Iex, Iin, I0, ref, xEx, xIn, xCur, thresholds, spikes, from, to) {
      const n = to - from;
      ensure(n);
      // layout: 8 float32 arrays of cap entries (V, I_ex, I_in, I_0, ref, x_ex, x_in, V_th), then the spike bytes
      const o = cap;
      const part = (a: Float32Array): Float32Array => (from === 0 && to === a.length ? a : a.subarray(from, to));
      f32.set(part(V), 0);
      f32.set(part(Iex), o);
      f32.set(part(Iin), 2 * o);
      f32.set(part(I0), 3 * o);
      f32.set(part(ref), 4 * o);
      f32.set(part(xEx), 5 * o);
      f32.set(part(xIn), 6 * o);
      f32.set(part(thresholds), 7 * o);
      const B = 4 * o;
      const fired = fn(
        n,
        0,
        B,
        2 * B,
        3 * B,
        4 * B,
        5 * B,
        6 * B,
        7 * B,
        8 * B,
        el,
        c.P22,
        c.P21ex,
        c.P21in,
        ie,
        c.P20,
        vr,
        c.refractorySteps,
        c.P11ex,
        c.P11in,
      );
      let views = out.get(n);
      if (!views) {
        views = [
          f32.subarray(0, n),
          f32.subarray(o, o + n),
          f32.subarray(2 * o, 2 * o + n),
          f32.subarray(4 * o, 4 * o + n),
          u8.subarray(8 * B, 8 * B + n),
        ];
        if (out.size >= 64) out.clear(); // bounded: engines step a few fixed population sizes
        out.set(n, views);
      }
      V.set(views[0], from);
      Iex.set(views[1], from);
      Iin.set(views[2], from);
      ref.set(views[3], from);
      I0.set(part(xCur), from);
      spikes.set(views[4], from);
      return fired;
    },
  };
}
