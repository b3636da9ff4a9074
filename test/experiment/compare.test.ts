import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { shardRuns, type CompareSummary } from '../../src/experiment/compare.js';
import { parseShard, shardFromEnvironment } from '../../src/experiment/shard.js';
import { parseVariants } from '../../src/experiment/variants.js';
import { captureOutput } from '../cli/capture.js';

const io = captureOutput();

describe('shards', () => {
  it('every (variant, seed) run belongs to exactly one shard', () => {
    const variants = parseVariants('learned,fixed,fixed:0.5');
    const seeds = [0, 1, 2, 3];
    for (let n = 1; n <= 5; n++) {
      const seen = Array.from({ length: n }, (_, i) => shardRuns(seeds, variants, { index: i, count: n }))
        .flat()
        .map((r) => r.k)
        .sort((a, b) => a - b);
      expect(seen).toEqual(Array.from({ length: 12 }, (_, k) => k));
    }
    expect(shardRuns(seeds, variants, { index: 1, count: 5 }).map((r) => `${r.variant.label}@${r.seed}`)).toEqual([
      'fixed@0',
      'learned@2',
      'fixed:0.5@3',
    ]); // k = 1, 6, 11 of seed-major k = 3 * seedIndex + variantIndex;
    expect(() => shardRuns(seeds, variants, { index: 2, count: 2 })).toThrow(/index/);
  });

  it('reads I/N, SLURM arrays and Kubernetes Indexed Jobs', () => {
    expect(parseShard('1/4')).toEqual({ index: 1, count: 4 });
    expect(() => parseShard('4/4')).toThrow('--shard "4/4": expected I/N with 0 <= I < N');
    expect(() => parseShard('a/b')).toThrow(/expected I\/N/);
    expect(shardFromEnvironment({})).toBeUndefined();
    expect(shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '4' })).toEqual({
      index: 3,
      count: 4,
    });
    expect(
      shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_COUNT: '4' }),
    ).toEqual({ index: 3, count: 4 });
    expect(shardFromEnvironment({ JOB_COMPLETION_INDEX: '2' }, 3)).toEqual({ index: 2, count: 3 });
    expect(shardFromEnvironment({ JOB_COMPLETION_INDEX: '2', ROUSER_SHARDS: '5' })).toEqual({ index: 2, count: 5 });
    expect(() => shardFromEnvironment({ JOB_COMPLETION_INDEX: '2' })).toThrow(
      'JOB_COMPLETION_INDEX=2: the number of shards is unknown; pass --shards N or set ROUSER_SHARDS',
    );
    expect(() => shardFromEnvironment({ JOB_COMPLETION_INDEX: '5', ROUSER_SHARDS: '5' })).toThrow(/not in \[0, 5\)/);
    expect(() => shardFromEnvironment({ SLURM_ARRAY_TASK_ID: 'x', SLURM_ARRAY_TASK_COUNT: '2' })).toThrow(
      'environment SLURM_ARRAY_TASK_ID="x": expected a non-negative integer',
    );
  });
});

/** Removes wall-clock fields (the only ones that differ between a sharded and an unsharded sweep). */
function withoutTimes(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(withoutTimes);
  if (x && typeof x === 'object')
    return Object.fromEntries(
      Object.entries(x)
        .filter(([k]) => k !== 'wallMs' && k !== 'epochMs')
        .map(([k, v]) => [k, withoutTimes(v)]),
    );
  return x;
}

function runChild(args: string[], env: Record<string, string>): Promise<{ code: number; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'cliChild.ts'), ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    p.stderr.on('data', (d) => (err += String(d)));
    p.on('close', (code) => resolve({ code: code ?? 1, err }));
  });
}

