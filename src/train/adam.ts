import type { NetworkSpec } from '../model/spec.js';
import { fail } from '../util/errors.js';
import type { Gradients } from './types.js';

/**
 * How thresholds are trained (Rouser: per-neuron thresholds trained by Adam with their own learning rate lrTh):
 * - `learned`: one threshold per neuron, each updated by its own gradient (Rouser, the default);
 * - `layer`: one learned scalar per layer: the gradient is the sum of the layer's per-neuron threshold gradients
 *   and every neuron of the layer receives the same update (thresholds stay equal when they start equal);
 * - `fixed`: thresholds are never updated (the baseline; same as `learned` with lrTh = 0).
 */
export type ThresholdMode = 'learned' | 'layer' | 'fixed';

/** Threshold modes, for CLI parsing. */
export const THRESHOLD_MODES: readonly ThresholdMode[] = ['learned', 'layer', 'fixed'];

/** Adam hyper-parameters with two parameter groups: {weights, biases} at `lr`, {thresholds} at `lrTh`. */
export interface AdamOptions {
  lr: number;
  lrTh: number;
  thresholdMode: ThresholdMode;
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-8. */
  eps?: number;
  /** Optional threshold floor: after each update Th <- max(Th, thFloor); every clamp counts as a bind. */
  thFloor?: number;
}

/**
 * Adam state: the step count and the first/second moments of every parameter, float64, in the spec's layout.
 * Threshold moments have one entry per neuron (`learned`) or one per layer (`layer`).
 */
export interface AdamState {
  step: number;
  mW: Float64Array[];
  vW: Float64Array[];
  mB: (Float64Array | undefined)[];
  vB: (Float64Array | undefined)[];
  mTh: Float64Array[];
  vTh: Float64Array[];
}

/** What one update did: how many thresholds the floor clamped, per layer. */
export interface AdamStepReport {
  floorBinds: number[];
}

/** Zero Adam state for `spec` under `mode`. */
export function createAdamState(spec: NetworkSpec, mode: ThresholdMode): AdamState {
  const thLen = (size: number): number => (mode === 'layer' ? 1 : mode === 'fixed' ? 0 : size);
  return {
    step: 0,
    mW: spec.layers.map((l) => new Float64Array(l.weights.length)),
    vW: spec.layers.map((l) => new Float64Array(l.weights.length)),
    mB: spec.layers.map((l) => (l.bias ? new Float64Array(l.size) : undefined)),
    vB: spec.layers.map((l) => (l.bias ? new Float64Array(l.size) : undefined)),
    mTh: spec.layers.map((l) => new Float64Array(thLen(l.size))),
    vTh: spec.layers.map((l) => new Float64Array(thLen(l.size))),
  };
}

/** Checks the Adam options; errors name the field and the expectation. */
export function validateAdamOptions(o: AdamOptions, where = 'Adam'): void {
  if (!(Number.isFinite(o.lr) && o.lr >= 0)) fail(where, 'lr', o.lr, 'a finite number >= 0');
  if (!(Number.isFinite(o.lrTh) && o.lrTh >= 0)) fail(where, 'lrTh', o.lrTh, 'a finite number >= 0');
  const b1 = o.beta1 ?? 0.9;
  const b2 = o.beta2 ?? 0.999;
  if (!(b1 >= 0 && b1 < 1)) fail(where, 'beta1', b1, 'a number in [0, 1)');
  if (!(b2 >= 0 && b2 < 1)) fail(where, 'beta2', b2, 'a number in [0, 1)');
  if (!((o.eps ?? 1e-8) > 0)) fail(where, 'eps', o.eps, 'a number > 0');
  if (o.thFloor !== undefined && !Number.isFinite(o.thFloor))
    fail(where, 'thFloor', o.thFloor, 'a finite number or undefined');
  if (!THRESHOLD_MODES.includes(o.thresholdMode))
    fail(where, 'thresholdMode', o.thresholdMode, THRESHOLD_MODES.join(', '));
}

/**
 * One Adam step (Kingma & Ba 2015) on every parameter of `spec`, in place, with bias-corrected moments:
 *   t <- t + 1;  m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2
 *   p <- fround(p - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps))
 * Group {weights, biases} uses `lr`, group {thresholds} uses `lrTh` (see {@link ThresholdMode}; `layer` mode uses
 * g = sum of the layer's threshold gradients and applies the one step to every neuron). With `thFloor` set,
 * Th <- max(Th, thFloor) afterwards. Arithmetic is float64 and sequential, so the update is deterministic.
 */
export function adamStep(spec: NetworkSpec, grads: Gradients, state: AdamState, o: AdamOptions): AdamStepReport {
  const b1 = o.beta1 ?? 0.9;
  const b2 = o.beta2 ?? 0.999;
  const eps = o.eps ?? 1e-8;
  state.step += 1;
  const c1 = 1 - b1 ** state.step;
  const c2 = 1 - b2 ** state.step;
  const update = (p: Float32Array, g: Float32Array, m: Float64Array, v: Float64Array, lr: number): void => {
    for (let k = 0; k < p.length; k++) {
      const gk = g[k] as number;
      const mk = b1 * (m[k] as number) + (1 - b1) * gk;
      const vk = b2 * (v[k] as number) + (1 - b2) * gk * gk;
      m[k] = mk;
      v[k] = vk;
      p[k] = (p[k] as number) - (lr * (mk / c1)) / (Math.sqrt(vk / c2) + eps);
    }
  };
  const floorBinds = spec.layers.map(() => 0);
  spec.layers.forEach((layer, li) => {
    update(
      layer.weights,
      grads.weights[li] as Float32Array,
      state.mW[li] as Float64Array,
      state.vW[li] as Float64Array,
      o.lr,
    );
    const gb = grads.bias[li];
    if (layer.bias && gb) update(layer.bias, gb, state.mB[li] as Float64Array, state.vB[li] as Float64Array, o.lr);
    const th = layer.thresholds;
    const gTh = grads.thresholds[li] as Float32Array;
    const mTh = state.mTh[li] as Float64Array;
    const vTh = state.vTh[li] as Float64Array;
    switch (o.thresholdMode) {
      case 'fixed':
        break;
      case 'learned':
        update(th, gTh, mTh, vTh, o.lrTh);
        break;
      case 'layer': {
        let g = 0;
        for (let k = 0; k < gTh.length; k++) g += gTh[k] as number;
        const mk = b1 * (mTh[0] as number) + (1 - b1) * g;
        const vk = b2 * (vTh[0] as number) + (1 - b2) * g * g;
        mTh[0] = mk;
        vTh[0] = vk;
        const delta = (o.lrTh * (mk / c1)) / (Math.sqrt(vk / c2) + eps);
        for (let k = 0; k < th.length; k++) th[k] = (th[k] as number) - delta;
        break;
      }
      default: {
        const never: never = o.thresholdMode;
        throw new Error(`unknown threshold mode ${String(never)}`);
      }
    }
    if (o.thFloor !== undefined && o.thresholdMode !== 'fixed') {
      const floor = Math.fround(o.thFloor);
      let binds = 0;
      for (let k = 0; k < th.length; k++) {
        if ((th[k] as number) < floor) {
          th[k] = floor;
          binds++;
        }
      }
      floorBinds[li] = binds;
    }
  });
  return { floorBinds };
}
