import type { DatasetInfo, DatasetOptions } from '../../data/types.js';
import type { TensorDataset } from '../../model/spikes.js';
import { RouserError } from '../../util/errors.js';

/** Train and test files of an SHD/SSC set. */
export interface ShdFiles {
  train: string;
  test?: string;
  kind: 'shd' | 'ssc';
}

/** Finds SHD/SSC files for a path (file or folder); undefined when the path holds none. */
export function findShdFiles(_path: string): ShdFiles | undefined {
  return undefined;
}

/** Loads SHD/SSC. */
export async function loadShd(files: ShdFiles, _opts: DatasetOptions): Promise<{ train: TensorDataset; test: TensorDataset; info: Omit<DatasetInfo, 'loadMs'> }> {
  throw new RouserError(`${files.train}: not implemented`);
}
