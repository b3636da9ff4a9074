import fc from 'fast-check';
import { createSpec, type NetworkSpec, type NeuronModel, type ResetMode } from '../model/spec.js';
import type { NeuronModelDef, ParamDef } from '../neuron/model.js';
import type { Surrogate } from '../neuron/surrogate.js';

/**
 * fast-check arbitraries for neuron models: parameter sets within each parameter's typical range, input trains
 * (sparse, signed, per port), thresholds, resets and small feed-forward networks of a registered model.
 */

/** The range {@link paramsArbitrary} draws a parameter from: `typical`, else the bounds when both are finite and at most 1000 apart, else default -/+ 10 max(1, |default|) clipped to the bounds. */
export function typicalRange(p: ParamDef): [number, number] {
  if (p.typical) return [p.typical[0], p.typical[1]];
  if (Number.isFinite(p.min) && Number.isFinite(p.max) && p.max - p.min <= 1000) return [p.min, p.max];
  const span = 10 * Math.max(1, Math.abs(p.default));
  return [Math.max(p.min, p.default - span), Math.min(p.max, p.default + span)];
}

/** One scalar value per declared parameter, drawn from {@link typicalRange} (exclusive bounds stay excluded). */
export function paramsArbitrary(model: Pick<NeuronModelDef, 'params'>): fc.Arbitrary<Record<string, number>> {
  const fields: Record<string, fc.Arbitrary<number>> = {};
  for (const p of model.params) {
    const [lo, hi] = typicalRange(p);
    fields[p.name] =
      lo === hi
        ? fc.constant(lo)
        : fc.double({
            min: lo,
            max: hi,
            noNaN: true,
            minExcluded: p.minExclusive === true && lo === p.min,
            maxExcluded: p.maxExclusive === true && hi === p.max,
          });
  }
  return fc.record(fields);
}

/** Options of {@link inputTrainArbitrary}. */
export interface InputTrainOptions {
  /** Steps of the train (default 30). */
  steps?: number;
  /** Number of ports (values per step; default 1). */
  ports?: number;
  /** Fraction of steps with a non-zero input on a port (default 0.4). */
  density?: number;
  /** Inputs are drawn from [-scale/2, scale] (default 1.5). */
  scale?: number;
}

/** `[steps][ports]` float32 input values: zero with probability 1 - density, else signed, skewed positive. */
export function inputTrainArbitrary(opts: InputTrainOptions = {}): fc.Arbitrary<number[][]> {
  const steps = opts.steps ?? 30;
  const ports = opts.ports ?? 1;
  const density = opts.density ?? 0.4;
  const scale = opts.scale ?? 1.5;
  const one = fc
    .tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: -scale / 2, max: scale, noNaN: true }))
    .map(([u, v]) => (u < density ? Math.fround(v) : 0));
  return fc.array(fc.array(one, { minLength: ports, maxLength: ports }), { minLength: steps, maxLength: steps });
}

/** A reset mode. */
export const resetArbitrary: fc.Arbitrary<ResetMode> = fc.constantFrom<ResetMode>('zero', 'subtract');

/** A float32 threshold in [lo, hi] (default [0.2, 2]). */
export function thresholdArbitrary(lo = 0.2, hi = 2): fc.Arbitrary<number> {
  return fc.double({ min: lo, max: hi, noNaN: true }).map((v) => Math.fround(v));
}

/** A surrogate of any kind with positive parameters. */
export const surrogateArbitrary: fc.Arbitrary<Surrogate> = fc.oneof(
  fc.record({
    kind: fc.constant('exponential' as const),
    scale: fc.double({ min: 0.1, max: 5, noNaN: true }),
    tau: fc.double({ min: 0.2, max: 10, noNaN: true }),
  }),
  fc.record({ kind: fc.constant('fastSigmoid' as const), slope: fc.double({ min: 0.1, max: 50, noNaN: true }) }),
  fc.record({ kind: fc.constant('atan' as const), alpha: fc.double({ min: 0.1, max: 10, noNaN: true }) }),
  fc.record({
    kind: fc.constant('triangle' as const),
    scale: fc.double({ min: 0.1, max: 5, noNaN: true }),
    width: fc.double({ min: 0.1, max: 5, noNaN: true }),
  }),
);

/** Options of {@link smallNetworkArbitrary}. */
export interface SmallNetworkOptions {
  /** Largest layer (default 6). */
  maxSize?: number;
  /** Most spiking layers (default 3). */
  maxLayers?: number;
  /** Steps of the input (default 12). */
  steps?: number;
  /** Time step (default 1 ms). */
  dtMs?: number;
}

/** A small network whose every layer uses `model` (random parameters, weights, thresholds, reset, delays, bias) and a spike-count input (0, 1 or 2 per bin) for it. */
export function smallNetworkArbitrary(
  model: Pick<NeuronModelDef, 'name' | 'params'>,
  opts: SmallNetworkOptions = {},
): fc.Arbitrary<{ spec: NetworkSpec; input: Float32Array; steps: number }> {
  const maxSize = opts.maxSize ?? 6;
  const steps = opts.steps ?? 12;
  return fc
    .array(fc.integer({ min: 1, max: maxSize }), { minLength: 2, maxLength: (opts.maxLayers ?? 3) + 1 })
    .chain((sizes) => {
      const weightCount = sizes.slice(1).reduce((a, n, l) => a + n * (sizes[l] as number), 0);
      const neuronCount = sizes.slice(1).reduce((a, n) => a + n, 0);
      const unit = fc.double({ min: -1, max: 1, noNaN: true });
      return fc.record({
        sizes: fc.constant(sizes),
        params: paramsArbitrary(model),
        reset: resetArbitrary,
        bias: fc.boolean(),
        delay: fc.integer({ min: 0, max: 2 }),
        weights: fc.array(unit, { minLength: weightCount, maxLength: weightCount }),
        thresholds: fc.array(unit, { minLength: neuronCount, maxLength: neuronCount }),
        biases: fc.array(unit, { minLength: neuronCount, maxLength: neuronCount }),
        input: fc.array(fc.constantFrom(0, 0, 1, 2), {
          minLength: steps * (sizes[0] as number),
          maxLength: steps * (sizes[0] as number),
        }),
      });
    })
    .map(({ sizes, params, reset, bias, delay, weights, thresholds, biases, input }) => {
      const neuron = { kind: model.name, ...params } as NeuronModel;
      const spec = createSpec({ sizes, neuron, reset, bias, delaySteps: delay, dtMs: opts.dtMs ?? 1, thInit: 0.8 });
      let w = 0;
      let n = 0;
      for (const l of spec.layers) {
        // weights in [-0.2 a, 1.8 a] (mostly excitatory, a = 1.5 / sqrt(fan-in)), thresholds in [0.6, 1], small biases
        const a = 1.5 / Math.sqrt(l.inputSize);
        for (let i = 0; i < l.weights.length; i++) l.weights[i] = Math.fround((weights[w++] as number) * a + 0.8 * a);
        for (let i = 0; i < l.size; i++) {
          l.thresholds[i] = Math.fround(0.8 + 0.2 * (thresholds[n] as number));
          if (l.bias) l.bias[i] = Math.fround(0.05 * (biases[n] as number));
          n++;
        }
      }
      return { spec, input: Float32Array.from(input), steps };
    });
}
