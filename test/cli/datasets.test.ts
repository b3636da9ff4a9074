import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { captureOutput } from './capture.js';
import { fetchDataset, type FetchSource } from '../../src/io/datasets/fetch.js';
import { loadDataset } from '../../src/io/datasets/load.js';
import { openDataset } from '../../src/io/open.js';
import { main } from '../../src/cli/main.js';
import { encodeAedat31 } from '../../src/data/aedat.js';
import { encodeNmnist } from '../../src/data/nmnist.js';

const FIX = resolve(import.meta.dirname, '../../datasets/fixtures');
const root = mkdtempSync(join(tmpdir(), 'rouser-dscli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const io = captureOutput();

/** A 2-event N-MNIST sample whose first pixel encodes the digit. */
function nmnistBytes(digit: number, k: number): Uint8Array {
  return encodeNmnist({
    channels: 2312,
    ids: Int32Array.from([digit, 1156 + k]),
    times: Float64Array.from([1000, 50_000 + k]),
    timeUnit: 'us',
  });
}

function makeNmnistTree(dir: string): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  for (const split of ['Train', 'Test'])
    for (let c = 0; c < 10; c++) {
      mkdirSync(join(dir, split, String(c)), { recursive: true });
      for (let k = 0; k < 2; k++) {
        const b = nmnistBytes(c, k);
        writeFileSync(join(dir, split, String(c), `${k}.bin`), b);
        files[`${split}/${c}/${k}.bin`] = b;
      }
    }
  return files;
}

function makeGestureFolder(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const name of ['user01_lab', 'user24_led']) {
    const rec = {
      channels: 32768,
      ids: Int32Array.from([0, 129, 16384 + 5, 77, 300]),
      times: Float64Array.from([0, 1_000_000, 1_500_000, 2_500_000, 3_000_000]),
      timeUnit: 'us' as const,
    };
    writeFileSync(join(dir, `${name}.aedat`), encodeAedat31(rec));
    writeFileSync(
      join(dir, `${name}_labels.csv`),
      'class,startTime_usec,endTime_usec\r\n1,0,2000000\r\n1,1000000,2600000\r\n5,2500000,3000001\r\n',
    );
  }
  writeFileSync(join(dir, 'trials_to_train.txt'), 'user01_lab.aedat\r\n');
  writeFileSync(join(dir, 'trials_to_test.txt'), 'user24_led.aedat\r\n');
}

const nmnistDir = join(root, 'nmnist');
makeNmnistTree(nmnistDir);
const gestureDir = join(root, 'DvsGesture');
makeGestureFolder(gestureDir);

interface Report {
  format: string;
  splits: {
    name: string;
    summary: {
      samples: number;
      classes: number;
      events: { total: number; min: number; median: number; max: number };
      sensor?: { width: number };
      firstEvents: { x?: number; timeMs: number }[];
    };
  }[];
}

async function inspect(path: string, extra: string[] = []): Promise<Report> {
  io.out = '';
  expect(await main(['datasets', 'inspect', path, '--json', ...extra])).toBe(0);
  return JSON.parse(io.out) as Report;
}

