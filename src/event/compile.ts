import {
  fillValues,
  sampleDistribution,
  validateNetwork,
  type ConnectionRule,
  type EdgeList,
  type NetworkDescription,
  type NetworkFiles,
  type PoissonDraw,
  type ValueSpec,
} from '../model/network.js';
import type { NetworkSpec, ResetMode } from '../model/spec.js';
import type { SpikeRecord } from '../model/spikes.js';
import { getNeuronModel, type NeuronModelDef } from '../neuron/model.js';
import { fail } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import {
  DRIVE_BLOCK,
  MAX_PER_NEURON_LAMBDA,
  POISSON_LUT_SIZE,
  POISSON_THRESHOLDS,
  poissonCdf,
  poissonLookup,
  poissonThresholds,
} from './drive.js';
import { Arena, DELIVERY_LIST_GROUPS } from './engineWasm.js';
import { checkLength, checkMemory, compiledBytes, formatMB, type MemoryCheckOptions } from './memory.js';

/**
 * Compiles a {@link NetworkDescription} to the engine's one runtime representation:
 * - neurons of all populations on one global id axis (population p owns [offset_p, offset_p + size_p)), spike-source
 *   channels after them as extra source ids;
 * - ONE merged CSR over all sources (rows = global source id, entries = global target neuron id + float32 weight),
 *   every row sorted by (delay steps, input port) into "delay groups": group g = synapses [groupPtr[g],
 *   groupPtr[g+1]) sharing `groupDelay[g]` (integer steps >= 1) and `groupPort[g]`, its targets ascending (a stable
 *   sort: a multapse keeps its creation order; threads deliver a group's target sub-range); a spike enters the
 *   engine's spike queue once and each group of its row is delivered at its delay (./scheduler.ts `RowCursorQueue`). Storage: 8 bytes per synapse + 7 bytes per group (the delay and port are per
 *   group), built in two passes over a regenerated connectivity stream (count rows, then fill in place) with a
 *   temporary 2-byte key per synapse, so the build peak is about 10 bytes per synapse.
 * - per population the registered neuron model, its coefficients (`prepare`), state arrays and thresholds;
 * - the stimuli with times in steps.
 *
 * Randomness: connectivity of projection k from Rng(mix(seed, 1, k)), its weights from Rng(mix(seed, 2, k)), delays
 * from Rng(mix(seed, 3, k)); population p's parameters from Rng(mix(seed, 4, p)) and initial state from
 * Rng(mix(seed, 5, p)). Values are drawn in synapse creation order (the order the rule generates pairs, below).
 * Delays are rounded to the grid: steps = round(delayMs / dtMs) (half up), >= 1.
 */

/** One compiled population. */
export interface CompiledPopulation {
  name: string;
  offset: number;
  size: number;
  model: NeuronModelDef;
  coeff: unknown;
  state: Float32Array[];
  thresholds: Float32Array;
  reset: ResetMode;
  /** Engine-level per-neuron bias added to port 0 after the synaptic sum (x = fround(sum + bias)), or null. */
  bias: Float32Array | null;
}

/** A compiled Poisson stimulus: independent trains of `lambda` events per step into `neurons` (or the population). */
export interface CompiledPoisson {
  population: number;
  /** Population-local target ids, or null for the whole population. */
  neurons: Int32Array | null;
  /** Mean events per neuron per step = rateHz dt / 1000. */
  lambda: number;
  weight: number;
  port: number;
  delaySteps: number;
  startStep: number;
  stopStep: number;
  /** Seed of this stimulus's drive streams (mixed with the run seed). */
  key: number;
  /** Whole-population sampling: per neuron per step (`cdf` set) or per block of 1024 neurons (`driveBlocks`). */
  draw: PoissonDraw;
  /** Poisson(lambda) CDF table of the per-neuron draw ({@link poissonCdf}); null for `blocks` and listed neurons. */
  cdf: Float64Array | null;
  /** Space for the per-neuron draw's block streams (4 words per 1024 neurons) in the arena, else null. */
  streams: Uint32Array | null;
  /** The count lookup table of `cdf` ({@link poissonLookup}) in the arena, else null. */
  lut: Uint16Array | null;
  /** The SIMD count's thresholds of `cdf` ({@link poissonThresholds}) in the arena, else null. */
  thr: Int32Array | null;
}

/** The runtime part of a description's WebAssembly arena (./engineWasm.ts): views the engine and kernels share. */
export interface CompiledArena {
  arena: Arena;
  /** Input buffer per port, each over all neurons (numPorts views). */
  bufs: Float32Array[];
  /**
   * Fired neurons, one entry per neuron: a population's step (or a thread's range of it) lists its fired neurons'
   * local ids from the entry of its first neuron's global id on.
   */
  spikeList: Int32Array;
  /** Delivery list: (start, end, buffer byte pointer) per delay group, {@link DELIVERY_LIST_GROUPS} groups. */
  deliveryList: Int32Array;
}

/** A compiled DC stimulus: float32 `amplitude` per neuron added to `port` every step in [startStep, stopStep). */
export interface CompiledDc {
  population: number;
  amplitude: Float32Array;
  port: number;
  startStep: number;
  stopStep: number;
}

