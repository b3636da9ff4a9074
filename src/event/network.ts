import type { NetworkSpec, ResetMode } from '../model/spec.js';
import type { SpikeRecord } from '../model/spikes.js';
import { validateSpec } from '../model/validate.js';
import { prepareLayers } from '../neuron/dynamics.js';
import type { NeuronModelDef } from '../neuron/model.js';
import { fail } from '../util/errors.js';
import { compileDescription, descriptionFromSpec, type CompiledDescription } from './compile.js';
import { simulateDescription } from './engine.js';
import type { MemoryCheckOptions } from './memory.js';

/**
 * One layer of a compiled feed-forward NetworkSpec: the neuron parameters copied exactly and the fan-out of each of
 * its sources (input channel or previous-layer neuron) in the compiled description, whose CSR (zero weights dropped)
 * holds the synapses.
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
  /** Fan-out of each source into this layer (its row length in the description's CSR; zero weights dropped). */
  fanOut: Int32Array;
}

/** A NetworkSpec compiled for the event engine (see {@link compileNetwork}). */
export interface CompiledNetwork {
  inputSize: number;
  dtMs: number;
  /** Per layer: parameters and the fan-outs the SynOps counters use. */
  layers: CompiledLayer[];
  /** What the event engine runs: `descriptionFromSpec(spec)` compiled (0-step delays allowed). */
  description: CompiledDescription;
  /** Per layer, the compiled initial state (restored before every sample). */
  initialState: Float32Array[][];
}

/**
 * Compiles a (validated) NetworkSpec: `descriptionFromSpec(spec)` compiled once (one CSR over all layers from the dense
 * `[size][inputSize]` weights with zero weights dropped, thresholds/bias copied, coefficients rounded to float32 as
 * every engine does, `delaySteps` kept) and per layer its parameters and fan-outs.
 * Throws a `RouserError` for an invalid spec or when the network would not fit in memory.
 */
export function compileNetwork(spec: NetworkSpec, memory: MemoryCheckOptions = {}): CompiledNetwork {
  validateSpec(spec);
  const prepared = prepareLayers(spec.layers, spec.dtMs);
  const description = compileDescription(descriptionFromSpec(spec), {
    allowZeroDelay: true,
    memory,
    where: 'NetworkSpec',
  });
  return {
    inputSize: spec.inputSize,
    dtMs: spec.dtMs,
    description,
    initialState: description.populations.map((p) => p.state.map((a) => a.slice())),
    layers: spec.layers.map((layer, l) => {
      // the sources of layer l: the input channels (a spike source after the neurons) or layer l - 1's neurons
      const base =
        l === 0
          ? description.spikeSources.find((ss) => ss.name === 'input')!.base
          : description.populations[l - 1]!.offset;
      const fanOut = new Int32Array(layer.inputSize);
      const { rowGroup, groupPtr } = description;
      for (let i = 0; i < layer.inputSize; i++)
        fanOut[i] = groupPtr[rowGroup[base + i + 1]!]! - groupPtr[rowGroup[base + i]!]!;
      return {
        size: layer.size,
        inputSize: layer.inputSize,
        model: prepared[l]!.model,
        coeff: prepared[l]!.coeff,
        reset: layer.reset,
        thresholds: layer.thresholds.slice(),
        bias: layer.bias ? layer.bias.slice() : undefined,
        delaySteps: layer.delaySteps,
        fanOut,
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
 * Runs one sample through a compiled network and returns counters (and spikes on request). The sample runs through
 * the one event engine of every network: {@link simulateDescription} on the network's compiled description
 * ({@link descriptionFromSpec}: a spike source `input` whose per-step values multiply the weights, one population per
 * layer, explicit projections with the layer's delay), after the populations' state is restored to the compiled
 * initial state.
 *
 * Semantics (identical to `referenceForward`): at step t, layer l's synaptic input is the float32 sum of the weights of
 * the source spikes of step t - delaySteps (input values multiply the weight), accumulated into a zeroed Float32Array
 * in ascending source index, then the bias is added (port 0) and the layer's model `step` (the shared
 * discretisation of every engine) advances it. Layers are updated in order within a step, so `delaySteps = 0`
 * propagates in the same step as the dense layer math. Only source spikes touch synapses; neuron updates stay dense
 * (every neuron every step) because leak and bias act without input, exactly as in the dense pass.
 *
 * Counters: layer l's synOps add the fan-out into layer l of every source event delivered inside the sample (an
 * input value c counts c times; a spike of step t with delay d counts when t + d < steps), `eventsProcessed` counts
 * the delivered source events (one per non-zero input value and per hidden spike).
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
  const d = net.description;
  d.populations.forEach((pop, l) => {
    const init = net.initialState[l] as Float32Array[];
    pop.state.forEach((a, j) => a.set(init[j] as Float32Array));
  });
  const names = d.populations.map((p) => p.name);
  const run = simulateDescription(d, {
    durationMs: steps * net.dtMs,
    sourceValues: { input },
    recordSpikes: names,
  });
  const layerSpikeCounts = names.map((n) => run.spikeCounts[n] as Int32Array);
  const records = names.map((n) => run.spikeRecords[n] as SpikeRecord);
  const synOps = new Float64Array(L);
  const neuronUpdates = new Float64Array(L);
  let events = 0;
  for (let l = 0; l < L; l++) {
    const layer = net.layers[l] as CompiledLayer;
    neuronUpdates[l] = layer.size * steps;
    const fanOut = layer.fanOut;
    const last = steps - layer.delaySteps; // source events of steps < last are delivered inside the sample
    let ops = 0;
    if (l === 0) {
      const inSize = net.inputSize;
      for (let t = 0; t < last; t++)
        for (let i = 0; i < inSize; i++) {
          const v = input[t * inSize + i] as number;
          if (v === 0) continue;
          events++;
          ops += v * (fanOut[i] as number);
        }
    } else {
      const rec = records[l - 1] as SpikeRecord;
      for (let k = 0; k < rec.ids.length; k++) {
        if (Math.round((rec.times[k] as number) / net.dtMs) >= last) continue;
        events++;
        ops += fanOut[rec.ids[k] as number] as number;
      }
    }
    synOps[l] = ops;
  }
  const result: NetworkRunResult = {
    steps,
    layerSpikeCounts,
    synOps,
    neuronUpdates,
    eventsProcessed: events,
    outputCounts: layerSpikeCounts[L - 1] as Int32Array,
  };
  if (opts.recordSpikes === true)
    result.spikes = records.map((r) => ({
      ...r,
      times: Float64Array.from(r.times, (ms) => Math.round(ms / net.dtMs)),
      timeUnit: 'step' as const,
    }));
  return result;
}
