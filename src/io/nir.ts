/**
 * `.nir` files (NIR 1.0 HDF5 layout, github.com/neuromorphs/NIR `nir/serialization.py`) through h5wasm:
 *
 * ```
 * /version                      scalar vlen UTF-8 string
 * /node/type                    "NIRGraph"
 * /node/edges                   vlen UTF-8 strings, shape (E, 2): [source, target]
 * /node/metadata/               optional group (graph metadata: dt, reset, ...)
 * /node/nodes/<name>/type       scalar vlen string: the node class name
 * /node/nodes/<name>/<field>    one dataset per parameter (float32/float64 arrays, int64 `shape` for Input/Output)
 * /node/nodes/<name>/metadata/  optional group
 * ```
 * No HDF5 attributes. Parameter arrays are written gzip-compressed (deflate level 4, one chunk), as `nir.write` writes
 * them; uncompressed files from older exporters read the same.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Group } from 'h5wasm/node';
import {
  checkNirGraph,
  fromNir,
  NIR_PARAMS,
  toNir,
  type FromNirOptions,
  type NirGraph,
  type NirMetadata,
  type NirNode,
  type NirTensor,
} from '../model/nir.js';
import type { NetworkSpec } from '../model/spec.js';
import { writeFileAtomic } from '../util/atomic.js';
import { RouserError } from '../util/errors.js';
import { HDF5_SIGNATURE, openHdf5, type Hdf5File, type Hdf5Object } from './hdf5.js';

type H5Module = typeof import('h5wasm/node');

async function h5(): Promise<H5Module> {
  const mod = await import('h5wasm/node');
  await mod.ready;
  return mod;
}

/** Whether the HDF5 superblock signature is at byte 0, 512, 1024, 2048, ... (HDF5 spec, section II.A). */
function hasHdf5Signature(path: string): boolean {
  const size = statSync(path).size;
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(8);
    for (let off = 0; off + 8 <= size; off = off === 0 ? 512 : off * 2) {
      readSync(fd, buf, 0, 8, off);
      if (HDF5_SIGNATURE.every((b, i) => buf[i] === b)) return true;
    }
    return false;
  } finally {
    closeSync(fd);
  }
}

let tmpCounter = 0;
const tmpPath = (): string => join(tmpdir(), `rouser-nir-${process.pid}-${Date.now().toString(36)}-${tmpCounter++}.h5`);

/** An open file (read through the guarded HDF5 layer) and the path named in messages. */
interface Ctx {
  file: Hdf5File;
  path: string;
}

type Dataset = Extract<Hdf5Object, { kind: 'dataset' }>;

function dataset(ctx: Ctx, name: string): Dataset | undefined {
  const o = ctx.file.get(name);
  return o.kind === 'dataset' ? o : undefined;
}

function group(ctx: Ctx, name: string): string[] | undefined {
  const o = ctx.file.get(name);
  return o.kind === 'group' ? o.keys : undefined;
}

/** A string dataset's value (vlen or fixed-length, as h5py writes `bytes`); `name` is the HDF5 path without the leading `/`. */
function readString(ctx: Ctx, name: string): string {
  const d = dataset(ctx, name);
  if (!d) throw new RouserError(`${ctx.path}: field /${name} is missing; expected a string dataset`);
  if (d.shape.length > 0)
    throw new RouserError(
      `${ctx.path}: field /${name} is an array of shape [${d.shape.join(',')}]; expected a scalar string`,
    );
  const v = ctx.file.value(name)[0];
  if (typeof v !== 'string')
    throw new RouserError(`${ctx.path}: field /${name} is ${typeof v}; expected a scalar string`);
  return v;
}

/** A numeric dataset as a float tensor (integer datasets are converted). */
function readTensor(ctx: Ctx, d: Dataset, name: string): NirTensor {
  const { type, size } = d.dtype;
  const shape = d.shape;
  const n = shape.reduce((a, b) => a * b, 1);
  if (type === 0 || type === 1) {
    const v = ctx.file.value(name);
    if (v.length !== n)
      throw new RouserError(
        `${ctx.path}: field /${name} has ${v.length} values for shape [${shape.join(',')}]; expected ${n} (the file is corrupt)`,
      );
    if (type === 1 && size === 4 && v instanceof Float32Array) return { shape, data: v.slice(), dtype: 'float32' };
    if (type === 1 && size === 8 && v instanceof Float64Array) return { shape, data: v.slice(), dtype: 'float64' };
    const nums = Array.from(v, (x) => (typeof x === 'string' ? NaN : Number(x)));
    if (type === 1 && size === 4) return { shape, data: Float32Array.from(nums), dtype: 'float32' };
    if (type === 1 && size === 8) return { shape, data: Float64Array.from(nums), dtype: 'float64' };
    if (type === 0) return { shape, data: Float64Array.from(nums), dtype: 'float64' };
  }
  throw new RouserError(
    `${ctx.path}: field /${name} has HDF5 type class ${type} size ${size}; expected a float32/float64 (or integer) array`,
  );
}

