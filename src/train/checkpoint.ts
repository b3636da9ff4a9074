import { existsSync, readFileSync } from 'node:fs';
import { specFromBinary, specToBinary } from '../model/serialize.js';
import type { NetworkSpec, SpecMeta } from '../model/spec.js';
import { writeFileAtomic } from '../util/atomic.js';
import { fail, RouserError } from '../util/errors.js';
import type { AdamState } from './adam.js';
import type { EpochMetrics, ResolvedFitConfig } from './fitConfig.js';

/** Current checkpoint format version. */
export const CHECKPOINT_VERSION = 1 as const;

/**
 * Everything needed to continue a run exactly where it stopped (after `epoch` completed epochs): the current and
 * initial specs, the Adam state (step count and moments), the metrics so far, the resolved config and the
 * accumulated wall time. The shuffle of epoch e is drawn from a fresh Rng seeded by (seed, e), so no RNG stream
 * needs saving.
 */
export interface Checkpoint {
  epoch: number;
  config: ResolvedFitConfig;
  spec: NetworkSpec;
  initialSpec: NetworkSpec;
  adam: AdamState;
  history: EpochMetrics[];
  wallMs: number;
  /** Free-form provenance (the CLI stores the dataset reference here). */
  meta: SpecMeta;
}

function f64ToBase64(a: Float64Array): string {
  const buf = Buffer.alloc(a.length * 8);
  for (let i = 0; i < a.length; i++) buf.writeDoubleLE(a[i] as number, i * 8);
  return buf.toString('base64');
}

function base64ToF64(where: string, field: string, s: unknown, length: number): Float64Array {
  if (typeof s !== 'string') fail(where, field, s, 'a base64 string');
  const buf = Buffer.from(s, 'base64');
  if (buf.length !== length * 8) fail(where, `${field} (decoded bytes)`, buf.length, `${length * 8} (${length} float64 values)`);
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) out[i] = buf.readDoubleLE(i * 8);
  return out;
}

/**
 * JSON text of a checkpoint: `{format: "rouser-checkpoint", version: 1, epoch, config, meta, wallMs, history,
 * spec, initialSpec, adam}`. Specs are the binary `.rsnn` form in base64 and Adam moments little-endian float64
 * in base64, so every value reads back bit-exactly.
 */
export function checkpointToJson(c: Checkpoint): string {
  const opt = (a: Float64Array | undefined): string | null => (a ? f64ToBase64(a) : null);
  return JSON.stringify({
    format: 'rouser-checkpoint',
    version: CHECKPOINT_VERSION,
    epoch: c.epoch,
    config: c.config,
    meta: c.meta,
    wallMs: c.wallMs,
    history: c.history,
    spec: Buffer.from(specToBinary(c.spec)).toString('base64'),
    initialSpec: Buffer.from(specToBinary(c.initialSpec)).toString('base64'),
    adam: {
      step: c.adam.step,
      mW: c.adam.mW.map(f64ToBase64),
      vW: c.adam.vW.map(f64ToBase64),
      mB: c.adam.mB.map(opt),
      vB: c.adam.vB.map(opt),
      mTh: c.adam.mTh.map(f64ToBase64),
      vTh: c.adam.vTh.map(f64ToBase64),
    },
  }) + '\n';
}

/** Parses {@link checkpointToJson} output; errors name the file and the field. */
export function checkpointFromJson(text: string, where = 'checkpoint.json'): Checkpoint {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new RouserError(`${where}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null) fail(where, '(root)', raw, 'a JSON object');
  if (raw.format !== 'rouser-checkpoint') fail(where, 'format', raw.format, '"rouser-checkpoint"');
  if (raw.version !== CHECKPOINT_VERSION) fail(where, 'version', raw.version, `${CHECKPOINT_VERSION}`);
  if (!Number.isInteger(raw.epoch) || (raw.epoch as number) < 0) fail(where, 'epoch', raw.epoch, 'an integer >= 0');
  if (typeof raw.spec !== 'string') fail(where, 'spec', raw.spec, 'a base64 string');
  if (typeof raw.initialSpec !== 'string') fail(where, 'initialSpec', raw.initialSpec, 'a base64 string');
  const spec = specFromBinary(new Uint8Array(Buffer.from(raw.spec, 'base64')), `${where} (spec)`);
  const initialSpec = specFromBinary(new Uint8Array(Buffer.from(raw.initialSpec, 'base64')), `${where} (initialSpec)`);
  if (!Array.isArray(raw.history)) fail(where, 'history', raw.history, 'an array of epoch metrics');
  const a = raw.adam as Record<string, unknown> | undefined;
  if (typeof a !== 'object' || a === null) fail(where, 'adam', a, 'an object');
  if (!Number.isInteger(a.step) || (a.step as number) < 0) fail(where, 'adam.step', a.step, 'an integer >= 0');
  const arr = (k: string): unknown[] => {
    const v = a[k];
    if (!Array.isArray(v) || v.length !== spec.layers.length) fail(where, `adam.${k}`, v, `an array of ${spec.layers.length} entries (one per layer)`);
    return v;
  };
  const mTh = arr('mTh');
  const thLen = (li: number): number => {
    const s = mTh[li];
    return typeof s === 'string' ? Buffer.from(s, 'base64').length / 8 : -1;
  };
  const adam: AdamState = {
    step: a.step as number,
    mW: arr('mW').map((s, li) => base64ToF64(where, `adam.mW[${li}]`, s, spec.layers[li]!.weights.length)),
    vW: arr('vW').map((s, li) => base64ToF64(where, `adam.vW[${li}]`, s, spec.layers[li]!.weights.length)),
    mB: arr('mB').map((s, li) => (s === null ? undefined : base64ToF64(where, `adam.mB[${li}]`, s, spec.layers[li]!.size))),
    vB: arr('vB').map((s, li) => (s === null ? undefined : base64ToF64(where, `adam.vB[${li}]`, s, spec.layers[li]!.size))),
    mTh: mTh.map((s, li) => base64ToF64(where, `adam.mTh[${li}]`, s, thLen(li))),
    vTh: arr('vTh').map((s, li) => base64ToF64(where, `adam.vTh[${li}]`, s, thLen(li))),
  };
  return {
    epoch: raw.epoch as number,
    config: raw.config as ResolvedFitConfig,
    meta: (raw.meta ?? {}) as SpecMeta,
    wallMs: typeof raw.wallMs === 'number' ? raw.wallMs : 0,
    history: raw.history as EpochMetrics[],
    spec,
    initialSpec,
    adam,
  };
}

/** Writes a checkpoint atomically (temporary file + rename): a crash leaves the previous checkpoint intact. */
export function saveCheckpoint(path: string, c: Checkpoint): void {
  writeFileAtomic(path, checkpointToJson(c));
}

/** Reads a checkpoint, or returns undefined when the file does not exist. */
export function loadCheckpoint(path: string): Checkpoint | undefined {
  if (!existsSync(path)) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new RouserError(`${path}: cannot read the checkpoint (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return checkpointFromJson(text, path);
}
