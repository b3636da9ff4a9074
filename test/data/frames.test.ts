import { describe, expect, it } from 'vitest';
import { recordsToTensor, toFrames } from '../../src/data/frames.js';
import { cropTime, denoise, downsampleSensor, firstSaccade, poolChannels } from '../../src/data/transforms.js';

const rec = (ids: number[], times: number[], channels = 3) => ({
  channels,
  ids: Int32Array.from(ids),
  times: Float64Array.from(times),
  timeUnit: 'us' as const,
});

describe('binning to frames', () => {
  it('window mode keeps the last partial bin (nothing dropped)', () => {
    // width 10: bins [0,10) [10,20) [20,30); the event at 25 lands in the partial third bin
    const f = toFrames(rec([0, 1, 2, 0], [0, 9, 10, 25]), { kind: 'window', binWidth: 10 });
    expect(f.frames).toBe(3);
    expect(Array.from(f.counts)).toEqual([1, 1, 0, 0, 0, 1, 1, 0, 0]);
    expect(f.outside).toBe(0);
  });

  it('window mode with a fixed frame count reports events past the window in outside', () => {
    const f = toFrames(rec([0, 1, 2], [0, 15, 20]), { kind: 'window', binWidth: 10, frames: 2 });
    expect(Array.from(f.counts)).toEqual([1, 0, 0, 0, 1, 0]);
    expect(f.outside).toBe(1);
  });

  it('count mode splits [start, end] into equal bins with the end inclusive', () => {
    const f = toFrames(rec([0, 1, 2, 2], [0, 49, 50, 100]), { kind: 'count', bins: 2 });
    expect(Array.from(f.counts)).toEqual([1, 1, 0, 0, 0, 2]);
    expect(f.outside).toBe(0);
  });

  it('recordsToTensor writes [batch][steps][channels] and clips to binary by default', () => {
    const t = recordsToTensor([rec([0, 0, 2], [0, 1, 12]), rec([1], [5])], {
      steps: 2,
      window: { kind: 'fixed', start: 0, binWidth: 10 },
    });
    expect(t.tensor.batch).toBe(2);
    expect(Array.from(t.tensor.data)).toEqual([1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0]);
    const counts = recordsToTensor([rec([0, 0], [0, 1])], {
      steps: 1,
      window: { kind: 'fixed', start: 0, binWidth: 10 },
      binary: false,
    });
    expect(Array.from(counts.tensor.data)).toEqual([2, 0, 0]);
  });
});

describe('transforms', () => {
  it('downsamples 4x4 -> 2x2 keeping polarity and every event', () => {
    const sensor = { width: 4, height: 4, polarities: 2 };
    const r = { ...rec([0, 5, 15, 16 + 10], [0, 1, 2, 3], 32), sensor };
    const d = downsampleSensor(r, 2);
    expect(d.sensor).toEqual({ width: 2, height: 2, polarities: 2 });
    // (0,0)->0 ; (1,1)->0 ; (3,3)->3 ; p=1 (2,2)->4+3
    expect(Array.from(d.ids)).toEqual([0, 0, 3, 7]);
  });

  it('pools channels 700 -> 140', () => {
    expect(Array.from(poolChannels(rec([0, 4, 5, 699], [0, 1, 2, 3], 700), 5).ids)).toEqual([0, 0, 1, 139]);
  });

  it('crops time and keeps the first saccade', () => {
    expect(Array.from(cropTime(rec([0, 1, 2], [5, 10, 20]), 10, 20).times)).toEqual([10]);
    expect(Array.from(firstSaccade(rec([0, 1], [99_999, 100_000])).times)).toEqual([99_999]);
  });

  it('denoise drops isolated events and keeps events with a recent neighbour', () => {
    const sensor = { width: 8, height: 8, polarities: 2 };
    // (1,1) at 0, neighbour (2,1) at 5 -> kept; (6,6) at 7 isolated -> dropped; (2,2) at 1000 with stale neighbours -> dropped
    const r = { ...rec([9, 10, 54, 18], [0, 5, 7, 1000], 128), sensor };
    expect(Array.from(denoise(r, 100).ids)).toEqual([10]);
  });
});
