import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { RouserError } from '../util/errors.js';

/** One command-line option: its type, default, value name and help text. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  help: string;
  /** Name of the value in help, e.g. `N` in `--neurons N`. */
  value?: string;
  default?: string | boolean;
  short?: string;
}

/** A CLI command: name, one-line summary, options, and the function that runs it (returns the exit code). */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Longer text printed under the usage in `rouser NAME --help`. */
  details?: string;
  options: Record<string, OptionSpec>;
  /** Whether positional arguments are accepted. */
  positionals?: boolean;
  run(args: ParsedArgs): Promise<number>;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** Largest `--steps` any command accepts (time steps per sample; sizes are also checked against memory). */
export const MAX_STEPS_OPTION = 1_000_000;

/** Constraints of a numeric option, checked by {@link parseCommandArgs} before the command runs. */
export interface NumericRule {
  integer?: boolean;
  min?: number;
  max?: number;
}

/**
 * Every numeric option name used by the commands with the constraint that holds wherever it appears (a command may
 * narrow it further with {@link num}). {@link parseCommandArgs} checks these before a command reads any data, so
 * `--epochs -1` fails at once instead of after the dataset is loaded.
 */
export const NUMERIC_OPTIONS: Readonly<Record<string, NumericRule>> = {
  epochs: { integer: true, min: 0, max: 100000 },
  batch: { integer: true, min: 1, max: 2 ** 20 },
  seed: { integer: true, min: -(2 ** 53 - 1), max: 2 ** 53 - 1 },
  seeds: { integer: true, min: 1, max: 100 },
  threads: { integer: true, min: 1, max: 64 },
  lr: { min: 0 },
  'lr-th': { min: 0 },
  'th-init': {},
  'th-floor': {},
  'weight-scale': { min: 0 },
  beta: { min: 0, max: 1 },
  'target-accuracy': { min: 0, max: 1 },
  'event-samples': { integer: true, min: 0 },
  steps: { integer: true, min: 1, max: MAX_STEPS_OPTION },
  samples: { integer: true, min: 1 },
  'train-samples': { integer: true, min: 1 },
  'test-samples': { integer: true, min: 1 },
  downsample: { integer: true, min: 1 },
  'bin-ms': { min: 1e-3 },
  neurons: { integer: true, min: 2 },
  fanout: { integer: true, min: 0 },
  rate: { min: 0 },
  'duration-ms': { min: 0 },
  'dt-ms': { min: 1e-6 },
  'drive-hz': { min: 0 },
  'delay-ms': { min: 0 },
};

const NUMBER_TOKEN = /^-(?:\d|\.\d|Infinity\b|NaN\b)/;

/**
 * Rewrites `--name -1` to `--name=-1` for string options whose next token is a negative number, so that Node's
 * parseArgs does not take `-1` for a flag ("argument is ambiguous").
 */
