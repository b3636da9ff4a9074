import type { ResetMode } from '../../src/model/spec.js';
import type { IafPscExpCoefficients } from '../../src/neuron/iafPscExp.js';

/**
 * The straightforward {@link IAF_PSC_EXP} step as it was before the fast path (src/neuron/iafPscExp.ts at f79f2dc),
 * kept verbatim as the reference the optimised `stepIafPscExp` must equal bit for bit (test/neuron/iafPscExpFast.test.ts,
 * bench/neuron.ts).
 */
export function stepIafPscExpReference(
  c: IafPscExpCoefficients,
  state: readonly Float32Array[],
  inputs: readonly Float32Array[],
  thresholds: Float32Array,
  _reset: ResetMode,
  spikes: Uint8Array,
  from: number,
  to: number,
  preReset?: Float32Array,
): number {
  const V = state[0] as Float32Array;
  const Iex = state[1] as Float32Array;
  const Iin = state[2] as Float32Array;
  const I0 = state[3] as Float32Array;
  const ref = state[4] as Float32Array;
  const xEx = inputs[0] as Float32Array;
  const xIn = inputs[1] as Float32Array;
  const xCur = inputs[2];
  const { P22, P11ex, P11in, P21ex, P21in, P20, refractorySteps, EL, Vreset, Ie } = c;
  let fired = 0;
  if (c.uniform && xCur && to > from) {
    // same arithmetic with E_L, V_reset, I_e read once (every neuron has the same values)
    const el = EL[from] as number;
    const vr = Vreset[from] as number;
    const ie = Ie[from] as number;
    for (let k = from; k < to; k++) {
      let v = V[k] as number;
      const r = ref[k] as number;
      const iex = Iex[k] as number;
      const iin = Iin[k] as number;
      if (r === 0) v = Math.fround(el + (v - el) * P22 + iex * P21ex + iin * P21in + (ie + (I0[k] as number)) * P20);
      else ref[k] = r - 1;
      Iex[k] = iex * P11ex + (xEx[k] as number);
      Iin[k] = iin * P11in + (xIn[k] as number);
      I0[k] = xCur[k] as number;
      if (preReset) preReset[k] = v;
      if (v >= (thresholds[k] as number)) {
        spikes[k] = 1;
        fired++;
        V[k] = vr;
        ref[k] = refractorySteps;
      } else {
        spikes[k] = 0;
        V[k] = v;
      }
    }
    return fired;
  }
  for (let k = from; k < to; k++) {
    let v = V[k] as number;
    const r = ref[k] as number;
    const iex = Iex[k] as number;
    const iin = Iin[k] as number;
    if (r === 0) {
      const el = EL[k] as number;
      v = Math.fround(el + (v - el) * P22 + iex * P21ex + iin * P21in + ((Ie[k] as number) + (I0[k] as number)) * P20);
    } else ref[k] = r - 1;
    Iex[k] = iex * P11ex + (xEx[k] as number);
    Iin[k] = iin * P11in + (xIn[k] as number);
    I0[k] = xCur ? (xCur[k] as number) : 0;
    if (preReset) preReset[k] = v;
    if (v >= (thresholds[k] as number)) {
      spikes[k] = 1;
      fired++;
      V[k] = Vreset[k] as number;
      ref[k] = refractorySteps;
    } else {
      spikes[k] = 0;
      V[k] = v;
    }
  }
  return fired;
}
