import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileDescription } from '../../src/event/index.js';
import { loadNetworkWithFiles, saveNetwork } from '../../src/io/network.js';
import { NetworkBuilder } from '../../src/model/network.js';

/** Edge-list and spike files referenced by a description: read by src/io, compiled, bad ids refused naming the line. */
const dir = mkdtempSync(join(tmpdir(), 'rouser-net-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('network files', () => {
  it('compiles file edges with their own weights, delays and sign ports', () => {
    writeFileSync(join(dir, 'edges.csv'), '0,1,2.5,1.0\n2,0,-3,2\n0,0,1,0.5\n');
    writeFileSync(
      join(dir, 'spikes.json'),
      JSON.stringify([
        { channels: 3, ids: [], times: [], timeUnit: 'ms' },
        { channels: 3, ids: [2, 1], times: [0.5, 2], timeUnit: 'ms' },
      ]),
    );
    const b = new NetworkBuilder({ dtMs: 0.5, seed: 1 });
    b.population('A', 3, 'lif', { params: { beta: 0.9 } });
    b.population('B', 2, 'iaf_psc_exp');
    b.spikeSource('S', 3, { file: 'spikes.json', sample: 1 });
    b.connect('A', 'B', { rule: 'file', path: 'edges.csv', format: 'csv' }, { weight: 0, delayMs: 1 });
    b.connect('S', 'A', { rule: 'one_to_one' }, { weight: 1, delayMs: 1 });
    const path = join(dir, 'net2.json');
    saveNetwork(path, b.build());
    const { desc, files } = loadNetworkWithFiles(path);
    const c = compileDescription(desc, { files });
    const rows: [number, number, number, number, number][] = [];
    for (let i = 0; i < c.numSources; i++)
      for (let g = c.rowGroup[i]!; g < c.rowGroup[i + 1]!; g++)
        for (let k = c.groupPtr[g]!; k < c.groupPtr[g + 1]!; k++)
          rows.push([i, c.targets[k]!, c.weights[k]!, c.groupDelay[g]!, c.groupPort[g]!]);
    // A0 -> B0 (delay 1 step) before A0 -> B1 (2 steps); A2 -> B0 inhibitory port, 4 steps; S channels -> A
    expect(rows).toEqual([
      [0, 3, 1, 1, 0],
      [0, 4, 2.5, 2, 0],
      [2, 3, -3, 4, 1],
      [5, 0, 1, 2, 0],
      [6, 1, 1, 2, 0],
      [7, 2, 1, 2, 0],
    ]);
    expect(Array.from(c.spikeSources[0]!.steps)).toEqual([1, 4]);
    expect(Array.from(c.spikeSources[0]!.ids)).toEqual([2, 1]);
    // an out-of-range id names the file and the line
    writeFileSync(join(dir, 'edges.csv'), '0,1\n3,0\n');
    expect(() => loadNetworkWithFiles(path)).toThrow(
      `${join(dir, 'edges.csv')}: field line 2 pre is 3; expected an integer id in [0, 3)`,
    );
  });
});
