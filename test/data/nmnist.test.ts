import { describe, expect, it } from 'vitest';
import { decodeNmnist, encodeNmnist, NMNIST_OVERFLOW_US } from '../../src/data/nmnist.js';
import { RouserError } from '../../src/util/errors.js';

describe('N-MNIST .bin reader', () => {
  it('decodes hand-written golden bytes (x, y, polarity bit 7, 23-bit timestamp)', () => {
    const bytes = Uint8Array.from([3, 5, 0x80, 0x00, 0x07, 33, 0, 0x01, 0x23, 0x45, 0, 33, 0x7f, 0xff, 0xff]);
    const rec = decodeNmnist(bytes, 'golden.bin');
    expect(rec.channels).toBe(2312);
    expect(rec.timeUnit).toBe('us');
    expect(rec.sensor).toEqual({ width: 34, height: 34, polarities: 2 });
    expect(Array.from(rec.times)).toEqual([7, 0x012345, 2 ** 23 - 1]);
    expect(Array.from(rec.ids)).toEqual([(34 + 5) * 34 + 3, 33, 33 * 34]);
  });

  it('rejects timestamps that go backwards, naming the byte offset', () => {
    const bytes = Uint8Array.from([3, 5, 0x81, 0x23, 0x45, 33, 0, 0x00, 0x00, 0x07]);
    expect(() => decodeNmnist(bytes, 'back.bin')).toThrow(
      'back.bin: field timestamp at byte 7 is 7; expected >= 74565 us (timestamps must not decrease)',
    );
  });

  it('decodes ids as (p*34 + y)*34 + x', () => {
    const rec = decodeNmnist(Uint8Array.from([3, 5, 0x80, 0x00, 0x01, 33, 0, 0x00, 0x00, 0x02]), 'ids.bin');
    expect(Array.from(rec.ids)).toEqual([(1 * 34 + 5) * 34 + 3, 33]);
    expect(Array.from(rec.times)).toEqual([1, 2]);
  });

  it('handles the overflow marker: drops it and adds 2^13 us to later events', () => {
    const bytes = Uint8Array.from([1, 1, 0, 0, 100, 0, 240, 0, 0, 0, 2, 2, 0, 0, 16]);
    const rec = decodeNmnist(bytes, 'ovf.bin');
    expect(Array.from(rec.times)).toEqual([100, 16 + NMNIST_OVERFLOW_US]);
    expect(Array.from(rec.ids)).toEqual([35, 70]);
  });

  it('reports a truncated last record with the byte offset', () => {
    expect(() => decodeNmnist(new Uint8Array(12), 'trunc.bin')).toThrow(RouserError);
    expect(() => decodeNmnist(new Uint8Array(12), 'trunc.bin')).toThrow(
      'trunc.bin: field length (trailing bytes at byte 10) is 12; expected a multiple of 5 bytes (5 bytes per event); the last record is truncated',
    );
  });

  it('rejects pixels outside 34x34', () => {
    expect(() => decodeNmnist(Uint8Array.from([40, 0, 0, 0, 1]), 'x.bin')).toThrow(
      'x.bin: field x at byte 0 is 40; expected an integer in [0, 34)',
    );
    expect(() => decodeNmnist(Uint8Array.from([0, 35, 0, 0, 1]), 'y.bin')).toThrow(
      'y.bin: field y at byte 1 is 35; expected an integer in [0, 34) or 240 (overflow marker)',
    );
  });

  it('encodes golden bytes and inserts overflow markers for times past 23 bits', () => {
    const rec = {
      channels: 2312,
      ids: Int32Array.from([(34 + 5) * 34 + 3]),
      times: Float64Array.from([0x012345]),
      timeUnit: 'us' as const,
    };
    expect(Array.from(encodeNmnist(rec))).toEqual([3, 5, 0x81, 0x23, 0x45]);
    const late = {
      channels: 2312,
      ids: Int32Array.from([0, 1]),
      times: Float64Array.from([5, 2 ** 23 + 10]),
      timeUnit: 'us' as const,
    };
    const bytes = encodeNmnist(late);
    expect(bytes.length).toBe(15);
    expect(Array.from(bytes.subarray(5, 10))).toEqual([0, 240, 0, 0, 0]);
    expect(Array.from(decodeNmnist(bytes, 'late.bin').times)).toEqual([5, 2 ** 23 + 10]);
  });
});
