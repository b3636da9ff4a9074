import type { ResetMode } from '../model/spec.js';
import { cubaClosedForm } from './decay.js';
import { resolveParams, scalarParam, type NeuronModelDef, type NeuronParams, type ParamValues } from './interface.js';

/** Float32-rounded coefficients of {@link CUBA}: current retention aI and voltage retention aV. */
export interface CubaCoefficients {
  readonly aI: number;
  readonly aV: number;
}

/**
 * `cuba`: current-based LIF (SLAYER / lava-dl "cuba", the Rouser paper); states `current`, `voltage`.
 *   I[t] = fround(aI * I[t-1] + x[t])        x = port `syn` (bias included)
 *   U[t] = fround(aV * V[t-1] + I[t])
 *   S[t] = U[t] >= Th                         (">=" as in SLAYER)
 *   V[t] = S ? (zero: 0 | subtract: fround(U[t] - Th)) : U[t]
 * aI = fround(currentRetention), aV = fround(voltageRetention); paper values 0.75 and 0.97.
 * Calculus (s = [I, V]): dI'/dI = aI, dV'/dI = aI, dV'/dV = aV, dI'/dx = dV'/dx = 1, dI'/daI = dV'/daI = I, dV'/daV = V.
 * Closed form for constant x: {@link cubaClosedForm}. Event mode: closed form with x = 0; the first input-free
 * crossing is found by scanning the recurrence (the current can carry V over Th after the last input).
 */
export const CUBA: NeuronModelDef<CubaCoefficients> = {
  name: 'cuba',
  doc: 'I[t] = fround(aI*I[t-1] + x[t]); U[t] = fround(aV*V[t-1] + I[t]); S = U >= Th; V = S ? (zero: 0 | subtract: fround(U - Th)) : U',
  source: 'SLAYER (Shrestha & Orchard 2018) / lava-dl CUBA neuron; Rouser paper defaults aI = 0.75, aV = 0.97',
  params: [
    {
      name: 'currentRetention',
      unit: '1',
      doc: 'synaptic current retention per step aI (lava-dl 1 - current_decay)',
      default: 0.75,
      required: true,
      min: 0,
      max: 1,
      typical: [0, 0.99],
    },
    {
      name: 'voltageRetention',
      unit: '1',
      doc: 'voltage retention per step aV (lava-dl 1 - voltage_decay)',
      default: 0.97,
      required: true,
      min: 0,
      max: 1,
      typical: [0, 0.99],
    },
  ],
  state: [
    { name: 'current', unit: '1', doc: 'synaptic current I', rest: 0 },
    { name: 'voltage', unit: '1', doc: 'membrane voltage V (threshold units)', rest: 0 },
  ],
  voltage: 'voltage',
  ports: ['syn'],
  prepare(params: NeuronParams, _dtMs: number, size: number, where?: string): CubaCoefficients {
    const p = resolveParams(CUBA, params, size, where);
    return { aI: Math.fround(scalarParam(p, 'currentRetention')), aV: Math.fround(scalarParam(p, 'voltageRetention')) };
  },
  step: stepCuba,
  calculus: {
    params: ['currentRetention', 'voltageRetention'],
    update: (p, _dt, s, x, out) => cubaUpdate(p, s, x[0] as number, out),
    // s = [I, V]: I' = aI I + x, V' = aV V + I' = aV V + aI I + x.
    partials: (p, _dt, s, _x, dState, dInput, dParams) => {
      const aI = p.currentRetention as number;
      const aV = p.voltageRetention as number;
      dState[0] = aI;
      dState[1] = 0;
      dState[2] = aI;
      dState[3] = aV;
      dInput[0] = 1;
      dInput[1] = 1;
      dParams[0] = s[0] as number;
      dParams[1] = 0;
      dParams[2] = s[0] as number;
      dParams[3] = s[1] as number;
    },
  },
  closedForm: (p, _dt, s0, x, n, out) => {
    const aI = p.currentRetention as number;
    const aV = p.voltageRetention as number;
    if (aI < 1 && aV < 1) {
      const r = cubaClosedForm(n, s0[0] as number, s0[1] as number, x[0] as number, aI, aV);
      out[0] = r.current;
      out[1] = r.voltage;
      return;
    }
    // The closed form divides by 1 - aI and 1 - aV; at a retention of exactly 1 iterate the float64 recurrence.
    out[0] = s0[0] as number;
    out[1] = s0[1] as number;
    for (let k = 0; k < n; k++) cubaUpdate(p, out, x[0] as number, out);
  },
  event: {
    advance: (p, _dt, s, n, out) => {
      const aI = p.currentRetention as number;
      const aV = p.voltageRetention as number;
      if (aI < 1 && aV < 1) {
        const r = cubaClosedForm(n, s[0] as number, s[1] as number, 0, aI, aV);
        out[0] = r.current;
        out[1] = r.voltage;
        return;
      }
      out[0] = s[0] as number;
      out[1] = s[1] as number;
      for (let k = 0; k < n; k++) cubaUpdate(p, out, 0, out);
    },
    // A decaying current can still push V over Th between inputs: scan the input-free recurrence step by step.
    firstCrossing: (p, _dt, s, th, n) => {
      const st = new Float64Array([s[0] as number, s[1] as number]);
      for (let k = 1; k <= n; k++) {
        cubaUpdate(p, st, 0, st);
        if ((st[1] as number) >= th) return k;
      }
      return 0;
    },
  },
};

/** Float64 pre-reset CUBA update I' = aI I + x, V' = aV V + I' (`out` may alias `s`). */
function cubaUpdate(p: ParamValues, s: ArrayLike<number>, x: number, out: Float64Array): void {
  const i = (p.currentRetention as number) * (s[0] as number) + x;
  const v = (p.voltageRetention as number) * (s[1] as number) + i;
  out[0] = i;
  out[1] = v;
}

/** The {@link CUBA} step over neurons [from, to); returns the number of spikes. */
export function stepCuba(
  coeff: CubaCoefficients,
  state: readonly Float32Array[],
  inputs: readonly Float32Array[],
  thresholds: Float32Array,
  reset: ResetMode,
  spikes: Uint8Array,
  from: number,
  to: number,
  preReset?: Float32Array,
): number {
  const { aI, aV } = coeff;
  const cur = state[0] as Float32Array;
  const vol = state[1] as Float32Array;
  const inp = inputs[0] as Float32Array;
  const subtract = reset === 'subtract';
  let fired = 0;
  for (let k = from; k < to; k++) {
    const i = Math.fround(aI * (cur[k] as number) + (inp[k] as number));
    cur[k] = i;
    const v = Math.fround(aV * (vol[k] as number) + i);
    if (preReset) preReset[k] = v;
    const th = thresholds[k] as number;
    if (v >= th) {
      spikes[k] = 1;
      fired++;
      vol[k] = subtract ? Math.fround(v - th) : 0;
    } else {
      spikes[k] = 0;
      vol[k] = v;
    }
  }
  return fired;
}
