import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureOutput } from '../cli/capture.js';
import { main } from '../../src/cli/main.js';
import {
  createSpec,
  loadSpec,
  readNir,
  saveSpec,
  specToJson,
  writeNir,
  type EvalReport,
  type NirGraph,
  type NirTensor,
} from '../../src/index.js';
import { Rng } from '../../src/util/rng.js';

const io = captureOutput();
const FIX = resolve(import.meta.dirname, '..', '..', 'datasets', 'fixtures', 'nir');
const dir = mkdtempSync(join(tmpdir(), 'rouser-nir-cli-'));

const t = (a: number[], shape?: number[]): NirTensor => ({
  shape: shape ?? [a.length],
  data: Float32Array.from(a),
  dtype: 'float32',
});

/** Input[2] -> Linear(2x2) -> LIF(2) -> Output[2] at dt = 1e-4 s, with `patch` applied to the nodes. */
function lifGraph(patch: (g: NirGraph) => void = () => undefined): NirGraph {
  const g: NirGraph = {
    version: '1.0.8',
    nodes: {
      input: { type: 'Input', shape: [2] },
      fc: { type: 'Linear', weight: t([1, 0, 0, 1], [2, 2]) },
      lif: {
        type: 'LIF',
        tau: t([1e-3, 1e-3]),
        r: t([10, 10]),
        v_leak: t([0, 0]),
        v_threshold: t([1, 1]),
        v_reset: t([0, 0]),
      },
      output: { type: 'Output', shape: [2] },
    },
    edges: [
      ['input', 'fc'],
      ['fc', 'lif'],
      ['lif', 'output'],
    ],
    metadata: { dt: 1e-4 },
  };
  patch(g);
  return g;
}

describe('rouser model export / import', () => {
  it('`rouser model` without a sub-command prints what it expects and exits 1', async () => {
    expect(await main(['model'])).toBe(1);
    expect(io.err).toMatch(/a sub-command is required/);
    expect(io.err).toContain('rouser model export MODEL --to nir OUT.nir');
    expect(io.err).toContain('rouser model import IN.nir OUT.json|OUT.rsnn');
  });

  it('export then import gives the same JSON and .rsnn; inspect reads .nir', async () => {
    const spec = createSpec({ sizes: [5, 4, 3], bias: true, delaySteps: 1, reset: 'subtract', meta: { note: 'cli' } });
    const rng = new Rng(7);
    for (const l of spec.layers) for (let i = 0; i < l.weights.length; i++) l.weights[i] = rng.uniform() - 0.5;
    const src = join(dir, 'm.json');
    saveSpec(src, spec);
    const nir = join(dir, 'm.nir');
    expect(await main(['model', 'export', src, '--to', 'nir', nir])).toBe(0);
    expect(await main(['model', 'import', nir, join(dir, 'back.json')])).toBe(0);
    expect(await main(['model', 'import', nir, join(dir, 'back.rsnn')])).toBe(0);
    expect(specToJson(loadSpec(join(dir, 'back.json')))).toBe(specToJson(spec));
    expect(specToJson(loadSpec(join(dir, 'back.rsnn')))).toBe(specToJson(spec));
    io.out = '';
    expect(await main(['model', 'inspect', nir])).toBe(0);
    expect(io.out).toContain('5-4-3');
  });

  it('export refuses a missing or wrong --to and writes nothing', async () => {
    const src = join(dir, 'm2.json');
    saveSpec(src, createSpec({ sizes: [2, 2] }));
    expect(await main(['model', 'export', src, join(dir, 'x.nir')])).toBe(1);
    expect(await main(['model', 'export', src, '--to', 'onnx', join(dir, 'x.nir')])).toBe(1);
    expect(io.err).toMatch(/option --to is "onnx"; expected nir/);
    expect(existsSync(join(dir, 'x.nir'))).toBe(false);
  });

  it('eval --model X.nir runs the imported network with the full report, equal to the JSON model', async () => {
    const spec = createSpec({ sizes: [40, 16, 4], neuron: { kind: 'lif', beta: 0.9 }, thInit: 0.6 });
    const rng = new Rng(3);
    for (const l of spec.layers) for (let i = 0; i < l.weights.length; i++) l.weights[i] = rng.uniform() * 0.6 - 0.1;
    const json = join(dir, 'syn.json');
    saveSpec(json, spec);
    const nir = join(dir, 'syn.nir');
    expect(await main(['model', 'export', json, '--to', 'nir', nir])).toBe(0);
    const run = async (model: string): Promise<EvalReport> => {
      io.out = '';
      expect(
        await main([
          'eval',
          '--model',
          model,
          '--dataset',
          'synthetic',
          '--engine',
          'both',
          '--samples',
          '16',
          '--json',
        ]),
      ).toBe(0);
      return JSON.parse(io.out) as EvalReport;
    };
    const a = await run(json);
    const b = await run(nir);
    expect(b.agreement?.spikeTrains).toBe(1);
    expect(b.layers.map((l) => [l.spikeRate, l.synOps, l.deadFraction, l.saturatedFraction, l.threshold.mean])).toEqual(
      a.layers.map((l) => [l.spikeRate, l.synOps, l.deadFraction, l.saturatedFraction, l.threshold.mean]),
    );
    expect(b.accuracy).toBe(a.accuracy);
    expect(b.synOpsPerSample).toBeGreaterThan(0);
    expect(b.energy.length).toBeGreaterThan(0);
  });

  it('eval refuses the recurrent Braille graph saying recurrent graphs do not import yet', async () => {
    expect(await main(['eval', '--model', join(FIX, 'braille_noDelay_bias_zero.nir'), '--dataset', 'synthetic'])).toBe(
      1,
    );
    expect(io.err).toMatch(/closes a cycle; recurrent NIR graphs do not import yet/);
  });
});

