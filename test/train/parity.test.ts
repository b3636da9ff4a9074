import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResetMode } from '../../src/model/index.js';
import { createFusedBackend } from '../../src/train/fused.js';
import type { LossSpec } from '../../src/train/loss.js';
import { createTfBackend } from '../../src/train/tf.js';
import { createGradients, type TrainBackend } from '../../src/train/types.js';
import { SURROGATES, randomCase, worstRelative } from './helpers.js';

/**
 * Gradient parity of the two backends: fused (hand-written BPTT) vs tfjs (autodiff through tf.customGrad) on random
 * small networks covering both neuron kinds, both resets, every surrogate, detached and differentiated reset,
 * learned (per-neuron) and fixed (shared) thresholds, both losses, bias and delays.
 * Tolerance: every gradient entry satisfies |a - b| <= 1e-4 * max(|a|, |b|, max|tfjs tensor|); spike counts per
 * sample and class, and per-layer per-neuron spike totals, are identical.
 */
const REL = 1e-4;
let tfb: TrainBackend;
const fused = createFusedBackend();

beforeAll(async () => {
  tfb = await createTfBackend();
}, 60_000);
afterAll(async () => {
  await fused.dispose();
  await tfb.dispose();
});

describe('fused vs tfjs parity', () => {
  it('loads a tfjs backend and names it', () => {
    expect(tfb.description).toMatch(/^tfjs (tensorflow|wasm|cpu)/);
  });

  const combos: { neuron: 'cuba' | 'lif'; reset: ResetMode; detach: boolean; learnedTh: boolean }[] = [];
  for (const neuron of ['cuba', 'lif'] as const)
    for (const reset of ['zero', 'subtract'] as const)
      for (const detach of [true, false])
        for (const learnedTh of [true, false]) combos.push({ neuron, reset, detach, learnedTh });

  it('every gradient within 1e-4 relative and identical spikes', async () => {
    let seed = 100;
    let checked = 0;
    for (const c of combos) {
      for (const surrogate of SURROGATES) {
        seed++;
        const loss: LossSpec =
          seed % 2 === 0 ? { kind: 'crossEntropy' } : { kind: 'rateMse', trueRate: 0.2, falseRate: 0.03 };
        const tc = randomCase(seed, {
          neuron: c.neuron,
          reset: c.reset,
          learnedTh: c.learnedTh,
          bias: seed % 3 !== 0,
          delay: seed % 4 === 0 ? 1 : 0,
        });
        const opts = { surrogate, loss, detachReset: c.detach };
        const gf = createGradients(tc.spec);
        const gt = createGradients(tc.spec);
        const rf = await fused.forwardBackward(tc.spec, tc.input, tc.labels, opts, gf);
        const rt = await tfb.forwardBackward(tc.spec, tc.input, tc.labels, opts, gt);
        const where = `${tc.label}/${surrogate.kind}/${loss.kind}/detach=${c.detach}`;
        expect(Array.from(rf.outputCounts), where).toEqual(Array.from(rt.outputCounts));
        expect(
          rf.layerCounts.map((x) => Array.from(x)),
          where,
        ).toEqual(rt.layerCounts.map((x) => Array.from(x)));
        expect(Math.abs(rf.loss - rt.loss), where).toBeLessThanOrEqual(REL * Math.max(1, Math.abs(rt.loss)));
        tc.spec.layers.forEach((l, k) => {
          expect(
            worstRelative(gf.weights[k] as Float32Array, gt.weights[k] as Float32Array),
            `${where} W${k}`,
          ).toBeLessThanOrEqual(REL);
          expect(
            worstRelative(gf.thresholds[k] as Float32Array, gt.thresholds[k] as Float32Array),
            `${where} Th${k}`,
          ).toBeLessThanOrEqual(REL);
          if (l.bias)
            expect(
              worstRelative(gf.bias[k] as Float32Array, gt.bias[k] as Float32Array),
              `${where} b${k}`,
            ).toBeLessThanOrEqual(REL);
        });
        // the case must exercise the gradient: some hidden activity and a nonzero threshold gradient
        expect(
          rf.layerCounts[0]?.some((v) => v > 0),
          where,
        ).toBe(true);
        checked++;
      }
    }
    expect(checked).toBe(combos.length * SURROGATES.length);
  }, 60_000);

  it('agrees on count-valued (non-binary) inputs and a 3-layer network', async () => {
    const tc = randomCase(7, {
      neuron: 'cuba',
      reset: 'subtract',
      learnedTh: true,
      bias: true,
      delay: 2,
      sizes: [9, 8, 6, 3],
      counts: true,
      steps: 16,
    });
    const opts = {
      surrogate: SURROGATES[0] as (typeof SURROGATES)[number],
      loss: { kind: 'crossEntropy' } as LossSpec,
      detachReset: true,
    };
    const gf = createGradients(tc.spec);
    const gt = createGradients(tc.spec);
    const rf = await fused.forwardBackward(tc.spec, tc.input, tc.labels, opts, gf);
    const rt = await tfb.forwardBackward(tc.spec, tc.input, tc.labels, opts, gt);
    expect(Array.from(rf.outputCounts)).toEqual(Array.from(rt.outputCounts));
    tc.spec.layers.forEach((_, k) => {
      expect(worstRelative(gf.weights[k] as Float32Array, gt.weights[k] as Float32Array)).toBeLessThanOrEqual(REL);
      expect(worstRelative(gf.thresholds[k] as Float32Array, gt.thresholds[k] as Float32Array)).toBeLessThanOrEqual(
        REL,
      );
      expect(worstRelative(gf.bias[k] as Float32Array, gt.bias[k] as Float32Array)).toBeLessThanOrEqual(REL);
    });
    const ff = await fused.forward(tc.spec, tc.input);
    const ft = await tfb.forward(tc.spec, tc.input);
    expect(Array.from(ff.outputCounts)).toEqual(Array.from(ft.outputCounts));
  });
});
