import { describe, expect, it } from 'vitest';
import { compileDescription, simulateDescription, type CompiledDescription } from '../../src/event/index.js';
import { partitionBounds } from '../../src/event/engineThreads.js';
import { microcircuit } from '../../src/examples/microcircuit.js';
import { NetworkBuilder } from '../../src/model/network.js';
import { mixedNetwork } from './mixedNetwork.js';

/**
 * Worker threads of the description engine's general loop (src/event/engineThreads.ts): every thread count gives
 * the spikes, counts, synaptic and Poisson events, recorded rates and traces and the final state bits of one thread,
 * and the compiled delay groups have ascending targets with a multapse's synapses in creation order.
 */

const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

/** Two consecutive runs (the second continues from the first's state) and the final state bits. */
function twoRuns(c: CompiledDescription, durationMs: number, threads: number) {
  const a = simulateDescription(c, { durationMs, threads });
  const b = simulateDescription(c, { durationMs, threads, seed: 99 });
  const strip = (r: typeof a) => ({
    spikes: r.spikes,
    synOps: r.synOps,
    externalEvents: r.externalEvents,
    spikeCounts: Object.fromEntries(Object.entries(r.spikeCounts).map(([k, v]) => [k, Array.from(v)])),
    spikeRecords: Object.fromEntries(
      Object.entries(r.spikeRecords).map(([k, v]) => [k, { ids: Array.from(v.ids), times: Array.from(v.times) }]),
    ),
    rates: r.rates.map((x) => x.rates.map((y) => Array.from(y))),
    traces: r.traces.map((x) => x.values.map(bits)),
  });
  return {
    runs: [strip(a), strip(b)],
    threads: [a.threads, b.threads],
    state: c.populations.map((p) => [...p.state.map(bits), bits(p.thresholds)]),
  };
}

describe('description engine worker threads', () => {
  it('partitionBounds cuts at population boundaries or multiples of 1024 inside one, nearest to an equal split', () => {
    // populations [0, 3000), [3000, 3500), [3500, 6000): allowed cuts 0, 1024, 2048, 3000, 3500, 4524, 5548, 6000
    const pops = [
      { offset: 0, size: 3000 },
      { offset: 3000, size: 500 },
      { offset: 3500, size: 2500 },
    ];
    expect(partitionBounds(pops, 6000, 1)).toEqual([0, 6000]);
    expect(partitionBounds(pops, 6000, 2)).toEqual([0, 3000, 6000]); // goal 3000
    expect(partitionBounds(pops, 6000, 3)).toEqual([0, 2048, 3500, 6000]); // goals 2000, 4000 (3500: 500 away, 4524: 524)
    expect(partitionBounds(pops, 6000, 4)).toEqual([0, 1024, 3000, 4524, 6000]); // goals 1500 (1024 and 2048 tie
    // at 476 / 548: 1024), 3000, 4500
    expect(partitionBounds([{ offset: 0, size: 10 }], 10, 3)).toEqual([0, 0, 10, 10]); // goals 3.3, 6.7
  });

  it('compiled delay groups have ascending targets, a multapse keeping its creation order', () => {
    // every synapse of A -> B in one delay group per (source, delay); weights number the synapses in creation order
    const b = new NetworkBuilder({ dtMs: 0.1, seed: 4 });
    b.population('A', 40, 'lif', { params: { beta: 0.9, threshold: 1 } });
    b.population('B', 3000, 'lif', { params: { beta: 0.9, threshold: 1 } });
    const n = 40 * 200;
    const pre: number[] = [];
    const post: number[] = [];
    const w: number[] = [];
    const d: number[] = [];
    let s = 12345;
    const next = (m: number): number => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return (s >>> 8) % m;
    };
    for (let k = 0; k < n; k++) {
      pre.push(next(40));
      post.push(next(300)); // 300 of 3000 targets: many multapses
      w.push(k + 1);
      d.push(0.1 * (1 + next(3)));
    }
    b.connect('A', 'B', { rule: 'explicit', pre, post }, { weight: w, delayMs: d });
    const c = compileDescription(b.build());
    let checked = 0;
    for (let i = 0; i < 40; i++) {
      // independent expectation: the row's synapses in creation order, stably sorted by (delay, target)
      const mine = pre.map((_, k) => k).filter((k) => pre[k] === i);
      const steps = (k: number) => Math.round((d[k] as number) / 0.1);
      mine.sort((x, y) => steps(x) - steps(y) || (post[x] as number) - (post[y] as number) || x - y);
      const a0 = c.groupPtr[c.rowGroup[i] as number] as number;
      const got = mine.map((_, q) => [c.targets[a0 + q], c.weights[a0 + q]]);
      expect(got).toEqual(mine.map((k) => [40 + (post[k] as number), w[k]]));
      checked += mine.length;
    }
    expect(checked).toBe(n);
  });

  it('the mixed network (every input and model path) gives the one-thread results on 2 and 3 threads', () => {
    const ref = twoRuns(compileDescription(mixedNetwork()), 40, 1);
    expect(ref.threads).toEqual([1, 1]);
    expect(ref.runs[0]!.spikes).toBeGreaterThan(1000);
    for (const threads of [2, 3]) {
      const got = twoRuns(compileDescription(mixedNetwork()), 40, threads);
      expect(got.threads).toEqual([threads, threads]);
      expect(got.runs).toEqual(ref.runs);
      expect(got.state).toEqual(ref.state);
    }
  }, 60_000);

  it('a small microcircuit gives the one-thread spikes on 2 threads', () => {
    const desc = microcircuit({ nScale: 0.05, kScale: 0.05, seed: 3, record: ['L23E', 'L4E', 'L5I', 'L6E'] });
    const ref = twoRuns(compileDescription(desc), 60, 1);
    const got = twoRuns(compileDescription(desc), 60, 2);
    expect(got.threads).toEqual([2, 2]);
    expect(ref.runs[0]!.spikes).toBeGreaterThan(100);
    expect(got.runs).toEqual(ref.runs);
    expect(got.state).toEqual(ref.state);
  }, 60_000);
});
