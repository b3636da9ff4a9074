import { describe, expect, it } from 'vitest';
import {
  blockRngs,
  compileDescription,
  drawPerNeuron,
  perNeuronStreams,
  poissonCdf,
  poissonLookup,
  POISSON_LUT_SIZE,
  simulateDescription,
} from '../../src/event/index.js';
import { NetworkBuilder, networkFromJson, networkToJson, validateNetwork } from '../../src/model/network.js';
import { RouserError } from '../../src/util/errors.js';

/** Poisson pmf by the log-gamma-free recurrence (independent of poissonCdf's summation order). */
function pmf(lambda: number, k: number): number {
  let p = Math.exp(-lambda);
  for (let i = 1; i <= k; i++) p *= lambda / i;
  return p;
}

describe('per-neuron Poisson draw (drawPerNeuron)', () => {
  it('uses the streams of blockRngs: neuron k takes the next uniform of block k >> 10 and inverts the CDF', () => {
    const n = 2500; // two full blocks and a partial one
    const lambda = 2.3;
    const cdf = poissonCdf(lambda);
    const st = perNeuronStreams(77, n);
    const rngs = blockRngs(77, n);
    for (let step = 0; step < 5; step++) {
      const x = new Float32Array(n);
      const total = drawPerNeuron(st, cdf, x, n, 1);
      let want = 0;
      for (let k = 0; k < n; k++) {
        const u = rngs[k >> 10]!.uniform();
        let m = 0;
        while (!(u < cdf[m]!)) m++;
        expect(x[k]).toBe(m);
        want += m;
      }
      expect(total).toBe(want);
    }
  });

  it('follows the Poisson law: mean, variance, P(0) and a chi-square over counts within sampling error (fixed seed)', () => {
    const n = 60_000;
    for (const lambda of [0.04, 1.5, 6]) {
      const cdf = poissonCdf(lambda);
      const st = perNeuronStreams(1234, n);
      const hist = new Float64Array(64);
      let s = 0;
      let s2 = 0;
      const steps = 3;
      for (let step = 0; step < steps; step++) {
        const x = new Float32Array(n);
        drawPerNeuron(st, cdf, x, n, 1);
        for (let k = 0; k < n; k++) {
          const m = x[k]!;
          hist[Math.min(63, m)]!++;
          s += m;
          s2 += m * m;
        }
      }
      const N = n * steps;
      const mean = s / N;
      const variance = s2 / N - mean * mean;
      expect(Math.abs(mean - lambda)).toBeLessThan(5 * Math.sqrt(lambda / N));
      // var of the sample variance of a Poisson: (lambda + 2 lambda^2) / N
      expect(Math.abs(variance - lambda)).toBeLessThan(5 * Math.sqrt((lambda + 2 * lambda * lambda) / N));
      const p0 = pmf(lambda, 0);
      expect(Math.abs(hist[0]! / N - p0)).toBeLessThan(5 * Math.sqrt((p0 * (1 - p0)) / N));
      // chi-square over the bins with expected count >= 5 (the rest pooled into one tail bin)
      let chi = 0;
      let df = -1;
      let tailObs = N;
      let tailExp = N;
      for (let k = 0; k < 64; k++) {
        const e = N * pmf(lambda, k);
        if (e < 5) break;
        chi += (hist[k]! - e) ** 2 / e;
        tailObs -= hist[k]!;
        tailExp -= e;
        df++;
      }
      if (tailExp >= 5) {
        chi += (tailObs - tailExp) ** 2 / tailExp;
        df++;
      }
      expect(df).toBeGreaterThanOrEqual(1);
      // mean df, sd sqrt(2 df): a 5-sd bound
      expect(chi).toBeLessThan(df + 5 * Math.sqrt(2 * df));
    }
  });

  it('stores fround(x + m w) of the float64 sum, and leaves x alone where m = 0', () => {
    const n = 4000;
    const w = Math.fround(87.81);
    const cdf = poissonCdf(1.7);
    const a = perNeuronStreams(5, n);
    const b = perNeuronStreams(5, n);
    const x = new Float32Array(n).map((_, k) => Math.fround(0.1 * k - 7));
    const ones = new Float32Array(n);
    drawPerNeuron(a, cdf, x, n, w);
    drawPerNeuron(b, cdf, ones, n, 1); // the same counts
    for (let k = 0; k < n; k++) {
      const x0 = Math.fround(0.1 * k - 7);
      const m = ones[k]!;
      expect(x[k]).toBe(m === 0 ? x0 : Math.fround(x0 + m * w));
    }
  });
});

describe('poissonLookup', () => {
  it('gives the inversion count of every 32-bit draw whose top 10 bits decide it, 0xffff elsewhere', () => {
    for (const lambda of [0.003, 1.28, 2.9, 40]) {
      const cdf = poissonCdf(lambda);
      const lut = poissonLookup(cdf);
      expect(lut.length).toBe(POISSON_LUT_SIZE);
      const count = (r: number): number => {
        let m = 0;
        while (!(r / 2 ** 32 < cdf[m]!)) m++;
        return m;
      };
      let ambiguous = 0;
      for (let i = 0; i < POISSON_LUT_SIZE; i++) {
        const lo = i * 2 ** 22;
        const hi = lo + 2 ** 22 - 1;
        const probe = [lo, hi, lo + 1, lo + 2 ** 21, hi - 1];
        if (lut[i] === 0xffff) {
          ambiguous++;
          expect(count(lo)).not.toBe(count(hi));
        } else for (const r of probe) expect(count(r)).toBe(lut[i]);
      }
      // at most one bucket per CDF step inside (0, 1)
      expect(ambiguous).toBeLessThanOrEqual(cdf.length);
    }
  });
});

