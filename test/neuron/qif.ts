/**
 * A neuron model written by a user, in one file: the quadratic integrate-and-fire neuron (Latham et al. 2000;
 * Ermentrout & Kopell 1986 normal form), forward Euler on the step dt, in threshold units with rest at 0:
 *   U[t] = fround(V + k V (V - vCrit) + x[t])     k = dt / tauMs
 *   S[t] = U[t] >= Th;   V[t] = S ? vReset : U
 * V = 0 is the stable rest, V = vCrit the unstable fixed point above which the voltage runs away to a spike. The
 * reset is always to vReset (the layer's reset mode is ignored: subtracting Th would leave V high enough for the
 * quadratic term to outrun the reset, and the registry's smoke test rejects such a model for producing Infinity).
 * This file is the worked example of docs/README-neuron-models.md (there it imports from 'rouser').
 */
import type { NeuronModelDef, ResetMode } from '../../src/index.js';
import { RouserError, resolveParams, scalarParam } from '../../src/index.js';

/** Float32 coefficients: k = dt / tau and the critical voltage. */
export interface QifCoefficients {
  readonly k: number;
  readonly vCrit: number;
  readonly vReset: number;
}

function stepQif(
  c: QifCoefficients,
  state: readonly Float32Array[],
  inputs: readonly Float32Array[],
  th: Float32Array,
  _reset: ResetMode,
  spikes: Uint8Array,
  from: number,
  to: number,
  preReset?: Float32Array,
): number {
  const v = state[0] as Float32Array;
  const x = inputs[0] as Float32Array;
  let fired = 0;
  for (let i = from; i < to; i++) {
    const vi = v[i] as number;
    const u = Math.fround(vi + c.k * vi * (vi - c.vCrit) + (x[i] as number));
    if (preReset) preReset[i] = u;
    const t = th[i] as number;
    if (u >= t) {
      spikes[i] = 1;
      fired++;
      v[i] = c.vReset;
    } else {
      spikes[i] = 0;
      v[i] = u;
    }
  }
  return fired;
}

/** The QIF's basin of rest: below the unstable fixed point vCrit, zero input brings V back to 0. */
export const qifRestBasin = (p: Record<string, number>, state: readonly number[]): boolean =>
  (state[0] as number) < Math.fround(p.vCrit as number) * 0.999;

export const QIF: NeuronModelDef<QifCoefficients> = {
  name: 'qif',
  doc: 'U = fround(V + k V (V - vCrit) + x), k = dt/tauMs; S = U >= Th; V = S ? vReset : U',
  source: 'Latham et al. 2000 (quadratic integrate-and-fire), forward Euler',
  params: [
    {
      name: 'tauMs',
      unit: 'ms',
      doc: 'membrane time constant (>= 2 dt for a stable Euler step)',
      default: 10,
      min: 2,
      max: 1000,
      typical: [2, 50],
    },
    {
      name: 'vCrit',
      unit: 'threshold units',
      doc: 'critical (unstable) voltage',
      default: 0.5,
      min: 0,
      max: 10,
      minExclusive: true,
      typical: [0.1, 0.9],
    },
    {
      name: 'vReset',
      unit: 'threshold units',
      doc: 'voltage after a spike',
      default: 0,
      min: -10,
      max: 10,
      typical: [-0.5, 0.2],
    },
  ],
  state: [{ name: 'voltage', unit: 'threshold units', doc: 'membrane voltage', rest: 0 }],
  voltage: 'voltage',
  ports: ['syn'],
  resetParam: 'vReset',
  prepare(params, dtMs, size, where) {
    const p = resolveParams(QIF, params, size, where);
    const k = dtMs / scalarParam(p, 'tauMs');
    if (k > 0.5)
      throw new RouserError(
        `${where ?? 'neuron model qif'}: field tauMs is ${scalarParam(p, 'tauMs')}; expected >= 2 dt (${2 * dtMs} ms) for a stable Euler step`,
      );
    return {
      k: Math.fround(k),
      vCrit: Math.fround(scalarParam(p, 'vCrit')),
      vReset: Math.fround(scalarParam(p, 'vReset')),
    };
  },
  step: stepQif,
  calculus: {
    params: ['tauMs', 'vCrit'],
    update: (p, dt, s, x, out) => {
      const v = s[0] as number;
      out[0] = v + (dt / (p.tauMs as number)) * v * (v - (p.vCrit as number)) + (x[0] as number);
    },
    partials: (p, dt, s, _x, dState, dInput, dParams) => {
      const v = s[0] as number;
      const tau = p.tauMs as number;
      const k = dt / tau;
      dState[0] = 1 + k * (2 * v - (p.vCrit as number)); // dU/dV
      dInput[0] = 1; // dU/dx
      dParams[0] = (-dt / (tau * tau)) * v * (v - (p.vCrit as number)); // dU/dtau
      dParams[1] = -k * v; // dU/dvCrit
    },
    // after a spike V = vReset whatever U and Th were
    resetState: (p, _next, _th, _reset, out) => {
      out[0] = p.vReset as number;
    },
    resetPartials: (_p, _next, _th, _reset, dState, dTh) => {
      dState[0] = 0;
      dTh[0] = 0;
    },
  },
};

/** The same model with a sign error in dU/dvCrit (+k V instead of -k V): the kit must reject it. */
export const QIF_WRONG: NeuronModelDef<QifCoefficients> = {
  ...QIF,
  name: 'qif_wrong',
  prepare: (params, dtMs, size, where) => QIF.prepare(params, dtMs, size, where ?? 'neuron model qif_wrong'),
  calculus: {
    ...QIF.calculus!,
    partials: (p, dt, s, x, dState, dInput, dParams) => {
      QIF.calculus!.partials(p, dt, s, x, dState, dInput, dParams);
      dParams[1] = (dt / (p.tauMs as number)) * (s[0] as number); // wrong sign
    },
  },
};
