import type { TopLevelSpec } from 'vega-lite';
import type { Histogram } from '../metrics/activity.js';

/**
 * Charts as Vega-Lite specifications rendered to SVG in Node (vega's headless renderer, no browser or canvas).
 * Every chart builder returns a plain Vega-Lite spec so reports can embed the spec or the rendered SVG.
 * Conventions shared by every chart and report: layers are named {@link layerName} (hidden 1, hidden 2, output),
 * and each variant keeps one colour ({@link variantColors}).
 */

let renderers: Promise<[typeof import('vega'), typeof import('vega-lite')]> | undefined;

/**
 * Renders a Vega-Lite spec to a standalone SVG string. vega and vega-lite are loaded on the first call (about 20 MB
 * and 0.3 s), so commands that draw nothing (e.g. `rouser simulate` without `--plot`) never load them.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  renderers ??= Promise.all([import('vega'), import('vega-lite')]);
  const [vega, vl] = await renderers;
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const BASE = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  background: 'white',
  config: {
    legend: { labelLimit: 320, orient: 'bottom', columns: 6, symbolStrokeWidth: 3, symbolOpacity: 1 },
    title: { anchor: 'start', fontSize: 14 },
    view: { stroke: '#ddd' },
  },
} as const;

/** Width of one chart in the two-column report (px); the page scales the SVG to its column. */
export const CHART_WIDTH = 460;

/** Single-view charts fit axes, titles and legends into width x height, so every chart of a column scales alike. */
const FIT = { autosize: { type: 'fit', contains: 'padding' } } as const;

/**
 * The name of layer `l` (0-based) of a network with `layerCount` trained layers: `hidden 1`, `hidden 2`, ..., and
 * `output` for the last. Every chart, table and caption uses these names.
 */
export function layerName(l: number, layerCount: number): string {
  return l === layerCount - 1 ? 'output' : `hidden ${l + 1}`;
}

/** Colour-blind-safe palette (Okabe & Ito 2008, plus four Tableau 10 hues) that variant colours are drawn from. */
export const PALETTE = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#D55E00',
  '#CC79A7',
  '#56B4E9',
  '#999999',
  '#8c564b',
  '#F0E442',
  '#17becf',
  '#bcbd22',
  '#7f7f7f',
] as const;

/** Preferred palette slots of the common variant labels, so that they keep their colour across reports. */
const PREFERRED: Record<string, number> = {
  learned: 0,
  fixed: 1,
  'fixed:0.25': 2,
  'fixed:0.5': 3,
  'fixed:0.75': 4,
  'fixed:1.0': 5,
  'fixed:1': 5,
  layer: 7,
  'fixed:0': 6,
};

function hashLabel(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h;
}

/**
 * One colour per variant label: a common label takes its preferred slot, any other label a slot from a hash of its
 * text; a taken slot moves to the next free one (in the given order). The same label therefore keeps its colour in
 * every chart of a report and, unless two labels collide, across reports. Returns a Vega-Lite colour scale.
 */
export function variantColors(labels: readonly string[]): { domain: string[]; range: string[] } {
  const used = new Set<number>();
  const range: string[] = [];
  for (const label of labels) {
    let slot = PREFERRED[label] ?? hashLabel(label) % PALETTE.length;
    for (let k = 0; used.has(slot) && k < PALETTE.length; k++) slot = (slot + 1) % PALETTE.length;
    used.add(slot);
    range.push(PALETTE[slot] as string);
  }
  return { domain: [...labels], range };
}

/** One point of a line series (`seed` set: a per-seed value, drawn faint; unset: the mean, drawn bold). */
export interface SeriesPoint {
  series: string;
  x: number;
  y: number;
  seed?: number;
}

/** Options of {@link lineChart}. */
export interface LineChartOptions {
  /** Fixed y range; default: scaled to the data (zero included). */
  yDomain?: [number, number];
  width?: number;
  height?: number;
  /** Colour scale of the series (default: {@link variantColors} of the series in order of appearance). */
  colors?: { domain: string[]; range: string[] };
  /** y axis format, e.g. `%` for fractions. */
  yFormat?: string;
  /** The y axis reaches at least this value (so an all-zero series still draws a readable axis). */
  yAtLeast?: number;
}