describe('rouser datasets inspect', () => {
  it('N-MNIST: one .bin file and a Train/Test folder', async () => {
    const one = await inspect(join(nmnistDir, 'Train', '3', '1.bin'));
    expect(one.format).toBe('nmnist');
    expect(one.splits[0]?.summary.events.total).toBe(2);
    expect(one.splits[0]?.summary.firstEvents[0]).toMatchObject({ x: 3, timeMs: 1 });
    const all = await inspect(nmnistDir);
    expect(all.splits.map((s) => [s.name, s.summary.samples, s.summary.classes])).toEqual([
      ['train', 20, 10],
      ['test', 20, 10],
    ]);
    expect(all.splits[0]?.summary.sensor?.width).toBe(34);
  });

  it('DVS Gesture: an .aedat with labels and the folder (overlapping windows are separate samples)', async () => {
    const one = await inspect(join(gestureDir, 'user01_lab.aedat'));
    expect(one.format).toBe('dvsgesture');
    expect(one.splits[0]?.summary.samples).toBe(3);
    expect(one.splits[0]?.summary.events).toEqual({ total: 8, min: 2, median: 3, max: 3 });
    const all = await inspect(gestureDir);
    expect(all.splits.map((s) => s.summary.samples)).toEqual([3, 3]);
    expect(all.splits[0]?.summary.classes).toBe(11);
  });

  it('SHD: the h5py fixture, and the embedded sets', async () => {
    const shd = await inspect(join(FIX, 'shd_tiny_train.h5'));
    expect(shd.format).toBe('shd');
    expect(shd.splits[0]?.summary).toMatchObject({ samples: 8, classes: 20, events: { total: 45, min: 0, max: 10 } });
    const rm = await inspect('randman', ['--samples', '50']);
    expect(rm.splits[0]?.summary).toMatchObject({ samples: 50, events: { min: 100, max: 100 } });
    process.env.ROUSER_CACHE_DIR = join(root, 'cache');
    try {
      const mini = await inspect('nmnist-mini', ['--samples', '20']);
      expect(mini.format).toBe('nmnist-mini');
      expect(mini.splits.map((s) => s.summary.samples)).toEqual([20, 10]);
    } finally {
      delete process.env.ROUSER_CACHE_DIR;
    }
  });

  it('synthetic: the same task as --dataset synthetic (samples, classes, spike totals per split)', async () => {
    const rep = await inspect('synthetic');
    const d = await openDataset('synthetic');
    const total = (x: Float32Array): number => x.reduce((s, v) => s + v, 0);
    expect(rep.format).toBe('synthetic');
    expect(rep.splits.map((s) => [s.name, s.summary.samples, s.summary.classes, s.summary.events.total])).toEqual([
      ['train', d.train.inputs.batch, 4, total(d.train.inputs.data)],
      ['test', d.test.inputs.batch, 4, total(d.test.inputs.data)],
    ]);
  });

  it('text output names format, events and sensor', async () => {
    expect(await main(['datasets', 'inspect', nmnistDir])).toBe(0);
    expect(io.out).toContain('format nmnist');
    expect(io.out).toContain('events: 40 total, per sample min 2 / median 2 / max 2');
    expect(io.out).toContain('sensor 34x34x2');
  });

  it('malformed input: one line naming file, offset or row, and the expectation; no stack trace', async () => {
    const bad = join(root, 'bad');
    mkdirSync(bad, { recursive: true });
    const trunc = join(bad, 'trunc.bin');
    writeFileSync(trunc, new Uint8Array(7));
    const cases: [string, string][] = [
      [trunc, `${trunc}: field length (trailing bytes at byte 5) is 7; expected a multiple of 5 bytes`],
      [join(bad, 'empty.bin'), 'field length is 0 bytes; expected a non-empty dataset file (empty file)'],
      [join(bad, 'hdr.aedat'), 'field first line at byte 0 is "#!AER-DAT2.0"; expected "#!AER-DAT3.1"'],
      [join(bad, 'x_labels.csv'), 'x_labels.csv: field row 3 class is "14"; expected an integer class in 1..11'],
      [join(FIX, 'shd_bad_label.h5'), 'shd_bad_label.h5: field /labels[1] is 25; expected a class in [0, 20)'],
    ];
    writeFileSync(join(bad, 'empty.bin'), '');
    writeFileSync(join(bad, 'hdr.aedat'), '#!AER-DAT2.0\r\n#!END-HEADER\r\n');
    writeFileSync(join(bad, 'x_labels.csv'), 'class,startTime_usec,endTime_usec\r\n1,0,5\r\n14,5,9\r\n');
    for (const [path, msg] of cases) {
      io.err = '';
      expect(await main(['datasets', 'inspect', path])).toBe(1);
      expect(io.err).toContain(msg);
      expect(io.err.trim().split('\n')).toHaveLength(1);
      expect(io.err).not.toMatch(/\n\s+at /);
    }
  });
});

describe('loadDataset on folders', () => {
  it('N-MNIST and DVS Gesture folders', async () => {
    const n = await loadDataset(nmnistDir, { steps: 4, downsample: 2 });
    expect(n.info).toMatchObject({ name: 'nmnist', inputSize: 578, steps: 4, trainSamples: 20, testSamples: 20 });
    const g = await loadDataset(gestureDir, { steps: 4, binary: false });
    expect(g.info).toMatchObject({ name: 'dvsgesture', inputSize: 2048, classes: 11, trainSamples: 3, testSamples: 3 });
    expect(g.train.inputs.data.reduce((s, v) => s + v, 0)).toBe(8);
  });
});

