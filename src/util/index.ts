export * from './rng.js';
export * from './errors.js';
export * from './buffers.js';
export * from './atomic.js';
