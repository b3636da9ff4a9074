import type { Command } from '../args.js';
import { compareCommand } from './compare.js';
import { datasetsCommand } from './datasets.js';
import { demoCommand } from './demo.js';
import { evalCommand } from './eval.js';
import { examplesCommand } from './examples.js';
import { modelCommand } from './model.js';
import { simulateCommand } from './simulate.js';
import { trainCommand } from './train.js';

/** Every CLI command, in the order `rouser --help` lists them. */
export const COMMANDS: Command[] = [
  demoCommand,
  trainCommand,
  evalCommand,
  compareCommand,
  simulateCommand,
  examplesCommand,
  modelCommand,
  datasetsCommand,
];
