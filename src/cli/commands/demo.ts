import type { Command } from '../args.js';
import { COMPARE_OPTIONS, executeCompare } from './compare.js';

/**
 * The main job (`npm start`): a CPU-sized compare on the embedded derived N-MNIST — learned thresholds against two
 * fixed thresholds from the same initial weights, CUBA neurons, every final model evaluated in the event engine.
 * Any compare option overrides a preset. CPU-sized: 2000 training samples instead of 60,000 give 30x fewer Adam
 * steps per epoch, so the learning rates are raised (lr 2e-3, lr-th 2e-2 instead of 1e-3 / 1e-3).
 */
export const DEMO_PRESET: Record<string, string> = {
  dataset: 'nmnist-mini',
  arch: '128-128-10',
  variants: 'learned,fixed,fixed:0.5',
  epochs: '8',
  seeds: '1',
  lr: '2e-3',
  'lr-th': '2e-2',
  'target-accuracy': '0.4',
};

export const demoCommand: Command = {
  name: 'demo',
  summary: 'the main job: learned vs fixed thresholds on the embedded N-MNIST, evaluated in the event engine (a preset of compare)',
  usage: 'rouser demo [compare options]',
  details: `Preset: ${Object.entries(DEMO_PRESET)
    .map(([k, v]) => `--${k} ${v}`)
    .join(' ')}. Writes runs/DATASET-demo/summary.json and report.html (runs/nmnist-mini-demo/ by default).`,
  // A preset replaces the option's default, including one described in its help text.
  options: Object.fromEntries(
    Object.entries(COMPARE_OPTIONS).map(([k, o]) => [k, DEMO_PRESET[k] !== undefined ? { ...o, help: o.help.replace(/ \(default [^)]*\)$/, ''), default: DEMO_PRESET[k] } : o]),
  ),
  run: (args) => executeCompare('demo', args),
};
