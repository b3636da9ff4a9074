import type { TopLevelSpec } from 'vega-lite';
import type { CompareSummary } from '../experiment/compare.js';
import { barChart, histogramBins, histogramChart, lineChart, renderSvg, type SeriesPoint } from './plots.js';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const pct = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? '—' : `${(100 * x).toFixed(2)}%`);

/** The charts of a compare report, as titled Vega-Lite specs (exported for tests and other front ends). */
export function compareCharts(s: CompareSummary): { id: string; caption: string; spec: TopLevelSpec }[] {
  const charts: { id: string; caption: string; spec: TopLevelSpec }[] = [];
  const L = s.architecture.length - 1;
  const perVariant = (f: (v: CompareSummary['variants'][number], e: number) => number | null): SeriesPoint[] =>
    s.variants.flatMap((v) =>
      v.perEpoch.epoch.flatMap((epoch, e) => {
        const y = f(v, e);
        return y === null || !Number.isFinite(y) ? [] : [{ series: v.label, x: epoch, y }];
      }),
    );
  charts.push({
    id: 'accuracy',
    caption: `Test accuracy per epoch (mean over ${s.seeds.length} seed${s.seeds.length > 1 ? 's' : ''}; epoch 0 is the initial network).`,
    spec: lineChart('Test accuracy vs epoch', perVariant((v, e) => v.perEpoch.testAccuracy[e]!), 'epoch', 'test accuracy', { yDomain: [0, 1] }),
  });
  for (let l = 0; l < L - 1; l++)
    charts.push({
      id: `dead-${l}`,
      caption: `Dead neurons of hidden layer ${l + 1} (${s.architecture[l + 1]} neurons): no spike over the whole test set (paper Fig. 4).`,
      spec: lineChart(`Dead neurons, hidden layer ${l + 1}`, perVariant((v, e) => 100 * v.perEpoch.deadFraction[e]![l]!), 'epoch', 'dead neurons (%)', { yDomain: [0, 100] }),
    });
  for (let l = 0; l < L; l++)
    charts.push({
      id: `rate-${l}`,
      caption: `Mean spike rate of ${l === L - 1 ? 'the output layer' : `hidden layer ${l + 1}`} on the test set, spikes per neuron per step (paper Fig. 5).`,
      spec: lineChart(`Spike rate, ${l === L - 1 ? 'output layer' : `hidden layer ${l + 1}`}`, perVariant((v, e) => v.perEpoch.spikeRate[e]![l]!), 'epoch', 'spikes / neuron / step'),
    });
  for (let l = 0; l < L; l++)
    charts.push({
      id: `weights-${l}`,
      caption: `Normalised weight change ||W_e − W_0|| / ||W_final − W_0|| of layer ${l + 1} (paper Fig. 3).`,
      spec: lineChart(`Normalised weight change, layer ${l + 1}`, perVariant((v, e) => v.perEpoch.normalisedWeightChange[e]![l] ?? null), 'epoch', '||W_e − W_0|| / ||W_final − W_0||'),
    });
  charts.push({
    id: 'grid',
    caption: 'Final and best test accuracy per variant; the fixed-threshold variants form the paper\'s grid (Fig. 2).',
    spec: barChart(
      'Accuracy per variant (fixed-threshold grid and learned)',
      s.variants.flatMap((v) => [
        { category: v.label, series: 'final test accuracy', value: v.finalTestAccuracy.mean },
        { category: v.label, series: 'best test accuracy', value: v.bestTestAccuracy.mean },
      ]),
      'test accuracy',
    ),
  });
  const bins = s.variants
    .filter((v) => v.thresholdMode !== 'fixed')
    .flatMap((v) =>
      v.finalThresholds.flatMap((t, l) =>
        histogramBins(`${v.label}, layer ${l + 1}`, t.histogram),
      ),
    );
  if (bins.length > 0)
    charts.push({
      id: 'thresholds',
      caption: `Final threshold distribution per layer of the learned variants (first seed; initial value ${s.settings.thInit} unless the variant sets its own).`,
      spec: histogramChart('Learned thresholds after training', bins, 'threshold'),
    });
  charts.push({
    id: 'energy',
    caption: 'Event-engine SynOps per sample of each final model, against the dense MAC count (SPEC section 5).',
    spec: barChart(
      'Synaptic operations per sample (event engine)',
      s.variants.flatMap((v) => [
        { category: v.label, series: 'SynOps (event engine)', value: v.event.synOpsPerSample },
        { category: v.label, series: 'dense MACs', value: v.event.macsPerSample },
      ]),
      'operations per sample',
    ),
  });
  return charts;
}

