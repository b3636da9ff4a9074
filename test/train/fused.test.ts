import { describe, expect, it } from 'vitest';
import { cloneSpec, createSpec, type NetworkSpec, type SpikeTensor } from '../../src/model/index.js';
import { neuronCoefficients, surrogateGrad, type Surrogate } from '../../src/neuron/index.js';
import { createBackend } from '../../src/train/backend.js';
import { createFusedBackend } from '../../src/train/fused.js';
import { lossAndGrad, type LossSpec } from '../../src/train/loss.js';
import { createGradients, type Gradients } from '../../src/train/types.js';
import { computeGradients } from '../../src/train/verify.js';
import { RouserError } from '../../src/util/index.js';
import { SURROGATES, randomCase, worstRelative } from './helpers.js';

/**
 * Independent oracle: a direct, unfused BPTT in float64 over one sample at a time, storing every state, written from
 * the equations (forward in float32 exactly as referenceForward). The fused gradients must match it.
 */
interface Grad64 {
  weights: Float64Array[];
  thresholds: Float64Array[];
  bias: Float64Array[];
}

function add(arr: Float64Array | undefined, i: number, v: number): void {
  if (!arr) throw new Error('oracle: missing array');
  arr[i] = (arr[i] as number) + v;
}

function oracle(
  spec: NetworkSpec,
  input: SpikeTensor,
  labels: Int32Array,
  sg: Surrogate,
  loss: LossSpec,
  detach: boolean,
): { loss: number; g: Grad64 } {
  const { batch: B, steps: T, channels } = input;
  const L = spec.layers.length;
  const g: Grad64 = {
    weights: spec.layers.map((l) => new Float64Array(l.weights.length)),
    thresholds: spec.layers.map((l) => new Float64Array(l.size)),
    bias: spec.layers.map((l) => new Float64Array(l.size)),
  };
  const counts = new Float32Array(B * (spec.layers[L - 1]?.size ?? 0));
  const Us: Float64Array[][] = [];
  const Ss: Float64Array[][] = [];
  const ins: Float64Array[][] = [];
  for (let b = 0; b < B; b++) {
    let src: Float64Array[] = [];
    for (let t = 0; t < T; t++)
      src.push(Float64Array.from(input.data.subarray((b * T + t) * channels, (b * T + t + 1) * channels)));
    const perU: Float64Array[] = [];
    const perS: Float64Array[] = [];
    const perIn: Float64Array[] = [];
    spec.layers.forEach((l, li) => {
      const c = neuronCoefficients(l.neuron);
      const U = new Float64Array(T * l.size);
      const S = new Float64Array(T * l.size);
      const X = new Float64Array(T * l.inputSize);
      for (let o = 0; o < l.size; o++) {
        let cur = 0;
        let vol = 0;
        for (let t = 0; t < T; t++) {
          let acc = 0;
          if (t >= l.delaySteps) {
            const s = src[t - l.delaySteps] as Float64Array;
            for (let i = 0; i < l.inputSize; i++)
              if (s[i] !== 0) acc = Math.fround(acc + (l.weights[o * l.inputSize + i] as number) * (s[i] as number));
          }
          const x = l.bias ? Math.fround(acc + (l.bias[o] as number)) : acc;
          let u: number;
          if (c.hasCurrent) {
            cur = Math.fround(c.aI * cur + x);
            u = Math.fround(c.aV * vol + cur);
          } else u = Math.fround(c.aV * vol + x);
          U[t * l.size + o] = u;
          const th = l.thresholds[o] as number;
          const sp = u >= th ? 1 : 0;
          S[t * l.size + o] = sp;
          vol = sp ? (l.reset === 'zero' ? 0 : Math.fround(u - th)) : u;
        }
      }
      for (let t = 0; t < T; t++) if (t >= l.delaySteps) X.set(src[t - l.delaySteps] as Float64Array, t * l.inputSize);
      perU.push(U);
      perS.push(S);
      perIn.push(X);
      src = [];
      for (let t = 0; t < T; t++) src.push(S.slice(t * l.size, (t + 1) * l.size));
      if (li === L - 1)
        for (let o = 0; o < l.size; o++)
          for (let t = 0; t < T; t++)
            counts[b * l.size + o] = (counts[b * l.size + o] as number) + (S[t * l.size + o] as number);
    });
    Us.push(perU);
    Ss.push(perS);
    ins.push(perIn);
  }
  const classes = spec.layers[L - 1]?.size ?? 0;
  const dC = new Float64Array(B * classes);
  const lossValue = lossAndGrad(loss, counts, labels, B, classes, T, dC);
  for (let b = 0; b < B; b++) {
    let gS = new Float64Array(T * classes);
    for (let t = 0; t < T; t++) for (let c = 0; c < classes; c++) gS[t * classes + c] = dC[b * classes + c] as number;
    for (let li = L - 1; li >= 0; li--) {
      const l = spec.layers[li];
      if (!l) continue;
      const c = neuronCoefficients(l.neuron);
      const U = Us[b]?.[li] as Float64Array;
      const S = Ss[b]?.[li] as Float64Array;
      const X = ins[b]?.[li] as Float64Array;
      const gIn = new Float64Array(T * l.inputSize);
      for (let o = 0; o < l.size; o++) {
        const th = l.thresholds[o] as number;
        let gV = 0;
        let gI = 0;
        for (let t = T - 1; t >= 0; t--) {
          const u = U[t * l.size + o] as number;
          const s = S[t * l.size + o] as number;
          const sgv = surrogateGrad(sg, u - th);
          const dVdS = l.reset === 'zero' ? -u : -th;
          const gs = (gS[t * l.size + o] as number) + (detach ? 0 : gV * dVdS);
          const gU = gV * (l.reset === 'zero' ? 1 - s : 1) + gs * sgv;
          add(g.thresholds[li], o, -gs * sgv - (l.reset === 'subtract' ? gV * s : 0));
          gI = c.hasCurrent ? gU + c.aI * gI : gU;
          const gx = gI;
          if (l.bias) add(g.bias[li], o, gx);
          for (let i = 0; i < l.inputSize; i++) {
            add(g.weights[li], o * l.inputSize + i, gx * (X[t * l.inputSize + i] as number));
            if (t >= l.delaySteps)
              add(gIn, (t - l.delaySteps) * l.inputSize + i, gx * (l.weights[o * l.inputSize + i] as number));
          }
          gV = c.aV * gU;
        }
      }
      gS = gIn;
    }
  }
  return { loss: lossValue, g };
}

