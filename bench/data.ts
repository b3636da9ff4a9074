/**
 * Dataset loading bench: time and peak memory (max RSS) of
 *  - generating the embedded nmnist-mini (2000 train + 500 test .bin files) into a fresh cache, and reading it back;
 *  - loading it again from the cache;
 *  - streaming an SHD-sized file (8156 samples, float16 ragged times) into tensors, when `--shd PATH` is given
 *    (make one with `/usr/bin/python3 datasets/bench/make_shd_full_size.py /tmp/shd_train.h5`);
 *  - generating Randman (1000 + 500 samples).
 * Each case runs in its own child process so the reported peak RSS is that case's alone.
 * Usage: node --import tsx bench/data.ts [--shd PATH]
 * Prints one JSON object with the package version and git commit.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDataset } from '../src/io/datasets/load.js';

interface CaseResult {
  name: string;
  ms: number;
  maxRssMiB: number;
  detail: Record<string, unknown>;
}

async function runCase(name: string, arg: string | undefined): Promise<CaseResult> {
  const t0 = performance.now();
  let detail: Record<string, unknown> = {};
  switch (name) {
    case 'nmnist-mini-generate':
    case 'nmnist-mini-cached': {
      const d = await loadDataset('nmnist-mini', { cacheDir: arg as string });
      detail = {
        inputSize: d.info.inputSize,
        steps: d.info.steps,
        train: d.info.trainSamples,
        test: d.info.testSamples,
        events: d.info.totalEvents,
        description: d.info.description,
      };
      break;
    }
    case 'shd': {
      const d = await loadDataset(arg as string, { downsample: 5 });
      detail = {
        inputSize: d.info.inputSize,
        steps: d.info.steps,
        train: d.info.trainSamples,
        test: d.info.testSamples,
        spikes: d.info.totalEvents,
        tensorMiB: (d.train.inputs.data.byteLength + d.test.inputs.data.byteLength) / 2 ** 20,
      };
      break;
    }
    case 'randman': {
      const d = await loadDataset('randman', {});
      detail = {
        inputSize: d.info.inputSize,
        steps: d.info.steps,
        train: d.info.trainSamples,
        test: d.info.testSamples,
      };
      break;
    }
    default:
      throw new Error(`unknown case ${name}`);
  }
  return {
    name,
    ms: Math.round(performance.now() - t0),
    maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    detail,
  };
}

function child(name: string, arg?: string): CaseResult {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--case', name, ...(arg ? [arg] : [])], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`case ${name} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as CaseResult;
}

const argv = process.argv.slice(2);
if (argv[0] === '--case') {
  process.stdout.write(JSON.stringify(await runCase(argv[1] as string, argv[2])) + '\n');
} else {
  const require = createRequire(import.meta.url);
  const version = (require('../package.json') as { version: string }).version;
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    /* not a git checkout */
  }
  const cache = mkdtempSync(join(tmpdir(), 'rouser-bench-'));
  const results: CaseResult[] = [];
  try {
    results.push(child('nmnist-mini-generate', cache));
    results.push(child('nmnist-mini-cached', cache));
    results.push(child('randman'));
    const shdIdx = argv.indexOf('--shd');
    if (shdIdx >= 0 && argv[shdIdx + 1]) results.push(child('shd', argv[shdIdx + 1]));
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
  process.stdout.write(
    JSON.stringify(
      { bench: 'data', version, commit, node: process.version, cpus: (await import('node:os')).cpus().length, results },
      null,
      1,
    ) + '\n',
  );
}
