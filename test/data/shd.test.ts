import { readFileSync, mkdtempSync, writeFileSync, rmSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { openShd } from '../../src/io/datasets/shdFile.js';
import { loadDataset } from '../../src/io/datasets/load.js';
import { decodeRow, halfFloatTable } from '../../src/data/shd.js';

const FIX = resolve(import.meta.dirname, '../../datasets/fixtures');
const tmp = mkdtempSync(join(tmpdir(), 'rouser-shd-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The generator's formula (datasets/fixtures/make_shd_tiny.py), recomputed independently. */
function expected(i: number): { times: number[]; units: number[]; label: number } {
  const times: number[] = [];
  const units: number[] = [];
  if (i !== 5)
    for (let k = 0; k < 3 + i; k++) {
      times.push((k + 1) / 16 + i / 512);
      units.push((37 * i + 101 * k) % 700);
    }
  if (i === 2) {
    times.push(1.25);
    units.push(699);
  }
  return { times, units, label: (3 * i) % 20 };
}

describe('half floats', () => {
  it('decodes known binary16 bit patterns', () => {
    const t = halfFloatTable();
    expect(t[0x3c00]).toBe(1);
    expect(t[0xc000]).toBe(-2);
    expect(t[0x0001]).toBe(2 ** -24);
    expect(t[0x7bff]).toBe(65504);
    expect(t[0x7c00]).toBe(Infinity);
    expect(Number.isNaN(t[0x7e00])).toBe(true);
    expect(t[0x2c00]).toBe(0.0625);
    expect(Array.from(decodeRow(Uint8Array.from([0x00, 0x3c, 0x00, 0xc0]), { kind: 'float', bytes: 2 }))).toEqual([
      1, -2,
    ]);
  });
});

describe('SHD HDF5 reader against the h5py fixture', () => {
  it('reads float16 ragged times and uint16 units (train file)', async () => {
    const r = await openShd(join(FIX, 'shd_tiny_train.h5'));
    try {
      expect(r.samples).toBe(8);
      expect(r.timesType).toEqual({ kind: 'float', bytes: 2 });
      expect(r.classNames?.[3]).toBe('class-3');
      const recs = [...r.read(0, 3), ...r.read(3, 8)];
      recs.forEach((rec, i) => {
        const e = expected(i);
        expect(Array.from(rec.times)).toEqual(e.times.map((t) => t * 1e6));
        expect(Array.from(rec.ids)).toEqual(e.units);
        expect(r.labels[i]).toBe(e.label);
      });
    } finally {
      r.close();
    }
  });

  it('reads float32 times / uint32 units (test file) and .h5.gz input', async () => {
    const gz = join(tmp, 'shd_tiny_test.h5.gz');
    writeFileSync(gz, gzipSync(readFileSync(join(FIX, 'shd_tiny_test.h5'))));
    const r = await openShd(gz);
    try {
      expect(r.timesType).toEqual({ kind: 'float', bytes: 4 });
      r.read(0, 4).forEach((rec, j) => {
        const e = expected(8 + j);
        expect(Array.from(rec.times)).toEqual(e.times.map((t) => Math.fround(t) * 1e6));
        expect(Array.from(rec.ids)).toEqual(e.units);
      });
    } finally {
      r.close();
    }
  });

  it('loadDataset bins 10 ms x 100 steps, pools 700 -> 140 and reports the cropped spike', async () => {
    const d = await loadDataset(join(FIX, 'shd_tiny_train.h5'), { downsample: 5, binary: false });
    expect(d.info.inputSize).toBe(140);
    expect(d.info.steps).toBe(100);
    expect(d.info.dtMs).toBe(10);
    expect(d.info.trainSamples).toBe(8);
    expect(d.info.testSamples).toBe(4);
    expect(d.info.croppedEvents).toBe(1);
    let all = 0;
    for (let i = 0; i < 12; i++) all += expected(i).times.length;
    const sum = (a: Float32Array): number => a.reduce((s, v) => s + v, 0);
    expect(sum(d.train.inputs.data) + sum(d.test.inputs.data)).toBe(all - 1);
    expect(d.info.changes.join(' ')).toContain('700 -> 140');
  });

  it('errors name the file: empty file, not HDF5, missing dataset', async () => {
    const empty = join(tmp, 'empty.h5');
    writeFileSync(empty, '');
    await expect(openShd(empty)).rejects.toThrow(
      `${empty}: field length is 0 bytes; expected an HDF5 file (empty file)`,
    );
    const junk = join(tmp, 'junk.h5');
    writeFileSync(junk, 'not an hdf5 file at all');
    await expect(openShd(junk)).rejects.toThrow(`${junk}: field header (byte 0) has no HDF5 signature`);
    const badGz = join(tmp, 'bad.h5.gz');
    writeFileSync(badGz, 'nope');
    await expect(openShd(badGz)).rejects.toThrow(`${badGz}: gzip stream is invalid`);
    const copy = join(tmp, 'shd_copy.h5');
    copyFileSync(join(FIX, 'shd_tiny_train.h5'), copy);
    const bad = join(FIX, 'shd_bad_label.h5');
    await expect(loadDataset(bad, {})).rejects.toThrow(`${bad}: field /labels[1] is 25; expected a class in [0, 20)`);
  });
});
