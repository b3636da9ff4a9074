// Child process of the compare fault test: runs the library compare (what `rouser compare` calls) on the synthetic
// task into argv[2] for argv[3] epochs (resuming when argv[4] is "resume"), printing "epoch VARIANT SEED N" after
// each epoch's files are written. A RouserError exits 1 with its one-line message on stderr.
import { runCompare } from '../../src/experiment/compare.js';
import { RouserError } from '../../src/util/errors.js';
import { compareFaultSettings } from './config.js';
import { createBackend } from '../../src/train/backend.js';

const [outDir, epochs, mode] = process.argv.slice(2) as [string, string, string | undefined];
const backend = await createBackend('reference');
try {
  await runCompare(await compareFaultSettings(outDir, Number(epochs), mode === 'resume'), backend, {
    onEpoch: (variant, seed, m) => process.stdout.write(`epoch ${variant} ${seed} ${m.epoch}\n`),
  });
} catch (e) {
  if (!(e instanceof RouserError)) throw e;
  process.stderr.write(`${e.message}\n`);
  process.exitCode = 1;
} finally {
  await backend.dispose();
}
