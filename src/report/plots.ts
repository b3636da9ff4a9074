import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import type { Histogram } from '../metrics/activity.js';

/**
 * Charts as Vega-Lite specifications rendered to SVG in Node (vega's headless renderer, no browser or canvas).
 * Every chart builder returns a plain Vega-Lite spec so reports can embed the spec or the rendered SVG.
 */

/** Renders a Vega-Lite spec to a standalone SVG string. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const BASE = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', background: 'white', config: { legend: { labelLimit: 320 } } } as const;

/** One point of a line series. */
export interface SeriesPoint {
  series: string;
  x: number;
  y: number;
}

/** Line chart of several named series (e.g. accuracy vs epoch per variant). */
export function lineChart(title: string, points: SeriesPoint[], xTitle: string, yTitle: string, opts: { yDomain?: [number, number]; width?: number; height?: number } = {}): TopLevelSpec {
  return {
    ...BASE,
    title,
    width: opts.width ?? 420,
    height: opts.height ?? 240,
    data: { values: points },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: xTitle, axis: { tickMinStep: 1 } },
      y: { field: 'y', type: 'quantitative', title: yTitle, ...(opts.yDomain ? { scale: { domain: opts.yDomain } } : {}) },
      color: { field: 'series', type: 'nominal', title: null },
      tooltip: [{ field: 'series' }, { field: 'x' }, { field: 'y', format: '.4f' }],
    },
  } as TopLevelSpec;
}

/** Spike raster: one dot per spike, faceted by layer (rows). */
export function rasterChart(title: string, spikes: { layer: string; step: number; neuron: number }[], steps: number): TopLevelSpec {
  return {
    ...BASE,
    title,
    data: { values: spikes },
    facet: { row: { field: 'layer', type: 'nominal', title: null, sort: null } },
    spec: {
      width: 520,
      height: 140,
      mark: { type: 'tick', thickness: 1.5, size: 4, orient: 'vertical' },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'time step', scale: { domain: [0, steps] } },
        y: { field: 'neuron', type: 'quantitative', title: 'neuron' },
      },
    },
    resolve: { scale: { y: 'independent' } },
  } as TopLevelSpec;
}

/** One bar of {@link histogramChart}. */
export interface HistogramBin {
  group: string;
  lo: number;
  hi: number;
  count: number;
}

/** The bars of a `metrics` histogram (edges and counts), labelled with a facet group. */
export function histogramBins(group: string, h: Histogram): HistogramBin[] {
  return h.counts.map((count, i) => ({ group, lo: h.edges[i] as number, hi: h.edges[i + 1] as number, count }));
}

/** Histogram bars from precomputed bins, faceted by group (e.g. layer or variant). */
export function histogramChart(title: string, bins: HistogramBin[], xTitle: string): TopLevelSpec {
  return {
    ...BASE,
    title,
    data: { values: bins },
    facet: { row: { field: 'group', type: 'nominal', title: null, sort: null } },
    spec: {
      width: 420,
      height: 110,
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'lo', type: 'quantitative', bin: { binned: true }, title: xTitle },
        x2: { field: 'hi' },
        y: { field: 'count', type: 'quantitative', title: 'neurons' },
      },
    },
    resolve: { scale: { x: 'independent', y: 'independent' } },
  } as TopLevelSpec;
}

/** Grouped bar chart: value per category, coloured by series. */
export function barChart(title: string, rows: { category: string; series: string; value: number }[], yTitle: string): TopLevelSpec {
  return {
    ...BASE,
    title,
    width: 420,
    height: 220,
    data: { values: rows },
    mark: 'bar',
    encoding: {
      x: { field: 'category', type: 'nominal', title: null, sort: null },
      xOffset: { field: 'series' },
      y: { field: 'value', type: 'quantitative', title: yTitle },
      color: { field: 'series', type: 'nominal', title: null },
      tooltip: [{ field: 'category' }, { field: 'series' }, { field: 'value', format: '.4g' }],
    },
  } as TopLevelSpec;
}
