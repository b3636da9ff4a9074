import { createReadStream, createWriteStream, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { accumulateFrames, binGeometry, clipBinary } from '../../data/frames.js';
import { decodeRow, SHD_CHANNELS, shdSample, type RowType } from '../../data/shd.js';
import { poolChannels } from '../../data/transforms.js';
import type { DatasetInfo, DatasetOptions } from '../../data/types.js';
import { createSpikeTensor, type SpikeRecord, type TensorDataset } from '../../model/spikes.js';
import { fail, RouserError } from '../../util/errors.js';
import { openHdf5, type Hdf5File, type Hdf5Object, type Hdf5Type } from '../hdf5.js';
import { chooseFiles } from './nmnistFolder.js';

/** Train and test files of an SHD/SSC set. */
export interface ShdFiles {
  train: string;
  test?: string;
  kind: 'shd' | 'ssc';
}

const isH5 = (p: string): boolean => /\.h5(\.gz)?$/i.test(p);

/**
 * Finds SHD/SSC files for a path: an `.h5`/`.h5.gz` file (its `train` -> `test` sibling is the test split) or a
 * folder holding `shd_train.h5[.gz]` / `ssc_train.h5[.gz]` (or any `*train*.h5[.gz]`). Undefined when none.
 */
export function findShdFiles(path: string): ShdFiles | undefined {
  let train: string | undefined;
  if (statSync(path).isDirectory()) {
    const names = readdirSync(path).filter(isH5).sort();
    const pick = names.find((n) => /^(shd|ssc)_train\.h5/i.test(n)) ?? names.find((n) => /train/i.test(n)) ?? names[0];
    if (!pick) return undefined;
    train = join(path, pick);
  } else if (isH5(path)) train = path;
  else return undefined;
  const kind = /ssc/i.test(basename(train)) ? 'ssc' : 'shd';
  const out: ShdFiles = { train, kind };
  const b = basename(train);
  if (/train/i.test(b)) {
    const stem = b.replace(/train/i, 'test');
    for (const cand of [stem, stem.replace(/\.gz$/i, ''), `${stem.replace(/\.gz$/i, '')}.gz`]) {
      const p = join(dirname(train), cand);
      if (existsSync(p)) {
        out.test = p;
        break;
      }
    }
  }
  return out;
}

let tmpCounter = 0;

/** An open SHD/SSC file: header data plus a chunked row reader. Call `close()` when done. */
export interface ShdReader {
  path: string;
  samples: number;
  labels: Int32Array;
  classNames?: string[];
  timesType: RowType;
  unitsType: RowType;
  /** Reads samples `[start, end)` as spike records (microseconds). */
  read(start: number, end: number): SpikeRecord[];
  close(): void;
}

function rowType(meta: Hdf5Type, where: string, field: string): RowType {
  if (meta.type === 1 && (meta.size === 2 || meta.size === 4 || meta.size === 8)) return { kind: 'float', bytes: meta.size };
  if (meta.type === 0 && (meta.size === 1 || meta.size === 2 || meta.size === 4 || meta.size === 8)) return { kind: meta.signed ? 'int' : 'uint', bytes: meta.size };
  throw new RouserError(`${where}: field ${field} has element type class ${meta.type} size ${meta.size}; expected ragged float16/32/64 or integer rows`);
}

/**
 * Opens an SHD/SSC HDF5 file through the guarded HDF5 layer ({@link openHdf5}: checked superblock, h5wasm in a
 * worker, diagnostics turned into one message). `.h5.gz` is first decompressed, streaming, to a temporary file that
 * `close()` removes. Ragged rows are read as raw bytes so float16 times work; only the requested chunk is held in
 * memory. Labels must be integers >= 0 (a class range is checked by the loaders).
 * @throws RouserError naming the file and the missing or malformed field
 */
export async function openShd(path: string): Promise<ShdReader> {
  if (!existsSync(path)) throw new RouserError(`${path}: no such file; expected an SHD/SSC .h5 or .h5.gz file`);
  if (statSync(path).size === 0) throw new RouserError(`${path}: field length is 0 bytes; expected an HDF5 file (empty file)`);
  let local = path;
  let temp: string | undefined;
  if (/\.gz$/i.test(path)) {
    temp = join(tmpdir(), `rouser-${process.pid}-${Date.now().toString(36)}-${tmpCounter++}.h5`);
    try {
      await pipeline(createReadStream(path), createGunzip(), createWriteStream(temp));
    } catch (e) {
      rmSync(temp, { force: true });
      throw new RouserError(`${path}: gzip stream is invalid (${(e as Error).message}); expected a gzip-compressed HDF5 file`);
    }
    local = temp;
  }
  const cleanup = (): void => {
    if (temp) rmSync(temp, { force: true });
  };
  let file: Hdf5File;
  try {
    file = await openHdf5(local, { where: path });
  } catch (e) {
    cleanup();
    throw e;
  }
  try {
    const get = (name: string): Extract<Hdf5Object, { kind: 'dataset' }> => {
      const d = file.get(name);
      if (d.kind !== 'dataset') throw new RouserError(`${path}: field /${name} is missing; expected an HDF5 dataset (SHD/SSC layout: /spikes/times, /spikes/units, /labels)`);
      return d;
    };
    const times = get('spikes/times');
    const units = get('spikes/units');
    const labelsDs = get('labels');
    const n = times.shape[0] ?? 0;
    if ((units.shape[0] ?? -1) !== n) throw new RouserError(`${path}: field /spikes/units has ${units.shape[0]} rows; expected ${n} (= /spikes/times rows)`);
    if ((labelsDs.shape[0] ?? -1) !== n) throw new RouserError(`${path}: field /labels has ${labelsDs.shape[0] ?? 0} entries; expected ${n} (one per sample)`);
    if (labelsDs.dtype.type !== 0 && labelsDs.dtype.type !== 1) throw new RouserError(`${path}: field /labels has HDF5 type class ${labelsDs.dtype.type}; expected integer class labels`);
    const rawLabels = file.value('labels');
    if (rawLabels.length !== n) throw new RouserError(`${path}: field /labels has ${rawLabels.length} entries; expected ${n} (one per sample)`);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const v = rawLabels[i];
      const x = typeof v === 'bigint' ? Number(v) : v;
      if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > 2 ** 31 - 1) fail(path, `/labels[${i}]`, typeof v === 'bigint' ? Number(v) : v, 'an integer class >= 0');
      labels[i] = x;
    }
    let classNames: string[] | undefined;
    const keys = file.get('extra/keys');
    if (keys.kind === 'dataset') {
      const v = file.value('extra/keys');
      if (Array.isArray(v)) classNames = v.map((x) => String(x));
    }
    if (times.dtype.type !== 9 || !times.vlen) throw new RouserError(`${path}: field /spikes/times is not ragged (HDF5 class ${times.dtype.type}); expected a vlen dataset`);
    if (units.dtype.type !== 9 || !units.vlen) throw new RouserError(`${path}: field /spikes/units is not ragged (HDF5 class ${units.dtype.type}); expected a vlen dataset`);
    const timesType = rowType(times.vlen, path, '/spikes/times');
    const unitsType = rowType(units.vlen, path, '/spikes/units');
    const readRows = (name: string, type: RowType, start: number, end: number): Float64Array[] => {
      const { lengths, bytes } = file.vlenRows(name, start, end);
      const rows: Float64Array[] = [];
      let off = 0;
      for (let i = 0; i < lengths.length; i++) {
        const len = (lengths[i] as number) * type.bytes;
        rows.push(decodeRow(bytes.subarray(off, off + len), type));
        off += len;
      }
      return rows;
    };
    const reader: ShdReader = {
      path,
      samples: n,
      labels,
      timesType,
      unitsType,
      read(start, end) {
        if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end <= n)) fail(path, 'rows', `${start}..${end}`, `a range within [0, ${n}]`);
        if (start === end) return [];
        const t = readRows('spikes/times', timesType, start, end);
        const u = readRows('spikes/units', unitsType, start, end);
        return t.map((ts, i) => shdSample(ts, u[i] as Float64Array, `${path}: sample ${start + i}`));
      },
      close() {
        file.close();
        cleanup();
      },
    };
    if (classNames) reader.classNames = classNames;
    return reader;
  } catch (e) {
    file.close();
    cleanup();
    throw e;
  }
}

