import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { decodeAedat31, parseGestureLabels, sliceGestureWindows } from '../../data/aedat.js';
import { RecordsSummariser, type RecordsSummary } from '../../data/inspect.js';
import { decodeNmnist } from '../../data/nmnist.js';
import { generateRandman } from '../../data/randman.js';
import { makeSyntheticTask } from '../../data/synthetic.js';
import type { SpikeRecord, TensorDataset } from '../../model/spikes.js';
import { RouserError } from '../../util/errors.js';
import { gestureSplits, isDvsGestureRoot, readGestureRecording } from './dvsFolder.js';
import { ensureNmnistMini } from './embedded.js';
import { isNmnistRoot, listNmnistSplit } from './nmnistFolder.js';
import { findShdFiles, openShd, SHD_CHUNK } from './shdFile.js';
import { SYNTHETIC_DEFAULTS } from '../open.js';

/** Formats `rouser datasets inspect` recognises. */
export type InspectFormat = 'nmnist' | 'nmnist-mini' | 'aedat' | 'dvsgesture' | 'dvsgesture-labels' | 'shd' | 'ssc' | 'randman' | 'synthetic';

/** What `rouser datasets inspect` reports for a path or embedded name. */
export interface InspectReport {
  path: string;
  format: InspectFormat;
  splits: { name: string; summary: RecordsSummary }[];
}

function nmnistSplit(dir: string, name: string): { name: string; summary: RecordsSummary } {
  const s = new RecordsSummariser(10);
  for (const f of listNmnistSplit(dir)) s.add(decodeNmnist(new Uint8Array(readFileSync(f.path)), f.path), f.label);
  return { name, summary: s.finish() };
}

async function shdSplits(files: { train: string; test?: string; kind: 'shd' | 'ssc' }): Promise<InspectReport['splits']> {
  const out: InspectReport['splits'] = [];
  for (const [name, path] of [['train', files.train], ['test', files.test]] as const) {
    if (!path) continue;
    const r = await openShd(path);
    try {
      const classes = r.classNames?.length ?? (files.kind === 'ssc' ? 35 : 20);
      const s = new RecordsSummariser(classes);
      for (let start = 0; start < r.samples; start += SHD_CHUNK) {
        const end = Math.min(r.samples, start + SHD_CHUNK);
        r.read(start, end).forEach((rec, i) => {
          const label = r.labels[start + i] as number;
          if (!(label >= 0 && label < classes)) throw new RouserError(`${path}: field /labels[${start + i}] is ${label}; expected a class in [0, ${classes})`);
          s.add(rec, label);
        });
      }
      out.push({ name, summary: s.finish() });
    } finally {
      r.close();
    }
  }
  return out;
}

/** Summary of a binned split: each bin's spikes become events at the bin's start (t = step x 1 ms, dt of `synthetic`). */
function tensorSplit(d: TensorDataset, name: string): { name: string; summary: RecordsSummary } {
  const { batch, steps, channels, data } = d.inputs;
  const s = new RecordsSummariser(d.classes);
  for (let b = 0; b < batch; b++) {
    const ids: number[] = [];
    const times: number[] = [];
    for (let t = 0; t < steps; t++)
      for (let c = 0; c < channels; c++)
        for (let k = data[(b * steps + t) * channels + c] as number; k > 0; k--) {
          ids.push(c);
          times.push(t);
        }
    const rec: SpikeRecord = { channels, ids: Int32Array.from(ids), times: Float64Array.from(times), timeUnit: 'ms' };
    s.add(rec, d.labels[b] as number);
  }
  return { name, summary: s.finish() };
}

/**
 * Inspects a dataset file or folder of any supported format, or an embedded set by name. Malformed input throws a
 * `RouserError` naming the file, byte offset or row, and what was expected.
 */
