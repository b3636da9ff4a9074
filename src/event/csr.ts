import type { LayerSpec } from '../model/spec.js';
import { fail, RouserError } from '../util/errors.js';
import type { Rng } from '../util/rng.js';
import { checkLength, checkMemory, type MemoryCheckOptions } from './memory.js';

/**
 * Synapses in compressed sparse row form, rows = presynaptic sources, so a spike of source `i` touches the contiguous
 * slice `[rowPtr[i], rowPtr[i+1])` of `targets`/`weights`/`delays`.
 *
 * Invariants: `rowPtr[0] = 0`, `rowPtr` non-decreasing, `rowPtr[numPre] = targets.length`; targets in [0, numPost);
 * weights finite float32; delays >= 0 in the time unit of the simulation mode (steps in discrete mode, integers;
 * milliseconds in continuous mode). Inside a row, synapses are sorted by delay (stable: equal delays keep insertion
 * order), so each row splits into contiguous "delay groups" that are scheduled as one event each.
 */
export interface CsrSynapses {
  numPre: number;
  numPost: number;
  rowPtr: Int32Array;
  targets: Int32Array;
  weights: Float32Array;
  /** Per-synapse delay, or `null` when every synapse has {@link CsrSynapses.uniformDelay} (saves 4 bytes/synapse). */
  delays: Float32Array | null;
  /** The delay of every synapse when `delays` is null (else the first synapse's delay, informative only). */
  uniformDelay: number;
}

/** Number of synapses of a CSR. */
export function synapseCount(csr: CsrSynapses): number {
  return csr.targets.length;
}

/** Fan-out of every source: rowPtr[i+1] - rowPtr[i]. */
export function csrFanOut(csr: CsrSynapses): Int32Array {
  const out = new Int32Array(csr.numPre);
  for (let i = 0; i < csr.numPre; i++) out[i] = (csr.rowPtr[i + 1] as number) - (csr.rowPtr[i] as number);
  return out;
}

/** Bytes held by a finished CSR with `numPre` rows and `nnz` synapses (with or without per-synapse delays). */
export function csrBytes(numPre: number, nnz: number, perSynapseDelays: boolean): number {
  return 4 * (numPre + 1) + nnz * (perSynapseDelays ? 12 : 8);
}

function checkCount(where: string, field: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) fail(where, field, v, 'a non-negative integer');
  checkLength(`${where}: ${field}`, v);
}

/**
 * Collects synapses in any order, then `finish()` builds the CSR (stable counting sort by source, then by delay inside
 * each row). Capacity is fixed up front, estimated against free memory before anything is allocated.
 *
 * Validation (each a `RouserError` naming the synapse index, field and value): source/target out of range, weight
 * NaN or infinite, delay negative or not finite, more synapses than the capacity.
 */
export class SynapseBuilder {
  private readonly pre: Int32Array;
  private readonly post: Int32Array;
  private readonly w: Float32Array;
  private readonly d: Float32Array;
  private n = 0;
  private uniform = true;
  private firstDelay = 0;

  /**
   * @param numPre sources (rows) @param numPost targets @param capacity maximum number of synapses
   * @param memory optional memory limit for the up-front estimate
   */
  constructor(
    readonly numPre: number,
    readonly numPost: number,
    readonly capacity: number,
    memory: MemoryCheckOptions = {},
  ) {
    checkCount('SynapseBuilder', 'numPre', numPre);
    checkCount('SynapseBuilder', 'numPost', numPost);
    checkCount('SynapseBuilder', 'capacity', capacity);
    checkMemory(
      `SynapseBuilder (${numPre} x ${numPost}, capacity ${capacity})`,
      capacity * 16 + csrBytes(numPre, capacity, true),
      memory,
    );
    this.pre = new Int32Array(capacity);
    this.post = new Int32Array(capacity);
    this.w = new Float32Array(capacity);
    this.d = new Float32Array(capacity);
  }

  /** Synapses added so far. */
  get length(): number {
    return this.n;
  }

