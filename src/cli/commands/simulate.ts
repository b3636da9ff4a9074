import { join } from 'node:path';
import { compileDescription } from '../../event/compile.js';
import { simulateDescription } from '../../event/engine.js';
import {
  buildRandomNetwork,
  compileRandomNetwork,
  driveRateForOutput,
  simulateRandomNetwork,
  type SimulationMode,
} from '../../event/index.js';
import { PD14_POPULATIONS, PD14_RATE_BANDS_HZ } from '../../examples/pd14.js';
import { loadNetworkWithFiles } from '../../io/network.js';
import { writeSonataSpikes, writeSpikesCsv, type PopulationSpikes } from '../../io/sonata.js';
import type { NetworkDescription } from '../../model/network.js';
import { populationStats, type PopulationSpikeTrain, type PopulationStats } from '../../report/network.js';
import { writeFileAtomic } from '../../util/atomic.js';
import { fail, RouserError } from '../../util/errors.js';
import { choice, flag, num, str, type Command, type ParsedArgs } from '../args.js';
import { ProgressBar } from '../progress.js';

const MODES: readonly SimulationMode[] = ['discrete', 'continuous'];
const FORMATS = ['sonata', 'csv'] as const;
/** Options of the built-in random network only. */
const RANDOM_ONLY = ['neurons', 'fanout', 'rate', 'drive-hz', 'mode', 'delay-ms'] as const;
/** Options of a network description only. */
const DESCRIPTION_ONLY = ['record', 'presim-ms', 'out', 'format', 'plot'] as const;

/**
 * `rouser simulate NETWORK.json --duration-ms T ...`: compiles a network description (src/model/network.ts; e.g.
 * written by `rouser examples microcircuit`) and runs it in the event engine; prints the per-population rate table
 * and writes spikes (SONATA HDF5 or CSV), the table and plots. Without NETWORK.json: the built-in random
 * excitatory/inhibitory LIF network (`--neurons --fanout --rate`).
 */
