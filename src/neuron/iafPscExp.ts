import type { ResetMode } from '../model/spec.js';
import { iafWasmKernel } from './iafPscExpWasm.js';
import { resolveParams, scalarParam, perNeuronParam, type NeuronModelDef, type NeuronParams } from './interface.js';

/**
 * Float32-rounded per-step propagators of {@link IAF_PSC_EXP} at step h = dtMs (NEST `iaf_psc_exp::calibrate`):
 *   P22 = e^{-h/tau_m}                      membrane decay
 *   P11ex = e^{-h/tau_syn_ex}, P11in = e^{-h/tau_syn_in}   synaptic current decay
 *   P21x = -tau_m / (C_m (1 - tau_m/tau_syn_x)) e^{-h/tau_syn_x} expm1(h (1/tau_syn_x - 1/tau_m))   (pA -> mV)
 *        = h/C_m e^{-h/tau_m} when tau_m == tau_syn_x (the singular case, the limit of the formula)
 *   P20 = -tau_m/C_m expm1(-h/tau_m)        constant current (I_e + I_0) -> mV
 * plus per-neuron E_L, V_reset, I_e and the refractory period in whole steps, round(t_ref / h).
 */
export interface IafPscExpCoefficients {
  readonly P22: number;
  readonly P11ex: number;
  readonly P11in: number;
  readonly P21ex: number;
  readonly P21in: number;
  readonly P20: number;
  readonly refractorySteps: number;
  readonly EL: Float32Array;
  readonly Vreset: Float32Array;
  readonly Ie: Float32Array;
  /** True when E_L, V_reset and I_e are the same for every neuron: `step` then reads them once (fewer memory streams). */
  readonly uniform: boolean;
}

/**
 * NEST's propagator from a synaptic current (pA) to the membrane (mV) over one step h (ms) for an exponential
 * current of time constant tauSyn into a membrane of time constant tauM and capacitance cM (pF): the exact
 * integral of the two exponentials (Rotter & Diesmann 1999; NEST libnestutil `propagator_32`), in double precision.
 * The tauM == tauSyn singular case uses its limit h/cM e^{-h/tauM}. (Current NEST source tests
 * `|tau - tau_syn| < std::pow(1., -15)`, which evaluates to 1 ms, so NEST 3 uses the singular form whenever the two
 * differ by less than 1 ms; we use the exact formula there, which stays accurate through expm1.)
 */
export function propagator32(tauSyn: number, tauM: number, cM: number, h: number): number {
  if (tauM === tauSyn) return (h / cM) * Math.exp(-h / tauM);
  return (-tauM / (cM * (1 - tauM / tauSyn))) * Math.exp(-h / tauSyn) * Math.expm1(h * (1 / tauSyn - 1 / tauM));
}

/**
 * `iaf_psc_exp`: NEST's leaky integrate-and-fire neuron with exponentially decaying, current-based synapses,
 * integrated exactly on the dt grid (Rotter & Diesmann 1999). State (float32): V_m (mV), I_syn_ex, I_syn_in (pA),
 * I_0 (pA, the current-port input of the previous step) and refractory (steps left). Ports: `ex`, `in` (spike
 * weights in pA, added to the synaptic currents) and `current` (pA, a step current such as a DC generator).
 * One step, in NEST's order (`iaf_psc_exp::update`):
 *   if refractory == 0: V_m = E_L + (V_m - E_L) P22 + I_syn_ex P21ex + I_syn_in P21in + (I_e + I_0) P20
 *   else refractory -= 1 (V_m stays clamped at V_reset)
 *   I_syn_ex = I_syn_ex P11ex + x_ex;  I_syn_in = I_syn_in P11in + x_in;  I_0 = x_current
 *   spike iff V_m >= V_th (the `thresholds` argument, from the V_th parameter): V_m = V_reset, refractory = round(t_ref/h)
 * So an input arriving at step t moves V_m from step t + 1 on, as in NEST. The `reset` argument is ignored: the
 * model always resets to V_reset. Defaults are NEST's (E_L -70 mV, V_th -55, V_reset -70, C_m 250 pF, tau_m 10 ms,
 * tau_syn_ex = tau_syn_in = 2 ms, t_ref 2 ms, I_e 0).
 */
