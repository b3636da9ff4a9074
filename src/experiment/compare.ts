import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Histogram, ThresholdStats } from '../metrics/activity.js';
import { histogram, thresholdStats } from '../metrics/activity.js';
import type { EnergyEstimate, EnergyTable } from '../metrics/energy.js';
import type { NeuronModel, SpecMeta } from '../model/spec.js';
import type { Surrogate } from '../neuron/surrogate.js';
import type { LossSpec } from '../train/loss.js';
import { firstSamples } from '../model/spikes.js';
import { fit, type FitResult } from '../train/fit.js';
import type { EpochMetrics, FitConfig } from '../train/fitConfig.js';
import { initNetwork } from '../train/init.js';
import { createReferenceBackend } from '../train/reference.js';
import type { TrainBackend } from '../train/types.js';
import { writeFileAtomic } from '../util/atomic.js';
import type { LoadedDataset } from '../io/datasets/load.js';
import { evaluateModel } from './evaluate.js';
import { variantInitialSpec, variantNeuron, type Variant } from './variants.js';

/** Everything `rouser compare` needs once its options are parsed. */
export interface CompareSettings {
  datasetRef: string;
  data: LoadedDataset;
  /** Sizes including the input. */
  sizes: number[];
  variants: Variant[];
  /** Seeds used, e.g. [0, 1, 2]. */
  seeds: number[];
  epochs: number;
  /** Target test accuracy for the "training latency" (epochs and wall time to reach it); null = not measured. */
  targetAccuracy: number | null;
  thInit: number;
  lr: number;
  lrTh: number;
  batch: number;
  neuron: NeuronModel;
  surrogate: Surrogate;
  loss: LossSpec;
  weightScale: number;
  /** Test samples simulated in the event engine for the final model of each run (0 = all). */
  eventSamples: number;
  energyTables: readonly EnergyTable[];
  outDir: string;
  /** Reuse finished or checkpointed runs found in outDir (runs are checkpointed every epoch). */
  resume: boolean;
  dataMeta: SpecMeta;
}

/** Callbacks for progress output. */
export interface CompareHooks {
  onRunStart?: (variant: string, seed: number, index: number, total: number) => void;
  onBatch?: (done: number, total: number, loss: number, epoch: number) => void;
  onEpoch?: (variant: string, seed: number, m: EpochMetrics) => void;
  onRunEnd?: (variant: string, seed: number, r: FitResult) => void;
}

/** Mean, population std, min, max over seeds. */
export interface SeedSpread {
  mean: number;
  std: number;
  min: number;
  max: number;
  values: number[];
}

function spread(values: number[]): SeedSpread {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  return { mean, std, min: Math.min(...values), max: Math.max(...values), values };
}

function meanOf(values: (number | null)[]): number | null {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x));
  return v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length;
}

/** Per-variant block of summary.json (see README "compare summary.json"). */
export interface VariantSummary {
  label: string;
  thresholdMode: Variant['thresholdMode'];
  thInit: number;
  lrTh: number;
  finalTestAccuracy: SeedSpread;
  bestTestAccuracy: SeedSpread;
  /** Training latency per seed: first epoch whose test accuracy >= target (null when never reached), and the wall time then. */
  latency: { targetAccuracy: number | null; epochs: (number | null)[]; wallMs: (number | null)[]; meanEpochs: number | null; meanWallMs: number | null; reached: number };
  /** Means over seeds, indexed [epoch] (epoch 0 = initial network) or [epoch][layer]. */
  perEpoch: {
    epoch: number[];
    testAccuracy: number[];
    trainAccuracy: number[];
    loss: number[];
    deadFraction: number[][];
    spikeRate: number[][];
    normalisedWeightChange: (number | null)[][];
    thresholdMean: number[][];
  };
  /** Final thresholds of the first seed, per layer: statistics and a 20-bin histogram. */
  finalThresholds: (ThresholdStats & { histogram: Histogram })[];
  /** Event-engine evaluation of each seed's final model (mean over seeds). */
  event: {
    samples: number;
    accuracy: number;
    synOpsPerSample: number;
    macsPerSample: number;
    neuronUpdatesPerSample: number;
    energy: EnergyEstimate[];
    layers: { deadFraction: number; spikeRate: number; saturatedFraction: number; synOps: number }[];
  };
  wallMs: number;
}

