import { createRequire } from 'node:module';
import { RouserError } from '../util/errors.js';
import { commandHelp, parseCommandArgs, type Command } from './args.js';
import { COMMANDS } from './commands/index.js';

function version(): string {
  const require = createRequire(import.meta.url);
  return (require('../../package.json') as { version: string }).version;
}

function topHelp(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `rouser ${version()} — spiking neural networks with learned thresholds, an event-driven engine and energy reports`,
    '',
    'Usage: rouser COMMAND [options]     (rouser COMMAND --help for the options of one command)',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    '',
    'Global: --help, --version',
    '',
  ].join('\n');
}

/**
 * The one line printed for a `RouserError`: `rouser NAME: error: MESSAGE`, with any `rouser NAME: ` the message
 * itself starts with dropped (one prefix) and line breaks folded into spaces (one line).
 */
export function errorLine(command: string, message: string): string {
  const prefix = `rouser ${command}: `;
  let m = message;
  while (m.startsWith(prefix)) m = m.slice(prefix.length);
  return `${prefix}error: ${m.replace(/\s*\r?\n\s*/g, ' ')}`;
}

/**
 * Runs the CLI on argv (without `node` and the script) and returns the exit code. `RouserError`s (bad input) are
 * printed as one line without a stack trace; any other error is a bug and keeps its stack.
 */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const sub = name === 'help' ? rest[0] : undefined;
    const cmd = COMMANDS.find((c) => c.name === sub);
    process.stdout.write(cmd ? commandHelp(cmd) : topHelp());
    return 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const cmd: Command | undefined = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    process.stderr.write(
      `rouser: unknown command ${JSON.stringify(name)}; expected one of ${COMMANDS.map((c) => c.name).join(', ')} (see rouser --help)\n`,
    );
    return 1;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(commandHelp(cmd));
    return 0;
  }
  try {
    return await cmd.run(parseCommandArgs(cmd, rest));
  } catch (e) {
    if (e instanceof RouserError) {
      process.stderr.write(`${errorLine(cmd.name, e.message)}\n`);
      return 1;
    }
    throw e;
  }
}