function joinNegativeValues(cmd: Command, argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const next = argv[i + 1];
    const long = /^--([^=]+)$/.exec(a)?.[1];
    const short = /^-([A-Za-z])$/.exec(a)?.[1];
    const name =
      long ?? (short !== undefined ? Object.keys(cmd.options).find((k) => cmd.options[k]?.short === short) : undefined);
    if (name !== undefined && cmd.options[name]?.type === 'string' && next !== undefined && NUMBER_TOKEN.test(next)) {
      out.push(`--${name}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** Checks a numeric option's text against `rule`; the error names the command, option, value and range. */
export function checkNumber(cmd: string, name: string, raw: string, rule: NumericRule): number {
  const v = Number(raw);
  const kind = rule.integer ? 'an integer' : 'a number';
  const range = `${rule.min !== undefined ? ` >= ${rule.min}` : ''}${rule.max !== undefined ? `${rule.min !== undefined ? ' and' : ''} <= ${rule.max}` : ''}`;
  if (
    raw.trim() === '' ||
    !Number.isFinite(v) ||
    (rule.integer && !Number.isInteger(v)) ||
    (rule.min !== undefined && v < rule.min) ||
    (rule.max !== undefined && v > rule.max)
  )
    throw new RouserError(`${where(cmd, name)} is ${JSON.stringify(raw)}; expected ${kind}${range}`);
  return v;
}

/**
 * Parses argv for a command; unknown options and missing values become `RouserError`s naming the option. Negative
 * numbers are accepted as option values, and every numeric option listed in {@link NUMERIC_OPTIONS} is checked
 * here, before the command reads any data.
 */
export function parseCommandArgs(cmd: Command, argv: string[]): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; default?: string | boolean }> = {};
  for (const [name, o] of Object.entries(cmd.options)) {
    options[name] = { type: o.type };
    if (o.short) options[name].short = o.short;
    if (o.default !== undefined) options[name].default = o.default;
  }
  let parsed: ParsedArgs;
  try {
    const { values, positionals } = parseArgs({
      args: joinNegativeValues(cmd, argv),
      options,
      allowPositionals: cmd.positionals ?? false,
      strict: true,
    });
    parsed = { values: values as ParsedArgs['values'], positionals };
  } catch (e) {
    const msg = (e as Error).message.replace(/\. To specify a positional.*$/s, '').replace(/\s*\n\s*/g, ' ');
    throw new RouserError(`${msg} (see rouser ${cmd.name} --help)`);
  }
  for (const [name, v] of Object.entries(parsed.values)) {
    const rule = NUMERIC_OPTIONS[name];
    if (rule && typeof v === 'string' && cmd.options[name]?.type === 'string') checkNumber(cmd.name, name, v, rule);
  }
  return parsed;
}

/** Help text of a command. */
export function commandHelp(cmd: Command): string {
  const lines = [`Usage: ${cmd.usage}`, '', cmd.summary];
  if (cmd.details) lines.push('', cmd.details);
  lines.push('', 'Options:');
  const rows = Object.entries(cmd.options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
    const def = o.default !== undefined && o.type === 'string' ? ` (default: ${String(o.default)})` : '';
    return [flag, `${o.help}${def}`] as const;
  });
  rows.push(['-h, --help', 'show this help']);
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [f, h] of rows) lines.push(`  ${f.padEnd(w)}  ${h}`);
  return lines.join('\n') + '\n';
}

function where(_cmd: string, name: string): string {
  return `option --${name}`;
}

/** Reads a string option (undefined when absent and no default). */
export function str(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

/** Reads a required string option. */
export function reqStr(cmd: string, args: ParsedArgs, name: string): string {
  const v = str(args, name);
  if (v === undefined || v === '') throw new RouserError(`${where(cmd, name)} is required (see rouser ${cmd} --help)`);
  return v;
}

/** Reads a boolean flag. */
export function flag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

/** Reads a number option with bounds; errors name the option, the value and the expected range. */
export function num(
  cmd: string,
  args: ParsedArgs,
  name: string,
  opts: { min?: number; max?: number; integer?: boolean; fallback?: number } = {},
): number {
  const raw = str(args, name);
  if (raw === undefined) {
    if (opts.fallback !== undefined) return opts.fallback;
    throw new RouserError(`${where(cmd, name)} is required`);
  }
  return checkNumber(cmd, name, raw, opts);
}

/** Reads an option that must be one of `choices`. */
export function choice<T extends string>(
  cmd: string,
  args: ParsedArgs,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const raw = str(args, name);
  if (raw === undefined) return fallback;
  if (!(choices as readonly string[]).includes(raw))
    throw new RouserError(`${where(cmd, name)} is ${JSON.stringify(raw)}; expected one of ${choices.join(', ')}`);
  return raw as T;
}

/** Default worker count of the fused trainer: the machine's cores, at most 4 (results do not depend on it). */
export function defaultThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}
