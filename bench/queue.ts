/**
 * Scheduler micro-benchmark (integer delays, continuous times and one fixed delay, against tinyqueue): ns per push+pop pair, one case at a time.
 *   int16    integer ticks, delays uniform 1..16, 1e5 pending, QN x (pop, push tick + delay): CalendarQueue, EventHeap, tinyqueue
 *   hold100k continuous times, 1e5 pending, QN x (pop, push t + Exp(1)): EventHeap, tinyqueue
 *   fixed1   one fixed delay (push = now + 1): FifoQueue, CalendarQueue, EventHeap, tinyqueue
 * usage: node --import tsx bench/queue.ts [--events 10000000]
 */
import { execFileSync } from 'node:child_process';
import TinyQueue from 'tinyqueue';
import { CalendarQueue, EventHeap, FifoQueue } from '../src/event/index.js';
import { Rng } from '../src/util/rng.js';

const argv = process.argv.slice(2);
const ei = argv.indexOf('--events');
const M = ei >= 0 ? Number(argv[ei + 1]) : 2_000_000;
const HOLD = 100_000;

interface Q {
  push(v: number, t: number): void;
  pop(): number;
  readonly lastTime: number;
}

class Tiny implements Q {
  private readonly q = new TinyQueue<{ t: number; s: number; v: number }>([], (a, b) => a.t - b.t || a.s - b.s);
  private seq = 0;
  lastTime = 0;
  push(v: number, t: number): void {
    this.q.push({ t, s: this.seq++, v });
  }
  pop(): number {
    const it = this.q.pop() as { t: number; v: number };
    this.lastTime = it.t;
    return it.v;
  }
}

function run(kase: 'int16' | 'hold100k' | 'fixed1', make: () => Q): number {
  const rng = new Rng(42);
  // pre-draw the random numbers so that Rng cost is not timed
  const draws = new Float64Array(M + HOLD);
  for (let k = 0; k < draws.length; k++)
    draws[k] =
      kase === 'int16' ? 1 + Math.floor(rng.uniform() * 16) : kase === 'fixed1' ? 1 : -Math.log(1 - rng.uniform());
  const q = make();
  for (let k = 0; k < HOLD; k++) q.push(k, kase === 'fixed1' ? 1 : (draws[k] as number));
  const t0 = performance.now();
  let check = 0;
  for (let k = 0; k < M; k++) {
    const v = q.pop();
    check += v;
    q.push(v, q.lastTime + (draws[HOLD + k] as number));
  }
  const ns = ((performance.now() - t0) * 1e6) / M;
  if (check < 0) console.log(check);
  return ns;
}

const results = {
  int16: {
    calendar: run('int16', () => new CalendarQueue(16)),
    typedHeap: run('int16', () => new EventHeap()),
    tinyqueue: run('int16', () => new Tiny()),
  },
  hold100k: {
    typedHeap: run('hold100k', () => new EventHeap()),
    tinyqueue: run('hold100k', () => new Tiny()),
  },
  fixed1: {
    fifo: run('fixed1', () => new FifoQueue()),
    calendar: run('fixed1', () => new CalendarQueue(1)),
    typedHeap: run('fixed1', () => new EventHeap()),
    tinyqueue: run('fixed1', () => new Tiny()),
  },
};
let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
} catch {
  // not a git checkout
}
const version =
  (JSON.parse(
    execFileSync('node', ['-p', 'JSON.stringify(require("./package.json").version)'], { encoding: 'utf8' }),
  ) as string) ?? '';
process.stdout.write(
  JSON.stringify(
    {
      bench: 'queue',
      unit: 'ns per push+pop',
      events: M,
      pending: HOLD,
      version,
      commit,
      node: process.version,
      results,
    },
    null,
    1,
  ) + '\n',
);
