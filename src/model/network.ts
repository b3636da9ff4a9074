import { fail, RouserError } from '../util/errors.js';
import type { SpecMeta } from './spec.js';
import type { SpikeRecord } from './spikes.js';
import { parseJson } from '../util/json.js';
import { checkMeta } from './validate.js';

/**
 * The network description: a user-defined sparse spiking network of named populations, projections between them,
 * stimuli and recorders, in the style of NEST / PyNN / Brian2. One description feeds the event engine
 * (`compileDescription` in src/event), the CLI (`rouser simulate NETWORK.json`) and the examples (the cortical
 * microcircuit). It is plain JSON-able data: the JSON file form is exactly this object ({@link networkToJson} /
 * {@link networkFromJson}; file access lives in src/io). Everything random (connectivity, distributed weights,
 * delays, parameters and initial states, Poisson drive) is drawn from `seed`, so a description builds the same
 * network on every run.
 *
 * Units: times in ms (`dtMs`, delays, `t_ref`-like parameters), rates in Hz; weights, currents and voltages in the
 * units of the target neuron model (mV for the delta-synapse `lif`, pA / mV for `iaf_psc_exp`).
 */

/** Format tag of a {@link NetworkDescription}. */
export const NETWORK_FORMAT = 'rouser-network-description' as const;
/** Current version of the description format. */
export const NETWORK_VERSION = 1 as const;
/** Largest population size (ids are int32). */
export const MAX_POPULATION = 2 ** 30;

/**
 * A seeded random distribution of a scalar.
 * - `normal`: mean, standard deviation sd >= 0; optional bounds [min, max] applied by `bound`: `clip` (default;
 *   max(min, min(max, z)), as in the PD14 model description) or `redraw` (draw again until inside, as NEST's
 *   `nest.math.redraw`; refused when the interval holds less than 1e-6 of the mass).
 * - `uniform`: in [min, max) (min = max gives that value).
 * - `lognormal`: exp(mu + sigma z), z standard normal (NEST's `lognormal` with `mu`, `sigma` of the underlying
 *   normal); optional bounds as for `normal`.
 */
export type Distribution =
  | { kind: 'normal'; mean: number; sd: number; min?: number; max?: number; bound?: BoundMode }
  | { kind: 'uniform'; min: number; max: number }
  | { kind: 'lognormal'; mu: number; sigma: number; min?: number; max?: number; bound?: BoundMode };

/** How a bounded distribution keeps draws inside [min, max]: clip to the bound, or draw again. */
export type BoundMode = 'clip' | 'redraw';

/**
 * A value given per element (neuron or synapse): one constant, an explicit array (one value per element, in element
 * order) or a seeded {@link Distribution} drawn independently per element.
 */
export type ValueSpec = number | number[] | Distribution;

/**
 * A population of `size` neurons of one registered neuron model (`model`: e.g. `lif`, `cuba`, `iaf_psc_exp`; see the
 * neuron-model registry in src/neuron). `params` are the model's parameters by name (thresholds and the refractory
 * period included, e.g. `V_th`, `t_ref` for `iaf_psc_exp`), each a {@link ValueSpec} (scalar, per-neuron array or
 * distribution); missing parameters take the model's defaults. `initial` sets state variables at t = 0 by name
 * (e.g. `V_m`), constant, per neuron or drawn; missing ones take the model's initial state. Models whose
 * threshold is not a parameter (`lif`, `cuba`) take the engine-level parameter `threshold` (default 1).
 */
export interface PopulationSpec {
  name: string;
  size: number;
  model: string;
  /** Reset rule for models that take one (`lif`, `cuba`: `zero` default, or `subtract`); `iaf_psc_exp` resets to V_reset. */
  reset?: 'zero' | 'subtract';
  params?: Record<string, ValueSpec>;
  initial?: Record<string, ValueSpec>;
}

/**
 * How a projection picks its (source, target) pairs; names and semantics follow NEST's `conn_spec`.
 * - `all_to_all`: every pair (source-major order); `one_to_one`: i -> i (equal sizes);
 * - `fixed_indegree`: each target gets `indegree` sources drawn uniformly; `fixed_outdegree`: each source gets
 *   `outdegree` targets; `fixed_total_number`: `n` pairs drawn uniformly from all source x target pairs;
 * - `pairwise_bernoulli`: each pair independently with probability `p`;
 * - `explicit`: the edge list `pre[k] -> post[k]` (population-local ids) given inline;
 * - `file`: an edge list read from a file by src/io (`csv`: lines `pre,post[,weight[,delayMs]]`; `npz`-free
 *   `csr`: a JSON `{rowPtr, targets}`), resolved relative to the description file.
 * `allowAutapses` (i -> i when source and target are the same population; default true, as NEST) and
 * `allowMultapses` (the same pair more than once; default true, as NEST) apply to the random rules.
 */
export type ConnectionRule =
  | { rule: 'all_to_all'; allowAutapses?: boolean }
  | { rule: 'one_to_one' }
  | { rule: 'fixed_indegree'; indegree: number; allowAutapses?: boolean; allowMultapses?: boolean }
  | { rule: 'fixed_outdegree'; outdegree: number; allowAutapses?: boolean; allowMultapses?: boolean }
  | { rule: 'fixed_total_number'; n: number; allowAutapses?: boolean; allowMultapses?: boolean }
  | { rule: 'pairwise_bernoulli'; p: number; allowAutapses?: boolean }
  | { rule: 'explicit'; pre: number[]; post: number[] }
  | { rule: 'file'; path: string; format: 'csv' | 'csr' };

