import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isCubaNeuron,
  checkNirGraph,
  compileNetwork,
  createNeuronState,
  fromNir,
  loadNirModel,
  neuronCoefficients,
  readNir,
  simulateNetwork,
  specToBinary,
  specToJson,
  stepNeurons,
  toNir,
  writeNir,
  type NetworkSpec,
  type NirGraph,
} from '../../src/index.js';
import { validSpec } from '../../properties/arbitraries.js';

const FIX = resolve(import.meta.dirname, '..', '..', 'datasets', 'fixtures', 'nir');
const dir = mkdtempSync(join(tmpdir(), 'rouser-nir-'));

/** The NIR paper's LIF example: input spikes (column 0), exact membrane (column 1), output spikes (column 2). */
function lifExact(): { input: Float32Array; v: number[]; out: number[] } {
  const rows = readFileSync(join(FIX, 'lif_exact.csv'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(',').map(Number));
  return { input: Float32Array.from(rows.map((r) => r[0]!)), v: rows.map((r) => r[1]!), out: rows.map((r) => r[2]!) };
}

function spikeSteps(spec: NetworkSpec, input: Float32Array, steps: number, layer = spec.layers.length - 1): number[][] {
  const res = simulateNetwork(compileNetwork(spec), input, steps, { recordSpikes: true });
  const rec = res.spikes![layer]!;
  const perNeuron: number[][] = Array.from({ length: rec.channels }, () => []);
  rec.ids.forEach((id, k) => perNeuron[id]!.push(rec.times[k]!));
  return perNeuron;
}

describe('the NIR paper LIF example (lif_norse.nir, dt = 1e-4 s)', () => {
  const csv = lifExact();

  it('the golden file has 34 input spikes and output spikes at 460, 510, 710, 760', () => {
    expect(csv.input.reduce((a, b) => a + b, 0)).toBe(34);
    expect(csv.out.flatMap((s, t) => (s ? [t] : []))).toEqual([460, 510, 710, 760]);
  });

  for (const discretization of ['euler', 'exact'] as const) {
    it(`imports (${discretization}) and the event engine spikes at steps 460, 510, 710, 760`, async () => {
      const spec = await loadNirModel(join(FIX, 'lif_norse.nir'), { dtSeconds: 1e-4, discretization });
      expect(spec.layers).toHaveLength(1);
      const l = spec.layers[0]!;
      // tau = 2.5e-3 s (float32), dt = 1e-4 s: euler beta = 1 - dt/tau = 0.96, exact beta = exp(-0.04); gain r dt/tau resp. r (1 - beta)
      const tau = Math.fround(2.5e-3);
      const beta = discretization === 'euler' ? 1 - 1e-4 / tau : Math.exp(-1e-4 / tau);
      expect(l.neuron).toEqual({ kind: 'lif', beta });
      expect(l.weights[0]).toBe(Math.fround(discretization === 'euler' ? 1e-4 / tau : 1 - beta));
      expect(l.thresholds[0]).toBeGreaterThan(Math.fround(0.1)); // next float32 above 0.1: rouser's >= acts as NIR's >
      expect(l.reset).toBe('zero');
      expect(spikeSteps(spec, csv.input, 1000)).toEqual([[460, 510, 710, 760]]);
    });
  }

  it('with the exact discretisation the membrane follows the exact solution until the first spike', async () => {
    const spec = await loadNirModel(join(FIX, 'lif_norse.nir'), { discretization: 'exact' });
    const l = spec.layers[0]!;
    const state = createNeuronState(1);
    const coeff = neuronCoefficients(l.neuron);
    const spikes = new Uint8Array(1);
    const v = new Float32Array(1);
    for (let t = 0; t < 460; t++) {
      stepNeurons(
        coeff,
        l.reset,
        state,
        Float32Array.of(csv.input[t]! * l.weights[0]!),
        l.bias,
        l.thresholds,
        spikes,
        v,
      );
      expect(Math.abs(v[0]! - csv.v[t]!)).toBeLessThan(2e-6);
    }
  });
});

describe('reference graphs', () => {
  it('two_lif_neurons.nir: v_leak 1.2 becomes the bias (dt/tau) v_leak and the first neuron fires every 179 steps', async () => {
    const spec = await loadNirModel(join(FIX, 'two_lif_neurons.nir'), { dtSeconds: 1e-4 });
    expect(spec.layers.map((l) => [l.inputSize, l.size])).toEqual([
      [1, 1],
      [1, 1],
    ]);
    expect(spec.layers[0]!.neuron).toEqual({ kind: 'lif', beta: 0.99 });
    expect(spec.layers[0]!.bias![0]).toBe(Math.fround(0.012));
    expect(spec.layers[1]!.bias).toBeUndefined();
    // V_k = 1.2 (1 - 0.99^(k+1)) exceeds 1 first when 0.99^(k+1) < 1/6, i.e. k + 1 = 179; after a reset to 0 it repeats.
    expect(spikeSteps(spec, new Float32Array(600), 600, 0)).toEqual([[178, 357, 536]]);
    expect(spikeSteps(spec, new Float32Array(600), 600, 1)).toEqual([[]]); // 3 inputs of 0.01 never reach 20
  });

  it('braille_noDelay_bias_zero.nir: 12 -> 38 recurrent CubaLIF -> 7 CubaLIF, refused for the feed-forward engine', async () => {
    const path = join(FIX, 'braille_noDelay_bias_zero.nir');
    const g = await readNir(path);
    const st = checkNirGraph(g, path);
    expect(st.input).toBe('input');
    expect(st.output).toBe('output');
    expect(st.shapes).toEqual({
      input: [12],
      fc1: [38],
      'lif1.lif': [38],
      'lif1.w_rec': [38],
      fc2: [7],
      lif2: [7],
      output: [7],
    });
    expect(st.backEdges).toEqual([['lif1.w_rec', 'lif1.lif']]);
    const lif1 = g.nodes['lif1.lif']!;
    const wrec = g.nodes['lif1.w_rec']!;
    if (lif1.type !== 'CubaLIF' || wrec.type !== 'Affine') throw new Error('unexpected node types');
    expect(wrec.weight.shape).toEqual([38, 38]);
    // The Euler convention at dt = 1e-4 s (w_in = tau_syn/dt, r = tau_mem/dt): alpha = 0.55, beta = 0.9 in this file
    expect(lif1.tau_syn.data[0]).toBeCloseTo(1e-4 / 0.45, 9);
    expect(lif1.tau_mem.data[0]).toBeCloseTo(1e-4 / 0.1, 9);
    for (let k = 0; k < 38; k++) {
      expect(lif1.w_in.data[k]! / (lif1.tau_syn.data[k]! / 1e-4)).toBeCloseTo(1, 6);
      expect(lif1.r.data[k]! / (lif1.tau_mem.data[k]! / 1e-4)).toBeCloseTo(1, 6);
    }
    await expect(loadNirModel(path)).rejects.toThrow(
      /braille_noDelay_bias_zero\.nir: edge "lif1\.w_rec" -> "lif1\.lif" closes a cycle; recurrent NIR graphs do not import yet/,
    );
  });

  it('lif_rockpool.nir (Output shape [1,1,1]) is refused by the shape check', async () => {
    await expect(readNir(join(FIX, 'lif_rockpool.nir'))).rejects.toThrow(
      /lif_rockpool\.nir: node "output" \(Output\): field shape is "\[1,1,1\]"; expected \[1\] \(the output of node "1_LIFNeuronTorch" \(LIF\)\)/,
    );
  });
});

describe('rouser -> NIR -> rouser', () => {
  const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

  it('writes the NIR 1.0 layout: CubaLIF with tau_syn = dt/(1-a), w_in = 1/(1-a), per-neuron thresholds, metadata', async () => {
    const spec: NetworkSpec = {
      format: 'rouser-network',
      version: 1,
      inputSize: 3,
      dtMs: 1,
      meta: { dataset: 'x' },
      layers: [
        {
          size: 2,
          inputSize: 3,
          neuron: { kind: 'cuba', currentRetention: 0.75, voltageRetention: 0.97 },
          reset: 'subtract',
          thresholds: Float32Array.of(0.8, 1.5),
          weights: Float32Array.of(1, 2, 3, 4, 5, 6),
          delaySteps: 2,
          bias: Float32Array.of(0.5, -0.5),
        },
      ],
    };
    const g = toNir(spec);
    expect(g.edges).toEqual([
      ['input', 'fc0'],
      ['fc0', 'delay0'],
      ['delay0', 'lif0'],
      ['lif0', 'output'],
    ]);
    const lif = g.nodes.lif0!;
    if (lif.type !== 'CubaLIF') throw new Error('not CubaLIF');
    // worked example of docs/README-nir.md: dt = 1 ms, a = 0.75 -> tau_syn 4 ms, w_in 4; b = 0.97 -> tau_mem 33.33 ms, r 33.33
    expect(Array.from(lif.tau_syn.data)).toEqual([Math.fround(0.004), Math.fround(0.004)]);
    expect(lif.w_in.data[0]).toBe(4);
    expect(lif.tau_mem.data[0]).toBeCloseTo(0.033333, 6);
    expect(lif.r.data[0]).toBeCloseTo(33.333, 3);
    expect(Array.from(lif.v_threshold.data)).toEqual([Math.fround(0.8), 1.5]);
    expect(g.metadata).toMatchObject({ dt: 0.001, discretization: 'euler', spike_test: '>=' });
    expect(lif.metadata).toMatchObject({ reset: 'subtract' });
    const delay = g.nodes.delay0!;
    expect(delay.type === 'Delay' && Array.from(delay.delay.data)).toEqual([Math.fround(0.002), Math.fround(0.002)]);
    const file = join(dir, 'layout.nir');
    await writeNir(file, g);
    const back = fromNir(await readNir(file));
    expect(specToJson(back)).toBe(specToJson(spec));
  });

  it('is exact for random specs: same JSON, same .rsnn bytes, same spikes', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        validSpec(fc.float({ min: -2, max: 2, noNaN: true })).filter((s) =>
          s.layers.every(
            (l) => !isCubaNeuron(l.neuron) || (l.neuron.currentRetention < 1 && l.neuron.voltageRetention < 1),
          ),
        ),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        async (spec, seed) => {
          const file = join(dir, `rt${n++}.nir`);
          await writeNir(file, toNir(spec));
          const back = fromNir(await readNir(file), { where: file });
          expect(specToJson(back)).toBe(specToJson(spec));
          expect(Buffer.from(specToBinary(back)).equals(Buffer.from(specToBinary(spec)))).toBe(true);
          spec.layers.forEach((l, i) => expect(bits(back.layers[i]!.thresholds)).toEqual(bits(l.thresholds)));
          const steps = 12;
          let s = seed;
          const input = Float32Array.from({ length: steps * spec.inputSize }, () =>
            (s = (s * 1103515245 + 12345) % 2 ** 31) % 3 === 0 ? 1 : 0,
          );
          const a = simulateNetwork(compileNetwork(spec), input, steps, { recordSpikes: true });
          const b = simulateNetwork(compileNetwork(back), input, steps, { recordSpikes: true });
          expect(b.spikes).toEqual(a.spikes);
        },
      ),
      { seed: 1313, numRuns: 25 },
    );
  });

  it('a lif layer with beta = 1 travels as an IF node', async () => {
    const spec: NetworkSpec = {
      format: 'rouser-network',
      version: 1,
      inputSize: 2,
      dtMs: 0.5,
      meta: {},
      layers: [
        {
          size: 1,
          inputSize: 2,
          neuron: { kind: 'lif', beta: 1 },
          reset: 'zero',
          thresholds: Float32Array.of(2),
          weights: Float32Array.of(0.7, 0.3),
          delaySteps: 0,
        },
      ],
    };
    const g = toNir(spec);
    expect(g.nodes.lif0!.type).toBe('IF');
    const file = join(dir, 'if.nir');
    await writeNir(file, g);
    expect(specToJson(fromNir(await readNir(file)))).toBe(specToJson(spec));
  });
});

