import { describe, expect, it } from 'vitest';
import { ALIF, LIF, createModelState, getNeuronModel } from '../../src/neuron/model.js';

function run(
  model: typeof ALIF | typeof LIF,
  coeff: unknown,
  reset: 'zero' | 'subtract',
  xs: number[],
  th = 1,
): { s: number[]; st: number[][] } {
  const state = createModelState(model, 1);
  const inp = new Float32Array(1);
  const sp = new Uint8Array(1);
  const ths = new Float32Array([th]);
  const s: number[] = [];
  const st: number[][] = [];
  for (const x of xs) {
    inp[0] = x;
    (model.step as (...a: unknown[]) => number)(coeff, state, [inp], ths, reset, sp, 0, 1);
    s.push(sp[0] as number);
    st.push(state.map((a) => a[0] as number));
  }
  return { s, st };
}

describe('alif (Bellec et al. 2018 adaptive threshold)', () => {
  it('is registered', () => {
    expect(getNeuronModel('alif')).toBe(ALIF);
  });

  it('hand-computed trajectory: the threshold rises by bA after a spike and relaxes with rho', () => {
    // beta = 0.5, rho = exp(-1/tau) with tau = 1/ln 2 -> rho = 0.5, bA = 1, Th = 1.
    const c = ALIF.prepare({ kind: 'alif', beta: 0.5, tauAdaptMs: 1 / Math.LN2, betaAdapt: 1 }, 1, 1);
    expect(c.rho).toBe(0.5);
    const { s, st } = run(ALIF, c, 'zero', [1, 1, 1, 1, 0]);
    // t0: U = 1 >= θ = 1 -> spike, V = 0, a = 1
    // t1: U = 1, A = 0.5, θ = 1.5 -> no spike, V = 1, a = 0.5
    // t2: U = 1.5, A = 0.25, θ = 1.25 -> spike, V = 0, a = 1.25
    // t3: U = 1, A = 0.625, θ = 1.625 -> no, V = 1, a = 0.625
    // t4: U = 0.5, A = 0.3125 -> no
    expect(s).toEqual([1, 0, 1, 0, 0]);
    expect(st).toEqual([
      [0, 1],
      [1, 0.5],
      [0, 1.25],
      [1, 0.625],
      [0.5, 0.3125],
    ]);
    // subtract reset subtracts the effective threshold: t2: U = 1.5 - 1.25 = 0.25
    const sub = run(ALIF, c, 'subtract', [1, 1, 1]);
    expect(sub.st[2]).toEqual([0.25, 1.25]);
  });

  it('with betaAdapt = 0 it is lif bit for bit', () => {
    const xs = Array.from({ length: 200 }, (_, t) => Math.fround(Math.sin(t * 0.37) * 0.9 + 0.35));
    for (const reset of ['zero', 'subtract'] as const) {
      const a = run(ALIF, ALIF.prepare({ kind: 'alif', beta: 0.9, betaAdapt: 0 }, 1, 1), reset, xs, 1.1);
      const l = run(LIF, LIF.prepare({ kind: 'lif', beta: 0.9 }, 1, 1), reset, xs, 1.1);
      expect(a.s).toEqual(l.s);
      expect(a.s.filter((x) => x === 1).length).toBeGreaterThan(5);
      expect(a.st.map((x) => x[0])).toEqual(l.st.map((x) => x[0]));
    }
  });

  it('accepts betaAdapt per neuron and rejects bad values naming the field', () => {
    const c = ALIF.prepare({ kind: 'alif', betaAdapt: [0, 0.5, 2] }, 1, 3);
    expect(Array.from(c.betaA)).toEqual([0, 0.5, 2]);
    expect(() => ALIF.prepare({ kind: 'alif', betaAdapt: [0, -1, 2] }, 1, 3)).toThrow(
      'neuron model alif: field betaAdapt[1] is -1; expected a number in [0, 100]',
    );
    expect(() => ALIF.prepare({ kind: 'alif', tauAdaptMs: 0 }, 1, 3)).toThrow(
      'neuron model alif: field tauAdaptMs is 0; expected a finite number > 0',
    );
  });
});
