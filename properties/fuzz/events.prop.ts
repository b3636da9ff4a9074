import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeAedat31, encodeAedat31, parseGestureLabels, parseTrialList } from '../../src/data/aedat.js';
import { decodeNmnist, encodeNmnist } from '../../src/data/nmnist.js';
import type { SpikeRecord } from '../../src/model/spikes.js';
import { expectBoundedTime, fuzzRuns, mutate, mutationsArb, parseOrRefuse } from './mutate.js';

type Events = { ids: number[]; times: number[] } | 'invalid';

function events(channels: number, maxTime: number): fc.Arbitrary<SpikeRecord> {
  return fc
    .array(fc.tuple(fc.integer({ min: 0, max: channels - 1 }), fc.integer({ min: 0, max: maxTime })), { maxLength: 40 })
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

/** N-MNIST .bin read from the format description (Orchard et al. 2015; overflow marker y = 240 adds 2^13 us). */
function refNmnist(b: Uint8Array): Events {
  if (b.length % 5 !== 0) return 'invalid';
  const ids: number[] = [];
  const times: number[] = [];
  let extra = 0;
  let last = -1;
  for (let r = 0; r < b.length / 5; r++) {
    const [x, y, c, d, e] = [b[5 * r], b[5 * r + 1], b[5 * r + 2], b[5 * r + 3], b[5 * r + 4]] as number[] as [
      number,
      number,
      number,
      number,
      number,
    ];
    if (y === 240) {
      extra += 8192;
      continue;
    }
    if (x > 33 || y > 33) return 'invalid';
    const t = (c % 128) * 65536 + d * 256 + e + extra;
    if (t < last) return 'invalid';
    last = t;
    ids.push((c >= 128 ? 1 : 0) * 1156 + y * 34 + x);
    times.push(t);
  }
  return { ids, times };
}

/** AEDAT 3.1 read from the format description (header lines, 28-byte packet headers, 8-byte polarity events). */
function refAedat(b: Uint8Array): Events {
  if (b.length === 0) return 'invalid';
  let p = 0;
  let first = true;
  for (;;) {
    if (p >= b.length || b[p] !== 35) return 'invalid';
    const nl = b.indexOf(10, p);
    if (nl < 0) return 'invalid';
    let line = Buffer.from(b.subarray(p, nl)).toString('latin1');
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (first && line !== '#!AER-DAT3.1') return 'invalid';
    first = false;
    p = nl + 1;
    if (line === '#!END-HEADER') break;
  }
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const ev: [number, number, number][] = [];
  while (p < b.length) {
    if (b.length - p < 28) return 'invalid';
    const type = dv.getInt16(p, true);
    const size = dv.getInt32(p + 4, true);
    const over = dv.getInt32(p + 12, true);
    const cap = dv.getInt32(p + 16, true);
    const num = dv.getInt32(p + 20, true);
    if (size < 1 || cap < 0 || num < 0 || num > cap) return 'invalid';
    if (p + 28 + cap * size > b.length) return 'invalid';
    if (type === 1) {
      if (size !== 8) return 'invalid';
      for (let k = 0; k < num; k++) {
        const q = p + 28 + 8 * k;
        const data = dv.getUint32(q, true);
        if (data % 2 === 0) continue;
        const y = Math.floor(data / 4) % 32768;
        const x = Math.floor(data / 131072) % 32768;
        if (x > 127 || y > 127) return 'invalid';
        ev.push([
          (Math.floor(data / 2) % 2) * 16384 + y * 128 + x,
          over * 2147483648 + dv.getInt32(q + 4, true),
          ev.length,
        ]);
      }
    }
    p += 28 + cap * size;
  }
  ev.sort((u, v) => u[1] - v[1] || u[2] - v[2]);
  return { ids: ev.map((e) => e[0]), times: ev.map((e) => e[1]) };
}

/** DVS labels CSV from its description: the header row, then rows of three decimal integers, blanks skipped. */
function refLabels(text: string): { label: number; startUs: number; endUs: number }[] | 'invalid' {
  const rows = text.split('\n').map((r) => (r.endsWith('\r') ? r.slice(0, -1) : r));
  if ((rows[0] ?? '').replace(/^\uFEFF/, '').replace(/\s/g, '') !== 'class,startTime_usec,endTime_usec')
    return 'invalid';
  const out: { label: number; startUs: number; endUs: number }[] = [];
  for (const r of rows.slice(1)) {
    if (r.trim() === '') continue;
    const cells = r.split(',').map((c) => c.trim());
    if (cells.length !== 3 || cells.some((c) => !/^[0-9]+$/.test(c))) return 'invalid';
    const [c, s, e] = cells.map((x) => parseInt(x, 10)) as [number, number, number];
    if (c < 1 || c > 11 || e <= s || !Number.isSafeInteger(e)) return 'invalid';
    out.push({ label: c - 1, startUs: s, endUs: e });
  }
  return out;
}

/** Trial list from its description: one plain `.aedat` file name per line. */
function refTrials(text: string): string[] | 'invalid' {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const l = raw.replace(/\r$/, '').trim();
    if (l === '') continue;
    if (!l.toLowerCase().endsWith('.aedat') || l.includes('/') || l.includes('\\') || l.startsWith('.'))
      return 'invalid';
    for (const ch of l) if (ch.charCodeAt(0) < 32 || ch.charCodeAt(0) === 127) return 'invalid';
    out.push(l);
  }
  return out;
}

