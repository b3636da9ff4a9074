import { createHash } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, existsSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { Unzip, UnzipInflate } from 'fflate';
import { RouserError } from '../../util/errors.js';

/** One file of a dataset: where to get it, its MD5, and how to unpack it. */
export interface FetchSource {
  url: string;
  /** File name saved in the dataset folder. */
  file: string;
  md5: string;
  extract: 'zip' | 'gunzip' | 'none';
}

/** Names accepted by `rouser datasets fetch`. */
export type FetchableDataset = 'nmnist' | 'dvsgesture' | 'shd' | 'ssc';

/** Official sources, with MD5s as listed by the tonic project (neuromorphs/tonic). */
export const DATASET_SOURCES: Record<FetchableDataset, { homepage: string; files: FetchSource[]; manual?: string }> = {
  nmnist: {
    homepage: 'https://www.garrickorchard.com/datasets/n-mnist (Mendeley Data, doi:10.17632/468j46mzdv.1)',
    files: [
      { url: 'https://data.mendeley.com/public-files/datasets/468j46mzdv/files/39c25547-014b-4137-a934-9d29fa53c7a0/file_downloaded', file: 'train.zip', md5: '20959b8e626244a1b502305a9e6e2031', extract: 'zip' },
      { url: 'https://data.mendeley.com/public-files/datasets/468j46mzdv/files/05a4d654-7e03-4c15-bdfa-9bb2bcbea494/file_downloaded', file: 'test.zip', md5: '69ca8762b2fe404d9b9bad1103e97832', extract: 'zip' },
    ],
  },
  dvsgesture: {
    homepage: 'https://research.ibm.com/interactive/dvsgesture/',
    files: [],
    manual:
      'IBM distributes DvsGesture.tar.gz (AEDAT 3.1 recordings, *_labels.csv, trials_to_train.txt, trials_to_test.txt) only through a Box folder that needs a browser: open https://ibm.ent.box.com/s/3hiq58ww1pbbjrinh367ykfdf60xsfm8 , download DvsGesture.tar.gz, extract it (tar xzf DvsGesture.tar.gz -C DIR) and pass DIR/DvsGesture to --dataset.',
  },
  shd: {
    homepage: 'https://zenkelab.org/resources/spiking-heidelberg-datasets-shd/',
    files: [
      { url: 'https://zenkelab.org/datasets/shd_train.h5.zip', file: 'shd_train.h5.zip', md5: 'f3252aeb598ac776c1b526422d90eecb', extract: 'zip' },
      { url: 'https://zenkelab.org/datasets/shd_test.h5.zip', file: 'shd_test.h5.zip', md5: '1503a5064faa34311c398fb0a1ed0a6f', extract: 'zip' },
    ],
  },
  ssc: {
    homepage: 'https://zenkelab.org/resources/spiking-heidelberg-datasets-shd/',
    files: [
      { url: 'https://zenkelab.org/datasets/ssc_train.h5.zip', file: 'ssc_train.h5.zip', md5: 'd102be95e7144fcc0553d1f45ba94170', extract: 'zip' },
      { url: 'https://zenkelab.org/datasets/ssc_valid.h5.zip', file: 'ssc_valid.h5.zip', md5: 'b4eee3516a4a90dd0c71a6ac23a8ae43', extract: 'zip' },
      { url: 'https://zenkelab.org/datasets/ssc_test.h5.zip', file: 'ssc_test.h5.zip', md5: 'a35ff1e9cffdd02a20eb850c17c37748', extract: 'zip' },
    ],
  },
};

/** Options of {@link fetchDataset}. */
export interface FetchOptions {
  /** Parent folder; files go to `<dir>/<name>/` (default `./data`). */
  dir?: string;
  /** Replaces the official sources (mirrors, tests). */
  sources?: FetchSource[];
  /** Attempts per file when the connection drops (each attempt resumes). Default 4. */
  attempts?: number;
  /** Milliseconds without progress before an attempt is abandoned. Default 30 000. */
  idleTimeoutMs?: number;
  log?: (message: string) => void;
}

/** Result of {@link fetchDataset}. */
export interface FetchResult {
  folder: string;
  downloaded: string[];
  reused: string[];
  extracted: string[];
}

