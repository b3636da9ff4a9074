import { SpikeRecordBuilder, type SpikeRecord } from '../model/spikes.js';
import { fail, RouserError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { IAF_PSC_EXP, type IafPscExpCoefficients } from '../neuron/iafPscExp.js';
import type { CompiledArena, CompiledDescription, CompiledPopulation } from './compile.js';
import { mixSeed } from './compile.js';
import { blockRngs, driveBlocks, drawPerNeuron, perNeuronStreams } from './drive.js';
import { checkMemory } from './memory.js';
import { forgetRowFacts } from './random.js';
import { runRingFastPath, sortRowsByTarget } from './ring.js';
import { groupTable, RowCursorQueue } from './scheduler.js';
import { Worker } from 'node:worker_threads';
import { DELIVERY_LIST_GROUPS, type Arena } from './engineWasm.js';
import {
  abortParts,
  awaitReady,
  awaitWorkers,
  ENGINE_CTL_WORDS,
  MODE_DELIVER,
  MODE_EXIT,
  MODE_STEP,
  drawRange,
  partitionBounds,
  partRange,
  publishStep,
  runPartStep,
  stepRange,
  type EnginePartsInit,
  type PartPop,
} from './engineThreads.js';
import { workerUrl } from './workerUrl.js';
import type { DescriptionRunResult, RateTrace, SimulateDescriptionOptions, StateTrace } from './engineTypes.js';

export type { DescriptionRunResult, RateTrace, SimulateDescriptionOptions, StateTrace } from './engineTypes.js';

/**
 * Runs a compiled description (the one engine of user-defined networks). Per step t, in this order:
 *  1. Poisson stimuli with `draw: "blocks"`: per target block of 1024 neurons, count ~ Poisson(size lambda) and
 *     uniform targets ({@link driveBlocks}, the random network's drive; a superposition of independent per-neuron
 *     trains), each adding the float32 weight to the stimulus's port; listed-neuron stimuli draw Poisson(lambda) per
 *     neuron (`Rng.poisson`); every stimulus is active when t - delay is in [start, stop) (a stationary train delayed
 *     by d is the same process shifted); per-neuron stimuli (the default draw) come in 5;
 *  2. DC stimuli add their amplitude to the `current` port (port 0 for models without one);
 *  3. spike sources: channels spiking at step t enter the spike queue (like neurons, below);
 *  4. every delay group due at t (./scheduler.ts `RowCursorQueue`: spikes in emission order, each row's groups in
 *     row order, as a calendar queue fed one push per group would pop them) adds each synapse's weight to its
 *     target's input on the group's port;
 *     (a delay of 0 steps, allowed only for feed-forward networks compiled from a NetworkSpec, is delivered at once,
 *     before the later populations of the same step update);
 *  5. every population: its per-neuron Poisson stimuli (in stimulus order) add n w to their port, n ~ Poisson(lambda)
 *     per neuron ({@link drawPerNeuron}: x = fround(x + n w) in float64), then its bias (if any) is added to port 0; it runs its model's `step` (src/neuron, the same update every engine calls) on its slice of
 *     the input buffers; each neuron that fired enters the spike queue, its row's delay group g due at t + delay_g
 *     (>= t + 1);
 *  6. input buffers are zeroed (by the in-place kernel for its populations).
 * Deterministic: the same compiled network and seed give the same spikes. With the compiled network's WebAssembly
 * arena (`net.arena`, ./engineWasm.ts) step 4 runs in the `deliver` kernel, per-neuron draws in `draw`, and
 * iaf_psc_exp populations with uniform E_L / V_reset / I_e in the in-place `iafStep` kernel (their one excitatory
 * per-neuron stimulus drawn right before it by `draw4`, four blocks of 1024 neurons at a time in SIMD lanes); the
 * results are bit for bit those of the JavaScript path
 * (test/event/engineWasm.test.ts). A network of the random network's shape (one lif population, one delay, block
 * drive; `ringFastPathPlan` in ./ring.ts) runs in the uniform-delay ring kernel instead, on `threads` worker threads,
 * with the same spikes as this loop (test/event/ring.test.ts); `fastPath: false` forces this loop. This loop runs on
 * `threads` threads where the arena has in-place iaf_psc_exp populations and no delay-0 group (./engineThreads.ts:
 * each thread delivers step 4 into, and steps, its range of neurons; the results are those of one thread).
 */
export function simulateDescription(net: CompiledDescription, opts: SimulateDescriptionOptions): DescriptionRunResult {
  const where = 'simulateDescription';
  if (!(opts.durationMs >= 0) || !Number.isFinite(opts.durationMs))
    fail(where, 'durationMs', opts.durationMs, 'a finite number >= 0');
  const threads = opts.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1 || threads > 64)
    fail(where, 'threads', threads, 'an integer in [1, 64]');
  if (opts.fastPath !== false) {
    const fast = runRingFastPath(net, opts);
    if (fast) return fast;
  }
  const dt = net.dtMs;
  const steps = Math.round(opts.durationMs / dt);
  const N = net.numNeurons;
  const P = net.numPorts;
  const desc = net.description;
  const popIdx = new Map(net.populations.map((p, i) => [p.name, i]));
  const runSeed = opts.seed ?? net.seed;
  const wa = net.arena;
  if (!wa)
    checkMemory(
      `${where}: input buffers and spike flags (${N} neurons x ${P} ports)`,
      N * (4 * P + 1 + 4),
      opts.memory,
    );
  const bufs: Float32Array[] = [];
  for (let p = 0; p < P; p++) bufs.push(wa ? (wa.bufs[p] as Float32Array).fill(0) : new Float32Array(N));
  const popInputs = net.populations.map((pop) =>
    bufs.slice(0, pop.model.ports.length).map((b) => b.subarray(pop.offset, pop.offset + pop.size)),
  );
  const flags = net.populations.map((pop) => new Uint8Array(pop.size));
  const counts = net.populations.map((pop) => new Int32Array(pop.size));
  // recorders
  const recordSpikes = new Set<string>(opts.recordSpikes ?? []);
  const rateRecs: { binSteps: number; pops: number[]; rates: Float64Array[] }[] = [];
  const traceRecs: {
    pop: number;
    neurons: number[];
    vars: number[];
    every: number;
    times: number[];
    values: number[][];
  }[] = [];
  for (const r of desc.recorders) {
    switch (r.kind) {
      case 'spikes':
        for (const p of r.populations) recordSpikes.add(p);
        break;
      case 'rate': {
        const binSteps = Math.max(1, Math.round(r.binMs / dt));
        const bins = Math.ceil(steps / binSteps);
        rateRecs.push({
          binSteps,
          pops: r.populations.map((p) => popIdx.get(p) as number),
          rates: r.populations.map(() => new Float64Array(bins)),
        });
        break;
      }
      case 'state': {
        const pi = popIdx.get(r.population) as number;
        const m = (net.populations[pi] as CompiledPopulation).model;
        traceRecs.push({
          pop: pi,
          neurons: r.neurons,
          vars: r.variables.map((v) => m.state.findIndex((s) => s.name === v)),
          every: Math.max(1, Math.round((r.intervalMs ?? dt) / dt)),
          times: [],
          values: r.variables.map(() => []),
        });
        break;
      }
      default: {
        const never: never = r;
        fail(where, 'recorder.kind', (never as { kind: string }).kind, 'a known recorder');
      }
    }
  }
  for (const p of recordSpikes)
    if (!popIdx.has(p)) fail(where, 'recordSpikes', p, `a population name (${[...popIdx.keys()].join(', ')})`);
  const builders = net.populations.map((p) =>
    recordSpikes.has(p.name) ? new SpikeRecordBuilder(p.size, 'ms', 1024) : undefined,
  );
  // drive streams
  const drives = net.poisson.map((s) => {
    const pop = net.populations[s.population] as CompiledPopulation;
    const seed = mixSeed(runSeed, s.key, 0);
    return {
      s,
      pop,
      rngs: s.neurons || s.cdf ? [] : blockRngs(seed, pop.size),
      streams: s.cdf ? perNeuronStreams(seed, pop.size, s.streams ?? undefined) : null,
      rng: new Rng(seed),
      x: (bufs[s.port] as Float32Array).subarray(pop.offset, pop.offset + pop.size),
    };
  });
  // per-neuron draws, applied at their population's update (after synaptic delivery), in stimulus order
  const popDrives = net.populations.map((_, pi) => drives.filter((d) => d.streams && d.s.population === pi));
  // in-place WebAssembly steps (iaf_psc_exp with uniform E_L, V_reset, I_e): byte pointers into the arena, and the
  // population's one per-neuron drive on port 0 (no bias), drawn by `draw4` right before the kernel ("fused")
  // populations whose current port (2) some input reaches: a DC stimulus, a receptor-2 projection or Poisson stimulus
  const currentTargets = new Set<number>(net.dc.filter((d) => d.port === 2).map((d) => d.population));
  for (const s of net.poisson) if (s.port === 2) currentTargets.add(s.population);
  for (const pr of desc.projections) if (pr.receptor === 2) currentTargets.add(popIdx.get(pr.target) as number);
  const inPlace = net.populations.map((pop, pi): PartPop | null => {
    const c = pop.coeff as IafPscExpCoefficients;
    if (!wa || pop.model !== IAF_PSC_EXP || !c.uniform || pop.size === 0) return null;
    const ins = popInputs[pi] as Float32Array[];
    const pd = popDrives[pi] as typeof drives;
    const fused = pd.length === 1 && (pd[0] as (typeof drives)[number]).s.port === 0 && !pop.bias ? pd[0] : undefined;
    // no current input: nothing targets the current port and I_0 is all +0, so both stay +0 (the kernel skips them)
    const I0 = pop.state[3] as Float32Array;
    const noCurrent =
      !currentTargets.has(pi) && new Int32Array(I0.buffer, I0.byteOffset, I0.length).every((b) => b === 0);
    // one threshold for all (bitwise): the kernel compares with a scalar
    const th = pop.thresholds;
    const th0 = new Int32Array(th.buffer, th.byteOffset, th.length);
    const oneTh = th0.every((b) => b === th0[0]);
    const ptr = [...pop.state, ...ins, th].map((a) => a.byteOffset);
    if (noCurrent) ptr[7] = 0;
    if (oneTh) ptr[8] = 0;
    return {
      offset: pop.offset,
      size: pop.size,
      ptr,
      thv: th[0] as number,
      el: c.EL[0] as number,
      vr: c.Vreset[0] as number,
      ie: c.Ie[0] as number,
      P22: c.P22,
      P21ex: c.P21ex,
      P21in: c.P21in,
      P20: c.P20,
      P11ex: c.P11ex,
      P11in: c.P11in,
      refractorySteps: c.refractorySteps,
      fused: fused
        ? {
            st: (fused.streams as Uint32Array).byteOffset,
            cdf: (fused.s.cdf as Float64Array).byteOffset,
            lut: (fused.s.lut as Uint16Array).byteOffset,
            thr: (fused.s.thr as Int32Array).byteOffset,
            w: fused.s.weight,
            startStep: fused.s.startStep,
            stopStep: fused.s.stopStep,
          }
        : null,
    };
  });
  const dcs = net.dc.map((d) => {
    const pop = net.populations[d.population] as CompiledPopulation;
    return { d, x: (bufs[d.port] as Float32Array).subarray(pop.offset, pop.offset + pop.size) };
  });
  const srcPtr = net.spikeSources.map(() => 0);
  const { rowGroup, groupPtr, groupDelay, groupPort, targets, weights } = net;
  const table = groupTableOf(net, where, opts.memory);
  const queue = new RowCursorQueue(table, 4096);
  let spikes = 0;
  let syn = 0;
  let ext = 0;
  const deliver = (g: number, mult: number): void => {
    const end = groupPtr[g + 1] as number;
    const start = groupPtr[g] as number;
    syn += end - start;
    const x = bufs[groupPort[g] as number] as Float32Array;
    if (mult === 1)
      for (let k = start; k < end; k++) {
        const j = targets[k] as number;
        x[j] = (x[j] as number) + (weights[k] as number);
      }
    else
      for (let k = start; k < end; k++) {
        const j = targets[k] as number;
        x[j] = (x[j] as number) + (weights[k] as number) * mult;
      }
  };
  // a spike: its delay-0 groups (feed-forward networks from a NetworkSpec only; first in the row) delivered at once,
  // before later populations update; the others queued, each delivered at its step (emission + delay)
  const push = (src: number, t: number): void => {
    const g1 = rowGroup[src + 1] as number;
    let g = rowGroup[src] as number;
    for (; g < g1 && (groupDelay[g] as number) === 0; g++) deliver(g, 1);
    queue.push(g, g1, t);
  };
  const dueIds = new Int32Array(DELIVERY_LIST_GROUPS);
  const dense = net.spikeSources.map((ss) => {
    const v = opts.sourceValues?.[ss.name];
    if (v && v.length !== steps * ss.size)
      fail(
        where,
        `sourceValues.${ss.name}.length`,
        v.length,
        `${steps * ss.size} (= steps ${steps} x size ${ss.size})`,
      );
    return v;
  });
  for (const k of Object.keys(opts.sourceValues ?? {}))
    if (!net.spikeSources.some((ss) => ss.name === k)) fail(where, 'sourceValues', k, 'the name of a spike source');
  const dl = wa ? wa.deliveryList : new Int32Array(0);
  const dlPtr = dl.byteOffset;
  const bufPtr = bufs.map((b) => b.byteOffset);
  const tPtr = targets.byteOffset;
  const wPtr = weights.byteOffset;
  const spikeList = wa ? wa.spikeList : new Int32Array(0);
  const listPtr = spikeList.byteOffset;
  const progressEvery = Math.max(1, Math.round(10 / dt));
  // fired neurons of a population step: local ids (ascending) from entry pop.offset on (a thread's range [a, b) of
  // the population: ids relative to a, from entry pop.offset + a on)
  const spikeScratch = wa ? spikeList : new Int32Array(Math.max(1, N));
  const emit = (pi: number, pop: CompiledPopulation, fired: number, t: number, at: number, add: number): void => {
    spikes += fired;
    const c = counts[pi] as Int32Array;
    const b = builders[pi];
    const off = pop.offset;
    for (let q = at; q < at + fired; q++) {
      const k = (spikeScratch[q] as number) + add;
      c[k] = (c[k] as number) + 1;
      if (b) b.push(k, t * dt);
      push(off + k, t);
    }
    for (const r of rateRecs) {
      const i = r.pops.indexOf(pi);
      if (i >= 0) {
        const arr = r.rates[i] as Float64Array;
        const bin = Math.floor(t / r.binSteps);
        arr[bin] = (arr[bin] as number) + fired;
      }
    }
  };
  // neuron ranges whose inputs JavaScript zeroes after each step: all but the in-place populations' (all of them when a
  // delay-0 group may deliver into a population after its step)
  const zeroRanges: number[] = [];
  const anyZeroDelay = groupDelay.includes(0);
  net.populations.forEach((pop, pi) => {
    if (inPlace[pi] && !anyZeroDelay) return;
    const end = zeroRanges.length;
    if (end > 0 && zeroRanges[end - 1] === pop.offset) zeroRanges[end - 1] = pop.offset + pop.size;
    else zeroRanges.push(pop.offset, pop.offset + pop.size);
  });
  // worker threads over neuron ranges (./engineThreads.ts): with the arena and no delay-0 group (which would deliver
  // into a population after a thread stepped it); the in-place populations without a separate draw or bias are
  // stepped by the threads, the others by this thread after them, in population order
  const partIdx = net.populations.map(() => -1);
  const partPops: PartPop[] = [];
  if (threads > 1 && wa && !anyZeroDelay)
    net.populations.forEach((pop, pi) => {
      const ip = inPlace[pi];
      if (!ip || !(ip.fused || ((popDrives[pi] as typeof drives).length === 0 && !pop.bias))) return;
      partIdx[pi] = partPops.length;
      partPops.push(ip);
    });
  const par = partPops.length > 0 && wa ? startParts(net, wa, threads, partPops) : null;
  const parts = par ? par.init.parts : 1;
  const t0 = performance.now();
  try {
    for (let t = 0; t < steps; t++) {
      for (const dr of drives) {
        const s = dr.s;
        if (dr.streams || t < s.startStep || t >= s.stopStep || !(s.lambda > 0)) continue;
        if (s.neurons) {
          const w = s.weight;
          for (let q = 0; q < s.neurons.length; q++) {
            const m = dr.rng.poisson(s.lambda);
            if (m > 0) {
              const j = s.neurons[q] as number;
              for (let e = 0; e < m; e++) dr.x[j] = (dr.x[j] as number) + w;
              ext += m;
            }
          }
        } else ext += driveBlocks(dr.rngs, 0, dr.rngs.length, dr.pop.size, s.lambda, dr.x, s.weight);
      }
      for (const { d, x } of dcs) {
        if (t < d.startStep || t >= d.stopStep) continue;
        const a = d.amplitude;
        for (let k = 0; k < a.length; k++) x[k] = (x[k] as number) + (a[k] as number);
      }
      for (let q = 0; q < net.spikeSources.length; q++) {
        const ss = net.spikeSources[q] as (typeof net.spikeSources)[number];
        const dv = dense[q];
        if (dv) {
          for (let c = 0; c < ss.size; c++) {
            const src = ss.base + c;
            const g1 = rowGroup[src + 1] as number;
            for (let g = rowGroup[src] as number; g < g1; g++) {
              const ts = t - (groupDelay[g] as number);
              if (ts < 0) continue;
              const v = dv[ts * ss.size + c] as number;
              if (v !== 0) deliver(g, v);
            }
          }
          continue;
        }
        let sp = srcPtr[q] as number;
        while (sp < ss.steps.length && (ss.steps[sp] as number) <= t) {
          if ((ss.steps[sp] as number) === t) push(ss.base + (ss.ids[sp] as number), t);
          sp++;
        }
        srcPtr[q] = sp;
      }
      if (wa) {
        // the due groups as (start, end, buffer pointer) triples, delivered in WebAssembly in list order; with parts
        // (threads), each part delivers into its own neurons and then steps its ranges (MODE_STEP)
        for (;;) {
          const nl = queue.due(t, dueIds, DELIVERY_LIST_GROUPS);
          for (let q = 0; q < nl; q++) {
            const g2 = 2 * (dueIds[q] as number);
            dl[3 * q] = table[g2] as number;
            dl[3 * q + 1] = table[g2 + 2] as number;
            dl[3 * q + 2] = bufPtr[(table[g2 + 1] as number) >>> 16] as number;
          }
          const more = nl === DELIVERY_LIST_GROUPS;
          if (par) par.run(wa.arena, t, nl, more ? MODE_DELIVER : MODE_STEP);
          else if (nl > 0) syn += wa.arena.deliver(dlPtr, nl, tPtr, wPtr);
          if (!more) break;
        }
      } else
        for (;;) {
          const nl = queue.due(t, dueIds, DELIVERY_LIST_GROUPS);
          for (let q = 0; q < nl; q++) deliver(dueIds[q] as number, 1);
          if (nl < DELIVERY_LIST_GROUPS) break;
        }
      for (let pi = 0; pi < net.populations.length; pi++) {
        const pop = net.populations[pi] as CompiledPopulation;
        const fl = flags[pi] as Uint8Array;
        const ip = inPlace[pi];
        const pq = partIdx[pi] as number;
        if (par && pq >= 0) {
          // the parts' spikes, part by part (ascending ids, as on one thread)
          const pp = partPops[pq] as PartPop;
          for (let p = 0; p < parts; p++) {
            const fired = par.init.fired[pq * parts + p] as number;
            if (fired === 0) continue;
            const a = partRange(par.init, pp, p)[0];
            emit(pi, pop, fired, t, pop.offset + a, a);
          }
          continue;
        }
        if (ip && ip.fused) {
          // the per-neuron draw into x_ex (four blocks of 1024 neurons at a time in SIMD lanes), then the step
          ext += drawRange((wa as CompiledArena).arena, ip, 0, pop.size, t);
          const fired = stepRange((wa as CompiledArena).arena, ip, 0, pop.size, listPtr + 4 * pop.offset);
          if (fired > 0) emit(pi, pop, fired, t, pop.offset, 0);
          continue;
        }
        for (const dr of popDrives[pi] as typeof drives) {
          const s = dr.s;
          if (t < s.startStep || t >= s.stopStep) continue;
          // in the arena the same draw runs in WebAssembly (engineWasm.wat `draw4`, the same bits)
          ext += wa
            ? wa.arena.draw4(
                pop.size,
                dr.x.byteOffset,
                (dr.streams as Uint32Array).byteOffset,
                (s.cdf as Float64Array).byteOffset,
                (s.lut as Uint16Array).byteOffset,
                (s.thr as Int32Array).byteOffset,
                s.weight,
              )
            : drawPerNeuron(dr.streams as Uint32Array, s.cdf as Float64Array, dr.x, pop.size, s.weight);
        }
        const bias = pop.bias;
        if (bias) {
          const x0 = (popInputs[pi] as Float32Array[])[0] as Float32Array;
          for (let k = 0; k < bias.length; k++) x0[k] = (x0[k] as number) + (bias[k] as number);
        }
        if (ip) {
          const fired = stepRange((wa as CompiledArena).arena, ip, 0, pop.size, listPtr + 4 * pop.offset);
          if (fired > 0) emit(pi, pop, fired, t, pop.offset, 0);
          continue;
        }
        const fired = pop.model.step(
          pop.coeff,
          pop.state,
          popInputs[pi] as Float32Array[],
          pop.thresholds,
          pop.reset,
          fl,
          0,
          pop.size,
        );
        if (fired === 0) continue;
        let q = pop.offset;
        for (let k = 0; q < pop.offset + fired; k++) if (fl[k] !== 0) spikeScratch[q++] = k;
        emit(pi, pop, fired, t, pop.offset, 0);
      }
      for (const tr of traceRecs) {
        if ((t + 1) % tr.every !== 0) continue;
        tr.times.push(t * dt);
        const pop = net.populations[tr.pop] as CompiledPopulation;
        tr.vars.forEach((vi, q) => {
          const arr = pop.state[vi] as Float32Array;
          for (const n of tr.neurons) (tr.values[q] as number[]).push(arr[n] as number);
        });
      }
      // inputs are zeroed for the next step (the in-place kernel zeroes its own populations' inputs)
      for (let p = 0; p < P; p++) {
        const b = bufs[p] as Float32Array;
        for (let z = 0; z < zeroRanges.length; z += 2) b.fill(0, zeroRanges[z], zeroRanges[z + 1]);
      }
      if (opts.onProgress && (t + 1) % progressEvery === 0) opts.onProgress((t + 1) * dt, steps * dt);
    }
  } finally {
    par?.stop();
  }
  if (par)
    for (let p = 0; p < parts; p++) {
      syn += par.init.totals[2 * p] as number;
      ext += par.init.totals[2 * p + 1] as number;
    }
  const simMs = performance.now() - t0;
  opts.onProgress?.(steps * dt, steps * dt);
  const durationMs = steps * dt;
  const spikeCounts: Record<string, Int32Array> = {};
  const meanRateHz: Record<string, number> = {};
  const spikeRecords: Record<string, SpikeRecord> = {};
  net.populations.forEach((p, i) => {
    const c = counts[i] as Int32Array;
    spikeCounts[p.name] = c;
    let s = 0;
    for (let k = 0; k < c.length; k++) s += c[k] as number;
    meanRateHz[p.name] = durationMs > 0 ? s / p.size / (durationMs / 1000) : 0;
    const b = builders[i];
    if (b) spikeRecords[p.name] = b.finish();
  });
  const rates: RateTrace[] = rateRecs.map((r) => ({
    binMs: r.binSteps * dt,
    populations: r.pops.map((p) => (net.populations[p] as CompiledPopulation).name),
    rates: r.rates.map((arr, i) => {
      const size = (net.populations[r.pops[i] as number] as CompiledPopulation).size;
      return arr.map((n, bin) => {
        const binSteps = Math.min(r.binSteps, steps - bin * r.binSteps);
        return n / size / ((binSteps * dt) / 1000);
      });
    }),
  }));
  const traces: StateTrace[] = traceRecs.map((tr) => {
    const pop = net.populations[tr.pop] as CompiledPopulation;
    return {
      population: pop.name,
      neurons: tr.neurons,
      variables: tr.vars.map((v) => (pop.model.state[v] as { name: string }).name),
      timesMs: Float64Array.from(tr.times),
      values: tr.values.map((v) => Float32Array.from(v)),
    };
  });
  return {
    steps,
    durationMs,
    dtMs: dt,
    spikeCounts,
    meanRateHz,
    spikes,
    synOps: syn,
    externalEvents: ext,
    simMs,
    spikeRecords,
    rates,
    traces,
    path: 'general',
    threads: parts,
  };
}