describe('mapping of foreign graphs', () => {
  const graph = (
    nodes: NirGraph['nodes'],
    edges: [string, string][],
    metadata: NirGraph['metadata'] = {},
  ): NirGraph => ({ version: '1.0.8', nodes, edges, metadata });
  const t = (a: number[], shape?: number[]) => ({
    shape: shape ?? [a.length],
    data: Float32Array.from(a),
    dtype: 'float32' as const,
  });

  /** Input -> Linear -> CubaLIF (tau_syn 5 ms, tau_mem 10 ms, r = w_in = 1, thresholds 0.5 and 2) -> Output, dt 1 ms. */
  const cuba = (vLeak: number[], vReset: number[]): NirGraph =>
    graph(
      {
        in: { type: 'Input', shape: [2] },
        w: { type: 'Linear', weight: t([1, 2, 3, 4], [2, 2]) },
        n: {
          type: 'CubaLIF',
          tau_syn: t([0.005, 0.005]),
          tau_mem: t([0.01, 0.01]),
          r: t([1, 1]),
          v_leak: t(vLeak),
          v_threshold: t([0.5, 2]),
          v_reset: t(vReset),
          w_in: t([1, 1]),
        },
        out: { type: 'Output', shape: [2] },
      },
      [
        ['in', 'w'],
        ['w', 'n'],
        ['n', 'out'],
      ],
      { dt: 0.001 },
    );

  it('CubaLIF: folds (w_in dt/tau_syn)(r dt/tau_mem) into the weight rows, keeps per-neuron thresholds', () => {
    // Norse-style export: w_in = r = 1, tau_syn = 5 ms, tau_mem = 10 ms, dt = 1 ms -> gain 0.2 * 0.1 = 0.02
    const spec = fromNir(cuba([0, 0], [0, 0]));
    const l = spec.layers[0]!;
    const aI = 1 - 0.001 / Math.fround(0.005);
    const aV = 1 - 0.001 / Math.fround(0.01);
    expect(l.neuron).toEqual({ kind: 'cuba', currentRetention: aI, voltageRetention: aV });
    const gain = (0.001 / Math.fround(0.005)) * (0.001 / Math.fround(0.01));
    expect(Array.from(l.weights)).toEqual([1, 2, 3, 4].map((w) => Math.fround(w * gain)));
    expect(spec.dtMs).toBe(1);
    expect(l.thresholds[1]).toBeGreaterThan(2);
    expect(l.thresholds[1]! - 2).toBeLessThan(1e-6);
  });

  it('refuses a non-zero reset potential or CubaLIF leak potential, naming the first neuron', () => {
    expect(() => fromNir(cuba([0, 0], [0, -0.5]))).toThrow(
      /field v_reset\[1\] is -0\.5; expected 0 \(rouser resets to 0 or subtracts the threshold/,
    );
    expect(() => fromNir(cuba([0.25, 0], [0, 0]))).toThrow(
      /field v_leak\[0\] is 0\.25; expected 0 \(a CubaLIF leak potential has no rouser equivalent\)/,
    );
  });

  it('Flatten, Scale and Delay compose into one layer', () => {
    const g = graph(
      {
        in: { type: 'Input', shape: [1, 2, 1] },
        f: { type: 'Flatten', start_dim: 0, end_dim: -1 },
        w: { type: 'Affine', weight: t([1, 1], [1, 2]), bias: t([0.5]) },
        s: { type: 'Scale', scale: t([2]) },
        d: { type: 'Delay', delay: t([0.003]) },
        n: { type: 'LIF', tau: t([0.002]), r: t([2]), v_leak: t([0]), v_threshold: t([1]), v_reset: t([0]) },
        out: { type: 'Output', shape: [1] },
      },
      [
        ['in', 'f'],
        ['f', 'w'],
        ['w', 's'],
        ['s', 'd'],
        ['d', 'n'],
        ['n', 'out'],
      ],
      { dt: 0.001 },
    );
    const l = fromNir(g).layers[0]!;
    expect(l.delaySteps).toBe(3);
    expect(l.inputSize).toBe(2);
    // gain r dt/tau = 2 * 0.5 = 1 (float32 tau: 0.001/fround(0.002) is not exactly 0.5)
    const gain = 2 * (0.001 / Math.fround(0.002));
    expect(Array.from(l.weights)).toEqual([Math.fround(2 * gain), Math.fround(2 * gain)]);
    expect(l.bias![0]).toBe(Math.fround(1 * gain));
  });

  it("thresholds move to the smallest float32 above the NIR threshold (v > th becomes V >= th')", () => {
    const g = (th: number[], dtype: 'float32' | 'float64'): NirGraph =>
      graph(
        {
          in: { type: 'Input', shape: [2] },
          n: {
            type: 'IF',
            r: { ...t([1, 1]), dtype },
            v_threshold: {
              shape: [2],
              data: dtype === 'float32' ? Float32Array.from(th) : Float64Array.from(th),
              dtype,
            },
            v_reset: t([0, 0]),
          },
          out: { type: 'Output', shape: [2] },
        },
        [
          ['in', 'n'],
          ['n', 'out'],
        ],
      );
    const above = (x: number): number => {
      const u = new Uint32Array(Float32Array.of(x).buffer);
      u[0]! += 1;
      return new Float32Array(u.buffer)[0]!;
    };
    // float32 1.0 -> the next float32 up; float64 0.1 -> fround(0.1) (already above 0.1); float64 0.7 -> above fround(0.7) (below 0.7)
    expect(Array.from(fromNir(g([1, 0.5], 'float32')).layers[0]!.thresholds)).toEqual([above(1), above(0.5)]);
    expect(Math.fround(0.1)).toBeGreaterThan(0.1);
    expect(Math.fround(0.7)).toBeLessThan(0.7);
    expect(Array.from(fromNir(g([0.1, 0.7], 'float64')).layers[0]!.thresholds)).toEqual([Math.fround(0.1), above(0.7)]);
  });

  it('Flatten and int64 datasets survive writeNir -> readNir', async () => {
    const g = graph(
      {
        in: { type: 'Input', shape: [2, 3] },
        f: { type: 'Flatten', input_type: [2, 3], start_dim: 0, end_dim: -1 },
        w: { type: 'Linear', weight: t([1, 2, 3, 4, 5, 6], [1, 6]) },
        n: { type: 'LIF', tau: t([0.002]), r: t([1]), v_leak: t([0]), v_threshold: t([1]), v_reset: t([0]) },
        out: { type: 'Output', shape: [1] },
      },
      [
        ['in', 'f'],
        ['f', 'w'],
        ['w', 'n'],
        ['n', 'out'],
      ],
      { dt: 0.001 },
    );
    const file = join(dir, 'flatten.nir');
    await writeNir(file, g);
    const back = await readNir(file);
    expect(back.nodes.f).toEqual(g.nodes.f);
    expect(back.nodes.in).toEqual(g.nodes.in);
    expect(checkNirGraph(back).shapes.f).toEqual([6]);
    expect(fromNir(back).inputSize).toBe(6);
  });
});

describe('signed zeros', () => {
  it('a bias of -0 round-trips through NIR bit for bit (found by properties/fuzz/nir.prop.ts)', async () => {
    const spec: NetworkSpec = {
      format: 'rouser-network',
      version: 1,
      inputSize: 2,
      dtMs: 1,
      meta: {},
      layers: [
        {
          size: 2,
          inputSize: 2,
          neuron: { kind: 'cuba', currentRetention: 0.5, voltageRetention: 0.5 },
          reset: 'zero',
          thresholds: Float32Array.of(1, 1),
          weights: Float32Array.of(1, 0, 0, 1),
          bias: Float32Array.of(-0, 0.5),
          delaySteps: 0,
        },
      ],
    };
    const file = join(dir, 'negzero.nir');
    await writeNir(file, toNir(spec));
    const back = fromNir(await readNir(file));
    expect(Object.is(back.layers[0]!.bias![0], -0)).toBe(true);
    expect(specToJson(back)).toBe(specToJson(spec));
  });
});
