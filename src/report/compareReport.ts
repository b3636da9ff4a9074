import type { TopLevelSpec } from 'vega-lite';
import type { CompareSummary } from '../experiment/compare.js';
import {
  CHART_WIDTH,
  histogramBins,
  histogramChart,
  layerName,
  lineChart,
  renderSvg,
  thresholdGridChart,
  variantColors,
  type GridVariant,
  type SeriesPoint,
} from './plots.js';
import { describeLoss, describeNeuron, describeSurrogate } from './words.js';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const pct = (x: number | null | undefined): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '—' : `${(100 * x).toFixed(2)}%`;

/** One chart of a report: an anchor id, a caption, the Vega-Lite spec and whether it spans both columns. */
export interface ReportChart {
  id: string;
  caption: string;
  spec: TopLevelSpec;
  wide?: boolean;
}

/** The colour of every variant of a summary ({@link variantColors} in summary order), shared by all its charts. */
export function summaryColors(s: CompareSummary): { domain: string[]; range: string[] } {
  return variantColors(s.variants.map((v) => v.label));
}

/** The charts of a compare report, as titled Vega-Lite specs (exported for tests and other front ends). */
export function compareCharts(s: CompareSummary): ReportChart[] {
  const charts: ReportChart[] = [];
  const L = s.architecture.length - 1;
  const colors = summaryColors(s);
  const seedsText = `mean over ${s.seeds.length} seed${s.seeds.length > 1 ? 's' : ''}`;
  const perVariant = (f: (v: CompareSummary['variants'][number], e: number) => number | null): SeriesPoint[] =>
    s.variants.flatMap((v) =>
      v.perEpoch.epoch.flatMap((epoch, e) => {
        const y = f(v, e);
        return y === null || !Number.isFinite(y) ? [] : [{ series: v.label, x: epoch, y }];
      }),
    );
  type Curves = CompareSummary['variants'][number]['perSeed'][number];
  /** Means (bold) plus, with two or more seeds, every seed's curve (faint). */
  const withSeeds = (mean: SeriesPoint[], f: (c: Curves, e: number) => number | null | undefined): SeriesPoint[] =>
    s.seeds.length < 2
      ? mean
      : [
          ...mean,
          ...s.variants.flatMap((v) =>
            (v.perSeed ?? []).flatMap((c) =>
              v.perEpoch.epoch.flatMap((epoch, e) => {
                const y = f(c, e);
                return y === null || y === undefined || !Number.isFinite(y)
                  ? []
                  : [{ series: v.label, x: epoch, y, seed: c.seed }];
              }),
            ),
          ),
        ];
  const seedNote = s.seeds.length > 1 ? '; faint lines: each seed' : '';
  charts.push({
    id: 'accuracy',
    caption: `Test accuracy per epoch (bold: ${seedsText}${seedNote}; epoch 0 is the initial network).`,
    spec: lineChart(
      'Test accuracy vs epoch',
      withSeeds(
        perVariant((v, e) => v.perEpoch.testAccuracy[e]!),
        (c, e) => c.testAccuracy[e],
      ),
      'epoch',
      'test accuracy',
      { colors, yFormat: '%' },
    ),
  });
  const grid: GridVariant[] = s.variants.map((v) => ({
    label: v.label,
    threshold: v.thInit,
    fixed: v.thresholdMode === 'fixed',
    accuracy: v.reportedTestAccuracy.mean,
    seeds: s.seeds.length > 1 ? v.reportedTestAccuracy.values : [],
  }));
  if (grid.some((g) => g.fixed))
    charts.push({
      id: 'grid',
      caption: `Reported test accuracy (at the epoch selected on the validation split, or the last epoch without one) against the threshold (paper Fig. 2): fixed thresholds as a line (${seedsText}${s.seeds.length > 1 ? ', faint dots per seed' : ''}); learned thresholds as a dashed line at their accuracy with a diamond at their initial value.`,
      spec: thresholdGridChart('Fixed-threshold grid and learned thresholds', grid, colors, 'reported test accuracy'),
    });
  for (let l = 0; l < L - 1; l++)
    charts.push({
      id: `dead-${l}`,
      caption: `Dead neurons of ${layerName(l, L)} (${s.architecture[l + 1]} neurons): no spike over the whole test set (paper Fig. 4; bold: ${seedsText}${seedNote}).`,
      spec: lineChart(
        `Dead neurons, ${layerName(l, L)}`,
        withSeeds(
          perVariant((v, e) => v.perEpoch.deadFraction[e]![l]!),
          (c, e) => c.deadFraction[e]?.[l],
        ),
        'epoch',
        'dead neurons',
        { colors, yFormat: '%', yAtLeast: 0.01 },
      ),
    });
  for (let l = 0; l < L; l++)
    charts.push({
      id: `rate-${l}`,
      caption: `Mean spike rate of ${layerName(l, L)} on the test set, spikes per neuron per step (paper Fig. 5; bold: ${seedsText}${seedNote}).`,
      spec: lineChart(
        `Spike rate, ${layerName(l, L)}`,
        withSeeds(
          perVariant((v, e) => v.perEpoch.spikeRate[e]![l]!),
          (c, e) => c.spikeRate[e]?.[l],
        ),
        'epoch',
        'spikes / neuron / step',
        { colors },
      ),
    });
  for (let l = 0; l < L; l++)
    charts.push({
      id: `weights-${l}`,
      caption: `Normalised weight change ||W_e − W_0|| / ||W_final − W_0|| of ${layerName(l, L)} (paper Fig. 3; 1 at the last epoch by definition).`,
      spec: lineChart(
        `Normalised weight change, ${layerName(l, L)}`,
        perVariant((v, e) => v.perEpoch.normalisedWeightChange[e]![l] ?? null),
        'epoch',
        'normalised weight change',
        { colors },
      ),
    });
  const learned = s.variants.filter((v) => v.thresholdMode !== 'fixed');
  for (let l = 0; l < L && learned.length > 0; l++) {
    const bins = learned.flatMap((v) => {
      const t = v.finalThresholds[l];
      return t ? histogramBins(v.label, t.histogram) : [];
    });
    if (bins.length === 0) continue;
    const colorOf = Object.fromEntries(colors.domain.map((d, i) => [d, colors.range[i] as string]));
    charts.push({
      id: `thresholds-${l}`,
      caption: `Thresholds of ${layerName(l, L)} after training, per learned variant (first seed), on one threshold axis; the dashed red line is the initial value.`,
      spec: histogramChart(`Learned thresholds, ${layerName(l, L)}`, bins, 'threshold', {
        rules: Object.fromEntries(learned.map((v) => [v.label, v.thInit])),
        colors: colorOf,
        height: Math.max(70, Math.round(220 / learned.length)),
      }),
    });
  }
  const macs = s.variants[0]?.event.macsPerSample ?? 0;
  charts.push({
    id: 'synops',
    caption: `Synaptic operations per sample of each final model, counted by the event engine from delivered spikes, against the dense network's ${Math.round(macs).toLocaleString('en-US')} multiply-accumulates (dashed; the same for every variant).`,
    spec: synOpsChart(s, colors, macs),
  });
  return charts;
}

