import { describe, expect, it } from 'vitest';
import {
  createSpec,
  decayOver,
  defaultSurrogate,
  neuronCoefficients,
  referenceForward,
  retentionFromTau,
  stepNeuronScalar,
  surrogateGrad,
  surrogateProblem,
  tauFromRetention,
  type NeuronCoefficients,
  type ResetMode,
} from '../../src/index.js';

function run(c: NeuronCoefficients, reset: ResetMode, th: number, xs: number[]): { v: number[]; s: boolean[] } {
  let st = { current: 0, voltage: 0 };
  const v: number[] = [];
  const s: boolean[] = [];
  for (const x of xs) {
    const r = stepNeuronScalar(c, reset, st.current, st.voltage, x, th);
    v.push(r.voltage);
    s.push(r.spike);
    st = r;
  }
  return { v, s };
}

describe('CUBA golden trajectory (hand-computed, aI = 0.75, aV = 0.97, Th = 1.25)', () => {
  const c = neuronCoefficients({ kind: 'cuba', currentRetention: 0.75, voltageRetention: 0.97 });
  // t0: I = 1, V = 1; t1: I = .75, V = .97 + .75 = 1.72 >= 1.25; t2: I = .5625; t3: I = 1.421875
  it('zero reset', () => {
    const { v, s } = run(c, 'zero', 1.25, [1, 0, 0, 1]);
    expect(s).toEqual([false, true, false, true]);
    // t2: V = 0 + .5625; t3: V = .97 * .5625 + 1.421875 = 1.9675 -> spike -> 0
    expect(v[0]).toBe(1);
    expect(v[1]).toBe(0);
    expect(v[2]).toBe(0.5625);
    expect(v[3]).toBe(0);
  });
  it('subtract reset', () => {
    const { v, s } = run(c, 'subtract', 1.25, [1, 0, 0, 1]);
    // t1: 1.72 - 1.25 = .47; t2: .97 * .47 + .5625 = 1.0184; t3: .97 * 1.0184 + 1.421875 = 2.409723 -> 1.159723
    expect(s).toEqual([false, true, false, true]);
    expect(v[1]).toBeCloseTo(0.47, 6);
    expect(v[2]).toBeCloseTo(1.0184, 6);
    expect(v[3]).toBeCloseTo(1.159723, 5);
  });
  it('fires at V == Th exactly (>=, as in SLAYER)', () => {
    const lif = neuronCoefficients({ kind: 'lif', beta: 0.5 });
    expect(stepNeuronScalar(lif, 'zero', 0, 0, 1.25, 1.25).spike).toBe(true);
    expect(stepNeuronScalar(lif, 'zero', 0, 0, Math.fround(1.25 - 2 ** -22), 1.25).spike).toBe(false);
  });
});

describe('LIF golden trajectory (beta = 0.9, Th = 1)', () => {
  it('integrates, fires and resets to zero', () => {
    const c = neuronCoefficients({ kind: 'lif', beta: 0.9 });
    const { v, s } = run(c, 'zero', 1, [0.6, 0.6, 0.6]);
    expect(s).toEqual([false, true, false]);
    expect(v[0]).toBeCloseTo(0.6, 7);
    expect(v[1]).toBe(0);
    expect(v[2]).toBeCloseTo(0.6, 7);
  });
});

describe('coefficients and decay helpers', () => {
  it('rounds coefficients to float32', () => {
    const c = neuronCoefficients({ kind: 'cuba', currentRetention: 0.75, voltageRetention: 0.97 });
    expect(c).toEqual({ aI: 0.75, aV: Math.fround(0.97), hasCurrent: true });
    expect(neuronCoefficients({ kind: 'lif', beta: 0.1 })).toEqual({ aI: 0, aV: Math.fround(0.1), hasCurrent: false });
  });
  it('retention = exp(-dt/tau) and back', () => {
    expect(retentionFromTau(10, 1)).toBeCloseTo(0.904837418, 9);
    expect(retentionFromTau(0, 1)).toBe(0);
    expect(retentionFromTau(Infinity, 1)).toBe(1);
    expect(tauFromRetention(retentionFromTau(20, 0.5), 0.5)).toBeCloseTo(20, 10);
    expect(decayOver(5, 5)).toBeCloseTo(Math.exp(-1), 12);
    expect(() => retentionFromTau(-1, 1)).toThrow(/tauMs >= 0/);
  });
});

describe('surrogate golden values', () => {
  it('matches hand-computed values', () => {
    const exp = defaultSurrogate('exponential');
    expect(surrogateGrad(exp, 0)).toBeCloseTo(0.4, 12); // 1.5 / 3.75
    expect(surrogateGrad(exp, -3.75)).toBeCloseTo(0.4 * Math.exp(-1), 12);
    expect(surrogateGrad({ kind: 'fastSigmoid', slope: 25 }, 0.04)).toBeCloseTo(0.25, 12); // 1 / (1 + 1)^2
    expect(surrogateGrad({ kind: 'atan', alpha: 2 }, 1 / Math.PI)).toBeCloseTo(0.5, 12); // 1 / (1 + 1)
    expect(surrogateGrad({ kind: 'triangle', scale: 1, width: 1 }, 0.25)).toBe(0.75);
    expect(surrogateGrad({ kind: 'triangle', scale: 1, width: 1 }, -1.5)).toBe(0);
  });
  it('reports bad parameters', () => {
    expect(surrogateProblem({ kind: 'exponential', scale: 1.5, tau: 0 })).toBe(
      'surrogate exponential: tau is 0; expected a finite number > 0',
    );
    expect(surrogateProblem(defaultSurrogate('atan'))).toBeUndefined();
  });
});

describe('referenceForward', () => {
  it('reproduces a hand-computed 2-layer network', () => {
    // input 2 -> 2 LIF (beta 0.5, Th 1) -> 1 LIF (beta 0.5, Th 1), zero reset
    const spec = createSpec({ sizes: [2, 2, 1], neuron: { kind: 'lif', beta: 0.5 }, thInit: 1 });
    spec.layers[0]!.weights.set([1, 0, 0.5, 0.5]); // n0 <- in0 (1); n1 <- in0 (.5) + in1 (.5)
    spec.layers[1]!.weights.set([0.6, 0.6]);
    const input = Float32Array.from([1, 0, 1, 1, 0, 0]); // t0: [1,0], t1: [1,1], t2: [0,0]
    const [h, o] = referenceForward(spec.layers, input, 3);
    // t0: n0 V=1 spike; n1 V=.5. t1: n0 V=1 spike; n1 V=.25+1=1.25 spike. t2: none (n0 0, n1 0)
    expect(Array.from(h!)).toEqual([1, 0, 1, 1, 0, 0]);
    // out: t0 .6; t1 .3 + 1.2 = 1.5 spike; t2 0
    expect(Array.from(o!)).toEqual([0, 1, 0]);
  });
  it('honours an inter-layer delay of one step', () => {
    const spec = createSpec({ sizes: [1, 1, 1], neuron: { kind: 'lif', beta: 0 }, thInit: 1 });
    spec.layers[0]!.weights[0] = 1;
    spec.layers[1]!.weights[0] = 1;
    spec.layers[1]!.delaySteps = 1;
    const [h, o] = referenceForward(spec.layers, Float32Array.from([1, 0, 0]), 3);
    expect(Array.from(h!)).toEqual([1, 0, 0]);
    expect(Array.from(o!)).toEqual([0, 1, 0]);
  });
});
