import { describe, expect, it } from 'vitest';
import { CalendarQueue, groupTable, RowCursorQueue } from '../../src/event/scheduler.js';
import { Rng } from '../../src/util/rng.js';

/**
 * The row-cursor queue (one entry per spike) against the calendar queue fed one push per group, which is the order
 * the engine delivered in before (the float sums depend on it); the calendar queue itself is property-tested against
 * tinyqueue (properties/event/scheduler.prop.ts).
 */

/** Random rows of delay groups, ascending delay within each row (several groups may share a delay: the ports). */
function rows(rng: Rng, sources: number, maxDelay: number) {
  const rowGroup = [0];
  const delays: number[] = [];
  for (let i = 0; i < sources; i++) {
    const k = rng.int(6); // 0..5 groups, some rows empty
    const d = Array.from({ length: k }, () => 1 + rng.int(maxDelay)).sort((a, b) => a - b);
    delays.push(...d);
    rowGroup.push(delays.length);
  }
  // the group table: synapse ranges of 3 per group, ports 0..2
  const ptr = Array.from({ length: delays.length + 1 }, (_, g) => 3 * g);
  const ports = delays.map((_, g) => g % 3);
  return { rowGroup, delays: Int32Array.from(delays), table: groupTable(ptr, delays, ports) };
}

describe('RowCursorQueue', () => {
  for (const max of [1, 3, 4096])
    it(`lists the groups due at each step in the calendar queue's order (collected ${max} at a time)`, () => {
      const rng = new Rng(11 + max);
      const maxDelay = 12;
      const { rowGroup, delays, table } = rows(rng, 200, maxDelay);
      const rq = new RowCursorQueue(table, 2); // tiny capacity: grows
      const cal = new CalendarQueue(maxDelay, 2);
      const out = new Int32Array(max);
      let total = 0;
      for (let t = 0; t < 400; t++) {
        cal.advance(t);
        // spikes of step t (after the step's collection in the engine; here before the next step's)
        const want: number[] = [];
        while (cal.size > 0 && cal.peekTime() === t) want.push(cal.pop());
        const got: number[] = [];
        for (;;) {
          const n = rq.due(t, out, max);
          got.push(...out.subarray(0, n));
          if (n < max) break;
        }
        expect(got, `step ${t}`).toEqual(want);
        total += got.length;
        for (let k = rng.int(10); k > 0; k--) {
          const src = rng.int(200);
          const g0 = rowGroup[src]!;
          const g1 = rowGroup[src + 1]!;
          rq.push(g0, g1, t);
          for (let g = g0; g < g1; g++) cal.push(g, t + delays[g]!);
        }
      }
      expect(total).toBeGreaterThan(1000);
      // drained: every entry left has a group still to come
      expect(rq.size).toBeLessThanOrEqual(10 * maxDelay);
    });

  it('groupTable interleaves start, delay | port << 16 and ends with the synapse count', () => {
    expect(Array.from(groupTable([0, 2, 3, 5, 9], [1, 1, 3, 65535], [0, 1, 0, 2]))).toEqual([
      0,
      1,
      2,
      1 + 65536,
      3,
      3,
      5,
      65535 + 2 * 65536,
      9,
    ]);
  });

  it('drops a spike once its last group is listed, keeps nothing for an empty row, and refuses a missed step', () => {
    const rq = new RowCursorQueue(groupTable([0, 2, 3, 5, 9], [1, 1, 3, 2], [0, 1, 0, 2]));
    const out = new Int32Array(8);
    rq.push(0, 3, 0); // groups 0, 1 (delay 1) and 2 (delay 3)
    rq.push(3, 3, 0); // empty row
    expect(rq.size).toBe(1);
    expect(Array.from(out.subarray(0, rq.due(1, out, 8)))).toEqual([0, 1]);
    expect(rq.size).toBe(1);
    expect(rq.due(2, out, 8)).toBe(0);
    expect(Array.from(out.subarray(0, rq.due(3, out, 8)))).toEqual([2]);
    expect(rq.size).toBe(0);
    rq.push(3, 4, 5); // delay 2, due at 7: collecting 8 first means step 7 was missed
    expect(() => rq.due(8, out, 8)).toThrow(/group 3 missed its step/);
  });
});
