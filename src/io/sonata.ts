import { renameSync, rmSync, mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import { fail, RouserError } from '../util/errors.js';

/**
 * Spike reports in the SONATA layout (SONATA developer guide, "Spike file"; read by bmtk, pySONATA and NEST tooling):
 *
 * ```
 * /                        attributes magic = 0x0A7A (uint32), version = [0, 1] (uint32 x 2), as bmtk writes them
 * /spikes                  group
 * /spikes/<population>     group
 * /spikes/<population>/timestamps   float64 [N], attribute units = "ms" (ASCII string, null-terminated)
 * /spikes/<population>/node_ids     uint64  [N], 0-based node id within the population; attribute sorting = "by_time"
 * ```
 *
 * Spikes are sorted by time, ties by node id. The guide declares the group's `sorting` attribute as an HDF5 enum
 * {none, by_id, by_time}, which h5wasm cannot write; libsonata (the reference reader) refuses a string there, and
 * bmtk reads a string either on the group or on the node_ids dataset. So the group carries no `sorting` (optional:
 * readers then assume no order) and node_ids carries "by_time", which bmtk reads; test/interop checks libsonata.
 * Strings are ASCII with a null terminator (HDF5 C strings): libsonata fails on h5wasm's default space-padded UTF-8.
 * Files are written to a temporary name in the target folder and renamed, so a reader never sees half a file.
 */

/** The spikes of one population: parallel arrays of node id (0-based within the population) and time (ms). */
export interface PopulationSpikes {
  population: string;
  nodeIds: Uint32Array;
  timesMs: Float64Array;
}

/** SONATA magic number written as the root attribute `magic` (bmtk `add_hdf5_magic`). */
export const SONATA_MAGIC = 0x0a7a;

type H5Module = typeof import('h5wasm/node');

async function h5(): Promise<H5Module> {
  const mod = await import('h5wasm/node');
  await mod.ready;
  return mod;
}

/**
 * Sorts one population's spikes by (time, node id) and returns new arrays (the input is not modified).
 * @throws RouserError when the arrays differ in length or a time is not finite
 */
export function sortSpikesByTime(s: PopulationSpikes): PopulationSpikes {
  const n = s.nodeIds.length;
  if (s.timesMs.length !== n)
    fail(`spikes of ${s.population}`, 'timesMs.length', s.timesMs.length, `${n} (node_ids.length)`);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(s.timesMs[i]))
      fail(`spikes of ${s.population}`, `timesMs[${i}]`, s.timesMs[i], 'a finite time in ms');
    order[i] = i;
  }
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) {
    const dt = (s.timesMs[i] as number) - (s.timesMs[i - 1] as number);
    if (dt < 0 || (dt === 0 && (s.nodeIds[i] as number) < (s.nodeIds[i - 1] as number))) sorted = false;
  }
  if (sorted) return { population: s.population, nodeIds: s.nodeIds.slice(), timesMs: s.timesMs.slice() };
  order.sort(
    (a, b) =>
      (s.timesMs[a] as number) - (s.timesMs[b] as number) || (s.nodeIds[a] as number) - (s.nodeIds[b] as number),
  );
  const nodeIds = new Uint32Array(n);
  const timesMs = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    nodeIds[i] = s.nodeIds[order[i] as number] as number;
    timesMs[i] = s.timesMs[order[i] as number] as number;
  }
  return { population: s.population, nodeIds, timesMs };
}

function checkNames(path: string, pops: readonly PopulationSpikes[]): void {
  const seen = new Set<string>();
  pops.forEach((p, i) => {
    if (!/^[A-Za-z0-9_.-]+$/.test(p.population))
      fail(path, `populations[${i}].population`, p.population, 'a name of letters, digits, _ . -');
    if (seen.has(p.population)) fail(path, `populations[${i}].population`, p.population, 'a name used once');
    seen.add(p.population);
  });
}

/**
 * Writes a SONATA spike report (layout above) atomically. Populations keep the given order; spikes are sorted by
 * time within each. Empty populations get empty datasets.
 */
