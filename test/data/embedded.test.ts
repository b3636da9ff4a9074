import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/io/datasets/load.js';
import { decodeNmnist } from '../../src/data/nmnist.js';
import { generateRandman } from '../../src/data/randman.js';

const cache = mkdtempSync(join(tmpdir(), 'rouser-emb-'));
afterAll(() => rmSync(cache, { recursive: true, force: true }));

describe('embedded nmnist-mini', () => {
  it('writes real N-MNIST .bin files, reads them back, and is deterministic', async () => {
    const a = await loadDataset('nmnist-mini', { cacheDir: cache, trainSamples: 20, testSamples: 10, steps: 10 });
    expect(a.info.name).toBe('nmnist-mini');
    expect(a.info.inputSize).toBe(578);
    expect(a.info.steps).toBe(10);
    expect(a.info.dtMs).toBe(10);
    expect(a.train.inputs.batch).toBe(20);
    expect(a.test.inputs.batch).toBe(10);
    expect(a.train.inputs.channels).toBe(578);
    expect(a.info.changes).toContain('first saccade only (0-100 ms)');
    expect(new Set(a.train.labels).size).toBe(10);
    const dir = readdirSync(cache).find((n) => n.startsWith('nmnist-mini-'));
    expect(dir).toBeDefined();
    const digit3 = join(cache, dir as string, 'Train', '3');
    const files = readdirSync(digit3);
    expect(files.length).toBe(2);
    const rec = decodeNmnist(new Uint8Array(readFileSync(join(digit3, files[0] as string))), files[0]);
    expect(rec.ids.length).toBeGreaterThan(300);
    // events span the three saccades (~300 ms)
    expect(rec.times[rec.times.length - 1]).toBeGreaterThan(250_000);
    const b = await loadDataset('nmnist-mini', { cacheDir: cache, trainSamples: 20, testSamples: 10, steps: 10 });
    expect(b.train.inputs.data).toEqual(a.train.inputs.data);
    expect(Array.from(b.train.labels)).toEqual(Array.from(a.train.labels));
  });

  it('full-resolution option gives 2312 inputs', async () => {
    const a = await loadDataset('nmnist-mini', {
      cacheDir: cache,
      trainSamples: 20,
      testSamples: 10,
      steps: 5,
      downsample: 1,
    });
    expect(a.info.inputSize).toBe(2312);
    expect(a.train.inputs.channels).toBe(2312);
  });
});

describe('randman', () => {
  it('is seeded, one spike per unit per sample, classes interleaved', () => {
    const a = generateRandman({ classes: 3, units: 20, steps: 30, samplesPerClass: 4, seed: 7 });
    const b = generateRandman({ classes: 3, units: 20, steps: 30, samplesPerClass: 4, seed: 7 });
    expect(a.samples.length).toBe(12);
    expect(Array.from(a.labels.slice(0, 6))).toEqual([0, 1, 2, 0, 1, 2]);
    for (const [i, s] of a.samples.entries()) {
      expect(Array.from(s.ids).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, k) => k));
      expect(Math.max(...s.times)).toBeLessThan(30);
      expect(Array.from(s.times)).toEqual(Array.from(b.samples[i]?.times ?? []));
    }
    const c = generateRandman({ classes: 3, units: 20, steps: 30, samplesPerClass: 4, seed: 8 });
    expect(Array.from(c.samples[0]?.times ?? [])).not.toEqual(Array.from(a.samples[0]?.times ?? []));
  });

  it('loadDataset("randman") returns tensors with the documented defaults', async () => {
    const d = await loadDataset('randman', { trainSamples: 50, testSamples: 20 });
    expect(d.info).toMatchObject({
      name: 'randman',
      inputSize: 100,
      classes: 10,
      steps: 50,
      dtMs: 1,
      trainSamples: 50,
      testSamples: 20,
    });
    expect(d.train.inputs.data.reduce((s, v) => s + v, 0)).toBe(50 * 100);
  });

  it('unknown names and paths give a clear error', async () => {
    await expect(loadDataset('no-such-set', {})).rejects.toThrow(
      '--dataset "no-such-set": no such file or folder; expected one of nmnist-mini, randman or a path',
    );
  });
});
