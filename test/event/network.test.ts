import { describe, expect, it } from 'vitest';
import { compileNetwork, EverFired, simulateNetwork } from '../../src/event/index.js';
import { synOpsFromCounts } from '../../src/metrics/index.js';
import { createSpec, type NetworkSpec } from '../../src/model/index.js';
import { RouserError } from '../../src/util/index.js';

/**
 * Hand-computed 3-neuron chain (all numbers exact in binary, so float32 rounding plays no role):
 *   input (1 every step) -> A: lif beta 0.5, w 0.625, Th 1, zero reset
 *     V: 0.625, 0.9375, 1.09375 -> spike at t = 2, 0, ... period 3: spikes 2, 5, 8
 *   A -> B: lif beta 0.5, w 1, Th 0.75, subtract reset, delay 1 step: inputs at 3, 6, 9
 *     t3 V 1 -> spike, V = 0.25; t4 0.125; t5 0.0625; t6 1.03125 -> spike, V 0.28125; t7 .140625; t8 .0703125;
 *     t9 1.03515625 -> spike: spikes 3, 6, 9
 *   B -> C: cuba aI 0.5 aV 0.5, w 0.75, Th 0.5, zero reset, delay 0: inputs at 3, 6, 9
 *     t3 I .75 V .75 -> spike V 0; t4 I .375 V .375; t5 I .1875 V .375; t6 I .84375 V 1.03125 -> spike;
 *     t7 I .421875 V .421875; t8 I .2109375 V .421875; t9 I .85546875 V 1.06640625 -> spike: spikes 3, 6, 9
 */
function chain(): NetworkSpec {
  const spec = createSpec({ sizes: [1, 1, 1, 1], neuron: { kind: 'lif', beta: 0.5 } });
  const [a, b, c] = spec.layers as [NetworkSpec['layers'][0], NetworkSpec['layers'][0], NetworkSpec['layers'][0]];
  a.weights[0] = 0.625;
  a.thresholds[0] = 1;
  a.reset = 'zero';
  b.weights[0] = 1;
  b.thresholds[0] = 0.75;
  b.reset = 'subtract';
  b.delaySteps = 1;
  c.neuron = { kind: 'cuba', currentRetention: 0.5, voltageRetention: 0.5 };
  c.weights[0] = 0.75;
  c.thresholds[0] = 0.5;
  c.reset = 'zero';
  return spec;
}