/** A compiled spike source: channels are sources [base, base + size); spikes (step, channel) sorted by step. */
export interface CompiledSpikeSource {
  name: string;
  base: number;
  size: number;
  steps: Int32Array;
  ids: Int32Array;
}

/** The runtime of a description (see the module doc). */
export interface CompiledDescription {
  dtMs: number;
  seed: number;
  numNeurons: number;
  numSources: number;
  /** Largest number of ports of any population (input buffers per port cover all neurons). */
  numPorts: number;
  populations: CompiledPopulation[];
  rowGroup: Int32Array;
  groupPtr: Int32Array;
  groupDelay: Uint16Array;
  groupPort: Uint8Array;
  targets: Int32Array;
  weights: Float32Array;
  maxDelaySteps: number;
  poisson: CompiledPoisson[];
  dc: CompiledDc[];
  spikeSources: CompiledSpikeSource[];
  description: NetworkDescription;
  /**
   * The WebAssembly arena that holds `targets`, `weights`, the populations' state and thresholds, the input buffers
   * and the drive streams (all are views on it), or null when WebAssembly is unavailable, disabled, or the network
   * needs more than the cap (then they are plain typed arrays and the engine's JavaScript path runs, same results).
   */
  arena: CompiledArena | null;
}

/** Options of {@link compileDescription}. */
export interface CompileOptions {
  /** Edge lists and spike records the description references (read by src/io `readNetworkFiles`). */
  files?: NetworkFiles;
  memory?: MemoryCheckOptions;
  /** Name used in error messages (the description file). */
  where?: string;
  /** Accept 0-step delays (feed-forward networks from a trained NetworkSpec; see {@link descriptionFromSpec}). */
  allowZeroDelay?: boolean;
  /** Use the WebAssembly arena and kernels when available (default true); false keeps the JavaScript path. */
  wasm?: boolean;
  /** Largest arena in bytes (default and at most 4 GiB, the wasm32 limit); a larger network uses the JavaScript path. */
  wasmMaxBytes?: number;
}

/** 32-bit mix of a seed and two small integers (splitmix-style), for independent per-purpose streams. */
export function mixSeed(seed: number, a: number, b: number): number {
  let z = (seed ^ Math.imul(a + 1, 0x9e3779b9) ^ Math.imul(b + 1, 0x85ebca6b)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x7feb352d) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x846ca68b) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** Bytes per synapse of the compiled CSR (int32 target + float32 weight). */
export const SYNAPSE_BYTES = 8;
/** Extra bytes per synapse while building (the 2-byte sort key). */
export const BUILD_KEY_BYTES = 2;

type Emit = (pre: number, post: number) => void;

/** Uniform integer in [0, n) (n <= 2^32): floor(u n), one 32-bit draw. */
const uint = (rng: Rng, n: number): number => Math.floor(rng.uniform() * n);

/**
 * Generates the (pre, post) pairs of a rule in creation order (population-local ids):
 * all_to_all source-major; one_to_one i -> i; fixed_indegree per target (in order), `indegree` sources; fixed_outdegree
 * per source, `outdegree` targets; fixed_total_number `n` pairs (source, target) each uniform; pairwise_bernoulli
 * source-major with geometric skipping; explicit / file in list order. Without autapses a draw equal to the own id
 * is shifted (drawing from n - 1 values); without multapses each row draws distinct values (Floyd's sampling;
 * fixed_total_number by rejection of repeated pairs).
 */
