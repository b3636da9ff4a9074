import { architecture } from '../../model/index.js';
import { loadModel, saveSpec } from '../../io/model.js';
import { saveNirModel } from '../../io/nir.js';
import type { FromNirOptions } from '../../model/nir.js';
import { RouserError } from '../../util/errors.js';
import { choice, flag, str, type Command, type ParsedArgs } from '../args.js';

const MODEL_USAGE = [
  'rouser model inspect PATH [--json]',
  'rouser model convert IN OUT',
  'rouser model export MODEL --to nir OUT.nir',
  'rouser model import IN.nir OUT.json|OUT.rsnn [--dt SECONDS] [--discretization euler|exact] [--reset zero|subtract]',
];

/** The `fromNir` options given on the command line (`--dt`, `--discretization`, `--reset`). */
function nirOptions(args: ParsedArgs): Omit<FromNirOptions, 'where'> {
  const o: Omit<FromNirOptions, 'where'> = {};
  const dt = str(args, 'dt');
  if (dt !== undefined) {
    const v = Number(dt);
    if (!(v > 0) || !Number.isFinite(v))
      throw new RouserError(
        `model: option --dt is ${JSON.stringify(dt)}; expected a time step > 0 in seconds (e.g. 1e-4)`,
      );
    o.dtSeconds = v;
  }
  if (str(args, 'discretization') !== undefined)
    o.discretization = choice('model', args, 'discretization', ['euler', 'exact'] as const, 'euler');
  if (str(args, 'reset') !== undefined) o.reset = choice('model', args, 'reset', ['zero', 'subtract'] as const, 'zero');
  return o;
}

/**
 * `rouser model inspect PATH`, `rouser model convert IN OUT` (JSON <-> binary .rsnn), `rouser model export MODEL --to nir
 * OUT.nir` and `rouser model import IN.nir OUT` (NIR graphs, see docs/README-nir.md).
 */
export const modelCommand: Command = {
  name: 'model',
  summary:
    'inspect a model file (validates it), convert it between JSON and .rsnn, export it to NIR or import a NIR graph',
  usage: MODEL_USAGE.join(' | '),
  details: [
    'A model is a NetworkSpec as written by `rouser train` (DIR/model.json), or a NIR graph (.nir) wherever a model is read.',
    'OUT ending in .rsnn is written in the binary form, anything else as JSON; writes are atomic.',
    'export writes NIR 1.0 (CubaLIF / LIF nodes, tau = dt/(1-a), w_in and r = 1/(1-a)); import maps it back (forward Euler',
    'unless the graph metadata or --discretization says exact). --dt (seconds) and --reset apply when the graph has no such metadata.',
  ].join('\n'),
  positionals: true,
  options: {
    json: { type: 'boolean', help: 'print one JSON object on stdout' },
    to: { type: 'string', value: 'FORMAT', help: 'export format (nir)' },
    dt: {
      type: 'string',
      value: 'SECONDS',
      help: 'import: time step when the NIR graph has no dt metadata (default 1e-4)',
    },
    discretization: { type: 'string', value: 'D', help: 'import: euler (default) or exact (a = exp(-dt/tau))' },
    reset: {
      type: 'string',
      value: 'R',
      help: 'import: zero (default) or subtract, when the graph has no reset metadata',
    },
  },
  async run(args) {
    const [sub, a, b] = args.positionals;
    switch (sub) {
      case 'inspect': {
        if (!a) throw new RouserError('model inspect needs a PATH');
        const spec = await loadModel(a);
        const summary = {
          path: a,
          architecture: architecture(spec),
          dtMs: spec.dtMs,
          parameters: spec.layers.reduce(
            (s, l) => s + l.weights.length + l.thresholds.length + (l.bias?.length ?? 0),
            0,
          ),
          layers: spec.layers.map((l) => {
            let mn = Infinity;
            let mx = -Infinity;
            let sum = 0;
            for (const t of l.thresholds) {
              mn = Math.min(mn, t);
              mx = Math.max(mx, t);
              sum += t;
            }
            return {
              size: l.size,
              inputSize: l.inputSize,
              neuron: l.neuron,
              reset: l.reset,
              delaySteps: l.delaySteps,
              bias: l.bias !== undefined,
              threshold: { mean: sum / l.size, min: mn, max: mx },
            };
          }),
          meta: spec.meta,
        };
        if (flag(args, 'json')) process.stdout.write(JSON.stringify(summary) + '\n');
        else {
          process.stdout.write(
            `${a}: ${summary.architecture.join('-')}, dt ${spec.dtMs} ms, ${summary.parameters} parameters\n`,
          );
          summary.layers.forEach((l, i) =>
            process.stdout.write(
              `  layer ${i}: ${l.inputSize} -> ${l.size} ${l.neuron.kind} reset=${l.reset} delay=${l.delaySteps} Th mean ${l.threshold.mean.toFixed(4)} [${l.threshold.min.toFixed(4)}, ${l.threshold.max.toFixed(4)}]\n`,
            ),
          );
        }
        return 0;
      }
      case 'convert': {
        if (!a || !b) throw new RouserError('model convert needs IN and OUT paths');
        saveSpec(b, await loadModel(a));
        process.stderr.write(`wrote ${b}\n`);
        return 0;
      }
      case 'export': {
        if (!a || !b)
          throw new RouserError(
            'model export needs MODEL and OUT.nir paths: rouser model export MODEL --to nir OUT.nir',
          );
        const to = str(args, 'to');
        if (to !== 'nir')
          throw new RouserError(`model export: option --to is ${JSON.stringify(to ?? '')}; expected nir`);
        if (!/\.nir$/i.test(b))
          throw new RouserError(`model export: OUT is ${JSON.stringify(b)}; expected a path ending in .nir`);
        await saveNirModel(b, await loadModel(a));
        process.stderr.write(`wrote ${b}\n`);
        return 0;
      }
      case 'import': {
        if (!a || !b)
          throw new RouserError(
            'model import needs IN.nir and OUT paths: rouser model import IN.nir OUT.json|OUT.rsnn',
          );
        if (!/\.nir$/i.test(a))
          throw new RouserError(`model import: IN is ${JSON.stringify(a)}; expected a NIR graph ending in .nir`);
        const spec = await loadModel(a, nirOptions(args));
        saveSpec(b, spec);
        process.stderr.write(`wrote ${b}\n`);
        return 0;
      }
      case undefined:
        process.stderr.write(
          `rouser model: a sub-command is required; expected one of:\n${MODEL_USAGE.map((u) => `  ${u}`).join('\n')}\n`,
        );
        return 1;
      default:
        throw new RouserError(
          `model: sub-command is ${JSON.stringify(sub)}; expected inspect, convert, export or import`,
        );
    }
  },
};
