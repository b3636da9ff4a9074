export * from './activity.js';
export * from './synops.js';
export * from './energy.js';
export * from './stats.js';
