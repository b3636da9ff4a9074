import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { decodeNmnist } from '../../data/nmnist.js';
import type { SpikeRecord } from '../../model/spikes.js';
import { RouserError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';

/** One N-MNIST sample file and its class. */
export interface NmnistFile {
  path: string;
  label: number;
}

/** Whether `dir` looks like an N-MNIST root (has `Train/` and `Test/` with digit folders). */
export function isNmnistRoot(dir: string): boolean {
  return ['Train', 'Test'].every((s) => existsSync(join(dir, s, '0')) && statSync(join(dir, s)).isDirectory());
}

/**
 * Lists `<dir>/<digit>/<id>.bin` files in (digit, numeric id) order. Errors name the folder and what was expected.
 */
export function listNmnistSplit(dir: string): NmnistFile[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new RouserError(`${dir}: not a folder; expected an N-MNIST split folder with sub-folders 0..9 of .bin files`);
  const files: NmnistFile[] = [];
  for (let c = 0; c < 10; c++) {
    const sub = join(dir, String(c));
    if (!existsSync(sub)) throw new RouserError(`${dir}: missing sub-folder ${c}; expected sub-folders 0..9 of .bin files`);
    const names = readdirSync(sub).filter((n) => n.endsWith('.bin'));
    names.sort((a, b) => parseInt(a, 10) - parseInt(b, 10) || (a < b ? -1 : a > b ? 1 : 0));
    for (const n of names) files.push({ path: join(sub, n), label: c });
  }
  return files;
}

/**
 * Chooses `limit` files (all when undefined or larger) in a seeded random order, so classes are interleaved
 * and a subset is a uniform sample.
 */
export function chooseFiles<T>(files: readonly T[], limit: number | undefined, seed: number): T[] {
  const idx = new Int32Array(files.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  new Rng(seed).shuffle(idx);
  const n = Math.min(files.length, limit ?? files.length);
  return Array.from(idx.subarray(0, n), (i) => files[i] as T);
}

/** Reads and decodes N-MNIST files with the real `.bin` reader; errors name the file and byte offset. */
export function readNmnistFiles(files: readonly NmnistFile[], onProgress?: (done: number) => void): { records: SpikeRecord[]; labels: Int32Array } {
  const records: SpikeRecord[] = [];
  const labels = new Int32Array(files.length);
  files.forEach((f, i) => {
    records.push(decodeNmnist(new Uint8Array(readFileSync(f.path)), f.path));
    labels[i] = f.label;
    if (onProgress && i % 500 === 499) onProgress(i + 1);
  });
  return { records, labels };
}
