#!/usr/bin/env python3
"""Brian2 peer of bench/microcircuit.ts: the PD14 microcircuit on the SAME connectivity Rouser built.

Reads the folder bench/microcircuit.ts exported (meta.json; pre.npy, post.npy global neuron ids; weight.npy in pA;
delay_steps.npy in dt steps; v0.npy initial membrane potentials in mV) and simulates the same model: NEST's
iaf_psc_exp (tau_syn_ex == tau_syn_in, so one synaptic current), exact integration (`method='exact'`), dt 0.1 ms,
refractory period with the current still decaying, an independent Poisson background per neuron (PoissonInput:
K_ext inputs at 8 Hz, each adding PSC_ext).

Prints one JSON line: target, build seconds (network construction + code generation/compilation), wall seconds of
the recorded run, wall seconds per biological second, peak RSS (MB, this process and its children), per-population
mean rates and ISI CV over the recorded window.

Usage: microcircuit_brian2.py DIR --target cython|cpp_standalone --presim-ms 500 --duration-ms 1000 [--threads 1]
"""
import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
import warnings

warnings.filterwarnings('ignore')


def peak_rss_mb():
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(me, kids) / 1024.0


def isi_cv(times_ms, ids, size):
    order = np.lexsort((times_ms, ids))
    t = times_ms[order]
    i = ids[order]
    cvs = []
    bounds = np.searchsorted(i, np.arange(size + 1))
    for n in range(size):
        row = t[bounds[n]:bounds[n + 1]]
        if len(row) >= 3:
            d = np.diff(row)
            if d.mean() > 0:
                cvs.append(d.std() / d.mean())
    return (float(np.mean(cvs)) if cvs else float('nan')), len(cvs)


ap = argparse.ArgumentParser()
ap.add_argument('dir')
ap.add_argument('--target', choices=['cython', 'cpp_standalone', 'numpy'], default='cython')
ap.add_argument('--presim-ms', type=float, default=500.0)
ap.add_argument('--duration-ms', type=float, default=1000.0)
ap.add_argument('--threads', type=int, default=1)
args = ap.parse_args()

t_start = time.perf_counter()
import numpy as np  # noqa: E402
import brian2 as b2  # noqa: E402
from brian2 import ms, mV, pA, pF, Hz  # noqa: E402

b2.prefs.logging.console_log_level = 'ERROR'
build_dir = None
if args.target == 'cpp_standalone':
    build_dir = tempfile.mkdtemp(prefix='rouser-brian2-')
    b2.set_device('cpp_standalone', directory=build_dir, build_on_run=False)
    if args.threads > 1:
        b2.prefs.devices.cpp_standalone.openmp_threads = args.threads
else:
    b2.prefs.codegen.target = args.target

with open(os.path.join(args.dir, 'meta.json')) as f:
    meta = json.load(f)
pre = np.load(os.path.join(args.dir, 'pre.npy')).astype(np.int32)
post = np.load(os.path.join(args.dir, 'post.npy')).astype(np.int32)
weight = np.load(os.path.join(args.dir, 'weight.npy')).astype(np.float64)
delay_steps = np.load(os.path.join(args.dir, 'delay_steps.npy')).astype(np.int64)
v0 = np.load(os.path.join(args.dir, 'v0.npy')).astype(np.float64)
t_loaded = time.perf_counter()

nrn = meta['neuron']
dt = meta['dtMs'] * ms
b2.defaultclock.dt = dt
pops = meta['populations']
n_total = sum(p['size'] for p in pops)
ns = {
    'E_L': nrn['E_L'] * mV, 'V_th': nrn['V_th'] * mV, 'V_reset': nrn['V_reset'] * mV,
    'tau_m': nrn['tau_m'] * ms, 'C_m': nrn['C_m'] * pF, 'tau_syn': nrn['tau_syn'] * ms,
}
eqs = '''
dv/dt = (E_L - v) / tau_m + (I_syn + I_e) / C_m : volt (unless refractory)
dI_syn/dt = -I_syn / tau_syn : amp
I_e : amp (constant)
'''
G = b2.NeuronGroup(n_total, eqs, threshold='v >= V_th', reset='v = V_reset', refractory=nrn['t_ref'] * ms,
                   method='exact', namespace=ns)
G.v = v0 * mV
ie = np.zeros(n_total)
for p in pops:
    ie[p['offset']:p['offset'] + p['size']] = p['I_e']
G.I_e = ie * pA
S = b2.Synapses(G, G, 'w : amp (constant)', on_pre='I_syn_post += w')
S.connect(i=pre, j=post)
S.w = weight * pA
S.delay = delay_steps * dt
inputs = []
for p in pops:
    if p['kExt'] > 0 and meta['background'] == 'poisson':
        inputs.append(b2.PoissonInput(G[p['offset']:p['offset'] + p['size']], 'I_syn', N=p['kExt'],
                                      rate=meta['bgRateHz'] * Hz, weight=meta['pscExtPa'] * pA))
mon = b2.SpikeMonitor(G)
net = b2.Network(G, S, mon, *inputs)
del pre, post, weight, delay_steps
t_built = time.perf_counter()

if args.target == 'cpp_standalone':
    net.run(args.presim_ms * ms)
    net.run(args.duration_ms * ms)
    t0 = time.perf_counter()
    b2.device.build(directory=build_dir, compile=True, run=False)
    t_compiled = time.perf_counter()
    b2.device.run(directory=build_dir, with_output=False, run_args=[])
    t_ran = time.perf_counter()
    # the binary's own timing of the simulation loop (both runs); split by biological time
    sim_s = float(b2.device._last_run_time)
    run_s = sim_s * args.duration_ms / (args.presim_ms + args.duration_ms)
    build_s = (t_built - t_loaded) + (t_compiled - t0)
    extra = {'binaryWallS': t_ran - t_compiled}
else:
    t0 = time.perf_counter()
    net.run(args.presim_ms * ms)  # first run: code generation + compilation + presimulation
    t1 = time.perf_counter()
    net.run(args.duration_ms * ms)
    t2 = time.perf_counter()
    run_s = t2 - t1
    build_s = (t_built - t_loaded) + max(0.0, (t1 - t0) - run_s * args.presim_ms / args.duration_ms)
    extra = {'firstRunS': t1 - t0}

times = np.asarray(mon.t / ms)
ids = np.asarray(mon.i)
keep = times >= args.presim_ms
times = times[keep]
ids = ids[keep]
rates = {}
cvs = {}
for p in pops:
    sel = (ids >= p['offset']) & (ids < p['offset'] + p['size'])
    rates[p['name']] = float(sel.sum() / (p['size'] * args.duration_ms / 1000.0))
    cvs[p['name']] = isi_cv(times[sel], ids[sel] - p['offset'], p['size'])[0]
out = {
    'peer': 'brian2', 'version': b2.__version__, 'target': args.target, 'threads': args.threads,
    'neurons': n_total, 'synapses': int(len(S)) if args.target != 'cpp_standalone' else meta['synapses'],
    'loadS': t_loaded - t_start, 'buildS': build_s, 'runS': run_s,
    'wallPerBioS': run_s / (args.duration_ms / 1000.0), 'peakRssMB': peak_rss_mb(),
    'ratesHz': rates, 'isiCv': cvs, **extra,
}
print(json.dumps(out))
if build_dir:
    shutil.rmtree(build_dir, ignore_errors=True)
sys.stdout.flush()