function synOpsChart(s: CompareSummary, colors: { domain: string[]; range: string[] }, macs: number): TopLevelSpec {
  const values = [
    ...s.variants.map((v) => ({ kind: 'bar', label: v.label, value: v.event.synOpsPerSample })),
    { kind: 'macs', value: macs, text: 'dense MACs' },
  ];
  const y = { field: 'value', type: 'quantitative', title: 'operations per sample', axis: { format: '~s' } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'white',
    title: 'Synaptic operations per sample (event engine)',
    config: { title: { anchor: 'start', fontSize: 14 }, view: { stroke: '#ddd' } },
    autosize: { type: 'fit', contains: 'padding' },
    width: CHART_WIDTH,
    height: 300,
    data: { values },
    layer: [
      {
        transform: [{ filter: "datum.kind === 'bar'" }],
        mark: 'bar',
        encoding: {
          x: {
            field: 'label',
            type: 'nominal',
            title: null,
            sort: colors.domain,
            axis: { labelAngle: 0, labelLimit: 120 },
          },
          y,
          color: { field: 'label', type: 'nominal', scale: colors, legend: null },
          tooltip: [{ field: 'label' }, { field: 'value', format: ',.0f' }],
        },
      },
      {
        transform: [{ filter: "datum.kind === 'macs'" }],
        mark: { type: 'rule', strokeDash: [6, 4], color: '#333' },
        encoding: { y },
      },
      {
        transform: [{ filter: "datum.kind === 'macs'" }],
        mark: { type: 'text', align: 'right', dy: -6, x: 'width', color: '#333' },
        encoding: { y, text: { field: 'text' } },
      },
    ],
  } as TopLevelSpec;
}

