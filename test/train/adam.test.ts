import { describe, expect, it } from 'vitest';
import {
  adamStep,
  createAdamState,
  createGradients,
  createSpec,
  validateAdamOptions,
  RouserError,
  type NetworkSpec,
} from '../../src/index.js';

function oneParam(): NetworkSpec {
  const spec = createSpec({ sizes: [1, 1], thInit: 1 });
  spec.layers[0]!.weights[0] = 1;
  return spec;
}

describe('adamStep', () => {
  it('matches a hand-computed two-step example (lr 0.1, g = 0.5 then -0.25)', () => {
    // Step 1: m = 0.05, v = 0.00025, m^ = 0.5, v^ = 0.25 -> p = 1 - 0.1 * 0.5 / (0.5 + 1e-8) = 0.9 (float32).
    // Step 2: m = 0.02, v = 0.00031225, m^ = 0.02/0.19, v^ = 0.00031225/0.001999 -> p = 0.873366296...
    const spec = oneParam();
    const g = createGradients(spec);
    const st = createAdamState(spec, 'learned');
    g.weights[0]![0] = 0.5;
    g.thresholds[0]![0] = 0.5;
    adamStep(spec, g, st, { lr: 0.1, lrTh: 0.1, thresholdMode: 'learned' });
    expect(st.step).toBe(1);
    expect(st.mW[0]![0]).toBeCloseTo(0.05, 15);
    expect(st.vW[0]![0]).toBeCloseTo(0.00025, 15);
    expect(spec.layers[0]!.weights[0]).toBe(Math.fround(0.8999999761581421));
    g.weights[0]![0] = -0.25;
    g.thresholds[0]![0] = -0.25;
    adamStep(spec, g, st, { lr: 0.1, lrTh: 0.1, thresholdMode: 'learned' });
    expect(st.mW[0]![0]).toBeCloseTo(0.02, 15);
    expect(st.vW[0]![0]).toBeCloseTo(0.00031225, 15);
    expect(spec.layers[0]!.weights[0]).toBe(Math.fround(0.8733662962913513));
    expect(spec.layers[0]!.thresholds[0]).toBe(Math.fround(0.8733662962913513));
  });

  it('uses separate learning rates for weights and thresholds; lrTh = 0 and fixed leave thresholds bit-identical', () => {
    for (const [mode, lrTh] of [
      ['learned', 0],
      ['fixed', 0.5],
    ] as const) {
      const spec = oneParam();
      const g = createGradients(spec);
      const st = createAdamState(spec, mode);
      g.weights[0]![0] = 1;
      g.thresholds[0]![0] = 1;
      adamStep(spec, g, st, { lr: 0.01, lrTh, thresholdMode: mode });
      expect(spec.layers[0]!.thresholds[0]).toBe(1);
      expect(spec.layers[0]!.weights[0]).toBe(Math.fround(1 - (0.01 * 1) / (1 + 1e-8)));
    }
  });

  it('layer mode applies one update (from the summed gradient) to every neuron of the layer', () => {
    const spec = createSpec({ sizes: [2, 3], thInit: 1 });
    const g = createGradients(spec);
    const st = createAdamState(spec, 'layer');
    expect(st.mTh[0]!.length).toBe(1);
    g.thresholds[0]!.set([0.3, -0.1, 0.2]);
    adamStep(spec, g, st, { lr: 0, lrTh: 0.01, thresholdMode: 'layer' });
    const expected = Math.fround(1 - 0.009999999750000006);
    expect(Array.from(spec.layers[0]!.thresholds)).toEqual([expected, expected, expected]);
  });

  it('the threshold floor clamps and counts binds', () => {
    const spec = createSpec({ sizes: [1, 3], thInit: 0.01 });
    spec.layers[0]!.thresholds.set([0.01, 0.5, 0.01]);
    const g = createGradients(spec);
    g.thresholds[0]!.set([1, 1, -1]);
    const st = createAdamState(spec, 'learned');
    const rep = adamStep(spec, g, st, { lr: 0, lrTh: 0.1, thresholdMode: 'learned', thFloor: 0.05 });
    expect(rep.floorBinds).toEqual([1]);
    expect(spec.layers[0]!.thresholds[0]).toBe(Math.fround(0.05));
    expect(spec.layers[0]!.thresholds[2]).toBeCloseTo(0.11, 6);
  });

  it('rejects bad options with messages naming the field', () => {
    expect(() => validateAdamOptions({ lr: -1, lrTh: 0, thresholdMode: 'learned' })).toThrow(
      new RouserError('Adam: field lr is -1; expected a finite number >= 0'),
    );
    expect(() => validateAdamOptions({ lr: 0, lrTh: NaN, thresholdMode: 'learned' })).toThrow(/field lrTh is NaN/);
    expect(() => validateAdamOptions({ lr: 0, lrTh: 0, thresholdMode: 'bogus' as 'fixed' })).toThrow(
      /field thresholdMode is "bogus"; expected learned, layer, fixed/,
    );
  });
});
