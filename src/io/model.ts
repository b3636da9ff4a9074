import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomic.js';
import { RouserError } from '../util/errors.js';
import { isBinarySpec, specFromBinary, specFromJson, specToBinary, specToJson } from '../model/serialize.js';
import type { NetworkSpec } from '../model/spec.js';
import type { FromNirOptions } from '../model/nir.js';

/** Saves a spec atomically: binary when the path ends in `.rsnn`, JSON otherwise. */
export function saveSpec(path: string, spec: NetworkSpec): void {
  writeFileAtomic(path, path.endsWith('.rsnn') ? specToBinary(spec) : specToJson(spec));
}

/** Loads a spec from a `.json` or `.rsnn` file (detected by content), with errors naming the file. */
export function loadSpec(path: string): NetworkSpec {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new RouserError(`${path}: cannot read the model file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (isBinarySpec(bytes)) return specFromBinary(bytes, path);
  return specFromJson(new TextDecoder().decode(bytes), path);
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
