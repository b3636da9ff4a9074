import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureOutput } from './capture.js';
import { main } from '../../src/cli/main.js';
import { COMMANDS } from '../../src/cli/commands/index.js';
import { createSpec, loadSpec, saveSpec, specToJson } from '../../src/index.js';

const io = captureOutput();

describe('rouser CLI', () => {
  it('--help lists every registered command', async () => {
    expect(await main(['--help'])).toBe(0);
    for (const c of COMMANDS) expect(io.out).toContain(`  ${c.name}`);
    expect(io.out).toMatch(/^rouser \d+\.\d+\.\d+/);
  });
  it('unknown commands and options exit non-zero with a one-line message', async () => {
    expect(await main(['frobnicate'])).toBe(1);
    expect(io.err).toMatch(/^rouser: unknown command "frobnicate"; expected one of /);
    io.err = '';
    expect(await main(['model', '--bogus'])).toBe(1);
    expect(io.err).toMatch(/^rouser model: error: Unknown option '--bogus'/);
    expect(io.err.trim().split('\n')).toHaveLength(1);
  });
  it('model inspect and convert round-trip a spec', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rouser-cli-'));
    const spec = createSpec({ sizes: [3, 2] });
    spec.layers[0]!.weights.set([1, 2, 3, 4, 5, 6]);
    saveSpec(join(dir, 'm.json'), spec);
    expect(await main(['model', 'convert', join(dir, 'm.json'), join(dir, 'm.rsnn')])).toBe(0);
    expect(specToJson(loadSpec(join(dir, 'm.rsnn')))).toBe(specToJson(spec));
    expect(await main(['model', 'inspect', join(dir, 'm.rsnn'), '--json'])).toBe(0);
    const j = JSON.parse(io.out) as { architecture: number[]; parameters: number };
    expect(j.architecture).toEqual([3, 2]);
    expect(j.parameters).toBe(8);
  });
});
