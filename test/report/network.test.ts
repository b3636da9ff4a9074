import { describe, expect, it } from 'vitest';
import {
  populationRasterChart,
  populationRateBarChart,
  populationRateChart,
  populationStats,
} from '../../src/report/network.js';
import { renderSvg } from '../../src/report/plots.js';
import { Rng } from '../../src/util/rng.js';

describe('population statistics', () => {
  it('rate and ISI CV by hand', () => {
    // neuron 0: ISIs 10, 10, 10 (CV 0); neuron 1: ISIs 10, 20 (mean 15, sd 5, CV 1/3); neuron 2: one spike; one spike outside
    const t = {
      population: 'A',
      size: 3,
      nodeIds: [1, 0, 0, 1, 0, 2, 0, 1, 2],
      timesMs: [30, 0, 10, 0, 20, 5, 30, 10, 1000],
    };
    const [s] = populationStats([t], 0, 1000);
    expect(s?.spikes).toBe(8);
    expect(s?.meanRateHz).toBeCloseTo(8 / 3, 12);
    expect(s?.cvNeurons).toBe(2);
    expect(s?.isiCv).toBeCloseTo(1 / 6, 12);
    expect(populationStats([{ ...t, nodeIds: [0], timesMs: [1] }], 0, 1000)[0]?.isiCv).toBeNaN();
  });

  it('a Poisson train has ISI CV close to 1 and the generating rate', () => {
    const rng = new Rng(3);
    const ids: number[] = [];
    const times: number[] = [];
    for (let n = 0; n < 50; n++)
      for (let t = -Math.log(1 - rng.uniform()) * 50; t < 10_000; t += -Math.log(1 - rng.uniform()) * 50) {
        ids.push(n);
        times.push(t);
      }
    const [s] = populationStats([{ population: 'P', size: 50, nodeIds: ids, timesMs: times }], 0, 10_000);
    expect(s?.meanRateHz).toBeGreaterThan(18);
    expect(s?.meanRateHz).toBeLessThan(22);
    expect(s?.isiCv).toBeGreaterThan(0.93);
    expect(s?.isiCv).toBeLessThan(1.05);
    // with ~200 spikes per neuron the Poisson reference of the estimator is close to the true CV 1
    expect(s?.isiCvPoissonRef).toBeGreaterThan(0.93);
    expect(s?.isiCvPoissonRef).toBeLessThan(1.03);
  });

  it('the Poisson reference of neurons with 3 spikes is E|2U - 1| = 0.5, and regular trains stay at CV 0', () => {
    // 3 uniform points: the two inner spacings split their sum uniformly (Dirichlet(1,1,1,1)), so the estimator
    // |d1 - d2| / (d1 + d2) = |2U - 1| with U ~ U(0, 1) has mean 1/2
    const n = 4000;
    const ids: number[] = [];
    const times: number[] = [];
    for (let j = 0; j < n; j++)
      for (const t of [100, 400, 700]) {
        ids.push(j);
        times.push(t);
      }
    const [s] = populationStats([{ population: 'R', size: n, nodeIds: ids, timesMs: times }], 0, 1000);
    expect(s?.isiCv).toBe(0);
    expect(s?.cvNeurons).toBe(n);
    expect(Math.abs((s?.isiCvPoissonRef as number) - 0.5)).toBeLessThan(0.03); // sd of the mean 0.289 / sqrt(4000)
    // deterministic
    expect(populationStats([{ population: 'R', size: n, nodeIds: ids, timesMs: times }], 0, 1000)[0]).toEqual(s);
  });
});

describe('population charts', () => {
  const trains = [
    { population: 'E', size: 300, nodeIds: [0, 5, 250, 7], timesMs: [1, 2, 3, 40] },
    { population: 'I', size: 10, nodeIds: [1, 2], timesMs: [5, 6] },
  ];
  it('raster keeps the first neurons per population, stacked, in the window', () => {
    const spec = populationRasterChart('r', trains, 0, 30, 100) as unknown as {
      data: { values: { population: string; row: number }[] };
    };
    expect(spec.data.values).toEqual([
      { population: 'E', timeMs: 1, row: -0 },
      { population: 'E', timeMs: 2, row: -5 },
      { population: 'I', timeMs: 5, row: -101 },
      { population: 'I', timeMs: 6, row: -102 },
    ]);
  });
  it('rate chart bins spikes into Hz and the charts render to SVG', async () => {
    const spec = populationRateChart('rates', trains, 0, 50, 10) as unknown as {
      data: { values: { population: string; timeMs: number; rateHz: number }[] };
    };
    const e = spec.data.values.filter((v) => v.population === 'E');
    expect(e.map((v) => v.rateHz)).toEqual([3 / (300 * 0.01), 0, 0, 0, 1 / (300 * 0.01)]);
    expect(e.map((v) => v.timeMs)).toEqual([5, 15, 25, 35, 45]);
    const svg = await renderSvg(populationRateChart('rates', trains, 0, 50, 10));
    expect(svg.startsWith('<svg')).toBe(true);
    expect(await renderSvg(populationRasterChart('raster', trains, 0, 50))).toContain('<svg');
    expect(
      await renderSvg(populationRateBarChart('bars', populationStats(trains, 0, 50), { E: [0.5, 1], I: [2, 4] })),
    ).toContain('<svg');
  });
});