function agree(where: string, bytes: Uint8Array, parse: () => SpikeRecord, ref: Events): void {
  const t0 = performance.now();
  const got = parseOrRefuse(where, parse);
  expectBoundedTime(t0, bytes.length);
  if (!got.ok) {
    expect(ref, `parser refused a file the independent decoder reads: ${got.message}`).toBe('invalid');
    return;
  }
  expect(ref, 'parser accepted a file the independent decoder refuses').not.toBe('invalid');
  if (ref === 'invalid') return;
  expect(Array.from(got.value.ids)).toEqual(ref.ids);
  expect(Array.from(got.value.times)).toEqual(ref.times);
}

describe('fuzz: mutated event files agree with an independent decoder or are refused naming the file and byte', () => {
  it('N-MNIST .bin', () => {
    fc.assert(
      fc.property(events(2312, 2 ** 24), mutationsArb, (rec, ms) => {
        const bytes = mutate(encodeNmnist(rec), ms);
        agree('fuzz.bin', bytes, () => decodeNmnist(bytes, 'fuzz.bin'), refNmnist(bytes));
      }),
      fuzzRuns(300),
    );
  });

  it('AEDAT 3.1', () => {
    fc.assert(
      fc.property(
        events(32768, 2 ** 32),
        fc.integer({ min: 1, max: 8 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 2 }),
        mutationsArb,
        (rec, packetEvents, specialPackets, spareCapacity, ms) => {
          const bytes = mutate(encodeAedat31(rec, { packetEvents, specialPackets, spareCapacity }), ms);
          agree('fuzz.aedat', bytes, () => decodeAedat31(bytes, 'fuzz.aedat').events, refAedat(bytes));
        },
      ),
      fuzzRuns(300),
    );
  });

  const rowsArb = fc.array(
    fc.tuple(
      fc.integer({ min: 1, max: 11 }),
      fc.integer({ min: 0, max: 9_000_000 }),
      fc.integer({ min: 1, max: 2_000_000 }),
    ),
    { maxLength: 12 },
  );

  it('DVS labels CSV (empty cells, broken rows, bad header)', () => {
    fc.assert(
      fc.property(rowsArb, fc.boolean(), mutationsArb, (rows, crlf, ms) => {
        const eol = crlf ? '\r\n' : '\n';
        const text0 =
          ['class,startTime_usec,endTime_usec', ...rows.map(([c, s, d]) => `${c},${s},${s + d}`)].join(eol) + eol;
        const text = new TextDecoder().decode(mutate(new TextEncoder().encode(text0), ms));
        const t0 = performance.now();
        const got = parseOrRefuse('fuzz_labels.csv', () => parseGestureLabels(text, 'fuzz_labels.csv'));
        expectBoundedTime(t0, text.length);
        const ref = refLabels(text);
        if (!got.ok) expect(ref, got.message).toBe('invalid');
        else expect(got.value.map(({ label, startUs, endUs }) => ({ label, startUs, endUs }))).toEqual(ref);
      }),
      fuzzRuns(300),
    );
  });

  it('trial lists', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^user[0-9]{2}_[a-z]{1,8}$/), { maxLength: 8 }),
        mutationsArb,
        (names, ms) => {
          const text0 = names.map((n) => `${n}.aedat`).join('\r\n') + '\r\n';
          const text = new TextDecoder().decode(mutate(new TextEncoder().encode(text0), ms));
          const got = parseOrRefuse('trials_to_train.txt', () => parseTrialList(text, 'trials_to_train.txt'));
          const ref = refTrials(text);
          if (!got.ok) expect(ref, got.message).toBe('invalid');
          else expect(got.value).toEqual(ref);
        },
      ),
      fuzzRuns(300),
    );
  });
});
