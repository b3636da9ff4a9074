import { basename, join } from 'node:path';
import { flag, num, str, type OptionSpec, type ParsedArgs } from './args.js';
import type { DatasetRequest } from '../io/open.js';
import { ProgressBar } from './progress.js';

/** Command-line options that shape a dataset (shared by train and compare; eval reads them back from model meta). */
export const DATASET_SHAPE_OPTIONS = {
  steps: { type: 'string', value: 'T', help: "time steps per sample (default: the dataset's)" },
  'train-samples': { type: 'string', value: 'N', help: "training samples (default: the dataset's)" },
  'test-samples': { type: 'string', value: 'N', help: "test samples (default: the dataset's)" },
  downsample: {
    type: 'string',
    value: 'K',
    help: "spatial downsampling / channel pooling factor (default: the dataset's)",
  },
  'bin-ms': {
    type: 'string',
    value: 'MS',
    help: "bin width in ms for sensor data (default: the dataset's window / steps)",
  },
  'full-recording': { type: 'boolean', help: 'N-MNIST: bin all three saccades (~300 ms) instead of the first one' },
} as const satisfies Record<string, OptionSpec>;

/**
 * Reads the {@link DATASET_SHAPE_OPTIONS} of a command line into a request that reports progress on stderr
 * ({@link datasetProgress}: messages as lines, the embedded set's generation as a progress bar).
 */
export function datasetRequestFromArgs(cmd: string, args: ParsedArgs, seed: number): DatasetRequest {
  const req: DatasetRequest = { seed, ...datasetProgress() };
  for (const [key, field] of [
    ['steps', 'steps'],
    ['train-samples', 'trainSamples'],
    ['test-samples', 'testSamples'],
    ['downsample', 'downsample'],
  ] as const)
    if (str(args, key) !== undefined) req[field] = num(cmd, args, key, { min: 1, integer: true });
  if (str(args, 'bin-ms') !== undefined) req.binMs = num(cmd, args, 'bin-ms', { min: 1e-3 });
  if (flag(args, 'full-recording')) req.fullRecording = true;
  return req;
}

/**
 * Progress callbacks for opening a dataset from the CLI: each message on its own stderr line, and countable steps
 * (the embedded set's generation) as a {@link ProgressBar} (drawn only when stderr is a terminal).
 */
export function datasetProgress(
  stream: NodeJS.WriteStream = process.stderr,
): Required<Pick<DatasetRequest, 'onProgress' | 'onProgressCount'>> {
  let bar: ProgressBar | undefined;
  let current = '';
  return {
    onProgress: (message) => void stream.write(`${message}\n`),
    onProgressCount: (task, done, total) => {
      if (bar === undefined || task !== current) {
        bar?.finish();
        bar = new ProgressBar(task, total, { stream });
        current = task;
      }
      bar.update(done);
      if (done >= total) {
        bar.finish();
        bar = undefined;
      }
    },
  };
}

/**
 * The default output folder of a command on a dataset, `runs/<dataset>-<command>` (a path's last component without
 * its extension), so that runs on different datasets never overwrite each other.
 * @example defaultOutDir('compare', 'nmnist-mini') // 'runs/nmnist-mini-compare'
 */
export function defaultOutDir(cmd: string, datasetRef: string): string {
  const last = basename(datasetRef.replace(/[\\/]+$/, '')).replace(/(\.h5)?\.(gz|h5|zip)$/i, '');
  const name = last.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '') || 'dataset';
  return join('runs', `${name}-${cmd}`);
}
