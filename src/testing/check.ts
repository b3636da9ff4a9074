import fc from 'fast-check';
import type { ResetMode } from '../model/spec.js';
import {
  calculusMismatch,
  checkNeuronModelCalculus,
  checkNeuronModelDeclaration,
  createModelState,
  paramValuesPerNeuron,
  resetState,
  resolveParams,
  smokeTestNeuronModel,
  spikeArgument,
  voltageIndex,
  type NeuronModelDef,
  type ParamValues,
} from '../neuron/model.js';
import { surrogateGrad, surrogatePrimitive, type Surrogate } from '../neuron/surrogate.js';
import { RouserError } from '../util/errors.js';
import {
  inputTrainArbitrary,
  paramsArbitrary,
  resetArbitrary,
  surrogateArbitrary,
  thresholdArbitrary,
} from './arbitraries.js';

/** The properties {@link checkNeuronModel} runs, by name. */
export const KIT_PROPERTIES = [
  'declaration',
  'determinism',
  'rest',
  'spikeRule',
  'closedForm',
  'eventMode',
  'surrogate',
  'derivatives',
  'badParams',
] as const;

/** One property of the kit. */
export type KitProperty = (typeof KIT_PROPERTIES)[number];

/** Options of {@link checkNeuronModel}. */
export interface CheckNeuronModelOptions {
  /** fast-check seed (default: env ROUSER_KIT_SEED, else derived from the clock); printed, so a failure replays. */
  seed?: number;
  /** Runs per property (default 100). */
  numRuns?: number;
  /** Time step passed to `prepare` (default 1 ms). */
  dtMs?: number;
  /** Steps of each input train (default 30). */
  steps?: number;
  /** Inputs are drawn from [-inputScale/2, inputScale] (default 1.5, threshold units). */
  inputScale?: number;
  /** Thresholds drawn from this range when the model has no `thresholdParam` (default [0.2, 2]). */
  thresholdRange?: [number, number];
  /** Parameter sets to draw instead of the typical ranges (e.g. keep V_th above E_L). */
  params?: fc.Arbitrary<Record<string, number>>;
  /** Zero-input steps the state gets to halve its distance to rest (default 2000). */
  decaySteps?: number;
  /**
   * The states from which the model claims to decay to rest with zero input (default: all). A model with another
   * equilibrium (QIF: the unstable fixed point V = vCrit) says here where its basin of rest ends; the `rest`
   * property skips its decay check from other states.
   */
  restBasin?: (params: Record<string, number>, state: readonly number[]) => boolean;
  /** Relative tolerance for float32 trajectories against float64 forms (default 1e-4). */
  tolerance?: number;
  /** Only these properties (default: all that apply). */
  only?: readonly KitProperty[];
  /** Where the seed line and results go (default console.log). */
  log?: (line: string) => void;
}

/** What {@link checkNeuronModel} ran. */
export interface CheckNeuronModelResult {
  model: string;
  seed: number;
  /** Per property: `passed` (with the number of runs) or `skipped` (with the reason). */
  properties: { name: KitProperty; status: 'passed' | 'skipped'; runs: number; note?: string }[];
}

/** One scenario of a property: parameters, threshold, reset, initial warm-up, input. */
interface Scenario {
  params: Record<string, number>;
  th: number;
  reset: ResetMode;
  warmup: number[][];
  input: number[][];
}

interface Trajectory {
  spikes: number[];
  pre: number[];
  /** post-step state, [t][j] */
  states: number[][];
  fired: number[];
}

const r6 = (v: number): string => (Number.isFinite(v) ? String(Number(v.toPrecision(6))) : String(v));
const vec = (a: ArrayLike<number>): string => `[${Array.from(a, r6).join(', ')}]`;

