import { describe, expect, it } from 'vitest';
import {
  createModelState,
  getNeuronModel,
  IAF_PSC_EXP,
  propagator32,
  type IafPscExpCoefficients,
} from '../../src/neuron/model.js';
import { Rng } from '../../src/util/rng.js';

/**
 * Golden tests of NEST's iaf_psc_exp: the propagators against values computed by hand (closed forms evaluated to 15
 * digits, written out below) and against a fine RK4 integration of the ODE (an independent second implementation),
 * the singular tau_m == tau_syn case, the rheobase / first-spike time / refractory ISI, and the PD14 PSC -> PSP
 * factor (87.81 pA -> 0.15 mV peak).
 */

const PD14 = {
  C_m: 250,
  tau_m: 10,
  tau_syn_ex: 0.5,
  tau_syn_in: 0.5,
  t_ref: 2,
  E_L: -65,
  V_reset: -65,
  V_th: -50,
  I_e: 0,
};

/** RK4 of dV/dt = -V/tauM + I/cM, dI/dt = -I/tauS from V = 0, I = i0 over h (10^4 sub-steps): returns V(h). */
function rk4(tauS: number, tauM: number, cM: number, h: number, i0: number): number {
  const n = 10_000;
  const dt = h / n;
  let v = 0;
  let i = i0;
  const f = (vv: number, ii: number): [number, number] => [-vv / tauM + ii / cM, -ii / tauS];
  for (let k = 0; k < n; k++) {
    const [a1, b1] = f(v, i);
    const [a2, b2] = f(v + (dt / 2) * a1, i + (dt / 2) * b1);
    const [a3, b3] = f(v + (dt / 2) * a2, i + (dt / 2) * b2);
    const [a4, b4] = f(v + dt * a3, i + dt * b3);
    v += (dt / 6) * (a1 + 2 * a2 + 2 * a3 + a4);
    i += (dt / 6) * (b1 + 2 * b2 + 2 * b3 + b4);
  }
  return v;
}

function run(
  params: Record<string, number>,
  dt: number,
  steps: number,
  input?: (t: number, ex: Float32Array, inh: Float32Array, cur: Float32Array) => void,
) {
  const c = IAF_PSC_EXP.prepare(params, dt, 1) as IafPscExpCoefficients;
  const state = createModelState(IAF_PSC_EXP, 1);
  state[0]![0] = params.E_L ?? -70;
  const ex = new Float32Array(1);
  const inh = new Float32Array(1);
  const cur = new Float32Array(1);
  const th = new Float32Array([params.V_th ?? -55]);
  const spikes = new Uint8Array(1);
  const v: number[] = [];
  const fired: number[] = [];
  for (let t = 0; t < steps; t++) {
    ex[0] = 0;
    inh[0] = 0;
    cur[0] = 0;
    input?.(t, ex, inh, cur);
    IAF_PSC_EXP.step(c, state, [ex, inh, cur], th, 'zero', spikes, 0, 1);
    v.push(state[0]![0]!);
    if (spikes[0]) fired.push(t);
  }
  return { c, v, fired };
}