export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'simulate a network description (or the built-in random E/I network) with the event-driven engine',
  usage: [
    'rouser simulate NETWORK.json --duration-ms T [--dt-ms 0.1] [--threads N] [--record POP,...] [--presim-ms P] [--out DIR] [--format sonata|csv] [--plot] [--json] [--seed S]',
    '       rouser simulate --neurons N --fanout K --rate HZ --duration-ms MS [--mode discrete|continuous] [--dt-ms 1] [--threads T] [--seed S] [--json]',
  ].join('\n'),
  details: [
    'NETWORK.json: a network description (populations, projections, stimuli, recorders; docs/README-engine.md). The run',
    'lasts --presim-ms + --duration-ms; spikes of the first --presim-ms are discarded. Recorded populations: --record,',
    "else the description's spike recorders, else all. Printed: per population the mean rate (spikes / neurons / s) and",
    'the ISI CV (mean over neurons with >= 3 spikes in the window; next to it the same estimator on Poisson trains',
    'with the same counts, the bias of a short window). --out DIR writes spikes.h5 (SONATA spike report:',
    '/spikes/<population>/timestamps (ms) and node_ids, sorted by time) or spikes.csv, and rates.json; --plot adds',
    "raster.svg, rates.svg and rate-bars.svg. --dt-ms and --seed override the description's step and seed.",
    'Example: rouser examples microcircuit --n-scale 0.1 --k-scale 0.1 --out mc.json',
    '         rouser simulate mc.json --duration-ms 1000 --presim-ms 500 --out run --plot',
    '',
    'Without NETWORK.json, the random network: N LIF neurons (tau 20 ms, threshold 20 mV, reset to 0), each with K',
    'outgoing synapses to uniform random targets (no self-connections), 80% excitatory (+0.5 mV), 20% inhibitory',
    '(-2.5 mV), 1 ms delays, external Poisson input of 2 mV events. --rate is the wanted mean output rate: the drive rate',
    'per neuron is read from a calibration of this network (K = 100, dt = 1 ms), so the result is only approximately HZ;',
    '--drive-hz sets the drive directly. discrete: clock-driven neurons at --dt-ms, event-driven delivery (calendar',
    'queue). continuous: exact event-driven simulation with continuous spike times (--dt-ms only batches the drive).',
    '--threads T: worker threads over a neuron partition (the random network in discrete mode; in a description the',
    'iaf_psc_exp populations of the WebAssembly arena); spikes are identical for every T.',
  ].join('\n'),
  positionals: true,
  options: {
    'duration-ms': { type: 'string', value: 'MS', help: 'simulated (recorded) time in ms', default: '1000' },
    'dt-ms': { type: 'string', value: 'MS', help: "time step (default: the description's; random network 1)" },
    threads: {
      type: 'string',
      value: 'T',
      help: 'worker threads over a neuron partition (ring fast path; iaf_psc_exp populations of a description), same spikes for any T',
      default: '1',
    },
    seed: { type: 'string', value: 'S', help: "random seed (default: the description's; random network 1)" },
    json: { type: 'boolean', help: 'print one JSON object on stdout' },
    record: { type: 'string', value: 'POP,...', help: 'NETWORK.json: populations whose spikes are recorded' },
    'presim-ms': {
      type: 'string',
      value: 'MS',
      help: 'NETWORK.json: presimulation discarded before the recorded window (default 0)',
    },
    out: { type: 'string', value: 'DIR', help: 'NETWORK.json: folder for spikes, rates.json and plots' },
    format: { type: 'string', value: 'sonata|csv', help: 'NETWORK.json: spike file format (default sonata)' },
    plot: { type: 'boolean', help: 'NETWORK.json: write raster.svg, rates.svg and rate-bars.svg into --out' },
    neurons: { type: 'string', value: 'N', help: 'random network: number of neurons (default 10000)' },
    fanout: { type: 'string', value: 'K', help: 'random network: outgoing synapses per neuron (default 100)' },
    rate: { type: 'string', value: 'HZ', help: 'random network: wanted mean output rate, approximate (default 10)' },
    'drive-hz': {
      type: 'string',
      value: 'HZ',
      help: 'random network: external Poisson rate per neuron (overrides --rate)',
    },
    mode: { type: 'string', value: 'MODE', help: 'random network: discrete | continuous (default discrete)' },
    'delay-ms': {
      type: 'string',
      value: 'MS',
      help: 'random network: synaptic delay, >= dt in discrete mode (default 1)',
    },
  },
  async run(args) {
    const [network, extra] = args.positionals;
    if (extra !== undefined)
      throw new RouserError(
        `rouser simulate: one NETWORK.json expected, got ${args.positionals.length} arguments (${args.positionals.join(' ')})`,
      );
    if (network === undefined) {
      for (const o of DESCRIPTION_ONLY)
        if (args.values[o] !== undefined)
          throw new RouserError(
            `rouser simulate: option --${o} needs a NETWORK.json (it does not apply to the random network)`,
          );
      return runRandom(args);
    }
    for (const o of RANDOM_ONLY)
      if (args.values[o] !== undefined)
        throw new RouserError(
          `rouser simulate: option --${o} applies to the built-in random network only, not to ${network}`,
        );
    return runDescription(network, args);
  },
};

