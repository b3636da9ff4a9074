/**
 * The experiment layer: evaluation (the one place the trainer and the event engine meet) and the compare
 * experiment (variants, per-seed runs, summaries). No CLI and no plotting here; see `rouser/report` for charts.
 */
export * from './evaluate.js';
export * from './compare.js';
export * from './variants.js';
