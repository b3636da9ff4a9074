import { flag, num, str, type OptionSpec, type ParsedArgs } from './args.js';
import type { DatasetRequest } from '../io/open.js';

/** Command-line options that shape a dataset (shared by train and compare; eval reads them back from model meta). */
export const DATASET_SHAPE_OPTIONS = {
  steps: { type: 'string', value: 'T', help: "time steps per sample (default: the dataset's)" },
  'train-samples': { type: 'string', value: 'N', help: "training samples (default: the dataset's)" },
  'test-samples': { type: 'string', value: 'N', help: "test samples (default: the dataset's)" },
  downsample: { type: 'string', value: 'K', help: "spatial downsampling / channel pooling factor (default: the dataset's)" },
  'bin-ms': { type: 'string', value: 'MS', help: "bin width in ms for sensor data (default: the dataset's window / steps)" },
  'full-recording': { type: 'boolean', help: 'N-MNIST: bin all three saccades (~300 ms) instead of the first one' },
} as const satisfies Record<string, OptionSpec>;

/** Reads the {@link DATASET_SHAPE_OPTIONS} of a command line into a request. */
export function datasetRequestFromArgs(cmd: string, args: ParsedArgs, seed: number): DatasetRequest {
  const req: DatasetRequest = { seed };
  for (const [key, field] of [['steps', 'steps'], ['train-samples', 'trainSamples'], ['test-samples', 'testSamples'], ['downsample', 'downsample']] as const)
    if (str(args, key) !== undefined) req[field] = num(cmd, args, key, { min: 1, integer: true });
  if (str(args, 'bin-ms') !== undefined) req.binMs = num(cmd, args, 'bin-ms', { min: 1e-3 });
  if (flag(args, 'full-recording')) req.fullRecording = true;
  return req;
}
