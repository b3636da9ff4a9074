import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { decodeAedat31, DVS128_SENSOR, parseGestureLabels, parseTrialList, sliceGestureWindows } from '../../data/aedat.js';
import { toTensorDataset } from '../../data/frames.js';
import { downsampleSensor } from '../../data/transforms.js';
import type { DatasetInfo, DatasetOptions } from '../../data/types.js';
import type { SpikeRecord, TensorDataset } from '../../model/spikes.js';
import { RouserError } from '../../util/errors.js';
import { chooseFiles } from './nmnistFolder.js';

/** DVS128 Gesture class names, in label order (CSV class 1..11). */
export const GESTURE_CLASSES = ['hand clap', 'right hand wave', 'left hand wave', 'right arm clockwise', 'right arm counter-clockwise', 'left arm clockwise', 'left arm counter-clockwise', 'arm roll', 'air drums', 'air guitar', 'other gestures'];

/** Finds the folder holding the `.aedat` files (the root itself or its `DvsGesture/` sub-folder). */
function aedatDir(dir: string): string | undefined {
  for (const d of [dir, join(dir, 'DvsGesture')]) {
    if (existsSync(d) && statSync(d).isDirectory() && readdirSync(d).some((n) => n.endsWith('.aedat'))) return d;
  }
  return undefined;
}

/** Whether `dir` looks like a DVS128 Gesture folder (holds `.aedat` files). */
export function isDvsGestureRoot(dir: string): boolean {
  return aedatDir(dir) !== undefined;
}

/** The train and test `.aedat` file names: from `trials_to_*.txt` when present, else by user (1-23 train, 24-29 test). */
export function gestureSplits(dir: string): { train: string[]; test: string[] } {
  const d = aedatDir(dir);
  if (!d) throw new RouserError(`${dir}: no .aedat files; expected a DVS128 Gesture folder`);
  const list = (name: string): string[] | undefined => {
    const p = join(d, name);
    return existsSync(p) ? parseTrialList(readFileSync(p, 'utf8'), p).map((f) => join(d, f)) : undefined;
  };
  const tr = list('trials_to_train.txt');
  const te = list('trials_to_test.txt');
  if (tr && te) return { train: tr, test: te };
  const all = readdirSync(d).filter((n) => n.endsWith('.aedat')).sort();
  const user = (n: string): number => Number(/user(\d+)/.exec(n)?.[1] ?? 0);
  return { train: all.filter((n) => user(n) <= 23).map((n) => join(d, n)), test: all.filter((n) => user(n) > 23).map((n) => join(d, n)) };
}

/** Reads one recording and its labels, returning one record per labelled window (starting at 0). */
export function readGestureRecording(aedatPath: string): { records: SpikeRecord[]; labels: number[] } {
  if (!existsSync(aedatPath)) throw new RouserError(`${aedatPath}: listed in the trial list but missing; expected the .aedat file`);
  const csv = aedatPath.replace(/\.aedat$/, '_labels.csv');
  if (!existsSync(csv)) throw new RouserError(`${csv}: missing; expected the labels of ${basename(aedatPath)}`);
  const windows = parseGestureLabels(readFileSync(csv, 'utf8'), csv);
  const file = decodeAedat31(new Uint8Array(readFileSync(aedatPath)), aedatPath);
  return { records: sliceGestureWindows(file.events, windows), labels: windows.map((w) => w.label) };
}

/**
 * Loads DVS128 Gesture: one sample per labelled window, downsampled (default 128 -> 32), each window split into
 * `steps` equal bins (default 20). Recordings are read one at a time (only the downsampled windows are kept).
 */
export async function loadDvsGesture(dir: string, opts: DatasetOptions): Promise<{ train: TensorDataset; test: TensorDataset; info: Omit<DatasetInfo, 'loadMs'> }> {
  const steps = opts.steps ?? 20;
  const factor = opts.downsample ?? 4;
  const splits = gestureSplits(dir);
  const changes: string[] = [];
  let dtSum = 0;
  let windows = 0;
  const build = (files: string[], limit: number | undefined, name: string, seed: number): ReturnType<typeof toTensorDataset> => {
    const records: SpikeRecord[] = [];
    const labels: number[] = [];
    for (const f of files) {
      opts.onProgress?.(`reading ${f}`);
      const r = readGestureRecording(f);
      r.records.forEach((rec, i) => {
        records.push(downsampleSensor(rec, factor));
        labels.push(r.labels[i] as number);
        dtSum += rec.times.length > 0 ? (rec.times[rec.times.length - 1] as number) / steps / 1000 : 0;
        windows++;
      });
    }
    const chosen = chooseFiles(
      records.map((rec, i) => ({ rec, label: labels[i] as number })),
      limit,
      seed,
    );
    if (chosen.length < records.length) changes.push(`${name} subset: ${chosen.length} of ${records.length} samples (seeded)`);
    return toTensorDataset(`dvsgesture-${name}`, chosen.map((c) => c.rec), Int32Array.from(chosen.map((c) => c.label)), 11, { steps, window: { kind: 'span', start: 0 }, binary: opts.binary ?? true }, GESTURE_CLASSES);
  };
  const seed = opts.seed ?? 0;
  const train = build(splits.train, opts.trainSamples, 'train', seed);
  const test = build(splits.test, opts.testSamples, 'test', seed + 1);
  const side = Math.ceil(128 / factor);
  changes.push(`T=${steps} equal bins per gesture window (bin width varies with the window, mean ${(dtSum / Math.max(1, windows)).toFixed(1)} ms)`);
  if (factor > 1) changes.push(`downsampled 128x128 -> ${side}x${side} (paper: 128x128x2 = 32768 inputs)`);
  if (opts.binary ?? true) changes.push('counts clipped to binary spikes per bin');
  return {
    train,
    test,
    info: {
      name: 'dvsgesture',
      inputSize: side * side * DVS128_SENSOR.polarities,
      classes: 11,
      steps,
      dtMs: dtSum / Math.max(1, windows),
      description: `DVS128 Gesture (Amir et al. 2017) from ${dir}`,
      changes,
      trainSamples: train.labels.length,
      testSamples: test.labels.length,
      classNames: GESTURE_CLASSES,
      source: dir,
      croppedEvents: train.outsideEvents + test.outsideEvents,
      totalEvents: train.totalEvents + test.totalEvents,
    },
  };
}
