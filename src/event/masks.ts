import { TypedFastBitSet } from 'typedfastbitset';
import { fail } from '../util/errors.js';

/**
 * Neuron sets as bitsets (typedfastbitset): which neurons ever fired across a set of samples, and the complement,
 * the dead neurons (the paper's definition: a neuron that emits no spike over the whole evaluation set). Unions across
 * samples and counts are word-parallel set algebra.
 */
export class EverFired {
  /** One bitset per layer: bit k set when neuron k of that layer fired in at least one recorded sample. */
  readonly fired: TypedFastBitSet[];
  /** Samples recorded so far. */
  samples = 0;

  /** @param layerSizes neurons per layer */
  constructor(readonly layerSizes: readonly number[]) {
    this.fired = layerSizes.map((n) => {
      const b = new TypedFastBitSet();
      if (n > 0) b.resize(n);
      return b;
    });
  }

  /** Unions one sample: `counts[l][k] > 0` marks neuron k of layer l as fired (e.g. `NetworkRunResult.layerSpikeCounts`). */
  add(counts: readonly ArrayLike<number>[]): void {
    if (counts.length !== this.layerSizes.length)
      fail('EverFired.add', 'counts.length', counts.length, `${this.layerSizes.length} (layers)`);
    counts.forEach((c, l) => {
      const n = this.layerSizes[l] as number;
      if (c.length !== n) fail('EverFired.add', `counts[${l}].length`, c.length, `${n} (layer size)`);
      const b = this.fired[l] as TypedFastBitSet;
      for (let k = 0; k < n; k++) if ((c[k] as number) > 0) b.add(k);
    });
    this.samples++;
  }

  /** Unions another accumulator (e.g. from another worker or batch) into this one. */
  merge(other: EverFired): void {
    if (other.layerSizes.length !== this.layerSizes.length || other.layerSizes.some((n, l) => n !== this.layerSizes[l]))
      fail('EverFired.merge', 'layerSizes', other.layerSizes, JSON.stringify(this.layerSizes));
    other.fired.forEach((b, l) => (this.fired[l] as TypedFastBitSet).union(b));
    this.samples += other.samples;
  }

  /** Neurons of layer l that fired at least once. */
  firedCount(l: number): number {
    return (this.fired[l] as TypedFastBitSet).size();
  }

  /** Dead neurons of layer l: layer size minus ever-fired. */
  deadCount(l: number): number {
    return (this.layerSizes[l] as number) - this.firedCount(l);
  }

  /** Dead fraction of layer l in [0, 1] (0 for an empty layer). */
  deadFraction(l: number): number {
    const n = this.layerSizes[l] as number;
    return n === 0 ? 0 : this.deadCount(l) / n;
  }

  /** Bitset of the dead neurons of layer l (a new set). */
  deadMask(l: number): TypedFastBitSet {
    const all = new TypedFastBitSet();
    const n = this.layerSizes[l] as number;
    if (n > 0) all.addRange(0, n);
    return all.difference(this.fired[l] as TypedFastBitSet);
  }

  /** Sorted ids of the dead neurons of layer l. */
  deadIds(l: number): number[] {
    return this.deadMask(l).array();
  }
}

/** Bitset of the neurons with `counts[k] > 0` (one layer, one run). */
export function firedMask(counts: ArrayLike<number>): TypedFastBitSet {
  const b = new TypedFastBitSet();
  for (let k = 0; k < counts.length; k++) if ((counts[k] as number) > 0) b.add(k);
  return b;
}