export async function inspectPath(
  ref: string,
  opts: { cacheDir?: string; samples?: number; onProgressCount?: (task: string, done: number, total: number) => void } = {},
): Promise<InspectReport> {
  if (ref === 'nmnist-mini') {
    const n = opts.samples ?? 2500;
    const f = await ensureNmnistMini({ trainPerClass: Math.ceil((n * 0.8) / 10), testPerClass: Math.ceil((n * 0.2) / 10), ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}), ...(opts.onProgressCount ? { onProgressCount: opts.onProgressCount } : {}) });
    return { path: f.dir, format: 'nmnist-mini', splits: [nmnistSplit(join(f.dir, 'Train'), 'train'), nmnistSplit(join(f.dir, 'Test'), 'test')] };
  }
  if (ref === 'synthetic') {
    const d = makeSyntheticTask({ inputs: SYNTHETIC_DEFAULTS.inputs, classes: SYNTHETIC_DEFAULTS.classes, steps: SYNTHETIC_DEFAULTS.steps, samples: SYNTHETIC_DEFAULTS.trainSamples, testSamples: SYNTHETIC_DEFAULTS.testSamples, seed: 0 });
    return { path: 'synthetic', format: 'synthetic', splits: [tensorSplit(d.train, 'train'), tensorSplit(d.test, 'test')] };
  }
  if (ref === 'randman') {
    const ds = generateRandman({ samplesPerClass: Math.ceil((opts.samples ?? 1500) / 10) });
    const s = new RecordsSummariser(ds.classes);
    ds.samples.forEach((r, i) => s.add(r, ds.labels[i]));
    return { path: 'randman', format: 'randman', splits: [{ name: 'all', summary: s.finish() }] };
  }
  if (!existsSync(ref)) throw new RouserError(`${ref}: no such file or folder; expected a dataset file or folder, or nmnist-mini / randman / synthetic`);
  const st = statSync(ref);
  if (st.isDirectory()) {
    if (isNmnistRoot(ref)) return { path: ref, format: 'nmnist', splits: [nmnistSplit(join(ref, 'Train'), 'train'), nmnistSplit(join(ref, 'Test'), 'test')] };
    if (existsSync(join(ref, '0')) && readdirSync(ref).length >= 10 && existsSync(join(ref, '9'))) return { path: ref, format: 'nmnist', splits: [nmnistSplit(ref, basename(ref))] };
    if (isDvsGestureRoot(ref)) {
      const sp = gestureSplits(ref);
      const splits = (['train', 'test'] as const).map((name) => {
        const s = new RecordsSummariser(11);
        for (const f of sp[name]) {
          const r = readGestureRecording(f);
          r.records.forEach((rec, i) => s.add(rec, r.labels[i]));
        }
        return { name, summary: s.finish() };
      });
      return { path: ref, format: 'dvsgesture', splits };
    }
    const shd = findShdFiles(ref);
    if (shd) return { path: ref, format: shd.kind, splits: await shdSplits(shd) };
    throw new RouserError(`${ref}: folder holds no recognised dataset; expected N-MNIST (Train/, Test/ or 0..9/ with .bin), DVS Gesture (.aedat + _labels.csv) or SHD/SSC (.h5, .h5.gz)`);
  }
  if (st.size === 0) throw new RouserError(`${ref}: field length is 0 bytes; expected a non-empty dataset file (empty file)`);
  if (/\.bin$/i.test(ref)) {
    const s = new RecordsSummariser(0);
    s.add(decodeNmnist(new Uint8Array(readFileSync(ref)), ref));
    return { path: ref, format: 'nmnist', splits: [{ name: 'file', summary: s.finish() }] };
  }
  if (/\.aedat$/i.test(ref)) {
    const file = decodeAedat31(new Uint8Array(readFileSync(ref)), ref);
    const csv = ref.replace(/\.aedat$/i, '_labels.csv');
    const s = new RecordsSummariser(11);
    if (existsSync(csv)) {
      const w = parseGestureLabels(readFileSync(csv, 'utf8'), csv);
      sliceGestureWindows(file.events, w).forEach((r, i) => s.add(r, w[i]?.label));
      return { path: ref, format: 'dvsgesture', splits: [{ name: 'windows', summary: s.finish() }] };
    }
    s.add(file.events);
    return { path: ref, format: 'aedat', splits: [{ name: 'recording', summary: s.finish() }] };
  }
  if (/_labels\.csv$/i.test(ref)) {
    const w = parseGestureLabels(readFileSync(ref, 'utf8'), ref);
    const s = new RecordsSummariser(11);
    for (const win of w) s.add({ channels: 1, ids: new Int32Array(0), times: new Float64Array(0), timeUnit: 'us' }, win.label);
    return { path: ref, format: 'dvsgesture-labels', splits: [{ name: 'windows', summary: s.finish() }] };
  }
  const shd = findShdFiles(ref);
  if (shd) return { path: ref, format: shd.kind, splits: await shdSplits({ train: shd.train, kind: shd.kind }) };
  throw new RouserError(`${ref}: file type not recognised; expected .bin (N-MNIST), .aedat (AEDAT 3.1), *_labels.csv, .h5 or .h5.gz (SHD/SSC)`);
}
