import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { NeuronModel, ResetMode, SpecMeta } from '../../model/spec.js';
import { defaultSurrogate, SURROGATE_KINDS } from '../../neuron/surrogate.js';
import { THRESHOLD_MODES, type ThresholdMode } from '../../train/adam.js';
import { loadCheckpoint } from '../../train/checkpoint.js';
import { BACKEND_KINDS, createBackend, type BackendKind } from '../../train/backend.js';
import { fit, type FitResult } from '../../train/fit.js';
import { FIT_DEFAULTS, type EpochMetrics, type FitConfig, type ResolvedFitConfig } from '../../train/fitConfig.js';
import { DEFAULT_LOSS } from '../../train/loss.js';
import type { TrainBackend } from '../../train/types.js';
import { INIT_SCHEMES, type InitScheme } from '../../train/init.js';
import { RouserError } from '../../util/errors.js';
import { DEFAULT_HIDDEN, neuronFromArgs, parseArch } from '../arch.js';
import { choice, defaultThreads, flag, num, str, type Command, type ParsedArgs } from '../args.js';
import { lossFromOption, parseSurrogate } from '../surrogate.js';
import { DATASET_SHAPE_OPTIONS, datasetRequestFromArgs, defaultOutDir } from '../data.js';
import { datasetMeta, datasetRequestFromMeta, openDataset, type DatasetRequest } from '../../io/open.js';
import { ProgressBar } from '../progress.js';

const NAME = 'train';

export { SYNTHETIC_DEFAULTS } from '../../io/open.js';

export { DEFAULT_HIDDEN, parseArch } from '../arch.js';

