/**
 * Trainer workloads A (700-256-20, T=100, B=64) and N (2312-256-10, T=30, B=64): input spikes p = 0.05,
 * learned per-neuron thresholds, bias. One step = forward + BPTT + an Adam update of every parameter (lr 1e-3,
 * 0.9/0.999/1e-8), as in ../shared/peers/bench_torch.py; parameters are reset to their initial values before each
 * timed step (as the peers do) so that every step sees the same spike activity.
 *
 * Data: the peers' own generator (../shared/peers/common.mjs, copied with bench_torch.py to a temp dir) writes the
 * inputs, labels and initial parameters that PyTorch reads; this bench loads the same arrays. The model is Rouser's
 * (lif beta 0.9 with the reset applied in the same step, subtract reset, fast-sigmoid surrogate k = 25, cross-entropy
 * on counts); the peer's LIF resets one step later, so the two do the same work but not bit-identical arithmetic.
 *
 * Each implementation runs in its own child process (honest peak RSS): fused with 1 and 2 threads, tfjs (best
 * available backend), and PyTorch (hoisted input matmul, 1 and 2 threads) when `/usr/bin/python3 -c "import torch"`
 * works. Prints one JSON object (version, commit, medians, ratios to PyTorch's best, peak RSS).
 *
 * usage: node --import tsx bench/train.ts [--workloads A,N] [--reps 7] [--tfjs-reps 3] [--no-tfjs] [--no-torch]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  createBackend,
  createGradients,
  createSpec,
  type NetworkSpec,
  type SpikeTensor,
  type TrainBackend,
} from '../src/index.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = join(HERE, '..');
const PEERS = join(ROOT, '..', 'shared', 'peers');
const WORK = join(tmpdir(), 'rouser-bench-train');
const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(`--${name}`);
const opt = (name: string, def: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? (argv[i + 1] as string) : def;
};

interface PeerCfg {
  name: string;
  Nin: number;
  H: number;
  O: number;
  T: number;
  B: number;
}

/** Copies the peer scripts to a scratch dir (../shared is read-only) and writes the workload's data files. */
async function preparePeerData(wl: string): Promise<PeerCfg> {
  const src = join(WORK, 'peers');
  mkdirSync(src, { recursive: true });
  for (const f of ['common.mjs', 'bench_torch.py']) copyFileSync(join(PEERS, f), join(src, f));
  process.env.SNN_DATA_DIR = join(WORK, 'data');
  process.env.SNN_OUT_DIR = join(WORK, 'out');
  const common = (await import(pathToFileURL(join(src, 'common.mjs')).href)) as {
    WORKLOADS: Record<string, PeerCfg>;
    makeData: (cfg: PeerCfg) => unknown;
    writeData: (cfg: PeerCfg, d: unknown) => void;
  };
  const cfg = common.WORKLOADS[wl];
  if (!cfg) throw new Error(`unknown workload ${wl}`);
  if (!existsSync(join(WORK, 'data', wl, 'cfg.json'))) common.writeData(cfg, common.makeData(cfg));
  return cfg;
}

function readF32(wl: string, name: string): Float32Array {
  const b = readFileSync(join(WORK, 'data', wl, name));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** The workload as a Rouser spec + input tensor (weights transposed to [out][in], input to [B][T][in]). */
function loadWorkload(wl: string): { spec: NetworkSpec; input: SpikeTensor; labels: Int32Array } {
  const cfg = JSON.parse(readFileSync(join(WORK, 'data', wl, 'cfg.json'), 'utf8')) as PeerCfg & { beta: number };
  const { Nin, H, O, T, B } = cfg;
  const spec = createSpec({
    sizes: [Nin, H, O],
    neuron: { kind: 'lif', beta: cfg.beta },
    reset: 'subtract',
    bias: true,
    thInit: 1,
  });
  const put = (l: number, w: Float32Array, b: Float32Array, th: Float32Array, nIn: number, n: number): void => {
    const layer = spec.layers[l];
    if (!layer) throw new Error('layer');
    for (let i = 0; i < nIn; i++) for (let j = 0; j < n; j++) layer.weights[j * nIn + i] = w[i * n + j] as number;
    layer.bias?.set(b);
    layer.thresholds.set(th);
  };
  put(0, readF32(wl, 'W1.f32'), readF32(wl, 'b1.f32'), readF32(wl, 'thr1.f32'), Nin, H);
  put(1, readF32(wl, 'W2.f32'), readF32(wl, 'b2.f32'), readF32(wl, 'thr2.f32'), H, O);
  const xb = readFileSync(join(WORK, 'data', wl, 'x.u8'));
  const data = new Float32Array(B * T * Nin);
  for (let t = 0; t < T; t++)
    for (let b = 0; b < B; b++)
      for (let i = 0; i < Nin; i++) data[(b * T + t) * Nin + i] = xb[(t * B + b) * Nin + i] as number;
  const yb = readFileSync(join(WORK, 'data', wl, 'y.i32'));
  const labels = new Int32Array(yb.buffer.slice(yb.byteOffset, yb.byteOffset + yb.byteLength));
  return { spec, input: { batch: B, steps: T, channels: Nin, data }, labels };
}

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : 0.5 * ((s[m - 1] as number) + (s[m] as number));
}

