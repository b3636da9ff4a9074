import { fail, RouserError } from '../util/errors.js';
import { parseJson } from '../util/json.js';
import { SPEC_VERSION, type LayerSpec, type NetworkSpec, type NeuronModel, type SpecMeta } from './spec.js';
import { validateSpec } from './validate.js';

/**
 * Two serialisations of a {@link NetworkSpec}, both exact: every Float32 value (including -0) reads back with the
 * same bit pattern.
 * - JSON (`.json`): for humans and diffs. Weights are written one row per output neuron. Numbers in JSON that are
 *   not float32-representable (hand-written 0.1) are rounded to the nearest float32 on read.
 * - Binary (`.rsnn`): magic `RSNN`, uint32 LE format version, uint32 LE header length, a UTF-8 JSON header with
 *   every non-array field, zero padding to a 4-byte boundary, then per layer thresholds, bias (if any) and
 *   weights as little-endian float32.
 */

function num(x: number): string {
  return Object.is(x, -0) ? '-0' : String(x);
}

function floats(arr: Float32Array, from = 0, to = arr.length): string {
  const parts = new Array<string>(to - from);
  for (let i = from; i < to; i++) parts[i - from] = num(arr[i] as number);
  return `[${parts.join(',')}]`;
}

/** Serialises a spec to JSON text (validated first). */
export function specToJson(spec: NetworkSpec): string {
  validateSpec(spec);
  const out: string[] = [];
  out.push('{');
  out.push(`  "format": "rouser-network",`);
  out.push(`  "version": ${spec.version},`);
  out.push(`  "inputSize": ${spec.inputSize},`);
  out.push(`  "dtMs": ${num(spec.dtMs)},`);
  out.push(`  "meta": ${JSON.stringify(spec.meta)},`);
  out.push('  "layers": [');
  spec.layers.forEach((l, li) => {
    out.push('    {');
    out.push(`      "size": ${l.size},`);
    out.push(`      "inputSize": ${l.inputSize},`);
    out.push(`      "neuron": ${JSON.stringify(l.neuron)},`);
    out.push(`      "reset": ${JSON.stringify(l.reset)},`);
    out.push(`      "delaySteps": ${l.delaySteps},`);
    out.push(`      "thresholds": ${floats(l.thresholds)},`);
    if (l.bias) out.push(`      "bias": ${floats(l.bias)},`);
    out.push('      "weights": [');
    for (let o = 0; o < l.size; o++) {
      out.push(`        ${floats(l.weights, o * l.inputSize, (o + 1) * l.inputSize)}${o + 1 < l.size ? ',' : ''}`);
    }
    out.push('      ]');
    out.push(`    }${li + 1 < spec.layers.length ? ',' : ''}`);
  });
  out.push('  ]');
  out.push('}');
  return out.join('\n') + '\n';
}

