import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Histogram, ThresholdStats } from '../metrics/activity.js';
import { histogram, thresholdStats } from '../metrics/activity.js';
import type { EnergyEstimate, EnergyTable } from '../metrics/energy.js';
import { pairedStats, seedStats, type PairedStats, type SeedStats } from '../metrics/stats.js';
import type { NeuronModel, SpecMeta } from '../model/spec.js';
import type { Surrogate } from '../neuron/surrogate.js';
import type { LossSpec } from '../train/loss.js';
import { firstSamples } from '../model/spikes.js';
import { fit } from '../train/fit.js';
import type { EpochMetrics, FitConfig } from '../train/fitConfig.js';
import { initNetwork, type InitScheme } from '../train/init.js';
import { createReferenceBackend } from '../train/reference.js';
import type { TrainBackend } from '../train/types.js';
import { writeFileAtomic } from '../util/atomic.js';
import { fail, RouserError } from '../util/errors.js';
import type { LoadedDataset } from '../io/datasets/load.js';
import { evaluateModel } from './evaluate.js';
import { variantInitialSpec, variantNeuron, type Variant } from './variants.js';
import { parseJson } from '../util/json.js';

/** Which share of the (variant, seed) runs a process runs: runs k (seed-major order) with k mod count = index. */
export interface Shard {
  /** 0-based, < count. */
  index: number;
  count: number;
}

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
  /** Initial weights (default `kaiming`; `lava-dl` = the paper framework's starting point, see train/init.ts). */
  init?: InitScheme;
  /** Fraction of the training samples held out for validation (chooses each run's reported epoch; default 0.1). */
  valFraction?: number;
  /** Test samples simulated in the event engine for the reported model of each run (0 = all). */
  eventSamples: number;
  energyTables: readonly EnergyTable[];
  outDir: string;
  /** Reuse finished or checkpointed runs found in outDir (runs are checkpointed every epoch). */
  resume: boolean;
  dataMeta: SpecMeta;
  /** Run only this share of the runs (see {@link Shard}); the summary is then built by {@link mergeCompare}. */
  shard?: Shard;
}

/** Callbacks for progress output. */
export interface CompareHooks {
  onRunStart?: (variant: string, seed: number, index: number, total: number) => void;
  onBatch?: (done: number, total: number, loss: number, epoch: number) => void;
  onEpoch?: (variant: string, seed: number, m: EpochMetrics) => void;
  onRunEnd?: (variant: string, seed: number, r: RunRecord) => void;
}

/** Kept for readers of older code: the seed statistics of summary.json (see {@link SeedStats}). */
export type SeedSpread = SeedStats;

function meanOf(values: (number | null)[]): number | null {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x));
  return v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length;
}

/** Event-engine evaluation of a run's reported model (the parts summary.json keeps). */
export interface RunEvent {
  samples: number;
  accuracy: number;
  synOpsPerSample: number;
  macsPerSample: number;
  neuronUpdatesPerSample: number;
  energy: EnergyEstimate[];
  layers: { deadFraction: number; spikeRate: number; saturatedFraction: number; synOps: number }[];
}

/**
 * One finished (variant, seed) run, written to DIR/runs/VARIANT/seed-S/run.json. summary.json is built from these
 * records alone ({@link buildCompareSummary}), so a sharded sweep merged later gives the same summary.
 */
export interface RunRecord {
  format: 'rouser-compare-run';
  version: 1;
  variant: string;
  seed: number;
  history: EpochMetrics[];
  /** Per epoch and layer; null where a layer never changed. */
  normalisedWeightChange: (number | null)[][];
  /** The reported epoch: best validation accuracy ('validation') or the last epoch ('final', without a split). */
  selected: { selection: 'validation' | 'final'; epoch: number; valAccuracy: number | null; testAccuracy: number };
  /** Thresholds of the final model per layer (statistics against the run's initial thresholds, 20-bin histogram). */
  finalThresholds: (ThresholdStats & { histogram: Histogram })[];
  event: RunEvent;
  split: { trainSamples: number; valSamples: number; testSamples: number };
}