function generate(
  where: string,
  rule: ConnectionRule,
  ns: number,
  nt: number,
  same: boolean,
  rng: Rng,
  edges: EdgeList | undefined,
  emit: Emit,
): void {
  switch (rule.rule) {
    case 'all_to_all':
      for (let i = 0; i < ns; i++)
        for (let j = 0; j < nt; j++) if (!(same && i === j && rule.allowAutapses === false)) emit(i, j);
      return;
    case 'one_to_one':
      for (let i = 0; i < ns; i++) emit(i, i);
      return;
    case 'fixed_indegree':
    case 'fixed_outdegree': {
      const inDeg = rule.rule === 'fixed_indegree';
      const k = inDeg ? rule.indegree : rule.outdegree;
      const owners = inDeg ? nt : ns;
      const span = inDeg ? ns : nt;
      const noSelf = same && rule.allowAutapses === false;
      const multi = rule.allowMultapses !== false;
      const avail = noSelf ? span - 1 : span;
      const chosen = multi ? null : new Set<number>();
      for (let o = 0; o < owners; o++) {
        const draw = (m: number): number => {
          let x = uint(rng, m);
          if (noSelf && x >= o) x++;
          return x;
        };
        if (multi) {
          for (let c = 0; c < k; c++) {
            const x = draw(avail);
            if (inDeg) emit(x, o);
            else emit(o, x);
          }
        } else {
          // Floyd: k distinct values of [0, avail)
          (chosen as Set<number>).clear();
          for (let r = avail - k; r < avail; r++) {
            const v = uint(rng, r + 1);
            (chosen as Set<number>).add((chosen as Set<number>).has(v) ? r : v);
          }
          for (const v0 of chosen as Set<number>) {
            const x = noSelf && v0 >= o ? v0 + 1 : v0;
            if (inDeg) emit(x, o);
            else emit(o, x);
          }
        }
      }
      return;
    }
    case 'fixed_total_number': {
      const noSelf = same && rule.allowAutapses === false;
      const seen = rule.allowMultapses === false ? new Set<number>() : null;
      let made = 0;
      while (made < rule.n) {
        const i = uint(rng, ns);
        const j = uint(rng, nt);
        if (noSelf && i === j) continue;
        if (seen) {
          const key = i * nt + j;
          if (seen.has(key)) continue;
          seen.add(key);
        }
        emit(i, j);
        made++;
      }
      return;
    }
    case 'pairwise_bernoulli': {
      const p = rule.p;
      if (p === 0) return;
      const logq = Math.log1p(-p);
      for (let i = 0; i < ns; i++) {
        let j = -1;
        for (;;) {
          j += p === 1 ? 1 : 1 + Math.floor(Math.log(1 - rng.uniform()) / logq);
          if (j >= nt) break;
          if (same && i === j && rule.allowAutapses === false) continue;
          emit(i, j);
        }
      }
      return;
    }
    case 'explicit':
      for (let k = 0; k < rule.pre.length; k++) emit(rule.pre[k] as number, rule.post[k] as number);
      return;
    case 'file': {
      if (!edges)
        fail(
          where,
          'connection.path',
          rule.path,
          'a file read before compiling (pass files from readNetworkFiles / loadNetworkWithFiles)',
        );
      for (let k = 0; k < edges.pre.length; k++) emit(edges.pre[k] as number, edges.post[k] as number);
      return;
    }
    default: {
      const never: never = rule;
      fail(where, 'connection.rule', (never as { rule: string }).rule, 'a known rule');
    }
  }
}

/** Upper estimate of a rule's synapse count before drawing (pairwise_bernoulli: mean + 6 sd). */
function estimateCount(rule: ConnectionRule, ns: number, nt: number, edges: EdgeList | undefined): number {
  switch (rule.rule) {
    case 'all_to_all':
      return ns * nt;
    case 'one_to_one':
      return ns;
    case 'fixed_indegree':
      return nt * rule.indegree;
    case 'fixed_outdegree':
      return ns * rule.outdegree;
    case 'fixed_total_number':
      return rule.n;
    case 'pairwise_bernoulli': {
      const m = ns * nt * rule.p;
      return Math.min(ns * nt, Math.ceil(m + 6 * Math.sqrt(m * (1 - rule.p)) + 16));
    }
    case 'explicit':
      return rule.pre.length;
    case 'file':
      return edges ? edges.pre.length : 0;
    default: {
      const never: never = rule;
      return never;
    }
  }
}

/**
 * A per-element value stream: constant, array by index, or draws from its own Rng (specialised per distribution,
 * the same draws as `sampleDistribution`: normal mean + sd z, lognormal exp(mu + sigma z), uniform min + (max - min) u,
 * bounds by clip or redraw).
 */
function valueStream(v: ValueSpec, rng: Rng): (k: number) => number {
  if (typeof v === 'number') return () => v;
  if (Array.isArray(v)) return (k) => v[k] as number;
  switch (v.kind) {
    case 'uniform': {
      const a = v.min;
      const w = v.max - v.min;
      return () => a + w * rng.uniform();
    }
    case 'normal':
    case 'lognormal': {
      const lo = v.min ?? -Infinity;
      const hi = v.max ?? Infinity;
      const redraw = v.bound === 'redraw';
      const m = v.kind === 'normal' ? v.mean : v.mu;
      const sd = v.kind === 'normal' ? v.sd : v.sigma;
      if (v.kind === 'normal') {
        if (!redraw) return () => Math.min(hi, Math.max(lo, m + sd * rng.normal()));
        return () => {
          for (;;) {
            const x = m + sd * rng.normal();
            if (x >= lo && x <= hi) return x;
          }
        };
      }
      if (!redraw) return () => Math.min(hi, Math.max(lo, Math.exp(m + sd * rng.normal())));
      return () => {
        for (;;) {
          const x = Math.exp(m + sd * rng.normal());
          if (x >= lo && x <= hi) return x;
        }
      };
    }
    default: {
      const never: never = v;
      return () => sampleDistribution(never, rng);
    }
  }
}

/** Resolves a population parameter or initial value to a number or a per-neuron Float64Array. */
function resolveValue(v: ValueSpec, size: number, rng: Rng): number | Float64Array {
  if (typeof v === 'number') return v;
  const out = new Float64Array(size);
  fillValues(v, out, rng);
  return out;
}

function stepsOf(ms: number, dt: number): number {
  return Math.floor(ms / dt + 0.5);
}

/**
 * Compiles a description (validated first) to its runtime; throws a RouserError naming the field for unknown models,
 * parameters or state variables, bad receptors, and when the network does not fit in memory (estimated before any
 * large allocation: "needs X MB but only Y MB is available").
 */
