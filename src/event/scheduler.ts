import { fail, RouserError } from '../util/errors.js';

/**
 * Event schedulers of the engine. Both give the same deterministic total order: ascending time, and among equal
 * times ascending insertion sequence (FIFO), so a run replays bit for bit. Values are int32 payloads (delay-group
 * ids in the engine). Storage is typed arrays with amortised growth; nothing is allocated per event.
 */
export interface Scheduler {
  /** Pending events. */
  readonly size: number;
  /** Schedules `value` at `time`. */
  push(value: number, time: number): void;
  /** Time of the next event, or +Infinity when empty. */
  peekTime(): number;
  /** Removes and returns the value of the next event (its time is `lastTime`); undefined behaviour when empty. */
  pop(): number;
  /** Time of the event returned by the last `pop()`. */
  readonly lastTime: number;
}

/**
 * Calendar (bucket ring) queue for integer times (steps): one FIFO bucket per tick on a ring of R = 2^k > maxDelay
 * buckets. push/pop are O(1). Requires `now <= tick < now + R`, where `now` is the time of the last pop (or the
 * last `advance`): pushes into the past or beyond the horizon throw.
 */
export class CalendarQueue implements Scheduler {
  private readonly buckets: Int32Array[];
  private readonly heads: Int32Array;
  private readonly lens: Int32Array;
  private readonly mask: number;
  /** Ring length (power of two). */
  readonly horizon: number;
  private now = 0;
  private n = 0;
  lastTime = 0;

  /**
   * @param maxDelay largest `tick - now` that will be pushed (integer >= 0)
   * @param bucketCapacity initial capacity of each bucket (grows by doubling)
   */
  constructor(maxDelay: number, bucketCapacity = 64) {
    if (!Number.isInteger(maxDelay) || maxDelay < 0 || maxDelay > 2 ** 24)
      fail('CalendarQueue', 'maxDelay', maxDelay, 'an integer in [0, 16777216]');
    let r = 1;
    while (r <= maxDelay) r <<= 1;
    this.horizon = r;
    this.mask = r - 1;
    this.buckets = [];
    for (let i = 0; i < r; i++) this.buckets.push(new Int32Array(Math.max(1, bucketCapacity)));
    this.heads = new Int32Array(r);
    this.lens = new Int32Array(r);
  }

  get size(): number {
    return this.n;
  }

  /** Current time: events may be pushed at ticks in [now, now + horizon). */
  get time(): number {
    return this.now;
  }

  /** Moves `now` to `tick`; throws if an event earlier than `tick` is still pending. */
  advance(tick: number): void {
    if (tick < this.now) throw new RouserError(`CalendarQueue: cannot move back from time ${this.now} to ${tick}`);
    if (this.n > 0 && this.peekTime() < tick)
      throw new RouserError(`CalendarQueue: event at ${this.peekTime()} still pending when advancing to ${tick}`);
    this.now = tick;
  }

  push(value: number, tick: number): void {
    const d = tick - this.now;
    if (!(d >= 0 && d <= this.mask) || !Number.isInteger(tick))
      throw new RouserError(
        `CalendarQueue: time ${tick} is outside [${this.now}, ${this.now + this.mask}] (now, now + horizon - 1)`,
      );
    const s = tick & this.mask;
    let b = this.buckets[s] as Int32Array;
    const len = this.lens[s] as number;
    if (len === b.length) {
      const nb = new Int32Array(len * 2);
      nb.set(b);
      this.buckets[s] = b = nb;
    }
    b[len] = value;
    this.lens[s] = len + 1;
    this.n++;
  }

  peekTime(): number {
    if (this.n === 0) return Infinity;
    let t = this.now;
    while ((this.heads[t & this.mask] as number) === (this.lens[t & this.mask] as number)) t++;
    return t;
  }

  pop(): number {
    if (this.n === 0) throw new RouserError('CalendarQueue: pop() on an empty queue');
    let s = this.now & this.mask;
    while ((this.heads[s] as number) === (this.lens[s] as number)) {
      this.heads[s] = 0;
      this.lens[s] = 0;
      this.now++;
      s = this.now & this.mask;
    }
    const h = this.heads[s] as number;
    const v = (this.buckets[s] as Int32Array)[h] as number;
    if (h + 1 === this.lens[s]) {
      this.heads[s] = 0;
      this.lens[s] = 0;
    } else this.heads[s] = h + 1;
    this.n--;
    this.lastTime = this.now;
    return v;
  }
}

/**
 * Binary min-heap over parallel typed arrays (Float64 time, Float64 insertion sequence, Int32 value) for continuous
 * times. Order: (time, sequence). push/pop O(log n), hole-based sifting, amortised doubling growth.
 */
