import { existsSync, readFileSync } from 'node:fs';
import { specFromBinary, specToBinary } from '../model/serialize.js';
import type { NetworkSpec, SpecMeta } from '../model/spec.js';
import { writeFileAtomic } from '../util/atomic.js';
import { describeIoError, fail, RouserError } from '../util/errors.js';
import { parseJson } from '../util/json.js';
import type { AdamState } from './adam.js';
import { resolveFitConfig, type EpochMetrics, type FitConfig, type ResolvedFitConfig } from './fitConfig.js';
import { checkMeta } from '../model/validate.js';

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
  if (buf.length !== length * 8)
    fail(where, `${field} (decoded bytes)`, buf.length, `${length * 8} (${length} float64 values)`);
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
  return (
    JSON.stringify({
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
    }) + '\n'
  );
}

/** Parses {@link checkpointToJson} output; errors name the file and the field. */
export function checkpointFromJson(text: string, where = 'checkpoint.json'): Checkpoint {
  const raw = parseJson(text, where) as Record<string, unknown>;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(where, '(root)', raw, 'a JSON object');
  if (raw.format !== 'rouser-checkpoint') fail(where, 'format', raw.format, '"rouser-checkpoint"');
  if (raw.version !== CHECKPOINT_VERSION) fail(where, 'version', raw.version, `${CHECKPOINT_VERSION}`);
  if (!Number.isInteger(raw.epoch) || (raw.epoch as number) < 0) fail(where, 'epoch', raw.epoch, 'an integer >= 0');
  if (typeof raw.spec !== 'string') fail(where, 'spec', raw.spec, 'a base64 string');
  if (typeof raw.initialSpec !== 'string') fail(where, 'initialSpec', raw.initialSpec, 'a base64 string');
  const spec = specFromBinary(new Uint8Array(Buffer.from(raw.spec, 'base64')), `${where} (spec)`);
  const initialSpec = specFromBinary(new Uint8Array(Buffer.from(raw.initialSpec, 'base64')), `${where} (initialSpec)`);
  if (!Array.isArray(raw.history)) fail(where, 'history', raw.history, 'an array of epoch metrics');
  if (typeof raw.wallMs !== 'number') fail(where, 'wallMs', raw.wallMs, 'a number of milliseconds');
  const a = raw.adam as Record<string, unknown> | undefined;
  if (typeof a !== 'object' || a === null || Array.isArray(a)) fail(where, 'adam', a, 'an object');
  if (!Number.isInteger(a.step) || (a.step as number) < 0) fail(where, 'adam.step', a.step, 'an integer >= 0');
  const arr = (k: string): unknown[] => {
    const v = a[k];
    if (!Array.isArray(v) || v.length !== spec.layers.length)
      fail(where, `adam.${k}`, v, `an array of ${spec.layers.length} entries (one per layer)`);
    return v;
  };
  const mTh = arr('mTh');
  const thLen = (li: number): number => {
    const s = mTh[li];
    const len = typeof s === 'string' ? Buffer.from(s, 'base64').length / 8 : -1;
    return Number.isInteger(len) && len >= 0 ? len : -1;
  };
  const adam: AdamState = {
    step: a.step as number,
    mW: arr('mW').map((s, li) => base64ToF64(where, `adam.mW[${li}]`, s, spec.layers[li]!.weights.length)),
    vW: arr('vW').map((s, li) => base64ToF64(where, `adam.vW[${li}]`, s, spec.layers[li]!.weights.length)),
    mB: arr('mB').map((s, li) =>
      s === null ? undefined : base64ToF64(where, `adam.mB[${li}]`, s, spec.layers[li]!.size),
    ),
    vB: arr('vB').map((s, li) =>
      s === null ? undefined : base64ToF64(where, `adam.vB[${li}]`, s, spec.layers[li]!.size),
    ),
    mTh: mTh.map((s, li) => base64ToF64(where, `adam.mTh[${li}]`, s, Math.max(0, thLen(li)))),
    vTh: arr('vTh').map((s, li) => base64ToF64(where, `adam.vTh[${li}]`, s, Math.max(0, thLen(li)))),
  };
  return {
    epoch: raw.epoch as number,
    config: raw.config as ResolvedFitConfig,
    meta: (raw.meta ?? {}) as SpecMeta,
    wallMs: raw.wallMs as number,
    history: raw.history as EpochMetrics[],
    spec,
    initialSpec,
    adam,
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A metric that JSON wrote from a number (NaN and Infinity become null). */
function checkMetric(where: string, field: string, v: unknown, range?: [number, number]): void {
  if (v === null) return;
  if (typeof v !== 'number' || (range && !(v >= range[0] && v <= range[1])))
    fail(where, field, v, range ? `a number in [${range[0]}, ${range[1]}] or null` : 'a number or null');
}

/**
 * Checks that a parsed checkpoint can be resumed from, field by field, before anything is trained or written:
 * every config field present and valid (as {@link resolveFitConfig} requires); the specs' sizes equal
 * `config.sizes`; `epoch <= config.epochs`; `history` holds exactly the epochs 0..epoch in order, each with finite
 * accuracies in [0, 1] and one layer entry per layer of the spec; `wallMs` finite and >= 0; Adam threshold moments
 * sized for the config's threshold mode. Throws a `RouserError` naming the file and the first bad field.
 */
export function validateCheckpoint(c: Checkpoint, where = 'checkpoint.json'): Checkpoint {
  if (!isRecord(c.config)) fail(where, 'config', c.config, 'an object (the resolved training config)');
  const required = Object.keys(resolveFitConfig({ sizes: [1, 1] }));
  for (const k of required)
    if (!(k in c.config))
      fail(where, `config.${k}`, undefined, 'present (the checkpoint stores every resolved config field)');
  const cfg = resolveFitConfig(c.config as FitConfig, `${where}: config`);
  if (!isRecord(cfg.neuron) || typeof cfg.neuron.kind !== 'string')
    fail(where, 'config.neuron', cfg.neuron, 'a neuron object with a kind');
  const sizesOf = (s: NetworkSpec): number[] => [s.inputSize, ...s.layers.map((l) => l.size)];
  for (const [name, s] of [
    ['spec', c.spec],
    ['initialSpec', c.initialSpec],
  ] as const)
    if (sizesOf(s).join('-') !== cfg.sizes.join('-'))
      fail(where, `${name} sizes`, sizesOf(s).join('-'), `${cfg.sizes.join('-')} (= config.sizes)`);
  if (c.epoch > cfg.epochs) fail(where, 'epoch', c.epoch, `at most config.epochs = ${cfg.epochs}`);
  if (!Number.isFinite(c.wallMs) || c.wallMs < 0) fail(where, 'wallMs', c.wallMs, 'a finite number >= 0');
  checkMeta(where, c.meta);
  if (c.history.length !== c.epoch + 1)
    fail(where, 'history.length', c.history.length, `${c.epoch + 1} (epochs 0..${c.epoch})`);
  c.history.forEach((h: unknown, e) => {
    const f = `history[${e}]`;
    if (!isRecord(h)) fail(where, f, h, 'an epoch metrics object');
    if (h.epoch !== e) fail(where, `${f}.epoch`, h.epoch, `${e}`);
    for (const k of ['loss', 'testLoss', 'wallMs', 'epochMs']) checkMetric(where, `${f}.${k}`, h[k]);
    for (const k of ['trainAccuracy', 'testAccuracy'])
      if (typeof h[k] !== 'number' || !((h[k] as number) >= 0 && (h[k] as number) <= 1))
        fail(where, `${f}.${k}`, h[k], 'a number in [0, 1]');
    if (h.valAccuracy === undefined) fail(where, `${f}.valAccuracy`, h.valAccuracy, 'a number in [0, 1] or null');
    checkMetric(where, `${f}.valAccuracy`, h.valAccuracy, [0, 1]);
    if (h.valLoss === undefined) fail(where, `${f}.valLoss`, h.valLoss, 'a number or null');
    checkMetric(where, `${f}.valLoss`, h.valLoss);
    if (!Array.isArray(h.layers) || h.layers.length !== c.spec.layers.length)
      fail(where, `${f}.layers`, h.layers, `an array of ${c.spec.layers.length} layer metrics`);
    (h.layers as unknown[]).forEach((l, li) => {
      const g = `${f}.layers[${li}]`;
      if (!isRecord(l)) fail(where, g, l, 'a layer metrics object');
      if (l.size !== c.spec.layers[li]!.size) fail(where, `${g}.size`, l.size, `${c.spec.layers[li]!.size}`);
      for (const k of [
        'deadFraction',
        'deadFractionPerBatchMean',
        'deadFractionPerSample',
        'saturatedFraction',
        'saturatedStrictFraction',
      ])
        checkMetric(where, `${g}.${k}`, l[k], [0, 1]);
      for (const k of ['spikeRate', 'weightChange', 'floorBinds']) checkMetric(where, `${g}.${k}`, l[k]);
      if (!isRecord(l.threshold)) fail(where, `${g}.threshold`, l.threshold, 'an object of threshold statistics');
    });
  });
  const thLen = (size: number): number =>
    cfg.thresholdMode === 'layer' ? 1 : cfg.thresholdMode === 'fixed' ? 0 : size;
  c.spec.layers.forEach((l, li) => {
    for (const k of ['mTh', 'vTh'] as const) {
      const got = c.adam[k][li]!.length;
      if (got !== thLen(l.size))
        fail(where, `adam.${k}[${li}] (length)`, got, `${thLen(l.size)} for thresholdMode ${cfg.thresholdMode}`);
    }
    for (const k of ['mB', 'vB'] as const) {
      const has = c.adam[k][li] !== undefined;
      if (has !== cfg.bias)
        fail(
          where,
          `adam.${k}[${li}]`,
          has ? 'moments' : null,
          cfg.bias ? 'moments (config.bias is true)' : 'null (config.bias is false)',
        );
    }
  });
  return c;
}

/** Writes a checkpoint atomically (temporary file + rename): a crash leaves the previous checkpoint intact. */
export function saveCheckpoint(path: string, c: Checkpoint): void {
  writeFileAtomic(path, checkpointToJson(c));
}

/**
 * Reads a checkpoint and checks it with {@link validateCheckpoint}, or returns undefined when the file does not
 * exist. Nothing is written, so a refused checkpoint leaves the run folder as it was.
 */
export function loadCheckpoint(path: string): Checkpoint | undefined {
  if (!existsSync(path)) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new RouserError(`${path}: cannot read the checkpoint (${describeIoError(e)})`);
  }
  return validateCheckpoint(checkpointFromJson(text, path), path);
}