export function compileDescription(desc: NetworkDescription, opts: CompileOptions = {}): CompiledDescription {
  const where = opts.where ?? 'NetworkDescription';
  validateNetwork(desc, where, { allowZeroDelay: opts.allowZeroDelay === true });
  const minDelay = opts.allowZeroDelay ? 0 : 1;
  const dt = desc.dtMs;
  const seed = desc.seed;
  const files = opts.files;
  // populations: models, sizes, offsets
  const popIndex = new Map<string, number>();
  let numNeurons = 0;
  let numPorts = 1;
  let stateWords = 0;
  const models = desc.populations.map((p, i) => {
    const m = getNeuronModel(p.model, where, `populations[${i}].model`);
    popIndex.set(p.name, i);
    numNeurons += p.size;
    numPorts = Math.max(numPorts, m.ports.length);
    stateWords = Math.max(stateWords, m.state.length);
    return m;
  });
  checkLength(`${where}: neurons`, numNeurons);
  // spike sources
  const sourceBase = new Map<string, number>();
  let numSources = numNeurons;
  const spikeSources: CompiledSpikeSource[] = [];
  desc.stimuli.forEach((s, i) => {
    if (s.kind !== 'spike_source') return;
    sourceBase.set(s.name, numSources);
    let rec: { ids: ArrayLike<number>; times: ArrayLike<number>; unit: 'ms' | 'step' | 'us' };
    if ('file' in s.spikes) {
      const r: SpikeRecord | undefined = files?.spikes.get(i);
      if (!r)
        fail(
          where,
          `stimuli[${i}].spikes.file`,
          s.spikes.file,
          'a file read before compiling (pass files from readNetworkFiles / loadNetworkWithFiles)',
        );
      rec = { ids: r.ids, times: r.times, unit: r.timeUnit };
    } else rec = { ids: s.spikes.ids, times: s.spikes.times, unit: s.spikes.timeUnit };
    const n = rec.ids.length;
    const steps = new Int32Array(n);
    const ids = new Int32Array(n);
    const scale = rec.unit === 'step' ? 1 : rec.unit === 'ms' ? 1 / dt : 1 / (1000 * dt);
    for (let k = 0; k < n; k++) {
      steps[k] = rec.unit === 'step' ? (rec.times[k] as number) : Math.floor((rec.times[k] as number) * scale + 0.5);
      ids[k] = rec.ids[k] as number;
    }
    spikeSources.push({ name: s.name, base: numSources, size: s.size, steps, ids });
    numSources += s.size;
  });
  checkLength(`${where}: sources`, numSources);
  const srcOf = (name: string): { base: number; size: number; pop: number } => {
    const p = popIndex.get(name);
    if (p !== undefined) {
      const pop = desc.populations[p] as { size: number };
      let off = 0;
      for (let q = 0; q < p; q++) off += (desc.populations[q] as { size: number }).size;
      return { base: off, size: pop.size, pop: p };
    }
    const b = sourceBase.get(name) as number;
    const ss = spikeSources.find((x) => x.name === name) as CompiledSpikeSource;
    return { base: b, size: ss.size, pop: -1 };
  };
  // memory: estimate from the rules before any large allocation
  let estimate = 0;
  desc.projections.forEach((pr, k) => {
    estimate += estimateCount(pr.connection, srcOf(pr.source).size, srcOf(pr.target).size, files?.edges.get(k));
  });
  const stateBytesPerNeuron = stateWords + 2 + numPorts;
  checkMemory(
    `${where}: network (${numNeurons} neurons, about ${estimate} synapses)`,
    compiledBytes(estimate, numSources, numNeurons, stateBytesPerNeuron, 0),
    opts.memory,
  );
  checkLength(`${where}: synapses`, estimate);
  // populations: parameters, state, thresholds
  let offset = 0;
  const populations: CompiledPopulation[] = desc.populations.map((p, i) => {
    const m = models[i] as NeuronModelDef;
    const f = `populations[${i}]`;
    const prng = new Rng(mixSeed(seed, 4, i));
    const params: Record<string, number | Float64Array> = {};
    let threshold: number | Float64Array = 1;
    let biasV: number | Float64Array | null = null;
    // the threshold is a model parameter (thresholdParam, e.g. iaf_psc_exp V_th) or the engine-level `threshold`
    const thName = m.thresholdParam;
    const hasVth = thName !== undefined;
    const hasBias = m.params.some((d) => d.name === 'bias');
    for (const [name, v] of Object.entries(p.params ?? {})) {
      if (name === 'threshold' && !hasVth) threshold = resolveValue(v, p.size, prng);
      else if (name === 'bias' && !hasBias) biasV = resolveValue(v, p.size, prng);
      else params[name] = resolveValue(v, p.size, prng);
    }
    let bias: Float32Array | null = null;
    if (biasV !== null) {
      bias = new Float32Array(p.size);
      if (typeof biasV === 'number') bias.fill(biasV);
      else bias.set(biasV);
    }
    const coeff = m.prepare(params, dt, p.size, `${where} ${f}.params`);
    const thresholds = new Float32Array(p.size);
    const th =
      thName !== undefined
        ? (params[thName] ?? (m.params.find((d) => d.name === thName) as { default: number }).default)
        : threshold;
    if (typeof th === 'number') thresholds.fill(th);
    else thresholds.set(th);
    const state = m.state.map((s) => new Float32Array(p.size).fill(s.rest));
    // a voltage at rest E_L when the model has it (iaf_psc_exp: rest is declared -70; E_L may differ)
    const vIdx = m.state.findIndex((s) => s.name === m.voltage);
    if (params.E_L !== undefined && vIdx >= 0) {
      const el = params.E_L;
      const v = state[vIdx] as Float32Array;
      if (typeof el === 'number') v.fill(el);
      else v.set(el);
    }
    const irng = new Rng(mixSeed(seed, 5, i));
    for (const [name, v] of Object.entries(p.initial ?? {})) {
      const j = m.state.findIndex((s) => s.name === name);
      if (j < 0)
        fail(
          where,
          `${f}.initial.${name}`,
          name,
          `a state variable of ${m.name} (${m.state.map((s) => s.name).join(', ')})`,
        );
      const val = resolveValue(v, p.size, irng);
      const arr = state[j] as Float32Array;
      if (typeof val === 'number') arr.fill(val);
      else arr.set(val);
    }
    const cp: CompiledPopulation = {
      name: p.name,
      offset,
      size: p.size,
      model: m,
      coeff,
      state,
      thresholds,
      reset: p.reset ?? 'zero',
      bias,
    };
    offset += p.size;
    return cp;
  });
  // stimuli
  const poisson: CompiledPoisson[] = [];
  const dc: CompiledDc[] = [];
  desc.stimuli.forEach((s, i) => {
    const f = `stimuli[${i}]`;
    switch (s.kind) {
      case 'poisson': {
        const p = popIndex.get(s.target) as number;
        const m = models[p] as NeuronModelDef;
        if (s.receptor !== undefined && s.receptor >= m.ports.length)
          fail(where, `${f}.receptor`, s.receptor, `a port of ${m.name} in [0, ${m.ports.length})`);
        const delaySteps = s.delayMs === undefined ? 0 : stepsOf(s.delayMs, dt);
        const draw = s.draw ?? 'neuron';
        const lambda = (s.rateHz * dt) / 1000;
        const perNeuron = draw === 'neuron' && !s.neurons;
        if (perNeuron && lambda > MAX_PER_NEURON_LAMBDA)
          fail(
            where,
            `${f}.rateHz`,
            s.rateHz,
            `at most ${MAX_PER_NEURON_LAMBDA} events per neuron and step (${(MAX_PER_NEURON_LAMBDA * 1000) / dt} Hz) with the per-neuron draw; use "draw": "blocks"`,
          );
        poisson.push({
          population: p,
          neurons: s.neurons ? Int32Array.from(s.neurons) : null,
          lambda,
          weight: Math.fround(s.weight),
          port: s.receptor ?? (s.weight < 0 ? Math.max(0, m.ports.indexOf('in')) : 0),
          delaySteps,
          startStep: stepsOf(s.startMs ?? 0, dt) + delaySteps,
          stopStep: s.stopMs === undefined || s.stopMs === Infinity ? Infinity : stepsOf(s.stopMs, dt) + delaySteps,
          key: mixSeed(seed, 6, i),
          draw,
          cdf: perNeuron && lambda > 0 ? poissonCdf(lambda) : null,
          streams: null,
          lut: null,
          thr: null,
        });
        return;
      }
      case 'dc': {
        const p = popIndex.get(s.target) as number;
        const m = models[p] as NeuronModelDef;
        const size = (populations[p] as CompiledPopulation).size;
        const amp = new Float32Array(size);
        fillValues(s.amplitude, amp, new Rng(mixSeed(seed, 7, i)));
        const port = m.ports.indexOf('current');
        dc.push({
          population: p,
          amplitude: amp,
          port: port >= 0 ? port : 0,
          startStep: stepsOf(s.startMs ?? 0, dt),
          stopStep: s.stopMs === undefined ? Infinity : stepsOf(s.stopMs, dt),
        });
        return;
      }
      case 'spike_source':
        return;
      default: {
        const never: never = s;
        fail(where, `${f}.kind`, (never as { kind: string }).kind, 'a known stimulus');
      }
    }
  });
  // pass 1: row counts
  const rowPtr = new Int32Array(numSources + 1);
  const projInfo = desc.projections.map((pr, k) => {
    const s = srcOf(pr.source);
    const t = srcOf(pr.target);
    const model = models[t.pop] as NeuronModelDef;
    if (pr.receptor !== undefined && pr.receptor >= model.ports.length)
      fail(
        where,
        `projections[${k}].receptor`,
        pr.receptor,
        `a port of ${model.name} in [0, ${model.ports.length}) (${model.ports.join(', ')})`,
      );
    return { s, t, inhPort: Math.max(0, model.ports.indexOf('in')), edges: files?.edges.get(k) };
  });
  desc.projections.forEach((pr, k) => {
    const { s, t, edges } = projInfo[k] as (typeof projInfo)[number];
    const base = s.base;
    generate(
      `${where} projections[${k}]`,
      pr.connection,
      s.size,
      t.size,
      pr.source === pr.target,
      new Rng(mixSeed(seed, 1, k)),
      edges,
      (i) => {
        rowPtr[base + i + 1] = (rowPtr[base + i + 1] as number) + 1;
      },
    );
  });
  for (let i = 0; i < numSources; i++) rowPtr[i + 1] = (rowPtr[i + 1] as number) + (rowPtr[i] as number);
  const nnz = rowPtr[numSources] as number;
  checkLength(`${where}: synapses`, nnz);
  checkMemory(`${where}: synapses (${nnz})`, nnz * (SYNAPSE_BYTES + BUILD_KEY_BYTES), opts.memory);
  const arena =
    opts.wasm === false ? null : makeArena(populations, numNeurons, numPorts, poisson, nnz, opts.wasmMaxBytes);
  const targets = arena ? arena.arena.allocI32(nnz) : new Int32Array(nnz);
  const weights = arena ? arena.arena.allocF32(nnz) : new Float32Array(nnz);
  const keys = new Uint16Array(nnz);
  const fillPtr = rowPtr.slice(0, numSources);
  let maxKey = 0;
  // pass 2: fill, in creation order, with weights, delays and ports
  desc.projections.forEach((pr, k) => {
    const { s, t, inhPort, edges } = projInfo[k] as (typeof projInfo)[number];
    const f = `projections[${k}]`;
    const wv = edges?.weight && pr.weight === undefined ? null : pr.weight;
    const wStream = valueStream(wv ?? 0, new Rng(mixSeed(seed, 2, k)));
    const dStream = valueStream(pr.delayMs, new Rng(mixSeed(seed, 3, k)));
    const fileW = pr.connection.rule === 'file' && edges?.weight ? edges.weight : null;
    const fileD = pr.connection.rule === 'file' && edges?.delayMs ? edges.delayMs : null;
    const rec = pr.receptor;
    let c = 0;
    generate(
      `${where} ${f}`,
      pr.connection,
      s.size,
      t.size,
      pr.source === pr.target,
      new Rng(mixSeed(seed, 1, k)),
      edges,
      (i, j) => {
        const w = fileW ? (fileW[c] as number) : wStream(c);
        const dms = fileD ? (fileD[c] as number) : dStream(c);
        c++;
        const d = stepsOf(dms, dt);
        if (!(d >= minDelay)) fail(where, `${f}.delayMs`, dms, `a delay >= dt (${dt} ms) for synapse ${c - 1}`);
        const port = rec ?? (w < 0 ? inhPort : 0);
        const key = d * numPorts + port;
        if (key > 65535)
          fail(where, `${f}.delayMs`, dms, `a delay of at most ${Math.floor(65535 / numPorts) - 1} steps`);
        if (key > maxKey) maxKey = key;
        const pos = fillPtr[s.base + i] as number;
        fillPtr[s.base + i] = pos + 1;
        targets[pos] = t.base + j;
        weights[pos] = w;
        keys[pos] = key;
      },
    );
  });
  // sort every row by (key, target), stably: delay groups, each with its targets ascending (threads split a group
  // by target range; engineWasm.wat deliverPart) and a multapse's synapses in creation order
  let maxRow = 0;
  for (let i = 0; i < numSources; i++) maxRow = Math.max(maxRow, (rowPtr[i + 1] as number) - (rowPtr[i] as number));
  const sorter = new RowSorter(maxRow, maxKey);
  let groups = 0;
  for (let i = 0; i < numSources; i++) {
    const a = rowPtr[i] as number;
    const b = rowPtr[i + 1] as number;
    if (b === a) continue;
    sorter.sort(a, b, keys, targets, weights);
    groups++;
    for (let q = a + 1; q < b; q++) if (keys[q] !== keys[q - 1]) groups++;
  }
  checkMemory(`${where}: delay groups (${groups})`, groups * 7 + 4 * (numSources + 1), opts.memory);
  const groupPtr = new Int32Array(groups + 1);
  const groupDelay = new Uint16Array(groups);
  const groupPort = new Uint8Array(groups);
  const rowGroup = new Int32Array(numSources + 1);
  let g = 0;
  let maxDelaySteps = 0;
  for (let i = 0; i < numSources; i++) {
    rowGroup[i] = g;
    const a = rowPtr[i] as number;
    const b = rowPtr[i + 1] as number;
    for (let q = a; q < b; q++) {
      if (q === a || keys[q] !== keys[q - 1]) {
        const key = keys[q] as number;
        groupPtr[g] = q;
        const d = Math.floor(key / numPorts);
        groupDelay[g] = d;
        groupPort[g] = key - d * numPorts;
        if (d > maxDelaySteps) maxDelaySteps = d;
        g++;
      }
    }
  }
  rowGroup[numSources] = g;
  groupPtr[groups] = nnz;
  // recorders: check state variable names now
  desc.recorders.forEach((r, i) => {
    if (r.kind !== 'state') return;
    const m = models[popIndex.get(r.population) as number] as NeuronModelDef;
    r.variables.forEach((v, k) => {
      if (!m.state.some((s) => s.name === v))
        fail(
          where,
          `recorders[${i}].variables[${k}]`,
          v,
          `a state variable of ${m.name} (${m.state.map((s) => s.name).join(', ')})`,
        );
    });
  });
  return {
    dtMs: dt,
    seed,
    numNeurons,
    numSources,
    numPorts,
    populations,
    rowGroup,
    groupPtr,
    groupDelay,
    groupPort,
    targets,
    weights,
    maxDelaySteps,
    poisson,
    dc,
    spikeSources,
    description: desc,
    arena,
  };
}

