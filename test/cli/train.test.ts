import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureOutput } from './capture.js';
import { main } from '../../src/cli/main.js';
import { parseArch } from '../../src/cli/commands/train.js';
import { loadSpec } from '../../src/index.js';

const io = captureOutput();

const small = [
  '--dataset',
  'synthetic',
  '--train-samples',
  '48',
  '--test-samples',
  '16',
  '--steps',
  '12',
  '--arch',
  '16-4',
  '--batch',
  '16',
  '--backend',
  'reference',
];

describe('rouser train', () => {
  it('trains on the synthetic task, writes the files, prints per-epoch lines and --json; --resume continues', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rouser-train-'));
    expect(await main(['train', ...small, '--epochs', '1', '--out', dir, '--json'])).toBe(0);
    for (const f of ['metrics.jsonl', 'model.json', 'checkpoint.json', 'summary.json'])
      expect(existsSync(join(dir, f))).toBe(true);
    expect(io.err).toMatch(/epoch 0\/1 loss [\d.]+ train [\d.]+% test [\d.]+% \| dead \[[\d.]+% [\d.]+%\] rate/);
    expect(io.err).toMatch(/epoch 1\/1 /);
    const j = JSON.parse(io.out) as {
      epochs: number;
      history: unknown[];
      config: { sizes: number[]; thresholdMode: string };
      resumedFrom: number;
    };
    expect(j.epochs).toBe(1);
    expect(j.history).toHaveLength(2);
    expect(j.config.sizes).toEqual([40, 16, 4]);
    expect(j.config.thresholdMode).toBe('learned');
    expect(loadSpec(join(dir, 'model.json')).meta.dataset).toBe('synthetic');
    io.out = '';
    io.err = '';
    // Resume with only --io.out, --resume and a higher --epochs: everything else comes from the checkpoint.
    expect(await main(['train', '--out', dir, '--resume', '--epochs', '2', '--json'])).toBe(0);
    const k = JSON.parse(io.out) as { resumedFrom: number; history: unknown[] };
    expect(k.resumedFrom).toBe(1);
    expect(k.history).toHaveLength(3);
    expect(io.err).toContain('resuming after epoch 1');
    expect(readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(3);
    io.err = '';
    expect(await main(['train', '--out', dir, '--resume', '--epochs', '3', '--lr', '0.5'])).toBe(1);
    expect(io.err).toContain('cannot resume, the config differs in lr (checkpoint 0.001, now 0.5)');
  });

  it('errors name the option and the expectation', async () => {
    expect(
      await main([
        'train',
        '--dataset',
        'synthetic',
        '--arch',
        '2312-500-4',
        '--out',
        mkdtempSync(join(tmpdir(), 'rouser-train-')),
      ]),
    ).toBe(1);
    expect(io.err).toContain("--arch 2312-500-4: first size 2312 does not match the dataset's 40 inputs");
    io.err = '';
    expect(await main(['train', '--out', mkdtempSync(join(tmpdir(), 'rouser-train-'))])).toBe(1);
    expect(io.err).toContain('option --dataset is required');
    io.err = '';
    expect(await main(['train', '--dataset', 'synthetic', '--threshold', 'sometimes'])).toBe(1);
    expect(io.err).toContain('option --threshold is "sometimes"; expected one of learned, layer, fixed');
  });

  it('parseArch infers the input size or checks it', () => {
    expect(parseArch('500-500-10', 578, 10)).toEqual([578, 500, 500, 10]);
    expect(parseArch('578-500-10', 578, 10)).toEqual([578, 500, 10]);
    expect(parseArch('128-4', 40, 4)).toEqual([40, 128, 4]);
    expect(parseArch(undefined, 40, 4)).toEqual([40, 128, 128, 4]);
    expect(() => parseArch('2312-500-10', 578, 10)).toThrow(
      "--arch 2312-500-10: first size 2312 does not match the dataset's 578 inputs",
    );
    expect(() => parseArch('500-5', 578, 10)).toThrow(
      "--arch 500-5: output size 5 is smaller than the dataset's 10 classes",
    );
    expect(() => parseArch('500--10', 578, 10)).toThrow(/expected sizes separated by '-'/);
  });
});
