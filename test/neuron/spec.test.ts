import { describe, expect, it } from 'vitest';
import { createSpec, specFromBinary, specFromJson, specToBinary, specToJson, validateSpec } from '../../src/index.js';

/** A registered non-built-in neuron (alif) in a NetworkSpec: validation, JSON and binary round trips. */
describe('NetworkSpec with a registered neuron model', () => {
  const make = () => {
    const spec = createSpec({
      sizes: [3, 4, 2],
      neuron: { kind: 'alif', beta: 0.9, tauAdaptMs: 50, betaAdapt: [0, 0.1, 0.2, 0.3] },
      dtMs: 1,
    });
    // the output layer has 2 neurons: a scalar betaAdapt
    spec.layers[1]!.neuron = { kind: 'alif', betaAdapt: 0.5 };
    return spec;
  };

  it('validates and round-trips through JSON and .rsnn unchanged', () => {
    const spec = validateSpec(make());
    const j = specFromJson(specToJson(spec));
    expect(j.layers.map((l) => l.neuron)).toEqual(spec.layers.map((l) => l.neuron));
    const b = specFromBinary(specToBinary(spec));
    expect(b.layers.map((l) => l.neuron)).toEqual(spec.layers.map((l) => l.neuron));
    expect(specToJson(j)).toBe(specToJson(spec));
  });

  it('rejects bad parameters naming the file, layer and field', () => {
    const s1 = make();
    (s1.layers[0]!.neuron as Record<string, unknown>).betaAdapt = [0, 0.1, -2, 0.3];
    expect(() => validateSpec(s1, 'net.json')).toThrow(
      'net.json: field layers[0].neuron.betaAdapt[2] is -2; expected a number in [0, 100]',
    );
    const s2 = make();
    (s2.layers[1]!.neuron as Record<string, unknown>).tau = 3;
    expect(() => validateSpec(s2, 'net.json')).toThrow(
      'net.json: field layers[1].neuron.tau is 3; expected absent: alif has the parameters beta, tauAdaptMs, betaAdapt',
    );
    const s3 = make();
    (s3.layers[0]!.neuron as Record<string, unknown>).betaAdapt = [0, 0.1];
    expect(() => validateSpec(s3, 'net.json')).toThrow(
      'net.json: field layers[0].neuron.betaAdapt.length is 2; expected 4 (one per neuron)',
    );
    const s4 = make();
    (s4.layers[0]!.neuron as Record<string, unknown>).beta = 'fast';
    expect(() => validateSpec(s4, 'net.json')).toThrow(
      'net.json: field layers[0].neuron.beta is "fast"; expected a finite number or an array of finite numbers (one per neuron)',
    );
  });

  it('keeps cuba and lif files byte-identical', () => {
    const spec = createSpec({ sizes: [2, 2], neuron: { kind: 'lif', beta: 0.875 } });
    spec.layers[0]!.weights.set([0.5, -0.25, 1, 2]);
    expect(specToJson(spec)).toContain('"neuron": {"kind":"lif","beta":0.875},');
  });
});
