import type { RecordsSummary } from '../../data/inspect.js';
import { RouserError } from '../../util/errors.js';
import { flag, num, str, type Command } from '../args.js';
import { DATASET_SOURCES, fetchDataset, type FetchableDataset } from '../../io/datasets/fetch.js';
import { inspectPath } from '../../io/datasets/inspect.js';
import { datasetProgress } from '../data.js';

const FETCHABLE = Object.keys(DATASET_SOURCES) as FetchableDataset[];

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

function describeSplit(name: string, s: RecordsSummary): string {
  const lines = [
    `  ${name}: ${s.samples} samples, ${s.classes} classes${s.classes > 0 ? ` (per class ${s.perClass.join(' ')})` : ''}`,
    `    events: ${s.events.total} total, per sample min ${s.events.min} / median ${s.events.median} / max ${s.events.max}`,
    `    duration: min ${fmt(s.durationMs.min)} / median ${fmt(s.durationMs.median)} / max ${fmt(s.durationMs.max)} ms`,
    `    ${s.sensor ? `sensor ${s.sensor.width}x${s.sensor.height}x${s.sensor.polarities}` : `channels ${s.channels}`}`,
  ];
  if (s.firstEvents.length > 0)
    lines.push(
      `    first events of sample 0: ${s.firstEvents.map((e) => (e.x !== undefined ? `(t=${fmt(e.timeMs)} ms x=${e.x} y=${e.y} p=${e.p})` : `(t=${fmt(e.timeMs)} ms ch=${e.channel})`)).join(' ')}`,
    );
  return lines.join('\n');
}

/** `rouser datasets inspect PATH [--json]` and `rouser datasets fetch NAME [--dir D]`. */
export const datasetsCommand: Command = {
  name: 'datasets',
  summary: 'inspect dataset files (NMNIST, DVS Gesture, SHD/SSC, embedded sets) or fetch the real ones',
  usage:
    'rouser datasets inspect PATH|nmnist-mini|randman|synthetic [--json] | rouser datasets fetch nmnist|dvsgesture|shd|ssc [--dir D]',
  details: [
    'inspect: format, samples, classes, events (total, per sample min/median/max), duration, sensor size, and the first',
    '  events of one sample. PATH is a .bin, .aedat, *_labels.csv, .h5 or .h5.gz file, or a dataset folder.',
    'fetch: downloads the official files into D/NAME (default ./data/NAME), verifies MD5s, resumes broken downloads and',
    '  extracts atomically; when a host is unreachable it prints how to download by hand.',
    "Embedded sets need no download: --dataset nmnist-mini (derived N-MNIST), randman or synthetic (the trainer's generated task).",
  ].join('\n'),
  positionals: true,
  options: {
    json: { type: 'boolean', help: 'print one JSON object on stdout (inspect)' },
    dir: { type: 'string', value: 'D', help: 'parent folder for fetched datasets', default: 'data' },
    samples: {
      type: 'string',
      value: 'N',
      help: 'inspect: samples to generate for nmnist-mini / randman (default 2500 / 1500)',
    },
  },
  async run(args) {
    const [sub, target] = args.positionals;
    switch (sub) {
      case 'inspect': {
        if (!target) throw new RouserError('datasets inspect needs a PATH (or nmnist-mini / randman / synthetic)');
        const samples =
          str(args, 'samples') !== undefined
            ? num('datasets', args, 'samples', { min: 10, max: 8000, integer: true })
            : undefined;
        const report = await inspectPath(target, {
          ...(samples !== undefined ? { samples } : {}),
          onProgressCount: datasetProgress().onProgressCount,
        });
        if (flag(args, 'json')) process.stdout.write(JSON.stringify(report) + '\n');
        else
          process.stdout.write(
            `${report.path}: format ${report.format}\n${report.splits.map((s) => describeSplit(s.name, s.summary)).join('\n')}\n`,
          );
        return 0;
      }
      case 'fetch': {
        if (!target || !(FETCHABLE as string[]).includes(target))
          throw new RouserError(
            `datasets fetch: dataset is ${JSON.stringify(target ?? '')}; expected one of ${FETCHABLE.join(', ')}`,
          );
        const res = await fetchDataset(target as FetchableDataset, {
          dir: str(args, 'dir') ?? 'data',
          log: (m) => process.stderr.write(`${m}\n`),
        });
        process.stdout.write(
          `${target}: ready in ${res.folder} (downloaded ${res.downloaded.length}, reused ${res.reused.length}, extracted ${res.extracted.join(', ') || 'nothing new'})\nuse it with --dataset ${res.folder}\n`,
        );
        return 0;
      }
      default:
        throw new RouserError(`datasets: sub-command is ${JSON.stringify(sub ?? '')}; expected inspect or fetch`);
    }
  },
};
