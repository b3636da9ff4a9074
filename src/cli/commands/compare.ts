import { join } from 'node:path';
import type { NeuronModel } from '../../model/spec.js';
import { PAPER_DEFAULTS } from '../../model/spec.js';
import { createBackend } from '../../train/backend.js';
import { writeFileAtomic } from '../../util/atomic.js';
import { parseArch } from '../arch.js';
import { choice, defaultThreads, flag, num, str, type Command, type OptionSpec, type ParsedArgs } from '../args.js';
import { runCompare, type CompareSettings, type CompareSummary } from '../../experiment/compare.js';
import { DATASET_SHAPE_OPTIONS, datasetRequestFromArgs } from '../data.js';
import { datasetMeta, openDataset } from '../../io/open.js';
import { ProgressBar, formatSeconds } from '../progress.js';
import { headlineHeader, headlineRows, renderCompareReport } from '../../report/compareReport.js';
import { formatTable } from '../table.js';
import { lossFromOption, parseSurrogate } from '../surrogate.js';
import { parseVariants } from '../../experiment/variants.js';
import { resolveEnergyTables } from './eval.js';

/** Options shared by `compare` and `demo`. */
export const COMPARE_OPTIONS: Record<string, OptionSpec> = {
  dataset: { type: 'string', value: 'NAME|PATH', help: 'nmnist-mini, randman, synthetic, or a path to NMNIST / DVS Gesture / SHD data', default: 'nmnist-mini' },
  arch: { type: 'string', value: 'SIZES', help: 'hidden and output sizes (input inferred), e.g. 128-10, or the full 578-128-10 (default 128-128-CLASSES)' },
  variants: { type: 'string', value: 'LIST', help: 'comma-separated variants: learned | layer | fixed | alif (adaptive-threshold baseline, :beta-a=X, :tau-a=MS), with :TH, :lr-th=X, :th-floor=X', default: 'learned,fixed:0.25,fixed:0.5,fixed:0.75,fixed:1.0' },
  epochs: { type: 'string', value: 'E', help: 'training epochs per run', default: '10' },
  seeds: { type: 'string', value: 'N', help: 'number of seeds (0..N-1, or from --seed)', default: '3' },
  seed: { type: 'string', value: 'S', help: 'first seed', default: '0' },
  'target-accuracy': { type: 'string', value: 'A', help: 'test accuracy (0-1) whose first epoch is the "training latency"' },
  'th-init': { type: 'string', value: 'TH', help: 'initial threshold of variants that set none', default: String(PAPER_DEFAULTS.thresholdInit) },
  lr: { type: 'string', value: 'LR', help: 'Adam learning rate of the weights', default: '1e-3' },
  'lr-th': { type: 'string', value: 'LR', help: 'Adam learning rate of learned thresholds', default: '1e-3' },
  batch: { type: 'string', value: 'B', help: 'batch size', default: '32' },
  neuron: { type: 'string', value: 'KIND', help: 'cuba (paper) or lif', default: 'cuba' },
  surrogate: { type: 'string', value: 'SG', help: 'surrogate KIND(:key=value)*, e.g. exponential:scale=3:tau=3 (paper ablation)', default: 'exponential' },
  loss: { type: 'string', value: 'L', help: 'rate-mse (SLAYER spike rate, the paper) or ce (cross-entropy on counts)', default: 'rate-mse' },
  'weight-scale': { type: 'string', value: 'K', help: 'multiplies the Kaiming-uniform bound of the initial weights', default: '1' },
  ...DATASET_SHAPE_OPTIONS,
  'event-samples': { type: 'string', value: 'N', help: 'test samples simulated in the event engine per final model (0 = all)', default: '0' },
  energy: { type: 'string', value: 'TABLE', help: 'energy table name or JSON file (default: all built-in tables)' },
  backend: { type: 'string', value: 'B', help: 'trainer backend: fused or tfjs', default: 'fused' },
  threads: { type: 'string', value: 'N', help: 'threads of the fused backend (default: cores, at most 4; results are identical for any count)' },
  out: { type: 'string', value: 'DIR', help: 'output folder (summary.json, report.html, runs/)', default: 'runs/compare' },
  resume: { type: 'boolean', help: 'continue finished or checkpointed runs found in --out instead of starting over' },
  json: { type: 'boolean', help: 'print summary.json on stdout' },
};