  /** Adds one synapse `pre -> post` with float32 weight and delay (>= 0, in the simulation mode's time unit). */
  add(pre: number, post: number, weight: number, delay = 0): void {
    const k = this.n;
    if (k >= this.capacity)
      throw new RouserError(
        `SynapseBuilder: synapse ${k} exceeds the capacity ${this.capacity} given to the constructor`,
      );
    if (!Number.isInteger(pre) || pre < 0 || pre >= this.numPre)
      fail('SynapseBuilder', `synapse[${k}].pre`, pre, `an integer in [0, ${this.numPre})`);
    if (!Number.isInteger(post) || post < 0 || post >= this.numPost)
      fail('SynapseBuilder', `synapse[${k}].post`, post, `an integer in [0, ${this.numPost})`);
    if (!Number.isFinite(weight)) fail('SynapseBuilder', `synapse[${k}].weight`, weight, 'a finite number');
    if (!(delay >= 0) || !Number.isFinite(delay))
      fail('SynapseBuilder', `synapse[${k}].delay`, delay, 'a finite number >= 0');
    this.pre[k] = pre;
    this.post[k] = post;
    this.w[k] = weight;
    this.d[k] = delay;
    if (k === 0) this.firstDelay = this.d[0] as number;
    else if (this.d[k] !== this.firstDelay) this.uniform = false;
    this.n = k + 1;
  }

  /** Builds the CSR (the builder must not be used afterwards). */
  finish(): CsrSynapses {
    const n = this.n;
    const numPre = this.numPre;
    const rowPtr = new Int32Array(numPre + 1);
    for (let k = 0; k < n; k++) {
      const r = (this.pre[k] as number) + 1;
      rowPtr[r] = (rowPtr[r] as number) + 1;
    }
    for (let i = 0; i < numPre; i++) rowPtr[i + 1] = (rowPtr[i + 1] as number) + (rowPtr[i] as number);
    const fill = rowPtr.slice(0, numPre);
    const targets = new Int32Array(n);
    const weights = new Float32Array(n);
    const delays = this.uniform ? null : new Float32Array(n);
    for (let k = 0; k < n; k++) {
      const i = this.pre[k] as number;
      const s = fill[i] as number;
      fill[i] = s + 1;
      targets[s] = this.post[k] as number;
      weights[s] = this.w[k] as number;
      if (delays) delays[s] = this.d[k] as number;
    }
    if (delays)
      for (let i = 0; i < numPre; i++)
        sortRowByDelay(rowPtr[i] as number, rowPtr[i + 1] as number, targets, weights, delays);
    return { numPre, numPost: this.numPost, rowPtr, targets, weights, delays, uniformDelay: this.firstDelay };
  }
}

/** Stable sort of one row slice by delay (insertion sort; rows are short). */
function sortRowByDelay(
  start: number,
  end: number,
  targets: Int32Array,
  weights: Float32Array,
  delays: Float32Array,
): void {
  for (let a = start + 1; a < end; a++) {
    const d = delays[a] as number;
    if ((delays[a - 1] as number) <= d) continue;
    const t = targets[a] as number;
    const w = weights[a] as number;
    let b = a - 1;
    while (b >= start && (delays[b] as number) > d) {
      delays[b + 1] = delays[b] as number;
      targets[b + 1] = targets[b] as number;
      weights[b + 1] = weights[b] as number;
      b--;
    }
    delays[b + 1] = d;
    targets[b + 1] = t;
    weights[b + 1] = w;
  }
}

/** Weight of the synapses of source `pre`: one value for all, or a function of the source (e.g. excitatory/inhibitory). */
export type WeightRule = number | ((pre: number) => number);

/**
 * Delay of each synapse, in the simulation mode's time unit: `fixed` (one value, stored once) or `uniform` in
 * [min, max] (integers when `integer`, e.g. discrete steps; else continuous in [min, max)).
 */
export type DelayRule =
  { kind: 'fixed'; value: number } | { kind: 'uniform'; min: number; max: number; integer: boolean };