/**
 * Sorts a row's synapses by (key, target) in place, stably (equal pairs keep their order, so a multapse's weights
 * reach their target in creation order and every float32 sum keeps its bits): insertion sort for short rows, else
 * LSD radix passes over the target (at most 11 bits per pass) followed by a counting sort over the key. Scratch space
 * is one row's worth, allocated once.
 */
class RowSorter {
  private readonly tT: Int32Array;
  private readonly tW: Float32Array;
  private readonly tK: Uint16Array;
  private readonly cnt: Int32Array;

  constructor(maxRow: number, maxKey: number) {
    this.tT = new Int32Array(maxRow);
    this.tW = new Float32Array(maxRow);
    this.tK = new Uint16Array(maxRow);
    this.cnt = new Int32Array(Math.max(maxKey + 2, 2049));
  }

  sort(a: number, b: number, keys: Uint16Array, targets: Int32Array, weights: Float32Array): void {
    let sorted = true;
    let tMin = targets[a] as number;
    let tMax = tMin;
    let kMin = keys[a] as number;
    let kMax = kMin;
    for (let q = a + 1; q < b; q++) {
      const k0 = keys[q - 1] as number;
      const k1 = keys[q] as number;
      const t1 = targets[q] as number;
      if (k1 < k0 || (k1 === k0 && t1 < (targets[q - 1] as number))) sorted = false;
      if (t1 < tMin) tMin = t1;
      if (t1 > tMax) tMax = t1;
      if (k1 < kMin) kMin = k1;
      if (k1 > kMax) kMax = k1;
    }
    if (sorted) return;
    if (b - a <= 32) {
      for (let q = a + 1; q < b; q++) {
        const k = keys[q] as number;
        const t = targets[q] as number;
        const w = weights[q] as number;
        let r = q - 1;
        while (r >= a && ((keys[r] as number) > k || ((keys[r] as number) === k && (targets[r] as number) > t))) {
          keys[r + 1] = keys[r] as number;
          targets[r + 1] = targets[r] as number;
          weights[r + 1] = weights[r] as number;
          r--;
        }
        keys[r + 1] = k;
        targets[r + 1] = t;
        weights[r + 1] = w;
      }
      return;
    }
    const span = tMax - tMin;
    const bits = span > 0 ? 32 - Math.clz32(span) : 0;
    const passes = Math.ceil(bits / 11);
    const width = passes > 0 ? Math.ceil(bits / passes) : 0;
    for (let p = 0; p < passes; p++) {
      const shift = p * width;
      const mask = (1 << width) - 1;
      this.pass(a, b, keys, targets, weights, mask + 1, (q) => (((targets[q] as number) - tMin) >>> shift) & mask);
    }
    // the target passes move keys but keep their range
    if (kMax > kMin) this.pass(a, b, keys, targets, weights, kMax - kMin + 1, (q) => (keys[q] as number) - kMin);
  }

