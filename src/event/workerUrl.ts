import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * How to start a worker thread whose entry is `file` (e.g. 'worker', without extension) in this directory: the
 * compiled `file`.js next to this module (dist/), or, from the .ts sources (vitest, tsx), a small ESM bootstrap
 * registering the tsx loader inside the worker (`execArgv: ['--import', 'tsx']` is not honoured by worker threads on
 * Node 20).
 */
export function workerUrl(file: string): URL {
  if (!import.meta.url.endsWith('.ts')) return new URL(`./${file}.js`, import.meta.url);
  const req = createRequire(import.meta.url);
  const tsxApi = pathToFileURL(join(dirname(req.resolve('tsx/package.json')), 'dist', 'esm', 'api', 'index.mjs')).href;
  const target = new URL(`./${file}.ts`, import.meta.url).href;
  const code = `import { register } from ${JSON.stringify(tsxApi)};\nregister();\nawait import(${JSON.stringify(target)});\n`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}
