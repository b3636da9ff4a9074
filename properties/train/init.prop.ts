import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { initNetwork, validateSpec } from '../../src/index.js';

describe('initNetwork properties', () => {
  it('every weight lies within the Kaiming bound and the spec validates', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 2, maxLength: 4 }),
        fc.integer(),
        fc.double({ min: 0, max: 4, noNaN: true }),
        (sizes, seed, scale) => {
          const spec = validateSpec(initNetwork({ sizes, seed, weightScale: scale }));
          spec.layers.forEach((l, i) => {
            expect(l.inputSize).toBe(sizes[i]);
            const b = Math.fround(scale * Math.sqrt(6 / l.inputSize));
            for (const w of l.weights) expect(Math.abs(w)).toBeLessThanOrEqual(b);
          });
        },
      ),
      { seed: 911, numRuns: 40 },
    );
  });
});