export class EventHeap implements Scheduler {
  private times: Float64Array;
  private seqs: Float64Array;
  private values: Int32Array;
  private n = 0;
  private seq = 0;
  lastTime = 0;

  constructor(capacity = 1024) {
    const c = Math.max(1, capacity);
    this.times = new Float64Array(c);
    this.seqs = new Float64Array(c);
    this.values = new Int32Array(c);
  }

  get size(): number {
    return this.n;
  }

  private grow(): void {
    const c = this.times.length * 2;
    const t = new Float64Array(c);
    t.set(this.times);
    const q = new Float64Array(c);
    q.set(this.seqs);
    const v = new Int32Array(c);
    v.set(this.values);
    this.times = t;
    this.seqs = q;
    this.values = v;
  }

  push(value: number, time: number): void {
    if (Number.isNaN(time)) throw new RouserError('EventHeap: time is NaN; expected a number');
    if (this.n === this.times.length) this.grow();
    const T = this.times;
    const Q = this.seqs;
    const V = this.values;
    const sq = this.seq++;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = T[p] as number;
      if (pt < time || (pt === time && (Q[p] as number) < sq)) break;
      T[i] = pt;
      Q[i] = Q[p] as number;
      V[i] = V[p] as number;
      i = p;
    }
    T[i] = time;
    Q[i] = sq;
    V[i] = value;
  }

  peekTime(): number {
    return this.n === 0 ? Infinity : (this.times[0] as number);
  }

  pop(): number {
    if (this.n === 0) throw new RouserError('EventHeap: pop() on an empty heap');
    const T = this.times;
    const Q = this.seqs;
    const V = this.values;
    const top = V[0] as number;
    this.lastTime = T[0] as number;
    const n = --this.n;
    if (n > 0) {
      const t = T[n] as number;
      const q = Q[n] as number;
      const v = V[n] as number;
      let i = 0;
      const half = n >> 1;
      while (i < half) {
        let c = 2 * i + 1;
        let ct = T[c] as number;
        let cq = Q[c] as number;
        const r = c + 1;
        if (r < n) {
          const rt = T[r] as number;
          const rq = Q[r] as number;
          if (rt < ct || (rt === ct && rq < cq)) {
            c = r;
            ct = rt;
            cq = rq;
          }
        }
        if (t < ct || (t === ct && q < cq)) break;
        T[i] = ct;
        Q[i] = cq;
        V[i] = V[c] as number;
        i = c;
      }
      T[i] = t;
      Q[i] = q;
      V[i] = v;
    }
    return top;
  }
}

/**
 * FIFO ring of (time, value) for non-decreasing push times, e.g. every event pushed at `now + d` with one fixed delay
 * d: then arrival order is time order and a FIFO is an exact priority queue with the same (time, insertion sequence)
 * order as the heaps. A push earlier than the last pushed time throws. Typed-array ring, grows by doubling.
 */
export class FifoQueue implements Scheduler {
  private times: Float64Array;
  private values: Int32Array;
  private head = 0;
  private n = 0;
  private mask: number;
  private lastPushed = -Infinity;
  lastTime = 0;

  /** @param capacity initial capacity (rounded up to a power of two) */
  constructor(capacity = 1024) {
    let c = 1;
    while (c < capacity) c <<= 1;
    this.times = new Float64Array(c);
    this.values = new Int32Array(c);
    this.mask = c - 1;
  }

  get size(): number {
    return this.n;
  }

  push(value: number, time: number): void {
    if (!(time >= this.lastPushed))
      throw new RouserError(
        `FifoQueue: push at time ${time} is earlier than the last pushed time ${this.lastPushed} (pushes must be non-decreasing)`,
      );
    this.lastPushed = time;
    if (this.n > this.mask) this.grow();
    const k = (this.head + this.n) & this.mask;
    this.times[k] = time;
    this.values[k] = value;
    this.n++;
  }

  private grow(): void {
    const cap = (this.mask + 1) * 2;
    const t = new Float64Array(cap);
    const v = new Int32Array(cap);
    for (let i = 0; i < this.n; i++) {
      const k = (this.head + i) & this.mask;
      t[i] = this.times[k] as number;
      v[i] = this.values[k] as number;
    }
    this.times = t;
    this.values = v;
    this.head = 0;
    this.mask = cap - 1;
  }

  peekTime(): number {
    return this.n > 0 ? (this.times[this.head] as number) : Infinity;
  }

  pop(): number {
    const h = this.head;
    this.lastTime = this.times[h] as number;
    this.head = (h + 1) & this.mask;
    this.n--;
    return this.values[h] as number;
  }
}