/** Names of the connection rules, in the order of {@link ConnectionRule}. */
export const CONNECTION_RULES = [
  'all_to_all',
  'one_to_one',
  'fixed_indegree',
  'fixed_outdegree',
  'fixed_total_number',
  'pairwise_bernoulli',
  'explicit',
  'file',
] as const;

/**
 * Synapses from population (or spike source) `source` to population `target`.
 * `weight` is signed, in the target model's input unit; `receptor` selects the model's input port by index (e.g.
 * `iaf_psc_exp`: 0 = excitatory current, 1 = inhibitory current); when omitted the sign of each weight picks the
 * port as in NEST (>= 0 -> port 0, < 0 -> the model's inhibitory port; one-port models use port 0).
 * `delayMs` is rounded to the dt grid (round(d / dt) steps) and must give >= 1 step; a distribution of delays must
 * have a lower bound >= dt / 2 (a normal or lognormal with `min`, or a uniform).
 * Arrays (per synapse) need a rule whose synapse count is known before drawing (not `pairwise_bernoulli`).
 */
export interface ProjectionSpec {
  name?: string;
  source: string;
  target: string;
  connection: ConnectionRule;
  weight: ValueSpec;
  delayMs: ValueSpec;
  receptor?: number;
}

/**
 * Inputs from outside the network.
 * - `poisson`: each neuron of `target` (or of the listed `neurons`) receives its own independent Poisson spike train
 *   of `rateHz`, each spike adding `weight` after `delayMs` (NEST `poisson_generator` connected all-to-all), active
 *   in [startMs, stopMs). `draw` chooses how a whole-population stimulus is sampled (the same law, different random
 *   streams): `"neuron"` (default; NEST `poisson_generator`, Brian2 `PoissonInput`) draws each neuron's count per step,
 *   `"blocks"` draws one count per block of 1024 neurons and spreads it over uniform targets (src/event/drive.ts
 *   `driveBlocks`, the random network's drive). Listed `neurons` are always drawn per neuron (`"blocks"` is refused).
 * - `spike_source`: a source of `size` channels replaying given spikes (a SpikeRecord inline: `ids`, `times` in ms
 *   or steps, or one sample of a dataset file read by src/io); it is connected by projections that name it as
 *   `source`, like a NEST `spike_generator` / `parrot_neuron` population.
 * - `dc`: a constant current `amplitude` (per neuron allowed) into `target`, active in [startMs, stopMs)
 *   (NEST `dc_generator`; models without a current input add it to their input each step).
 */
export type StimulusSpec =
  | {
      kind: 'poisson';
      name?: string;
      target: string;
      rateHz: number;
      weight: number;
      delayMs?: number;
      receptor?: number;
      neurons?: number[];
      startMs?: number;
      stopMs?: number;
      draw?: PoissonDraw;
    }
  | { kind: 'spike_source'; name: string; size: number; spikes: InlineSpikes | SpikeFile }
  | { kind: 'dc'; name?: string; target: string; amplitude: ValueSpec; startMs?: number; stopMs?: number };

/** How a population-wide Poisson stimulus is sampled (see {@link StimulusSpec}): per neuron (default) or per block. */
export type PoissonDraw = 'neuron' | 'blocks';

/** Spikes given inline: `ids[k]` fires at `times[k]` (sorted by time), unit ms or steps. */
export interface InlineSpikes {
  ids: number[];
  times: number[];
  timeUnit: 'ms' | 'step';
}

/** Spikes from a file read by src/io: a SpikeRecord file, or sample `sample` of a dataset. */
export interface SpikeFile {
  file: string;
  sample?: number;
}

/**
 * What a run records.
 * - `spikes`: every spike of the listed populations;
 * - `rate`: population mean rate (Hz) per bin of `binMs` for the listed populations;
 * - `state`: the named state variables of a few neurons (population-local ids) every `intervalMs` (default dt).
 */
export type RecorderSpec =
  | { kind: 'spikes'; populations: string[] }
  | { kind: 'rate'; populations: string[]; binMs: number }
  | { kind: 'state'; population: string; neurons: number[]; variables: string[]; intervalMs?: number };

/** A whole user-defined network (see the module doc). */
export interface NetworkDescription {
  format: typeof NETWORK_FORMAT;
  version: typeof NETWORK_VERSION;
  /** Simulation step, ms. */
  dtMs: number;
  /** Seed of every random draw of the build (connectivity, values, initial states) and of the run's drive. */
  seed: number;
  populations: PopulationSpec[];
  projections: ProjectionSpec[];
  stimuli: StimulusSpec[];
  recorders: RecorderSpec[];
  meta: SpecMeta;
}

/** An edge list read from a file: population-local ids, optional per-edge weight and delay (ms). */
export interface EdgeList {
  pre: Int32Array;
  post: Int32Array;
  weight: Float64Array | null;
  delayMs: Float64Array | null;
}

/** Files a description references, read: edge lists by projection index, spike records by stimulus index. */
export interface NetworkFiles {
  edges: Map<number, EdgeList>;
  spikes: Map<number, SpikeRecord>;
}

// ---------------------------------------------------------------------------------------------------------------
// validation

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkFinite(where: string, field: string, v: unknown): asserts v is number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(where, field, v, 'a finite number');
}

function checkInt(where: string, field: string, v: unknown, lo: number, hi: number): asserts v is number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi)
    fail(where, field, v, `an integer in [${lo}, ${hi}]`);
}

function checkBool(where: string, field: string, v: unknown): void {
  if (v !== undefined && typeof v !== 'boolean') fail(where, field, v, 'true or false');
}

function checkName(where: string, field: string, v: unknown): asserts v is string {
  if (typeof v !== 'string' || !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(v))
    fail(where, field, v, 'a name of letters, digits, _ . - starting with a letter or _');
}

