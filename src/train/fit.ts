import { join } from 'node:path';
import { l2Distance, summariseActivity, thresholdStats } from '../metrics/activity.js';
import { specToJson } from '../model/serialize.js';
import { cloneSpec, type NetworkSpec, type SpecMeta } from '../model/spec.js';
import { gatherSamples, type TensorDataset } from '../model/spikes.js';
import { validateSpec } from '../model/validate.js';
import { writeFileAtomic } from '../util/atomic.js';
import { fail, RouserError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { createBackend } from './backend.js';
import { adamStep, createAdamState, type AdamOptions, type AdamState } from './adam.js';
import { loadCheckpoint, saveCheckpoint, type Checkpoint } from './checkpoint.js';
import { evaluateDense } from './evaluate.js';
import { resolveFitConfig, type EpochMetrics, type FitConfig, type LayerMetrics, type ResolvedFitConfig } from './fitConfig.js';
import { initNetwork } from './init.js';
import { predict } from './loss.js';
import { createGradients, type GradientOptions, type TrainBackend } from './types.js';

/** Options of {@link fit} beyond the config and the data. */
export interface FitOptions {
  /**
   * Output folder. After every epoch it holds (each written atomically): `metrics.jsonl` (one {@link EpochMetrics}
   * per line, epoch 0 first), `model.json` (the current NetworkSpec) and `checkpoint.json`; at the end
   * `summary.json` (with the normalised weight change series).
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

function setupInitial(cfg: ResolvedFitConfig, data: { train: TensorDataset; test: TensorDataset }, initial: NetworkSpec | undefined): NetworkSpec {
  let spec: NetworkSpec;
  if (initial) {
    validateSpec(initial, 'fit: initialSpec');
    const arch = [initial.inputSize, ...initial.layers.map((l) => l.size)];
    if (arch.join('-') !== cfg.sizes.join('-')) fail('fit: initialSpec', 'architecture', arch.join('-'), `${cfg.sizes.join('-')} (config.sizes)`);
    spec = cloneSpec(initial);
    if (cfg.thInit !== null) for (const l of spec.layers) l.thresholds.fill(cfg.thInit);
  } else {
    spec = initNetwork({
      sizes: cfg.sizes,
      neuron: cfg.neuron,
      reset: cfg.reset,
      thresholdInit: cfg.thInit ?? 1.25,
      bias: cfg.bias,
      dtMs: cfg.dtMs,
      weightScale: cfg.weightScale,
      seed: cfg.seed,
    });
  }
  const inSize = cfg.sizes[0] as number;
  const out = cfg.sizes[cfg.sizes.length - 1] as number;
  for (const [split, d] of [['train', data.train], ['test', data.test]] as const) {
    if (d.inputs.channels !== inSize)
      throw new RouserError(`fit: sizes ${cfg.sizes.join('-')}: first size ${inSize} does not match the ${split} dataset's ${d.inputs.channels} inputs`);
    if (d.classes > out) throw new RouserError(`fit: sizes ${cfg.sizes.join('-')}: output size ${out} is smaller than the ${split} dataset's ${d.classes} classes`);
    if (d.labels.length !== d.inputs.batch) fail(`dataset ${d.name}`, 'labels.length', d.labels.length, `${d.inputs.batch} (one per sample)`);
    for (let k = 0; k < d.labels.length; k++) {
      const y = d.labels[k] as number;
      if (!(Number.isInteger(y) && y >= 0 && y < out)) fail(`dataset ${d.name}`, `labels[${k}]`, y, `an integer in [0, ${out})`);
    }
  }
  if (data.train.inputs.batch === 0) fail(`dataset ${data.train.name}`, 'samples', 0, 'at least one training sample');
  if (data.train.inputs.steps !== data.test.inputs.steps)
    fail(`dataset ${data.test.name}`, 'steps', data.test.inputs.steps, `${data.train.inputs.steps} (the training set's steps)`);
  return spec;
}

function paramsFinite(spec: NetworkSpec): string | undefined {
  for (let li = 0; li < spec.layers.length; li++) {
    const l = spec.layers[li]!;
    for (const [name, a] of [['weights', l.weights], ['thresholds', l.thresholds], ['bias', l.bias]] as const) {
      if (!a) continue;
      for (let k = 0; k < a.length; k++) if (!Number.isFinite(a[k] as number)) return `layers[${li}].${name}[${k}] is ${a[k]}`;
    }
  }
  return undefined;
}

function sameConfig(a: ResolvedFitConfig, b: ResolvedFitConfig): string[] {
  const diffs: string[] = [];
  for (const k of Object.keys(a) as (keyof ResolvedFitConfig)[]) {
    if (k === 'epochs') continue;
    if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) diffs.push(`${k} (checkpoint ${JSON.stringify(b[k])}, now ${JSON.stringify(a[k])})`);
  }
  return diffs;
}

async function measure(
  backend: TrainBackend,
  spec: NetworkSpec,
  initial: NetworkSpec,
  cfg: ResolvedFitConfig,
  test: TensorDataset,
  epoch: number,
  train: { loss: number; accuracy: number },
  floorBinds: number[],
  wallMs: number,
  epochMs: number,
): Promise<EpochMetrics> {
  const ev = await evaluateDense(backend, spec, test, cfg.evalBatch, cfg.loss);
  const layers: LayerMetrics[] = spec.layers.map((l, li) => {
    const act = summariseActivity(ev.layerCounts[li] as Float64Array, ev.samples, ev.steps, spec.dtMs);
    return {
      size: l.size,
      deadFraction: act.deadFraction,
      deadFractionPerBatchMean: ev.deadFractionPerBatchMean[li] as number,
      spikeRate: act.spikeRate,
      saturatedFraction: act.saturatedFraction,
      threshold: thresholdStats(l.thresholds, initial.layers[li]!.thresholds),
      weightChange: l2Distance(l.weights, initial.layers[li]!.weights),
      floorBinds: floorBinds[li] ?? 0,
    };
  });
  return { epoch, loss: train.loss, testLoss: ev.loss ?? NaN, trainAccuracy: train.accuracy, testAccuracy: ev.accuracy, layers, wallMs, epochMs };
}

/** Per history entry and layer: weightChange_e / weightChange_final (see {@link FitResult.normalisedWeightChange}). */
export function normalisedWeightChangeSeries(history: EpochMetrics[]): number[][] {
  const last = history[history.length - 1];
  if (!last) return [];
  return history.map((h) => h.layers.map((l, li) => {
    const d = last.layers[li]!.weightChange;
    return d > 0 ? l.weightChange / d : NaN;
  }));
}

/**
 * Trains a spiking network with surrogate-gradient BPTT and Adam (two parameter groups: weights+bias at `lr`,
 * thresholds at `lrTh`; see adam.ts), the Rouser method of SPEC.md section 2.
 *
 * Epoch e (1-based): the training samples are shuffled by a Fisher-Yates shuffle from `new Rng(epochSeed(seed, e))`,
 * cut into batches of `batch` (the last may be smaller); per batch: forward + BPTT on the backend, loss check,
 * Adam update, threshold floor, parameter check. Then the test set is evaluated and an {@link EpochMetrics} record
 * is produced (epoch 0 = the initial network). With `outDir`, metrics.jsonl, model.json and checkpoint.json are
 * written atomically after every epoch (checkpoint first), and summary.json at the end.
 *
 * A NaN/Infinity loss or parameter throws {@link TrainingDivergedError} naming the epoch and batch; the files in
 * outDir keep the last good epoch. Resume (same config except `epochs`) continues bit-exactly.
 */
export async function fit(config: FitConfig, data: { train: TensorDataset; test: TensorDataset }, opts: FitOptions = {}): Promise<FitResult> {
  const cfg = resolveFitConfig(config, 'fit: config');
  const files = opts.outDir
    ? { metrics: join(opts.outDir, 'metrics.jsonl'), model: join(opts.outDir, 'model.json'), checkpoint: join(opts.outDir, 'checkpoint.json'), summary: join(opts.outDir, 'summary.json') }
    : undefined;
  let spec: NetworkSpec;
  let initial: NetworkSpec;
  let adam: AdamState;
  let history: EpochMetrics[];
  let wallMs = 0;
  let startEpoch = 0;
  const meta: SpecMeta = { ...(opts.meta ?? {}) };
  const ckpt = opts.resume && files ? loadCheckpoint(files.checkpoint) : undefined;
  if (ckpt) {
    const diffs = sameConfig(cfg, ckpt.config);
    if (diffs.length > 0) throw new RouserError(`${files!.checkpoint}: cannot resume, the config differs in ${diffs.join('; ')}`);
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
  const { train, test } = data;
  const n = train.inputs.batch;
  const classes = spec.layers[spec.layers.length - 1]!.size;
  const batches = Math.ceil(n / cfg.batch);

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
      const ev = await evaluateDense(backend, spec, train, cfg.evalBatch, cfg.loss);
      const m = await measure(backend, spec, initial, cfg, test, 0, { loss: ev.loss ?? NaN, accuracy: ev.accuracy }, [], 0, 0);
      m.epochMs = performance.now() - t0;
      wallMs += m.epochMs;
      m.wallMs = wallMs;
      history.push(m);
      persist(0);
      opts.onEpoch?.(m);
    } else if (files) {
      // The checkpoint is the truth: rewrite metrics.jsonl from it (drops any line of an unfinished epoch).
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
          throw new TrainingDivergedError(`training diverged: epoch ${epoch} batch ${bi + 1}/${batches}: loss is ${r.loss}; stopping.${keep} Try a smaller --lr / --lr-th.`, epoch, bi + 1, lastGood);
        const pred = predict(r.outputCounts, idx.length, classes);
        for (let k = 0; k < idx.length; k++) if (pred[k] === y[k]) correct++;
        lossSum += r.loss * idx.length;
        const rep = adamStep(spec, grads, adam, adamOpts);
        rep.floorBinds.forEach((b, li) => (floorBinds[li] = (floorBinds[li] as number) + b));
        const bad = paramsFinite(spec);
        if (bad)
          throw new TrainingDivergedError(`training diverged: epoch ${epoch} batch ${bi + 1}/${batches}: after the update ${bad}; stopping.${keep} Try a smaller --lr / --lr-th.`, epoch, bi + 1, lastGood);
        opts.onBatch?.(bi + 1, batches, r.loss, epoch);
      }
      const trainStats = { loss: lossSum / n, accuracy: correct / n };
      const m = await measure(backend, spec, initial, cfg, test, epoch, trainStats, floorBinds, 0, 0);
      m.epochMs = performance.now() - t0;
      wallMs += m.epochMs;
      m.wallMs = wallMs;
      history.push(m);
      persist(epoch);
      opts.onEpoch?.(m);
    }
  } finally {
    if (owned) await backend.dispose();
  }
  const normalised = normalisedWeightChangeSeries(history);
  if (files) {
    const last = history[history.length - 1]!;
    writeFileAtomic(files.summary, JSON.stringify({
      format: 'rouser-train-summary',
      config: cfg,
      meta,
      backend: backend.description,
      epochs: last.epoch,
      final: { loss: last.loss, testLoss: last.testLoss, trainAccuracy: last.trainAccuracy, testAccuracy: last.testAccuracy, deadFraction: last.layers.map((l) => l.deadFraction), spikeRate: last.layers.map((l) => l.spikeRate) },
      bestTestAccuracy: Math.max(...history.map((h) => h.testAccuracy)),
      wallMs,
      weightChange: history.map((h) => h.layers.map((l) => l.weightChange)),
      normalisedWeightChange: normalised,
      normalisedWeightChangeDefinition: '||W_e - W_0|| / ||W_final - W_0|| per epoch e (row) and layer (column); null when the layer never changed',
    }, null, 1) + '\n');
  }
  return { spec, history, normalisedWeightChange: normalised, initialSpec: initial, config: cfg, backend: backend.description, resumedFrom: startEpoch };
}
