import { NetworkBuilder, type NetworkDescription } from '../model/network.js';
import { fail } from '../util/errors.js';
import { microcircuitPlan, PD14_NEURON, type MicrocircuitOptions, type MicrocircuitPlan } from './pd14.js';

/**
 * The Potjans & Diesmann (2014) cortical microcircuit as a network description, following the PyNEST example
 * (MICROCIRCUIT.md): eight `iaf_psc_exp` populations, 64 `fixed_total_number` projections (multapses and autapses
 * allowed), weights normal with sd 10 % redrawn to keep their sign, delays normal redrawn at >= dt/2 and rounded to
 * the 0.1 ms grid at compile time, optimized initial voltages, Poisson or DC background, and the K-scaling
 * compensation (PSC / sqrt(K) plus a DC term in `I_e`). Pure: every random draw happens when the description is
 * compiled, from `seed`. The optional thalamic input is not generated.
 */

/** The `iaf_psc_exp` parameters of every PD14 population ({@link PD14_NEURON}) with the constant current `I_e` (pA). */
export function pd14IafParams(I_e = 0): Record<string, number> {
  const n = PD14_NEURON;
  return {
    C_m: n.cMPf,
    tau_m: n.tauMemMs,
    tau_syn_ex: n.tauSynExcMs,
    tau_syn_in: n.tauSynInhMs,
    t_ref: n.refractoryMs,
    E_L: n.restMv,
    V_reset: n.resetMv,
    V_th: n.thresholdMv,
    I_e,
  };
}

/** Options of {@link microcircuit}: the scale factors and background of {@link MicrocircuitOptions} plus the seed. */
export interface MicrocircuitNetworkOptions extends MicrocircuitOptions {
  /** Seed of connectivity, weights, delays, initial voltages and the Poisson drive. Default 55 (PyNEST `rng_seed`). */
  seed?: number;
  /** Populations whose spikes are recorded. Default all eight. */
  record?: readonly string[];
}

/** Builds the microcircuit description from a computed {@link MicrocircuitPlan}. */
export function microcircuitFromPlan(
  plan: MicrocircuitPlan,
  seed: number,
  record?: readonly string[],
): NetworkDescription {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    fail('microcircuit', 'seed', seed, 'an integer in [0, 2^32)');
  const names = plan.populations.map((p) => p.name as string);
  for (const r of record ?? []) if (!names.includes(r)) fail('microcircuit', 'record', r, `one of ${names.join(', ')}`);
  const b = new NetworkBuilder({
    dtMs: plan.dtMs,
    seed,
    meta: {
      model: 'Potjans & Diesmann (2014) cortical microcircuit, PyNEST example rules',
      nScale: plan.nScale,
      kScale: plan.kScale,
      background: plan.background,
      V0: 'optimized',
      thalamus: false,
    },
  });
  for (const p of plan.populations) {
    b.population(p.name, p.size, 'iaf_psc_exp', {
      params: pd14IafParams(p.biasPa),
      initial: { V_m: { kind: 'normal', mean: p.v0MeanMv, sd: p.v0SdMv } },
    });
  }
  for (const q of plan.projections) {
    const exc = q.weightMeanPa > 0;
    b.connect(
      q.source,
      q.target,
      { rule: 'fixed_total_number', n: q.count, allowAutapses: true, allowMultapses: true },
      {
        name: `${q.source}_to_${q.target}`,
        weight: exc
          ? { kind: 'normal', mean: q.weightMeanPa, sd: q.weightSdPa, min: 0, bound: 'redraw' }
          : { kind: 'normal', mean: q.weightMeanPa, sd: q.weightSdPa, max: 0, bound: 'redraw' },
        delayMs: { kind: 'normal', mean: q.delayMeanMs, sd: q.delaySdMs, min: plan.delayMinMs, bound: 'redraw' },
      },
    );
  }
  if (plan.background === 'poisson')
    for (const p of plan.populations)
      b.poisson(p.name, {
        name: `background_${p.name}`,
        rateHz: p.poissonRateHz,
        weight: plan.pscExtPa,
        delayMs: plan.poissonDelayMs,
      });
  b.recordSpikes([...(record ?? names)]);
  return b.build('microcircuit');
}

/**
 * The PD14 microcircuit at scale (nScale, kScale) with `poisson` (default) or `dc` background, as a validated
 * network description. Full scale: 77,169 neurons, 298,880,968 synapses.
 *
 * ```ts
 * const desc = microcircuit({ nScale: 0.1, kScale: 0.1, seed: 55 });
 * ```
 */
export function microcircuit(opts: MicrocircuitNetworkOptions = {}): NetworkDescription {
  return microcircuitFromPlan(microcircuitPlan(opts), opts.seed ?? 55, opts.record);
}
