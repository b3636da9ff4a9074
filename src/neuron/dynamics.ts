import { isCubaNeuron, isLifNeuron, type LayerSpec, type NeuronModel, type ResetMode } from '../model/spec.js';
import { RouserError } from '../util/errors.js';
import { stepCuba } from './cuba.js';
import { stepLif } from './lif.js';
import { createModelState, getNeuronModel, type NeuronModelDef, type NeuronParams } from './model.js';

/**
 * The one discretisation of Rouser's neurons, used by the dense trainer and by the event engine's discrete mode so
 * that both give the same spikes for the same weights and inputs. All state is float32 (Float32Array storage) and
 * coefficients are rounded to float32 first; every update below is one JS double expression rounded once to
 * float32 when stored.
 *
 * CUBA LIF (SLAYER "cuba", the Rouser paper):
 *   I[t] = aI * I[t-1] + x[t]          x[t] = synaptic input (+ bias)
 *   V[t] = aV * V[t-1] + I[t]
 *   S[t] = V[t] >= Th                   (">=" as in SLAYER)
 *   reset: zero -> V[t] = 0; subtract -> V[t] = V[t] - Th   (only where S[t] = 1)
 * LIF (snnTorch Leaky with the reset applied in the same step):
 *   V[t] = beta * V[t-1] + x[t], then spike and reset as above.
 *   (snnTorch subtracts S[t-1]*Th at step t instead, which scales the reset by beta; Rouser resets immediately so
 *   that both neuron kinds share one reset rule.)
 *
 * Canonical synaptic input: x[t] = fround(sum + bias), where `sum` is accumulated in a float32 accumulator starting
 * at 0 and adding w[o][i] * s_i for the active inputs i in ascending index order. Engines that sum in another order
 * can differ in the last bit of x, which can flip a spike only when V lands within that rounding of Th.
 */

/** Float32-rounded coefficients of a neuron model: [aI, aV] for cuba, [0, beta] for lif (no current state). */
export interface NeuronCoefficients {
  /** Current retention aI (0 for lif, which has no current state). */
  aI: number;
  /** Voltage retention aV (beta for lif). */
  aV: number;
  /** True when the model has a synaptic current state (cuba). */
  hasCurrent: boolean;
}

/**
 * Float32-rounded coefficients of the two neurons the fused and tfjs trainer kernels (and the event engine's lif
 * populations) implement directly. Any other registered model throws a RouserError pointing to the reference
 * backend, which runs every registered model through its {@link NeuronModelDef} interface.
 */
export function neuronCoefficients(model: NeuronModel): NeuronCoefficients {
  if (isCubaNeuron(model))
    return { aI: Math.fround(model.currentRetention), aV: Math.fround(model.voltageRetention), hasCurrent: true };
  if (isLifNeuron(model)) return { aI: 0, aV: Math.fround(model.beta), hasCurrent: false };
  throw new RouserError(
    `neuron kind ${JSON.stringify(model.kind)}: the fused and tfjs kernels implement cuba and lif only; train other registered models with --backend reference (backend: 'reference')`,
  );
}

/** Per-layer neuron state: `current` (cuba only; zeros for lif) and `voltage`, length = layer size. */
export interface NeuronState {
  current: Float32Array;
  voltage: Float32Array;
}

/** Zero state for `size` neurons. */
export function createNeuronState(size: number): NeuronState {
  return { current: new Float32Array(size), voltage: new Float32Array(size) };
}

/** Post-spike voltage for the reset mode (float32-rounded). */
export function resetVoltage(reset: ResetMode, v: number, th: number): number {
  switch (reset) {
    case 'zero':
      return 0;
    case 'subtract':
      return Math.fround(v - th);
    default: {
      const never: never = reset;
      throw new Error(`unknown reset ${String(never)}`);
    }
  }
}

/**
 * Advances neurons [0, n) of a layer by one step, in place: the `cuba` or `lif` model's `step` (src/neuron/cuba.ts,
 * lif.ts) with x = fround(input + bias) on its `syn` port.
 * @param input synaptic input per neuron for this step (already summed, float32), bias NOT included
 * @param bias optional per-neuron bias added to the input
 * @param spikes output: 1 where the neuron fired, else 0
 * @param preResetVoltage optional output: V[t] before reset (what surrogate gradients are evaluated at)
 * @returns the number of neurons that fired
 */
export function stepNeurons(
  coeff: NeuronCoefficients,
  reset: ResetMode,
  state: NeuronState,
  input: Float32Array,
  bias: Float32Array | undefined,
  thresholds: Float32Array,
  spikes: Uint8Array,
  preResetVoltage?: Float32Array,
): number {
  const n = state.voltage.length;
  let x = input;
  if (bias) {
    x = new Float32Array(n);
    for (let k = 0; k < n; k++) x[k] = (input[k] as number) + (bias[k] as number);
  }
  return coeff.hasCurrent
    ? stepCuba(
        { aI: coeff.aI, aV: coeff.aV },
        [state.current, state.voltage],
        [x],
        thresholds,
        reset,
        spikes,
        0,
        n,
        preResetVoltage,
      )
    : stepLif({ aV: coeff.aV }, [state.voltage], [x], thresholds, reset, spikes, 0, n, preResetVoltage);
}

