import type { TopLevelSpec } from 'vega-lite';
import { Rng } from '../util/rng.js';

/**
 * Charts and summary statistics of a simulated network's populations: a spike raster with populations stacked
 * (first population on top, as in the PD14 figures), population rates over time, and the per-population table
 * (mean rate, ISI CV) that `rouser simulate` prints. Charts are Vega-Lite specs; render them with `renderSvg`.
 */

const BASE = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  background: 'white',
  config: { legend: { labelLimit: 320 } },
} as const;

/** The spikes of one population in a time window: parallel arrays (node id within the population, time in ms). */
export interface PopulationSpikeTrain {
  population: string;
  /** Number of neurons in the population (silent neurons count in the mean rate). */
  size: number;
  nodeIds: ArrayLike<number>;
  timesMs: ArrayLike<number>;
}

/** One row of the rate table. */
export interface PopulationStats {
  population: string;
  size: number;
  spikes: number;
  /** Spikes / (size x window in s): the population mean of the per-neuron rates, silent neurons included (Hz). */
  meanRateHz: number;
  /**
   * Mean over neurons with at least 3 spikes in the window of CV = sd(ISI) / mean(ISI) (population sd, ddof 0); NaN
   * when no neuron has 3 spikes.
   */
  isiCv: number;
  /** Neurons that entered the ISI CV mean. */
  cvNeurons: number;
  /**
   * The same estimator on Poisson trains (true CV 1) with the same per-neuron spike counts in the same window: each
   * of those neurons' spikes redrawn as sorted uniform times in [fromMs, toMs) (seeded, deterministic). A short
   * window and few spikes bias the estimator low (long intervals are cut off); `isiCv / isiCvPoissonRef` is the CV
   * relative to a perfectly irregular train measured the same way. NaN when `isiCv` is.
   */
  isiCvPoissonRef: number;
}

/** sd(ISI) / mean(ISI) (population sd) of sorted spike times, or null when the mean interval is 0. */
function isiCv(row: ArrayLike<number>): number | null {
  const k = row.length - 1;
  let mean = 0;
  for (let i = 1; i <= k; i++) mean += (row[i] as number) - (row[i - 1] as number);
  mean /= k;
  let v = 0;
  for (let i = 1; i <= k; i++) v += ((row[i] as number) - (row[i - 1] as number) - mean) ** 2;
  return mean > 0 ? Math.sqrt(v / k) / mean : null;
}

/**
 * Per-population mean rate and ISI CV over the window [fromMs, toMs) (spikes outside are ignored).
 * ISI CV: for each neuron, CV = sqrt(mean((ISI - mean ISI)^2)) / mean ISI over its consecutive-spike intervals.
 */
export function populationStats(
  trains: readonly PopulationSpikeTrain[],
  fromMs: number,
  toMs: number,
): PopulationStats[] {
  const windowS = (toMs - fromMs) / 1000;
  return trains.map((t) => {
    const n = t.nodeIds.length;
    const count = new Uint32Array(t.size);
    let spikes = 0;
    for (let i = 0; i < n; i++) {
      const time = t.timesMs[i] as number;
      if (time < fromMs || time >= toMs) continue;
      const id = t.nodeIds[i] as number;
      count[id] = (count[id] as number) + 1;
      spikes++;
    }
    // CSR of each neuron's spike times, then sort each row (input may be in any order)
    const start = new Uint32Array(t.size + 1);
    for (let j = 0; j < t.size; j++) start[j + 1] = (start[j] as number) + (count[j] as number);
    const fill = start.slice(0, t.size);
    const times = new Float64Array(spikes);
    for (let i = 0; i < n; i++) {
      const time = t.timesMs[i] as number;
      if (time < fromMs || time >= toMs) continue;
      const id = t.nodeIds[i] as number;
      times[fill[id] as number] = time;
      fill[id] = (fill[id] as number) + 1;
    }
    let cvSum = 0;
    let cvNeurons = 0;
    let refSum = 0;
    const rng = new Rng(0x5eed ^ t.size);
    let ref = new Float64Array(0);
    for (let j = 0; j < t.size; j++) {
      const a = start[j] as number;
      const b = start[j + 1] as number;
      if (b - a < 3) continue;
      const cv = isiCv(times.subarray(a, b).sort());
      if (cv === null) continue;
      cvSum += cv;
      cvNeurons++;
      if (ref.length < b - a) ref = new Float64Array(2 * (b - a));
      const r = ref.subarray(0, b - a);
      for (let i = 0; i < r.length; i++) r[i] = fromMs + (toMs - fromMs) * rng.uniform();
      refSum += isiCv(r.sort()) ?? 0;
    }
    return {
      population: t.population,
      size: t.size,
      spikes,
      meanRateHz: t.size > 0 && windowS > 0 ? spikes / (t.size * windowS) : 0,
      isiCv: cvNeurons > 0 ? cvSum / cvNeurons : NaN,
      cvNeurons,
      isiCvPoissonRef: cvNeurons > 0 ? refSum / cvNeurons : NaN,
    };
  });
}

