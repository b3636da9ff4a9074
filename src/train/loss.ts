/** Float32Array or any indexable number array (tests pass plain arrays). */
export type Float32Like = { length: number; [i: number]: number };

/**
 * Losses on output spike counts. counts is `[batch][classes]`, steps = T.
 * - `rateMse` (SLAYER SpikeRate, the Rouser paper): rate = count / T; target = trueRate for the label, falseRate
 *   otherwise; L = (1/B) sum_b 1/2 sum_c (rate_bc - target_bc)^2; dL/dcount_bc = (rate_bc - target_bc) / (B T).
 * - `crossEntropy` on counts: logits = count; L = (1/B) sum_b -log softmax(count_b)[label_b];
 *   dL/dcount_bc = (softmax_bc - [c = label_b]) / B.
 * Prediction = argmax of counts (ties -> lowest class index).
 */
export type LossSpec = { kind: 'rateMse'; trueRate: number; falseRate: number } | { kind: 'crossEntropy' };

/** Paper default: SLAYER spike-rate MSE with true 0.2 / false 0.03. */
export const DEFAULT_LOSS: LossSpec = { kind: 'rateMse', trueRate: 0.2, falseRate: 0.03 };

/**
 * Loss value and gradient with respect to the counts (written into `dCounts`, same layout as counts).
 * @returns the mean loss over the batch
 */
export function lossAndGrad(
  loss: LossSpec,
  counts: Float32Like,
  labels: ArrayLike<number>,
  batch: number,
  classes: number,
  steps: number,
  dCounts: Float32Like,
): number {
  let total = 0;
  switch (loss.kind) {
    case 'rateMse': {
      for (let b = 0; b < batch; b++) {
        const y = labels[b] as number;
        for (let c = 0; c < classes; c++) {
          const k = b * classes + c;
          const diff = (counts[k] as number) / steps - (c === y ? loss.trueRate : loss.falseRate);
          total += 0.5 * diff * diff;
          dCounts[k] = diff / (batch * steps);
        }
      }
      return total / batch;
    }
    case 'crossEntropy': {
      for (let b = 0; b < batch; b++) {
        const y = labels[b] as number;
        let mx = -Infinity;
        for (let c = 0; c < classes; c++) mx = Math.max(mx, counts[b * classes + c] as number);
        let z = 0;
        for (let c = 0; c < classes; c++) z += Math.exp((counts[b * classes + c] as number) - mx);
        for (let c = 0; c < classes; c++) {
          const k = b * classes + c;
          const p = Math.exp((counts[k] as number) - mx) / z;
          dCounts[k] = (p - (c === y ? 1 : 0)) / batch;
        }
        total += -((counts[b * classes + y] as number) - mx - Math.log(z));
      }
      return total / batch;
    }
    default: {
      const never: never = loss;
      throw new Error(`unknown loss ${JSON.stringify(never)}`);
    }
  }
}

/** argmax of each row of counts `[batch][classes]` (ties -> lowest index). */
export function predict(counts: Float32Like, batch: number, classes: number): Int32Array {
  const out = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    let best = 0;
    let bv = -Infinity;
    for (let c = 0; c < classes; c++) {
      const v = counts[b * classes + c] as number;
      if (v > bv) {
        bv = v;
        best = c;
      }
    }
    out[b] = best;
  }
  return out;
}
