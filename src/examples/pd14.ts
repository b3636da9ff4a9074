import { fail } from '../util/errors.js';

/**
 * The Potjans & Diesmann (2014) cortical microcircuit as numbers: the published tables and the derived, scaled
 * quantities of the PyNEST example (nest-simulator `pynest/examples/Potjans_2014`, NEST 3 era; /work/shared/MICROCIRCUIT.md).
 * Pure arithmetic, no randomness: {@link microcircuitPlan} turns scale factors into population sizes, synapse counts,
 * weight and delay distributions, background drive and bias currents. The network description is built from the plan
 * in microcircuit.ts.
 *
 * Source: Potjans T.C., Diesmann M. (2014) Cereb. Cortex 24:785, doi:10.1093/cercor/bhs358, and the PyNEST
 * `network_params.py`, `helpers.py`, `network.py`.
 */

/** The eight populations, in the order of every table below (layer 2/3, 4, 5, 6; excitatory then inhibitory). */
export const PD14_POPULATIONS = ['L23E', 'L23I', 'L4E', 'L4I', 'L5E', 'L5I', 'L6E', 'L6I'] as const;

/** A population name of the microcircuit. */
export type Pd14Population = (typeof PD14_POPULATIONS)[number];

/** Full-scale population sizes N_full (neurons; 77,169 in total). */
export const PD14_FULL_SIZES: readonly number[] = [20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948];

/** Connection probabilities `C[target][source]` (rows are targets, columns sources, PD14 table 5). */
export const PD14_CONN_PROBS: readonly (readonly number[])[] = [
  [0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],
  [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],
  [0.0077, 0.0059, 0.0497, 0.135, 0.0067, 0.0003, 0.0453, 0.0],
  [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],
  [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],
  [0.0548, 0.0269, 0.0257, 0.0022, 0.06, 0.3158, 0.0086, 0.0],
  [0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252],
  [0.0364, 0.001, 0.0034, 0.0005, 0.0277, 0.008, 0.0658, 0.1443],
];

/** Background (cortico-cortical) in-degree K_ext per target population at full scale. */
export const PD14_K_EXT: readonly number[] = [1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100];

/** "Optimized" initial membrane potential: mean (mV) per population (PyNEST `V0_type 'optimized'`). */
export const PD14_V0_MEAN_MV: readonly number[] = [-68.28, -63.16, -63.33, -63.45, -63.11, -61.66, -66.72, -61.43];

/** "Optimized" initial membrane potential: standard deviation (mV) per population. */
export const PD14_V0_SD_MV: readonly number[] = [5.36, 4.57, 4.74, 4.94, 4.94, 4.55, 5.46, 4.48];

/** `full_mean_rates` of the PyNEST example (NEST 3.x, 2022; Hz), used by the K-scaling DC compensation. */
export const PD14_FULL_MEAN_RATES_HZ: readonly number[] = [0.903, 2.965, 4.414, 5.876, 7.569, 8.633, 1.105, 7.829];

/**
 * Acceptance bands of the full-scale population rates with Poisson drive (Hz): from 0.85 x the lowest to 1.15 x the
 * highest of three published full-scale NEST runs (MICROCIRCUIT.md section 2).
 */
export const PD14_RATE_BANDS_HZ: readonly (readonly [number, number])[] = [
  [0.77, 1.12],
  [2.44, 3.48],
  [3.71, 5.46],
  [4.59, 6.76],
  [6.43, 9.36],
  [7.34, 10.44],
  [0.84, 1.27],
  [6.39, 9.03],
];

/** Published irregularity: the mean ISI CV of every population lies in about [0.8, 0.95] (PD14; ReScience "> 0.80"). */
export const PD14_ISI_CV_RANGE: readonly [number, number] = [0.8, 0.95];

/** NEST `iaf_psc_exp` parameters of every population (PD14 table 5). Units: pF, ms, mV. */
export const PD14_NEURON = {
  cMPf: 250,
  tauMemMs: 10,
  tauSynExcMs: 0.5,
  tauSynInhMs: 0.5,
  refractoryMs: 2,
  restMv: -65,
  resetMv: -65,
  thresholdMv: -50,
} as const;

/** Mean excitatory PSP amplitude (mV) of recurrent, background and thalamic synapses. */
export const PD14_PSP_EXC_MV = 0.15;
/** Relative inhibitory strength g: inhibitory PSC = g x excitatory PSC. */
export const PD14_G = -4;
/** Relative weight standard deviation (`weight_rel_std`): sd = 0.1 x |mean PSC| of the scaled network. */
export const PD14_WEIGHT_REL_SD = 0.1;
/** Mean delays (ms) of excitatory and inhibitory sources; the sd is half the mean (`delay_rel_std` 0.5). */
export const PD14_DELAY_MEAN_MS = { exc: 1.5, inh: 0.75 } as const;
/** Relative delay standard deviation (`delay_rel_std`). */
export const PD14_DELAY_REL_SD = 0.5;
/** Background rate per external input (Hz, `bg_rate`). */
export const PD14_BG_RATE_HZ = 8;
/** Delay of the Poisson background (ms, `delay_poisson`). */
export const PD14_POISSON_DELAY_MS = 1.5;
/** Simulation resolution of the model (ms, `sim_resolution`). */
export const PD14_DT_MS = 0.1;

