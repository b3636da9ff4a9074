import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileDescription, simulateDescription, type CompiledDescription } from '../../src/event/index.js';
import {
  drawPerNeuron,
  POISSON_THRESHOLDS,
  poissonCdf,
  poissonLookup,
  poissonThresholds,
} from '../../src/event/drive.js';
import { Arena, DELIVERY_LIST_GROUPS, engineWasmAvailable } from '../../src/event/engineWasm.js';
import { NetworkBuilder } from '../../src/model/network.js';
import { Rng } from '../../src/util/rng.js';
import { mixedNetwork, randomF32 } from './mixedNetwork.js';

/**
 * The WebAssembly arena and kernels of the description engine (src/event/engineWasm.ts) give the same bits as the
 * JavaScript path (compiled with `wasm: false`): the delivery scatter (f32.add), the in-place iaf_psc_exp step and
 * the fused per-neuron Poisson draw; and the arena is used only when it fits under the cap.
 */

const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

function run(c: CompiledDescription, durationMs: number) {
  const r = simulateDescription(c, { durationMs });
  return {
    r,
    state: c.populations.map((p) => [...p.state.map(bits), bits(p.thresholds)]),
  };
}

describe('description engine WebAssembly arena', () => {
  it('is available on this runtime', () => {
    expect(engineWasmAvailable()).toBe(true);
  });

  it('the committed engineWasm-binary.ts is what scripts/build-wasm.mjs makes of engineWasm.wat', async () => {
    const url = new URL('../../scripts/build-wasm.mjs', import.meta.url).href;
    const { generateEngineBinary } = (await import(url)) as { generateEngineBinary: () => Promise<string> };
    const committed = readFileSync(new URL('../../src/event/engineWasm-binary.ts', import.meta.url), 'utf8');
    expect(await generateEngineBinary()).toBe(committed);
  });

  it('deliver: f32.add scatter equals the JavaScript float64 add + float32 store bit for bit (repeated targets, odd group sizes)', () => {
    const rng = new Rng(3);
    const n = 50; // few targets: many repeats inside a group
    const nnz = 9001;
    const arena = Arena.create(Arena.size(nnz, 4) * 2 + Arena.size(n, 4) * 2 + Arena.size(3 * 64, 4))!;
    const targets = arena.allocI32(nnz);
    const weights = arena.allocF32(nnz);
    const x = arena.allocF32(n);
    const y = arena.allocF32(n);
    const list = arena.allocI32(3 * 64);
    for (let k = 0; k < nnz; k++) {
      targets[k] = rng.int(n);
      weights[k] = randomF32(rng);
    }
    for (let k = 0; k < n; k++) x[k] = randomF32(rng);
    const ref = Float32Array.from(x);
    const refY = Float32Array.from(y);
    let count = 0;
    let syn = 0;
    for (let start = 0; start < nnz && count < 64; count++) {
      const end = Math.min(nnz, start + rng.int(300)); // sizes 0..299
      const into = rng.uniform() < 0.5 ? x : y;
      list[3 * count] = start;
      list[3 * count + 1] = end;
      list[3 * count + 2] = into.byteOffset;
      const r = into === x ? ref : refY;
      for (let k = start; k < end; k++) r[targets[k]!] = r[targets[k]!]! + weights[k]!;
      syn += end - start;
      start = end;
    }
    expect(arena.deliver(list.byteOffset, count, targets.byteOffset, weights.byteOffset)).toBe(syn);
    expect(bits(x)).toEqual(bits(ref));
    expect(bits(y)).toEqual(bits(refY));
    // and the premise: fround(a + b) of two float32 values is the correctly rounded float32 sum
    const a = new Float32Array(1);
    for (let k = 0; k < 2000; k++) {
      const u = randomF32(rng);
      const v = randomF32(rng);
      a[0] = u + v;
      expect(a[0]).toBe(Math.fround(u + v));
    }
  });

  it('draw4 equals drawPerNeuron (JavaScript) on every tail shape and count range: counts, x bits and stream states, nothing written outside', () => {
    // 0-4 whole blocks after the groups of four, the last block partial or whole, 1 to 2 groups before them
    const sizes = [
      1,
      3,
      1023,
      1024,
      1025,
      2048,
      2049 + 500,
      3072,
      3073,
      4095,
      4096,
      4097,
      8192 + 3 * 1024 + 7,
      12_288 + 999,
    ];
    // lambdas: mostly below the eighth threshold (1.5, 2.32 as in PD14), often past it (6), always past it (40), tiny
    const cases = [...sizes.map((n) => [n, 1.5] as const), [5000, 2.32], [5000, 6], [4100, 40], [4100, 1e-4]] as const;
    for (const [n, lambda] of cases) {
      const cdf0 = poissonCdf(lambda);
      const blocks = Math.ceil(n / 1024);
      const guard = 64;
      const arena = Arena.create(
        Arena.size(cdf0.length, 8) +
          Arena.size(1024, 2) +
          Arena.size(4 * POISSON_THRESHOLDS, 4) +
          Arena.size(4 * blocks + 2 * guard, 4) +
          Arena.size(n + 2 * guard, 4),
      )!;
      const cdf = arena.allocF64(cdf0.length);
      cdf.set(cdf0);
      const lut = poissonLookup(cdf, arena.allocU16(1024));
      const thr = poissonThresholds(cdf, arena.allocI32(4 * POISSON_THRESHOLDS));
      const stAll = arena.allocU32(4 * blocks + 2 * guard);
      const xAll = arena.allocF32(n + 2 * guard);
      const rng = new Rng(n);
      for (let k = 0; k < xAll.length; k++) xAll[k] = randomF32(rng);
      for (let k = 0; k < stAll.length; k++) stAll[k] = rng.nextUint32();
      const st = stAll.subarray(guard, guard + 4 * blocks);
      const x = xAll.subarray(guard, guard + n);
      const refX = Float32Array.from(x);
      const refSt = Uint32Array.from(st);
      const beforeX = Float32Array.from(xAll);
      const beforeSt = Uint32Array.from(stAll);
      const at = `n = ${n}, lambda = ${lambda}`;
      // two calls: the stream states left by the first carry the second
      for (let call = 0; call < 2; call++) {
        const want = drawPerNeuron(refSt, cdf0, refX, n, 87.81);
        const got = arena.draw4(n, x.byteOffset, st.byteOffset, cdf.byteOffset, lut.byteOffset, thr.byteOffset, 87.81);
        expect(got, at).toBe(want);
        expect(bits(x), at).toEqual(bits(refX));
        expect(Array.from(st), at).toEqual(Array.from(refSt));
      }
      expect(bits(xAll.subarray(0, guard))).toEqual(bits(beforeX.subarray(0, guard)));
      expect(bits(xAll.subarray(guard + n))).toEqual(bits(beforeX.subarray(guard + n)));
      expect(Array.from(stAll.subarray(0, guard))).toEqual(Array.from(beforeSt.subarray(0, guard)));
      expect(Array.from(stAll.subarray(guard + 4 * blocks))).toEqual(Array.from(beforeSt.subarray(guard + 4 * blocks)));
    }
  });

  it('poissonThresholds: r reaches threshold i exactly when r / 2^32 >= cdf[i] (hand-checked boundaries)', () => {
    const cdf = Float64Array.from([0.25, 0.5 + 2 ** -40, 0.75, 1, Infinity]);
    const thr = poissonThresholds(cdf, new Int32Array(4 * POISSON_THRESHOLDS));
    const reaches = (r: number, i: number): boolean => ((r ^ 0x80000000) | 0) > (thr[4 * i] as number);
    // C_0 = 2^30: r = 2^30 - 1 does not reach it, 2^30 does
    expect([reaches(2 ** 30 - 1, 0), reaches(2 ** 30, 0)]).toEqual([false, true]);
    // C_1 = ceil((0.5 + 2^-40) 2^32) = 2^31 + 1
    expect([reaches(2 ** 31, 1), reaches(2 ** 31 + 1, 1)]).toEqual([false, true]);
    expect([reaches(3 * 2 ** 30 - 1, 2), reaches(3 * 2 ** 30, 2)]).toEqual([false, true]);
    // cdf 1 and the sentinel: never reached, nor the entries past the table
    for (let i = 3; i < POISSON_THRESHOLDS; i++) expect(reaches(2 ** 32 - 1, i)).toBe(false);
    // stored as C - 1 - 2^31, four lanes each: C_0 - 1 - 2^31 = -2^30 - 1, C_1 - 1 - 2^31 = 0; unreachable 2^31 - 1
    expect(Array.from(thr.subarray(0, 8))).toEqual([
      -(2 ** 30) - 1,
      -(2 ** 30) - 1,
      -(2 ** 30) - 1,
      -(2 ** 30) - 1,
      0,
      0,
      0,
      0,
    ]);
    expect(thr[4 * 3]).toBe(2 ** 31 - 1);
    expect(() => poissonThresholds(Float64Array.from([0, Infinity]), new Int32Array(32))).toThrow(/cdf\[0\] = 0/);
  });

  it('gives the same spikes, counts, events, traces and state bits as the JavaScript path (fused and JS Poisson draws, both delivery paths)', () => {
    const d = mixedNetwork();
    const cw = compileDescription(d);
    const cj = compileDescription(d, { wasm: false });
    expect(cw.arena).not.toBeNull();
    expect(cj.arena).toBeNull();
    // the CSR, state and buffers live in the arena
    const buf = cw.arena!.arena.buffer;
    expect(cw.targets.buffer).toBe(buf);
    expect(cw.weights.buffer).toBe(buf);
    expect(cw.populations.every((p) => p.state.every((s) => s.buffer === buf) && p.thresholds.buffer === buf)).toBe(
      true,
    );
    expect(bits(cw.weights)).toEqual(bits(cj.weights));
    expect(Array.from(cw.targets)).toEqual(Array.from(cj.targets));
    const fired = new Map<string, number>();
    for (const dur of [30, 25]) {
      // two runs in a row: the second continues from the state the first left
      const a = run(cw, dur);
      const b = run(cj, dur);
      expect(a.r.spikes).toBeGreaterThan(300);
      expect(a.r.spikes).toBe(b.r.spikes);
      expect(a.r.synOps).toBe(b.r.synOps);
      expect(a.r.externalEvents).toBe(b.r.externalEvents);
      for (const p of ['E', 'I', 'G', 'S', 'C', 'L']) {
        fired.set(p, (fired.get(p) ?? 0) + a.r.spikeCounts[p]!.reduce((x, y) => x + y, 0));
        expect(Array.from(a.r.spikeRecords[p]!.ids)).toEqual(Array.from(b.r.spikeRecords[p]!.ids));
        expect(Array.from(a.r.spikeRecords[p]!.times)).toEqual(Array.from(b.r.spikeRecords[p]!.times));
      }
      expect(a.r.traces[0]!.values.map(bits)).toEqual(b.r.traces[0]!.values.map(bits));
      expect(a.r.rates[0]!.rates.map((x) => Array.from(x))).toEqual(b.r.rates[0]!.rates.map((x) => Array.from(x)));
      expect(a.state).toEqual(b.state);
    }
    for (const [p, n] of fired) expect([p, n > 50]).toEqual([p, true]); // every population really runs
    expect(DELIVERY_LIST_GROUPS).toBeLessThan(5000); // the 5000 groups due at step 4 take two delivery calls
  });

  it('falls back to plain arrays when the arena would exceed the cap (forced small cap), with the same results', () => {
    const b = new NetworkBuilder({ dtMs: 0.1, seed: 2 });
    b.population('E', 2000, 'iaf_psc_exp', { params: { V_th: -60 } });
    b.connect('E', 'E', { rule: 'fixed_indegree', indegree: 100 }, { weight: 50, delayMs: 1 });
    b.poisson('E', { rateHz: 10_000, weight: 90 });
    const d = b.build();
    // 200000 synapses x 8 bytes = 1.6 MB of CSR alone
    expect(compileDescription(d, { wasmMaxBytes: 1_000_000 }).arena).toBeNull();
    const fits = compileDescription(d, { wasmMaxBytes: 4_000_000 });
    expect(fits.arena).not.toBeNull();
    expect(fits.arena!.arena.bytes).toBeLessThanOrEqual(4_000_000);
    expect(fits.arena!.arena.bytes).toBeGreaterThanOrEqual(200_000 * 8);
    const small = compileDescription(d, { wasmMaxBytes: 1_000_000 });
    const r1 = simulateDescription(small, { durationMs: 20 });
    const r2 = simulateDescription(fits, { durationMs: 20 });
    expect(r1.spikes).toBeGreaterThan(0);
    expect(r1.spikes).toBe(r2.spikes);
    expect(r1.externalEvents).toBe(r2.externalEvents);
    expect(bits(small.populations[0]!.state[0]!)).toEqual(bits(fits.populations[0]!.state[0]!));
  });
});
