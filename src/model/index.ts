export * from './spec.js';
export * from './validate.js';
export * from './serialize.js';
export * from './spikes.js';
export * from './network.js';