/**
 * Line chart of several named series (e.g. accuracy vs epoch per variant). Points with a `seed` are drawn as thin,
 * faint lines (one per series and seed); points without are the bold mean line with markers.
 */
export function lineChart(
  title: string,
  points: SeriesPoint[],
  xTitle: string,
  yTitle: string,
  opts: LineChartOptions = {},
): TopLevelSpec {
  const colors = opts.colors ?? variantColors([...new Set(points.map((p) => p.series))]);
  const color = { field: 'series', type: 'nominal', title: null, scale: colors, sort: colors.domain };
  const yMax = Math.max(...points.map((p) => p.y).filter(Number.isFinite), -Infinity);
  const scale = opts.yDomain
    ? { domain: opts.yDomain }
    : {
        zero: true,
        nice: true,
        ...(opts.yAtLeast !== undefined && !(yMax >= opts.yAtLeast) ? { domainMax: opts.yAtLeast } : {}),
      };
  const y = {
    field: 'y',
    type: 'quantitative',
    title: yTitle,
    scale,
    ...(opts.yFormat ? { axis: { format: opts.yFormat } } : {}),
  };
  const x = { field: 'x', type: 'quantitative', title: xTitle, axis: { tickMinStep: 1 } };
  const hasSeeds = points.some((p) => p.seed !== undefined);
  const layers: unknown[] = [];
  if (hasSeeds)
    layers.push({
      transform: [{ filter: 'isValid(datum.seed)' }],
      mark: { type: 'line', strokeWidth: 1, opacity: 0.3 },
      encoding: { x, y, color, detail: { field: 'seed', type: 'nominal' } },
    });
  layers.push({
    transform: [{ filter: '!isValid(datum.seed)' }],
    mark: { type: 'line', point: true, strokeWidth: 2.5 },
    encoding: { x, y, color, tooltip: [{ field: 'series' }, { field: 'x' }, { field: 'y', format: '.4f' }] },
  });
  return {
    ...BASE,
    ...FIT,
    title,
    width: opts.width ?? CHART_WIDTH,
    height: opts.height ?? 300,
    data: { values: points },
    layer: layers,
  } as TopLevelSpec;
}

/**
 * Spike raster: one tick per spike, one row of panels per layer (named by the caller, e.g. `hidden 1 (128)`), each
 * panel's neuron axis scaled to that layer's size.
 */
