import { describe, expect, it } from 'vitest';
import { evaluateModel } from '../../src/experiment/evaluate.js';
import { createSpec } from '../../src/model/spec.js';
import type { TensorDataset } from '../../src/model/spikes.js';

// One input spiking at every one of 10 steps into 3 CUBA neurons (aI 0.75, aV 0.97, Th 1.25, zero reset):
// - w = 10: I = 10 at t0 -> V = 10 >= 1.25, spike at every step (10/10): saturated and strictly saturated
// - w = 0: never spikes: dead
// - w = 1: t0 I = 1, V = 1 < 1.25 (no spike); t1 I = 1.75, V = 0.97 + 1.75 = 2.72 (spike, V -> 0); from then on
//   I >= 1.75 >= Th every step: 9 of 10 steps = 90%: saturated (>= 90%), not strictly
function setup(): { spec: ReturnType<typeof createSpec>; data: TensorDataset } {
  const spec = createSpec({ sizes: [1, 3], dtMs: 1 });
  spec.layers[0]!.weights.set([10, 0, 1]);
  const inputs = { batch: 1, steps: 10, channels: 1, data: new Float32Array(10).fill(1) };
  return { spec, data: { name: 'hand', inputs, labels: Int32Array.from([0]), classes: 3 } as TensorDataset };
}

describe('evaluateModel metrics (hand-computed)', () => {
  it('rates in Hz use the data step length; saturation at >= 90% of steps and strict; fractionMoved vs the initial thresholds', async () => {
    const { spec, data } = setup();
    const { report } = await evaluateModel(spec, data, {
      engine: 'event',
      dtMs: 4,
      initialThresholds: [Float32Array.from([1.25, 1.0, 1.25])],
    });
    const l = report.layers[0]!;
    expect(l.spikeRate).toBeCloseTo(19 / 30, 12); // (10 + 0 + 9) spikes / (3 neurons x 10 steps)
    expect(l.spikeRateHz).toBeCloseTo((19 / 30) * 250, 9); // 4 ms steps: 250 steps per second
    expect(report.dtMs).toBe(4);
    expect(l.deadFraction).toBeCloseTo(1 / 3, 12);
    expect(l.saturatedFraction).toBeCloseTo(2 / 3, 12);
    expect(l.saturatedStrictFraction).toBeCloseTo(1 / 3, 12);
    expect(l.threshold.fractionMoved).toBeCloseTo(1 / 3, 12); // neuron 1 started at 1.0, is 1.25 now
    expect(l.threshold.negative).toBe(0);
  });

  it('without the initial thresholds fractionMoved is null (unknown) and Hz falls back to the model dtMs', async () => {
    const { spec, data } = setup();
    const { report } = await evaluateModel(spec, data, { engine: 'event' });
    expect(report.layers[0]!.threshold.fractionMoved).toBeNull();
    expect(report.layers[0]!.spikeRateHz).toBeCloseTo((19 / 30) * 1000, 9);
  });
});

describe('eval: where the initial thresholds come from', () => {
  it('initial-model.json next to the model, else meta.thInit, else unknown', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { specToJson } = await import('../../src/model/serialize.js');
    const { initialThresholdsFor } = await import('../../src/cli/commands/eval.js');
    const dir = mkdtempSync(join(tmpdir(), 'rouser-evalinit-'));
    const { spec } = setup();
    const model = join(dir, 'model.json');
    expect(initialThresholdsFor(model, spec)).toBeNull();
    spec.meta.thInit = 1.25;
    expect(initialThresholdsFor(model, spec)).toEqual([1.25]);
    const init = setup().spec;
    init.layers[0]!.thresholds.set([1, 2, 3]);
    writeFileSync(join(dir, 'initial-model.json'), specToJson(init));
    expect(Array.from(initialThresholdsFor(model, spec)![0] as Float32Array)).toEqual([1, 2, 3]);
  });
});
