/**
 * NIR (Neuromorphic Intermediate Representation, github.com/neuromorphs/NIR, nir 1.0) graphs as plain data, their
 * structural and shape checks, and the mapping between a rouser {@link NetworkSpec} and a NIR graph. Pure: no file
 * access (the HDF5 layout is read and written by `src/io/nir.ts`).
 *
 * Mapping (the convention snnTorch export, Norse import and the NIR Lava import script share; NIR is continuous
 * time, rouser is discrete with step dt):
 *   export  tau_syn = dt/(1-aI)   tau_mem = dt/(1-aV)   w_in = 1/(1-aI)   r = 1/(1-aV)   (cuba -> CubaLIF)
 *           tau = dt/(1-beta)   r = 1/(1-beta)                                                 (lif  -> LIF)
 *           v_leak = 0, v_reset = 0, v_threshold = per-neuron thresholds; dt (seconds), reset mode, spike test and
 *           the exact rouser values live under metadata only (`nir.read` rejects extra datasets in a node group).
 *   import  forward Euler (default): aI = 1 - dt/tau_syn, aV = 1 - dt/tau_mem, beta = 1 - dt/tau; the input gain
 *           (w_in dt/tau_syn)(r dt/tau_mem) (CubaLIF) or r dt/tau (LIF) multiplies the incoming weight row of each
 *           neuron, so per-neuron thresholds survive. `exact`: a = exp(-dt/tau), gains w_in (1-aI) and r (1-aV).
 * Sources: NIR `nir/ir/neuron.py` (equations), snnTorch `export_nir.py` / `import_nir.py`, Norse `from_nir`, NIR docs
 * `nir_to_lava.py`; details in docs/README-nir.md.
 */
import { fail, RouserError, describeValue } from '../util/errors.js';
import type { LayerSpec, NetworkSpec, NeuronModel, ResetMode, SpecMeta } from './spec.js';
import { isCubaNeuron, isLifNeuron, SPEC_VERSION } from './spec.js';
import { validateSpec } from './validate.js';

/** A numeric NIR parameter: row-major data with its shape (`[]` = scalar) and its HDF5 element type. */
export interface NirTensor {
  shape: number[];
  data: Float32Array | Float64Array;
  /** float32 (`<f4`, torch exporters) or float64 (`<f8`, numpy-built graphs). */
  dtype: 'float32' | 'float64';
}

/** Free-form node or graph metadata: strings, numbers, arrays. */
export type NirMetadata = Record<string, string | number | NirTensor>;

/** The NIR node types rouser reads and writes (nir 1.0 class names; `Identity` is accepted on read as a pass-through). */
export type NirNode = (
  | { type: 'Input'; shape: number[] }
  | { type: 'Output'; shape: number[] }
  | { type: 'Affine'; weight: NirTensor; bias: NirTensor }
  | { type: 'Linear'; weight: NirTensor }
  | { type: 'Scale'; scale: NirTensor }
  | {
      type: 'CubaLIF';
      tau_syn: NirTensor;
      tau_mem: NirTensor;
      r: NirTensor;
      v_leak: NirTensor;
      v_threshold: NirTensor;
      v_reset: NirTensor;
      w_in: NirTensor;
    }
  | { type: 'LIF'; tau: NirTensor; r: NirTensor; v_leak: NirTensor; v_threshold: NirTensor; v_reset: NirTensor }
  | { type: 'IF'; r: NirTensor; v_threshold: NirTensor; v_reset: NirTensor }
  | { type: 'LI'; tau: NirTensor; r: NirTensor; v_leak: NirTensor }
  | { type: 'Delay'; delay: NirTensor }
  | { type: 'Flatten'; input_type?: number[]; start_dim: number; end_dim: number }
  | { type: 'Identity' }
) & { metadata?: NirMetadata };

/** The node type names of {@link NirNode}. */
export type NirNodeType = NirNode['type'];

/** Node types rouser handles; any other type in a file is refused naming the node and its type. */
export const NIR_NODE_TYPES: readonly NirNodeType[] = [
  'Input',
  'Output',
  'Affine',
  'Linear',
  'Scale',
  'CubaLIF',
  'LIF',
  'IF',
  'LI',
  'Delay',
  'Flatten',
  'Identity',
];

/** The numeric parameter datasets of each node type, in the order nir 1.0 writes them (`v_reset` optional on read). */
export const NIR_PARAMS: Readonly<
  Record<Exclude<NirNodeType, 'Input' | 'Output' | 'Flatten' | 'Identity'>, readonly string[]>
> = {
  Affine: ['weight', 'bias'],
  Linear: ['weight'],
  Scale: ['scale'],
  CubaLIF: ['tau_syn', 'tau_mem', 'r', 'v_leak', 'v_threshold', 'v_reset', 'w_in'],
  LIF: ['tau', 'r', 'v_leak', 'v_threshold', 'v_reset'],
  IF: ['r', 'v_threshold', 'v_reset'],
  LI: ['tau', 'r', 'v_leak'],
  Delay: ['delay'],
};

