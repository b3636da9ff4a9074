import { describe, expect, it } from 'vitest';
import { createSpec } from '../../src/model/index.js';
import { parseVariants, variantInitialSpec, variantNeuron } from '../../src/experiment/variants.js';

describe('compare variant alif (adaptive-threshold baseline)', () => {
  it('parses alif with defaults and with its items', () => {
    expect(parseVariants('learned,fixed,alif,alif:beta-a=0.5:tau-a=50:th=1')).toEqual([
      { label: 'learned', thresholdMode: 'learned' },
      { label: 'fixed', thresholdMode: 'fixed' },
      { label: 'alif', thresholdMode: 'fixed', adaptation: { betaAdapt: 0.2, tauAdaptMs: 100 } },
      {
        label: 'alif:beta-a=0.5:tau-a=50:th=1',
        thresholdMode: 'fixed',
        adaptation: { betaAdapt: 0.5, tauAdaptMs: 50 },
        thInit: 1,
      },
    ]);
  });

  it('rejects adaptation items elsewhere and bad values, naming the variant', () => {
    expect(() => parseVariants('learned:beta-a=0.2')).toThrow(
      '--variants: variant "learned:beta-a=0.2" item "beta-a=0.2": beta-a= applies to alif variants only',
    );
    expect(() => parseVariants('alif:tau-a=0')).toThrow('--variants: variant "alif:tau-a=0": tau-a is 0; expected > 0');
    expect(() => parseVariants('alif:lr-th=0.1')).toThrow('is fixed but sets lr-th=0.1');
    expect(() => parseVariants('adaptive')).toThrow(
      'expected learned, layer or fixed (or alif, the adaptive-threshold baseline)',
    );
  });

  it('swaps the neuron for alif with the same voltage retention and keeps the shared weights', () => {
    const [alif] = parseVariants('alif:beta-a=0.3');
    const lif = { kind: 'lif' as const, beta: 0.9 };
    expect(variantNeuron(alif!, lif)).toEqual({ kind: 'alif', beta: 0.9, tauAdaptMs: 100, betaAdapt: 0.3 });
    expect(variantNeuron(alif!, { kind: 'cuba', currentRetention: 0.75, voltageRetention: 0.97 })).toEqual({
      kind: 'alif',
      beta: 0.97,
      tauAdaptMs: 100,
      betaAdapt: 0.3,
    });
    const initial = createSpec({ sizes: [3, 2], neuron: lif });
    initial.layers[0]!.weights.set([1, 2, 3, 4, 5, 6]);
    const spec = variantInitialSpec(alif!, initial, lif);
    expect(spec.layers[0]!.neuron).toEqual({ kind: 'alif', beta: 0.9, tauAdaptMs: 100, betaAdapt: 0.3 });
    expect(Array.from(spec.layers[0]!.weights)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(initial.layers[0]!.neuron).toEqual(lif);
    const [learned] = parseVariants('learned');
    expect(variantInitialSpec(learned!, initial, lif)).toBe(initial);
  });
});
