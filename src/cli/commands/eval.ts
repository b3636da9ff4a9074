import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { NetworkSpec } from '../../model/spec.js';
import { ENERGY_TABLES, parseEnergyTables, type EnergyTable } from '../../metrics/energy.js';
import { loadModel, loadSpec } from '../../io/model.js';
import { firstSamples } from '../../model/spikes.js';
import { createBackend } from '../../train/backend.js';
import { RouserError } from '../../util/errors.js';
import { parseJson } from '../../util/json.js';
import { choice, flag, num, reqStr, str, type Command } from '../args.js';
import { datasetRequestFromMeta, openDataset, type DatasetRequest } from '../../io/open.js';
import { evaluateModel, type EngineChoice, type EvalReport } from '../../experiment/evaluate.js';
import { writeEvalPlots } from '../../report/evalPlots.js';
import { ProgressBar } from '../progress.js';
import { formatTable } from '../table.js';

/**
 * Resolves `--energy`: a built-in table name, or a JSON file holding one table or an array of tables
 * ({name, macPj, acPj, neuronUpdatePj, source}). Without it, every built-in table is used.
 */
export function resolveEnergyTables(arg: string | undefined): EnergyTable[] {
  if (arg === undefined) return [...ENERGY_TABLES];
  const builtIn = ENERGY_TABLES.find((t) => t.name === arg);
  if (builtIn) return [builtIn];
  let text: string;
  try {
    text = readFileSync(arg, 'utf8');
  } catch (e) {
    throw new RouserError(
      `--energy ${JSON.stringify(arg)}: not a built-in table (${ENERGY_TABLES.map((t) => t.name).join(', ')}) and not a readable file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  return parseEnergyTables(parseJson(text, arg), arg);
}

/**
 * The thresholds a model started training from, for `threshold.fractionMoved`: `initial-model.json` next to the
 * model (written by train and compare) when its architecture matches, else one value per layer from
 * `meta.thInit`, else null (unknown: fractionMoved is reported as null).
 */
export function initialThresholdsFor(modelPath: string, spec: NetworkSpec): (Float32Array | number)[] | null {
  const sidecar = join(dirname(modelPath), 'initial-model.json');
  if (existsSync(sidecar)) {
    const init = loadSpec(sidecar);
    if (
      init.inputSize === spec.inputSize &&
      init.layers.length === spec.layers.length &&
      init.layers.every((l, i) => l.size === spec.layers[i]!.size)
    )
      return init.layers.map((l) => l.thresholds);
  }
  const th = spec.meta.thInit;
  return typeof th === 'number' && Number.isFinite(th) ? spec.layers.map(() => th) : null;
}

function printReport(r: EvalReport): void {
  const pct = (x: number | undefined): string => (x === undefined ? '-' : `${(100 * x).toFixed(2)}%`);
  const lines: string[] = [];
  lines.push(`${r.model} on ${r.dataset}: ${r.samples} samples x ${r.steps} steps, engine ${r.engine}`);
  lines.push(`accuracy: event ${pct(r.accuracyByEngine.event)}  dense ${pct(r.accuracyByEngine.dense)}`);
  if (r.agreement)
    lines.push(
      `agreement: predictions ${pct(r.agreement.predictions)}, identical spike trains ${pct(r.agreement.spikeTrains)} (event engine vs ${r.agreement.spikeTrainsAgainst})`,
    );
  process.stdout.write(lines.join('\n') + '\n\n');
  process.stdout.write(
    formatTable([
      [
        'layer',
        'size',
        'rate',
        'Hz',
        'sparsity',
        'dead',
        'saturated >=90%',
        'every step',
        'SynOps/sample',
        'MACs/sample',
        'Th mean',
        'Th std',
        'Th < 0',
        'Th moved',
      ],
      ...r.layers.map((l) => [
        l.index,
        l.size,
        l.spikeRate.toFixed(4),
        l.spikeRateHz.toFixed(1),
        pct(l.sparsity),
        pct(l.deadFraction),
        pct(l.saturatedFraction),
        pct(l.saturatedStrictFraction),
        Math.round(l.synOps),
        l.macs,
        l.threshold.mean.toFixed(3),
        l.threshold.std.toFixed(3),
        l.threshold.negative,
        l.threshold.fractionMoved === null ? 'unknown' : pct(l.threshold.fractionMoved),
      ]),
    ]),
  );
  process.stdout.write('\n');
  process.stdout.write(
    formatTable([
      ['energy table', 'SNN pJ/sample', 'dense pJ/sample', 'SNN/dense'],
      ...r.energy.map((e) => [e.table, e.snnPj.toExponential(3), e.densePj.toExponential(3), e.ratio.toFixed(4)]),
    ]),
  );
  process.stdout.write(
    `SynOps/sample ${Math.round(r.synOpsPerSample)} vs dense MACs/sample ${r.macsPerSample} (${(r.synOpsPerSample / r.macsPerSample).toFixed(4)})\n`,
  );
}

/** `rouser eval`: evaluates a trained model in the event engine, the dense engine, or both. */
export const evalCommand: Command = {
  name: 'eval',
  summary:
    'evaluate a trained model in the event engine and/or the dense engine: accuracy, sparsity, SynOps, energy, dead neurons',
  usage:
    'rouser eval --model DIR/model.json [--dataset NAME|PATH] [--engine event|dense|both] [--energy TABLE] [--json] [--plot DIR]',
  details: [
    'The dataset defaults to the one recorded in the model (meta.dataset, meta.steps, meta.downsample).',
    `--energy takes a built-in table (${ENERGY_TABLES.map((t) => t.name).join(', ')}) or a JSON file with one table or an array:`,
    '  {"name": "...", "macPj": 4.6, "acPj": 0.9, "neuronUpdatePj": 9.2, "source": "where the numbers come from"}',
    'The --json object is documented in the README (section "eval JSON").',
  ].join('\n'),
  options: {
    model: {
      type: 'string',
      value: 'PATH',
      help: 'model file (DIR/model.json from rouser train, .rsnn, or a NIR graph .nir)',
    },
    dataset: {
      type: 'string',
      value: 'NAME|PATH',
      help: "synthetic, nmnist-mini, randman, or a path (default: the model's dataset)",
    },
    engine: { type: 'string', value: 'E', help: 'event, dense or both', default: 'both' },
    energy: { type: 'string', value: 'TABLE', help: 'energy table name or JSON file (default: all built-in tables)' },
    samples: { type: 'string', value: 'N', help: 'evaluate only the first N test samples' },
    steps: { type: 'string', value: 'T', help: "time steps per sample (default: the model's)" },
    downsample: {
      type: 'string',
      value: 'K',
      help: "spatial downsampling / channel pooling factor (default: the model's)",
    },
    backend: { type: 'string', value: 'B', help: 'dense engine backend: fused or tfjs', default: 'fused' },
    plot: { type: 'string', value: 'DIR', help: 'write raster.svg, thresholds.svg and rates.svg into DIR' },
    json: { type: 'boolean', help: 'print one JSON object (the documented eval report) on stdout' },
  },
  async run(args) {
    const modelPath = reqStr('eval', args, 'model');
    const spec = await loadModel(modelPath);
    // The dataset and its shaping as recorded at training time; --dataset, --steps and --downsample override them.
    const fromMeta = datasetRequestFromMeta(spec.meta);
    const ref = str(args, 'dataset') ?? fromMeta.ref;
    if (!ref)
      throw new RouserError(
        `rouser eval: option --dataset is required (the model ${modelPath} records no dataset in meta.dataset)`,
      );
    const engine = choice<EngineChoice>('eval', args, 'engine', ['event', 'dense', 'both'], 'both');
    const tables = resolveEnergyTables(str(args, 'energy'));
    const samples =
      str(args, 'samples') !== undefined ? num('eval', args, 'samples', { min: 1, integer: true }) : undefined;
    const req: DatasetRequest = { ...fromMeta.req };
    if (str(args, 'steps') !== undefined) req.steps = num('eval', args, 'steps', { min: 1, integer: true });
    if (str(args, 'downsample') !== undefined)
      req.downsample = num('eval', args, 'downsample', { min: 1, integer: true });
    const data = await openDataset(ref, req);
    const test = samples !== undefined ? firstSamples(data.test, samples) : data.test;
    if (test.inputs.channels !== spec.inputSize)
      throw new RouserError(
        `${modelPath}: the model takes ${spec.inputSize} inputs but dataset ${ref} gives ${test.inputs.channels} (check --downsample)`,
      );
    if (Math.abs(spec.dtMs - data.info.dtMs) > 1e-9)
      process.stderr.write(
        `rouser eval: ${modelPath} records dtMs ${spec.dtMs} but the data's steps are ${data.info.dtMs} ms; rates in Hz use ${data.info.dtMs} ms\n`,
      );
    const backendKind = choice('eval', args, 'backend', ['fused', 'tfjs'] as const, 'fused');
    const backend = engine === 'event' ? undefined : await createBackend(backendKind);
    const bar = new ProgressBar('eval (event engine)', test.inputs.batch);
    const plotDir = str(args, 'plot');
    try {
      const evalOpts: Parameters<typeof evaluateModel>[2] = {
        engine,
        energyTables: tables,
        modelName: modelPath,
        keepFirstSample: plotDir !== undefined,
        dtMs: data.info.dtMs,
        initialThresholds: initialThresholdsFor(modelPath, spec),
        onSample: (d) => bar.update(d),
      };
      if (backend) evalOpts.backend = backend;
      const { report, firstSample } = await evaluateModel(spec, test, evalOpts);
      bar.finish();
      if (plotDir) {
        const thInit = spec.meta?.thInit;
        const files = await writeEvalPlots(plotDir, report, {
          ...(firstSample ? { sample: { spikes: firstSample, label: test.labels[0] as number } } : {}),
          ...(typeof thInit === 'number' ? { initialThreshold: thInit } : {}),
        });
        process.stderr.write(`plots: ${files.join(', ')}\n`);
      }
      if (flag(args, 'json')) process.stdout.write(JSON.stringify(report) + '\n');
      else printReport(report);
      return 0;
    } finally {
      await backend?.dispose();
    }
  },
};