/**
 * Spike raster: at most `maxNeurons` neurons per population (the lowest node ids) in [fromMs, toMs), stacked with
 * the first population on top, coloured by population.
 */
export function populationRasterChart(
  title: string,
  trains: readonly PopulationSpikeTrain[],
  fromMs: number,
  toMs: number,
  maxNeurons = 100,
): TopLevelSpec {
  const values: { population: string; timeMs: number; row: number }[] = [];
  let offset = 0;
  for (const t of trains) {
    const shown = Math.min(t.size, maxNeurons);
    for (let i = 0; i < t.nodeIds.length; i++) {
      const id = t.nodeIds[i] as number;
      const time = t.timesMs[i] as number;
      if (id < shown && time >= fromMs && time < toMs)
        values.push({ population: t.population, timeMs: time, row: -(offset + id) });
    }
    offset += shown;
  }
  return {
    ...BASE,
    title,
    width: 640,
    height: Math.max(160, Math.min(640, offset)),
    data: { values },
    mark: { type: 'tick', thickness: 1, size: 3, orient: 'vertical' },
    encoding: {
      x: { field: 'timeMs', type: 'quantitative', title: 'time (ms)', scale: { domain: [fromMs, toMs] } },
      y: {
        field: 'row',
        type: 'quantitative',
        title: `neuron (first ${maxNeurons} per population)`,
        axis: { labels: false, ticks: false },
      },
      color: { field: 'population', type: 'nominal', sort: trains.map((t) => t.population), title: 'population' },
    },
  } as TopLevelSpec;
}

/**
 * Population rate over time: spikes per bin / (size x bin width) in Hz, one line per population, bins of `binMs`
 * from `fromMs` to `toMs`.
 */
export function populationRateChart(
  title: string,
  trains: readonly PopulationSpikeTrain[],
  fromMs: number,
  toMs: number,
  binMs: number,
): TopLevelSpec {
  const bins = Math.max(1, Math.ceil((toMs - fromMs) / binMs));
  const values: { population: string; timeMs: number; rateHz: number }[] = [];
  for (const t of trains) {
    const h = new Float64Array(bins);
    for (let i = 0; i < t.timesMs.length; i++) {
      const time = t.timesMs[i] as number;
      if (time < fromMs || time >= toMs) continue;
      const b = Math.min(bins - 1, Math.floor((time - fromMs) / binMs));
      h[b] = (h[b] as number) + 1;
    }
    for (let b = 0; b < bins; b++)
      values.push({
        population: t.population,
        timeMs: fromMs + (b + 0.5) * binMs,
        rateHz: t.size > 0 ? (h[b] as number) / (t.size * binMs * 1e-3) : 0,
      });
  }
  return {
    ...BASE,
    title,
    data: { values },
    facet: { row: { field: 'population', type: 'nominal', title: null, sort: trains.map((t) => t.population) } },
    spec: {
      width: 640,
      height: 60,
      mark: { type: 'line', strokeWidth: 1 },
      encoding: {
        x: { field: 'timeMs', type: 'quantitative', title: 'time (ms)', scale: { domain: [fromMs, toMs] } },
        y: { field: 'rateHz', type: 'quantitative', title: 'Hz' },
      },
    },
    resolve: { scale: { y: 'independent' } },
  } as TopLevelSpec;
}

/**
 * Mean rate per population as bars, with an optional reference band per population (e.g. the published PD14
 * full-scale range) drawn as a grey interval.
 */
export function populationRateBarChart(
  title: string,
  stats: readonly PopulationStats[],
  bands?: Readonly<Record<string, readonly [number, number]>>,
): TopLevelSpec {
  const order = stats.map((s) => s.population);
  const bars = {
    mark: { type: 'bar' },
    data: { values: stats.map((s) => ({ population: s.population, rateHz: s.meanRateHz })) },
    encoding: {
      x: { field: 'population', type: 'nominal', sort: order, title: null },
      y: { field: 'rateHz', type: 'quantitative', title: 'mean rate (Hz)' },
    },
  };
  const layer: unknown[] = [bars];
  if (bands) {
    const values = order
      .filter((p) => bands[p])
      .map((p) => ({
        population: p,
        lo: (bands[p] as readonly [number, number])[0],
        hi: (bands[p] as readonly [number, number])[1],
      }));
    layer.push({
      mark: { type: 'rule', color: '#444', strokeWidth: 6, opacity: 0.5 },
      data: { values },
      encoding: {
        x: { field: 'population', type: 'nominal', sort: order },
        y: { field: 'lo', type: 'quantitative' },
        y2: { field: 'hi' },
      },
    });
  }
  return { ...BASE, title, width: 420, height: 240, layer } as TopLevelSpec;
}