  /** One stable counting-sort pass of [a, b) by digit(q) in [0, buckets). */
  private pass(
    a: number,
    b: number,
    keys: Uint16Array,
    targets: Int32Array,
    weights: Float32Array,
    buckets: number,
    digit: (q: number) => number,
  ): void {
    const { cnt, tT, tW, tK } = this;
    cnt.fill(0, 0, buckets + 1);
    for (let q = a; q < b; q++) {
      const d = digit(q) + 1;
      cnt[d] = (cnt[d] as number) + 1;
    }
    for (let r = 1; r <= buckets; r++) cnt[r] = (cnt[r] as number) + (cnt[r - 1] as number);
    for (let q = a; q < b; q++) {
      const d = digit(q);
      const pos = cnt[d] as number;
      cnt[d] = pos + 1;
      tT[pos] = targets[q] as number;
      tW[pos] = weights[q] as number;
      tK[pos] = keys[q] as number;
    }
    targets.set(tT.subarray(0, b - a), a);
    weights.set(tW.subarray(0, b - a), a);
    keys.set(tK.subarray(0, b - a), a);
  }
}

/**
 * Plans and makes the WebAssembly arena (./engineWasm.ts) of a network with `nnz` synapses, and moves the populations'
 * state and thresholds and the per-neuron draws' CDF tables into it (same values, now views on the arena); the CSR is
 * allocated from it by the caller, last. Null (nothing moved) when WebAssembly is unavailable or the plan exceeds
 * `maxBytes`.
 */
