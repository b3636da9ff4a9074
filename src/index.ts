/**
 * Rouser public API. Applications, benches and tests outside `src/` import only this module.
 */
export * from './util/index.js';
export * from './model/index.js';
export * from './neuron/index.js';
export * from './metrics/index.js';
export * from './train/index.js';
export * from './data/index.js';
export * from './event/index.js';
export { openDataset, datasetMeta, SYNTHETIC_DEFAULTS, type DatasetRequest } from './cli/data.js';
export { loadDataset, EMBEDDED_DATASETS, type LoadedDataset } from './cli/datasets/load.js';
export { evaluateModel, type EvalReport, type LayerReport, type EngineChoice, type EvaluateOptions, type Evaluation } from './cli/evaluate.js';
export { runCompare, type CompareSettings, type CompareSummary, type VariantSummary } from './cli/compare.js';
export { parseVariants, type Variant } from './cli/variants.js';
export { renderCompareReport } from './cli/report.js';
export { main } from './cli/main.js';
