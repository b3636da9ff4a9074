import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { RouserError } from '../util/errors.js';

/**
 * The one guarded HDF5 layer of the project. Every HDF5 reader goes through {@link openHdf5}, which
 * 1. validates the file before h5wasm touches it ({@link checkHdf5Layout}: signature, superblock, end-of-file
 *    address against the file size, so a truncated file is named as truncated);
 * 2. runs h5wasm in a worker thread, with a fresh WebAssembly instance (fresh memory) for every file, so a native
 *    `abort()` or an out-of-bounds access from a corrupt file ends that worker only, never the process, no state of
 *    one file reaches the next, and a runaway read is stopped by a timeout. A worker whose file closed without any
 *    error is kept (one idle worker, unref'd) and serves the next file with a new instance of the already compiled
 *    module (about 0.05 s instead of 0.3-0.6 s for a new worker); after an error, or after
 *    {@link HDF5_FILES_PER_WORKER} files (each instance's memory stays allocated), the worker is ended;
 * 3. collects h5wasm's `HDF5-DIAG` text inside the worker (its console and its raw writes to descriptors 1 and 2
 *    are captured, so nothing reaches the terminal) and turns it into one message naming the file and the object
 *    that failed.
 * Calls after the asynchronous open are synchronous (the caller blocks on an Atomics wait while the worker reads).
 */

/** HDF5 format signature (HDF5 spec, section II.A). */
export const HDF5_SIGNATURE: readonly number[] = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** What {@link checkHdf5Layout} found in the superblock. */
export interface Hdf5Layout {
  /** Byte offset of the superblock (0, 512, 1024, 2048, ...). */
  superblockOffset: number;
  /** Superblock version (0, 1, 2 or 3). */
  version: number;
  /** Size of file addresses in bytes (2, 4 or 8). */
  offsetSize: number;
  /** Bytes the file must have: base address + end-of-file address from the superblock. */
  endOfFile: number;
}

function readAt(fd: number, offset: number, length: number, size: number): Uint8Array {
  const n = Math.max(0, Math.min(length, size - offset));
  const buf = Buffer.alloc(n);
  if (n > 0) readSync(fd, buf, 0, n, offset);
  return buf;
}

function readAddress(b: Uint8Array, at: number, size: number): number {
  let v = 0;
  let allOnes = true;
  for (let i = size - 1; i >= 0; i--) {
    const byte = b[at + i] as number;
    if (byte !== 0xff) allOnes = false;
    v = v * 256 + byte;
  }
  return allOnes ? -1 : v; // all ones is HDF5's "undefined address"
}

/**
 * Checks an HDF5 file's superblock before any HDF5 library sees it: the signature at byte 0, 512, 1024, ...; a
 * known superblock version (0-3); address and length sizes of 2, 4 or 8 bytes; and the end-of-file address no
 * larger than the file (a shorter file was truncated, e.g. by an interrupted download).
 * @param where the path named in messages (the original path when `path` is a decompressed copy)
 * @throws RouserError naming the file, the byte offset or field, the value and the expectation
 */
