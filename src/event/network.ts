import type { NetworkSpec, ResetMode } from '../model/spec.js';
import { SpikeRecordBuilder, type SpikeRecord } from '../model/spikes.js';
import { validateSpec } from '../model/validate.js';
import { prepareLayers, weightPort } from '../neuron/dynamics.js';
import { createModelState, type NeuronModelDef } from '../neuron/model.js';
import { fail } from '../util/errors.js';
import { csrFanOut, synapsesFromDense, type CsrSynapses } from './csr.js';
import type { MemoryCheckOptions } from './memory.js';

/**
 * Discrete-mode runtime of a feed-forward NetworkSpec: per layer a CSR (source = input channel or previous-layer
 * neuron, target = this layer's neuron; zero weights dropped), plus the neuron parameters copied exactly.
 */
export interface CompiledLayer {
  size: number;
  inputSize: number;
  /** The layer's registered neuron model (src/neuron/model.ts); its `step` is the neuron update. */
  model: NeuronModelDef;
  /** The model's float32-rounded coefficients (`model.prepare`). */
  coeff: unknown;
  reset: ResetMode;
  thresholds: Float32Array;
  bias: Float32Array | undefined;
  /** Steps between a source spike at step t and its delivery (delivered at t + delaySteps; 0 = same step). */
  delaySteps: number;
  synapses: CsrSynapses;
  /** Fan-out of each source in this layer (row lengths of `synapses`). */
  fanOut: Int32Array;
}

/** A NetworkSpec compiled for the event engine (see {@link compileNetwork}). */
export interface CompiledNetwork {
  inputSize: number;
  dtMs: number;
  layers: CompiledLayer[];
}

/**
 * Compiles a (validated) NetworkSpec: CSR per layer from the dense `[size][inputSize]` weights with zero weights
 * dropped, thresholds/bias copied, coefficients rounded to float32 as every engine does, `delaySteps` kept.
 * Throws a `RouserError` for an invalid spec or when the CSR would not fit in memory.
 */
export function compileNetwork(spec: NetworkSpec, memory: MemoryCheckOptions = {}): CompiledNetwork {
  validateSpec(spec);
  const prepared = prepareLayers(spec.layers, spec.dtMs);
  return {
    inputSize: spec.inputSize,
    dtMs: spec.dtMs,
    layers: spec.layers.map((layer, l) => {
      const synapses = synapsesFromDense(layer, `NetworkSpec.layers[${l}]`, memory);
      return {
        size: layer.size,
        inputSize: layer.inputSize,
        model: prepared[l]!.model,
        coeff: prepared[l]!.coeff,
        reset: layer.reset,
        thresholds: layer.thresholds.slice(),
        bias: layer.bias ? layer.bias.slice() : undefined,
        delaySteps: layer.delaySteps,
        synapses,
        fanOut: csrFanOut(synapses),
      };
    }),
  };
}

/** Options of {@link simulateNetwork}. */
export interface SimulateNetworkOptions {
  /** Record every spike of every layer (timeUnit 'step'). Default false. */
  recordSpikes?: boolean;
}

/** Counters (and optionally spikes) of one sample run through a compiled network. */
export interface NetworkRunResult {
  steps: number;
  /** Per layer, spikes per neuron over the sample. */
  layerSpikeCounts: Int32Array[];
  /** Per layer l: synaptic events delivered into layer l = sum over source spikes of the source's fan-out in layer l
   * (an input count c in one bin counts c times, as in `metrics/synops.ts`). */
  synOps: Float64Array;
  /** Per layer: neuron state updates performed (discrete mode updates every neuron every step: size * steps). */
  neuronUpdates: Float64Array;
  /** Source spike events dispatched (one per active input channel per bin and per hidden spike, summed over layers). */
  eventsProcessed: number;
  /** Spike counts of the last layer (the prediction is their argmax). */
  outputCounts: Int32Array;
  /** Per layer spikes (ids = neuron index in the layer, times = step), when `recordSpikes`. */
  spikes?: SpikeRecord[];
}

/**
 * Runs one sample through a compiled network in discrete mode and returns counters (and spikes on request).
 *
 * Semantics (identical to `referenceForward`): at step t, layer l's synaptic input is the float32 sum of the weights of
 * the source spikes of step t - delaySteps (input values multiply the weight), accumulated into a zeroed Float32Array
 * in ascending source index (sources are dispatched in ascending id, and each CSR row reaches each target once per
 * weight), then the bias is added (port 0) and the layer's model `step` (the shared discretisation of every engine) advances it. Layers are updated in
 * order within a step, so `delaySteps = 0` propagates in the same step as the dense layer math.
 * Only source spikes touch synapses; neuron updates stay dense (every neuron every step) because leak and bias act
 * without input, exactly as in the dense pass.
 *
 * @param input `[steps][inputSize]` row-major values (spike counts), length exactly steps * inputSize
 */