async function runDescription(path: string, args: ParsedArgs): Promise<number> {
  const c = 'simulate';
  const durationMs = num(c, args, 'duration-ms', { min: 0 });
  const presimMs = num(c, args, 'presim-ms', { min: 0, fallback: 0 });
  const threads = num(c, args, 'threads', { min: 1, max: 64, integer: true });
  const format = choice(c, args, 'format', FORMATS, 'sonata');
  const out = str(args, 'out');
  const plot = flag(args, 'plot');
  if (plot && out === undefined)
    throw new RouserError('rouser simulate: option --plot needs --out DIR (the folder the SVG files go to)');
  const { desc: loaded, files } = loadNetworkWithFiles(path);
  const desc: NetworkDescription = { ...loaded };
  if (str(args, 'dt-ms') !== undefined) desc.dtMs = num(c, args, 'dt-ms', { min: 1e-6 });
  if (str(args, 'seed') !== undefined) desc.seed = num(c, args, 'seed', { min: 0, max: 0xffffffff, integer: true });
  const names = desc.populations.map((p) => p.name);
  const rec = str(args, 'record');
  let recorded: string[];
  if (rec !== undefined) {
    recorded = rec
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    for (const r of recorded)
      if (!names.includes(r)) fail(path, 'record (--record)', r, `a population of the network (${names.join(', ')})`);
    desc.recorders = desc.recorders.filter((r) => r.kind !== 'spikes');
  } else {
    const fromDesc = desc.recorders.flatMap((r) => (r.kind === 'spikes' ? r.populations : []));
    recorded = fromDesc.length > 0 ? names.filter((n) => fromDesc.includes(n)) : names;
  }
  const t0 = performance.now();
  const net = compileDescription(desc, { files, where: path });
  const buildMs = performance.now() - t0;
  const totalMs = presimMs + durationMs;
  const bar = new ProgressBar(
    `simulate ${net.populations.length} populations, ${net.numNeurons} neurons`,
    Math.round(totalMs),
  );
  const r = simulateDescription(net, {
    durationMs: totalMs,
    recordSpikes: recorded,
    threads,
    onProgress: (done) => bar.update(Math.round(done)),
  });
  bar.finish();
  // fewer threads than asked (no population the threads can step, or fewer blocks of 1024 neurons): say so
  if (r.threads < threads)
    process.stderr.write(
      `rouser simulate: note: ran on ${r.threads} thread(s), not ${threads}: worker threads step iaf_psc_exp populations in the WebAssembly arena (uniform E_L, V_reset, I_e; no delay-0 synapses) in parts of at least 1024 neurons, or run the ring fast path (one lif population, one delay)\n`,
    );
  const trains: (PopulationSpikeTrain & PopulationSpikes)[] = [];
  for (const name of recorded) {
    const sr = r.spikeRecords[name];
    const size = net.populations.find((p) => p.name === name)?.size ?? 0;
    if (!sr) continue;
    // the recorded window only: presimulation spikes are discarded (as NEST starts its recorders after t_presim)
    let n = 0;
    for (let i = 0; i < sr.times.length; i++) if ((sr.times[i] as number) >= presimMs) n++;
    const nodeIds = new Uint32Array(n);
    const timesMs = new Float64Array(n);
    let k = 0;
    for (let i = 0; i < sr.times.length; i++) {
      const t = sr.times[i] as number;
      if (t < presimMs) continue;
      nodeIds[k] = sr.ids[i] as number;
      timesMs[k++] = t;
    }
    trains.push({ population: name, size, nodeIds, timesMs });
  }
  const stats = populationStats(trains, presimMs, totalMs);
  const synapses = net.targets.length;
  const summary = {
    network: path,
    neurons: net.numNeurons,
    synapses,
    dtMs: net.dtMs,
    seed: desc.seed,
    threads: r.threads,
    engine: r.path,
    presimMs,
    durationMs,
    buildMs,
    wallMs: r.simMs,
    realTimeFactor: totalMs > 0 ? r.simMs / totalMs : 0,
    spikes: r.spikes,
    synOps: r.synOps,
    externalEvents: r.externalEvents,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    populations: stats,
  };
  if (out !== undefined) {
    if (format === 'sonata') await writeSonataSpikes(join(out, 'spikes.h5'), trains);
    else writeSpikesCsv(join(out, 'spikes.csv'), trains);
    writeFileAtomic(
      join(out, 'rates.json'),
      JSON.stringify(summary, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1) + '\n',
    );
    if (plot) await writePlots(out, desc, trains, stats, presimMs, totalMs);
  }
  if (flag(args, 'json'))
    process.stdout.write(
      JSON.stringify(summary, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)) + '\n',
    );
  else process.stdout.write(formatRun(summary, stats, out, format));
  return 0;
}