/** A whole NIR graph (the `/node` group of a `.nir` file) plus the file's `/version`. */
export interface NirGraph {
  version: string;
  nodes: Record<string, NirNode>;
  /** [source, target] node names. */
  edges: [string, string][];
  metadata: NirMetadata;
}

/** The NIR version string rouser writes into `/version` (the layout of nir 1.0.x). */
export const NIR_WRITE_VERSION = '1.0.8';

/** Builds a float32 {@link NirTensor} (1-D unless `shape` is given). */
export function nirTensor(
  data: ArrayLike<number>,
  shape?: number[],
  dtype: 'float32' | 'float64' = 'float32',
): NirTensor {
  const arr = dtype === 'float32' ? Float32Array.from(data) : Float64Array.from(data);
  return { shape: shape ?? [arr.length], data: arr, dtype };
}

const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
const fmtShape = (s: readonly number[] | undefined): string => (s === undefined ? 'unknown' : `[${s.join(',')}]`);
const nodeWhere = (where: string, name: string, node: { type: string }): string =>
  `${where}: node ${JSON.stringify(name)} (${node.type})`;

/** Fails with `<where>: node "<name>" (<type>): field <field> is <value>; expected <expected>`. */
function nodeFail(
  where: string,
  name: string,
  node: { type: string },
  field: string,
  value: unknown,
  expected: string,
): never {
  throw new RouserError(
    `${nodeWhere(where, name, node)}: field ${field} is ${describeValue(value)}; expected ${expected}`,
  );
}

/** Input and output shape of one node (without batch dimension), from its parameters; undefined = taken from the edge. */
function nodeShapes(where: string, name: string, node: NirNode): { in?: number[]; out?: number[] } {
  const neuronShape = (fields: readonly string[]): number[] => {
    const rec = node as unknown as Record<string, NirTensor>;
    const first = rec[fields[0] as string] as NirTensor;
    for (const f of fields) {
      const t = rec[f] as NirTensor;
      if (numel(t.shape) === 1 && f === 'w_in') continue; // a scalar w_in is broadcast (nir CubaLIF)
      if (fmtShape(t.shape) !== fmtShape(first.shape))
        nodeFail(
          where,
          name,
          node,
          `${f}.shape`,
          fmtShape(t.shape),
          `${fmtShape(first.shape)} (the shape of ${fields[0]}; all neuron parameters share one shape)`,
        );
    }
    return first.shape;
  };
  switch (node.type) {
    case 'Input':
      return { out: node.shape };
    case 'Output':
      return { in: node.shape };
    case 'Affine':
    case 'Linear': {
      if (node.weight.shape.length !== 2)
        nodeFail(where, name, node, 'weight.shape', fmtShape(node.weight.shape), 'a 2-D (out, in) matrix');
      const [o, i] = node.weight.shape as [number, number];
      if (node.type === 'Affine' && fmtShape(node.bias.shape) !== fmtShape([o]))
        nodeFail(where, name, node, 'bias.shape', fmtShape(node.bias.shape), `[${o}] (the rows of weight)`);
      return { in: [i], out: [o] };
    }
    case 'Scale':
      return { in: node.scale.shape, out: node.scale.shape };
    case 'Delay':
      return { in: node.delay.shape, out: node.delay.shape };
    case 'CubaLIF': {
      const s = neuronShape(NIR_PARAMS.CubaLIF);
      return { in: s, out: s };
    }
    case 'LIF': {
      const s = neuronShape(NIR_PARAMS.LIF);
      return { in: s, out: s };
    }
    case 'IF': {
      const s = neuronShape(NIR_PARAMS.IF);
      return { in: s, out: s };
    }
    case 'LI': {
      const s = neuronShape(NIR_PARAMS.LI);
      return { in: s, out: s };
    }
    case 'Flatten':
    case 'Identity':
      return {};
    default: {
      const never: never = node;
      throw new Error(`unknown NIR node ${JSON.stringify(never)}`);
    }
  }
}

/** Flatten's output shape for an input shape, exactly as nir's `calc_flatten_output` (dims index the shape as given). */
function flattenShape(shape: number[], start: number, end: number): number[] {
  const head = start !== 0 ? shape.slice(0, start) : [];
  const middle = numel(end !== -1 ? shape.slice(start, end + 1) : shape.slice(start));
  const tail = end !== -1 && end !== shape.length - 1 ? shape.slice(end + 1) : [];
  return [...head, middle, ...tail];
}

/** What {@link checkNirGraph} finds: the node order from Input to Output and the cycles. */
export interface NirStructure {
  input: string;
  output: string;
  /** Node names reachable from the input, in a topological order of the feed-forward part. */
  order: string[];
  /** Edges that close a cycle (recurrent connections), as [from, to]. */
  backEdges: [string, string][];
  /** Output shape of every node (after type inference along the edges). */
  shapes: Record<string, number[]>;
}

