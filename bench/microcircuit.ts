/**
 * The Potjans & Diesmann (2014) microcircuit (MICROCIRCUIT.md; `rouser examples microcircuit`), Poisson drive,
 * dt 0.1 ms, 500 ms presimulation then the recorded run, against Brian2 on the SAME connectivity and model.
 *
 * For each reduced scale N = K = s (default 0.1 and 0.5):
 *  1. writes the description (seed 55) and runs `rouser simulate` on it in a child process (build, presimulation and
 *     run; one thread): build time, wall seconds per biological second, peak RSS of the child, rates and ISI CV;
 *  2. a second child compiles the same description and exports the built synapses (pre, post, weight in pA, delay in
 *     steps) and initial voltages as .npy files; bench/microcircuit_brian2.py loads them and simulates the same model
 *     (iaf_psc_exp, `method='exact'`, refractory current decay, PoissonInput K_ext x 8 Hz) with each Brian2 target;
 *  3. prints both side by side with the ratios (speed: Brian2 wall / ours; memory: ours / Brian2).
 * With --full: the full-scale network on 1 and 2 threads (real-time factor, peak RSS, rates against the published
 * bands). The load average (`uptime`) is printed next to every number: the machine may be shared.
 *
 * Our side runs through the built CLI (`npm run build` first; what users run) when dist/ is at least as new as src/,
 * else from source through tsx (about 20 MB more RSS); the printed line says which.
 *
 * With --repeat R every measurement runs R times, interleaved (ours, then each Brian2 target, R rounds; at full scale
 * R rounds over the thread counts): the printed numbers and the ratios are medians, with every run listed (this VM's
 * speed drifts by 10-20 % between runs, so one run per side can swing a ratio by that much).
 *
 * usage: node --import tsx bench/microcircuit.ts [--scales 0.1,0.5] [--presim-ms 500] [--duration-ms 1000]
 *          [--brian cython,cpp_standalone | --no-brian] [--full] [--full-threads 1,2] [--repeat 1] [--keep DIR]
 *          [--from-source]
 */
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileDescription } from '../src/event/compile.js';
import { microcircuit } from '../src/examples/microcircuit.js';
import {
  microcircuitPlan,
  PD14_POPULATIONS,
  PD14_RATE_BANDS_HZ,
  PD14_NEURON,
  PD14_BG_RATE_HZ,
} from '../src/examples/pd14.js';
import { saveNetwork, loadNetwork } from '../src/io/network.js';

const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const has = (name: string): boolean => argv.includes(`--${name}`);
const SEED = 55;
const self = fileURLToPath(import.meta.url);
/** The first python3 that imports brian2 (the PATH one, else Debian's), looked up by the parent only. */
let python: string | undefined;
const findPython = (): string | undefined =>
  ['python3', '/usr/bin/python3'].find(
    (py) => spawnSync(py, ['-c', 'import brian2'], { stdio: 'ignore' }).status === 0,
  );

/** Writes a 1-D typed array as a NumPy .npy file (format 1.0, little endian), streamed in chunks. */
function writeNpy(path: string, a: Uint32Array | Float32Array | Uint16Array): void {
  const descr = a instanceof Uint32Array ? '<u4' : a instanceof Float32Array ? '<f4' : '<u2';
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${a.length},), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, pre);
    writeSync(fd, Buffer.from(header, 'latin1'));
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    for (let off = 0; off < bytes.length; off += 1 << 26)
      writeSync(fd, bytes.subarray(off, Math.min(bytes.length, off + (1 << 26))));
  } finally {
    closeSync(fd);
  }
}

