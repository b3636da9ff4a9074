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
export * from './io/index.js';
export * from './experiment/index.js';
export * from './examples/index.js';