/** Per-seed curves of one variant (for drawing each seed faintly next to the mean). */
export interface SeedCurves {
  seed: number;
  testAccuracy: number[];
  /** null per epoch without a validation split. */
  valAccuracy: (number | null)[];
  /** [epoch][layer] */
  deadFraction: number[][];
  /** [epoch][layer]; null where the backend gave no per-sample spikes. */
  deadFractionPerSample: (number | null)[][];
  spikeRate: number[][];
  thresholdMean: number[][];
}

/** Per-variant block of summary.json (see README "compare summary.json"). */
export interface VariantSummary {
  label: string;
  thresholdMode: Variant['thresholdMode'];
  thInit: number;
  lrTh: number;
  /**
   * THE reported accuracy: test accuracy of each seed's selected epoch (chosen on the validation split, or the last
   * epoch without one); mean, sd, 95% t-interval over seeds.
   */
  reportedTestAccuracy: SeedStats;
  /** Validation accuracy at the selected epoch (null without a validation split). */
  selectedValAccuracy: SeedStats | null;
  /** Selected epoch per seed. */
  selectedEpoch: number[];
  /** Test accuracy after the last epoch. */
  finalTestAccuracy: SeedStats;
  /** Max over epochs of the test accuracy: optimistic (chosen on the test set), shown for reference only. */
  bestTestAccuracy: SeedStats;
  /** Training latency per seed: first epoch whose test accuracy >= target (null when never reached), and the wall time then. */
  latency: {
    targetAccuracy: number | null;
    epochs: (number | null)[];
    wallMs: (number | null)[];
    meanEpochs: number | null;
    meanWallMs: number | null;
    reached: number;
  };
  /** Means over seeds, indexed [epoch] (epoch 0 = initial network) or [epoch][layer]. */
  perEpoch: {
    epoch: number[];
    testAccuracy: number[];
    /** null without a validation split. */
    valAccuracy: (number | null)[];
    trainAccuracy: number[];
    loss: number[];
    deadFraction: number[][];
    /** Mean over seeds of the per-sample dead fraction; null when unknown. */
    deadFractionPerSample: (number | null)[][];
    spikeRate: number[][];
    normalisedWeightChange: (number | null)[][];
    thresholdMean: number[][];
  };
  /** The same curves per seed (seeds in `CompareSummary.seeds` order). */
  perSeed: SeedCurves[];
  /** Dead fractions per layer over seeds at epoch 0 and after the last epoch, both definitions. */
  dead: {
    initial: { wholeSet: SeedStats[]; perSample: (SeedStats | null)[] };
    final: { wholeSet: SeedStats[]; perSample: (SeedStats | null)[] };
  };
  /** Final thresholds of the first seed, per layer: statistics and a 20-bin histogram. */
  finalThresholds: (ThresholdStats & { histogram: Histogram })[];
  /** Final thresholds below 0 per layer, per seed. */
  negativeThresholds: number[][];
  /** Event-engine evaluation of each seed's reported model (mean over seeds). */
  event: RunEvent;
  wallMs: number;
}

/**
 * Paired comparison of two variants over the seeds (same seed = same initial weights): per-seed differences
 * a - b of `metric`, their mean, sd and 95% t-interval, and the seeds where a is larger (`wins`).
 */
export interface PairedComparison extends PairedStats {
  a: string;
  b: string;
  /** `reportedTestAccuracy`, or `finalDeadFraction[L]` / `finalDeadFractionPerSample[L]` (hidden layer L, 0-based). */
  metric: string;
  seeds: number[];
}

