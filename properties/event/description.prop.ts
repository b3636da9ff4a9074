import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  networkFromJson,
  networkToJson,
  NetworkBuilder,
  RouserError,
  validateNetwork,
  type ConnectionRule,
  type NetworkDescription,
} from '../../src/index.js';
import { description } from './descriptionArb.js';

/**
 * The network description's JSON form round-trips: for any valid description (random populations, every connection
 * rule, every value form, every stimulus and recorder kind), networkFromJson(networkToJson(d)) equals d, and the
 * builder produces the same description as the literal object. Mutations that break one field are refused naming it.
 */
const SEED = 1111;

describe('network description', () => {
  it('JSON round-trips any valid description exactly', () => {
    fc.assert(
      fc.property(description, (d) => {
        expect(validateNetwork(structuredClone(d))).toEqual(d);
        expect(networkFromJson(networkToJson(d))).toEqual(d);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('the builder builds the same description as the literal object', () => {
    fc.assert(
      fc.property(description, (d) => {
        const b = new NetworkBuilder({ dtMs: d.dtMs, seed: d.seed, meta: d.meta });
        for (const p of d.populations)
          b.population(p.name, p.size, p.model, {
            ...(p.params ? { params: p.params } : {}),
            ...(p.initial ? { initial: p.initial } : {}),
          });
        for (const s of d.stimuli) {
          if (s.kind === 'poisson') b.poisson(s.target, s);
          else if (s.kind === 'spike_source') b.spikeSource(s.name, s.size, s.spikes);
          else b.dc(s.target, s.amplitude, s);
        }
        for (const p of d.projections) b.connect(p.source, p.target, p.connection, p);
        for (const r of d.recorders) {
          if (r.kind === 'spikes') b.recordSpikes(r.populations);
          else if (r.kind === 'rate') b.recordRate(r.populations, r.binMs);
          else b.recordState(r.population, r.neurons, r.variables, r.intervalMs);
        }
        const built = b.build();
        // the builder appends stimuli before projections here, as the literal does: compare section by section
        expect(built.populations).toEqual(d.populations);
        expect(built.projections).toEqual(d.projections);
        expect(built.stimuli).toEqual(d.stimuli);
        expect(built.recorders).toEqual(d.recorders);
        expect(networkFromJson(networkToJson(built))).toEqual(built);
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  it('one broken field is refused with a message naming the field and the value', () => {
    const breakers: [string, (d: NetworkDescription) => void, RegExp][] = [
      [
        'unknown target',
        (d) =>
          d.projections.push({
            source: 'P0',
            target: 'nope',
            connection: { rule: 'all_to_all' },
            weight: 1,
            delayMs: 1,
          }),
        /projections\[\d+\]\.target is "nope"/,
      ],
      [
        'probability 1.5',
        (d) =>
          d.projections.push({
            source: 'P0',
            target: 'P0',
            connection: { rule: 'pairwise_bernoulli', p: 1.5 },
            weight: 1,
            delayMs: 1,
          }),
        /connection\.p is 1\.5; expected a probability in \[0, 1\]/,
      ],
      [
        'negative delay',
        (d) =>
          d.projections.push({
            source: 'P0',
            target: 'P0',
            connection: { rule: 'all_to_all' },
            weight: 1,
            delayMs: -1,
          }),
        /delayMs is -1; expected a delay >= dt/,
      ],
      [
        'delay shorter than dt',
        (d) =>
          d.projections.push({
            source: 'P0',
            target: 'P0',
            connection: { rule: 'all_to_all' },
            weight: 1,
            delayMs: d.dtMs / 4,
          }),
        /delayMs is [\d.e-]+; expected a delay >= dt/,
      ],
      [
        'unbounded delay distribution',
        (d) =>
          d.projections.push({
            source: 'P0',
            target: 'P0',
            connection: { rule: 'all_to_all' },
            weight: 1,
            delayMs: { kind: 'normal', mean: 1, sd: 1 },
          }),
        /delayMs is .*expected a delay distribution bounded below/,
      ],
      [
        'unsampleable redraw',
        (d) => (d.populations[0]!.initial = { V_m: { kind: 'normal', mean: 0, sd: 1, min: 50, bound: 'redraw' } }),
        /initial\.V_m is .*expected a distribution with at least [0-9.e-]+ of its mass/,
      ],
      [
        'negative sd',
        (d) => (d.populations[0]!.params = { V_th: { kind: 'normal', mean: 0, sd: -1 } }),
        /params\.V_th\.sd is -1; expected a number >= 0/,
      ],
      [
        'array of wrong length',
        (d) => (d.populations[0]!.params = { V_th: new Array<number>(d.populations[0]!.size + 1).fill(1) }),
        /params\.V_th\.length is \d+; expected \d+ \(the size of population P0\)/,
      ],
      [
        'out-of-range explicit id',
        (d) =>
          d.projections.push({
            source: 'P0',
            target: 'P0',
            connection: { rule: 'explicit', pre: [0], post: [d.populations[0]!.size] },
            weight: 1,
            delayMs: 1,
          }),
        /connection\.post\[0\] is \d+; expected an integer in \[0, \d+\)/,
      ],
      [
        'duplicate name',
        (d) => d.populations.push({ ...d.populations[0]! }),
        /populations\[\d+\]\.name is "P0"; expected a name not used/,
      ],
      [
        'unknown rule',
        (d) =>
          d.projections.push({
            source: 'P0',
            target: 'P0',
            connection: { rule: 'fixed_prob' } as unknown as ConnectionRule,
            weight: 1,
            delayMs: 1,
          }),
        /connection\.rule is "fixed_prob"/,
      ],
    ];
    fc.assert(
      fc.property(description, fc.integer({ min: 0, max: breakers.length - 1 }), (d, k) => {
        const [, apply, msg] = breakers[k]!;
        const bad = structuredClone(d);
        apply(bad);
        expect(() => networkFromJson(JSON.stringify(bad), 'net.json')).toThrow(RouserError);
        expect(() => networkFromJson(JSON.stringify(bad), 'net.json')).toThrow(msg);
        expect(() => networkFromJson(JSON.stringify(bad), 'net.json')).toThrow(/^net\.json: field /);
      }),
      { seed: SEED, numRuns: 150 },
    );
  });
});
