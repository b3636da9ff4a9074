import { describe, expect, it } from 'vitest';
import {
  decodeAedat31,
  encodeAedat31,
  parseGestureLabels,
  parseTrialList,
  sliceGestureWindows,
} from '../../src/data/aedat.js';

function header(lines = ['#!AER-DAT3.1', '#!END-HEADER']): number[] {
  return Array.from(Buffer.from(lines.map((l) => `${l}\r\n`).join(''), 'latin1'));
}

function packet(
  type: number,
  size: number,
  overflow: number,
  capacity: number,
  number: number,
  body: number[],
): number[] {
  const h = Buffer.alloc(28);
  h.writeInt16LE(type, 0);
  h.writeInt16LE(1, 2);
  h.writeInt32LE(size, 4);
  h.writeInt32LE(4, 8);
  h.writeInt32LE(overflow, 12);
  h.writeInt32LE(capacity, 16);
  h.writeInt32LE(number, 20);
  h.writeInt32LE(number, 24);
  return [...h, ...body];
}

function event(x: number, y: number, p: number, valid: number, ts: number): number[] {
  const b = Buffer.alloc(8);
  b.writeUInt32LE(((x << 17) | (y << 2) | (p << 1) | valid) >>> 0, 0);
  b.writeInt32LE(ts, 4);
  return [...b];
}

describe('AEDAT 3.1 reader', () => {
  it('decodes hand-built packets: skips other types and invalid events, applies the overflow epoch', () => {
    const bytes = Uint8Array.from([
      ...header(['#!AER-DAT3.1', '#Format: RAW', '#!END-HEADER']),
      ...packet(0, 8, 0, 1, 1, event(0, 0, 0, 1, 5)), // special event packet: skipped
      ...packet(1, 8, 0, 3, 2, [
        ...event(10, 20, 1, 1, 1000),
        ...event(11, 21, 0, 0, 1001),
        ...event(127, 127, 0, 1, 9999),
      ]),
      ...packet(1, 8, 1, 1, 1, event(1, 2, 0, 1, 3)),
    ]);
    const f = decodeAedat31(bytes, 'hand.aedat');
    expect(f.headerLines).toEqual(['#!AER-DAT3.1', '#Format: RAW', '#!END-HEADER']);
    expect(f.packetsByType).toEqual({ 0: 1, 1: 2 });
    expect(f.invalidEvents).toBe(1);
    // capacity 3 but eventNumber 2: the third slot is unused and not read
    expect(Array.from(f.events.ids)).toEqual([(128 + 20) * 128 + 10, 2 * 128 + 1]);
    expect(Array.from(f.events.times)).toEqual([1000, 2 ** 31 + 3]);
  });

  it('names the byte offset of a truncated packet and a bad header', () => {
    const good = [...header(), ...packet(1, 8, 0, 2, 2, [...event(1, 1, 1, 1, 1), ...event(1, 1, 1, 1, 2)])];
    const h = header().length;
    expect(() => decodeAedat31(Uint8Array.from(good.slice(0, -3)), 't.aedat')).toThrow(
      `t.aedat: field packet at byte ${h} (type 1) is "13 body bytes"; expected 16 bytes (eventCapacity 2 x eventSize 8; the file is truncated)`,
    );
    expect(() => decodeAedat31(Uint8Array.from(good.slice(0, h + 10)), 't.aedat')).toThrow(
      `t.aedat: field packet header at byte ${h} is "10 bytes"; expected 28 bytes (the file is truncated)`,
    );
    expect(() => decodeAedat31(Uint8Array.from(header(['#!AER-DAT2.0', '#!END-HEADER'])), 'v2.aedat')).toThrow(
      'v2.aedat: field first line at byte 0 is "#!AER-DAT2.0"; expected "#!AER-DAT3.1" (AEDAT version 3.1)',
    );
    expect(() => decodeAedat31(new Uint8Array(0), 'empty.aedat')).toThrow(
      'empty.aedat: field length is 0; expected a non-empty AEDAT 3.1 file',
    );
    expect(() =>
      decodeAedat31(Uint8Array.from([...header(), ...packet(1, 8, 0, 1, 1, event(200, 1, 1, 1, 1))]), 'px.aedat'),
    ).toThrow('px.aedat: field event at byte 56 (x, y) is "200, 1"; expected a pixel inside 128 x 128');
  });

  it('encoder output decodes back, with special packets and spare capacity', () => {
    const rec = {
      channels: 128 * 128 * 2,
      ids: Int32Array.from([5, 16384 + 77, 900]),
      times: Float64Array.from([0, 10, 2 ** 31 + 7]),
      timeUnit: 'us' as const,
    };
    const bytes = encodeAedat31(rec, { packetEvents: 2, specialPackets: true, spareCapacity: 1 });
    const f = decodeAedat31(bytes, 'enc.aedat');
    expect(Array.from(f.events.ids)).toEqual([5, 16384 + 77, 900]);
    expect(Array.from(f.events.times)).toEqual([0, 10, 2 ** 31 + 7]);
    expect(f.packetsByType[0]).toBe(2);
  });
});

describe('DVS Gesture labels and trial lists', () => {
  const csv = 'class,startTime_usec,endTime_usec\r\n1,100,200\r\n1,150,300\r\n11,100,200\r\n\r\n';

  it('parses CRLF rows with repeated and overlapping windows (label = class - 1)', () => {
    expect(parseGestureLabels(csv, 'u01_labels.csv')).toEqual([
      { label: 0, startUs: 100, endUs: 200, row: 2 },
      { label: 0, startUs: 150, endUs: 300, row: 3 },
      { label: 10, startUs: 100, endUs: 200, row: 4 },
    ]);
  });

  it('slices overlapping windows start <= t < end, each shifted to 0', () => {
    const ev = {
      channels: 4,
      ids: Int32Array.from([0, 1, 2, 3, 0]),
      times: Float64Array.from([99, 100, 150, 200, 299]),
      timeUnit: 'us' as const,
    };
    const w = parseGestureLabels(csv, 'x.csv');
    const s = sliceGestureWindows(ev, w);
    expect(s.map((r) => Array.from(r.times))).toEqual([
      [0, 50],
      [0, 50, 149],
      [0, 50],
    ]);
  });

  it('names the row of a label out of range or a malformed row', () => {
    expect(() => parseGestureLabels('class,startTime_usec,endTime_usec\r\n12,1,2\r\n', 'bad.csv')).toThrow(
      'bad.csv: field row 2 class is "12"; expected an integer class in 1..11',
    );
    expect(() => parseGestureLabels('class,startTime_usec,endTime_usec\n3,5,5\n', 'bad.csv')).toThrow(
      'bad.csv: field row 2 endTime_usec is "5"; expected an integer > startTime_usec (5)',
    );
    expect(() => parseGestureLabels('cls,start,end\n', 'hdr.csv')).toThrow(
      'hdr.csv: field row 1 (header) is "cls,start,end"; expected "class,startTime_usec,endTime_usec"',
    );
  });

  it('reads trial lists with CRLF and blank lines', () => {
    expect(parseTrialList('user01_fluorescent.aedat\r\nuser02_lab.aedat\r\n\r\n')).toEqual([
      'user01_fluorescent.aedat',
      'user02_lab.aedat',
    ]);
  });
});
