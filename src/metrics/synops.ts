import type { LayerSpec, NetworkSpec } from '../model/spec.js';

/**
 * Synaptic-operation accounting: every delivered spike costs one accumulate per synapse it drives (its fan-out).
 * - fan-out of source i in layer l = number of non-zero weights in column i of layer l (the synapses a spike of i
 *   drives once zero weights are dropped, as in the event engine's CSR).
 * - SynOps of a sample = sum over every spike (input channel spikes for layer 0, previous layer spikes otherwise)
 *   of that spike's fan-out; a spike count c > 1 in one bin counts c times.
 * - dense MACs of a sample = sum over layers of inputSize * size * steps (what a dense ANN-style evaluation does).
 */

/** Fan-out of each input of a layer: non-zero weights in each column. */
export function fanOut(layer: LayerSpec): Int32Array {
  const out = new Int32Array(layer.inputSize);
  const w = layer.weights;
  for (let o = 0; o < layer.size; o++) {
    const base = o * layer.inputSize;
    for (let i = 0; i < layer.inputSize; i++) if (w[base + i] !== 0) out[i] = (out[i] as number) + 1;
  }
  return out;
}

/**
 * SynOps per layer from spike totals: `sourceCounts[l]` are the spike totals of layer l's sources (input channels
 * for l = 0, layer l-1's neurons otherwise). Independent of any engine: the check for the engine's own counters.
 */
export function synOpsFromCounts(spec: NetworkSpec, sourceCounts: readonly ArrayLike<number>[]): number[] {
  return spec.layers.map((layer, l) => {
    const counts = sourceCounts[l];
    if (!counts || counts.length !== layer.inputSize)
      throw new RangeError(
        `synOpsFromCounts: sourceCounts[${l}] has length ${counts?.length}; expected ${layer.inputSize}`,
      );
    const fo = fanOut(layer);
    let s = 0;
    for (let i = 0; i < layer.inputSize; i++) s += (counts[i] as number) * (fo[i] as number);
    return s;
  });
}

/** Dense multiply-accumulates per sample: sum over layers of inputSize * size * steps. */
export function denseMacs(spec: NetworkSpec, steps: number): number {
  return spec.layers.reduce((s, l) => s + l.inputSize * l.size * steps, 0);
}

/** Per-layer dense MACs per sample. */
export function denseMacsPerLayer(spec: NetworkSpec, steps: number): number[] {
  return spec.layers.map((l) => l.inputSize * l.size * steps);
}
