import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compileNetwork,
  createFusedBackend,
  createSpec,
  fit,
  makeSyntheticTask,
  referenceForward,
  registerNeuronModel,
  simulateNetwork,
  specFromJson,
  specToJson,
  unregisterNeuronModel,
} from '../../src/index.js';
import { checkNeuronModel } from '../../src/testing/index.js';
import { QIF, QIF_WRONG, qifRestBasin } from './qif.js';
import { Rng } from '../../src/util/index.js';

/** The worked example of docs/README-neuron-models.md: a user's QIF model from one file to checked, simulated, trained. */
describe('user model qif (docs/README-neuron-models.md)', () => {
  beforeAll(() => registerNeuronModel(QIF));
  afterAll(() => unregisterNeuronModel('qif'));

  it('passes the kit (closed form and event mode are not declared, so they are skipped)', () => {
    // Without the basin the kit finds V = vCrit, the QIF's unstable fixed point, where zero input never returns to rest.
    expect(() => checkNeuronModel(QIF, { seed: 2024, numRuns: 80, log: () => undefined, only: ['rest'] })).toThrow(
      /is not closer to rest \[0\]/,
    );
    const r = checkNeuronModel(QIF, { seed: 2024, numRuns: 80, log: () => undefined, restBasin: qifRestBasin });
    expect(r.properties.map((p) => `${p.name}:${p.status}`)).toEqual([
      'declaration:passed',
      'determinism:passed',
      'rest:passed',
      'spikeRule:passed',
      'closedForm:skipped',
      'eventMode:skipped',
      'surrogate:passed',
      'derivatives:passed',
      'badParams:passed',
    ]);
  });

  it('the kit and the registry reject the variant with a sign error in dU/dvCrit', () => {
    const lines: string[] = [];
    expect(() =>
      checkNeuronModel(QIF_WRONG, { seed: 2024, numRuns: 80, restBasin: qifRestBasin, log: (l) => lines.push(l) }),
    ).toThrow(/^checkNeuronModel\(qif_wrong\): 2 properties failed/);
    const report = lines.join('\n');
    expect(report).toContain(
      'property "declaration" failed:\n  what broke: neuron model qif_wrong: calculus.partials dParams[voltage][vCrit] (dvoltage\'/dvCrit) is ',
    );
    expect(report).toMatch(
      /property "derivatives" failed after \d+ run\(s\) and \d+ shrink\(s\) \(seed 2024\):\n {2}counterexample: params \{tauMs = [\d.]+, vCrit = [\d.]+, vReset = -?[\d.e-]+\}/,
    );
    expect(() => registerNeuronModel(QIF_WRONG)).toThrow(
      /^neuron model qif_wrong: calculus\.partials dParams\[voltage\]\[vCrit\]/,
    );
  });

  const spec = () => {
    const s = createSpec({ sizes: [8, 6, 3], neuron: { kind: 'qif', tauMs: 8, vCrit: 0.4 }, thInit: 1, dtMs: 1 });
    const rng = new Rng(5);
    for (const l of s.layers) for (let i = 0; i < l.weights.length; i++) l.weights[i] = rng.range(-0.2, 0.7);
    return s;
  };

  it('simulates in the event engine spike for spike with the reference forward pass, and round-trips as JSON', () => {
    const s = spec();
    expect(specToJson(specFromJson(specToJson(s)))).toBe(specToJson(s));
    const steps = 25;
    const rng = new Rng(8);
    const input = Float32Array.from({ length: steps * 8 }, () => (rng.bernoulli(0.3) ? 1 : 0));
    const ref = referenceForward(s.layers, input, steps, undefined, { dtMs: s.dtMs });
    const run = simulateNetwork(compileNetwork(s), input, steps, { recordSpikes: true });
    s.layers.forEach((l, li) => {
      const counts = new Int32Array(l.size);
      for (let t = 0; t < steps; t++) for (let o = 0; o < l.size; o++) counts[o]! += ref[li]![t * l.size + o]!;
      expect(Array.from(run.layerSpikeCounts[li]!)).toEqual(Array.from(counts));
      const times = run.spikes![li]!;
      const refEvents: string[] = [];
      for (let t = 0; t < steps; t++)
        for (let o = 0; o < l.size; o++) if (ref[li]![t * l.size + o]) refEvents.push(`${t}:${o}`);
      expect(Array.from({ length: times.ids.length }, (_, k) => `${times.times[k]}:${times.ids[k]}`)).toEqual(
        refEvents,
      );
    });
    expect(run.layerSpikeCounts[1]!.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  it('trains with the reference backend (loss falls, accuracy above chance); fused refuses it', async () => {
    const data = makeSyntheticTask({ inputs: 12, classes: 3, steps: 12, samples: 60, testSamples: 30, seed: 3 });
    const r = await fit(
      {
        sizes: [12, 10, 3],
        neuron: { kind: 'qif', tauMs: 8, vCrit: 0.4 },
        epochs: 6,
        batch: 10,
        seed: 2,
        lr: 1e-2,
        lrTh: 1e-2,
        backend: 'reference',
        thInit: 1,
      },
      data,
    );
    const first = r.history[0]!;
    const last = r.history[r.history.length - 1]!;
    expect(last.loss).toBeLessThan(first.loss);
    expect(last.trainAccuracy).toBeGreaterThan(0.5);
    expect(r.spec.layers[0]!.neuron).toEqual({ kind: 'qif', tauMs: 8, vCrit: 0.4 });
    const fused = createFusedBackend();
    await expect(
      fused.forward(r.spec, { batch: 1, steps: 12, channels: 12, data: new Float32Array(144) }),
    ).rejects.toThrow(
      'neuron kind "qif": the fused and tfjs kernels implement cuba and lif only; train other registered models with --backend reference',
    );
    await fused.dispose();
  });
});