function readMetadata(ctx: Ctx, name: string, keys: string[]): NirMetadata {
  const out: NirMetadata = {};
  for (const key of keys) {
    const d = dataset(ctx, `${name}/${key}`);
    if (!d) continue; // nested groups carry nothing rouser reads
    if (
      d.shape.length === 0 &&
      (d.dtype.type === 3 || d.dtype.type === 0 || d.dtype.type === 1 || d.dtype.type === 8)
    ) {
      const v = ctx.file.value(`${name}/${key}`)[0];
      if (typeof v === 'string') out[key] = v;
      else if (typeof v === 'number') out[key] = v;
      else if (typeof v === 'bigint') out[key] = Number(v);
      else if (typeof v === 'boolean') out[key] = v ? 1 : 0;
    } else if (d.dtype.type === 0 || d.dtype.type === 1) out[key] = readTensor(ctx, d, `${name}/${key}`);
  }
  return out;
}

function readShape(ctx: Ctx, base: string): number[] {
  const d = dataset(ctx, `${base}/shape`);
  if (!d || d.dtype.type !== 0)
    throw new RouserError(
      `${ctx.path}: field /${base}/shape is ${d ? 'not an integer dataset' : 'missing'}; expected an int64 1-D dataset`,
    );
  const shape = Array.from(ctx.file.value(`${base}/shape`), (x) => Number(x));
  shape.forEach((s, i) => {
    if (!Number.isInteger(s) || s <= 0)
      throw new RouserError(`${ctx.path}: field /${base}/shape[${i}] is ${s}; expected a positive integer`);
  });
  return shape;
}

function readNode(ctx: Ctx, name: string): NirNode {
  const base = `node/nodes/${name}`;
  const type = readString(ctx, `${base}/type`);
  const metaKeys = group(ctx, `${base}/metadata`);
  const metadata = metaKeys ? readMetadata(ctx, `${base}/metadata`, metaKeys) : undefined;
  const withMeta = (n: NirNode): NirNode => (metadata && Object.keys(metadata).length > 0 ? { ...n, metadata } : n);
  const tensor = (field: string, optional?: () => NirTensor): NirTensor => {
    const d = dataset(ctx, `${base}/${field}`);
    if (!d) {
      if (optional) return optional();
      throw new RouserError(
        `${ctx.path}: node ${JSON.stringify(name)} (${type}): field ${field} is missing; expected a numeric dataset /${base}/${field}`,
      );
    }
    return readTensor(ctx, d, `${base}/${field}`);
  };
  const zerosLike = (field: string) => (): NirTensor => {
    const t = tensor(field);
    return {
      shape: t.shape,
      data: t.dtype === 'float32' ? new Float32Array(t.data.length) : new Float64Array(t.data.length),
      dtype: t.dtype,
    };
  };
  const intScalar = (field: string, dflt: number): number => {
    const d = dataset(ctx, `${base}/${field}`);
    if (!d) return dflt;
    const t = readTensor(ctx, d, `${base}/${field}`);
    return t.data[0] ?? dflt;
  };
  switch (type) {
    case 'Input':
      return withMeta({ type: 'Input', shape: readShape(ctx, base) });
    case 'Output':
      return withMeta({ type: 'Output', shape: readShape(ctx, base) });
    case 'Affine':
      return withMeta({ type: 'Affine', weight: tensor('weight'), bias: tensor('bias') });
    case 'Linear':
      return withMeta({ type: 'Linear', weight: tensor('weight') });
    case 'Scale':
      return withMeta({ type: 'Scale', scale: tensor('scale') });
    case 'Delay':
      return withMeta({ type: 'Delay', delay: tensor('delay') });
    case 'CubaLIF':
      return withMeta({
        type: 'CubaLIF',
        tau_syn: tensor('tau_syn'),
        tau_mem: tensor('tau_mem'),
        r: tensor('r'),
        v_leak: tensor('v_leak'),
        v_threshold: tensor('v_threshold'),
        v_reset: tensor('v_reset', zerosLike('v_threshold')),
        w_in: tensor('w_in'),
      });
    case 'LIF':
      return withMeta({
        type: 'LIF',
        tau: tensor('tau'),
        r: tensor('r'),
        v_leak: tensor('v_leak'),
        v_threshold: tensor('v_threshold'),
        v_reset: tensor('v_reset', zerosLike('v_threshold')),
      });
    case 'IF':
      return withMeta({
        type: 'IF',
        r: tensor('r'),
        v_threshold: tensor('v_threshold'),
        v_reset: tensor('v_reset', zerosLike('v_threshold')),
      });
    case 'LI':
      return withMeta({ type: 'LI', tau: tensor('tau'), r: tensor('r'), v_leak: tensor('v_leak') });
    case 'Flatten': {
      const it = dataset(ctx, `${base}/input_type`);
      const node: NirNode = {
        type: 'Flatten',
        start_dim: intScalar('start_dim', 1),
        end_dim: intScalar('end_dim', -1),
      };
      if (it && it.dtype.type !== 3) node.input_type = Array.from(readTensor(ctx, it, `${base}/input_type`).data);
      return withMeta(node);
    }
    case 'Identity':
      return withMeta({ type: 'Identity' });
    case 'NIRGraph':
      throw new RouserError(
        `${ctx.path}: node ${JSON.stringify(name)} (NIRGraph): field type is "NIRGraph"; expected a primitive node (nested subgraphs are not supported; flatten the graph before export)`,
      );
    default:
      throw new RouserError(
        `${ctx.path}: node ${JSON.stringify(name)} (${type}): field type is ${JSON.stringify(type)}; expected one of Input, Output, Affine, Linear, Scale, CubaLIF, LIF, IF, LI, Delay, Flatten, Identity (conv and pool nodes are not supported)`,
      );
  }
}