/** The document written to DIR/summary.json. */
export interface CompareSummary {
  format: 'rouser-compare-summary';
  version: 1;
  dataset: {
    ref: string;
    name: string;
    inputSize: number;
    classes: number;
    steps: number;
    dtMs: number;
    trainSamples: number;
    testSamples: number;
    changes: string[];
  };
  /** Which samples each number comes from. */
  splits: { train: number; validation: number; test: number; valFraction: number; note: string };
  architecture: number[];
  neuron: NeuronModel;
  epochs: number;
  seeds: number[];
  settings: {
    thInit: number;
    lr: number;
    lrTh: number;
    batch: number;
    weightScale: number;
    init: InitScheme;
    valFraction: number;
    surrogate: Surrogate;
    loss: LossSpec;
    targetAccuracy: number | null;
  };
  variants: VariantSummary[];
  /** Every learned-threshold variant (learned, layer) against every fixed one, per metric. */
  paired: PairedComparison[];
  energyTables: EnergyTable[];
  /** Wall time of the compare (sum of the runs' wall times when merged from shards). */
  wallMs: number;
}

/** The settings part of a compare that every shard writes to DIR/plan.json and {@link mergeCompare} checks. */
export interface ComparePlan {
  format: 'rouser-compare-plan';
  version: 1;
  header: Omit<CompareSummary, 'variants' | 'paired' | 'wallMs'>;
  variants: Variant[];
}

function safeName(label: string): string {
  return label.replace(/[^A-Za-z0-9._=-]+/g, '_');
}

/** Folder of one run inside a compare's output folder. */
export function runDir(outDir: string, variant: string, seed: number): string {
  return join(outDir, 'runs', safeName(variant), `seed-${seed}`);
}

function latencyOf(history: EpochMetrics[], target: number | null): { epochs: number | null; wallMs: number | null } {
  if (target === null) return { epochs: null, wallMs: null };
  const hit = history.find((h) => h.epoch > 0 && h.testAccuracy >= target);
  return hit ? { epochs: hit.epoch, wallMs: hit.wallMs } : { epochs: null, wallMs: null };
}

/** The runs a shard owns: indices k of the seed-major (seed, variant) list with k mod count = index. */
export function shardRuns(
  seeds: number[],
  variants: Variant[],
  shard: Shard = { index: 0, count: 1 },
): { seed: number; variant: Variant; k: number }[] {
  if (!(Number.isInteger(shard.count) && shard.count >= 1)) fail('--shard', 'count', shard.count, 'an integer >= 1');
  if (!(Number.isInteger(shard.index) && shard.index >= 0 && shard.index < shard.count))
    fail('--shard', 'index', shard.index, `an integer in [0, ${shard.count})`);
  const all = seeds.flatMap((seed, si) =>
    variants.map((variant, vi) => ({ seed, variant, k: si * variants.length + vi })),
  );
  return all.filter((r) => r.k % shard.count === shard.index);
}

function planOf(s: CompareSettings): ComparePlan {
  const info = s.data.info;
  const valFraction = s.valFraction ?? 0.1;
  const n = s.data.train.inputs.batch;
  const val = Math.min(Math.max(0, n - 1), Math.round(valFraction * n));
  return {
    format: 'rouser-compare-plan',
    version: 1,
    header: {
      format: 'rouser-compare-summary',
      version: 1,
      dataset: {
        ref: s.datasetRef,
        name: info.name,
        inputSize: info.inputSize,
        classes: info.classes,
        steps: info.steps,
        dtMs: info.dtMs,
        trainSamples: n,
        testSamples: s.data.test.inputs.batch,
        changes: info.changes,
      },
      splits: {
        train: n - val,
        validation: val,
        test: s.data.test.inputs.batch,
        valFraction,
        note:
          val > 0
            ? "validation = a seeded hold-out of the training data, never trained on; it alone picks each run's reported epoch. reportedTestAccuracy, the event-engine numbers and the per-epoch curves are measured on the test split."
            : 'no validation split: each run reports its last epoch; every accuracy and curve is measured on the test split.',
      },
      architecture: s.sizes,
      neuron: s.neuron,
      epochs: s.epochs,
      seeds: s.seeds,
      settings: {
        thInit: s.thInit,
        lr: s.lr,
        lrTh: s.lrTh,
        batch: s.batch,
        weightScale: s.weightScale,
        init: s.init ?? 'kaiming',
        valFraction,
        surrogate: s.surrogate,
        loss: s.loss,
        targetAccuracy: s.targetAccuracy,
      },
      energyTables: [...s.energyTables],
    },
    variants: s.variants,
  };
}

