import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compileNetwork,
  fromNir,
  isCubaNeuron,
  isLifNeuron,
  loadNirModel,
  readNir,
  simulateNetwork,
  specToJson,
  toNir,
  writeNir,
} from '../../src/index.js';
import { validSpec } from '../../properties/arbitraries.js';

/**
 * Interop against the reference implementation (Python `nir`, pinned in .ci/run): the Python interpreter is
 * $ROUSER_INTEROP_PYTHON or .venv-interop/bin/python. Without it the tests skip with one line, except under CI=true,
 * where a missing interpreter fails (CI must run them).
 */
const ROOT = resolve(import.meta.dirname, '..', '..');
const SCRIPT = join(ROOT, 'test', 'interop', 'nir_interop.py');
const python = process.env.ROUSER_INTEROP_PYTHON ?? join(ROOT, '.venv-interop', 'bin', 'python');
const probe = existsSync(python)
  ? spawnSync(python, ['-c', 'import nir, numpy, h5py; print(nir.version)'], { encoding: 'utf8' })
  : undefined;
const available = probe?.status === 0;
const why = !existsSync(python)
  ? `${python} does not exist`
  : `${python} cannot import nir (${(probe?.stderr ?? '').trim().split('\n').pop()})`;
if (!available && process.env.CI !== 'true')
  process.stdout.write(`NIR interop tests skipped: ${why} (run .ci/run, or set ROUSER_INTEROP_PYTHON)\n`);

const py = (...args: string[]): string =>
  execFileSync(python, [SCRIPT, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const dir = mkdtempSync(join(tmpdir(), 'rouser-nir-interop-'));

describe.runIf(available || process.env.CI === 'true')(
  `NIR interop with the reference Python package (${available ? probe?.stdout.trim() : 'missing'})`,
  () => {
    it('the reference interpreter is there', () => {
      expect(available, why).toBe(true);
    });

    it('rouser writes -> nir.read (type_check=True) accepts -> nir.write rewrites (gzip) -> rouser reads back identical', async () => {
      let n = 0;
      await fc.assert(
        fc.asyncProperty(
          validSpec(fc.float({ min: -3, max: 3, noNaN: true })).filter((s) =>
            s.layers.every(
              (l) => !isCubaNeuron(l.neuron) || (l.neuron.currentRetention < 1 && l.neuron.voltageRetention < 1),
            ),
          ),
          async (spec) => {
            const a = join(dir, `r${n}.nir`);
            const b = join(dir, `p${n++}.nir`);
            await writeNir(a, toNir(spec));
            const summary = JSON.parse(py('check', a, b)) as {
              nodes: Record<string, { type: string; input: number[] | null; output: number[] | null }>;
              edges: string[][];
            };
            // nir's own type inference agrees with the layer sizes
            spec.layers.forEach((l, i) => {
              expect(summary.nodes[`fc${i}`]).toMatchObject({ input: [l.inputSize], output: [l.size] });
              expect(summary.nodes[`lif${i}`]?.type).toBe(
                isCubaNeuron(l.neuron) ? 'CubaLIF' : isLifNeuron(l.neuron) && l.neuron.beta === 1 ? 'IF' : 'LIF',
              );
            });
            expect(specToJson(fromNir(await readNir(b), { where: b }))).toBe(specToJson(spec));
          },
        ),
        { seed: 4242, numRuns: 12 },
      );
    });

    it("Python-built CubaLIF / LIF / Affine / Flatten graphs import and spike as the Python simulation of NIR's equations", async () => {
      py('build', dir);
      const cases = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as {
        cases: { name: string; path: string; steps: number; inputs: number[][]; spikes: number[][] }[];
      };
      expect(cases.cases.map((c) => c.name)).toEqual(['cubalif', 'lif', 'affine', 'flatten']);
      for (const c of cases.cases) {
        const spec = await loadNirModel(c.path);
        expect(spec.dtMs).toBe(1);
        const input = Float32Array.from(c.inputs.flat());
        const res = simulateNetwork(compileNetwork(spec), input, c.steps, { recordSpikes: true });
        const rec = res.spikes![spec.layers.length - 1]!;
        const perStep: number[][] = Array.from({ length: c.steps }, () => []);
        rec.ids.forEach((id, k) => perStep[rec.times[k]!]!.push(id));
        perStep.forEach((s) => s.sort((x, y) => x - y));
        const total = c.spikes.reduce((a, s) => a + s.length, 0);
        expect(total, `${c.name}: the Python simulation spikes`).toBeGreaterThan(10);
        expect(perStep, c.name).toEqual(c.spikes);
      }
    });
  },
);
