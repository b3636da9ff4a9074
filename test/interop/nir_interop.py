"""Interop helper for test/interop/nir.interop.ts: runs the reference NIR implementation (the `nir` package).

  check IN OUT      nir.read(IN, type_check=True), print a JSON summary, nir.write(OUT) (gzip, as nir.write does)
  build OUTDIR      build CubaLIF / LIF / Affine graphs with nir's own classes, nir.write them, and simulate each
                    one here (forward Euler of NIR's equations, float64, spike when v > v_threshold, reset to
                    v_reset in the same step) on a fixed input; write OUTDIR/<name>.nir and OUTDIR/cases.json

The simulation below is written from NIR's documented equations (nir/ir/neuron.py), independently of rouser:
  CubaLIF: tau_syn dI/dt = -I + w_in x;  tau_mem dv/dt = (v_leak - v) + r I
  LIF:     tau dv/dt = (v_leak - v) + r x
forward Euler with step dt, I updated first and the new I used for v (snnTorch / Norse update order).
"""
import json
import sys

import numpy as np

import nir


def summary(g):
    nodes = {}
    for name, n in g.nodes.items():
        d = {"type": type(n).__name__}
        it = n.input_type.get("input") if hasattr(n, "input_type") and n.input_type else None
        ot = n.output_type.get("output") if hasattr(n, "output_type") and n.output_type else None
        d["input"] = None if it is None else [int(x) for x in it]
        d["output"] = None if ot is None else [int(x) for x in ot]
        nodes[name] = d
    return {"nodes": nodes, "edges": [list(e) for e in g.edges]}


def check(src, dst):
    g = nir.read(src, type_check=True)
    print(json.dumps(summary(g)))
    nir.write(dst, g)


def simulate(nodes, chain, dt, x):
    """x: (T, n_in) input; chain: node names from input to output. Returns spikes of the last spiking node."""
    state = {}
    T = x.shape[0]
    out = []
    for t in range(T):
        h = x[t].astype(np.float64)
        spikes = None
        for name in chain:
            n = nodes[name]
            if isinstance(n, (nir.Input, nir.Output, nir.Flatten)):
                continue  # the input is already the flat (row-major) vector
            if isinstance(n, nir.Affine):
                h = n.weight.astype(np.float64) @ h + n.bias.astype(np.float64)
            elif isinstance(n, nir.Linear):
                h = n.weight.astype(np.float64) @ h
            elif isinstance(n, nir.CubaLIF):
                i, v = state.get(name, (np.zeros_like(h), np.zeros_like(h)))
                i = i + dt / n.tau_syn * (-i + n.w_in * h)
                v = v + dt / n.tau_mem * (n.v_leak - v + n.r * i)
                z = v > n.v_threshold
                v = np.where(z, n.v_reset, v)
                state[name] = (i, v)
                h = z.astype(np.float64)
                spikes = h
            elif isinstance(n, nir.LIF):
                v = state.get(name, np.zeros_like(h))
                v = v + dt / n.tau * (n.v_leak - v + n.r * h)
                z = v > n.v_threshold
                v = np.where(z, n.v_reset, v)
                state[name] = v
                h = z.astype(np.float64)
                spikes = h
            else:
                raise ValueError(f"no simulation for {type(n).__name__}")
        out.append([int(k) for k in np.nonzero(spikes)[0]])
    return out


