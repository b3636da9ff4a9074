import type { SyntheticTaskOptions } from '../../src/data/synthetic.js';
import type { FitConfig } from '../../src/train/fitConfig.js';
import type { CompareSettings } from '../../src/experiment/compare.js';
import { parseVariants } from '../../src/experiment/variants.js';
import { datasetMeta, openDataset } from '../../src/io/open.js';
import { ENERGY_TABLES } from '../../src/metrics/energy.js';
import { PAPER_DEFAULTS } from '../../src/model/spec.js';
import { defaultSurrogate } from '../../src/neuron/surrogate.js';
import { DEFAULT_LOSS } from '../../src/train/loss.js';

/** The run the fault tests interrupt: a few hundred ms per epoch on the reference backend. */
export const FAULT_CONFIG: FitConfig = {
  sizes: [24, 32, 4],
  batch: 16,
  seed: 7,
  lr: 1e-2,
  lrTh: 1e-2,
  backend: 'reference',
  bias: true,
};

/** The synthetic task of the fault tests. */
export const FAULT_DATA: SyntheticTaskOptions = {
  inputs: 24,
  classes: 4,
  steps: 16,
  samples: 96,
  testSamples: 32,
  seed: 11,
};

/** The compare the fault test interrupts: synthetic task, 2 variants x 2 seeds, a tiny architecture. */
export async function compareFaultSettings(outDir: string, epochs: number, resume: boolean): Promise<CompareSettings> {
  const req = { steps: 12, trainSamples: 64, testSamples: 32, seed: 3 };
  const data = await openDataset('synthetic', req);
  return {
    datasetRef: 'synthetic',
    data,
    sizes: [data.info.inputSize, 12, data.info.classes],
    variants: parseVariants('learned,fixed:0.5'),
    seeds: [0, 1],
    epochs,
    targetAccuracy: 0.5,
    thInit: PAPER_DEFAULTS.thInit,
    lr: 2e-3,
    lrTh: 2e-2,
    batch: 16,
    neuron: {
      kind: 'cuba',
      currentRetention: PAPER_DEFAULTS.currentRetention,
      voltageRetention: PAPER_DEFAULTS.voltageRetention,
    },
    surrogate: defaultSurrogate('exponential'),
    loss: { ...DEFAULT_LOSS },
    weightScale: 1,
    init: 'kaiming',
    valFraction: 0.25,
    eventSamples: 16,
    energyTables: [...ENERGY_TABLES],
    outDir,
    resume,
    dataMeta: datasetMeta('synthetic', data, req),
  };
}