export function checkHdf5Layout(path: string, where = path): Hdf5Layout {
  const size = statSync(path).size;
  if (size === 0) throw new RouserError(`${where}: field length is 0 bytes; expected an HDF5 file (empty file)`);
  const fd = openSync(path, 'r');
  try {
    let sb = -1;
    for (let off = 0; off + 8 <= size; off = off === 0 ? 512 : off * 2) {
      const sig = readAt(fd, off, 8, size);
      if (HDF5_SIGNATURE.every((b, i) => sig[i] === b)) {
        sb = off;
        break;
      }
    }
    if (sb < 0)
      throw new RouserError(
        `${where}: field header (byte 0) has no HDF5 signature; expected an HDF5 file (signature \\x89HDF\\r\\n\\x1a\\n at byte 0, 512, 1024, ...)`,
      );
    const b = readAt(fd, sb, 128, size);
    const truncatedIn = (need: number): void => {
      if (b.length < need)
        throw new RouserError(
          `${where}: the file is truncated inside the HDF5 superblock at byte ${sb} (${size} bytes in the file); expected a complete HDF5 file`,
        );
    };
    truncatedIn(9);
    const version = b[8] as number;
    let offsetSize: number;
    let lengthSize: number;
    let baseAt: number;
    let eofAt: number;
    if (version === 0 || version === 1) {
      truncatedIn(16);
      offsetSize = b[13] as number;
      lengthSize = b[14] as number;
      baseAt = version === 0 ? 24 : 28;
      eofAt = baseAt + 2 * offsetSize;
    } else if (version === 2 || version === 3) {
      truncatedIn(12);
      offsetSize = b[9] as number;
      lengthSize = b[10] as number;
      baseAt = 12;
      eofAt = baseAt + 2 * offsetSize;
    } else
      throw new RouserError(
        `${where}: field superblock version (byte ${sb + 8}) is ${version}; expected 0, 1, 2 or 3 (the file is corrupt or from a newer HDF5)`,
      );
    for (const [name, v, at] of [
      ['size of offsets', offsetSize, version <= 1 ? 13 : 9],
      ['size of lengths', lengthSize, version <= 1 ? 14 : 10],
    ] as const)
      if (v !== 2 && v !== 4 && v !== 8)
        throw new RouserError(
          `${where}: field superblock ${name} (byte ${sb + at}) is ${v}; expected 2, 4 or 8 (the file is corrupt)`,
        );
    truncatedIn(eofAt + offsetSize);
    const base = readAddress(b, baseAt, offsetSize);
    const eof = readAddress(b, eofAt, offsetSize);
    if (base < 0 || eof < 0)
      throw new RouserError(
        `${where}: field superblock ${base < 0 ? 'base address' : 'end-of-file address'} (byte ${sb + (base < 0 ? baseAt : eofAt)}) is undefined; expected an address (the file is corrupt)`,
      );
    const endOfFile = base + eof;
    if (endOfFile > size)
      throw new RouserError(
        `${where}: the file is truncated: its HDF5 superblock says ${endOfFile} bytes (end-of-file address at byte ${sb + eofAt}) but the file has ${size}; expected the complete file (download it again)`,
      );
    return { superblockOffset: sb, version, offsetSize, endOfFile };
  } finally {
    closeSync(fd);
  }
}

/** HDF5 datatype of a dataset or of the elements of a ragged (vlen) dataset, as h5wasm describes it. */
export interface Hdf5Type {
  /** HDF5 type class: 0 integer, 1 float, 3 string, 9 vlen, ... */
  type: number;
  /** Bytes per element. */
  size: number;
  signed: boolean;
}

/** Where an HDF5 path leads. */
export type Hdf5Object =
  | { kind: 'missing' }
  | { kind: 'group'; keys: string[] }
  | { kind: 'dataset'; shape: number[]; dtype: Hdf5Type; vlen?: Hdf5Type };

/** An open HDF5 file (read-only). Every method throws a `RouserError` naming the file and the object. */
export interface Hdf5File {
  /** The path named in messages. */
  readonly path: string;
  /** What the object at `name` (e.g. `spikes/times`) is. */
  get(name: string): Hdf5Object;
  /** The whole value of a dataset: numbers (bigint for 64-bit integers) or strings. */
  value(name: string): ArrayLike<number | bigint | string>;
  /**
   * Rows `[start, end)` of a ragged (vlen) 1-D dataset: their lengths and their elements' raw little-endian bytes,
   * concatenated (row i starts at the sum of the earlier lengths times the element size).
   */
  vlenRows(name: string, start: number, end: number): { lengths: Uint32Array; bytes: Uint8Array };
  /** Ends the worker (idempotent). */
  close(): void;
}

/** Options of {@link openHdf5}. */
export interface OpenHdf5Options {
  /** Path named in messages when the opened file is a temporary copy (e.g. decompressed `.h5.gz`). */
  where?: string;
  /** Milliseconds one call may take before the worker is stopped (default 120000). */
  timeoutMs?: number;
}

/** Finds h5wasm's Node entry (the package exports only an `import` condition, so it cannot be resolved by require). */
function h5wasmEntry(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const p = join(dir, 'node_modules', 'h5wasm', 'dist', 'node', 'hdf5_hl.js');
    if (existsSync(p)) return pathToFileURL(p).href;
    const up = dirname(dir);
    if (up === dir)
      throw new RouserError('h5wasm: package not found next to rouser; expected node_modules/h5wasm (npm ci)');
    dir = up;
  }
}

