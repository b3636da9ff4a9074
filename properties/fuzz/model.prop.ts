import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { specFromBinary, specFromJson, specToBinary, specToJson } from '../../src/model/serialize.js';
import type { NetworkSpec } from '../../src/model/spec.js';
import {
  checkpointFromJson,
  checkpointToJson,
  validateCheckpoint,
  type Checkpoint,
} from '../../src/train/checkpoint.js';
import { createAdamState } from '../../src/train/adam.js';
import { resolveFitConfig } from '../../src/train/fitConfig.js';
import { initNetwork } from '../../src/train/init.js';
import { expectBoundedTime, fuzzRuns, mutate, mutationsArb, parseOrRefuse } from './mutate.js';

type Layers = {
  inputSize: number;
  layers: { size: number; inputSize: number; thresholds: number[]; bias?: number[]; weights: number[] }[];
};

const specArb = fc
  .record({
    sizes: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 2, maxLength: 4 }),
    seed: fc.integer({ min: 0, max: 1000 }),
    bias: fc.boolean(),
  })
  .map(({ sizes, seed, bias }) => initNetwork({ sizes, seed, bias }));

function layersOf(s: NetworkSpec): Layers {
  return {
    inputSize: s.inputSize,
    layers: s.layers.map((l) => ({
      size: l.size,
      inputSize: l.inputSize,
      thresholds: Array.from(l.thresholds),
      ...(l.bias ? { bias: Array.from(l.bias) } : {}),
      weights: Array.from(l.weights),
    })),
  };
}

/** `.rsnn` from its description: "RSNN", u32 version 1, u32 header length, JSON header, pad to 4, float32 LE blocks. */
function refRsnn(b: Uint8Array): Layers | 'invalid' {
  if (b.length < 12 || Buffer.from(b.subarray(0, 4)).toString('latin1') !== 'RSNN') return 'invalid';
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (dv.getUint32(4, true) !== 1) return 'invalid';
  const hl = dv.getUint32(8, true);
  if (12 + hl > b.length) return 'invalid';
  let h: { inputSize?: unknown; layers?: unknown };
  try {
    h = JSON.parse(Buffer.from(b.subarray(12, 12 + hl)).toString('utf8')) as typeof h;
  } catch {
    return 'invalid';
  }
  if (typeof h !== 'object' || h === null || !Array.isArray(h.layers)) return 'invalid';
  let p = Math.ceil((12 + hl) / 4) * 4;
  const floats = (n: number): number[] | undefined => {
    if (p + 4 * n > b.length) return undefined;
    const out: number[] = [];
    for (let i = 0; i < n; i++, p += 4) out.push(dv.getFloat32(p, true));
    return out;
  };
  const layers: Layers['layers'] = [];
  for (const l of h.layers as unknown[]) {
    if (typeof l !== 'object' || l === null) return 'invalid';
    const { size, inputSize, bias } = l as { size: unknown; inputSize: unknown; bias: unknown };
    if (
      !Number.isSafeInteger(size) ||
      !Number.isSafeInteger(inputSize) ||
      (size as number) < 0 ||
      (inputSize as number) < 0
    )
      return 'invalid';
    const th = floats(size as number);
    const bi = bias === true ? floats(size as number) : undefined;
    const w = floats((size as number) * (inputSize as number));
    if (!th || (bias === true && !bi) || !w) return 'invalid';
    layers.push({
      size: size as number,
      inputSize: inputSize as number,
      thresholds: th,
      ...(bi ? { bias: bi } : {}),
      weights: w,
    });
  }
  if (p !== b.length) return 'invalid';
  return { inputSize: h.inputSize as number, layers };
}

/** Model JSON from its description: rows of weights per output neuron, numbers rounded to float32. */
function refJson(text: string): Layers | 'invalid' {
  let raw: { inputSize?: unknown; layers?: unknown };
  try {
    raw = JSON.parse(text) as typeof raw;
  } catch {
    return 'invalid';
  }
  if (typeof raw !== 'object' || raw === null || !Array.isArray(raw.layers)) return 'invalid';
  const f32 = (a: unknown): number[] | undefined =>
    Array.isArray(a) && a.every((x) => typeof x === 'number') ? a.map((x: number) => Math.fround(x)) : undefined;
  const layers: Layers['layers'] = [];
  for (const l of raw.layers as unknown[]) {
    if (typeof l !== 'object' || l === null) return 'invalid';
    const o = l as Record<string, unknown>;
    const th = f32(o.thresholds);
    if (!th || !Array.isArray(o.weights)) return 'invalid';
    const rows = (o.weights as unknown[]).map(f32);
    if (rows.some((r) => r === undefined)) return 'invalid';
    const bias = o.bias === undefined ? undefined : f32(o.bias);
    if (o.bias !== undefined && !bias) return 'invalid';
    layers.push({
      size: o.size as number,
      inputSize: o.inputSize as number,
      thresholds: th,
      ...(bias ? { bias } : {}),
      weights: (rows as number[][]).flat(),
    });
  }
  return { inputSize: raw.inputSize as number, layers };
}

