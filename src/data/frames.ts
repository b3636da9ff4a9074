import { createSpikeTensor, type SpikeRecord, type SpikeTensor, type TensorDataset } from '../model/spikes.js';
import { fail } from '../util/errors.js';

/**
 * How events are cut into frames. All times are in the record's own `timeUnit`.
 *
 * - `window`: bins of fixed width `binWidth` starting at `start` (default 0). Bin k covers
 *   `[start + k*binWidth, start + (k+1)*binWidth)`. Without `frames`, the frame count is
 *   `floor((lastTime - start) / binWidth) + 1`, so the **last, partial bin is kept** (it is shorter than the
 *   others and holds the tail events); nothing is dropped. With `frames` the window is fixed to
 *   `[start, start + frames*binWidth)` and events outside it are counted in `outside`, never silently lost.
 * - `count`: exactly `bins` equal bins spanning `[start, end]` (defaults: 0 and the last event time). The end is
 *   inclusive: an event at exactly `end` goes into the last bin, so there is no partial bin. Events before `start`
 *   or after `end` are counted in `outside`.
 */
export type Binning =
  | { kind: 'window'; binWidth: number; start?: number; frames?: number }
  | { kind: 'count'; bins: number; start?: number; end?: number };

/** Frames of one record: `counts[frame * channels + channel]` spike counts. */
export interface Frames {
  frames: number;
  channels: number;
  counts: Float32Array;
  /** Events that fell outside the binning window (0 unless the window was fixed by the caller). */
  outside: number;
}

/** Resolved geometry of a binning: first bin start, bin width and count. */
export interface BinGeometry {
  start: number;
  binWidth: number;
  frames: number;
  /** Upper limit; `inclusiveEnd` says whether an event exactly at `end` is kept (in the last bin). */
  end: number;
  inclusiveEnd: boolean;
}

/** Resolves a {@link Binning} against a record (needs the last event time when the window is open-ended). */
export function binGeometry(rec: SpikeRecord, binning: Binning, where = 'binning'): BinGeometry {
  const last = rec.times.length > 0 ? (rec.times[rec.times.length - 1] as number) : 0;
  switch (binning.kind) {
    case 'window': {
      const start = binning.start ?? 0;
      const w = binning.binWidth;
      if (!(w > 0) || !Number.isFinite(w)) fail(where, 'binWidth', w, 'a finite number > 0');
      if (binning.frames !== undefined) {
        if (!Number.isInteger(binning.frames) || binning.frames < 1)
          fail(where, 'frames', binning.frames, 'a positive integer');
        return { start, binWidth: w, frames: binning.frames, end: start + binning.frames * w, inclusiveEnd: false };
      }
      const frames = Math.max(1, Math.floor((last - start) / w) + 1);
      return { start, binWidth: w, frames, end: start + frames * w, inclusiveEnd: false };
    }
    case 'count': {
      const start = binning.start ?? 0;
      const end = binning.end ?? Math.max(last, start);
      if (!Number.isInteger(binning.bins) || binning.bins < 1) fail(where, 'bins', binning.bins, 'a positive integer');
      if (!(end >= start)) fail(where, 'end', end, `>= start (${start})`);
      const w = end > start ? (end - start) / binning.bins : 1;
      return { start, binWidth: w, frames: binning.bins, end, inclusiveEnd: true };
    }
    default: {
      const never: never = binning;
      return fail(where, 'kind', (never as { kind: unknown }).kind, "'window' or 'count'");
    }
  }
}

/**
 * Adds the events of `rec` into `out[offset + frame * channels + id]` (counts, not clipped) and returns the
 * number of events outside the window. `channels` may exceed `rec.channels` (padding); ids must be below it.
 */
