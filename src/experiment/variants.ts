import { cloneSpec, isCubaNeuron, isLifNeuron, type NetworkSpec, type NeuronModel } from '../model/spec.js';
import { RouserError } from '../util/errors.js';

/**
 * A training variant of `rouser compare`, parsed from the `--variants` grammar:
 *   VARIANT := KIND (':' ITEM)*        KIND := learned | layer | fixed | alif
 *   ITEM    := NUMBER                  the initial (for fixed and alif: the constant) threshold
 *            | th=NUMBER | lr-th=NUMBER | th-floor=NUMBER
 *            | beta-a=NUMBER | tau-a=NUMBER          (alif only)
 * e.g. `learned`, `fixed:0.5`, `learned:lr-th=0.01`, `layer:th=0.25`, `alif:beta-a=0.2:tau-a=100`. Unset values
 * take the command's --th-init and --lr-th.
 * `alif` is the adaptive-threshold baseline (Bellec et al. 2018, src/neuron/alif.ts): fixed base thresholds, the
 * compare's neuron replaced by `alif` with the same voltage retention (lif beta, or cuba voltageRetention),
 * betaAdapt = beta-a (default 0.2) and tauAdaptMs = tau-a (default 100 ms). It trains with the reference backend.
 */
export interface Variant {
  /** The text as written (the variant's name in tables, charts and summary.json). */
  label: string;
  thresholdMode: 'learned' | 'layer' | 'fixed';
  thInit?: number;
  lrTh?: number;
  thFloor?: number;
  /** `alif` variants: the threshold adaptation (strength in threshold units per unit of a, time constant in ms). */
  adaptation?: { betaAdapt: number; tauAdaptMs: number };
}

/** Default adaptation of an `alif` variant. */
export const ALIF_VARIANT_DEFAULTS = { betaAdapt: 0.2, tauAdaptMs: 100 } as const;

/** The neuron a variant trains: the compare's neuron, or for `alif` an alif with the same voltage retention. */
export function variantNeuron(v: Variant, base: NeuronModel): NeuronModel {
  if (!v.adaptation) return base;
  const beta = isLifNeuron(base) ? base.beta : isCubaNeuron(base) ? base.voltageRetention : 0.95;
  return { kind: 'alif', beta, tauAdaptMs: v.adaptation.tauAdaptMs, betaAdapt: v.adaptation.betaAdapt };
}

/** The shared initial network for a variant: unchanged, or for `alif` the same weights with alif neurons. */
export function variantInitialSpec(v: Variant, initial: NetworkSpec, base: NeuronModel): NetworkSpec {
  if (!v.adaptation) return initial;
  const spec = cloneSpec(initial);
  const neuron = variantNeuron(v, base);
  for (const l of spec.layers) l.neuron = { ...neuron };
  return spec;
}

/** Parses a comma-separated `--variants` list; errors name the variant and the bad item. */
export function parseVariants(text: string): Variant[] {
  const labels = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (labels.length === 0)
    throw new RouserError(`--variants ${JSON.stringify(text)}: no variant; expected e.g. learned,fixed:0.5`);
  const seen = new Set<string>();
  return labels.map((label) => {
    if (seen.has(label)) throw new RouserError(`--variants: ${JSON.stringify(label)} is listed twice`);
    seen.add(label);
    const [kind, ...items] = label.split(':');
    if (kind !== 'learned' && kind !== 'layer' && kind !== 'fixed' && kind !== 'alif')
      throw new RouserError(
        `--variants: variant ${JSON.stringify(label)} has kind ${JSON.stringify(kind)}; expected learned, layer or fixed (or alif, the adaptive-threshold baseline)`,
      );
    const v: Variant =
      kind === 'alif'
        ? { label, thresholdMode: 'fixed', adaptation: { ...ALIF_VARIANT_DEFAULTS } }
        : { label, thresholdMode: kind };
    for (const item of items) {
      const eq = item.indexOf('=');
      const key = eq < 0 ? 'th' : item.slice(0, eq);
      const raw = eq < 0 ? item : item.slice(eq + 1);
      const value = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(value))
        throw new RouserError(
          `--variants: variant ${JSON.stringify(label)} item ${JSON.stringify(item)} has value ${JSON.stringify(raw)}; expected a number`,
        );
      switch (key) {
        case 'th':
          v.thInit = value;
          break;
        case 'lr-th':
          if (value < 0)
            throw new RouserError(`--variants: variant ${JSON.stringify(label)}: lr-th is ${value}; expected >= 0`);
          v.lrTh = value;
          break;
        case 'th-floor':
          v.thFloor = value;
          break;
        case 'beta-a':
        case 'tau-a':
          if (!v.adaptation)
            throw new RouserError(
              `--variants: variant ${JSON.stringify(label)} item ${JSON.stringify(item)}: ${key}= applies to alif variants only`,
            );
          if (key === 'beta-a' ? !(value >= 0) : !(value > 0))
            throw new RouserError(
              `--variants: variant ${JSON.stringify(label)}: ${key} is ${value}; expected ${key === 'beta-a' ? '>= 0' : '> 0'}`,
            );
          if (key === 'beta-a') v.adaptation.betaAdapt = value;
          else v.adaptation.tauAdaptMs = value;
          break;
        default:
          throw new RouserError(
            `--variants: variant ${JSON.stringify(label)} item ${JSON.stringify(item)} has key ${JSON.stringify(key)}; expected a number, th=, lr-th= or th-floor=`,
          );
      }
    }
    if ((kind === 'fixed' || kind === 'alif') && v.lrTh !== undefined && v.lrTh !== 0)
      throw new RouserError(
        `--variants: variant ${JSON.stringify(label)} is fixed but sets lr-th=${v.lrTh}; use learned:lr-th=${v.lrTh}`,
      );
    return v;
  });
}
