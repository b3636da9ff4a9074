import type { ResetMode } from '../model/spec.js';
import { lifClosedForm } from './decay.js';
import {
  perNeuronParam,
  resolveParams,
  scalarParam,
  type NeuronModelDef,
  type NeuronParams,
  type ParamValues,
} from './interface.js';

/** Float32-rounded coefficients of {@link ALIF}. */
export interface AlifCoefficients {
  /** Voltage retention fround(beta). */
  readonly aV: number;
  /** Adaptation retention fround(exp(-dt / tauAdaptMs)). */
  readonly rho: number;
  /** Threshold increase per unit of adaptation, fround(betaAdapt), one per neuron. */
  readonly betaA: Float32Array;
}

/**
 * `alif`: adaptive-threshold LIF (Bellec et al. 2018, "Long short-term memory and learning-to-learn in networks of
 * spiking neurons", LSNN), states `voltage` V and `adaptation` a. Per step, float32 as every built-in:
 *   U[t] = fround(aV * V[t-1] + x[t])                 aV = fround(beta), x = port `syn` (bias included)
 *   A[t] = fround(rho * a[t-1])                       rho = fround(exp(-dtMs / tauAdaptMs))
 *   θ[t] = fround(Th + bA * A[t])                     effective threshold, bA = fround(betaAdapt)
 *   S[t] = U[t] >= θ[t]
 *   V[t] = S ? (zero: 0 | subtract: fround(U[t] - θ[t])) : U[t]
 *   a[t] = S ? fround(A[t] + 1) : A[t]                 a jumps by 1 per spike
 * Differences from LSNN: the input is not scaled by (1 - aV), a jumps by 1 (not 1 - rho), and the reset is the
 * layer's reset mode (LSNN subtracts the effective threshold). With betaAdapt = 0 the model is `lif` bit for bit.
 * The surrogate is evaluated at u = U - θ, so gradients flow into the adaptation through dθ/da = bA rho.
 */
