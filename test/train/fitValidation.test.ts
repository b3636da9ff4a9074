import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createReferenceBackend,
  fit,
  loadSpec,
  makeSyntheticTask,
  specToJson,
  type FitConfig,
} from '../../src/index.js';
import { validationSplit } from '../../src/train/fit.js';
import { referenceForward } from '../../src/neuron/dynamics.js';

const data = makeSyntheticTask({ inputs: 16, classes: 3, steps: 12, samples: 50, testSamples: 20, seed: 4 });
const base: FitConfig = {
  sizes: [16, 12, 3],
  epochs: 3,
  batch: 16,
  seed: 2,
  lr: 1e-2,
  lrTh: 1e-2,
  backend: 'reference',
};
const tmp = (): string => mkdtempSync(join(tmpdir(), 'rouser-fitval-'));

describe('validation split', () => {
  it('holds out round(f * n) samples, disjoint from training, seeded, sorted', () => {
    const a = validationSplit(50, 0.1, 7);
    expect(a.val).toHaveLength(5);
    expect(a.train).toHaveLength(45);
    const all = [...a.val, ...a.train].sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect([...a.val]).toEqual([...a.val].sort((x, y) => x - y));
    expect(validationSplit(50, 0.1, 7)).toEqual(a);
    expect([...validationSplit(50, 0.1, 8).val]).not.toEqual([...a.val]);
    expect(validationSplit(50, 0, 7).val).toHaveLength(0);
    expect(validationSplit(1, 0.9, 7).train).toHaveLength(1);
    expect(() => validationSplit(10, 1, 0)).toThrow(/fraction/);
  });

  it('fit trains on the rest, reports validation accuracy per epoch and selects the best validation epoch', async () => {
    const dir = tmp();
    const r = await fit({ ...base, valFraction: 0.2 }, data, { outDir: dir });
    const split = validationSplit(50, 0.2, 2);
    expect(split.val).toHaveLength(10);
    // Independent check of epoch-0 validation accuracy: the initial network on the held-out samples.
    const per = 12 * 16;
    let correct = 0;
    for (const k of split.val) {
      const spikes = referenceForward(
        r.initialSpec.layers,
        data.train.inputs.data.subarray(k * per, (k + 1) * per),
        12,
      );
      const out = spikes[1]!;
      const counts = [0, 0, 0];
      for (let i = 0; i < out.length; i++) counts[i % 3]! += out[i]!;
      const pred = counts.indexOf(Math.max(...counts));
      if (pred === data.train.labels[k]) correct++;
    }
    expect(r.history[0]!.valAccuracy).toBe(correct / 10);
    const vals = r.history.map((h) => h.valAccuracy as number);
    const bestEpoch = vals.indexOf(Math.max(...vals));
    expect(r.best.selection).toBe('validation');
    expect(r.best.epoch).toBe(bestEpoch);
    expect(r.best.testAccuracy).toBe(r.history[bestEpoch]!.testAccuracy);
    expect(specToJson(loadSpec(join(dir, 'model-best.json')))).toBe(specToJson({ ...r.best.spec }));
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as {
      selected: { epoch: number; selection: string };
      split: { trainSamples: number; valSamples: number };
    };
    expect(summary.selected.epoch).toBe(bestEpoch);
    expect(summary.split).toMatchObject({ trainSamples: 40, valSamples: 10 });
    // Without a split the last epoch is reported and the test set never chooses.
    const noVal = await fit(base, data, { backend: createReferenceBackend() });
    expect(noVal.best.selection).toBe('final');
    expect(noVal.best.epoch).toBe(3);
    expect(noVal.history.every((h) => h.valAccuracy === null)).toBe(true);
  });

  it('per-sample dead fraction = mean over test samples of the fraction of silent neurons (hand reduction)', async () => {
    const r = await fit({ ...base, epochs: 0 }, data, { backend: createReferenceBackend() });
    const per = 12 * 16;
    const silent = [0, 0];
    for (let b = 0; b < 20; b++) {
      const spikes = referenceForward(r.initialSpec.layers, data.test.inputs.data.subarray(b * per, (b + 1) * per), 12);
      spikes.forEach((s, l) => {
        const size = l === 0 ? 12 : 3;
        let dead = 0;
        for (let o = 0; o < size; o++) {
          let c = 0;
          for (let t = 0; t < 12; t++) c += s[t * size + o]!;
          if (c === 0) dead++;
        }
        silent[l]! += dead / size;
      });
    }
    const got = r.history[0]!.layers.map((l) => l.deadFractionPerSample as number);
    expect(got[0]).toBeCloseTo(silent[0]! / 20, 12);
    expect(got[1]).toBeCloseTo(silent[1]! / 20, 12);
    expect(got[0]).toBeGreaterThanOrEqual(r.history[0]!.layers[0]!.deadFraction);
  });

  it('resume with a validation split continues bit-exactly and keeps the selected model', async () => {
    const cfg: FitConfig = { ...base, valFraction: 0.2 };
    const whole = await fit(cfg, data, { outDir: tmp() });
    const dir = tmp();
    await fit({ ...cfg, epochs: 1 }, data, { outDir: dir });
    const resumed = await fit(cfg, data, { outDir: dir, resume: true });
    expect(resumed.resumedFrom).toBe(1);
    const strip = (h: typeof whole.history) => h.map((m) => ({ ...m, wallMs: 0, epochMs: 0 }));
    expect(strip(resumed.history)).toEqual(strip(whole.history));
    expect(resumed.best.epoch).toBe(whole.best.epoch);
    expect(specToJson(resumed.best.spec)).toBe(specToJson(whole.best.spec));
  });
});
