import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/**
 * Cache root for generated datasets: `explicit`, else `$ROUSER_CACHE_DIR`, else `$XDG_CACHE_HOME/rouser`, else
 * `./node_modules/.cache/rouser` when `./node_modules` exists, else `~/.cache/rouser`.
 */
export function cacheRoot(explicit?: string): string {
  if (explicit) return resolve(explicit);
  const env = process.env.ROUSER_CACHE_DIR;
  if (env) return resolve(env);
  const xdg = process.env.XDG_CACHE_HOME;
  if (xdg) return join(resolve(xdg), 'rouser');
  if (existsSync(resolve('node_modules'))) return resolve('node_modules', '.cache', 'rouser');
  return join(homedir(), '.cache', 'rouser');
}

/**
 * Builds a folder atomically: `build(tmp)` fills a temporary sibling folder, which is then renamed to `dir`.
 * If `dir` already exists (another process won the race) the temporary folder is discarded. On error the
 * temporary folder is removed and `dir` is untouched.
 */
export async function buildFolderAtomic(dir: string, build: (tmp: string) => Promise<void> | void): Promise<void> {
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${Date.now().toString(36)}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    await build(tmp);
    if (existsSync(dir)) {
      rmSync(tmp, { recursive: true, force: true });
      return;
    }
    renameSync(tmp, dir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}
