import { compileNetwork, simulateNetwork } from '../event/network.js';
import { ENERGY_TABLES, estimateEnergy, type EnergyEstimate, type EnergyTable } from '../metrics/energy.js';
import {
  histogram,
  summariseActivity,
  thresholdStats,
  type ActivitySummary,
  type Histogram,
  type ThresholdStats,
} from '../metrics/activity.js';
import { denseMacsPerLayer, synOpsFromCounts } from '../metrics/synops.js';
import type { NetworkSpec } from '../model/spec.js';
import type { SpikeRecord, TensorDataset } from '../model/spikes.js';
import { referenceForward } from '../neuron/dynamics.js';
import { evaluateDense } from '../train/evaluate.js';
import type { TrainBackend } from '../train/types.js';
import { fail } from '../util/errors.js';

/** Which engine(s) an evaluation runs. */
export type EngineChoice = 'event' | 'dense' | 'both';

/**
 * Per-layer part of an {@link EvalReport}: the activity summary of `metrics/activity.ts` (spike rate, sparsity, dead
 * and saturated fractions, dead ids) plus per-sample operation counts (means over the evaluated samples).
 */
export interface LayerReport extends Pick<
  ActivitySummary,
  | 'spikeRate'
  | 'spikeRateHz'
  | 'sparsity'
  | 'deadFraction'
  | 'deadIds'
  | 'saturatedFraction'
  | 'saturatedStrictFraction'
> {
  index: number;
  size: number;
  /** Synaptic events delivered into this layer per sample (each source spike x its fan-out). */
  synOps: number;
  /** Dense multiply-accumulates of this layer per sample (inputSize x size x steps). */
  macs: number;
  /** Neuron state updates per sample (size x steps). */
  neuronUpdates: number;
  threshold: ThresholdStats & { histogram: Histogram };
}

/** The documented object `rouser eval --json` prints (see README "eval JSON"). */
export interface EvalReport {
  model: string;
  dataset: string;
  engine: EngineChoice;
  samples: number;
  steps: number;
  /** Step length of the evaluated data in ms (converts `spikeRateHz`). */
  dtMs: number;
  /** Accuracy of the event engine (engine event or both) or of the dense engine (engine dense). */
  accuracy: number;
  accuracyByEngine: { event?: number; dense?: number };
  layers: LayerReport[];
  synOpsPerSample: number;
  macsPerSample: number;
  neuronUpdatesPerSample: number;
  energy: EnergyEstimate[];
  energyTables: EnergyTable[];
  /**
   * With engine both: fraction of samples whose predictions agree, and whose spike trains (every layer) are identical;
   * `spikeTrainsAgainst` names the dense spikes compared with (the backend's name, or `referenceForward`).
   */
  agreement?: { predictions: number; spikeTrains: number; samples: number; spikeTrainsAgainst: string };
  wallMs: { event?: number; dense?: number };
}

/** Options of {@link evaluateModel}. */
export interface EvaluateOptions {
  engine: EngineChoice;
  /** Required for the dense engine. */
  backend?: TrainBackend;
  energyTables?: readonly EnergyTable[];
  modelName?: string;
  batch?: number;
  thresholdBins?: number;
  /** Called after each sample of the event engine. */
  onSample?: (done: number, total: number) => void;
  /** Keeps the first sample's spikes per layer (for rasters). */
  keepFirstSample?: boolean;
  /** Step length of the data in ms for `spikeRateHz` (default: the model's `dtMs`). */
  dtMs?: number;
  /**
   * The thresholds the model started training from, per layer (arrays or one value per layer), for
   * `threshold.fractionMoved`; null or absent = unknown, then fractionMoved is null.
   */
  initialThresholds?: (ArrayLike<number> | number)[] | null;
}

/** Result of {@link evaluateModel}: the report plus raw material for plots. */
export interface Evaluation {
  report: EvalReport;
  /** Spikes of the first sample per layer, `[steps][size]` 0/1 (when keepFirstSample). */
  firstSample?: Uint8Array[];
}

function sampleInput(data: TensorDataset, b: number): Float32Array {
  const per = data.inputs.steps * data.inputs.channels;
  return data.inputs.data.subarray(b * per, (b + 1) * per);
}

/** True when the event engine's recorded spikes equal the dense `[steps][size]` spike maps of every layer. */
function sameSpikes(event: SpikeRecord[], dense: Uint8Array[], spec: NetworkSpec): boolean {
  for (let l = 0; l < spec.layers.length; l++) {
    const rec = event[l]!;
    const d = dense[l]!;
    const size = spec.layers[l]!.size;
    let denseSpikes = 0;
    for (let k = 0; k < d.length; k++) denseSpikes += d[k] as number;
    if (denseSpikes !== rec.ids.length) return false;
    for (let k = 0; k < rec.ids.length; k++)
      if (d[(rec.times[k] as number) * size + (rec.ids[k] as number)] !== 1) return false;
  }
  return true;
}

