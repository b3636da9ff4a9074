import type { SensorShape, SpikeRecord, TimeUnit } from '../model/spikes.js';

/** Min / median / max of a list of numbers (0s when empty). */
export interface Spread {
  min: number;
  median: number;
  max: number;
}

/** Summary of a set of records, as printed by `rouser datasets inspect`. */
export interface RecordsSummary {
  samples: number;
  classes: number;
  /** Samples per class label (index = label). */
  perClass: number[];
  events: { total: number } & Spread;
  /** Duration per sample (last event time), in milliseconds. */
  durationMs: Spread;
  channels: number;
  sensor?: SensorShape;
  timeUnit: TimeUnit;
  /** First events of sample 0: time in ms, channel, and (x, y, polarity) for cameras. */
  firstEvents: { timeMs: number; channel: number; x?: number; y?: number; p?: number }[];
}

/** Min, median (lower middle) and max. */
export function spread(values: ArrayLike<number>): Spread {
  if (values.length === 0) return { min: 0, median: 0, max: 0 };
  const s = Float64Array.from(values).sort();
  return { min: s[0] as number, median: s[(s.length - 1) >> 1] as number, max: s[s.length - 1] as number };
}

const TO_MS: Record<TimeUnit, number> = { us: 1e-3, ms: 1, step: 1 };

/**
 * Incremental summary of records (one at a time, so a large file never has to be held whole): call `add` per
 * sample, then `finish`. `firstEvents` lists up to `first` events of the first sample.
 */
export class RecordsSummariser {
  private readonly counts: number[] = [];
  private readonly durations: number[] = [];
  private readonly labels: number[] = [];
  private r0: SpikeRecord | undefined;
  private firstEvents: RecordsSummary['firstEvents'] = [];

  constructor(
    private readonly classes = 0,
    private readonly first = 5,
  ) {}

  /** Adds one sample (and its label, when known). */
  add(rec: SpikeRecord, label?: number): void {
    this.counts.push(rec.ids.length);
    this.durations.push(rec.times.length > 0 ? (rec.times[rec.times.length - 1] as number) * TO_MS[rec.timeUnit] : 0);
    if (label !== undefined) this.labels.push(label);
    if (this.r0) return;
    this.r0 = {
      channels: rec.channels,
      ids: rec.ids.slice(0, this.first),
      times: rec.times.slice(0, this.first),
      timeUnit: rec.timeUnit,
    };
    if (rec.sensor) this.r0.sensor = { ...rec.sensor };
    for (let k = 0; k < Math.min(this.first, rec.ids.length); k++) {
      const id = rec.ids[k] as number;
      const e: RecordsSummary['firstEvents'][number] = {
        timeMs: (rec.times[k] as number) * TO_MS[rec.timeUnit],
        channel: id,
      };
      if (rec.sensor) {
        e.x = id % rec.sensor.width;
        e.y = Math.floor(id / rec.sensor.width) % rec.sensor.height;
        e.p = Math.floor(id / (rec.sensor.width * rec.sensor.height));
      }
      this.firstEvents.push(e);
    }
  }

  finish(): RecordsSummary {
    let nClasses = this.classes;
    for (const l of this.labels) nClasses = Math.max(nClasses, l + 1);
    const perClass = new Array<number>(nClasses).fill(0);
    for (const l of this.labels) perClass[l] = (perClass[l] ?? 0) + 1;
    const out: RecordsSummary = {
      samples: this.counts.length,
      classes: nClasses,
      perClass,
      events: { total: this.counts.reduce((a, b) => a + b, 0), ...spread(this.counts) },
      durationMs: spread(this.durations),
      channels: this.r0?.channels ?? 0,
      timeUnit: this.r0?.timeUnit ?? 'us',
      firstEvents: this.firstEvents,
    };
    if (this.r0?.sensor) out.sensor = { ...this.r0.sensor };
    return out;
  }
}

/** Summarises records (and labels, when known) for inspection; see {@link RecordsSummariser}. */
export function summariseRecords(
  records: readonly SpikeRecord[],
  labels?: ArrayLike<number>,
  classes = 0,
  first = 5,
): RecordsSummary {
  const s = new RecordsSummariser(classes, first);
  records.forEach((r, i) => s.add(r, labels ? (labels[i] as number) : undefined));
  return s.finish();
}