/**
 * Checks a graph the way `nir.read(type_check=True)` does, with messages naming the node, field and value:
 * every edge names known nodes, there is exactly one Input and one Output, every parameter is finite, neuron
 * parameters share one shape, and shapes chain along every edge (type inference from the Input).
 * @param where the file name (or object name) used in messages
 * @throws RouserError for the first problem found
 */
export function checkNirGraph(graph: NirGraph, where = 'NIR graph'): NirStructure {
  const names = Object.keys(graph.nodes);
  if (names.length === 0) fail(where, '/node/nodes', '(empty)', 'at least an Input and an Output node');
  for (const name of names) {
    const node = graph.nodes[name] as NirNode;
    if (!NIR_NODE_TYPES.includes(node.type))
      nodeFail(where, name, node, 'type', node.type, `one of ${NIR_NODE_TYPES.join(', ')}`);
    const rec = node as unknown as Record<string, unknown>;
    for (const f of (NIR_PARAMS as Record<string, readonly string[]>)[node.type] ?? []) {
      const t = rec[f] as NirTensor | undefined;
      if (!t) nodeFail(where, name, node, f, undefined, 'a numeric dataset');
      if (t.data.length !== numel(t.shape))
        nodeFail(where, name, node, `${f}.length`, t.data.length, `${numel(t.shape)} (shape ${fmtShape(t.shape)})`);
      for (let i = 0; i < t.data.length; i++) {
        const v = t.data[i] as number;
        if (!Number.isFinite(v)) nodeFail(where, name, node, `${f}[${i}]`, v, 'a finite number');
      }
    }
  }
  const inputs = names.filter((n) => graph.nodes[n]?.type === 'Input');
  const outputs = names.filter((n) => graph.nodes[n]?.type === 'Output');
  if (inputs.length !== 1)
    fail(where, 'Input nodes', inputs.length === 0 ? '(none)' : inputs.join(', '), 'exactly one Input node');
  if (outputs.length !== 1)
    fail(where, 'Output nodes', outputs.length === 0 ? '(none)' : outputs.join(', '), 'exactly one Output node');
  const succ = new Map<string, string[]>(names.map((n) => [n, []]));
  const pred = new Map<string, string[]>(names.map((n) => [n, []]));
  graph.edges.forEach(([a, b], i) => {
    if (!succ.has(a)) fail(where, `/node/edges[${i}][0]`, a, `a node name (known: ${names.join(', ')})`);
    if (!succ.has(b)) fail(where, `/node/edges[${i}][1]`, b, `a node name (known: ${names.join(', ')})`);
    succ.get(a)?.push(b);
    pred.get(b)?.push(a);
  });
  const input = inputs[0] as string;
  const output = outputs[0] as string;
  // Depth-first from the input: edges to a node on the current path close a cycle.
  const state = new Map<string, 1 | 2>();
  const post: string[] = [];
  const backEdges: [string, string][] = [];
  const visit = (n: string): void => {
    state.set(n, 1);
    for (const m of succ.get(n) ?? []) {
      const s = state.get(m);
      if (s === 1) backEdges.push([n, m]);
      else if (s === undefined) visit(m);
    }
    state.set(n, 2);
    post.push(n);
  };
  visit(input);
  const order = post.reverse();
  if (!state.has(output))
    fail(where, `node ${JSON.stringify(output)}`, 'unreachable', 'an Output reachable from the Input along the edges');
  for (const n of names)
    if (!state.has(n))
      nodeFail(
        where,
        n,
        graph.nodes[n] as NirNode,
        'edges',
        'unreachable from the Input',
        'every node on a path from the Input',
      );
  // Type inference in topological order (back edges are checked after all shapes are known).
  const shapes: Record<string, number[]> = {};
  const back = new Set(backEdges.map(([a, b]) => `${a}\u0000${b}`));
  const inShapeOf = (n: string): number[] | undefined => {
    for (const p of pred.get(n) ?? []) if (!back.has(`${p}\u0000${n}`) && shapes[p]) return shapes[p];
    return undefined;
  };
  for (const n of order) {
    const node = graph.nodes[n] as NirNode;
    const own = nodeShapes(where, n, node);
    const incoming = pred.get(n) ?? [];
    for (const p of incoming) {
      if (back.has(`${p}\u0000${n}`)) continue;
      const ps = shapes[p];
      const expected = own.in ?? (node.type === 'Flatten' && node.input_type ? node.input_type : undefined);
      if (ps && expected && fmtShape(ps) !== fmtShape(expected))
        nodeFail(
          where,
          n,
          node,
          node.type === 'Output' ? 'shape' : 'input shape',
          fmtShape(expected),
          `${fmtShape(ps)} (the output of node ${JSON.stringify(p)} (${(graph.nodes[p] as NirNode).type}))`,
        );
    }
    if (node.type === 'Flatten') {
      const s = inShapeOf(n) ?? node.input_type;
      if (!s) nodeFail(where, n, node, 'input_type', undefined, 'an input shape (from the edge or the dataset)');
      shapes[n] = flattenShape(s, node.start_dim, node.end_dim);
    } else if (node.type === 'Identity') {
      const s = inShapeOf(n);
      if (!s) nodeFail(where, n, node, 'input shape', undefined, 'a shape from an incoming edge');
      shapes[n] = s;
    } else shapes[n] = own.out ?? own.in ?? [];
  }
  for (const [a, b] of backEdges) {
    const node = graph.nodes[b] as NirNode;
    const own = nodeShapes(where, b, node);
    const exp = own.in ?? shapes[b];
    if (exp && fmtShape(shapes[a]) !== fmtShape(exp))
      nodeFail(
        where,
        b,
        node,
        'input shape',
        fmtShape(exp),
        `${fmtShape(shapes[a])} (the output of node ${JSON.stringify(a)}, recurrent edge)`,
      );
  }
  return { input, output, order, backEdges, shapes };
}

