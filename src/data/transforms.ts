import { SpikeRecordBuilder, type SpikeRecord } from '../model/spikes.js';
import { fail } from '../util/errors.js';

/** N-MNIST saccade length: the first saccade covers `[0, 100 ms)` of each recording (Orchard et al. 2015). */
export const NMNIST_SACCADE_US = 100_000;

/**
 * Spatial downsampling of a camera record: pixel (x, y) maps to (floor(x/f), floor(y/f)), polarity is kept.
 * Every event is kept (counts are preserved; several events may now share a channel and time). The new sensor is
 * `ceil(width/f) x ceil(height/f)`.
 */
export function downsampleSensor(rec: SpikeRecord, factor: number, where = 'downsample'): SpikeRecord {
  if (!Number.isInteger(factor) || factor < 1) fail(where, 'factor', factor, 'a positive integer');
  const s = rec.sensor;
  if (!s) fail(where, 'sensor', undefined, 'a camera record with sensor geometry (use poolChannels for 1-D channels)');
  if (factor === 1) return rec;
  const w2 = Math.ceil(s.width / factor);
  const h2 = Math.ceil(s.height / factor);
  const sensor = { width: w2, height: h2, polarities: s.polarities };
  const n = rec.ids.length;
  const ids = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const id = rec.ids[k] as number;
    const x = id % s.width;
    const y = Math.floor(id / s.width) % s.height;
    const p = Math.floor(id / (s.width * s.height));
    ids[k] = (p * h2 + Math.floor(y / factor)) * w2 + Math.floor(x / factor);
  }
  return { channels: w2 * h2 * s.polarities, ids, times: rec.times.slice(), timeUnit: rec.timeUnit, sensor };
}

/**
 * Channel pooling for 1-D channel sets (e.g. SHD's 700 cochlea channels -> 140 with factor 5): channel c maps to
 * floor(c / factor). Every event is kept.
 */
export function poolChannels(rec: SpikeRecord, factor: number, where = 'poolChannels'): SpikeRecord {
  if (!Number.isInteger(factor) || factor < 1) fail(where, 'factor', factor, 'a positive integer');
  if (factor === 1) return rec;
  const ids = new Int32Array(rec.ids.length);
  for (let k = 0; k < ids.length; k++) ids[k] = Math.floor((rec.ids[k] as number) / factor);
  return { channels: Math.ceil(rec.channels / factor), ids, times: rec.times.slice(), timeUnit: rec.timeUnit };
}

/** Keeps events with `start <= t < end` (times in the record's unit), unchanged (not shifted). */
export function cropTime(rec: SpikeRecord, start: number, end: number): SpikeRecord {
  let lo = 0;
  while (lo < rec.times.length && (rec.times[lo] as number) < start) lo++;
  let hi = lo;
  while (hi < rec.times.length && (rec.times[hi] as number) < end) hi++;
  const out: SpikeRecord = {
    channels: rec.channels,
    ids: rec.ids.slice(lo, hi),
    times: rec.times.slice(lo, hi),
    timeUnit: rec.timeUnit,
  };
  if (rec.sensor) out.sensor = { ...rec.sensor };
  return out;
}

/** Subtracts `offset` from every time (e.g. to start a gesture window at 0). */
export function shiftTime(rec: SpikeRecord, offset: number): SpikeRecord {
  const times = new Float64Array(rec.times.length);
  for (let k = 0; k < times.length; k++) times[k] = (rec.times[k] as number) - offset;
  const out: SpikeRecord = { channels: rec.channels, ids: rec.ids, times, timeUnit: rec.timeUnit };
  if (rec.sensor) out.sensor = { ...rec.sensor };
  return out;
}

/** N-MNIST first-saccade crop: events in `[0, 100 ms)` (the record must be in microseconds). */
export function firstSaccade(rec: SpikeRecord, where = 'firstSaccade'): SpikeRecord {
  if (rec.timeUnit !== 'us') fail(where, 'timeUnit', rec.timeUnit, "'us'");
  return cropTime(rec, 0, NMNIST_SACCADE_US);
}

/**
 * Background-activity filter (Delbruck 2008; tonic's `Denoise`): an event is kept when one of the 8 neighbouring
 * pixels (any polarity) fired within the last `filterTime` (record units, typically microseconds). Isolated noise
 * events have no recent neighbour and are removed.
 */
export function denoise(rec: SpikeRecord, filterTime: number, where = 'denoise'): SpikeRecord {
  const s = rec.sensor;
  if (!s) fail(where, 'sensor', undefined, 'a camera record with sensor geometry');
  if (!(filterTime > 0)) fail(where, 'filterTime', filterTime, 'a number > 0');
  const { width, height } = s;
  const last = new Float64Array(width * height).fill(-Infinity);
  const b = new SpikeRecordBuilder(rec.channels, rec.timeUnit, Math.max(1, rec.ids.length), s);
  for (let k = 0; k < rec.ids.length; k++) {
    const id = rec.ids[k] as number;
    const t = rec.times[k] as number;
    const x = id % width;
    const y = Math.floor(id / width) % height;
    let keep = false;
    for (let dy = -1; dy <= 1 && !keep; dy++) {
      const yy = y + dy;
      if (yy < 0 || yy >= height) continue;
      for (let dx = -1; dx <= 1; dx++) {
        const xx = x + dx;
        if ((dx === 0 && dy === 0) || xx < 0 || xx >= width) continue;
        if (t - (last[yy * width + xx] as number) <= filterTime) {
          keep = true;
          break;
        }
      }
    }
    last[y * width + x] = t;
    if (keep) b.push(id, t);
  }
  return b.finish();
}
