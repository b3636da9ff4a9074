import type { ResetMode } from '../model/spec.js';
import { lifClosedForm } from './decay.js';
import { resolveParams, scalarParam, type NeuronModelDef, type NeuronParams } from './interface.js';

/** Float32-rounded coefficients of {@link LIF}: the voltage retention aV = fround(beta). */
export interface LifCoefficients {
  readonly aV: number;
}

/**
 * `lif`: leaky integrate-and-fire (snnTorch Leaky with the reset applied in the same step), one state `voltage`.
 *   U[t] = fround(aV * V[t-1] + x[t])        aV = fround(beta), x = port `syn` (bias included)
 *   S[t] = U[t] >= Th
 *   V[t] = S ? (zero: 0 | subtract: fround(U[t] - Th)) : U[t]
 * beta is the per-step retention exp(-dt/tau) (so `dtMs` does not enter `prepare`).
 * Calculus: dU/dV = beta, dU/dx = 1, dU/dbeta = V. Closed form for constant x: V_n = beta^n V_0 + x (1 - beta^n)/(1 - beta).
 * Event mode: V_n = beta^n V_0 without input; no input-free crossing when 0 < Th and V_0 < Th.
 */
export const LIF: NeuronModelDef<LifCoefficients> = {
  name: 'lif',
  doc: 'U[t] = fround(aV*V[t-1] + x[t]); S = U >= Th; V = S ? (zero: 0 | subtract: fround(U - Th)) : U; aV = fround(beta)',
  source: 'snnTorch Leaky (Eshraghian et al. 2023), reset in the same step',
  params: [
    {
      name: 'beta',
      unit: '1',
      doc: 'voltage retention per step, exp(-dt/tau_mem)',
      default: 0.95,
      required: true,
      min: 0,
      max: 1,
      typical: [0, 0.99],
    },
  ],
  state: [{ name: 'voltage', unit: '1', doc: 'membrane voltage V (threshold units)', rest: 0 }],
  voltage: 'voltage',
  ports: ['syn'],
  prepare(params: NeuronParams, _dtMs: number, size: number, where?: string): LifCoefficients {
    const p = resolveParams(LIF, params, size, where);
    return { aV: Math.fround(scalarParam(p, 'beta')) };
  },
  step: stepLif,
  calculus: {
    params: ['beta'],
    update: (p, _dt, s, x, out) => {
      out[0] = (p.beta as number) * (s[0] as number) + (x[0] as number);
    },
    partials: (p, _dt, s, _x, dState, dInput, dParams) => {
      dState[0] = p.beta as number;
      dInput[0] = 1;
      dParams[0] = s[0] as number;
    },
  },
  closedForm: (p, _dt, s0, x, n, out) => {
    const b = p.beta as number;
    out[0] = b === 1 ? (s0[0] as number) + n * (x[0] as number) : lifClosedForm(n, s0[0] as number, x[0] as number, b);
  },
  event: {
    advance: (p, _dt, s, n, out) => {
      out[0] = (s[0] as number) * (p.beta as number) ** n;
    },
    // Zero input: V_n = beta^n V_0 moves monotonically towards 0, so it stays below a positive threshold it starts below.
    noCrossing: (_p, s, th) => th > 0 && (s[0] as number) < th,
  },
};

/** The {@link LIF} step over neurons [from, to); returns the number of spikes. */
export function stepLif(
  coeff: LifCoefficients,
  state: readonly Float32Array[],
  inputs: readonly Float32Array[],
  thresholds: Float32Array,
  reset: ResetMode,
  spikes: Uint8Array,
  from: number,
  to: number,
  preReset?: Float32Array,
): number {
  const aV = coeff.aV;
  const vol = state[0] as Float32Array;
  const inp = inputs[0] as Float32Array;
  const subtract = reset === 'subtract';
  let fired = 0;
  for (let k = from; k < to; k++) {
    const v = Math.fround(aV * (vol[k] as number) + (inp[k] as number));
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
