import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { datasetMeta, datasetRequestFromMeta, openDataset } from '../../src/io/open.js';
import { encodeNmnist } from '../../src/data/nmnist.js';

/** N-MNIST tree with one sample per digit and split: events at 1 ms, 50 ms (first saccade) and 250 ms (third). */
function tree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rouser-data-'));
  for (const split of ['Train', 'Test'])
    for (let d = 0; d < 10; d++) {
      mkdirSync(join(dir, split, String(d)), { recursive: true });
      const rec = { channels: 2312, ids: Int32Array.from([d, 100, 200]), times: Float64Array.from([1000, 50_000, 250_000]), timeUnit: 'us' as const };
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
    expect(datasetRequestFromMeta(datasetMeta('synthetic', d, { steps: 7, seed: 3, binMs: 2, fullRecording: true, downsample: 4 }))).toEqual({
      ref: 'synthetic',
      req: { steps: 7, trainSamples: 12, testSamples: 5, downsample: 4, seed: 3, binMs: 2, fullRecording: true },
    });
    expect(datasetRequestFromMeta({ 'dataset.steps': 'x', other: 1 })).toEqual({ req: {} });
  });
});
