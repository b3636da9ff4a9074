import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LayerSpec, NetworkSpec, NeuronModel, ResetMode } from '../../src/model/index.js';
import { referenceForward } from '../../src/neuron/index.js';
import { createFusedBackend } from '../../src/train/fused.js';
import { ThreadScratch, buildInputLists, countInput, runPhase } from '../../src/train/fused/kernels.js';
import { createWorkspace, type KernelCall } from '../../src/train/fused/workspace.js';
import { neuronCoefficients } from '../../src/neuron/index.js';

/**
 * The fused forward kernel emits exactly the spikes of `referenceForward` (same float32 summation order) on random
 * small networks: cuba and lif, zero and subtract reset, with and without bias, delays 0..2, weights with exact
 * zeros, binary and count-valued inputs, batches of 1..3 samples, and any split of the neurons into slices.
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
    sizes: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 2, maxLength: 4 }),
    steps: fc.integer({ min: 1, max: 20 }),
    batch: fc.integer({ min: 1, max: 3 }),
    binary: fc.boolean(),
    parts: fc.integer({ min: 1, max: 3 }),
  })
  .chain(({ sizes, steps, batch, binary, parts }) => {
    const layers = fc.tuple(...sizes.slice(1).map((s, i) => layerArb(sizes[i] as number, s)));
    const inputSize = sizes[0] as number;
    const value = binary
      ? fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.constant(1) })
      : fc.oneof(
          { weight: 3, arbitrary: fc.constant(0) },
          { weight: 2, arbitrary: fc.constant(1) },
          { weight: 1, arbitrary: fc.integer({ min: 2, max: 3 }) },
          { weight: 1, arbitrary: f32(0.25, 2) },
        );
    const n = batch * steps * inputSize;
    const input = fc.array(value, { minLength: n, maxLength: n }).map((a) => Float32Array.from(a));
    return fc.record({
      layers,
      input,
      steps: fc.constant(steps),
      batch: fc.constant(batch),
      inputSize: fc.constant(inputSize),
      parts: fc.constant(parts),
    });
  });

/** Runs only the fused forward phases, slice by slice in this thread, and returns each layer's `[B][T][n]` spikes. */
function fusedSpikes(spec: NetworkSpec, data: Float32Array, batch: number, steps: number, parts: number): Uint8Array[] {
  const sizes = [spec.inputSize, ...spec.layers.map((l) => l.size)];
  const { nnz, binary } = countInput(data);
  const ws = createWorkspace(sizes, batch, steps, nnz);
  spec.layers.forEach((l, k) => {
    const b = ws.layers[k];
    if (!b) throw new Error('missing layer');
    b.W.set(l.weights);
    b.thresholds.set(l.thresholds);
    if (l.bias) b.bias.set(l.bias);
  });
  buildInputLists(ws, data, spec.layers[0]?.delaySteps ?? 0);
  const call: KernelCall = {
    layers: spec.layers.map((l) => {
      const c = neuronCoefficients(l.neuron);
      return {
        n: l.size,
        nIn: l.inputSize,
        delay: l.delaySteps,
        aI: c.aI,
        aV: c.aV,
        hasCurrent: c.hasCurrent,
        subtract: l.reset === 'subtract',
        hasBias: !!l.bias,
      };
    }),
    sgKind: 0,
    sgP1: 1,
    sgP2: 1,
    detachReset: true,
    inputBinary: binary,
  };
  const scratches = Array.from({ length: parts }, () => new ThreadScratch());
  for (let l = 0; l < spec.layers.length; l++)
    for (let p = 0; p < parts; p++)
      runPhase(ws, call, scratches[p] as ThreadScratch, { kind: 'forward', layer: l }, p, parts);
  return ws.layers.map((b) => b.S);
}

describe('fused forward equals referenceForward', () => {
  it('identical spikes on random networks, any neuron slicing', () => {
    fc.assert(
      fc.property(caseArb, ({ layers, input, steps, batch, inputSize, parts }) => {
        const spec: NetworkSpec = {
          format: 'rouser-network',
          version: 1,
          inputSize,
          dtMs: 1,
          layers: [...layers],
          meta: {},
        };
        const fused = fusedSpikes(spec, input, batch, steps, parts);
        for (let b = 0; b < batch; b++) {
          const ref = referenceForward(
            spec.layers,
            input.subarray(b * steps * inputSize, (b + 1) * steps * inputSize),
            steps,
          );
          spec.layers.forEach((layer, l) => {
            const per = steps * layer.size;
            expect(Array.from((fused[l] as Uint8Array).subarray(b * per, (b + 1) * per))).toEqual(
              Array.from(ref[l] as Uint8Array),
            );
          });
        }
      }),
      { seed: 20240719, numRuns: 200 },
    );
  });

  it('the backend reports the counts of those spikes (1 and 2 threads)', async () => {
    const one = createFusedBackend();
    const two = createFusedBackend({ threads: 2 });
    try {
      const samples = fc.sample(caseArb, { seed: 7, numRuns: 15 });
      for (const { layers, input, steps, batch, inputSize } of samples) {
        const spec: NetworkSpec = {
          format: 'rouser-network',
          version: 1,
          inputSize,
          dtMs: 1,
          layers: [...layers],
          meta: {},
        };
        const x = { batch, steps, channels: inputSize, data: input };
        const r1 = await one.forward(spec, x);
        const r2 = await two.forward(spec, x);
        const last = spec.layers[spec.layers.length - 1] as LayerSpec;
        const expected = new Float32Array(batch * last.size);
        for (let b = 0; b < batch; b++) {
          const ref = referenceForward(
            spec.layers,
            input.subarray(b * steps * inputSize, (b + 1) * steps * inputSize),
            steps,
          );
          const out = ref[ref.length - 1] as Uint8Array;
          for (let t = 0; t < steps; t++)
            for (let c = 0; c < last.size; c++)
              expected[b * last.size + c] =
                (expected[b * last.size + c] as number) + (out[t * last.size + c] as number);
        }
        expect(Array.from(r1.outputCounts)).toEqual(Array.from(expected));
        expect(Array.from(r2.outputCounts)).toEqual(Array.from(expected));
        expect(r2.layerCounts.map((c) => Array.from(c))).toEqual(r1.layerCounts.map((c) => Array.from(c)));
      }
    } finally {
      await one.dispose();
      await two.dispose();
    }
  });
});
