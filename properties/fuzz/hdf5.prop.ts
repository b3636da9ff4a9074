import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { openShd } from '../../src/io/datasets/shdFile.js';
import { fuzzRuns, mutate, mutationsArb, type Mutation } from './mutate.js';
import { RouserError } from '../../src/util/errors.js';

const FIX = resolve(import.meta.dirname, '../../datasets/fixtures/shd_tiny_train.h5');
const dir = mkdtempSync(join(tmpdir(), 'rouser-fuzz-h5-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Opens and reads a whole SHD file; returns the records or the RouserError message. Any other exception, any
 * output of h5wasm on the terminal, or a crash of the process fails the property.
 */
async function readAll(
  path: string,
): Promise<{ ok: true; labels: number[]; events: number } | { ok: false; message: string }> {
  try {
    const r = await openShd(path);
    try {
      const recs = r.read(0, r.samples);
      for (const rec of recs)
        for (const id of rec.ids) if (!(id >= 0 && id < 700)) throw new Error(`channel ${id} outside [0, 700)`);
      return { ok: true, labels: Array.from(r.labels), events: recs.reduce((s, x) => s + x.ids.length, 0) };
    } finally {
      r.close();
    }
  } catch (e) {
    if (!(e instanceof RouserError)) throw e;
    return { ok: false, message: e.message };
  }
}

describe('fuzz: mutated SHD HDF5 files are read or refused with one line naming the file, never crash the process', () => {
  const src = new Uint8Array(readFileSync(FIX));
  let n = 0;
  const check = async (ms: Mutation[]): Promise<void> => {
    const path = join(dir, `m${n++}.h5`);
    writeFileSync(path, mutate(src, ms));
    const got = await readAll(path);
    if (!got.ok) {
      expect(got.message.startsWith(`${path}: `), got.message).toBe(true);
      expect(got.message).not.toContain('\n');
    } else for (const l of got.labels) expect(Number.isInteger(l) && l >= 0).toBe(true);
    rmSync(path, { force: true });
  };

  it('a file cut in half is named as truncated, not as a missing field', async () => {
    const path = join(dir, 'half.h5');
    writeFileSync(path, src.subarray(0, src.length >> 1));
    await expect(openShd(path)).rejects.toThrow(
      `${path}: the file is truncated: its HDF5 superblock says ${src.length} bytes (end-of-file address at byte 40) but the file has ${src.length >> 1}; expected the complete file (download it again)`,
    );
  });

  it('a byte that makes the HDF5 library abort ends the reader, not the process; the next file reads normally', async () => {
    const path = join(dir, 'abort.h5');
    const b = Uint8Array.from(src);
    b[13062] = ((b[13062] as number) + 1) & 0xff; // found by fuzzing: h5wasm calls abort() on this file
    writeFileSync(path, b);
    const got = await readAll(path);
    expect(got.ok).toBe(false);
    if (!got.ok)
      expect(got.message).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*(corrupt|truncated)`));
    const good = await readAll(FIX);
    expect(good).toEqual({ ok: true, labels: [0, 3, 6, 9, 12, 15, 18, 1], events: expect.any(Number) as number });
  });

  it('labels must be integers: 2.5 and NaN are refused, not truncated to 2 and 0 (cause 3)', async () => {
    const h5 = await import('h5wasm/node');
    await h5.ready;
    // /spikes is an external link to the fixture, /labels a float32 dataset written here.
    const withLabels = (name: string, labels: number[]): string => {
      const path = join(dir, name);
      const f = new h5.File(path, 'w');
      f.create_external_link(FIX, '/spikes', 'spikes');
      f.create_dataset({ name: 'labels', data: Float32Array.from(labels) });
      f.close();
      return path;
    };
    const ok = withLabels('float-int.h5', [0, 3, 6, 9, 12, 15, 18, 1]);
    expect(await readAll(ok)).toEqual({
      ok: true,
      labels: [0, 3, 6, 9, 12, 15, 18, 1],
      events: expect.any(Number) as number,
    });
    const half = withLabels('float-half.h5', [0, 2.5, 6, 9, 12, 15, 18, 1]);
    await expect(openShd(half)).rejects.toThrow(`${half}: field /labels[1] is 2.5; expected an integer class >= 0`);
    const nan = withLabels('float-nan.h5', [NaN, 3, 6, 9, 12, 15, 18, 1]);
    await expect(openShd(nan)).rejects.toThrow(`${nan}: field /labels[0] is NaN; expected an integer class >= 0`);
  });

  it('random mutations (a few in npm test; ROUSER_FUZZ_RUNS for more)', async () => {
    await fc.assert(
      fc.asyncProperty(mutationsArb, (ms) => check(ms)),
      fuzzRuns(6),
    );
  });
});