/** MD5 hex digest of a file (streamed). */
export async function md5File(path: string): Promise<string> {
  const h = createHash('md5');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

function manualHelp(name: string, s: FetchSource, folder: string): string {
  return `Download it by hand: open ${s.url} in a browser, save it as ${join(folder, s.file)}, then run \`rouser datasets fetch ${name} --dir ${dirname(folder)}\` again (it verifies the MD5 ${s.md5} and extracts).`;
}

/**
 * Downloads `s.url` to `dest`, resuming from `dest.part` with an HTTP Range request after a dropped connection.
 * The part file is renamed to `dest` only when complete.
 */
async function download(s: FetchSource, dest: string, o: Required<Pick<FetchOptions, 'attempts' | 'idleTimeoutMs'>> & { log: (m: string) => void; name: string; folder: string }): Promise<void> {
  const part = `${dest}.part`;
  let lastErr = '';
  for (let attempt = 1; attempt <= o.attempts; attempt++) {
    const have = existsSync(part) ? statSync(part).size : 0;
    const ctrl = new AbortController();
    let timer = setTimeout(() => ctrl.abort(), o.idleTimeoutMs);
    const bump = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => ctrl.abort(), o.idleTimeoutMs);
    };
    try {
      let res: Response;
      try {
        res = await fetch(s.url, { headers: have > 0 ? { Range: `bytes=${have}-` } : {}, signal: ctrl.signal });
      } catch (e) {
        const cause = (e as { cause?: { code?: string; message?: string } }).cause;
        const code = cause?.code ?? cause?.message ?? (e as Error).message;
        if (attempt === 1 && have === 0) throw new RouserError(`cannot reach ${new URL(s.url).host} for ${s.file} (${code}). ${manualHelp(o.name, s, o.folder)}`);
        lastErr = code;
        continue;
      }
      let fd: number;
      if (res.status === 206) fd = openSync(part, 'a');
      else if (res.status === 200) fd = openSync(part, 'w');
      else if (res.status === 416 && have > 0) {
        renameSync(part, dest);
        return;
      } else {
        await res.body?.cancel();
        throw new RouserError(`${s.url}: HTTP status ${res.status}; expected 200 or 206. ${manualHelp(o.name, s, o.folder)}`);
      }
      const expected = Number(res.headers.get('content-length') ?? NaN);
      let got = 0;
      try {
        if (!res.body) throw new Error('empty body');
        for await (const chunk of res.body) {
          bump();
          const b = chunk as Uint8Array;
          let off = 0;
          while (off < b.length) off += writeSync(fd, b, off, b.length - off);
          got += b.length;
        }
      } finally {
        closeSync(fd);
      }
      if (Number.isFinite(expected) && got < expected) {
        lastErr = `connection closed after ${got} of ${expected} bytes`;
        o.log(`${s.file}: ${lastErr}; resuming (attempt ${attempt + 1} of ${o.attempts})`);
        continue;
      }
      renameSync(part, dest);
      return;
    } catch (e) {
      if (e instanceof RouserError) throw e;
      lastErr = (e as Error).message;
      o.log(`${s.file}: ${lastErr}; resuming (attempt ${attempt + 1} of ${o.attempts})`);
    } finally {
      clearTimeout(timer);
    }
  }
  throw new RouserError(`${s.url}: download failed after ${o.attempts} attempts (${lastErr}); the partial file ${part} is kept and the next run resumes it. ${manualHelp(o.name, s, o.folder)}`);
}

function safeEntry(root: string, name: string): string {
  const p = normalize(join(root, name));
  if (!p.startsWith(root + sep) && p !== root) throw new RouserError(`archive entry ${JSON.stringify(name)}: path leaves the extraction folder; expected a relative path inside it`);
  return p;
}