describe('fused backend', () => {
  it('matches an independent unfused BPTT oracle (all neuron kinds, resets, surrogates, detach modes)', async () => {
    const fused = createFusedBackend();
    let seed = 1;
    for (const neuron of ['cuba', 'lif'] as const)
      for (const reset of ['zero', 'subtract'] as const)
        for (const detach of [true, false])
          for (const sg of SURROGATES) {
            seed++;
            const tc = randomCase(seed, {
              neuron,
              reset,
              learnedTh: true,
              bias: true,
              delay: seed % 3,
              counts: seed % 2 === 0,
            });
            const loss: LossSpec =
              seed % 2 ? { kind: 'crossEntropy' } : { kind: 'rateMse', trueRate: 0.2, falseRate: 0.03 };
            const grads = createGradients(tc.spec);
            const r = await fused.forwardBackward(
              tc.spec,
              tc.input,
              tc.labels,
              { surrogate: sg, loss, detachReset: detach },
              grads,
            );
            const o = oracle(tc.spec, tc.input, tc.labels, sg, loss, detach);
            expect(r.loss).toBeCloseTo(o.loss, 6);
            tc.spec.layers.forEach((_, k) => {
              expect(worstRelative(grads.weights[k] as Float32Array, o.g.weights[k] as Float64Array)).toBeLessThan(
                1e-5,
              );
              expect(
                worstRelative(grads.thresholds[k] as Float32Array, o.g.thresholds[k] as Float64Array),
              ).toBeLessThan(1e-5);
              expect(worstRelative(grads.bias[k] as Float32Array, o.g.bias[k] as Float64Array)).toBeLessThan(1e-5);
            });
          }
    await fused.dispose();
  });

  it('single neuron, one step: hand-derived gradients (dL/dTh = -dL/dW for a unit input)', async () => {
    // lif, one input spike of weight w at t = 0, T = 1: U = w, S = [w >= Th], count = S;
    // rateMse: dL/dcount = (S - 0.2) / T; dL/dw = dL/dcount * g(w - Th); dL/dTh = -dL/dcount * g(w - Th)
    const spec = createSpec({ sizes: [1, 1], neuron: { kind: 'lif', beta: 0.9 }, thInit: 1 });
    (spec.layers[0] as { weights: Float32Array }).weights[0] = 1.25;
    const input: SpikeTensor = { batch: 1, steps: 1, channels: 1, data: Float32Array.of(1) };
    const sg: Surrogate = { kind: 'exponential', scale: 1.5, tau: 3.75 };
    const r = await computeGradients(spec, input, Int32Array.of(0), { surrogate: sg });
    const gval = (1.5 / 3.75) * Math.exp(-0.25 / 3.75);
    expect(r.outputCounts[0]).toBe(1);
    expect(r.loss).toBeCloseTo(0.5 * 0.8 * 0.8, 7);
    expect(r.gradients.weights[0]?.[0]).toBeCloseTo(0.8 * gval, 6);
    expect(r.gradients.thresholds[0]?.[0]).toBeCloseTo(-0.8 * gval, 6);
  });

  it('gives bit-identical results for 1, 2 and 3 threads', async () => {
    const tc = randomCase(42, {
      neuron: 'cuba',
      reset: 'zero',
      learnedTh: true,
      bias: true,
      delay: 1,
      sizes: [40, 17, 5],
      batch: 4,
      steps: 20,
    });
    const opts = {
      surrogate: SURROGATES[0] as Surrogate,
      loss: { kind: 'crossEntropy' } as LossSpec,
      detachReset: true,
    };
    const results: Gradients[] = [];
    for (const threads of [1, 2, 3]) {
      const be = await createBackend('fused', { threads });
      const g = createGradients(tc.spec);
      await be.forwardBackward(tc.spec, tc.input, tc.labels, opts, g);
      // a second call with another batch shape re-lays out the workspace
      const small = randomCase(43, {
        neuron: 'cuba',
        reset: 'zero',
        learnedTh: true,
        bias: true,
        delay: 1,
        sizes: [40, 17, 5],
        batch: 2,
        steps: 7,
      });
      await be.forwardBackward(tc.spec, small.input, small.labels, opts, createGradients(tc.spec));
      await be.forwardBackward(tc.spec, tc.input, tc.labels, opts, g);
      await be.dispose();
      results.push(g);
    }
    for (const g of results.slice(1)) {
      g.weights.forEach((w, k) => expect(Array.from(w)).toEqual(Array.from(results[0]?.weights[k] as Float32Array)));
      g.thresholds.forEach((w, k) =>
        expect(Array.from(w)).toEqual(Array.from(results[0]?.thresholds[k] as Float32Array)),
      );
      g.bias.forEach((w, k) =>
        expect(Array.from(w as Float32Array)).toEqual(Array.from(results[0]?.bias[k] as Float32Array)),
      );
    }
  });

  it('rejects mismatched inputs with RouserError messages naming the field', async () => {
    const fused = createFusedBackend();
    const tc = randomCase(3, { neuron: 'lif', reset: 'zero', learnedTh: false, bias: false, delay: 0 });
    const bad: SpikeTensor = { ...tc.input, channels: 5, data: new Float32Array(tc.input.batch * tc.input.steps * 5) };
    await expect(fused.forward(tc.spec, bad)).rejects.toThrow(
      new RouserError('SpikeTensor: field channels is 5; expected 11 (the network input size)'),
    );
    const opts = {
      surrogate: SURROGATES[0] as Surrogate,
      loss: { kind: 'crossEntropy' } as LossSpec,
      detachReset: true,
    };
    await expect(
      fused.forwardBackward(tc.spec, tc.input, Int32Array.of(0, 9, 1), opts, createGradients(tc.spec)),
    ).rejects.toThrow('labels: field [1] is 9; expected an integer in [0, 4)');
    await expect(
      fused.forwardBackward(
        tc.spec,
        tc.input,
        tc.labels,
        { ...opts, surrogate: { kind: 'atan', alpha: -1 } },
        createGradients(tc.spec),
      ),
    ).rejects.toThrow('surrogate atan: alpha is -1');
    expect(() => createFusedBackend({ threads: 0 })).toThrow(
      'createFusedBackend: field threads is 0; expected an integer in [1, 256]',
    );
    await fused.dispose();
    await expect(fused.forward(tc.spec, tc.input)).rejects.toThrow('used after dispose');
  });
});

