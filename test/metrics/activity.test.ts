import { describe, expect, it } from 'vitest';
import { SATURATION_LEVEL, silentPerSample, summariseActivity, thresholdStats } from '../../src/metrics/activity.js';

describe('activity definitions (hand-computed)', () => {
  it('saturated = fires on >= 90% of all steps; the strict count needs every step; Hz uses the real step length', () => {
    // 2 samples x 10 steps = 20 neuron-steps per neuron: counts 20 (strict), 18 (90%), 17 (85%), 0 (dead)
    const a = summariseActivity([20, 18, 17, 0], 2, 10, 4);
    expect(SATURATION_LEVEL).toBe(0.9);
    expect(a.saturatedFraction).toBe(2 / 4);
    expect(a.saturatedStrictFraction).toBe(1 / 4);
    expect(a.deadFraction).toBe(1 / 4);
    expect(a.deadIds).toEqual([3]);
    // rate = 55 / (4 * 20) = 0.6875 spikes per neuron per step; 4 ms steps -> 0.6875 / 0.004 s = 171.875 Hz
    expect(a.spikeRate).toBe(0.6875);
    expect(a.spikeRateHz).toBeCloseTo(171.875, 12);
    expect(summariseActivity([20, 18, 17, 0], 2, 10, 1).spikeRateHz).toBeCloseTo(687.5, 12);
  });

  it('per-sample silence from [batch][steps][size] spikes', () => {
    // batch 2, steps 2, size 3. sample 0: neuron 0 fires at t0, neuron 2 at t1 -> 1/3 silent; sample 1: none -> 1
    const s = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
    expect([...silentPerSample(s, 2, 2, 3)]).toEqual([1 / 3, 1]);
    expect(() => silentPerSample(s, 2, 2, 4)).toThrow(RangeError);
  });

  it('threshold stats: moved against the initial values, null when unknown, negatives counted', () => {
    const t = thresholdStats([1.25, 1.3, -0.2, -1.02], [1.25, 1.25, 1.25, 1.25]);
    expect(t.fractionMoved).toBe(3 / 4);
    expect(t.negative).toBe(2);
    expect(t.min).toBeCloseTo(-1.02, 12);
    expect(thresholdStats([1.25, 1.3], 1.25).fractionMoved).toBe(1 / 2);
    const unknown = thresholdStats([1.25, 1.3], null);
    expect(unknown.fractionMoved).toBeNull();
    expect(unknown.negative).toBe(0);
    expect(() => thresholdStats([1, 2], [1])).toThrow(RangeError);
  });
});
