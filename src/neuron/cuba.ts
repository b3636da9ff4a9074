import type { ResetMode } from '../model/spec.js';
import { resolveParams, scalarParam, type NeuronModelDef, type NeuronParams } from './interface.js';

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
 */
export const CUBA: NeuronModelDef<CubaCoefficients> = {
  name: 'cuba',
  doc: 'I[t] = fround(aI*I[t-1] + x[t]); U[t] = fround(aV*V[t-1] + I[t]); S = U >= Th; V = S ? (zero: 0 | subtract: fround(U - Th)) : U',
  source: 'SLAYER (Shrestha & Orchard 2018) / lava-dl CUBA neuron; Rouser paper defaults aI = 0.75, aV = 0.97',
  params: [
    { name: 'currentRetention', unit: '1', doc: 'synaptic current retention per step aI (lava-dl 1 - current_decay)', default: 0.75, required: true, min: 0, max: 1 },
    { name: 'voltageRetention', unit: '1', doc: 'voltage retention per step aV (lava-dl 1 - voltage_decay)', default: 0.97, required: true, min: 0, max: 1 },
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
};

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