function checkKeys(where: string, field: string, o: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(o))
    if (!allowed.includes(k)) fail(where, `${field}.${k}`, o[k], `absent (known fields: ${allowed.join(', ')})`);
}

/** Standard normal CDF (Abramowitz-Stegun 7.1.26 through erfc; absolute error < 1.5e-7, enough for mass checks). */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const y =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) *
    Math.exp(-z * z);
  return x >= 0 ? 1 - y / 2 : y / 2;
}

/** Smallest probability mass a `redraw` interval may hold (below it sampling could loop for very long). */
const MIN_REDRAW_MASS = 1e-6;

/** Validates a distribution (fields, sd >= 0, bounds ordered, enough mass for `redraw`). */
export function validateDistribution(where: string, field: string, d: unknown): asserts d is Distribution {
  if (!isObj(d))
    fail(
      where,
      field,
      d,
      'a number, an array of numbers or a distribution {kind: "normal" | "uniform" | "lognormal", ...}',
    );
  const bounds = (lo: number, hi: number, cdf: (x: number) => number): void => {
    if (d.min !== undefined) checkFinite(where, `${field}.min`, d.min);
    if (d.max !== undefined) checkFinite(where, `${field}.max`, d.max);
    if (d.min !== undefined && d.max !== undefined && !((d.max as number) >= (d.min as number)))
      fail(where, `${field}.max`, d.max, `a number >= ${field}.min (${String(d.min)})`);
    if (d.bound !== undefined && d.bound !== 'clip' && d.bound !== 'redraw')
      fail(where, `${field}.bound`, d.bound, '"clip" or "redraw"');
    if (d.bound === 'redraw') {
      const a = d.min === undefined ? lo : (d.min as number);
      const b = d.max === undefined ? hi : (d.max as number);
      const mass = cdf(b) - cdf(a);
      if (!(mass >= MIN_REDRAW_MASS))
        fail(
          where,
          field,
          d,
          `a distribution with at least ${MIN_REDRAW_MASS} of its mass inside [min, max] (redraw would not end; this one has ${mass.toExponential(2)})`,
        );
    }
  };
  switch (d.kind) {
    case 'normal': {
      checkKeys(where, field, d, ['kind', 'mean', 'sd', 'min', 'max', 'bound']);
      checkFinite(where, `${field}.mean`, d.mean);
      checkFinite(where, `${field}.sd`, d.sd);
      if (!((d.sd as number) >= 0)) fail(where, `${field}.sd`, d.sd, 'a number >= 0');
      const m = d.mean as number;
      const s = d.sd as number;
      bounds(-Infinity, Infinity, (x) => (s === 0 ? (x >= m ? 1 : 0) : normalCdf((x - m) / s)));
      return;
    }
    case 'uniform':
      checkKeys(where, field, d, ['kind', 'min', 'max']);
      checkFinite(where, `${field}.min`, d.min);
      checkFinite(where, `${field}.max`, d.max);
      if (!((d.max as number) >= (d.min as number)))
        fail(where, `${field}.max`, d.max, `a number >= ${field}.min (${String(d.min)})`);
      return;
    case 'lognormal': {
      checkKeys(where, field, d, ['kind', 'mu', 'sigma', 'min', 'max', 'bound']);
      checkFinite(where, `${field}.mu`, d.mu);
      checkFinite(where, `${field}.sigma`, d.sigma);
      if (!((d.sigma as number) >= 0)) fail(where, `${field}.sigma`, d.sigma, 'a number >= 0');
      const mu = d.mu as number;
      const sg = d.sigma as number;
      bounds(0, Infinity, (x) =>
        x <= 0 ? 0 : sg === 0 ? (Math.log(x) >= mu ? 1 : 0) : normalCdf((Math.log(x) - mu) / sg),
      );
      return;
    }
    default:
      fail(where, `${field}.kind`, d.kind, '"normal", "uniform" or "lognormal"');
  }
}

/**
 * Validates a {@link ValueSpec}: a finite number, an array of exactly `count` finite numbers (when `count` is known;
 * `null` = not known before drawing, arrays refused), or a valid distribution.
 */
export function validateValueSpec(
  where: string,
  field: string,
  v: unknown,
  count: number | null,
  countWhat: string,
): asserts v is ValueSpec {
  if (typeof v === 'number') {
    checkFinite(where, field, v);
    return;
  }
  if (Array.isArray(v)) {
    if (count === null)
      fail(
        where,
        field,
        `array(length ${v.length})`,
        `a number or a distribution (${countWhat} is not known before the connections are drawn)`,
      );
    if (v.length !== count) fail(where, `${field}.length`, v.length, `${count} (${countWhat})`);
    for (let i = 0; i < v.length; i++) checkFinite(where, `${field}[${i}]`, v[i]);
    return;
  }
  validateDistribution(where, field, v);
}

/** Lower bound of the values a ValueSpec can produce (-Infinity when unbounded below). */
export function valueLowerBound(v: ValueSpec): number {
  if (typeof v === 'number') return v;
  if (Array.isArray(v)) return v.reduce((a, b) => Math.min(a, b), Infinity);
  switch (v.kind) {
    case 'normal':
      return v.sd === 0 ? Math.max(v.mean, v.min ?? -Infinity) : (v.min ?? -Infinity);
    case 'uniform':
      return v.min;
    case 'lognormal':
      return v.min ?? 0;
    default: {
      const never: never = v;
      throw new Error(`unknown distribution ${JSON.stringify(never)}`);
    }
  }
}

