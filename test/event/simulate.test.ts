import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';

function capture(): { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  return { out: () => out, err: () => err };
}

afterEach(() => vi.restoreAllMocks());

describe('rouser simulate', () => {
  it.each(['discrete', 'continuous'])(
    '--mode %s --json prints one JSON object with the documented fields',
    async (mode) => {
      const io = capture();
      const code = await main([
        'simulate',
        '--neurons',
        '2000',
        '--fanout',
        '50',
        '--rate',
        '10',
        '--duration-ms',
        '200',
        '--mode',
        mode,
        '--seed',
        '3',
        '--json',
      ]);
      expect(code).toBe(0);
      const lines = io.out().trim().split('\n');
      expect(lines).toHaveLength(1);
      const r = JSON.parse(lines[0]!) as Record<string, unknown>;
      for (const k of [
        'neurons',
        'synapses',
        'spikes',
        'meanRateHz',
        'synOps',
        'synOpsPerSec',
        'wallMs',
        'peakRssMB',
        'mode',
        'seed',
      ])
        expect(r).toHaveProperty(k);
      expect(r.neurons).toBe(2000);
      expect(r.synapses).toBe(100000);
      expect(r.mode).toBe(mode);
      expect(r.seed).toBe(3);
      expect(r.meanRateHz).toBeCloseTo((r.spikes as number) / 2000 / 0.2, 9);
      expect(r.synOps as number).toBeLessThanOrEqual((r.spikes as number) * 50);
      expect(r.peakRssMB as number).toBeGreaterThan(0);
    },
  );

  it('--threads 2 prints the same spike counts as --threads 1', async () => {
    const run = async (threads: string): Promise<Record<string, unknown>> => {
      const io = capture();
      expect(
        await main([
          'simulate',
          '--neurons',
          '3000',
          '--fanout',
          '40',
          '--duration-ms',
          '100',
          '--seed',
          '5',
          '--threads',
          threads,
          '--json',
        ]),
      ).toBe(0);
      vi.restoreAllMocks();
      return JSON.parse(io.out().trim()) as Record<string, unknown>;
    };
    const one = await run('1');
    const two = await run('2');
    expect(two.threads).toBe(2);
    for (const k of ['spikes', 'synOps', 'externalEvents', 'eventsProcessed']) expect(two[k]).toBe(one[k]);
    expect(one.spikes as number).toBeGreaterThan(0);
  });

  it('rejects bad options with a one-line error', async () => {
    const io = capture();
    expect(await main(['simulate', '--mode', 'analog'])).toBe(1);
    expect(io.err()).toBe('rouser simulate: error: option --mode is "analog"; expected one of discrete, continuous\n');
  });
});