/** `74.40%`, or with several seeds `74.40% ± 1.20 [71.5, 77.3]` (sd and 95% t-interval in points). */
function statText(x: {
  mean: number;
  sd?: number | null;
  std: number;
  ci95?: [number, number] | null;
  n?: number;
}): string {
  if ((x.n ?? 1) < 2) return pct(x.mean);
  const sd = x.sd ?? x.std;
  const ci = x.ci95 ? ` [${(100 * x.ci95[0]).toFixed(1)}, ${(100 * x.ci95[1]).toFixed(1)}]` : '';
  return `${pct(x.mean)} ± ${(100 * sd).toFixed(2)}${ci}`;
}

/** Readable name of a paired metric: `reportedTestAccuracy` or `finalDeadFraction[l]` / `finalDeadFractionPerSample[l]`. */
function metricName(metric: string, L: number): string {
  const m = /^(finalDeadFraction|finalDeadFractionPerSample)\[(\d+)\]$/.exec(metric);
  if (metric === 'reportedTestAccuracy') return 'reported test accuracy';
  if (!m) return metric;
  const layer = layerName(Number(m[2]), L);
  return m[1] === 'finalDeadFraction' ? `dead, ${layer} (whole test set)` : `dead, ${layer} (per sample, mean)`;
}

/** Rows of the paired-difference table (a − b per seed, same initial weights): one per comparison and metric. */
export function pairedRows(s: CompareSummary): string[][] {
  const L = s.architecture.length - 1;
  return (s.paired ?? []).map((p) => {
    const d = p.differences;
    const pts = (x: number): string => (100 * x).toFixed(1);
    const spread =
      (d.n ?? 1) >= 2 ? ` ± ${pts(d.sd ?? d.std)}${d.ci95 ? ` [${pts(d.ci95[0])}, ${pts(d.ci95[1])}]` : ''}` : '';
    return [
      `${p.a} − ${p.b}`,
      metricName(p.metric, L),
      `${pts(d.mean)}${spread}`,
      `${p.wins} / ${p.ties} / ${p.losses}`,
    ];
  });
}

/** Headline table rows: one per variant. */
export function headlineRows(s: CompareSummary): string[][] {
  const L = s.architecture.length - 1;
  return s.variants.map((v) => {
    const last = v.perEpoch.epoch.length - 1;
    const e0 = s.energyTables[0] ? v.event.energy[0] : undefined;
    return [
      v.label,
      statText(v.reportedTestAccuracy),
      v.selectedEpoch.join(', '),
      pct(v.finalTestAccuracy.mean),
      pct(v.bestTestAccuracy.mean),
      v.latency.targetAccuracy === null
        ? '—'
        : v.latency.meanEpochs === null
          ? 'never'
          : `${v.latency.meanEpochs.toFixed(1)} (${v.latency.reached}/${s.seeds.length})`,
      Array.from({ length: L - 1 }, (_, l) => pct(v.perEpoch.deadFraction[last]![l])).join(' / ') || '—',
      Array.from({ length: L }, (_, l) => v.perEpoch.spikeRate[last]![l]!.toFixed(3)).join(' / '),
      pct(v.event.accuracy),
      Math.round(v.event.synOpsPerSample).toLocaleString('en-US'),
      e0 ? `${e0.ratio.toFixed(3)}` : '—',
    ];
  });
}

/** Column titles of {@link headlineRows}. */
export function headlineHeader(s: CompareSummary): string[] {
  return [
    'variant',
    s.seeds.length > 1 ? 'reported test acc (mean ± sd [95% CI])' : 'reported test acc',
    'selected epoch',
    'last-epoch test acc',
    'max test acc (optimistic)',
    s.settings.targetAccuracy === null ? 'epochs to target' : `epochs to ${pct(s.settings.targetAccuracy)}`,
    `dead % (${Array.from({ length: s.architecture.length - 2 }, (_, l) => layerName(l, s.architecture.length - 1)).join(' / ')})`,
    `spike rate (${Array.from({ length: s.architecture.length - 1 }, (_, l) => layerName(l, s.architecture.length - 1)).join(' / ')})`,
    'event-engine acc',
    'SynOps / sample',
    s.energyTables[0] ? `energy SNN/dense (${s.energyTables[0].name})` : 'energy',
  ];
}

