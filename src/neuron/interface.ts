import type { ResetMode } from '../model/spec.js';
import { describeValue, fail as failAt, RouserError } from '../util/errors.js';

/**
 * The neuron-model interface every engine runs: a model declares its parameters and state variables, turns
 * parameters into float32-rounded coefficients once (`prepare`), and advances a range of neurons by one step
 * (`step`: update + spike + reset, + refractoriness when the model has it). The dense trainer, the reference
 * forward pass and the event engine's discrete mode all call the same `step`, which is what keeps them equal bit
 * for bit. Built-ins live one per file (lif.ts, cuba.ts, alif.ts, iafPscExp.ts); the registry is in model.ts.
 */

/** A parameter of a neuron model (a field of the `{kind, ...params}` object in a NetworkSpec layer). */
export interface ParamDef {
  /** Field name in the spec, e.g. `beta`, `tauMemMs`. Never `kind`. */
  readonly name: string;
  /** Unit, e.g. `ms`, `1` (dimensionless), `mV`. */
  readonly unit: string;
  /** One sentence: what it is and the equation it enters. */
  readonly doc: string;
  /** Value used when the field is absent (unless `required`). Must lie within the bounds. */
  readonly default: number;
  /** When true the field must be present in a spec (lif `beta`, cuba retentions: their files always carry them). */
  readonly required?: boolean;
  /** Inclusive lower bound (exclusive when `minExclusive`). Use -Infinity for none. */
  readonly min: number;
  /** Inclusive upper bound (exclusive when `maxExclusive`). Use Infinity for none. */
  readonly max: number;
  readonly minExclusive?: boolean;
  readonly maxExclusive?: boolean;
  /** When true the value may also be an array with one entry per neuron of the layer. */
  readonly perNeuron?: boolean;
  /**
   * The range a property test draws values from (rouser/testing), within the bounds; default: the bounds when both
   * are finite and at most 1000 apart, else default -/+ 10 x max(1, |default|) clipped to the bounds.
   */
  readonly typical?: readonly [number, number];
}

/** A state variable of a neuron model; every engine stores it as one Float32Array per layer (struct of arrays). */
export interface StateDef {
  /** Unique within the model, e.g. `voltage`, `current`, `adaptation`. */
  readonly name: string;
  readonly unit: string;
  readonly doc: string;
  /** Initial value of every neuron, and the value it decays to with zero input (the resting state). */
  readonly rest: number;
}

/** Parameters as given in a spec layer: `{kind, ...params}`; values are numbers or (perNeuron) arrays. */
export type NeuronParams = Readonly<Record<string, unknown>>;

/** Parameters after {@link resolveParams}: every declared name present, arrays as Float64Array of length `size`. */
export type ResolvedParams = Record<string, number | Float64Array>;

/**
 * One neuron model. `C` is the model's own coefficient type (what `prepare` returns and `step` reads).
 *
 * Contract of `step` (the one update every engine calls): for every neuron k in [from, to)
 *   1. read the per-port inputs `inputs[p][k]` (already summed in float32, bias included in port 0 by the caller),
 *   2. update the state `state[j][k]` (order of `state`), rounding every stored value to float32,
 *   3. write the pre-reset membrane value to `preReset[k]` when given (where surrogates are evaluated),
 *   4. spike iff the model's rule holds (built-ins: pre-reset V >= effective threshold), write 0/1 to `spikes[k]`,
 *   5. apply the reset (`zero`: V = 0; `subtract`: V -= threshold) and any other per-spike jump,
 * and return the number of neurons that fired. It reads no other memory and keeps no hidden state.
 */
export interface NeuronModelDef<C = unknown> {
  /** Registry name and the `kind` field in specs, e.g. `lif`; lower case, digits and `_`. */
  readonly name: string;
  /** The discrete equations, in words and symbols. */
  readonly doc: string;
  /** Where the model comes from (paper, simulator). */
  readonly source: string;
  readonly params: readonly ParamDef[];
  readonly state: readonly StateDef[];
  /** Name of the membrane state variable (an entry of `state`). */
  readonly voltage: string;
  /** Input receptor ports, in the order of `step`'s `inputs` (`['syn']` for lif/cuba). */
  readonly ports: readonly string[];
  /**
   * When the threshold is one of the model's parameters (e.g. NEST `V_th`), its name: engines and the kit pass its
   * value as the `thresholds` argument. Absent: thresholds are the layer's own (NetworkSpec `thresholds`).
   */
  readonly thresholdParam?: string;
  /**
   * When the model resets V to a parameter (e.g. NEST `V_reset`) and ignores the `reset` argument, its name; the
   * kit then checks V = that value after a spike instead of the zero/subtract rule.
   */
  readonly resetParam?: string;
  /**
   * Validated, float32-rounded coefficients for a layer of `size` neurons at time step `dtMs`.
   * Throws a RouserError naming the model (or `where`) and the bad field.
   */
  prepare(params: NeuronParams, dtMs: number, size: number, where?: string): C;
  /** See the interface contract above. */
  step(
    coeff: C,
    state: readonly Float32Array[],
    inputs: readonly Float32Array[],
    thresholds: Float32Array,
    reset: ResetMode,
    spikes: Uint8Array,
    from: number,
    to: number,
    preReset?: Float32Array,
  ): number;
  /** Partial derivatives for gradient training (generic BPTT in the reference backend). */
  readonly calculus?: NeuronCalculus;
  /** State after n steps of a constant input, when the model has a closed form. */
  readonly closedForm?: ClosedForm;
  /** Input-free propagation for event-driven engines. */
  readonly event?: EventPropagator;
}