/** Child: compile NET.json and export the built synapses and initial voltages for Brian2. */
function childExport(netPath: string, dir: string): void {
  const desc = loadNetwork(netPath);
  const c = compileDescription(desc);
  const n = c.targets.length;
  const pre = new Uint32Array(n);
  const delay = new Uint16Array(n);
  for (let r = 0; r < c.numSources; r++)
    for (let g = c.rowGroup[r] as number; g < (c.rowGroup[r + 1] as number); g++)
      for (let k = c.groupPtr[g] as number; k < (c.groupPtr[g + 1] as number); k++) {
        pre[k] = r;
        delay[k] = c.groupDelay[g] as number;
      }
  writeNpy(join(dir, 'pre.npy'), pre);
  writeNpy(join(dir, 'post.npy'), new Uint32Array(c.targets.buffer, c.targets.byteOffset, n));
  writeNpy(join(dir, 'weight.npy'), c.weights);
  writeNpy(join(dir, 'delay_steps.npy'), delay);
  const v0 = new Float32Array(c.numNeurons);
  for (const p of c.populations) v0.set((p.state[0] as Float32Array).subarray(0, p.size), p.offset);
  writeNpy(join(dir, 'v0.npy'), v0);
  const meta = {
    dtMs: c.dtMs,
    background: desc.meta.background,
    bgRateHz: PD14_BG_RATE_HZ,
    pscExtPa: (desc.stimuli.find((s) => s.kind === 'poisson') as { weight: number } | undefined)?.weight ?? 0,
    synapses: n,
    neuron: {
      E_L: PD14_NEURON.restMv,
      V_th: PD14_NEURON.thresholdMv,
      V_reset: PD14_NEURON.resetMv,
      tau_m: PD14_NEURON.tauMemMs,
      C_m: PD14_NEURON.cMPf,
      tau_syn: PD14_NEURON.tauSynExcMs,
      t_ref: PD14_NEURON.refractoryMs,
    },
    populations: c.populations.map((p, i) => {
      const spec = desc.populations[i];
      const stim = desc.stimuli.find((s) => s.kind === 'poisson' && s.target === p.name) as
        { rateHz: number } | undefined;
      return {
        name: p.name,
        size: p.size,
        offset: p.offset,
        I_e: spec?.params?.I_e ?? 0,
        kExt: stim ? Math.round(stim.rateHz / PD14_BG_RATE_HZ) : 0,
      };
    }),
  };
  const fd = openSync(join(dir, 'meta.json'), 'w');
  writeSync(fd, JSON.stringify(meta));
  closeSync(fd);
}

/** Child: `rouser simulate ...` through the command module alone (main.ts would also load the trainer and tfjs). */
async function childRun(args: string[]): Promise<void> {
  const { simulateCommand } = await import('../src/cli/commands/simulate.js');
  const { parseCommandArgs } = await import('../src/cli/args.js');
  process.exitCode = await simulateCommand.run(parseCommandArgs(simulateCommand, args.slice(1)));
}

const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

interface OurResult {
  threads: number;
  neurons: number;
  synapses: number;
  buildMs: number;
  wallMs: number;
  realTimeFactor: number;
  peakRssMB: number;
  populations: { population: string; meanRateHz: number; isiCv: number }[];
}

const repo = fileURLToPath(new URL('..', import.meta.url));

