/**
 * Everything that touches files and the network: model files (JSON / `.rsnn`), dataset folders and caches,
 * downloads, and `openDataset`, the one opener behind every `--dataset`.
 */
export * from './model.js';
export * from './open.js';
export {
  loadDataset,
  datasetLabel,
  EMBEDDED_DATASETS,
  NMNIST_MINI_DEFAULTS,
  RANDMAN_DEFAULTS,
  type LoadedDataset,
} from './datasets/load.js';
export {
  fetchDataset,
  DATASET_SOURCES,
  md5File,
  type FetchableDataset,
  type FetchOptions,
  type FetchResult,
  type FetchSource,
} from './datasets/fetch.js';
export { inspectPath, type InspectFormat, type InspectReport } from './datasets/inspect.js';
export * from './nir.js';
export * from '../model/nir.js';
export * from './network.js';