/** The document written to DIR/summary.json. */
export interface CompareSummary {
  format: 'rouser-compare-summary';
  version: 1;
  dataset: { ref: string; name: string; inputSize: number; classes: number; steps: number; dtMs: number; trainSamples: number; testSamples: number; changes: string[] };
  architecture: number[];
  neuron: NeuronModel;
  epochs: number;
  seeds: number[];
  settings: { thInit: number; lr: number; lrTh: number; batch: number; weightScale: number; surrogate: Surrogate; loss: LossSpec; targetAccuracy: number | null };
  variants: VariantSummary[];
  energyTables: EnergyTable[];
  wallMs: number;
}

function safeName(label: string): string {
  return label.replace(/[^A-Za-z0-9._=-]+/g, '_');
}

function latencyOf(history: EpochMetrics[], target: number | null): { epochs: number | null; wallMs: number | null } {
  if (target === null) return { epochs: null, wallMs: null };
  const hit = history.find((h) => h.epoch > 0 && h.testAccuracy >= target);
  return hit ? { epochs: hit.epoch, wallMs: hit.wallMs } : { epochs: null, wallMs: null };
}

/**
 * Runs the paper's comparison (SPEC.md section 4): for every seed, one Kaiming initialisation shared by all variants
 * (the variants differ only in threshold init, threshold mode and lrTh), each variant trained with {@link fit}
 * (checkpointed under DIR/runs/VARIANT/seed-S, so an interrupted compare resumes), then each final model evaluated
 * in the event engine for SynOps and energy. Writes DIR/summary.json atomically and returns it.
 */
