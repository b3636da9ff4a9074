import { describe, expect, it } from 'vitest';
import {
  microcircuitPlan,
  PD14_CONN_PROBS,
  PD14_FULL_SIZES,
  PD14_K_EXT,
  PD14_POPULATIONS,
  pscOverPsp,
  roundHalfEven,
} from '../../src/examples/pd14.js';

/** Numbers of /work/shared/MICROCIRCUIT.md, typed in by hand. */
const IN_DEGREE_TABLE = [4995, 5285, 2806, 5888, 4944, 2736, 2564, 2434];
const DC_FULL_PA = [562.0, 526.9, 737.6, 667.3, 702.5, 667.3, 1018.6, 737.6];

/**
 * PD14 eq. 1 written out again from MICROCIRCUIT.md 1.2, in the float64 expression of the PyNEST code
 * (`log(1-p)/log((prod-1)/prod)`; the mathematically equal log1p form differs by one synapse on some full-scale pairs
 * because ln(1 - 1/prod) cancels, and NEST's numbers are the ones to match), then numpy rounding.
 */
function expectedCount(y: number, x: number, nScale: number, kScale: number, form: 'nest' | 'log1p' = 'nest'): number {
  const c = (PD14_CONN_PROBS[y] as number[])[x] as number;
  const nx = PD14_FULL_SIZES[x] as number;
  const ny = PD14_FULL_SIZES[y] as number;
  const s =
    form === 'nest'
      ? Math.log(1 - c) / Math.log((nx * ny - 1) / (nx * ny))
      : Math.log1p(-c) / Math.log1p(-1 / (nx * ny));
  const v = s * nScale * kScale;
  const f = Math.floor(v);
  return (v - f === 0.5 ? (f % 2 === 0 ? f : f + 1) : Math.round(v)) + 0;
}

