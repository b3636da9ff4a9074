/**
 * The iaf_psc_exp step (src/neuron/iafPscExp.ts `stepIafPscExp`, the update the description engine spends most of
 * its run loop in) against the straightforward loop it replaced (test/neuron/iafPscExpReference.ts), in the same run:
 * ns per neuron-step (wall and CPU) on a PD14-like population (dt 0.1 ms, tau_syn 0.5 ms, t_ref 2 ms), uniform
 * parameters, a pool of random inputs (Poisson-like excitatory drive, sparse inhibition) that makes about 5-10 % of
 * the neurons refractory at any time. Both run on identical copies of the state and must end bit-identical.
 *
 * usage: node --import tsx bench/neuron.ts [--neurons 7717] [--steps 5000] [--rounds 5]
 */
import { loadavg } from 'node:os';
import { createModelState, IAF_PSC_EXP, stepIafPscExp, type IafPscExpCoefficients } from '../src/neuron/model.js';
import { pd14IafParams } from '../src/examples/microcircuit.js';
import { Rng } from '../src/util/rng.js';
import { stepIafPscExpReference } from '../test/neuron/iafPscExpReference.js';

const argv = process.argv.slice(2);
const num = (name: string, d: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : d;
};
const n = num('neurons', 7717);
const steps = num('steps', 5000);
const rounds = num('rounds', 5);
const PD14 = pd14IafParams();
const c = IAF_PSC_EXP.prepare(PD14, 0.1, n) as IafPscExpCoefficients;
const rng = new Rng(7);
const POOL = 16;
const pool = Array.from({ length: POOL }, () => {
  const ex = new Float32Array(n);
  const inh = new Float32Array(n);
  const cur = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    ex[k] = Math.fround(87.81 * rng.poisson(1.9));
    inh[k] = rng.uniform() < 0.3 ? Math.fround(-351.2 * rng.poisson(1)) : 0;
  }
  return [ex, inh, cur];
});
const th = new Float32Array(n).fill(-50);
const fresh = (): Float32Array[] => {
  const s = createModelState(IAF_PSC_EXP, n);
  const r = new Rng(11);
  for (let k = 0; k < n; k++) (s[0] as Float32Array)[k] = Math.fround(-65 + 15 * r.uniform());
  return s;
};
type Step = typeof stepIafPscExp;
function time(step: Step, state: Float32Array[]): { wallNs: number; cpuNs: number; spikes: number } {
  const spikes = new Uint8Array(n);
  let fired = 0;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let t = 0; t < steps; t++) fired += step(c, state, pool[t % POOL] as Float32Array[], th, 'zero', spikes, 0, n);
  const wall = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(c0);
  return { wallNs: wall / (n * steps), cpuNs: ((cpu.user + cpu.system) * 1000) / (n * steps), spikes: fired };
}
const impls: [string, Step][] = [
  ['reference (old loop)', stepIafPscExpReference],
  ['stepIafPscExp (new)', stepIafPscExp],
];
const best = new Map<string, { wallNs: number; cpuNs: number }>();
for (let r = 0; r < rounds; r++) {
  const finals: Float32Array[][] = [];
  for (const [name, f] of impls) {
    const s = fresh();
    const m = time(f, s);
    finals.push(s);
    const b = best.get(name);
    if (!b || m.wallNs < b.wallNs) best.set(name, { wallNs: m.wallNs, cpuNs: m.cpuNs });
    if (r === 0) console.log(`${name}: ${m.spikes} spikes (${((m.spikes / n / (steps * 0.1)) * 1000).toFixed(1)} Hz)`);
  }
  const [a, b] = finals as [Float32Array[], Float32Array[]];
  a.forEach((arr, i) => {
    const u = new Uint32Array(arr.buffer);
    const w = new Uint32Array((b[i] as Float32Array).buffer);
    for (let k = 0; k < u.length; k++)
      if (u[k] !== w[k])
        throw new Error(`bench/neuron.ts: state ${i} of neuron ${k} differs between the implementations`);
  });
}
const [l1, l5, l15] = loadavg();
console.log(
  `iaf_psc_exp step, ${n} neurons x ${steps} steps, best of ${rounds} (load average ${l1?.toFixed(2)} ${l5?.toFixed(2)} ${l15?.toFixed(2)}):`,
);
for (const [name] of impls) {
  const b = best.get(name) as { wallNs: number; cpuNs: number };
  console.log(`  ${name.padEnd(22)} ${b.wallNs.toFixed(2)} ns/neuron-step wall, ${b.cpuNs.toFixed(2)} CPU`);
}
const o = best.get(impls[0]![0]) as { wallNs: number };
const nw = best.get(impls[1]![0]) as { wallNs: number };
console.log(`  speed-up ${(o.wallNs / nw.wallNs).toFixed(2)}x; final states bit-identical`);
console.log(
  JSON.stringify({
    bench: 'neuron',
    load: loadavg()
      .map((x) => x.toFixed(2))
      .join(' '),
    neurons: n,
    steps,
    rounds,
    referenceNsWall: o.wallNs,
    newNsWall: nw.wallNs,
    referenceNsCpu: (best.get(impls[0]![0]) as { cpuNs: number }).cpuNs,
    newNsCpu: (best.get(impls[1]![0]) as { cpuNs: number }).cpuNs,
  }),
);
