import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileNetwork, simulateNetwork } from '../../src/event/index.js';
import type { LayerSpec, NetworkSpec, NeuronModel, ResetMode } from '../../src/model/index.js';
import { referenceForward } from '../../src/neuron/index.js';

/**
 * Discrete mode parity: for random small networks (cuba and lif, zero and subtract reset, with and without bias,
 * delays 0..2, sparse weights with exact zeros, non-binary input counts) the event engine emits exactly the spikes of
 * the dense reference forward pass, and its per-neuron counts and SynOps agree with counts taken from those spikes.
 */
const f32 = (min: number, max: number) =>
  fc.float({ min: Math.fround(min), max: Math.fround(max), noNaN: true, noDefaultInfinity: true });

const neuronArb: fc.Arbitrary<NeuronModel> = fc.oneof(
  fc.record({ kind: fc.constant('cuba' as const), currentRetention: f32(0, 1), voltageRetention: f32(0, 1) }),
  fc.record({ kind: fc.constant('lif' as const), beta: f32(0, 1) }),
);

function layerArb(inputSize: number, size: number): fc.Arbitrary<LayerSpec> {
  return fc
    .record({
      neuron: neuronArb,
      reset: fc.constantFrom<ResetMode>('zero', 'subtract'),
      thresholds: fc.array(f32(0.05, 2), { minLength: size, maxLength: size }).map((a) => Float32Array.from(a)),
      weights: fc
        .array(fc.oneof(fc.constant(0), fc.constant(-0), f32(-1.5, 1.5)), {
          minLength: size * inputSize,
          maxLength: size * inputSize,
        })
        .map((a) => Float32Array.from(a)),
      bias: fc.option(
        fc.array(f32(-0.3, 0.5), { minLength: size, maxLength: size }).map((a) => Float32Array.from(a)),
        { nil: undefined },
      ),
      delaySteps: fc.integer({ min: 0, max: 2 }),
    })
    .map((r) => {
      const l: LayerSpec = {
        size,
        inputSize,
        neuron: r.neuron,
        reset: r.reset,
        thresholds: r.thresholds,
        weights: r.weights,
        delaySteps: r.delaySteps,
      };
      if (r.bias) l.bias = r.bias;
      return l;
    });
}

const caseArb = fc
  .record({
    sizes: fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 2, maxLength: 4 }),
    steps: fc.integer({ min: 1, max: 25 }),
  })
  .chain(({ sizes, steps }) => {
    const layers = fc.tuple(...sizes.slice(1).map((s, i) => layerArb(sizes[i] as number, s)));
    const inputSize = sizes[0] as number;
    const input = fc
      .array(
        fc.oneof(
          { weight: 3, arbitrary: fc.constant(0) },
          { weight: 2, arbitrary: fc.constant(1) },
          { weight: 1, arbitrary: fc.integer({ min: 2, max: 3 }) },
          { weight: 1, arbitrary: f32(0.25, 2) },
        ),
        {
          minLength: steps * inputSize,
          maxLength: steps * inputSize,
        },
      )
      .map((a) => Float32Array.from(a));
    return fc.record({ layers, input, steps: fc.constant(steps), inputSize: fc.constant(inputSize) });
  });

describe('discrete mode equals referenceForward', () => {
  it('identical spikes, counts and SynOps on random networks', () => {
    fc.assert(
      fc.property(caseArb, ({ layers, input, steps, inputSize }) => {
        const spec: NetworkSpec = {
          format: 'rouser-network',
          version: 1,
          inputSize,
          dtMs: 1,
          layers: [...layers],
          meta: {},
        };
        const ref = referenceForward(spec.layers, input, steps);
        const res = simulateNetwork(compileNetwork(spec), input, steps, { recordSpikes: true });
        spec.layers.forEach((layer, l) => {
          const dense = ref[l] as Uint8Array;
          const rec = res.spikes?.[l];
          expect(rec).toBeDefined();
          const fromEngine = new Uint8Array(steps * layer.size);
          for (let k = 0; k < (rec?.ids.length ?? 0); k++)
            fromEngine[(rec?.times[k] as number) * layer.size + (rec?.ids[k] as number)] = 1;
          expect(Array.from(fromEngine)).toEqual(Array.from(dense));
          const counts = new Int32Array(layer.size);
          for (let t = 0; t < steps; t++)
            for (let o = 0; o < layer.size; o++)
              counts[o] = (counts[o] as number) + (dense[t * layer.size + o] as number);
          expect(Array.from(res.layerSpikeCounts[l] as Int32Array)).toEqual(Array.from(counts));
          // SynOps: every source spike (input value for layer 0) times its number of non-zero weights, for sources
          // whose spike is delivered inside the window (source step < steps - delaySteps)
          let ops = 0;
          const srcSize = layer.inputSize;
          for (let t = 0; t + layer.delaySteps < steps; t++) {
            for (let i = 0; i < srcSize; i++) {
              const s =
                l === 0 ? (input[t * srcSize + i] as number) : ((ref[l - 1] as Uint8Array)[t * srcSize + i] as number);
              if (s === 0) continue;
              let fan = 0;
              for (let o = 0; o < layer.size; o++) if ((layer.weights[o * srcSize + i] as number) !== 0) fan++;
              ops += s * fan;
            }
          }
          expect(res.synOps[l]).toBeCloseTo(ops, 9);
          expect(res.neuronUpdates[l]).toBe(layer.size * steps);
        });
        expect(res.outputCounts).toBe(res.layerSpikeCounts[spec.layers.length - 1]);
      }),
      { seed: 42, numRuns: 400 },
    );
  });
});
