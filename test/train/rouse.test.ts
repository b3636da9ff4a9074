import { describe, expect, it } from 'vitest';
import { createReferenceBackend, fit, initNetwork, makeSyntheticTask, type FitConfig } from '../../src/index.js';

/**
 * The Rouser claim in miniature: a CUBA net whose thresholds start high (Th = 8, most neurons of the second hidden
 * layer and every output neuron silent) trained with learned thresholds and with fixed ones from the same initial
 * weights. Learned thresholds rouse the dead neurons; the fixed baseline leaves more of them dead.
 */
describe('rousing dead neurons', () => {
  it('learned thresholds lower the dead fraction of a high-threshold CUBA net below the fixed baseline', async () => {
    const data = makeSyntheticTask({ inputs: 40, classes: 4, steps: 20, samples: 128, seed: 1 });
    const init = initNetwork({ sizes: [40, 32, 32, 4], seed: 3 });
    const cfg: FitConfig = { sizes: [40, 32, 32, 4], thInit: 8, epochs: 6, batch: 16, lr: 1e-3, lrTh: 5e-2, seed: 3 };
    const backend = createReferenceBackend();
    const learned = await fit({ ...cfg, thresholdMode: 'learned' }, data, { initialSpec: init, backend });
    const fixed = await fit({ ...cfg, thresholdMode: 'fixed' }, data, { initialSpec: init, backend });
    const dead = (h: typeof learned.history, l: number) => h.map((m) => m.layers[l]!.deadFraction);
    const l2Learned = dead(learned.history, 1);
    const l2Fixed = dead(fixed.history, 1);
    expect(l2Learned[0]).toBe(l2Fixed[0]);
    expect(l2Learned[0]).toBeGreaterThan(0.7); // mostly dead at initialisation
    expect(l2Learned[6]).toBeLessThan(l2Learned[0]! - 0.3); // roused
    expect(l2Learned[6]).toBeLessThan(l2Fixed[6]! - 0.1); // and more than the fixed baseline
    expect(dead(learned.history, 2)[6]).toBeLessThan(dead(fixed.history, 2)[6]!); // output layer too
    expect(learned.history[6]!.testAccuracy).toBeGreaterThan(fixed.history[6]!.testAccuracy);
    expect(learned.history[6]!.layers[1]!.threshold.mean).toBeLessThan(8);
  });
});