function formatRun(
  s: {
    network: string;
    neurons: number;
    synapses: number;
    dtMs: number;
    seed: number;
    presimMs: number;
    durationMs: number;
    buildMs: number;
    wallMs: number;
    realTimeFactor: number;
    peakRssMB: number;
    synOps: number;
    threads: number;
  },
  stats: PopulationStats[],
  out: string | undefined,
  format: string,
): string {
  const lines = [
    `${s.network}: ${s.neurons} neurons, ${s.synapses} synapses, dt ${s.dtMs} ms, seed ${s.seed}, ${s.threads} thread(s)`,
    `  build ${(s.buildMs / 1000).toFixed(1)} s; simulated ${s.presimMs} ms presimulation + ${s.durationMs} ms in ${(s.wallMs / 1000).toFixed(1)} s (real-time factor ${s.realTimeFactor.toFixed(2)}); ${s.synOps} synaptic events; peak RSS ${s.peakRssMB.toFixed(0)} MB`,
    `  ${'population'.padEnd(12)} ${'neurons'.padStart(8)} ${'spikes'.padStart(9)} ${'rate (Hz)'.padStart(10)} ${'ISI CV'.padStart(7)} ${'(neurons)'.padStart(9)} ${'Poisson ref'.padStart(11)}`,
  ];
  for (const p of stats)
    lines.push(
      `  ${p.population.padEnd(12)} ${String(p.size).padStart(8)} ${String(p.spikes).padStart(9)} ${p.meanRateHz.toFixed(3).padStart(10)} ${(Number.isNaN(p.isiCv) ? '-' : p.isiCv.toFixed(3)).padStart(7)} ${String(p.cvNeurons).padStart(9)} ${(Number.isNaN(p.isiCvPoissonRef) ? '-' : p.isiCvPoissonRef.toFixed(3)).padStart(11)}`,
    );
  lines.push(
    '  ISI CV: mean over neurons with >= 3 spikes in the window; Poisson ref: the same estimator on Poisson trains (CV 1) with the same counts and window',
  );
  if (out !== undefined)
    lines.push(`  wrote ${join(out, format === 'sonata' ? 'spikes.h5' : 'spikes.csv')} and ${join(out, 'rates.json')}`);
  return lines.join('\n') + '\n';
}

async function writePlots(
  out: string,
  desc: NetworkDescription,
  trains: PopulationSpikeTrain[],
  stats: PopulationStats[],
  fromMs: number,
  toMs: number,
): Promise<void> {
  const { renderSvg } = await import('../../report/plots.js');
  const { populationRasterChart, populationRateChart, populationRateBarChart } =
    await import('../../report/network.js');
  const rasterTo = Math.min(toMs, fromMs + 200);
  writeFileAtomic(
    join(out, 'raster.svg'),
    await renderSvg(populationRasterChart(`Spikes ${fromMs}-${rasterTo} ms`, trains, fromMs, rasterTo, 100)),
  );
  writeFileAtomic(
    join(out, 'rates.svg'),
    await renderSvg(populationRateChart('Population rate (5 ms bins)', trains, fromMs, toMs, 5)),
  );
  // the published PD14 full-scale bands, when this is the full-scale microcircuit with Poisson drive
  const m = desc.meta;
  const pd14Full =
    typeof m.model === 'string' &&
    m.model.startsWith('Potjans') &&
    m.nScale === 1 &&
    m.kScale === 1 &&
    m.background === 'poisson';
  const bands = pd14Full
    ? Object.fromEntries(PD14_POPULATIONS.map((p, i) => [p, PD14_RATE_BANDS_HZ[i] as readonly [number, number]]))
    : undefined;
  writeFileAtomic(
    join(out, 'rate-bars.svg'),
    await renderSvg(
      populationRateBarChart(
        pd14Full ? 'Mean rate per population (grey: published full-scale band)' : 'Mean rate per population',
        stats,
        bands,
      ),
    ),
  );
}