/** Headline table rows: one per variant. */
export function headlineRows(s: CompareSummary): string[][] {
  const L = s.architecture.length - 1;
  return s.variants.map((v) => {
    const last = v.perEpoch.epoch.length - 1;
    const e0 = s.energyTables[0] ? v.event.energy[0] : undefined;
    return [
      v.label,
      `${pct(v.finalTestAccuracy.mean)}${s.seeds.length > 1 ? ` ± ${(100 * v.finalTestAccuracy.std).toFixed(2)}` : ''}`,
      pct(v.bestTestAccuracy.mean),
      v.latency.targetAccuracy === null ? '—' : v.latency.meanEpochs === null ? 'never' : `${v.latency.meanEpochs.toFixed(1)} (${v.latency.reached}/${s.seeds.length})`,
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
    'final test acc',
    'best test acc',
    s.settings.targetAccuracy === null ? 'epochs to target' : `epochs to ${pct(s.settings.targetAccuracy)}`,
    'dead % (hidden)',
    'spike rate / layer',
    'event-engine acc',
    'SynOps / sample',
    s.energyTables[0] ? `energy SNN/dense (${s.energyTables[0].name})` : 'energy',
  ];
}

/** Renders the self-contained HTML report (inline SVG charts rendered by Vega-Lite; no network needed to open it). */
export async function renderCompareReport(s: CompareSummary): Promise<string> {
  const charts = compareCharts(s);
  const svgs = await Promise.all(charts.map((c) => renderSvg(c.spec)));
  const header = headlineHeader(s);
  const rows = headlineRows(s);
  const table = `<table><thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
  const d = s.dataset;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Rouser compare: ${esc(d.name)}</title>
<style>
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1100px;color:#222;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;font-size:.9rem}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:right}td:first-child,th:first-child{text-align:left}
th{background:#f3f3f3}.charts{display:flex;flex-wrap:wrap;gap:1.5rem}.chart{flex:0 0 auto}.chart p{max-width:480px;font-size:.85rem;color:#555}
code{background:#f3f3f3;padding:0 .2rem}ul{font-size:.9rem}
</style></head><body>
<h1>Rouser: learned vs fixed thresholds on ${esc(d.name)}</h1>
<p>Architecture <code>${s.architecture.join('-')}</code>, ${esc(s.neuron.kind.toUpperCase())} neurons, ${s.epochs} epochs, seeds ${s.seeds.join(', ')};
${d.trainSamples} training / ${d.testSamples} test samples of ${d.steps} steps × ${d.dtMs} ms. Every variant of a seed starts from the same initial weights.
Threshold init ${s.settings.thInit}, surrogate ${esc(JSON.stringify(s.settings.surrogate))}, loss ${esc(s.settings.loss.kind)}, lr ${s.settings.lr}, lr<sub>Th</sub> ${s.settings.lrTh}, batch ${s.settings.batch}. Wall time ${(s.wallMs / 1000).toFixed(1)} s.</p>
<h2>Headline numbers</h2>
${table}
<p style="font-size:.85rem;color:#555">Dead % is measured on the test set after the last epoch (a neuron is dead when it never spikes over the whole set).
Event-engine numbers come from simulating each final model event by event on ${s.variants[0]?.event.samples ?? 0} test samples.</p>
<h2>Charts</h2>
<div class="charts">
${charts.map((c, i) => `<figure class="chart" id="${c.id}">${svgs[i]}<p>${esc(c.caption)}</p></figure>`).join('\n')}
</div>
<h2>What differs from the paper</h2>
<ul>${d.changes.map((c) => `<li>${esc(c)}</li>`).join('')}</ul>
<p style="font-size:.8rem;color:#777">Energy tables: ${s.energyTables.map((t) => `${esc(t.name)} (${esc(t.source)})`).join('; ')}.</p>
</body></html>
`;
}
