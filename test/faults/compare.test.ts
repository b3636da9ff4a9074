import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCompare } from '../../src/experiment/compare.js';
import { createBackend } from '../../src/train/backend.js';
import { Rng } from '../../src/util/rng.js';
import { compareFaultSettings } from './config.js';

const CHILD = resolve(import.meta.dirname, 'compareChild.ts');
const CLI = resolve(import.meta.dirname, 'cliChild.ts');
/** The same compare through the real command line (settings as compareFaultSettings, but the CLI's own dataset seed). */
const cliArgs = (out: string, resume: boolean): string[] => [
  ...[
    'compare',
    '--dataset',
    'synthetic',
    '--epochs',
    String(EPOCHS),
    '--seeds',
    '2',
    '--variants',
    'learned,fixed:0.5',
    '--arch',
    '12',
    '--steps',
    '12',
  ],
  ...[
    '--train-samples',
    '64',
    '--test-samples',
    '32',
    '--batch',
    '16',
    '--event-samples',
    '16',
    '--val-fraction',
    '0.25',
    '--backend',
    'reference',
    '--out',
    out,
  ],
  ...(resume ? ['--resume'] : []),
];
const EPOCHS = 3;
/** Epoch lines one compare prints: 2 variants x 2 seeds x (epoch 0 = initial evaluation + EPOCHS). */
const EVENTS = 2 * 2 * (EPOCHS + 1);
const root = mkdtempSync(join(tmpdir(), 'rouser-faults-compare-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const straight = join(root, 'straight');

beforeAll(async () => {
  const backend = await createBackend('reference');
  try {
    await runCompare(await compareFaultSettings(straight, EPOCHS, false), backend);
  } finally {
    await backend.dispose();
  }
}, 120_000);

/** Every file below `dir`, as paths relative to it. */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

/** A JSON value without its wall-clock fields (the only values a resumed compare may differ in). */
function withoutWallClock(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutWallClock);
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k]) => !/^(wallMs|meanWallMs|epochMs)$/.test(k))
        .map(([k, x]) => [k, withoutWallClock(x)]),
    );
  return v;
}

const json = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

/** Runs the child; with `killAt`, sends SIGKILL `delayMs` after the child printed its `killAt`-th epoch line (0-based). */
function runChild(
  dir: string,
  resume: boolean,
  killAt?: number,
  delayMs = 0,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; lines: number }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(EPOCHS), resume ? 'resume' : 'new'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let armed = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!armed && killAt !== undefined && out.split('\n').length - 1 > killAt) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code, signal) => done({ code, signal, stderr: err, lines: out.split('\n').length - 1 }));
  });
}

/** Runs `rouser ARGS` from the sources in a child; with `killAfterMs`, sends SIGKILL that long after the start. */
function runCli(
  args: string[],
  killAfterMs?: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, output });
    });
  });
}

/** `dir` holds the same compare as `ref`: summary minus wall clock, models byte for byte, run records, no .tmp. */
function expectSameCompare(dir: string, ref: string, what: string): void {
  const want = files(ref);
  expect(files(dir), what).toEqual(want);
  expect(withoutWallClock(json(join(dir, 'summary.json'))), what).toEqual(
    withoutWallClock(json(join(ref, 'summary.json'))),
  );
  for (const f of want.filter((p) => /model(-best)?\.json$/.test(p)))
    expect(readFileSync(join(dir, f), 'utf8'), `${what}: ${f}`).toBe(readFileSync(join(ref, f), 'utf8'));
  for (const f of want.filter((p) => p.endsWith('run.json')))
    expect(withoutWallClock(json(join(dir, f))), `${what}: ${f}`).toEqual(withoutWallClock(json(join(ref, f))));
}

describe('faults: compare', () => {
  it('the uninterrupted compare wrote a summary and one model per run', () => {
    expect(files(straight).filter((f) => f.endsWith('/model.json'))).toHaveLength(4);
    expect(files(straight)).toContain('summary.json');
  });

  // One seeded kill point in npm test; ROUSER_FAULT_TRIALS=N tries N (ROUSER_FUZZ_SEED changes the points).
  it('kill -9 at seeded random points during compare, then resume: the same summary.json and models, no temporary files', async () => {
    const rng = new Rng(Number(process.env.ROUSER_FUZZ_SEED ?? 2026) + 1);
    const trials = Number(process.env.ROUSER_FAULT_TRIALS ?? 1);
    for (let trial = 0; trial < trials; trial++) {
      const dir = join(root, `killed-${trial}`);
      const killAt = rng.int(EVENTS - 1);
      const delayMs = rng.int(120);
      const first = await runChild(dir, false, killAt, delayMs);
      expect(first.signal === 'SIGKILL' || first.code === 0, first.stderr).toBe(true);
      // No summary before every run finished.
      if (first.lines < EVENTS) expect(existsSync(join(dir, 'summary.json'))).toBe(false);
      const second = await runChild(dir, true);
      expect(second.code, second.stderr).toBe(0);
      // The resume continued from the checkpoints: epochs finished before the kill were not trained again.
      if (first.lines >= 2)
        expect(second.lines, `killed after epoch line ${killAt} + ${delayMs} ms`).toBeLessThanOrEqual(
          EVENTS - (first.lines - 1),
        );
      expectSameCompare(dir, straight, `killed after epoch line ${killAt} + ${delayMs} ms`);
    }
  }, 180_000);

  // The real command line (about 5 s per compare here: tsx start-up and the report's charts), only when
  // ROUSER_FAULT_TRIALS is set: `rouser compare` killed at a seeded time, then `rouser compare --resume`.
  it.runIf(process.env.ROUSER_FAULT_TRIALS !== undefined)(
    'kill -9 during `rouser compare` (the CLI), then `--resume`: the same summary.json, models and report files',
    async () => {
      const ref = join(root, 'cli-straight');
      const full = await runCli(cliArgs(ref, false));
      expect(full.code, full.output).toBe(0);
      const rng = new Rng(Number(process.env.ROUSER_FUZZ_SEED ?? 2026) + 2);
      for (let trial = 0; trial < Number(process.env.ROUSER_FAULT_TRIALS); trial++) {
        const dir = join(root, `cli-killed-${trial}`);
        const killAfterMs = 300 + rng.int(4000);
        const first = await runCli(cliArgs(dir, false), killAfterMs);
        expect(first.signal === 'SIGKILL' || first.code === 0, first.output).toBe(true);
        const second = await runCli(cliArgs(dir, true));
        expect(second.code, second.output).toBe(0);
        expectSameCompare(dir, ref, `rouser compare killed after ${killAfterMs} ms (${first.signal ?? 'finished'})`);
      }
    },
    600_000,
  );
});
