import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { microcircuit } from '../../src/examples/microcircuit.js';
import { microcircuitPlan, PD14_POPULATIONS } from '../../src/examples/pd14.js';
import { loadNetwork } from '../../src/io/network.js';
import { networkFromJson, networkToJson, sampleDistribution, type Distribution } from '../../src/model/network.js';
import { Rng } from '../../src/util/rng.js';
import { captureOutput } from '../cli/capture.js';

const dir = mkdtempSync(join(tmpdir(), 'rouser-mc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const io = captureOutput();

describe('microcircuit description', () => {
  it('has the PD14 neurons, initial voltages and one fixed-total-number projection per non-zero pair', () => {
    const d = microcircuit({ nScale: 0.1, kScale: 0.1, seed: 7 });
    expect(d.seed).toBe(7);
    expect(d.dtMs).toBe(0.1);
    expect(d.populations.map((p) => p.name)).toEqual([...PD14_POPULATIONS]);
    expect(d.populations.map((p) => p.size)).toEqual([2068, 583, 2192, 548, 485, 106, 1440, 295]);
    const l23e = d.populations[0];
    expect(l23e?.model).toBe('iaf_psc_exp');
    expect({ ...l23e?.params, I_e: undefined }).toEqual({
      C_m: 250,
      tau_m: 10,
      tau_syn_ex: 0.5,
      tau_syn_in: 0.5,
      t_ref: 2,
      E_L: -65,
      V_reset: -65,
      V_th: -50,
      I_e: undefined,
    });
    expect(l23e?.initial).toEqual({ V_m: { kind: 'normal', mean: -68.28, sd: 5.36 } });
    expect(d.populations[7]?.initial).toEqual({ V_m: { kind: 'normal', mean: -61.43, sd: 4.48 } });
    // 64 pairs minus the 9 zero-probability ones (L5I -> L2/3E, L2/3I, L4I; L6I -> L2/3E, L2/3I, L4E, L4I, L5E, L5I)
    expect(d.projections.length).toBe(64 - 9);
    const plan = microcircuitPlan({ nScale: 0.1, kScale: 0.1 });
    for (const [i, p] of d.projections.entries()) {
      const q = plan.projections[i];
      expect(p.connection).toEqual({
        rule: 'fixed_total_number',
        n: q?.count,
        allowAutapses: true,
        allowMultapses: true,
      });
      const w = p.weight as Distribution & { kind: 'normal' };
      expect(w.bound).toBe('redraw');
      if (p.source.endsWith('E')) expect([w.min, w.max, w.mean > 0]).toEqual([0, undefined, true]);
      else expect([w.min, w.max, w.mean < 0]).toEqual([undefined, 0, true]);
      expect(w.sd).toBeCloseTo(0.1 * Math.abs(w.mean), 12);
      expect(p.delayMs).toEqual({
        kind: 'normal',
        mean: p.source.endsWith('E') ? 1.5 : 0.75,
        sd: p.source.endsWith('E') ? 0.75 : 0.375,
        min: 0.05,
        bound: 'redraw',
      });
    }
    expect(d.stimuli.length).toBe(8);
    expect(d.stimuli[0]).toMatchObject({ kind: 'poisson', target: 'L23E', rateHz: 1280, delayMs: 1.5 });
    expect((d.stimuli[0] as { weight: number }).weight).toBeCloseTo(87.8085 / Math.sqrt(0.1), 3);
    expect(d.recorders).toEqual([{ kind: 'spikes', populations: [...PD14_POPULATIONS] }]);
  });

  it('full scale: 298,880,968 synapses, no bias with Poisson drive, DC background in I_e without stimuli', () => {
    const d = microcircuit();
    expect(d.projections.reduce((a, p) => a + (p.connection as { n: number }).n, 0)).toBe(298_880_968);
    expect(d.populations.every((p) => p.params?.I_e === 0)).toBe(true);
    const dc = microcircuit({ background: 'dc' });
    expect(dc.stimuli).toEqual([]);
    expect(dc.populations.map((p) => Math.round((p.params?.I_e as number) * 10) / 10)).toEqual([
      562.0, 526.9, 737.6, 667.3, 702.5, 667.3, 1018.6, 737.6,
    ]);
  });

  it('round-trips through JSON unchanged', () => {
    const d = microcircuit({ nScale: 0.05, kScale: 0.05, record: ['L4E', 'L5E'] });
    expect(networkFromJson(networkToJson(d), 'mc.json')).toEqual(d);
  });

  it('its delay rule puts 1.0 % of E and 2.5 % of I synapses on the minimum step after rounding (MICROCIRCUIT.md 1.4)', () => {
    const d = microcircuit({ nScale: 0.05, kScale: 0.05 });
    const rng = new Rng(11);
    for (const [src, want] of [
      ['L4E', 0.0096],
      ['L4I', 0.0246],
    ] as const) {
      const delay = d.projections.find((p) => p.source === src)?.delayMs as Distribution;
      let minStep = 0;
      let below = 0;
      const n = 200_000;
      for (let i = 0; i < n; i++) {
        const steps = Math.round(sampleDistribution(delay, rng) / 0.1);
        if (steps === 1) minStep++;
        if (steps < 1) below++;
      }
      expect(below).toBe(0);
      expect(minStep / n).toBeGreaterThan(want - 0.0015);
      expect(minStep / n).toBeLessThan(want + 0.0015);
    }
  });
});

describe('rouser examples microcircuit', () => {
  it('writes the description atomically and prints the scaled populations', async () => {
    const out = join(dir, 'net.json');
    expect(
      await main(['examples', 'microcircuit', '--n-scale', '0.1', '--k-scale', '0.1', '--seed', '3', '--out', out]),
    ).toBe(0);
    expect(io.out).toContain('2068 neurons');
    expect(io.out).toContain('2988807 synapses');
    const d = loadNetwork(out);
    expect(d).toEqual(microcircuit({ nScale: 0.1, kScale: 0.1, seed: 3 }));
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(JSON.parse(readFileSync(out, 'utf8')).meta).toMatchObject({
      nScale: 0.1,
      kScale: 0.1,
      background: 'poisson',
    });
  });

  it('warns about sub-threshold DC drive at K < 1', async () => {
    expect(
      await main([
        'examples',
        'microcircuit',
        '--n-scale',
        '0.1',
        '--k-scale',
        '0.1',
        '--bg',
        'dc',
        '--out',
        join(dir, 'dc.json'),
      ]),
    ).toBe(0);
    expect(io.out).toContain('warning: DC input below rheobase (375 pA) in L23E, L23I, L4E, L4I, L5E, L5I, L6E');
  });

  it('bad input: one line naming the option, exit 1, nothing written', async () => {
    const out = join(dir, 'bad.json');
    expect(await main(['examples', 'microcircuit', '--k-scale', '2', '--out', out])).toBe(1);
    expect(io.err).toBe('rouser examples: error: option --k-scale is "2"; expected a number >= 0.000001 and <= 1\n');
    expect(await main(['examples', 'microcircuit', '--record', 'L23E,L7E', '--out', out])).toBe(1);
    expect(io.err).toContain('microcircuit: field record is "L7E"; expected one of L23E, L23I');
    expect(await main(['examples', 'cortex', '--out', out])).toBe(1);
    expect(existsSync(out)).toBe(false);
  });
});

describe('microcircuit compiled by the engine', () => {
  it('has the planned synapse counts, sign-keeping weights and delays rounded to the 0.1 ms grid (>= 1 step)', async () => {
    const { compileDescription } = await import('../../src/event/compile.js');
    const d = microcircuit({ nScale: 0.02, kScale: 0.02, seed: 9 });
    const c = compileDescription(d);
    const plan = microcircuitPlan({ nScale: 0.02, kScale: 0.02 });
    expect(c.targets.length).toBe(plan.projections.reduce((a, p) => a + p.count, 0));
    const popOf = (id: number): number => c.populations.findIndex((p) => id >= p.offset && id < p.offset + p.size);
    // per (source, target) population pair: count, weight sign and mean; per source type: delay steps
    const count = new Map<string, number>();
    const wSum = new Map<string, number>();
    const steps = { E: [0, 0], I: [0, 0] } as Record<'E' | 'I', [number, number]>;
    let badSign = 0;
    let minStep = Infinity;
    for (let r = 0; r < c.numSources; r++) {
      const sp = popOf(r);
      const exc = sp % 2 === 0;
      for (let g = c.rowGroup[r] as number; g < (c.rowGroup[r + 1] as number); g++) {
        const st = c.groupDelay[g] as number;
        minStep = Math.min(minStep, st);
        for (let k = c.groupPtr[g] as number; k < (c.groupPtr[g + 1] as number); k++) {
          const key = `${sp}>${popOf(c.targets[k] as number)}`;
          count.set(key, (count.get(key) ?? 0) + 1);
          const w = c.weights[k] as number;
          wSum.set(key, (wSum.get(key) ?? 0) + w);
          if (exc ? !(w >= 0) : !(w <= 0)) badSign++;
          const s = steps[exc ? 'E' : 'I'];
          s[0]++;
          if (st === 1) s[1]++;
        }
      }
    }
    expect(badSign).toBe(0);
    expect(minStep).toBe(1);
    for (const q of plan.projections) {
      const key = `${PD14_POPULATIONS.indexOf(q.source)}>${PD14_POPULATIONS.indexOf(q.target)}`;
      expect(count.get(key), key).toBe(q.count);
      // mean of a normal truncated at 0 with sd = 10 % of |mean|: the truncation moves it by < 1e-20
      if (q.count > 2000)
        expect(Math.abs((wSum.get(key) as number) / q.count / q.weightMeanPa - 1), key).toBeLessThan(0.01);
    }
    // 1.0 % of E and 2.5 % of I synapses on the minimum step after redraw at 0.05 ms and rounding (MICROCIRCUIT.md 1.4)
    expect(steps.E[1] / steps.E[0]).toBeGreaterThan(0.0096 - 0.002);
    expect(steps.E[1] / steps.E[0]).toBeLessThan(0.0096 + 0.002);
    expect(steps.I[1] / steps.I[0]).toBeGreaterThan(0.0246 - 0.004);
    expect(steps.I[1] / steps.I[0]).toBeLessThan(0.0246 + 0.004);
    // initial voltages drawn per population around the optimized means
    const v = c.populations[0]?.state[0] as Float32Array;
    const mean = v.reduce((a, x) => a + x, 0) / v.length;
    expect(Math.abs(mean - -68.28)).toBeLessThan(3 * (5.36 / Math.sqrt(v.length)) + 0.01);
  });
});