export const ALIF: NeuronModelDef<AlifCoefficients> = {
  name: 'alif',
  doc: 'U = fround(aV*V + x); A = fround(rho*a); θ = fround(Th + bA*A); S = U >= θ; V = S ? (zero: 0 | subtract: fround(U - θ)) : U; a = S ? fround(A + 1) : A',
  source: 'Bellec et al. 2018 (LSNN, NeurIPS), adaptive threshold; discretised as the Rouser lif',
  params: [
    {
      name: 'beta',
      unit: '1',
      doc: 'voltage retention per step, exp(-dt/tau_mem)',
      default: 0.95,
      min: 0,
      max: 1,
      typical: [0, 0.99],
    },
    {
      name: 'tauAdaptMs',
      unit: 'ms',
      doc: 'adaptation time constant: a decays by exp(-dt/tauAdaptMs) per step',
      default: 200,
      min: 0,
      max: Infinity,
      minExclusive: true,
      typical: [1, 1000],
    },
    {
      name: 'betaAdapt',
      unit: 'threshold units',
      doc: 'threshold increase per unit of adaptation (0 = plain lif)',
      default: 0.2,
      min: 0,
      max: 100,
      perNeuron: true,
      typical: [0, 2],
    },
  ],
  state: [
    { name: 'voltage', unit: '1', doc: 'membrane voltage V (threshold units)', rest: 0 },
    { name: 'adaptation', unit: '1', doc: 'adaptation a: +1 per spike, decays with tauAdaptMs', rest: 0 },
  ],
  voltage: 'voltage',
  ports: ['syn'],
  prepare(params: NeuronParams, dtMs: number, size: number, where?: string): AlifCoefficients {
    const p = resolveParams(ALIF, params, size, where);
    return {
      aV: Math.fround(scalarParam(p, 'beta')),
      rho: Math.fround(Math.exp(-dtMs / scalarParam(p, 'tauAdaptMs'))),
      betaA: perNeuronParam(p, 'betaAdapt', size),
    };
  },
  step: stepAlif,
  calculus: {
    params: ['beta', 'tauAdaptMs'],
    update: (p, dt, s, x, out) => {
      out[0] = (p.beta as number) * (s[0] as number) + (x[0] as number);
      out[1] = Math.exp(-dt / (p.tauAdaptMs as number)) * (s[1] as number);
    },
    partials: (p, dt, s, _x, dState, dInput, dParams) => {
      const tau = p.tauAdaptMs as number;
      const rho = Math.exp(-dt / tau);
      dState[0] = p.beta as number;
      dState[1] = 0;
      dState[2] = 0;
      dState[3] = rho;
      dInput[0] = 1;
      dInput[1] = 0;
      dParams[0] = s[0] as number; // dU/dbeta
      dParams[1] = 0;
      dParams[2] = 0;
      dParams[3] = ((rho * dt) / (tau * tau)) * (s[1] as number); // dA/dtau
    },
    spikeArg: (p, next, th) => (next[0] as number) - (th + (p.betaAdapt as number) * (next[1] as number)),
    spikeArgPartials: (p, _next, _th, dState) => {
      dState[0] = 1;
      dState[1] = -(p.betaAdapt as number);
      return -1;
    },
    resetState: (p, next, th, reset, out) => {
      const theta = th + (p.betaAdapt as number) * (next[1] as number);
      out[0] = reset === 'zero' ? 0 : (next[0] as number) - theta;
      out[1] = (next[1] as number) + 1;
    },
    resetPartials: (p, _next, _th, reset, dState, dTh) => {
      const sub = reset === 'subtract';
      dState[0] = sub ? 1 : 0;
      dState[1] = sub ? -(p.betaAdapt as number) : 0;
      dState[2] = 0;
      dState[3] = 1;
      dTh[0] = sub ? -1 : 0;
      dTh[1] = 0;
    },
  },
  closedForm: (p, dt, s0, x, n, out) => {
    const b = p.beta as number;
    out[0] = b === 1 ? (s0[0] as number) + n * (x[0] as number) : lifClosedForm(n, s0[0] as number, x[0] as number, b);
    out[1] = (s0[1] as number) * Math.exp((-dt * n) / (p.tauAdaptMs as number));
  },
  event: {
    advance: (p, dt, s, n, out) => alifFree(p, dt, s, n, out),
    // V and θ both relax (V to 0, θ to Th), at different rates, so V can meet θ between inputs: scan the steps.
    firstCrossing: (p, dt, s, th, n) => {
      const st = new Float64Array(2);
      for (let k = 1; k <= n; k++) {
        alifFree(p, dt, s, k, st);
        if ((st[0] as number) >= th + (p.betaAdapt as number) * (st[1] as number)) return k;
      }
      return 0;
    },
  },
};

/** Input-free ALIF state after n steps: V = beta^n V0, a = exp(-n dt / tauAdaptMs) a0. */
function alifFree(p: ParamValues, dt: number, s: ArrayLike<number>, n: number, out: Float64Array): void {
  out[0] = (s[0] as number) * (p.beta as number) ** n;
  out[1] = (s[1] as number) * Math.exp((-dt * n) / (p.tauAdaptMs as number));
}

/** The {@link ALIF} step over neurons [from, to); returns the number of spikes. `preReset` receives U. */
export function stepAlif(
  coeff: AlifCoefficients,
  state: readonly Float32Array[],
  inputs: readonly Float32Array[],
  thresholds: Float32Array,
  reset: ResetMode,
  spikes: Uint8Array,
  from: number,
  to: number,
  preReset?: Float32Array,
): number {
  const { aV, rho, betaA } = coeff;
  const vol = state[0] as Float32Array;
  const ad = state[1] as Float32Array;
  const inp = inputs[0] as Float32Array;
  const subtract = reset === 'subtract';
  let fired = 0;
  for (let k = from; k < to; k++) {
    const v = Math.fround(aV * (vol[k] as number) + (inp[k] as number));
    const a = Math.fround(rho * (ad[k] as number));
    const theta = Math.fround((thresholds[k] as number) + (betaA[k] as number) * a);
    if (preReset) preReset[k] = v;
    if (v >= theta) {
      spikes[k] = 1;
      fired++;
      vol[k] = subtract ? Math.fround(v - theta) : 0;
      ad[k] = Math.fround(a + 1);
    } else {
      spikes[k] = 0;
      vol[k] = v;
      ad[k] = a;
    }
  }
  return fired;
}
