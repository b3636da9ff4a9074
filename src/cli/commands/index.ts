import type { Command } from '../args.js';
import { datasetsCommand } from './datasets.js';
import { modelCommand } from './model.js';
import { trainCommand } from './train.js';

/** Every CLI command, in the order `rouser --help` lists them. */
export const COMMANDS: Command[] = [trainCommand, modelCommand, datasetsCommand];
