import { describe, expect, it } from 'vitest';
import { GrowableArray, Rng } from '../../src/index.js';

describe('Rng', () => {
  it('replays the same stream for the same seed and differs across seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const sa = Array.from({ length: 8 }, () => a.nextUint32());
    expect(Array.from({ length: 8 }, () => b.nextUint32())).toEqual(sa);
    expect(Array.from({ length: 8 }, () => c.nextUint32())).not.toEqual(sa);
  });
  it('keeps the sfc32 stream of seed 123 (golden values from the first implementation)', () => {
    const r = new Rng(123);
    expect(Array.from({ length: 5 }, () => r.nextUint32())).toEqual([
      3657944448, 2625661670, 2356494327, 3290036824, 175925840,
    ]);
  });
  it('has the right moments (uniform, normal, poisson, exponential) over 200k draws', () => {
    const r = new Rng(1);
    const n = 200_000;
    let u = 0,
      z = 0,
      z2 = 0,
      p = 0,
      e = 0;
    for (let i = 0; i < n; i++) {
      u += r.uniform();
      const g = r.normal();
      z += g;
      z2 += g * g;
      p += r.poisson(3.5);
      e += r.exponential(2);
    }
    // 5-sigma bounds: sd(mean) = sqrt(var/n)
    expect(Math.abs(u / n - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(z / n)).toBeLessThan(5 * Math.sqrt(1 / n));
    expect(Math.abs(z2 / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(p / n - 3.5)).toBeLessThan(5 * Math.sqrt(3.5 / n));
    expect(Math.abs(e / n - 0.5)).toBeLessThan(5 * Math.sqrt(0.25 / n));
  });
  it('int(n) covers [0, n) uniformly', () => {
    const r = new Rng(9);
    const counts = new Array<number>(7).fill(0);
    for (let i = 0; i < 70_000; i++) counts[r.int(7)]!++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
    expect(() => r.int(0)).toThrow('Rng.int: n must be a positive integer, got 0');
  });
  it('shuffle is a permutation', () => {
    const a = Int32Array.from({ length: 100 }, (_, i) => i);
    new Rng(3).shuffle(a);
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(a)).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});

describe('GrowableArray', () => {
  it('grows past its capacity and finishes tight', () => {
    const g = new GrowableArray(Float64Array, 2);
    for (let i = 0; i < 1000; i++) g.push(i * 0.5);
    const out = g.finish();
    expect(out.length).toBe(1000);
    expect(out[999]).toBe(499.5);
    expect(g.view().length).toBe(1000);
  });
});
