import { fail } from '../util/errors.js';
import { delayGroups, type CsrSynapses } from './csr.js';
import { poissonCdf } from './drive.js';
import {
  finish,
  type Common,
  type RandomNetwork,
  type RandomRunOptions,
  type RandomRunResult,
  type Stimulus,
} from './randomNetwork.js';
import { EventHeap, FifoQueue } from './scheduler.js';

/** Continuous (exact event-driven) mode of the random network; see `simulateRandomNetwork` for the semantics. */

/** Per-delay-group weight when every synapse of each group has one weight (bitwise), else null; cached per CSR. */
const groupWeightCache = new WeakMap<Int32Array, Float32Array | null>();

function groupWeights(csr: CsrSynapses, groupPtr: Int32Array): Float32Array | null {
  if (groupWeightCache.has(groupPtr)) return groupWeightCache.get(groupPtr) ?? null;
  const { weights } = csr;
  const bits = new Int32Array(weights.buffer, weights.byteOffset, weights.length);
  const numGroups = groupPtr.length - 1;
  let gw: Float32Array | null = new Float32Array(numGroups);
  for (let g = 0; g < numGroups && gw; g++) {
    const a = groupPtr[g] as number;
    const e = groupPtr[g + 1] as number;
    if (a === e) continue;
    const b0 = bits[a] as number;
    for (let k = a + 1; k < e; k++)
      if (bits[k] !== b0) {
        gw = null;
        break;
      }
    if (gw) gw[g] = weights[a] as number;
  }
  groupWeightCache.set(groupPtr, gw);
  return gw;
}

/** Largest x = (dt / tau) * lo / 2^32 (lo < 2^(32 - T), T = bits of the decay table) for which the degree-4 Taylor polynomial of e^x is used
 * (relative error < x^5 / 120 = 8.3e-18, far below the 1.1e-16 double rounding); beyond it, Math.exp per event. */
const POLY_MAX_X = 1e-3;
/** Largest mean count of one drive sub-bin (continuous mode): the bin is cut into 2^S sub-bins with lambda / 2^S <= this. */
const SUB_MEAN_MAX = 4;