/** Whether population `i` (index into {@link PD14_POPULATIONS}) is excitatory. */
export function pd14IsExcitatory(i: number): boolean {
  return i % 2 === 0;
}

/**
 * numpy's `np.round` (round half to even), which the PyNEST example uses for every scaled count; `Math.round` rounds
 * halves up and would give e.g. 533 instead of 532 L5I neurons at N_scaling 0.5.
 */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * Full-scale expected number of synapses from source x to target y (PD14 eq. 1), the number of draws with replacement
 * that leaves a fraction C_yx of the N_x N_y pairs with at least one contact:
 * `S_yx = ln(1 - C_yx) / ln(1 - 1/(N_x N_y))`, evaluated as in the PyNEST helper,
 * `log(1 - p) / log((prod - 1) / prod)` with prod = N_x N_y. Returns `S[target][source]` (not rounded).
 */
export function pd14FullSynapses(): number[][] {
  return PD14_CONN_PROBS.map((row, y) =>
    row.map((p, x) => {
      const prod = (PD14_FULL_SIZES[x] as number) * (PD14_FULL_SIZES[y] as number);
      return Math.log(1 - p) / Math.log((prod - 1) / prod);
    }),
  );
}

/**
 * PSC amplitude per mV of PSP peak for a current-based exponential synapse (pA/mV; PyNEST
 * `postsynaptic_potential_to_current`): with t_max = tau_m tau_s / (tau_m - tau_s) ln(tau_m / tau_s),
 * `PSC/PSP = 1 / [ (tau_m / C_m) tau_s / (tau_m - tau_s) (exp(-t_max/tau_m) - exp(-t_max/tau_s)) ]`.
 * 585.39 pA/mV for the PD14 neuron. Requires tau_m != tau_s.
 */
export function pscOverPsp(cMPf: number, tauMemMs: number, tauSynMs: number): number {
  const sub = 1 / (tauSynMs - tauMemMs);
  const pre = ((tauMemMs * tauSynMs) / cMPf) * sub;
  const frac = (tauMemMs / tauSynMs) ** sub;
  return 1 / (pre * (frac ** tauMemMs - frac ** tauSynMs));
}

/** Background drive: independent Poisson trains per neuron, or their mean as a DC current. */
export type Pd14Background = 'poisson' | 'dc';

/** Options of {@link microcircuitPlan}. */
export interface MicrocircuitOptions {
  /** N_scaling in (0, 1]: population sizes are round(N_full x nScale). Default 1. */
  nScale?: number;
  /** K_scaling in (0, 1]: synapse counts are round(S_full x nScale x kScale), weights / sqrt(kScale). Default 1. */
  kScale?: number;
  /** Background drive. Default `poisson` (the PD14 / PyNEST-example default). */
  background?: Pd14Background;
}

/** One population of a {@link MicrocircuitPlan}. */
export interface MicrocircuitPopulationPlan {
  name: Pd14Population;
  size: number;
  excitatory: boolean;
  /** Scaled background in-degree round(K_ext x kScale). */
  kExt: number;
  /** Poisson rate per neuron (Hz) = kExt x 8 Hz with Poisson background, 0 with DC. */
  poissonRateHz: number;
  /** Constant bias current I_e (pA): DC background and/or the K-scaling mean compensation. */
  biasPa: number;
  v0MeanMv: number;
  v0SdMv: number;
}

/** One non-empty projection of a {@link MicrocircuitPlan}: fixed total number, multapses and autapses allowed. */
export interface MicrocircuitProjectionPlan {
  source: Pd14Population;
  target: Pd14Population;
  /** Number of synapses round(S_yx(full) x nScale x kScale) (numpy rounding). */
  count: number;
  /** Mean PSC amplitude (pA): positive from excitatory, negative from inhibitory sources; divided by sqrt(kScale). */
  weightMeanPa: number;
  /** Weight sd (pA) = 0.1 |weightMeanPa|; the normal is redrawn to keep the sign of the mean. */
  weightSdPa: number;
  /** Delay mean / sd (ms); draws are redrawn below dt/2 and rounded to the dt grid. */
  delayMeanMs: number;
  delaySdMs: number;
}

/** Every number of the scaled microcircuit (see {@link microcircuitPlan}). */
export interface MicrocircuitPlan {
  nScale: number;
  kScale: number;
  background: Pd14Background;
  dtMs: number;
  populations: MicrocircuitPopulationPlan[];
  projections: MicrocircuitProjectionPlan[];
  /** Background synapse PSC (pA), divided by sqrt(kScale). */
  pscExtPa: number;
  /** Background delay (ms). */
  poissonDelayMs: number;
  /** Lower bound of the delay redraw (ms): dt - dt/2. */
  delayMinMs: number;
}

