import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeAedat31, encodeAedat31 } from '../../src/data/aedat.js';
import { recordsToTensor, toFrames, type Binning } from '../../src/data/frames.js';
import { decodeNmnist, encodeNmnist } from '../../src/data/nmnist.js';
import { downsampleSensor, poolChannels } from '../../src/data/transforms.js';
import type { SpikeRecord } from '../../src/model/spikes.js';

const RUNS = { seed: 42, numRuns: 150 };

/** Sorted event lists: ids in [0, channels), non-negative integer times up to maxTime. */
function events(channels: number, maxTime: number, maxLen = 200): fc.Arbitrary<SpikeRecord> {
  return fc
    .array(fc.tuple(fc.integer({ min: 0, max: channels - 1 }), fc.integer({ min: 0, max: maxTime })), {
      maxLength: maxLen,
    })
    .map((ev) => {
      const sorted = [...ev].sort((a, b) => a[1] - b[1]);
      return {
        channels,
        ids: Int32Array.from(sorted.map((e) => e[0])),
        times: Float64Array.from(sorted.map((e) => e[1])),
        timeUnit: 'us' as const,
      };
    });
}

describe('round trips: encode then decode gives the same events', () => {
  it('N-MNIST .bin (times beyond 23 bits exercise overflow markers)', () => {
    fc.assert(
      fc.property(events(2312, 2 ** 25), (rec) => {
        const back = decodeNmnist(encodeNmnist(rec), 'prop.bin');
        expect(Array.from(back.ids)).toEqual(Array.from(rec.ids));
        expect(Array.from(back.times)).toEqual(Array.from(rec.times));
      }),
      RUNS,
    );
  });

  it('AEDAT 3.1 (any packet size, special packets, spare capacity, times past 2^31)', () => {
    fc.assert(
      fc.property(
        events(128 * 128 * 2, 2 ** 33),
        fc.integer({ min: 1, max: 50 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 3 }),
        (rec, packetEvents, specialPackets, spareCapacity) => {
          const back = decodeAedat31(
            encodeAedat31(rec, { packetEvents, specialPackets, spareCapacity }),
            'prop.aedat',
          ).events;
          expect(Array.from(back.ids)).toEqual(Array.from(rec.ids));
          expect(Array.from(back.times)).toEqual(Array.from(rec.times));
        },
      ),
      RUNS,
    );
  });
});

const sum = (a: Float32Array): number => a.reduce((s, v) => s + v, 0);

describe('counts are preserved', () => {
  it('binning by window or by bin count keeps every event (before clipping)', () => {
    const binning: fc.Arbitrary<Binning> = fc.oneof(
      fc.integer({ min: 1, max: 5000 }).map((w) => ({ kind: 'window', binWidth: w }) as Binning),
      fc.integer({ min: 1, max: 40 }).map((b) => ({ kind: 'count', bins: b }) as Binning),
    );
    fc.assert(
      fc.property(events(50, 100_000), binning, (rec, b) => {
        const f = toFrames(rec, b);
        expect(f.outside).toBe(0);
        expect(sum(f.counts)).toBe(rec.ids.length);
      }),
      RUNS,
    );
  });

  it('fixed windows: counted + outside = total', () => {
    fc.assert(
      fc.property(
        events(20, 10_000),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 1000 }),
        (rec, steps, w) => {
          const t = recordsToTensor([rec], { steps, window: { kind: 'fixed', start: 0, binWidth: w }, binary: false });
          expect(sum(t.tensor.data) + t.outsideEvents).toBe(rec.ids.length);
        },
      ),
      RUNS,
    );
  });

  it('spatial downsampling and channel pooling keep every event, per polarity', () => {
    fc.assert(
      fc.property(events(2312, 1000), fc.integer({ min: 1, max: 6 }), (rec, f) => {
        const d = downsampleSensor({ ...rec, sensor: { width: 34, height: 34, polarities: 2 } }, f);
        expect(d.ids.length).toBe(rec.ids.length);
        const side = Math.ceil(34 / f);
        const onBefore = Array.from(rec.ids).filter((id) => id >= 1156).length;
        const onAfter = Array.from(d.ids).filter((id) => id >= side * side).length;
        expect(onAfter).toBe(onBefore);
        expect(Math.max(-1, ...d.ids)).toBeLessThan(d.channels);
        const p = poolChannels(rec, f);
        expect(p.ids.length).toBe(rec.ids.length);
        expect(Math.max(-1, ...p.ids)).toBeLessThan(p.channels);
      }),
      RUNS,
    );
  });
});
