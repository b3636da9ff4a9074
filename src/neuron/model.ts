import type { ResetMode } from '../model/spec.js';
import { setRegisteredNeuronCheck } from '../model/validate.js';
import { describeValue, RouserError } from '../util/errors.js';
import { ALIF } from './alif.js';
import { CUBA } from './cuba.js';
import { calculusMismatch, paramValuesPerNeuron } from './calculus.js';
import {
  resolveParams,
  withinBounds,
  type NeuronModelDef,
  type NeuronParams,
  type ParamDef,
  type ParamValues,
} from './interface.js';
import { IAF_PSC_EXP } from './iafPscExp.js';
import { LIF } from './lif.js';

export * from './interface.js';
export * from './lif.js';
export * from './cuba.js';
export * from './alif.js';
export * from './calculus.js';
export * from './iafPscExp.js';

/**
 * The registry of neuron models: a spec layer's `neuron: {kind, ...params}` names a registered model by `kind`.
 * Built-ins (`lif`, `cuba`, and the others added with their files) are registered when this module loads.
 * Registration checks the declaration (names, bounds, voltage, ports) and runs the update on the defaults and on
 * every finite bound of each parameter, rejecting a model whose state becomes NaN or infinite.
 */
const registry = new Map<string, NeuronModelDef>();

/** Options of {@link registerNeuronModel}. */
export interface RegisterOptions {
  /** Replace a model already registered under the same name (default false: a duplicate name is an error). */
  replace?: boolean;
}

const NAME_RE = /^[a-z][a-z0-9_]*$/;

function bad(model: string, field: string, value: unknown, expected: string): never {
  throw new RouserError(`neuron model ${model}: field ${field} is ${describeValue(value)}; expected ${expected}`);
}

/** The parameters object with every declared parameter at its default, `{kind, name: default, ...}`. */
export function defaultNeuronParams(model: Pick<NeuronModelDef, 'name' | 'params'>): Record<string, number | string> {
  const out: Record<string, number | string> = { kind: model.name };
  for (const p of model.params) out[p.name] = p.default;
  return out;
}

/** Zero-input-free initial state of `size` neurons: one Float32Array per state variable, filled with its `rest`. */
export function createModelState(model: Pick<NeuronModelDef, 'state'>, size: number): Float32Array[] {
  return model.state.map((s) => new Float32Array(size).fill(s.rest));
}

/** Index of a state variable in `model.state` (and in the state arrays); throws when absent. */
export function stateIndex(model: Pick<NeuronModelDef, 'name' | 'state'>, name: string): number {
  const i = model.state.findIndex((s) => s.name === name);
  if (i < 0) bad(model.name, 'state', name, `one of ${model.state.map((s) => s.name).join(', ')}`);
  return i;
}

