import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic.js';
import { describeIoError, RouserError } from '../util/errors.js';
import { isBinarySpec, specFromBinary, specFromJson, specToBinary, specToJson } from '../model/serialize.js';
import type { NetworkSpec } from '../model/spec.js';
import type { FromNirOptions } from '../model/nir.js';

/** Saves a spec atomically: binary when the path ends in `.rsnn`, JSON otherwise. */
export function saveSpec(path: string, spec: NetworkSpec): void {
  writeFileAtomic(path, path.endsWith('.rsnn') ? specToBinary(spec) : specToJson(spec));
}

/**
 * Loads a spec from a `.json` or `.rsnn` file, with errors naming the file. The content decides: the magic `RSNN`
 * means binary; a `.json` path or text whose first non-blank character is `{` means JSON (errors give the line and
 * column); anything else is refused as "not an RSNN file (bad magic)" rather than reported as broken JSON.
 */
export function loadSpec(path: string): NetworkSpec {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new RouserError(`${path}: cannot read the model file (${describeIoError(e)})`);
  }
  if (isBinarySpec(bytes)) return specFromBinary(bytes, path);
  let first = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) first = 3; // UTF-8 byte order mark
  while (
    first < bytes.length &&
    (bytes[first] === 0x20 || bytes[first] === 0x09 || bytes[first] === 0x0a || bytes[first] === 0x0d)
  )
    first++;
  if (!/\.json$/i.test(path) && bytes[first] !== 0x7b) return specFromBinary(bytes, path);
  return specFromJson(new TextDecoder().decode(bytes.subarray(first)), path);
}

/**
 * Loads a model of any format rouser reads, by extension: `.nir` (NIR graph, mapped with `fromNir`; options apply
 * only there), anything else through {@link loadSpec} (JSON or `.rsnn`, detected by content).
 */
export async function loadModel(path: string, nir: Omit<FromNirOptions, 'where'> = {}): Promise<NetworkSpec> {
  if (/\.nir$/i.test(path)) {
    const { loadNirModel } = await import('./nir.js');
    return loadNirModel(path, nir);
  }
  return loadSpec(path);
}
