import { describe, expect, it } from 'vitest';
import {
  buildRandomNetwork,
  compileDescription,
  compileRandomNetwork,
  ringFastPathPlan,
  simulateDescription,
  sortRowsByTarget,
  type DescriptionRunResult,
} from '../../src/event/index.js';
import { NetworkBuilder } from '../../src/model/network.js';

/** (step, id) pairs of a run's recorded population, in record order. */
function spikesOf(r: DescriptionRunResult, pop: string): string {
  const rec = r.spikeRecords[pop]!;
  return Array.from(rec.ids, (id, k) => `${rec.times[k]}:${id}`).join(',');
}

/** One lif population with random signed weights, one delay, a Poisson drive: unsorted rows. */
function userNetwork(delayMs: number, extra?: (b: NetworkBuilder) => void) {
  const b = new NetworkBuilder({ dtMs: 1, seed: 11 });
  b.population('P', 2500, 'lif', { params: { beta: 0.95, threshold: 1 }, reset: 'subtract' });
  b.connect(
    'P',
    'P',
    { rule: 'fixed_outdegree', outdegree: 60, allowAutapses: false },
    { weight: { kind: 'normal', mean: 0.02, sd: 0.08 }, delayMs },
  );
  b.poisson('P', { rateHz: 900, weight: 0.12, draw: 'blocks' });
  b.recordSpikes(['P']);
  extra?.(b);
  return b.build();
}

describe('the ring fast path of simulateDescription', () => {
  it('gives the spikes of the general loop for the random E/I network, on 1 and 2 threads', () => {
    const rn = buildRandomNetwork({ neurons: 4000, fanOut: 60, seed: 3 });
    const run = { dtMs: 1, externalRateHz: 320, seed: 9 };
    const general = simulateDescription(compileRandomNetwork(rn, run), {
      durationMs: 150,
      recordSpikes: ['N'],
      fastPath: false,
    });
    expect(general.path).toBe('general');
    expect(general.spikes).toBeGreaterThan(2000);
    for (const threads of [1, 2]) {
      const ring = simulateDescription(compileRandomNetwork(rn, run), {
        durationMs: 150,
        recordSpikes: ['N'],
        threads,
      });
      expect(ring.path).toBe('ring');
      expect(ring.threads).toBe(threads);
      expect(spikesOf(ring, 'N')).toBe(spikesOf(general, 'N'));
      expect(Array.from(ring.spikeCounts.N!)).toEqual(Array.from(general.spikeCounts.N!));
      expect(ring.synOps).toBe(general.synOps);
      expect(ring.externalEvents).toBe(general.externalEvents);
    }
  });

  it('gives the spikes of the general loop for a user-described network (rows sorted in place for 2 threads)', () => {
    const general = simulateDescription(compileDescription(userNetwork(2)), { durationMs: 120, fastPath: false });
    expect(general.spikes).toBeGreaterThan(1000);
    const net = compileDescription(userNetwork(2));
    expect(ringFastPathPlan(net, { durationMs: 120 })).toEqual({ ok: true, delaySteps: 2 });
    const one = simulateDescription(net, { durationMs: 120 });
    expect(one.path).toBe('ring');
    expect(spikesOf(one, 'P')).toBe(spikesOf(general, 'P'));
    const two = simulateDescription(compileDescription(userNetwork(2)), { durationMs: 120, threads: 2 });
    expect(two.threads).toBe(2);
    expect(spikesOf(two, 'P')).toBe(spikesOf(general, 'P'));
    expect(two.synOps).toBe(general.synOps);
    // the final voltages are written back like the general loop's
    const netG = compileDescription(userNetwork(2));
    simulateDescription(netG, { durationMs: 120, fastPath: false });
    const netR = compileDescription(userNetwork(2));
    simulateDescription(netR, { durationMs: 120, threads: 2 });
    expect(Array.from(netR.populations[0]!.state[0]!)).toEqual(Array.from(netG.populations[0]!.state[0]!));
  });

  it('is not taken where the general loop is needed, and says why', () => {
    const twoDelays = userNetwork(1, (b) =>
      b.connect('P', 'P', { rule: 'fixed_indegree', indegree: 3 }, { weight: 0.01, delayMs: 3 }),
    );
    expect(ringFastPathPlan(compileDescription(twoDelays), { durationMs: 10 })).toEqual({
      ok: false,
      reason: 'more than one delay',
    });
    expect(simulateDescription(compileDescription(twoDelays), { durationMs: 10, threads: 2 })).toMatchObject({
      path: 'general',
      threads: 1,
    });
    const perNeuron = new NetworkBuilder({ dtMs: 1, seed: 2 });
    perNeuron.population('P', 100, 'lif', { params: { beta: 0.9 } });
    perNeuron.poisson('P', { rateHz: 100, weight: 0.5 });
    expect(ringFastPathPlan(compileDescription(perNeuron.build()), { durationMs: 10 })).toEqual({
      ok: false,
      reason: 'per-neuron Poisson draws (the ring kernel has the block draw)',
    });
    const rate = userNetwork(1, (b) => b.recordRate(['P'], 5));
    expect(ringFastPathPlan(compileDescription(rate), { durationMs: 10 })).toMatchObject({ ok: false });
    const b = new NetworkBuilder({ dtMs: 0.1, seed: 1 });
    b.population('E', 10, 'iaf_psc_exp');
    expect(ringFastPathPlan(compileDescription(b.build()), { durationMs: 10 })).toMatchObject({
      ok: false,
      reason: 'model iaf_psc_exp (the ring kernel is lif)',
    });
  });

  it('sortRowsByTarget sorts each row stably, moving weights along', () => {
    const rowPtr = Int32Array.from([0, 4, 4, 7]);
    const targets = Int32Array.from([5, 2, 5, 1, 9, 3, 3]);
    const weights = Float32Array.from([0.5, 0.25, -1, 2, 4, 8, 16]);
    expect(sortRowsByTarget(rowPtr, targets, weights)).toBe(true);
    expect(Array.from(targets)).toEqual([1, 2, 5, 5, 3, 3, 9]);
    // the two synapses into 5 keep their order (0.5 before -1), as do the two into 3 (8 before 16)
    expect(Array.from(weights)).toEqual([2, 0.25, 0.5, -1, 8, 16, 4]);
    expect(sortRowsByTarget(rowPtr, targets, weights)).toBe(false);
  });
});