function toFloat32(where: string, field: string, v: unknown, length: number): Float32Array {
  if (!Array.isArray(v)) fail(where, field, v, `an array of ${length} numbers`);
  if (v.length !== length) fail(where, `${field}.length`, v.length, `${length}`);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    const x = v[i] as unknown;
    if (typeof x !== 'number' || !Number.isFinite(x)) fail(where, `${field}[${i}]`, x, 'a finite number');
    out[i] = x;
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Largest layer or input size a file may declare (the same bound as validateSpec). */
const MAX_SIZE = 2 ** 30;

function intField(where: string, field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail(where, field, v, 'a non-negative integer');
  if (v > MAX_SIZE) fail(where, field, v, `at most ${MAX_SIZE}`);
  return v;
}

/** Parses JSON text written by {@link specToJson} (or by hand) and validates it. */
export function specFromJson(text: string, where = 'NetworkSpec JSON'): NetworkSpec {
  const raw = parseJson(text, where);
  if (!isObject(raw)) fail(where, '(root)', raw, 'a JSON object');
  if (raw.format !== 'rouser-network') fail(where, 'format', raw.format, '"rouser-network"');
  if (raw.version !== SPEC_VERSION) fail(where, 'version', raw.version, `${SPEC_VERSION}`);
  const inputSize = intField(where, 'inputSize', raw.inputSize);
  if (!Array.isArray(raw.layers)) fail(where, 'layers', raw.layers, 'an array of layers');
  const layers: LayerSpec[] = raw.layers.map((rl: unknown, li: number): LayerSpec => {
    const f = `layers[${li}]`;
    if (!isObject(rl)) fail(where, f, rl, 'a layer object');
    const size = intField(where, `${f}.size`, rl.size);
    const inSize = intField(where, `${f}.inputSize`, rl.inputSize);
    if (!Array.isArray(rl.weights)) fail(where, `${f}.weights`, rl.weights, `an array of ${size} rows`);
    if (rl.weights.length !== size) fail(where, `${f}.weights.length`, rl.weights.length, `${size} rows`);
    // Every row's length is checked before allocating, so the allocation is bounded by the size of the text.
    (rl.weights as unknown[]).forEach((row, o) => {
      if (!Array.isArray(row)) fail(where, `${f}.weights[${o}]`, row, `an array of ${inSize} numbers`);
      if (row.length !== inSize) fail(where, `${f}.weights[${o}].length`, row.length, `${inSize}`);
    });
    const weights = new Float32Array(size * inSize);
    (rl.weights as unknown[]).forEach((row, o) => {
      weights.set(toFloat32(where, `${f}.weights[${o}]`, row, inSize), o * inSize);
    });
    const layer: LayerSpec = {
      size,
      inputSize: inSize,
      neuron: rl.neuron as NeuronModel,
      reset: rl.reset as LayerSpec['reset'],
      delaySteps: rl.delaySteps === undefined ? 0 : (rl.delaySteps as number),
      thresholds: toFloat32(where, `${f}.thresholds`, rl.thresholds, size),
      weights,
    };
    if (rl.bias !== undefined) layer.bias = toFloat32(where, `${f}.bias`, rl.bias, size);
    return layer;
  });
  const spec: NetworkSpec = {
    format: 'rouser-network',
    version: SPEC_VERSION,
    inputSize,
    dtMs: raw.dtMs as number,
    layers,
    meta: (raw.meta ?? {}) as SpecMeta,
  };
  return validateSpec(spec, where);
}

const MAGIC = [0x52, 0x53, 0x4e, 0x4e]; // "RSNN"

/** Serialises a spec to the compact binary form (validated first). */
export function specToBinary(spec: NetworkSpec): Uint8Array {
  validateSpec(spec);
  const header = {
    format: spec.format,
    version: spec.version,
    inputSize: spec.inputSize,
    dtMs: spec.dtMs,
    meta: spec.meta,
    layers: spec.layers.map((l) => ({
      size: l.size,
      inputSize: l.inputSize,
      neuron: l.neuron,
      reset: l.reset,
      delaySteps: l.delaySteps,
      bias: l.bias !== undefined,
    })),
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const headerEnd = 12 + headerBytes.length;
  const dataStart = (headerEnd + 3) & ~3;
  let floatsCount = 0;
  for (const l of spec.layers) floatsCount += l.size + (l.bias ? l.size : 0) + l.size * l.inputSize;
  const buf = new Uint8Array(dataStart + floatsCount * 4);
  const dv = new DataView(buf.buffer);
  buf.set(MAGIC, 0);
  dv.setUint32(4, SPEC_VERSION, true);
  dv.setUint32(8, headerBytes.length, true);
  buf.set(headerBytes, 12);
  let off = dataStart;
  const put = (a: Float32Array): void => {
    for (let i = 0; i < a.length; i++, off += 4) dv.setFloat32(off, a[i] as number, true);
  };
  for (const l of spec.layers) {
    put(l.thresholds);
    if (l.bias) put(l.bias);
    put(l.weights);
  }
  return buf;
}

function describeMagic(bytes: Uint8Array): string {
  const head = Array.from(bytes.subarray(0, 4));
  return head.length === 0 ? '(the file is empty)' : head.map((b) => `0x${b.toString(16).padStart(2, '0')}`).join(' ');
}

/** True when the bytes start with the binary magic number `RSNN`. */
export function isBinarySpec(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && MAGIC.every((m, i) => bytes[i] === m);
}

/** Parses the binary form written by {@link specToBinary} and validates it. */
export function specFromBinary(bytes: Uint8Array, where = 'NetworkSpec binary'): NetworkSpec {
  if (!isBinarySpec(bytes))
    throw new RouserError(
      `${where}: not an RSNN file (bad magic: bytes 0-3 are ${describeMagic(bytes)}; expected "RSNN")`,
    );
  if (bytes.length < 12) fail(where, 'file size', bytes.length, 'at least 12 bytes (magic, version, header length)');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(4, true);
  if (version !== SPEC_VERSION) fail(where, 'version (bytes 4-7)', version, `${SPEC_VERSION}`);
  const headerLen = dv.getUint32(8, true);
  if (12 + headerLen > bytes.length)
    fail(where, 'header length (bytes 8-11)', headerLen, `at most ${bytes.length - 12} (file size ${bytes.length})`);
  const header = parseJson(
    new TextDecoder().decode(bytes.subarray(12, 12 + headerLen)),
    `${where}: header (bytes 12-${11 + headerLen})`,
  );
  if (!isObject(header)) fail(where, 'header', header, 'a JSON object');
  if (!Array.isArray(header.layers)) fail(where, 'header.layers', header.layers, 'an array');
  let off = (12 + headerLen + 3) & ~3;
  const take = (n: number, field: string): Float32Array => {
    if (off + n * 4 > bytes.length)
      fail(
        where,
        field,
        `${n} floats at byte ${off}`,
        `at most ${Math.floor((bytes.length - off) / 4)} floats left in the file`,
      );
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++, off += 4) a[i] = dv.getFloat32(off, true);
    return a;
  };
  const layers: LayerSpec[] = (header.layers as unknown[]).map((h, li) => {
    if (!isObject(h)) fail(where, `header.layers[${li}]`, h, 'a layer object');
    const size = intField(where, `layers[${li}].size`, h.size);
    const inputSize = intField(where, `layers[${li}].inputSize`, h.inputSize);
    const thresholds = take(size, `layers[${li}].thresholds`);
    const bias = h.bias === true ? take(size, `layers[${li}].bias`) : undefined;
    const weights = take(size * inputSize, `layers[${li}].weights`);
    const layer: LayerSpec = {
      size,
      inputSize,
      neuron: h.neuron as NeuronModel,
      reset: h.reset as LayerSpec['reset'],
      delaySteps: h.delaySteps as number,
      thresholds,
      weights,
    };
    if (bias) layer.bias = bias;
    return layer;
  });
  if (off !== bytes.length) fail(where, 'file size', bytes.length, `${off} bytes (trailing data after the last layer)`);
  const spec: NetworkSpec = {
    format: 'rouser-network',
    version: SPEC_VERSION,
    inputSize: header.inputSize as number,
    dtMs: header.dtMs as number,
    layers,
    meta: (header.meta ?? {}) as SpecMeta,
  };
  return validateSpec(spec, where);
}