/** One neuron's parameter values (per-neuron arrays already indexed), raw float64 as given in the spec. */
export type ParamValues = Readonly<Record<string, number>>;

/**
 * The calculus of a model, in float64 real arithmetic, per neuron: what the generic BPTT of the reference trainer
 * and the kit's finite-difference checks use. One step of the model is decomposed as
 *   s'  = F(s, x; p)                 pre-reset update (`update`), s = previous post-reset state, x = port inputs
 *   u   = U(s', Th; p)               spike argument (`spikeArg`, default u = s'[voltage] - Th); S = H(u)
 *   s'' = s' + S (R(s', Th; p) - s')  reset as an interpolation (`resetState` R, default V -> 0 | V - Th)
 * so that dS/du is the surrogate g(u), dS/dV = g(u) dU/dV and dS/dTh = g(u) dU/dTh. The float32 `step` must equal
 * this decomposition up to float32 rounding (the kit checks it).
 */
export interface NeuronCalculus {
  /** Parameters the update is differentiated against (the columns of `dParams`), a subset of the model's params. */
  readonly params: readonly string[];
  /** s' = F(s, x; p): writes the m pre-reset state values to `out`. */
  update(p: ParamValues, dtMs: number, s: ArrayLike<number>, x: ArrayLike<number>, out: Float64Array): void;
  /**
   * Jacobians of F at (s, x), row-major: `dState[i*m + j]` = ds'_i/ds_j (m x m), `dInput[i*P + q]` = ds'_i/dx_q
   * (m x P ports), `dParams[i*Q + r]` = ds'_i/dp_r (m x Q, Q = `params.length`). Every entry must be written.
   */
  partials(
    p: ParamValues,
    dtMs: number,
    s: ArrayLike<number>,
    x: ArrayLike<number>,
    dState: Float64Array,
    dInput: Float64Array,
    dParams: Float64Array,
  ): void;
  /** u = U(s', Th); the neuron spikes iff u >= 0. Default: s'[voltage] - Th. */
  spikeArg?(p: ParamValues, next: ArrayLike<number>, th: number): number;
  /** du/ds' (m values written to `dState`); returns du/dTh. Required with `spikeArg`. */
  spikeArgPartials?(p: ParamValues, next: ArrayLike<number>, th: number, dState: Float64Array): number;
  /** R(s', Th): the post-spike state for the reset mode. Default: voltage -> 0 (zero) | V - Th (subtract), others kept. */
  resetState?(p: ParamValues, next: ArrayLike<number>, th: number, reset: ResetMode, out: Float64Array): void;
  /** dR/ds' (m x m, row-major, to `dState`) and dR/dTh (m, to `dTh`). Required with `resetState`. */
  resetPartials?(
    p: ParamValues,
    next: ArrayLike<number>,
    th: number,
    reset: ResetMode,
    dState: Float64Array,
    dTh: Float64Array,
  ): void;
}

/**
 * Optional closed form for a constant input: the state after `n` steps of the update F (no threshold, no reset)
 * from `s0` with the same input `x` every step, in float64. Written to `out`.
 */
export type ClosedForm = (
  p: ParamValues,
  dtMs: number,
  s0: ArrayLike<number>,
  x: ArrayLike<number>,
  n: number,
  out: Float64Array,
) => void;

/**
 * Optional event-mode propagator: how a neuron evolves over an input-free interval, so an event engine can skip
 * steps without input. `advance` gives the state after `n` input-free steps (float64, no threshold). Exactly one of
 * `firstCrossing` (the exact first step k in [1, n] at which the input-free neuron would spike, or 0 for none) or
 * `noCrossing` (a declared guarantee: when it returns true for a post-reset state, no input-free step can spike)
 * must be given; the kit checks either against the clock-driven `step`.
 */
