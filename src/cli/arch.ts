import type { NeuronModel } from '../model/spec.js';
import { defaultNeuron, FIT_DEFAULTS } from '../train/fitConfig.js';
import { RouserError } from '../util/errors.js';
import { choice, num, str, type ParsedArgs } from './args.js';
import { getNeuronModel, neuronModelNames, resolveParams } from '../neuron/model.js';

/** Default hidden sizes when --arch is not given (the output size is the dataset's class count). */
export const DEFAULT_HIDDEN = [128, 128] as const;

/**
 * Parses `--arch` into sizes including the input:
 * - a full architecture whose first size equals the dataset's input size (`578-500-500-10`) is used as is;
 * - a funnel of three or more sizes whose first size exceeds both the input size and every later size
 *   (`2312-500-10` on a 578-input set) is read as a full architecture for another dataset and rejected;
 * - anything else lists hidden and output sizes and the input size is prepended (`500-500-10` -> 578-500-500-10).
 * The output size must be at least the number of classes.
 */
export function parseArch(arch: string | undefined, inputSize: number, classes: number): number[] {
  if (arch === undefined) return [inputSize, ...DEFAULT_HIDDEN, classes];
  const parts = arch.split('-').map((s) => (s.trim() === '' ? NaN : Number(s)));
  if (parts.some((p) => !Number.isInteger(p) || p < 1))
    throw new RouserError(
      `--arch ${arch}: expected sizes separated by '-', each a positive integer (e.g. 500-500-10 or ${inputSize}-500-500-10)`,
    );
  const first = parts[0] as number;
  let sizes: number[];
  if (parts.length >= 2 && first === inputSize) sizes = parts;
  else if (parts.length >= 3 && first > inputSize && first > Math.max(...parts.slice(1)))
    throw new RouserError(
      `--arch ${arch}: first size ${first} does not match the dataset's ${inputSize} inputs (give ${inputSize}-${parts.slice(1).join('-')}, or ${inputSize}-${arch} if ${first} is a hidden layer)`,
    );
  else sizes = [inputSize, ...parts];
  const out = sizes[sizes.length - 1] as number;
  if (out < classes)
    throw new RouserError(`--arch ${arch}: output size ${out} is smaller than the dataset's ${classes} classes`);
  return sizes;
}

/**
 * Reads `--neuron NAME` (default cuba; any registered neuron model) into a neuron model; the one reader for `train`,
 * `compare` and `demo`. `lif` takes `--beta` (voltage retention per step, default {@link FIT_DEFAULTS}.lifBeta);
 * `cuba` is the paper's neuron; any other registered model takes its defaults, overridden by
 * `--neuron-params name=value,...` and checked by the model.
 */
export function neuronFromArgs(cmd: string, args: ParsedArgs): NeuronModel {
  const kind = choice(cmd, args, 'neuron', neuronModelNames(), 'cuba');
  if (kind === 'lif')
    return { kind: 'lif', beta: num(cmd, args, 'beta', { min: 0, max: 1, fallback: FIT_DEFAULTS.lifBeta }) };
  if (kind === 'cuba') return defaultNeuron('cuba');
  const neuron: Record<string, number | string> = { kind };
  const raw = str(args, 'neuron-params');
  for (const item of raw === undefined || raw === '' ? [] : raw.split(',')) {
    const [key, value, extra] = item.split('=');
    const v = Number(value);
    if (
      key === undefined ||
      key === '' ||
      value === undefined ||
      extra !== undefined ||
      value.trim() === '' ||
      !Number.isFinite(v)
    )
      throw new RouserError(
        `${cmd}: option --neuron-params item ${JSON.stringify(item)}; expected name=number (e.g. tauAdaptMs=100)`,
      );
    neuron[key.trim()] = v;
  }
  const model = getNeuronModel(kind, cmd, '--neuron');
  resolveParams(model, neuron, 1, `${cmd}: option --neuron-params`);
  return neuron as NeuronModel;
}
