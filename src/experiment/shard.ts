import { RouserError } from '../util/errors.js';
import type { Shard } from './compare.js';

/** Parses `I/N` (0-based index I < N), e.g. `0/4`; errors name the option and the expectation. */
export function parseShard(text: string, where = '--shard'): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new RouserError(`${where} ${JSON.stringify(text)}: expected I/N with 0 <= I < N, e.g. 0/4`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count)
    throw new RouserError(`${where} ${JSON.stringify(text)}: expected I/N with 0 <= I < N, e.g. 0/4`);
  return { index, count };
}

/**
 * The shard of this process from a batch scheduler's environment, when `--shard` is not given:
 * - SLURM job arrays: index = SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN (MIN defaults to 0), count =
 *   SLURM_ARRAY_TASK_COUNT (`sbatch --array=0-3` gives 4 tasks with ids 0..3);
 * - Kubernetes Indexed Jobs: index = JOB_COMPLETION_INDEX, count = `countOverride` (`--shards N`) or
 *   ROUSER_SHARDS (set it to the Job's `completions`; Kubernetes does not export that number);
 * - otherwise undefined (run everything). `countOverride` also applies to SLURM.
 */
export function shardFromEnvironment(
  env: Record<string, string | undefined>,
  countOverride?: number,
): Shard | undefined {
  const int = (name: string): number | undefined => {
    const v = env[name];
    if (v === undefined || v.trim() === '') return undefined;
    if (!/^\d+$/.test(v.trim()))
      throw new RouserError(`environment ${name}=${JSON.stringify(v)}: expected a non-negative integer`);
    return Number(v);
  };
  const envCount = int('ROUSER_SHARDS');
  let index: number | undefined;
  let count: number | undefined;
  let source = '';
  const slurm = int('SLURM_ARRAY_TASK_ID');
  const k8s = int('JOB_COMPLETION_INDEX');
  if (slurm !== undefined) {
    index = slurm - (int('SLURM_ARRAY_TASK_MIN') ?? 0);
    count = countOverride ?? int('SLURM_ARRAY_TASK_COUNT') ?? envCount;
    source = 'SLURM_ARRAY_TASK_ID';
  } else if (k8s !== undefined) {
    index = k8s;
    count = countOverride ?? envCount;
    source = 'JOB_COMPLETION_INDEX';
  } else {
    return undefined;
  }
  if (count === undefined)
    throw new RouserError(`${source}=${index}: the number of shards is unknown; pass --shards N or set ROUSER_SHARDS`);
  if (!(count >= 1 && index >= 0 && index < count))
    throw new RouserError(`${source}: shard index ${index} is not in [0, ${count}) shards`);
  return { index, count };
}
