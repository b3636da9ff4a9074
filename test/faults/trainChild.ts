// Child process of the fault tests: trains a small network on the synthetic task into argv[2] (resuming when
// argv[4] is "resume") for argv[3] epochs, printing "epoch N" after each epoch's files are written. A RouserError
// exits 1 with its one-line message on stderr.
import { makeSyntheticTask } from '../../src/data/synthetic.js';
import { fit } from '../../src/train/fit.js';
import { RouserError } from '../../src/util/errors.js';
import { FAULT_CONFIG, FAULT_DATA } from './config.js';

const [outDir, epochs, mode] = process.argv.slice(2) as [string, string, string | undefined];
const data = makeSyntheticTask(FAULT_DATA);
try {
  await fit({ ...FAULT_CONFIG, epochs: Number(epochs) }, data, {
    outDir,
    resume: mode === 'resume',
    onEpoch: (m) => process.stdout.write(`epoch ${m.epoch}\n`),
  });
} catch (e) {
  if (!(e instanceof RouserError)) throw e;
  process.stderr.write(`${e.message}\n`);
  process.exitCode = 1;
}
