import type { ResetMode } from '../model/spec.js';
import type { NeuronModelDef, ParamValues, ResolvedParams } from './interface.js';

/**
 * Defaults and helpers around {@link NeuronCalculus}: the spike argument u = V' - Th and the reset
 * R(V') = 0 (zero) | V' - Th (subtract) with the other states kept, for models that do not declare their own.
 */

/** Index of the model's voltage in its state list. */
export function voltageIndex(model: Pick<NeuronModelDef, 'state' | 'voltage'>): number {
  return model.state.findIndex((s) => s.name === model.voltage);
}

/** One {@link ParamValues} record per neuron (per-neuron arrays indexed, scalars shared). */
export function paramValuesPerNeuron(resolved: ResolvedParams, size: number): ParamValues[] {
  const hasArray = Object.values(resolved).some((v) => typeof v !== 'number');
  if (!hasArray) {
    const one = resolved as ParamValues;
    return new Array<ParamValues>(size).fill(one);
  }
  const out: ParamValues[] = [];
  for (let k = 0; k < size; k++) {
    const r: Record<string, number> = {};
    for (const [name, v] of Object.entries(resolved)) r[name] = typeof v === 'number' ? v : (v[k] as number);
    out.push(r);
  }
  return out;
}

/** u = U(s', Th): the model's `spikeArg`, or V' - Th. The neuron spikes iff u >= 0. */
export function spikeArgument(model: NeuronModelDef, p: ParamValues, next: ArrayLike<number>, th: number): number {
  const c = model.calculus;
  if (c?.spikeArg) return c.spikeArg(p, next, th);
  return (next[voltageIndex(model)] as number) - th;
}

/** du/ds' into `dState` (m values); returns du/dTh. */
export function spikeArgumentPartials(
  model: NeuronModelDef,
  p: ParamValues,
  next: ArrayLike<number>,
  th: number,
  dState: Float64Array,
): number {
  const c = model.calculus;
  if (c?.spikeArg && c.spikeArgPartials) return c.spikeArgPartials(p, next, th, dState);
  dState.fill(0);
  dState[voltageIndex(model)] = 1;
  return -1;
}

/** R(s', Th): the post-spike state (the model's `resetState`, or V -> 0 | V - Th with the other states kept). */
export function resetState(
  model: NeuronModelDef,
  p: ParamValues,
  next: ArrayLike<number>,
  th: number,
  reset: ResetMode,
  out: Float64Array,
): void {
  const c = model.calculus;
  if (c?.resetState) {
    c.resetState(p, next, th, reset, out);
    return;
  }
  for (let i = 0; i < out.length; i++) out[i] = next[i] as number;
  const v = voltageIndex(model);
  out[v] = reset === 'zero' ? 0 : (next[v] as number) - th;
}

/** dR/ds' (m x m row-major) and dR/dTh (m). */
export function resetPartials(
  model: NeuronModelDef,
  p: ParamValues,
  next: ArrayLike<number>,
  th: number,
  reset: ResetMode,
  dState: Float64Array,
  dTh: Float64Array,
): void {
  const c = model.calculus;
  if (c?.resetState && c.resetPartials) {
    c.resetPartials(p, next, th, reset, dState, dTh);
    return;
  }
  const m = dTh.length;
  dState.fill(0);
  dTh.fill(0);
  for (let i = 0; i < m; i++) dState[i * m + i] = 1;
  const v = voltageIndex(model);
  if (reset === 'zero') dState[v * m + v] = 0;
  else dTh[v] = -1;
}

/** Tolerances of {@link calculusMismatch}: |declared - fd| <= rel * max(1, |declared|, |fd|) + abs. */
export interface CalculusTolerance {
  rel: number;
  abs: number;
}

const DEFAULT_TOL: CalculusTolerance = { rel: 1e-5, abs: 1e-7 };

function fdStep(v: number): number {
  return 1e-6 * Math.max(1, Math.abs(v));
}

function fmt(v: number): string {
  return Number.isFinite(v) ? Number(v.toPrecision(6)).toString() : String(v);
}

/**
 * Compares every declared partial derivative of a model (update w.r.t. state, input and the declared parameters;
 * spike argument and reset w.r.t. the pre-reset state and Th, both reset modes) with float64 central finite
 * differences at one point. Returns a sentence naming the first wrong entry, e.g.
 * `calculus.partials dState[voltage][voltage] (dvoltage'/dvoltage) is -1.2 but the finite difference is 1.2`, or
 * undefined when all agree. Models without `calculus` have nothing to check.
 */