describe('discrete mode on a hand-computed 3-neuron trajectory', () => {
  it('reproduces the spike times, counts, SynOps and event counts', () => {
    const steps = 10;
    const res = simulateNetwork(compileNetwork(chain()), new Float32Array(steps).fill(1), steps, {
      recordSpikes: true,
    });
    expect(res.spikes?.map((r) => Array.from(r.times))).toEqual([
      [2, 5, 8],
      [3, 6, 9],
      [3, 6, 9],
    ]);
    expect(res.spikes?.every((r) => r.timeUnit === 'step' && r.ids.every((id) => id === 0))).toBe(true);
    expect(res.layerSpikeCounts.map((c) => c[0])).toEqual([3, 3, 3]);
    expect(Array.from(res.outputCounts)).toEqual([3]);
    // layer 0: 10 input spikes x fan-out 1; layer 1: A's spikes at 2, 5, 8 delivered at 3, 6, 9; layer 2: B's 3
    expect(Array.from(res.synOps)).toEqual([10, 3, 3]);
    expect(res.eventsProcessed).toBe(16);
    expect(Array.from(res.neuronUpdates)).toEqual([10, 10, 10]);
  });

  it('counts an input value c in a bin as c spikes for SynOps, like metrics/synops', () => {
    const spec = createSpec({ sizes: [3, 4, 2], neuron: { kind: 'lif', beta: 0.9 }, thInit: 0.5 });
    const l0 = spec.layers[0]!;
    const l1 = spec.layers[1]!;
    l0.weights.set([0.3, 0, 0.2, 0, 0, 0.4, 0.6, 0.1, 0, 0.2, 0.2, 0.2]);
    l1.weights.set([1, 0, 0.5, 0, 0, 0.7, 0, 0.9]);
    const steps = 6;
    const input = new Float32Array(steps * 3);
    input.set([2, 0, 1, 0, 3, 0, 1, 1, 1, 0, 0, 0, 2, 2, 0, 0, 0, 1]);
    const res = simulateNetwork(compileNetwork(spec), input, steps);
    const inCounts = [0, 0, 0];
    for (let k = 0; k < input.length; k++) inCounts[k % 3]! += input[k]!;
    expect(Array.from(res.synOps)).toEqual(synOpsFromCounts(spec, [inCounts, res.layerSpikeCounts[0]!]));
  });

  it('refuses bad input lengths and steps with clear messages', () => {
    const net = compileNetwork(chain());
    expect(() => simulateNetwork(net, new Float32Array(3), 4)).toThrow(
      'simulateNetwork: field input.length is 3; expected 4 (= steps 4 x inputSize 1)',
    );
    expect(() => simulateNetwork(net, new Float32Array(0), -1)).toThrow(
      'simulateNetwork: field steps is -1; expected a non-negative integer',
    );
  });

  it('compileNetwork drops zero weights, keeps parameters and refuses invalid specs', () => {
    const spec = createSpec({ sizes: [3, 2], bias: true, delaySteps: 2 });
    const l = spec.layers[0]!;
    l.weights.set([0, 0.5, -0, 0.25, 0, -1]);
    l.bias!.set([0.1, -0.2]);
    l.thresholds.set([1.5, 0.75]);
    const net = compileNetwork(spec);
    const c = net.layers[0]!;
    // weights [out][in]: o0 = [0, 0.5, -0], o1 = [0.25, 0, -1]; rows are inputs (the spike source after the neurons)
    const d = net.description;
    const base = d.spikeSources[0]!.base;
    const edges: [number, number, number, number][] = [];
    for (let i = 0; i < 3; i++)
      for (let g = d.rowGroup[base + i]!; g < d.rowGroup[base + i + 1]!; g++)
        for (let k = d.groupPtr[g]!; k < d.groupPtr[g + 1]!; k++)
          edges.push([i, d.targets[k]!, d.weights[k]!, d.groupDelay[g]!]);
    expect(edges).toEqual([
      [0, 1, 0.25, 2],
      [1, 0, 0.5, 2],
      [2, 1, -1, 2],
    ]);
    expect(Array.from(c.fanOut)).toEqual([1, 1, 1]);
    expect(c.delaySteps).toBe(2);
    expect(Array.from(c.bias!)).toEqual(Array.from(l.bias!));
    expect(Array.from(c.thresholds)).toEqual([1.5, 0.75]);
    spec.layers[0]!.weights[4] = NaN;
    expect(() => compileNetwork(spec)).toThrow(RouserError);
    expect(() => compileNetwork(spec)).toThrow('weights[4] is NaN');
  });
});

describe('EverFired (typedfastbitset)', () => {
  it('unions fired neurons across samples and reports dead neurons', () => {
    const ef = new EverFired([4, 3]);
    ef.add([Int32Array.from([0, 2, 0, 0]), Int32Array.from([0, 0, 0])]);
    ef.add([Int32Array.from([1, 0, 0, 0]), Int32Array.from([0, 5, 0])]);
    expect(ef.samples).toBe(2);
    expect(ef.firedCount(0)).toBe(2);
    expect(ef.deadIds(0)).toEqual([2, 3]);
    expect(ef.deadIds(1)).toEqual([0, 2]);
    expect(ef.deadFraction(1)).toBeCloseTo(2 / 3, 12);
    const other = new EverFired([4, 3]);
    other.add([Int32Array.from([0, 0, 0, 1]), Int32Array.from([1, 0, 1])]);
    ef.merge(other);
    expect(ef.deadIds(0)).toEqual([2]);
    expect(ef.deadCount(1)).toBe(0);
    expect(() => ef.add([new Int32Array(4)])).toThrow('EverFired.add: field counts.length is 1; expected 2 (layers)');
  });
});
