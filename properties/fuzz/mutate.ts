import fc from 'fast-check';
import { expect } from 'vitest';
import { RouserError } from '../../src/util/errors.js';

/**
 * The shared kit of the fuzz properties: byte mutations of a valid file (flips, header edits, truncation,
 * insertion, deletion), the run settings (seeded, replayable, longer behind ROUSER_FUZZ_RUNS), and the check that a
 * parser either agrees with the independent decoder of the test or throws a one-line RouserError naming the file
 * and where in it.
 */

/** fast-check settings: seed from ROUSER_FUZZ_SEED (default 15), `runs` cases unless ROUSER_FUZZ_RUNS sets more. */
export function fuzzRuns(runs: number): { seed: number; numRuns: number } {
  const env = Number(process.env.ROUSER_FUZZ_RUNS);
  const seed = Number(process.env.ROUSER_FUZZ_SEED);
  return { seed: Number.isInteger(seed) ? seed : 15, numRuns: Number.isInteger(env) && env > 0 ? env : runs };
}

/** One edit of a byte string; positions are fractions of the length so they fit any file. */
export type Mutation =
  | { kind: 'flip'; at: number; mask: number }
  | { kind: 'set'; at: number; value: number; header: boolean }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: number[] }
  | { kind: 'delete'; at: number; length: number };

// Positions: three quarters uniform over the file (fc.noBias), one quarter fast-check's default doubles, which
// cluster near 0 and so keep hitting headers and signatures.
const frac = fc.oneof(
  { arbitrary: fc.noBias(fc.integer({ min: 0, max: 2 ** 24 - 1 })).map((k) => k / 2 ** 24), weight: 3 },
  { arbitrary: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), weight: 1 },
);

/** Mutations, header edits (within the first 64 bytes) weighted like flips. */
export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: frac, mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({
    kind: fc.constant('set' as const),
    at: frac,
    value: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0, 0x7f, 0x80, 0xff, 0x2c, 0x0a, 0x22)),
    header: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: frac }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: frac,
    bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 16 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: frac, length: fc.integer({ min: 1, max: 16 }) }),
);

/** Applies mutations in order (each on the result of the previous). */
export function mutate(bytes: Uint8Array, ms: readonly Mutation[]): Uint8Array {
  let b = Uint8Array.from(bytes);
  for (const m of ms) {
    const n = b.length;
    switch (m.kind) {
      case 'flip': {
        if (n === 0) break;
        const i = Math.floor(m.at * n);
        b[i] = (b[i] as number) ^ m.mask;
        break;
      }
      case 'set': {
        if (n === 0) break;
        const i = Math.floor(m.at * (m.header ? Math.min(n, 64) : n));
        b[i] = m.value;
        break;
      }
      case 'truncate':
        b = b.slice(0, Math.floor(m.at * n));
        break;
      case 'insert': {
        const i = Math.floor(m.at * (n + 1));
        const out = new Uint8Array(n + m.bytes.length);
        out.set(b.subarray(0, i));
        out.set(m.bytes, i);
        out.set(b.subarray(i), i + m.bytes.length);
        b = out;
        break;
      }
      case 'delete': {
        const i = Math.floor(m.at * n);
        b = Uint8Array.from([...b.subarray(0, i), ...b.subarray(Math.min(n, i + m.length))]);
        break;
      }
      default: {
        const never: never = m;
        throw new Error(`unknown mutation ${JSON.stringify(never)}`);
      }
    }
  }
  return b;
}

/** 1 to 3 mutations. */
export const mutationsArb = fc.array(mutationArb, { minLength: 1, maxLength: 3 });

/** Words that say where in a file an error is (a byte offset, a field, a line/row, the header, the magic...). */
const LOCATION = /byte|field|line|row|offset|character|header|magic|truncated|HDF5|sample|entry|packet|event/i;

/**
 * Runs `parse`; returns its value, or undefined when it threw a RouserError whose message is one line, starts with
 * `where: ` and says where in the file the problem is. Any other exception fails the property.
 */
export function parseOrRefuse<T>(
  where: string,
  parse: () => T,
): { ok: true; value: T } | { ok: false; message: string } {
  try {
    return { ok: true, value: parse() };
  } catch (e) {
    if (!(e instanceof RouserError))
      throw new Error(
        `${where}: the parser threw ${(e as Error)?.constructor?.name ?? typeof e} instead of RouserError: ${(e as Error)?.stack ?? String(e)}`,
      );
    expect(e.message.startsWith(`${where}`), e.message).toBe(true);
    expect(e.message.includes('\n'), e.message).toBe(false);
    expect(e.message, e.message).toMatch(LOCATION);
    return { ok: false, message: e.message };
  }
}

/** Work bound per case: a parser must not take longer than `base + perByte * length` ms (a hang fails). */
export function expectBoundedTime(startMs: number, bytes: number, baseMs = 2000, perByteMs = 0.01): void {
  const ms = performance.now() - startMs;
  expect(ms, `parse of ${bytes} bytes took ${ms.toFixed(0)} ms`).toBeLessThan(baseMs + perByteMs * bytes);
}
