import { describe, expect, it } from 'vitest';
import {
  incompleteBeta,
  logGamma,
  pairedStats,
  seedStats,
  studentTCdf,
  studentTQuantile,
} from '../../src/metrics/stats.js';

describe('seed statistics', () => {
  it('Student-t quantiles match the published table (t_{0.975, df})', () => {
    // Standard two-sided 95% critical values (e.g. NIST/SEMATECH e-Handbook table 1.3.6.7.2)
    const table: [number, number][] = [
      [1, 12.706],
      [2, 4.303],
      [3, 3.182],
      [4, 2.776],
      [5, 2.571],
      [9, 2.262],
      [30, 2.042],
      [1000, 1.962],
    ];
    for (const [df, t] of table) expect(studentTQuantile(0.975, df)).toBeCloseTo(t, 3);
    expect(studentTCdf(0, 3)).toBeCloseTo(0.5, 14);
    // df = 1 is the Cauchy distribution: CDF = 1/2 + atan(t)/pi
    expect(studentTCdf(2, 1)).toBeCloseTo(0.5 + Math.atan(2) / Math.PI, 12);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(incompleteBeta(0.3, 1, 1)).toBeCloseTo(0.3, 14);
  });

  it('mean, sample sd and the 95% t-interval by hand', () => {
    const s = seedStats([0.8, 0.82, 0.86]);
    expect(s.mean).toBeCloseTo(0.8266666666666667, 14);
    // sd = sqrt(((-0.02667)^2 + (-0.00667)^2 + 0.03333^2) / 2) = sqrt(0.0018667 / 2) = 0.0305505
    expect(s.sd!).toBeCloseTo(0.030550504633038926, 12);
    const h = (4.302652729911275 * 0.030550504633038926) / Math.sqrt(3);
    expect(s.ci95![0]).toBeCloseTo(0.8266666666666667 - h, 6);
    expect(s.ci95![1]).toBeCloseTo(0.8266666666666667 + h, 6);
    const one = seedStats([0.5]);
    expect(one.sd).toBeNull();
    expect(one.ci95).toBeNull();
    expect(one.std).toBe(0);
  });

  it('paired differences count wins, ties and losses', () => {
    const p = pairedStats([0.8, 0.7, 0.9, 0.5], [0.75, 0.7, 0.95, 0.4]);
    expect(p.differences.values.map((x) => Number(x.toFixed(10)))).toEqual([0.05, 0, -0.05, 0.1]);
    expect([p.wins, p.ties, p.losses]).toEqual([2, 1, 1]);
    expect(p.differences.mean).toBeCloseTo(0.025, 12);
    expect(() => pairedStats([1], [1, 2])).toThrow(RangeError);
  });
});