describe('fuzz: mutated model files are read as an independent decoder reads them, or refused naming the file and field', () => {
  it('.rsnn', () => {
    fc.assert(
      fc.property(specArb, mutationsArb, (spec, ms) => {
        const bytes = mutate(specToBinary(spec), ms);
        const t0 = performance.now();
        const got = parseOrRefuse('fuzz.rsnn', () => specFromBinary(bytes, 'fuzz.rsnn'));
        expectBoundedTime(t0, bytes.length);
        const ref = refRsnn(bytes);
        if (!got.ok) return;
        expect(ref, 'parser accepted a file the independent decoder refuses').not.toBe('invalid');
        expect(layersOf(got.value)).toEqual(ref);
      }),
      fuzzRuns(300),
    );
  });

  it('model JSON', () => {
    fc.assert(
      fc.property(specArb, mutationsArb, (spec, ms) => {
        const text = new TextDecoder().decode(mutate(new TextEncoder().encode(specToJson(spec)), ms));
        const t0 = performance.now();
        const got = parseOrRefuse('fuzz.json', () => specFromJson(text, 'fuzz.json'));
        expectBoundedTime(t0, text.length);
        if (!got.ok) return;
        const ref = refJson(text);
        expect(ref, 'parser accepted a file the independent decoder refuses').not.toBe('invalid');
        expect(layersOf(got.value)).toEqual(ref);
      }),
      fuzzRuns(300),
    );
  });

  it('checkpoints (validated field by field before a resume)', () => {
    const base = (spec: NetworkSpec): Checkpoint => {
      const sizes = [spec.inputSize, ...spec.layers.map((l) => l.size)];
      const bias = spec.layers[0]!.bias !== undefined;
      const config = resolveFitConfig({ sizes, bias, epochs: 3 });
      const layers = spec.layers.map((l) => ({
        size: l.size,
        deadFraction: 0.25,
        deadFractionPerBatchMean: 0.5,
        deadFractionPerSample: 0.5,
        spikeRate: 0.1,
        saturatedFraction: 0,
        saturatedStrictFraction: 0,
        threshold: { mean: 1.25, std: 0, min: 1.25, max: 1.25, fractionMoved: 0, negative: 0 },
        weightChange: 0.5,
        floorBinds: 0,
      }));
      const history = [0, 1].map((epoch) => ({
        epoch,
        loss: 0.5,
        testLoss: 0.25,
        trainAccuracy: 0.5,
        testAccuracy: 0.75,
        valAccuracy: 0.5,
        valLoss: 0.3,
        layers,
        wallMs: 10 * epoch,
        epochMs: 10,
      }));
      return {
        epoch: 1,
        config,
        spec,
        initialSpec: spec,
        adam: createAdamState(spec, config.thresholdMode),
        history,
        wallMs: 20,
        meta: { dataset: 'synthetic' },
      };
    };
    fc.assert(
      fc.property(specArb, mutationsArb, (spec, ms) => {
        const text0 = checkpointToJson(base(spec));
        expect(() => validateCheckpoint(checkpointFromJson(text0, 'c.json'), 'c.json')).not.toThrow();
        const text = new TextDecoder().decode(mutate(new TextEncoder().encode(text0), ms));
        const t0 = performance.now();
        const got = parseOrRefuse('checkpoint.json', () =>
          validateCheckpoint(checkpointFromJson(text, 'checkpoint.json'), 'checkpoint.json'),
        );
        expectBoundedTime(t0, text.length);
        if (!got.ok) return;
        // What was accepted is a consistent checkpoint: it writes and reads back to the same values.
        const again = checkpointFromJson(checkpointToJson(got.value), 'again.json');
        expect(checkpointToJson(again)).toBe(checkpointToJson(got.value));
        expect(got.value.history).toHaveLength(got.value.epoch + 1);
      }),
      fuzzRuns(80),
    );
  });
});
