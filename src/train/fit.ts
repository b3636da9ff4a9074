import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { l2Distance, silentPerSample, summariseActivity, thresholdStats } from '../metrics/activity.js';
import { specFromJson, specToJson } from '../model/serialize.js';
import { cloneSpec, type NetworkSpec, type SpecMeta } from '../model/spec.js';
import { gatherSamples, type TensorDataset } from '../model/spikes.js';
import { validateSpec } from '../model/validate.js';
import { checkRunSize } from '../util/memory.js';
import { writeFileAtomic } from '../util/atomic.js';
import { fail, RouserError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { createBackend } from './backend.js';
import { adamStep, createAdamState, type AdamOptions, type AdamState } from './adam.js';
import { loadCheckpoint, saveCheckpoint, type Checkpoint } from './checkpoint.js';
import { evaluateDense } from './evaluate.js';
import {
  LATER_CONFIG_DEFAULTS,
  resolveFitConfig,
  type EpochMetrics,
  type FitConfig,
  type LayerMetrics,
  type ResolvedFitConfig,
} from './fitConfig.js';
import { initNetwork } from './init.js';
import { predict } from './loss.js';
import { createGradients, type GradientOptions, type TrainBackend } from './types.js';

/** Options of {@link fit} beyond the config and the data. */
export interface FitOptions {
  /**
   * Output folder. After every epoch it holds (each written atomically): `metrics.jsonl` (one {@link EpochMetrics}
   * per line, epoch 0 first), `model.json` (the current NetworkSpec; `meta.thInit` records the initial
   * threshold when it was one value), `initial-model.json` (the network before training), `checkpoint.json`, and with a validation
   * split `model-best.json` (the spec of the epoch with the best validation accuracy so far); at the end
   * `summary.json` (with the normalised weight change series and the selected epoch).
   */
  outDir?: string;
  /** Continue from `outDir/checkpoint.json` when it exists (the config must match except `epochs`). */
  resume?: boolean;
  onEpoch?: (m: EpochMetrics) => void;
  /** Called after every training batch with the batches done and total in this epoch, and the batch loss. */
  onBatch?: (done: number, total: number, loss: number, epoch: number) => void;
  /** Backend to use (not disposed by fit). Default: created from `config.backend` and disposed at the end. */
  backend?: TrainBackend;
  /** Start from these weights (and biases, neuron, reset, dtMs) instead of a fresh Kaiming init. */
  initialSpec?: NetworkSpec;
  /** Provenance stored in model.json's meta and the checkpoint (e.g. the dataset reference). */
  meta?: SpecMeta;
}

/** What {@link fit} returns. */
export interface FitResult {
  /** The final network (also written to outDir/model.json). */
  spec: NetworkSpec;
  /** history[e] = metrics after epoch e; history[0] is the initial network. */
  history: EpochMetrics[];
  /**
   * Per history entry, per layer: ||W_e - W_0|| / ||W_final - W_0|| (the paper's Fig. 3 curve; NaN when the
   * layer's weights never changed). Known only at the end, so metrics.jsonl holds the absolute `weightChange`.
   */
  normalisedWeightChange: number[][];
  /** The network before training (thresholds as set for this run). */
  initialSpec: NetworkSpec;
  config: ResolvedFitConfig;
  /** Description of the backend that ran. */
  backend: string;
  /** Epoch the run started from (0, or the checkpoint's epoch when resumed). */
  resumedFrom: number;
  /**
   * The selected model. With a validation split (`valFraction` > 0): the epoch with the highest validation accuracy
   * (the earliest on ties; epoch 0 included), `selection` 'validation'. Without one: the last epoch, `selection`
   * 'final' (the test set never chooses). `testAccuracy` is that epoch's test accuracy.
   */
  best: SelectedModel;
}

/** The model a run reports (see {@link FitResult.best}). */
export interface SelectedModel {
  selection: 'validation' | 'final';
  epoch: number;
  spec: NetworkSpec;
  valAccuracy: number | null;
  testAccuracy: number;
}

/**
 * The validation split of {@link FitConfig.valFraction}: a Fisher-Yates permutation of 0..n-1 from
 * `new Rng(valSeed ^ 0x5a17)`; its first round(fraction * n) indices (sorted ascending) are held out, the rest (sorted)
 * are trained on. At least one sample stays in training; fraction 0 holds nothing out.
 */
export function validationSplit(n: number, fraction: number, valSeed: number): { train: Int32Array; val: Int32Array } {
  if (!Number.isInteger(n) || n < 0) fail('validationSplit', 'n', n, 'an integer >= 0');
  if (!(fraction >= 0 && fraction < 1)) fail('validationSplit', 'fraction', fraction, 'a number in [0, 1)');
  const k = Math.min(Math.max(0, n - 1), Math.round(fraction * n));
  const order = Int32Array.from({ length: n }, (_, i) => i);
  if (k > 0) new Rng((valSeed ^ 0x5a17) >>> 0).shuffle(order);
  const val = order.slice(0, k).sort();
  const train = order.slice(k).sort();
  return { train, val };
}

function subset(d: TensorDataset, idx: Int32Array, name: string): TensorDataset {
  return {
    ...d,
    name,
    inputs: gatherSamples(d.inputs, idx),
    labels: Int32Array.from(idx, (k) => d.labels[k] as number),
  };
}

/** Raised when the loss or a parameter becomes NaN/Infinity: training stops, the last good checkpoint is kept. */
export class TrainingDivergedError extends RouserError {
  constructor(
    message: string,
    readonly epoch: number,
    readonly batch: number,
    readonly lastGoodEpoch: number,
  ) {
    super(message);
  }
}

/** Seed of the shuffle of epoch `epoch` (1-based) of a run seeded with `seed`: independent of any earlier draw. */
export function epochSeed(seed: number, epoch: number): number {
  return (Math.imul(seed | 0, 0x2c1b3c6d) ^ Math.imul(epoch, 0x9e3779b1) ^ 0x46495421) >>> 0;
}

function setupInitial(
  cfg: ResolvedFitConfig,
  data: { train: TensorDataset; test: TensorDataset },
  initial: NetworkSpec | undefined,
): NetworkSpec {
  let spec: NetworkSpec;
  if (initial) {
    validateSpec(initial, 'fit: initialSpec');
    const arch = [initial.inputSize, ...initial.layers.map((l) => l.size)];
    if (arch.join('-') !== cfg.sizes.join('-'))
      fail('fit: initialSpec', 'architecture', arch.join('-'), `${cfg.sizes.join('-')} (config.sizes)`);
    spec = cloneSpec(initial);
    if (cfg.thInit !== null) for (const l of spec.layers) l.thresholds.fill(cfg.thInit);
  } else {
    spec = initNetwork({
      sizes: cfg.sizes,
      neuron: cfg.neuron,
      reset: cfg.reset,
      thInit: cfg.thInit ?? 1.25,
      bias: cfg.bias,
      dtMs: cfg.dtMs,
      weightScale: cfg.weightScale,
      init: cfg.init,
      seed: cfg.seed,
    });
  }
  const inSize = cfg.sizes[0] as number;
  const out = cfg.sizes[cfg.sizes.length - 1] as number;
  for (const [split, d] of [
    ['train', data.train],
    ['test', data.test],
  ] as const) {
    if (d.inputs.channels !== inSize)
      throw new RouserError(
        `fit: sizes ${cfg.sizes.join('-')}: first size ${inSize} does not match the ${split} dataset's ${d.inputs.channels} inputs`,
      );
    if (d.classes > out)
      throw new RouserError(
        `fit: sizes ${cfg.sizes.join('-')}: output size ${out} is smaller than the ${split} dataset's ${d.classes} classes`,
      );
    if (d.labels.length !== d.inputs.batch)
      fail(`dataset ${d.name}`, 'labels.length', d.labels.length, `${d.inputs.batch} (one per sample)`);
    for (let k = 0; k < d.labels.length; k++) {
      const y = d.labels[k] as number;
      if (!(Number.isInteger(y) && y >= 0 && y < out))
        fail(`dataset ${d.name}`, `labels[${k}]`, y, `an integer in [0, ${out})`);
    }
  }
  if (data.train.inputs.batch === 0) fail(`dataset ${data.train.name}`, 'samples', 0, 'at least one training sample');
  if (data.train.inputs.steps !== data.test.inputs.steps)
    fail(
      `dataset ${data.test.name}`,
      'steps',
      data.test.inputs.steps,
      `${data.train.inputs.steps} (the training set's steps)`,
    );
  return spec;
}

function paramsFinite(spec: NetworkSpec): string | undefined {
  for (let li = 0; li < spec.layers.length; li++) {
    const l = spec.layers[li]!;
    for (const [name, a] of [
      ['weights', l.weights],
      ['thresholds', l.thresholds],
      ['bias', l.bias],
    ] as const) {
      if (!a) continue;
      for (let k = 0; k < a.length; k++)
        if (!Number.isFinite(a[k] as number)) return `layers[${li}].${name}[${k}] is ${a[k]}`;
    }
  }
  return undefined;
}

function sameConfig(a: ResolvedFitConfig, b: ResolvedFitConfig): string[] {
  const diffs: string[] = [];
  for (const k of Object.keys(a) as (keyof ResolvedFitConfig)[]) {
    if (k === 'epochs') continue;
    // A checkpoint written before a field existed ran with that field's default (valSeed then followed seed).
    const old = b[k] === undefined ? (k === 'valSeed' ? b.seed : LATER_CONFIG_DEFAULTS[k]) : b[k];
    if (JSON.stringify(a[k]) !== JSON.stringify(old))
      diffs.push(`${k} (checkpoint ${JSON.stringify(b[k])}, now ${JSON.stringify(a[k])})`);
  }
  return diffs;
}

async function measure(
  backend: TrainBackend,
  spec: NetworkSpec,
  initial: NetworkSpec,
  cfg: ResolvedFitConfig,
  test: TensorDataset,
  val: TensorDataset | undefined,
  epoch: number,
  train: { loss: number; accuracy: number },
  floorBinds: number[],
  wallMs: number,
  epochMs: number,
): Promise<EpochMetrics> {
  // Per-sample silence needs each sample's spikes: summed per batch from the backend's record (null without one).
  const silentSums: (number | null)[] = spec.layers.map(() => 0);
  const ev = await evaluateDense(backend, spec, test, cfg.evalBatch, cfg.loss, {
    recordSpikes: true,
    onBatch: (_start, r) => {
      const rows = r.outputCounts.length / spec.layers[spec.layers.length - 1]!.size;
      spec.layers.forEach((l, li) => {
        const sp = r.spikes?.[li];
        if (!sp || silentSums[li] === null) {
          silentSums[li] = null;
          return;
        }
        const per = silentPerSample(sp, rows, test.inputs.steps, l.size);
        silentSums[li] = (silentSums[li] as number) + per.reduce((a, b) => a + b, 0);
      });
    },
  });
  const vev =
    val && val.inputs.batch > 0 ? await evaluateDense(backend, spec, val, cfg.evalBatch, cfg.loss) : undefined;
  const layers: LayerMetrics[] = spec.layers.map((l, li) => {
    const act = summariseActivity(ev.layerCounts[li] as Float64Array, ev.samples, ev.steps, spec.dtMs);
    const silent = silentSums[li];
    return {
      size: l.size,
      deadFraction: act.deadFraction,
      deadFractionPerBatchMean: ev.deadFractionPerBatchMean[li] as number,
      deadFractionPerSample: silent === null || silent === undefined || ev.samples === 0 ? null : silent / ev.samples,
      spikeRate: act.spikeRate,
      saturatedFraction: act.saturatedFraction,
      saturatedStrictFraction: act.saturatedStrictFraction,
      threshold: thresholdStats(l.thresholds, initial.layers[li]!.thresholds),
      weightChange: l2Distance(l.weights, initial.layers[li]!.weights),
      floorBinds: floorBinds[li] ?? 0,
    };
  });
  return {
    epoch,
    loss: train.loss,
    testLoss: ev.loss ?? NaN,
    trainAccuracy: train.accuracy,
    testAccuracy: ev.accuracy,
    valAccuracy: vev ? vev.accuracy : null,
    valLoss: vev ? (vev.loss ?? null) : null,
    layers,
    wallMs,
    epochMs,
  };
}

/** Per history entry and layer: weightChange_e / weightChange_final (see {@link FitResult.normalisedWeightChange}). */
export function normalisedWeightChangeSeries(history: EpochMetrics[]): number[][] {
  const last = history[history.length - 1];
  if (!last) return [];
  return history.map((h) =>
    h.layers.map((l, li) => {
      const d = last.layers[li]!.weightChange;
      return d > 0 ? l.weightChange / d : NaN;
    }),
  );
}

/**
 * Trains a spiking network with surrogate-gradient BPTT and Adam (two parameter groups: weights+bias at `lr`,
 * thresholds at `lrTh`; see adam.ts), the Rouser method (Takaghaj & Sampson, AICAS 2025).
 *
 * Epoch e (1-based): the training samples are shuffled by a Fisher-Yates shuffle from `new Rng(epochSeed(seed, e))`,
 * cut into batches of `batch` (the last may be smaller); per batch: forward + BPTT on the backend, loss check,
 * Adam update, threshold floor, parameter check. Then the test set (and the validation split, when
 * `valFraction` > 0: {@link validationSplit} of the training data, never trained on) is evaluated and an
 * {@link EpochMetrics} record is produced (epoch 0 = the initial network). The validation accuracy alone selects
 * the reported epoch ({@link FitResult.best}). With `outDir`, metrics.jsonl, model.json and checkpoint.json are
 * written atomically after every epoch (checkpoint first), and summary.json at the end.
 *
 * A NaN/Infinity loss or parameter throws {@link TrainingDivergedError} naming the epoch and batch; the files in
 * outDir keep the last good epoch. Resume (same config except `epochs`) continues bit-exactly.
 */
export async function fit(
  config: FitConfig,
  data: { train: TensorDataset; test: TensorDataset },
  opts: FitOptions = {},
): Promise<FitResult> {
  const cfg = resolveFitConfig(config, 'fit: config');
  checkRunSize('fit', { sizes: cfg.sizes, batch: cfg.batch, steps: data.train.inputs.steps });
  const files = opts.outDir
    ? {
        metrics: join(opts.outDir, 'metrics.jsonl'),
        model: join(opts.outDir, 'model.json'),
        checkpoint: join(opts.outDir, 'checkpoint.json'),
        summary: join(opts.outDir, 'summary.json'),
      }
    : undefined;
  let spec: NetworkSpec;
  let initial: NetworkSpec;
  let adam: AdamState;
  let history: EpochMetrics[];
  let wallMs = 0;
  let startEpoch = 0;
  const meta: SpecMeta = { ...(opts.meta ?? {}) };
  const ckpt = opts.resume && files ? loadCheckpoint(files.checkpoint) : undefined;
  const split = validationSplit(data.train.inputs.batch, cfg.valFraction, cfg.valSeed);
  const hasVal = split.val.length > 0;
  const train = hasVal ? subset(data.train, split.train, `${data.train.name} (train part)`) : data.train;
  const val = hasVal ? subset(data.train, split.val, `${data.train.name} (validation part)`) : undefined;
  const test = data.test;
  if (ckpt) {
    const diffs = sameConfig(cfg, ckpt.config);
    if (diffs.length > 0)
      throw new RouserError(`${files!.checkpoint}: cannot resume, the config differs in ${diffs.join('; ')}`);
    setupInitial(cfg, data, ckpt.initialSpec);
    spec = ckpt.spec;
    initial = ckpt.initialSpec;
    adam = ckpt.adam;
    history = ckpt.history;
    wallMs = ckpt.wallMs;
    startEpoch = ckpt.epoch;
    Object.assign(meta, ckpt.meta, opts.meta ?? {});
  } else {
    initial = setupInitial(cfg, data, opts.initialSpec);
    spec = cloneSpec(initial);
    adam = createAdamState(spec, cfg.thresholdMode);
    history = [];
  }
  const backend = opts.backend ?? (await createBackend(cfg.backend));
  const owned = opts.backend === undefined;
  const adamOpts: AdamOptions = { lr: cfg.lr, lrTh: cfg.lrTh, thresholdMode: cfg.thresholdMode };
  if (cfg.thFloor !== null) adamOpts.thFloor = cfg.thFloor;
  const gradOpts: GradientOptions = { surrogate: cfg.surrogate, loss: cfg.loss, detachReset: cfg.detachReset };
  const grads = createGradients(spec);
  const n = train.inputs.batch;
  // The selected model: best validation accuracy so far (earliest on ties), or the latest epoch without a split.
  const bestFile = files ? join(opts.outDir!, 'model-best.json') : undefined;
  let best: SelectedModel | undefined;
  const consider = (m: EpochMetrics): void => {
    if (!hasVal) {
      best = { selection: 'final', epoch: m.epoch, spec, valAccuracy: null, testAccuracy: m.testAccuracy };
      return;
    }
    if (best && (m.valAccuracy as number) <= (best.valAccuracy as number)) return;
    best = {
      selection: 'validation',
      epoch: m.epoch,
      spec: cloneSpec(spec),
      valAccuracy: m.valAccuracy,
      testAccuracy: m.testAccuracy,
    };
    best.spec.meta = {
      ...best.spec.meta,
      ...meta,
      epoch: m.epoch,
      thresholdMode: cfg.thresholdMode,
      selectedBy: 'validation accuracy',
    };
    if (bestFile) writeFileAtomic(bestFile, specToJson(best.spec));
  };
  if (hasVal && ckpt) {
    // Resumed: the best epoch so far is known from the history; its spec was written to model-best.json.
    let bi = -1;
    history.forEach((h, i) => {
      if (bi < 0 || (h.valAccuracy as number) > (history[bi]!.valAccuracy as number)) bi = i;
    });
    const h = history[bi];
    if (h && bestFile && existsSync(bestFile))
      best = {
        selection: 'validation',
        epoch: h.epoch,
        spec: specFromJson(readFileSync(bestFile, 'utf8'), bestFile),
        valAccuracy: h.valAccuracy,
        testAccuracy: h.testAccuracy,
      };
    else if (h && h.epoch === startEpoch)
      best = {
        selection: 'validation',
        epoch: h.epoch,
        spec: cloneSpec(spec),
        valAccuracy: h.valAccuracy,
        testAccuracy: h.testAccuracy,
      };
    else if (h)
      throw new RouserError(
        `${files!.checkpoint}: cannot resume, ${bestFile} (the best validation epoch ${h.epoch}) is missing`,
      );
  }
  const classes = spec.layers[spec.layers.length - 1]!.size;
  const batches = Math.ceil(n / cfg.batch);

  // The initial thresholds travel with the model (eval's threshold.fractionMoved): one value in meta when uniform.
  const th0 = initial.layers[0]?.thresholds[0];
  const uniformTh = th0 !== undefined && initial.layers.every((l) => l.thresholds.every((t) => t === th0)) ? th0 : null;
  if (uniformTh !== null) meta.thInit = uniformTh;
  const persist = (epoch: number): void => {
    if (!files) return;
    spec.meta = { ...spec.meta, ...meta, epoch, thresholdMode: cfg.thresholdMode };
    const c: Checkpoint = { epoch, config: cfg, spec, initialSpec: initial, adam, history, wallMs, meta };
    saveCheckpoint(files.checkpoint, c);
    writeFileAtomic(files.model, specToJson(spec));
    writeFileAtomic(files.metrics, history.map((h) => JSON.stringify(h)).join('\n') + '\n');
  };

  try {
    if (history.length === 0) {
      const t0 = performance.now();
      if (files)
        writeFileAtomic(
          join(opts.outDir!, 'initial-model.json'),
          specToJson({ ...initial, meta: { ...initial.meta, ...meta, epoch: 0 } }),
        );
      const ev = await evaluateDense(backend, spec, train, cfg.evalBatch, cfg.loss);
      const m = await measure(
        backend,
        spec,
        initial,
        cfg,
        test,
        val,
        0,
        { loss: ev.loss ?? NaN, accuracy: ev.accuracy },
        [],
        0,
        0,
      );
      m.epochMs = performance.now() - t0;
      wallMs += m.epochMs;
      m.wallMs = wallMs;
      history.push(m);
      consider(m);
      persist(0);
      opts.onEpoch?.(m);
    } else if (files) {
      // The checkpoint is the truth: rewrite model.json and metrics.jsonl from it (a kill between the checkpoint and
      // these writes left them one epoch behind; metrics.jsonl may also hold a line of an unfinished epoch).
      writeFileAtomic(files.model, specToJson(spec));
      writeFileAtomic(files.metrics, history.map((h) => JSON.stringify(h)).join('\n') + '\n');
    }
    for (let epoch = startEpoch + 1; epoch <= cfg.epochs; epoch++) {
      const t0 = performance.now();
      const order = Int32Array.from({ length: n }, (_, k) => k);
      new Rng(epochSeed(cfg.seed, epoch)).shuffle(order);
      let lossSum = 0;
      let correct = 0;
      const floorBinds = spec.layers.map(() => 0);
      for (let bi = 0; bi < batches; bi++) {
        const idx = order.subarray(bi * cfg.batch, Math.min(n, (bi + 1) * cfg.batch));
        const x = gatherSamples(train.inputs, idx);
        const y = Int32Array.from(idx, (k) => train.labels[k] as number);
        const r = await backend.forwardBackward(spec, x, y, gradOpts, grads);
        const lastGood = epoch - 1;
        const keep = files ? ` The last good checkpoint (epoch ${lastGood}) is kept in ${files.checkpoint}.` : '';
        if (!Number.isFinite(r.loss))
          throw new TrainingDivergedError(
            `training diverged: epoch ${epoch} batch ${bi + 1}/${batches}: loss is ${r.loss}; stopping.${keep} Try a smaller --lr / --lr-th.`,
            epoch,
            bi + 1,
            lastGood,
          );
        const pred = predict(r.outputCounts, idx.length, classes);
        for (let k = 0; k < idx.length; k++) if (pred[k] === y[k]) correct++;
        lossSum += r.loss * idx.length;
        const rep = adamStep(spec, grads, adam, adamOpts);
        rep.floorBinds.forEach((b, li) => (floorBinds[li] = (floorBinds[li] as number) + b));
        const bad = paramsFinite(spec);
        if (bad)
          throw new TrainingDivergedError(
            `training diverged: epoch ${epoch} batch ${bi + 1}/${batches}: after the update ${bad}; stopping.${keep} Try a smaller --lr / --lr-th.`,
            epoch,
            bi + 1,
            lastGood,
          );
        opts.onBatch?.(bi + 1, batches, r.loss, epoch);
      }
      const trainStats = { loss: lossSum / n, accuracy: correct / n };
      const m = await measure(backend, spec, initial, cfg, test, val, epoch, trainStats, floorBinds, 0, 0);
      m.epochMs = performance.now() - t0;
      wallMs += m.epochMs;
      m.wallMs = wallMs;
      history.push(m);
      consider(m);
      persist(epoch);
      opts.onEpoch?.(m);
    }
  } finally {
    if (owned) await backend.dispose();
  }
  const normalised = normalisedWeightChangeSeries(history);
  const last = history[history.length - 1]!;
  if (!hasVal || !best)
    best = {
      selection: hasVal ? 'validation' : 'final',
      epoch: last.epoch,
      spec,
      valAccuracy: last.valAccuracy,
      testAccuracy: last.testAccuracy,
    };
  if (!hasVal) best.spec = spec;
  const selected = best;
  if (files) {
    writeFileAtomic(
      files.summary,
      JSON.stringify(
        {
          format: 'rouser-train-summary',
          config: cfg,
          meta,
          backend: backend.description,
          epochs: last.epoch,
          final: {
            loss: last.loss,
            testLoss: last.testLoss,
            trainAccuracy: last.trainAccuracy,
            testAccuracy: last.testAccuracy,
            deadFraction: last.layers.map((l) => l.deadFraction),
            spikeRate: last.layers.map((l) => l.spikeRate),
          },
          selected: {
            selection: selected.selection,
            epoch: selected.epoch,
            valAccuracy: selected.valAccuracy,
            testAccuracy: selected.testAccuracy,
            model: selected.selection === 'validation' ? 'model-best.json' : 'model.json',
            definition:
              'selection "validation": the epoch with the highest accuracy on the validation split (held out from the training data, never trained on); "final": the last epoch. testAccuracy is measured on the test set, which never chooses.',
          },
          split: {
            trainSamples: n,
            valSamples: val ? val.inputs.batch : 0,
            testSamples: test.inputs.batch,
            valFraction: cfg.valFraction,
            valSeed: cfg.valSeed,
          },
          maxTestAccuracyOverEpochs: Math.max(...history.map((h) => h.testAccuracy)),
          wallMs,
          weightChange: history.map((h) => h.layers.map((l) => l.weightChange)),
          normalisedWeightChange: normalised,
          normalisedWeightChangeDefinition:
            '||W_e - W_0|| / ||W_final - W_0|| per epoch e (row) and layer (column); null when the layer never changed',
        },
        null,
        1,
      ) + '\n',
    );
  }
  return {
    spec,
    history,
    normalisedWeightChange: normalised,
    initialSpec: initial,
    config: cfg,
    backend: backend.description,
    resumedFrom: startEpoch,
    best: selected,
  };
}
