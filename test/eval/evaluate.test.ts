import { describe, expect, it } from 'vitest';
import { evaluateModel } from '../../src/experiment/evaluate.js';
import { createSpec, ENERGY_TABLES, type NetworkSpec, type TensorDataset } from '../../src/index.js';
import { createReferenceBackend } from '../../src/train/reference.js';

/**
 * Hand-computed network: inputs 3 -> 2 LIF (beta 0, Th 1) -> 1 LIF (beta 0, Th 1).
 * Layer 0 weights: n0 <- [1, 0, .5], n1 <- [0, 1, .5]  => fan-out in0 = 1, in1 = 1, in2 = 2.
 * Layer 1 weights: o <- [1, 0]                          => fan-out n0 = 1, n1 = 0 (zero weight dropped).
 * Input: t0 = [1, 1, 1], t1 = [0, 0, 1].
 * t0: n0 V = 1.5 spike, n1 V = 1.5 spike, o V = 1 spike. t1: n0 = n1 = .5 (no spike), o = 0.
 * SynOps layer 0 = (1 + 1 + 2) + 2 = 6; layer 1 = 1 (n0) + 0 (n1) = 1; total 7.
 * Dense MACs = (3*2 + 2*1) * 2 steps = 16. Neuron updates = (2 + 1) * 2 = 6.
 */
function handNet(): { spec: NetworkSpec; data: TensorDataset } {
  const spec = createSpec({ sizes: [3, 2, 1], neuron: { kind: 'lif', beta: 0 }, thInit: 1 });
  spec.layers[0]!.weights.set([1, 0, 0.5, 0, 1, 0.5]);
  spec.layers[1]!.weights.set([1, 0]);
  const data: TensorDataset = {
    name: 'hand',
    inputs: { batch: 1, steps: 2, channels: 3, data: Float32Array.from([1, 1, 1, 0, 0, 1]) },
    labels: Int32Array.from([0]),
    classes: 1,
  };
  return { spec, data };
}

describe('evaluateModel on a hand-computed network', () => {
  it('counts SynOps as the sum over spikes of fan-out, in both engines', async () => {
    const { spec, data } = handNet();
    const { report } = await evaluateModel(spec, data, { engine: 'both', backend: createReferenceBackend() });
    expect(report.layers.map((l) => l.synOps)).toEqual([6, 1]);
    expect(report.synOpsPerSample).toBe(7);
    expect(report.macsPerSample).toBe(16);
    expect(report.neuronUpdatesPerSample).toBe(6);
    expect(report.layers[0]!.spikeRate).toBe(2 / (2 * 2));
    expect(report.layers[1]!.spikeRate).toBe(1 / 2);
    expect(report.layers[0]!.deadFraction).toBe(0);
    expect(report.agreement).toEqual({ predictions: 1, spikeTrains: 1, samples: 1, spikeTrainsAgainst: 'reference' });
    const dense = await evaluateModel(spec, data, { engine: 'dense', backend: createReferenceBackend() });
    expect(dense.report.layers.map((l) => l.synOps)).toEqual([6, 1]);
  });

  it('detects a single differing spike between the engines', async () => {
    const { spec, data } = handNet();
    const ref = createReferenceBackend();
    const tampered = {
      ...ref,
      forward: async (sp: NetworkSpec, x: TensorDataset['inputs'], o?: { recordSpikes?: boolean }) => {
        const r = await ref.forward(sp, x, o);
        r.spikes![0]![3] = 1; // hidden neuron 1 at step 1 did not fire in truth
        return r;
      },
    };
    const { report } = await evaluateModel(spec, data, { engine: 'both', backend: tampered });
    expect(report.agreement).toEqual({ predictions: 1, spikeTrains: 0, samples: 1, spikeTrainsAgainst: 'reference' });
    const noSpikes = {
      ...ref,
      name: 'no-spikes',
      forward: async (sp: NetworkSpec, x: TensorDataset['inputs']) => ref.forward(sp, x),
    };
    const fallback = await evaluateModel(spec, data, { engine: 'both', backend: noSpikes });
    expect(fallback.report.agreement).toEqual({
      predictions: 1,
      spikeTrains: 1,
      samples: 1,
      spikeTrainsAgainst: 'referenceForward',
    });
  });

  it('computes energy from the tables: SynOps * AC + updates * update vs MACs * MAC', async () => {
    const { spec, data } = handNet();
    const { report } = await evaluateModel(spec, data, { engine: 'event' });
    const fp32 = report.energy.find((e) => e.table === '45nm-fp32')!;
    expect(fp32.snnPj).toBeCloseTo(7 * 0.9 + 6 * 9.2, 10);
    expect(fp32.densePj).toBeCloseTo(16 * 4.6, 10);
    expect(fp32.ratio).toBeCloseTo((7 * 0.9 + 6 * 9.2) / (16 * 4.6), 10);
    expect(report.energy.map((e) => e.table)).toEqual(ENERGY_TABLES.map((t) => t.name));
  });

  it('reports dead and saturated neurons with their ids', async () => {
    const { spec, data } = handNet();
    spec.layers[0]!.thresholds[1] = 100; // n1 never fires
    spec.layers[1]!.thresholds[0] = -1; // o fires every step (V = 0 >= -1)
    const { report } = await evaluateModel(spec, data, { engine: 'event' });
    expect(report.layers[0]!.deadIds).toEqual([1]);
    expect(report.layers[0]!.deadFraction).toBe(0.5);
    expect(report.layers[1]!.saturatedFraction).toBe(1);
    expect(report.layers[1]!.synOps).toBe(1); // only n0's spike at t0 reaches o
  });

  it('the tie rule: inputs are summed in ascending index order, so V == Th exactly fires in both engines', async () => {
    // (a + b) + c != a + (b + c) in float32 for these; Th is set to the ascending-order sum.
    const a = Math.fround(1e-8),
      b = Math.fround(1),
      c = Math.fround(-1);
    const asc = Math.fround(Math.fround(a + b) + c);
    const other = Math.fround(a + Math.fround(b + c));
    expect(asc).not.toBe(other);
    const spec = createSpec({ sizes: [3, 1], neuron: { kind: 'lif', beta: 0 }, thInit: asc });
    spec.layers[0]!.weights.set([a, b, c]);
    const data: TensorDataset = {
      name: 'tie',
      inputs: { batch: 1, steps: 1, channels: 3, data: Float32Array.from([1, 1, 1]) },
      labels: Int32Array.from([0]),
      classes: 1,
    };
    const { report } = await evaluateModel(spec, data, { engine: 'both', backend: createReferenceBackend() });
    expect(report.layers[0]!.spikeRate).toBe(1);
    expect(report.agreement!.spikeTrains).toBe(1);
  });

  it('rejects a dataset of the wrong width, naming both sizes', async () => {
    const { spec } = handNet();
    const bad: TensorDataset = {
      name: 'wide',
      inputs: { batch: 1, steps: 1, channels: 4, data: new Float32Array(4) },
      labels: Int32Array.from([0]),
      classes: 1,
    };
    await expect(evaluateModel(spec, bad, { engine: 'event' })).rejects.toThrow(
      "dataset wide: field channels is 4; expected 3 (the model's input size)",
    );
  });
});
