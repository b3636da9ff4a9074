import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createReferenceBackend,
  fit,
  initNetwork,
  loadCheckpoint,
  loadSpec,
  makeSyntheticTask,
  RouserError,
  specToJson,
  TrainingDivergedError,
  type EpochMetrics,
  type FitConfig,
  type TrainBackend,
} from '../../src/index.js';

const data = makeSyntheticTask({ inputs: 16, classes: 3, steps: 12, samples: 48, testSamples: 24, seed: 11 });
const base: FitConfig = {
  sizes: [16, 12, 3],
  epochs: 2,
  batch: 16,
  seed: 1,
  lr: 5e-3,
  lrTh: 5e-3,
  backend: 'reference',
};
const tmp = (): string => mkdtempSync(join(tmpdir(), 'rouser-fit-'));

describe('fit', () => {
  it('trains, reports every metric per epoch and writes metrics.jsonl, model.json, checkpoint.json, summary.json', async () => {
    const dir = tmp();
    const epochs: number[] = [];
    const batches: number[] = [];
    const r = await fit(base, data, {
      outDir: dir,
      onEpoch: (m) => epochs.push(m.epoch),
      onBatch: (d, t) => batches.push(d / t),
    });
    expect(epochs).toEqual([0, 1, 2]);
    expect(batches.filter((b) => b === 1)).toHaveLength(2);
    expect(r.history.map((h) => h.epoch)).toEqual([0, 1, 2]);
    const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as EpochMetrics);
    expect(lines).toEqual(r.history);
    const m = lines[2]!;
    for (const k of ['loss', 'testLoss', 'trainAccuracy', 'testAccuracy', 'wallMs', 'epochMs'] as const)
      expect(Number.isFinite(m[k])).toBe(true);
    expect(m.layers).toHaveLength(2);
    for (const l of m.layers) {
      expect(Object.keys(l).sort()).toEqual(
        [
          'deadFraction',
          'deadFractionPerBatchMean',
          'deadFractionPerSample',
          'floorBinds',
          'saturatedFraction',
          'saturatedStrictFraction',
          'size',
          'spikeRate',
          'threshold',
          'weightChange',
        ].sort(),
      );
      expect(Object.keys(l.threshold).sort()).toEqual(['fractionMoved', 'max', 'mean', 'min', 'negative', 'std']);
      expect(l.weightChange).toBeGreaterThan(0);
      expect(l.threshold.fractionMoved).toBeGreaterThan(0);
    }
    expect(lines[0]!.layers.every((l) => l.weightChange === 0 && l.threshold.fractionMoved === 0)).toBe(true);
    expect(specToJson(loadSpec(join(dir, 'model.json')))).toBe(specToJson(r.spec));
    expect(loadCheckpoint(join(dir, 'checkpoint.json'))!.epoch).toBe(2);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as {
      normalisedWeightChange: (number | null)[][];
    };
    expect(summary.normalisedWeightChange[2]).toEqual([1, 1]);
    expect(r.normalisedWeightChange[0]).toEqual([0, 0]);
    expect(r.normalisedWeightChange[1]![0]).toBeCloseTo(
      m.layers[0]!.weightChange > 0 ? lines[1]!.layers[0]!.weightChange / m.layers[0]!.weightChange : NaN,
      12,
    );
  });

  it('is deterministic: the same config gives bit-identical weights and metrics', async () => {
    const a = await fit(base, data);
    const b = await fit(base, data);
    expect(specToJson(a.spec)).toBe(specToJson(b.spec));
    const strip = (h: EpochMetrics[]) => h.map(({ wallMs: _w, epochMs: _e, ...rest }) => rest);
    expect(strip(a.history)).toEqual(strip(b.history));
  });

  it('initialSpec starts variants from the same weights; thInit sets only the thresholds; fixed keeps them', async () => {
    const init = initNetwork({ sizes: [16, 12, 3], seed: 99 });
    const fixed = await fit({ ...base, epochs: 1, thresholdMode: 'fixed', thInit: 0.75 }, data, { initialSpec: init });
    const learned = await fit({ ...base, epochs: 1, thInit: 0.75 }, data, { initialSpec: init });
    for (const r of [fixed, learned]) {
      expect(r.initialSpec.layers[0]!.weights).toEqual(init.layers[0]!.weights);
      expect(Array.from(r.initialSpec.layers[1]!.thresholds)).toEqual([0.75, 0.75, 0.75]);
    }
    expect(init.layers[0]!.thresholds[0]).toBe(1.25); // the caller's spec is not modified
    expect(fixed.spec.layers.every((l) => l.thresholds.every((t) => t === 0.75))).toBe(true);
    expect(learned.spec.layers[0]!.thresholds.some((t) => t !== 0.75)).toBe(true);
  });

  it('layer mode keeps one threshold per layer; the floor binds are counted', async () => {
    const r = await fit({ ...base, epochs: 1, thresholdMode: 'layer' }, data);
    for (const l of r.spec.layers) expect(new Set(l.thresholds).size).toBe(1);
    expect(r.spec.layers[0]!.thresholds[0]).not.toBe(1.25);
    const f = await fit({ ...base, epochs: 1, thInit: 0.05, thFloor: 0.05, lrTh: 0.05 }, data);
    const binds = f.history[1]!.layers.reduce((s, l) => s + l.floorBinds, 0);
    expect(binds).toBeGreaterThan(0);
    for (const l of f.spec.layers) for (const t of l.thresholds) expect(t).toBeGreaterThanOrEqual(Math.fround(0.05));
  });

  it('rejects an architecture that does not fit the dataset, naming the sizes', async () => {
    await expect(fit({ ...base, sizes: [20, 12, 3] }, data)).rejects.toThrow(
      new RouserError("fit: sizes 20-12-3: first size 20 does not match the train dataset's 16 inputs"),
    );
    await expect(fit({ ...base, sizes: [16, 2] }, data)).rejects.toThrow(
      /output size 2 is smaller than the train dataset's 3 classes/,
    );
    await expect(fit({ ...base, lr: -1 }, data)).rejects.toThrow(
      'fit: config: field lr is -1; expected a finite number >= 0',
    );
  });

  it('a NaN loss stops the run with a clear message and keeps the last good checkpoint and model', async () => {
    const dir = tmp();
    const ref = createReferenceBackend();
    let calls = 0;
    const poisoned: TrainBackend = {
      ...ref,
      forwardBackward: async (...a) => {
        const r = await ref.forwardBackward(...a);
        calls++;
        return calls === 5 ? { ...r, loss: NaN } : r; // 3 batches per epoch: batch 2 of epoch 2
      },
    };
    const err = await fit({ ...base, epochs: 3 }, data, { outDir: dir, backend: poisoned }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingDivergedError);
    expect((err as Error).message).toBe(
      `training diverged: epoch 2 batch 2/3: loss is NaN; stopping. The last good checkpoint (epoch 1) is kept in ${join(dir, 'checkpoint.json')}. Try a smaller --lr / --lr-th.`,
    );
    const ck = loadCheckpoint(join(dir, 'checkpoint.json'))!;
    expect(ck.epoch).toBe(1);
    expect(specToJson(loadSpec(join(dir, 'model.json')))).toBe(specToJson(ck.spec));
    expect(readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
    expect(existsSync(join(dir, 'summary.json'))).toBe(false);
  });

  it('non-finite parameters after an update also stop the run', async () => {
    const ref = createReferenceBackend();
    const poisoned: TrainBackend = {
      ...ref,
      forwardBackward: async (spec, x, y, o, g) => {
        const r = await ref.forwardBackward(spec, x, y, o, g);
        g.weights[1]![0] = Infinity;
        return r;
      },
    };
    await expect(fit({ ...base, epochs: 1 }, data, { backend: poisoned })).rejects.toThrow(
      /^training diverged: epoch 1 batch 1\/3: after the update layers\[1\]\.weights\[0\] is NaN; stopping\./,
    );
  });
});
