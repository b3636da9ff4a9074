import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { captureOutput } from './capture.js';
import type { EvalReport } from '../../src/experiment/evaluate.js';
import { main } from '../../src/cli/main.js';

const io = captureOutput();

const dir = mkdtempSync(join(tmpdir(), 'rouser-eval-'));
const model = join(dir, 'train', 'model.json');

beforeAll(async () => {
  const spyOut = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const spyErr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const code = await main([
    'train',
    '--dataset',
    'nmnist-mini',
    '--train-samples',
    '200',
    '--test-samples',
    '60',
    '--steps',
    '15',
    '--arch',
    '48-10',
    '--epochs',
    '1',
    '--batch',
    '20',
    '--out',
    join(dir, 'train'),
  ]);
  spyOut.mockRestore();
  spyErr.mockRestore();
  if (code !== 0) throw new Error(`train exited with ${code}`);
}, 300_000);

describe('rouser eval on a model trained one epoch on the embedded N-MNIST', () => {
  it('--engine both --json prints the documented object with agreement 1.0', async () => {
    expect(await main(['eval', '--model', model, '--engine', 'both', '--json'])).toBe(0);
    const r = JSON.parse(io.out) as EvalReport;
    expect(Object.keys(r).sort()).toEqual(
      [
        'accuracy',
        'accuracyByEngine',
        'agreement',
        'dataset',
        'dtMs',
        'energy',
        'energyTables',
        'engine',
        'layers',
        'macsPerSample',
        'model',
        'neuronUpdatesPerSample',
        'samples',
        'steps',
        'synOpsPerSample',
        'wallMs',
      ].sort(),
    );
    expect(r.samples).toBe(60);
    expect(r.steps).toBe(15);
    expect(r.agreement).toEqual({ predictions: 1, spikeTrains: 1, samples: 60, spikeTrainsAgainst: 'fused' });
    expect(r.accuracyByEngine.event).toBe(r.accuracyByEngine.dense);
    expect(r.accuracy).toBeGreaterThan(0.1);
    expect(r.layers.map((l) => l.size)).toEqual([48, 10]);
    expect(r.macsPerSample).toBe((578 * 48 + 48 * 10) * 15); // 17 x 17 x 2 inputs after downsampling by 2
    for (const l of r.layers) {
      expect(l.sparsity).toBeCloseTo(1 - l.spikeRate, 12);
      expect(l.deadIds.length).toBe(Math.round(l.deadFraction * l.size));
      expect(l.threshold.histogram.counts.reduce((a, b) => a + b, 0)).toBe(l.size);
    }
    expect(r.synOpsPerSample).toBeCloseTo(r.layers[0]!.synOps + r.layers[1]!.synOps, 6);
    for (const e of r.energy) expect(e.ratio).toBeCloseTo(e.snnPj / e.densePj, 12);
    // the trained metrics of the last epoch say the same test accuracy as the event engine
    const lines = readFileSync(join(dir, 'train', 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n');
    expect((JSON.parse(lines[lines.length - 1]!) as { testAccuracy: number }).testAccuracy).toBe(r.accuracy);
  });

  it('--plot writes raster, threshold and rate charts as SVG', async () => {
    const plots = join(dir, 'plots');
    expect(await main(['eval', '--model', model, '--engine', 'event', '--samples', '5', '--plot', plots])).toBe(0);
    expect(readdirSync(plots).sort()).toEqual(['raster.svg', 'rates.svg', 'thresholds.svg']);
    for (const f of readdirSync(plots))
      expect(readFileSync(join(plots, f), 'utf8')).toMatch(/^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(io.out).toContain('SynOps/sample');
  });

  it('uses a user energy table and rejects a bad one with file and field', async () => {
    const good = join(dir, 'loihi.json');
    writeFileSync(
      good,
      JSON.stringify({ name: 'chip', macPj: 10, acPj: 0.1, neuronUpdatePj: 0.05, source: 'made up for the test' }),
    );
    expect(
      await main(['eval', '--model', model, '--engine', 'event', '--samples', '3', '--energy', good, '--json']),
    ).toBe(0);
    const r = JSON.parse(io.out) as EvalReport;
    expect(r.energy).toHaveLength(1);
    expect(r.energy[0]!.snnPj).toBeCloseTo(r.synOpsPerSample * 0.1 + r.neuronUpdatesPerSample * 0.05, 6);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify([{ name: 'x', macPj: 1, acPj: -1, neuronUpdatePj: 0, source: 's' }]));
    expect(await main(['eval', '--model', model, '--engine', 'event', '--energy', bad])).toBe(1);
    expect(io.err).toContain(`${bad}: field [0].acPj is -1; expected a finite number >= 0 (picojoules)`);
  });
});
