import type { NetworkSpec } from '../model/spec.js';
import type { TensorDataset } from '../model/spikes.js';
import { gatherSamples } from '../model/spikes.js';
import { fail } from '../util/errors.js';
import { checkRunSize } from '../util/memory.js';
import { lossAndGrad, predict, type LossSpec } from './loss.js';
import type { ForwardResult, TrainBackend } from './types.js';

/** What {@link evaluateDense} reports over a whole dataset. */
export interface DenseEvaluation {
  /** Fraction of samples whose argmax output count equals the label. */
  accuracy: number;
  /** Mean loss over samples (present when a loss was given). */
  loss?: number;
  /** Per layer, per neuron: spike totals over every sample and step. */
  layerCounts: Float64Array[];
  /** Output spike counts `[samples][classes]`. */
  outputCounts: Float32Array;
  /** argmax of each sample's output counts (ties -> lowest class). */
  predictions: Int32Array;
  /** Per layer: mean over evaluation batches of the fraction of neurons silent in that batch. */
  deadFractionPerBatchMean: number[];
  samples: number;
  steps: number;
}

/** Options of {@link evaluateDense}. */
export interface DenseEvaluationOptions {
  /** Ask the backend for every layer's spikes (passed to `onBatch`). */
  recordSpikes?: boolean;
  /** Called after each batch with the index of its first sample and the backend's forward result. */
  onBatch?: (start: number, result: ForwardResult) => void;
}

/**
 * Forward passes over `data` in order, `batch` samples at a time (the last batch may be smaller), and reductions:
 *   accuracy = (1/N) sum_n [argmax_c count_nc = y_n]
 *   loss     = (1/N) sum_batches B_k * L_k       (L_k the batch-mean loss of `lossSpec`)
 *   layerCounts[l][o] = sum_n sum_t S_l[n][t][o]
 * Used for per-epoch test metrics and by `rouser eval --engine dense`.
 */
export async function evaluateDense(
  backend: TrainBackend,
  spec: NetworkSpec,
  data: TensorDataset,
  batch: number,
  lossSpec?: LossSpec,
  opts: DenseEvaluationOptions = {},
): Promise<DenseEvaluation> {
  if (!Number.isInteger(batch) || batch < 1) fail('evaluateDense', 'batch', batch, 'a positive integer');
  const { inputs, labels } = data;
  if (inputs.channels !== spec.inputSize)
    fail(`dataset ${data.name}`, 'inputs.channels', inputs.channels, `${spec.inputSize} (the network input size)`);
  const last = spec.layers[spec.layers.length - 1];
  const classes = last ? last.size : 0;
  const n = inputs.batch;
  checkRunSize(`evaluation of ${data.name}`, {
    sizes: [spec.inputSize, ...spec.layers.map((l) => l.size)],
    batch: Math.min(batch, n),
    steps: inputs.steps,
  });
  const layerCounts = spec.layers.map((l) => new Float64Array(l.size));
  const deadSums = spec.layers.map(() => 0);
  const outputCounts = new Float32Array(n * classes);
  let batches = 0;
  let lossSum = 0;
  for (let start = 0; start < n; start += batch) {
    const end = Math.min(n, start + batch);
    const idx = Int32Array.from({ length: end - start }, (_, k) => start + k);
    const x = gatherSamples(inputs, idx);
    const r = await backend.forward(spec, x, opts.recordSpikes ? { recordSpikes: true } : {});
    opts.onBatch?.(start, r);
    outputCounts.set(r.outputCounts.subarray(0, (end - start) * classes), start * classes);
    r.layerCounts.forEach((c, li) => {
      const total = layerCounts[li] as Float64Array;
      let dead = 0;
      for (let o = 0; o < c.length; o++) {
        total[o] = (total[o] as number) + (c[o] as number);
        if (c[o] === 0) dead++;
      }
      deadSums[li] = (deadSums[li] as number) + (c.length > 0 ? dead / c.length : 0);
    });
    if (lossSpec) {
      const d = new Float64Array((end - start) * classes);
      lossSum +=
        lossAndGrad(lossSpec, r.outputCounts, labels.subarray(start, end), end - start, classes, inputs.steps, d) *
        (end - start);
    }
    batches++;
  }
  const predictions = predict(outputCounts, n, classes);
  let correct = 0;
  for (let k = 0; k < n; k++) if (predictions[k] === labels[k]) correct++;
  const out: DenseEvaluation = {
    accuracy: n > 0 ? correct / n : 0,
    layerCounts,
    outputCounts,
    predictions,
    deadFractionPerBatchMean: deadSums.map((s) => (batches > 0 ? s / batches : 0)),
    samples: n,
    steps: inputs.steps,
  };
  if (lossSpec) out.loss = n > 0 ? lossSum / n : NaN;
  return out;
}
