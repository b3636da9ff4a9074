import type { SyntheticTaskOptions } from '../../src/data/synthetic.js';
import type { FitConfig } from '../../src/train/fitConfig.js';

/** The run the fault tests interrupt: a few hundred ms per epoch on the reference backend. */
export const FAULT_CONFIG: FitConfig = { sizes: [24, 32, 4], batch: 16, seed: 7, lr: 1e-2, lrTh: 1e-2, backend: 'reference', bias: true };

/** The synthetic task of the fault tests. */
export const FAULT_DATA: SyntheticTaskOptions = { inputs: 24, classes: 4, steps: 16, samples: 96, testSamples: 32, seed: 11 };