/** Builds compare settings from parsed options (the dataset is loaded here). */
export async function compareSettings(cmd: string, args: ParsedArgs): Promise<CompareSettings> {
  const ref = str(args, 'dataset') ?? 'nmnist-mini';
  const seed0 = num(cmd, args, 'seed', { integer: true, fallback: 0 });
  const req = datasetRequestFromArgs(cmd, args, seed0);
  const variants = parseVariants(str(args, 'variants') ?? (COMPARE_OPTIONS.variants!.default as string));
  const kind = choice(cmd, args, 'neuron', ['cuba', 'lif'] as const, 'cuba');
  const neuron: NeuronModel =
    kind === 'cuba' ? { kind: 'cuba', currentRetention: PAPER_DEFAULTS.currentRetention, voltageRetention: PAPER_DEFAULTS.voltageRetention } : { kind: 'lif', beta: PAPER_DEFAULTS.voltageRetention };
  const seeds = num(cmd, args, 'seeds', { min: 1, max: 100, integer: true, fallback: 3 });
  const target = str(args, 'target-accuracy') !== undefined ? num(cmd, args, 'target-accuracy', { min: 0, max: 1 }) : null;
  const energyTables = resolveEnergyTables(str(args, 'energy'));
  const epochs = num(cmd, args, 'epochs', { min: 0, max: 100000, integer: true, fallback: 10 });
  const data = await openDataset(ref, req);
  const sizes = parseArch(str(args, 'arch'), data.info.inputSize, data.info.classes);
  return {
    datasetRef: ref,
    data,
    sizes,
    variants,
    seeds: Array.from({ length: seeds }, (_, k) => seed0 + k),
    epochs,
    targetAccuracy: target,
    thInit: num(cmd, args, 'th-init', { fallback: PAPER_DEFAULTS.thresholdInit }),
    lr: num(cmd, args, 'lr', { min: 0, fallback: 1e-3 }),
    lrTh: num(cmd, args, 'lr-th', { min: 0, fallback: 1e-3 }),
    batch: num(cmd, args, 'batch', { min: 1, integer: true, fallback: 32 }),
    neuron,
    surrogate: parseSurrogate(str(args, 'surrogate') ?? 'exponential'),
    loss: lossFromOption(cmd, args),
    weightScale: num(cmd, args, 'weight-scale', { min: 0, fallback: 1 }),
    eventSamples: num(cmd, args, 'event-samples', { min: 0, integer: true, fallback: 0 }),
    energyTables,
    outDir: str(args, 'out') ?? 'runs/compare',
    resume: flag(args, 'resume'),
    dataMeta: datasetMeta(ref, data, req),
  };
}

/** Runs a compare with progress on stderr, writes summary.json and report.html, prints the table (or JSON). */
export async function executeCompare(cmd: string, args: ParsedArgs): Promise<number> {
  const settings = await compareSettings(cmd, args);
  const threads = str(args, 'threads') !== undefined ? num(cmd, args, 'threads', { min: 1, max: 64, integer: true }) : defaultThreads();
  const backend = await createBackend(choice(cmd, args, 'backend', ['fused', 'tfjs'] as const, 'fused'), { threads });
  const total = settings.variants.length * settings.seeds.length;
  const log = (s: string): void => void process.stderr.write(s + '\n');
  const info = settings.data.info;
  log(`rouser ${cmd}: ${info.name} (${settings.data.train.inputs.batch} train / ${settings.data.test.inputs.batch} test, ${info.steps} steps), arch ${settings.sizes.join('-')}, ${settings.variants.map((v) => v.label).join(' | ')}, ${settings.seeds.length} seed(s) x ${settings.epochs} epochs, backend ${backend.description}`);
  let bar: ProgressBar | undefined;
  let current = '';
  let summary: CompareSummary;
  try {
    summary = await runCompare(settings, backend, {
      onRunStart: (v, seed, i) => {
        current = `[${i + 1}/${total}] ${v} seed ${seed}`;
      },
      onBatch: (done, totalBatches, loss, epoch) => {
        if (done === 1) bar = new ProgressBar(`${current} epoch ${epoch}/${settings.epochs}`, totalBatches);
        bar?.update(done, `loss ${loss.toFixed(4)}`);
        if (done === totalBatches) bar?.finish();
      },
      onEpoch: (_v, _seed, m) => {
        log(`${current} epoch ${m.epoch}: loss ${Number.isFinite(m.loss) ? m.loss.toFixed(4) : m.loss} train ${(100 * m.trainAccuracy).toFixed(1)}% test ${(100 * m.testAccuracy).toFixed(1)}% dead ${m.layers.slice(0, -1).map((l) => `${(100 * l.deadFraction).toFixed(0)}%`).join('/')} rate ${m.layers.map((l) => l.spikeRate.toFixed(3)).join('/')} (${formatSeconds(m.wallMs / 1000)})`);
      },
    });
  } finally {
    await backend.dispose();
  }
  const reportPath = join(settings.outDir, 'report.html');
  writeFileAtomic(reportPath, await renderCompareReport(summary));
  if (flag(args, 'json')) {
    process.stdout.write(JSON.stringify(summary) + '\n');
  } else {
    process.stdout.write(`\nRouser compare on ${info.name}: ${settings.sizes.join('-')}, ${settings.epochs} epochs, ${settings.seeds.length} seed(s), ${formatSeconds(summary.wallMs / 1000)}\n\n`);
    process.stdout.write(formatTable([headlineHeader(summary), ...headlineRows(summary)]));
    process.stdout.write(`\nsummary: ${join(settings.outDir, 'summary.json')}\nreport:  ${reportPath}\n`);
  }
  return 0;
}

/** `rouser compare`: the paper's experiment, learned vs fixed thresholds from the same initial weights. */
export const compareCommand: Command = {
  name: 'compare',
  summary: 'train learned- and fixed-threshold variants from the same initial weights, evaluate them in the event engine, write summary.json and report.html',
  usage: 'rouser compare --dataset NAME|PATH [--arch 128-10] [--variants learned,fixed:0.5,...] [--epochs E] [--seeds N] [--target-accuracy A] [--out DIR]',
  details: 'Each variant/seed run is checkpointed under DIR/runs/VARIANT/seed-S; --resume continues an interrupted compare. The summary.json fields are documented in the README (section "compare summary.json").',
  options: COMPARE_OPTIONS,
  run: (args) => executeCompare('compare', args),
};
