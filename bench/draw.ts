/**
 * The description engine's per-neuron Poisson draw (src/event/engineWasm.wat): `draw4` (four blocks of 1024 neurons
 * at a time, one block's sfc32 stream per i32x4 lane) against `draw` (the scalar loop, one neuron after another), in
 * the same run, on identical copies of streams and inputs that must end bit-identical; and the in-place
 * iaf_psc_exp step (`iafStep`) that follows the draw, for scale. ns per neuron, full-scale PD14 size (77,169
 * neurons) and drive (lambda = 1.5 events per neuron-step, 87.81 pA) by default.
 *
 * usage: node --import tsx bench/draw.ts [--neurons 77169] [--steps 1000] [--rounds 5] [--lambda 1.5]
 */
import { loadavg } from 'node:os';
import {
  perNeuronStreams,
  POISSON_THRESHOLDS,
  poissonCdf,
  poissonLookup,
  poissonThresholds,
} from '../src/event/drive.js';
import { Arena } from '../src/event/engineWasm.js';

const argv = process.argv.slice(2);
const num = (name: string, d: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : d;
};
const n = num('neurons', 77169);
const steps = num('steps', 1000);
const rounds = num('rounds', 5);
const lambda = num('lambda', 1.5);
const W = 87.81;

/** Streams, CDF, lookup, x_ex and an iaf_psc_exp population's state in one arena. */
function setup() {
  const arena = Arena.create(n * 4 * 10 + 4 * 4 * Math.ceil(n / 1024) + 64 * 1024) as Arena;
  const cdfJs = poissonCdf(lambda);
  const cdf = arena.allocF64(cdfJs.length);
  cdf.set(cdfJs);
  const lut = poissonLookup(cdf, arena.allocU16(1024));
  const thr = poissonThresholds(cdf, arena.allocI32(4 * POISSON_THRESHOLDS));
  const st = arena.allocU32(4 * Math.ceil(n / 1024));
  st.set(perNeuronStreams(7, n));
  const x = arena.allocF32(n);
  const state = Array.from({ length: 6 }, () => arena.allocF32(n)); // V, I_ex, I_in, I_0, ref, x_in
  const list = arena.allocI32(n);
  for (let k = 0; k < n; k++) (state[0] as Float32Array)[k] = -65 + 10 * (k / n);
  return { arena, cdf, lut, thr, st, x, state, list };
}
type S = ReturnType<typeof setup>;

const draw = (s: S, four: boolean): number =>
  four
    ? s.arena.draw4(n, s.x.byteOffset, s.st.byteOffset, s.cdf.byteOffset, s.lut.byteOffset, s.thr.byteOffset, W)
    : s.arena.draw(n, s.x.byteOffset, s.st.byteOffset, s.cdf.byteOffset, s.lut.byteOffset, W);
const P22 = Math.exp(-0.1 / 10);
const P11 = Math.exp(-0.1 / 0.5);
const step = (s: S): number => {
  const [V, Iex, Iin, I0, ref, xIn] = s.state.map((a) => a.byteOffset) as number[];
  return s.arena.iafStep(
    n,
    V as number,
    Iex as number,
    Iin as number,
    I0 as number,
    ref as number,
    s.x.byteOffset,
    xIn as number,
    0,
    0,
    -50,
    s.list.byteOffset,
    -65,
    P22,
    5e-4,
    5e-4,
    0,
    2.5e-4,
    -65,
    20,
    P11,
    P11,
  );
};

const a = setup();
const b = setup();
const ns = (ms: number): number => (ms * 1e6) / (steps * n);
const res: Record<string, number[]> = { draw: [], draw4: [], iafStep: [] };
let evA = 0;
let evB = 0;
for (let r = 0; r < rounds; r++) {
  let t0 = performance.now();
  for (let t = 0; t < steps; t++) evA += draw(a, false);
  res.draw?.push(ns(performance.now() - t0));
  t0 = performance.now();
  for (let t = 0; t < steps; t++) evB += draw(b, true);
  res.draw4?.push(ns(performance.now() - t0));
  t0 = performance.now();
  for (let t = 0; t < steps; t++) step(b);
  res.iafStep?.push(ns(performance.now() - t0));
  a.x.fill(0);
  b.x.fill(0);
}
const same =
  evA === evB && a.st.every((v, k) => v === b.st[k]) && Array.from(a.x).every((v, k) => Object.is(v, b.x[k]));
const median = (xs: number[]): number => [...xs].sort((p, q) => p - q)[xs.length >> 1] as number;
const md = median(res.draw as number[]);
const m4 = median(res.draw4 as number[]);
console.log(
  `draw (scalar) ${md.toFixed(2)} ns/neuron, draw4 ${m4.toFixed(2)} ns/neuron (${(md / m4).toFixed(2)}x), iafStep ${median(res.iafStep as number[]).toFixed(2)} ns/neuron; ${n} neurons, lambda ${lambda}, ${rounds} rounds of ${steps} steps, medians; identical streams, events and x: ${same}  [load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}]`,
);
console.log(JSON.stringify({ bench: 'draw', neurons: n, lambda, steps, rounds, nsPerNeuron: res, identical: same }));
if (!same) process.exit(1);
