import { architecture } from '../../model/index.js';
import { loadSpec, saveSpec } from '../../io/model.js';
import { RouserError } from '../../util/errors.js';
import { flag, type Command } from '../args.js';

/** `rouser model inspect PATH` and `rouser model convert IN OUT` (JSON <-> binary .rsnn). */
export const modelCommand: Command = {
  name: 'model',
  summary: 'inspect a model file (validates it) or convert it between JSON and binary .rsnn',
  usage: 'rouser model inspect PATH [--json] | rouser model convert IN OUT',
  details: 'A model is a NetworkSpec as written by `rouser train` (DIR/model.json). OUT ending in .rsnn is written in the binary form, anything else as JSON; writes are atomic.',
  positionals: true,
  options: { json: { type: 'boolean', help: 'print one JSON object on stdout' } },
  async run(args) {
    const [sub, a, b] = args.positionals;
    switch (sub) {
      case 'inspect': {
        if (!a) throw new RouserError('model inspect needs a PATH');
        const spec = loadSpec(a);
        const summary = {
          path: a,
          architecture: architecture(spec),
          dtMs: spec.dtMs,
          parameters: spec.layers.reduce((s, l) => s + l.weights.length + l.thresholds.length + (l.bias?.length ?? 0), 0),
          layers: spec.layers.map((l) => {
            let mn = Infinity;
            let mx = -Infinity;
            let sum = 0;
            for (const t of l.thresholds) {
              mn = Math.min(mn, t);
              mx = Math.max(mx, t);
              sum += t;
            }
            return { size: l.size, inputSize: l.inputSize, neuron: l.neuron, reset: l.reset, delaySteps: l.delaySteps, bias: l.bias !== undefined, threshold: { mean: sum / l.size, min: mn, max: mx } };
          }),
          meta: spec.meta,
        };
        if (flag(args, 'json')) process.stdout.write(JSON.stringify(summary) + '\n');
        else {
          process.stdout.write(`${a}: ${summary.architecture.join('-')}, dt ${spec.dtMs} ms, ${summary.parameters} parameters\n`);
          summary.layers.forEach((l, i) =>
            process.stdout.write(`  layer ${i}: ${l.inputSize} -> ${l.size} ${l.neuron.kind} reset=${l.reset} delay=${l.delaySteps} Th mean ${l.threshold.mean.toFixed(4)} [${l.threshold.min.toFixed(4)}, ${l.threshold.max.toFixed(4)}]\n`),
          );
        }
        return 0;
      }
      case 'convert': {
        if (!a || !b) throw new RouserError('model convert needs IN and OUT paths');
        saveSpec(b, loadSpec(a));
        process.stderr.write(`wrote ${b}\n`);
        return 0;
      }
      default:
        throw new RouserError(`model: sub-command is ${JSON.stringify(sub ?? '')}; expected inspect or convert`);
    }
  },
};