export const IAF_PSC_EXP: NeuronModelDef<IafPscExpCoefficients> = {
  name: 'iaf_psc_exp',
  doc:
    'if ref == 0: V = E_L + (V - E_L) P22 + I_ex P21ex + I_in P21in + (I_e + I_0) P20, else ref -= 1; I_ex = I_ex P11ex + x_ex; I_in = I_in P11in + x_in; I_0 = x_current; ' +
    'spike iff V >= V_th: V = V_reset, ref = round(t_ref / dt); P22 = exp(-dt/tau_m), P11 = exp(-dt/tau_syn), P21 = NEST propagator_32, P20 = -tau_m/C_m expm1(-dt/tau_m)',
  source: 'NEST iaf_psc_exp (Tsodyks et al. 1998 synapses; exact integration: Rotter & Diesmann 1999)',
  params: [
    { name: 'C_m', unit: 'pF', doc: 'membrane capacitance', default: 250, min: 0, max: Infinity, minExclusive: true },
    {
      name: 'tau_m',
      unit: 'ms',
      doc: 'membrane time constant',
      default: 10,
      min: 0,
      max: Infinity,
      minExclusive: true,
    },
    {
      name: 'tau_syn_ex',
      unit: 'ms',
      doc: 'decay time of the excitatory synaptic current',
      default: 2,
      min: 0,
      max: Infinity,
      minExclusive: true,
    },
    {
      name: 'tau_syn_in',
      unit: 'ms',
      doc: 'decay time of the inhibitory synaptic current',
      default: 2,
      min: 0,
      max: Infinity,
      minExclusive: true,
    },
    {
      name: 't_ref',
      unit: 'ms',
      doc: 'absolute refractory period (V clamped at V_reset), rounded to whole steps',
      default: 2,
      min: 0,
      max: 1e6,
    },
    { name: 'E_L', unit: 'mV', doc: 'resting potential', default: -70, min: -1e6, max: 1e6, perNeuron: true },
    {
      name: 'V_reset',
      unit: 'mV',
      doc: 'reset potential after a spike',
      default: -70,
      min: -1e6,
      max: 1e6,
      perNeuron: true,
    },
    {
      name: 'V_th',
      unit: 'mV',
      doc: 'spike threshold (the engine passes it as the thresholds array)',
      default: -55,
      min: -1e6,
      max: 1e6,
      perNeuron: true,
    },
    { name: 'I_e', unit: 'pA', doc: 'constant external current', default: 0, min: -1e9, max: 1e9, perNeuron: true },
  ],
  state: [
    { name: 'V_m', unit: 'mV', doc: 'membrane potential', rest: -70 },
    { name: 'I_syn_ex', unit: 'pA', doc: 'excitatory synaptic current', rest: 0 },
    { name: 'I_syn_in', unit: 'pA', doc: 'inhibitory synaptic current', rest: 0 },
    { name: 'I_0', unit: 'pA', doc: 'current-port input of the previous step', rest: 0 },
    { name: 'refractory', unit: 'steps', doc: 'refractory steps left', rest: 0 },
  ],
  voltage: 'V_m',
  ports: ['ex', 'in', 'current'],
  thresholdParam: 'V_th',
  resetParam: 'V_reset',
  prepare(params: NeuronParams, dtMs: number, size: number, where?: string): IafPscExpCoefficients {
    const p = resolveParams(IAF_PSC_EXP, params, size, where);
    const cM = scalarParam(p, 'C_m');
    const tauM = scalarParam(p, 'tau_m');
    const tauEx = scalarParam(p, 'tau_syn_ex');
    const tauIn = scalarParam(p, 'tau_syn_in');
    const h = dtMs;
    const EL = perNeuronParam(p, 'E_L', size);
    const Vreset = perNeuronParam(p, 'V_reset', size);
    const Ie = perNeuronParam(p, 'I_e', size);
    const same = (a: Float32Array): boolean => a.every((x) => Object.is(x, a[0]));
    return {
      P22: Math.fround(Math.exp(-h / tauM)),
      P11ex: Math.fround(Math.exp(-h / tauEx)),
      P11in: Math.fround(Math.exp(-h / tauIn)),
      P21ex: Math.fround(propagator32(tauEx, tauM, cM, h)),
      P21in: Math.fround(propagator32(tauIn, tauM, cM, h)),
      P20: Math.fround((-tauM / cM) * Math.expm1(-h / tauM)),
      refractorySteps: Math.round(scalarParam(p, 't_ref') / h),
      EL,
      Vreset,
      Ie,
      uniform: same(EL) && same(Vreset) && same(Ie),
    };
  },
  step: stepIafPscExp,
};

/**
 * The {@link IAF_PSC_EXP} step over neurons [from, to); returns the number of spikes. `reset` is ignored.
 * The input arrays must not share memory with the state arrays (every engine passes separate buffers).
 * When E_L, V_reset and I_e are uniform, the current port is given and no `preReset` is asked for (the description
 * engine's case) it runs {@link stepUniform}, which gives the same bits as the one-loop form below.
 */
