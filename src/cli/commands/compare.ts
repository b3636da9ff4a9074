import { join } from 'node:path';
import type { NeuronModel } from '../../model/spec.js';
import { PAPER_DEFAULTS } from '../../model/spec.js';
import { BACKEND_KINDS, createBackend } from '../../train/backend.js';
import { FIT_DEFAULTS } from '../../train/fitConfig.js';
import { writeFileAtomic } from '../../util/atomic.js';
import { RouserError } from '../../util/errors.js';
import { neuronFromArgs, parseArch } from '../arch.js';
import { choice, defaultThreads, flag, num, str, type Command, type OptionSpec, type ParsedArgs } from '../args.js';
import {
  mergeCompare,
  runCompare,
  shardRuns,
  type CompareSettings,
  type CompareSummary,
} from '../../experiment/compare.js';
import { parseShard, shardFromEnvironment } from '../../experiment/shard.js';
import { INIT_SCHEMES } from '../../train/init.js';
import type { SeedStats } from '../../metrics/stats.js';
import { DATASET_SHAPE_OPTIONS, datasetRequestFromArgs, defaultOutDir } from '../data.js';
import { datasetMeta, openDataset } from '../../io/open.js';
import { ProgressBar, formatSeconds } from '../progress.js';
import { headlineHeader, headlineRows, renderCompareReport } from '../../report/compareReport.js';
import { formatTable } from '../table.js';
import { lossFromOption, parseSurrogate } from '../surrogate.js';
import { parseVariants } from '../../experiment/variants.js';
import { resolveEnergyTables } from './eval.js';

