import { describe, expect, it } from 'vitest';
import {
  createGradients,
  createReferenceBackend,
  createSpec,
  DEFAULT_LOSS,
  DEFAULT_SURROGATE,
  initNetwork,
  makeSyntheticTask,
  referenceForward,
  type GradientOptions,
} from '../../src/index.js';

/** One LIF neuron (beta 0.5, Th 1.5, w 1) driven by input [1, 1]: U = [1, 1.5], S = [0, 1], count 1, target 0.2. */
function tiny() {
  const spec = createSpec({ sizes: [1, 1], neuron: { kind: 'lif', beta: 0.5 }, thInit: 1.5 });
  spec.layers[0]!.weights[0] = 1;
  return {
    spec,
    input: { batch: 1, steps: 2, channels: 1, data: new Float32Array([1, 1]) },
    labels: new Int32Array([0]),
  };
}

describe('reference BPTT backend', () => {
  const g = (x: number): number => 0.4 * Math.exp(-Math.abs(x) / 3.75); // (s/tau) exp(-|x|/tau), s 1.5, tau 3.75
  it('matches a hand-computed two-step gradient (detached reset)', async () => {
    // dL/dC = (1/2 - 0.2)/(1*2) = 0.15. t=1: gU1 = 0.15 g(0) = 0.06. t=0: gV0 = 0.5*0.06, gU0 = 0.03 + 0.15 g(-0.5).
    const { spec, input, labels } = tiny();
    const grads = createGradients(spec);
    const opts: GradientOptions = { surrogate: DEFAULT_SURROGATE, loss: DEFAULT_LOSS, detachReset: true };
    const r = await createReferenceBackend().forwardBackward(spec, input, labels, opts, grads);
    expect(r.loss).toBeCloseTo(0.045, 12);
    expect(Array.from(r.outputCounts)).toEqual([1]);
    expect(grads.weights[0]![0]).toBeCloseTo(0.06 + 0.03 + 0.15 * g(-0.5), 6);
    expect(grads.thresholds[0]![0]).toBeCloseTo(-0.06 - 0.15 * g(-0.5), 6);
  });

  it('differentiating the reset adds gV * dV/dS = gV * (-U) to dL/dS', async () => {
    // t=0: gS0 = 0.15 + 0.03 * (-1) = 0.12 (no spike at t=0, but the surrogate term flows through the reset).
    const { spec, input, labels } = tiny();
    const grads = createGradients(spec);
    await createReferenceBackend().forwardBackward(
      spec,
      input,
      labels,
      { surrogate: DEFAULT_SURROGATE, loss: DEFAULT_LOSS, detachReset: false },
      grads,
    );
    expect(grads.weights[0]![0]).toBeCloseTo(0.06 + 0.03 + 0.12 * g(-0.5), 6);
    expect(grads.thresholds[0]![0]).toBeCloseTo(-0.06 - 0.12 * g(-0.5), 6);
  });

  it('its forward pass gives the spike counts of referenceForward (src/neuron/dynamics.ts)', async () => {
    const { train } = makeSyntheticTask({ inputs: 12, classes: 3, steps: 15, samples: 6, seed: 3 });
    for (const reset of ['zero', 'subtract'] as const) {
      const spec = initNetwork({ sizes: [12, 10, 3], seed: 4, reset, bias: true, weightScale: 1.5 });
      spec.layers[0]!.bias!.fill(0.05);
      spec.layers[1]!.delaySteps = 1;
      const r = await createReferenceBackend().forward(spec, train.inputs);
      const per = 15 * 12;
      const expected = spec.layers.map((l) => new Float64Array(l.size));
      for (let b = 0; b < 6; b++) {
        const spikes = referenceForward(spec.layers, train.inputs.data.subarray(b * per, (b + 1) * per), 15);
        spikes.forEach((s, li) =>
          s.forEach((v, k) => {
            const e = expected[li]!;
            const o = k % spec.layers[li]!.size;
            e[o] = e[o]! + v;
          }),
        );
      }
      expect(r.layerCounts).toEqual(expected);
    }
  });
});
