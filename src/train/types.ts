import type { NetworkSpec } from '../model/spec.js';
import type { SpikeTensor } from '../model/spikes.js';
import type { Surrogate } from '../neuron/surrogate.js';
import type { LossSpec } from './loss.js';

export type { Float32Like } from './loss.js';

/**
 * Settings of the surrogate-gradient BPTT that every backend must honour identically.
 * - surrogate: dS/dV = g(V - Th), dS/dTh = -g(V - Th), evaluated at the pre-reset voltage.
 * - detachReset (default true, the paper): no gradient flows through the reset term; false differentiates it
 *   (zero reset: V_after = V (1 - S); subtract reset: V_after = V - Th S, with dS from the surrogate).
 */
export interface GradientOptions {
  surrogate: Surrogate;
  loss: LossSpec;
  detachReset: boolean;
}

/** Gradients of every parameter of a spec, same shapes as the spec's arrays (bias entry undefined without bias). */
export interface Gradients {
  weights: Float32Array[];
  thresholds: Float32Array[];
  bias: (Float32Array | undefined)[];
}

/** Allocates zero gradients shaped like `spec`. */
export function createGradients(spec: NetworkSpec): Gradients {
  return {
    weights: spec.layers.map((l) => new Float32Array(l.weights.length)),
    thresholds: spec.layers.map((l) => new Float32Array(l.size)),
    bias: spec.layers.map((l) => (l.bias ? new Float32Array(l.size) : undefined)),
  };
}

/** What a forward pass reports. */
export interface ForwardResult {
  /** Output spike counts `[batch][classes]` (classes = last layer size). */
  outputCounts: Float32Array;
  /** Per layer, per neuron: spike totals over the whole batch and all steps. */
  layerCounts: Float64Array[];
  /**
   * Per layer, the spikes `[batch][steps][size]` (0/1), present when the forward pass was asked to record them and the
   * backend can (fused and reference can; tfjs does not).
   */
  spikes?: Uint8Array[];
}

/** Options of {@link TrainBackend.forward}. */
export interface ForwardOptions {
  /** Return every layer's spikes (for spike-by-spike comparison with the event engine). */
  recordSpikes?: boolean;
}

/** What a training step's forward + backward reports (gradients are written into the caller's {@link Gradients}). */
export interface StepResult extends ForwardResult {
  /** Mean loss over the batch. */
  loss: number;
}

/**
 * A training backend: `fused` (hand-written spike-sparse kernels, the default) or `tfjs` (reference).
 * Parameters are read from the spec's arrays on every call (the optimiser updates them in place).
 */
export interface TrainBackend {
  readonly name: string;
  /** Short description of what runs (e.g. "fused, 2 worker threads", "tfjs wasm"). */
  readonly description: string;
  /** Forward pass only (no gradients). */
  forward(spec: NetworkSpec, input: SpikeTensor, opts?: ForwardOptions): Promise<ForwardResult>;
  /** Forward + BPTT; overwrites `grads` with dLoss/dparam. */
  forwardBackward(
    spec: NetworkSpec,
    input: SpikeTensor,
    labels: Int32Array,
    opts: GradientOptions,
    grads: Gradients,
  ): Promise<StepResult>;
  /** Releases workers / tensors. */
  dispose(): Promise<void>;
}