/** Builds the FitConfig from the options; with a checkpoint, options not given keep the checkpoint's values. */
function configFrom(args: ParsedArgs, sizes: number[], base: ResolvedFitConfig | undefined): FitConfig {
  const has = (k: string): boolean => args.values[k] !== undefined;
  const pick = <T>(k: string, fromArgs: () => T, fromBase: T | undefined, fallback: T): T =>
    has(k) ? fromArgs() : base !== undefined ? (fromBase as T) : fallback;
  const c: FitConfig = {
    sizes,
    neuron: pick<NeuronModel>('neuron', () => neuronFromArgs(NAME, args), base?.neuron, neuronFromArgs(NAME, args)),
    reset: pick<ResetMode>(
      'reset',
      () => choice(NAME, args, 'reset', ['zero', 'subtract'] as const, 'zero'),
      base?.reset,
      'zero',
    ),
    thresholdMode: pick<ThresholdMode>(
      'threshold',
      () => choice(NAME, args, 'threshold', THRESHOLD_MODES, 'learned'),
      base?.thresholdMode,
      'learned',
    ),
    lr: pick('lr', () => num(NAME, args, 'lr', { min: 0 }), base?.lr, FIT_DEFAULTS.lr),
    lrTh: pick('lr-th', () => num(NAME, args, 'lr-th', { min: 0 }), base?.lrTh, FIT_DEFAULTS.lrTh),
    epochs: pick(
      'epochs',
      () => num(NAME, args, 'epochs', { min: 0, integer: true }),
      base?.epochs,
      FIT_DEFAULTS.epochs,
    ),
    batch: pick('batch', () => num(NAME, args, 'batch', { min: 1, integer: true }), base?.batch, FIT_DEFAULTS.batch),
    seed: pick('seed', () => num(NAME, args, 'seed', { integer: true }), base?.seed, FIT_DEFAULTS.seed),
    surrogate: pick(
      'surrogate',
      () => parseSurrogate(str(args, 'surrogate') as string),
      base?.surrogate,
      defaultSurrogate('exponential'),
    ),
    loss: pick('loss', () => lossFromOption(NAME, args), base?.loss, { ...DEFAULT_LOSS }),
    detachReset: pick('differentiate-reset', () => !flag(args, 'differentiate-reset'), base?.detachReset, true),
    bias: pick('bias', () => flag(args, 'bias'), base?.bias, false),
    backend: pick<BackendKind>(
      'backend',
      () => choice(NAME, args, 'backend', BACKEND_KINDS, 'fused'),
      base?.backend,
      'fused',
    ),
    weightScale: pick(
      'weight-scale',
      () => num(NAME, args, 'weight-scale', { min: 0 }),
      base?.weightScale,
      FIT_DEFAULTS.weightScale,
    ),
    init: pick<InitScheme>(
      'init',
      () => choice(NAME, args, 'init', INIT_SCHEMES, 'kaiming'),
      base?.init ?? 'kaiming',
      'kaiming',
    ),
    valFraction: pick(
      'val-fraction',
      () => num(NAME, args, 'val-fraction', { min: 0, max: 0.9 }),
      base?.valFraction ?? 0,
      0.1,
    ),
  };
  const thInit = pick<number | null>('th-init', () => num(NAME, args, 'th-init'), base?.thInit, FIT_DEFAULTS.thInit);
  if (thInit !== null) c.thInit = thInit;
  const thFloor = pick<number | null>('th-floor', () => num(NAME, args, 'th-floor'), base?.thFloor, null);
  if (thFloor !== null) c.thFloor = thFloor;
  if (base?.evalBatch !== undefined && !has('batch')) c.evalBatch = base.evalBatch;
  return c;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

/** One human line per epoch (stderr). */
export function formatEpochLine(m: EpochMetrics, epochs: number): string {
  const dead = m.layers.map((l) => pct(l.deadFraction)).join(' ');
  const rate = m.layers.map((l) => l.spikeRate.toFixed(3)).join(' ');
  const th = m.layers.map((l) => l.threshold.mean.toFixed(3)).join(' ');
  const binds = m.layers.reduce((s, l) => s + l.floorBinds, 0);
  return `epoch ${m.epoch}/${epochs} loss ${m.loss.toFixed(5)} train ${pct(m.trainAccuracy)} test ${pct(m.testAccuracy)} | dead [${dead}] rate [${rate}] Th mean [${th}]${binds > 0 ? ` floor binds ${binds}` : ''} | ${(m.epochMs / 1000).toFixed(1)}s`;
}

async function makeBackend(kind: BackendKind, args: ParsedArgs): Promise<TrainBackend> {
  const threads =
    str(args, 'threads') !== undefined ? num(NAME, args, 'threads', { min: 1, integer: true }) : defaultThreads();
  return createBackend(kind, kind === 'fused' ? { threads } : {});
}

/** `rouser train`: trains a network with learned (or fixed) thresholds and writes metrics, model and checkpoint. */
export const trainCommand: Command = {
  name: NAME,
  summary: 'train a spiking network with learned per-neuron thresholds (Rouser) or fixed ones (baseline)',
  usage:
    'rouser train --dataset NAME|PATH [--arch 500-500-10] [--threshold learned|layer|fixed] [--epochs E] [--out DIR] [--resume] [options]',
  details: [
    'Datasets: synthetic (generated, 40 inputs, 4 classes, T=20), nmnist-mini, randman, or a path (N-MNIST, DVS Gesture, SHD/SSC).',
    'Every epoch writes DIR/metrics.jsonl (one JSON record per epoch, epoch 0 = the initial net), DIR/model.json and',
    'DIR/checkpoint.json atomically; DIR/summary.json at the end (with the normalised weight change). --resume continues',
    'from DIR/checkpoint.json exactly (options not given keep the checkpoint values; --epochs may be raised).',
    'A NaN/Infinity loss stops the run with exit code 1 and keeps the last good checkpoint.',
  ].join('\n'),
  options: {
    dataset: {
      type: 'string',
      value: 'NAME|PATH',
      help: 'synthetic, nmnist-mini, randman or a dataset path (required unless resuming)',
    },
    arch: {
      type: 'string',
      value: 'SIZES',
      help: `layer sizes, e.g. 500-500-10 (input inferred) or 578-500-500-10 (default ${DEFAULT_HIDDEN.join('-')}-CLASSES)`,
    },
    neuron: {
      type: 'string',
      value: 'NAME',
      help: 'registered neuron model: cuba (default: aI 0.75, aV 0.97), lif, alif, ... (models other than cuba/lif train with --backend reference)',
    },
    'neuron-params': {
      type: 'string',
      value: 'K=V,...',
      help: 'parameters of a registered --neuron other than cuba/lif, e.g. tauAdaptMs=100,betaAdapt=0.5',
    },
    beta: { type: 'string', value: 'B', help: `lif voltage retention per step (default ${FIT_DEFAULTS.lifBeta})` },
    reset: { type: 'string', value: 'zero|subtract', help: 'reset after a spike (default zero)' },
    threshold: {
      type: 'string',
      value: 'MODE',
      help: 'learned (per neuron, default), layer (one learned value per layer) or fixed',
    },
    'th-init': { type: 'string', value: 'TH', help: `initial threshold (default ${FIT_DEFAULTS.thInit})` },
    'th-floor': {
      type: 'string',
      value: 'EPS',
      help: 'optional floor: Th >= EPS after each update (binds are reported; without it learned thresholds may go negative: such a neuron fires whenever V >= Th < 0, and eval counts them per layer)',
    },
    lr: { type: 'string', value: 'LR', help: 'Adam learning rate of weights and biases (default 1e-3)' },
    'lr-th': { type: 'string', value: 'LR', help: 'Adam learning rate of thresholds (default 1e-3; 0 = fixed)' },
    epochs: { type: 'string', value: 'E', help: 'epochs (default 10)' },
    batch: { type: 'string', value: 'B', help: 'batch size (default 32)' },
    ...DATASET_SHAPE_OPTIONS,
    loss: {
      type: 'string',
      value: 'rate-mse|ce',
      help: 'spike-rate MSE (true 0.2 / false 0.03, default) or cross-entropy on counts',
    },
    surrogate: {
      type: 'string',
      value: 'SG',
      help: `surrogate gradient KIND(:key=value)*, KIND one of ${SURROGATE_KINDS.join(', ')}, e.g. exponential:scale=3:tau=3 (default exponential scale=1.5 tau=3.75)`,
    },
    'differentiate-reset': {
      type: 'boolean',
      help: 'let gradients flow through the reset (default: detached, the paper)',
    },
    bias: { type: 'boolean', help: 'learn a per-neuron bias' },
    'weight-scale': {
      type: 'string',
      value: 'K',
      help: 'multiplies the bound of the initial weights: sqrt(6/fan_in) for kaiming, 1/sqrt(fan_in) for lava-dl (default 1)',
    },
    init: {
      type: 'string',
      value: 'SCHEME',
      help: 'initial weights: kaiming (default) or lava-dl (the paper framework: bound 1/sqrt(fan_in), 8-bit weight grid of step 1/32, one-step delay between layers)',
    },
    'val-fraction': {
      type: 'string',
      value: 'F',
      help: 'fraction of the training samples held out (seeded) as a validation split that picks the reported epoch (model-best.json); 0 = none (default 0.1)',
    },
    backend: { type: 'string', value: 'KIND', help: 'fused (default), tfjs, or reference (slow, readable oracle)' },
    threads: {
      type: 'string',
      value: 'N',
      help: 'threads of the fused backend (default: cores, at most 4; results are identical for any count)',
    },
    seed: { type: 'string', value: 'S', help: 'seed of initial weights, shuffles and generated data (default 0)' },
    out: {
      type: 'string',
      value: 'DIR',
      help: 'output folder (default runs/DATASET-train, e.g. runs/nmnist-mini-train)',
    },
    resume: { type: 'boolean', help: 'continue from DIR/checkpoint.json' },
    json: { type: 'boolean', help: 'print the final summary as one JSON object on stdout' },
  },
  async run(args) {
    const resume = flag(args, 'resume');
    const givenRef = str(args, 'dataset');
    if (str(args, 'out') === undefined && givenRef === undefined && resume)
      throw new RouserError(
        'option --resume needs --out DIR (or --dataset, whose default folder is runs/DATASET-train)',
      );
    const outDir = str(args, 'out') ?? defaultOutDir(NAME, givenRef ?? 'dataset');
    const ckptPath = join(outDir, 'checkpoint.json');
    const ckpt = resume ? loadCheckpoint(ckptPath) : undefined;
    if (resume && !ckpt) process.stderr.write(`rouser train: no checkpoint at ${ckptPath}; starting a new run\n`);
    const saved = ckpt ? datasetRequestFromMeta(ckpt.meta) : undefined;
    const savedRef = saved?.ref;
    const ref = str(args, 'dataset') ?? savedRef;
    if (ref === undefined)
      throw new RouserError(
        `option --dataset is required (synthetic, nmnist-mini, randman or a path)${resume ? `; ${ckptPath} does not name one` : ''}`,
      );
    if (ckpt && savedRef !== undefined && str(args, 'dataset') !== undefined && savedRef !== ref)
      throw new RouserError(`--dataset ${ref}: ${ckptPath} was trained on ${savedRef}; resume with the same dataset`);
    const seed = args.values.seed !== undefined ? num(NAME, args, 'seed', { integer: true }) : (ckpt?.config.seed ?? 0);
    // Dataset shaping recorded at the start of the run applies again unless given now.
    const req: DatasetRequest = {
      ...saved?.req,
      ...datasetRequestFromArgs(NAME, args, seed),
      onProgress: (m) => process.stderr.write(`${m}\n`),
    };
    const data = await openDataset(ref, req);
    const sizes =
      ckpt && str(args, 'arch') === undefined
        ? ckpt.config.sizes
        : parseArch(str(args, 'arch'), data.info.inputSize, data.info.classes);
    if (sizes[0] !== data.info.inputSize)
      throw new RouserError(
        `${ckptPath}: the checkpoint's first size ${sizes[0]} does not match the dataset's ${data.info.inputSize} inputs`,
      );
    const config = configFrom(args, sizes, ckpt?.config);
    config.dtMs = data.info.dtMs;
    const meta: SpecMeta = datasetMeta(ref, data, req);
    const epochs = config.epochs ?? FIT_DEFAULTS.epochs;
    process.stderr.write(
      `dataset ${data.info.name}: ${data.train.inputs.batch} train / ${data.test.inputs.batch} test samples, ${data.info.inputSize} inputs, ${data.info.classes} classes, T=${data.info.steps}${data.info.changes.length ? ` (${data.info.changes.join('; ')})` : ''}\n`,
    );
    const backend = await makeBackend(config.backend ?? 'fused', args);
    process.stderr.write(
      `training ${sizes.join('-')} ${config.neuron?.kind} thresholds=${config.thresholdMode} th-init=${config.thInit ?? '(checkpoint)'} lr=${config.lr} lr-th=${config.lrTh} batch=${config.batch} epochs=${epochs} on ${backend.description} -> ${outDir}${ckpt ? ` (resuming after epoch ${ckpt.epoch})` : ''}\n`,
    );
    let bar: ProgressBar | undefined;
    let result: FitResult;
    try {
      result = await fit(config, data, {
        outDir,
        resume: resume && existsSync(ckptPath),
        backend,
        meta,
        onBatch: (done, total, loss, epoch) => {
          if (!bar) bar = new ProgressBar(`epoch ${epoch}/${epochs}`, total);
          bar.update(done, `loss ${loss.toFixed(5)}`);
        },
        onEpoch: (m) => {
          bar?.finish();
          bar = undefined;
          process.stderr.write(`${formatEpochLine(m, epochs)}\n`);
        },
      });
    } finally {
      bar?.finish();
      await backend.dispose();
    }
    const last = result.history[result.history.length - 1] as EpochMetrics;
    const b = result.best;
    if (b.selection === 'validation')
      process.stderr.write(
        `selected epoch ${b.epoch} on the validation split (val ${pct(b.valAccuracy as number)}): test accuracy ${pct(b.testAccuracy)}; model-best.json\n`,
      );
    process.stderr.write(
      `done: test accuracy ${pct(last.testAccuracy)} after ${last.epoch} epochs, ${(last.wallMs / 1000).toFixed(1)}s; wrote ${join(outDir, 'metrics.jsonl')}, model.json, checkpoint.json, summary.json\n`,
    );
    if (flag(args, 'json')) {
      process.stdout.write(
        JSON.stringify({
          outDir,
          dataset: data.info,
          config: result.config,
          backend: result.backend,
          resumedFrom: result.resumedFrom,
          epochs: last.epoch,
          testAccuracy: last.testAccuracy,
          trainAccuracy: last.trainAccuracy,
          loss: last.loss,
          history: result.history,
          normalisedWeightChange: result.normalisedWeightChange,
        }) + '\n',
      );
    }
    return 0;
  },
};
