import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureOutput } from './capture.js';
import type { CompareSummary } from '../../src/experiment/compare.js';
import { main } from '../../src/cli/main.js';
import { parseVariants } from '../../src/experiment/variants.js';
import { loadSpec } from '../../src/index.js';

describe('--variants grammar', () => {
  it('parses kinds, thresholds and keyed items', () => {
    expect(parseVariants('learned, fixed:0.5,learned:lr-th=0.01,layer:th=0.25:th-floor=0.01')).toEqual([
      { label: 'learned', thresholdMode: 'learned' },
      { label: 'fixed:0.5', thresholdMode: 'fixed', thInit: 0.5 },
      { label: 'learned:lr-th=0.01', thresholdMode: 'learned', lrTh: 0.01 },
      { label: 'layer:th=0.25:th-floor=0.01', thresholdMode: 'layer', thInit: 0.25, thFloor: 0.01 },
    ]);
  });
  it('names the bad variant and item', () => {
    expect(() => parseVariants('learned,adaptive')).toThrow(
      '--variants: variant "adaptive" has kind "adaptive"; expected learned, layer or fixed',
    );
    expect(() => parseVariants('fixed:abc')).toThrow(
      '--variants: variant "fixed:abc" item "abc" has value "abc"; expected a number',
    );
    expect(() => parseVariants('learned:lr=3')).toThrow(
      'item "lr=3" has key "lr"; expected a number, th=, lr-th= or th-floor=',
    );
    expect(() => parseVariants('fixed,fixed')).toThrow('--variants: "fixed" is listed twice');
    expect(() => parseVariants('fixed:lr-th=0.1')).toThrow('is fixed but sets lr-th=0.1');
  });
});

const io = captureOutput();

describe('rouser compare (randman, tiny)', () => {
  it('trains every variant from the same initial weights, writes summary.json and a report with every chart, and resumes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rouser-compare-'));
    const args = [
      'compare',
      '--dataset',
      'randman',
      '--train-samples',
      '64',
      '--test-samples',
      '32',
      '--steps',
      '20',
      '--arch',
      '16-16-10',
      '--variants',
      'learned:lr-th=0.05,fixed,fixed:0.5',
      '--epochs',
      '2',
      '--seeds',
      '2',
      '--batch',
      '16',
      '--target-accuracy',
      '0.05',
      '--out',
      dir,
      '--json',
    ];
    expect(await main(args)).toBe(0);
    const s = JSON.parse(io.out) as CompareSummary;
    expect(JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'))).toEqual(s);
    expect(s.variants.map((v) => v.label)).toEqual(['learned:lr-th=0.05', 'fixed', 'fixed:0.5']);
    expect(s.seeds).toEqual([0, 1]);
    const [learned, fixed, fixed05] = s.variants as [
      CompareSummary['variants'][number],
      CompareSummary['variants'][number],
      CompareSummary['variants'][number],
    ];
    // same initial weights and threshold: epoch 0 is the same network for learned and fixed
    expect(learned.perEpoch.testAccuracy[0]).toBe(fixed.perEpoch.testAccuracy[0]);
    expect(learned.perEpoch.deadFraction[0]).toEqual(fixed.perEpoch.deadFraction[0]);
    expect(fixed.finalThresholds.every((t) => t.fractionMoved === 0 && t.min === 1.25 && t.max === 1.25)).toBe(true);
    expect(fixed05.finalThresholds.every((t) => t.min === 0.5 && t.max === 0.5)).toBe(true);
    expect(learned.finalThresholds.some((t) => (t.fractionMoved ?? 0) > 0)).toBe(true);
    for (const v of s.variants) {
      expect(v.perEpoch.epoch).toEqual([0, 1, 2]);
      expect(v.perEpoch.deadFraction[2]).toHaveLength(3);
      expect(v.finalTestAccuracy.values).toHaveLength(2);
      expect(v.latency.epochs).toHaveLength(2);
      expect(v.event.samples).toBe(32);
      expect(v.event.macsPerSample).toBe((100 * 16 + 16 * 16 + 16 * 10) * 20); // randman has 100 input units
      expect(v.event.energy.map((e) => e.table)).toEqual(['45nm-fp32', '45nm-fp16', '45nm-int8']);
      expect(v.perEpoch.normalisedWeightChange[2]!.every((x) => x === null || Math.abs(x - 1) < 1e-12)).toBe(true);
    }
    // the event-engine accuracy of each reported model (the epoch chosen on the validation split) equals the dense
    // test accuracy of that epoch (engines agree)
    for (const v of s.variants) expect(v.event.accuracy).toBeCloseTo(v.reportedTestAccuracy.mean, 12);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    for (const id of [
      'accuracy',
      'grid',
      'dead-0',
      'dead-1',
      'rate-0',
      'rate-2',
      'weights-0',
      'thresholds-0',
      'thresholds-2',
      'synops',
    ])
      expect(html).toContain(`id="${id}"`);
    // accuracy, grid, 2 dead, 3 rates, 3 weight changes, 3 threshold histograms, SynOps
    expect((html.match(/<svg /g) ?? []).length).toBe(14);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    expect(loadSpec(join(dir, 'runs', 'fixed', 'seed-1', 'model.json')).meta.variant).toBe('fixed');

    const ckpt = join(dir, 'runs', 'learned_lr-th=0.05', 'seed-0', 'checkpoint.json');
    const before = statSync(ckpt).mtimeMs;
    io.out = '';
    expect(await main([...args, '--resume'])).toBe(0);
    expect(statSync(ckpt).mtimeMs).toBe(before);
    expect((JSON.parse(io.out) as CompareSummary).variants.map((v) => v.finalTestAccuracy.values)).toEqual(
      s.variants.map((v) => v.finalTestAccuracy.values),
    );
  });
});