export function calculusMismatch(
  model: NeuronModelDef,
  p: ParamValues,
  dtMs: number,
  s: ArrayLike<number>,
  x: ArrayLike<number>,
  th: number,
  tol: CalculusTolerance = DEFAULT_TOL,
): string | undefined {
  const c = model.calculus;
  if (!c) return undefined;
  const m = model.state.length;
  const P = model.ports.length;
  const Q = c.params.length;
  const sn = model.state.map((d) => d.name);
  const dState = new Float64Array(m * m).fill(NaN);
  const dInput = new Float64Array(m * P).fill(NaN);
  const dParams = new Float64Array(m * Q).fill(NaN);
  c.partials(p, dtMs, s, x, dState, dInput, dParams);
  const plus = new Float64Array(m);
  const minus = new Float64Array(m);
  const close = (a: number, b: number): boolean =>
    Math.abs(a - b) <= tol.rel * Math.max(1, Math.abs(a), Math.abs(b)) + tol.abs;
  const bad = (field: string, what: string, declared: number, fd: number): string =>
    `calculus.${field} (${what}) is ${fmt(declared)} but the float64 finite difference is ${fmt(fd)}`;
  const sv = Array.from(s);
  const xv = Array.from(x);
  /** v with element k moved by delta (a copy). */
  const shifted = (v: number[], k: number, delta: number): number[] => {
    const out = v.slice();
    out[k] = (v[k] as number) + delta;
    return out;
  };
  /**
   * One column of central differences: `run(+1)` and `run(-1)` evaluate the update with one input moved by +h and
   * -h; each row is compared with the declared partial `declared(i)`. Returns the first mismatch in words.
   */
  const column = (
    h: number,
    run: (sign: 1 | -1, out: Float64Array) => void,
    declared: (i: number) => number,
    label: (i: number) => [field: string, what: string],
  ): string | undefined => {
    run(1, plus);
    run(-1, minus);
    for (let i = 0; i < m; i++) {
      const fd = ((plus[i] as number) - (minus[i] as number)) / (2 * h);
      const d = declared(i);
      if (!close(d, fd)) return bad(...label(i), d, fd);
    }
    return undefined;
  };
  for (let j = 0; j < m; j++) {
    const h = fdStep(sv[j] as number);
    const e = column(
      h,
      (sign, out) => c.update(p, dtMs, shifted(sv, j, sign * h), xv, out),
      (i) => dState[i * m + j] as number,
      (i) => [`partials dState[${sn[i]}][${sn[j]}]`, `d${sn[i]}'/d${sn[j]}`],
    );
    if (e !== undefined) return e;
  }
  for (let q = 0; q < P; q++) {
    const h = fdStep(xv[q] as number);
    const e = column(
      h,
      (sign, out) => c.update(p, dtMs, sv, shifted(xv, q, sign * h), out),
      (i) => dInput[i * P + q] as number,
      (i) => [`partials dInput[${sn[i]}][${model.ports[q]}]`, `d${sn[i]}'/dx_${model.ports[q]}`],
    );
    if (e !== undefined) return e;
  }
  for (let r = 0; r < Q; r++) {
    const name = c.params[r] as string;
    const v = p[name] as number;
    const h = fdStep(v);
    const e = column(
      h,
      (sign, out) => c.update({ ...p, [name]: v + sign * h }, dtMs, sv, xv, out),
      (i) => dParams[i * Q + r] as number,
      (i) => [`partials dParams[${sn[i]}][${name}]`, `d${sn[i]}'/d${name}`],
    );
    if (e !== undefined) return e;
  }
  // Spike argument and reset, at the pre-reset state s' = F(s, x).
  const next = new Float64Array(m);
  c.update(p, dtMs, sv, xv, next);
  const nv = Array.from(next);
  const du = new Float64Array(m).fill(NaN);
  const duTh = spikeArgumentPartials(model, p, nv, th, du);
  for (let j = 0; j < m; j++) {
    const h = fdStep(nv[j] as number);
    const a = nv.slice();
    const b = nv.slice();
    a[j] = (nv[j] as number) + h;
    b[j] = (nv[j] as number) - h;
    const fd = (spikeArgument(model, p, a, th) - spikeArgument(model, p, b, th)) / (2 * h);
    if (!close(du[j] as number, fd))
      return bad(`spikeArgPartials dState[${sn[j]}]`, `du/d${sn[j]}'`, du[j] as number, fd);
  }
  {
    const h = fdStep(th);
    const fd = (spikeArgument(model, p, nv, th + h) - spikeArgument(model, p, nv, th - h)) / (2 * h);
    if (!close(duTh, fd)) return bad('spikeArgPartials dTh', 'du/dTh', duTh, fd);
  }
  const dR = new Float64Array(m * m);
  const dRth = new Float64Array(m);
  for (const reset of ['zero', 'subtract'] as const) {
    dR.fill(NaN);
    dRth.fill(NaN);
    resetPartials(model, p, nv, th, reset, dR, dRth);
    for (let j = 0; j < m; j++) {
      const h = fdStep(nv[j] as number);
      const a = nv.slice();
      const b = nv.slice();
      a[j] = (nv[j] as number) + h;
      b[j] = (nv[j] as number) - h;
      resetState(model, p, a, th, reset, plus);
      resetState(model, p, b, th, reset, minus);
      for (let i = 0; i < m; i++) {
        const fd = ((plus[i] as number) - (minus[i] as number)) / (2 * h);
        const d = dR[i * m + j] as number;
        if (!close(d, fd))
          return bad(`resetPartials dState[${sn[i]}][${sn[j]}] (${reset} reset)`, `dR_${sn[i]}/d${sn[j]}'`, d, fd);
      }
    }
    const h = fdStep(th);
    resetState(model, p, nv, th + h, reset, plus);
    resetState(model, p, nv, th - h, reset, minus);
    for (let i = 0; i < m; i++) {
      const fd = ((plus[i] as number) - (minus[i] as number)) / (2 * h);
      if (!close(dRth[i] as number, fd))
        return bad(`resetPartials dTh[${sn[i]}] (${reset} reset)`, `dR_${sn[i]}/dTh`, dRth[i] as number, fd);
    }
  }
  return undefined;
}