/** Options of {@link toNir}. */
export interface ToNirOptions {
  /** Write parameters as float32 (default, as torch exporters do) or float64. Weights and thresholds are float32 in rouser either way. */
  dtype?: 'float32' | 'float64';
}

const f32 = Math.fround;

/** The NIR time constant for a retention factor a at step dt (seconds): tau = dt / (1 - a), the Euler convention. */
export function nirTauFromRetention(a: number, dtSeconds: number): number {
  return dtSeconds / (1 - a);
}

/**
 * NetworkSpec -> NIR graph: Input -> per layer [Affine | Linear] -> [Delay] -> CubaLIF | LIF -> Output.
 * Node names: `input`, `fc<l>`, `delay<l>`, `lif<l>`, `output`. Graph metadata: `dt` (seconds), `discretization`
 * ("euler"), `reset_timing` ("same_step"), `spike_test` (">="), `source` ("rouser"), `rouser_dt_ms`, `rouser_meta`
 * (the spec's meta as JSON). Neuron metadata: `reset` ("zero" | "subtract") and the exact retention factors
 * (`rouser_current_retention`, `rouser_voltage_retention` or `rouser_beta`) so that {@link fromNir} restores the spec
 * bit for bit. A lif layer with beta = 1 (no leak) becomes an IF node (r = 1); a cuba retention of exactly 1 has no
 * finite tau and is refused.
 */
export function toNir(spec: NetworkSpec, opts: ToNirOptions = {}): NirGraph {
  validateSpec(spec);
  const dtype = opts.dtype ?? 'float32';
  const dt = spec.dtMs / 1000;
  const nodes: Record<string, NirNode> = { input: { type: 'Input', shape: [spec.inputSize] } };
  const edges: [string, string][] = [];
  let prev = 'input';
  const link = (name: string, node: NirNode): void => {
    nodes[name] = node;
    edges.push([prev, name]);
    prev = name;
  };
  const filled = (n: number, v: number): NirTensor => nirTensor(new Array<number>(n).fill(v), [n], dtype);
  spec.layers.forEach((layer, l) => {
    const w = nirTensor(layer.weights, [layer.size, layer.inputSize], 'float32');
    link(
      `fc${l}`,
      layer.bias
        ? { type: 'Affine', weight: w, bias: nirTensor(layer.bias, [layer.size], 'float32') }
        : { type: 'Linear', weight: w },
    );
    if (layer.delaySteps > 0)
      link(`delay${l}`, {
        type: 'Delay',
        delay: filled(layer.size, layer.delaySteps * dt),
        metadata: { rouser_delay_steps: layer.delaySteps },
      });
    const n = layer.size;
    const th = nirTensor(layer.thresholds, [n], 'float32');
    const retention = (a: number, field: string): number => {
      if (!(a < 1))
        fail(
          `NetworkSpec`,
          `layers[${l}].neuron.${field}`,
          a,
          'a retention < 1 (a NIR time constant dt/(1-a) must be finite)',
        );
      return a;
    };
    const neuron = layer.neuron;
    if (isCubaNeuron(neuron)) {
      const aI = retention(neuron.currentRetention, 'currentRetention');
      const aV = retention(neuron.voltageRetention, 'voltageRetention');
      link(`lif${l}`, {
        type: 'CubaLIF',
        tau_syn: filled(n, nirTauFromRetention(aI, dt)),
        tau_mem: filled(n, nirTauFromRetention(aV, dt)),
        r: filled(n, 1 / (1 - aV)),
        v_leak: filled(n, 0),
        v_threshold: th,
        v_reset: filled(n, 0),
        w_in: filled(n, 1 / (1 - aI)),
        metadata: { reset: layer.reset, rouser_current_retention: aI, rouser_voltage_retention: aV },
      });
    } else if (isLifNeuron(neuron)) {
      if (neuron.beta === 1) {
        // No leak: NIR's IF node (dv/dt = r I), read back with a per-step gain r = 1.
        link(`lif${l}`, {
          type: 'IF',
          r: filled(n, 1),
          v_threshold: th,
          v_reset: filled(n, 0),
          metadata: { reset: layer.reset, rouser_beta: 1 },
        });
      } else {
        const b = retention(neuron.beta, 'beta');
        link(`lif${l}`, {
          type: 'LIF',
          tau: filled(n, nirTauFromRetention(b, dt)),
          r: filled(n, 1 / (1 - b)),
          v_leak: filled(n, 0),
          v_threshold: th,
          v_reset: filled(n, 0),
          metadata: { reset: layer.reset, rouser_beta: b },
        });
      }
    } else {
      fail(
        'NetworkSpec',
        `layers[${l}].neuron.kind`,
        neuron.kind,
        'cuba or lif (NIR has no node for other registered neuron models)',
      );
    }
  });
  const last = spec.layers[spec.layers.length - 1] as LayerSpec;
  link('output', { type: 'Output', shape: [last.size] });
  return {
    version: NIR_WRITE_VERSION,
    nodes,
    edges,
    metadata: {
      dt,
      discretization: 'euler',
      reset_timing: 'same_step',
      spike_test: '>=',
      source: 'rouser',
      rouser_dt_ms: spec.dtMs,
      rouser_meta: JSON.stringify(spec.meta),
    },
  };
}

