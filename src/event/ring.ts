import type { NetworkDescription } from '../model/network.js';
import { SpikeRecordBuilder, type SpikeRecord } from '../model/spikes.js';
import { LIF, type LifCoefficients } from '../neuron/lif.js';
import { fail } from '../util/errors.js';
import type { CompiledDescription } from './compile.js';
import { mixSeed } from './compile.js';
import { delayGroups } from './csr.js';
import type { DescriptionRunResult, SimulateDescriptionOptions } from './engineTypes.js';
import { forgetRowFacts, runRingKernel } from './random.js';
import type { RandomNetwork, RandomRunOptions } from './randomNetwork.js';

/**
 * The description engine's ring fast path: a compiled description with the shape of the random E/I network runs in
 * the uniform-delay ring kernel of kernel.ts (the one the random network's discrete mode uses) instead of the
 * general loop, with optional worker threads over a neuron partition. Same spikes as the general loop of
 * `simulateDescription` (tested): both add, per step and neuron, the block Poisson drive, then the weights of the
 * spikes of step t - D in ascending source order, then run the lif update.
 *
 * Eligible ({@link ringFastPathPlan}): one `lif` population without bias and with one threshold, no spike sources,
 * DC stimuli or `sourceValues`, at most one Poisson stimulus (whole population, port 0, no delay or start/stop
 * window, block draw), every row one delay group with the same delay D in [1, 64] steps on port 0, and only spike
 * recorders.
 */

/** Why a description cannot take the ring fast path, or the facts it runs with. */
export type RingPlan = { ok: false; reason: string } | { ok: true; delaySteps: number };

const rowPtrCache = new WeakMap<CompiledDescription, Int32Array>();

/** Decides whether `net` runs in the ring kernel (see the module doc); `reason` says why not. */
export function ringFastPathPlan(net: CompiledDescription, opts: SimulateDescriptionOptions): RingPlan {
  const no = (reason: string): RingPlan => ({ ok: false, reason });
  if (net.populations.length !== 1) return no('more than one population');
  const pop = net.populations[0]!;
  if (pop.model.name !== 'lif') return no(`model ${pop.model.name} (the ring kernel is lif)`);
  if (pop.bias) return no('a bias');
  const th = pop.thresholds;
  for (let k = 1; k < th.length; k++) if (!Object.is(th[k], th[0])) return no('per-neuron thresholds');
  if (net.numSources !== net.numNeurons || net.spikeSources.length > 0) return no('spike sources');
  if (opts.sourceValues && Object.keys(opts.sourceValues).length > 0) return no('sourceValues');
  if (net.dc.length > 0) return no('DC stimuli');
  if (net.poisson.length > 1) return no('more than one Poisson stimulus');
  const steps = Math.round(opts.durationMs / net.dtMs);
  for (const s of net.poisson) {
    if (s.neurons) return no('a Poisson stimulus on listed neurons');
    if (s.port !== 0 || s.delaySteps !== 0 || s.startStep > 0 || s.stopStep < steps)
      return no('a Poisson stimulus with a port, delay or time window');
    if (s.draw !== 'blocks') return no('per-neuron Poisson draws (the ring kernel has the block draw)');
  }
  if (net.description.recorders.some((r) => r.kind !== 'spikes')) return no('rate or state recorders');
  const { groupDelay, groupPort, rowGroup } = net;
  const G = groupDelay.length;
  const D = G > 0 ? (groupDelay[0] as number) : 1;
  if (!(D >= 1 && D <= 64)) return no(`delay ${D} steps (the ring holds 1-64)`);
  for (let g = 0; g < G; g++) {
    if (groupDelay[g] !== D) return no('more than one delay');
    if (groupPort[g] !== 0) return no('a second port');
  }
  for (let i = 0; i < net.numSources; i++)
    if ((rowGroup[i + 1] as number) - (rowGroup[i] as number) > 1) return no('a row with two delay groups');
  return { ok: true, delaySteps: D };
}

/** Row pointers of a one-group-per-row description (row i = its group's synapses). */
function rowPointers(net: CompiledDescription): Int32Array {
  const hit = rowPtrCache.get(net);
  if (hit) return hit;
  const n = net.numSources;
  const rowPtr = new Int32Array(n + 1);
  for (let i = 0; i <= n; i++) rowPtr[i] = net.groupPtr[net.rowGroup[i] as number] as number;
  rowPtrCache.set(net, rowPtr);
  return rowPtr;
}

