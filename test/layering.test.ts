import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Enforces the dependency rule of ARCHITECTURE.md by reading every import under src/:
 * util <- model <- neuron <- {event, train}; metrics and data see only model and util; io sees model, data and util;
 * experiment (evaluation, compare) sees the engines, metrics and io; examples (published networks as pure descriptions)
 * see util, model and neuron; report sees experiment; cli sees all; the root
 * export sees neither cli nor report (so `import 'rouser'` does not load vega);
 * event and train may use metrics (pure reductions over model types) so both engines report with one definition;
 * event never imports train or tfjs; only train/tf.ts (and files under train/tf/) import tfjs; no import cycles.
 */
const SRC = resolve(import.meta.dirname, '..', 'src');

const ALLOWED: Record<string, string[]> = {
  util: ['util'],
  model: ['util', 'model'],
  neuron: ['util', 'model', 'neuron'],
  event: ['util', 'model', 'neuron', 'metrics', 'event'],
  train: ['util', 'model', 'neuron', 'metrics', 'train'],
  metrics: ['util', 'model', 'metrics'],
  data: ['util', 'model', 'data'],
  io: ['util', 'model', 'data', 'io'],
  experiment: ['util', 'model', 'neuron', 'event', 'train', 'metrics', 'data', 'io', 'experiment'],
  report: ['util', 'model', 'metrics', 'experiment', 'report'],
  examples: ['util', 'model', 'neuron', 'examples'],
  testing: ['util', 'model', 'neuron', 'event', 'train', 'testing'],
  cli: [
    'util',
    'model',
    'neuron',
    'event',
    'train',
    'metrics',
    'data',
    'io',
    'experiment',
    'report',
    'examples',
    'cli',
  ],
  '(root)': ['util', 'model', 'neuron', 'event', 'train', 'metrics', 'data', 'io', 'experiment', 'examples'],
};

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function area(file: string): string {
  const rel = relative(SRC, file).split(sep);
  return rel.length === 1 ? '(root)' : (rel[0] as string);
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs: string[] = [];
  const re =
    /(?:^|[^.\w])(?:import|export)\s*(?:type\s+)?(?:[\w*{}\s,]+from\s*)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of text.matchAll(re)) specs.push((m[1] ?? m[2]) as string);
  return specs;
}

const files = walk(SRC);

describe('dependency rule', () => {
  it('finds the source files and their imports', () => {
    expect(files.length).toBeGreaterThan(10);
    expect(importsOf(join(SRC, 'index.ts'))).toContain('./model/index.js');
  });

  it('every relative import stays inside the allowed areas', () => {
    const violations: string[] = [];
    for (const f of files) {
      const from = area(f);
      for (const spec of importsOf(f)) {
        if (!spec.startsWith('.')) continue;
        const target = resolve(dirname(f), spec.replace(/\.js$/, '.ts'));
        const to = area(target);
        if (!(ALLOWED[from] ?? []).includes(to))
          violations.push(`${relative(SRC, f)} imports ${spec} (${from} -> ${to})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('tfjs is imported only by the trainer tfjs backend, never by event', () => {
    const bad: string[] = [];
    for (const f of files) {
      const rel = relative(SRC, f).split(sep).join('/');
      const okTf = rel === 'train/tf.ts' || rel.startsWith('train/tf/');
      for (const spec of importsOf(f)) if (spec.startsWith('@tensorflow/') && !okTf) bad.push(`${rel} imports ${spec}`);
    }
    expect(bad).toEqual([]);
  });

  it('has no import cycles between modules', () => {
    const graph = new Map<string, string[]>();
    for (const f of files) {
      graph.set(
        f,
        importsOf(f)
          .filter((s) => s.startsWith('.'))
          .map((s) => resolve(dirname(f), s.replace(/\.js$/, '.ts'))),
      );
    }
    const state = new Map<string, 1 | 2>();
    const cycles: string[] = [];
    const visit = (n: string, stack: string[]): void => {
      state.set(n, 1);
      for (const m of graph.get(n) ?? []) {
        if (state.get(m) === 1) cycles.push([...stack, n, m].map((p) => relative(SRC, p)).join(' -> '));
        else if (!state.has(m)) visit(m, [...stack, n]);
      }
      state.set(n, 2);
    };
    for (const f of files) if (!state.has(f)) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it('the package root loads neither vega nor tfjs statically', () => {
    const seen = new Set<string>();
    const bad: string[] = [];
    const visit = (f: string): void => {
      if (seen.has(f)) return;
      seen.add(f);
      const text = readFileSync(f, 'utf8');
      // static imports only: dynamic import() is how optional heavy modules are loaded on demand
      for (const m of text.matchAll(
        /(?:^|\n)\s*(?:import|export)\s+(?!type\b)(?:[\w*{}\s,]+from\s*)?['"]([^'"]+)['"]/g,
      )) {
        const spec = m[1] as string;
        if (spec.startsWith('.')) visit(resolve(dirname(f), spec.replace(/\.js$/, '.ts')));
        else if (/^(vega|vega-lite|@tensorflow\/)/.test(spec)) bad.push(`${relative(SRC, f)} imports ${spec}`);
      }
    };
    visit(join(SRC, 'index.ts'));
    expect(seen.size).toBeGreaterThan(30);
    expect(bad).toEqual([]);
  });

  it('Math.random appears only under src/util', () => {
    const bad = files.filter((f) => area(f) !== 'util' && /Math\.random\s*\(/.test(readFileSync(f, 'utf8')));
    expect(bad.map((f) => relative(SRC, f))).toEqual([]);
  });
});