/**
 * The delay groups of a compiled description as one interleaved table for {@link RowCursorQueue} and the delivery
 * lists: entry 2g = the group's first synapse, 2g + 1 = its delay (steps, < 2^16) | its port << 16, and 2G = the
 * synapse count (so 2g + 2 is the group's end). One table instead of three arrays: a group's start, end, delay and
 * port, and the next group's delay, are one or two cache lines (the table is megabytes and read at random).
 */
export function groupTable(
  groupPtr: ArrayLike<number>,
  groupDelay: ArrayLike<number>,
  groupPort: ArrayLike<number>,
): Int32Array {
  const G = groupDelay.length;
  const table = new Int32Array(2 * G + 1);
  for (let g = 0; g < G; g++) {
    table[2 * g] = groupPtr[g] as number;
    table[2 * g + 1] = (groupDelay[g] as number) | ((groupPort[g] as number) << 16);
  }
  table[2 * G] = groupPtr[G] as number;
  return table;
}

/**
 * The pending deliveries of emitted spikes, one entry per spike, for rows of delay groups in ascending delay (every
 * compiled description's rows; ./compile.ts): an entry holds its source row's next group, the row's end, the
 * emission step and the step that group is due. At step t, {@link RowCursorQueue.due} lists the groups whose delay
 * equals t - emission step, entry by entry in push order, each entry's in row order, and drops the entries left with
 * no group. That is the order a {@link CalendarQueue} pops when every group of a spike is pushed at
 * `emission + delay` in row order (FIFO among equal times): the same delivery order, so the same float sums, with
 * one push per spike instead of one per group. Every step from the emission on must be collected. The delays come
 * from a {@link groupTable}; an entry that is not due is passed over without reading it.
 */
export class RowCursorQueue {
  /** Entry e: 4e = next group, 4e + 1 = row end, 4e + 2 = emission step, 4e + 3 = the step the next group is due. */
  private ent: Int32Array;
  private n = 0;
  /** A collection under way (`due` stopped at `max`): next entry to read, next slot to keep. */
  private r = 0;
  private w = 0;
  private open = false;

  /** @param table {@link groupTable} (delays ascending within each row) */
  constructor(
    private readonly table: Int32Array,
    capacity = 1024,
  ) {
    this.ent = new Int32Array(4 * Math.max(1, capacity));
  }

  /** Pending spikes. */
  get size(): number {
    return this.n;
  }

  /** A spike emitted at step `t` whose row has the groups [g, g1) still to deliver (nothing when g >= g1). */
  push(g: number, g1: number, t: number): void {
    if (g >= g1) return;
    if (this.open) throw new RouserError('RowCursorQueue: push during a collection');
    let e = this.ent;
    const at = 4 * this.n;
    if (at === e.length) {
      const b = new Int32Array(2 * e.length);
      b.set(e);
      this.ent = e = b;
    }
    e[at] = g;
    e[at + 1] = g1;
    e[at + 2] = t;
    e[at + 3] = t + ((this.table[2 * g + 1] as number) & 0xffff);
    this.n++;
  }

  /**
   * Writes the groups due at step t into `out` (at most `max`) and returns their number. A return of `max` may leave
   * some unlisted: call again (with the same t, nothing pushed in between) until it returns less.
   */
  due(t: number, out: Int32Array, max: number): number {
    const { ent, table } = this;
    if (!this.open) {
      this.r = 0;
      this.w = 0;
      this.open = true;
    }
    let r = 4 * this.r;
    let w = 4 * this.w;
    let k = 0;
    const n4 = 4 * this.n;
    for (; r < n4; r += 4) {
      const next = ent[r + 3] as number;
      if (next === t) {
        let g = ent[r] as number;
        const e = ent[r + 1] as number;
        const te = ent[r + 2] as number;
        const age = t - te;
        do {
          if (k === max) {
            ent[r] = g;
            this.r = r >> 2;
            this.w = w >> 2;
            return k;
          }
          out[k++] = g++;
        } while (g < e && ((table[2 * g + 1] as number) & 0xffff) === age);
        if (g === e) continue;
        ent[w] = g;
        ent[w + 1] = e;
        ent[w + 2] = te;
        ent[w + 3] = te + ((table[2 * g + 1] as number) & 0xffff);
      } else {
        if (next < t) throw new RouserError(`RowCursorQueue: group ${ent[r]} missed its step`);
        if (w !== r) {
          ent[w] = ent[r] as number;
          ent[w + 1] = ent[r + 1] as number;
          ent[w + 2] = ent[r + 2] as number;
          ent[w + 3] = next;
        }
      }
      w += 4;
    }
    this.n = w >> 2;
    this.open = false;
    return k;
  }
}