describe('description Poisson stimuli: per-neuron (default) and block draws', () => {
  const net = (draw?: 'neuron' | 'blocks') => {
    const b = new NetworkBuilder({ dtMs: 0.1, seed: 4 });
    b.population('P', 3000, 'lif', { params: { beta: 0.5, threshold: 1e9 } });
    b.population('Q', 200, 'iaf_psc_exp', { params: { V_th: -60 } });
    b.connect('P', 'Q', { rule: 'fixed_indegree', indegree: 10 }, { weight: 10, delayMs: 1 });
    b.poisson('P', { rateHz: 400, weight: 1, startMs: 5, ...(draw ? { draw } : {}) });
    b.poisson('Q', { rateHz: 9000, weight: 30, delayMs: 1.5, ...(draw ? { draw } : {}) });
    b.recordSpikes(['Q']);
    return b.build();
  };

  it('gives the expected number of external events with either draw, deterministically per seed', () => {
    for (const draw of [undefined, 'blocks'] as const) {
      const d = net(draw);
      const r1 = simulateDescription(compileDescription(d), { durationMs: 50 });
      const r2 = simulateDescription(compileDescription(d), { durationMs: 50 });
      // P: 3000 x 400 Hz x 45 ms = 54000; Q: 200 x 9000 Hz x (50 - 1.5) ms = 87300 (sd ~ 360 together)
      expect(Math.abs(r1.externalEvents - 141_300)).toBeLessThan(5 * 376);
      expect(r2.externalEvents).toBe(r1.externalEvents);
      expect(Array.from(r2.spikeRecords.Q!.ids)).toEqual(Array.from(r1.spikeRecords.Q!.ids));
      expect(r1.spikes).toBeGreaterThan(0);
      const r3 = simulateDescription(compileDescription(d), { durationMs: 50, seed: 99 });
      expect(r3.externalEvents).not.toBe(r1.externalEvents);
    }
    expect(compileDescription(net()).poisson.map((p) => p.draw)).toEqual(['neuron', 'neuron']);
    expect(compileDescription(net('blocks')).poisson.map((p) => p.cdf)).toEqual([null, null]);
  });

  it('validates and round-trips the draw field', () => {
    const d = net('blocks');
    expect(networkFromJson(networkToJson(d))).toEqual(d);
    expect((networkFromJson(networkToJson(d)).stimuli[0] as { draw?: string }).draw).toBe('blocks');
    const bad = JSON.parse(networkToJson(d)) as { stimuli: Record<string, unknown>[] };
    bad.stimuli[0]!.draw = 'cells';
    expect(() => validateNetwork(bad as never, 'net.json')).toThrow(RouserError);
    expect(() => validateNetwork(bad as never, 'net.json')).toThrow(/stimuli\[0\]\.draw.*"neuron" or "blocks"/);
    bad.stimuli[0]!.draw = 'blocks';
    bad.stimuli[0]!.neurons = [1, 2];
    expect(() => validateNetwork(bad as never, 'net.json')).toThrow(/stimuli\[0\]\.draw/);
    const huge = net();
    (huge.stimuli[0] as { rateHz: number }).rateHz = 2e7;
    expect(() => compileDescription(huge)).toThrow(/stimuli\[0\]\.rateHz.*"draw": "blocks"/);
    // the limit is 700 events per neuron and step: 7.01 MHz at dt 0.1 ms is refused
    (huge.stimuli[0] as { rateHz: number }).rateHz = 7.01e6;
    expect(() => compileDescription(huge)).toThrow(/at most 700 events per neuron and step/);
  });

  it('draws Poisson counts at the largest per-neuron lambda (700): mean and variance 700 (the CDF table starts above 0)', () => {
    const b = new NetworkBuilder({ dtMs: 0.1, seed: 4 });
    b.population('P', 2000, 'lif', { params: { beta: 0, threshold: 1e12 } });
    b.poisson('P', { rateHz: 7e6, weight: 1 });
    b.recordState('P', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], ['voltage']);
    const c = compileDescription(b.build());
    expect(c.poisson[0]!.cdf![0]).toBeGreaterThan(0);
    const r = simulateDescription(c, { durationMs: 1 });
    // 2000 neurons x 10 steps x 700 = 14,000,000 events (sd ~ 3742)
    expect(Math.abs(r.externalEvents - 14e6)).toBeLessThan(5 * 3742);
    // beta 0: v is the step's count (w = 1); 100 counts of mean and variance 700
    const v = Array.from(r.traces[0]!.values[0]!);
    const mean = v.reduce((a, x) => a + x, 0) / v.length;
    const variance = v.reduce((a, x) => a + (x - mean) ** 2, 0) / (v.length - 1);
    expect(Math.abs(mean - 700)).toBeLessThan(5 * Math.sqrt(700 / v.length));
    expect(variance).toBeGreaterThan(700 * 0.6);
    expect(variance).toBeLessThan(700 * 1.5);
  });
});
