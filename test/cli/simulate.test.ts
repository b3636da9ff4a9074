import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { microcircuit } from '../../src/examples/microcircuit.js';
import { saveNetwork } from '../../src/io/network.js';
import { readSonataSpikes } from '../../src/io/sonata.js';
import { NetworkBuilder } from '../../src/model/network.js';
import { captureOutput } from './capture.js';

const dir = mkdtempSync(join(tmpdir(), 'rouser-simcli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const io = captureOutput();

/** Two iaf_psc_exp populations, E driven hard by Poisson input, E -> I; I is silent without E. */
function smallNet(): string {
  const b = new NetworkBuilder({ dtMs: 0.1, seed: 5 });
  b.population('E', 40, 'iaf_psc_exp', {
    params: { E_L: -65, V_reset: -65, V_th: -50, tau_syn_ex: 0.5, tau_syn_in: 0.5 },
    initial: { V_m: { kind: 'uniform', min: -65, max: -55 } },
  });
  b.population('I', 10, 'iaf_psc_exp', {
    params: { E_L: -65, V_reset: -65, V_th: -50, tau_syn_ex: 0.5, tau_syn_in: 0.5 },
  });
  b.connect(
    'E',
    'I',
    { rule: 'fixed_indegree', indegree: 20 },
    { weight: 400, delayMs: { kind: 'uniform', min: 0.5, max: 2 } },
  );
  b.poisson('E', { rateHz: 20000, weight: 90, delayMs: 1 });
  b.recordSpikes(['E', 'I']);
  const p = join(dir, 'net.json');
  saveNetwork(p, b.build());
  return p;
}

describe('rouser simulate NETWORK.json', () => {
  const net = smallNet();

  it('prints the rate table and writes a SONATA report of the recorded window only, with matching counts', async () => {
    const out = join(dir, 'run');
    expect(await main(['simulate', net, '--duration-ms', '200', '--presim-ms', '50', '--out', out, '--json'])).toBe(0);
    const s = JSON.parse(io.out) as {
      neurons: number;
      synapses: number;
      populations: { population: string; spikes: number; meanRateHz: number }[];
      presimMs: number;
    };
    expect([s.neurons, s.synapses, s.presimMs]).toEqual([50, 200, 50]);
    const rep = await readSonataSpikes(join(out, 'spikes.h5'));
    expect(rep.populations.map((p) => p.population)).toEqual(['E', 'I']);
    for (const p of rep.populations) {
      const row = s.populations.find((q) => q.population === p.population);
      expect(row?.spikes).toBe(p.nodeIds.length);
      expect(row?.meanRateHz).toBeCloseTo(p.nodeIds.length / ((p.population === 'E' ? 40 : 10) * 0.2), 9);
      expect(Array.from(p.timesMs).every((t) => t >= 50 && t < 250)).toBe(true);
      expect(Array.from(p.timesMs)).toEqual(Array.from(p.timesMs).sort((a, b) => a - b));
    }
    expect(rep.populations[0]?.nodeIds.length).toBeGreaterThan(100);
    expect(rep.populations[1]?.nodeIds.length).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(join(out, 'rates.json'), 'utf8')).populations).toEqual(
      JSON.parse(JSON.stringify(s.populations)),
    );
  });

  it('is deterministic for a seed, --seed changes the run, --record limits the output, CSV on request', async () => {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    const c = join(dir, 'c');
    expect(await main(['simulate', net, '--duration-ms', '100', '--out', a, '--format', 'csv'])).toBe(0);
    expect(await main(['simulate', net, '--duration-ms', '100', '--out', b, '--format', 'csv'])).toBe(0);
    expect(
      await main([
        'simulate',
        net,
        '--duration-ms',
        '100',
        '--out',
        c,
        '--format',
        'csv',
        '--seed',
        '6',
        '--record',
        'I',
      ]),
    ).toBe(0);
    const ca = readFileSync(join(a, 'spikes.csv'), 'utf8');
    expect(ca).toBe(readFileSync(join(b, 'spikes.csv'), 'utf8'));
    expect(ca.split('\n')[0]).toBe('timestamps population node_ids');
    const cc = readFileSync(join(c, 'spikes.csv'), 'utf8');
    expect(
      cc
        .split('\n')
        .slice(1, -1)
        .every((l) => l.split(' ')[1] === 'I'),
    ).toBe(true);
    expect(cc).not.toBe(
      ca
        .split('\n')
        .filter((l, i) => i === 0 || l.includes(' I '))
        .join('\n') + '\n',
    );
    expect(io.out).toContain('population');
  });

  it('writes the plots with --plot', async () => {
    const out = join(dir, 'plots');
    expect(await main(['simulate', net, '--duration-ms', '100', '--out', out, '--plot'])).toBe(0);
    for (const f of ['raster.svg', 'rates.svg', 'rate-bars.svg'])
      expect(readFileSync(join(out, f), 'utf8').startsWith('<svg')).toBe(true);
  });

  it('runs a small microcircuit end to end', async () => {
    const p = join(dir, 'mc.json');
    saveNetwork(p, microcircuit({ nScale: 0.01, kScale: 0.01 }));
    expect(await main(['simulate', p, '--duration-ms', '50', '--json'])).toBe(0);
    const s = JSON.parse(io.out) as { neurons: number; populations: unknown[] };
    expect(s.neurons).toBe(207 + 58 + 219 + 55 + 48 + 11 + 144 + 29);
    expect(s.populations.length).toBe(8);
  });

  it('bad input: one line naming the file or option, exit 1, nothing written', async () => {
    const out = join(dir, 'bad');
    expect(await main(['simulate', net, '--duration-ms', '10', '--record', 'E,X', '--out', out])).toBe(1);
    expect(io.err).toBe(
      `rouser simulate: error: ${net}: field record (--record) is "X"; expected a population of the network (E, I)\n`,
    );
    expect(await main(['simulate', net, '--neurons', '10'])).toBe(1);
    expect(io.err).toContain(`option --neurons applies to the built-in random network only, not to ${net}`);
    expect(await main(['simulate', net, '--plot'])).toBe(1);
    expect(await main(['simulate', '--neurons', '100', '--presim-ms', '10'])).toBe(1);
    expect(await main(['simulate', join(dir, 'missing.json')])).toBe(1);
    expect(io.err).toContain('missing.json: cannot read the network description');
    expect(existsSync(out)).toBe(false);
  });

  it('keeps the random-network shortcut', async () => {
    expect(
      await main(['simulate', '--neurons', '500', '--fanout', '20', '--rate', '5', '--duration-ms', '50', '--json']),
    ).toBe(0);
    const s = JSON.parse(io.out) as { neurons: number; synapses: number; dtMs: number };
    expect([s.neurons, s.synapses, s.dtMs]).toEqual([500, 10000, 1]);
  });
});
