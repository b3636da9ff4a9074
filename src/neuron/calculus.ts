import type { ResetMode } from '../model/spec.js';
import type { NeuronModelDef, ParamValues, ResolvedParams } from './interface.js';

/**
 * Defaults and helpers around {@link NeuronCalculus}: the spike argument u = V' - Th and the reset
 * R(V') = 0 (zero) | V' - Th (subtract) with the other states kept, for models that do not declare their own.
 */

/** Index of the model's voltage in its state list. */
export function voltageIndex(model: Pick<NeuronModelDef, 'state' | 'voltage'>): number {
  return model.state.findIndex((s) => s.name === model.voltage);
}

/** One {@link ParamValues} record per neuron (per-neuron arrays indexed, scalars shared). */
export function paramValuesPerNeuron(resolved: ResolvedParams, size: number): ParamValues[] {
  const hasArray = Object.values(resolved).some((v) => typeof v !== 'number');
  if (!hasArray) {
    const one = resolved as ParamValues;
    return new Array<ParamValues>(size).fill(one);
  }
  const out: ParamValues[] = [];
  for (let k = 0; k < size; k++) {
    const r: Record<string, number> = {};
    for (const [name, v] of Object.entries(resolved)) r[name] = typeof v === 'number' ? v : (v[k] as number);
    out.push(r);
  }
  return out;
}

/** u = U(s', Th): the model's `spikeArg`, or V' - Th. The neuron spikes iff u >= 0. */
export function spikeArgument(model: NeuronModelDef, p: ParamValues, next: ArrayLike<number>, th: number): number {
  const c = model.calculus;
  if (c?.spikeArg) return c.spikeArg(p, next, th);
  return (next[voltageIndex(model)] as number) - th;
}

/** du/ds' into `dState` (m values); returns du/dTh. */
export function spikeArgumentPartials(model: NeuronModelDef, p: ParamValues, next: ArrayLike<number>, th: number, dState: Float64Array): number {
  const c = model.calculus;
  if (c?.spikeArg && c.spikeArgPartials) return c.spikeArgPartials(p, next, th, dState);
  dState.fill(0);
  dState[voltageIndex(model)] = 1;
  return -1;
}

/** R(s', Th): the post-spike state (the model's `resetState`, or V -> 0 | V - Th with the other states kept). */
export function resetState(model: NeuronModelDef, p: ParamValues, next: ArrayLike<number>, th: number, reset: ResetMode, out: Float64Array): void {
  const c = model.calculus;
  if (c?.resetState) {
    c.resetState(p, next, th, reset, out);
    return;
  }
  for (let i = 0; i < out.length; i++) out[i] = next[i] as number;
  const v = voltageIndex(model);
  out[v] = reset === 'zero' ? 0 : (next[v] as number) - th;
}

/** dR/ds' (m x m row-major) and dR/dTh (m). */
export function resetPartials(model: NeuronModelDef, p: ParamValues, next: ArrayLike<number>, th: number, reset: ResetMode, dState: Float64Array, dTh: Float64Array): void {
  const c = model.calculus;
  if (c?.resetState && c.resetPartials) {
    c.resetPartials(p, next, th, reset, dState, dTh);
    return;
  }
  const m = dTh.length;
  dState.fill(0);
  dTh.fill(0);
  for (let i = 0; i < m; i++) dState[i * m + i] = 1;
  const v = voltageIndex(model);
  if (reset === 'zero') dState[v * m + v] = 0;
  else dTh[v] = -1;
}