/** Serves `body` at /file on 127.0.0.1 with Range support; `dropFirst` cuts the first response mid-way. */
async function serve(
  body: Uint8Array,
  opts: { dropFirst?: boolean } = {},
): Promise<{ url: string; server: Server; ranges: string[] }> {
  const ranges: string[] = [];
  let first = true;
  const server = createServer((req, res) => {
    const range = req.headers.range;
    if (range) ranges.push(range);
    const start = range ? Number(/bytes=(\d+)-/.exec(range)?.[1] ?? 0) : 0;
    const slice = body.subarray(start);
    res.writeHead(range ? 206 : 200, {
      'content-length': String(slice.length),
      ...(range ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
    });
    if (opts.dropFirst && first) {
      first = false;
      res.write(slice.subarray(0, slice.length >> 1), () => res.destroy());
      return;
    }
    res.end(slice);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/file`, server, ranges };
}

const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

describe('rouser datasets fetch (loopback server)', () => {
  const files = makeNmnistTree(join(root, 'zipsrc'));
  const zip = zipSync(files, { level: 6 });

  it('downloads, verifies the MD5, extracts atomically, and the result loads', async () => {
    const s = await serve(zip);
    try {
      const dir = join(root, 'fetch-ok');
      const src: FetchSource[] = [{ url: s.url, file: 'nmnist.zip', md5: md5(zip), extract: 'zip' }];
      const r = await fetchDataset('nmnist', { dir, sources: src });
      expect(r.downloaded).toEqual(['nmnist.zip']);
      expect(r.extracted.sort()).toEqual(['Test', 'Train']);
      expect(readFileSync(join(dir, 'nmnist', 'Train', '7', '1.bin'))).toEqual(
        Buffer.from(files['Train/7/1.bin'] as Uint8Array),
      );
      expect(existsSync(join(dir, 'nmnist', '.extract-nmnist.zip.tmp'))).toBe(false);
      const again = await fetchDataset('nmnist', { dir, sources: src });
      expect(again).toMatchObject({ downloaded: [], reused: ['nmnist.zip'], extracted: [] });
      const d = await loadDataset(join(dir, 'nmnist'), { steps: 2 });
      expect(d.info.trainSamples).toBe(20);
    } finally {
      s.server.close();
    }
  });

  it('resumes after a dropped connection with a Range request', async () => {
    const s = await serve(zip, { dropFirst: true });
    try {
      const dir = join(root, 'fetch-drop');
      const logs: string[] = [];
      const r = await fetchDataset('nmnist', {
        dir,
        sources: [{ url: s.url, file: 'n.zip', md5: md5(zip), extract: 'zip' }],
        log: (m) => logs.push(m),
      });
      expect(r.downloaded).toEqual(['n.zip']);
      expect(s.ranges.length).toBeGreaterThanOrEqual(1);
      expect(s.ranges[0]).toMatch(/^bytes=\d+-$/);
      expect(logs.join('\n')).toContain('resuming');
      expect(readFileSync(join(dir, 'nmnist', 'n.zip'))).toEqual(Buffer.from(zip));
    } finally {
      s.server.close();
    }
  });

  it('a corrupted archive fails the checksum, is deleted, and nothing is extracted', async () => {
    const bad = zip.slice();
    bad[100] = (bad[100] as number) ^ 0xff;
    const s = await serve(bad);
    try {
      const dir = join(root, 'fetch-bad');
      await expect(
        fetchDataset('nmnist', { dir, sources: [{ url: s.url, file: 'n.zip', md5: md5(zip), extract: 'zip' }] }),
      ).rejects.toThrow(`field md5 is ${md5(bad)}; expected ${md5(zip)} (the download is corrupt and was deleted`);
      expect(existsSync(join(dir, 'nmnist', 'n.zip'))).toBe(false);
      expect(existsSync(join(dir, 'nmnist', 'Train'))).toBe(false);
    } finally {
      s.server.close();
    }
  });

  it('an unreachable host gives manual-download instructions', async () => {
    const s = await serve(zip);
    const url = s.url;
    await new Promise<void>((r) => s.server.close(() => r()));
    const dir = join(root, 'fetch-down');
    await expect(
      fetchDataset('shd', { dir, sources: [{ url, file: 'shd_train.h5.zip', md5: 'x', extract: 'zip' }] }),
    ).rejects.toThrow(
      new RegExp(
        `cannot reach 127\\.0\\.0\\.1:\\d+ for shd_train\\.h5\\.zip \\(ECONNREFUSED\\)\\. Download it by hand: open ${url.replace(/[.]/g, '\\.')} in a browser, save it as .*shd_train\\.h5\\.zip`,
      ),
    );
  });

  it('CLI: dvsgesture explains the manual download; unknown names are rejected', async () => {
    expect(await main(['datasets', 'fetch', 'dvsgesture', '--dir', join(root, 'dl')])).toBe(1);
    expect(io.err).toContain('no direct download is available');
    expect(io.err).toContain('trials_to_train.txt');
    io.err = '';
    expect(await main(['datasets', 'fetch', 'mnist'])).toBe(1);
    expect(io.err).toContain('dataset is "mnist"; expected one of nmnist, dvsgesture, shd, ssc');
  });
});