/** Options shared by the random generators. */
export interface RandomSynapseOptions {
  numPre: number;
  numPost: number;
  weight: WeightRule;
  delay?: DelayRule;
  /** When sources and targets are the same population, `false` forbids i -> i (default true: no constraint). */
  allowSelf?: boolean;
  rng: Rng;
  memory?: MemoryCheckOptions;
}

function checkDelayRule(where: string, rule: DelayRule): void {
  switch (rule.kind) {
    case 'fixed':
      if (!(rule.value >= 0) || !Number.isFinite(rule.value))
        fail(where, 'delay.value', rule.value, 'a finite number >= 0');
      return;
    case 'uniform':
      if (!(rule.min >= 0) || !Number.isFinite(rule.min)) fail(where, 'delay.min', rule.min, 'a finite number >= 0');
      if (!(rule.max >= rule.min) || !Number.isFinite(rule.max))
        fail(where, 'delay.max', rule.max, `a finite number >= delay.min (${rule.min})`);
      if (rule.integer && Math.ceil(rule.min) > Math.floor(rule.max))
        fail(where, 'delay', rule, 'an interval [min, max] containing an integer');
      return;
    default: {
      const never: never = rule;
      fail(where, 'delay.kind', (never as { kind: string }).kind, '"fixed" or "uniform"');
    }
  }
}

function drawDelay(rule: DelayRule, rng: Rng): number {
  switch (rule.kind) {
    case 'fixed':
      return rule.value;
    case 'uniform':
      return rule.integer
        ? Math.ceil(rule.min) + rng.int(Math.floor(rule.max) - Math.ceil(rule.min) + 1)
        : rule.min + (rule.max - rule.min) * rng.uniform();
    default: {
      const never: never = rule;
      throw new Error(`unknown delay rule ${JSON.stringify(never)}`);
    }
  }
}

function finishRows(
  where: string,
  rowPtr: Int32Array,
  targets: Int32Array,
  weights: Float32Array,
  rule: DelayRule,
  rng: Rng,
  numPre: number,
  numPost: number,
): CsrSynapses {
  if (rule.kind === 'fixed')
    return { numPre, numPost, rowPtr, targets, weights, delays: null, uniformDelay: Math.fround(rule.value) };
  checkLength(`${where}: delays`, targets.length);
  const delays = new Float32Array(targets.length);
  for (let s = 0; s < delays.length; s++) delays[s] = drawDelay(rule, rng);
  for (let i = 0; i < numPre; i++)
    sortRowByDelay(rowPtr[i] as number, rowPtr[i + 1] as number, targets, weights, delays);
  return { numPre, numPost, rowPtr, targets, weights, delays, uniformDelay: delays[0] ?? 0 };
}

/**
 * Fixed fan-out: every source gets exactly `fanOut` targets drawn uniformly (with replacement, i.e. multapses allowed,
 * as in Brunel-type networks; without i -> i when `allowSelf` is false). Memory: 8 bytes/synapse (+4 with random delays).
 * `sortRows` (fixed delays only; one weight per row, so no sum changes) sorts each row's targets ascending: the fast
 * discrete kernel then splits rows by target range for threads and writes memory in address order. `shared` puts
 * the CSR arrays on SharedArrayBuffers so worker threads read them without a copy.
 */
