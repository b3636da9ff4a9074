/**
 * Statistics over seeds for `rouser compare`: mean, sample standard deviation, Student-t 95% intervals and paired
 * differences. Pure functions over plain numbers.
 */

/** ln Gamma(x) for x > 0 (Lanczos approximation, g = 7, 9 coefficients; relative error < 1e-13). */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0] as number;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += (c[i] as number) / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the regularised incomplete beta function (modified Lentz; Numerical Recipes betacf). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** Regularised incomplete beta I_x(a, b) for a, b > 0 and x in [0, 1]. */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2)
    ? (front * betaContinuedFraction(a, b, x)) / a
    : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** CDF of Student's t distribution with `df` > 0 degrees of freedom: P(T <= t) = 1 - I_{df/(df+t^2)}(df/2, 1/2) / 2 for t >= 0. */
export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t with `df` degrees of freedom (bisection on {@link studentTCdf} to 1e-12). */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`studentTQuantile: p is ${p}; expected 0 < p < 1`);
  if (!(df > 0)) throw new RangeError(`studentTQuantile: df is ${df}; expected > 0`);
  if (p === 0.5) return 0;
  let lo = -1;
  let hi = 1;
  while (studentTCdf(lo, df) > p) lo *= 2;
  while (studentTCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, Math.abs(hi)); i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Summary of one quantity over seeds: n, mean, `sd` = sample standard deviation (divisor n - 1; null for n < 2),
 * `std` = population standard deviation (divisor n), min, max, the per-seed `values`, and `ci95` = the two-sided
 * 95% Student-t interval of the mean, mean -+ t_{0.975, n-1} * sd / sqrt(n) (null for n < 2).
 */
export interface SeedStats {
  n: number;
  mean: number;
  sd: number | null;
  std: number;
  min: number;
  max: number;
  ci95: [number, number] | null;
  values: number[];
}

/** {@link SeedStats} of `values` (non-empty). */
export function seedStats(values: number[]): SeedStats {
  const n = values.length;
  if (n === 0) throw new RangeError('seedStats: no values');
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const ss = values.reduce((a, b) => a + (b - mean) ** 2, 0);
  const sd = n > 1 ? Math.sqrt(ss / (n - 1)) : null;
  let ci95: [number, number] | null = null;
  if (sd !== null) {
    const h = (studentTQuantile(0.975, n - 1) * sd) / Math.sqrt(n);
    ci95 = [mean - h, mean + h];
  }
  return {
    n,
    mean,
    sd,
    std: Math.sqrt(ss / n),
    min: Math.min(...values),
    max: Math.max(...values),
    ci95,
    values: [...values],
  };
}

/**
 * Paired comparison over seeds of `a` against `b` (equal length, same seed at the same index): the per-seed
 * differences a_i - b_i with their {@link SeedStats} (the paired t-interval), and how many seeds a wins (a_i > b_i),
 * ties and loses.
 */
export interface PairedStats {
  differences: SeedStats;
  wins: number;
  ties: number;
  losses: number;
}

/** {@link PairedStats} of a - b. */
export function pairedStats(a: number[], b: number[]): PairedStats {
  if (a.length !== b.length || a.length === 0)
    throw new RangeError(`pairedStats: ${a.length} vs ${b.length} values; expected equal, non-zero lengths`);
  const d = a.map((x, i) => x - (b[i] as number));
  return {
    differences: seedStats(d),
    wins: d.filter((x) => x > 0).length,
    ties: d.filter((x) => x === 0).length,
    losses: d.filter((x) => x < 0).length,
  };
}