/** Options shared by `compare` and `demo`. */
export const COMPARE_OPTIONS: Record<string, OptionSpec> = {
  dataset: {
    type: 'string',
    value: 'NAME|PATH',
    help: 'nmnist-mini, randman, synthetic, or a path to NMNIST / DVS Gesture / SHD data',
    default: 'nmnist-mini',
  },
  arch: {
    type: 'string',
    value: 'SIZES',
    help: 'hidden and output sizes (input inferred), e.g. 128-10, or the full 578-128-10 (default 128-128-CLASSES)',
  },
  variants: {
    type: 'string',
    value: 'LIST',
    help: 'comma-separated variants: learned | layer | fixed | alif (adaptive-threshold baseline, :beta-a=X, :tau-a=MS), with :TH, :lr-th=X, :th-floor=X',
    default: 'learned,fixed,fixed:0.25,fixed:0.5,fixed:0.75,fixed:1.0',
  },
  epochs: { type: 'string', value: 'E', help: 'training epochs per run', default: '10' },
  seeds: { type: 'string', value: 'N', help: 'number of seeds (0..N-1, or from --seed)', default: '3' },
  seed: { type: 'string', value: 'S', help: 'first seed', default: '0' },
  'target-accuracy': {
    type: 'string',
    value: 'A',
    help: 'test accuracy (0-1) whose first epoch is the "training latency"',
  },
  'th-init': {
    type: 'string',
    value: 'TH',
    help: 'initial threshold of variants that set none',
    default: String(PAPER_DEFAULTS.thInit),
  },
  lr: {
    type: 'string',
    value: 'LR',
    help: 'Adam learning rate of the weights (CPU-sized: the paper uses 1e-3 with 30x more steps per epoch, see EXPERIMENTS.md)',
    default: '2e-3',
  },
  'lr-th': {
    type: 'string',
    value: 'LR',
    help: 'Adam learning rate of learned thresholds (CPU-sized; the paper uses 1e-3)',
    default: '2e-2',
  },
  batch: { type: 'string', value: 'B', help: 'batch size', default: '32' },
  neuron: {
    type: 'string',
    value: 'NAME',
    help: 'registered neuron model: cuba (paper), lif, alif, ... (models other than cuba/lif train with --backend reference)',
    default: 'cuba',
  },
  'neuron-params': {
    type: 'string',
    value: 'K=V,...',
    help: 'parameters of a registered --neuron other than cuba/lif',
  },
  beta: { type: 'string', value: 'B', help: `lif voltage retention per step (default ${FIT_DEFAULTS.lifBeta})` },
  surrogate: {
    type: 'string',
    value: 'SG',
    help: 'surrogate KIND(:key=value)*, e.g. exponential:scale=3:tau=3 (paper ablation)',
    default: 'exponential',
  },
  loss: {
    type: 'string',
    value: 'L',
    help: 'rate-mse (SLAYER spike rate, the paper) or ce (cross-entropy on counts)',
    default: 'rate-mse',
  },
  'weight-scale': {
    type: 'string',
    value: 'K',
    help: 'multiplies the bound of the initial weights (kaiming: sqrt(6/fan_in); lava-dl: 1/sqrt(fan_in))',
    default: '1',
  },
  init: {
    type: 'string',
    value: 'SCHEME',
    help: 'initial weights: kaiming, or lava-dl (the paper framework: bound 1/sqrt(fan_in), 8-bit weight grid, one-step delay between layers)',
    default: 'kaiming',
  },
  'val-fraction': {
    type: 'string',
    value: 'F',
    help: "fraction of the training samples held out (seeded) to choose each run's reported epoch; 0 = report the last epoch",
    default: '0.1',
  },
  shard: {
    type: 'string',
    value: 'I/N',
    help: 'run only share I (0-based) of N of the (variant, seed) runs; default from SLURM_ARRAY_TASK_ID/COUNT or JOB_COMPLETION_INDEX',
  },
  shards: {
    type: 'string',
    value: 'N',
    help: 'number of shards when the index comes from the environment (Kubernetes: JOB_COMPLETION_INDEX; or set ROUSER_SHARDS)',
  },
  merge: {
    type: 'boolean',
    help: 'build summary.json and report.html from the output folders of shards given as arguments (written to --out, default the first folder)',
  },
  ...DATASET_SHAPE_OPTIONS,
  'event-samples': {
    type: 'string',
    value: 'N',
    help: 'test samples simulated in the event engine per final model (0 = all)',
    default: '0',
  },
  energy: { type: 'string', value: 'TABLE', help: 'energy table name or JSON file (default: all built-in tables)' },
  backend: {
    type: 'string',
    value: 'B',
    help: 'trainer backend: fused, tfjs or reference (slow, readable oracle)',
    default: 'fused',
  },
  threads: {
    type: 'string',
    value: 'N',
    help: 'threads of the fused backend (default: cores, at most 4; results are identical for any count)',
  },
  out: {
    type: 'string',
    value: 'DIR',
    help: 'output folder (summary.json, report.html, runs/); default runs/DATASET-COMMAND, e.g. runs/nmnist-mini-compare',
  },
  resume: { type: 'boolean', help: 'continue finished or checkpointed runs found in --out instead of starting over' },
  json: { type: 'boolean', help: 'print summary.json on stdout' },
};