function argmax(counts: ArrayLike<number>): number {
  let best = 0;
  for (let c = 1; c < counts.length; c++) if ((counts[c] as number) > (counts[best] as number)) best = c;
  return best;
}

/**
 * Evaluates a network on a labelled tensor dataset with the event engine, the dense engine, or both.
 * - event: every sample is simulated by the event engine's discrete mode (`simulateNetwork`), which counts SynOps
 *   from the spikes it actually delivers.
 * - dense: the trainer backend's forward pass (`evaluateDense`); SynOps are then computed from the spike counts
 *   and the fan-outs (`metrics/synops.ts`), the same definition.
 * - both: the two are run and compared; a sample's spike trains are "identical" when every spike of every layer
 *   at every step matches the trainer backend's own forward pass (fused and reference return their spikes; for a
 *   backend that cannot, such as tfjs, the canonical dense discretisation `referenceForward`). `agreement.
 *   spikeTrainsAgainst` names which was used.
 */
export async function evaluateModel(
  spec: NetworkSpec,
  data: TensorDataset,
  opts: EvaluateOptions,
): Promise<Evaluation> {
  if (data.inputs.channels !== spec.inputSize)
    fail(`dataset ${data.name}`, 'channels', data.inputs.channels, `${spec.inputSize} (the model's input size)`);
  const n = data.inputs.batch;
  if (n === 0) fail(`dataset ${data.name}`, 'samples', 0, 'at least one sample');
  const steps = data.inputs.steps;
  const tables = opts.energyTables ?? ENERGY_TABLES;
  const useEvent = opts.engine !== 'dense';
  const useDense = opts.engine !== 'event';
  const L = spec.layers.length;
  const dtMs = opts.dtMs ?? spec.dtMs;
  if (!(Number.isFinite(dtMs) && dtMs > 0)) fail('evaluateModel', 'dtMs', dtMs, 'a step length in ms > 0');
  if (opts.initialThresholds && opts.initialThresholds.length !== L)
    fail('evaluateModel', 'initialThresholds.length', opts.initialThresholds.length, `${L} (one entry per layer)`);
  const wallMs: EvalReport['wallMs'] = {};
  const accuracyByEngine: EvalReport['accuracyByEngine'] = {};

  let counts: Float64Array[] = spec.layers.map((l) => new Float64Array(l.size));
  const synOps = new Float64Array(L);
  const updates = new Float64Array(L);
  let eventPred: Int32Array | undefined;
  let identical = 0;
  /** With engine both: per sample, the event engine's spikes per layer (timeUnit 'step'). */
  const eventSpikes: SpikeRecord[][] = [];
  let spikeSource = '';
  let firstSample: Uint8Array[] | undefined;

  if (useEvent) {
    const t0 = performance.now();
    const net = compileNetwork(spec);
    eventPred = new Int32Array(n);
    let correct = 0;
    for (let b = 0; b < n; b++) {
      const input = sampleInput(data, b);
      const compare = opts.engine === 'both';
      const r = simulateNetwork(net, input, steps, {
        recordSpikes: compare || (opts.keepFirstSample === true && b === 0),
      });
      r.layerSpikeCounts.forEach((c, l) => {
        const acc = counts[l] as Float64Array;
        for (let i = 0; i < c.length; i++) acc[i] = (acc[i] as number) + (c[i] as number);
      });
      for (let l = 0; l < L; l++) {
        synOps[l] = (synOps[l] as number) + (r.synOps[l] as number);
        updates[l] = (updates[l] as number) + (r.neuronUpdates[l] as number);
      }
      const p = argmax(r.outputCounts);
      eventPred[b] = p;
      if (p === data.labels[b]) correct++;
      if (r.spikes && opts.keepFirstSample && b === 0) {
        firstSample = spec.layers.map((layer, l) => {
          const m = new Uint8Array(steps * layer.size);
          const rec = r.spikes![l]!;
          for (let k = 0; k < rec.ids.length; k++)
            m[(rec.times[k] as number) * layer.size + (rec.ids[k] as number)] = 1;
          return m;
        });
      }
      if (compare && r.spikes) eventSpikes[b] = r.spikes;
      opts.onSample?.(b + 1, n);
    }
    accuracyByEngine.event = correct / n;
    wallMs.event = performance.now() - t0;
  }

  let densePred: Int32Array | undefined;
  if (useDense) {
    if (!opts.backend) throw new Error('evaluateModel: the dense engine needs a trainer backend');
    const t0 = performance.now();
    const compare = opts.engine === 'both';
    const d = await evaluateDense(opts.backend, spec, data, opts.batch ?? 64, undefined, {
      recordSpikes: compare,
      onBatch: (start, r) => {
        if (!compare) return;
        const per = steps * data.inputs.channels;
        const rows = r.outputCounts.length / (spec.layers[L - 1] as { size: number }).size;
        for (let k = 0; k < rows; k++) {
          const b = start + k;
          // The trainer backend's own spikes when it can return them, else the canonical dense forward pass.
          const dense = r.spikes
            ? r.spikes.map((s, l) =>
                s.subarray(k * steps * spec.layers[l]!.size, (k + 1) * steps * spec.layers[l]!.size),
              )
            : referenceForward(spec.layers, data.inputs.data.subarray(b * per, (b + 1) * per), steps, undefined, {
                dtMs: spec.dtMs,
              });
          spikeSource = r.spikes ? opts.backend!.name : 'referenceForward';
          if (sameSpikes(eventSpikes[b]!, dense, spec)) identical++;
        }
      },
    });
    densePred = d.predictions;
    accuracyByEngine.dense = d.accuracy;
    wallMs.dense = performance.now() - t0;
    if (!useEvent) {
      counts = d.layerCounts;
      // SynOps from counts (metrics/synops.ts): inputs for layer 0, previous layer spikes otherwise, x fan-out.
      const inputCounts = new Float64Array(spec.inputSize);
      const x = data.inputs.data;
      for (let k = 0; k < x.length; k++) {
        const v = x[k] as number;
        if (v !== 0) {
          const i = k % spec.inputSize;
          inputCounts[i] = (inputCounts[i] as number) + v;
        }
      }
      const sources = spec.layers.map((_, l) => (l === 0 ? inputCounts : (counts[l - 1] as Float64Array)));
      synOpsFromCounts(spec, sources).forEach((v, l) => (synOps[l] = v));
      spec.layers.forEach((layer, l) => {
        updates[l] = layer.size * steps * n;
      });
    }
  }

  const macs = denseMacsPerLayer(spec, steps);
  const layers: LayerReport[] = spec.layers.map((layer, l) => {
    const act = summariseActivity(counts[l] as Float64Array, n, steps, dtMs);
    const th = thresholdStats(layer.thresholds, opts.initialThresholds?.[l] ?? null);
    return {
      index: l,
      size: layer.size,
      spikeRate: act.spikeRate,
      spikeRateHz: act.spikeRateHz,
      sparsity: act.sparsity,
      deadFraction: act.deadFraction,
      deadIds: act.deadIds,
      saturatedFraction: act.saturatedFraction,
      saturatedStrictFraction: act.saturatedStrictFraction,
      synOps: (synOps[l] as number) / n,
      macs: macs[l] as number,
      neuronUpdates: (updates[l] as number) / n,
      threshold: { ...th, histogram: histogram(layer.thresholds, opts.thresholdBins ?? 20) },
    };
  });
  const synOpsPerSample = layers.reduce((s, l) => s + l.synOps, 0);
  const macsPerSample = layers.reduce((s, l) => s + l.macs, 0);
  const neuronUpdatesPerSample = layers.reduce((s, l) => s + l.neuronUpdates, 0);
  const report: EvalReport = {
    model: opts.modelName ?? '(in memory)',
    dataset: data.name,
    engine: opts.engine,
    samples: n,
    steps,
    dtMs,
    accuracy: (useEvent ? accuracyByEngine.event : accuracyByEngine.dense) as number,
    accuracyByEngine,
    layers,
    synOpsPerSample,
    macsPerSample,
    neuronUpdatesPerSample,
    energy: tables.map((t) => estimateEnergy(t, synOpsPerSample, neuronUpdatesPerSample, macsPerSample)),
    energyTables: tables.map((t) => ({ ...t })),
    wallMs,
  };
  if (eventPred && densePred) {
    let agree = 0;
    for (let b = 0; b < n; b++) if (eventPred[b] === densePred[b]) agree++;
    report.agreement = {
      predictions: agree / n,
      spikeTrains: identical / n,
      samples: n,
      spikeTrainsAgainst: spikeSource,
    };
  }
  const out: Evaluation = { report };
  if (firstSample) out.firstSample = firstSample;
  return out;
}
