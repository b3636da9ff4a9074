/**
 * Public verification API: gradients of every parameter for one batch, without updating anything, so that users
 * can check Rouser against other frameworks (PyTorch/snnTorch, lava-dl, Norse...) on the same weights and inputs.
 */
import type { NetworkSpec } from '../model/spec.js';
import type { SpikeTensor } from '../model/spikes.js';
import { DEFAULT_SURROGATE } from '../neuron/surrogate.js';
import { createBackend, type BackendKind } from './backend.js';
import { DEFAULT_LOSS } from './loss.js';
import { createGradients, type GradientOptions, type Gradients } from './types.js';

/** Options of {@link computeGradients}: any {@link GradientOptions} field plus the backend (default `fused`). */
export type ComputeGradientsOptions = Partial<GradientOptions> & { backend?: BackendKind };

/** What {@link computeGradients} returns. */
export interface ComputedGradients {
  /** Mean loss over the batch, L = (1/B) sum_b loss_b (see `lossAndGrad`). */
  loss: number;
  /** Output spike counts `[batch][classes]`, count_bc = sum_t S_L[b][t][c]. */
  outputCounts: Float32Array;
  /** dL/dparam for every layer's weights `[out][in]`, thresholds `[out]` and bias `[out]` (undefined without bias). */
  gradients: Gradients;
}

/**
 * Runs forward + surrogate-gradient BPTT on one batch and returns the loss, the output spike counts and
 * dL/dW, dL/dTh, dL/db of every layer. Nothing is updated: `spec` is only read.
 *
 * Defaults (the Rouser paper): SLAYER exponential surrogate g(x) = (1.5/3.75) exp(-|x|/3.75) at the pre-reset
 * voltage, dS/dTh = -g, rate-MSE loss (true 0.2, false 0.03), reset detached (S a constant in the reset term).
 *
 * @param spec the network (weights `[out][in]` row-major, per-neuron thresholds, optional bias, delays)
 * @param input spike tensor `[batch][steps][inputs]` (0/1, or counts)
 * @param labels class per sample, length batch
 * @param opts surrogate, loss, detachReset, and `backend: 'fused' | 'tfjs' | 'reference'`
 * @example
 * import { computeGradients, createSpec, createSpikeTensor } from 'rouser';
 * const spec = createSpec({ sizes: [4, 3, 2] });
 * spec.layers[0].weights.fill(0.5); spec.layers[1].weights.fill(0.8);
 * const x = createSpikeTensor(1, 10, 4); x.data.fill(1);
 * const { loss, outputCounts, gradients } = await computeGradients(spec, x, Int32Array.of(1), {
 *   loss: { kind: 'crossEntropy' },
 *   surrogate: { kind: 'fastSigmoid', slope: 25 },
 * });
 * // compare gradients.weights[0] (shape [3][4]) with W.grad of the same model in another framework
 */
export async function computeGradients(
  spec: NetworkSpec,
  input: SpikeTensor,
  labels: Int32Array,
  opts: ComputeGradientsOptions = {},
): Promise<ComputedGradients> {
  const gopts: GradientOptions = {
    surrogate: opts.surrogate ?? { ...DEFAULT_SURROGATE },
    loss: opts.loss ?? DEFAULT_LOSS,
    detachReset: opts.detachReset ?? true,
  };
  const backend = await createBackend(opts.backend ?? 'fused');
  try {
    const gradients = createGradients(spec);
    const r = await backend.forwardBackward(spec, input, labels, gopts, gradients);
    return { loss: r.loss, outputCounts: r.outputCounts, gradients };
  } finally {
    await backend.dispose();
  }
}
