import { SpikeRecordBuilder, type SensorShape, type SpikeRecord } from '../model/spikes.js';
import { fail } from '../util/errors.js';
import { cropTime, shiftTime } from './transforms.js';

/** DVS128 sensor geometry: 128 x 128 pixels, 2 polarities (0 = OFF, 1 = ON). */
export const DVS128_SENSOR: Readonly<SensorShape> = { width: 128, height: 128, polarities: 2 };

/** AEDAT 3.1 packet header size in bytes. */
export const AEDAT_PACKET_HEADER_BYTES = 28;

/** AEDAT 3.1 event type of polarity events (the only type holding DVS events). */
export const AEDAT_POLARITY_TYPE = 1;

/** A parsed AEDAT 3.1 file: the header lines and the polarity events (microseconds). */
export interface AedatFile {
  headerLines: string[];
  events: SpikeRecord;
  /** Packets seen, by event type. */
  packetsByType: Record<number, number>;
  /** Polarity events whose valid bit was 0 (skipped). */
  invalidEvents: number;
}

/**
 * Decodes an AEDAT 3.1 file (iniVation / DVS128 Gesture). The header is ASCII lines starting with `#`, ending in
 * CRLF (LF accepted), the first being `#!AER-DAT3.1` and the last `#!END-HEADER`. Then packets: a 28-byte
 * little-endian header {int16 eventType, int16 eventSource, int32 eventSize, int32 eventTSOffset, int32
 * eventTSOverflow, int32 eventCapacity, int32 eventNumber, int32 eventValid} and `eventCapacity * eventSize` bytes.
 * Polarity events (type 1, size 8): uint32 data (bit0 valid, bit1 polarity, y = data>>>2 & 0x7FFF,
 * x = data>>>17 & 0x7FFF) and int32 ts; time = eventTSOverflow * 2^31 + ts microseconds. Other types are skipped.
 * Events are stably sorted by time if a file holds them out of order.
 * @throws RouserError naming `where`, the byte offset and the expectation (bad header, truncated packet, pixel
 *   outside the sensor)
 */
export function decodeAedat31(bytes: Uint8Array, where = 'file.aedat', sensor: SensorShape = DVS128_SENSOR): AedatFile {
  if (bytes.length === 0) fail(where, 'length', 0, 'a non-empty AEDAT 3.1 file starting with "#!AER-DAT3.1"');
  const headerLines: string[] = [];
  let off = 0;
  for (;;) {
    if (off >= bytes.length) fail(where, `header at byte ${off}`, 'end of file', 'a line "#!END-HEADER"');
    if (bytes[off] !== 0x23)
      fail(
        where,
        `header line at byte ${off}`,
        String.fromCharCode(bytes[off] as number),
        'a line starting with "#" (missing #!END-HEADER?)',
      );
    let end = off;
    while (end < bytes.length && bytes[end] !== 0x0a) end++;
    if (end >= bytes.length) fail(where, `header line at byte ${off}`, 'end of file', 'a line ending with CRLF');
    let line = '';
    for (let i = off; i < end; i++) line += String.fromCharCode(bytes[i] as number);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (headerLines.length === 0 && line !== '#!AER-DAT3.1')
      fail(where, 'first line at byte 0', line, '"#!AER-DAT3.1" (AEDAT version 3.1)');
    headerLines.push(line);
    off = end + 1;
    if (line === '#!END-HEADER') break;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { width, height } = sensor;
  const b = new SpikeRecordBuilder(
    width * height * sensor.polarities,
    'us',
    Math.max(16, (bytes.length - off) >> 3),
    sensor,
  );
  const packetsByType: Record<number, number> = {};
  let invalidEvents = 0;
  let sorted = true;
  let prev = -Infinity;
  while (off < bytes.length) {
    if (off + AEDAT_PACKET_HEADER_BYTES > bytes.length)
      fail(
        where,
        `packet header at byte ${off}`,
        `${bytes.length - off} bytes`,
        `${AEDAT_PACKET_HEADER_BYTES} bytes (the file is truncated)`,
      );
    const type = view.getInt16(off, true);
    const size = view.getInt32(off + 4, true);
    const tsOverflow = view.getInt32(off + 12, true);
    const capacity = view.getInt32(off + 16, true);
    const number = view.getInt32(off + 20, true);
    if (size < 1 || capacity < 0)
      fail(
        where,
        `packet header at byte ${off} (eventSize, eventCapacity)`,
        `${size}, ${capacity}`,
        'eventSize >= 1 and eventCapacity >= 0',
      );
    if (number > capacity || number < 0)
      fail(where, `eventNumber at byte ${off + 20}`, number, `an integer in [0, eventCapacity = ${capacity}]`);
    const body = off + AEDAT_PACKET_HEADER_BYTES;
    const bodyEnd = body + capacity * size;
    if (bodyEnd > bytes.length)
      fail(
        where,
        `packet at byte ${off} (type ${type})`,
        `${bytes.length - body} body bytes`,
        `${capacity * size} bytes (eventCapacity ${capacity} x eventSize ${size}; the file is truncated)`,
      );
    packetsByType[type] = (packetsByType[type] ?? 0) + 1;
    if (type === AEDAT_POLARITY_TYPE) {
      if (size !== 8) fail(where, `eventSize at byte ${off + 4}`, size, '8 for polarity events');
      const base = tsOverflow * 2 ** 31;
      for (let e = 0; e < number; e++) {
        const p = body + e * 8;
        const data = view.getUint32(p, true);
        if ((data & 1) === 0) {
          invalidEvents++;
          continue;
        }
        const y = (data >>> 2) & 0x7fff;
        const x = (data >>> 17) & 0x7fff;
        if (x >= width || y >= height)
          fail(where, `event at byte ${p} (x, y)`, `${x}, ${y}`, `a pixel inside ${width} x ${height}`);
        const t = base + view.getInt32(p + 4, true);
        if (t < prev) sorted = false;
        prev = t;
        b.push((((data >>> 1) & 1) * height + y) * width + x, t);
      }
    }
    off = bodyEnd;
  }
  let events = b.finish();
  if (!sorted) events = sortByTime(events);
  return { headerLines, events, packetsByType, invalidEvents };
}

function sortByTime(rec: SpikeRecord): SpikeRecord {
  const n = rec.ids.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => (rec.times[a] as number) - (rec.times[b] as number) || a - b);
  const ids = new Int32Array(n);
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    ids[i] = rec.ids[order[i] as number] as number;
    times[i] = rec.times[order[i] as number] as number;
  }
  const out: SpikeRecord = { channels: rec.channels, ids, times, timeUnit: rec.timeUnit };
  if (rec.sensor) out.sensor = { ...rec.sensor };
  return out;
}

