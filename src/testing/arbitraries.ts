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
        : fc.double({ min: lo, max: hi, noNaN: true, minExcluded: p.minExclusive === true && lo === p.min, maxExcluded: p.maxExclusive === true && hi === p.max });
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
  fc.record({ kind: fc.constant('exponential' as const), scale: fc.double({ min: 0.1, max: 5, noNaN: true }), tau: fc.double({ min: 0.2, max: 10, noNaN: true }) }),
  fc.record({ kind: fc.constant('fastSigmoid' as const), slope: fc.double({ min: 0.1, max: 50, noNaN: true }) }),
  fc.record({ kind: fc.constant('atan' as const), alpha: fc.double({ min: 0.1, max: 10, noNaN: true }) }),
  fc.record({ kind: fc.constant('triangle' as const), scale: fc.double({ min: 0.1, max: 5, noNaN: true }), width: fc.double({ min: 0.1, max: 5, noNaN: true }) }),
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

/** A small network whose every layer uses `model` (random parameters, weights, thresholds, reset, delays, bias) and a spike-count input for it. */
export function smallNetworkArbitrary(
  model: Pick<NeuronModelDef, 'name' | 'params'>,
  opts: SmallNetworkOptions = {},
): fc.Arbitrary<{ spec: NetworkSpec; input: Float32Array; steps: number }> {
  const maxSize = opts.maxSize ?? 6;
  const steps = opts.steps ?? 12;
  return fc
    .record({
      sizes: fc.array(fc.integer({ min: 1, max: maxSize }), { minLength: 2, maxLength: (opts.maxLayers ?? 3) + 1 }),
      params: paramsArbitrary(model),
      reset: resetArbitrary,
      bias: fc.boolean(),
      delay: fc.integer({ min: 0, max: 2 }),
      seedValues: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 64, maxLength: 64 }),
      inputBits: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 64, maxLength: 64 }),
    })
    .map(({ sizes, params, reset, bias, delay, seedValues, inputBits }) => {
      const neuron = { kind: model.name, ...params } as NeuronModel;
      const spec = createSpec({ sizes, neuron, reset, bias, delaySteps: delay, dtMs: opts.dtMs ?? 1, thresholdInit: 0.8 });
      let c = 0;
      const next = (): number => seedValues[c++ % seedValues.length] as number;
      for (const l of spec.layers) {
        const a = 1.5 / Math.sqrt(l.inputSize);
        for (let i = 0; i < l.weights.length; i++) l.weights[i] = Math.fround(next() * a + 0.3 * a);
        for (let i = 0; i < l.size; i++) l.thresholds[i] = Math.fround(0.6 + 0.4 * Math.abs(next()));
        if (l.bias) for (let i = 0; i < l.size; i++) l.bias[i] = Math.fround(0.05 * next());
      }
      const input = new Float32Array(steps * (sizes[0] as number));
      for (let i = 0; i < input.length; i++) input[i] = (inputBits[(i * 7) % inputBits.length] as number) === 2 ? 1 : 0;
      return { spec, input, steps };
    });
}