/** Extracts a zip (streamed through fflate) into `into`, creating folders; entries may not escape `into`. */
export async function extractZip(zipPath: string, into: string): Promise<void> {
  mkdirSync(into, { recursive: true });
  const uz = new Unzip();
  uz.register(UnzipInflate);
  let failure: Error | undefined;
  let open = 0;
  uz.onfile = (f) => {
    if (f.name.endsWith('/')) {
      mkdirSync(safeEntry(into, f.name), { recursive: true });
      return;
    }
    const target = safeEntry(into, f.name);
    mkdirSync(dirname(target), { recursive: true });
    const fd = openSync(target, 'w');
    open++;
    f.ondata = (err, data, final) => {
      if (err) {
        failure ??= err;
        return;
      }
      let off = 0;
      while (off < data.length) off += writeSync(fd, data, off, data.length - off);
      if (final) {
        closeSync(fd);
        open--;
      }
    };
    f.start();
  };
  const size = statSync(zipPath).size;
  let read = 0;
  for await (const chunk of createReadStream(zipPath, { highWaterMark: 1 << 20 })) {
    const b = chunk as Buffer;
    read += b.length;
    uz.push(new Uint8Array(b.buffer, b.byteOffset, b.length), read >= size);
    if (failure) break;
  }
  if (failure) throw new RouserError(`${zipPath}: zip data is corrupt (${failure.message}); expected a valid zip archive (delete it and fetch again)`);
  if (open !== 0) throw new RouserError(`${zipPath}: field entries has ${open} unfinished file(s); expected a complete zip archive (delete it and fetch again)`);
}

/**
 * Extracts into a temporary folder next to `folder`, then moves each top-level entry into `folder` with a
 * rename, so a crash never leaves a half-extracted tree under the final names.
 */
async function extractAtomic(archive: string, s: FetchSource, folder: string): Promise<string[]> {
  const tmp = join(folder, `.extract-${s.file}.tmp`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    switch (s.extract) {
      case 'zip':
        await extractZip(archive, tmp);
        break;
      case 'gunzip':
        mkdirSync(tmp, { recursive: true });
        try {
          await pipeline(createReadStream(archive), createGunzip(), createWriteStream(join(tmp, s.file.replace(/\.gz$/i, ''))));
        } catch (e) {
          throw new RouserError(`${archive}: gzip data is corrupt (${(e as Error).message}); expected a valid .gz file`);
        }
        break;
      case 'none':
        return [];
      default: {
        const never: never = s.extract;
        throw new RouserError(`${s.file}: field extract is ${String(never)}; expected zip, gunzip or none`);
      }
    }
    const names = readdirSync(tmp).filter((n) => n !== '__MACOSX');
    for (const n of names) {
      const dest = join(folder, n);
      rmSync(dest, { recursive: true, force: true });
      renameSync(join(tmp, n), dest);
    }
    return names;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Fetches a dataset into `<dir>/<name>/`: each file is downloaded (resumable; a file already present, e.g. saved
 * by hand, is reused), its MD5 verified (a mismatch deletes it and fails), then extracted atomically. An
 * unreachable host gives a `RouserError` with manual-download instructions.
 */
export async function fetchDataset(name: FetchableDataset, opts: FetchOptions = {}): Promise<FetchResult> {
  const src = DATASET_SOURCES[name];
  const folder = join(opts.dir ?? 'data', name);
  const files = opts.sources ?? src.files;
  if (files.length === 0) throw new RouserError(`${name}: no direct download is available. ${src.manual ?? ''} (homepage: ${src.homepage})`);
  mkdirSync(folder, { recursive: true });
  const log = opts.log ?? ((): void => undefined);
  const out: FetchResult = { folder, downloaded: [], reused: [], extracted: [] };
  for (const s of files) {
    const dest = join(folder, s.file);
    const done = join(folder, `.${s.file}.extracted`);
    if (existsSync(dest)) out.reused.push(s.file);
    else {
      log(`downloading ${s.url} -> ${dest}`);
      await download(s, dest, { attempts: opts.attempts ?? 4, idleTimeoutMs: opts.idleTimeoutMs ?? 30_000, log, name, folder });
      out.downloaded.push(s.file);
    }
    const md5 = await md5File(dest);
    if (md5 !== s.md5) {
      rmSync(dest, { force: true });
      throw new RouserError(`${dest}: field md5 is ${md5}; expected ${s.md5} (the download is corrupt and was deleted; run the command again, or ${manualHelp(name, s, folder)})`);
    }
    if (!existsSync(done)) {
      log(`extracting ${dest}`);
      out.extracted.push(...(await extractAtomic(dest, s, folder)));
      closeSync(openSync(done, 'w'));
    }
  }
  return out;
}
