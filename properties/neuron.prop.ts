import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cubaClosedForm,
  createNeuronState,
  lifClosedForm,
  neuronCoefficients,
  stepNeuronScalar,
  stepNeurons,
  surrogateGrad,
  surrogateGradThreshold,
  surrogatePrimitive,
  type Surrogate,
} from '../src/index.js';
import { ALIF, CUBA, IAF_PSC_EXP, LIF, neuronModelNames, type NeuronModelDef } from '../src/neuron/model.js';
import { checkNeuronModel, KIT_PROPERTIES, smallNetworkArbitrary, surrogateArbitrary } from '../src/testing/index.js';
import { compileNetwork, simulateNetwork } from '../src/event/network.js';
import { referenceForward } from '../src/neuron/dynamics.js';
import { validateSpec } from '../src/model/validate.js';
import { neuronModel } from './arbitraries.js';

const SEED = 7301;

/** Surrogates of every kind with positive parameters: the kit's own arbitrary. */
const surrogate: fc.Arbitrary<Surrogate> = surrogateArbitrary;

/** Points where g is smooth (away from the kinks at 0 and, for the triangle, at +-width). */
function smoothAt(sg: Surrogate, x: number, h: number): boolean {
  if (Math.abs(x) < 4 * h) return false;
  if (sg.kind === 'triangle' && Math.abs(Math.abs(x) - sg.width) < 4 * h) return false;
  return true;
}

