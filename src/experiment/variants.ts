import { RouserError } from '../util/errors.js';

/**
 * A training variant of `rouser compare`, parsed from the `--variants` grammar:
 *   VARIANT := KIND (':' ITEM)*        KIND := learned | layer | fixed
 *   ITEM    := NUMBER                  the initial (for fixed: the constant) threshold
 *            | th=NUMBER | lr-th=NUMBER | th-floor=NUMBER
 * e.g. `learned`, `fixed:0.5`, `learned:lr-th=0.01`, `layer:th=0.25`. Unset values take the command's
 * --th-init and --lr-th.
 */
export interface Variant {
  /** The text as written (the variant's name in tables, charts and summary.json). */
  label: string;
  thresholdMode: 'learned' | 'layer' | 'fixed';
  thInit?: number;
  lrTh?: number;
  thFloor?: number;
}

/** Parses a comma-separated `--variants` list; errors name the variant and the bad item. */
export function parseVariants(text: string): Variant[] {
  const labels = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (labels.length === 0) throw new RouserError(`--variants ${JSON.stringify(text)}: no variant; expected e.g. learned,fixed:0.5`);
  const seen = new Set<string>();
  return labels.map((label) => {
    if (seen.has(label)) throw new RouserError(`--variants: ${JSON.stringify(label)} is listed twice`);
    seen.add(label);
    const [kind, ...items] = label.split(':');
    if (kind !== 'learned' && kind !== 'layer' && kind !== 'fixed')
      throw new RouserError(`--variants: variant ${JSON.stringify(label)} has kind ${JSON.stringify(kind)}; expected learned, layer or fixed`);
    const v: Variant = { label, thresholdMode: kind };
    for (const item of items) {
      const eq = item.indexOf('=');
      const key = eq < 0 ? 'th' : item.slice(0, eq);
      const raw = eq < 0 ? item : item.slice(eq + 1);
      const value = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(value))
        throw new RouserError(`--variants: variant ${JSON.stringify(label)} item ${JSON.stringify(item)} has value ${JSON.stringify(raw)}; expected a number`);
      switch (key) {
        case 'th':
          v.thInit = value;
          break;
        case 'lr-th':
          if (value < 0) throw new RouserError(`--variants: variant ${JSON.stringify(label)}: lr-th is ${value}; expected >= 0`);
          v.lrTh = value;
          break;
        case 'th-floor':
          v.thFloor = value;
          break;
        default:
          throw new RouserError(`--variants: variant ${JSON.stringify(label)} item ${JSON.stringify(item)} has key ${JSON.stringify(key)}; expected a number, th=, lr-th= or th-floor=`);
      }
    }
    if (kind === 'fixed' && v.lrTh !== undefined && v.lrTh !== 0)
      throw new RouserError(`--variants: variant ${JSON.stringify(label)} is fixed but sets lr-th=${v.lrTh}; use learned:lr-th=${v.lrTh}`);
    return v;
  });
}