/**
 * Worker source. console.error/log/warn and fs.writeSync on descriptors 1 and 2 are replaced before h5wasm loads,
 * so HDF5-DIAG text is collected into `diag` instead of printed. Each request is answered on the port, then the
 * shared flag is raised so the blocked caller wakes up.
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const diag = [];
const keep = (...a) => { diag.push(a.map(String).join(' ')); if (diag.length > 400) diag.splice(0, diag.length - 400); };
console.error = keep; console.warn = keep; console.log = keep; console.info = keep;
// h5wasm is built with NODERAWFS: its stdout/stderr are fs.writeSync(1 | 2, ...) on the real descriptors.
const fs = require('node:fs');
const writeSync = fs.writeSync;
fs.writeSync = function (fd, buffer, offset, length, position) {
  if (fd !== 1 && fd !== 2) return writeSync.apply(fs, arguments);
  if (typeof buffer === 'string') { keep(buffer); return Buffer.byteLength(buffer); }
  const from = typeof offset === 'number' ? offset : 0;
  const n = typeof length === 'number' ? length : buffer.byteLength - from;
  keep(Buffer.from(buffer.buffer, buffer.byteOffset + from, n).toString('utf8'));
  return n;
};
// The wasm module is compiled once per worker; every later instance (one per opened file) reuses it.
let compiled;
const instantiate = WebAssembly.instantiate;
WebAssembly.instantiate = async (bytes, imports) => {
  if (compiled && !(bytes instanceof WebAssembly.Module)) return { module: compiled, instance: await instantiate(compiled, imports) };
  const r = await instantiate(bytes, imports);
  if (r && r.module) compiled = r.module;
  return r;
};
let instances = 0;
let used = false;
const flag = new Int32Array(workerData.shared);
const port = workerData.port;
const reply = (msg, transfer) => { port.postMessage(msg, transfer || []); Atomics.store(flag, 0, 1); Atomics.notify(flag, 0); };
let h5; let file;
const plainType = (m) => ({ type: m.type, size: m.size, signed: !!m.signed });
async function handle(req) {
  switch (req.op) {
    case 'open':
      if (used) {
        // A fresh instance (own memory) for every file: import the module again under a new URL.
        h5 = await import(workerData.entry + '?instance=' + ++instances);
        await h5.ready;
      }
      used = true;
      file = new h5.File(req.path, 'r');
      if (!file.keys) throw new Error('no root group');
      file.keys();
      return {};
    case 'get': {
      const o = file.get(req.name);
      if (o === null || o === undefined) return { object: { kind: 'missing' } };
      if (o instanceof h5.Dataset) {
        const m = o.metadata;
        const object = { kind: 'dataset', shape: (o.shape || []).map(Number), dtype: plainType(m) };
        if (m.vlen_type) object.vlen = plainType(m.vlen_type);
        return { object };
      }
      if (o instanceof h5.Group) return { object: { kind: 'group', keys: o.keys() } };
      return { object: { kind: 'missing' } };
    }
    case 'value': {
      const v = file.get(req.name).value;
      return { value: ArrayBuffer.isView(v) ? v : Array.isArray(v) ? v : v === null || v === undefined ? [] : [v] };
    }
    case 'vlenRows': {
      const ds = file.get(req.name);
      const M = h5.Module;
      const count = req.end - req.start;
      const elem = ds.metadata.vlen_type.size;
      const ptr = M._malloc(Math.max(8, count * 8));
      const fid = ds.file_id;
      try {
        M.get_dataset_data(fid, ds.path, [BigInt(count)], [BigInt(req.start)], [1n], BigInt(ptr));
        try {
          const heap = M.HEAPU8;
          const dv = new DataView(heap.buffer, heap.byteOffset, heap.byteLength);
          const lengths = new Uint32Array(count);
          let total = 0;
          for (let i = 0; i < count; i++) { lengths[i] = dv.getUint32(ptr + 8 * i, true); total += lengths[i] * elem; }
          if (total > heap.byteLength) throw new Error('row lengths exceed the memory of the reader');
          const bytes = new Uint8Array(total);
          let off = 0;
          for (let i = 0; i < count; i++) {
            const n = lengths[i] * elem;
            const p = dv.getUint32(ptr + 8 * i + 4, true);
            if (p + n > heap.byteLength) throw new Error('row ' + (req.start + i) + ' points outside the reader memory');
            bytes.set(heap.subarray(p, p + n), off);
            off += n;
          }
          return { lengths, bytes, transfer: [lengths.buffer, bytes.buffer] };
        } finally {
          M.reclaim_vlen_memory_count(fid, ds.path, '', BigInt(ptr), [BigInt(count)]);
        }
      } finally {
        M._free(ptr);
      }
    }
    case 'close':
      if (file) file.close();
      file = undefined;
      return {};
    default:
      throw new Error('unknown request ' + req.op);
  }
}
port.on('message', async (req) => {
  diag.length = 0;
  try {
    const r = await handle(req);
    const transfer = r.transfer; delete r.transfer;
    reply({ ok: true, ...r, diag: diag.slice() }, transfer);
  } catch (e) {
    reply({ ok: false, error: (e && e.message) || String(e), diag: diag.slice() });
  }
});
import(workerData.entry).then(async (mod) => { await mod.ready; h5 = mod; reply({ ok: true, diag: [] }); },
  (e) => reply({ ok: false, error: 'cannot load h5wasm: ' + ((e && e.message) || e), diag: [] }));
`;

/**
 * Condenses HDF5-DIAG text to its first and last error frames, e.g. `H5Dread(): can't read data; H5F_block_read():
 * addr overflow`. Empty when there is no diagnostic.
 */
