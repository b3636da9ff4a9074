import { microcircuitPlan, PD14_POPULATIONS, type Pd14Background } from '../../examples/pd14.js';
import { microcircuitFromPlan } from '../../examples/microcircuit.js';
import { saveNetwork } from '../../io/network.js';
import { RouserError } from '../../util/errors.js';
import { choice, flag, num, reqStr, str, type Command } from '../args.js';

const EXAMPLES = ['microcircuit'] as const;
const BACKGROUNDS: readonly Pd14Background[] = ['poisson', 'dc'];

/** `rouser examples microcircuit [--n-scale S] [--k-scale K] [--bg poisson|dc] [--seed S] --out NET.json`. */
export const examplesCommand: Command = {
  name: 'examples',
  summary:
    'write a published network as a description file for rouser simulate (microcircuit: Potjans & Diesmann 2014)',
  usage:
    'rouser examples microcircuit [--n-scale S] [--k-scale K] [--bg poisson|dc] [--seed S] [--record POP,...] --out NET.json [--json]',
  details: [
    'microcircuit: the PD14 cortical microcircuit as in the PyNEST example (77,169 iaf_psc_exp neurons and 298,880,968',
    'synapses at full scale; fixed total numbers of synapses with multapses and autapses, weights and delays redrawn,',
    'delays rounded to the 0.1 ms grid, optimized initial voltages). --n-scale scales population sizes, --k-scale the',
    'in-degrees (weights / sqrt(K) and a DC term keep the mean input). Use --n-scale = --k-scale with Poisson drive for',
    'small runs: DC drive at K = 0.1 leaves every population but L6I below threshold, and K = 1 at small N synchronises.',
    'Then: rouser simulate NET.json --duration-ms 1500 --presim-ms 500 --out run/',
  ].join('\n'),
  positionals: true,
  options: {
    'n-scale': { type: 'string', value: 'S', help: 'population size scale in (0, 1]', default: '1' },
    'k-scale': { type: 'string', value: 'K', help: 'in-degree scale in (0, 1]', default: '1' },
    bg: { type: 'string', value: 'poisson|dc', help: 'background drive', default: 'poisson' },
    seed: { type: 'string', value: 'S', help: 'seed of every draw at compile and run time', default: '55' },
    record: {
      type: 'string',
      value: 'POP,...',
      help: `populations whose spikes are recorded (default all: ${PD14_POPULATIONS.join(',')})`,
    },
    out: { type: 'string', value: 'NET.json', help: 'description file to write (atomic)' },
    json: { type: 'boolean', help: 'print a JSON summary on stdout' },
  },
  async run(args) {
    const c = 'examples';
    const [name, extra] = args.positionals;
    if (!name || !(EXAMPLES as readonly string[]).includes(name) || extra !== undefined)
      throw new RouserError(
        `example is ${JSON.stringify(args.positionals.join(' '))}; expected one of ${EXAMPLES.join(', ')}`,
      );
    const nScale = num(c, args, 'n-scale', { min: 1e-6, max: 1 });
    const kScale = num(c, args, 'k-scale', { min: 1e-6, max: 1 });
    const background = choice(c, args, 'bg', BACKGROUNDS, 'poisson');
    const seed = num(c, args, 'seed', { min: 0, max: 0xffffffff, integer: true });
    const out = reqStr(c, args, 'out');
    const rec = str(args, 'record');
    const plan = microcircuitPlan({ nScale, kScale, background });
    const desc = microcircuitFromPlan(
      plan,
      seed,
      rec === undefined
        ? undefined
        : rec
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== ''),
    );
    saveNetwork(out, desc);
    const neurons = plan.populations.reduce((a, p) => a + p.size, 0);
    const synapses = plan.projections.reduce((a, p) => a + p.count, 0);
    const summary = {
      example: name,
      out,
      nScale,
      kScale,
      background,
      seed,
      neurons,
      synapses,
      populations: plan.populations.map((p) => ({
        name: p.name,
        size: p.size,
        kExt: p.kExt,
        poissonRateHz: p.poissonRateHz,
        biasPa: p.biasPa,
      })),
    };
    if (flag(args, 'json')) process.stdout.write(JSON.stringify(summary) + '\n');
    else {
      const lines = [
        `wrote ${out}: PD14 microcircuit, N x ${nScale}, K x ${kScale}, ${background} background, seed ${seed}: ${neurons} neurons, ${synapses} synapses`,
      ];
      for (const p of plan.populations)
        lines.push(
          `  ${p.name.padEnd(5)} ${String(p.size).padStart(6)} neurons  K_ext ${String(p.kExt).padStart(4)}  Poisson ${String(p.poissonRateHz).padStart(5)} Hz  I_e ${p.biasPa.toFixed(1).padStart(7)} pA`,
        );
      if (background === 'dc' && kScale < 1) {
        const sub = plan.populations.filter((p) => p.biasPa < 375).map((p) => p.name);
        if (sub.length > 0)
          lines.push(
            `  warning: DC input below rheobase (375 pA) in ${sub.join(', ')}; these populations may not fire (use --bg poisson)`,
          );
      }
      process.stdout.write(lines.join('\n') + '\n');
    }
    return 0;
  },
};