async function runRandom(args: ParsedArgs): Promise<number> {
  const c = 'simulate';
  const neurons = num(c, args, 'neurons', { min: 2, integer: true, fallback: 10000 });
  const fanOut = num(c, args, 'fanout', { min: 0, max: neurons - 1, integer: true, fallback: 100 });
  const rate = num(c, args, 'rate', { min: 0, fallback: 10 });
  const durationMs = num(c, args, 'duration-ms', { min: 0 });
  const mode = choice(c, args, 'mode', MODES, 'discrete');
  const dtMs = num(c, args, 'dt-ms', { min: 1e-6, fallback: 1 });
  const delayMs = num(c, args, 'delay-ms', { min: 0, fallback: 1 });
  const seed = num(c, args, 'seed', { integer: true, fallback: 1 });
  const threads = num(c, args, 'threads', { min: 1, max: 64, integer: true });
  const driveHz = str(args, 'drive-hz') !== undefined ? num(c, args, 'drive-hz', { min: 0 }) : driveRateForOutput(rate);
  const t0 = performance.now();
  const net = buildRandomNetwork({ neurons, fanOut, seed, delayMs: { kind: 'fixed', value: delayMs } });
  const buildMs = performance.now() - t0;
  const bar = new ProgressBar(`simulate ${mode}`, Math.round(durationMs));
  const onProgress = (done: number): void => bar.update(Math.round(done));
  let r: {
    spikes: number;
    meanRateHz: number;
    synOps: number;
    externalEvents: number;
    durationMs: number;
    dtMs: number;
    simMs: number;
  };
  let engine: string;
  let threadsUsed = 1;
  if (mode === 'discrete') {
    // the one engine of every network: the random network compiled as a description (ring fast path, threads)
    const compiled = compileRandomNetwork(net, { dtMs, externalRateHz: driveHz, seed: seed + 1 });
    const d = simulateDescription(compiled, { durationMs, threads, onProgress });
    r = { ...d, meanRateHz: d.meanRateHz.N as number };
    engine = `simulateDescription (${d.path === 'ring' ? 'ring fast path' : 'general loop'})`;
    threadsUsed = d.threads;
  } else {
    r = simulateRandomNetwork(net, { mode, durationMs, dtMs, externalRateHz: driveHz, seed: seed + 1, onProgress });
    engine = 'simulateRandomNetwork (continuous)';
  }
  bar.finish();
  const out = {
    mode,
    engine,
    seed,
    threads: threadsUsed,
    neurons: net.neurons,
    synapses: net.synapses.targets.length,
    durationMs: r.durationMs,
    dtMs: r.dtMs,
    driveHz,
    spikes: r.spikes,
    meanRateHz: r.meanRateHz,
    synOps: r.synOps,
    externalEvents: r.externalEvents,
    synOpsPerSec: r.simMs > 0 ? r.synOps / (r.simMs / 1000) : 0,
    wallMs: r.simMs,
    buildMs,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  };
  if (flag(args, 'json')) process.stdout.write(JSON.stringify(out) + '\n');
  else {
    process.stdout.write(
      [
        `${mode} simulation of ${out.neurons} neurons, ${out.synapses} synapses, ${out.durationMs} ms (dt ${out.dtMs} ms, drive ${driveHz.toFixed(1)} Hz, seed ${seed}; ${engine}, ${threadsUsed} thread(s))`,
        `  spikes ${out.spikes}, mean rate ${out.meanRateHz.toFixed(2)} Hz`,
        `  synaptic events ${out.synOps} (${(out.synOpsPerSec / 1e6).toFixed(1)}M/s), external events ${out.externalEvents}`,
        `  wall ${out.wallMs.toFixed(0)} ms (+ build ${out.buildMs.toFixed(0)} ms), peak RSS ${out.peakRssMB.toFixed(0)} MB`,
      ].join('\n') + '\n',
    );
  }
  return 0;
}