function makeArena(
  populations: CompiledPopulation[],
  numNeurons: number,
  numPorts: number,
  poisson: CompiledPoisson[],
  nnz: number,
  maxBytes: number | undefined,
): CompiledArena | null {
  const f4 = (n: number): number => Arena.size(n, 4);
  let bytes = numPorts * f4(numNeurons) + f4(3 * DELIVERY_LIST_GROUPS);
  for (const p of populations) bytes += (p.state.length + 1) * f4(p.size);
  bytes += f4(Math.max(1, numNeurons));
  for (const s of poisson)
    if (s.cdf)
      bytes +=
        f4(4 * Math.ceil((populations[s.population] as CompiledPopulation).size / DRIVE_BLOCK)) +
        Arena.size(s.cdf.length, 8) +
        Arena.size(POISSON_LUT_SIZE, 2) +
        f4(4 * POISSON_THRESHOLDS);
  bytes += 2 * f4(nnz);
  const arena = Arena.create(bytes, maxBytes);
  if (!arena) return null;
  const move = (a: Float32Array): Float32Array => {
    const v = arena.allocF32(a.length);
    v.set(a);
    return v;
  };
  for (const p of populations) {
    p.state = p.state.map(move);
    p.thresholds = move(p.thresholds);
  }
  for (const s of poisson)
    if (s.cdf) {
      const c = arena.allocF64(s.cdf.length);
      c.set(s.cdf);
      s.lut = poissonLookup(s.cdf, arena.allocU16(POISSON_LUT_SIZE));
      s.thr = poissonThresholds(s.cdf, arena.allocI32(4 * POISSON_THRESHOLDS));
      s.cdf = c;
      s.streams = arena.allocU32(4 * Math.ceil((populations[s.population] as CompiledPopulation).size / DRIVE_BLOCK));
    }
  const bufs: Float32Array[] = [];
  for (let p = 0; p < numPorts; p++) bufs.push(arena.allocF32(numNeurons));
  return {
    arena,
    bufs,
    spikeList: arena.allocI32(Math.max(1, numNeurons)),
    deliveryList: arena.allocI32(3 * DELIVERY_LIST_GROUPS),
  };
}