describe('iaf_psc_exp (NEST)', () => {
  it('is registered and prepares the hand-computed PD14 propagators (dt 0.1 ms)', () => {
    expect(getNeuronModel('iaf_psc_exp')).toBe(IAF_PSC_EXP);
    const c = IAF_PSC_EXP.prepare(PD14, 0.1, 3);
    // exp(-0.01), exp(-0.2), 10/(250*19) exp(-0.2) expm1(0.19), (10/250)(1 - exp(-0.01)), evaluated by hand to 15 digits
    expect(c.P22).toBe(Math.fround(0.990049833749168));
    expect(c.P11ex).toBe(Math.fround(0.818730753077982));
    expect(c.P11in).toBe(c.P11ex);
    expect(c.P21ex).toBeCloseTo(3.6067174878e-4, 10);
    expect(c.P20).toBeCloseTo(3.98006650033e-4, 10);
    expect(c.refractorySteps).toBe(20);
    expect(Array.from(c.EL)).toEqual([-65, -65, -65]);
  });

  it('P21 equals the exact integral (RK4) for distinct and for equal time constants (the singular case)', () => {
    for (const [tauS, tauM, cM, h] of [
      [0.5, 10, 250, 0.1],
      [2, 10, 250, 0.1],
      [5, 20, 100, 1],
      [10, 10, 250, 0.1], // singular: tau_m == tau_syn -> h / C e^{-h/tau}
      [3, 3, 50, 0.5],
    ] as const) {
      const p = propagator32(tauS, tauM, cM, h);
      expect(Math.abs(p - rk4(tauS, tauM, cM, h, 1)) / p).toBeLessThan(1e-9);
    }
    expect(propagator32(10, 10, 250, 0.1)).toBe((0.1 / 250) * Math.exp(-0.01));
    // nearly equal taus stay continuous with the singular value
    expect(Math.abs(propagator32(10 + 1e-9, 10, 250, 0.1) / propagator32(10, 10, 250, 0.1) - 1)).toBeLessThan(1e-6);
  });

  it('a 87.81 pA PSC gives the PD14 0.15 mV PSP peak, one step after arrival, and decays back to rest', () => {
    const { v } = run(PD14, 0.1, 400, (t, ex) => {
      if (t === 0) ex[0] = 87.81;
    });
    expect(v[0]).toBe(-65); // the input arrived at the end of step 0: V moves from step 1 on
    expect(v[1]).toBeGreaterThan(-65);
    const peak = Math.max(...v) + 65;
    expect(peak).toBeCloseTo(0.15, 3);
    // analytic PSP at t = n h: w/C tau ts/(tau - ts) (e^{-t/tau} - e^{-t/ts})
    for (const n of [1, 5, 16, 50, 200]) {
      const t = n * 0.1;
      const psp = (87.81 / 250) * ((10 * 0.5) / 9.5) * (Math.exp(-t / 10) - Math.exp(-t / 0.5));
      expect(v[n]! + 65).toBeCloseTo(psp, 4); // V is float32 (ulp 7.6e-6 mV at -65 mV)
    }
    // inhibitory port: the mirror image
    const inh = run(PD14, 0.1, 50, (t, _ex, i) => {
      if (t === 0) i[0] = -87.81;
    }).v;
    expect(Math.min(...inh) + 65).toBeCloseTo(-0.15, 3);
  });

  it('rheobase, first spike time and the refractory ISI follow the closed form', () => {
    // below rheobase (375 pA) never fires; V -> E_L + I_e tau/C
    expect(run({ ...PD14, I_e: 374 }, 0.1, 5000).fired).toEqual([]);
    // I_e = 500 pA: V(n) = E_L + 20 mV (1 - P22^n) crosses 15 mV at n = ceil(10 ln 4 / 0.1) = 139 updates (step 138);
    // then 20 refractory steps clamp V at V_reset and integration restarts: ISI = 20 + 139 steps
    const r = run({ ...PD14, I_e: 500 }, 0.1, 700);
    expect(r.fired).toEqual([138, 297, 456, 615]);
    expect(r.v[138]).toBe(-65);
    for (let t = 139; t < 159; t++) expect(r.v[t]).toBe(-65);
    expect(r.v[159]).toBeGreaterThan(-65);
    // the current port acts one step later with the same P20 as I_e
    const viaPort = run(PD14, 0.1, 700, (_t, _ex, _in, cur) => (cur[0] = 500));
    expect(viaPort.fired).toEqual([139, 298, 457, 616]);
  });

  it('t_ref is counted in whole steps (round(t_ref / dt)) and V_reset / thresholds are per neuron', () => {
    const c = IAF_PSC_EXP.prepare({ ...PD14, t_ref: 0.26, V_reset: [-70, -60] }, 0.1, 2);
    expect(c.refractorySteps).toBe(3);
    expect(Array.from(c.Vreset)).toEqual([-70, -60]);
    expect(() => IAF_PSC_EXP.prepare({ ...PD14, tau_m: 0 }, 0.1, 1, 'net.json populations[0].params')).toThrow(
      'net.json populations[0].params: field tau_m is 0; expected a finite number > 0',
    );
  });

  it('the uniform-parameter fast loop is bitwise the per-neuron loop', () => {
    const n = 300;
    const c = IAF_PSC_EXP.prepare({ ...PD14, I_e: 450 }, 0.1, n) as IafPscExpCoefficients;
    expect(c.uniform).toBe(true);
    const slow: IafPscExpCoefficients = { ...c, uniform: false };
    const a = createModelState(IAF_PSC_EXP, n);
    const b = createModelState(IAF_PSC_EXP, n);
    const rng = new Rng(4);
    for (let k = 0; k < n; k++) a[0]![k] = b[0]![k] = -65 + 15 * rng.uniform();
    const th = new Float32Array(n).fill(-50);
    const sa = new Uint8Array(n);
    const sb = new Uint8Array(n);
    let fired = 0;
    for (let t = 0; t < 400; t++) {
      const inp = [0, 1, 2].map(() =>
        Float32Array.from({ length: n }, () => (rng.uniform() < 0.05 ? 200 * (rng.uniform() - 0.4) : 0)),
      );
      const fa = IAF_PSC_EXP.step(c, a, inp, th, 'zero', sa, 0, n);
      const fb = IAF_PSC_EXP.step(slow, b, inp, th, 'zero', sb, 0, n);
      expect(fa).toBe(fb);
      expect(sa).toEqual(sb);
      fired += fa;
    }
    expect(fired).toBeGreaterThan(50);
    a.forEach((arr, j) => expect(Array.from(arr)).toEqual(Array.from(b[j]!)));
    expect(IAF_PSC_EXP.prepare({ ...PD14, V_reset: [-70, -60] }, 0.1, 2).uniform).toBe(false);
  });
});
