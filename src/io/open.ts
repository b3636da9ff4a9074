import type { DatasetOptions } from '../data/types.js';
import type { SpecMeta } from '../model/spec.js';
import { makeSyntheticTask } from '../data/synthetic.js';
import { loadDataset, type LoadedDataset } from './datasets/load.js';

/** Defaults of the generated `synthetic` task (see makeSyntheticTask in src/data/synthetic.ts). */
export const SYNTHETIC_DEFAULTS = { inputs: 40, classes: 4, steps: 20, trainSamples: 512, testSamples: 128 } as const;

/** Dataset shaping that a command takes from its options (unset = the dataset's default). */
export interface DatasetRequest {
  steps?: number;
  trainSamples?: number;
  testSamples?: number;
  downsample?: number;
  /** Bin width in ms for sensor sets (default: the dataset's window / steps). */
  binMs?: number;
  /** N-MNIST: bin the whole recording (all three saccades) instead of the first saccade. */
  fullRecording?: boolean;
  /** Seeds generated sets and subset choices (default 0). */
  seed?: number;
  onProgress?: (message: string) => void;
  /** Countable progress of long steps (see DatasetOptions.onProgressCount). */
  onProgressCount?: (task: string, done: number, total: number) => void;
}

/**
 * Opens what every `--dataset` accepts: `synthetic` (the trainer's small generated task), the embedded sets
 * (`nmnist-mini`, `randman`) and paths to real NMNIST / DVS Gesture / SHD / SSC data (see `loadDataset`).
 */
export async function openDataset(ref: string, req: DatasetRequest = {}): Promise<LoadedDataset> {
  if (ref === 'synthetic') {
    const t0 = performance.now();
    const steps = req.steps ?? SYNTHETIC_DEFAULTS.steps;
    const d = makeSyntheticTask({
      inputs: SYNTHETIC_DEFAULTS.inputs,
      classes: SYNTHETIC_DEFAULTS.classes,
      steps,
      samples: req.trainSamples ?? SYNTHETIC_DEFAULTS.trainSamples,
      testSamples: req.testSamples ?? SYNTHETIC_DEFAULTS.testSamples,
      seed: req.seed ?? 0,
    });
    return {
      train: d.train,
      test: d.test,
      info: {
        name: 'synthetic',
        inputSize: SYNTHETIC_DEFAULTS.inputs,
        classes: SYNTHETIC_DEFAULTS.classes,
        steps,
        dtMs: 1,
        description:
          'generated spatio-temporal task: class-specific Gaussian bumps of firing probability in time on random channel subsets',
        changes: ['not a paper dataset'],
        trainSamples: d.train.inputs.batch,
        testSamples: d.test.inputs.batch,
        source: 'generated',
        croppedEvents: 0,
        totalEvents: d.train.inputs.data.reduce((a, b) => a + b, 0) + d.test.inputs.data.reduce((a, b) => a + b, 0),
        loadMs: performance.now() - t0,
      },
    };
  }
  const opts: DatasetOptions = {};
  if (req.steps !== undefined) opts.steps = req.steps;
  if (req.trainSamples !== undefined) opts.trainSamples = req.trainSamples;
  if (req.testSamples !== undefined) opts.testSamples = req.testSamples;
  if (req.downsample !== undefined) opts.downsample = req.downsample;
  if (req.seed !== undefined) opts.seed = req.seed;
  if (req.binMs !== undefined) opts.dtMs = req.binMs;
  if (req.fullRecording) opts.firstSaccadeOnly = false;
  if (req.onProgress) opts.onProgress = req.onProgress;
  if (req.onProgressCount) opts.onProgressCount = req.onProgressCount;
  return loadDataset(ref, opts);
}

/**
 * The model-meta record of a dataset (keys `dataset`, `datasetName`, `dataset.steps`, `dataset.train-samples`,
 * `dataset.test-samples`, `dataset.seed`, and `dataset.downsample`, `dataset.bin-ms`, `dataset.full-recording` when set): the resolved values, so that
 * `rouser eval` and `rouser train --resume` rebuild exactly the same splits from model.json or the checkpoint.
 * Generated sets draw both splits from one pool, so the sample counts and the seed matter, not only the steps.
 */
export function datasetMeta(ref: string, data: LoadedDataset, req: DatasetRequest): SpecMeta {
  const meta: SpecMeta = {
    dataset: ref,
    datasetName: data.info.name,
    'dataset.steps': data.info.steps,
    'dataset.train-samples': data.train.inputs.batch,
    'dataset.test-samples': data.test.inputs.batch,
    'dataset.seed': req.seed ?? 0,
  };
  if (req.downsample !== undefined) meta['dataset.downsample'] = req.downsample;
  if (req.binMs !== undefined) meta['dataset.bin-ms'] = req.binMs;
  if (req.fullRecording) meta['dataset.full-recording'] = true;
  return meta;
}

/**
 * Reads back what {@link datasetMeta} recorded: the dataset reference and the shaping request, so that `rouser eval`
 * and `rouser train --resume` rebuild exactly the same splits (generated sets such as randman draw both splits from
 * one pool, so the sample counts and the seed matter, not only the steps). Keys that are absent stay unset.
 */
export function datasetRequestFromMeta(meta: SpecMeta): { ref?: string; req: DatasetRequest } {
  const req: DatasetRequest = {};
  const num = (key: string): number | undefined =>
    typeof meta[`dataset.${key}`] === 'number' ? (meta[`dataset.${key}`] as number) : undefined;
  for (const [key, field] of [
    ['steps', 'steps'],
    ['train-samples', 'trainSamples'],
    ['test-samples', 'testSamples'],
    ['downsample', 'downsample'],
    ['seed', 'seed'],
    ['bin-ms', 'binMs'],
  ] as const) {
    const v = num(key);
    if (v !== undefined) req[field] = v;
  }
  if (meta['dataset.full-recording'] === true) req.fullRecording = true;
  return typeof meta.dataset === 'string' ? { ref: meta.dataset, req } : { req };
}
