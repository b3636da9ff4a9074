import { fail } from '../util/errors.js';
import type { LayerSpec, NetworkSpec, NeuronModel } from './spec.js';

const MAX_NEURONS = 2 ** 30;

function checkPositiveInt(where: string, field: string, v: unknown): asserts v is number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0 || v > MAX_NEURONS)
    fail(where, field, v, `a positive integer <= ${MAX_NEURONS}`);
}

function checkFiniteArray(where: string, field: string, arr: unknown, length: number): void {
  if (!(arr instanceof Float32Array)) fail(where, field, arr, `a Float32Array of length ${length}`);
  if (arr.length !== length) fail(where, `${field}.length`, arr.length, `${length}`);
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i] as number;
    if (!Number.isFinite(v)) fail(where, `${field}[${i}]`, v, 'a finite number');
  }
}

function checkRetention(where: string, field: string, v: unknown): void {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1)) fail(where, field, v, 'a number in [0, 1]');
}

/**
 * Checks a neuron of a registered model other than cuba/lif: called with the layer's neuron object, its field path
 * and the layer size and time step. Installed by the neuron-model registry (src/neuron/model.ts) when it loads, so
 * that `model/` stays free of imports from `neuron/`; without it only the shape `{kind: name, param: number |
 * number[]}` is checked.
 */
export type RegisteredNeuronCheck = (
  where: string,
  field: string,
  neuron: Readonly<Record<string, unknown>>,
  size: number,
  dtMs: number,
) => void;

let registeredNeuronCheck: RegisteredNeuronCheck | undefined;

/** Installs the check {@link validateSpec} runs for neuron kinds other than cuba and lif (the registry does this). */
export function setRegisteredNeuronCheck(check: RegisteredNeuronCheck): void {
  registeredNeuronCheck = check;
}

function checkNeuron(where: string, field: string, n: NeuronModel, size: number, dtMs: number): void {
  if (typeof n !== 'object' || n === null || Array.isArray(n))
    fail(where, field, n, "an object {kind: 'cuba' | 'lif' | <registered model>, ...}");
  switch (n.kind) {
    case 'cuba':
      checkRetention(where, `${field}.currentRetention`, n.currentRetention);
      checkRetention(where, `${field}.voltageRetention`, n.voltageRetention);
      return;
    case 'lif':
      checkRetention(where, `${field}.beta`, n.beta);
      return;
    default: {
      const kind: unknown = n.kind;
      if (typeof kind !== 'string' || !/^[a-z][a-z0-9_]*$/.test(kind))
        fail(where, `${field}.kind`, kind, "'cuba', 'lif' or the name of a registered neuron model");
      for (const [k, v] of Object.entries(n)) {
        if (k === 'kind') continue;
        const ok =
          (typeof v === 'number' && Number.isFinite(v)) ||
          (Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x)));
        if (!ok) fail(where, `${field}.${k}`, v, 'a finite number or an array of finite numbers (one per neuron)');
      }
      registeredNeuronCheck?.(where, field, n as unknown as Readonly<Record<string, unknown>>, size, dtMs);
    }
  }
}

function checkLayer(where: string, l: number, layer: LayerSpec, expectedInput: number, dtMs: number): void {
  const f = `layers[${l}]`;
  if (typeof layer !== 'object' || layer === null) fail(where, f, layer, 'a layer object');
  checkPositiveInt(where, `${f}.size`, layer.size);
  checkPositiveInt(where, `${f}.inputSize`, layer.inputSize);
  if (layer.inputSize !== expectedInput)
    fail(
      where,
      `${f}.inputSize`,
      layer.inputSize,
      `${expectedInput} (the size of the ${l === 0 ? 'network input' : `layer ${l - 1}`})`,
    );
  checkNeuron(where, `${f}.neuron`, layer.neuron, layer.size, dtMs);
  if (layer.reset !== 'zero' && layer.reset !== 'subtract')
    fail(where, `${f}.reset`, layer.reset, "'zero' or 'subtract'");
  if (
    typeof layer.delaySteps !== 'number' ||
    !Number.isInteger(layer.delaySteps) ||
    layer.delaySteps < 0 ||
    layer.delaySteps > 1_000_000
  )
    fail(where, `${f}.delaySteps`, layer.delaySteps, 'an integer in [0, 1000000]');
  checkFiniteArray(where, `${f}.thresholds`, layer.thresholds, layer.size);
  checkFiniteArray(where, `${f}.weights`, layer.weights, layer.size * layer.inputSize);
  if (layer.bias !== undefined) checkFiniteArray(where, `${f}.bias`, layer.bias, layer.size);
}

/**
 * Checks every field of a spec and throws a `RouserError` naming the first bad field, its index and value,
 * e.g. `model.json: field layers[1].weights[37] is NaN; expected a finite number`.
 * @param where the file or object name used in messages
 */
export function validateSpec(spec: NetworkSpec, where = 'NetworkSpec'): NetworkSpec {
  if (typeof spec !== 'object' || spec === null) fail(where, '(root)', spec, 'a NetworkSpec object');
  if (spec.format !== 'rouser-network') fail(where, 'format', spec.format, '"rouser-network"');
  if (spec.version !== 1) fail(where, 'version', spec.version, '1');
  checkPositiveInt(where, 'inputSize', spec.inputSize);
  if (typeof spec.dtMs !== 'number' || !(spec.dtMs > 0) || !Number.isFinite(spec.dtMs))
    fail(where, 'dtMs', spec.dtMs, 'a finite number > 0');
  if (!Array.isArray(spec.layers) || spec.layers.length === 0)
    fail(where, 'layers', spec.layers, 'a non-empty array of layers');
  let prev = spec.inputSize;
  spec.layers.forEach((layer, l) => {
    checkLayer(where, l, layer, prev, spec.dtMs);
    prev = layer.size;
  });
  checkMeta(where, spec.meta);
  return spec;
}

/**
 * Checks a free-form meta record (model, network description, checkpoint): an object whose values are JSON scalars
 * (strings, finite numbers, booleans or null), so it round-trips through JSON unchanged.
 */
export function checkMeta(
  where: string,
  meta: unknown,
  field = 'meta',
): asserts meta is Record<string, string | number | boolean | null> {
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) fail(where, field, meta, 'an object');
  for (const [k, v] of Object.entries(meta))
    if (!(
      v === null ||
      typeof v === 'string' ||
      typeof v === 'boolean' ||
      (typeof v === 'number' && Number.isFinite(v))
    ))
      fail(where, `${field}.${k}`, v, 'a string, finite number, boolean or null');
}