describe('computeGradients (verification API)', () => {
  it('returns loss, counts and every gradient without modifying the spec, for both backends', async () => {
    const tc = randomCase(11, { neuron: 'cuba', reset: 'subtract', learnedTh: true, bias: true, delay: 0 });
    const before = cloneSpec(tc.spec);
    const a = await computeGradients(tc.spec, tc.input, tc.labels, { loss: { kind: 'crossEntropy' } });
    const b = await computeGradients(tc.spec, tc.input, tc.labels, { loss: { kind: 'crossEntropy' }, backend: 'tfjs' });
    expect(tc.spec).toEqual(before);
    expect(Array.from(a.outputCounts)).toEqual(Array.from(b.outputCounts));
    expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-5);
    tc.spec.layers.forEach((_, k) => {
      expect(
        worstRelative(a.gradients.weights[k] as Float32Array, b.gradients.weights[k] as Float32Array),
      ).toBeLessThanOrEqual(1e-4);
      expect(
        worstRelative(a.gradients.thresholds[k] as Float32Array, b.gradients.thresholds[k] as Float32Array),
      ).toBeLessThanOrEqual(1e-4);
    });
    expect(a.gradients.bias[0]?.length).toBe(tc.spec.layers[0]?.size);
  }, 60_000);
});