/** Number of synapses a rule creates when it is known before drawing (else null). */
export function ruleSynapseCount(rule: ConnectionRule, numSource: number, numTarget: number): number | null {
  switch (rule.rule) {
    case 'all_to_all':
      return rule.allowAutapses === false && numSource === numTarget
        ? numSource * numTarget - numSource
        : numSource * numTarget;
    case 'one_to_one':
      return numSource;
    case 'fixed_indegree':
      return numTarget * rule.indegree;
    case 'fixed_outdegree':
      return numSource * rule.outdegree;
    case 'fixed_total_number':
      return rule.n;
    case 'pairwise_bernoulli':
      return null;
    case 'explicit':
      return rule.pre.length;
    case 'file':
      return null;
    default: {
      const never: never = rule;
      throw new Error(`unknown rule ${JSON.stringify(never)}`);
    }
  }
}

function checkIdArray(where: string, field: string, v: unknown, size: number): asserts v is number[] {
  if (!Array.isArray(v)) fail(where, field, v, `an array of integers in [0, ${size})`);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x >= size)
      fail(where, `${field}[${i}]`, x, `an integer in [0, ${size})`);
  }
}

function checkRule(
  where: string,
  f: string,
  c: unknown,
  srcSize: number,
  tgtSize: number,
  samePop: boolean,
): asserts c is ConnectionRule {
  if (!isObj(c))
    fail(where, f, c, `a connection rule {rule: ${CONNECTION_RULES.map((r) => `"${r}"`).join(' | ')}, ...}`);
  const multapses = (): void => checkBool(where, `${f}.allowMultapses`, c.allowMultapses);
  const autapses = (): void => checkBool(where, `${f}.allowAutapses`, c.allowAutapses);
  switch (c.rule) {
    case 'all_to_all':
      checkKeys(where, f, c, ['rule', 'allowAutapses']);
      autapses();
      return;
    case 'one_to_one':
      checkKeys(where, f, c, ['rule']);
      if (srcSize !== tgtSize)
        fail(
          where,
          `${f}.rule`,
          c.rule,
          `a rule other than one_to_one (source size ${srcSize} != target size ${tgtSize})`,
        );
      return;
    case 'fixed_indegree': {
      checkKeys(where, f, c, ['rule', 'indegree', 'allowAutapses', 'allowMultapses']);
      checkInt(where, `${f}.indegree`, c.indegree, 0, MAX_POPULATION);
      autapses();
      multapses();
      const avail = srcSize - (samePop && c.allowAutapses === false ? 1 : 0);
      if (c.allowMultapses === false && (c.indegree as number) > avail)
        fail(where, `${f}.indegree`, c.indegree, `<= ${avail} (distinct sources available without multapses)`);
      if ((c.indegree as number) > 0 && avail < 1)
        fail(where, `${f}.indegree`, c.indegree, '0 (no source is available)');
      return;
    }
    case 'fixed_outdegree': {
      checkKeys(where, f, c, ['rule', 'outdegree', 'allowAutapses', 'allowMultapses']);
      checkInt(where, `${f}.outdegree`, c.outdegree, 0, MAX_POPULATION);
      autapses();
      multapses();
      const avail = tgtSize - (samePop && c.allowAutapses === false ? 1 : 0);
      if (c.allowMultapses === false && (c.outdegree as number) > avail)
        fail(where, `${f}.outdegree`, c.outdegree, `<= ${avail} (distinct targets available without multapses)`);
      if ((c.outdegree as number) > 0 && avail < 1)
        fail(where, `${f}.outdegree`, c.outdegree, '0 (no target is available)');
      return;
    }
    case 'fixed_total_number': {
      checkKeys(where, f, c, ['rule', 'n', 'allowAutapses', 'allowMultapses']);
      checkInt(where, `${f}.n`, c.n, 0, 2 ** 31 - 1);
      autapses();
      multapses();
      const pairs = srcSize * tgtSize - (samePop && c.allowAutapses === false ? srcSize : 0);
      if (c.allowMultapses === false && (c.n as number) > pairs)
        fail(where, `${f}.n`, c.n, `<= ${pairs} (distinct pairs available without multapses)`);
      if ((c.n as number) > 0 && pairs < 1) fail(where, `${f}.n`, c.n, '0 (no pair is available)');
      return;
    }
    case 'pairwise_bernoulli':
      checkKeys(where, f, c, ['rule', 'p', 'allowAutapses']);
      if (typeof c.p !== 'number' || !(c.p >= 0 && c.p <= 1)) fail(where, `${f}.p`, c.p, 'a probability in [0, 1]');
      autapses();
      return;
    case 'explicit':
      checkKeys(where, f, c, ['rule', 'pre', 'post']);
      checkIdArray(where, `${f}.pre`, c.pre, srcSize);
      checkIdArray(where, `${f}.post`, c.post, tgtSize);
      if (c.post.length !== c.pre.length)
        fail(where, `${f}.post.length`, c.post.length, `${c.pre.length} (= pre.length)`);
      return;
    case 'file':
      checkKeys(where, f, c, ['rule', 'path', 'format']);
      if (typeof c.path !== 'string' || c.path.length === 0) fail(where, `${f}.path`, c.path, 'a file path');
      if (c.format !== 'csv' && c.format !== 'csr') fail(where, `${f}.format`, c.format, '"csv" or "csr"');
      return;
    default:
      fail(where, `${f}.rule`, c.rule, CONNECTION_RULES.map((r) => `"${r}"`).join(', '));
  }
}

function checkWindow(where: string, f: string, s: Record<string, unknown>): void {
  if (s.startMs !== undefined) {
    checkFinite(where, `${f}.startMs`, s.startMs);
    if (!((s.startMs as number) >= 0)) fail(where, `${f}.startMs`, s.startMs, 'a time >= 0');
  }
  if (s.stopMs !== undefined) {
    if (typeof s.stopMs !== 'number' || Number.isNaN(s.stopMs)) fail(where, `${f}.stopMs`, s.stopMs, 'a time in ms');
    if (!((s.stopMs as number) >= ((s.startMs as number | undefined) ?? 0)))
      fail(where, `${f}.stopMs`, s.stopMs, `a time >= startMs (${String(s.startMs ?? 0)})`);
  }
}

