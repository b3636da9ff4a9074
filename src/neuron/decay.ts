/**
 * Exact decay helpers (retention from a time constant, decay over n steps, the CUBA and LIF closed forms that the
 * built-in models declare as `closedForm`). A first-order linear decay dx/dt = -x/tau integrated exactly over a
 * step dt gives x(t+dt) = x(t) * exp(-dt/tau); the factor exp(-dt/tau) is the "retention" of a step.
 */

/** Retention per step: exp(-dtMs / tauMs). tau = Infinity gives 1 (no leak), tau = 0 gives 0. */
export function retentionFromTau(tauMs: number, dtMs: number): number {
  if (!(tauMs >= 0) || !(dtMs > 0))
    throw new RangeError(`retentionFromTau: need tauMs >= 0 and dtMs > 0, got ${tauMs}, ${dtMs}`);
  if (tauMs === 0) return 0;
  return Math.exp(-dtMs / tauMs);
}

/** Time constant (ms) whose per-step retention is `retention` (0 < retention < 1): tau = -dt / ln(retention). */
export function tauFromRetention(retention: number, dtMs: number): number {
  if (!(retention > 0 && retention < 1))
    throw new RangeError(`tauFromRetention: retention must be in (0, 1), got ${retention}`);
  return -dtMs / Math.log(retention);
}

/** Retention over a continuous interval `elapsedMs`: exp(-elapsed/tau), the exact lazy decay of the event engine. */
export function decayOver(elapsedMs: number, tauMs: number): number {
  if (tauMs === Infinity) return 1;
  if (tauMs === 0) return elapsedMs > 0 ? 0 : 1;
  return Math.exp(-elapsedMs / tauMs);
}

/**
 * Closed-form CUBA trajectory for constant input x (no threshold), from I[0] = i0 and V[0] = v0 after n steps of
 * I[t] = aI*I[t-1] + x, V[t] = aV*V[t-1] + I[t]:
 *   I[n] = aI^n i0 + x (1 - aI^n)/(1 - aI)
 *   V[n] = aV^n v0 + aI i0 S(n) + x/(1 - aI) [ (1 - aV^n)/(1 - aV) - aI S(n) ],  S(n) = sum_{k=1..n} aV^(n-k) aI^(k-1)
 * where S(n) = (aV^n - aI^n)/(aV - aI) when aV and aI differ by more than 0.1 % and the sum itself otherwise (the
 * quotient cancels catastrophically as aI -> aV; the sum has no cancellation, and tends to n aV^(n-1)).
 * Requires aI, aV < 1.
 */
export function cubaClosedForm(
  n: number,
  i0: number,
  v0: number,
  x: number,
  aI: number,
  aV: number,
): { current: number; voltage: number } {
  const aIn = aI ** n;
  const aVn = aV ** n;
  const s = Math.abs(aV - aI) > 1e-3 * Math.max(aV, aI) ? (aVn - aIn) / (aV - aI) : powerSum(n, aV, aI);
  const current = aIn * i0 + (x * (1 - aIn)) / (1 - aI);
  const voltage = aVn * v0 + aI * i0 * s + (x / (1 - aI)) * ((1 - aVn) / (1 - aV) - aI * s);
  return { current, voltage };
}

/** S(n) = sum_{k=1..n} aV^(n-k) aI^(k-1), summed directly (no cancellation). */
function powerSum(n: number, aV: number, aI: number): number {
  let sum = 0;
  let pI = 1;
  for (let k = 1; k <= n; k++) {
    sum += aV ** (n - k) * pI;
    pI *= aI;
  }
  return sum;
}

/** Closed-form LIF trajectory for constant input x (no threshold): V[n] = beta^n v0 + x (1 - beta^n)/(1 - beta). */
export function lifClosedForm(n: number, v0: number, x: number, beta: number): number {
  const bn = beta ** n;
  return bn * v0 + (x * (1 - bn)) / (1 - beta);
}
