import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  createModelState,
  IAF_PSC_EXP,
  stepIafPscExp,
  WASM_MIN_NEURONS,
  type IafPscExpCoefficients,
} from '../../src/neuron/model.js';
import { iafWasmKernel } from '../../src/neuron/iafPscExpWasm.js';
import { Rng } from '../../src/util/rng.js';
import { stepIafPscExpReference } from './iafPscExpReference.js';

/**
 * The optimised iaf_psc_exp step (the WebAssembly kernel, the JavaScript uniform fast path and the general path) equals the straightforward one-loop step it
 * replaced (a verbatim copy in ./iafPscExpReference.ts) bit for bit: same spikes, same count, same float32 bits of
 * every state variable after every step, on random parameters, random states (including refractory neurons and
 * voltages at or above threshold), random inputs on all three ports and random sub-ranges [from, to).
 */

const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

function randomCase(rng: Rng, uniform: boolean) {
  // below WASM_MIN_NEURONS the JavaScript fast path runs, from it on the WebAssembly kernel
  const size =
    rng.uniform() < 0.4
      ? 1 + Math.floor(rng.uniform() * (WASM_MIN_NEURONS - 1))
      : WASM_MIN_NEURONS + Math.floor(rng.uniform() * 200);
  const dt = [0.1, 0.05, 0.25, 1][Math.floor(rng.uniform() * 4)] as number;
  const tauM = 1 + rng.uniform() * 30;
  const params: Record<string, number | number[]> = {
    C_m: 20 + rng.uniform() * 400,
    tau_m: tauM,
    tau_syn_ex: rng.uniform() < 0.2 ? tauM : 0.2 + rng.uniform() * 8,
    tau_syn_in: 0.2 + rng.uniform() * 8,
    t_ref: rng.uniform() < 0.2 ? 0 : rng.uniform() * 5,
  };
  const pick = (lo: number, hi: number): number | number[] =>
    uniform ? lo + rng.uniform() * (hi - lo) : Array.from({ length: size }, () => lo + rng.uniform() * (hi - lo));
  params.E_L = pick(-80, -60);
  params.V_reset = pick(-80, -60);
  params.I_e = rng.uniform() < 0.5 ? 0 : pick(-200, 400);
  const c = IAF_PSC_EXP.prepare(params, dt, size) as IafPscExpCoefficients;
  const thresholds = Float32Array.from({ length: size }, () => -60 + rng.uniform() * 15);
  const state = createModelState(IAF_PSC_EXP, size);
  for (let k = 0; k < size; k++) {
    (state[0] as Float32Array)[k] = -75 + rng.uniform() * 25; // some start at or above threshold
    (state[1] as Float32Array)[k] = rng.uniform() * 500;
    (state[2] as Float32Array)[k] = -rng.uniform() * 500;
    (state[3] as Float32Array)[k] = rng.uniform() < 0.5 ? 0 : rng.uniform() * 300;
    (state[4] as Float32Array)[k] = rng.uniform() < 0.3 ? Math.floor(rng.uniform() * (c.refractorySteps + 1)) : 0;
  }
  return { c, size, thresholds, state };
}

describe('stepIafPscExp (optimised) == the one-loop reference, bit for bit', () => {
  for (const uniform of [true, false])
    it(`${uniform ? 'uniform' : 'per-neuron'} E_L / V_reset / I_e, random parameters, states and inputs`, () => {
      const rng = new Rng(uniform ? 20261129 : 4242);
      let spikes = 0;
      let wasmPath = 0;
      let jsPath = 0;
      for (let trial = 0; trial < 60; trial++) {
        const { c, size, thresholds, state } = randomCase(rng, uniform);
        const a = state.map((s) => s.slice());
        const b = state.map((s) => s.slice());
        const sa = new Uint8Array(size).fill(7);
        const sb = new Uint8Array(size).fill(7);
        const withPre = rng.uniform() < 0.2;
        const noCurrent = rng.uniform() < 0.1;
        const preA = new Float32Array(size);
        const preB = new Float32Array(size);
        if (c.uniform && !withPre && !noCurrent) {
          if (size >= WASM_MIN_NEURONS) wasmPath++;
          else jsPath++;
        }
        for (let t = 0; t < 80; t++) {
          const ex = Float32Array.from({ length: size }, () =>
            rng.uniform() < 0.6 ? 87.81 * Math.floor(rng.uniform() * 5) : 0,
          );
          const inh = Float32Array.from({ length: size }, () =>
            rng.uniform() < 0.3 ? -351.24 * Math.floor(rng.uniform() * 3) : 0,
          );
          const cur = Float32Array.from({ length: size }, () => (rng.uniform() < 0.3 ? rng.uniform() * 600 - 100 : 0));
          const inputs = noCurrent ? [ex, inh] : [ex, inh, cur];
          const from = rng.uniform() < 0.7 ? 0 : Math.floor(rng.uniform() * size);
          const to = rng.uniform() < 0.7 ? size : from + Math.floor(rng.uniform() * (size - from + 1));
          const fa = stepIafPscExpReference(c, a, inputs, thresholds, 'zero', sa, from, to, withPre ? preA : undefined);
          const fb = stepIafPscExp(c, b, inputs, thresholds, 'zero', sb, from, to, withPre ? preB : undefined);
          expect(fb).toBe(fa);
          expect(Array.from(sb)).toEqual(Array.from(sa));
          for (let i = 0; i < a.length; i++) expect(bits(b[i] as Float32Array)).toEqual(bits(a[i] as Float32Array));
          if (withPre) expect(bits(preB)).toEqual(bits(preA));
          spikes += fa;
        }
      }
      // the cases exercise spiking, refractoriness and (uniform parameters) both fast paths
      expect(spikes).toBeGreaterThan(100);
      if (uniform) {
        expect(wasmPath).toBeGreaterThan(10);
        expect(jsPath).toBeGreaterThan(10);
      }
    });

  it('through the model definition: IAF_PSC_EXP.step is the optimised step; Node has the WebAssembly kernel', () => {
    expect(IAF_PSC_EXP.step).toBe(stepIafPscExp);
    expect(iafWasmKernel()).not.toBeNull();
  });

  it('the committed iafPscExpWasm-binary.ts is what scripts/build-wasm.mjs makes of iafPscExp.wat', async () => {
    const url = new URL('../../scripts/build-wasm.mjs', import.meta.url).href;
    const { generateNeuronBinary } = (await import(url)) as { generateNeuronBinary: () => Promise<string> };
    const committed = readFileSync(new URL('../../src/neuron/iafPscExpWasm-binary.ts', import.meta.url), 'utf8');
    expect(await generateNeuronBinary()).toBe(committed);
  });
});
