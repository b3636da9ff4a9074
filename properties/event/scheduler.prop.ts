import fc from 'fast-check';
import TinyQueue from 'tinyqueue';
import { describe, it } from 'vitest';
import { CalendarQueue, EventHeap, FifoQueue, type Scheduler } from '../../src/event/index.js';

/**
 * Model-based tests: every fast scheduler against tinyqueue ordered by (time, insertion sequence), the engine's
 * total order. Commands push (time = now + delay) and pop; after each command the sizes agree, every pop returns the
 * same value and time as the model, and peekTime matches.
 */
interface Item {
  time: number;
  seq: number;
  value: number;
}

class Model {
  readonly q = new TinyQueue<Item>([], (a, b) => a.time - b.time || a.seq - b.seq);
  seq = 0;
  now = 0;
}

interface Real {
  s: Scheduler;
}

function check(model: Model, real: Real): void {
  if (model.q.length !== real.s.size) throw new Error(`size ${real.s.size} != model ${model.q.length}`);
  const peek = model.q.peek();
  const expected = peek ? peek.time : Infinity;
  if (real.s.peekTime() !== expected) throw new Error(`peekTime ${real.s.peekTime()} != model ${expected}`);
}

class PushCommand implements fc.Command<Model, Real> {
  constructor(
    readonly value: number,
    readonly delay: number,
  ) {}
  check(): boolean {
    return true;
  }
  run(m: Model, r: Real): void {
    const time = m.now + this.delay;
    m.q.push({ time, seq: m.seq++, value: this.value });
    r.s.push(this.value, time);
    check(m, r);
  }
  toString(): string {
    return `push(${this.value}, +${this.delay})`;
  }
}

class PopCommand implements fc.Command<Model, Real> {
  check(m: Readonly<Model>): boolean {
    return m.q.length > 0;
  }
  run(m: Model, r: Real): void {
    const it = m.q.pop() as Item;
    const v = r.s.pop();
    if (v !== it.value || r.s.lastTime !== it.time)
      throw new Error(`pop gave (${v}, ${r.s.lastTime}); model (${it.value}, ${it.time})`);
    m.now = it.time;
    check(m, r);
  }
  toString(): string {
    return 'pop';
  }
}

const MAX_DELAY = 9;

describe('schedulers against tinyqueue (model-based, fast-check)', () => {
  it('CalendarQueue: integer delays 0..maxDelay, FIFO among equal ticks', () => {
    const cmds = [
      fc
        .tuple(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 0, max: MAX_DELAY }))
        .map(([v, d]) => new PushCommand(v, d)),
      fc.constant(new PopCommand()),
    ];
    fc.assert(
      fc.property(fc.commands(cmds, { maxCommands: 300 }), fc.integer({ min: 1, max: 4 }), (c, cap) => {
        fc.modelRun(() => ({ model: new Model(), real: { s: new CalendarQueue(MAX_DELAY, cap) } }), c);
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('EventHeap: continuous delays with many ties', () => {
    const delay = fc.oneof(fc.constantFrom(0, 0.5, 1, 2.25), fc.double({ min: 0, max: 10, noNaN: true }));
    const cmds = [
      fc.tuple(fc.integer({ min: -1000, max: 1000 }), delay).map(([v, d]) => new PushCommand(v, d)),
      fc.constant(new PopCommand()),
    ];
    fc.assert(
      fc.property(fc.commands(cmds, { maxCommands: 300 }), fc.integer({ min: 1, max: 4 }), (c, cap) => {
        fc.modelRun(() => ({ model: new Model(), real: { s: new EventHeap(cap) } }), c);
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('FifoQueue: one fixed delay (push = now + d), exact against tinyqueue, FIFO among ties; grows from capacity 1', () => {
    const run = fc
      .oneof(fc.constantFrom(0, 1, 2.5), fc.double({ min: 0, max: 10, noNaN: true }))
      .chain((d) =>
        fc.tuple(
          fc.constant(d),
          fc.commands(
            [fc.integer({ min: -1000, max: 1000 }).map((v) => new PushCommand(v, d)), fc.constant(new PopCommand())],
            { maxCommands: 300 },
          ),
        ),
      );
    fc.assert(
      fc.property(run, fc.integer({ min: 1, max: 4 }), ([, c], cap) => {
        fc.modelRun(() => ({ model: new Model(), real: { s: new FifoQueue(cap) } }), c);
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('FifoQueue refuses a push earlier than the last one', () => {
    const q = new FifoQueue(2);
    q.push(1, 5);
    if (
      !(() => {
        try {
          q.push(2, 4);
          return false;
        } catch {
          return true;
        }
      })()
    )
      throw new Error('expected a throw');
  });

  it('EventHeap: arbitrary (non-monotone) times, as a general priority queue', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer(), fc.integer({ min: -50, max: 50 })), { maxLength: 400 }), (items) => {
        const h = new EventHeap(2);
        const m = new TinyQueue<Item>([], (a, b) => a.time - b.time || a.seq - b.seq);
        items.forEach(([v, t], seq) => {
          h.push(v, t);
          m.push({ time: t, seq, value: v });
        });
        while (m.length > 0) {
          const it = m.pop() as Item;
          const v = h.pop();
          if (v !== it.value || h.lastTime !== it.time) return false;
        }
        return h.size === 0;
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});