/** Describes a scenario in words for a failure report. */
function describeScenario(model: NeuronModelDef, s: Scenario): string {
  const params = Object.entries(s.params)
    .map(([k, v]) => `${k} = ${r6(v)}`)
    .join(', ');
  const train = (t: number[][]): string => {
    const nz = t.flatMap((row, i) =>
      row
        .map((v, p) => (v !== 0 ? `t${i}${model.ports.length > 1 ? `/${model.ports[p]}` : ''}: ${r6(v)}` : ''))
        .filter((x) => x),
    );
    return nz.length === 0 ? `${t.length} steps of zero input` : `${t.length} steps, non-zero inputs ${nz.join(', ')}`;
  };
  const th = model.thresholdParam ? `threshold = ${model.thresholdParam}` : `threshold ${r6(s.th)}`;
  return `params {${params}}, ${th}, ${model.resetParam ? `reset to ${model.resetParam}` : `reset ${s.reset}`}, warm-up ${train(s.warmup)}, input ${train(s.input)}`;
}

/** Runs one neuron (size 1) for `input` from `state` (modified in place). */
function runOne(
  model: NeuronModelDef,
  coeff: unknown,
  state: Float32Array[],
  input: number[][],
  th: number,
  reset: ResetMode,
): Trajectory {
  const ins = model.ports.map(() => new Float32Array(1));
  const ths = new Float32Array([th]);
  const sp = new Uint8Array(1);
  const pre = new Float32Array(1);
  const out: Trajectory = { spikes: [], pre: [], states: [], fired: [] };
  for (const row of input) {
    ins.forEach((a, p) => (a[0] = row[p] ?? 0));
    out.fired.push(model.step(coeff, state, ins, ths, reset, sp, 0, 1, pre));
    out.spikes.push(sp[0] as number);
    out.pre.push(pre[0] as number);
    out.states.push(state.map((a) => a[0] as number));
  }
  return out;
}

function thresholdOf(model: NeuronModelDef, params: Record<string, number>, th: number): number {
  return model.thresholdParam ? Math.fround(params[model.thresholdParam] as number) : th;
}

/** Prepared single-neuron setup of a scenario: coefficients, per-neuron values and the state after warm-up. */
function setup(
  model: NeuronModelDef,
  s: Scenario,
  dtMs: number,
): { coeff: unknown; p: ParamValues; th: number; state: Float32Array[] } {
  const neuron = { kind: model.name, ...s.params };
  const coeff = model.prepare(neuron, dtMs, 1);
  const p = paramValuesPerNeuron(resolveParams(model, neuron, 1), 1)[0] as ParamValues;
  const th = thresholdOf(model, s.params, s.th);
  const state = createModelState(model, 1);
  runOne(model, coeff, state, s.warmup, th, s.reset);
  return { coeff, p, th, state };
}

function close(a: number, b: number, rel: number, scale = 1): boolean {
  return Math.abs(a - b) <= rel * Math.max(scale, Math.abs(a), Math.abs(b));
}

/**
 * Property-checks a neuron model (registered or not) inside a vitest/jest test: declaration and NaN smoke test,
 * determinism (also across neuron ranges), zero input from rest gives no spikes and a displaced state decays back,
 * spike iff the rule and reset as declared (and the float32 step equals the declared float64 update), step by step
 * equals the closed form, event-mode propagation equals the clock trajectory, every surrogate derivative equals
 * the finite difference of its primitive, declared partial derivatives equal float64 finite differences, and bad
 * parameters give messages naming the model and the field. Prints the seed; on failure throws an Error listing
 * each failed property with its shrunk counterexample in words (parameters, input, the step where it broke) and
 * how to replay it.
 */
