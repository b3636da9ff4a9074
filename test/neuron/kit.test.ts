import { describe, expect, it } from 'vitest';
import { CUBA, LIF, getNeuronModel, hasNeuronModel } from '../../src/neuron/model.js';
import { checkNeuronModel } from '../../src/testing/index.js';

const quiet = (): void => undefined;

/** Mutants of the built-ins: each must be caught by the named property, with a message in words. */
describe('checkNeuronModel catches broken models', () => {
  const fails = (
    model: Parameters<typeof checkNeuronModel>[0],
    only: Parameters<typeof checkNeuronModel>[1] extends infer O ? (O extends { only?: infer X } ? X : never) : never,
  ): string => {
    try {
      checkNeuronModel(model, { seed: 7, numRuns: 60, log: quiet, only });
    } catch (e) {
      return (e as Error).message;
    }
    return 'no failure';
  };

  it('a sign error in a declared derivative (derivatives and the declaration spot check)', () => {
    const calculus = {
      ...LIF.calculus!,
      partials: (
        p: Record<string, number>,
        dt: number,
        s: ArrayLike<number>,
        x: ArrayLike<number>,
        a: Float64Array,
        b: Float64Array,
        c: Float64Array,
      ) => {
        LIF.calculus!.partials(p, dt, s, x, a, b, c);
        c[0] = -(c[0] as number);
      },
    };
    const msg = fails({ ...LIF, name: 'lif_bad_dbeta', calculus }, ['derivatives']);
    expect(msg).toMatch(
      /^checkNeuronModel\(lif_bad_dbeta\): 1 property failed \(seed 7; replay with checkNeuronModel\(model, \{seed: 7\}\)/,
    );
    expect(msg).toMatch(/property "derivatives" failed after \d+ run\(s\)/);
    expect(msg).toMatch(/counterexample: params \{beta = [^}]+\}, threshold [\d.]+, reset (zero|subtract)/);
    expect(msg).toMatch(
      /what broke: calculus\.partials dParams\[voltage\]\[beta\] \(dvoltage'\/dbeta\) is -?[\d.e-]+ but the float64 finite difference is -?[\d.e-]+, at state/,
    );
    expect(fails({ ...LIF, name: 'lif_bad_dbeta', calculus }, ['declaration'])).toContain(
      'neuron model lif_bad_dbeta: calculus.partials dParams[voltage][beta]',
    );
  });

  it('a reset that keeps the voltage (spikeRule)', () => {
    const step: typeof LIF.step = (c, st, inp, th, reset, sp, from, to, pre) => {
      const v0 = Float32Array.from(st[0]!);
      const n = LIF.step(c, st, inp, th, reset, sp, from, to, pre);
      for (let k = from; k < to; k++)
        if (sp[k]) st[0]![k] = Math.fround(LIF.prepare({ beta: 0.5 }, 1, 1).aV * 0 + (pre?.[k] ?? v0[k]!));
      return n;
    };
    const msg = fails({ ...LIF, name: 'lif_no_reset', step }, ['spikeRule']);
    expect(msg).toMatch(/what broke: step \d+: after a spike \((zero|subtract) reset\) voltage is [\d.]+; expected/);
  });

  it('a hidden per-call state (determinism)', () => {
    let calls = 0;
    const step: typeof LIF.step = (c, st, inp, th, reset, sp, from, to, pre) => {
      calls++;
      return LIF.step({ aV: calls % 2 === 0 ? 0 : c.aV }, st, inp, th, reset, sp, from, to, pre);
    };
    expect(fails({ ...LIF, name: 'lif_hidden', step }, ['determinism'])).toMatch(
      /property "determinism" failed[\s\S]*what broke: (a second run|stepping neurons)/,
    );
  });

  it('a wrong closed form, a false no-crossing guarantee and a false first crossing', () => {
    const closedForm: typeof LIF.closedForm = (p, dt, s0, x, n, out) => {
      LIF.closedForm!(p, dt, s0, x, n, out);
      out[0] = (out[0] as number) * 1.01;
    };
    expect(fails({ ...LIF, name: 'lif_cf', closedForm }, ['closedForm'])).toMatch(
      /what broke: after \d+ steps of constant input \[[^\]]+\] from \[[^\]]+\] the step gives voltage = /,
    );
    const event = { advance: CUBA.event!.advance, noCrossing: () => true };
    expect(fails({ ...CUBA, name: 'cuba_nocross', event }, ['eventMode'])).toMatch(
      /event\.noCrossing guarantees no spike, but the clock run spikes at step \d+/,
    );
    const late = { advance: CUBA.event!.advance, firstCrossing: () => 0 };
    expect(fails({ ...CUBA, name: 'cuba_late', event: late }, ['eventMode'])).toMatch(
      /event\.firstCrossing says no crossing, the clock run spikes at step \d+/,
    );
  });

  it('a model that does not decay (rest) and one that does not validate its parameters (badParams)', () => {
    const prepare: typeof LIF.prepare = () => ({ aV: 1 });
    expect(fails({ ...LIF, name: 'lif_stuck', prepare }, ['rest'])).toMatch(
      /after 2000 zero-input steps the state \[[^\]]+\] is not closer to rest \[0\]/,
    );
    expect(fails({ ...LIF, name: 'lif_stuck', prepare }, ['badParams'])).toContain(
      'prepare accepted notAParameter = 1',
    );
  });

  it('registers nothing and needs no registry', () => {
    expect(hasNeuronModel('lif_bad_dbeta')).toBe(false);
    expect(getNeuronModel('lif')).toBe(LIF);
  });
});