export async function runCompare(s: CompareSettings, backend: TrainBackend, hooks: CompareHooks = {}): Promise<CompareSummary> {
  const t0 = performance.now();
  const results = new Map<string, FitResult[]>();
  const events = new Map<string, Awaited<ReturnType<typeof evaluateModel>>['report'][]>();
  const total = s.variants.length * s.seeds.length;
  let index = 0;
  const eventTest = firstSamples(s.data.test, s.eventSamples);
  let referenceBackend: TrainBackend | undefined;
  for (const seed of s.seeds) {
    const initial = initNetwork({ sizes: s.sizes, neuron: s.neuron, thresholdInit: s.thInit, seed, weightScale: s.weightScale });
    for (const v of s.variants) {
      hooks.onRunStart?.(v.label, seed, index++, total);
      const neuron = variantNeuron(v, s.neuron);
      const config: FitConfig = {
        sizes: s.sizes,
        neuron,
        thresholdMode: v.thresholdMode,
        thInit: v.thInit ?? s.thInit,
        lr: s.lr,
        lrTh: v.thresholdMode === 'fixed' ? 0 : (v.lrTh ?? s.lrTh),
        epochs: s.epochs,
        batch: s.batch,
        seed,
        weightScale: s.weightScale,
        surrogate: s.surrogate,
        loss: s.loss,
      };
      if (v.thFloor !== undefined) config.thFloor = v.thFloor;
      const outDir = join(s.outDir, 'runs', safeName(v.label), `seed-${seed}`);
      const r = await fit(config, s.data, {
        outDir,
        resume: s.resume && existsSync(join(outDir, 'checkpoint.json')),
        // a variant's own neuron (alif) trains with the reference backend, the only one generic over neuron models
        backend: neuron === s.neuron ? backend : (referenceBackend ??= createReferenceBackend()),
        initialSpec: variantInitialSpec(v, initial, s.neuron),
        meta: { ...s.dataMeta, variant: v.label, seed },
        onEpoch: (m) => hooks.onEpoch?.(v.label, seed, m),
        onBatch: hooks.onBatch,
      });
      hooks.onRunEnd?.(v.label, seed, r);
      const { report } = await evaluateModel(r.spec, eventTest, { engine: 'event', energyTables: s.energyTables, modelName: join(outDir, 'model.json') });
      results.set(v.label, [...(results.get(v.label) ?? []), r]);
      events.set(v.label, [...(events.get(v.label) ?? []), report]);
    }
  }

  const variants: VariantSummary[] = s.variants.map((v) => {
    const runs = results.get(v.label) ?? [];
    const evs = events.get(v.label) ?? [];
    const first = runs[0]!;
    const epochs = first.history.map((h) => h.epoch);
    const L = first.spec.layers.length;
    const avg = (f: (r: FitResult, e: number) => number): number[] => epochs.map((_, e) => runs.reduce((a, r) => a + f(r, e), 0) / runs.length);
    const avgLayers = (f: (r: FitResult, e: number, l: number) => number): number[][] =>
      epochs.map((_, e) => Array.from({ length: L }, (_, l) => runs.reduce((a, r) => a + f(r, e, l), 0) / runs.length));
    const lat = runs.map((r) => latencyOf(r.history, s.targetAccuracy));
    const evMean = (f: (r: (typeof evs)[number]) => number): number => evs.reduce((a, r) => a + f(r), 0) / evs.length;
    return {
      label: v.label,
      thresholdMode: v.thresholdMode,
      thInit: v.thInit ?? s.thInit,
      lrTh: v.thresholdMode === 'fixed' ? 0 : (v.lrTh ?? s.lrTh),
      finalTestAccuracy: spread(runs.map((r) => r.history[r.history.length - 1]!.testAccuracy)),
      bestTestAccuracy: spread(runs.map((r) => Math.max(...r.history.map((h) => h.testAccuracy)))),
      latency: {
        targetAccuracy: s.targetAccuracy,
        epochs: lat.map((x) => x.epochs),
        wallMs: lat.map((x) => x.wallMs),
        meanEpochs: meanOf(lat.map((x) => x.epochs)),
        meanWallMs: meanOf(lat.map((x) => x.wallMs)),
        reached: lat.filter((x) => x.epochs !== null).length,
      },
      perEpoch: {
        epoch: epochs,
        testAccuracy: avg((r, e) => r.history[e]!.testAccuracy),
        trainAccuracy: avg((r, e) => r.history[e]!.trainAccuracy),
        loss: avg((r, e) => r.history[e]!.loss),
        deadFraction: avgLayers((r, e, l) => r.history[e]!.layers[l]!.deadFraction),
        spikeRate: avgLayers((r, e, l) => r.history[e]!.layers[l]!.spikeRate),
        normalisedWeightChange: epochs.map((_, e) =>
          Array.from({ length: L }, (_, l) => meanOf(runs.map((r) => r.normalisedWeightChange[e]?.[l] ?? null))),
        ),
        thresholdMean: avgLayers((r, e, l) => r.history[e]!.layers[l]!.threshold.mean),
      },
      finalThresholds: first.spec.layers.map((layer, l) => ({
        ...thresholdStats(layer.thresholds, first.initialSpec.layers[l]!.thresholds),
        histogram: histogram(layer.thresholds, 20),
      })),
      event: {
        samples: eventTest.inputs.batch,
        accuracy: evMean((r) => r.accuracy),
        synOpsPerSample: evMean((r) => r.synOpsPerSample),
        macsPerSample: evMean((r) => r.macsPerSample),
        neuronUpdatesPerSample: evMean((r) => r.neuronUpdatesPerSample),
        energy: evs[0]!.energy.map((e, k) => ({
          table: e.table,
          snnPj: evMean((r) => r.energy[k]!.snnPj),
          densePj: evMean((r) => r.energy[k]!.densePj),
          ratio: evMean((r) => r.energy[k]!.ratio),
        })),
        layers: evs[0]!.layers.map((_, l) => ({
          deadFraction: evMean((r) => r.layers[l]!.deadFraction),
          spikeRate: evMean((r) => r.layers[l]!.spikeRate),
          saturatedFraction: evMean((r) => r.layers[l]!.saturatedFraction),
          synOps: evMean((r) => r.layers[l]!.synOps),
        })),
      },
      wallMs: runs.reduce((a, r) => a + r.history[r.history.length - 1]!.wallMs, 0) / runs.length,
    };
  });
  const info = s.data.info;
  const summary: CompareSummary = {
    format: 'rouser-compare-summary',
    version: 1,
    dataset: {
      ref: s.datasetRef,
      name: info.name,
      inputSize: info.inputSize,
      classes: info.classes,
      steps: info.steps,
      dtMs: info.dtMs,
      trainSamples: s.data.train.inputs.batch,
      testSamples: s.data.test.inputs.batch,
      changes: info.changes,
    },
    architecture: s.sizes,
    neuron: s.neuron,
    epochs: s.epochs,
    seeds: s.seeds,
    settings: { thInit: s.thInit, lr: s.lr, lrTh: s.lrTh, batch: s.batch, weightScale: s.weightScale, surrogate: s.surrogate, loss: s.loss, targetAccuracy: s.targetAccuracy },
    variants,
    energyTables: [...s.energyTables],
    wallMs: performance.now() - t0,
  };
  writeFileAtomic(join(s.outDir, 'summary.json'), JSON.stringify(summary, null, 1) + '\n');
  return summary;
}