/** Options of {@link encodeAedat31}. */
export interface AedatEncodeOptions {
  /** Maximum events per polarity packet (default 4096). */
  packetEvents?: number;
  /** Insert an empty special-event packet (type 0) before each polarity packet, to exercise skipping. */
  specialPackets?: boolean;
  /** Extra capacity beyond eventNumber per packet (unused slots, as real files have). Default 0. */
  spareCapacity?: number;
  /** Extra header lines (without the leading `#`). */
  headerComments?: string[];
}

/**
 * Encodes events (integer microseconds, DVS128 ids) as AEDAT 3.1 bytes, the inverse of {@link decodeAedat31}.
 * A new packet starts whenever the 2^31 us overflow epoch changes or a packet is full.
 */
export function encodeAedat31(
  rec: SpikeRecord,
  opts: AedatEncodeOptions = {},
  sensor: SensorShape = DVS128_SENSOR,
): Uint8Array {
  const where = 'encodeAedat31';
  const { width, height } = sensor;
  if (rec.channels !== width * height * sensor.polarities)
    fail(where, 'channels', rec.channels, `${width * height * sensor.polarities}`);
  const maxPer = opts.packetEvents ?? 4096;
  const spare = opts.spareCapacity ?? 0;
  const header = [
    '#!AER-DAT3.1',
    '#Format: RAW',
    '#Source 1: DVS128',
    ...(opts.headerComments ?? []).map((c) => `#${c}`),
    '#!END-HEADER',
  ]
    .map((l) => `${l}\r\n`)
    .join('');
  const packets: { epoch: number; from: number; to: number }[] = [];
  let k = 0;
  const n = rec.ids.length;
  while (k < n) {
    const t0 = rec.times[k] as number;
    if (!Number.isInteger(t0) || t0 < 0)
      fail(where, `times[${k}]`, t0, 'a non-negative integer number of microseconds');
    const epoch = Math.floor(t0 / 2 ** 31);
    let j = k + 1;
    while (j < n && j - k < maxPer && Math.floor((rec.times[j] as number) / 2 ** 31) === epoch) j++;
    packets.push({ epoch, from: k, to: j });
    k = j;
  }
  const special = opts.specialPackets ?? false;
  let total = header.length;
  for (const p of packets)
    total += AEDAT_PACKET_HEADER_BYTES + (p.to - p.from + spare) * 8 + (special ? AEDAT_PACKET_HEADER_BYTES : 0);
  const out = new Uint8Array(total);
  for (let i = 0; i < header.length; i++) out[i] = header.charCodeAt(i);
  const view = new DataView(out.buffer);
  let off = header.length;
  const writeHeader = (type: number, size: number, epoch: number, capacity: number, count: number): void => {
    view.setInt16(off, type, true);
    view.setInt16(off + 2, 1, true);
    view.setInt32(off + 4, size, true);
    view.setInt32(off + 8, 4, true);
    view.setInt32(off + 12, epoch, true);
    view.setInt32(off + 16, capacity, true);
    view.setInt32(off + 20, count, true);
    view.setInt32(off + 24, count, true);
    off += AEDAT_PACKET_HEADER_BYTES;
  };
  for (const p of packets) {
    if (special) writeHeader(0, 8, p.epoch, 0, 0);
    const count = p.to - p.from;
    writeHeader(AEDAT_POLARITY_TYPE, 8, p.epoch, count + spare, count);
    for (let e = p.from; e < p.to; e++) {
      const id = rec.ids[e] as number;
      if (!(id >= 0 && id < rec.channels)) fail(where, `ids[${e}]`, id, `an integer in [0, ${rec.channels})`);
      const x = id % width;
      const y = Math.floor(id / width) % height;
      const pol = Math.floor(id / (width * height));
      view.setUint32(off, ((x << 17) | (y << 2) | (pol << 1) | 1) >>> 0, true);
      view.setInt32(off + 4, (rec.times[e] as number) - p.epoch * 2 ** 31, true);
      off += 8;
    }
    off += spare * 8;
  }
  return out;
}

