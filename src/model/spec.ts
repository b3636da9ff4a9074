/**
 * The shared, pure description of a feed-forward spiking network. The trainer exports it, the event engine
 * compiles it, metrics read it. Nothing here runs dynamics (that is `src/neuron`).
 */

/** What happens to the membrane voltage after a spike: `zero` sets V = 0 (the Rouser paper, SLAYER);
 * `subtract` sets V -= Th (snnTorch's default). */
export type ResetMode = 'zero' | 'subtract';

/** The built-in `cuba` neuron of a layer: SLAYER current-based LIF (src/neuron/cuba.ts). */
export interface CubaNeuron {
  kind: 'cuba';
  currentRetention: number;
  voltageRetention: number;
}

/** The built-in `lif` neuron of a layer: snnTorch Leaky with same-step reset (src/neuron/lif.ts). */
export interface LifNeuron {
  kind: 'lif';
  beta: number;
}

/**
 * Any other registered neuron model (src/neuron/model.ts registry), e.g. `{kind: 'alif', beta: 0.95,
 * tauAdaptMs: 200, betaAdapt: 0.2}`: `kind` is the registered name, the other fields are the model's parameters,
 * each a number or (for parameters declared per neuron) an array with one number per neuron. Absent parameters
 * take the model's defaults. Plain arrays (not typed arrays) so the object round-trips through JSON.
 */
export interface RegisteredNeuron {
  kind: string;
  [param: string]: string | number | number[];
}

/**
 * Neuron model of a layer, discrete time with step `dtMs` (see `src/neuron/` for the equations, one file each).
 * - `cuba`: current-based LIF (SLAYER "cuba"), I[t] = aI*I[t-1] + x[t], V[t] = aV*V[t-1] + I[t].
 *   Paper defaults: currentRetention aI = 0.75 (lava-dl current_decay 0.25), voltageRetention aV = 0.97.
 * - `lif`: leaky integrate-and-fire (snnTorch Leaky), V[t] = beta*V[t-1] + x[t], beta = exp(-dt/tau).
 * - any registered model by name ({@link RegisteredNeuron}), e.g. `alif`.
 * Retention factors are in [0, 1]; every engine rounds them to float32 before use. The fused and tfjs trainer
 * backends run `cuba` and `lif`; other models train with the `reference` backend.
 */
export type NeuronModel = CubaNeuron | LifNeuron | RegisteredNeuron;

/** Narrows a neuron to `cuba` (its typed fields). */
export function isCubaNeuron(n: NeuronModel): n is CubaNeuron {
  return n.kind === 'cuba';
}

/** Narrows a neuron to `lif` (its typed fields). */
export function isLifNeuron(n: NeuronModel): n is LifNeuron {
  return n.kind === 'lif';
}

/** Copy of a neuron object with its per-neuron parameter arrays copied too. */
export function cloneNeuron(n: NeuronModel): NeuronModel {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(n)) out[k] = Array.isArray(v) ? v.slice() : v;
  return out as unknown as NeuronModel;
}

/** One fully connected spiking layer. */
export interface LayerSpec {
  /** Neurons in this layer (outputs). */
  size: number;
  /** Inputs to this layer: the network input size for layer 0, else the previous layer's size. */
  inputSize: number;
  neuron: NeuronModel;
  reset: ResetMode;
  /** Per-neuron firing thresholds, length `size`. A neuron spikes when V >= Th. */
  thresholds: Float32Array;
  /** Weights, row-major `[size][inputSize]` (out x in): weights[o * inputSize + i] connects input i to neuron o. */
  weights: Float32Array;
  /** Optional per-neuron bias added to the synaptic input every step, length `size`. */
  bias?: Float32Array;
  /** Integer delay in steps from a spike of the previous layer to this layer's input (0 = same step). */
  delaySteps: number;
}

/** Free-form provenance (dataset, training settings, accuracy...). Values are JSON scalars. */
export type SpecMeta = Record<string, string | number | boolean | null>;

/** A whole network: input size, time step and layers in order. */
export interface NetworkSpec {
  format: 'rouser-network';
  version: 1;
  inputSize: number;
  /** Simulation time step in milliseconds. */
  dtMs: number;
  layers: LayerSpec[];
  meta: SpecMeta;
}

/** Current format version written by the serialisers. */
export const SPEC_VERSION = 1 as const;

/** Paper defaults (Rouser / SLAYER CUBA): aI = 0.75, aV = 0.97, zero reset, threshold init 1.25. */
export const PAPER_DEFAULTS = {
  currentRetention: 0.75,
  voltageRetention: 0.97,
  reset: 'zero' as ResetMode,
  thInit: 1.25,
} as const;

/** Options for {@link createSpec}. */
export interface CreateSpecOptions {
  /** Layer sizes including the input, e.g. [2312, 500, 500, 10]. */
  sizes: readonly number[];
  neuron?: NeuronModel;
  reset?: ResetMode;
  thInit?: number;
  bias?: boolean;
  dtMs?: number;
  delaySteps?: number;
  meta?: SpecMeta;
}

/** Creates a spec with zero weights (fill them with an initialiser), uniform thresholds and the given neuron. */
export function createSpec(opts: CreateSpecOptions): NetworkSpec {
  const sizes = opts.sizes;
  const neuron: NeuronModel = opts.neuron ?? {
    kind: 'cuba',
    currentRetention: PAPER_DEFAULTS.currentRetention,
    voltageRetention: PAPER_DEFAULTS.voltageRetention,
  };
  const layers: LayerSpec[] = [];
  for (let l = 1; l < sizes.length; l++) {
    const size = sizes[l] as number;
    const inputSize = sizes[l - 1] as number;
    const layer: LayerSpec = {
      size,
      inputSize,
      neuron: cloneNeuron(neuron),
      reset: opts.reset ?? PAPER_DEFAULTS.reset,
      thresholds: new Float32Array(size).fill(opts.thInit ?? PAPER_DEFAULTS.thInit),
      weights: new Float32Array(size * inputSize),
      delaySteps: opts.delaySteps ?? 0,
    };
    if (opts.bias) layer.bias = new Float32Array(size);
    layers.push(layer);
  }
  return {
    format: 'rouser-network',
    version: SPEC_VERSION,
    inputSize: sizes[0] ?? 0,
    dtMs: opts.dtMs ?? 1,
    layers,
    meta: { ...(opts.meta ?? {}) },
  };
}

/** Deep copy (typed arrays are copied). */
export function cloneSpec(spec: NetworkSpec): NetworkSpec {
  return {
    ...spec,
    meta: { ...spec.meta },
    layers: spec.layers.map((l) => {
      const c: LayerSpec = {
        ...l,
        neuron: cloneNeuron(l.neuron),
        thresholds: l.thresholds.slice(),
        weights: l.weights.slice(),
      };
      if (l.bias) c.bias = l.bias.slice();
      else delete c.bias;
      return c;
    }),
  };
}

/** Layer sizes including the input, e.g. [2312, 500, 10]. */
export function architecture(spec: NetworkSpec): number[] {
  return [spec.inputSize, ...spec.layers.map((l) => l.size)];
}