/** Options of {@link fromNir}. */
export interface FromNirOptions {
  /** File or object name used in messages. */
  where?: string;
  /** Time step in seconds when the graph's metadata has no `dt` (default 1e-4, the snnTorch / SpikingJelly export default). */
  dtSeconds?: number;
  /** How continuous time constants become retention factors (default: the graph's `discretization` metadata, else euler). */
  discretization?: 'euler' | 'exact';
  /** Reset mode when a neuron node's (or the graph's) metadata has no `reset` (default `zero`: NIR's v_reset = 0). */
  reset?: ResetMode;
}

/** Default time step (seconds) for graphs without `dt` metadata: the snnTorch and SpikingJelly export default. */
export const NIR_DEFAULT_DT = 1e-4;

/** Largest tau/dt ratio accepted: beyond 2^24 a float32 retention 1 - dt/tau rounds to exactly 1 (the leak vanishes). */
export const NIR_MAX_TAU_STEPS = 2 ** 24;

/** Smallest float32 strictly greater than x (any double): with float32 V, `V >= aboveF32(x)` equals `V > x`. */
function aboveF32(x: number): number {
  const r = f32(x);
  if (r > x) return r;
  const b = new Float32Array([r]);
  const u = new Uint32Array(b.buffer);
  if (r === 0) u[0] = 1;
  else if (r > 0) u[0] = (u[0] as number) + 1;
  else u[0] = (u[0] as number) - 1;
  return b[0] as number;
}

interface PendingSynapse {
  /** Row-major (out x in) matrix, or undefined while the segment is still the identity. */
  weight?: Float64Array;
  bias?: Float64Array;
  rows: number;
  cols: number;
  delayS?: number;
  delayNode?: string;
  delaySteps?: number;
}

/** Reads a metadata number (scalar tensors included). */
function metaNum(m: NirMetadata | undefined, key: string): number | undefined {
  const v = m?.[key];
  if (typeof v === 'number') return v;
  if (v !== undefined && typeof v === 'object' && v.data.length === 1) return v.data[0];
  return undefined;
}

function metaStr(m: NirMetadata | undefined, key: string): string | undefined {
  const v = m?.[key];
  return typeof v === 'string' ? v : undefined;
}

/** The value of a per-neuron parameter all neurons share, or a failure naming the first neuron that differs. */
function uniform(where: string, name: string, node: NirNode, field: string, t: NirTensor, why: string): number {
  const v = t.data[0] as number;
  for (let i = 1; i < t.data.length; i++)
    if (t.data[i] !== v) nodeFail(where, name, node, `${field}[${i}]`, t.data[i], `${v} (= ${field}[0]; ${why})`);
  return v;
}

/** Entries [0, n) of a per-neuron parameter must be 0: a failure naming the first that is not. */
function requireZeros(
  where: string,
  name: string,
  node: NirNode,
  field: string,
  t: NirTensor,
  n: number,
  expected: string,
): void {
  for (let k = 0; k < n; k++) if (t.data[k] !== 0) nodeFail(where, name, node, `${field}[${k}]`, t.data[k], expected);
}