export function stepIafPscExp(
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
  if (c.uniform && xCur && !preReset && to > from)
    return stepUniform(c, V, Iex, Iin, I0, ref, xEx, xIn, xCur, thresholds, spikes, from, to);
  let fired = 0;
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

/** Ranges of at least this many neurons run the WebAssembly kernel (./iafPscExpWasm.ts) when it is available. */
export const WASM_MIN_NEURONS = 16;

/**
 * The uniform-parameter fast path of {@link stepIafPscExp}. Ranges of {@link WASM_MIN_NEURONS} or more neurons run
 * the WebAssembly kernel (./iafPscExp.wat: the one-loop arithmetic below, ~3x faster, same bits); otherwise, or
 * without WebAssembly, JavaScript: the same float64 expressions rounded to float32 at the
 * same points, split into short loops that each stream few arrays (the JIT keeps their pointers in registers):
 *  1. spike flags cleared (a memset), then per neuron: refractory -> ref -= 1, V_m unchanged; else V_m = E_L +
 *     (V_m - E_L) P22 + I_ex P21ex + I_in P21in + (I_e + I_0) P20 (reads the synaptic currents and I_0 of the
 *     previous step, as the one-loop form does); spike iff V_m >= V_th (a NaN never spikes) -> V_reset, ref = t_ref;
 *  2. I_ex = I_ex P11ex + x_ex and I_in = I_in P11in + x_in, unrolled by four;
 *  3. I_0 = x_current (a block copy: the same float32 values).
 * Bit-identical to the one-loop form (test/neuron/iafPscExpFast.test.ts checks it against a verbatim copy of it);
 * NaN payloads of the current input are copied as they are.
 */
function stepUniform(
  c: IafPscExpCoefficients,
  V: Float32Array,
  Iex: Float32Array,
  Iin: Float32Array,
  I0: Float32Array,
  ref: Float32Array,
  xEx: Float32Array,
  xIn: Float32Array,
  xCur: Float32Array,
  thresholds: Float32Array,
  spikes: Uint8Array,
  from: number,
  to: number,
): number {
  const { P22, P11ex, P11in, P21ex, P21in, P20, refractorySteps } = c;
  const el = c.EL[from] as number;
  const vr = c.Vreset[from] as number;
  const ie = c.Ie[from] as number;
  const wasm = to - from >= WASM_MIN_NEURONS ? iafWasmKernel() : null;
  if (wasm) return wasm.step(c, el, vr, ie, V, Iex, Iin, I0, ref, xEx, xIn, xCur, thresholds, spikes, from, to);
  let fired = 0;
  spikes.fill(0, from, to);
  for (let k = from; k < to; k++) {
    const r = ref[k] as number;
    if (r === 0) {
      const v = Math.fround(
        el +
          ((V[k] as number) - el) * P22 +
          (Iex[k] as number) * P21ex +
          (Iin[k] as number) * P21in +
          (ie + (I0[k] as number)) * P20,
      );
      V[k] = v;
      if (!(v >= (thresholds[k] as number))) continue;
    } else {
      ref[k] = r - 1;
      if (!((V[k] as number) >= (thresholds[k] as number))) continue;
    }
    spikes[k] = 1;
    fired++;
    V[k] = vr;
    ref[k] = refractorySteps;
  }
  let k = from;
  for (; k + 3 < to; k += 4) {
    Iex[k] = (Iex[k] as number) * P11ex + (xEx[k] as number);
    Iex[k + 1] = (Iex[k + 1] as number) * P11ex + (xEx[k + 1] as number);
    Iex[k + 2] = (Iex[k + 2] as number) * P11ex + (xEx[k + 2] as number);
    Iex[k + 3] = (Iex[k + 3] as number) * P11ex + (xEx[k + 3] as number);
  }
  for (; k < to; k++) Iex[k] = (Iex[k] as number) * P11ex + (xEx[k] as number);
  k = from;
  for (; k + 3 < to; k += 4) {
    Iin[k] = (Iin[k] as number) * P11in + (xIn[k] as number);
    Iin[k + 1] = (Iin[k + 1] as number) * P11in + (xIn[k + 1] as number);
    Iin[k + 2] = (Iin[k + 2] as number) * P11in + (xIn[k + 2] as number);
    Iin[k + 3] = (Iin[k + 3] as number) * P11in + (xIn[k + 3] as number);
  }
  for (; k < to; k++) Iin[k] = (Iin[k] as number) * P11in + (xIn[k] as number);
  I0.set(xCur.subarray(from, to), from);
  return fired;
}
