import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureOutput } from '../cli/capture.js';
import { main } from '../../src/cli/main.js';
import { parseGestureLabels } from '../../src/data/aedat.js';
import { specToBinary, specToJson } from '../../src/model/serialize.js';
import { createSpec } from '../../src/model/spec.js';
import { createSpikeTensor } from '../../src/model/spikes.js';
import { writeFileAtomic, cleanStaleTemps } from '../../src/util/atomic.js';
import { parseJson } from '../../src/util/json.js';
import { makeSyntheticTask } from '../../src/data/synthetic.js';
import { fit } from '../../src/train/fit.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';

const io = captureOutput();
const dir = mkdtempSync(join(tmpdir(), 'rouser-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI and returns the exit code and the stderr lines. */
async function cli(...argv: string[]): Promise<{ code: number; lines: string[] }> {
  io.err = '';
  const code = await main(argv);
  return { code, lines: io.err.trim().split('\n') };
}

describe('the examples of issue 15: one clean line and exit 1', () => {
  it('numeric options: negative values parse, bad ones fail before any data is read (cause 5)', async () => {
    const r = await cli('train', '--dataset', join(dir, 'no-such-folder'), '--epochs', '-1');
    expect(r).toEqual({
      code: 1,
      lines: ['rouser train: error: option --epochs is "-1"; expected an integer >= 0 and <= 100000'],
    });
    const s = await cli('train', '--dataset', join(dir, 'no-such-folder'), '--seed', '-1');
    expect(s.code).toBe(1);
    expect(s.lines).toHaveLength(1);
    expect(s.lines[0]).not.toContain('seed');
    expect((await cli('eval', '--model', join(dir, 'missing.json'), '--steps', '0')).lines).toEqual([
      'rouser eval: error: option --steps is "0"; expected an integer >= 1 and <= 1000000',
    ]);
    expect((await cli('train', '--steps', '1000000000')).lines).toEqual([
      'rouser train: error: option --steps is "1000000000"; expected an integer >= 1 and <= 1000000',
    ]);
  });

  it('unknown command exits 1 (cause 12); one error prefix', async () => {
    expect(await cli('frob')).toEqual({
      code: 1,
      lines: [expect.stringMatching(/^rouser: unknown command "frob"; expected one of /) as string],
    });
    expect((await cli('simulate', '--neurons', 'x')).lines).toEqual([
      'rouser simulate: error: option --neurons is "x"; expected an integer >= 2',
    ]);
  });

  it('model files: garbage .rsnn is "not an RSNN file", JSON errors are one line with the position, null header/layers, huge sizes (causes 6, 7, 9)', async () => {
    writeFileSync(join(dir, 'g.rsnn'), Buffer.from('Q\u008e\n{garbage\n', 'latin1'));
    expect((await cli('model', 'inspect', join(dir, 'g.rsnn'))).lines).toEqual([
      `rouser model: error: ${join(dir, 'g.rsnn')}: not an RSNN file (bad magic: bytes 0-3 are 0x51 0x8e 0x0a 0x7b; expected "RSNN")`,
    ]);
    writeFileSync(join(dir, 'bad.json'), '{\n"format":\n  1,,\n}');
    expect((await cli('model', 'inspect', join(dir, 'bad.json'))).lines).toEqual([
      `rouser model: error: ${join(dir, 'bad.json')}: not valid JSON at line 3 column 5 (character 16): unexpected character "," (U+002C)`,
    ]);
    const header = (h: string): Uint8Array => {
      const b = new Uint8Array(12 + h.length);
      b.set([0x52, 0x53, 0x4e, 0x4e, 1, 0, 0, 0, h.length, 0, 0, 0]);
      b.set(new TextEncoder().encode(h), 12);
      return b;
    };
    writeFileSync(join(dir, 'null.rsnn'), header('null'));
    expect((await cli('model', 'inspect', join(dir, 'null.rsnn'))).lines).toEqual([
      `rouser model: error: ${join(dir, 'null.rsnn')}: field header is null; expected a JSON object`,
    ]);
    writeFileSync(join(dir, 'nulllayer.rsnn'), header('{"layers":[null]}'));
    expect((await cli('model', 'inspect', join(dir, 'nulllayer.rsnn'))).lines).toEqual([
      `rouser model: error: ${join(dir, 'nulllayer.rsnn')}: field header.layers[0] is null; expected a layer object`,
    ]);
    const big = JSON.parse(specToJson(createSpec({ sizes: [2, 1] }))) as {
      inputSize: number;
      layers: { inputSize: number }[];
    };
    big.inputSize = 1e12;
    big.layers[0]!.inputSize = 1e12;
    writeFileSync(join(dir, 'big.json'), JSON.stringify(big));
    expect((await cli('model', 'inspect', join(dir, 'big.json'))).lines).toEqual([
      `rouser model: error: ${join(dir, 'big.json')}: field inputSize is 1000000000000; expected at most 1073741824`,
    ]);
    expect(specToBinary(createSpec({ sizes: [2, 1] })).length).toBeGreaterThan(12);
  });

  it('sizes are checked before allocation (cause 7)', () => {
    expect(() => createSpikeTensor(512, 1_000_000, 40)).toThrow(
      'spike tensor (512 samples x 1000000 steps x 40 channels): 20480000000 elements asked; at most 2147483647 fit in one typed array',
    );
  });

  it('DVS labels: an empty cell is refused, not read as 0 (cause 4)', () => {
    expect(() => parseGestureLabels('class,startTime_usec,endTime_usec\n3,,1900\n', 'u_labels.csv')).toThrow(
      'u_labels.csv: field row 2 startTime_usec is ""; expected a value (the cell is empty)',
    );
  });

  it('JSON error positions are exact', () => {
    expect(() => parseJson('[1, 2', 'x.json')).toThrow(
      'x.json: not valid JSON at line 1 column 6 (character 5): unexpected end of the text',
    );
    expect(() => parseJson('{"a": tru}', 'x.json')).toThrow(
      'x.json: not valid JSON at line 1 column 10 (character 9): unexpected character "}" (U+007D)',
    );
    expect(() => parseJson('{} x', 'x.json')).toThrow(
      'x.json: not valid JSON at line 1 column 4 (character 3): unexpected character "x" (U+0078)',
    );
  });
});

describe('checkpoints are validated before --resume and a refusal changes nothing (cause 10)', () => {
  const cfg = { sizes: [16, 6, 3], epochs: 1, batch: 20, seed: 3, backend: 'reference' as const };
  const data = makeSyntheticTask({ inputs: 16, classes: 3, steps: 8, samples: 40, testSamples: 20, seed: 5 });
  const edits: [string, (c: Record<string, unknown>) => void, string][] = [
    [
      'config removed',
      (c) => delete c.config,
      'field config is undefined; expected an object (the resolved training config)',
    ],
    [
      'history[0] = null',
      (c) => ((c.history as unknown[])[0] = null),
      'field history[0] is null; expected an epoch metrics object',
    ],
    ['epoch 99', (c) => (c.epoch = 99), 'field epoch is 99; expected at most config.epochs = 1'],
    ['empty history', (c) => (c.history = []), 'field history.length is 0; expected 2 (epochs 0..1)'],
    [
      'a config field missing',
      (c) => delete (c.config as Record<string, unknown>).lrTh,
      'field config.lrTh is undefined; expected present (the checkpoint stores every resolved config field)',
    ],
  ];
  for (const [name, edit, message] of edits) {
    it(name, async () => {
      const out = mkdtempSync(join(dir, 'ckpt-'));
      await fit(cfg, data, { outDir: out });
      const path = join(out, 'checkpoint.json');
      const c = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
      edit(c);
      writeFileSync(path, JSON.stringify(c));
      const before = readdirSync(out).map((f) => [
        f,
        readFileSync(join(out, f), 'utf8'),
        statSync(join(out, f)).mtimeMs,
      ]);
      expect(() => loadCheckpoint(path)).toThrow(`${path}: ${message}`);
      await expect(fit({ ...cfg, epochs: 2 }, data, { outDir: out, resume: true })).rejects.toThrow(
        `${path}: ${message}`,
      );
      expect(
        readdirSync(out).map((f) => [f, readFileSync(join(out, f), 'utf8'), statSync(join(out, f)).mtimeMs]),
      ).toEqual(before);
    });
  }
});

describe('atomic writes', () => {
  it("remove temporary files of killed writers of the same path, keep a live writer's and other files", () => {
    const target = join(dir, 'model.json');
    const dead = join(dir, '.model.json.2147483646.abc123.tmp');
    const live = join(dir, `.model.json.${process.pid}.zz.tmp`);
    const other = join(dir, '.metrics.jsonl.2147483646.abc.tmp');
    for (const p of [dead, live, other]) writeFileSync(p, 'partial');
    expect(cleanStaleTemps(target)).toEqual([dead]);
    writeFileSync(dead, 'partial');
    writeFileAtomic(target, 'new');
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(other)).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('new');
  });

  it('name the target path and the errno in words', () => {
    writeFileSync(join(dir, 'file'), 'x');
    expect(() => writeFileAtomic(join(dir, 'file', 'child.json'), 'y')).toThrow(
      `${join(dir, 'file', 'child.json')}: cannot create the folder of the file (a file stands where a folder is needed (EEXIST)); the previous contents, if any, are unchanged`,
    );
  });
});