/** Child mode: time one implementation on one workload and print JSON. */
async function child(impl: string, wl: string, reps: number): Promise<void> {
  const { spec, input, labels } = loadWorkload(wl);
  let backend: TrainBackend;
  if (impl === 'fused-t1') backend = await createBackend('fused', { threads: 1 });
  else if (impl === 'fused-t2') backend = await createBackend('fused', { threads: 2 });
  else backend = await createBackend('tfjs');
  const params: Float32Array[] = spec.layers.flatMap((l) => [l.weights, l.thresholds, ...(l.bias ? [l.bias] : [])]);
  const init = params.map((p) => p.slice());
  const grads = createGradients(spec);
  const gradList: Float32Array[] = spec.layers.flatMap(
    (l, k) => [grads.weights[k], grads.thresholds[k], ...(l.bias ? [grads.bias[k]] : [])] as Float32Array[],
  );
  const m = params.map((p) => new Float32Array(p.length));
  const v = params.map((p) => new Float32Array(p.length));
  const opts = {
    surrogate: { kind: 'fastSigmoid', slope: 25 } as const,
    loss: { kind: 'crossEntropy' } as const,
    detachReset: true,
  };
  let stepNo = 0;
  let loss = 0;
  const step = async (): Promise<void> => {
    const r = await backend.forwardBackward(spec, input, labels, opts, grads);
    loss = r.loss;
    stepNo++;
    const bc1 = 1 - 0.9 ** stepNo;
    const bc2 = 1 - 0.999 ** stepNo;
    params.forEach((p, k) => {
      const g = gradList[k] as Float32Array;
      const mk = m[k] as Float32Array;
      const vk = v[k] as Float32Array;
      for (let i = 0; i < p.length; i++) {
        const gi = g[i] as number;
        const mi = (mk[i] = 0.9 * (mk[i] as number) + 0.1 * gi);
        const vi = (vk[i] = 0.999 * (vk[i] as number) + 0.001 * gi * gi);
        p[i] = (p[i] as number) - (1e-3 * (mi / bc1)) / (Math.sqrt(vi / bc2) + 1e-8);
      }
    });
  };
  const reset = (): void => params.forEach((p, k) => p.set(init[k] as Float32Array));
  const t0 = performance.now();
  await step();
  const firstMs = performance.now() - t0;
  const loss1 = loss;
  for (let i = 0; i < (impl.startsWith('tfjs') ? 1 : 2); i++) {
    reset();
    await step();
  }
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    reset();
    const s = performance.now();
    await step();
    times.push(performance.now() - s);
  }
  const out = {
    impl: impl.startsWith('tfjs') ? `tfjs (${backend.description})` : backend.description,
    workload: wl,
    medianMs: +median(times).toFixed(1),
    times: times.map((t) => +t.toFixed(1)),
    firstMs: +firstMs.toFixed(1),
    loss1,
    peakRssMB: +(process.resourceUsage().maxRSS / 1024).toFixed(1),
  };
  await backend.dispose();
  console.log(JSON.stringify(out));
}

function runChild(args: string[]): Record<string, unknown> | undefined {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), ...args], {
    encoding: 'utf8',
    env: process.env,
  });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    console.error(`child ${args.join(' ')} failed:\n${r.stderr}`);
    return undefined;
  }
}

async function main(): Promise<void> {
  if (flag('child')) {
    await child(opt('impl', 'fused-t1'), opt('workload', 'A'), +opt('reps', '7'));
    return;
  }
  const workloads = opt('workloads', 'A,N').split(',');
  const reps = opt('reps', '7');
  const tfReps = opt('tfjs-reps', '3');
  const hasTorch =
    !flag('no-torch') && spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
  const results: Record<string, unknown> = {};
  for (const wl of workloads) {
    await preparePeerData(wl);
    const row: Record<string, unknown> = {};
    for (const impl of ['fused-t1', 'fused-t2', ...(flag('no-tfjs') ? [] : ['tfjs'])]) {
      console.error(`${wl}: ${impl}...`);
      row[impl] = runChild(['--child', '--impl', impl, '--workload', wl, '--reps', impl === 'tfjs' ? tfReps : reps]);
    }
    if (hasTorch) {
      for (const threads of [1, 2]) {
        console.error(`${wl}: torch hoisted t${threads}...`);
        const r = spawnSync(
          '/usr/bin/python3',
          [join(WORK, 'peers', 'bench_torch.py'), wl, reps, String(threads), 'hoisted'],
          { encoding: 'utf8', env: process.env },
        );
        try {
          const j = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as {
            medianMs: number;
            maxRssMB: number;
            torch: string;
          };
          row[`torch-t${threads}`] = {
            medianMs: +j.medianMs.toFixed(1),
            peakRssMB: +j.maxRssMB.toFixed(1),
            torch: j.torch,
          };
        } catch {
          console.error(`torch t${threads} failed:\n${r.stderr}`);
        }
      }
      const tms = [row['torch-t1'], row['torch-t2']]
        .map((x) => (x as { medianMs?: number } | undefined)?.medianMs)
        .filter((x): x is number => x !== undefined);
      if (tms.length) {
        const best = Math.min(...tms);
        const ratio = (k: string): number | null => {
          const ms = (row[k] as { medianMs?: number } | undefined)?.medianMs;
          return ms === undefined ? null : +(ms / best).toFixed(3);
        };
        row.torchBestMs = best;
        row.ratioToTorchBest = { 'fused-t1': ratio('fused-t1'), 'fused-t2': ratio('fused-t2'), tfjs: ratio('tfjs') };
      }
    } else row.torch = 'not measured (python3-torch not importable)';
    results[wl] = row;
  }
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    /* not a git checkout */
  }
  const report = {
    bench: 'train',
    version: pkg.version,
    commit,
    node: process.version,
    step: 'forward + BPTT + Adam (params reset before each timed step)',
    model: 'lif beta 0.9, subtract reset, fastSigmoid k=25, crossEntropy, bias, per-neuron thresholds',
    results,
  };
  console.log(JSON.stringify(report, null, 1));
}

await main();