/**
 * Starts `threads - 1` worker threads on the arena of `net` (./engineThreads.ts) for the populations `pops`; the
 * returned `run` publishes a step, runs part 0 on this thread and waits for the others; `stop` ends the workers.
 */
function startParts(
  net: CompiledDescription,
  wa: CompiledArena,
  threads: number,
  pops: PartPop[],
): { init: EnginePartsInit; run: (arena: Arena, t: number, nl: number, mode: number) => void; stop: () => void } {
  const parts = Math.min(threads, Math.max(1, Math.ceil(net.numNeurons / 1024)));
  const sab = (n: number): SharedArrayBuffer => new SharedArrayBuffer(Math.max(1, n));
  const init: EnginePartsInit = {
    memory: wa.arena.memory,
    parts,
    bounds: partitionBounds(net.populations, net.numNeurons, parts),
    pops,
    listPtr: wa.spikeList.byteOffset,
    dlPtr: wa.deliveryList.byteOffset,
    tPtr: net.targets.byteOffset,
    wPtr: net.weights.byteOffset,
    fired: new Int32Array(sab(4 * pops.length * parts)),
    totals: new Float64Array(sab(16 * parts)),
    ctl: new Int32Array(sab(4 * ENGINE_CTL_WORDS)),
  };
  ensureGroupsSorted(net);
  const workers: Worker[] = [];
  const stop = (): void => {
    publishStep(init.ctl, 0, 0, MODE_EXIT);
    for (const w of workers) void w.terminate();
  };
  if (parts > 1) {
    const url = workerUrl('engineWorker');
    for (let p = 1; p < parts; p++) {
      const w = new Worker(url, { workerData: { init, part: p } });
      w.unref();
      workers.push(w);
    }
    if (!awaitReady(init.ctl, parts - 1, 120_000)) {
      abortParts(init.ctl);
      stop();
      throw new Error('simulateDescription: worker threads did not start');
    }
  }
  return {
    init,
    run: (arena, t, nl, mode) => {
      if (parts > 1) publishStep(init.ctl, t, nl, mode);
      try {
        runPartStep(init, arena, 0, t, nl, mode);
      } catch (e) {
        abortParts(init.ctl);
        throw e;
      }
      if (parts > 1) awaitWorkers(init.ctl, parts - 1);
    },
    stop,
  };
}