/**
 * NIR graph -> NetworkSpec (feed-forward chains only): the graph is checked ({@link checkNirGraph}); a cycle is refused
 * with a message saying that recurrent NIR graphs do not import yet. Between two spiking nodes the chain may
 * hold Affine / Linear / Scale / Delay / Flatten / Identity nodes; they compose into one weight matrix, bias and delay.
 * Spiking nodes: CubaLIF -> cuba, LIF -> lif, IF -> lif with beta = 1 (per-step gain r, the sinabs / snnTorch reading).
 * Refused with a message naming node, field and value: LI nodes (no spiking rouser layer), v_reset != 0, CubaLIF
 * v_leak != 0, time constants <= 0, < dt (Euler retention < 0) or > 2^24 dt, heterogeneous time constants within a
 * layer (rouser keeps one decay per layer), delays that are not a whole number of steps or differ per neuron.
 * Rouser spikes when V >= Th; NIR when v > v_threshold, so unless the graph's metadata says `spike_test: ">="` each
 * threshold becomes the smallest float32 above it, which gives the same spikes for float32 V.
 */
export function fromNir(graph: NirGraph, opts: FromNirOptions = {}): NetworkSpec {
  const where = opts.where ?? 'NIR graph';
  const st = checkNirGraph(graph, where);
  if (st.backEdges.length > 0) {
    const [a, b] = st.backEdges[0] as [string, string];
    throw new RouserError(
      `${where}: edge ${JSON.stringify(a)} -> ${JSON.stringify(b)} closes a cycle; recurrent NIR graphs do not import yet (only feed-forward chains map to a NetworkSpec; the network-description engine has no NIR reader)`,
    );
  }
  const gm = graph.metadata;
  const dtMeta = metaNum(gm, 'dt');
  const dt = dtMeta ?? opts.dtSeconds ?? NIR_DEFAULT_DT;
  if (!(dt > 0) || !Number.isFinite(dt))
    fail(where, dtMeta !== undefined ? '/node/metadata/dt' : 'dt', dt, 'a finite time step > 0 (seconds)');
  const discMeta = metaStr(gm, 'discretization');
  const disc = opts.discretization ?? (discMeta === 'exact' ? 'exact' : 'euler');
  const geSpike = metaStr(gm, 'spike_test') === '>=';
  const dtMsMeta = metaNum(gm, 'rouser_dt_ms');
  const dtMs = dtMsMeta !== undefined && dtMsMeta / 1000 === dt ? dtMsMeta : dt * 1000;
  let meta: SpecMeta = {};
  const rm = metaStr(gm, 'rouser_meta');
  if (rm !== undefined) {
    try {
      meta = JSON.parse(rm) as SpecMeta;
    } catch {
      fail(where, '/node/metadata/rouser_meta', rm, 'a JSON object');
    }
  } else meta = { source: 'nir', nirVersion: graph.version };

  // Walk the chain from the Input.
  const succ = new Map<string, string[]>();
  for (const [a, b] of graph.edges) succ.set(a, [...(succ.get(a) ?? []), b]);
  const inputNode = graph.nodes[st.input] as Extract<NirNode, { type: 'Input' }>;
  const inputSize = numel(inputNode.shape);
  const layers: LayerSpec[] = [];
  let width = inputSize;
  let pending: PendingSynapse = { rows: width, cols: width };
  let cur = st.input;
  for (;;) {
    const next = succ.get(cur) ?? [];
    if (next.length !== 1)
      nodeFail(
        where,
        cur,
        graph.nodes[cur] as NirNode,
        'edges',
        `${next.length} outgoing`,
        'exactly one (rouser imports a single chain from Input to Output)',
      );
    const name = next[0] as string;
    const node = graph.nodes[name] as NirNode;
    const incoming = graph.edges.filter(([, b]) => b === name).length;
    if (incoming !== 1)
      nodeFail(
        where,
        name,
        node,
        'edges',
        `${incoming} incoming`,
        'exactly one (rouser imports a single chain from Input to Output)',
      );
    cur = name;
    switch (node.type) {
      case 'Input':
        throw new Error('unreachable: second Input');
      case 'Flatten':
      case 'Identity':
        break;
      case 'Affine':
      case 'Linear': {
        const [o, i] = node.weight.shape as [number, number];
        const w = Float64Array.from(node.weight.data);
        const b = node.type === 'Affine' ? Float64Array.from(node.bias.data) : undefined;
        if (pending.weight === undefined)
          pending = { ...pending, weight: w, rows: o, cols: i, ...(b ? { bias: b } : {}) };
        else {
          // compose: W2 (o x r) * W1 (r x c), b = W2 b1 + b2
          const r = pending.rows;
          const c = pending.cols;
          const w1 = pending.weight;
          const m = new Float64Array(o * c);
          for (let a = 0; a < o; a++)
            for (let k = 0; k < r; k++) {
              const x = w[a * r + k] as number;
              if (x !== 0)
                for (let j = 0; j < c; j++) m[a * c + j] = (m[a * c + j] as number) + x * (w1[k * c + j] as number);
            }
          let nb: Float64Array | undefined;
          if (pending.bias || b) {
            nb = new Float64Array(o);
            for (let a = 0; a < o; a++) {
              let s = b ? (b[a] as number) : 0;
              if (pending.bias) for (let k = 0; k < r; k++) s += (w[a * r + k] as number) * (pending.bias[k] as number);
              nb[a] = s;
            }
          }
          pending = { ...pending, weight: m, rows: o, cols: c };
          if (nb) pending.bias = nb;
        }
        break;
      }
      case 'Scale': {
        const s = node.scale.data;
        if (pending.weight === undefined) {
          const n = pending.rows;
          pending.weight = new Float64Array(n * n);
          for (let k = 0; k < n; k++) pending.weight[k * n + k] = 1;
        }
        const c = pending.cols;
        for (let a = 0; a < pending.rows; a++) {
          const f = s[a] as number;
          for (let j = 0; j < c; j++) pending.weight[a * c + j] = (pending.weight[a * c + j] as number) * f;
          if (pending.bias) pending.bias[a] = (pending.bias[a] as number) * f;
        }
        break;
      }
      case 'Delay': {
        if (pending.delayNode !== undefined)
          nodeFail(
            where,
            name,
            node,
            'delay',
            'a second Delay',
            `one Delay between two spiking layers (already ${pending.delayNode})`,
          );
        const d = uniform(where, name, node, 'delay', node.delay, 'rouser keeps one delay per layer');
        const exact = metaNum(node.metadata, 'rouser_delay_steps');
        const steps =
          exact !== undefined && (node.delay.dtype === 'float32' ? f32(exact * dt) : exact * dt) === d
            ? exact
            : Math.round(d / dt);
        if (d < 0 || Math.abs(steps * dt - d) > 1e-6 * Math.max(dt, Math.abs(d)) || steps > 1_000_000)
          nodeFail(where, name, node, 'delay[0]', d, `a whole number of time steps dt = ${dt} s in [0, 1000000]`);
        pending.delayNode = name;
        pending.delaySteps = steps;
        break;
      }
      case 'LI':
        nodeFail(
          where,
          name,
          node,
          'type',
          'LI',
          'a spiking node (CubaLIF, LIF or IF): rouser layers spike and predict by spike counts, a non-spiking leaky integrator has no rouser layer',
        );
        break;
      case 'CubaLIF':
      case 'LIF':
      case 'IF': {
        const n = node.v_threshold.data.length;
        if (pending.rows !== n)
          nodeFail(where, name, node, 'v_threshold.length', n, `${pending.rows} (the width of the incoming chain)`);
        requireZeros(
          where,
          name,
          node,
          'v_reset',
          node.v_reset,
          n,
          '0 (rouser resets to 0 or subtracts the threshold; set metadata reset="subtract" for the latter)',
        );
        const resetMeta = metaStr(node.metadata, 'reset') ?? metaStr(gm, 'reset');
        const reset: ResetMode = resetMeta === 'subtract' || resetMeta === 'zero' ? resetMeta : (opts.reset ?? 'zero');
        const gain = new Float64Array(n).fill(1);
        const extraBias = new Float64Array(n);
        let model: NeuronModel;
        const tauCheck = (field: string, t: NirTensor): number => {
          const tau = uniform(where, name, node, field, t, 'rouser keeps one decay per layer');
          if (!(tau > 0)) nodeFail(where, name, node, `${field}[0]`, tau, 'a time constant > 0 (seconds)');
          if (disc === 'euler' && tau < dt)
            nodeFail(
              where,
              name,
              node,
              `${field}[0]`,
              tau,
              `a time constant >= dt = ${dt} s (forward Euler retention 1 - dt/tau would be negative)`,
            );
          if (tau / dt > NIR_MAX_TAU_STEPS)
            nodeFail(
              where,
              name,
              node,
              `${field}[0]`,
              tau,
              `a time constant <= 2^24 dt = ${NIR_MAX_TAU_STEPS * dt} s (beyond it the float32 retention is exactly 1)`,
            );
          return tau;
        };
        const retention = (tau: number): number => (disc === 'exact' ? Math.exp(-dt / tau) : 1 - dt / tau);
        const stepGain = (tau: number, a: number): number => (disc === 'exact' ? 1 - a : dt / tau);
        // Exact restore of rouser-written graphs: the stored taus are what toNir writes for the stored retention.
        // (the exact values skip the tau range checks: they are the rouser spec's own retentions)
        const sameAs = (t: NirTensor, v: number): boolean =>
          t.data.every((x) => x === (t.dtype === 'float32' ? f32(v) : v));
        if (node.type === 'CubaLIF') {
          requireZeros(
            where,
            name,
            node,
            'v_leak',
            node.v_leak,
            n,
            '0 (a CubaLIF leak potential has no rouser equivalent)',
          );
          const mI = metaNum(node.metadata, 'rouser_current_retention');
          const mV = metaNum(node.metadata, 'rouser_voltage_retention');
          if (
            mI !== undefined &&
            mV !== undefined &&
            sameAs(node.tau_syn, nirTauFromRetention(mI, dt)) &&
            sameAs(node.tau_mem, nirTauFromRetention(mV, dt)) &&
            sameAs(node.w_in, 1 / (1 - mI)) &&
            sameAs(node.r, 1 / (1 - mV))
          ) {
            model = { kind: 'cuba', currentRetention: mI, voltageRetention: mV };
          } else {
            const ts = tauCheck('tau_syn', node.tau_syn);
            const tm = tauCheck('tau_mem', node.tau_mem);
            const aI = retention(ts);
            const aV = retention(tm);
            model = { kind: 'cuba', currentRetention: aI, voltageRetention: aV };
            const win = node.w_in.data;
            for (let k = 0; k < n; k++)
              gain[k] =
                (win.length === 1 ? (win[0] as number) : (win[k] as number)) *
                stepGain(ts, aI) *
                (node.r.data[k] as number) *
                stepGain(tm, aV);
          }
        } else if (node.type === 'LIF') {
          const mB = metaNum(node.metadata, 'rouser_beta');
          if (
            mB !== undefined &&
            sameAs(node.tau, nirTauFromRetention(mB, dt)) &&
            sameAs(node.r, 1 / (1 - mB)) &&
            node.v_leak.data.every((x) => x === 0)
          ) {
            model = { kind: 'lif', beta: mB };
          } else {
            const tau = tauCheck('tau', node.tau);
            const b = retention(tau);
            model = { kind: 'lif', beta: b };
            const g = stepGain(tau, b);
            for (let k = 0; k < n; k++) {
              gain[k] = (node.r.data[k] as number) * g;
              // tau dv/dt = (v_leak - v) + r I: the leak potential is a constant drive g * v_leak per step.
              extraBias[k] = g * (node.v_leak.data[k] as number);
            }
          }
        } else {
          model = { kind: 'lif', beta: 1 };
          for (let k = 0; k < n; k++) gain[k] = node.r.data[k] as number;
        }
        const inputSize = pending.cols;
        const weights = new Float32Array(n * inputSize);
        if (pending.weight === undefined) {
          if (inputSize !== n) nodeFail(where, name, node, 'v_threshold.length', n, `${inputSize} (one-to-one input)`);
          for (let k = 0; k < n; k++) weights[k * inputSize + k] = gain[k] as number;
        } else {
          for (let k = 0; k < n; k++) {
            const g = gain[k] as number;
            for (let j = 0; j < inputSize; j++)
              weights[k * inputSize + j] =
                g === 1
                  ? (pending.weight[k * inputSize + j] as number)
                  : (pending.weight[k * inputSize + j] as number) * g;
          }
        }
        let bias: Float32Array | undefined;
        if (pending.bias || extraBias.some((x) => x !== 0)) {
          bias = new Float32Array(n);
          for (let k = 0; k < n; k++) {
            const b = pending.bias ? (pending.bias[k] as number) * (gain[k] as number) : 0;
            const e = extraBias[k] as number;
            bias[k] = e === 0 ? b : b + e; // (b + 0 would turn a bias of -0 into +0: not bit exact)
          }
        }
        const thresholds = new Float32Array(n);
        for (let k = 0; k < n; k++) {
          const th = node.v_threshold.data[k] as number;
          thresholds[k] = geSpike || metaStr(node.metadata, 'spike_test') === '>=' ? th : aboveF32(th);
        }
        const layer: LayerSpec = {
          size: n,
          inputSize,
          neuron: model,
          reset,
          thresholds,
          weights,
          delaySteps: pending.delaySteps ?? 0,
        };
        if (bias) layer.bias = bias;
        layers.push(layer);
        width = n;
        pending = { rows: width, cols: width };
        break;
      }
      case 'Output': {
        if (pending.weight !== undefined || pending.delayNode !== undefined)
          nodeFail(
            where,
            name,
            node,
            'input',
            'a weight or delay node after the last spiking node',
            'the Output fed by a spiking node (rouser layers end in spiking neurons)',
          );
        if (layers.length === 0)
          nodeFail(
            where,
            name,
            node,
            'input',
            'no spiking node',
            'at least one CubaLIF, LIF or IF node between Input and Output',
          );
        const spec: NetworkSpec = { format: 'rouser-network', version: SPEC_VERSION, inputSize, dtMs, layers, meta };
        return validateSpec(spec, where);
      }
      default: {
        const never: never = node;
        throw new Error(`unknown NIR node ${JSON.stringify(never)}`);
      }
    }
  }
}
