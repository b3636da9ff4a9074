import type { CompareSummary } from '../experiment/compare.js';
import { isCubaNeuron, isLifNeuron, type NeuronModel } from '../model/spec.js';

/** A surrogate gradient as the compare summary records it (neuron/surrogate.ts `Surrogate`). */
type Surrogate = CompareSummary['settings']['surrogate'];

/**
 * Settings written in words for reports and captions (never raw JSON).
 * @example describeSurrogate({ kind: 'exponential', scale: 1.5, tau: 3.75 })
 * // 'SLAYER exponential, g(x) = (1.5 / 3.75) exp(-|x| / 3.75)'
 */
export function describeSurrogate(s: Surrogate): string {
  switch (s.kind) {
    case 'exponential':
      return `SLAYER exponential, g(x) = (${s.scale} / ${s.tau}) exp(-|x| / ${s.tau})`;
    case 'fastSigmoid':
      return `fast sigmoid (SuperSpike), g(x) = 1 / (1 + ${s.slope}|x|)²`;
    case 'atan':
      return `arctangent, g(x) = (${s.alpha} / 2) / (1 + (π ${s.alpha} x / 2)²)`;
    case 'triangle':
      return `triangle, g(x) = ${s.scale} max(0, 1 - |x| / ${s.width})`;
    default: {
      const never: never = s;
      return String(never);
    }
  }
}

/** The loss in words: `spike-rate MSE (target rate 0.2 for the true class, 0.03 for the others)` or cross-entropy. */
export function describeLoss(
  l: { kind: 'rateMse'; trueRate: number; falseRate: number } | { kind: 'crossEntropy' },
): string {
  switch (l.kind) {
    case 'rateMse':
      return `spike-rate MSE (target rate ${l.trueRate} for the true class, ${l.falseRate} for the others)`;
    case 'crossEntropy':
      return 'cross-entropy on output spike counts';
    default: {
      const never: never = l;
      return String(never);
    }
  }
}

/** The neuron model in words: `CUBA (current retention 0.75, voltage retention 0.97)` or `LIF (beta 0.97)`. */
export function describeNeuron(n: NeuronModel): string {
  if (isCubaNeuron(n))
    return `CUBA (current retention ${n.currentRetention}, voltage retention ${n.voltageRetention} per step)`;
  if (isLifNeuron(n)) return `LIF (voltage retention beta ${n.beta} per step)`;
  const params = Object.entries(n).filter(([k]) => k !== 'kind');
  return params.length === 0
    ? `${n.kind.toUpperCase()} (model defaults)`
    : `${n.kind.toUpperCase()} (${params.map(([k, v]) => `${k} ${Array.isArray(v) ? 'per neuron' : String(v)}`).join(', ')})`;
}