/**
 * Sorts every row's synapses by target in place (stable, weights moved along), so the kernel can split rows between
 * threads. Spikes do not change: a row adds into distinct targets in any order, and a stable sort keeps the order
 * of a multapse's weights into one target.
 * @returns whether anything moved
 */
export function sortRowsByTarget(rowPtr: Int32Array, targets: Int32Array, weights: Float32Array): boolean {
  let moved = false;
  let idx = new Int32Array(0);
  let tmpT = new Int32Array(0);
  let tmpW = new Float32Array(0);
  for (let i = 0; i + 1 < rowPtr.length; i++) {
    const a = rowPtr[i] as number;
    const e = rowPtr[i + 1] as number;
    let sorted = true;
    for (let k = a + 1; k < e; k++)
      if ((targets[k] as number) < (targets[k - 1] as number)) {
        sorted = false;
        break;
      }
    if (sorted) continue;
    moved = true;
    const len = e - a;
    if (idx.length < len) {
      idx = new Int32Array(len);
      tmpT = new Int32Array(len);
      tmpW = new Float32Array(len);
    }
    for (let k = 0; k < len; k++) idx[k] = k;
    const view = idx.subarray(0, len);
    view.sort((x, y) => (targets[a + x] as number) - (targets[a + y] as number) || x - y);
    for (let k = 0; k < len; k++) {
      tmpT[k] = targets[a + (view[k] as number)] as number;
      tmpW[k] = weights[a + (view[k] as number)] as number;
    }
    targets.set(tmpT.subarray(0, len), a);
    weights.set(tmpW.subarray(0, len), a);
  }
  return moved;
}

/**
 * Runs `net` in the ring kernel when {@link ringFastPathPlan} allows it, else returns null (the caller runs the
 * general loop). With `threads` > 1 the rows are first sorted by target in place ({@link sortRowsByTarget}).
 */
export function runRingFastPath(
  net: CompiledDescription,
  opts: SimulateDescriptionOptions,
): DescriptionRunResult | null {
  const plan = ringFastPathPlan(net, opts);
  if (!plan.ok) return null;
  const where = 'simulateDescription';
  const dt = net.dtMs;
  const steps = Math.round(opts.durationMs / dt);
  const pop = net.populations[0]!;
  const names = new Set<string>(opts.recordSpikes ?? []);
  for (const r of net.description.recorders) if (r.kind === 'spikes') for (const p of r.populations) names.add(p);
  for (const p of names) if (p !== pop.name) fail(where, 'recordSpikes', p, `a population name (${pop.name})`);
  const threads = opts.threads ?? 1;
  const rowPtr = rowPointers(net);
  if (threads > 1 && sortRowsByTarget(rowPtr, net.targets, net.weights)) forgetRowFacts(net.targets);
  const s = net.poisson[0];
  const runSeed = opts.seed ?? net.seed;
  const builder = names.size > 0 ? new SpikeRecordBuilder(pop.size, 'ms', 1024) : undefined;
  const r = runRingKernel({
    where,
    csr: { numPre: net.numSources, rowPtr, targets: net.targets, weights: net.weights },
    delaySteps: plan.delaySteps,
    bins: steps,
    dtMs: dt,
    aV: (pop.coeff as LifCoefficients).aV,
    theta: pop.thresholds.length > 0 ? (pop.thresholds[0] as number) : 1,
    subtract: pop.reset === 'subtract',
    jext: s ? s.weight : 0,
    lambdaPerNeuron: s && s.lambda > 0 ? s.lambda : 0,
    seed: s ? mixSeed(runSeed, s.key, 0) : 0,
    threads,
    voltage: pop.state[0],
    record: builder ? (i, t) => builder.push(i, t * dt) : undefined,
    onProgress: opts.onProgress,
    memory: opts.memory,
  });
  const durationMs = steps * dt;
  const spikeRecords: Record<string, SpikeRecord> = {};
  if (builder) spikeRecords[pop.name] = builder.finish();
  return {
    steps,
    durationMs,
    dtMs: dt,
    spikeCounts: { [pop.name]: r.counts },
    meanRateHz: { [pop.name]: durationMs > 0 && pop.size > 0 ? r.spikes / pop.size / (durationMs / 1000) : 0 },
    spikes: r.spikes,
    synOps: r.synOps,
    externalEvents: r.externalEvents,
    simMs: r.simMs,
    spikeRecords,
    rates: [],
    traces: [],
    path: 'ring',
    threads: r.parts,
  };
}

