/**
 * `rouser/report`: Vega-Lite charts rendered to SVG, the eval plots and the self-contained compare report. A
 * separate subpath so that `import 'rouser'` does not load vega.
 */
export * from './plots.js';
export * from './words.js';
export * from './evalPlots.js';
export * from './compareReport.js';
