import fc from 'fast-check';
import type { LayerSpec, NetworkSpec, NeuronModel } from '../src/index.js';

/** Any finite float32 (including -0 and subnormals). */
export const f32 = fc.float({ noNaN: true, noDefaultInfinity: true });

/** Neuron models with retention factors in [0, 1]. */
export const neuronModel: fc.Arbitrary<NeuronModel> = fc.oneof(
  fc.record({
    kind: fc.constant('cuba' as const),
    currentRetention: fc.double({ min: 0, max: 1, noNaN: true }),
    voltageRetention: fc.double({ min: 0, max: 1, noNaN: true }),
  }),
  fc.record({ kind: fc.constant('lif' as const), beta: fc.double({ min: 0, max: 1, noNaN: true }) }),
);

function f32Array(n: number, values: fc.Arbitrary<number> = f32): fc.Arbitrary<Float32Array> {
  return fc.array(values, { minLength: n, maxLength: n }).map((a) => Float32Array.from(a));
}

/** Valid specs with 1-3 layers of 1-6 neurons; weights/thresholds any finite float32. */
export function validSpec(values: fc.Arbitrary<number> = f32): fc.Arbitrary<NetworkSpec> {
  return fc
    .record({
      sizes: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 2, maxLength: 4 }),
      dtMs: fc.double({ min: 0.01, max: 10, noNaN: true }),
      bias: fc.boolean(),
      meta: fc.dictionary(
        fc.string({ maxLength: 8 }).filter((k) => k !== '__proto__'),
        fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.boolean(), fc.constant(null)),
        { maxKeys: 3 },
      ),
    })
    .chain(({ sizes, dtMs, bias, meta }) => {
      const layers = sizes.slice(1).map((size, l) => {
        const inputSize = sizes[l] as number;
        return fc
          .record({
            neuron: neuronModel,
            reset: fc.constantFrom('zero' as const, 'subtract' as const),
            delaySteps: fc.integer({ min: 0, max: 3 }),
            thresholds: f32Array(size, values),
            weights: f32Array(size * inputSize, values),
            bias: f32Array(size, values),
          })
          .map((r): LayerSpec => {
            const layer: LayerSpec = {
              size,
              inputSize,
              neuron: r.neuron,
              reset: r.reset,
              delaySteps: r.delaySteps,
              thresholds: r.thresholds,
              weights: r.weights,
            };
            if (bias) layer.bias = r.bias;
            return layer;
          });
      });
      return fc.tuple(...layers).map((ls): NetworkSpec => ({
        format: 'rouser-network',
        version: 1,
        inputSize: sizes[0] as number,
        dtMs,
        layers: ls,
        meta,
      }));
    });
}
