export * from './spec.js';
export * from './validate.js';
export * from './serialize.js';
export * from './io.js';
export * from './spikes.js';