describe('bad NIR input: one line naming file, node, field and value; exit 1; nothing written', () => {
  const cases: { name: string; make: (path: string) => Promise<void>; message: RegExp }[] = [
    {
      name: 'not HDF5',
      make: async (p) => writeFileSync(p, 'not an hdf5 file\n'),
      message: /field header \(byte 0\) has no HDF5 signature; expected a NIR graph file/,
    },
    {
      name: 'missing /node',
      make: async (p) => {
        const h5 = await import('h5wasm/node');
        await h5.ready;
        const f = new h5.File(p, 'w');
        f.create_dataset({ name: 'version', data: '1.0.8' });
        f.close();
      },
      message: /field \/node is missing; expected the NIR graph group \/node/,
    },
    {
      name: 'edge naming an unknown node',
      make: (p) =>
        writeNir(
          p,
          lifGraph((g) => g.edges.push(['lif', 'ghost'])),
          { check: false },
        ),
      message: /field \/node\/edges\[3\]\[1\] is "ghost"; expected a node name/,
    },
    {
      name: 'a cycle',
      make: (p) =>
        writeNir(
          p,
          lifGraph((g) => {
            g.nodes.rec = { type: 'Linear', weight: t([0, 1, 1, 0], [2, 2]) };
            g.edges.push(['lif', 'rec'], ['rec', 'lif']);
          }),
        ),
      message: /edge "rec" -> "lif" closes a cycle; recurrent NIR graphs do not import yet/,
    },
    {
      name: 'shapes that do not chain',
      make: (p) =>
        writeNir(
          p,
          lifGraph((g) => (g.nodes.fc = { type: 'Linear', weight: t([1, 0, 0, 1, 1, 1], [2, 3]) })),
          { check: false },
        ),
      message:
        /node "fc" \(Linear\): field input shape is "\[3\]"; expected \[2\] \(the output of node "input" \(Input\)\)/,
    },
    {
      name: 'NaN parameter',
      make: (p) =>
        writeNir(
          p,
          lifGraph((g) => ((g.nodes.lif as { tau: NirTensor }).tau = t([1e-3, NaN]))),
          { check: false },
        ),
      message: /node "lif" \(LIF\): field tau\[1\] is NaN; expected a finite number/,
    },
    {
      name: 'tau <= 0',
      make: (p) =>
        writeNir(
          p,
          lifGraph((g) => ((g.nodes.lif as { tau: NirTensor }).tau = t([-1e-3, -1e-3]))),
        ),
      message: /node "lif" \(LIF\): field tau\[0\] is -0\.001\d*; expected a time constant > 0/,
    },
    {
      name: 'tau < dt',
      make: (p) =>
        writeNir(
          p,
          lifGraph((g) => ((g.nodes.lif as { tau: NirTensor }).tau = t([5e-5, 5e-5]))),
        ),
      message: /node "lif" \(LIF\): field tau\[0\] is 0\.0000499\d*; expected a time constant >= dt = 0\.0001 s/,
    },
    {
      name: 'tau beyond 2^24 dt',
      make: (p) =>
        writeNir(
          p,
          lifGraph((g) => ((g.nodes.lif as { tau: NirTensor }).tau = t([1e4, 1e4]))),
        ),
      message: /node "lif" \(LIF\): field tau\[0\] is 10000; expected a time constant <= 2\^24 dt/,
    },
    {
      name: 'unsupported node type',
      make: (p) =>
        writeNir(
          p,
          lifGraph((g) => ((g.nodes.fc as unknown as { type: string }).type = 'Conv2d')),
          { check: false },
        ),
      message: /node "fc" \(Conv2d\): field type is "Conv2d"; expected one of Input, Output/,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const bad = join(dir, `${c.name.replace(/\W+/g, '_')}.nir`);
      await c.make(bad);
      const out = join(dir, `${c.name.replace(/\W+/g, '_')}.json`);
      expect(await main(['model', 'import', bad, out])).toBe(1);
      const lines = io.err.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(bad);
      expect(lines[0]).toMatch(c.message);
      expect(existsSync(out)).toBe(false);
    });
  }

  it('the good variant of those files imports (the cases above fail for the named reason only)', async () => {
    const good = join(dir, 'good.nir');
    await writeNir(good, lifGraph());
    expect((await readNir(good)).nodes.lif?.type).toBe('LIF');
    expect(await main(['model', 'import', good, join(dir, 'good.json')])).toBe(0);
  });
});
