import { defaultSurrogate, SURROGATE_KINDS, surrogateProblem, type Surrogate } from '../neuron/surrogate.js';
import { DEFAULT_LOSS, type LossSpec } from '../train/loss.js';
import { RouserError } from '../util/errors.js';
import { choice, type ParsedArgs } from './args.js';

/**
 * Training options shared by `rouser train` and `rouser compare`.
 *
 * Parses `--surrogate KIND(:key=value)*`, e.g. `exponential`, `exponential:scale=3:tau=3` (the paper's ablation),
 * `fastSigmoid:slope=10`, `atan:alpha=2`, `triangle:scale=1:width=0.5`. Keys are the parameters of the kind
 * (see src/neuron/surrogate.ts); unset ones keep their defaults.
 */
export function parseSurrogate(text: string): Surrogate {
  const [kind, ...items] = text.split(':');
  if (!(SURROGATE_KINDS as readonly string[]).includes(kind ?? ''))
    throw new RouserError(
      `--surrogate ${JSON.stringify(text)}: kind ${JSON.stringify(kind)}; expected one of ${SURROGATE_KINDS.join(', ')}`,
    );
  const sg = defaultSurrogate(kind as Surrogate['kind']) as Surrogate & Record<string, number | string>;
  const keys = Object.keys(sg).filter((k) => k !== 'kind');
  for (const item of items) {
    const [key, raw] = item.split('=');
    if (key === undefined || raw === undefined || !keys.includes(key))
      throw new RouserError(
        `--surrogate ${JSON.stringify(text)}: item ${JSON.stringify(item)}; expected key=value with key one of ${keys.join(', ')}`,
      );
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(v))
      throw new RouserError(`--surrogate ${JSON.stringify(text)}: ${key} is ${JSON.stringify(raw)}; expected a number`);
    (sg as Record<string, number | string>)[key] = v;
  }
  const problem = surrogateProblem(sg);
  if (problem) throw new RouserError(`--surrogate ${JSON.stringify(text)}: ${problem}`);
  return sg;
}

/** `--loss rate-mse` (SLAYER spike-rate MSE, true 0.2 / false 0.03, the paper) or `--loss ce` (cross-entropy on counts). */
export function lossFromOption(cmd: string, args: ParsedArgs): LossSpec {
  const kind = choice(cmd, args, 'loss', ['rate-mse', 'ce'] as const, 'rate-mse');
  return kind === 'ce' ? { kind: 'crossEntropy' } : { ...DEFAULT_LOSS };
}