/** One labelled window of a DVS Gesture recording: `startUs <= t < endUs`, label = CSV class - 1. */
export interface GestureWindow {
  label: number;
  startUs: number;
  endUs: number;
  /** 1-based row in the CSV (header is row 1). */
  row: number;
}

/**
 * Parses a DVS Gesture `*_labels.csv` (header `class,startTime_usec,endTime_usec`, CRLF or LF, class 1..classes).
 * Windows may repeat a class or overlap; each row is one sample. Errors name the file and row.
 */
export function parseGestureLabels(text: string, where = 'labels.csv', classes = 11): GestureWindow[] {
  const lines = text.split(/\r?\n/);
  const head = (lines[0] ?? '').trim().replace(/^\uFEFF/, '');
  if (head.replace(/\s+/g, '') !== 'class,startTime_usec,endTime_usec')
    fail(where, 'row 1 (header)', head, '"class,startTime_usec,endTime_usec"');
  const out: GestureWindow[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    const cells = line.split(',').map((c) => c.trim());
    const row = i + 1;
    if (cells.length !== 3)
      fail(where, `row ${row}`, line, '3 comma-separated integers: class,startTime_usec,endTime_usec');
    const names = ['class', 'startTime_usec', 'endTime_usec'];
    cells.forEach((cell, k) => {
      if (!/^\d+$/.test(cell))
        fail(
          where,
          `row ${row} ${names[k]}`,
          cell,
          cell === '' ? 'a value (the cell is empty)' : 'a non-negative decimal integer',
        );
    });
    const [c, s, e] = cells.map(Number) as [number, number, number];
    if (!Number.isInteger(c) || c < 1 || c > classes)
      fail(where, `row ${row} class`, cells[0], `an integer class in 1..${classes}`);
    if (!Number.isInteger(s) || s < 0) fail(where, `row ${row} startTime_usec`, cells[1], 'a non-negative integer');
    if (!Number.isInteger(e) || e <= s)
      fail(where, `row ${row} endTime_usec`, cells[2], `an integer > startTime_usec (${s})`);
    out.push({ label: c - 1, startUs: s, endUs: e, row });
  }
  return out;
}

/**
 * Parses `trials_to_train.txt` / `trials_to_test.txt`: one `.aedat` file name per line (CRLF or LF, blanks
 * skipped). Each name must be a plain file name ending in `.aedat` (no folder separators, no control characters),
 * so a list can only name recordings inside the dataset folder.
 */
export function parseTrialList(text: string, where = 'trials list'): string[] {
  const out: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const l = raw.trim();
    if (l.length === 0) return;
    if (
      !/\.aedat$/i.test(l) ||
      /[\\/]/.test(l) ||
      [...l].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f) ||
      l.startsWith('.')
    )
      fail(where, `line ${i + 1}`, l, 'a plain .aedat file name (no folders, no control characters)');
    out.push(l);
  });
  return out;
}

/** Cuts a recording into one sample per labelled window, each shifted to start at time 0. */
export function sliceGestureWindows(events: SpikeRecord, windows: readonly GestureWindow[]): SpikeRecord[] {
  return windows.map((w) => shiftTime(cropTime(events, w.startUs, w.endUs), w.startUs));
}