export async function writeSonataSpikes(path: string, pops: readonly PopulationSpikes[]): Promise<void> {
  checkNames(path, pops);
  const mod = await h5();
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  try {
    const f = new mod.File(tmp, 'w');
    try {
      f.create_attribute('magic', new Uint32Array([SONATA_MAGIC]), []);
      f.create_attribute('version', new Uint32Array([0, 1]), [2]);
      const root = f.create_group('spikes');
      for (const p of pops) {
        const s = sortSpikesByTime(p);
        const g = root.create_group(s.population);
        const ids = new BigUint64Array(s.nodeIds.length);
        for (let i = 0; i < ids.length; i++) ids[i] = BigInt(s.nodeIds[i] as number);
        const ts = g.create_dataset({ name: 'timestamps', data: s.timesMs, shape: [s.timesMs.length] });
        ts.create_attribute('units', 'ms', null, 'A');
        const nd = g.create_dataset({ name: 'node_ids', data: ids, shape: [ids.length] });
        nd.create_attribute('sorting', 'by_time', null, 'A');
      }
    } finally {
      f.close();
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * A SONATA spike report read back: populations in file order, with the `sorting` attribute when present (on the
 * population group, else on its node_ids dataset).
 */
export interface SonataSpikeReport {
  populations: (PopulationSpikes & { sorting?: string; units?: string })[];
}

/**
 * Reads a SONATA spike report (any writer's: node_ids of any integer type, timestamps float32/64, `units` ms or s,
 * which is converted to ms).
 * @throws RouserError naming the file and dataset when the layout is not SONATA's
 */
export async function readSonataSpikes(path: string): Promise<SonataSpikeReport> {
  const mod = await h5();
  const f = new mod.File(path, 'r');
  try {
    const root = f.get('spikes');
    if (!(root instanceof mod.Group))
      throw new RouserError(`${path}: group /spikes is missing; expected a SONATA spike report`);
    const populations: SonataSpikeReport['populations'] = [];
    for (const name of root.keys()) {
      const g = root.get(name);
      if (!(g instanceof mod.Group)) continue;
      const ts = g.get('timestamps');
      const ids = g.get('node_ids');
      if (!(ts instanceof mod.Dataset)) throw new RouserError(`${path}: dataset /spikes/${name}/timestamps is missing`);
      if (!(ids instanceof mod.Dataset)) throw new RouserError(`${path}: dataset /spikes/${name}/node_ids is missing`);
      const tRaw = ts.value as ArrayLike<number>;
      const idRaw = ids.value as ArrayLike<number | bigint>;
      if (tRaw.length !== idRaw.length)
        fail(path, `/spikes/${name}/node_ids length`, idRaw.length, `${tRaw.length} (timestamps length)`);
      const units = 'units' in ts.attrs ? String(ts.get_attribute('units', true)) : undefined;
      const scale = units === 's' ? 1000 : 1;
      const timesMs = new Float64Array(tRaw.length);
      for (let i = 0; i < timesMs.length; i++) timesMs[i] = (tRaw[i] as number) * scale;
      const nodeIds = new Uint32Array(idRaw.length);
      for (let i = 0; i < nodeIds.length; i++) nodeIds[i] = Number(idRaw[i]);
      const rec: SonataSpikeReport['populations'][number] = { population: name, nodeIds, timesMs };
      if ('sorting' in g.attrs) rec.sorting = String(g.get_attribute('sorting', true));
      else if ('sorting' in ids.attrs) rec.sorting = String(ids.get_attribute('sorting', true));
      if (units !== undefined) rec.units = units;
      populations.push(rec);
    }
    return { populations };
  } finally {
    f.close();
  }
}

/**
 * Writes spikes as CSV in bmtk's column order (`timestamps population node_ids`, space separated, one header line),
 * sorted by time within each population, populations in the given order; atomic.
 */
export function writeSpikesCsv(path: string, pops: readonly PopulationSpikes[]): void {
  checkNames(path, pops);
  const parts: string[] = ['timestamps population node_ids\n'];
  for (const p of pops) {
    const s = sortSpikesByTime(p);
    let chunk = '';
    for (let i = 0; i < s.nodeIds.length; i++) {
      chunk += `${s.timesMs[i]} ${s.population} ${s.nodeIds[i]}\n`;
      if (chunk.length > 1 << 16) {
        parts.push(chunk);
        chunk = '';
      }
    }
    parts.push(chunk);
  }
  writeFileAtomic(path, parts.join(''));
}
