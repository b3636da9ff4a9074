import { GrowableArray } from '../util/buffers.js';
import { fail } from '../util/errors.js';
import { checkTensorSize } from '../util/memory.js';

/** Unit of the `times` of a {@link SpikeRecord}: microseconds (sensors), milliseconds (simulators) or steps. */
export type TimeUnit = 'us' | 'ms' | 'step';

/** Geometry of an event sensor. Channel id = (p * height + y) * width + x. */
export interface SensorShape {
  width: number;
  height: number;
  polarities: number;
}

/**
 * A list of spikes (or sensor events) as a struct of arrays, sorted by time (ties keep emission order).
 * `ids[k]` in [0, channels) fired at `times[k]`.
 */
export interface SpikeRecord {
  channels: number;
  ids: Int32Array;
  times: Float64Array;
  timeUnit: TimeUnit;
  /** Present for camera-like sources: how ids map to (x, y, polarity). */
  sensor?: SensorShape;
}

/** A labelled set of spike records (one per sample), e.g. a dataset split. */
export interface SpikeDataset {
  name: string;
  samples: SpikeRecord[];
  /** Class index per sample, in [0, classes). */
  labels: Int32Array;
  classes: number;
  classNames?: string[];
}

/**
 * Dense spike tensor in the trainer's layout `[batch][steps][channels]` (row-major), values are spike counts per
 * bin (0/1 when binary). This is what the dense trainer consumes and what the event engine replays.
 */
export interface SpikeTensor {
  batch: number;
  steps: number;
  channels: number;
  data: Float32Array;
}

/** A dataset already binned to tensors: `inputs` holds every sample, `labels` their classes. */
export interface TensorDataset {
  name: string;
  inputs: SpikeTensor;
  labels: Int32Array;
  classes: number;
  classNames?: string[];
}

/** Allocates a zero {@link SpikeTensor}. */
export function createSpikeTensor(batch: number, steps: number, channels: number): SpikeTensor {
  checkTensorSize('spike tensor', batch, steps, channels);
  return { batch, steps, channels, data: new Float32Array(batch * steps * channels) };
}

/** Copies samples `indices` of `src` into a new tensor (batch = indices.length). */
export function gatherSamples(src: SpikeTensor, indices: ArrayLike<number>): SpikeTensor {
  const per = src.steps * src.channels;
  const out = createSpikeTensor(indices.length, src.steps, src.channels);
  for (let b = 0; b < indices.length; b++) {
    const i = indices[b] as number;
    out.data.set(src.data.subarray(i * per, (i + 1) * per), b * per);
  }
  return out;
}

/** The first `n` samples of a tensor dataset (the dataset itself when n <= 0 or n >= its size). */
export function firstSamples(data: TensorDataset, n: number): TensorDataset {
  if (n <= 0 || n >= data.inputs.batch) return data;
  return {
    ...data,
    inputs: gatherSamples(
      data.inputs,
      Int32Array.from({ length: n }, (_, k) => k),
    ),
    labels: data.labels.slice(0, n),
  };
}

/** Appends spikes with amortised growth, then `finish()` gives a {@link SpikeRecord}. */
export class SpikeRecordBuilder {
  private readonly ids: GrowableArray<Int32Array>;
  private readonly times: GrowableArray<Float64Array>;

  constructor(
    private readonly channels: number,
    private readonly timeUnit: TimeUnit,
    capacity = 1024,
    private readonly sensor?: SensorShape,
  ) {
    this.ids = new GrowableArray(Int32Array, capacity);
    this.times = new GrowableArray(Float64Array, capacity);
  }

  get length(): number {
    return this.ids.length;
  }

  push(id: number, time: number): void {
    this.ids.push(id);
    this.times.push(time);
  }

  finish(): SpikeRecord {
    const rec: SpikeRecord = {
      channels: this.channels,
      ids: this.ids.finish(),
      times: this.times.finish(),
      timeUnit: this.timeUnit,
    };
    if (this.sensor) rec.sensor = { ...this.sensor };
    return rec;
  }
}

/** Checks ids are in range, times finite and non-decreasing; errors name the record, index and value. */
export function validateSpikeRecord(rec: SpikeRecord, where = 'SpikeRecord'): SpikeRecord {
  if (!Number.isInteger(rec.channels) || rec.channels <= 0) fail(where, 'channels', rec.channels, 'a positive integer');
  if (rec.ids.length !== rec.times.length)
    fail(where, 'times.length', rec.times.length, `${rec.ids.length} (= ids.length)`);
  let prev = -Infinity;
  for (let k = 0; k < rec.ids.length; k++) {
    const id = rec.ids[k] as number;
    if (id < 0 || id >= rec.channels) fail(where, `ids[${k}]`, id, `an integer in [0, ${rec.channels})`);
    const t = rec.times[k] as number;
    if (!Number.isFinite(t)) fail(where, `times[${k}]`, t, 'a finite number');
    if (t < prev) fail(where, `times[${k}]`, t, `>= ${prev} (times must be sorted)`);
    prev = t;
  }
  if (rec.sensor) {
    const { width, height, polarities } = rec.sensor;
    if (width * height * polarities !== rec.channels)
      fail(where, 'sensor', rec.sensor, `width*height*polarities = channels (${rec.channels})`);
  }
  return rec;
}
