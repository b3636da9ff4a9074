import { fail, RouserError } from '../util/errors.js';

/**
 * Energy proxies: compute energy per operation from published per-operation tables (Horowitz, ISSCC 2014). Tables are data: each number carries its source.
 *   SNN energy per sample   = SynOps * acPj + neuronUpdates * neuronUpdatePj
 *   dense energy per sample = MACs * macPj          (the ANN / dense-evaluation equivalent)
 * A SynOp is one accumulate (a spike adds a weight); a dense MAC is one multiply-accumulate.
 */
export interface EnergyTable {
  name: string;
  /** Energy of one multiply-accumulate, picojoules. */
  macPj: number;
  /** Energy of one accumulate (one synaptic event), picojoules. */
  acPj: number;
  /** Energy of one neuron state update (one neuron, one step), picojoules. */
  neuronUpdatePj: number;
  /** Where the numbers come from. */
  source: string;
}

const HOROWITZ = 'M. Horowitz, "Computing\'s energy problem (and what we can do about it)", ISSCC 2014, 45 nm';
const UPDATE_NOTE =
  'neuronUpdatePj = 2 x macPj: a CUBA update is two multiply-adds (aI*I + x, aV*V + I); a Rouser estimate, not from the paper';

/**
 * Built-in tables, Horowitz (ISSCC 2014, 45 nm): MAC = multiply + add energies, AC = add energy.
 * fp32: mult 3.7 + add 0.9 = 4.6 pJ, add 0.9 pJ; fp16: 1.1 + 0.4 = 1.5, 0.4; int8: 0.2 + 0.03 = 0.23, 0.03.
 */
export const ENERGY_TABLES: readonly EnergyTable[] = [
  {
    name: '45nm-fp32',
    macPj: 4.6,
    acPj: 0.9,
    neuronUpdatePj: 9.2,
    source: `${HOROWITZ}: fp32 mult 3.7 pJ + add 0.9 pJ; ${UPDATE_NOTE}`,
  },
  {
    name: '45nm-fp16',
    macPj: 1.5,
    acPj: 0.4,
    neuronUpdatePj: 3.0,
    source: `${HOROWITZ}: fp16 mult 1.1 pJ + add 0.4 pJ; ${UPDATE_NOTE}`,
  },
  {
    name: '45nm-int8',
    macPj: 0.23,
    acPj: 0.03,
    neuronUpdatePj: 0.46,
    source: `${HOROWITZ}: int8 mult 0.2 pJ + add 0.03 pJ; ${UPDATE_NOTE}`,
  },
];

/** Energy of one sample under one table. */
export interface EnergyEstimate {
  table: string;
  snnPj: number;
  densePj: number;
  /** snnPj / densePj (below 1: the spiking evaluation is cheaper). */
  ratio: number;
}

/** Energy per sample from counts (all per sample). */
export function estimateEnergy(
  table: EnergyTable,
  synOps: number,
  neuronUpdates: number,
  macs: number,
): EnergyEstimate {
  const snnPj = synOps * table.acPj + neuronUpdates * table.neuronUpdatePj;
  const densePj = macs * table.macPj;
  return { table: table.name, snnPj, densePj, ratio: densePj > 0 ? snnPj / densePj : NaN };
}

/**
 * Validates user tables from parsed JSON: one table object or an array of them, each with name (string), macPj,
 * acPj, neuronUpdatePj (finite numbers >= 0) and source (non-empty string: every number needs a source).
 * @param where the file name for messages
 */
export function parseEnergyTables(raw: unknown, where: string): EnergyTable[] {
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0)
    throw new RouserError(`${where}: no energy table; expected an object or a non-empty array of objects`);
  return list.map((t: unknown, i) => {
    const at = Array.isArray(raw) ? `[${i}].` : '';
    if (typeof t !== 'object' || t === null)
      fail(where, `${at}(table)`, t, 'an object {name, macPj, acPj, neuronUpdatePj, source}');
    const o = t as Record<string, unknown>;
    if (typeof o.name !== 'string' || o.name === '') fail(where, `${at}name`, o.name, 'a non-empty string');
    for (const k of ['macPj', 'acPj', 'neuronUpdatePj'] as const) {
      const v = o[k];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
        fail(where, `${at}${k}`, v, 'a finite number >= 0 (picojoules)');
    }
    if (typeof o.source !== 'string' || o.source.trim() === '')
      fail(where, `${at}source`, o.source, 'a non-empty string naming where the numbers come from');
    return {
      name: o.name,
      macPj: o.macPj as number,
      acPj: o.acPj as number,
      neuronUpdatePj: o.neuronUpdatePj as number,
      source: o.source,
    };
  });
}
