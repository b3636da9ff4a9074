import { describe, expect, it } from 'vitest';
import { lavaDlBound, quantizeLavaDlWeight } from '../../src/train/init.js';
import {
  initNetwork,
  kaimingBound,
  makeSyntheticTask,
  createReferenceBackend,
  evaluateDense,
  RouserError,
} from '../../src/index.js';

describe('initNetwork', () => {
  it('draws Kaiming-uniform weights in (-sqrt(6/fanIn), sqrt(6/fanIn)) with the uniform moments', () => {
    const spec = initNetwork({ sizes: [400, 300, 10], seed: 1 });
    spec.layers.forEach((l) => {
      const b = Math.sqrt(6 / l.inputSize);
      expect(kaimingBound(l.inputSize)).toBe(b);
      let mx = 0;
      let sum = 0;
      let sq = 0;
      for (const w of l.weights) {
        mx = Math.max(mx, Math.abs(w));
        sum += w;
        sq += w * w;
      }
      const n = l.weights.length;
      expect(mx).toBeLessThanOrEqual(Math.fround(b));
      expect(mx).toBeGreaterThan(0.99 * b);
      expect(Math.abs(sum / n)).toBeLessThan(0.1 * b);
      expect(sq / n).toBeCloseTo((b * b) / 3, 1);
      expect(Array.from(l.thresholds).every((t) => t === 1.25)).toBe(true);
      expect(l.bias).toBeUndefined();
    });
  });

  it('is deterministic in the seed; weightScale scales the bound; options reach the spec', () => {
    const a = initNetwork({ sizes: [20, 8, 3], seed: 5 });
    const b = initNetwork({ sizes: [20, 8, 3], seed: 5 });
    const c = initNetwork({ sizes: [20, 8, 3], seed: 6 });
    expect(a.layers[1]!.weights).toEqual(b.layers[1]!.weights);
    expect(a.layers[0]!.weights).not.toEqual(c.layers[0]!.weights);
    const s = initNetwork({
      sizes: [20, 8, 3],
      seed: 5,
      weightScale: 0.5,
      bias: true,
      thInit: 0.25,
      reset: 'subtract',
      neuron: { kind: 'lif', beta: 0.9 },
      dtMs: 2,
    });
    expect(Math.max(...s.layers[0]!.weights.map(Math.abs))).toBeLessThanOrEqual(Math.fround(0.5 * Math.sqrt(6 / 20)));
    expect(s.layers[0]!.bias).toEqual(new Float32Array(8));
    expect(s.layers[1]!.thresholds[0]).toBe(0.25);
    expect(s.layers[0]!.reset).toBe('subtract');
    expect(s.layers[0]!.neuron).toEqual({ kind: 'lif', beta: 0.9 });
    expect(s.dtMs).toBe(2);
  });

  it('an initialised CUBA net spikes on sparse binary input at T = 20 with Th = 1.25', async () => {
    const { test } = makeSyntheticTask({ inputs: 40, classes: 4, steps: 20, samples: 32, testSamples: 32, seed: 2 });
    const spec = initNetwork({ sizes: [40, 64, 64, 4], seed: 0 });
    const ev = await evaluateDense(createReferenceBackend(), spec, test, 16);
    for (const c of ev.layerCounts) {
      const alive = Array.from(c).filter((x) => x > 0).length / c.length;
      expect(alive).toBeGreaterThan(0.5);
    }
  });

  it('rejects bad sizes with a message naming the field', () => {
    expect(() => initNetwork({ sizes: [10], seed: 0 })).toThrow(RouserError);
    expect(() => initNetwork({ sizes: [10, 0], seed: 0 })).toThrow(
      'initNetwork: field sizes[1] is 0; expected a positive integer',
    );
  });
});

describe('lava-dl init (the paper framework starting point)', () => {
  it('bound 1/sqrt(fanIn) (PyTorch kaiming_uniform_ with a = sqrt(5)) and the 8-bit grid of step 1/32', () => {
    // kaiming_uniform_(a=sqrt(5)): gain = sqrt(2 / (1 + 5)), bound = gain * sqrt(3 / fanIn) = 1 / sqrt(fanIn)
    expect(lavaDlBound(2312)).toBeCloseTo(Math.sqrt(2 / 6) * Math.sqrt(3 / 2312), 15);
    expect(lavaDlBound(512, 2)).toBeCloseTo(2 / Math.sqrt(512), 15);
    expect(quantizeLavaDlWeight(0.0156)).toBe(0); // below half a step (1/64 = 0.015625)
    expect(quantizeLavaDlWeight(0.0157)).toBe(0.03125);
    expect(quantizeLavaDlWeight(-0.05)).toBe(-0.0625); // -1.6 steps -> -2 steps
    expect(quantizeLavaDlWeight(0.046875)).toBe(0.0625); // exactly 1.5 steps: torch.round goes to the even 2
    expect(quantizeLavaDlWeight(0.015625)).toBe(0); // exactly 0.5 steps: even 0
    expect(quantizeLavaDlWeight(9)).toBe(254 / 64);
    expect(quantizeLavaDlWeight(-9)).toBe(-4);
  });

  it('a lava-dl network: weights on the grid within the bound, one-step delays after the first layer', () => {
    const spec = initNetwork({ sizes: [2312, 64, 32, 10], seed: 3, init: 'lava-dl' });
    expect(spec.layers.map((l) => l.delaySteps)).toEqual([0, 1, 1]);
    spec.layers.forEach((l) => {
      const b = 1 / Math.sqrt(l.inputSize);
      let zeros = 0;
      let offGrid = 0;
      for (const w of l.weights) {
        if (!Number.isInteger(w * 32) || Math.abs(w) > Math.round(b * 32) / 32) offGrid++;
        if (w === 0) zeros++;
      }
      expect(offGrid).toBe(0);
      // P(|w| < 1/64) for w ~ U(-b, b) = min(1, (1/64) / b)
      const p = Math.min(1, 1 / 64 / b);
      const n = l.weights.length;
      expect(Math.abs(zeros / n - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n) + 1e-9);
    });
    expect(() => initNetwork({ sizes: [4, 2], seed: 0, init: 'he' as never })).toThrow(/init/);
  });
});