/** Run settings of {@link compileRandomNetwork}: those of `simulateRandomNetwork`'s discrete mode (same defaults). */
export type RandomNetworkRun = Pick<
  RandomRunOptions,
  'dtMs' | 'tauMs' | 'thresholdMv' | 'reset' | 'externalRateHz' | 'externalWeightMv' | 'seed'
>;

/**
 * The random E/I network (`buildRandomNetwork`) as a compiled description, so it runs through
 * `simulateDescription` like every other network: one `lif` population `N` (beta = exp(-dt/tau), the threshold,
 * the reset), its synapses as the rows (shared with `net`, not copied; delays rounded to steps, >= 1), and the
 * external drive as one Poisson stimulus with the block draw. With one delay it takes the ring fast path. The
 * description field lists the population and the stimulus; the synapses come from `net` (its `projections` list is
 * empty and `meta.synapses` says so).
 */
export function compileRandomNetwork(net: RandomNetwork, run: RandomNetworkRun): CompiledDescription {
  const where = 'compileRandomNetwork';
  const dt = run.dtMs ?? 1;
  if (!(dt > 0) || !Number.isFinite(dt)) fail(where, 'dtMs', dt, 'a finite number > 0');
  const tau = run.tauMs ?? 20;
  if (!(tau > 0)) fail(where, 'tauMs', tau, 'a number > 0');
  const theta = run.thresholdMv ?? 20;
  if (!Number.isFinite(theta)) fail(where, 'thresholdMv', theta, 'a finite number');
  if (!(run.externalRateHz >= 0) || !Number.isFinite(run.externalRateHz))
    fail(where, 'externalRateHz', run.externalRateHz, 'a finite number >= 0');
  const jext = run.externalWeightMv ?? 2;
  const reset = run.reset ?? 'zero';
  const n = net.neurons;
  const csr = net.synapses;
  const groups = delayGroups(csr);
  const G = groups.groupPtr.length - 1;
  const groupDelay = new Uint16Array(G);
  let maxDelay = 1;
  for (let g = 0; g < G; g++) {
    const ms = groups.groupDelay ? (groups.groupDelay[g] as number) : csr.uniformDelay;
    const d = Math.round(ms / dt);
    if (!(d >= 1 && d <= 65535))
      fail(where, 'delayMs', ms, `a delay of 1 to 65535 steps of dtMs ${dt} (recurrent synapses need >= 1 step)`);
    groupDelay[g] = d;
    if (d > maxDelay) maxDelay = d;
  }
  const beta = Math.exp(-dt / tau);
  const coeff = LIF.prepare({ beta }, dt, n, where);
  const desc: NetworkDescription = {
    format: 'rouser-network-description',
    version: 1,
    dtMs: dt,
    seed: run.seed,
    populations: [{ name: 'N', size: n, model: 'lif', reset, params: { beta, threshold: theta } }],
    projections: [],
    stimuli: [{ kind: 'poisson', target: 'N', rateHz: run.externalRateHz, weight: jext, draw: 'blocks' }],
    recorders: [],
    meta: { synapses: `buildRandomNetwork (seed ${net.seed}, ${csr.targets.length} synapses)` },
  };
  return {
    dtMs: dt,
    seed: run.seed,
    numNeurons: n,
    numSources: n,
    numPorts: 1,
    populations: [
      {
        name: 'N',
        offset: 0,
        size: n,
        model: LIF,
        coeff,
        state: [new Float32Array(n)],
        thresholds: new Float32Array(n).fill(theta),
        reset,
        bias: null,
      },
    ],
    rowGroup: groups.rowGroup,
    groupPtr: groups.groupPtr,
    groupDelay,
    groupPort: new Uint8Array(G),
    targets: csr.targets,
    weights: csr.weights,
    maxDelaySteps: maxDelay,
    poisson: [
      {
        population: 0,
        neurons: null,
        lambda: (run.externalRateHz * dt) / 1000,
        weight: Math.fround(jext),
        port: 0,
        delaySteps: 0,
        startStep: 0,
        stopStep: Infinity,
        key: mixSeed(run.seed, 6, 0),
        draw: 'blocks',
        cdf: null,
        streams: null,
        lut: null,
        thr: null,
      },
    ],
    dc: [],
    spikeSources: [],
    description: desc,
    arena: null,
  };
}
