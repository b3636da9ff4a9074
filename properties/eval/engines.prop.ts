import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateModel } from '../../src/experiment/evaluate.js';
import { createSpec, type NetworkSpec, type TensorDataset } from '../../src/index.js';
import { createFusedBackend } from '../../src/train/fused.js';

const backend = createFusedBackend({ threads: 1 });
afterAll(() => backend.dispose());

const netAndData = fc
  .record({
    sizes: fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 2, maxLength: 4 }),
    kind: fc.constantFrom('cuba' as const, 'lif' as const),
    reset: fc.constantFrom('zero' as const, 'subtract' as const),
    bias: fc.boolean(),
    steps: fc.integer({ min: 1, max: 12 }),
    batch: fc.integer({ min: 1, max: 4 }),
    seed: fc.integer(),
    p: fc.double({ min: 0.05, max: 0.8, noNaN: true }),
  })
  .map(({ sizes, kind, reset, bias, steps, batch, seed, p }) => {
    // deterministic pseudo-random fill from the seed (values chosen so that neurons do fire)
    let s = seed >>> 0;
    const next = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s / 4294967296);
    const spec: NetworkSpec = createSpec({
      sizes,
      neuron: kind === 'cuba' ? { kind, currentRetention: 0.75, voltageRetention: 0.97 } : { kind, beta: 0.9 },
      reset,
      bias,
    });
    for (const l of spec.layers) {
      for (let i = 0; i < l.weights.length; i++) l.weights[i] = next() < 0.2 ? 0 : (next() - 0.3) * 1.5;
      for (let i = 0; i < l.size; i++) l.thresholds[i] = 0.2 + next() * 1.5;
      if (l.bias) for (let i = 0; i < l.size; i++) l.bias[i] = (next() - 0.5) * 0.2;
    }
    const n = batch * steps * (sizes[0] as number);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = next() < p ? 1 : 0;
    const classes = sizes[sizes.length - 1] as number;
    const ds: TensorDataset = {
      name: 'random',
      inputs: { batch, steps, channels: sizes[0] as number, data },
      labels: Int32Array.from({ length: batch }, () => Math.floor(next() * classes)),
      classes,
    };
    return { spec, ds };
  });

describe('event engine vs dense trainer forward', () => {
  it('agree on every spike, prediction and SynOps count for random networks and inputs', async () => {
    await fc.assert(
      fc.asyncProperty(netAndData, async ({ spec, ds }) => {
        const { report } = await evaluateModel(spec, ds, { engine: 'both', backend });
        expect(report.agreement).toEqual({
          predictions: 1,
          spikeTrains: 1,
          samples: ds.inputs.batch,
          spikeTrainsAgainst: 'fused',
        });
        expect(report.accuracyByEngine.event).toBe(report.accuracyByEngine.dense);
        const dense = await evaluateModel(spec, ds, { engine: 'dense', backend });
        dense.report.layers.forEach((l, i) => {
          expect(l.spikeRate).toBe(report.layers[i]!.spikeRate);
          expect(l.synOps).toBeCloseTo(report.layers[i]!.synOps, 9);
        });
      }),
      { seed: 4242, numRuns: 150 },
    );
  });
});
