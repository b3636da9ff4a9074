import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  RouserError,
  specFromBinary,
  specFromJson,
  specToBinary,
  specToJson,
  validateSpec,
  type NetworkSpec,
} from '../src/index.js';
import { validSpec } from './arbitraries.js';

const SEED = 20241;

function bits(a: Float32Array): number[] {
  return Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
}

function expectBitExact(a: NetworkSpec, b: NetworkSpec): void {
  expect(b.inputSize).toBe(a.inputSize);
  expect(b.dtMs).toBe(a.dtMs);
  expect(b.meta).toEqual(a.meta);
  expect(b.layers.length).toBe(a.layers.length);
  a.layers.forEach((la, i) => {
    const lb = b.layers[i]!;
    expect({ ...lb.neuron, reset: lb.reset, delay: lb.delaySteps, size: lb.size, inputSize: lb.inputSize }).toEqual({
      ...la.neuron,
      reset: la.reset,
      delay: la.delaySteps,
      size: la.size,
      inputSize: la.inputSize,
    });
    expect(bits(lb.weights)).toEqual(bits(la.weights));
    expect(bits(lb.thresholds)).toEqual(bits(la.thresholds));
    expect(lb.bias === undefined).toBe(la.bias === undefined);
    if (la.bias) expect(bits(lb.bias!)).toEqual(bits(la.bias));
  });
}

describe('serialisation round trips', () => {
  it('JSON round-trips any valid spec bit-exactly (including -0 and subnormals)', () => {
    fc.assert(
      fc.property(validSpec(), (spec) => expectBitExact(spec, specFromJson(specToJson(spec)))),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('binary round-trips any valid spec bit-exactly', () => {
    fc.assert(
      fc.property(validSpec(), (spec) => expectBitExact(spec, specFromBinary(specToBinary(spec)))),
      { seed: SEED, numRuns: 200 },
    );
  });
});

type Mutation = { apply(spec: NetworkSpec): void; field: RegExp; value: string };

const mutation = (spec: NetworkSpec): fc.Arbitrary<Mutation> => {
  const l = fc.integer({ min: 0, max: spec.layers.length - 1 });
  return fc.oneof(
    fc.tuple(l, fc.nat(), fc.constantFrom(NaN, Infinity, -Infinity)).map(([li, k, v]): Mutation => {
      const i = k % spec.layers[li]!.weights.length;
      return {
        apply: (s) => void (s.layers[li]!.weights[i] = v),
        field: new RegExp(
          `field layers\\[${li}\\]\\.weights\\[${i}\\] is ${Number.isNaN(v) ? 'NaN' : v}; expected a finite number`,
        ),
        value: String(v),
      };
    }),
    fc.tuple(l, fc.integer({ min: 1, max: 3 })).map(([li, extra]): Mutation => {
      const n = spec.layers[li]!.size + extra;
      return {
        apply: (s) => void (s.layers[li]!.thresholds = new Float32Array(n)),
        field: new RegExp(`field layers\\[${li}\\]\\.thresholds\\.length is ${n}; expected ${spec.layers[li]!.size}`),
        value: String(n),
      };
    }),
    fc.tuple(l, fc.integer({ min: -5, max: 0 })).map(([li, v]): Mutation => ({
      apply: (s) => void (s.layers[li]!.size = v),
      field: new RegExp(`field layers\\[${li}\\]\\.size is ${v}; expected a positive integer`),
      value: String(v),
    })),
    fc.constantFrom(NaN, 0, -1).map((v): Mutation => ({
      apply: (s) => void (s.dtMs = v),
      field: new RegExp(`field dtMs is ${Number.isNaN(v) ? 'NaN' : v}; expected a finite number > 0`),
      value: String(v),
    })),
  );
};

describe('validation', () => {
  it('accepts every generated valid spec', () => {
    fc.assert(
      fc.property(validSpec(), (spec) => validateSpec(spec) === spec),
      { seed: SEED, numRuns: 100 },
    );
  });

  it('rejects a spec with one bad field, naming the field, the index and the value', () => {
    fc.assert(
      fc.property(
        validSpec().chain((spec) => fc.tuple(fc.constant(spec), mutation(spec))),
        ([spec, m]) => {
          m.apply(spec);
          let err: unknown;
          try {
            validateSpec(spec, 'model.json');
          } catch (e) {
            err = e;
          }
          expect(err).toBeInstanceOf(RouserError);
          expect((err as Error).message).toMatch(/^model\.json: /);
          expect((err as Error).message).toMatch(m.field);
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });
});
