import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSyntheticTask } from '../../src/data/synthetic.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { fit } from '../../src/train/fit.js';
import { Rng } from '../../src/util/rng.js';
import { FAULT_CONFIG, FAULT_DATA } from './config.js';

const CHILD = resolve(import.meta.dirname, 'trainChild.ts');
const EPOCHS = 4;
const root = mkdtempSync(join(tmpdir(), 'rouser-faults-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const straight = join(root, 'straight');

beforeAll(async () => {
  await fit({ ...FAULT_CONFIG, epochs: EPOCHS }, makeSyntheticTask(FAULT_DATA), { outDir: straight });
}, 120_000);

/** metrics.jsonl without the wall-clock fields (the only values a resumed run may differ in). */
function metrics(dir: string): unknown[] {
  return readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const { wallMs: _w, epochMs: _e, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return rest;
    });
}

/** The run in `dir` equals the uninterrupted run: model, metrics and optimizer state, and no temporary files. */
function expectSameAsStraight(dir: string): void {
  expect(readFileSync(join(dir, 'model.json'), 'utf8')).toBe(readFileSync(join(straight, 'model.json'), 'utf8'));
  expect(metrics(dir)).toEqual(metrics(straight));
  const a = loadCheckpoint(join(dir, 'checkpoint.json'))!;
  const b = loadCheckpoint(join(straight, 'checkpoint.json'))!;
  expect(a.epoch).toBe(EPOCHS);
  expect(a.adam).toEqual(b.adam);
  expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
}

/** Runs the child; with `killAfter`, sends SIGKILL `delayMs` after the child printed "epoch killAfter". */
function runChild(
  dir: string,
  resume: boolean,
  killAfter?: number,
  delayMs = 0,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, String(EPOCHS), resume ? 'resume' : 'new'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (killAfter !== undefined && out.includes(`epoch ${killAfter}\n`))
        setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code, signal) => done({ code, signal, stderr: err }));
  });
}

describe('faults', () => {
  // One seeded kill point in npm test; ROUSER_FAULT_TRIALS=N tries N (ROUSER_FUZZ_SEED changes the points).
  it('kill -9 at seeded random points during train, then --resume: the same model, metrics and optimizer state', async () => {
    const rng = new Rng(Number(process.env.ROUSER_FUZZ_SEED ?? 2026));
    const trials = Number(process.env.ROUSER_FAULT_TRIALS ?? 1);
    for (let trial = 0; trial < trials; trial++) {
      const dir = join(root, `killed-${trial}`);
      const killAfter = rng.int(EPOCHS - 1);
      const delayMs = rng.int(120);
      const first = await runChild(dir, false, killAfter, delayMs);
      expect(first.signal === 'SIGKILL' || first.code === 0, first.stderr).toBe(true);
      // Whatever the kill left is readable: a checkpoint of a finished epoch (or none), never a torn file.
      if (existsSync(join(dir, 'checkpoint.json')))
        expect(loadCheckpoint(join(dir, 'checkpoint.json'))!.epoch).toBeGreaterThanOrEqual(killAfter);
      const second = await runChild(dir, true);
      expect(second.code, second.stderr).toBe(0);
      expectSameAsStraight(dir);
    }
  }, 180_000);

  const root0 = process.getuid?.() === 0 && spawnSync('unshare', ['-m', 'true']).status === 0;
  if (!root0) console.log('faults: full-disk test skipped (needs root and unshare -m for a private tmpfs)');
  it.skipIf(!root0)(
    'a full disk (private tmpfs) fails one write with ENOSPC named in words, loses nothing, and the resume completes',
    () => {
      const mnt = join(root, 'mnt');
      const out = join(root, 'disk');
      mkdirSync(mnt);
      mkdirSync(out);
      const node = `${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(CHILD)}`;
      const run = join(mnt, 'run');
      const script = [
        'set -u',
        `mount -t tmpfs -o size=4m tmpfs ${mnt}`,
        `${node} ${run} ${EPOCHS} new > ${out}/stdout1 2> ${out}/stderr1 & pid=$!`,
        `n=0; while ! grep -q "epoch 1" ${out}/stdout1 2>/dev/null; do sleep 0.02; n=$((n+1)); [ $n -gt 3000 ] && break; done`,
        `dd if=/dev/zero of=${mnt}/filler bs=4096 2>/dev/null`,
        `wait $pid; echo $? > ${out}/rc1`,
        `cp -a ${run} ${out}/after-full`,
        `rm -f ${mnt}/filler`,
        `${node} ${run} ${EPOCHS} resume > ${out}/stdout2 2> ${out}/stderr2; echo $? > ${out}/rc2`,
        `cp -a ${run} ${out}/final`,
      ].join('\n');
      const r = spawnSync('unshare', ['-m', 'sh', '-c', script], { encoding: 'utf8', timeout: 150_000 });
      expect(r.status, r.stderr).toBe(0);
      const rc1 = readFileSync(join(out, 'rc1'), 'utf8').trim();
      const stderr1 = readFileSync(join(out, 'stderr1'), 'utf8');
      if (rc1 === '0') {
        // The run finished before the disk filled up; nothing to check but the result.
        console.log('faults: the run finished before the disk was full');
      } else {
        expect(rc1, stderr1).toBe('1');
        expect(stderr1.trim().split('\n')).toHaveLength(1);
        expect(stderr1).toMatch(
          new RegExp(
            `^${run}/(checkpoint|model|metrics)\\.(json|jsonl): cannot write the file \\(no space left on the device \\(ENOSPC\\)\\); the previous contents, if any, are unchanged`,
          ),
        );
        // Nothing lost: the files left behind are whole, the checkpoint is of a finished epoch >= 1, no temp files.
        const after = join(out, 'after-full');
        expect(loadCheckpoint(join(after, 'checkpoint.json'))!.epoch).toBeGreaterThanOrEqual(1);
        expect(() => JSON.parse(readFileSync(join(after, 'model.json'), 'utf8')) as unknown).not.toThrow();
        expect(readdirSync(after).filter((n) => n.endsWith('.tmp'))).toEqual([]);
      }
      expect(readFileSync(join(out, 'rc2'), 'utf8').trim(), readFileSync(join(out, 'stderr2'), 'utf8')).toBe('0');
      cpSync(join(out, 'final'), join(root, 'final'), { recursive: true });
      expectSameAsStraight(join(root, 'final'));
    },
    180_000,
  );
});
