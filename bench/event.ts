/**
 * Workload B: 100k LIF neurons x 100 synapses (10M), 1 ms delays, external Poisson drive, ~10 Hz, 1 s.
 * For each configuration (discrete with 1 and 2 threads, continuous; one child process each, for an honest peak RSS):
 * end-to-end synaptic events/s (median of --reps runs, after a warm-up), peak RSS after those runs, then
 * delivery-only events/s (a recorded spike train replayed through the mode's delivery kernel; the recording run comes
 * after the RSS reading). When python3-brian is installed,
 * Brian2 (cython, dt = 1 ms; the peer script ../shared/peers/brian_net.py copied to a temp dir) runs the same graph
 * (targets saved from our CSR), same model (reset to 0 mV, as ours) and same drive rate, and the ratios are printed.
 *
 * usage: node --import tsx bench/event.ts [--neurons 100000] [--duration-ms 1000] [--reps 3] [--no-brian]
 * env: BRIAN_TARGETS=cython,cpp_standalone (default cython)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
// the event engine only (not src/index.js, which loads the trainer and tfjs: +50 MB RSS that the engine never uses)
import {
  buildRandomNetwork,
  deliverRowWeight,
  driveRateForOutput,
  simulateRandomNetwork,
  type RandomRunResult,
  type SimulationMode,
} from '../src/event/index.js';
import { Rng } from '../src/util/rng.js';

const argv = process.argv.slice(2);
const opt = (name: string, def: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : def;
};
const N = opt('neurons', 100_000);
const K = 100;
const durationMs = opt('duration-ms', 1000);
const reps = opt('reps', 3);
const seed = 12345;
const driveHz = driveRateForOutput(10);

function child(mode: SimulationMode, threads: number): void {
  const t0 = performance.now();
  const net = buildRandomNetwork({ neurons: N, fanOut: K, seed });
  const buildMs = performance.now() - t0;
  if (mode === 'discrete' && process.env.SAVE_NET) {
    const dir = process.env.SAVE_NET;
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'targets.i32'),
      Buffer.from(net.synapses.targets.buffer, net.synapses.targets.byteOffset, net.synapses.targets.byteLength),
    );
    const spec = {
      N,
      K,
      fracE: 0.8,
      JE: 0.5,
      g: 5,
      Jext: 2,
      nuExt: driveHz,
      tau: 20,
      theta: 20,
      Vreset: 0,
      delay: 1,
      Tsim: durationMs,
      seed,
      NE: net.numExcitatory,
    };
    writeFileSync(join(dir, 'net.json'), JSON.stringify(spec));
  }
  simulateRandomNetwork(net, { mode, durationMs: Math.min(50, durationMs), externalRateHz: driveHz, seed: 1, threads }); // warm-up
  const runs: RandomRunResult[] = [];
  for (let k = 0; k < reps; k++)
    runs.push(simulateRandomNetwork(net, { mode, durationMs, externalRateHz: driveHz, seed: 2, threads }));
  const simMsAll = runs.map((x) => x.simMs).sort((a, b) => a - b);
  const simMs = simMsAll[Math.floor(simMsAll.length / 2)]!;
  const r = runs[0]!;
  const peakRssMB = process.resourceUsage().maxRSS / 1024;
  // delivery only: replay the recorded spikes through this mode's delivery kernel (no neuron updates, no drive)
  const rec = simulateRandomNetwork(net, {
    mode,
    durationMs,
    externalRateHz: driveHz,
    seed: 2,
    recordSpikes: true,
  }).spikeRecord!;
  const { rowPtr, targets, weights } = net.synapses;
  let ev = 0;
  let replayMs = Infinity;
  if (mode === 'discrete') {
    // the engine's kernel: one weight per row (E/I), rows sorted by target, unrolled scatter into a float32 input
    const rowW = new Float32Array(N);
    for (let i = 0; i < N; i++) rowW[i] = weights[rowPtr[i]!]!;
    const x = new Float32Array(N);
    for (let i = 0; i < rec.ids.length; i++) ev += rowPtr[rec.ids[i]! + 1]! - rowPtr[rec.ids[i]!]!;
    for (let k = 0; k < 3; k++) {
      const t1 = performance.now();
      deliverRowWeight(rec.ids, 0, rec.ids.length, rowPtr, 0, rowPtr, 1, rowW, targets, x);
      replayMs = Math.min(replayMs, performance.now() - t1);
    }
  } else {
    const t1 = performance.now();
    const A = new Float64Array(N);
    const inv = 1 / 20;
    let fired = 0;
    for (let k = 0; k < rec.ids.length; k++) {
      const i = rec.ids[k]!;
      const E = Math.exp(((rec.times[k]! % 100) + 1) * inv);
      const thE = 20 * E;
      const e = rowPtr[i + 1]!;
      for (let s = rowPtr[i]!; s < e; s++) {
        const j = targets[s]!;
        const a = A[j]! + weights[s]! * E;
        if (a >= thE) {
          A[j] = 0;
          fired++;
        } else A[j] = a;
      }
      ev += e - rowPtr[i]!;
    }
    if (fired < 0) console.log(fired);
    replayMs = performance.now() - t1;
  }
  // cost of one Rng draw (the external drive takes ~2.25 draws per event in continuous mode: time offset, target and a
  // quarter of a sub-bin count draw; about one third in discrete, three targets per draw)
  const rng = new Rng(1);
  const t2 = performance.now();
  let acc = 0;
  for (let k = 0; k < 2_000_000; k++) acc += rng.nextUint32();
  const rngNs = ((performance.now() - t2) * 1e6) / 2_000_000;
  process.stdout.write(
    JSON.stringify({
      mode,
      threads,
      neurons: N,
      synapses: r.synapses,
      durationMs,
      driveHz,
      buildMs,
      spikes: r.spikes,
      meanRateHz: r.meanRateHz,
      synOps: r.synOps,
      externalEvents: r.externalEvents,
      simMs,
      simMsAll,
      synOpsPerSec: r.synOps / (simMs / 1000),
      deliveryOnlyEventsPerSec: ev / (replayMs / 1000),
      rngNsPerDraw: rngNs,
      peakRssMB,
      rngCheck: acc > 0,
    }) + '\n',
  );
}

function git(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

function brianAvailable(): boolean {
  return spawnSync('/usr/bin/python3', ['-c', 'import brian2'], { encoding: 'utf8' }).status === 0;
}

function parent(): void {
  const self = fileURLToPath(import.meta.url);
  const netDir = join(tmpdir(), 'rouser-bench-event', 'net');
  const results: Record<string, unknown>[] = [];
  for (const [mode, threads] of [
    ['discrete', 1],
    ['discrete', 2],
    ['continuous', 1],
  ] as const) {
    const out = spawnSync(process.execPath, [...process.execArgv, self, '--child', mode, String(threads), ...argv], {
      encoding: 'utf8',
      env: { ...process.env, SAVE_NET: netDir },
      maxBuffer: 1 << 24,
    });
    if (out.status !== 0) throw new Error(`child ${mode} failed: ${out.stderr}`);
    results.push(JSON.parse(out.stdout.trim().split('\n').pop() as string) as Record<string, unknown>);
  }
  const brian: Record<string, unknown>[] = [];
  if (!argv.includes('--no-brian') && brianAvailable()) {
    const work = join(tmpdir(), 'rouser-bench-event');
    const script = join(work, 'brian_net.py');
    copyFileSync(join(self, '..', '..', '..', 'shared', 'peers', 'brian_net.py').replace('/main/../', '/'), script);
    for (const target of (process.env.BRIAN_TARGETS ?? 'cython').split(',')) {
      const b = spawnSync('/usr/bin/python3', [script, target, '1.0', String(durationMs)], {
        encoding: 'utf8',
        cwd: work,
        env: { ...process.env, NETDIR: netDir, BRIAN_CACHE: join(work, 'brian_cache') },
        maxBuffer: 1 << 24,
      });
      const line = b.stdout.trim().split('\n').pop();
      if (b.status === 0 && line) brian.push(JSON.parse(line) as Record<string, unknown>);
      else brian.push({ impl: `brian2-${target}`, error: b.stderr.slice(-500) });
    }
  }
  // the Brian2 peer script (../shared/peers) reports its rate as synEventsPerSec
  const best = brian.reduce<Record<string, unknown> | undefined>(
    (a, b) =>
      typeof b.synEventsPerSec === 'number' && (!a || (b.synEventsPerSec as number) > (a.synEventsPerSec as number))
        ? b
        : a,
    undefined,
  );
  const ratios = best
    ? Object.fromEntries(
        results.map((r) => [
          `${r.mode as string}-t${r.threads as number}`,
          {
            endToEndVsBrian: (r.synOpsPerSec as number) / (best.synEventsPerSec as number),
            memoryVsBrian: (r.peakRssMB as number) / (best.maxRssMB as number),
          },
        ]),
      )
    : null;
  const version =
    (JSON.parse(
      execFileSync('node', ['-p', 'JSON.stringify(require("./package.json").version)'], { encoding: 'utf8' }),
    ) as string) ?? '';
  process.stdout.write(
    JSON.stringify(
      {
        bench: 'event-workload-B',
        version,
        commit: git(),
        node: process.version,
        neurons: N,
        fanOut: K,
        durationMs,
        driveHz,
        rouser: results,
        brian,
        bestBrian: best?.impl ?? null,
        ratios,
      },
      null,
      1,
    ) + '\n',
  );
}

const ci = argv.indexOf('--child');
if (ci >= 0) child(argv[ci + 1] as SimulationMode, Number(argv[ci + 2]));
else parent();