/** Builds compare settings from parsed options (the dataset is loaded here). */
export async function compareSettings(cmd: string, args: ParsedArgs): Promise<CompareSettings> {
  const ref = str(args, 'dataset') ?? 'nmnist-mini';
  const seed0 = num(cmd, args, 'seed', { integer: true, fallback: 0 });
  const req = datasetRequestFromArgs(cmd, args, seed0);
  const variants = parseVariants(str(args, 'variants') ?? (COMPARE_OPTIONS.variants!.default as string));
  const neuron: NeuronModel = neuronFromArgs(cmd, args);
  const seeds = num(cmd, args, 'seeds', { min: 1, max: 100, integer: true, fallback: 3 });
  const target =
    str(args, 'target-accuracy') !== undefined ? num(cmd, args, 'target-accuracy', { min: 0, max: 1 }) : null;
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
    thInit: num(cmd, args, 'th-init', { fallback: PAPER_DEFAULTS.thInit }),
    lr: num(cmd, args, 'lr', { min: 0, fallback: Number(COMPARE_OPTIONS.lr!.default) }),
    lrTh: num(cmd, args, 'lr-th', { min: 0, fallback: Number(COMPARE_OPTIONS['lr-th']!.default) }),
    batch: num(cmd, args, 'batch', { min: 1, integer: true, fallback: 32 }),
    neuron,
    surrogate: parseSurrogate(str(args, 'surrogate') ?? 'exponential'),
    loss: lossFromOption(cmd, args),
    weightScale: num(cmd, args, 'weight-scale', { min: 0, fallback: 1 }),
    init: choice(cmd, args, 'init', INIT_SCHEMES, 'kaiming'),
    valFraction: num(cmd, args, 'val-fraction', {
      min: 0,
      max: 0.9,
      fallback: Number(COMPARE_OPTIONS['val-fraction']!.default),
    }),
    eventSamples: num(cmd, args, 'event-samples', { min: 0, integer: true, fallback: 0 }),
    energyTables,
    outDir: str(args, 'out') ?? defaultOutDir(cmd, ref),
    resume: flag(args, 'resume'),
    dataMeta: datasetMeta(ref, data, req),
  };
}

function fmtStats(x: SeedStats | null, scale = 100, digits = 1): string {
  if (x === null) return '—';
  const f = (v: number): string => (scale * v).toFixed(digits);
  return x.ci95 ? `${f(x.mean)} ± ${f(x.sd as number)} [${f(x.ci95[0])}, ${f(x.ci95[1])}]` : f(x.mean);
}

/** Plain-text statistics over seeds: reported accuracy, dead neurons at epoch 0 and at the end, paired differences. */
export function statisticsText(s: CompareSummary): string {
  const hidden = s.architecture.length - 2;
  const rows: (string | number)[][] = [
    [
      'variant',
      'reported test acc. % (mean ± sd [95% CI])',
      'selected epochs',
      ...Array.from({ length: hidden }, (_, l) => `dead % L${l + 1} whole-set / per-sample: epoch 0 -> last`),
    ],
    ...s.variants.map((v) => [
      v.label,
      fmtStats(v.reportedTestAccuracy),
      v.selectedEpoch.join(' '),
      ...Array.from({ length: hidden }, (_, l) => {
        const d = v.dead;
        const ps = (x: SeedStats | null | undefined): string => (x ? (100 * x.mean).toFixed(0) : '—');
        return `${(100 * d.initial.wholeSet[l]!.mean).toFixed(0)} / ${ps(d.initial.perSample[l])} -> ${(100 * d.final.wholeSet[l]!.mean).toFixed(0)} / ${ps(d.final.perSample[l])}`;
      }),
    ]),
  ];
  let out = `Over ${s.seeds.length} seed(s) (${s.splits.note})\n` + formatTable(rows);
  if (s.paired.length > 0) {
    const pr: (string | number)[][] = [
      [
        'paired (same initial weights)',
        'metric',
        'mean difference ± sd [95% CI] (points)',
        'seeds a > b / = / a < b',
        'per seed',
      ],
    ];
    for (const p of s.paired)
      pr.push([
        `${p.a} − ${p.b}`,
        p.metric,
        fmtStats(p.differences),
        `${p.wins} / ${p.ties} / ${p.losses}`,
        p.differences.values.map((x) => (100 * x).toFixed(1)).join(' '),
      ]);
    out += '\n' + formatTable(pr);
  }
  return out;
}

/**
 * The paper's Fig. 4 story in numbers, for the last hidden layer and the whole-set definition: per seed, its dead
 * fraction at epoch 0 and after training for every learned-threshold and every fixed variant, and the paired
 * accuracy difference. Empty when the network has no hidden layer.
 */
