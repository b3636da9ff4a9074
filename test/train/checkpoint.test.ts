import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkpointFromJson,
  checkpointToJson,
  createAdamState,
  fit,
  initNetwork,
  loadCheckpoint,
  makeSyntheticTask,
  specToJson,
  type Checkpoint,
  type FitConfig,
} from '../../src/index.js';

const data = makeSyntheticTask({ inputs: 16, classes: 3, steps: 12, samples: 40, testSamples: 20, seed: 5 });
const tmp = (): string => mkdtempSync(join(tmpdir(), 'rouser-ckpt-'));

describe('checkpoints', () => {
  it('round-trip every value bit-exactly (including -0 and moments)', () => {
    const spec = initNetwork({ sizes: [4, 3, 2], seed: 3, bias: true });
    spec.layers[0]!.weights[0] = -0;
    const adam = createAdamState(spec, 'layer');
    adam.step = 7;
    adam.mW[0]![1] = 1 / 3;
    adam.vW[1]![0] = 5e-324;
    adam.mTh[0]![0] = -0;
    adam.mB[0]![2] = Math.PI;
    const c: Checkpoint = {
      epoch: 3,
      config: { sizes: [4, 3, 2] } as unknown as Checkpoint['config'],
      spec,
      initialSpec: spec,
      adam,
      history: [],
      wallMs: 12.5,
      meta: { dataset: 'x' },
    };
    const back = checkpointFromJson(checkpointToJson(c));
    expect(specToJson(back.spec)).toBe(specToJson(spec));
    expect(Object.is(back.spec.layers[0]!.weights[0], -0)).toBe(true);
    expect(back.adam).toEqual(adam);
    expect(Object.is(back.adam.mTh[0]![0], -0)).toBe(true);
    expect(back.adam.vW[1]![0]).toBe(5e-324);
    expect(back.meta).toEqual({ dataset: 'x' });
  });

  it('rejects malformed files naming the field', () => {
    expect(() => checkpointFromJson('{"format":"rouser-checkpoint","version":2}', 'c.json')).toThrow(
      'c.json: field version is 2; expected 1',
    );
    expect(() => checkpointFromJson('nope', 'c.json')).toThrow(/^c\.json: not valid JSON/);
  });

  for (const thresholdMode of ['learned', 'layer'] as const) {
    it(`resume continues exactly (${thresholdMode}): 2 epochs straight == 1 epoch, stop, resume 1 epoch`, async () => {
      const cfg: FitConfig = {
        sizes: [16, 10, 3],
        epochs: 2,
        batch: 8,
        seed: 3,
        lr: 1e-2,
        lrTh: 1e-2,
        thresholdMode,
        backend: 'reference',
        bias: true,
        thFloor: 0.2,
      };
      const straightDir = tmp();
      const straight = await fit(cfg, data, { outDir: straightDir });
      const dir = tmp();
      await fit({ ...cfg, epochs: 1 }, data, { outDir: dir });
      const resumed = await fit(cfg, data, { outDir: dir, resume: true });
      expect(resumed.resumedFrom).toBe(1);
      expect(specToJson(resumed.spec)).toBe(specToJson(straight.spec));
      const strip = (h: typeof straight.history) => h.map(({ wallMs: _w, epochMs: _e, ...rest }) => rest);
      expect(strip(resumed.history)).toEqual(strip(straight.history));
      expect(loadCheckpoint(join(dir, 'checkpoint.json'))!.adam).toEqual(
        loadCheckpoint(join(straightDir, 'checkpoint.json'))!.adam,
      );
      const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n');
      expect(lines).toHaveLength(3);
    });
  }

  it('resume refuses a different config and rewrites metrics.jsonl from the checkpoint', async () => {
    const cfg: FitConfig = { sizes: [16, 6, 3], epochs: 1, batch: 20, seed: 3, backend: 'reference' };
    const dir = tmp();
    await fit(cfg, data, { outDir: dir });
    await expect(fit({ ...cfg, epochs: 2, lr: 0.5 }, data, { outDir: dir, resume: true })).rejects.toThrow(
      `${join(dir, 'checkpoint.json')}: cannot resume, the config differs in lr (checkpoint 0.001, now 0.5)`,
    );
    writeFileSync(
      join(dir, 'metrics.jsonl'),
      readFileSync(join(dir, 'metrics.jsonl'), 'utf8') + '{"epoch":2,"partial":true}\n',
    );
    const r = await fit({ ...cfg, epochs: 1 }, data, { outDir: dir, resume: true });
    expect(r.history).toHaveLength(2);
    expect(readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('a kill between the last checkpoint and model.json: the resume rewrites model.json from the checkpoint', async () => {
    const cfg: FitConfig = { sizes: [16, 6, 3], epochs: 2, batch: 20, seed: 4, backend: 'reference' };
    const dir = tmp();
    await fit(cfg, data, { outDir: dir });
    const finished = readFileSync(join(dir, 'model.json'), 'utf8');
    // what a SIGKILL right after saveCheckpoint leaves: the checkpoint of the last epoch, model.json one epoch behind
    writeFileSync(join(dir, 'model.json'), readFileSync(join(dir, 'initial-model.json'), 'utf8'));
    const r = await fit(cfg, data, { outDir: dir, resume: true });
    expect(r.resumedFrom).toBe(2);
    expect(readFileSync(join(dir, 'model.json'), 'utf8')).toBe(finished);
  });
});
