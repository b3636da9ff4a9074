import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileDescription, simulateDescription, type CompiledDescription } from '../../src/event/index.js';
import { Arena, DELIVERY_LIST_GROUPS, engineWasmAvailable } from '../../src/event/engineWasm.js';
import { NetworkBuilder, type NetworkDescription } from '../../src/model/network.js';
import { Rng } from '../../src/util/rng.js';

/**
 * The WebAssembly arena and kernels of the description engine (src/event/engineWasm.ts) give the same bits as the
 * JavaScript path (compiled with `wasm: false`): the delivery scatter (f32.add), the in-place iaf_psc_exp step and
 * the fused per-neuron Poisson draw; and the arena is used only when it fits under the cap.
 */

const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

/** A float32 of random sign, exponent (subnormals to large) and mantissa. */
function randomF32(rng: Rng): number {
  const u = new Uint32Array(1);
  const e = Math.floor(rng.uniform() * 200) + 20; // biased exponents 20..219 (2^-107 .. 2^92), plus some subnormals
  u[0] =
    (rng.uniform() < 0.5 ? 0x80000000 : 0) |
    ((rng.uniform() < 0.05 ? 0 : e) << 23) |
    Math.floor(rng.uniform() * 0x800000);
  return new Float32Array(u.buffer)[0]!;
}

/** A network that exercises every path: see the test. */
function mixedNetwork(): NetworkDescription {
  const rng = new Rng(21);
  const b = new NetworkBuilder({ dtMs: 0.1, seed: 13 });
  b.population('E', 1500, 'iaf_psc_exp', {
    params: { tau_syn_ex: 0.5, tau_syn_in: 1, t_ref: 2, V_th: -50, E_L: -65, V_reset: -65 },
    initial: { V_m: { kind: 'normal', mean: -58, sd: 5 } },
  });
  b.population('I', 400, 'iaf_psc_exp', {
    params: { V_th: -52, E_L: -65, V_reset: -65, I_e: 100 },
    initial: { V_m: { kind: 'uniform', min: -65, max: -52 } },
  });
  // per-neuron E_L: the general (JavaScript) step on views of the arena
  b.population('G', 300, 'iaf_psc_exp', {
    params: { V_th: -50, E_L: { kind: 'uniform', min: -66, max: -64 }, V_reset: -65 },
  });
  // per-neuron thresholds and a current-port projection; fewer neurons than a block of the neuron module's kernel
  b.population('S', 10, 'iaf_psc_exp', { params: { V_th: { kind: 'uniform', min: -56, max: -54 } } });
  // I_0 starts non-zero without any current input: the kernel still copies x_cur into I_0
  b.population('C', 50, 'iaf_psc_exp', { params: { V_th: -55 }, initial: { I_0: 300 } });
  b.population('L', 700, 'lif', { params: { beta: 0.9, threshold: 1 } });
  const ids: number[] = [];
  const times: number[] = [];
  for (let c = 0; c < 5000; c++) {
    ids.push(c); // 5000 channels at step 3: more than one delivery list of groups due at step 4
    times.push(3);
  }
  for (let k = 0; k < 2000; k++) {
    ids.push(rng.int(5000));
    times.push(4 + Math.floor(k / 10));
  }
  const order = times.map((_, k) => k).sort((a, c) => times[a]! - times[c]! || a - c);
  b.spikeSource('src', 5000, { ids: order.map((k) => ids[k]!), times: order.map((k) => times[k]!), timeUnit: 'step' });
  b.connect('src', 'L', { rule: 'fixed_outdegree', outdegree: 1 }, { weight: 0.4, delayMs: 0.1 });
  b.connect('src', 'E', { rule: 'fixed_outdegree', outdegree: 2 }, { weight: 300, delayMs: 0.1 });
  const dNormal = { kind: 'normal' as const, mean: 1.5, sd: 0.75, min: 0.1, bound: 'redraw' as const };
  b.connect(
    'E',
    'E',
    { rule: 'fixed_total_number', n: 60_000 },
    { weight: { kind: 'normal', mean: 90, sd: 9 }, delayMs: dNormal },
  );
  b.connect('E', 'I', { rule: 'fixed_indegree', indegree: 60 }, { weight: 95, delayMs: dNormal });
  b.connect(
    'I',
    'E',
    { rule: 'pairwise_bernoulli', p: 0.1 },
    { weight: -80, delayMs: { kind: 'uniform', min: 0.4, max: 1.2 } },
  );
  b.connect('E', 'G', { rule: 'fixed_indegree', indegree: 30 }, { weight: 120, delayMs: 0.7 });
  b.connect('E', 'S', { rule: 'fixed_indegree', indegree: 50 }, { weight: 120, delayMs: 0.3 });
  b.connect('E', 'S', { rule: 'fixed_indegree', indegree: 5 }, { weight: 400, delayMs: 0.2, receptor: 2 });
  b.connect('E', 'L', { rule: 'fixed_indegree', indegree: 20 }, { weight: 0.05, delayMs: 1 });
  b.connect('I', 'I', { rule: 'fixed_indegree', indegree: 10 }, { weight: randomWeights(rng, 4000), delayMs: 0.5 });
  // E: one per-neuron drive on port 0 (fused into the kernel), active from 2 ms
  b.poisson('E', { rateHz: 18_000, weight: 87.81, delayMs: 1.5, startMs: 2 });
  // I: two per-neuron drives (the JavaScript draw, then the in-place step), one of them inhibitory
  b.poisson('I', { rateHz: 9000, weight: 80 });
  b.poisson('I', { rateHz: 2000, weight: -60, stopMs: 30 });
  // G: the block drive; S: a per-neuron drive into a small population
  b.poisson('G', { rateHz: 10_000, weight: 85, draw: 'blocks' });
  b.poisson('S', { rateHz: 15_000, weight: 90 });
  b.poisson('C', { rateHz: 15_000, weight: 90 });
  b.poisson('L', { rateHz: 300, weight: 0.3, neurons: [1, 5, 9, 600] });
  b.dc('I', 50, { startMs: 5 });
  b.recordSpikes(['E', 'I', 'G', 'S', 'C', 'L']);
  b.recordState('E', [0, 7, 1499], ['V_m', 'I_syn_ex', 'I_syn_in', 'I_0', 'refractory']);
  b.recordRate(['E', 'I'], 2);
  return b.build();
}

function randomWeights(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => randomF32(rng) / 1e30);
}

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