/** Newest modification time (ms) of the files under `dir`. */
function newestMtime(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

/**
 * How our side runs: the built CLI (`bin/rouser.js`, what users run) when dist/ is at least as new as src/, else
 * the sources through tsx (whose loader adds about 20 MB of RSS); `--from-source` forces the latter.
 */
const built =
  !has('from-source') &&
  existsSync(join(repo, 'dist', 'cli', 'main.js')) &&
  statSync(join(repo, 'dist', 'cli', 'main.js')).mtimeMs >= newestMtime(join(repo, 'src'));
const ourLabel = built ? 'built CLI' : 'from source via tsx';

function runOurs(netPath: string, threads: number, presimMs: number, durationMs: number): OurResult {
  const r = spawnSync(
    process.execPath,
    [
      ...(built ? [join(repo, 'bin', 'rouser.js')] : ['--import', 'tsx', self, '--child-run']),
      'simulate',
      netPath,
      '--presim-ms',
      String(presimMs),
      '--duration-ms',
      String(durationMs),
      '--threads',
      String(threads),
      '--json',
    ],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  if (r.status !== 0) throw new Error(`rouser simulate failed (${r.status}): ${r.stdout}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as OurResult;
}

interface BrianResult {
  target: string;
  buildS: number;
  runS: number;
  wallPerBioS: number;
  peakRssMB: number;
  ratesHz: Record<string, number>;
  isiCv: Record<string, number>;
}

function runBrian(dir: string, target: string, presimMs: number, durationMs: number): BrianResult | string {
  const script = join(fileURLToPath(new URL('.', import.meta.url)), 'microcircuit_brian2.py');
  const r = spawnSync(
    python as string,
    [script, dir, '--target', target, '--presim-ms', String(presimMs), '--duration-ms', String(durationMs)],
    { encoding: 'utf8', maxBuffer: 1 << 26 },
  );
  if (r.status !== 0) return `failed (${r.status}): ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`;
  // Python's json writes NaN (an ISI CV without neurons of >= 3 spikes), which is not JSON: read it as null
  return JSON.parse((r.stdout.trim().split('\n').pop() as string).replace(/\bNaN\b/g, 'null')) as BrianResult;
}

/** Median (mean of the two middle values for an even count). */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** The run whose value is nearest the median (its rates and CVs are printed). */
function medianRun<T>(runs: T[], value: (r: T) => number): T {
  const m = median(runs.map(value));
  return runs.reduce((a, b) => (Math.abs(value(b) - m) < Math.abs(value(a) - m) ? b : a));
}

const list = (xs: number[]): string => xs.map((x) => x.toFixed(2)).join(', ');
/** A number to `d` decimals, '-' when missing or not finite (an ISI CV without neurons of >= 3 spikes). */
const fmt = (x: number | null | undefined, d: number): string =>
  typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : '-';

function table(rows: string[][]): string {
  const w = rows[0]?.map((_, j) => Math.max(...rows.map((r) => (r[j] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, j) => c.padStart(w[j] as number)).join('  ')).join('\n');
}

async function parent(): Promise<void> {
  const scales = (opt('scales') ?? '0.1,0.5')
    .split(',')
    .filter((s) => s !== '')
    .map(Number);
  const presimMs = Number(opt('presim-ms') ?? 500);
  const durationMs = Number(opt('duration-ms') ?? 1000);
  python = has('no-brian') ? undefined : findPython();
  const targets = has('no-brian') || !python ? [] : (opt('brian') ?? 'cython,cpp_standalone').split(',');
  if (!python && !has('no-brian'))
    console.log('Brian2 not importable by python3 (apt-get install -y python3-brian); peer skipped');
  const keep = opt('keep');
  const repeat = Number(opt('repeat') ?? 1);
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat: ${opt('repeat')} is not an integer >= 1`);
  const root = keep ?? mkdtempSync(join(tmpdir(), 'rouser-mcbench-'));
  mkdirSync(root, { recursive: true });
  const results: unknown[] = [];
  try {
    for (const s of scales) {
      const dir = join(root, `s${s}`);
      mkdirSync(dir, { recursive: true });
      const net = join(dir, 'net.json');
      saveNetwork(net, microcircuit({ nScale: s, kScale: s, seed: SEED }));
      const plan = microcircuitPlan({ nScale: s, kScale: s });
      console.log(
        `\n== N = K = ${s}: ${plan.populations.reduce((a, p) => a + p.size, 0)} neurons, ${plan.projections.reduce((a, p) => a + p.count, 0)} synapses, presim ${presimMs} ms + ${durationMs} ms`,
      );
      if (targets.length > 0) {
        const ex = spawnSync(process.execPath, ['--import', 'tsx', self, '--child-export', net, dir], {
          stdio: 'inherit',
        });
        if (ex.status !== 0) throw new Error('export failed');
      }
      const ourRuns: OurResult[] = [];
      const peerRuns = new Map<string, BrianResult[]>(targets.map((t) => [t, []]));
      for (let round = 0; round < repeat; round++) {
        const loadBefore = load();
        const o = runOurs(net, 1, presimMs, durationMs);
        ourRuns.push(o);
        console.log(
          `rouser (1 thread, ${ourLabel}): build ${(o.buildMs / 1000).toFixed(1)} s, ${(o.wallMs / (presimMs + durationMs)).toFixed(2)} s wall per biological s, peak RSS ${o.peakRssMB.toFixed(0)} MB  [load ${loadBefore} -> ${load()}]`,
        );
        for (const t of targets) {
          const lb = load();
          const b = runBrian(dir, t, presimMs, durationMs);
          if (typeof b === 'string') console.log(`brian2 ${t}: ${b}`);
          else {
            peerRuns.get(t)?.push(b);
            console.log(
              `brian2 ${t}: build ${b.buildS.toFixed(1)} s, ${b.wallPerBioS.toFixed(2)} s wall per biological s, peak RSS ${b.peakRssMB.toFixed(0)} MB  [load ${lb} -> ${load()}]`,
            );
          }
        }
      }
      if (targets.length > 0)
        for (const f of ['pre.npy', 'post.npy', 'weight.npy', 'delay_steps.npy']) rmSync(join(dir, f), { force: true });
      const perBio = (o: OurResult): number => o.wallMs / (presimMs + durationMs);
      const ourPerBio = median(ourRuns.map(perBio));
      const ours = medianRun(ourRuns, perBio);
      const peers: BrianResult[] = [];
      for (const [t, runs] of peerRuns) {
        if (runs.length === 0) continue;
        const m = median(runs.map((b) => b.wallPerBioS));
        peers.push({ ...medianRun(runs, (b) => b.wallPerBioS), wallPerBioS: m });
        if (repeat > 1)
          console.log(
            `brian2 ${t}: median ${m.toFixed(2)} s per biological s over ${runs.length} runs (${list(runs.map((b) => b.wallPerBioS))})`,
          );
      }
      if (repeat > 1)
        console.log(
          `rouser: median ${ourPerBio.toFixed(2)} s per biological s over ${repeat} runs (${list(ourRuns.map(perBio))})`,
        );
      const rows = [
        [
          'population',
          'rouser Hz',
          ...peers.map((p) => `${p.target} Hz`),
          'rouser CV',
          ...peers.map((p) => `${p.target} CV`),
        ],
      ];
      for (const name of PD14_POPULATIONS) {
        const o = ours.populations.find((p) => p.population === name);
        rows.push([
          name,
          o?.meanRateHz.toFixed(3) ?? '-',
          ...peers.map((p) => p.ratesHz[name]?.toFixed(3) ?? '-'),
          fmt(o?.isiCv, 3),
          ...peers.map((p) => fmt(p.isiCv[name], 3)),
        ]);
      }
      console.log(table(rows));
      const best = peers.length > 0 ? peers.reduce((a, b) => (b.wallPerBioS < a.wallPerBioS ? b : a)) : undefined;
      if (best)
        console.log(
          `speed-up vs best Brian2 (${best.target}): ${(best.wallPerBioS / ourPerBio).toFixed(2)}x; memory ours / theirs: ${(ours.peakRssMB / best.peakRssMB).toFixed(2)}x`,
        );
      results.push({
        scale: s,
        presimMs,
        durationMs,
        repeat,
        ours: { ...ours, wallPerBioS: ourPerBio, wallPerBioSRuns: ourRuns.map(perBio) },
        brian2: peers.map((p) => ({ ...p, wallPerBioSRuns: (peerRuns.get(p.target) ?? []).map((b) => b.wallPerBioS) })),
      });
    }
    if (has('full')) {
      const net = join(root, 'full.json');
      saveNetwork(net, microcircuit({ seed: SEED }));
      const threadCounts = (opt('full-threads') ?? '1,2').split(',').map(Number);
      const fullRuns = new Map<number, OurResult[]>(threadCounts.map((t) => [t, []]));
      const rtfOf = (o: OurResult): number => o.wallMs / (presimMs + durationMs);
      for (let round = 0; round < repeat; round++)
        for (const threads of threadCounts) {
          const lb = load();
          const o = runOurs(net, threads, presimMs, durationMs);
          fullRuns.get(threads)?.push(o);
          console.log(
            `full scale (${ourLabel}), ${threads} thread(s) requested, ${o.threads} used: build ${(o.buildMs / 1000).toFixed(1)} s, RTF ${rtfOf(o).toFixed(2)}, peak RSS ${o.peakRssMB.toFixed(0)} MB  [load ${lb} -> ${load()}]`,
          );
        }
      for (const threads of threadCounts) {
        const runs = fullRuns.get(threads) ?? [];
        const rtf = median(runs.map(rtfOf));
        const ours = medianRun(runs, rtfOf);
        console.log(
          `\n== full scale (${ourLabel}), ${threads} thread(s) requested, ${ours.threads} used: ${ours.neurons} neurons, ${ours.synapses} synapses; build ${(ours.buildMs / 1000).toFixed(1)} s, RTF ${rtf.toFixed(2)}${repeat > 1 ? ` (median of ${repeat}: ${list(runs.map(rtfOf))})` : ''}, peak RSS ${Math.max(...runs.map((r) => r.peakRssMB)).toFixed(0)} MB`,
        );
        const rows = [['population', 'rate Hz', 'band', 'in band', 'ISI CV']];
        PD14_POPULATIONS.forEach((name, i) => {
          const o = ours.populations.find((p) => p.population === name);
          const [lo, hi] = PD14_RATE_BANDS_HZ[i] as readonly [number, number];
          rows.push([
            name,
            o?.meanRateHz.toFixed(3) ?? '-',
            `${lo}-${hi}`,
            o && o.meanRateHz >= lo && o.meanRateHz <= hi ? 'yes' : 'NO',
            fmt(o?.isiCv, 3),
          ]);
        });
        console.log(table(rows));
        results.push({
          scale: 1,
          threads,
          presimMs,
          durationMs,
          repeat,
          ours: { ...ours, realTimeFactor: rtf, realTimeFactorRuns: runs.map(rtfOf) },
        });
      }
    }
    console.log(`\n${JSON.stringify({ bench: 'microcircuit', load: load(), results })}`);
  } finally {
    if (!keep) rmSync(root, { recursive: true, force: true });
  }
}

const ci = argv.indexOf('--child-run');
const ei = argv.indexOf('--child-export');
if (ci >= 0) await childRun(argv.slice(ci + 1));
else if (ei >= 0) childExport(argv[ei + 1] as string, argv[ei + 2] as string);
else await parent();
