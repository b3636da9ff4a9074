import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { fromNir, toNir, type NirGraph } from '../../src/model/nir.js';
import { specToJson } from '../../src/model/serialize.js';
import { isCubaNeuron } from '../../src/model/spec.js';
import { readNir, writeNir } from '../../src/io/nir.js';
import { RouserError } from '../../src/util/errors.js';
import { validSpec } from '../arbitraries.js';
import { fuzzRuns, mutate, mutationArb, mutationsArb, type Mutation } from './mutate.js';

const FIX = resolve(import.meta.dirname, '../../datasets/fixtures/nir');
const dir = mkdtempSync(join(tmpdir(), 'rouser-fuzz-nir-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Where in a NIR file: the HDF5 words of mutate.ts plus the graph's own places (a node, an edge). */
const LOCATION = /byte|field|offset|header|magic|truncated|HDF5|node|edge/i;

/**
 * Reads a `.nir` file; returns the graph, or the RouserError message after checking it is one line, starts with the
 * file name and says where. Any other exception (h5wasm's RuntimeError, a TypeError, ...) fails the property.
 */
async function readOrRefuse(path: string): Promise<{ ok: true; graph: NirGraph } | { ok: false; message: string }> {
  const t0 = performance.now();
  try {
    return { ok: true, graph: await readNir(path) };
  } catch (e) {
    if (!(e instanceof RouserError))
      throw new Error(
        `${path}: readNir threw ${(e as Error)?.constructor?.name ?? typeof e} instead of RouserError: ${(e as Error)?.stack ?? String(e)}`,
      );
    expect(e.message.startsWith(`${path}: `), e.message).toBe(true);
    expect(e.message.includes('\n'), e.message).toBe(false);
    expect(e.message, e.message).toMatch(LOCATION);
    return { ok: false, message: e.message };
  } finally {
    // Bounded work: a new HDF5 worker may take a few seconds on a loaded machine; a hang would take the 120 s timeout.
    expect(performance.now() - t0).toBeLessThan(30_000);
  }
}

/**
 * Mutations anywhere in the file with unbiased positions: fast-check draws the fractions of mutationsArb near 0
 * often, which for HDF5 mostly breaks the signature; the body (object headers, B-trees, heaps, gzip chunks) is where
 * h5wasm aborts. A quarter of the cases use mutationsArb as it is.
 */
const uniform = fc.noBias(fc.integer({ min: 0, max: 2 ** 24 - 1 })).map((k) => k / 2 ** 24);
const bodyMutationsArb: fc.Arbitrary<Mutation[]> = fc.oneof(
  { arbitrary: mutationsArb, weight: 1 },
  {
    arbitrary: fc.array(
      fc
        .tuple(mutationArb, uniform)
        .map(([m, at]): Mutation => (m.kind === 'set' ? { ...m, at, header: false } : { ...m, at })),
      { minLength: 1, maxLength: 3 },
    ),
    weight: 3,
  },
);

/** Per property: up to 3 s a case (a new HDF5 worker after each refusal) on a loaded machine. */
const TIMEOUT = 60_000 + 3_000 * fuzzRuns(5).numRuns;

/** Specs that NIR carries exactly (cuba layers with retentions < 1, as in test/nir). */
const nirSpec = validSpec(fc.float({ min: -2, max: 2, noNaN: true })).filter((s) =>
  s.layers.every((l) => !isCubaNeuron(l.neuron) || (l.neuron.currentRetention < 1 && l.neuron.voltageRetention < 1)),
);

describe('fuzz: mutated .nir files are read or refused with one line naming the file, never crash the process', () => {
  const fixtures = readdirSync(FIX).filter((f) => f.endsWith('.nir'));
  const originals = new Map<string, { bytes: Uint8Array; graph: NirGraph | undefined; refusal: string | undefined }>();
  let n = 0;

  /**
   * One mutated file: refused properly, or accepted. An accepted graph has passed checkNirGraph; it must survive its
   * own round trip (write, read back: equal), and if it equals the unmutated file's graph, the spec it maps to must
   * be the original spec (rouser-written files).
   */
  const check = async (bytes: Uint8Array, original: NirGraph | undefined, spec: string | undefined): Promise<void> => {
    const path = join(dir, `m${n++}.nir`);
    writeFileSync(path, bytes);
    const got = await readOrRefuse(path);
    if (got.ok) {
      const again = join(dir, `again${n}.nir`);
      await writeNir(again, got.graph);
      expect(await readNir(again)).toEqual(got.graph);
      if (original !== undefined && spec !== undefined && isEqual(got.graph, original))
        expect(specToJson(fromNir(got.graph, { where: path }))).toBe(spec);
      rmSync(again, { force: true });
    }
    rmSync(path, { force: true });
  };

  it('the fixtures read (or are refused for their documented reason) before mutation', async () => {
    for (const f of fixtures) {
      const got = await readOrRefuse(join(FIX, f));
      originals.set(f, {
        bytes: new Uint8Array(readFileSync(join(FIX, f))),
        graph: got.ok ? got.graph : undefined,
        refusal: got.ok ? undefined : got.message,
      });
    }
    // lif_rockpool.nir has an Output shape [1,1,1] after a [1] LIF: refused by the shape check (test/nir).
    expect([...originals].filter(([, o]) => o.graph === undefined).map(([f]) => f)).toEqual(['lif_rockpool.nir']);
  });

  it('a byte that makes the HDF5 library abort is one RouserError; the process lives and the next file reads', async () => {
    const name = 'braille_noDelay_bias_zero.nir';
    const b = new Uint8Array(readFileSync(join(FIX, name)));
    b[2283] = ((b[2283] as number) + 1) & 0xff; // found by fuzzing: h5wasm calls abort() on this file
    const path = join(dir, 'abort.nir');
    writeFileSync(path, b);
    await expect(readNir(path)).rejects.toThrow(
      new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*the HDF5 library aborted.*corrupt`),
    );
    const good = await readNir(join(FIX, name));
    expect(Object.keys(good.nodes).sort()).toEqual(['fc1', 'fc2', 'input', 'lif1.lif', 'lif1.w_rec', 'lif2', 'output']);
  });

  it(
    'random mutations of rouser-written files from random specs (a few in npm test; ROUSER_FUZZ_RUNS for more)',
    async () => {
      await fc.assert(
        fc.asyncProperty(nirSpec, bodyMutationsArb, async (spec, ms) => {
          const src = join(dir, `spec${n++}.nir`);
          const graph = toNir(spec);
          await writeNir(src, graph);
          const bytes = new Uint8Array(readFileSync(src));
          const original = await readNir(src);
          const json = specToJson(spec);
          expect(specToJson(fromNir(original, { where: src }))).toBe(json); // the unmutated file round-trips
          await check(mutate(bytes, ms), original, json);
          rmSync(src, { force: true });
        }),
        fuzzRuns(5),
      );
    },
    TIMEOUT,
  );

  it(
    'random mutations of the fixture files (a few in npm test; ROUSER_FUZZ_RUNS for more)',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...fixtures), bodyMutationsArb, async (f, ms) => {
          const o = originals.get(f) ?? { bytes: new Uint8Array(readFileSync(join(FIX, f))), graph: undefined };
          await check(mutate(o.bytes, ms), o.graph, undefined);
        }),
        fuzzRuns(5),
      );
    },
    TIMEOUT,
  );
});

function isEqual(a: unknown, b: unknown): boolean {
  try {
    expect(a).toEqual(b);
    return true;
  } catch {
    return false;
  }
}
