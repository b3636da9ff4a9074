export * from './decay.js';
export * from './dynamics.js';
export * from './surrogate.js';
export * from './model.js';