/**
 * Runs the paper's comparison (learned against fixed thresholds from the same initial weights): for every seed, one initialisation (`init`) shared by all variants
 * (the variants differ only in threshold init, threshold mode and lrTh), each variant trained with {@link fit} with a
 * validation split held out from the training data (checkpointed under DIR/runs/VARIANT/seed-S, so an interrupted
 * compare resumes), then each run's reported model (best validation epoch) evaluated in the event engine for SynOps
 * and energy. Each run writes its {@link RunRecord} (run.json); DIR/plan.json holds the settings. Without a shard (or
 * with 1 shard) DIR/summary.json is written atomically and returned; with `shard.count` > 1 only the shard's runs
 * are done and null is returned ({@link mergeCompare} builds the summary).
 */
export async function runCompare(
  s: CompareSettings,
  backend: TrainBackend,
  hooks: CompareHooks = {},
): Promise<CompareSummary | null> {
  const t0 = performance.now();
  const plan = planOf(s);
  writeFileAtomic(join(s.outDir, 'plan.json'), JSON.stringify(plan, null, 1) + '\n');
  const shard = s.shard ?? { index: 0, count: 1 };
  const mine = shardRuns(s.seeds, s.variants, shard);
  const eventTest = firstSamples(s.data.test, s.eventSamples);
  const records: RunRecord[] = [];
  let referenceBackend: TrainBackend | undefined;
  let index = 0;
  for (const seed of s.seeds) {
    const runs = mine.filter((r) => r.seed === seed);
    if (runs.length === 0) continue;
    const initial = initNetwork({
      sizes: s.sizes,
      neuron: s.neuron,
      thInit: s.thInit,
      seed,
      weightScale: s.weightScale,
      init: s.init ?? 'kaiming',
      dtMs: s.data.info.dtMs,
    });
    for (const { variant: v } of runs) {
      hooks.onRunStart?.(v.label, seed, index++, mine.length);
      const neuron = variantNeuron(v, s.neuron);
      const outDir = runDir(s.outDir, v.label, seed);
      const recordPath = join(outDir, 'run.json');
      // With --resume a finished run is not retrained: fit finds its final checkpoint (and checks that the config
      // is unchanged, so a raised --epochs continues training); only the event-engine evaluation is repeated.
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
        init: s.init ?? 'kaiming',
        surrogate: s.surrogate,
        loss: s.loss,
        dtMs: s.data.info.dtMs,
        valFraction: s.valFraction ?? 0.1,
        valSeed: seed,
      };
      if (v.thFloor !== undefined) config.thFloor = v.thFloor;
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
      const modelFile = join(outDir, r.best.selection === 'validation' ? 'model-best.json' : 'model.json');
      const { report } = await evaluateModel(r.best.spec, eventTest, {
        engine: 'event',
        energyTables: s.energyTables,
        modelName: modelFile,
      });
      const rec: RunRecord = {
        format: 'rouser-compare-run',
        version: 1,
        variant: v.label,
        seed,
        history: r.history,
        normalisedWeightChange: r.normalisedWeightChange.map((row) => row.map((x) => (Number.isFinite(x) ? x : null))),
        selected: {
          selection: r.best.selection,
          epoch: r.best.epoch,
          valAccuracy: r.best.valAccuracy,
          testAccuracy: r.best.testAccuracy,
        },
        finalThresholds: r.spec.layers.map((layer, l) => ({
          ...thresholdStats(layer.thresholds, r.initialSpec.layers[l]!.thresholds),
          histogram: histogram(layer.thresholds, 20),
        })),
        event: {
          samples: report.samples,
          accuracy: report.accuracy,
          synOpsPerSample: report.synOpsPerSample,
          macsPerSample: report.macsPerSample,
          neuronUpdatesPerSample: report.neuronUpdatesPerSample,
          energy: report.energy,
          layers: report.layers.map((l) => ({
            deadFraction: l.deadFraction,
            spikeRate: l.spikeRate,
            saturatedFraction: l.saturatedFraction,
            synOps: l.synOps,
          })),
        },
        split: {
          trainSamples: plan.header.splits.train,
          valSamples: plan.header.splits.validation,
          testSamples: plan.header.splits.test,
        },
      };
      // Written and read back through JSON, so an unsharded summary equals one merged from run.json files.
      const text = JSON.stringify(rec) + '\n';
      writeFileAtomic(recordPath, text);
      const parsed = JSON.parse(text) as RunRecord;
      records.push(parsed);
      hooks.onRunEnd?.(v.label, seed, parsed);
    }
  }
  if (shard.count > 1) return null;
  const summary = buildCompareSummary(plan, records, performance.now() - t0);
  writeFileAtomic(join(s.outDir, 'summary.json'), JSON.stringify(summary, null, 1) + '\n');
  return summary;
}

