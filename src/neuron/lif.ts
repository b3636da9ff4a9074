import type { ResetMode } from '../model/spec.js';
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
 */
export const LIF: NeuronModelDef<LifCoefficients> = {
  name: 'lif',
  doc: 'U[t] = fround(aV*V[t-1] + x[t]); S = U >= Th; V = S ? (zero: 0 | subtract: fround(U - Th)) : U; aV = fround(beta)',
  source: 'snnTorch Leaky (Eshraghian et al. 2023), reset in the same step',
  params: [
    { name: 'beta', unit: '1', doc: 'voltage retention per step, exp(-dt/tau_mem)', default: 0.95, required: true, min: 0, max: 1 },
  ],
  state: [{ name: 'voltage', unit: '1', doc: 'membrane voltage V (threshold units)', rest: 0 }],
  voltage: 'voltage',
  ports: ['syn'],
  prepare(params: NeuronParams, _dtMs: number, size: number, where?: string): LifCoefficients {
    const p = resolveParams(LIF, params, size, where);
    return { aV: Math.fround(scalarParam(p, 'beta')) };
  },
  step: stepLif,
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
