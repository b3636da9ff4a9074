import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adamStep, createAdamState, createGradients, createSpec } from '../../src/index.js';

const SEED = 4242;

describe('Adam properties', () => {
  it('the first step moves every parameter by at most lr (|m^/sqrt(v^)| <= 1), against the gradient sign', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 4, maxLength: 4 }),
        fc.double({ min: 1e-4, max: 0.1, noNaN: true }),
        (gs, lr) => {
          const spec = createSpec({ sizes: [2, 2], thInit: 1 });
          const g = createGradients(spec);
          g.weights[0]!.set(gs);
          const st = createAdamState(spec, 'learned');
          adamStep(spec, g, st, { lr, lrTh: 0, thresholdMode: 'learned' });
          spec.layers[0]!.weights.forEach((w, k) => {
            expect(Math.abs(w)).toBeLessThanOrEqual(lr * (1 + 1e-6));
            if (Math.abs(gs[k]!) > 1e-3) expect(Math.sign(w)).toBe(-Math.sign(gs[k]!));
          });
        },
      ),
      { seed: SEED, numRuns: 100 },
    );
  });

  it('layer mode keeps equal thresholds equal over many steps', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 3, maxLength: 3 }), {
          minLength: 1,
          maxLength: 10,
        }),
        (steps) => {
          const spec = createSpec({ sizes: [1, 3], thInit: 1.25 });
          const g = createGradients(spec);
          const st = createAdamState(spec, 'layer');
          for (const s of steps) {
            g.thresholds[0]!.set(s);
            adamStep(spec, g, st, { lr: 0, lrTh: 0.01, thresholdMode: 'layer' });
          }
          const th = spec.layers[0]!.thresholds;
          expect(th[1]).toBe(th[0]);
          expect(th[2]).toBe(th[0]);
        },
      ),
      { seed: SEED, numRuns: 50 },
    );
  });
});
