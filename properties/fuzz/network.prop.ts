import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { networkFromJson, networkToJson, validateNetwork } from '../../src/index.js';
import { description } from '../event/descriptionArb.js';
import { expectBoundedTime, fuzzRuns, mutate, mutationArb, parseOrRefuse } from './mutate.js';

/**
 * Network description files (`rouser simulate NETWORK.json`) under byte mutations: the reader either returns a
 * description or refuses with one RouserError line naming the file and the field / position. Independent check of an
 * accepted file: the platform's JSON.parse must read the text, and the accepted description must be exactly that
 * object (the reader neither invents nor drops a field), so writing it back and reading it again gives it unchanged.
 */
const mutationsArb = fc.array(mutationArb, { minLength: 1, maxLength: 3 });

describe('fuzz: network description JSON', () => {
  it('mutated files are read exactly as JSON.parse reads them, or refused with one line naming the file', () => {
    fc.assert(
      fc.property(description, mutationsArb, (d, ms) => {
        const text = new TextDecoder().decode(mutate(new TextEncoder().encode(networkToJson(d)), ms));
        const t0 = performance.now();
        const got = parseOrRefuse('net.json', () => networkFromJson(text, 'net.json'));
        expectBoundedTime(t0, text.length);
        if (!got.ok) return;
        let ref: unknown;
        expect(() => (ref = JSON.parse(text) as unknown), 'reader accepted text that JSON.parse refuses').not.toThrow();
        expect(got.value).toEqual(ref);
        expect(networkFromJson(networkToJson(got.value), 'again.json')).toEqual(got.value);
        expect(() => validateNetwork(ref, 'ref')).not.toThrow();
      }),
      fuzzRuns(300),
    );
  });

  it('digit edits (valid JSON, changed values) are accepted exactly as written or refused naming the field', () => {
    let accepted = 0;
    fc.assert(
      fc.property(
        description,
        fc.array(
          fc.tuple(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.integer({ min: 0, max: 9 })),
          { minLength: 1, maxLength: 4 },
        ),
        (d, edits) => {
          const chars = [...networkToJson(d)];
          const digits = chars.flatMap((c, i) => (c >= '0' && c <= '9' ? [i] : []));
          for (const [at, v] of edits) chars[digits[Math.floor(at * digits.length)] as number] = String(v);
          const text = chars.join('');
          const got = parseOrRefuse('net.json', () => networkFromJson(text, 'net.json'));
          if (!got.ok) return;
          accepted++;
          expect(got.value).toEqual(JSON.parse(text));
        },
      ),
      fuzzRuns(300),
    );
    expect(accepted, 'digit edits must leave many files valid, or this property checks nothing').toBeGreaterThan(30);
  });
});
