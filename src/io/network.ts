import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import {
  networkFromJson,
  networkToJson,
  type EdgeList,
  type NetworkDescription,
  type NetworkFiles,
} from '../model/network.js';
import { validateSpikeRecord, type SpikeRecord } from '../model/spikes.js';
import { writeFileAtomic } from '../util/atomic.js';
import { fail, RouserError } from '../util/errors.js';
import { parseJson } from '../util/json.js';

/**
 * File side of the network description (src/model/network.ts): the description's JSON file, and the files it may
 * reference (edge lists of `file` projections, spike records of `spike_source` stimuli), read into memory so that
 * compiling (src/event/compile.ts) stays pure.
 */

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new RouserError(
      `${path}: cannot read the ${what} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
}

/** Reads and validates a network description JSON file (errors name the file). */
export function loadNetwork(path: string): NetworkDescription {
  return networkFromJson(readText(path, 'network description'), path);
}

/** Writes a description (validated) atomically as JSON. */
export function saveNetwork(path: string, desc: NetworkDescription): void {
  writeFileAtomic(path, networkToJson(desc));
}

/**
 * Reads an edge list. `csv`: one edge per line `pre,post[,weight[,delayMs]]` (a first line that does not start with
 * a digit is a header; every line has the same number of columns). `csr`: JSON `{rowPtr: [...], targets: [...],
 * weights?: [...], delaysMs?: [...]}` with rows = sources. Ids are checked against the population sizes.
 */
export function readEdgeFile(path: string, format: 'csv' | 'csr', numSource: number, numTarget: number): EdgeList {
  const text = readText(path, 'edge list');
  const checkId = (field: string, v: number, n: number): void => {
    if (!Number.isInteger(v) || v < 0 || v >= n) fail(path, field, v, `an integer id in [0, ${n})`);
  };
  if (format === 'csv') {
    const lines = text.split(/\r?\n/).filter((l) => l.trim().length > 0);
    const start = lines.length > 0 && !/^\s*[0-9]/.test(lines[0] as string) ? 1 : 0;
    const m = lines.length - start;
    const pre = new Int32Array(m);
    const post = new Int32Array(m);
    let cols = -1;
    let weight: Float64Array | null = null;
    let delayMs: Float64Array | null = null;
    for (let k = 0; k < m; k++) {
      const line = lines[k + start] as string;
      const parts = line.split(',').map((s) => Number(s.trim()));
      if (cols < 0) {
        cols = parts.length;
        if (cols < 2 || cols > 4) fail(path, `line ${k + start + 1}`, line, 'pre,post[,weight[,delayMs]]');
        if (cols >= 3) weight = new Float64Array(m);
        if (cols === 4) delayMs = new Float64Array(m);
      } else if (parts.length !== cols)
        fail(path, `line ${k + start + 1}`, line, `${cols} comma-separated columns like the first line`);
      checkId(`line ${k + start + 1} pre`, parts[0] as number, numSource);
      checkId(`line ${k + start + 1} post`, parts[1] as number, numTarget);
      pre[k] = parts[0] as number;
      post[k] = parts[1] as number;
      if (weight) {
        if (!Number.isFinite(parts[2])) fail(path, `line ${k + start + 1} weight`, parts[2], 'a finite number');
        weight[k] = parts[2] as number;
      }
      if (delayMs) {
        if (!Number.isFinite(parts[3]) || !((parts[3] as number) >= 0))
          fail(path, `line ${k + start + 1} delayMs`, parts[3], 'a finite delay >= 0 ms');
        delayMs[k] = parts[3] as number;
      }
    }
    return { pre, post, weight, delayMs };
  }
  const raw = parseJson(text, path);
  const o = raw as { rowPtr?: unknown; targets?: unknown; weights?: unknown; delaysMs?: unknown };
  if (!Array.isArray(o.rowPtr) || o.rowPtr.length !== numSource + 1)
    fail(path, 'rowPtr', o.rowPtr, `an array of ${numSource + 1} offsets (source size + 1)`);
  if (!Array.isArray(o.targets)) fail(path, 'targets', o.targets, 'an array of target ids');
  const nnz = o.targets.length;
  const rp = o.rowPtr as number[];
  if (rp[0] !== 0 || rp[numSource] !== nnz)
    fail(
      path,
      'rowPtr',
      `[${String(rp[0])}, ..., ${String(rp[numSource])}]`,
      `offsets from 0 to targets.length (${nnz})`,
    );
  const pre = new Int32Array(nnz);
  const post = new Int32Array(nnz);
  for (let i = 0; i < numSource; i++) {
    const a = rp[i] as number;
    const b = rp[i + 1] as number;
    if (!Number.isInteger(b) || b < a || b > nnz)
      fail(path, `rowPtr[${i + 1}]`, b, `an integer in [rowPtr[${i}] = ${a}, ${nnz}]`);
    for (let k = a; k < b; k++) {
      const t = (o.targets as unknown[])[k] as number;
      checkId(`targets[${k}]`, t, numTarget);
      pre[k] = i;
      post[k] = t;
    }
  }
  const arr = (field: 'weights' | 'delaysMs'): Float64Array | null => {
    const v = o[field];
    if (v === undefined) return null;
    if (!Array.isArray(v) || v.length !== nnz) fail(path, field, v, `an array of ${nnz} numbers (one per target)`);
    const out = Float64Array.from(v as number[]);
    for (let k = 0; k < nnz; k++)
      if (!Number.isFinite(out[k]) || (field === 'delaysMs' && !((out[k] as number) >= 0)))
        fail(path, `${field}[${k}]`, v[k], field === 'weights' ? 'a finite number' : 'a finite delay >= 0 ms');
    return out;
  };
  return { pre, post, weight: arr('weights'), delayMs: arr('delaysMs') };
}

/**
 * Reads a SpikeRecord JSON file `{channels, ids, times, timeUnit}` (a list of such records when `sample` is given:
 * record number `sample`).
 */
export function readSpikeFile(path: string, sample: number | undefined): SpikeRecord {
  const text = readText(path, 'spike record');
  const raw = parseJson(text, path);
  let r = raw as Record<string, unknown>;
  if (sample !== undefined) {
    const list = Array.isArray(raw) ? raw : (raw as { samples?: unknown }).samples;
    if (!Array.isArray(list) || sample >= list.length)
      fail(
        path,
        'samples',
        Array.isArray(list) ? `array(length ${list.length})` : list,
        `a list of spike records with an entry ${sample}`,
      );
    r = list[sample] as Record<string, unknown>;
  }
  if (!Array.isArray(r.ids) || !Array.isArray(r.times))
    fail(path, 'ids', r.ids, 'a spike record {channels, ids: [...], times: [...], timeUnit}');
  if (r.timeUnit !== 'ms' && r.timeUnit !== 'step' && r.timeUnit !== 'us')
    fail(path, 'timeUnit', r.timeUnit, '"ms", "step" or "us"');
  const rec: SpikeRecord = {
    channels: r.channels as number,
    ids: Int32Array.from(r.ids as number[]),
    times: Float64Array.from(r.times as number[]),
    timeUnit: r.timeUnit as SpikeRecord['timeUnit'],
  };
  return validateSpikeRecord(rec, path);
}

/**
 * Reads every file a description references (paths relative to `baseDir`, normally the description file's folder).
 */
export function readNetworkFiles(desc: NetworkDescription, baseDir: string): NetworkFiles {
  const at = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p));
  const sizes = new Map<string, number>();
  for (const p of desc.populations) sizes.set(p.name, p.size);
  for (const s of desc.stimuli) if (s.kind === 'spike_source') sizes.set(s.name, s.size);
  const files: NetworkFiles = { edges: new Map(), spikes: new Map() };
  desc.projections.forEach((pr, i) => {
    const c = pr.connection;
    if (c.rule === 'file')
      files.edges.set(
        i,
        readEdgeFile(at(c.path), c.format, sizes.get(pr.source) as number, sizes.get(pr.target) as number),
      );
  });
  desc.stimuli.forEach((s, i) => {
    if (s.kind === 'spike_source' && 'file' in s.spikes) {
      const rec = readSpikeFile(at(s.spikes.file), s.spikes.sample);
      if (rec.channels > s.size)
        fail(at(s.spikes.file), 'channels', rec.channels, `<= ${s.size} (the size of spike source ${s.name})`);
      files.spikes.set(i, rec);
    }
  });
  return files;
}

/** Loads a description file and every file it references (relative to its folder). */
export function loadNetworkWithFiles(path: string): { desc: NetworkDescription; files: NetworkFiles } {
  const desc = loadNetwork(path);
  return { desc, files: readNetworkFiles(desc, dirname(resolve(path))) };
}
