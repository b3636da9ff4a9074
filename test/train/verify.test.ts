import { describe, expect, it } from 'vitest';
import { createSpec } from '../../src/model/spec.js';
import type { SpikeTensor } from '../../src/model/spikes.js';
import type { Surrogate } from '../../src/neuron/surrogate.js';
import { BACKEND_KINDS, createBackend } from '../../src/train/backend.js';
import type { LossSpec } from '../../src/train/loss.js';
import { computeGradients } from '../../src/train/verify.js';
import { randomCase, worstRelative } from './helpers.js';

describe('one backend factory', () => {
  it('creates every kind the CLI offers (fused and reference here; tfjs in parity.test.ts)', async () => {
    expect([...BACKEND_KINDS]).toEqual(['fused', 'tfjs', 'reference']);
    for (const kind of ['fused', 'reference'] as const) {
      const be = await createBackend(kind);
      expect(be.description.length).toBeGreaterThan(0);
      await be.dispose();
    }
    await expect(createBackend('nope' as never)).rejects.toThrow(
      `createBackend: field kind is "nope"; expected 'fused', 'tfjs', 'reference'`,
    );
  });
});

describe('computeGradients', () => {
  it("accepts backend 'reference': hand-derived single-neuron gradients", async () => {
    // lif, one input spike of weight 1.25 at t = 0, T = 1, Th = 1: S = 1; rateMse dL/dcount = 1 - 0.2 = 0.8;
    // dL/dw = 0.8 g(0.25), dL/dTh = -0.8 g(0.25) with g(x) = (1.5/3.75) exp(-|x|/3.75); loss = 0.5 * 0.8^2
    const spec = createSpec({ sizes: [1, 1], neuron: { kind: 'lif', beta: 0.9 }, thInit: 1 });
    (spec.layers[0] as { weights: Float32Array }).weights[0] = 1.25;
    const input: SpikeTensor = { batch: 1, steps: 1, channels: 1, data: Float32Array.of(1) };
    const sg: Surrogate = { kind: 'exponential', scale: 1.5, tau: 3.75 };
    const gval = (1.5 / 3.75) * Math.exp(-0.25 / 3.75);
    const r = await computeGradients(spec, input, Int32Array.of(0), { surrogate: sg, backend: 'reference' });
    expect(r.outputCounts[0]).toBe(1);
    expect(r.loss).toBeCloseTo(0.5 * 0.8 * 0.8, 7);
    expect(r.gradients.weights[0]?.[0]).toBeCloseTo(0.8 * gval, 6);
    expect(r.gradients.thresholds[0]?.[0]).toBeCloseTo(-0.8 * gval, 6);
  });

  it('gives the same gradients with the reference and the fused backend', async () => {
    const tc = randomCase(7, {
      neuron: 'cuba',
      reset: 'zero',
      learnedTh: true,
      bias: true,
      delay: 1,
      sizes: [12, 9, 4],
      batch: 3,
      steps: 15,
    });
    const opts = {
      surrogate: { kind: 'exponential', scale: 1.5, tau: 3.75 } as Surrogate,
      loss: { kind: 'crossEntropy' } as LossSpec,
    };
    const ref = await computeGradients(tc.spec, tc.input, tc.labels, { ...opts, backend: 'reference' });
    const fused = await computeGradients(tc.spec, tc.input, tc.labels, { ...opts, backend: 'fused' });
    expect(Array.from(fused.outputCounts)).toEqual(Array.from(ref.outputCounts));
    expect(fused.loss).toBeCloseTo(ref.loss, 6);
    tc.spec.layers.forEach((_, k) => {
      expect(
        worstRelative(fused.gradients.weights[k] as Float32Array, ref.gradients.weights[k] as Float32Array),
      ).toBeLessThan(1e-4);
      expect(
        worstRelative(fused.gradients.thresholds[k] as Float32Array, ref.gradients.thresholds[k] as Float32Array),
      ).toBeLessThan(1e-4);
    });
  });
});