export function fixedFanOut(
  opts: RandomSynapseOptions & { fanOut: number; sortRows?: boolean; shared?: boolean },
): CsrSynapses {
  const where = 'fixedFanOut';
  const { numPre, numPost, fanOut, rng } = opts;
  checkCount(where, 'numPre', numPre);
  checkCount(where, 'numPost', numPost);
  checkCount(where, 'fanOut', fanOut);
  const delay = opts.delay ?? { kind: 'fixed', value: 0 };
  checkDelayRule(where, delay);
  const self = opts.allowSelf ?? true;
  const span = self ? numPost : numPost - 1;
  if (fanOut > 0 && span < 1) fail(where, 'numPost', numPost, 'at least 2 when allowSelf is false');
  const nnz = numPre * fanOut;
  checkLength(`${where} (${numPre} x ${fanOut})`, nnz);
  checkMemory(
    `${where} CSR (${numPre} sources x ${fanOut} synapses = ${nnz})`,
    csrBytes(numPre, nnz, delay.kind !== 'fixed'),
    opts.memory,
  );
  const shared = opts.shared === true;
  const rowPtr = shared ? new Int32Array(new SharedArrayBuffer(4 * (numPre + 1))) : new Int32Array(numPre + 1);
  const targets = shared
    ? new Int32Array(new SharedArrayBuffer(Math.max(4, 4 * nnz))).subarray(0, nnz)
    : new Int32Array(nnz);
  const weights = shared
    ? new Float32Array(new SharedArrayBuffer(Math.max(4, 4 * nnz))).subarray(0, nnz)
    : new Float32Array(nnz);
  const wr = opts.weight;
  const sort = opts.sortRows === true && delay.kind === 'fixed';
  for (let i = 0; i < numPre; i++) {
    const base = i * fanOut;
    rowPtr[i] = base;
    const w = typeof wr === 'number' ? wr : wr(i);
    if (!Number.isFinite(w)) fail(where, `weight(${i})`, w, 'a finite number');
    for (let k = 0; k < fanOut; k++) {
      let j = Math.floor(rng.uniform() * span);
      if (!self && j >= i) j++;
      targets[base + k] = j;
      weights[base + k] = w;
    }
    if (sort && fanOut > 1) targets.subarray(base, base + fanOut).sort();
  }
  rowPtr[numPre] = nnz;
  return finishRows(where, rowPtr, targets, weights, delay, rng, numPre, numPost);
}

/**
 * Bernoulli(p) connectivity: each pair (i, j) independently with probability p (geometric skipping, O(synapses)).
 * The memory estimate uses the expected count + 6 standard deviations.
 */
export function bernoulliSynapses(opts: RandomSynapseOptions & { p: number }): CsrSynapses {
  const where = 'bernoulliSynapses';
  const { numPre, numPost, p, rng } = opts;
  checkCount(where, 'numPre', numPre);
  checkCount(where, 'numPost', numPost);
  if (!(p >= 0 && p <= 1)) fail(where, 'p', p, 'a probability in [0, 1]');
  const delay = opts.delay ?? { kind: 'fixed', value: 0 };
  checkDelayRule(where, delay);
  const self = opts.allowSelf ?? true;
  const mean = numPre * numPost * p;
  const cap = Math.ceil(mean + 6 * Math.sqrt(mean * (1 - p)) + 16);
  checkLength(`${where} (${numPre} x ${numPost}, p = ${p})`, Math.min(cap, numPre * numPost));
  checkMemory(
    `${where} CSR (${numPre} x ${numPost}, p = ${p}, ~${Math.round(mean)} synapses)`,
    csrBytes(numPre, cap, delay.kind !== 'fixed') * 1.5,
    opts.memory,
  );
  const rowPtr = new Int32Array(numPre + 1);
  let targets = new Int32Array(Math.min(cap, numPre * numPost));
  let weights = new Float32Array(targets.length);
  let n = 0;
  const logq = Math.log1p(-p);
  const wr = opts.weight;
  for (let i = 0; i < numPre; i++) {
    rowPtr[i] = n;
    if (p === 0) continue;
    const w = typeof wr === 'number' ? wr : wr(i);
    if (!Number.isFinite(w)) fail(where, `weight(${i})`, w, 'a finite number');
    let j = -1;
    for (;;) {
      j += p === 1 ? 1 : 1 + Math.floor(Math.log(1 - rng.uniform()) / logq);
      if (j >= numPost) break;
      if (!self && j === i) continue;
      if (n === targets.length) {
        const t2 = new Int32Array(n * 2);
        t2.set(targets);
        targets = t2;
        const w2 = new Float32Array(n * 2);
        w2.set(weights);
        weights = w2;
      }
      targets[n] = j;
      weights[n] = w;
      n++;
    }
  }
  rowPtr[numPre] = n;
  return finishRows(where, rowPtr, targets.slice(0, n), weights.slice(0, n), delay, rng, numPre, numPost);
}