def build(outdir):
    rng = np.random.default_rng(20261129)
    dt = 1e-3
    T = 60
    cases = []

    def f32(a):
        return np.asarray(a, dtype=np.float32)

    # 1. Input[6] -> Affine -> CubaLIF(5, per-neuron thresholds, heterogeneous w_in and r) -> Linear -> CubaLIF(3)
    n_in, n_h, n_out = 6, 5, 3
    nodes = {
        "input": nir.Input(input_type={"input": np.array([n_in])}),
        "fc1": nir.Affine(weight=f32(rng.normal(0.6, 0.5, (n_h, n_in))), bias=f32(rng.normal(0.02, 0.02, n_h))),
        "lif1": nir.CubaLIF(
            tau_syn=f32(np.full(n_h, 4e-3)),
            tau_mem=f32(np.full(n_h, 2e-2)),
            r=f32(rng.uniform(5, 25, n_h)),
            v_leak=f32(np.zeros(n_h)),
            v_threshold=f32(rng.uniform(0.5, 1.5, n_h)),
            v_reset=f32(np.zeros(n_h)),
            w_in=f32(rng.uniform(1, 5, n_h)),
        ),
        "fc2": nir.Linear(weight=f32(rng.normal(1.0, 0.6, (n_out, n_h)))),
        "lif2": nir.CubaLIF(
            tau_syn=f32(np.full(n_out, 5e-3)),
            tau_mem=f32(np.full(n_out, 1e-2)),
            r=f32(np.full(n_out, 10.0)),
            v_leak=f32(np.zeros(n_out)),
            v_threshold=f32(np.array([0.4, 0.7, 1.0])),
            v_reset=f32(np.zeros(n_out)),
            w_in=f32(np.full(n_out, 5.0)),
        ),
        "output": nir.Output(output_type={"output": np.array([n_out])}),
    }
    chain = ["input", "fc1", "lif1", "fc2", "lif2", "output"]
    cases.append(("cubalif", nodes, chain, n_in))

    # 2. Input[4] -> Linear -> LIF(6, v_leak != 0 on some neurons, float64 parameters as numpy-built graphs have)
    n_in, n_h = 4, 6
    nodes = {
        "input": nir.Input(input_type={"input": np.array([n_in])}),
        "w": nir.Linear(weight=rng.normal(1.0, 0.8, (n_h, n_in))),
        "lif": nir.LIF(
            tau=np.full(n_h, 5e-3),
            r=rng.uniform(1, 8, n_h),
            v_leak=np.array([0.0, 0.0, 0.3, 1.2, 0.0, -0.2]),
            v_threshold=rng.uniform(0.3, 1.0, n_h),
            v_reset=np.zeros(n_h),
        ),
        "output": nir.Output(output_type={"output": np.array([n_h])}),
    }
    chain = ["input", "w", "lif", "output"]
    cases.append(("lif", nodes, chain, n_in))

    # 3. Input[3] -> Affine -> LIF(2)
    nodes = {
        "input": nir.Input(input_type={"input": np.array([3])}),
        "aff": nir.Affine(weight=f32([[2.0, -1.0, 0.5], [0.3, 0.9, 1.4]]), bias=f32([0.1, -0.05])),
        "lif": nir.LIF(tau=f32([2e-3, 2e-3]), r=f32([2.0, 2.0]), v_leak=f32([0, 0]), v_threshold=f32([0.5, 0.8]), v_reset=f32([0, 0])),
        "output": nir.Output(output_type={"output": np.array([2])}),
    }
    chain = ["input", "aff", "lif", "output"]
    cases.append(("affine", nodes, chain, 3))

    # 4. Input[2, 3] -> Flatten -> Linear(4 x 6) -> LIF(4): nir.write stores Flatten's dims as int64 scalars
    nodes = {
        "input": nir.Input(input_type={"input": np.array([2, 3])}),
        "flat": nir.Flatten(input_type={"input": np.array([2, 3])}, start_dim=0, end_dim=-1),
        "w": nir.Linear(weight=f32(rng.normal(1.2, 0.5, (4, 6)))),
        "lif": nir.LIF(tau=f32(np.full(4, 3e-3)), r=f32(np.full(4, 3.0)), v_leak=f32(np.zeros(4)), v_threshold=f32([0.6, 0.8, 1.0, 1.2]), v_reset=f32(np.zeros(4))),
        "output": nir.Output(output_type={"output": np.array([4])}),
    }
    chain = ["input", "flat", "w", "lif", "output"]
    cases.append(("flatten", nodes, chain, 6))

    out = []
    for name, nodes, chain, n_in in cases:
        edges = [(chain[k], chain[k + 1]) for k in range(len(chain) - 1)]
        g = nir.NIRGraph(nodes=nodes, edges=edges, metadata={"dt": dt}, type_check=True)
        path = f"{outdir}/{name}.nir"
        nir.write(path, g)
        x = (rng.uniform(size=(T, n_in)) < 0.3).astype(np.float64)
        spikes = simulate(g.nodes, chain, dt, x)
        out.append({"name": name, "path": path, "steps": T, "inputs": x.astype(int).tolist(), "spikes": spikes})
    with open(f"{outdir}/cases.json", "w") as f:
        json.dump({"nir": nir.version if hasattr(nir, "version") else "?", "cases": out}, f)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "check":
        check(sys.argv[2], sys.argv[3])
    elif cmd == "build":
        build(sys.argv[2])
    else:
        raise SystemExit(f"unknown command {cmd}")
