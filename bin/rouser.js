#!/usr/bin/env node
// Entry point of the `rouser` command: runs the compiled CLI (built by `npm run build`, which `npm ci` runs as `prepare`).
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`rouser: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