/**
 * CSR of a dense layer of a NetworkSpec: source = input i, target = neuron o, weight = weights[o * inputSize + i];
 * zero weights (+0 and -0) are dropped; rows keep targets in ascending order; every delay is `layer.delaySteps`.
 * NaN or infinite weights are refused naming the layer and index.
 */
export function synapsesFromDense(layer: LayerSpec, where = 'layer', memory: MemoryCheckOptions = {}): CsrSynapses {
  const { size, inputSize, weights: W } = layer;
  if (W.length !== size * inputSize)
    fail(where, 'weights.length', W.length, `${size * inputSize} (= size * inputSize)`);
  const rowPtr = new Int32Array(inputSize + 1);
  let nnz = 0;
  for (let k = 0; k < W.length; k++) {
    const w = W[k] as number;
    if (!Number.isFinite(w)) fail(where, `weights[${k}]`, w, 'a finite number');
    if (w !== 0) {
      nnz++;
      const r = (k % inputSize) + 1;
      rowPtr[r] = (rowPtr[r] as number) + 1;
    }
  }
  checkMemory(
    `${where}: CSR (${inputSize} x ${size}, ${nnz} non-zero weights)`,
    csrBytes(inputSize, nnz, false),
    memory,
  );
  for (let i = 0; i < inputSize; i++) rowPtr[i + 1] = (rowPtr[i + 1] as number) + (rowPtr[i] as number);
  const fillPtr = rowPtr.slice(0, inputSize);
  const targets = new Int32Array(nnz);
  const weights = new Float32Array(nnz);
  for (let o = 0; o < size; o++) {
    const base = o * inputSize;
    for (let i = 0; i < inputSize; i++) {
      const w = W[base + i] as number;
      if (w === 0) continue;
      const s = fillPtr[i] as number;
      fillPtr[i] = s + 1;
      targets[s] = o;
      weights[s] = w;
    }
  }
  return { numPre: inputSize, numPost: size, rowPtr, targets, weights, delays: null, uniformDelay: layer.delaySteps };
}

/**
 * Delay groups: maximal runs of equal delay inside each row, each scheduled as ONE queue event (so a spike with one
 * delay for its whole row costs one push/pop). `groupPtr` bounds group g's synapses; `rowGroup[i]..rowGroup[i+1]`
 * are the groups of source i, in increasing delay; `groupDelay[g]` its delay (null when the CSR has a uniform delay:
 * then groups = rows).
 */
export interface DelayGroups {
  groupPtr: Int32Array;
  rowGroup: Int32Array;
  groupDelay: Float64Array | null;
}

/** Splits every row of `csr` into delay groups (see {@link DelayGroups}). */
export function delayGroups(csr: CsrSynapses): DelayGroups {
  const { numPre, rowPtr, delays } = csr;
  if (!delays) {
    const rowGroup = new Int32Array(numPre + 1);
    for (let i = 0; i <= numPre; i++) rowGroup[i] = i;
    return { groupPtr: rowPtr, rowGroup, groupDelay: null };
  }
  let count = 0;
  for (let i = 0; i < numPre; i++) {
    const a = rowPtr[i] as number;
    const b = rowPtr[i + 1] as number;
    for (let s = a; s < b; s++) if (s === a || delays[s] !== delays[s - 1]) count++;
  }
  const groupPtr = new Int32Array(count + 1);
  const groupDelay = new Float64Array(count);
  const rowGroup = new Int32Array(numPre + 1);
  let g = 0;
  for (let i = 0; i < numPre; i++) {
    rowGroup[i] = g;
    const a = rowPtr[i] as number;
    const b = rowPtr[i + 1] as number;
    for (let s = a; s < b; s++) {
      if (s === a || delays[s] !== delays[s - 1]) {
        groupPtr[g] = s;
        groupDelay[g] = delays[s] as number;
        g++;
      }
    }
  }
  rowGroup[numPre] = g;
  groupPtr[count] = rowPtr[numPre] as number;
  return { groupPtr, rowGroup, groupDelay };
}