export function checkNeuronModel(model: NeuronModelDef, options: CheckNeuronModelOptions = {}): CheckNeuronModelResult {
  const envSeed = typeof process !== 'undefined' ? process.env.ROUSER_KIT_SEED : undefined;
  const seed = options.seed ?? (envSeed !== undefined && envSeed !== '' ? Number(envSeed) : Date.now() % 2147483647);
  const numRuns = options.numRuns ?? 100;
  const dtMs = options.dtMs ?? 1;
  const steps = options.steps ?? 30;
  const tol = options.tolerance ?? 1e-4;
  const log = options.log ?? ((line: string) => console.log(line));
  const want = (p: KitProperty): boolean => options.only === undefined || options.only.includes(p);
  const name = typeof model?.name === 'string' ? model.name : '(unnamed)';
  log(
    `checkNeuronModel(${name}): seed ${seed} (replay: checkNeuronModel(model, {seed: ${seed}}) or ROUSER_KIT_SEED=${seed})`,
  );
  const result: CheckNeuronModelResult = { model: name, seed, properties: [] };
  const failures: string[] = [];
  const P = Array.isArray(model?.ports) ? model.ports.length : 1;
  const paramsArb = options.params ?? paramsArbitrary(model);
  const [thLo, thHi] = options.thresholdRange ?? [0.2, 2];
  const scenario = (density = 0.4, len = steps): fc.Arbitrary<Scenario> =>
    fc.record({
      params: paramsArb,
      th: thresholdArbitrary(thLo, thHi),
      reset: resetArbitrary,
      warmup: inputTrainArbitrary({ steps: 8, ports: P, scale: options.inputScale ?? 1.5, density: 0.5 }),
      input: inputTrainArbitrary({ steps: len, ports: P, scale: options.inputScale ?? 1.5, density }),
    });

  const runProperty = <T>(
    prop: KitProperty,
    arb: fc.Arbitrary<T>,
    check: (v: T) => string | undefined,
    describe: (v: T) => string,
  ): void => {
    const r = fc.check(
      fc.property(arb, (v) => {
        const msg = check(v);
        if (msg !== undefined) throw new Error(msg);
      }),
      { seed, numRuns, interruptAfterTimeLimit: 60_000 },
    );
    if (r.failed) {
      const ce = r.counterexample?.[0] as T | undefined;
      const err = r.errorInstance instanceof Error ? r.errorInstance.message : String(r.errorInstance);
      failures.push(
        `property "${prop}" failed after ${r.numRuns} run(s) and ${r.numShrinks} shrink(s) (seed ${seed}):\n` +
          `  counterexample: ${ce === undefined ? '(none)' : describe(ce)}\n  what broke: ${err}`,
      );
    } else result.properties.push({ name: prop, status: 'passed', runs: r.numRuns });
  };
  const skip = (prop: KitProperty, note: string): void =>
    void result.properties.push({ name: prop, status: 'skipped', runs: 0, note });
  const once = (prop: KitProperty, fn: () => string | undefined): void => {
    let msg: string | undefined;
    try {
      msg = fn();
    } catch (e) {
      msg = e instanceof Error ? e.message : String(e);
    }
    if (msg !== undefined) failures.push(`property "${prop}" failed:\n  what broke: ${msg}`);
    else result.properties.push({ name: prop, status: 'passed', runs: 1 });
  };
  const desc = (s: Scenario): string => describeScenario(model, s);

  // 1. declaration (and the registry's NaN smoke test and derivative spot checks)
  let declared = true;
  if (want('declaration'))
    once('declaration', () => {
      try {
        checkNeuronModelDeclaration(model);
      } catch (e) {
        declared = false;
        throw e;
      }
      smokeTestNeuronModel(model, dtMs);
      checkNeuronModelCalculus(model, dtMs);
      return undefined;
    });
  if (!declared) return finish();
  const vi = voltageIndex(model);
  const sn = model.state.map((s) => s.name);

  // 2. determinism: two runs bit-identical, and stepping neurons in two ranges equals one range
  if (want('determinism'))
    runProperty(
      'determinism',
      fc.tuple(scenario(), fc.integer({ min: 0, max: 3 })),
      ([s, split]) => {
        const size = 3;
        const neuron = { kind: model.name, ...s.params };
        const runN = (
          ranges: [number, number][],
        ): { st: Float32Array[]; sp: number[]; pre: number[]; fired: number } => {
          const coeff = model.prepare(neuron, dtMs, size);
          const st = createModelState(model, size);
          const ins = model.ports.map(() => new Float32Array(size));
          const ths = new Float32Array(size).fill(thresholdOf(model, s.params, s.th));
          const sp = new Uint8Array(size);
          const pre = new Float32Array(size);
          const spAll: number[] = [];
          const preAll: number[] = [];
          let fired = 0;
          for (const row of [...s.warmup, ...s.input]) {
            ins.forEach((a, p) => {
              for (let k = 0; k < size; k++) a[k] = Math.fround((row[p] ?? 0) * (1 + 0.25 * k));
            });
            for (const [a, b] of ranges) fired += model.step(coeff, st, ins, ths, s.reset, sp, a, b, pre);
            spAll.push(...sp);
            preAll.push(...pre);
          }
          return { st, sp: spAll, pre: preAll, fired };
        };
        const a = runN([[0, 3]]);
        const b = runN([[0, 3]]);
        const c = runN([
          [0, split],
          [split, 3],
        ]);
        for (const [other, label] of [
          [b, 'a second run'],
          [c, `stepping neurons [0, ${split}) then [${split}, 3)`],
        ] as const) {
          for (let i = 0; i < a.sp.length; i++) {
            if (a.sp[i] !== other.sp[i])
              return `${label} gives spike ${other.sp[i]} instead of ${a.sp[i]} at step ${Math.floor(i / 3)}, neuron ${i % 3}`;
            if (!Object.is(a.pre[i], other.pre[i]))
              return `${label} gives pre-reset voltage ${other.pre[i]} instead of ${a.pre[i]} at step ${Math.floor(i / 3)}, neuron ${i % 3}`;
          }
          for (let j = 0; j < a.st.length; j++)
            for (let k = 0; k < 3; k++)
              if (!Object.is(a.st[j]?.[k], other.st[j]?.[k]))
                return `${label} ends with ${sn[j]} = ${other.st[j]?.[k]} instead of ${a.st[j]?.[k]} (neuron ${k})`;
          if (a.fired !== other.fired) return `${label} returns ${other.fired} spikes in total instead of ${a.fired}`;
        }
        const total = a.sp.reduce((x, y) => x + y, 0);
        if (total !== a.fired) return `step returned ${a.fired} spikes in total but wrote ${total}`;
        return undefined;
      },
      ([s, split]) => `${desc(s)}, range split at ${split}`,
    );

  // 3. zero input from rest: no spikes; a displaced state relaxes to the zero-input equilibrium
  if (want('rest'))
    runProperty(
      'rest',
      scenario(),
      (s) => {
        const neuron = { kind: model.name, ...s.params };
        const coeff = model.prepare(neuron, dtMs, 1);
        const th = thresholdOf(model, s.params, s.th);
        const restV = (model.state[vi] as { rest: number }).rest;
        const zeros = (n: number): number[][] => Array.from({ length: n }, () => new Array<number>(P).fill(0));
        const decay = options.decaySteps ?? 2000;
        // equilibrium E: the state after `decay` zero-input steps from rest with no threshold
        const eq = createModelState(model, 1);
        runOne(model, coeff, eq, zeros(decay), Infinity, s.reset);
        const E = eq.map((a) => a[0] as number);
        if (th > Math.max(restV, E[vi] as number) + 1e-6) {
          const st = createModelState(model, 1);
          const tr = runOne(model, coeff, st, zeros(steps), th, s.reset);
          const t = tr.spikes.indexOf(1);
          if (t >= 0)
            return `zero input from rest ${vec(model.state.map((d) => d.rest))} spikes at step ${t} (pre-reset ${model.voltage} = ${r6(tr.pre[t] as number)}, threshold ${r6(th)})`;
        }
        // displaced state: the warm-up state, then zero input (only when the equilibrium is below threshold: a
        // neuron whose zero-input equilibrium is at or above threshold fires tonically and has no rest to decay to)
        if (!(th > (E[vi] as number) + 1e-3 * Math.max(1, Math.abs(th)))) return undefined;
        const st = createModelState(model, 1);
        runOne(model, coeff, st, s.warmup, th, s.reset);
        const dist = (x: ArrayLike<number>): number => {
          let d = 0;
          for (let j = 0; j < x.length; j++)
            d = Math.max(d, Math.abs((x[j] as number) - (E[j] as number)) / Math.max(1, Math.abs(E[j] as number)));
          return d;
        };
        if (
          options.restBasin &&
          !options.restBasin(
            s.params,
            st.map((a) => a[0] as number),
          )
        )
          return undefined;
        const d0 = dist(st.map((a) => a[0] as number));
        const tr = runOne(model, coeff, st, zeros(decay), th, s.reset);
        for (const [t, x] of tr.states.entries())
          if (x.some((v) => !Number.isFinite(v)))
            return `zero input after the warm-up gives a non-finite state ${vec(x)} at step ${t}`;
        const d1 = dist(st.map((a) => a[0] as number));
        if (!(d1 <= 0.5 * d0 + 1e-6))
          return `after ${decay} zero-input steps the state ${vec(st.map((a) => a[0] as number))} is not closer to rest ${vec(E)}: distance ${r6(d1)} vs ${r6(d0)} at the start`;
        return undefined;
      },
      desc,
    );

  // 4. spike iff the rule; reset as declared; the float32 step equals the declared float64 update
  if (want('spikeRule'))
    runProperty(
      'spikeRule',
      scenario(),
      (s) => {
        const { coeff, p, th, state } = setup(model, s, dtMs);
        const calc = model.calculus;
        const customRule = calc?.spikeArg !== undefined;
        let prev = state.map((a) => a[0] as number);
        const tr = runOne(model, coeff, state, s.input, th, s.reset);
        const next = new Float64Array(model.state.length);
        const R = new Float64Array(model.state.length);
        for (let t = 0; t < s.input.length; t++) {
          const S = tr.spikes[t] as number;
          const pre = tr.pre[t] as number;
          const post = tr.states[t] as number[];
          if (tr.fired[t] !== S) return `step ${t}: step returned ${tr.fired[t]} but wrote spike ${S}`;
          if (calc) {
            calc.update(p, dtMs, prev, s.input[t] as number[], next);
            const scale = Math.max(1, ...prev.map(Math.abs), ...(s.input[t] as number[]).map(Math.abs));
            if (!close(pre, next[vi] as number, tol, scale))
              return `step ${t}: the step's pre-reset ${model.voltage} is ${r6(pre)} but calculus.update gives ${r6(next[vi] as number)} from state ${vec(prev)}`;
            next[vi] = pre;
          }
          if (!customRule) {
            const rule = pre >= th ? 1 : 0;
            if (S !== rule)
              return `step ${t}: pre-reset ${model.voltage} = ${r6(pre)}, threshold ${r6(th)}: the rule says spike ${rule}, step wrote ${S}`;
          } else {
            const u = spikeArgument(model, p, next, th);
            const ambiguous = Math.abs(u) <= tol * Math.max(1, Math.abs(th), Math.abs(pre));
            if (!ambiguous && S !== (u >= 0 ? 1 : 0))
              return `step ${t}: spike argument u = ${r6(u)} (state' ${vec(next)}, threshold ${r6(th)}) says spike ${u >= 0 ? 1 : 0}, step wrote ${S}`;
          }
          // reset
          if (model.resetParam && S === 1) {
            const want = Math.fround(p[model.resetParam] as number);
            if (!Object.is(post[vi], want))
              return `step ${t}: after a spike ${model.voltage} is ${r6(post[vi] as number)}; expected ${model.resetParam} = ${r6(want)}`;
          } else if (!model.resetParam && !calc?.resetState) {
            const want = S === 1 ? (s.reset === 'zero' ? 0 : Math.fround(pre - th)) : pre;
            if (!Object.is(post[vi], want) && !(want === 0 && post[vi] === 0))
              return `step ${t}: ${S === 1 ? `after a spike (${s.reset} reset)` : 'without a spike'} ${model.voltage} is ${r6(post[vi] as number)}; expected ${r6(want)} (pre-reset ${r6(pre)}, threshold ${r6(th)})`;
          }
          if (calc) {
            if (S === 1) resetState(model, p, next, th, s.reset, R);
            else R.set(next);
            const scale = Math.max(1, ...prev.map(Math.abs), Math.abs(th));
            for (let j = 0; j < post.length; j++) {
              if (model.resetParam && S === 1 && j === vi) continue;
              if (!close(post[j] as number, R[j] as number, tol, scale))
                return `step ${t}: ${S === 1 ? `after a spike (${s.reset} reset)` : 'without a spike'} ${sn[j]} is ${r6(post[j] as number)} but the declared ${S === 1 ? 'reset' : 'update'} gives ${r6(R[j] as number)}`;
            }
          }
          prev = post;
        }
        return undefined;
      },
      desc,
    );

  // 5. closed form for constant input
  if (want('closedForm') && !model.closedForm) skip('closedForm', 'no closed form declared');
  else if (want('closedForm') && model.closedForm) {
    const cf = model.closedForm;
    runProperty(
      'closedForm',
      fc.tuple(
        scenario(),
        fc.integer({ min: 1, max: 60 }),
        inputTrainArbitrary({ steps: 1, ports: P, density: 1, scale: options.inputScale ?? 1.5 }),
      ),
      ([s, n, x]) => {
        const { coeff, p, state } = setup(model, s, dtMs);
        const s0 = state.map((a) => a[0] as number);
        const xs = x[0] as number[];
        const tr = runOne(
          model,
          coeff,
          state,
          Array.from({ length: n }, () => xs),
          Infinity,
          s.reset,
        );
        const out = new Float64Array(model.state.length);
        let scale = 1;
        for (const row of tr.states) for (const v of row) scale = Math.max(scale, Math.abs(v));
        for (let k = 1; k <= n; k++) {
          cf(p, dtMs, s0, xs, k, out);
          const got = tr.states[k - 1] as number[];
          for (let j = 0; j < out.length; j++)
            if (!close(got[j] as number, out[j] as number, tol, scale))
              return `after ${k} steps of constant input ${vec(xs)} from ${vec(s0)} the step gives ${sn[j]} = ${r6(got[j] as number)}, the closed form ${r6(out[j] as number)}`;
        }
        return undefined;
      },
      ([s, n, x]) => `${desc(s)}; then ${n} steps of constant input ${vec(x[0] as number[])}`,
    );
  }

  // 6. event mode == clock mode
  if (want('eventMode') && !model.event) skip('eventMode', 'no event propagator declared');
  else if (want('eventMode') && model.event) {
    const ev = model.event;
    runProperty(
      'eventMode',
      scenario(0.15, Math.max(steps, 40)),
      (s) => {
        const { coeff, p, th, state } = setup(model, s, dtMs);
        const s0 = state.map((a) => a[0] as number);
        const tr = runOne(model, coeff, state, s.input, th, s.reset);
        const hasInput = s.input.map((row) => row.some((v) => v !== 0));
        const out = new Float64Array(model.state.length);
        let t = 0;
        while (t < s.input.length) {
          if (hasInput[t]) {
            t++;
            continue;
          }
          const start = t; // first input-free step
          while (t < s.input.length && !hasInput[t]) t++;
          const k = t - start;
          const from = start === 0 ? s0 : (tr.states[start - 1] as number[]);
          const clockFirst = tr.spikes.slice(start, t).indexOf(1) + 1; // 1-based, 0 = none
          const ambiguousAt = (step: number): boolean =>
            Math.abs((tr.pre[start + step - 1] as number) - th) <= tol * Math.max(1, Math.abs(th));
          if (ev.firstCrossing) {
            const c = ev.firstCrossing(p, dtMs, from, th, k);
            if (c !== clockFirst && !(c > 0 && ambiguousAt(c)) && !(clockFirst > 0 && ambiguousAt(clockFirst)))
              return `input-free steps ${start}..${t - 1} from ${vec(from)}: event.firstCrossing says ${c === 0 ? 'no crossing' : `a crossing at step ${start + c - 1}`}, the clock run ${clockFirst === 0 ? 'has no spike' : `spikes at step ${start + clockFirst - 1}`}`;
          } else if (ev.noCrossing && ev.noCrossing(p, from, th) && clockFirst > 0 && !ambiguousAt(clockFirst)) {
            return `input-free steps ${start}..${t - 1} from ${vec(from)}: event.noCrossing guarantees no spike, but the clock run spikes at step ${start + clockFirst - 1} (pre-reset ${r6(tr.pre[start + clockFirst - 1] as number)}, threshold ${r6(th)})`;
          }
          const upto = clockFirst === 0 ? k : clockFirst - 1;
          let scale = 1;
          for (let q = 0; q < upto; q++)
            for (const v of tr.states[start + q] as number[]) scale = Math.max(scale, Math.abs(v));
          for (let q = 1; q <= upto; q++) {
            ev.advance(p, dtMs, from, q, out);
            const got = tr.states[start + q - 1] as number[];
            for (let j = 0; j < out.length; j++)
              if (!close(got[j] as number, out[j] as number, tol, scale))
                return `input-free steps from step ${start} (state ${vec(from)}): after ${q} steps event.advance gives ${sn[j]} = ${r6(out[j] as number)}, the clock run ${r6(got[j] as number)}`;
          }
        }
        return undefined;
      },
      desc,
    );
  }

  // 7. surrogate derivatives == finite differences of their primitives
  if (want('surrogate'))
    runProperty(
      'surrogate',
      fc.tuple(surrogateArbitrary, fc.double({ min: -8, max: 8, noNaN: true })),
      ([sg, x]: [Surrogate, number]) => {
        const h = 1e-5;
        if (Math.abs(x) < 4 * h || (sg.kind === 'triangle' && Math.abs(Math.abs(x) - sg.width) < 4 * h))
          return undefined;
        const fd = (surrogatePrimitive(sg, x + h) - surrogatePrimitive(sg, x - h)) / (2 * h);
        const g = surrogateGrad(sg, x);
        return Math.abs(fd - g) <= 1e-5 * Math.max(1, Math.abs(g)) + 1e-6
          ? undefined
          : `surrogate g(${r6(x)}) = ${r6(g)} but the finite difference of its primitive is ${r6(fd)}`;
      },
      ([sg, x]) => `surrogate ${JSON.stringify(sg)} at x = ${r6(x)}`,
    );

  // 8. declared partial derivatives == float64 finite differences
  if (want('derivatives') && !model.calculus)
    skip('derivatives', 'no calculus declared (the model can be simulated, not trained)');
  else if (want('derivatives'))
    runProperty(
      'derivatives',
      scenario(0.6, 3),
      (s) => {
        const { p, th, state } = setup(model, s, dtMs);
        const st = state.map((a) => a[0] as number);
        const msg = calculusMismatch(model, p, dtMs, st, s.input[0] as number[], th);
        return msg === undefined ? undefined : `${msg}, at state ${vec(st)}, input ${vec(s.input[0] as number[])}`;
      },
      desc,
    );

  // 9. bad parameters name the model and the field
  if (want('badParams'))
    once('badParams', () => {
      const base: Record<string, unknown> = { kind: model.name };
      for (const p of model.params) base[p.name] = p.default;
      const cases: { field: string; value: unknown }[] = [{ field: 'notAParameter', value: 1 }];
      for (const p of model.params) {
        cases.push({ field: p.name, value: NaN });
        cases.push({ field: p.name, value: 'abc' });
        if (Number.isFinite(p.min))
          cases.push({ field: p.name, value: p.minExclusive ? p.min : p.min - 1 - Math.abs(p.min) });
        if (Number.isFinite(p.max))
          cases.push({ field: p.name, value: p.maxExclusive ? p.max : p.max + 1 + Math.abs(p.max) });
        if (!p.perNeuron) cases.push({ field: p.name, value: [p.default, p.default] });
        else cases.push({ field: p.name, value: [p.default] });
      }
      for (const c of cases) {
        let err: unknown;
        try {
          model.prepare({ ...base, [c.field]: c.value }, dtMs, 2);
        } catch (e) {
          err = e;
        }
        const shown = JSON.stringify(c.value) ?? String(c.value);
        if (err === undefined) return `prepare accepted ${c.field} = ${shown}`;
        if (!(err instanceof RouserError))
          return `prepare with ${c.field} = ${shown} threw ${String(err)}; expected a RouserError`;
        if (!err.message.includes(model.name) || !err.message.includes(c.field))
          return `prepare with ${c.field} = ${shown} says "${err.message}", which does not name the model (${model.name}) and the field (${c.field})`;
      }
      return undefined;
    });

  return finish();

  function finish(): CheckNeuronModelResult {
    if (failures.length > 0) {
      const text = `checkNeuronModel(${name}): ${failures.length} propert${failures.length === 1 ? 'y' : 'ies'} failed (seed ${seed}; replay with checkNeuronModel(model, {seed: ${seed}}) or ROUSER_KIT_SEED=${seed})\n${failures.join('\n')}`;
      log(text);
      throw new Error(text);
    }
    log(
      `checkNeuronModel(${name}): ${result.properties.map((p) => `${p.name} ${p.status === 'passed' ? `ok (${p.runs})` : `skipped (${p.note ?? ''})`}`).join(', ')}`,
    );
    return result;
  }
}