/** Bytes held by a compiled description (CSR, groups, neuron state), for reports. */
export function compiledDescriptionBytes(c: CompiledDescription): number {
  let state = 0;
  for (const p of c.populations) state += p.state.length * p.size * 4 + p.size * 4;
  return (
    c.targets.byteLength +
    c.weights.byteLength +
    c.groupPtr.byteLength +
    c.groupDelay.byteLength +
    c.groupPort.byteLength +
    c.rowGroup.byteLength +
    state
  );
}

/** Human summary of {@link compiledDescriptionBytes}. */
export function describeCompiledSize(c: CompiledDescription): string {
  return `${c.numNeurons} neurons, ${c.targets.length} synapses, ${c.groupPtr.length - 1} delay groups, ${formatMB(compiledDescriptionBytes(c))}`;
}

/**
 * A trained feed-forward {@link NetworkSpec} as a description: a spike source `input` (inputSize channels; its values
 * per step are given at run time, `simulateDescription(..., { sourceValues: { input } })`, and multiply the weights as
 * in `referenceForward`), one population `L<l>` per layer (the layer's neuron kind and parameters, `threshold` and
 * `bias` per neuron, `reset`), and one `explicit` projection per layer from the previous layer (or `input`) with the
 * non-zero dense weights in source-major, target-ascending order and the layer's `delaySteps` (0 = same step).
 * Compile it with `{ allowZeroDelay: true }`. The engine then reproduces `referenceForward` spike for spike: each
 * layer's input is the float32 sum in ascending source id, then the bias, then the model's `step`.
 */
export function descriptionFromSpec(spec: NetworkSpec): NetworkDescription {
  const populations = spec.layers.map((l, i) => {
    const { kind, ...rest } = l.neuron as unknown as Record<string, unknown> & { kind: string };
    const params: Record<string, ValueSpec> = {};
    for (const [k, v] of Object.entries(rest))
      params[k] = Array.isArray(v) || ArrayBuffer.isView(v) ? Array.from(v as ArrayLike<number>) : (v as number);
    params.threshold = Array.from(l.thresholds);
    if (l.bias) params.bias = Array.from(l.bias);
    return { name: `L${i}`, size: l.size, model: kind, reset: l.reset, params };
  });
  const projections = spec.layers.map((l, li) => {
    const pre: number[] = [];
    const post: number[] = [];
    const weight: number[] = [];
    for (let i = 0; i < l.inputSize; i++)
      for (let o = 0; o < l.size; o++) {
        const w = l.weights[o * l.inputSize + i] as number;
        if (w === 0) continue;
        pre.push(i);
        post.push(o);
        weight.push(w);
      }
    return {
      source: li === 0 ? 'input' : `L${li - 1}`,
      target: `L${li}`,
      connection: { rule: 'explicit' as const, pre, post },
      weight,
      delayMs: l.delaySteps * spec.dtMs,
    };
  });
  return {
    format: 'rouser-network-description',
    version: 1,
    dtMs: spec.dtMs,
    seed: 0,
    populations,
    projections,
    stimuli: [
      { kind: 'spike_source', name: 'input', size: spec.inputSize, spikes: { ids: [], times: [], timeUnit: 'step' } },
    ],
    recorders: [],
    meta: {},
  };
}