function checkDelay(
  where: string,
  f: string,
  v: unknown,
  dt: number,
  count: number | null,
  countWhat: string,
  minSteps = 1,
): void {
  validateValueSpec(where, f, v, count, countWhat);
  if (minSteps === 0) {
    if (typeof v === 'number' && !(v >= 0)) fail(where, f, v, 'a delay >= 0');
    if (Array.isArray(v)) v.forEach((x, i) => (x as number) >= 0 || fail(where, `${f}[${i}]`, x, 'a delay >= 0'));
    if (typeof v === 'object' && !Array.isArray(v) && !(valueLowerBound(v as ValueSpec) >= 0))
      fail(where, f, v, 'a delay distribution bounded below by 0');
    return;
  }
  const lo = valueLowerBound(v);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++)
      if (!(Math.round((v[i] as number) / dt) >= 1))
        fail(where, `${f}[${i}]`, v[i], `a delay >= dt (${dt} ms; rounded to the dt grid it must be >= 1 step)`);
  } else if (typeof v === 'number') {
    if (!(Math.round(v / dt) >= 1))
      fail(where, f, v, `a delay >= dt (${dt} ms; rounded to the dt grid it must be >= 1 step)`);
  } else if (!(lo >= dt / 2))
    fail(
      where,
      f,
      v,
      `a delay distribution bounded below by min >= dt / 2 (${dt / 2} ms) so that every delay rounds to >= 1 step`,
    );
}

/** Options of {@link validateNetwork}. */
export interface ValidateNetworkOptions {
  /**
   * Accept projection delays of 0 steps (same-step propagation). Only for feed-forward networks compiled from a
   * trained `NetworkSpec`, whose layers are updated in order inside a step; user descriptions need >= 1 step.
   */
  allowZeroDelay?: boolean;
}

/**
 * Checks every field of a description and throws a `RouserError` naming the first bad one:
 * `<where>: field projections[2].connection.p is 1.5; expected a probability in [0, 1]`. Model names and parameter
 * names are checked against the neuron-model registry at compile time (src/event), not here.
 * @param where the file or object name used in messages
 */