describe('PD14 microcircuit plan', () => {
  it('rounds halves to even like numpy', () => {
    expect([0.5, 1.5, 2.5, 532.5, 2739.5, 10341.5, 2.4999, 2.5001].map(roundHalfEven)).toEqual([
      0, 2, 2, 532, 2740, 10342, 2, 3,
    ]);
  });

  it('has the published population sizes at full scale and numpy-rounded sizes when scaled', () => {
    expect(microcircuitPlan().populations.map((p) => p.size)).toEqual([
      20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948,
    ]);
    expect(microcircuitPlan({ nScale: 0.1, kScale: 0.1 }).populations.map((p) => p.size)).toEqual([
      2068, 583, 2192, 548, 485, 106, 1440, 295,
    ]);
    // 20683/2 = 10341.5 -> 10342, 5479/2 -> 2740, 1065/2 = 532.5 -> 532 (half to even), 2948/2 = 1474
    expect(microcircuitPlan({ nScale: 0.5, kScale: 0.5 }).populations.map((p) => p.size)).toEqual([
      10342, 2917, 10958, 2740, 2425, 532, 7198, 1474,
    ]);
  });

  it('turns the connection table into fixed total numbers: 298,880,968 synapses and the published in-degrees', () => {
    const plan = microcircuitPlan();
    const total = plan.projections.reduce((a, p) => a + p.count, 0);
    expect(total).toBe(298_880_968);
    const byTarget = new Map<string, number>();
    for (const p of plan.projections) byTarget.set(p.target, (byTarget.get(p.target) ?? 0) + p.count);
    expect(
      PD14_POPULATIONS.map((name, y) => Math.round((byTarget.get(name) ?? 0) / (PD14_FULL_SIZES[y] as number))),
    ).toEqual(IN_DEGREE_TABLE);
    expect(Math.round(total / 77169)).toBe(3873);
    const indeg = (s: string, t: string): number =>
      Math.round(
        (plan.projections.find((p) => p.source === s && p.target === t)?.count ?? 0) /
          (PD14_FULL_SIZES[PD14_POPULATIONS.indexOf(t as 'L23E')] as number),
      );
    expect([
      indeg('L23E', 'L23I'),
      indeg('L23E', 'L23E'),
      indeg('L23E', 'L5E'),
      indeg('L4E', 'L4I'),
      indeg('L6E', 'L4I'),
    ]).toEqual([2990, 2200, 2188, 1813, 1608]);
    // the linear approximation C N_x N_y (which MICROCIRCUIT.md warns against) would give 14 million fewer
    const linear = PD14_CONN_PROBS.reduce(
      (a, row, y) =>
        a + row.reduce((b, c, x) => b + c * (PD14_FULL_SIZES[x] as number) * (PD14_FULL_SIZES[y] as number), 0),
      0,
    );
    expect(total - linear).toBeGreaterThan(1e7);
  });

  it.each([
    [1, 1],
    [0.1, 0.1],
    [0.5, 0.5],
    [0.2, 1],
  ])('every pair has round(S_full N K) synapses at N = %s, K = %s (second implementation)', (nScale, kScale) => {
    const plan = microcircuitPlan({ nScale, kScale });
    const got = new Map(plan.projections.map((p) => [`${p.source}>${p.target}`, p.count]));
    for (let y = 0; y < 8; y++)
      for (let x = 0; x < 8; x++) {
        const want = expectedCount(y, x, nScale, kScale);
        expect(
          got.get(`${PD14_POPULATIONS[x]}>${PD14_POPULATIONS[y]}`) ?? 0,
          `${PD14_POPULATIONS[x]} -> ${PD14_POPULATIONS[y]}`,
        ).toBe(want);
        expect(Math.abs(want - expectedCount(y, x, nScale, kScale, 'log1p'))).toBeLessThanOrEqual(1);
      }
    // zero-probability pairs are absent, not empty projections
    expect(plan.projections.every((p) => p.count > 0)).toBe(true);
    expect(got.has('L5I>L23E')).toBe(false);
  });

  it('converts PSPs to PSCs: 585.39 pA/mV, 87.81 pA excitatory, 175.6 pA L4E -> L2/3E, -351.2 pA inhibitory, sd 10 %', () => {
    expect(pscOverPsp(250, 10, 0.5)).toBeCloseTo(585.39, 2);
    const plan = microcircuitPlan();
    const w = (s: string, t: string): [number, number] => {
      const p = plan.projections.find((q) => q.source === s && q.target === t);
      return [p?.weightMeanPa as number, p?.weightSdPa as number];
    };
    expect(w('L23E', 'L23E')[0]).toBeCloseTo(87.81, 2);
    expect(w('L4E', 'L23E')[0]).toBeCloseTo(175.62, 2);
    expect(w('L4E', 'L23E')[1]).toBeCloseTo(17.56, 2);
    expect(w('L23I', 'L4E')[0]).toBeCloseTo(-351.23, 2);
    expect(w('L23I', 'L4E')[1]).toBeCloseTo(35.12, 2);
    expect(w('L4E', 'L4E')[0]).toBeCloseTo(87.81, 2);
    expect(plan.pscExtPa).toBeCloseTo(87.81, 2);
    for (const p of plan.projections) {
      const exc = p.source.endsWith('E');
      expect(p.delayMeanMs).toBe(exc ? 1.5 : 0.75);
      expect(p.delaySdMs).toBe(exc ? 0.75 : 0.375);
    }
    expect(plan.delayMinMs).toBeCloseTo(0.05, 12);
    expect(plan.poissonDelayMs).toBe(1.5);
    expect(plan.dtMs).toBe(0.1);
  });

  it('full scale, Poisson: rates K_ext x 8 Hz, no bias; DC: the published currents', () => {
    const poisson = microcircuitPlan();
    expect(poisson.populations.map((p) => p.poissonRateHz)).toEqual(PD14_K_EXT.map((k) => k * 8));
    expect(poisson.populations.map((p) => p.biasPa)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    const dc = microcircuitPlan({ background: 'dc' });
    expect(dc.populations.map((p) => Math.round(p.biasPa * 10) / 10)).toEqual(DC_FULL_PA);
    expect(dc.populations.every((p) => p.poissonRateHz === 0)).toBe(true);
  });

  it('K-scaling: PSC / sqrt(K), K_ext rounded, and the mean input restored as DC (second implementation)', () => {
    const k = 0.1;
    const plan = microcircuitPlan({ nScale: 0.1, kScale: k });
    const full = microcircuitPlan();
    expect(plan.pscExtPa).toBeCloseTo(87.81 / Math.sqrt(k), 1);
    expect(plan.populations.map((p) => p.kExt)).toEqual([160, 150, 210, 190, 200, 190, 290, 210]);
    expect(plan.populations.map((p) => p.poissonRateHz)).toEqual([1280, 1200, 1680, 1520, 1600, 1520, 2320, 1680]);
    const rates = [0.903, 2.965, 4.414, 5.876, 7.569, 8.633, 1.105, 7.829];
    for (const [y, pop] of plan.populations.entries()) {
      // mean recurrent input of the full network (pA/s): sum over sources of PSC x in-degree x rate
      let rec = 0;
      for (const q of full.projections.filter((f) => f.target === pop.name)) {
        const x = PD14_POPULATIONS.indexOf(q.source);
        const s =
          Math.log1p(-((PD14_CONN_PROBS[y] as number[])[x] as number)) /
          Math.log1p(-1 / ((PD14_FULL_SIZES[x] as number) * (PD14_FULL_SIZES[y] as number)));
        rec += q.weightMeanPa * (s / (PD14_FULL_SIZES[y] as number)) * (rates[x] as number);
      }
      const ext = 87.80849353 * (PD14_K_EXT[y] as number) * 8;
      const want = 0.5e-3 * (1 - Math.sqrt(k)) * (rec + ext);
      expect(pop.biasPa).toBeCloseTo(want, 3);
    }
    for (const p of plan.projections) {
      const f = full.projections.find((q) => q.source === p.source && q.target === p.target);
      expect(p.weightMeanPa).toBeCloseTo((f?.weightMeanPa as number) / Math.sqrt(k), 9);
      expect(p.weightSdPa).toBeCloseTo(0.1 * Math.abs(p.weightMeanPa), 9);
    }
  });

  it('DC drive at K = 0.1 is below rheobase (375 pA) everywhere but L6I, as MICROCIRCUIT.md warns', () => {
    const plan = microcircuitPlan({ nScale: 0.1, kScale: 0.1, background: 'dc' });
    expect(plan.populations[0]?.biasPa).toBeCloseTo(206.7, 1);
    expect(plan.populations.map((p) => p.biasPa > 375)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      true,
    ]);
  });

  it('rejects scales outside (0, 1] and scales that empty a population, naming the field', () => {
    expect(() => microcircuitPlan({ nScale: 0 })).toThrow(
      'microcircuit: field nScale is 0; expected a number in (0, 1]',
    );
    expect(() => microcircuitPlan({ kScale: 1.5 })).toThrow(
      'microcircuit: field kScale is 1.5; expected a number in (0, 1]',
    );
    expect(() => microcircuitPlan({ nScale: 1e-4 })).toThrow(/field nScale \(population L5E\) is 0.0001/);
  });
});
