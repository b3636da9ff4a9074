/** Published networks shipped as pure network descriptions (no file access, no randomness until compile). */
export * from './pd14.js';
export * from './microcircuit.js';
