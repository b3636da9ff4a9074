import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createSpec,
  loadSpec,
  saveSpec,
  specFromBinary,
  specFromJson,
  specToBinary,
  specToJson,
  validateSpec,
  writeFileAtomic,
} from '../../src/index.js';

function tiny() {
  const spec = createSpec({ sizes: [2, 1], thInit: 1.25, bias: true, meta: { dataset: 'x' } });
  spec.layers[0]!.weights.set([0.5, -0]);
  spec.layers[0]!.bias![0] = 0.125;
  return spec;
}

describe('JSON form', () => {
  it('writes the documented layout with -0 preserved', () => {
    const text = specToJson(tiny());
    expect(text).toContain('"format": "rouser-network"');
    expect(text).toContain('"weights": [\n        [0.5,-0]\n      ]');
    expect(text).toContain('"thresholds": [1.25]');
    const back = specFromJson(text);
    expect(Object.is(back.layers[0]!.weights[1], -0)).toBe(true);
  });
  it('rounds hand-written decimals to float32', () => {
    const text = specToJson(tiny()).replace('[0.5,-0]', '[0.1,2]');
    expect(specFromJson(text).layers[0]!.weights[0]).toBe(Math.fround(0.1));
  });
  it('names the field of a bad JSON value', () => {
    const text = specToJson(tiny()).replace('[0.5,-0]', '[0.5,"a"]');
    expect(() => specFromJson(text, 'm.json')).toThrow(
      'm.json: field layers[0].weights[0][1] is "a"; expected a finite number',
    );
    expect(() => specFromJson('{', 'm.json')).toThrow(/^m\.json: not valid JSON/);
    expect(() => specFromJson(specToJson(tiny()).replace('"version": 1', '"version": 2'), 'm.json')).toThrow(
      'm.json: field version is 2; expected 1',
    );
  });
});

describe('binary form', () => {
  it('starts with RSNN and version 1, little-endian floats', () => {
    const b = specToBinary(tiny());
    expect(Array.from(b.subarray(0, 8))).toEqual([0x52, 0x53, 0x4e, 0x4e, 1, 0, 0, 0]);
    const dv = new DataView(b.buffer);
    const hl = dv.getUint32(8, true);
    const start = (12 + hl + 3) & ~3;
    expect(dv.getFloat32(start, true)).toBe(1.25); // threshold
    expect(dv.getFloat32(start + 4, true)).toBe(0.125); // bias
    expect(dv.getFloat32(start + 8, true)).toBe(0.5); // weight 0
    expect(b.length).toBe(start + 16);
  });
  it('rejects truncated files and trailing bytes with the offending size', () => {
    const b = specToBinary(tiny());
    expect(() => specFromBinary(b.subarray(0, b.length - 4), 'm.rsnn')).toThrow(
      /^m\.rsnn: field layers\[0\]\.weights is "2 floats at byte \d+"; expected at most 1 floats left/,
    );
    const longer = new Uint8Array(b.length + 4);
    longer.set(b);
    expect(() => specFromBinary(longer, 'm.rsnn')).toThrow(
      /field file size is \d+; expected \d+ bytes \(trailing data/,
    );
    expect(() => specFromBinary(new Uint8Array([1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0]), 'm.rsnn')).toThrow(
      'm.rsnn: not an RSNN file (bad magic: bytes 0-3 are 0x01 0x02 0x03 0x04; expected "RSNN")',
    );
  });
});

describe('validation messages', () => {
  it('names field, index, value and expectation', () => {
    const s = tiny();
    s.layers[0]!.inputSize = 3;
    expect(() => validateSpec(s)).toThrow(
      'NetworkSpec: field layers[0].inputSize is 3; expected 2 (the size of the network input)',
    );
    const t = tiny();
    (t.layers[0]!.neuron as { kind: string }).kind = 'izhikevich';
    expect(() => validateSpec(t)).toThrow(
      `NetworkSpec: field layers[0].neuron.kind is "izhikevich"; expected one of lif, cuba, alif`,
    );
    const u = tiny();
    u.layers[0]!.reset = 'none' as never;
    expect(() => validateSpec(u)).toThrow(`field layers[0].reset is "none"; expected 'zero' or 'subtract'`);
  });
});

describe('files', () => {
  it('saves atomically and loads both forms by content', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rouser-spec-'));
    const spec = tiny();
    saveSpec(join(dir, 'a.json'), spec);
    saveSpec(join(dir, 'sub', 'a.rsnn'), spec);
    expect(readdirSync(dir).sort()).toEqual(['a.json', 'sub']);
    expect(readdirSync(join(dir, 'sub'))).toEqual(['a.rsnn']);
    expect(specToJson(loadSpec(join(dir, 'sub', 'a.rsnn')))).toBe(readFileSync(join(dir, 'a.json'), 'utf8'));
    writeFileSync(join(dir, 'bad.json'), '{"format":"rouser-network","version":1,"inputSize":-2,"layers":[]}');
    expect(() => loadSpec(join(dir, 'bad.json'))).toThrow(
      `${join(dir, 'bad.json')}: field inputSize is -2; expected a non-negative integer`,
    );
    expect(() => loadSpec(join(dir, 'missing.json'))).toThrow(
      `${join(dir, 'missing.json')}: cannot read the model file (no such file or folder (ENOENT))`,
    );
  });
  it('leaves the old file intact when an atomic write fails', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rouser-atomic-'));
    const p = join(dir, 'x.txt');
    writeFileAtomic(p, 'old');
    expect(() => writeFileAtomic(join(p, 'child'), 'new')).toThrow();
    expect(readFileSync(p, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['x.txt']);
  });
});
