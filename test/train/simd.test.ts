import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Surrogate } from '../../src/neuron/index.js';
import { createFusedBackend } from '../../src/train/fused.js';
import { buildInputLists, countInput, loadInputSimd } from '../../src/train/fused/kernels.js';
import { simdSupported } from '../../src/train/fused/simd.js';
import { createWorkspace } from '../../src/train/fused/workspace.js';
import { Rng } from '../../src/util/index.js';
import { createGradients, type Gradients, type LossSpec } from '../../src/train/index.js';
import { SURROGATES, randomCase } from './helpers.js';

/** Raw bits of every gradient tensor, counts and loss of one step. */
function bits(g: Gradients, r: { loss: number; outputCounts: Float32Array; layerCounts: Float64Array[] }): number[][] {
  const u = (a: Float32Array | undefined): number[] => (a ? Array.from(new Uint32Array(a.slice().buffer)) : []);
  return [
    ...g.weights.map(u),
    ...g.thresholds.map(u),
    ...g.bias.map(u),
    u(r.outputCounts),
    ...r.layerCounts.map((c) => Array.from(c)),
    [r.loss],
  ];
}

describe('fused WebAssembly SIMD kernels', () => {
  it('the committed simd-binary.ts is what scripts/build-wasm.mjs makes of simd.wat', async () => {
    const url = new URL('../../scripts/build-wasm.mjs', import.meta.url).href;
    const { generateSimdBinary } = (await import(url)) as { generateSimdBinary: () => Promise<string> };
    const committed = readFileSync(new URL('../../src/train/fused/simd-binary.ts', import.meta.url), 'utf8');
    expect(committed).toBe(await generateSimdBinary());
  });

  it('is available on this runtime (Node >= 20)', () => {
    expect(simdSupported()).toBe(true);
    expect(createFusedBackend().description).toContain('wasm simd');
    expect(createFusedBackend({ simd: false }).description).toContain(', js');
  });

  it('gives bit-identical gradients, counts and loss to the JavaScript kernels (1-3 threads, odd widths, delays, counts)', async () => {
    const js = createFusedBackend({ simd: false });
    const wasm = [1, 2, 3].map((threads) => createFusedBackend({ threads, simd: true }));
    try {
      let seed = 100;
      for (const neuron of ['cuba', 'lif'] as const)
        for (const reset of ['zero', 'subtract'] as const)
          for (const delay of [0, 2])
            for (const counts of [false, true]) {
              // widths that exercise the 16-, 8-, 4-, 2- and 1-wide passes of every kernel and uneven thread slices
              const sizes = [
                [61, 37, 23, 5],
                [29, 53, 9],
                [3, 18, 7],
              ][seed % 3] as number[];
              const tc = randomCase(seed, {
                neuron,
                reset,
                learnedTh: seed % 2 === 0,
                bias: seed % 3 !== 1,
                delay,
                sizes,
                batch: 3,
                steps: 13,
                counts,
              });
              const opts = {
                surrogate: SURROGATES[seed % 4] as Surrogate,
                loss: (seed % 2
                  ? { kind: 'crossEntropy' }
                  : { kind: 'rateMse', trueRate: 0.2, falseRate: 0.03 }) as LossSpec,
                detachReset: seed % 3 !== 0,
              };
              const gj = createGradients(tc.spec);
              const want = bits(gj, await js.forwardBackward(tc.spec, tc.input, tc.labels, opts, gj));
              for (const be of wasm) {
                const g = createGradients(tc.spec);
                expect(
                  bits(g, await be.forwardBackward(tc.spec, tc.input, tc.labels, opts, g)),
                  `${tc.label} ${be.description}`,
                ).toEqual(want);
              }
              seed++;
            }
    } finally {
      await js.dispose();
      for (const be of wasm) await be.dispose();
    }
  });

  it('stays bit-identical when a denser input outgrows the workspace (re-laid out)', async () => {
    const js = createFusedBackend({ simd: false });
    const wasm = createFusedBackend({ threads: 2 });
    try {
      const opts = {
        surrogate: SURROGATES[1] as Surrogate,
        loss: { kind: 'crossEntropy' } as LossSpec,
        detachReset: true,
      };
      const sparse = randomCase(7, {
        neuron: 'lif',
        reset: 'subtract',
        learnedTh: true,
        bias: true,
        delay: 1,
        sizes: [300, 40, 4],
        batch: 2,
        steps: 9,
      });
      const dense = randomCase(8, {
        neuron: 'lif',
        reset: 'subtract',
        learnedTh: true,
        bias: true,
        delay: 1,
        sizes: [300, 40, 4],
        batch: 2,
        steps: 9,
      });
      for (let k = 0; k < sparse.input.data.length; k++) if (k % 7) sparse.input.data[k] = 0;
      dense.input.data.fill(1, 0, 2000);
      for (const tc of [sparse, dense, sparse]) {
        const gj = createGradients(tc.spec);
        const gw = createGradients(tc.spec);
        const want = bits(gj, await js.forwardBackward(tc.spec, tc.input, tc.labels, opts, gj));
        expect(bits(gw, await wasm.forwardBackward(tc.spec, tc.input, tc.labels, opts, gw))).toEqual(want);
      }
    } finally {
      await js.dispose();
      await wasm.dispose();
    }
  });

  it('the vectorised input scan builds the same CSR/CSC as buildInputLists (-0, counts, fractions, delays, odd widths)', () => {
    const rng = new Rng(5);
    for (const [width, batch, steps, delay] of [
      [1, 1, 1, 0],
      [7, 2, 5, 1],
      [33, 3, 9, 2],
      [64, 2, 4, 0],
    ] as const) {
      for (const dense of [0.05, 0.5]) {
        const data = new Float32Array(batch * steps * width);
        for (let k = 0; k < data.length; k++) {
          const u = rng.uniform();
          data[k] = u < dense ? ([1, 1, 1, 2, 0.5, -1][rng.int(6)] as number) : u < dense + 0.05 ? -0 : 0;
        }
        const { nnz, binary } = countInput(data);
        const js = createWorkspace([width, 3], batch, steps, nnz + 1, { simd: false });
        buildInputLists(js, data, delay);
        const ws = createWorkspace([width, 3], batch, steps, nnz + 1);
        expect(loadInputSimd(ws, data, delay)).toEqual({ nnz, binary });
        for (const key of ['inRowPtr', 'inColPtr'] as const) expect(Array.from(ws[key])).toEqual(Array.from(js[key]));
        for (const key of ['inCols', 'inVals'] as const)
          expect(Array.from(ws[key].subarray(0, nnz))).toEqual(Array.from(js[key].subarray(0, nnz)));
        const m = js.inColPtr[width] as number;
        for (const key of ['inRows', 'inRowVals'] as const)
          expect(Array.from(ws[key].subarray(0, m))).toEqual(Array.from(js[key].subarray(0, m)));
        // too small a workspace: the count is still exact, the caller lays out a bigger one
        if (nnz > 1) expect(loadInputSimd(createWorkspace([width, 3], batch, steps, 1), data, delay).nnz).toBe(nnz);
      }
    }
  });
});