export function validateNetwork(
  desc: unknown,
  where = 'NetworkDescription',
  opts: ValidateNetworkOptions = {},
): NetworkDescription {
  if (!isObj(desc)) fail(where, '(root)', desc, 'a network description object');
  checkKeys(where, '(root)', desc, [
    'format',
    'version',
    'dtMs',
    'seed',
    'populations',
    'projections',
    'stimuli',
    'recorders',
    'meta',
  ]);
  if (desc.format !== NETWORK_FORMAT) fail(where, 'format', desc.format, `"${NETWORK_FORMAT}"`);
  if (desc.version !== NETWORK_VERSION) fail(where, 'version', desc.version, `${NETWORK_VERSION}`);
  checkFinite(where, 'dtMs', desc.dtMs);
  if (!((desc.dtMs as number) > 0)) fail(where, 'dtMs', desc.dtMs, 'a finite number > 0');
  const dt = desc.dtMs as number;
  checkInt(where, 'seed', desc.seed, 0, 2 ** 32 - 1);
  for (const k of ['populations', 'projections', 'stimuli', 'recorders'] as const)
    if (!Array.isArray(desc[k])) fail(where, k, desc[k], 'an array');
  const pops = desc.populations as unknown[];
  if (pops.length === 0) fail(where, 'populations', pops, 'a non-empty array of populations');
  const popSize = new Map<string, number>();
  const sourceSize = new Map<string, number>();
  const names = new Set<string>();
  const claim = (f: string, name: string): void => {
    if (names.has(name)) fail(where, f, name, 'a name not used by another population, projection or stimulus');
    names.add(name);
  };
  pops.forEach((p, i) => {
    const f = `populations[${i}]`;
    if (!isObj(p)) fail(where, f, p, 'a population {name, size, model, params?, initial?}');
    checkKeys(where, f, p, ['name', 'size', 'model', 'reset', 'params', 'initial']);
    if (p.reset !== undefined && p.reset !== 'zero' && p.reset !== 'subtract')
      fail(where, `${f}.reset`, p.reset, '"zero" or "subtract"');
    checkName(where, `${f}.name`, p.name);
    claim(`${f}.name`, p.name);
    checkInt(where, `${f}.size`, p.size, 1, MAX_POPULATION);
    checkName(where, `${f}.model`, p.model);
    for (const part of ['params', 'initial'] as const) {
      const o = p[part];
      if (o === undefined) continue;
      if (!isObj(o)) fail(where, `${f}.${part}`, o, 'an object of name: value');
      for (const [k, v] of Object.entries(o))
        validateValueSpec(where, `${f}.${part}.${k}`, v, p.size as number, `the size of population ${p.name}`);
    }
    popSize.set(p.name, p.size as number);
    sourceSize.set(p.name, p.size as number);
  });
  const stimuli = desc.stimuli as unknown[];
  // spike sources first: projections may name them
  stimuli.forEach((s, i) => {
    const f = `stimuli[${i}]`;
    if (!isObj(s)) fail(where, f, s, 'a stimulus {kind: "poisson" | "spike_source" | "dc", ...}');
    if (s.name !== undefined) {
      checkName(where, `${f}.name`, s.name);
      claim(`${f}.name`, s.name);
    }
    if (s.kind === 'spike_source') {
      if (s.name === undefined) fail(where, `${f}.name`, s.name, 'a name (projections connect the source by name)');
      checkInt(where, `${f}.size`, s.size, 1, MAX_POPULATION);
      sourceSize.set(s.name as string, s.size as number);
    }
  });
  const targetOf = (f: string, v: unknown): number => {
    if (typeof v !== 'string' || !popSize.has(v))
      fail(where, f, v, `the name of a population (${[...popSize.keys()].join(', ')})`);
    return popSize.get(v) as number;
  };
  const receptor = (f: string, v: unknown): void => {
    if (v !== undefined) checkInt(where, f, v, 0, 255);
  };
  (desc.projections as unknown[]).forEach((pr, i) => {
    const f = `projections[${i}]`;
    if (!isObj(pr)) fail(where, f, pr, 'a projection {source, target, connection, weight, delayMs, receptor?}');
    checkKeys(where, f, pr, ['name', 'source', 'target', 'connection', 'weight', 'delayMs', 'receptor']);
    if (pr.name !== undefined) {
      checkName(where, `${f}.name`, pr.name);
      claim(`${f}.name`, pr.name);
    }
    if (typeof pr.source !== 'string' || !sourceSize.has(pr.source))
      fail(
        where,
        `${f}.source`,
        pr.source,
        `the name of a population or spike source (${[...sourceSize.keys()].join(', ')})`,
      );
    const ns = sourceSize.get(pr.source) as number;
    const nt = targetOf(`${f}.target`, pr.target);
    checkRule(where, `${f}.connection`, pr.connection, ns, nt, pr.source === pr.target);
    const count = ruleSynapseCount(pr.connection, ns, nt);
    const what = `the number of synapses of rule ${pr.connection.rule}`;
    validateValueSpec(where, `${f}.weight`, pr.weight, count, what);
    checkDelay(where, `${f}.delayMs`, pr.delayMs, dt, count, what, opts.allowZeroDelay ? 0 : 1);
    receptor(`${f}.receptor`, pr.receptor);
  });
  stimuli.forEach((s0, i) => {
    const f = `stimuli[${i}]`;
    const s = s0 as Record<string, unknown>;
    switch (s.kind) {
      case 'poisson': {
        checkKeys(where, f, s, [
          'kind',
          'name',
          'target',
          'rateHz',
          'weight',
          'delayMs',
          'receptor',
          'neurons',
          'startMs',
          'stopMs',
          'draw',
        ]);
        const nt = targetOf(`${f}.target`, s.target);
        if (s.draw !== undefined && s.draw !== 'neuron' && s.draw !== 'blocks')
          fail(where, `${f}.draw`, s.draw, '"neuron" or "blocks"');
        if (s.draw === 'blocks' && s.neurons !== undefined)
          fail(where, `${f}.draw`, s.draw, '"neuron" (listed neurons are drawn per neuron)');
        checkFinite(where, `${f}.rateHz`, s.rateHz);
        if (!((s.rateHz as number) >= 0)) fail(where, `${f}.rateHz`, s.rateHz, 'a rate >= 0 Hz');
        checkFinite(where, `${f}.weight`, s.weight);
        if (s.delayMs !== undefined) checkDelay(where, `${f}.delayMs`, s.delayMs, dt, null, '');
        if (s.delayMs !== undefined && typeof s.delayMs !== 'number')
          fail(where, `${f}.delayMs`, s.delayMs, 'one delay in ms');
        receptor(`${f}.receptor`, s.receptor);
        if (s.neurons !== undefined) checkIdArray(where, `${f}.neurons`, s.neurons, nt);
        checkWindow(where, f, s);
        return;
      }
      case 'spike_source': {
        checkKeys(where, f, s, ['kind', 'name', 'size', 'spikes']);
        const sp = s.spikes;
        const size = s.size as number;
        if (!isObj(sp))
          fail(where, `${f}.spikes`, sp, 'inline spikes {ids, times, timeUnit} or a file {file, sample?}');
        if ('file' in sp) {
          checkKeys(where, `${f}.spikes`, sp, ['file', 'sample']);
          if (typeof sp.file !== 'string' || sp.file.length === 0)
            fail(where, `${f}.spikes.file`, sp.file, 'a file path');
          if (sp.sample !== undefined) checkInt(where, `${f}.spikes.sample`, sp.sample, 0, 2 ** 31 - 1);
        } else {
          checkKeys(where, `${f}.spikes`, sp, ['ids', 'times', 'timeUnit']);
          checkIdArray(where, `${f}.spikes.ids`, sp.ids, size);
          if (!Array.isArray(sp.times)) fail(where, `${f}.spikes.times`, sp.times, 'an array of times');
          if (sp.times.length !== sp.ids.length)
            fail(where, `${f}.spikes.times.length`, sp.times.length, `${sp.ids.length} (= ids.length)`);
          if (sp.timeUnit !== 'ms' && sp.timeUnit !== 'step')
            fail(where, `${f}.spikes.timeUnit`, sp.timeUnit, '"ms" or "step"');
          let prev = 0;
          for (let k = 0; k < sp.times.length; k++) {
            const t = sp.times[k];
            if (typeof t !== 'number' || !Number.isFinite(t) || t < prev)
              fail(where, `${f}.spikes.times[${k}]`, t, `a finite time >= ${prev} (sorted, non-negative)`);
            prev = t;
          }
        }
        return;
      }
      case 'dc': {
        checkKeys(where, f, s, ['kind', 'name', 'target', 'amplitude', 'startMs', 'stopMs']);
        const nt = targetOf(`${f}.target`, s.target);
        validateValueSpec(where, `${f}.amplitude`, s.amplitude, nt, `the size of population ${String(s.target)}`);
        checkWindow(where, f, s);
        return;
      }
      default:
        fail(where, `${f}.kind`, s.kind, '"poisson", "spike_source" or "dc"');
    }
  });
  (desc.recorders as unknown[]).forEach((r, i) => {
    const f = `recorders[${i}]`;
    if (!isObj(r)) fail(where, f, r, 'a recorder {kind: "spikes" | "rate" | "state", ...}');
    const popList = (): void => {
      if (!Array.isArray(r.populations) || r.populations.length === 0)
        fail(where, `${f}.populations`, r.populations, 'a non-empty array of population names');
      r.populations.forEach((p, k) => targetOf(`${f}.populations[${k}]`, p));
    };
    switch (r.kind) {
      case 'spikes':
        checkKeys(where, f, r, ['kind', 'populations']);
        popList();
        return;
      case 'rate':
        checkKeys(where, f, r, ['kind', 'populations', 'binMs']);
        popList();
        checkFinite(where, `${f}.binMs`, r.binMs);
        if (!(Math.round((r.binMs as number) / dt) >= 1)) fail(where, `${f}.binMs`, r.binMs, `a bin >= dt (${dt} ms)`);
        return;
      case 'state': {
        checkKeys(where, f, r, ['kind', 'population', 'neurons', 'variables', 'intervalMs']);
        const n = targetOf(`${f}.population`, r.population);
        checkIdArray(where, `${f}.neurons`, r.neurons, n);
        if (!Array.isArray(r.variables) || r.variables.length === 0)
          fail(where, `${f}.variables`, r.variables, 'a non-empty array of state variable names');
        r.variables.forEach((v, k) => checkName(where, `${f}.variables[${k}]`, v));
        if (r.intervalMs !== undefined) {
          checkFinite(where, `${f}.intervalMs`, r.intervalMs);
          if (!(Math.round((r.intervalMs as number) / dt) >= 1))
            fail(where, `${f}.intervalMs`, r.intervalMs, `an interval >= dt (${dt} ms)`);
        }
        return;
      }
      default:
        fail(where, `${f}.kind`, r.kind, '"spikes", "rate" or "state"');
    }
  });
  checkMeta(where, desc.meta);
  return desc as unknown as NetworkDescription;
}

