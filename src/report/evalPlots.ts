import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import type { EvalReport } from '../experiment/evaluate.js';
import { writeFileAtomic } from '../util/atomic.js';
import { barChart, histogramBins, histogramChart, layerName, rasterChart, renderSvg } from './plots.js';

/** The sample drawn in the raster of {@link evalCharts}: its spikes per layer and its label. */
export interface RasterSample {
  /** Spikes per layer, `[steps][size]` 0/1 (EvaluateResult.firstSample). */
  spikes: Uint8Array[];
  /** The sample's true class. */
  label: number;
  /** Its index in the evaluated set (default 0). */
  index?: number;
}

/** Options of {@link evalCharts}. */
export interface EvalChartOptions {
  /** One test sample's spikes for the raster (no raster without it). */
  sample?: RasterSample;
  /** Initial threshold of the model, drawn as a rule on the threshold histograms (none when unknown). */
  initialThreshold?: number;
}

/**
 * The predicted class of one sample from its output-layer raster: argmax over output neurons of the spike count,
 * the first maximal index on ties (the same rule as the trainer's `predict`).
 */
export function predictedClass(output: Uint8Array, size: number): number {
  const counts = new Float64Array(size);
  for (let k = 0; k < output.length; k++) if (output[k]) counts[k % size]! += 1;
  let best = 0;
  for (let c = 1; c < size; c++) if (counts[c]! > counts[best]!) best = c;
  return best;
}

/**
 * The charts `rouser eval --plot` writes, as `{file, spec}`: `raster.svg` (one test sample, every layer, titled
 * with its label and the prediction), `thresholds.svg` (per layer on one threshold axis, a rule at the initial
 * value when known) and `rates.svg` (spike rate, dead and saturated fraction per layer). Layers are named
 * hidden 1, hidden 2, ..., output.
 */
export function evalCharts(report: EvalReport, opts: EvalChartOptions = {}): { file: string; spec: TopLevelSpec }[] {
  const L = report.layers.length;
  const name = (l: number): string => layerName(l, L);
  const out: { file: string; spec: TopLevelSpec }[] = [];
  const sample = opts.sample;
  if (sample) {
    const points: { layer: string; step: number; neuron: number }[] = [];
    sample.spikes.forEach((m, l) => {
      const size = report.layers[l]!.size;
      for (let k = 0; k < m.length; k++)
        if (m[k]) points.push({ layer: `${name(l)} (${size})`, step: Math.floor(k / size), neuron: k % size });
    });
    const outSize = report.layers[L - 1]!.size;
    const pred = predictedClass(sample.spikes[L - 1]!, outSize);
    const verdict = pred === sample.label ? 'correct' : 'wrong';
    out.push({
      file: 'raster.svg',
      spec: rasterChart(
        `Test sample ${sample.index ?? 0} (${report.dataset}): label ${sample.label}, predicted ${pred} (${verdict})`,
        points,
        report.steps,
      ),
    });
  }
  const bins = report.layers.flatMap((l, i) => histogramBins(name(i), l.threshold.histogram));
  const rules =
    opts.initialThreshold !== undefined
      ? Object.fromEntries(report.layers.map((_, i) => [name(i), opts.initialThreshold as number]))
      : {};
  const thTitle =
    opts.initialThreshold !== undefined
      ? `Thresholds per layer (dashed: initial value ${opts.initialThreshold})`
      : 'Thresholds per layer (initial value unknown)';
  out.push({ file: 'thresholds.svg', spec: histogramChart(thTitle, bins, 'threshold', { rules, height: 100 }) });
  const rows = report.layers.flatMap((l, i) => [
    { category: name(i), series: 'spike rate (spikes / neuron / step)', value: l.spikeRate },
    { category: name(i), series: 'dead fraction', value: l.deadFraction },
    { category: name(i), series: 'saturated fraction', value: l.saturatedFraction },
  ]);
  const series = ['spike rate (spikes / neuron / step)', 'dead fraction', 'saturated fraction'];
  out.push({
    file: 'rates.svg',
    spec: barChart('Activity per layer', rows, 'fraction', {
      colors: { domain: series, range: ['#0072B2', '#D55E00', '#E69F00'] },
    }),
  });
  return out;
}

/** Renders {@link evalCharts} and writes each SVG atomically into `dir`; returns the paths written. */
export async function writeEvalPlots(dir: string, report: EvalReport, opts: EvalChartOptions = {}): Promise<string[]> {
  const files: string[] = [];
  for (const c of evalCharts(report, opts)) {
    const path = join(dir, c.file);
    writeFileAtomic(path, await renderSvg(c.spec));
    files.push(path);
  }
  return files;
}
