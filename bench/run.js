// Runs the benches: `npm run bench` runs every bench/*.ts; `npm run bench -- train event` runs bench/train.ts and
// bench/event.ts (extra arguments after a `--` are passed to each bench). Each bench prints its own JSON.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const sep = args.indexOf('--');
const names = sep >= 0 ? args.slice(0, sep) : args;
const passed = sep >= 0 ? args.slice(sep + 1) : [];
const all = readdirSync(here)
  .filter((f) => f.endsWith('.ts'))
  .sort();
const files = names.length ? names.map((n) => (n.endsWith('.ts') ? n : `${n}.ts`)) : all;
let status = 0;
for (const f of files) {
  if (!all.includes(f)) {
    console.error(`bench/run.js: no bench named ${f}; expected one of ${all.join(', ')}`);
    status = 1;
    continue;
  }
  console.error(`== bench/${f}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, f), ...passed], { stdio: 'inherit' });
  if (r.status !== 0) status = r.status ?? 1;
}
process.exit(status);