describe('surrogates', () => {
  it('each derivative matches the central finite difference of its smooth primitive', () => {
    fc.assert(
      fc.property(surrogate, fc.double({ min: -8, max: 8, noNaN: true }), (sg, x) => {
        const h = 1e-5;
        fc.pre(smoothAt(sg, x, h));
        const fd = (surrogatePrimitive(sg, x + h) - surrogatePrimitive(sg, x - h)) / (2 * h);
        const g = surrogateGrad(sg, x);
        expect(Math.abs(fd - g)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(g)) + 1e-6);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('dS/dTh = -dS/dV, also by finite differences in Th', () => {
    fc.assert(
      fc.property(
        surrogate,
        fc.double({ min: -5, max: 5, noNaN: true }),
        fc.double({ min: -3, max: 3, noNaN: true }),
        (sg, v, th) => {
          const h = 1e-5;
          fc.pre(smoothAt(sg, v - th, h));
          const fdTh = (surrogatePrimitive(sg, v - (th + h)) - surrogatePrimitive(sg, v - (th - h))) / (2 * h);
          expect(surrogateGradThreshold(sg, v - th)).toBe(-surrogateGrad(sg, v - th));
          expect(Math.abs(fdTh - surrogateGradThreshold(sg, v - th))).toBeLessThanOrEqual(
            1e-5 * Math.max(1, Math.abs(fdTh)) + 1e-6,
          );
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('derivatives are non-negative and peak at x = 0', () => {
    fc.assert(
      fc.property(surrogate, fc.double({ min: -20, max: 20, noNaN: true }), (sg, x) => {
        const g = surrogateGrad(sg, x);
        expect(g).toBeGreaterThanOrEqual(0);
        expect(g).toBeLessThanOrEqual(surrogateGrad(sg, 0));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

const th = fc.double({ min: 0.01, max: 5, noNaN: true }).map(Math.fround);
const state = fc.double({ min: -5, max: 5, noNaN: true }).map(Math.fround);

describe('neuron steps', () => {
  it('zero input from rest gives no spikes and stays at 0', () => {
    fc.assert(
      fc.property(
        neuronModel,
        fc.constantFrom('zero' as const, 'subtract' as const),
        th,
        fc.integer({ min: 1, max: 200 }),
        (model, reset, threshold, steps) => {
          const c = neuronCoefficients(model);
          let s = { current: 0, voltage: 0 };
          for (let t = 0; t < steps; t++) {
            const r = stepNeuronScalar(c, reset, s.current, s.voltage, 0, threshold);
            expect(r.spike).toBe(false);
            s = r;
          }
          expect(s.voltage).toBe(0);
          expect(s.current).toBe(0);
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('without input, a sub-threshold voltage decays monotonically towards 0', () => {
    fc.assert(
      fc.property(neuronModel, th, fc.double({ min: 0, max: 1, noNaN: true }), (model, threshold, frac) => {
        const c = neuronCoefficients(model);
        fc.pre(c.aV < 0.999);
        const v0 = Math.fround(threshold * frac * 0.999);
        let v = v0;
        let cur = 0;
        let monotone = true;
        let spiked = false;
        for (let t = 0; t < 400; t++) {
          const r = stepNeuronScalar(c, 'zero', cur, v, 0, threshold);
          spiked ||= r.spike;
          monotone &&= Math.abs(r.voltage) <= Math.abs(v);
          v = r.voltage;
          cur = r.current;
        }
        expect(spiked).toBe(false);
        expect(monotone).toBe(true);
        // float32 rounding adds at most ~400 half-ulps of relative error to aV^400 * v0
        expect(Math.abs(v)).toBeLessThanOrEqual(c.aV ** 400 * Math.abs(v0) * (1 + 1e-4) + 1e-38);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('a spike occurs exactly when the pre-reset V >= Th; zero reset leaves V = 0, subtract leaves V - Th', () => {
    fc.assert(
      fc.property(
        neuronModel,
        fc.constantFrom('zero' as const, 'subtract' as const),
        state,
        state,
        fc.double({ min: -3, max: 3, noNaN: true }).map(Math.fround),
        th,
        (model, reset, i0, v0, x, threshold) => {
          const c = neuronCoefficients(model);
          const r = stepNeuronScalar(c, reset, i0, v0, x, threshold);
          expect(r.spike).toBe(r.preReset >= threshold);
          if (r.spike) expect(r.voltage).toBe(reset === 'zero' ? 0 : Math.fround(r.preReset - threshold));
          else expect(r.voltage).toBe(r.preReset);
        },
      ),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('the array step equals the scalar step for every neuron', () => {
    fc.assert(
      fc.property(
        neuronModel,
        fc.constantFrom('zero' as const, 'subtract' as const),
        fc.array(fc.tuple(state, state, state, th, state), { minLength: 1, maxLength: 20 }),
        fc.boolean(),
        (model, reset, rows, withBias) => {
          const n = rows.length;
          const c = neuronCoefficients(model);
          const st = createNeuronState(n);
          const input = new Float32Array(n);
          const bias = new Float32Array(n);
          const ths = new Float32Array(n);
          rows.forEach(([i0, v0, x, t, b], k) => {
            st.current[k] = c.hasCurrent ? i0 : 0;
            st.voltage[k] = v0;
            input[k] = x;
            ths[k] = t;
            bias[k] = b;
          });
          const before = { current: st.current.slice(), voltage: st.voltage.slice() };
          const spikes = new Uint8Array(n);
          const fired = stepNeurons(c, reset, st, input, withBias ? bias : undefined, ths, spikes);
          let count = 0;
          for (let k = 0; k < n; k++) {
            const x = withBias ? Math.fround(input[k]! + bias[k]!) : input[k]!;
            const r = stepNeuronScalar(c, reset, before.current[k]!, before.voltage[k]!, x, ths[k]!);
            expect(spikes[k]).toBe(r.spike ? 1 : 0);
            expect(st.voltage[k]).toBe(r.voltage);
            expect(st.current[k]).toBe(r.current);
            count += r.spike ? 1 : 0;
          }
          expect(fired).toBe(count);
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('step-by-step integration equals the closed-form solution for constant input (CUBA and LIF)', () => {
    const ret = fc.double({ min: 0.05, max: 0.99, noNaN: true }).map(Math.fround);
    fc.assert(
      fc.property(
        ret,
        ret,
        state,
        state,
        fc.double({ min: -2, max: 2, noNaN: true }).map(Math.fround),
        fc.integer({ min: 1, max: 60 }),
        (aI, aV, i0, v0, x, n) => {
          const cuba = neuronCoefficients({ kind: 'cuba', currentRetention: aI, voltageRetention: aV });
          let s = { current: i0, voltage: v0 };
          for (let t = 0; t < n; t++) s = stepNeuronScalar(cuba, 'zero', s.current, s.voltage, x, Infinity);
          const cf = cubaClosedForm(n, i0, v0, x, aI, aV);
          const scale = Math.max(1, Math.abs(i0), Math.abs(v0), Math.abs(x) / (1 - aI) / (1 - aV));
          expect(Math.abs(s.current - cf.current)).toBeLessThanOrEqual(1e-5 * scale);
          expect(Math.abs(s.voltage - cf.voltage)).toBeLessThanOrEqual(1e-5 * scale);

          const lif = neuronCoefficients({ kind: 'lif', beta: aV });
          let v = v0;
          for (let t = 0; t < n; t++) v = stepNeuronScalar(lif, 'zero', 0, v, x, Infinity).voltage;
          expect(Math.abs(v - lifClosedForm(n, v0, x, aV))).toBeLessThanOrEqual(
            1e-5 * Math.max(1, Math.abs(v0), Math.abs(x) / (1 - aV)),
          );
        },
      ),
      { seed: SEED, numRuns: 300 },
    );
  });
});

/**
 * The project's own neuron properties run through the exported kit (rouser/testing): every built-in passes
 * determinism, rest/decay, the spike rule and reset, closed form and event mode where declared, surrogate and
 * calculus finite differences, and bad-parameter messages. The scalar/array properties above keep checking the
 * legacy cuba/lif helpers (stepNeuronScalar, stepNeurons) against the same rules.
 */
describe('checkNeuronModel on every built-in', () => {
  const quiet = (): void => undefined;
  const ALL: KitExpect[] = [
    {
      model: LIF,
      passed: [...KIT_PROPERTIES],
    },
    {
      model: CUBA,
      passed: [...KIT_PROPERTIES],
    },
    {
      model: ALIF,
      passed: [...KIT_PROPERTIES],
    },
  ];
  interface KitExpect {
    model: NeuronModelDef;
    passed: string[];
  }

  it('covers every registered built-in', () => {
    expect(neuronModelNames()).toEqual(expect.arrayContaining(['lif', 'cuba', 'alif', 'iaf_psc_exp']));
  });

  for (const { model, passed } of ALL) {
    it(`${model.name}`, () => {
      const r = checkNeuronModel(model, { seed: SEED, numRuns: 80, log: quiet });
      expect(r.properties.filter((p) => p.status === 'passed').map((p) => p.name)).toEqual(passed);
    });
  }

  it('iaf_psc_exp (NEST units: mV, pA, pF; V_th above E_L)', () => {
    const params = fc.record({
      C_m: fc.double({ min: 50, max: 500, noNaN: true }),
      tau_m: fc.double({ min: 2, max: 30, noNaN: true }),
      tau_syn_ex: fc.double({ min: 0.5, max: 10, noNaN: true }),
      tau_syn_in: fc.double({ min: 0.5, max: 10, noNaN: true }),
      t_ref: fc.double({ min: 0, max: 5, noNaN: true }),
      E_L: fc.double({ min: -80, max: -60, noNaN: true }),
      V_reset: fc.double({ min: -80, max: -60, noNaN: true }),
      V_th: fc.double({ min: -55, max: -45, noNaN: true }),
      I_e: fc.double({ min: 0, max: 200, noNaN: true }),
    });
    // V_th is the threshold and V_reset the post-spike voltage of this model (thresholdParam / resetParam).
    expect([IAF_PSC_EXP.thresholdParam, IAF_PSC_EXP.resetParam]).toEqual(['V_th', 'V_reset']);
    const r = checkNeuronModel(IAF_PSC_EXP as NeuronModelDef, {
      seed: SEED,
      numRuns: 60,
      params,
      inputScale: 600,
      dtMs: 0.1,
      log: quiet,
    });
    expect(r.properties.filter((p) => p.status === 'passed').map((p) => p.name)).toEqual([
      'declaration',
      'determinism',
      'rest',
      'spikeRule',
      'surrogate',
      'badParams',
    ]);
  });
});

describe('small networks of any registered model (smallNetworkArbitrary)', () => {
  for (const model of [LIF, CUBA, ALIF]) {
    it(`${model.name}: valid specs; the event engine equals referenceForward spike for spike`, () => {
      let spiking = 0;
      fc.assert(
        fc.property(smallNetworkArbitrary(model, { steps: 12 }), ({ spec, input, steps }) => {
          validateSpec(spec);
          const ref = referenceForward(spec.layers, input, steps, undefined, { dtMs: spec.dtMs });
          const run = simulateNetwork(compileNetwork(spec), input, steps);
          spec.layers.forEach((l, li) => {
            const counts = new Array<number>(l.size).fill(0);
            for (let t = 0; t < steps; t++) for (let o = 0; o < l.size; o++) counts[o]! += ref[li]![t * l.size + o]!;
            expect(Array.from(run.layerSpikeCounts[li]!)).toEqual(counts);
            spiking += counts.reduce((a, b) => a + b, 0);
          });
        }),
        { seed: SEED, numRuns: 60 },
      );
      expect(spiking).toBeGreaterThan(0);
    });
  }
});