/** Checks the declarations of a model (no dynamics); throws a RouserError naming the model and the field. */
export function checkNeuronModelDeclaration(model: NeuronModelDef): void {
  const name = typeof model?.name === 'string' ? model.name : '(unnamed)';
  if (typeof model !== 'object' || model === null) bad(name, 'model', model, 'an object');
  if (typeof model.name !== 'string' || !NAME_RE.test(model.name))
    bad(name, 'name', model.name, 'lower case letters, digits and _, starting with a letter');
  if (typeof model.doc !== 'string' || model.doc.length === 0) bad(name, 'doc', model.doc, 'the equations as text');
  if (typeof model.prepare !== 'function') bad(name, 'prepare', model.prepare, 'a function');
  if (typeof model.step !== 'function') bad(name, 'step', model.step, 'a function');
  if (!Array.isArray(model.params)) bad(name, 'params', model.params, 'an array of parameter declarations');
  const pNames = new Set<string>();
  model.params.forEach((p: ParamDef, i) => {
    const f = `params[${i}]`;
    if (typeof p.name !== 'string' || !/^[A-Za-z][A-Za-z0-9_]*$/.test(p.name) || p.name === 'kind')
      bad(name, `${f}.name`, p.name, "an identifier other than 'kind'");
    if (pNames.has(p.name)) bad(name, `${f}.name`, p.name, 'a name not already used by another parameter');
    pNames.add(p.name);
    if (
      typeof p.min !== 'number' ||
      typeof p.max !== 'number' ||
      Number.isNaN(p.min) ||
      Number.isNaN(p.max) ||
      p.min > p.max
    )
      bad(name, `params.${p.name}.min/max`, `${p.min}..${p.max}`, 'min <= max');
    const inside =
      Number.isFinite(p.default) &&
      (p.minExclusive ? p.default > p.min : p.default >= p.min) &&
      (p.maxExclusive ? p.default < p.max : p.default <= p.max);
    if (!inside) bad(name, `params.${p.name}.default`, p.default, `a finite number within [${p.min}, ${p.max}]`);
  });
  if (!Array.isArray(model.state) || model.state.length === 0)
    bad(name, 'state', model.state, 'a non-empty array of state declarations');
  const sNames = new Set<string>();
  for (const s of model.state) {
    if (typeof s.name !== 'string' || !/^[A-Za-z][A-Za-z0-9_]*$/.test(s.name))
      bad(name, 'state.name', s.name, 'an identifier');
    if (sNames.has(s.name)) bad(name, `state.${s.name}`, s.name, 'a state name declared once (it is declared twice)');
    sNames.add(s.name);
    if (!Number.isFinite(s.rest)) bad(name, `state.${s.name}.rest`, s.rest, 'a finite number');
  }
  if (!sNames.has(model.voltage))
    bad(name, 'voltage', model.voltage, `the name of a state variable (${[...sNames].join(', ')})`);
  if (!Array.isArray(model.ports) || model.ports.length === 0)
    bad(name, 'ports', model.ports, "a non-empty array of input port names, e.g. ['syn']");
  if (new Set(model.ports).size !== model.ports.length)
    bad(name, 'ports', model.ports, 'port names declared once each');
  if (model.thresholdParam !== undefined && !pNames.has(model.thresholdParam))
    bad(name, 'thresholdParam', model.thresholdParam, 'the name of a parameter');
  if (model.resetParam !== undefined && !pNames.has(model.resetParam))
    bad(name, 'resetParam', model.resetParam, 'the name of a parameter');
  for (const p of model.params) {
    if (p.typical === undefined) continue;
    const [lo, hi] = p.typical;
    if (!(lo <= hi) || !withinBounds(p, lo) || !withinBounds(p, hi))
      bad(name, `params.${p.name}.typical`, `[${lo}, ${hi}]`, 'a range within the bounds');
  }
  const c = model.calculus;
  if (c) {
    if (typeof c.update !== 'function' || typeof c.partials !== 'function')
      bad(name, 'calculus', c, 'update and partials functions');
    for (const q of c.params)
      if (!pNames.has(q)) bad(name, 'calculus.params', q, `a parameter name (${[...pNames].join(', ')})`);
    if ((c.spikeArg === undefined) !== (c.spikeArgPartials === undefined))
      bad(name, 'calculus.spikeArgPartials', c.spikeArgPartials, 'given together with spikeArg');
    if ((c.resetState === undefined) !== (c.resetPartials === undefined))
      bad(name, 'calculus.resetPartials', c.resetPartials, 'given together with resetState');
  }
  const e = model.event;
  if (e && (e.firstCrossing === undefined) === (e.noCrossing === undefined))
    bad(
      name,
      'event',
      'firstCrossing/noCrossing',
      'exactly one of firstCrossing (exact crossing step) or noCrossing (guarantee)',
    );
}

/**
 * Checks the declared partial derivatives against float64 finite differences at the defaults and each finite
 * inclusive parameter bound, from rest and from a few displaced states and inputs; throws a RouserError naming the
 * model and the wrong entry.
 */
export function checkNeuronModelCalculus(model: NeuronModelDef, dtMs = 1): void {
  if (!model.calculus) return;
  const P = model.ports.length;
  for (const { label, params } of smokeParams(model)) {
    const size = 1;
    const resolved = resolveParams(model, params, size);
    const p = paramValuesPerNeuron(resolved, size)[0] as ParamValues;
    const th = model.thresholdParam ? (p[model.thresholdParam] as number) : 1;
    const offsets = [0, 0.3, -0.45, 0.8];
    for (const [k, off] of offsets.entries()) {
      const s = model.state.map((d, j) => d.rest + off * (j + 1) * Math.max(1, Math.abs(d.rest) * 0.05));
      const x = Array.from({ length: P }, (_, q) => (k - 1.3) * 0.7 + q * 0.2);
      const msg = calculusMismatch(model, p, dtMs, s, x, th);
      if (msg)
        throw new RouserError(
          `neuron model ${model.name}: ${msg} (params ${label}, state [${s.map((v) => Number(v.toPrecision(4))).join(', ')}], input [${x.map((v) => Number(v.toPrecision(4))).join(', ')}])`,
        );
    }
  }
}

/** Parameter sets used to smoke-test an update: defaults, then each parameter at each finite, inclusive bound. */
function smokeParams(model: NeuronModelDef): { label: string; params: NeuronParams }[] {
  const base = defaultNeuronParams(model);
  const out: { label: string; params: NeuronParams }[] = [{ label: 'defaults', params: base }];
  for (const p of model.params) {
    if (Number.isFinite(p.min) && !p.minExclusive)
      out.push({ label: `${p.name} = ${p.min}`, params: { ...base, [p.name]: p.min } });
    if (Number.isFinite(p.max) && !p.maxExclusive)
      out.push({ label: `${p.name} = ${p.max}`, params: { ...base, [p.name]: p.max } });
  }
  return out;
}