export function summarizeHdf5Diagnostics(lines: readonly string[]): string {
  const frames: string[] = [];
  for (const l of lines.join('\n').split('\n')) {
    const m = /#\d+: .* in ([A-Za-z0-9_]+\(\)): (.*)$/.exec(l);
    if (m) frames.push(`${m[1]}: ${(m[2] as string).trim()}`);
  }
  const aborted = lines.find((l) => /Aborted\(/.test(l));
  const parts = frames.length > 1 ? [frames[0], frames[frames.length - 1]] : frames;
  if (aborted) parts.push('the HDF5 library aborted');
  return parts.join('; ');
}

interface Reply {
  ok: boolean;
  error?: string;
  diag: string[];
  object?: Hdf5Object;
  value?: ArrayLike<number | bigint | string>;
  lengths?: Uint32Array;
  bytes?: Uint8Array;
}

/** Files one worker serves (each with its own wasm instance, whose memory stays allocated) before it is ended. */
export const HDF5_FILES_PER_WORKER = 16;

/** A worker running h5wasm, reached through a port and a shared flag. */
interface Reader {
  worker: Worker;
  port: MessagePort;
  flag: Int32Array;
  dead: boolean;
  files: number;
}

/** The idle worker kept after a file closed cleanly, if any. */
let idle: Reader | undefined;

function stopReader(r: Reader): void {
  if (idle === r) idle = undefined;
  if (r.dead) return;
  r.dead = true;
  r.port.close();
  void r.worker.terminate();
}

/** Waits (blocking) for the worker's answer; a timeout or a missing answer stops the worker. */
function waitReply(r: Reader, where: string, what: string, timeoutMs: number, waited?: string): Reply {
  const res = waited ?? Atomics.wait(r.flag, 0, 0, timeoutMs);
  Atomics.store(r.flag, 0, 0);
  const msg = receiveMessageOnPort(r.port);
  if (res === 'timed-out' || !msg) {
    stopReader(r);
    throw new RouserError(
      `${where}: ${what} did not finish within ${timeoutMs / 1000} s; the HDF5 reader was stopped (the file is corrupt or too large)`,
    );
  }
  return msg.message as Reply;
}

async function startReader(where: string, timeoutMs: number): Promise<Reader> {
  const shared = new SharedArrayBuffer(4);
  const flag = new Int32Array(shared);
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { shared, port: port2, entry: h5wasmEntry() },
    transferList: [port2 as unknown as MessagePort],
    stdout: true,
    stderr: true,
  });
  worker.unref();
  // The worker's own stdout/stderr (anything printed outside console.*) is drained and dropped.
  worker.stdout.resume();
  worker.stderr.resume();
  const r: Reader = { worker, port: port1, flag, dead: false, files: 0 };
  worker.on('exit', () => {
    if (idle === r) idle = undefined;
    r.dead = true;
  });
  const ready = await new Promise<Reply>((resolve, reject) =>
    setImmediate(() => {
      try {
        resolve(waitReply(r, where, 'loading the HDF5 reader', timeoutMs));
      } catch (e) {
        reject(e);
      }
    }),
  );
  if (!ready.ok) {
    stopReader(r);
    throw new RouserError(`${where}: ${ready.error ?? 'the HDF5 reader did not start'}`);
  }
  return r;
}