/**
 * Reads a `.nir` file into a {@link NirGraph} and checks it ({@link checkNirGraph}: known edge names, finite
 * parameters, shapes that chain). Gzip-compressed and uncompressed datasets both read. The file goes through the
 * guarded HDF5 layer ({@link openHdf5}: superblock checked first, h5wasm in a worker), so a corrupt file that makes
 * the HDF5 library abort ends that worker only and is reported as one RouserError.
 * @throws RouserError naming the file, node, field and value (not HDF5, no `/node`, unknown node type, ...)
 */
export async function readNir(path: string): Promise<NirGraph> {
  if (!existsSync(path)) throw new RouserError(`${path}: no such file; expected a NIR graph (.nir, HDF5)`);
  if (statSync(path).isDirectory())
    throw new RouserError(`${path}: is a folder; expected a NIR graph file (.nir, HDF5)`);
  if (statSync(path).size === 0 || !hasHdf5Signature(path))
    throw new RouserError(
      `${path}: field header (byte 0) has no HDF5 signature; expected a NIR graph file (HDF5, signature \\x89HDF\\r\\n\\x1a\\n)`,
    );
  const file = await openHdf5(path);
  const ctx: Ctx = { file, path };
  try {
    const nodeNames = group(ctx, 'node');
    if (!nodeNames)
      throw new RouserError(`${path}: field /node is missing; expected the NIR graph group /node (NIR 1.0 layout)`);
    const version = dataset(ctx, 'version') ? readString(ctx, 'version') : 'unknown';
    const names = group(ctx, 'node/nodes');
    if (!names)
      throw new RouserError(`${path}: field /node/nodes is missing; expected a group with one group per node`);
    const nodes: Record<string, NirNode> = {};
    for (const name of names) {
      if (!group(ctx, `node/nodes/${name}`))
        throw new RouserError(`${path}: field /node/nodes/${name} is not a group; expected one group per node`);
      nodes[name] = readNode(ctx, name);
    }
    const ed = dataset(ctx, 'node/edges');
    if (!ed) throw new RouserError(`${path}: field /node/edges is missing; expected an (E, 2) string dataset`);
    const flat = ed.dtype.type === 3 ? Array.from(ctx.file.value('node/edges')) : [];
    if (
      flat.length % 2 !== 0 ||
      flat.some((x) => typeof x !== 'string') ||
      (flat.length === 0 && ed.shape.reduce((a, b) => a * b, 1) > 0)
    )
      throw new RouserError(
        `${path}: field /node/edges has shape [${ed.shape.join(',')}]; expected (E, 2) strings [source, target]`,
      );
    const edges: [string, string][] = [];
    for (let i = 0; i < flat.length; i += 2) edges.push([flat[i] as string, flat[i + 1] as string]);
    const metaKeys = group(ctx, 'node/metadata');
    const metadata = metaKeys ? readMetadata(ctx, 'node/metadata', metaKeys) : {};
    const graph: NirGraph = { version, nodes, edges, metadata };
    checkNirGraph(graph, path);
    return graph;
  } finally {
    file.close();
  }
}