describe('rouser compare --shard / --merge', () => {
  it('two shard processes merged give the summary of one unsharded run; statistics per variant and paired', async () => {
    const base = mkdtempSync(join(tmpdir(), 'rouser-shard-'));
    const common = [
      'compare',
      '--dataset',
      'randman',
      '--train-samples',
      '60',
      '--test-samples',
      '24',
      '--steps',
      '12',
      '--arch',
      '12-10',
      '--variants',
      'learned:lr-th=0.05,fixed',
      '--epochs',
      '2',
      '--seeds',
      '3',
      '--batch',
      '16',
      '--val-fraction',
      '0.2',
      '--threads',
      '1',
    ];
    const [a, b] = await Promise.all([
      runChild([...common, '--out', join(base, 's0')], { SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '2' }),
      runChild([...common, '--out', join(base, 's1'), '--shard', '1/2'], {}),
    ]);
    expect(a.err).toContain('shard 0/2');
    expect([a.code, b.code]).toEqual([0, 0]);
    io.out = '';
    expect(await main(['compare', '--merge', join(base, 's0'), '--out', join(base, 'merged'), '--json'])).toBe(1);
    expect(io.err).toContain('--merge: no run.json for fixed seed 0, fixed seed 1, fixed seed 2 in '); // shard 1/2 holds every fixed run;
    io.out = '';
    expect(
      await main(['compare', '--merge', join(base, 's0'), join(base, 's1'), '--out', join(base, 'merged'), '--json']),
    ).toBe(0);
    const merged = JSON.parse(io.out) as CompareSummary;
    io.out = '';
    expect(await main([...common, '--out', join(base, 'whole'), '--json'])).toBe(0);
    const whole = JSON.parse(io.out) as CompareSummary;
    expect(withoutTimes(merged)).toEqual(withoutTimes(whole));
    expect(readFileSync(join(base, 'merged', 'report.html'), 'utf8')).toContain('<svg');

    // Statistics: every variant has mean/sd/CI over 3 seeds; the paired difference is per seed learned - fixed.
    expect(whole.splits).toMatchObject({ train: 48, validation: 12, test: 24 });
    const [learned, fixed] = whole.variants;
    const acc = learned!.reportedTestAccuracy;
    expect(acc.n).toBe(3);
    expect(acc.ci95![0]).toBeLessThanOrEqual(acc.mean);
    expect(acc.values).toEqual(learned!.perSeed.map((p, i) => p.testAccuracy[learned!.selectedEpoch[i]!]));
    const pair = whole.paired.find((p) => p.metric === 'reportedTestAccuracy')!;
    expect(pair).toMatchObject({ a: 'learned:lr-th=0.05', b: 'fixed', seeds: [0, 1, 2] });
    expect(pair.differences.values).toEqual(acc.values.map((x, i) => x - fixed!.reportedTestAccuracy.values[i]!));
    expect(pair.wins + pair.ties + pair.losses).toBe(3);
    expect(whole.paired.map((p) => p.metric)).toEqual([
      'reportedTestAccuracy',
      'finalDeadFraction[0]',
      'finalDeadFractionPerSample[0]',
    ]);
    // the same seed starts both variants from the same network
    for (let i = 0; i < 3; i++)
      expect(learned!.perSeed[i]!.deadFraction[0]).toEqual(fixed!.perSeed[i]!.deadFraction[0]);
  }, 120_000);
});

describe('rouser compare --resume', () => {
  it('continues finished runs when --epochs is raised, bit-exactly', async () => {
    const base = mkdtempSync(join(tmpdir(), 'rouser-resume-'));
    const common = [
      'compare',
      '--dataset',
      'randman',
      '--train-samples',
      '40',
      '--test-samples',
      '16',
      '--steps',
      '10',
      '--arch',
      '8-10',
      '--variants',
      'learned,fixed',
      '--seeds',
      '1',
      '--batch',
      '16',
      '--threads',
      '1',
      '--json',
    ];
    expect(await main([...common, '--epochs', '1', '--out', join(base, 'a')])).toBe(0);
    io.out = '';
    expect(await main([...common, '--epochs', '2', '--out', join(base, 'a'), '--resume'])).toBe(0);
    const resumed = JSON.parse(io.out) as CompareSummary;
    io.out = '';
    expect(await main([...common, '--epochs', '2', '--out', join(base, 'b')])).toBe(0);
    const fresh = JSON.parse(io.out) as CompareSummary;
    expect(resumed.variants[0]!.perSeed[0]!.testAccuracy).toHaveLength(3);
    expect(withoutTimes(resumed)).toEqual(withoutTimes(fresh));
  }, 60_000);
});