export function accumulateFrames(
  rec: SpikeRecord,
  g: BinGeometry,
  out: Float32Array,
  offset: number,
  channels: number,
): number {
  let outside = 0;
  const { start, binWidth, frames, end, inclusiveEnd } = g;
  const n = rec.ids.length;
  for (let k = 0; k < n; k++) {
    const t = rec.times[k] as number;
    let f: number;
    if (t < start || t > end || (t === end && !inclusiveEnd)) {
      outside++;
      continue;
    }
    f = Math.floor((t - start) / binWidth);
    if (f >= frames) f = frames - 1;
    const i = offset + f * channels + (rec.ids[k] as number);
    out[i] = (out[i] as number) + 1;
  }
  return outside;
}

/** Bins one record into frames (see {@link Binning} for how the last partial bin is handled). */
export function toFrames(rec: SpikeRecord, binning: Binning): Frames {
  const g = binGeometry(rec, binning);
  const counts = new Float32Array(g.frames * rec.channels);
  const outside = accumulateFrames(rec, g, counts, 0, rec.channels);
  return { frames: g.frames, channels: rec.channels, counts, outside };
}

/** Options of {@link recordsToTensor}. */
export interface TensorOptions {
  /** Time steps T of the output. */
  steps: number;
  /**
   * Per-sample binning window, in the records' time unit: `window` bins `[start, start + steps*binWidth)` (events
   * past it are cropped and counted), `span` splits each sample's own `[start, end]` into `steps` equal bins.
   */
  window: { kind: 'fixed'; start: number; binWidth: number } | { kind: 'span'; start?: number; end?: number };
  /** Clip counts to 1 (default true): a spike in a bin is a spike. */
  binary?: boolean;
}

/** Result of {@link recordsToTensor}: the tensor plus how many events were outside the window. */
export interface TensorBuild {
  tensor: SpikeTensor;
  outsideEvents: number;
  totalEvents: number;
}

/**
 * Flattens records to the trainer's `[batch][steps][channels]` layout (row-major Float32Array). All records must
 * have the same channel count. Counts are summed per bin then clipped to 1 when `binary` (the default).
 */
export function recordsToTensor(
  records: readonly SpikeRecord[],
  opts: TensorOptions,
  where = 'recordsToTensor',
): TensorBuild {
  const channels = records[0]?.channels ?? 1;
  const t = createSpikeTensor(records.length, opts.steps, channels);
  const per = opts.steps * channels;
  let outsideEvents = 0;
  let totalEvents = 0;
  records.forEach((rec, b) => {
    if (rec.channels !== channels)
      fail(where, `records[${b}].channels`, rec.channels, `${channels} (the channels of records[0])`);
    const w = opts.window;
    const binning: Binning =
      w.kind === 'fixed'
        ? { kind: 'window', binWidth: w.binWidth, start: w.start, frames: opts.steps }
        : {
            kind: 'count',
            bins: opts.steps,
            ...(w.start !== undefined ? { start: w.start } : {}),
            ...(w.end !== undefined ? { end: w.end } : {}),
          };
    outsideEvents += accumulateFrames(rec, binGeometry(rec, binning, where), t.data, b * per, channels);
    totalEvents += rec.ids.length;
  });
  if (opts.binary ?? true) clipBinary(t.data);
  return { tensor: t, outsideEvents, totalEvents };
}

/** Clips counts to {0, 1} in place. */
export function clipBinary(data: Float32Array): void {
  for (let i = 0; i < data.length; i++) if ((data[i] as number) > 1) data[i] = 1;
}

/** Builds a {@link TensorDataset} from records and labels (see {@link recordsToTensor}). */
export function toTensorDataset(
  name: string,
  records: readonly SpikeRecord[],
  labels: Int32Array,
  classes: number,
  opts: TensorOptions,
  classNames?: string[],
): TensorDataset & { outsideEvents: number; totalEvents: number } {
  const built = recordsToTensor(records, opts, name);
  const ds: TensorDataset & { outsideEvents: number; totalEvents: number } = {
    name,
    inputs: built.tensor,
    labels,
    classes,
    outsideEvents: built.outsideEvents,
    totalEvents: built.totalEvents,
  };
  if (classNames) ds.classNames = classNames;
  return ds;
}