/** Runs the random network in continuous mode (heap or FIFO scheduler, exact exponential decay). */
export function runContinuous(net: RandomNetwork, o: RandomRunOptions, c: Common): RandomRunResult {
  const { n, dt, rng, tau, theta } = c;
  const csr = net.synapses;
  const { groupPtr, rowGroup, groupDelay } = delayGroups(csr);
  if (csr.targets.length > 0) {
    const minDelay = groupDelay ? groupDelay.reduce((a, b) => Math.min(a, b), Infinity) : csr.uniformDelay;
    if (!(minDelay > 0)) fail('simulateRandomNetwork', 'delayMs', minDelay, 'delays > 0 ms in continuous mode');
  }
  const uniformDelay = csr.uniformDelay;
  const gw = groupWeights(csr, groupPtr);
  // one uniform delay: push times are non-decreasing, so a FIFO ring is an exact queue with the heap's order
  const heap = groupDelay ? new EventHeap(1024) : new FifoQueue(1024);
  const A = new Float64Array(n);
  const counts = new Int32Array(n);
  const { targets, weights } = csr;
  const subtract = c.reset === 'subtract';
  const renormMs = 5 * tau;
  const invTau = 1 / tau;
  const jext = c.jext;
  let tRef = 0;
  let spikes = 0;
  let syn = 0;
  let ext = 0;
  let popped = 0;
  // external drive (see the doc of simulateRandomNetwork): 2^S sub-bins per bin, each with an independent
  // Poisson(lambda / 2^S) count (lambda / 2^S <= 4) by inversion of a CDF table
  let S = 0;
  while (S < 30 && c.lambdaPerBin * 2 ** -S > SUB_MEAN_MAX) S++;
  if (c.lambdaPerBin * 2 ** -S > 500)
    fail(
      'simulateRandomNetwork',
      'externalRateHz',
      o.externalRateHz,
      `a rate giving at most ${500 * 2 ** 30} external events per dt in continuous mode`,
    );
  const nSub = 2 ** S;
  const shiftS = 32 - S;
  const subBase = 2 ** shiftS;
  const cdf = poissonCdf(c.lambdaPerBin / nSub);
  // decay factor of an offset u: e^{(dt / tau) u / 2^32} = tabE[u >>> (32 - T)] * e^{x}, x = (dt / tau) (u mod 2^(32 - T)) / 2^32,
  // with e^x by its degree-4 Taylor polynomial when x <= POLY_MAX_X, else Math.exp
  const cdt = dt * invTau;
  let T = 10;
  while (T < 16 && cdt * 2 ** -T > POLY_MAX_X) T++;
  const usePoly = cdt * 2 ** -T <= POLY_MAX_X;
  const shiftT = 32 - T;
  const loMask = (1 << shiftT) - 1;
  const tabE = new Float64Array(1 << T);
  for (let h = 0; h < tabE.length; h++) tabE[h] = Math.exp(cdt * h * 2 ** -T);
  const cLo = cdt * 2 ** -32;
  const uScale = dt * 2 ** -32;
  let us = new Int32Array(1024);
  const tEnd = c.bins * dt;
  const t0 = performance.now();
  const progressEvery = Math.max(1, Math.round(10 / dt));

  const stim = o.stimulus;
  const stimN = stim ? stim.ids.length : 0;
  const sw = stim?.weightMv ?? 0;
  let sp = 0;
  const rec = c.rec;
  const fire = (j: number, t: number): void => {
    counts[j] = (counts[j] as number) + 1;
    if (rec) rec.push(j, t);
    spikes++;
    const g1 = rowGroup[j + 1] as number;
    for (let g = rowGroup[j] as number; g < g1; g++)
      if ((groupPtr[g + 1] as number) > (groupPtr[g] as number))
        heap.push(g, t + (groupDelay ? (groupDelay[g] as number) : uniformDelay));
  };
  const renorm = (t: number): void => {
    const f = Math.exp(-(t - tRef) * invTau);
    for (let j = 0; j < n; j++) A[j] = (A[j] as number) * f;
    tRef = t;
  };

  for (let b = 0; b < c.bins; b++) {
    const binStart = b * dt;
    const binEnd = b + 1 === c.bins ? tEnd : (b + 1) * dt;
    // external events of this bin, in time order: per sub-bin h a Poisson count k, then k offsets
    // u = h 2^(32 - S) + (32-bit draw >>> S) inserted in order (stored sign-flipped: int32 order = unsigned order)
    let m = 0;
    if (c.lambdaPerBin > 0) {
      for (let h = 0; h < nSub; h++) {
        const r = rng.uniform();
        if (r < (cdf[0] as number)) continue;
        let k = 1;
        while (r >= (cdf[k] as number)) k++;
        const base = h * subBase;
        for (; k > 0; k--) {
          if (m === us.length) {
            const nu = new Int32Array(m * 2);
            nu.set(us);
            us = nu;
          }
          const x = (base + (rng.nextUint32() >>> S)) ^ 0x80000000;
          let j = m - 1;
          while (j >= 0 && (us[j] as number) > x) {
            us[j + 1] = us[j] as number;
            j--;
          }
          us[j + 1] = x;
          m++;
        }
      }
    }
    ext += m;
    if (binStart - tRef > renormMs) renorm(binStart);
    const eBin = Math.exp((binStart - tRef) * invTau);
    const jextE = jext * eBin;
    const thBin = theta * eBin;
    let e = 0;
    for (;;) {
      const tq = heap.peekTime();
      const ts = sp < stimN ? ((stim as Stimulus).timesMs[sp] as number) : Infinity;
      // tight loop over the external events before the next queued delivery / stimulus (ties go to those first);
      // a spike may schedule a delivery earlier than tq (non-uniform delays), so re-peek after each spike
      const lim = Math.min(tq, ts);
      const s0 = spikes;
      while (e < m) {
        const u = ((us[e] as number) ^ 0x80000000) >>> 0;
        const te = binStart + u * uScale;
        if (!(te < lim)) break;
        e++;
        const j = Math.floor(rng.uniform() * n);
        let f: number;
        if (usePoly) {
          const x = cLo * (u & loMask);
          f = (tabE[u >>> shiftT] as number) * (1 + x * (1 + x * (0.5 + x * (1 / 6 + x * (1 / 24)))));
        } else f = Math.exp(cdt * u * 2 ** -32);
        const a = (A[j] as number) + jextE * f;
        const thE = thBin * f;
        if (a >= thE) {
          A[j] = subtract ? a - thE : 0;
          fire(j, te);
          break;
        } else A[j] = a;
      }
      if (spikes !== s0) continue;
      if (e === m && !(lim < binEnd)) break;
      // the next event is a queued delivery or a stimulus event at lim (< binEnd when external events remain)
      if (ts < tq) {
        const j = (stim as Stimulus).ids[sp++] as number;
        const E = Math.exp((ts - tRef) * invTau);
        const a = (A[j] as number) + sw * E;
        const thE = theta * E;
        if (a >= thE) {
          A[j] = subtract ? a - thE : 0;
          fire(j, ts);
        } else A[j] = a;
      } else {
        const g = heap.pop();
        popped++;
        const E = Math.exp((tq - tRef) * invTau);
        const thE = theta * E;
        const end = groupPtr[g + 1] as number;
        const start = groupPtr[g] as number;
        syn += end - start;
        if (gw) {
          const wE = (gw[g] as number) * E;
          for (let k = start; k < end; k++) {
            const j = targets[k] as number;
            const a = (A[j] as number) + wE;
            if (a >= thE) {
              A[j] = subtract ? a - thE : 0;
              fire(j, tq);
            } else A[j] = a;
          }
        } else {
          for (let k = start; k < end; k++) {
            const j = targets[k] as number;
            const a = (A[j] as number) + (weights[k] as number) * E;
            if (a >= thE) {
              A[j] = subtract ? a - thE : 0;
              fire(j, tq);
            } else A[j] = a;
          }
        }
      }
    }
    if (o.onProgress && (b + 1) % progressEvery === 0) o.onProgress(binEnd, tEnd);
  }
  const simMs = performance.now() - t0;
  o.onProgress?.(tEnd, tEnd);
  return finish('continuous', net, c, counts, spikes, syn, ext, popped + ext, simMs, null);
}