/**
 * Opens an HDF5 file read-only through the guarded layer (see the module comment). The file is checked with
 * {@link checkHdf5Layout} first; then a worker opens it with a fresh h5wasm instance.
 * @throws RouserError naming the file (and the object) when the file is missing, truncated or corrupt
 */
export async function openHdf5(path: string, opts: OpenHdf5Options = {}): Promise<Hdf5File> {
  const where = opts.where ?? path;
  if (!existsSync(path)) throw new RouserError(`${where}: no such file; expected an HDF5 file`);
  checkHdf5Layout(path, where);
  const timeoutMs = opts.timeoutMs ?? 120_000;
  let reader = idle;
  idle = undefined;
  if (!reader || reader.dead) reader = await startReader(where, timeoutMs);
  const r = reader;
  r.files++;
  let failed = false;
  let closed = false;
  const call = (req: Record<string, unknown>, what: string): Reply => {
    if (r.dead || closed)
      throw new RouserError(`${where}: ${what}: the HDF5 reader was stopped after an earlier error`);
    r.port.postMessage(req);
    let reply: Reply;
    try {
      reply = waitReply(r, where, what, timeoutMs);
    } catch (e) {
      failed = true;
      throw e;
    }
    if (!reply.ok || reply.diag.length > 0) failed = true;
    if (!reply.ok) {
      const diag = summarizeHdf5Diagnostics(reply.diag);
      const lost = /Aborted|RuntimeError|memory access out of bounds|unreachable/i.test(
        `${reply.error ?? ''} ${reply.diag.join(' ')}`,
      );
      if (lost) stopReader(r);
      throw new RouserError(
        `${where}: ${what} failed (${diag || reply.error || 'unknown HDF5 error'}); expected a readable HDF5 file (the file is corrupt or truncated)`,
      );
    }
    return reply;
  };
  // The open is awaited without blocking the thread: loading a fresh h5wasm instance in the worker may need this
  // thread's event loop (module loader hooks, e.g. under tsx).
  r.port.postMessage({ op: 'open', path });
  const w = (
    Atomics as unknown as {
      waitAsync(a: Int32Array, i: number, v: number, t: number): { async: boolean; value: string | Promise<string> };
    }
  ).waitAsync(r.flag, 0, 0, timeoutMs);
  const opened = waitReply(r, where, 'opening the HDF5 file', timeoutMs, w.async ? await w.value : (w.value as string));
  if (!opened.ok) {
    const diag = summarizeHdf5Diagnostics(opened.diag);
    stopReader(r);
    throw new RouserError(
      `${where}: opening the HDF5 file failed (${diag || opened.error || 'unknown HDF5 error'}); expected a readable HDF5 file (the file is corrupt or truncated)`,
    );
  }
  if (opened.diag.length > 0) failed = true;
  return {
    path: where,
    get(name) {
      const res = call({ op: 'get', name }, `reading HDF5 object /${name}`);
      const o = res.object ?? { kind: 'missing' };
      // A lookup that failed with diagnostics is a damaged file, not a missing object.
      if (o.kind === 'missing' && res.diag.length > 0) {
        const diag = summarizeHdf5Diagnostics(res.diag);
        throw new RouserError(
          `${where}: HDF5 object /${name} cannot be read (${diag || 'HDF5 error'}); expected a readable HDF5 file (the file is corrupt or truncated)`,
        );
      }
      return o;
    },
    value(name) {
      return call({ op: 'value', name }, `reading HDF5 dataset /${name}`).value ?? [];
    },
    vlenRows(name, start, end) {
      const res = call(
        { op: 'vlenRows', name, start, end },
        `reading rows ${start}..${end - 1} of HDF5 dataset /${name}`,
      );
      return { lengths: res.lengths ?? new Uint32Array(0), bytes: res.bytes ?? new Uint8Array(0) };
    },
    close() {
      if (closed) return;
      closed = true;
      if (r.dead) return;
      try {
        r.port.postMessage({ op: 'close' });
        const res = waitReply(r, where, 'closing the HDF5 file', timeoutMs);
        if (!res.ok || res.diag.length > 0) failed = true;
      } catch {
        failed = true; // closing a damaged file may fail; the worker is stopped then
      }
      // Only a worker whose file gave no error and no diagnostic serves another file (with a fresh instance).
      if (!failed && !r.dead && r.files < HDF5_FILES_PER_WORKER && idle === undefined) idle = r;
      else stopReader(r);
    },
  };
}