function readJson(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new RouserError(
      `${path}: cannot read the ${what} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  return parseJson(text, path);
}

function readRunRecord(path: string): RunRecord {
  const r = readJson(path, 'run record') as Partial<RunRecord>;
  if (r.format !== 'rouser-compare-run') fail(path, 'format', r.format, '"rouser-compare-run"');
  if (!Array.isArray(r.history) || r.history.length === 0)
    fail(path, 'history', r.history, 'a non-empty array of epoch metrics');
  return r as RunRecord;
}

/**
 * Builds summary.json from the shards of a sweep: every DIR must hold a plan.json with identical settings; the
 * run.json of every (variant, seed) of the plan must be found in one of them (a missing run is an error naming it).
 * The result equals the summary of an unsharded run with the same settings except `wallMs`, which is here the sum
 * of the runs' training wall times. Writes OUT/summary.json atomically and returns it.
 */
export function mergeCompare(dirs: string[], outDir: string): CompareSummary {
  if (dirs.length === 0) throw new RouserError('--merge: no folder given; expected the output folders of the shards');
  let plan: ComparePlan | undefined;
  let planText = '';
  for (const d of dirs) {
    const p = readJson(join(d, 'plan.json'), 'compare plan (written by rouser compare --shard)') as ComparePlan;
    if (p.format !== 'rouser-compare-plan') fail(join(d, 'plan.json'), 'format', p.format, '"rouser-compare-plan"');
    const text = JSON.stringify(p);
    if (plan === undefined) {
      plan = p;
      planText = text;
    } else if (text !== planText) {
      throw new RouserError(
        `${join(d, 'plan.json')}: the settings differ from ${join(dirs[0]!, 'plan.json')}; merge only shards of one sweep`,
      );
    }
  }
  const records: RunRecord[] = [];
  const missing: string[] = [];
  for (const { seed, variant } of shardRuns(plan!.header.seeds, plan!.variants)) {
    const found = dirs.map((d) => join(runDir(d, variant.label, seed), 'run.json')).find((f) => existsSync(f));
    if (found) records.push(readRunRecord(found));
    else missing.push(`${variant.label} seed ${seed}`);
  }
  if (missing.length > 0)
    throw new RouserError(
      `--merge: no run.json for ${missing.join(', ')} in ${dirs.join(', ')}; run the missing shards first`,
    );
  const wall = records.reduce((a, r) => a + r.history[r.history.length - 1]!.wallMs, 0);
  const summary = buildCompareSummary(plan!, records, wall);
  writeFileAtomic(join(outDir, 'summary.json'), JSON.stringify(summary, null, 1) + '\n');
  return summary;
}

function statsOrNull(values: (number | null)[]): SeedStats | null {
  return values.every((x): x is number => x !== null) ? seedStats(values) : null;
}

/** summary.json from a plan and the run records of all its (variant, seed) runs (pure). */
export function buildCompareSummary(plan: ComparePlan, records: RunRecord[], wallMs: number): CompareSummary {
  const h = plan.header;
  const byKey = new Map(records.map((r) => [`${r.variant}\u0000${r.seed}`, r]));
  const runsOf = (label: string): RunRecord[] =>
    h.seeds.map((seed) => {
      const r = byKey.get(`${label}\u0000${seed}`);
      if (!r) throw new RouserError(`compare: no run for variant ${label} seed ${seed}`);
      return r;
    });
  const variants: VariantSummary[] = plan.variants.map((v) => {
    const runs = runsOf(v.label);
    const first = runs[0]!;
    const epochs = first.history.map((x) => x.epoch);
    const L = first.history[0]!.layers.length;
    const avg = (f: (r: RunRecord, e: number) => number): number[] =>
      epochs.map((_, e) => runs.reduce((a, r) => a + f(r, e), 0) / runs.length);
    const avgLayers = (f: (r: RunRecord, e: number, l: number) => number): number[][] =>
      epochs.map((_, e) => Array.from({ length: L }, (_, l) => runs.reduce((a, r) => a + f(r, e, l), 0) / runs.length));
    const lat = runs.map((r) => latencyOf(r.history, h.settings.targetAccuracy));
    const evMean = (f: (r: RunEvent) => number): number => runs.reduce((a, r) => a + f(r.event), 0) / runs.length;
    const lastOf = (r: RunRecord): EpochMetrics => r.history[r.history.length - 1]!;
    const deadAt = (pick: (r: RunRecord) => EpochMetrics) => ({
      wholeSet: Array.from({ length: L }, (_, l) => seedStats(runs.map((r) => pick(r).layers[l]!.deadFraction))),
      perSample: Array.from({ length: L }, (_, l) =>
        statsOrNull(runs.map((r) => pick(r).layers[l]!.deadFractionPerSample ?? null)),
      ),
    });
    return {
      label: v.label,
      thresholdMode: v.thresholdMode,
      thInit: v.thInit ?? h.settings.thInit,
      lrTh: v.thresholdMode === 'fixed' ? 0 : (v.lrTh ?? h.settings.lrTh),
      reportedTestAccuracy: seedStats(runs.map((r) => r.selected.testAccuracy)),
      selectedValAccuracy: statsOrNull(runs.map((r) => r.selected.valAccuracy)),
      selectedEpoch: runs.map((r) => r.selected.epoch),
      finalTestAccuracy: seedStats(runs.map((r) => lastOf(r).testAccuracy)),
      bestTestAccuracy: seedStats(runs.map((r) => Math.max(...r.history.map((x) => x.testAccuracy)))),
      latency: {
        targetAccuracy: h.settings.targetAccuracy,
        epochs: lat.map((x) => x.epochs),
        wallMs: lat.map((x) => x.wallMs),
        meanEpochs: meanOf(lat.map((x) => x.epochs)),
        meanWallMs: meanOf(lat.map((x) => x.wallMs)),
        reached: lat.filter((x) => x.epochs !== null).length,
      },
      perEpoch: {
        epoch: epochs,
        testAccuracy: avg((r, e) => r.history[e]!.testAccuracy),
        valAccuracy: epochs.map((_, e) => meanOf(runs.map((r) => r.history[e]!.valAccuracy ?? null))),
        trainAccuracy: avg((r, e) => r.history[e]!.trainAccuracy),
        loss: avg((r, e) => r.history[e]!.loss),
        deadFraction: avgLayers((r, e, l) => r.history[e]!.layers[l]!.deadFraction),
        deadFractionPerSample: epochs.map((_, e) =>
          Array.from({ length: L }, (_, l) => {
            const xs = runs.map((r) => r.history[e]!.layers[l]!.deadFractionPerSample ?? null);
            return xs.every((x) => x !== null) ? meanOf(xs) : null;
          }),
        ),
        spikeRate: avgLayers((r, e, l) => r.history[e]!.layers[l]!.spikeRate),
        normalisedWeightChange: epochs.map((_, e) =>
          Array.from({ length: L }, (_, l) => meanOf(runs.map((r) => r.normalisedWeightChange[e]?.[l] ?? null))),
        ),
        thresholdMean: avgLayers((r, e, l) => r.history[e]!.layers[l]!.threshold.mean),
      },
      perSeed: runs.map((r) => ({
        seed: r.seed,
        testAccuracy: r.history.map((x) => x.testAccuracy),
        valAccuracy: r.history.map((x) => x.valAccuracy ?? null),
        deadFraction: r.history.map((x) => x.layers.map((l) => l.deadFraction)),
        deadFractionPerSample: r.history.map((x) => x.layers.map((l) => l.deadFractionPerSample ?? null)),
        spikeRate: r.history.map((x) => x.layers.map((l) => l.spikeRate)),
        thresholdMean: r.history.map((x) => x.layers.map((l) => l.threshold.mean)),
      })),
      dead: { initial: deadAt((r) => r.history[0]!), final: deadAt(lastOf) },
      finalThresholds: first.finalThresholds,
      negativeThresholds: runs.map((r) => r.finalThresholds.map((t) => t.negative)),
      event: {
        samples: first.event.samples,
        accuracy: evMean((r) => r.accuracy),
        synOpsPerSample: evMean((r) => r.synOpsPerSample),
        macsPerSample: evMean((r) => r.macsPerSample),
        neuronUpdatesPerSample: evMean((r) => r.neuronUpdatesPerSample),
        energy: first.event.energy.map((e, k) => ({
          table: e.table,
          snnPj: evMean((r) => r.energy[k]!.snnPj),
          densePj: evMean((r) => r.energy[k]!.densePj),
          ratio: evMean((r) => r.energy[k]!.ratio),
        })),
        layers: first.event.layers.map((_, l) => ({
          deadFraction: evMean((r) => r.layers[l]!.deadFraction),
          spikeRate: evMean((r) => r.layers[l]!.spikeRate),
          saturatedFraction: evMean((r) => r.layers[l]!.saturatedFraction),
          synOps: evMean((r) => r.layers[l]!.synOps),
        })),
      },
      wallMs: runs.reduce((a, r) => a + lastOf(r).wallMs, 0) / runs.length,
    };
  });
  const paired: PairedComparison[] = [];
  const hidden = h.architecture.length - 2;
  for (const a of plan.variants.filter((v) => v.thresholdMode !== 'fixed')) {
    for (const b of plan.variants.filter((v) => v.thresholdMode === 'fixed')) {
      const ra = runsOf(a.label);
      const rb = runsOf(b.label);
      const add = (metric: string, f: (r: RunRecord) => number | null): void => {
        const xa = ra.map(f);
        const xb = rb.map(f);
        if (xa.some((x) => x === null) || xb.some((x) => x === null)) return;
        paired.push({ a: a.label, b: b.label, metric, seeds: h.seeds, ...pairedStats(xa as number[], xb as number[]) });
      };
      add('reportedTestAccuracy', (r) => r.selected.testAccuracy);
      for (let l = 0; l < hidden; l++) {
        add(`finalDeadFraction[${l}]`, (r) => r.history[r.history.length - 1]!.layers[l]!.deadFraction);
        add(
          `finalDeadFractionPerSample[${l}]`,
          (r) => r.history[r.history.length - 1]!.layers[l]!.deadFractionPerSample ?? null,
        );
      }
    }
  }
  return { ...h, variants, paired, wallMs };
}
