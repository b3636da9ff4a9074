import { afterAll, describe, expect, it } from 'vitest';
import { createSpec, type NetworkSpec } from '../../src/model/index.js';
import { surrogateGrad } from '../../src/neuron/surrogate.js';
import { createFusedBackend } from '../../src/train/fused.js';
import { lossAndGrad } from '../../src/train/loss.js';
import { createReferenceBackend } from '../../src/train/reference.js';
import { createGradients, type GradientOptions } from '../../src/train/types.js';
import { Rng } from '../../src/util/index.js';
import { SURROGATES, randomCase, worstRelative } from '../train/helpers.js';

const fused = createFusedBackend();
const reference = createReferenceBackend();
afterAll(async () => {
  await fused.dispose();
});

describe('generic reference BPTT (over the neuron interface)', () => {
  it('equals the fused hand-written BPTT for cuba and lif (every reset, detach mode, surrogate)', async () => {
    let seed = 500;
    for (const neuron of ['cuba', 'lif'] as const)
      for (const reset of ['zero', 'subtract'] as const)
        for (const detach of [true, false]) {
          const surrogate = SURROGATES[seed % 4]!;
          seed++;
          const tc = randomCase(seed, { neuron, reset, learnedTh: true, bias: true, delay: seed % 2 });
          const opts: GradientOptions = { surrogate, loss: { kind: 'crossEntropy' }, detachReset: detach };
          const gf = createGradients(tc.spec);
          const gr = createGradients(tc.spec);
          const rf = await fused.forwardBackward(tc.spec, tc.input, tc.labels, opts, gf);
          const rr = await reference.forwardBackward(tc.spec, tc.input, tc.labels, opts, gr);
          const where = `${tc.label}/${surrogate.kind}/detach=${detach}`;
          expect(Array.from(rr.outputCounts), where).toEqual(Array.from(rf.outputCounts));
          tc.spec.layers.forEach((_, k) => {
            expect(worstRelative(gr.weights[k]!, gf.weights[k]!), `${where} W${k}`).toBeLessThanOrEqual(1e-5);
            expect(worstRelative(gr.thresholds[k]!, gf.thresholds[k]!), `${where} Th${k}`).toBeLessThanOrEqual(1e-5);
            expect(worstRelative(gr.bias[k]!, gf.bias[k]!), `${where} b${k}`).toBeLessThanOrEqual(1e-5);
          });
          expect(
            gr.thresholds[0]!.some((v) => v !== 0),
            where,
          ).toBe(true);
        }
  });

  it('fused refuses alif with a message pointing to the reference backend', async () => {
    const spec = createSpec({ sizes: [2, 2], neuron: { kind: 'alif' } });
    await expect(fused.forward(spec, { batch: 1, steps: 2, channels: 2, data: new Float32Array(4) })).rejects.toThrow(
      /--backend reference/,
    );
  });

  /**
   * alif, one layer, hand-derived BPTT in this test (independent of the generic machinery):
   *   U = aV V + x, A = rho a, u = U - Th - bA A, S = H(u), zero: V = U (1 - S) | subtract: V = U - (Th + bA A) S, a = A + S.
   *   gU = gV (zero: 1 - S | subtract: 1), gA = ga - [subtract] gV S bA + gs g (-bA), gTh -= gs g + [subtract] gV S,
   *   gs += [not detached] gV (zero: -U | subtract: -(Th + bA A)) + ga,  gV_prev = aV gU, ga_prev = rho gA, gx = gU.
   */
  function handAlif(
    spec: NetworkSpec,
    data: Float32Array,
    steps: number,
    labels: Int32Array,
    opts: GradientOptions,
  ): { gW: Float64Array; gTh: Float64Array } {
    const l = spec.layers[0]!;
    const n = l.size;
    const nIn = l.inputSize;
    const nr = l.neuron as unknown as { beta: number; tauAdaptMs: number; betaAdapt: number };
    const aV = Math.fround(nr.beta);
    const rho = Math.fround(Math.exp(-spec.dtMs / nr.tauAdaptMs));
    const bA = Math.fround(nr.betaAdapt);
    const batch = labels.length;
    const gW = new Float64Array(n * nIn);
    const gTh = new Float64Array(n);
    const counts = new Float32Array(batch * n);
    const rec: { U: number[]; A: number[]; S: number[] }[][] = [];
    for (let b = 0; b < batch; b++) {
      const V = new Float64Array(n);
      const a = new Float64Array(n);
      const r: { U: number[]; A: number[]; S: number[] }[] = [];
      for (let t = 0; t < steps; t++) {
        const U: number[] = [];
        const As: number[] = [];
        const Ss: number[] = [];
        for (let o = 0; o < n; o++) {
          let x = 0;
          for (let i = 0; i < nIn; i++) x = Math.fround(x + l.weights[o * nIn + i]! * data[(b * steps + t) * nIn + i]!);
          const u = Math.fround(aV * V[o]! + x);
          const A = Math.fround(rho * a[o]!);
          const theta = Math.fround(l.thresholds[o]! + bA * A);
          const S = u >= theta ? 1 : 0;
          V[o] = S ? (l.reset === 'zero' ? 0 : Math.fround(u - theta)) : u;
          a[o] = S ? Math.fround(A + 1) : A;
          U.push(u);
          As.push(A);
          Ss.push(S);
          counts[b * n + o]! += S;
        }
        r.push({ U, A: As, S: Ss });
      }
      rec.push(r);
    }
    const dC = new Float64Array(batch * n);
    lossAndGrad(opts.loss, counts, labels, batch, n, steps, dC);
    const sub = l.reset === 'subtract';
    for (let b = 0; b < batch; b++) {
      const gV = new Float64Array(n);
      const ga = new Float64Array(n);
      for (let t = steps - 1; t >= 0; t--) {
        const { U, A, S } = rec[b]![t]!;
        for (let o = 0; o < n; o++) {
          const th = l.thresholds[o]!;
          const theta = th + bA * A[o]!;
          const g = surrogateGrad(opts.surrogate, U[o]! - theta);
          let gs = dC[b * n + o]!;
          if (!opts.detachReset) gs += gV[o]! * (sub ? -theta : -U[o]!) + ga[o]!;
          const gU = gV[o]! * (sub ? 1 : 1 - S[o]!) + gs * g;
          const gA = ga[o]! - (sub ? gV[o]! * S[o]! * bA : 0) - gs * g * bA;
          gTh[o]! += -gs * g - (sub ? gV[o]! * S[o]! : 0);
          gV[o] = aV * gU;
          ga[o] = rho * gA;
          for (let i = 0; i < nIn; i++) gW[o * nIn + i]! += gU * data[(b * steps + t) * nIn + i]!;
        }
      }
    }
    return { gW, gTh };
  }

  it('trains alif: gradients equal a hand-derived BPTT (both resets, both detach modes)', async () => {
    const rng = new Rng(9);
    for (const reset of ['zero', 'subtract'] as const)
      for (const detach of [true, false]) {
        const spec = createSpec({
          sizes: [6, 4],
          neuron: { kind: 'alif', beta: 0.9, tauAdaptMs: 20, betaAdapt: 0.3 },
          reset,
          thInit: 0.7,
        });
        const l = spec.layers[0]!;
        for (let i = 0; i < l.weights.length; i++) l.weights[i] = rng.range(-0.3, 0.8);
        const steps = 20;
        const batch = 2;
        const data = new Float32Array(batch * steps * 6);
        for (let i = 0; i < data.length; i++) data[i] = rng.bernoulli(0.35) ? 1 : 0;
        const labels = Int32Array.from([1, 3]);
        const opts: GradientOptions = {
          surrogate: SURROGATES[0]!,
          loss: { kind: 'crossEntropy' },
          detachReset: detach,
        };
        const gr = createGradients(spec);
        const r = await reference.forwardBackward(spec, { batch, steps, channels: 6, data }, labels, opts, gr);
        expect(Array.from(r.outputCounts).reduce((x, y) => x + y, 0)).toBeGreaterThan(4);
        const h = handAlif(spec, data, steps, labels, opts);
        const where = `${reset}/detach=${detach}`;
        expect(worstRelative(gr.weights[0]!, h.gW), where).toBeLessThanOrEqual(1e-5);
        expect(worstRelative(gr.thresholds[0]!, h.gTh), where).toBeLessThanOrEqual(1e-5);
      }
  });
});