// ---------------------------------------------------------------------------------------------------------------
// JSON form

/** Serialises a description (validated first) to JSON text; {@link networkFromJson} reads it back equal. */
export function networkToJson(desc: NetworkDescription): string {
  validateNetwork(desc);
  return JSON.stringify(desc, null, 1) + '\n';
}

/**
 * Parses and validates a description from JSON text.
 * @param where the file name used in messages
 */
export function networkFromJson(text: string, where = 'network JSON'): NetworkDescription {
  return validateNetwork(parseJson(text, where), where);
}

// ---------------------------------------------------------------------------------------------------------------
// builder

/** Options of {@link NetworkBuilder}. */
export interface NetworkBuilderOptions {
  dtMs: number;
  seed: number;
  meta?: SpecMeta;
}

/** Options of {@link NetworkBuilder.population}. */
export interface PopulationOptions {
  reset?: 'zero' | 'subtract';
  params?: Record<string, ValueSpec | ArrayLike<number>>;
  initial?: Record<string, ValueSpec | ArrayLike<number>>;
}

/** Options of {@link NetworkBuilder.connect}. */
export interface ConnectOptions {
  weight: ValueSpec | ArrayLike<number>;
  delayMs: ValueSpec | ArrayLike<number>;
  receptor?: number;
  name?: string;
}

function toValue(v: ValueSpec | ArrayLike<number>): ValueSpec {
  if (typeof v === 'number' || Array.isArray(v)) return typeof v === 'number' ? v : v.slice();
  if (ArrayBuffer.isView(v)) return Array.from(v as ArrayLike<number>);
  return { ...(v as Distribution) };
}

function toValues(o: Record<string, ValueSpec | ArrayLike<number>> | undefined): Record<string, ValueSpec> | undefined {
  if (!o) return undefined;
  const out: Record<string, ValueSpec> = {};
  for (const [k, v] of Object.entries(o)) out[k] = toValue(v);
  return out;
}

/**
 * Typed builder of a {@link NetworkDescription}: add populations, projections, stimuli and recorders by name, then
 * `build()` validates and returns the description (typed arrays become plain arrays).
 *
 * ```ts
 * const b = new NetworkBuilder({ dtMs: 0.1, seed: 1 });
 * b.population('E', 800, 'iaf_psc_exp', { initial: { V_m: { kind: 'normal', mean: -58, sd: 10 } } });
 * b.connect('E', 'E', { rule: 'fixed_indegree', indegree: 80 }, { weight: 87.8, delayMs: 1.5 });
 * b.poisson('E', { rateHz: 8000, weight: 87.8, delayMs: 1.5 });
 * b.recordSpikes(['E']);
 * const desc = b.build();
 * ```
 */
export class NetworkBuilder {
  private readonly desc: NetworkDescription;

  constructor(opts: NetworkBuilderOptions) {
    this.desc = {
      format: NETWORK_FORMAT,
      version: NETWORK_VERSION,
      dtMs: opts.dtMs,
      seed: opts.seed,
      populations: [],
      projections: [],
      stimuli: [],
      recorders: [],
      meta: { ...(opts.meta ?? {}) },
    };
  }

  /** Adds a population; returns its name. */
  population(name: string, size: number, model: string, opts: PopulationOptions = {}): string {
    const p: PopulationSpec = { name, size, model };
    const params = toValues(opts.params);
    const initial = toValues(opts.initial);
    if (params) p.params = params;
    if (initial) p.initial = initial;
    if (opts.reset) p.reset = opts.reset;
    this.desc.populations.push(p);
    return name;
  }

