/**
 * Surrogate gradients for the spike non-linearity S = H(V - Th). The forward pass is always the Heaviside step
 * H(x) = 1 if x >= 0 else 0 (x = V - Th); the backward pass replaces dH/dx by a smooth pseudo-derivative g(x).
 * Contract: dS/dV = g(V - Th) and dS/dTh = -g(V - Th) (the threshold gradient that lets Rouser learn Th).
 * Each surrogate also has a smooth primitive G with G' = g, used to check g by finite differences.
 */
export type Surrogate =
  /** SLAYER / lava-dl exponential (Shrestha & Orchard 2018): g(x) = (s/tau) exp(-|x|/tau). Rouser defaults s = 1.5, tau = 3.75. */
  | { kind: 'exponential'; scale: number; tau: number }
  /** Fast sigmoid / SuperSpike (Zenke & Ganguli 2018; snnTorch default slope k = 25): g(x) = 1/(1 + k|x|)^2. */
  | { kind: 'fastSigmoid'; slope: number }
  /** Arctangent (Fang et al. 2021, SpikingJelly/snnTorch, alpha = 2): g(x) = (alpha/2) / (1 + (pi*alpha*x/2)^2). */
  | { kind: 'atan'; alpha: number }
  /** Triangle / piecewise linear (Esser et al. 2016; Bellec et al. 2018): g(x) = scale * max(0, 1 - |x|/width). */
  | { kind: 'triangle'; scale: number; width: number };

/** Surrogate kinds, for CLI parsing and exhaustive tests. */
export const SURROGATE_KINDS = ['exponential', 'fastSigmoid', 'atan', 'triangle'] as const;

/** Rouser paper default: SLAYER exponential, s = 1.5, tau = 3.75. */
export const DEFAULT_SURROGATE: Surrogate = { kind: 'exponential', scale: 1.5, tau: 3.75 };

/** Default parameters of each surrogate kind. */
export function defaultSurrogate(kind: Surrogate['kind']): Surrogate {
  switch (kind) {
    case 'exponential':
      return { ...DEFAULT_SURROGATE };
    case 'fastSigmoid':
      return { kind, slope: 25 };
    case 'atan':
      return { kind, alpha: 2 };
    case 'triangle':
      return { kind, scale: 1, width: 1 };
    default: {
      const never: never = kind;
      throw new Error(`unknown surrogate ${String(never)}`);
    }
  }
}

/** Forward spike function H(x) = 1 if x >= 0 else 0, x = V - Th. */
export function heaviside(x: number): number {
  return x >= 0 ? 1 : 0;
}

/** Pseudo-derivative g(x) = dS/dV at x = V - Th (and dS/dTh = -g(x)). */
export function surrogateGrad(sg: Surrogate, x: number): number {
  switch (sg.kind) {
    case 'exponential':
      return (sg.scale / sg.tau) * Math.exp(-Math.abs(x) / sg.tau);
    case 'fastSigmoid': {
      const d = 1 + sg.slope * Math.abs(x);
      return 1 / (d * d);
    }
    case 'atan': {
      const u = (Math.PI * sg.alpha * x) / 2;
      return sg.alpha / 2 / (1 + u * u);
    }
    case 'triangle': {
      const r = 1 - Math.abs(x) / sg.width;
      return r > 0 ? sg.scale * r : 0;
    }
    default: {
      const never: never = sg;
      throw new Error(`unknown surrogate ${JSON.stringify(never)}`);
    }
  }
}

/** dS/dTh = -g(V - Th): raising the threshold lowers the (surrogate) spike. */
export function surrogateGradThreshold(sg: Surrogate, x: number): number {
  return -surrogateGrad(sg, x);
}

/**
 * A smooth primitive G of the surrogate (G' = g), continuous everywhere: the "soft spike" whose derivative the
 * surrogate is. Used only to check g by finite differences.
 */
export function surrogatePrimitive(sg: Surrogate, x: number): number {
  switch (sg.kind) {
    case 'exponential':
      return x < 0 ? sg.scale * Math.exp(x / sg.tau) : sg.scale * (2 - Math.exp(-x / sg.tau));
    case 'fastSigmoid':
      return x / (1 + sg.slope * Math.abs(x));
    case 'atan':
      return Math.atan((Math.PI * sg.alpha * x) / 2) / Math.PI + 0.5;
    case 'triangle': {
      const w = sg.width;
      if (x <= -w) return 0;
      if (x >= w) return sg.scale * w;
      return x < 0 ? (sg.scale * (x + w) * (x + w)) / (2 * w) : sg.scale * (w - ((w - x) * (w - x)) / (2 * w));
    }
    default: {
      const never: never = sg;
      throw new Error(`unknown surrogate ${JSON.stringify(never)}`);
    }
  }
}

/** Checks surrogate parameters are finite and positive; returns an error text or undefined. */
export function surrogateProblem(sg: Surrogate): string | undefined {
  const pos = (name: string, v: number): string | undefined =>
    Number.isFinite(v) && v > 0 ? undefined : `surrogate ${sg.kind}: ${name} is ${v}; expected a finite number > 0`;
  switch (sg.kind) {
    case 'exponential':
      return pos('scale', sg.scale) ?? pos('tau', sg.tau);
    case 'fastSigmoid':
      return pos('slope', sg.slope);
    case 'atan':
      return pos('alpha', sg.alpha);
    case 'triangle':
      return pos('scale', sg.scale) ?? pos('width', sg.width);
    default: {
      const never: never = sg;
      return `unknown surrogate ${JSON.stringify(never)}`;
    }
  }
}
