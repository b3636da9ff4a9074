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

/** Parses argv for a command; unknown options and missing values become `RouserError`s naming the option. */
export function parseCommandArgs(cmd: Command, argv: string[]): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; default?: string | boolean }> = {};
  for (const [name, o] of Object.entries(cmd.options)) {
    options[name] = { type: o.type };
    if (o.short) options[name].short = o.short;
    if (o.default !== undefined) options[name].default = o.default;
  }
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: cmd.positionals ?? false, strict: true });
    return { values: values as ParsedArgs['values'], positionals };
  } catch (e) {
    throw new RouserError(`rouser ${cmd.name}: ${(e as Error).message.replace(/\. To specify a positional.*$/s, '')} (see rouser ${cmd.name} --help)`);
  }
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

function where(cmd: string, name: string): string {
  return `rouser ${cmd}: option --${name}`;
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
  const v = Number(raw);
  const kind = opts.integer ? 'an integer' : 'a number';
  const range = `${opts.min !== undefined ? ` >= ${opts.min}` : ''}${opts.max !== undefined ? `${opts.min !== undefined ? ' and' : ''} <= ${opts.max}` : ''}`;
  if (raw.trim() === '' || !Number.isFinite(v) || (opts.integer && !Number.isInteger(v)) || (opts.min !== undefined && v < opts.min) || (opts.max !== undefined && v > opts.max))
    throw new RouserError(`${where(cmd, name)} is ${JSON.stringify(raw)}; expected ${kind}${range}`);
  return v;
}

/** Reads an option that must be one of `choices`. */
export function choice<T extends string>(cmd: string, args: ParsedArgs, name: string, choices: readonly T[], fallback: T): T {
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
