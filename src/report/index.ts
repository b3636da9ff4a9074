/**
 * `rouser/report`: Vega-Lite charts rendered to SVG and the self-contained compare report. A separate subpath so
 * that `import 'rouser'` does not load vega.
 */
export * from './plots.js';
export * from './compareReport.js';
