// Runs the rouser CLI from source in a child process (used by the sharding test: two real processes).
import { main } from '../../src/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`rouser: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
