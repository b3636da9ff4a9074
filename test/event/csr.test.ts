import { describe, expect, it } from 'vitest';
import { bernoulliSynapses, checkMemory, delayGroups, fixedFanOut, SynapseBuilder } from '../../src/event/index.js';
import { RouserError, Rng } from '../../src/util/index.js';

describe('SynapseBuilder', () => {
  it('sorts by source (stable), then by delay inside each row', () => {
    const b = new SynapseBuilder(3, 4, 6);
    b.add(2, 0, 0.5, 3);
    b.add(0, 1, -1, 2);
    b.add(2, 3, 0.25, 1);
    b.add(0, 2, 1.5, 2);
    b.add(2, 1, 2, 3);
    b.add(0, 0, 0.1, 0);
    const c = b.finish();
    expect(Array.from(c.rowPtr)).toEqual([0, 3, 3, 6]);
    expect(Array.from(c.targets)).toEqual([0, 1, 2, 3, 0, 1]);
    expect(Array.from(c.weights)).toEqual([0.1, -1, 1.5, 0.25, 0.5, 2].map(Math.fround));
    expect(Array.from(c.delays!)).toEqual([0, 2, 2, 1, 3, 3]);
    const g = delayGroups(c);
    expect(Array.from(g.groupPtr)).toEqual([0, 1, 3, 4, 6]);
    expect(Array.from(g.rowGroup)).toEqual([0, 2, 2, 4]);
    expect(Array.from(g.groupDelay!)).toEqual([0, 2, 1, 3]);
  });

  it('stores one delay when all are equal', () => {
    const b = new SynapseBuilder(2, 2, 2);
    b.add(1, 0, 1, 4);
    b.add(0, 1, 1, 4);
    const c = b.finish();
    expect(c.delays).toBeNull();
    expect(c.uniformDelay).toBe(4);
    expect(Array.from(delayGroups(c).groupPtr)).toEqual([0, 1, 2]);
  });

  it('refuses out-of-range ids, NaN weights, negative delays and overflow with clear messages', () => {
    const b = new SynapseBuilder(2, 3, 1);
    expect(() => b.add(2, 0, 1)).toThrow(
      new RouserError('SynapseBuilder: field synapse[0].pre is 2; expected an integer in [0, 2)'),
    );
    expect(() => b.add(0, -1, 1)).toThrow(
      new RouserError('SynapseBuilder: field synapse[0].post is -1; expected an integer in [0, 3)'),
    );
    expect(() => b.add(0, 0, NaN)).toThrow(
      new RouserError('SynapseBuilder: field synapse[0].weight is NaN; expected a finite number'),
    );
    expect(() => b.add(0, 0, 1, -0.5)).toThrow(
      new RouserError('SynapseBuilder: field synapse[0].delay is -0.5; expected a finite number >= 0'),
    );
    b.add(0, 0, 1);
    expect(() => b.add(1, 1, 1)).toThrow('SynapseBuilder: synapse 1 exceeds the capacity 1 given to the constructor');
  });
});

describe('memory guard', () => {
  it('refuses before allocating, naming the size asked and the size available', () => {
    expect(() =>
      fixedFanOut({
        numPre: 1_000_000,
        numPost: 1_000_000,
        fanOut: 100,
        weight: 1,
        rng: new Rng(1),
        memory: { limitBytes: 2 ** 20 },
      }),
    ).toThrow(
      new RouserError(
        'fixedFanOut CSR (1000000 sources x 100 synapses = 100000000): needs 766.8 MB but only 1.0 MB is available; reduce the network size or free memory',
      ),
    );
    expect(() => new SynapseBuilder(10, 10, 1000, { limitBytes: 100 })).toThrow(/needs 0\.0 MB but only 0\.0 MB/);
    expect(() => checkMemory('x', 3 * 2 ** 20, { limitBytes: 2 ** 20 })).toThrow(
      'x: needs 3.0 MB but only 1.0 MB is available',
    );
    expect(() => fixedFanOut({ numPre: 3e9, numPost: 10, fanOut: 1, weight: 1, rng: new Rng(1) })).toThrow(RouserError);
  });
});

describe('random generators', () => {
  it('fixed fan-out: exact row lengths, targets in range, no self-connections, E/I weights, delays in range', () => {
    const c = fixedFanOut({
      numPre: 200,
      numPost: 200,
      fanOut: 30,
      weight: (i) => (i < 160 ? 0.5 : -2.5),
      allowSelf: false,
      delay: { kind: 'uniform', min: 1, max: 3, integer: true },
      rng: new Rng(7),
    });
    for (let i = 0; i < 200; i++) {
      expect(c.rowPtr[i + 1]! - c.rowPtr[i]!).toBe(30);
      for (let s = c.rowPtr[i]!; s < c.rowPtr[i + 1]!; s++) {
        expect(c.targets[s]).not.toBe(i);
        expect(c.weights[s]).toBe(i < 160 ? 0.5 : -2.5);
        expect([1, 2, 3]).toContain(c.delays![s]);
        if (s > c.rowPtr[i]!) expect(c.delays![s]!).toBeGreaterThanOrEqual(c.delays![s - 1]!);
      }
    }
    expect(Math.min(...c.targets)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...c.targets)).toBeLessThan(200);
    // every target is reachable (uniform draw): each of 200 targets expected 30 times
    const indeg = new Int32Array(200);
    for (const t of c.targets) indeg[t]!++;
    expect(Math.min(...indeg)).toBeGreaterThan(5);
  });

  it('Bernoulli(p): count within 5 sigma of p * pairs, sorted unique targets per row', () => {
    const p = 0.1;
    const c = bernoulliSynapses({ numPre: 300, numPost: 400, p, weight: 1, rng: new Rng(3) });
    const mean = 300 * 400 * p;
    expect(Math.abs(c.targets.length - mean)).toBeLessThan(5 * Math.sqrt(mean * (1 - p)));
    for (let i = 0; i < 300; i++)
      for (let s = c.rowPtr[i]! + 1; s < c.rowPtr[i + 1]!; s++)
        expect(c.targets[s]!).toBeGreaterThan(c.targets[s - 1]!);
    expect(
      bernoulliSynapses({ numPre: 5, numPost: 5, p: 1, weight: 1, allowSelf: false, rng: new Rng(1) }).targets.length,
    ).toBe(20);
    expect(bernoulliSynapses({ numPre: 5, numPost: 5, p: 0, weight: 1, rng: new Rng(1) }).targets.length).toBe(0);
    expect(() => bernoulliSynapses({ numPre: 5, numPost: 5, p: 1.5, weight: 1, rng: new Rng(1) })).toThrow(
      'bernoulliSynapses: field p is 1.5; expected a probability in [0, 1]',
    );
  });

  it('is reproducible from the seed', () => {
    const a = fixedFanOut({ numPre: 50, numPost: 60, fanOut: 5, weight: 1, rng: new Rng(11) });
    const b = fixedFanOut({ numPre: 50, numPost: 60, fanOut: 5, weight: 1, rng: new Rng(11) });
    expect(Array.from(a.targets)).toEqual(Array.from(b.targets));
  });
});