/** Samples read per chunk by {@link loadShd} (bounded memory: one chunk of records at a time). */
export const SHD_CHUNK = 128;

/**
 * Loads SHD/SSC binned to `steps` bins of `dtMs` (defaults 100 x 10 ms = 1 s; later spikes are cropped and
 * counted), channels pooled by `downsample` (default 5: 700 -> 140). Streams the file in chunks of
 * {@link SHD_CHUNK} samples straight into the output tensor. Without a `_test` sibling, 20% of the file
 * (seeded) becomes the test split.
 */
export async function loadShd(files: ShdFiles, opts: DatasetOptions): Promise<{ train: TensorDataset; test: TensorDataset; info: Omit<DatasetInfo, 'loadMs'> }> {
  const steps = opts.steps ?? 100;
  const dtMs = opts.dtMs ?? 10;
  const pool = opts.downsample ?? 5;
  const classes = files.kind === 'ssc' ? 35 : 20;
  const channels = Math.ceil(SHD_CHANNELS / pool);
  const changes: string[] = [];
  let cropped = 0;
  let total = 0;
  let names: string[] | undefined;
  const seed = opts.seed ?? 0;
  const load = async (path: string, pickFrom: (n: number) => number[], name: string): Promise<TensorDataset> => {
    const r = await openShd(path);
    try {
      names ??= r.classNames;
      const chosen = pickFrom(r.samples);
      const bytes = chosen.length * steps * channels * 4;
      if (bytes > 4 * 2 ** 30)
        throw new RouserError(`${path}: ${chosen.length} samples x ${steps} steps x ${channels} channels need ${(bytes / 2 ** 30).toFixed(1)} GiB; expected at most 4 GiB (use --train-samples/--test-samples or a larger --downsample)`);
      const slot = new Int32Array(r.samples).fill(-1);
      chosen.forEach((s, i) => (slot[s] = i));
      const tensor = createSpikeTensor(chosen.length, steps, channels);
      const labels = new Int32Array(chosen.length);
      const per = steps * channels;
      for (let start = 0; start < r.samples; start += SHD_CHUNK) {
        const end = Math.min(r.samples, start + SHD_CHUNK);
        let any = false;
        for (let s = start; s < end && !any; s++) any = (slot[s] as number) >= 0;
        if (!any) continue;
        const recs = r.read(start, end);
        recs.forEach((rec, i) => {
          const s = start + i;
          const b = slot[s] as number;
          if (b < 0) return;
          const label = r.labels[s] as number;
          if (!(label >= 0 && label < classes)) throw new RouserError(`${path}: field /labels[${s}] is ${label}; expected a class in [0, ${classes})`);
          labels[b] = label;
          const pooled = poolChannels(rec, pool);
          cropped += accumulateFrames(pooled, binGeometry(pooled, { kind: 'window', binWidth: dtMs * 1000, start: 0, frames: steps }), tensor.data, b * per, channels);
          total += rec.ids.length;
        });
        opts.onProgress?.(`${path}: ${end}/${r.samples} samples`);
      }
      if (opts.binary ?? true) clipBinary(tensor.data);
      const ds: TensorDataset = { name: `${files.kind}-${name}`, inputs: tensor, labels, classes };
      if (names) ds.classNames = names;
      return ds;
    } finally {
      r.close();
    }
  };
  const subset = (n: number, limit: number | undefined, s: number, label: string): number[] => {
    const idx = Array.from({ length: n }, (_, i) => i);
    const out = chooseFiles(idx, limit, s);
    if (out.length < n) changes.push(`${label} subset: ${out.length} of ${n} samples (seeded)`);
    return out;
  };
  let train: TensorDataset;
  let test: TensorDataset;
  if (files.test) {
    train = await load(files.train, (n) => subset(n, opts.trainSamples, seed, 'train'), 'train');
    test = await load(files.test, (n) => subset(n, opts.testSamples, seed + 1, 'test'), 'test');
  } else {
    let split: { tr: number[]; te: number[] } | undefined;
    const splitOf = (n: number): { tr: number[]; te: number[] } => {
      if (!split) {
        const all = chooseFiles(Array.from({ length: n }, (_, i) => i), undefined, seed);
        const nTest = Math.max(1, Math.round(n * 0.2));
        split = { te: all.slice(0, nTest).slice(0, opts.testSamples ?? nTest), tr: all.slice(nTest).slice(0, opts.trainSamples ?? n) };
        changes.push(`no test file next to ${basename(files.train)}: a seeded 20% of it is the test split`);
      }
      return split;
    };
    train = await load(files.train, (n) => splitOf(n).tr, 'train');
    test = await load(files.train, (n) => splitOf(n).te, 'test');
  }
  changes.push(`T=${steps} bins of ${dtMs} ms (${(steps * dtMs) / 1000} s window)`);
  if (pool > 1) changes.push(`channels pooled ${SHD_CHANNELS} -> ${channels} (sum of ${pool} neighbours; paper: 700 inputs)`);
  if (opts.binary ?? true) changes.push('counts clipped to binary spikes per bin');
  if (cropped > 0) changes.push(`${cropped} of ${total} spikes after ${(steps * dtMs) / 1000} s were cropped`);
  const info: Omit<DatasetInfo, 'loadMs'> = {
    name: files.kind,
    inputSize: channels,
    classes,
    steps,
    dtMs,
    description: `${files.kind === 'ssc' ? 'Spiking Speech Commands' : 'Spiking Heidelberg Digits'} (Cramer et al. 2022) from ${files.train}${files.test ? ` and ${files.test}` : ''}`,
    changes,
    trainSamples: train.labels.length,
    testSamples: test.labels.length,
    source: files.train,
    croppedEvents: cropped,
    totalEvents: total,
  };
  if (names) info.classNames = names;
  return { train, test, info };
}