/** Scalar form of one neuron step (same arithmetic as {@link stepNeurons}); returns the new state and spike. */
export function stepNeuronScalar(
  coeff: NeuronCoefficients,
  reset: ResetMode,
  current: number,
  voltage: number,
  input: number,
  threshold: number,
): { current: number; voltage: number; preReset: number; spike: boolean } {
  let i = 0;
  let v: number;
  if (coeff.hasCurrent) {
    i = Math.fround(coeff.aI * current + input);
    v = Math.fround(coeff.aV * voltage + i);
  } else {
    v = Math.fround(coeff.aV * voltage + input);
  }
  const spike = v >= threshold;
  return { current: i, voltage: spike ? resetVoltage(reset, v, threshold) : v, preReset: v, spike };
}

/** Options of {@link referenceForward}. */
export interface ReferenceForwardOptions {
  /** Time step in ms, passed to each model's `prepare` (default 1; lif and cuba do not use it). */
  dtMs?: number;
  /** Output, per layer: post-step state, one Float32Array `[steps][size]` per state variable (model order). */
  states?: Float32Array[][];
  /** Output, per layer: the port inputs each step, one Float32Array `[steps][size]` per port (bias included). */
  inputs?: Float32Array[][];
}

/** A layer's registered model with its prepared coefficients. */
export interface PreparedLayer {
  model: NeuronModelDef;
  coeff: unknown;
}

/** Looks up and prepares the model of each layer; bad parameters throw naming `where` and the layer. */
export function prepareLayers(layers: readonly LayerSpec[], dtMs: number, where = 'NetworkSpec'): PreparedLayer[] {
  return layers.map((l, li) => {
    const model = getNeuronModel(l.neuron.kind, where, `layers[${li}].neuron.kind`);
    if (model.ports.length > 2)
      throw new RouserError(
        `${where}: field layers[${li}].neuron.kind is ${JSON.stringify(l.neuron.kind)}; expected a model with 1 or 2 input ports in a NetworkSpec layer (it has ${model.ports.join(', ')})`,
      );
    return {
      model,
      coeff: model.prepare(l.neuron as unknown as NeuronParams, dtMs, l.size, `${where}: layers[${li}].neuron`),
    };
  });
}

/**
 * Port of a weight in a NetworkSpec layer: a model with one port takes every weight on it; a model with two ports
 * (excitatory, inhibitory, as NEST routes by sign) takes w >= 0 on port 0 and w < 0 on port 1.
 */
export function weightPort(ports: number, w: number): number {
  return ports === 1 || w >= 0 ? 0 : 1;
}

/**
 * Reference dense forward pass of a whole network on one sample, step by step, with the canonical input summation
 * order (one float32 accumulator per port, ascending input index; bias added to port 0), then each layer's model
 * `step`. Slow and simple: the oracle that the trainer's fused kernels and the event engine are tested against, and
 * the forward pass of the trainer's `reference` backend.
 * @param input `[steps][inputSize]` row-major values (spike counts)
 * @param preReset optional output, per layer `[steps][size]`: the pre-reset voltage V[t] (where surrogates are evaluated)
 * @returns per layer, spikes as `[steps][size]` 0/1 bytes
 */
export function referenceForward(
  layers: readonly LayerSpec[],
  input: Float32Array,
  steps: number,
  preReset?: Float32Array[],
  opts: ReferenceForwardOptions = {},
): Uint8Array[] {
  const prepared = prepareLayers(layers, opts.dtMs ?? 1);
  const out: Uint8Array[] = layers.map((l) => new Uint8Array(steps * l.size));
  const states = layers.map((l, li) => createModelState((prepared[li] as PreparedLayer).model, l.size));
  const acc = layers.map((l, li) => (prepared[li] as PreparedLayer).model.ports.map(() => new Float32Array(l.size)));
  for (let t = 0; t < steps; t++) {
    layers.forEach((layer, li) => {
      const { model, coeff } = prepared[li] as PreparedLayer;
      const ports = acc[li] as Float32Array[];
      const nPorts = ports.length;
      for (const a of ports) a.fill(0);
      const inSize = layer.inputSize;
      const srcT = t - layer.delaySteps;
      if (srcT >= 0) {
        const src: Float32Array | Uint8Array = li === 0 ? input : (out[li - 1] as Uint8Array);
        const base = srcT * inSize;
        const w = layer.weights;
        for (let i = 0; i < inSize; i++) {
          const s = src[base + i] as number;
          if (s === 0) continue;
          for (let o = 0; o < layer.size; o++) {
            const wv = w[o * inSize + i] as number;
            const a = ports[weightPort(nPorts, wv)] as Float32Array;
            a[o] = (a[o] as number) + wv * s;
          }
        }
      }
      if (layer.bias) {
        const a0 = ports[0] as Float32Array;
        for (let o = 0; o < layer.size; o++) a0[o] = (a0[o] as number) + (layer.bias[o] as number);
      }
      const spikes = (out[li] as Uint8Array).subarray(t * layer.size, (t + 1) * layer.size);
      const pre = preReset?.[li]?.subarray(t * layer.size, (t + 1) * layer.size);
      const st = states[li] as Float32Array[];
      // step works on absolute neuron indices; the per-step outputs are views of this step's rows.
      model.step(coeff, st, ports, layer.thresholds, layer.reset, spikes, 0, layer.size, pre);
      const rec = opts.states?.[li];
      if (rec) st.forEach((arr, j) => (rec[j] as Float32Array).set(arr, t * layer.size));
      const inRec = opts.inputs?.[li];
      if (inRec) ports.forEach((arr, p) => (inRec[p] as Float32Array).set(arr, t * layer.size));
    });
  }
  return out;
}