/**
 * The scaled microcircuit (PyNEST `Network.__derive_parameters` and `helpers.adjust_weights_and_input_to_synapse_scaling`):
 * - sizes `round(N_full nScale)`, counts `round(S_full nScale kScale)`, `K_ext' = round(K_ext kScale)` (round half even);
 * - PSC = 0.15 mV x 585.39 pA/mV = 87.81 pA from excitatory sources (x2 for L4E -> L2/3E), x g = -4 from inhibitory;
 * - with kScale < 1 every PSC is divided by sqrt(kScale) and the lost mean input is restored as DC:
 *   `I[y] += 0.001 tau_syn (1 - sqrt(kScale)) (sum_x PSC_yx S_yx/N_y rate_x + [Poisson] PSC_ext K_ext[y] 8 Hz)`
 *   with the unscaled PSCs, the full-scale in-degrees and `full_mean_rates`;
 * - DC background: `I[y] = 0.001 tau_syn 8 Hz K_ext[y] PSC_ext` (full K_ext, unscaled PSC_ext) plus the term above.
 */
export function microcircuitPlan(opts: MicrocircuitOptions = {}): MicrocircuitPlan {
  const where = 'microcircuit';
  const nScale = opts.nScale ?? 1;
  const kScale = opts.kScale ?? 1;
  const background = opts.background ?? 'poisson';
  if (!(nScale > 0 && nScale <= 1)) fail(where, 'nScale', nScale, 'a number in (0, 1]');
  if (!(kScale > 0 && kScale <= 1)) fail(where, 'kScale', kScale, 'a number in (0, 1]');
  if (background !== 'poisson' && background !== 'dc') fail(where, 'background', background, 'poisson or dc');
  const n = PD14_FULL_SIZES.length;
  const nrn = PD14_NEURON;
  const pscPerPsp = pscOverPsp(nrn.cMPf, nrn.tauMemMs, nrn.tauSynExcMs);
  const pscExtFull = PD14_PSP_EXC_MV * pscPerPsp;
  const pscFull = (y: number, x: number): number => {
    const psp = y === 0 && x === 2 ? 2 * PD14_PSP_EXC_MV : PD14_PSP_EXC_MV;
    return (pd14IsExcitatory(x) ? 1 : PD14_G) * psp * pscPerPsp;
  };
  const sFull = pd14FullSynapses();
  const sqrtK = Math.sqrt(kScale);
  const tauSyn = nrn.tauSynExcMs;
  const populations: MicrocircuitPopulationPlan[] = [];
  for (let y = 0; y < n; y++) {
    const kExtFull = PD14_K_EXT[y] as number;
    let bias = background === 'dc' ? PD14_BG_RATE_HZ * kExtFull * pscExtFull * tauSyn * 0.001 : 0;
    if (kScale !== 1) {
      let rec = 0;
      for (let x = 0; x < n; x++)
        rec +=
          pscFull(y, x) *
          (((sFull[y] as number[])[x] as number) / (PD14_FULL_SIZES[y] as number)) *
          (PD14_FULL_MEAN_RATES_HZ[x] as number);
      bias += 0.001 * tauSyn * (1 - sqrtK) * rec;
      if (background === 'poisson') bias += 0.001 * tauSyn * (1 - sqrtK) * pscExtFull * kExtFull * PD14_BG_RATE_HZ;
    }
    const kExt = roundHalfEven(kExtFull * kScale);
    populations.push({
      name: PD14_POPULATIONS[y] as Pd14Population,
      size: roundHalfEven((PD14_FULL_SIZES[y] as number) * nScale),
      excitatory: pd14IsExcitatory(y),
      kExt,
      poissonRateHz: background === 'poisson' ? kExt * PD14_BG_RATE_HZ : 0,
      biasPa: bias,
      v0MeanMv: PD14_V0_MEAN_MV[y] as number,
      v0SdMv: PD14_V0_SD_MV[y] as number,
    });
  }
  for (const p of populations)
    if (p.size < 1)
      fail(where, `nScale (population ${p.name})`, nScale, `a scale giving at least one neuron per population`);
  const projections: MicrocircuitProjectionPlan[] = [];
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const count = roundHalfEven(((sFull[y] as number[])[x] as number) * nScale * kScale);
      if (count === 0) continue;
      const mean = pscFull(y, x) / sqrtK;
      const dMean = pd14IsExcitatory(x) ? PD14_DELAY_MEAN_MS.exc : PD14_DELAY_MEAN_MS.inh;
      projections.push({
        source: PD14_POPULATIONS[x] as Pd14Population,
        target: PD14_POPULATIONS[y] as Pd14Population,
        count,
        weightMeanPa: mean,
        weightSdPa: PD14_WEIGHT_REL_SD * Math.abs(mean),
        delayMeanMs: dMean,
        delaySdMs: PD14_DELAY_REL_SD * dMean,
      });
    }
  }
  return {
    nScale,
    kScale,
    background,
    dtMs: PD14_DT_MS,
    populations,
    projections,
    pscExtPa: pscExtFull / sqrtK,
    poissonDelayMs: PD14_POISSON_DELAY_MS,
    delayMinMs: PD14_DT_MS - 0.5 * PD14_DT_MS,
  };
}
