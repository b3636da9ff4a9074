import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileDescription, descriptionFromSpec, simulateDescription } from '../../src/event/index.js';
import { createSpec, type NetworkSpec } from '../../src/model/spec.js';
import { referenceForward } from '../../src/neuron/dynamics.js';

/**
 * A trained NetworkSpec compiled to the description engine's representation (descriptionFromSpec -> one merged CSR
 * with delay groups, 0-step delays for same-step layers, bias, count inputs) gives exactly the spikes of
 * referenceForward, layer by layer and step by step.
 */
const case_ = fc
  .record({
    sizes: fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 2, maxLength: 4 }),
    kind: fc.constantFrom('cuba' as const, 'lif' as const),
    reset: fc.constantFrom('zero' as const, 'subtract' as const),
    bias: fc.boolean(),
    steps: fc.integer({ min: 1, max: 14 }),
    delays: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 3, maxLength: 3 }),
    dtMs: fc.constantFrom(1, 0.5, 0.1),
    seed: fc.integer(),
    p: fc.double({ min: 0.05, max: 0.8, noNaN: true }),
  })
  .map(({ sizes, kind, reset, bias, steps, delays, dtMs, seed, p }) => {
    let s = seed >>> 0;
    const next = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s / 4294967296);
    const spec: NetworkSpec = createSpec({
      sizes,
      neuron: kind === 'cuba' ? { kind, currentRetention: 0.75, voltageRetention: 0.97 } : { kind, beta: 0.9 },
      reset,
      bias,
      dtMs,
    });
    spec.layers.forEach((l, i) => {
      l.delaySteps = delays[i] ?? 0;
      for (let k = 0; k < l.weights.length; k++) l.weights[k] = next() < 0.2 ? 0 : Math.fround((next() - 0.3) * 1.5);
      for (let k = 0; k < l.size; k++) l.thresholds[k] = Math.fround(0.2 + next() * 1.5);
      if (l.bias) for (let k = 0; k < l.size; k++) l.bias[k] = Math.fround((next() - 0.5) * 0.2);
    });
    const input = new Float32Array(steps * (sizes[0] as number));
    for (let k = 0; k < input.length; k++) input[k] = next() < p ? (next() < 0.2 ? 2 : 1) : 0; // spike counts, some 2
    return { spec, input, steps };
  });

describe('NetworkSpec through the description engine', () => {
  it('equals referenceForward spike for spike (delays 0-2 steps, bias, count inputs, lif and cuba)', () => {
    fc.assert(
      fc.property(case_, ({ spec, input, steps }) => {
        const ref = referenceForward(spec.layers, input, steps, undefined, { dtMs: spec.dtMs });
        const desc = descriptionFromSpec(spec);
        const net = compileDescription(desc, { allowZeroDelay: true });
        const r = simulateDescription(net, {
          durationMs: steps * spec.dtMs,
          sourceValues: { input },
          recordSpikes: desc.populations.map((p) => p.name),
        });
        expect(r.steps).toBe(steps);
        spec.layers.forEach((l, li) => {
          const got = new Uint8Array(steps * l.size);
          const rec = r.spikeRecords[`L${li}`]!;
          for (let k = 0; k < rec.ids.length; k++)
            got[Math.round(rec.times[k]! / spec.dtMs) * l.size + rec.ids[k]!] = 1;
          expect(Array.from(got)).toEqual(Array.from(ref[li]!));
        });
      }),
      { seed: 4242, numRuns: 150 },
    );
  });
});