export function rasterChart(
  title: string,
  spikes: { layer: string; step: number; neuron: number }[],
  steps: number,
): TopLevelSpec {
  return {
    ...BASE,
    title,
    data: { values: spikes },
    facet: {
      row: {
        field: 'layer',
        type: 'nominal',
        title: null,
        sort: null,
        header: { labelAngle: 0, labelAlign: 'left', labelFontSize: 12 },
      },
    },
    spec: {
      width: CHART_WIDTH,
      height: 130,
      mark: { type: 'tick', thickness: 1.5, size: 4, orient: 'vertical', color: '#333' },
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

/** Options of {@link histogramChart}. */
export interface HistogramChartOptions {
  /** A vertical rule per group at this x (e.g. the initial threshold); a group missing from the map gets none. */
  rules?: Record<string, number>;
  /** Bar colour per group (e.g. the variant's colour); default one neutral colour. */
  colors?: Record<string, string>;
  /** Panel size. */
  width?: number;
  height?: number;
}

/**
 * Histogram bars from precomputed bins, one panel per group (rows) on ONE shared x scale (so the panels compare
 * directly; the domain covers every bin and rule), each panel's count axis scaled to its own data. Optional rules
 * mark a reference value per group (dashed).
 */
export function histogramChart(
  title: string,
  bins: HistogramBin[],
  xTitle: string,
  opts: HistogramChartOptions = {},
): TopLevelSpec {
  const rules = Object.entries(opts.rules ?? {}).map(([group, rule]) => ({ group, rule }));
  const xs = [...bins.flatMap((b) => [b.lo, b.hi]), ...rules.map((r) => r.rule)].filter(Number.isFinite);
  let lo = Math.min(...xs);
  let hi = Math.max(...xs);
  if (!(hi > lo)) {
    lo -= 0.5;
    hi += 0.5;
  }
  const pad = (hi - lo) * 0.03;
  const domain = [lo - pad, hi + pad];
  const groups = [...new Set([...bins.map((b) => b.group), ...rules.map((r) => r.group)])];
  const colorScale = opts.colors
    ? { domain: groups, range: groups.map((g) => opts.colors?.[g] ?? '#4c78a8') }
    : undefined;
  return {
    ...BASE,
    title,
    data: { values: [...bins, ...rules] },
    facet: {
      row: {
        field: 'group',
        type: 'nominal',
        title: null,
        sort: groups,
        header: { labelAngle: 0, labelAlign: 'left', labelFontSize: 12 },
      },
    },
    spec: {
      width: opts.width ?? CHART_WIDTH,
      height: opts.height ?? 90,
      layer: [
        {
          transform: [{ filter: 'isValid(datum.count)' }],
          mark: { type: 'bar', ...(colorScale ? {} : { color: '#4c78a8' }) },
          encoding: {
            x: {
              field: 'lo',
              type: 'quantitative',
              bin: { binned: true },
              title: xTitle,
              scale: { domain, nice: false },
            },
            x2: { field: 'hi' },
            y: { field: 'count', type: 'quantitative', title: 'neurons', axis: { tickMinStep: 1, format: 'd' } },
            ...(colorScale ? { color: { field: 'group', type: 'nominal', scale: colorScale, legend: null } } : {}),
            tooltip: [{ field: 'lo', format: '.3f' }, { field: 'hi', format: '.3f' }, { field: 'count' }],
          },
        },
        {
          transform: [{ filter: 'isValid(datum.rule)' }],
          mark: { type: 'rule', color: '#c00', strokeDash: [4, 3], strokeWidth: 1.5 },
          encoding: { x: { field: 'rule', type: 'quantitative' } },
        },
      ],
    },
    resolve: { scale: { x: 'shared', y: 'independent' } },
  } as TopLevelSpec;
}

/** Options of {@link barChart}. */
export interface BarChartOptions {
  /** Colour scale of the series (default {@link variantColors} of the series). */
  colors?: { domain: string[]; range: string[] };
  /** Logarithmic value axis (e.g. SynOps against MACs, which differ by orders of magnitude). */
  log?: boolean;
  yFormat?: string;
  width?: number;
}

/** Grouped bar chart: value per category, coloured by series. */
export function barChart(
  title: string,
  rows: { category: string; series: string; value: number }[],
  yTitle: string,
  opts: BarChartOptions = {},
): TopLevelSpec {
  const colors = opts.colors ?? variantColors([...new Set(rows.map((r) => r.series))]);
  return {
    ...BASE,
    ...FIT,
    title,
    width: opts.width ?? CHART_WIDTH,
    height: 300,
    data: { values: rows },
    mark: 'bar',
    encoding: {
      x: { field: 'category', type: 'nominal', title: null, sort: null, axis: { labelAngle: 0, labelLimit: 120 } },
      xOffset: { field: 'series', sort: colors.domain },
      y: {
        field: 'value',
        type: 'quantitative',
        title: yTitle,
        ...(opts.log ? { scale: { type: 'log' } } : {}),
        ...(opts.yFormat ? { axis: { format: opts.yFormat } } : {}),
      },
      color: { field: 'series', type: 'nominal', title: null, scale: colors, sort: colors.domain },
      tooltip: [{ field: 'category' }, { field: 'series' }, { field: 'value', format: '.4g' }],
    },
  } as TopLevelSpec;
}

/** One variant's result for {@link thresholdGridChart}. */
export interface GridVariant {
  label: string;
  /** Fixed variants: the threshold; learned variants: the initial threshold. */
  threshold: number;
  fixed: boolean;
  /** Mean final test accuracy over seeds. */
  accuracy: number;
  /** Per-seed final test accuracies (drawn faint). */
  seeds: number[];
}

/**
 * The paper's fixed-threshold grid (Fig. 2) as accuracy against threshold: the fixed variants as a bold line with
 * markers (per-seed values as faint dots), each learned variant as a dashed horizontal rule at its accuracy with a
 * star at its initial threshold, labelled, in its variant colour.
 */
export function thresholdGridChart(
  title: string,
  variants: GridVariant[],
  colors: { domain: string[]; range: string[] },
  yTitle = 'final test accuracy',
): TopLevelSpec {
  const fixed = variants.filter((v) => v.fixed).sort((a, b) => a.threshold - b.threshold);
  const learned = variants.filter((v) => !v.fixed);
  const color = { field: 'label', type: 'nominal', title: null, scale: colors, sort: colors.domain, legend: null };
  const maxT = Math.max(0, ...variants.map((v) => v.threshold).filter(Number.isFinite));
  const x = {
    field: 'threshold',
    type: 'quantitative',
    title: 'threshold (fixed value; initial value for learned)',
    scale: { domain: [0, maxT > 0 ? maxT * 1.1 : 1], nice: false },
  };
  const y = {
    field: 'accuracy',
    type: 'quantitative',
    title: yTitle,
    axis: { format: '%' },
    scale: { zero: true, nice: true },
  };
  const values = [
    ...fixed.map((v) => ({ kind: 'fixed', label: v.label, threshold: v.threshold, accuracy: v.accuracy })),
    ...fixed.flatMap((v) =>
      v.seeds.map((a) => ({ kind: 'seed', label: v.label, threshold: v.threshold, accuracy: a })),
    ),
    ...learned.map((v) => ({
      kind: 'learned',
      label: v.label,
      threshold: v.threshold,
      accuracy: v.accuracy,
      text: `${v.label} ${(100 * v.accuracy).toFixed(1)}%`,
    })),
    ...learned.flatMap((v) =>
      v.seeds.map((a) => ({ kind: 'learnedSeed', label: v.label, threshold: v.threshold, accuracy: a })),
    ),
  ];
  return {
    ...BASE,
    ...FIT,
    title,
    width: CHART_WIDTH,
    height: 300,
    data: { values },
    layer: [
      {
        transform: [{ filter: "datum.kind === 'fixed'" }],
        mark: { type: 'line', color: '#888', strokeWidth: 1.5 },
        encoding: { x, y },
      },
      {
        transform: [{ filter: "datum.kind === 'seed' || datum.kind === 'learnedSeed'" }],
        mark: { type: 'point', filled: true, size: 25, opacity: 0.35 },
        encoding: { x, y, color },
      },
      {
        transform: [{ filter: "datum.kind === 'fixed'" }],
        mark: { type: 'point', filled: true, size: 90 },
        encoding: { x, y, color, tooltip: [{ field: 'label' }, { field: 'accuracy', format: '.2%' }] },
      },
      {
        transform: [{ filter: "datum.kind === 'learned'" }],
        mark: { type: 'rule', strokeDash: [6, 4], strokeWidth: 2 },
        encoding: { y, color },
      },
      {
        transform: [{ filter: "datum.kind === 'learned'" }],
        mark: { type: 'point', shape: 'diamond', filled: true, size: 160 },
        encoding: { x, y, color, tooltip: [{ field: 'label' }, { field: 'accuracy', format: '.2%' }] },
      },
      {
        transform: [{ filter: "datum.kind === 'learned'" }],
        mark: { type: 'text', align: 'right', dx: -10, dy: -9, fontWeight: 'bold' },
        encoding: { x, y, text: { field: 'text' }, color },
      },
      {
        transform: [{ filter: "datum.kind === 'fixed'" }],
        mark: { type: 'text', align: 'center', dy: 14, fontSize: 10 },
        encoding: { x, y, text: { field: 'accuracy', format: '.1%' }, color },
      },
    ],
    config: { ...BASE.config, legend: { disable: true } },
  } as TopLevelSpec;
}
