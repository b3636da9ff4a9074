import { SpikeRecordBuilder, type SensorShape, type SpikeRecord } from '../model/spikes.js';
import { fail } from '../util/errors.js';

/** N-MNIST sensor geometry (ATIS crop): 34 x 34 pixels, 2 polarities (0 = OFF, 1 = ON). */
export const NMNIST_SENSOR: Readonly<SensorShape> = { width: 34, height: 34, polarities: 2 };

/** Bytes per N-MNIST event. */
export const NMNIST_EVENT_BYTES = 5;

/** The y value that marks a timestamp-overflow record (Orchard et al. 2015 file format, as read by tonic). */
export const NMNIST_OVERFLOW_Y = 240;

/** Microseconds added to all later timestamps by one overflow marker (2^13, as in tonic's reader). */
export const NMNIST_OVERFLOW_US = 2 ** 13;

/** Largest raw timestamp (23 bits), in microseconds. */
export const NMNIST_MAX_RAW_US = 2 ** 23 - 1;

/**
 * Decodes one N-MNIST `.bin` file (Orchard et al. 2015). No header; each event is 5 bytes:
 * `x = b0`, `y = b1`, `polarity = b2 >> 7` (1 = ON), `timeUs = (b2 & 0x7F) << 16 | b3 << 8 | b4`.
 * A record with `y == 240` is an overflow marker: it is dropped and 2^13 us is added to every later timestamp.
 * Channel id = `(p * 34 + y) * 34 + x`; times are in microseconds.
 *
 * Errors (a `RouserError` naming `where` and the byte offset): a length that is not a multiple of 5, x or y outside
 * the 34 x 34 sensor, timestamps going backwards.
 * @param bytes the file contents
 * @param where the file name used in messages
 */
export function decodeNmnist(bytes: Uint8Array, where = 'nmnist.bin'): SpikeRecord {
  if (bytes.length % NMNIST_EVENT_BYTES !== 0)
    fail(
      where,
      `length (trailing bytes at byte ${bytes.length - (bytes.length % NMNIST_EVENT_BYTES)})`,
      bytes.length,
      `a multiple of ${NMNIST_EVENT_BYTES} bytes (5 bytes per event); the last record is truncated`,
    );
  const n = bytes.length / NMNIST_EVENT_BYTES;
  const { width, height } = NMNIST_SENSOR;
  const b = new SpikeRecordBuilder(width * height * 2, 'us', Math.max(1, n), NMNIST_SENSOR);
  let overflowUs = 0;
  let prev = -1;
  for (let k = 0, off = 0; k < n; k++, off += NMNIST_EVENT_BYTES) {
    const x = bytes[off] as number;
    const y = bytes[off + 1] as number;
    const b2 = bytes[off + 2] as number;
    if (y === NMNIST_OVERFLOW_Y) {
      overflowUs += NMNIST_OVERFLOW_US;
      continue;
    }
    if (x >= width) fail(where, `x at byte ${off}`, x, `an integer in [0, ${width})`);
    if (y >= height)
      fail(where, `y at byte ${off + 1}`, y, `an integer in [0, ${height}) or ${NMNIST_OVERFLOW_Y} (overflow marker)`);
    const t = (((b2 & 0x7f) << 16) | ((bytes[off + 3] as number) << 8) | (bytes[off + 4] as number)) + overflowUs;
    if (t < prev) fail(where, `timestamp at byte ${off + 2}`, t, `>= ${prev} us (timestamps must not decrease)`);
    prev = t;
    const p = b2 >> 7;
    b.push((p * height + y) * width + x, t);
  }
  return b.finish();
}

/**
 * Encodes a record on the N-MNIST sensor as `.bin` bytes, the inverse of {@link decodeNmnist}: times are rounded
 * to integer microseconds, and overflow markers (`x = 0, y = 240`, timestamp 0) are inserted whenever a time no
 * longer fits in 23 bits after the markers already written.
 * @throws RouserError when ids are outside 34 x 34 x 2 or times are negative, non-integer or decreasing.
 */
export function encodeNmnist(rec: SpikeRecord, where = 'encodeNmnist'): Uint8Array {
  const { width, height } = NMNIST_SENSOR;
  const channels = width * height * 2;
  if (rec.channels !== channels) fail(where, 'channels', rec.channels, `${channels} (34 x 34 x 2)`);
  const n = rec.ids.length;
  let markers = 0;
  let prev = 0;
  for (let k = 0; k < n; k++) {
    const t = rec.times[k] as number;
    if (!Number.isInteger(t) || t < prev) fail(where, `times[${k}]`, t, `an integer number of microseconds >= ${prev}`);
    prev = t;
  }
  if (n > 0) markers = Math.max(0, Math.ceil(((rec.times[n - 1] as number) - NMNIST_MAX_RAW_US) / NMNIST_OVERFLOW_US));
  const out = new Uint8Array((n + markers) * NMNIST_EVENT_BYTES);
  let off = 0;
  let written = 0;
  for (let k = 0; k < n; k++) {
    const t = rec.times[k] as number;
    const need = Math.max(0, Math.ceil((t - NMNIST_MAX_RAW_US) / NMNIST_OVERFLOW_US));
    while (written < need) {
      out[off + 1] = NMNIST_OVERFLOW_Y;
      off += NMNIST_EVENT_BYTES;
      written++;
    }
    const id = rec.ids[k] as number;
    if (!(id >= 0 && id < channels)) fail(where, `ids[${k}]`, id, `an integer in [0, ${channels})`);
    const x = id % width;
    const y = Math.floor(id / width) % height;
    const p = Math.floor(id / (width * height));
    const raw = t - written * NMNIST_OVERFLOW_US;
    out[off] = x;
    out[off + 1] = y;
    out[off + 2] = (p << 7) | ((raw >> 16) & 0x7f);
    out[off + 3] = (raw >> 8) & 0xff;
    out[off + 4] = raw & 0xff;
    off += NMNIST_EVENT_BYTES;
  }
  return out;
}
