import { afterEach, describe, expect, it } from 'vitest';
import {
  CUBA,
  LIF,
  createModelState,
  getNeuronModel,
  neuronModelNames,
  registerNeuronModel,
  unregisterNeuronModel,
  type NeuronModelDef,
} from '../../src/neuron/model.js';

/** A second implementation of the lif update in the test: U = fround(b*V + x), spike U >= Th, reset. */
function lifOracle(beta: number, th: number, reset: 'zero' | 'subtract', xs: number[]): { v: number[]; s: number[] } {
  const b = Math.fround(beta);
  let v = 0;
  const vs: number[] = [];
  const ss: number[] = [];
  for (const x of xs) {
    const u = Math.fround(b * v + Math.fround(x));
    const s = u >= th ? 1 : 0;
    v = s ? (reset === 'zero' ? 0 : Math.fround(u - th)) : u;
    vs.push(v);
    ss.push(s);
  }
  return { v: vs, s: ss };
}

describe('neuron model registry', () => {
  afterEach(() => {
    unregisterNeuronModel('test_dup');
    unregisterNeuronModel('test_nan');
  });

  it('has lif and cuba built in, found by name', () => {
    expect(neuronModelNames()).toEqual(expect.arrayContaining(['lif', 'cuba']));
    expect(getNeuronModel('lif')).toBe(LIF);
    expect(getNeuronModel('cuba')).toBe(CUBA);
  });

  it('names the field and the registered models for an unknown kind', () => {
    expect(() => getNeuronModel('izhikevich', 'model.json', 'layers[0].neuron.kind')).toThrow(
      /^model\.json: field layers\[0\]\.neuron\.kind is "izhikevich"; expected one of lif, cuba/,
    );
  });

  it('lif step matches an independent oracle bit for bit over a range of neurons', () => {
    const xs = [0.4, 0.9, -0.2, 1.3, 0.05, 0.7, 0.7, 0.7];
    for (const reset of ['zero', 'subtract'] as const) {
      const c = LIF.prepare({ kind: 'lif', beta: 0.9 }, 1, 3);
      const st = createModelState(LIF, 3);
      const inp = new Float32Array(3);
      const sp = new Uint8Array(3);
      const th = new Float32Array([1, 1, 1]);
      const want = lifOracle(0.9, 1, reset, xs);
      xs.forEach((x, t) => {
        inp.fill(x);
        const fired = LIF.step(c, st, [inp], th, reset, sp, 1, 2);
        expect(fired).toBe(want.s[t]);
        expect(sp[1]).toBe(want.s[t]);
        expect(st[0]?.[1]).toBe(want.v[t]);
        expect(st[0]?.[0]).toBe(0); // outside [from, to): untouched
        expect(st[0]?.[2]).toBe(0);
      });
    }
  });

  it('prepare rejects bad parameters naming the model and the field', () => {
    expect(() => LIF.prepare({ kind: 'lif', beta: 1.5 }, 1, 2)).toThrow(
      'neuron model lif: field beta is 1.5; expected a number in [0, 1]',
    );
    expect(() => LIF.prepare({ kind: 'lif' }, 1, 2)).toThrow(
      'neuron model lif: field beta is undefined; expected a number in [0, 1]',
    );
    expect(() => CUBA.prepare({ kind: 'cuba', currentRetention: 0.5, voltageRetention: Number.NaN }, 1, 2)).toThrow(
      'neuron model cuba: field voltageRetention is NaN; expected a number in [0, 1]',
    );
    expect(() => LIF.prepare({ kind: 'lif', beta: 0.5, tau: 3 }, 1, 2)).toThrow(
      'neuron model lif: field tau is 3; expected absent: lif has the parameters beta',
    );
    expect(() => LIF.prepare({ kind: 'lif', beta: [0.5, 0.5] }, 1, 2)).toThrow(
      'neuron model lif: field beta is array(length 2); expected a number in [0, 1]',
    );
  });

  const good: NeuronModelDef<{ a: number }> = {
    name: 'test_dup',
    doc: 'V = a V + x',
    source: 'test',
    params: [{ name: 'a', unit: '1', doc: 'retention', default: 0.5, min: 0, max: 1 }],
    state: [{ name: 'v', unit: '1', doc: 'voltage', rest: 0 }],
    voltage: 'v',
    ports: ['syn'],
    prepare: (p) => ({ a: Math.fround((p.a as number | undefined) ?? 0.5) }),
    step: (c, st, inp, th, _r, sp, from, to) => {
      let n = 0;
      const v = st[0] as Float32Array;
      for (let k = from; k < to; k++) {
        v[k] = c.a * (v[k] as number) + (inp[0]?.[k] as number);
        sp[k] = (v[k] as number) >= (th[k] as number) ? 1 : 0;
        if (sp[k]) {
          v[k] = 0;
          n++;
        }
      }
      return n;
    },
  };

  it('rejects a duplicate name, a duplicate state name and a voltage that is not a state', () => {
    registerNeuronModel(good);
    expect(() => registerNeuronModel(good)).toThrow(
      'neuron model test_dup: field name is "test_dup"; expected a name not already registered',
    );
    registerNeuronModel(good, { replace: true });
    const twice = { ...good, state: [...good.state, { name: 'v', unit: '1', doc: 'again', rest: 0 }] };
    expect(() => registerNeuronModel(twice, { replace: true })).toThrow(
      'neuron model test_dup: field state.v is "v"; expected a state name declared once',
    );
    expect(() => registerNeuronModel({ ...good, voltage: 'u' }, { replace: true })).toThrow(
      'neuron model test_dup: field voltage is "u"; expected the name of a state variable (v)',
    );
  });

  it('rejects an update that produces NaN for valid parameters, naming the state and the parameters', () => {
    const nan: NeuronModelDef<{ a: number }> = {
      ...good,
      name: 'test_nan',
      // log(a) is -Infinity at the valid bound a = 0, and 0 * -Infinity = NaN.
      step: (c, st, inp, th, r, sp, from, to) => {
        const v = st[0] as Float32Array;
        for (let k = from; k < to; k++) v[k] = (v[k] as number) * Math.log(c.a) + (inp[0]?.[k] as number);
        return good.step(
          c,
          st,
          inp.map((x) => x.map(() => 0)),
          th,
          r,
          sp,
          from,
          to,
        );
      },
    };
    expect(() => registerNeuronModel(nan)).toThrow(
      /^neuron model test_nan: field state\.v is NaN; expected a finite value for valid parameters \(params a = 0, reset zero, step \d+, neuron 0\)/,
    );
  });
});