  /** Adds a projection `source -> target` with a connection rule, weights, delays and an optional receptor port. */
  connect(source: string, target: string, connection: ConnectionRule, opts: ConnectOptions): this {
    const pr: ProjectionSpec = {
      source,
      target,
      connection: structuredClone(connection),
      weight: toValue(opts.weight),
      delayMs: toValue(opts.delayMs),
    };
    if (opts.receptor !== undefined) pr.receptor = opts.receptor;
    if (opts.name !== undefined) pr.name = opts.name;
    this.desc.projections.push(pr);
    return this;
  }

  /** Independent Poisson trains of `rateHz` into every neuron of `target` (or the listed `neurons`). */
  poisson(
    target: string,
    opts: {
      rateHz: number;
      weight: number;
      delayMs?: number;
      receptor?: number;
      neurons?: ArrayLike<number>;
      startMs?: number;
      stopMs?: number;
      name?: string;
      draw?: PoissonDraw;
    },
  ): this {
    const s: StimulusSpec = { kind: 'poisson', target, rateHz: opts.rateHz, weight: opts.weight };
    if (opts.name !== undefined) s.name = opts.name;
    if (opts.delayMs !== undefined) s.delayMs = opts.delayMs;
    if (opts.receptor !== undefined) s.receptor = opts.receptor;
    if (opts.neurons !== undefined) s.neurons = Array.from(opts.neurons);
    if (opts.startMs !== undefined) s.startMs = opts.startMs;
    if (opts.stopMs !== undefined) s.stopMs = opts.stopMs;
    if (opts.draw !== undefined) s.draw = opts.draw;
    this.desc.stimuli.push(s);
    return this;
  }

  /**
   * A spike source of `size` channels replaying `spikes` (a SpikeRecord-like object with times in ms or steps, or a
   * file reference); connect it with {@link NetworkBuilder.connect} using its name as the source.
   */
  spikeSource(
    name: string,
    size: number,
    spikes: { ids: ArrayLike<number>; times: ArrayLike<number>; timeUnit: 'ms' | 'step' } | SpikeFile,
  ): string {
    const sp: InlineSpikes | SpikeFile =
      'file' in spikes
        ? { ...spikes }
        : { ids: Array.from(spikes.ids), times: Array.from(spikes.times), timeUnit: spikes.timeUnit };
    this.desc.stimuli.push({ kind: 'spike_source', name, size, spikes: sp });
    return name;
  }

  /** A constant current into `target` (per-neuron allowed), active in [startMs, stopMs). */
  dc(
    target: string,
    amplitude: ValueSpec | ArrayLike<number>,
    window: { startMs?: number; stopMs?: number; name?: string } = {},
  ): this {
    const s: StimulusSpec = { kind: 'dc', target, amplitude: toValue(amplitude) };
    if (window.name !== undefined) s.name = window.name;
    if (window.startMs !== undefined) s.startMs = window.startMs;
    if (window.stopMs !== undefined) s.stopMs = window.stopMs;
    this.desc.stimuli.push(s);
    return this;
  }

  /** Records every spike of the listed populations. */
  recordSpikes(populations: string[]): this {
    this.desc.recorders.push({ kind: 'spikes', populations: [...populations] });
    return this;
  }

  /** Records each listed population's mean rate (Hz) per bin of `binMs`. */
  recordRate(populations: string[], binMs: number): this {
    this.desc.recorders.push({ kind: 'rate', populations: [...populations], binMs });
    return this;
  }

  /** Records state variables of a few neurons of one population every `intervalMs` (default dt). */
  recordState(population: string, neurons: ArrayLike<number>, variables: string[], intervalMs?: number): this {
    const r: RecorderSpec = { kind: 'state', population, neurons: Array.from(neurons), variables: [...variables] };
    if (intervalMs !== undefined) r.intervalMs = intervalMs;
    this.desc.recorders.push(r);
    return this;
  }

  /** Validates and returns the description (a deep copy: the builder can keep going). */
  build(where = 'NetworkBuilder'): NetworkDescription {
    return validateNetwork(structuredClone(this.desc), where);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// sampling

/**
 * One draw of a distribution from `rng` (normal: Rng.normal; uniform: min + (max - min) u; lognormal:
 * exp(mu + sigma z)), with the bounds applied by clipping or redrawing.
 */
export function sampleDistribution(d: Distribution, rng: { normal(): number; uniform(): number }): number {
  switch (d.kind) {
    case 'uniform':
      return d.min + (d.max - d.min) * rng.uniform();
    case 'normal':
    case 'lognormal': {
      const lo = d.min ?? -Infinity;
      const hi = d.max ?? Infinity;
      const draw =
        d.kind === 'normal'
          ? (): number => d.mean + d.sd * rng.normal()
          : (): number => Math.exp(d.mu + d.sigma * rng.normal());
      if ((d.bound ?? 'clip') === 'clip') return Math.min(hi, Math.max(lo, draw()));
      for (;;) {
        const x = draw();
        if (x >= lo && x <= hi) return x;
      }
    }
    default: {
      const never: never = d;
      throw new Error(`unknown distribution ${JSON.stringify(never)}`);
    }
  }
}

/** Fills `out` with a ValueSpec's values (constant, array copy or iid draws from `rng`). */
export function fillValues(
  v: ValueSpec,
  out: Float32Array | Float64Array,
  rng: { normal(): number; uniform(): number },
): void {
  if (typeof v === 'number') out.fill(v);
  else if (Array.isArray(v)) {
    if (v.length !== out.length) throw new RouserError(`fillValues: ${v.length} values for ${out.length} elements`);
    out.set(v);
  } else for (let i = 0; i < out.length; i++) out[i] = sampleDistribution(v, rng);
}
