// Child process of the CLI fault test: runs the real `rouser` command line (src/cli/main.ts, as bin/rouser.js runs
// the compiled one) with argv[2..] and exits with its exit code.
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