export function deadNeuronStory(s: CompareSummary): string {
  const l = s.architecture.length - 3;
  if (l < 0) return '';
  const pct = (x: number): string => `${(100 * x).toFixed(0)}%`;
  const lines = [
    `Dead neurons in hidden layer ${l + 1} (no spike over the whole test set), per seed ${s.seeds.join(', ')}: epoch 0 -> epoch ${s.epochs}`,
  ];
  for (const v of s.variants) {
    const per = v.perSeed
      .map((p) => `${pct(p.deadFraction[0]![l]!)} -> ${pct(p.deadFraction[p.deadFraction.length - 1]![l]!)}`)
      .join(', ');
    lines.push(
      `  ${v.label.padEnd(12)} ${per}   (mean ${pct(v.dead.initial.wholeSet[l]!.mean)} -> ${pct(v.dead.final.wholeSet[l]!.mean)})`,
    );
  }
  for (const p of s.paired.filter((x) => x.metric === 'reportedTestAccuracy')) {
    const d = p.differences;
    lines.push(
      `  accuracy ${p.a} - ${p.b}: ${(100 * d.mean).toFixed(1)} points${d.ci95 ? ` (95% CI ${(100 * d.ci95[0]).toFixed(1)} to ${(100 * d.ci95[1]).toFixed(1)})` : ''}, ${p.a} better on ${p.wins} of ${d.n} seeds`,
    );
  }
  return lines.join('\n') + '\n';
}

/** `rouser compare --merge DIR...`: summary.json and report.html from the shards' folders. */
async function executeMerge(cmd: string, args: ParsedArgs): Promise<number> {
  const dirs = args.positionals;
  const outDir = str(args, 'out') ?? dirs[0];
  if (outDir === undefined)
    throw new RouserError(
      `rouser ${cmd} --merge: expected the shards' output folders as arguments, e.g. rouser compare --merge runs/shard-0 runs/shard-1 --out runs/sweep`,
    );
  const summary = mergeCompare(dirs, outDir);
  const reportPath = join(outDir, 'report.html');
  writeFileAtomic(reportPath, await renderCompareReport(summary));
  if (flag(args, 'json')) process.stdout.write(JSON.stringify(summary) + '\n');
  else
    process.stdout.write(
      `merged ${dirs.length} folder(s)\n${statisticsText(summary)}\nsummary: ${join(outDir, 'summary.json')}\nreport:  ${reportPath}\n`,
    );
  return 0;
}