/** The group table ({@link groupTable}) of each description run so far, made once. */
const groupTables = new WeakMap<CompiledDescription, Int32Array>();

/**
 * The description's {@link groupTable}, after checking that every row lists its groups in ascending delay (what
 * {@link RowCursorQueue} needs; the compilers do so).
 */
function groupTableOf(
  net: CompiledDescription,
  where: string,
  memory: SimulateDescriptionOptions['memory'],
): Int32Array {
  let table = groupTables.get(net);
  if (table) return table;
  checkMemory(`${where}: group table (${net.groupDelay.length} delay groups)`, 8 * (net.groupDelay.length + 1), memory);
  const { rowGroup, groupDelay } = net;
  for (let i = 0; i + 1 < rowGroup.length; i++)
    for (let g = (rowGroup[i] as number) + 1; g < (rowGroup[i + 1] as number); g++)
      if ((groupDelay[g] as number) < (groupDelay[g - 1] as number))
        throw new RouserError(`simulateDescription: row ${i} does not list its delay groups in ascending delay`);
  table = groupTable(net.groupPtr, groupDelay, net.groupPort);
  groupTables.set(net, table);
  return table;
}

/** Descriptions whose delay groups are known to have ascending targets. */
const sortedGroups = new WeakSet<CompiledDescription>();

/**
 * Makes every delay group's targets ascending (stably; compileDescription already does, a description assembled
 * otherwise, like the random network's, may not): the threads split a group by target range.
 */
function ensureGroupsSorted(net: CompiledDescription): void {
  if (sortedGroups.has(net)) return;
  if (sortRowsByTarget(net.groupPtr, net.targets, net.weights)) forgetRowFacts(net.targets);
  sortedGroups.add(net);
}
