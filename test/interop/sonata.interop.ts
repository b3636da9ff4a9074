import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileDescription, simulateDescription } from '../../src/event/index.js';
import { microcircuit } from '../../src/examples/microcircuit.js';
import { writeSonataSpikes, type PopulationSpikes } from '../../src/io/sonata.js';

/**
 * Our SONATA spike reports read by libsonata (the reference SONATA reader, pinned in .ci/run): the interpreter is
 * $ROUSER_INTEROP_PYTHON or .venv-interop/bin/python. Without it the tests skip with one line, except under
 * CI=true, where a missing interpreter fails.
 */
const ROOT = resolve(import.meta.dirname, '..', '..');
const python = process.env.ROUSER_INTEROP_PYTHON ?? join(ROOT, '.venv-interop', 'bin', 'python');
const probe = existsSync(python)
  ? spawnSync(python, ['-c', 'import libsonata, h5py; print("libsonata", h5py.version.hdf5_version)'], {
      encoding: 'utf8',
    })
  : undefined;
const available = probe?.status === 0;
const why = !existsSync(python)
  ? `${python} does not exist`
  : `${python} cannot import libsonata (${(probe?.stderr ?? '').trim().split('\n').pop()})`;
if (!available && process.env.CI !== 'true')
  process.stdout.write(`SONATA interop tests skipped: ${why} (run .ci/run, or set ROUSER_INTEROP_PYTHON)\n`);

/** libsonata's view of a report: per population its sorting and (node id, time) pairs in the reader's order. */
const READ = [
  'import json, sys, libsonata',
  'r = libsonata.SpikeReader(sys.argv[1])',
  'out = {}',
  'for name in r.get_population_names():',
  '    p = r[name]',
  '    out[name] = {"sorting": str(p.sorting), "spikes": [[int(i), float(t)] for i, t in p.get()]}',
  'print(json.dumps(out))',
].join('\n');

describe.runIf(available || process.env.CI === 'true')(
  `SONATA spike reports read by libsonata (${available ? probe?.stdout.trim() : 'missing'})`,
  () => {
    it('the reference interpreter is there', () => {
      expect(available, why).toBe(true);
    });

    it('libsonata reads every population of a simulated microcircuit, spike for spike', async () => {
      const desc = microcircuit({ nScale: 0.02, kScale: 0.02, seed: 9 });
      const r = simulateDescription(compileDescription(desc), {
        durationMs: 150,
        recordSpikes: desc.populations.map((p) => p.name),
      });
      const pops: PopulationSpikes[] = Object.entries(r.spikeRecords).map(([population, rec]) => ({
        population,
        nodeIds: Uint32Array.from(rec.ids),
        timesMs: Float64Array.from(rec.times),
      }));
      expect(pops.reduce((s, p) => s + p.nodeIds.length, 0)).toBe(r.spikes);
      expect(r.spikes).toBeGreaterThan(50);
      const path = join(mkdtempSync(join(tmpdir(), 'rouser-sonata-interop-')), 'spikes.h5');
      await writeSonataSpikes(path, pops);
      const got = JSON.parse(execFileSync(python, ['-c', READ, path], { encoding: 'utf8' })) as Record<
        string,
        { sorting: string; spikes: [number, number][] }
      >;
      expect(Object.keys(got).sort()).toEqual(pops.map((p) => p.population).sort());
      for (const p of pops) {
        const g = got[p.population]!;
        // no `sorting` on the group (it would have to be an HDF5 enum; see src/io/sonata.ts): libsonata says none
        expect(g.sorting).toMatch(/none/);
        const key = (a: [number, number], b: [number, number]) => a[1] - b[1] || a[0] - b[0];
        const mine = Array.from(p.nodeIds, (id, k) => [id, p.timesMs[k]!] as [number, number]).sort(key);
        expect([...g.spikes].sort(key)).toEqual(mine);
      }
    });
  },
);