export function simulateNetwork(
  net: CompiledNetwork,
  input: Float32Array,
  steps: number,
  opts: SimulateNetworkOptions = {},
): NetworkRunResult {
  const where = 'simulateNetwork';
  if (!Number.isInteger(steps) || steps < 0) fail(where, 'steps', steps, 'a non-negative integer');
  if (input.length !== steps * net.inputSize)
    fail(
      where,
      'input.length',
      input.length,
      `${steps * net.inputSize} (= steps ${steps} x inputSize ${net.inputSize})`,
    );
  const L = net.layers.length;
  const record = opts.recordSpikes === true;
  const states = net.layers.map((l) => createModelState(l.model, l.size));
  const acc = net.layers.map((l) => l.model.ports.map(() => new Float32Array(l.size)));
  const spikeBytes = net.layers.map((l) => new Uint8Array(l.size));
  const counts = net.layers.map((l) => new Int32Array(l.size));
  const synOps = new Float64Array(L);
  const neuronUpdates = new Float64Array(L);
  const builders = record ? net.layers.map((l) => new SpikeRecordBuilder(l.size, 'step', 256)) : [];
  // Spike history of layer l (source of layer l + 1): a ring of depth delay(l + 1) + 1 of ascending id lists.
  const depth = net.layers.map((_, l) => (l + 1 < L ? (net.layers[l + 1] as CompiledLayer).delaySteps + 1 : 1));
  const ringIds = net.layers.map((l, i) => new Int32Array((depth[i] as number) * l.size));
  const ringLen = net.layers.map((_, i) => new Int32Array(depth[i] as number));
  let events = 0;
  const inSize = net.inputSize;

  for (let t = 0; t < steps; t++) {
    for (let l = 0; l < L; l++) {
      const layer = net.layers[l] as CompiledLayer;
      const ports = acc[l] as Float32Array[];
      const nPorts = ports.length;
      for (const p of ports) p.fill(0);
      const { rowPtr, targets, weights } = layer.synapses;
      const fanOut = layer.fanOut;
      const srcT = t - layer.delaySteps;
      let ops = 0;
      if (srcT >= 0) {
        if (l === 0) {
          const base = srcT * inSize;
          for (let i = 0; i < inSize; i++) {
            const s = input[base + i] as number;
            if (s === 0) continue;
            events++;
            ops += s * (fanOut[i] as number);
            const end = rowPtr[i + 1] as number;
            for (let k = rowPtr[i] as number; k < end; k++) {
              const o = targets[k] as number;
              const w = weights[k] as number;
              const a = ports[weightPort(nPorts, w)] as Float32Array;
              a[o] = (a[o] as number) + w * s;
            }
          }
        } else {
          const d = depth[l - 1] as number;
          const slot = srcT % d;
          const n = (ringLen[l - 1] as Int32Array)[slot] as number;
          const ids = ringIds[l - 1] as Int32Array;
          const prevSize = layer.inputSize;
          events += n;
          for (let q = 0; q < n; q++) {
            const i = ids[slot * prevSize + q] as number;
            ops += fanOut[i] as number;
            const end = rowPtr[i + 1] as number;
            for (let k = rowPtr[i] as number; k < end; k++) {
              const o = targets[k] as number;
              const w = weights[k] as number;
              const a = ports[weightPort(nPorts, w)] as Float32Array;
              a[o] = (a[o] as number) + w;
            }
          }
        }
      }
      synOps[l] = (synOps[l] as number) + ops;
      const sb = spikeBytes[l] as Uint8Array;
      if (layer.bias) {
        const a0 = ports[0] as Float32Array;
        for (let o = 0; o < layer.size; o++) a0[o] = (a0[o] as number) + (layer.bias[o] as number);
      }
      const fired = layer.model.step(
        layer.coeff,
        states[l] as Float32Array[],
        ports,
        layer.thresholds,
        layer.reset,
        sb,
        0,
        layer.size,
      );
      neuronUpdates[l] = (neuronUpdates[l] as number) + layer.size;
      const slot = t % (depth[l] as number);
      const ids = ringIds[l] as Int32Array;
      const base = slot * layer.size;
      let n = 0;
      if (fired > 0) {
        const c = counts[l] as Int32Array;
        const b = builders[l];
        for (let k = 0; k < layer.size; k++) {
          if (sb[k] === 0) continue;
          ids[base + n++] = k;
          c[k] = (c[k] as number) + 1;
          if (b) b.push(k, t);
        }
      }
      (ringLen[l] as Int32Array)[slot] = n;
    }
  }
  const result: NetworkRunResult = {
    steps,
    layerSpikeCounts: counts,
    synOps,
    neuronUpdates,
    eventsProcessed: events,
    outputCounts: counts[L - 1] as Int32Array,
  };
  if (record) result.spikes = builders.map((b) => b.finish());
  return result;
}