/** Runs a compare with progress on stderr, writes summary.json and report.html, prints the table (or JSON). */
export async function executeCompare(cmd: string, args: ParsedArgs): Promise<number> {
  if (flag(args, 'merge')) return executeMerge(cmd, args);
  if (args.positionals.length > 0)
    throw new RouserError(
      `rouser ${cmd}: unexpected argument ${JSON.stringify(args.positionals[0])} (folders are arguments only with --merge)`,
    );
  const shardsOpt = str(args, 'shards') !== undefined ? num(cmd, args, 'shards', { min: 1, integer: true }) : undefined;
  const shard =
    str(args, 'shard') !== undefined
      ? parseShard(str(args, 'shard') as string)
      : shardFromEnvironment(process.env, shardsOpt);
  const settings = await compareSettings(cmd, args);
  if (shard && shard.count > 1) settings.shard = shard;
  const threads =
    str(args, 'threads') !== undefined
      ? num(cmd, args, 'threads', { min: 1, max: 64, integer: true })
      : defaultThreads();
  const backend = await createBackend(choice(cmd, args, 'backend', BACKEND_KINDS, 'fused'), { threads });
  const total = settings.shard
    ? shardRuns(settings.seeds, settings.variants, settings.shard).length
    : settings.variants.length * settings.seeds.length;
  const log = (s: string): void => void process.stderr.write(s + '\n');
  const info = settings.data.info;
  log(
    `rouser ${cmd}: ${info.name} (${settings.data.train.inputs.batch} train of which ${Math.round((settings.valFraction ?? 0) * settings.data.train.inputs.batch)} held out for validation / ${settings.data.test.inputs.batch} test, ${info.steps} steps x ${info.dtMs} ms)${settings.shard ? ` shard ${settings.shard.index}/${settings.shard.count}` : ''}, init ${settings.init}, arch ${settings.sizes.join('-')}, ${settings.variants.map((v) => v.label).join(' | ')}, ${settings.seeds.length} seed(s) x ${settings.epochs} epochs, backend ${backend.description}`,
  );
  let bar: ProgressBar | undefined;
  let current = '';
  let summary: CompareSummary | null;
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
        const ps = m.layers
          .slice(0, -1)
          .map((l) => (l.deadFractionPerSample === null ? '—' : `${(100 * l.deadFractionPerSample).toFixed(0)}%`))
          .join('/');
        log(
          `${current} epoch ${m.epoch}: loss ${Number.isFinite(m.loss) ? m.loss.toFixed(4) : m.loss} train ${(100 * m.trainAccuracy).toFixed(1)}%${m.valAccuracy === null ? '' : ` val ${(100 * m.valAccuracy).toFixed(1)}%`} test ${(100 * m.testAccuracy).toFixed(1)}% dead (whole set) ${m.layers
            .slice(0, -1)
            .map((l) => `${(100 * l.deadFraction).toFixed(0)}%`)
            .join(
              '/',
            )} (per sample) ${ps} rate ${m.layers.map((l) => l.spikeRate.toFixed(3)).join('/')} (${formatSeconds(m.wallMs / 1000)})`,
        );
      },
    });
  } finally {
    await backend.dispose();
  }
  if (summary === null) {
    process.stdout.write(
      `shard ${settings.shard!.index}/${settings.shard!.count} done: ${total} run(s) in ${join(settings.outDir, 'runs')}; merge with rouser compare --merge DIR...\n`,
    );
    return 0;
  }
  const reportPath = join(settings.outDir, 'report.html');
  writeFileAtomic(reportPath, await renderCompareReport(summary));
  if (flag(args, 'json')) {
    process.stdout.write(JSON.stringify(summary) + '\n');
  } else {
    process.stdout.write(
      `\nRouser compare on ${info.name}: ${settings.sizes.join('-')}, ${settings.epochs} epochs, ${settings.seeds.length} seed(s), ${formatSeconds(summary.wallMs / 1000)}\n\n`,
    );
    process.stdout.write(formatTable([headlineHeader(summary), ...headlineRows(summary)]));
    process.stdout.write(`\n${statisticsText(summary)}`);
    process.stdout.write(`\n${deadNeuronStory(summary)}`);
    process.stdout.write(`\nsummary: ${join(settings.outDir, 'summary.json')}\nreport:  ${reportPath}\n`);
  }
  return 0;
}

/** `rouser compare`: the paper's experiment, learned vs fixed thresholds from the same initial weights. */
export const compareCommand: Command = {
  name: 'compare',
  summary:
    'train learned- and fixed-threshold variants from the same initial weights, evaluate them in the event engine, write summary.json and report.html',
  usage:
    'rouser compare --dataset NAME|PATH [--arch 128-10] [--variants learned,fixed:0.5,...] [--epochs E] [--seeds N] [--init kaiming|lava-dl] [--val-fraction F] [--shard I/N] [--out DIR]\n       rouser compare --merge DIR... [--out DIR]',
  details:
    'Each variant/seed run is checkpointed under DIR/runs/VARIANT/seed-S (run.json when finished); --resume continues an interrupted compare. A validation split held out from the training data picks each run\'s reported epoch; the test set is only measured. With --shard I/N (or a SLURM array / Kubernetes Indexed Job) a process runs only its share of the runs; --merge builds summary.json and report.html from the shards (docs/README-sweeps.md). The summary.json fields are documented in the README (section "compare summary.json").',
  positionals: true,
  options: COMPARE_OPTIONS,
  run: (args) => executeCompare('compare', args),
};
