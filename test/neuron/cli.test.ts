import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { loadSpec } from '../../src/index.js';
import { captureOutput } from '../cli/capture.js';

const io = captureOutput();
const small = [
  '--dataset',
  'synthetic',
  '--train-samples',
  '32',
  '--test-samples',
  '16',
  '--steps',
  '10',
  '--arch',
  '8-4',
  '--batch',
  '16',
  '--epochs',
  '1',
];
const out = (): string => mkdtempSync(join(tmpdir(), 'rouser-neuron-'));

describe('rouser train --neuron NAME', () => {
  it('trains a registered model with the reference backend and writes its parameters into model.json', async () => {
    const dir = out();
    expect(
      await main([
        'train',
        ...small,
        '--neuron',
        'alif',
        '--neuron-params',
        'tauAdaptMs=50,betaAdapt=0.3',
        '--backend',
        'reference',
        '--out',
        dir,
      ]),
    ).toBe(0);
    expect(loadSpec(join(dir, 'model.json')).layers.map((l) => l.neuron)).toEqual([
      { kind: 'alif', tauAdaptMs: 50, betaAdapt: 0.3 },
      { kind: 'alif', tauAdaptMs: 50, betaAdapt: 0.3 },
    ]);
  });

  it('explains the fused refusal, unknown parameters and unknown models in one line', async () => {
    expect(await main(['train', ...small, '--neuron', 'alif', '--backend', 'fused', '--out', out()])).toBe(1);
    expect(io.err).toContain(
      'neuron kind "alif": the fused and tfjs kernels implement cuba and lif only; train other registered models with --backend reference',
    );
    expect(
      await main([
        'train',
        ...small,
        '--neuron',
        'alif',
        '--neuron-params',
        'tau=3',
        '--backend',
        'reference',
        '--out',
        out(),
      ]),
    ).toBe(1);
    expect(io.err).toContain(
      'train: option --neuron-params: field tau is 3; expected absent: alif has the parameters beta, tauAdaptMs, betaAdapt',
    );
    expect(await main(['train', ...small, '--neuron', 'izh', '--out', out()])).toBe(1);
    expect(io.err).toMatch(/option --neuron is "izh"; expected one of lif, cuba, alif/);
  });
});
