import fc from 'fast-check';
import type { ConnectionRule, NetworkDescription, ValueSpec } from '../../src/index.js';

const finite = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }).map((x) => x + 0);
const positive = fc.double({ min: 0.01, max: 100, noNaN: true, noDefaultInfinity: true });

const distribution = fc.oneof(
  fc.record({ kind: fc.constant('normal' as const), mean: finite, sd: positive }),
  fc.tuple(finite, positive).map(([mean, sd]) => ({
    kind: 'normal' as const,
    mean,
    sd,
    min: mean - sd,
    max: mean + 2 * sd,
    bound: 'redraw' as const,
  })),
  fc.tuple(finite, positive).map(([a, w]) => ({ kind: 'uniform' as const, min: a, max: a + w })),
  fc
    .record({
      kind: fc.constant('lognormal' as const),
      mu: fc.double({ min: -3, max: 3, noNaN: true }),
      sigma: fc.double({ min: 0, max: 1, noNaN: true }),
    })
    .map((d) => ({ ...d, mu: d.mu + 0, sigma: d.sigma + 0 })),
);

const value = (count: number | null): fc.Arbitrary<ValueSpec> =>
  count !== null && count <= 50
    ? fc.oneof(finite, distribution, fc.array(finite, { minLength: count, maxLength: count }))
    : fc.oneof(finite, distribution);

const delay = (count: number | null, dt: number): fc.Arbitrary<ValueSpec> =>
  fc.oneof(
    fc.double({ min: dt, max: 10, noNaN: true }),
    fc
      .double({ min: dt, max: 5, noNaN: true })
      .map((m) => ({ kind: 'normal' as const, mean: m, sd: m / 2, min: dt / 2 })),
    fc.double({ min: dt, max: 5, noNaN: true }).map((m) => ({ kind: 'uniform' as const, min: m, max: m * 2 })),
    ...(count !== null && count <= 50
      ? [fc.array(fc.double({ min: dt, max: 10, noNaN: true }), { minLength: count, maxLength: count })]
      : []),
  );

function rule(ns: number, nt: number, same: boolean): fc.Arbitrary<ConnectionRule> {
  const opts = [
    fc.record({ rule: fc.constant('all_to_all' as const) }),
    fc.record({
      rule: fc.constant('fixed_indegree' as const),
      indegree: fc.integer({ min: 0, max: 5 }),
      allowAutapses: same && ns === 1 ? fc.constant(true) : fc.boolean(),
    }),
    fc.record({
      rule: fc.constant('fixed_outdegree' as const),
      outdegree: fc.integer({ min: 0, max: 5 }),
      allowMultapses: fc.constant(true),
    }),
    fc.record({ rule: fc.constant('fixed_total_number' as const), n: fc.integer({ min: 0, max: 40 }) }),
    fc.record({ rule: fc.constant('pairwise_bernoulli' as const), p: fc.double({ min: 0, max: 1, noNaN: true }) }),
    fc.integer({ min: 0, max: 10 }).chain((k) =>
      fc.record({
        rule: fc.constant('explicit' as const),
        pre: fc.array(fc.integer({ min: 0, max: ns - 1 }), { minLength: k, maxLength: k }),
        post: fc.array(fc.integer({ min: 0, max: nt - 1 }), { minLength: k, maxLength: k }),
      }),
    ),
  ];
  return ns === nt ? fc.oneof(...opts, fc.constant({ rule: 'one_to_one' as const })) : fc.oneof(...opts);
}

const countOf = (r: ConnectionRule, ns: number, nt: number): number | null =>
  r.rule === 'all_to_all'
    ? ns * nt
    : r.rule === 'one_to_one'
      ? ns
      : r.rule === 'fixed_indegree'
        ? nt * r.indegree
        : r.rule === 'fixed_outdegree'
          ? ns * r.outdegree
          : r.rule === 'fixed_total_number'
            ? r.n
            : r.rule === 'explicit'
              ? r.pre.length
              : null;

/** Random valid network descriptions: every connection rule, value form, stimulus and recorder kind. */
export const description: fc.Arbitrary<NetworkDescription> = fc
  .record({
    dtMs: fc.constantFrom(0.1, 0.5, 1),
    seed: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    sizes: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }),
  })
  .chain(({ dtMs, seed, sizes }) => {
    const names = sizes.map((_, i) => `P${i}`);
    const pops = fc.tuple(
      ...sizes.map((n, i) =>
        fc.record({ vth: value(n), vm: value(n) }).map(({ vth, vm }) => ({
          name: names[i]!,
          size: n,
          model: i % 2 ? 'iaf_psc_exp' : 'lif',
          params: { V_th: vth },
          initial: { V_m: vm },
        })),
      ),
    );
    const srcSize = 3;
    const proj = fc.array(
      fc
        .tuple(fc.integer({ min: 0, max: sizes.length }), fc.integer({ min: 0, max: sizes.length - 1 }))
        .chain(([s, t]) => {
          const ns = s === sizes.length ? srcSize : sizes[s]!;
          const nt = sizes[t]!;
          return rule(ns, nt, s === t).chain((r) => {
            const c = countOf(r, ns, nt);
            return fc
              .record({
                w: value(c),
                d: delay(c, dtMs),
                rec: fc.option(fc.integer({ min: 0, max: 1 }), { nil: undefined }),
              })
              .map(({ w, d, rec }) => ({
                source: s === sizes.length ? 'input' : names[s]!,
                target: names[t]!,
                connection: r,
                weight: w,
                delayMs: d,
                ...(rec === undefined ? {} : { receptor: rec }),
              }));
          });
        }),
      { maxLength: 4 },
    );
    const stimuli = fc.tuple(
      fc
        .record({
          rateHz: positive,
          weight: finite,
          t: fc.integer({ min: 0, max: sizes.length - 1 }),
          draw: fc.constantFrom(undefined, 'neuron' as const, 'blocks' as const),
        })
        .map(({ rateHz, weight, t, draw }) => ({
          kind: 'poisson' as const,
          target: names[t]!,
          rateHz,
          weight,
          delayMs: 1.5,
          startMs: 0,
          stopMs: 100,
          ...(draw === undefined ? {} : { draw }),
        })),
      fc.array(fc.integer({ min: 0, max: srcSize - 1 }), { maxLength: 6 }).map((ids) => ({
        kind: 'spike_source' as const,
        name: 'input',
        size: srcSize,
        spikes: { ids, times: ids.map((_, k) => k * 0.5), timeUnit: 'ms' as const },
      })),
      value(sizes[0]!).map((amplitude) => ({ kind: 'dc' as const, target: names[0]!, amplitude })),
    );
    return fc.tuple(pops, proj, stimuli).map(([populations, projections, st]): NetworkDescription => ({
      format: 'rouser-network-description',
      version: 1,
      dtMs,
      seed,
      populations,
      projections,
      stimuli: [...st],
      recorders: [
        { kind: 'spikes', populations: [names[0]!] },
        { kind: 'rate', populations: names, binMs: 5 },
        { kind: 'state', population: names[0]!, neurons: [0], variables: ['V_m'], intervalMs: 1 },
      ],
      meta: { by: 'property' },
    }));
  });
