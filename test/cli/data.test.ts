import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { datasetMeta, datasetRequestFromMeta, openDataset } from '../../src/io/open.js';
import { encodeNmnist } from '../../src/data/nmnist.js';
import { datasetProgress, defaultOutDir } from '../../src/cli/data.js';
import { ensureNmnistMini } from '../../src/io/datasets/embedded.js';

/** N-MNIST tree with one sample per digit and split: events at 1 ms, 50 ms (first saccade) and 250 ms (third). */
function tree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rouser-data-'));
  for (const split of ['Train', 'Test'])
    for (let d = 0; d < 10; d++) {
      mkdirSync(join(dir, split, String(d)), { recursive: true });
      const rec = {
        channels: 2312,
        ids: Int32Array.from([d, 100, 200]),
        times: Float64Array.from([1000, 50_000, 250_000]),
        timeUnit: 'us' as const,
      };
      writeFileSync(join(dir, split, String(d), '0.bin'), encodeNmnist(rec));
    }
  return dir;
}

const sum = (a: Float32Array): number => a.reduce((s, v) => s + v, 0);

describe('openDataset', () => {
  it('bins the first saccade by default and the whole recording with fullRecording', async () => {
    const dir = tree();
    const first = await openDataset(dir, { steps: 10 });
    expect(first.info.dtMs).toBe(10);
    expect(sum(first.train.inputs.data)).toBe(20); // 2 events in 0-100 ms per sample
    expect(first.info.changes).toContain('first saccade only (0-100 ms)');
    const full = await openDataset(dir, { steps: 10, fullRecording: true });
    expect(full.info.dtMs).toBe(30);
    expect(sum(full.train.inputs.data)).toBe(30);
    expect(full.info.changes).not.toContain('first saccade only (0-100 ms)');
    const binned = await openDataset(dir, { steps: 300, binMs: 1, fullRecording: true });
    expect(binned.info.dtMs).toBe(1);
    expect(binned.train.inputs.data[250 * 2312 + 200]).toBe(1); // sample 0 (digit 0), step 250, channel 200
  });

  it('records the resolved shaping in model meta, and the synthetic task is available everywhere', async () => {
    const d = await openDataset('synthetic', { steps: 7, trainSamples: 12, testSamples: 5, seed: 3 });
    expect(d.train.inputs).toMatchObject({ batch: 12, steps: 7, channels: 40 });
    expect(datasetMeta('synthetic', d, { steps: 7, seed: 3, binMs: 2, fullRecording: true })).toEqual({
      dataset: 'synthetic',
      datasetName: 'synthetic',
      'dataset.steps': 7,
      'dataset.train-samples': 12,
      'dataset.test-samples': 5,
      'dataset.seed': 3,
      'dataset.bin-ms': 2,
      'dataset.full-recording': true,
    });
    expect(
      datasetRequestFromMeta(
        datasetMeta('synthetic', d, { steps: 7, seed: 3, binMs: 2, fullRecording: true, downsample: 4 }),
      ),
    ).toEqual({
      ref: 'synthetic',
      req: { steps: 7, trainSamples: 12, testSamples: 5, downsample: 4, seed: 3, binMs: 2, fullRecording: true },
    });
    expect(datasetRequestFromMeta({ 'dataset.steps': 'x', other: 1 })).toEqual({ req: {} });
  });
});

describe('CLI dataset helpers', () => {
  it('default output folders are per dataset and command', () => {
    expect(defaultOutDir('compare', 'nmnist-mini')).toBe(join('runs', 'nmnist-mini-compare'));
    expect(defaultOutDir('train', 'randman')).toBe(join('runs', 'randman-train'));
    expect(defaultOutDir('compare', '/data/NMNIST/')).toBe(join('runs', 'NMNIST-compare'));
    expect(defaultOutDir('train', 'data/shd/shd_train.h5.gz')).toBe(join('runs', 'shd_train-train'));
    expect(defaultOutDir('demo', 'my set')).toBe(join('runs', 'my_set-demo'));
    expect(defaultOutDir('compare', 'nmnist-mini')).not.toBe(defaultOutDir('compare', 'randman'));
  });

  it('the embedded set reports generation progress as counts, and the CLI draws them as a bar', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'rouser-progress-'));
    const calls: [string, number, number][] = [];
    const r = await ensureNmnistMini({
      trainPerClass: 2,
      testPerClass: 1,
      cacheDir,
      onProgressCount: (task, done, total) => calls.push([task, done, total]),
    });
    expect(r.generated).toBe(true);
    expect(calls.length).toBe(30);
    expect(calls.map((c) => c[1])).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(calls.every((c) => c[0] === 'generating nmnist-mini' && c[2] === 30)).toBe(true);
    // cached: no second generation, no progress
    calls.length = 0;
    expect(
      (
        await ensureNmnistMini({
          trainPerClass: 2,
          testPerClass: 1,
          cacheDir,
          onProgressCount: (t, d, n) => calls.push([t, d, n]),
        })
      ).generated,
    ).toBe(false);
    expect(calls).toEqual([]);
    // drawn on a terminal stream: the bar names the task and ends at 30/30, then clears its line
    let written = '';
    const stream = { isTTY: true, write: (s: string) => ((written += s), true) } as unknown as NodeJS.WriteStream;
    const env = process.env.CI;
    delete process.env.CI;
    try {
      const p = datasetProgress(stream);
      for (let i = 1; i <= 30; i++) p.onProgressCount('generating nmnist-mini', i, 30);
      p.onProgress('done');
    } finally {
      if (env !== undefined) process.env.CI = env;
    }
    expect(written).toContain('generating nmnist-mini');
    expect(written).toContain('30/30 100%');
    expect(written.endsWith('\r\x1b[2Kdone\n')).toBe(true);
  });
});