export interface EventPropagator {
  advance(p: ParamValues, dtMs: number, s: ArrayLike<number>, n: number, out: Float64Array): void;
  firstCrossing?(p: ParamValues, dtMs: number, s: ArrayLike<number>, th: number, n: number): number;
  noCrossing?(p: ParamValues, s: ArrayLike<number>, th: number): boolean;
}

/** Human text of a parameter's bounds, e.g. `a number in [0, 1]`, `a number > 0`. */
export function describeBounds(p: ParamDef): string {
  const lo = p.min === -Infinity ? undefined : `${p.minExclusive ? '>' : '>='} ${p.min}`;
  const hi = p.max === Infinity ? undefined : `${p.maxExclusive ? '<' : '<='} ${p.max}`;
  if (lo && hi) return `a number in ${p.minExclusive ? '(' : '['}${p.min}, ${p.max}${p.maxExclusive ? ')' : ']'}`;
  if (lo) return `a finite number ${lo}`;
  if (hi) return `a finite number ${hi}`;
  return 'a finite number';
}

/** True when `v` is a finite number within the bounds of `p`. */
export function withinBounds(p: ParamDef, v: number): boolean {
  if (!Number.isFinite(v)) return false;
  if (p.minExclusive ? !(v > p.min) : !(v >= p.min)) return false;
  if (p.maxExclusive ? !(v < p.max) : !(v <= p.max)) return false;
  return true;
}

/**
 * Checks `params` against the model's declarations and fills defaults: unknown fields, missing required fields,
 * non-numbers, out-of-bounds values and per-neuron arrays of the wrong length throw a RouserError
 * `<where>: field <fieldPrefix><name> is <value>; expected ...` (`where` defaults to `neuron model <name>`).
 */
export function resolveParams(
  model: Pick<NeuronModelDef, 'name' | 'params'>,
  params: NeuronParams,
  size: number,
  where?: string,
  fieldPrefix = '',
): ResolvedParams {
  const at = where ?? `neuron model ${model.name}`;
  const fail: (w: string, field: string, value: unknown, expected: string) => never = (w, field, value, expected) =>
    failAt(w, `${fieldPrefix}${field}`, value, expected);
  if (typeof params !== 'object' || params === null) fail(at, 'params', params, 'an object of parameters');
  const known = new Set(model.params.map((p) => p.name));
  for (const key of Object.keys(params)) {
    if (key === 'kind') continue;
    if (!known.has(key))
      fail(at, key, params[key], `absent: ${model.name} has the parameters ${[...known].join(', ') || '(none)'}`);
  }
  const out: ResolvedParams = {};
  for (const p of model.params) {
    const v = params[p.name];
    if (v === undefined) {
      if (p.required) fail(at, p.name, v, describeBounds(p));
      out[p.name] = p.default;
      continue;
    }
    if (typeof v === 'number') {
      if (!withinBounds(p, v)) fail(at, p.name, v, describeBounds(p));
      out[p.name] = v;
      continue;
    }
    const isArray = Array.isArray(v) || v instanceof Float32Array || v instanceof Float64Array;
    if (!isArray || !p.perNeuron)
      fail(at, p.name, v, p.perNeuron ? `${describeBounds(p)} or an array of ${size} such numbers` : describeBounds(p));
    const arr = v as ArrayLike<unknown>;
    if (arr.length !== size) fail(at, `${p.name}.length`, arr.length, `${size} (one per neuron)`);
    const f = new Float64Array(size);
    for (let k = 0; k < size; k++) {
      const x = arr[k];
      if (typeof x !== 'number' || !withinBounds(p, x)) fail(at, `${p.name}[${k}]`, x, describeBounds(p));
      f[k] = x;
    }
    out[p.name] = f;
  }
  return out;
}

/** A resolved scalar parameter; throws when it is a per-neuron array (for parameters declared scalar). */
export function scalarParam(params: ResolvedParams, name: string): number {
  const v = params[name];
  if (typeof v !== 'number') throw new RouserError(`parameter ${name} is ${describeValue(v)}; expected a number`);
  return v;
}

/**
 * A resolved parameter as one float32-rounded value per neuron (scalars are broadcast), for models whose
 * coefficients are per neuron.
 */
export function perNeuronParam(
  params: ResolvedParams,
  name: string,
  size: number,
  map: (v: number) => number = (v) => v,
): Float32Array {
  const v = params[name];
  const out = new Float32Array(size);
  if (typeof v === 'number') out.fill(Math.fround(map(v)));
  else if (v instanceof Float64Array) for (let k = 0; k < size; k++) out[k] = Math.fround(map(v[k] as number));
  else throw new RouserError(`parameter ${name} is ${describeValue(v)}; expected a number or per-neuron array`);
  return out;
}
