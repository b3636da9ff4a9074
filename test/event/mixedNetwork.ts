import { NetworkBuilder, type NetworkDescription } from '../../src/model/network.js';
import { Rng } from '../../src/util/rng.js';

/** Test helpers shared by test/event/engineWasm.test.ts and test/event/engineThreads.test.ts. */

/** A float32 of random sign, exponent (subnormals to large) and mantissa. */
export function randomF32(rng: Rng): number {
  const u = new Uint32Array(1);
  const e = Math.floor(rng.uniform() * 200) + 20; // biased exponents 20..219 (2^-107 .. 2^92), plus some subnormals
  u[0] =
    (rng.uniform() < 0.5 ? 0x80000000 : 0) |
    ((rng.uniform() < 0.05 ? 0 : e) << 23) |
    Math.floor(rng.uniform() * 0x800000);
  return new Float32Array(u.buffer)[0]!;
}

/** A network that exercises every path: see the test. */
export function mixedNetwork(): NetworkDescription {
  const rng = new Rng(21);
  const b = new NetworkBuilder({ dtMs: 0.1, seed: 13 });
  b.population('E', 1500, 'iaf_psc_exp', {
    params: { tau_syn_ex: 0.5, tau_syn_in: 1, t_ref: 2, V_th: -50, E_L: -65, V_reset: -65 },
    initial: { V_m: { kind: 'normal', mean: -58, sd: 5 } },
  });
  b.population('I', 400, 'iaf_psc_exp', {
    params: { V_th: -52, E_L: -65, V_reset: -65, I_e: 100 },
    initial: { V_m: { kind: 'uniform', min: -65, max: -52 } },
  });
  // per-neuron E_L: the general (JavaScript) step on views of the arena
  b.population('G', 300, 'iaf_psc_exp', {
    params: { V_th: -50, E_L: { kind: 'uniform', min: -66, max: -64 }, V_reset: -65 },
  });
  // per-neuron thresholds and a current-port projection; fewer neurons than a block of the neuron module's kernel
  b.population('S', 10, 'iaf_psc_exp', { params: { V_th: { kind: 'uniform', min: -56, max: -54 } } });
  // I_0 starts non-zero without any current input: the kernel still copies x_cur into I_0
  b.population('C', 50, 'iaf_psc_exp', { params: { V_th: -55 }, initial: { I_0: 300 } });
  b.population('L', 700, 'lif', { params: { beta: 0.9, threshold: 1 } });
  const ids: number[] = [];
  const times: number[] = [];
  for (let c = 0; c < 5000; c++) {
    ids.push(c); // 5000 channels at step 3: more than one delivery list of groups due at step 4
    times.push(3);
  }
  for (let k = 0; k < 2000; k++) {
    ids.push(rng.int(5000));
    times.push(4 + Math.floor(k / 10));
  }
  const order = times.map((_, k) => k).sort((a, c) => times[a]! - times[c]! || a - c);
  b.spikeSource('src', 5000, { ids: order.map((k) => ids[k]!), times: order.map((k) => times[k]!), timeUnit: 'step' });
  b.connect('src', 'L', { rule: 'fixed_outdegree', outdegree: 1 }, { weight: 0.4, delayMs: 0.1 });
  b.connect('src', 'E', { rule: 'fixed_outdegree', outdegree: 2 }, { weight: 300, delayMs: 0.1 });
  const dNormal = { kind: 'normal' as const, mean: 1.5, sd: 0.75, min: 0.1, bound: 'redraw' as const };
  b.connect(
    'E',
    'E',
    { rule: 'fixed_total_number', n: 60_000 },
    { weight: { kind: 'normal', mean: 90, sd: 9 }, delayMs: dNormal },
  );
  b.connect('E', 'I', { rule: 'fixed_indegree', indegree: 60 }, { weight: 95, delayMs: dNormal });
  b.connect(
    'I',
    'E',
    { rule: 'pairwise_bernoulli', p: 0.1 },
    { weight: -80, delayMs: { kind: 'uniform', min: 0.4, max: 1.2 } },
  );
  b.connect('E', 'G', { rule: 'fixed_indegree', indegree: 30 }, { weight: 120, delayMs: 0.7 });
  b.connect('E', 'S', { rule: 'fixed_indegree', indegree: 50 }, { weight: 120, delayMs: 0.3 });
  b.connect('E', 'S', { rule: 'fixed_indegree', indegree: 5 }, { weight: 400, delayMs: 0.2, receptor: 2 });
  b.connect('E', 'L', { rule: 'fixed_indegree', indegree: 20 }, { weight: 0.05, delayMs: 1 });
  b.connect('I', 'I', { rule: 'fixed_indegree', indegree: 10 }, { weight: randomWeights(rng, 4000), delayMs: 0.5 });
  // E: one per-neuron drive on port 0 (fused into the kernel), active from 2 ms
  b.poisson('E', { rateHz: 18_000, weight: 87.81, delayMs: 1.5, startMs: 2 });
  // I: two per-neuron drives (the JavaScript draw, then the in-place step), one of them inhibitory
  b.poisson('I', { rateHz: 9000, weight: 80 });
  b.poisson('I', { rateHz: 2000, weight: -60, stopMs: 30 });
  // G: the block drive; S: a per-neuron drive into a small population
  b.poisson('G', { rateHz: 10_000, weight: 85, draw: 'blocks' });
  b.poisson('S', { rateHz: 15_000, weight: 90 });
  b.poisson('C', { rateHz: 15_000, weight: 90 });
  b.poisson('L', { rateHz: 300, weight: 0.3, neurons: [1, 5, 9, 600] });
  b.dc('I', 50, { startMs: 5 });
  b.recordSpikes(['E', 'I', 'G', 'S', 'C', 'L']);
  b.recordState('E', [0, 7, 1499], ['V_m', 'I_syn_ex', 'I_syn_in', 'I_0', 'refractory']);
  b.recordRate(['E', 'I'], 2);
  return b.build();
}

function randomWeights(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => randomF32(rng) / 1e30);
}