/** Renders the self-contained HTML report (inline SVG charts rendered by Vega-Lite; no script, no network needed to open it). */
export async function renderCompareReport(s: CompareSummary): Promise<string> {
  const charts = compareCharts(s);
  const svgs = await Promise.all(charts.map((c) => renderSvg(c.spec)));
  const header = headlineHeader(s);
  const rows = headlineRows(s);
  const colors = summaryColors(s);
  const swatch = (label: string): string => {
    const i = colors.domain.indexOf(label);
    return i < 0 ? '' : `<span class="sw" style="background:${colors.range[i]}"></span>`;
  };
  const table = `<table><thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c, k) => `<td>${k === 0 ? swatch(c) : ''}${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
  const d = s.dataset;
  const L = s.architecture.length - 1;
  const prow = pairedRows(s);
  const pairedTable =
    prow.length === 0
      ? ''
      : `<h2>Paired differences (same initial weights per seed)</h2>
<table class="paired"><thead><tr>${['variants (a − b)', 'metric', 'mean difference ± sd [95% CI], percentage points', 'a higher / tie / lower (seeds)'].map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${prow
          .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
          .join('')}</tbody></table>
<p class="note">${esc(s.splits?.note ?? '')}</p>`;
  const layers = Array.from({ length: L }, (_, l) => `${layerName(l, L)} ${s.architecture[l + 1]}`).join(', ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Rouser compare: ${esc(d.name)}</title>
<style>
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:0 auto;max-width:1500px;color:#222;padding:1.2rem 1.5rem;line-height:1.4}
h1{font-size:1.5rem;margin:.2rem 0 .6rem}h2{font-size:1.15rem;margin:1.6rem 0 .6rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
.setup{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;font-size:.92rem;margin:0}.setup dt{color:#555}.setup dd{margin:0}
table{border-collapse:collapse;font-size:.9rem;width:100%}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:right}td:first-child,th:first-child{text-align:left;white-space:nowrap}
th{background:#f3f3f3}.sw{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;margin-right:.4rem;vertical-align:-1px}
.charts{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:1.2rem 2rem}
.chart{margin:0;min-width:0}.chart.wide{grid-column:1 / -1}.chart svg{width:100%;height:auto;display:block}
.chart figcaption{font-size:.85rem;color:#555;margin-top:.3rem}
.note{font-size:.85rem;color:#555}
@media (max-width:900px){.charts{grid-template-columns:1fr}}
code{background:#f3f3f3;padding:0 .2rem}ul{font-size:.9rem}
</style></head><body>
<h1>Rouser: learned vs fixed thresholds on ${esc(d.name)}</h1>
<dl class="setup">
<dt>network</dt><dd><code>${s.architecture.join('-')}</code> (input ${s.architecture[0]}; ${esc(layers)}), ${esc(describeNeuron(s.neuron))}</dd>
<dt>data</dt><dd>${d.trainSamples} training / ${d.testSamples} test samples of ${d.steps} steps × ${d.dtMs} ms, ${d.classes} classes</dd>
<dt>training</dt><dd>${s.epochs} epochs, batch ${s.settings.batch}, Adam lr ${s.settings.lr} (weights), lr<sub>Th</sub> ${s.settings.lrTh} (learned thresholds), threshold init ${s.settings.thInit} unless a variant sets its own; seeds ${s.seeds.join(', ')}; every variant of a seed starts from the same initial weights</dd>
<dt>surrogate</dt><dd>${esc(describeSurrogate(s.settings.surrogate))}</dd>
<dt>loss</dt><dd>${esc(describeLoss(s.settings.loss))}</dd>
<dt>wall time</dt><dd>${(s.wallMs / 1000).toFixed(1)} s</dd>
</dl>
<h2>Headline numbers</h2>
${table}
<p class="note">Dead % is measured on the test set after the last epoch (a neuron is dead when it never spikes over the whole set).
Event-engine numbers come from simulating each seed's reported model event by event on ${s.variants[0]?.event.samples ?? 0} test samples.</p>
${pairedTable}
<h2>Charts</h2>
<div class="charts">
${charts.map((c, i) => `<figure class="chart${c.wide ? ' wide' : ''}" id="${c.id}">${svgs[i]}<figcaption>${esc(c.caption)}</figcaption></figure>`).join('\n')}
</div>
<h2>What differs from the paper</h2>
<ul>${d.changes.map((c) => `<li>${esc(c)}</li>`).join('')}</ul>
<p class="note">Energy tables: ${s.energyTables.map((t) => `${esc(t.name)} (${esc(t.source)})`).join('; ')}.</p>
</body></html>
`;
}
