import type { SpikeRecord } from '../model/spikes.js';
import { fail } from '../util/errors.js';

/** SHD/SSC cochlea channels (Cramer et al. 2022). */
export const SHD_CHANNELS = 700;

let halfTable: Float32Array | undefined;

/**
 * The 65536-entry table from IEEE 754 binary16 bit patterns to their values (subnormals, infinities and NaN
 * included): value = (-1)^s * 2^(e-15) * (1 + m/1024) for 0 < e < 31, (-1)^s * 2^-14 * m/1024 for e = 0.
 */
export function halfFloatTable(): Float32Array {
  if (halfTable) return halfTable;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const m = h & 0x3ff;
    t[h] =
      e === 0
        ? s * 2 ** -14 * (m / 1024)
        : e === 31
          ? m === 0
            ? s * Infinity
            : NaN
          : s * 2 ** (e - 15) * (1 + m / 1024);
  }
  halfTable = t;
  return t;
}

/** Element type of a ragged HDF5 row: float (2, 4 or 8 bytes) or integer (1, 2, 4 or 8 bytes). */
export type RowType = { kind: 'float'; bytes: 2 | 4 | 8 } | { kind: 'uint' | 'int'; bytes: 1 | 2 | 4 | 8 };

/**
 * Decodes the little-endian bytes of one ragged row into numbers (float16 through {@link halfFloatTable}).
 * @param bytes exactly `count * type.bytes` bytes
 */
export function decodeRow(bytes: Uint8Array, type: RowType): Float64Array {
  const n = Math.floor(bytes.length / type.bytes);
  const out = new Float64Array(n);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (type.kind) {
    case 'float': {
      if (type.bytes === 2) {
        const t = halfFloatTable();
        for (let i = 0; i < n; i++) out[i] = t[v.getUint16(2 * i, true)] as number;
      } else if (type.bytes === 4) for (let i = 0; i < n; i++) out[i] = v.getFloat32(4 * i, true);
      else for (let i = 0; i < n; i++) out[i] = v.getFloat64(8 * i, true);
      return out;
    }
    case 'uint':
    case 'int': {
      const signed = type.kind === 'int';
      for (let i = 0; i < n; i++) {
        const o = i * type.bytes;
        switch (type.bytes) {
          case 1:
            out[i] = signed ? v.getInt8(o) : v.getUint8(o);
            break;
          case 2:
            out[i] = signed ? v.getInt16(o, true) : v.getUint16(o, true);
            break;
          case 4:
            out[i] = signed ? v.getInt32(o, true) : v.getUint32(o, true);
            break;
          case 8:
            out[i] = Number(signed ? v.getBigInt64(o, true) : v.getBigUint64(o, true));
            break;
        }
      }
      return out;
    }
    default: {
      const never: never = type;
      return fail('decodeRow', 'type', never, 'float or integer');
    }
  }
}

/**
 * Builds one SHD/SSC sample from its ragged rows: `timesS` in seconds and `units` (channels). Times become
 * microseconds; events are stably sorted by time (the published files are sorted; ties keep file order).
 * Errors name `where` (file and sample index), the element and the expectation.
 */
export function shdSample(
  timesS: ArrayLike<number>,
  units: ArrayLike<number>,
  where: string,
  channels = SHD_CHANNELS,
): SpikeRecord {
  if (timesS.length !== units.length) fail(where, 'units.length', units.length, `${timesS.length} (= times.length)`);
  const n = timesS.length;
  const ids = new Int32Array(n);
  const times = new Float64Array(n);
  let sorted = true;
  for (let k = 0; k < n; k++) {
    const u = units[k] as number;
    if (!Number.isInteger(u) || u < 0 || u >= channels)
      fail(where, `units[${k}]`, u, `an integer channel in [0, ${channels})`);
    const t = timesS[k] as number;
    if (!Number.isFinite(t) || t < 0) fail(where, `times[${k}]`, t, 'a finite time >= 0 in seconds');
    ids[k] = u;
    times[k] = t * 1e6;
    if (k > 0 && (times[k] as number) < (times[k - 1] as number)) sorted = false;
  }
  if (!sorted) {
    const order = Array.from({ length: n }, (_, i) => i).sort(
      (a, b) => (times[a] as number) - (times[b] as number) || a - b,
    );
    const ids2 = Int32Array.from(order, (i) => ids[i] as number);
    const times2 = Float64Array.from(order, (i) => times[i] as number);
    return { channels, ids: ids2, times: times2, timeUnit: 'us' };
  }
  return { channels, ids, times, timeUnit: 'us' };
}