function writeTensor(g: Group, name: string, t: NirTensor): void {
  const data = t.dtype === 'float32' ? Float32Array.from(t.data) : Float64Array.from(t.data);
  if (t.shape.length === 0) {
    g.create_dataset({ name, data, shape: [] });
    return;
  }
  // gzip level 4 over one chunk, as nir.write (h5py compression="gzip") writes numpy arrays.
  g.create_dataset({
    name,
    data,
    shape: t.shape,
    chunks: t.shape.map((s) => Math.max(1, s)),
    compression: 'gzip',
    compression_opts: 4,
  });
}

function writeMetadata(g: Group, m: NirMetadata): void {
  for (const [k, v] of Object.entries(m)) {
    if (typeof v === 'string') g.create_dataset({ name: k, data: v });
    else if (typeof v === 'number') g.create_dataset({ name: k, data: Float64Array.of(v), shape: [] });
    else writeTensor(g, k, v);
  }
}

/** Options of {@link writeNir}. */
export interface WriteNirOptions {
  /** Check the graph first (default true). `false` writes it as given, e.g. to make malformed files for reader tests. */
  check?: boolean;
}

/**
 * Writes a {@link NirGraph} as a NIR 1.0 `.nir` file (checked first; atomic: a temporary HDF5 file is written and its
 * bytes moved into place, so a failure leaves no partial file).
 */
export async function writeNir(path: string, graph: NirGraph, opts: WriteNirOptions = {}): Promise<void> {
  if (opts.check !== false) checkNirGraph(graph, path);
  const mod = await h5();
  const tmp = tmpPath();
  try {
    const f = new mod.File(tmp, 'w');
    try {
      f.create_dataset({ name: 'version', data: graph.version });
      const root = f.create_group('node');
      root.create_dataset({ name: 'type', data: 'NIRGraph' });
      const flat = graph.edges.flatMap(([a, b]) => [a, b]);
      root.create_dataset({ name: 'edges', data: flat, shape: [graph.edges.length, 2] });
      if (Object.keys(graph.metadata).length > 0) writeMetadata(root.create_group('metadata'), graph.metadata);
      const nodes = root.create_group('nodes');
      for (const [name, node] of Object.entries(graph.nodes)) {
        const g = nodes.create_group(name);
        g.create_dataset({ name: 'type', data: node.type });
        const rec = node as unknown as Record<string, unknown>;
        switch (node.type) {
          case 'Input':
          case 'Output':
            g.create_dataset({
              name: 'shape',
              data: BigInt64Array.from(node.shape.map((s) => BigInt(s))),
              shape: [node.shape.length],
            });
            break;
          case 'Flatten':
            if (node.input_type)
              g.create_dataset({
                name: 'input_type',
                data: BigInt64Array.from(node.input_type.map((s) => BigInt(s))),
                shape: [node.input_type.length],
              });
            g.create_dataset({ name: 'start_dim', data: BigInt64Array.of(BigInt(node.start_dim)), shape: [] });
            g.create_dataset({ name: 'end_dim', data: BigInt64Array.of(BigInt(node.end_dim)), shape: [] });
            break;
          case 'Identity':
            break;
          default:
            // (unknown types, only reachable with check: false, write their tensor fields as they are)
            for (const field of (NIR_PARAMS as Record<string, readonly string[] | undefined>)[node.type] ??
              Object.keys(rec).filter((k) => k !== 'type' && k !== 'metadata'))
              writeTensor(g, field, rec[field] as NirTensor);
        }
        if (node.metadata && Object.keys(node.metadata).length > 0)
          writeMetadata(g.create_group('metadata'), node.metadata);
      }
    } finally {
      f.close();
    }
    writeFileAtomic(path, readFileSync(tmp));
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Reads a `.nir` file and maps it to a NetworkSpec ({@link fromNir}); messages name the file. */
export async function loadNirModel(path: string, opts: Omit<FromNirOptions, 'where'> = {}): Promise<NetworkSpec> {
  return fromNir(await readNir(path), { ...opts, where: path });
}

/** Maps a NetworkSpec to NIR ({@link toNir}) and writes it to `path` (atomic). */
export async function saveNirModel(path: string, spec: NetworkSpec): Promise<void> {
  await writeNir(path, toNir(spec));
}