/**
 * Runs the model for `steps` steps on a fixed input pattern (zero, small, supra-threshold, negative inputs on
 * four neurons, both resets) for each smoke parameter set; throws when a state becomes non-finite, a spike is not
 * 0/1 or the returned count disagrees with the spikes written.
 */
export function smokeTestNeuronModel(model: NeuronModelDef, dtMs = 1, steps = 64): void {
  const size = 4;
  const resets: ResetMode[] = ['zero', 'subtract'];
  for (const { label, params } of smokeParams(model)) {
    const coeff = model.prepare(params, dtMs, size);
    for (const reset of resets) {
      const state = createModelState(model, size);
      const inputs = model.ports.map(() => new Float32Array(size));
      const thValue = model.thresholdParam ? Number(params[model.thresholdParam]) : 1;
      const th = new Float32Array(size).fill(thValue);
      const spikes = new Uint8Array(size);
      for (let t = 0; t < steps; t++) {
        inputs.forEach((inp, p) => {
          inp[0] = 0;
          inp[1] = p === 0 ? 0.3 : 0;
          inp[2] = p === 0 ? (t % 3 === 0 ? 2.5 : 0) : 0;
          inp[3] = p === 0 ? (t % 2 === 0 ? -1.5 : 1.5) : t % 4 === 0 ? 0.5 : 0;
        });
        const fired = model.step(coeff, state, inputs, th, reset, spikes, 0, size);
        let sum = 0;
        for (let k = 0; k < size; k++) {
          const s = spikes[k] as number;
          if (s !== 0 && s !== 1)
            bad(model.name, 'step', s, `spikes of 0 or 1 (params ${label}, reset ${reset}, step ${t}, neuron ${k})`);
          sum += s;
        }
        if (fired !== sum)
          bad(
            model.name,
            'step',
            fired,
            `the number of spikes written, ${sum} (params ${label}, reset ${reset}, step ${t})`,
          );
        state.forEach((arr, j) => {
          for (let k = 0; k < size; k++)
            if (!Number.isFinite(arr[k] as number))
              bad(
                model.name,
                `state.${(model.state[j] as { name: string }).name}`,
                arr[k],
                `a finite value for valid parameters (params ${label}, reset ${reset}, step ${t}, neuron ${k})`,
              );
        });
      }
    }
  }
}

/**
 * Registers a neuron model under `model.name` after checking its declaration, smoke-testing its update (no NaN for
 * valid parameters) and checking its declared derivatives by finite differences.
 * Throws a RouserError naming the model and the field when a check fails or the name is taken.
 */
export function registerNeuronModel<C>(model: NeuronModelDef<C>, opts: RegisterOptions = {}): void {
  const m = model as unknown as NeuronModelDef;
  checkNeuronModelDeclaration(m);
  if (registry.has(m.name) && !opts.replace)
    bad(m.name, 'name', m.name, 'a name not already registered (pass {replace: true} to replace it)');
  smokeTestNeuronModel(m);
  checkNeuronModelCalculus(m);
  registry.set(m.name, m);
}

/** Removes a registered model (tests, plug-in reloads); returns whether it was registered. */
export function unregisterNeuronModel(name: string): boolean {
  return registry.delete(name);
}

/**
 * The registered model named `kind`; throws a RouserError `<where>: field <field> is "x"; expected one of ...`
 * when it is unknown.
 */
export function getNeuronModel(kind: string, where = 'neuron model', field = 'kind'): NeuronModelDef {
  const m = registry.get(kind);
  if (!m)
    throw new RouserError(
      `${where}: field ${field} is ${describeValue(kind)}; expected one of ${neuronModelNames().join(', ')} (registered neuron models)`,
    );
  return m;
}

/** True when a model is registered under `kind`. */
export function hasNeuronModel(kind: string): boolean {
  return registry.has(kind);
}

/** Names of the registered models, built-ins first, in registration order. */
export function neuronModelNames(): string[] {
  return [...registry.keys()];
}

for (const m of [LIF, CUBA, ALIF, IAF_PSC_EXP] as NeuronModelDef[]) registerNeuronModel(m);

/**
 * What `validateSpec` checks for a registered (non cuba/lif) neuron: the kind is registered, every parameter is
 * declared and within its bounds (`<file>: field layers[0].neuron.betaAdapt[3] is -1; expected ...`), and the
 * model's own `prepare` accepts it.
 */
setRegisteredNeuronCheck((where, field, neuron, size, dtMs) => {
  const model = getNeuronModel(neuron.kind as string, where, `${field}.kind`);
  resolveParams(model, neuron, size, where, `${field}.`);
  model.prepare(neuron, dtMs, size, `${where}: ${field}`);
});
