import { buildRandomNetwork, driveRateForOutput, simulateRandomNetwork, type SimulationMode } from '../../event/index.js';
import { choice, flag, num, str, type Command } from '../args.js';
import { ProgressBar } from '../progress.js';

const MODES: readonly SimulationMode[] = ['discrete', 'continuous'];

/**
 * `rouser simulate`: builds a random excitatory/inhibitory LIF network (fixed fan-out, 80% excitatory, J = 0.5 mV,
 * g = 5, 1 ms delays) driven by external Poisson input, simulates it with the event engine and reports counters.
 */
export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'simulate a random sparse E/I spiking network with the event-driven engine and count synaptic events',
  usage: 'rouser simulate --neurons N --fanout K --rate HZ --duration-ms MS [--mode discrete|continuous] [--dt-ms 1] [--threads T] [--seed S] [--json]',
  details: [
    'The network: N LIF neurons (tau 20 ms, threshold 20 mV, reset to 0), each with K outgoing synapses to uniform random',
    'targets (no self-connections), 80% excitatory (+0.5 mV), 20% inhibitory (-2.5 mV), 1 ms delays, external Poisson',
    'input of 2 mV events. --rate is the wanted mean output rate: the drive rate per neuron is read from a calibration',
    'of this network (K = 100, dt = 1 ms), so the result is only approximately HZ; --drive-hz sets the drive directly.',
    'discrete: clock-driven neurons at --dt-ms, event-driven delivery (calendar queue). continuous: exact event-driven',
    'simulation with continuous spike times (--dt-ms only batches the external drive).',
    '--threads T (discrete mode, one delay): worker threads over a neuron partition; spikes are identical for every T.',
  ].join('\n'),
  options: {
    neurons: { type: 'string', value: 'N', help: 'number of neurons', default: '10000' },
    fanout: { type: 'string', value: 'K', help: 'outgoing synapses per neuron', default: '100' },
    rate: { type: 'string', value: 'HZ', help: 'wanted mean output rate (approximate)', default: '10' },
    'drive-hz': { type: 'string', value: 'HZ', help: 'external Poisson rate per neuron (overrides the calibration from --rate)' },
    'duration-ms': { type: 'string', value: 'MS', help: 'simulated time in ms', default: '1000' },
    mode: { type: 'string', value: 'MODE', help: 'discrete | continuous', default: 'discrete' },
    'dt-ms': { type: 'string', value: 'MS', help: 'time step (discrete) or drive batching interval (continuous)', default: '1' },
    'delay-ms': { type: 'string', value: 'MS', help: 'synaptic delay (>= dt in discrete mode)', default: '1' },
    seed: { type: 'string', value: 'S', help: 'random seed (network and drive)', default: '1' },
    threads: { type: 'string', value: 'T', help: 'threads (discrete mode; same spikes for any T)', default: '1' },
    json: { type: 'boolean', help: 'print one JSON object on stdout' },
  },
  async run(args) {
    const c = 'simulate';
    const neurons = num(c, args, 'neurons', { min: 2, integer: true });
    const fanOut = num(c, args, 'fanout', { min: 0, max: neurons - 1, integer: true });
    const rate = num(c, args, 'rate', { min: 0 });
    const durationMs = num(c, args, 'duration-ms', { min: 0 });
    const mode = choice(c, args, 'mode', MODES, 'discrete');
    const dtMs = num(c, args, 'dt-ms', { min: 1e-6 });
    const delayMs = num(c, args, 'delay-ms', { min: 0 });
    const seed = num(c, args, 'seed', { integer: true });
    const threads = num(c, args, 'threads', { min: 1, max: 64, integer: true });
    const driveHz = str(args, 'drive-hz') !== undefined ? num(c, args, 'drive-hz', { min: 0 }) : driveRateForOutput(rate);
    const t0 = performance.now();
    const net = buildRandomNetwork({ neurons, fanOut, seed, delayMs: { kind: 'fixed', value: delayMs } });
    const buildMs = performance.now() - t0;
    const bar = new ProgressBar(`simulate ${mode}`, Math.round(durationMs));
    const r = simulateRandomNetwork(net, {
      mode,
      durationMs,
      dtMs,
      externalRateHz: driveHz,
      seed: seed + 1,
      threads,
      onProgress: (done) => bar.update(Math.round(done)),
    });
    bar.finish();
    const out = {
      mode,
      seed,
      threads,
      neurons: r.neurons,
      synapses: r.synapses,
      durationMs: r.durationMs,
      dtMs: r.dtMs,
      driveHz,
      spikes: r.spikes,
      meanRateHz: r.meanRateHz,
      synEvents: r.synEvents,
      externalEvents: r.externalEvents,
      eventsProcessed: r.eventsProcessed,
      synEventsPerSec: r.simMs > 0 ? r.synEvents / (r.simMs / 1000) : 0,
      wallMs: r.simMs,
      buildMs,
      peakRssMB: process.resourceUsage().maxRSS / 1024,
    };
    if (flag(args, 'json')) process.stdout.write(JSON.stringify(out) + '\n');
    else {
      process.stdout.write(
        [
          `${mode} simulation of ${out.neurons} neurons, ${out.synapses} synapses, ${out.durationMs} ms (dt ${out.dtMs} ms, drive ${driveHz.toFixed(1)} Hz, seed ${seed})`,
          `  spikes ${out.spikes}, mean rate ${out.meanRateHz.toFixed(2)} Hz`,
          `  synaptic events ${out.synEvents} (${(out.synEventsPerSec / 1e6).toFixed(1)}M/s), external events ${out.externalEvents}`,
          `  wall ${out.wallMs.toFixed(0)} ms (+ build ${out.buildMs.toFixed(0)} ms), peak RSS ${out.peakRssMB.toFixed(0)} MB`,
        ].join('\n') + '\n',
      );
    }
    return 0;
  },
};
