import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { describeIoError, RouserError } from './errors.js';

/** Whether a process with this id is alive (signal 0 probes without sending; EPERM means alive, another user). */
function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Removes temporary files `.NAME.PID.STAMP.tmp` that {@link writeFileAtomic} left next to `path` when a process was
 * killed mid-write (kill -9, power loss). Only files whose writer PID is no longer running are removed, so a
 * concurrent writer's file is never touched. Returns the paths removed.
 */
export function cleanStaleTemps(path: string): string[] {
  const dir = dirname(path);
  const pattern = new RegExp(`^\\.${escapeRegExp(basename(path))}\\.(\\d+)\\.[0-9a-z]+\\.tmp$`);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const n of names) {
    const m = pattern.exec(n);
    if (!m || processAlive(Number(m[1]))) continue;
    const p = join(dir, n);
    try {
      if (!statSync(p).isFile()) continue;
      rmSync(p, { force: true });
      removed.push(p);
    } catch {
      // vanished or not removable: the write below reports any real problem with the folder
    }
  }
  return removed;
}

let tempCounter = 0;

/**
 * Writes a file atomically: the bytes go to a temporary file in the same folder, are flushed to disk, and the
 * temporary file is renamed over the target. Readers see the old file or the new one, never a half-written one.
 * Parent folders are created; temporary files of earlier writers of `path` that were killed are removed first
 * ({@link cleanStaleTemps}). On failure the temporary file is removed, the target is untouched, and a
 * `RouserError` names the target path and the cause in words (e.g. `no space left on the device (ENOSPC)`).
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  const tmp = join(
    dir,
    `.${basename(path)}.${process.pid}.${Date.now().toString(36)}${(tempCounter++).toString(36)}.tmp`,
  );
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let fd: number | undefined;
  let step = 'create the folder of';
  try {
    mkdirSync(dir, { recursive: true });
    cleanStaleTemps(path);
    step = 'write';
    fd = openSync(tmp, 'w');
    let off = 0;
    while (off < bytes.byteLength) off += writeSync(fd, bytes, off, bytes.byteLength - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    step = 'replace';
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // already failing; the original error is reported
      }
    }
    try {
      rmSync(tmp, { force: true });
    } catch {
      // the folder itself is unusable (e.g. a parent is a file); there is no temporary file to remove
    }
    const cause =
      step === 'create the folder of' && (err as NodeJS.ErrnoException).code === 'EEXIST'
        ? 'a file stands where a folder is needed (EEXIST)'
        : describeIoError(err);
    throw new RouserError(`${path}: cannot ${step} the file (${cause}); the previous contents, if any, are unchanged`);
  }
}
