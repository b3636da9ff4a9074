#!/usr/bin/env python3
"""Writes an SHD-sized synthetic file for bench/data.ts (never committed): the published shd_train.h5 layout and
size (8156 samples, float16 ragged times in seconds, uint16 units 0..699, gzip-chunked), with random spike trains
of ~8000 spikes per sample over ~0.9 s. Usage: /usr/bin/python3 make_shd_full_size.py OUT.h5 [SAMPLES] [SPIKES]"""
import sys
import h5py
import numpy as np

out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 8156
mean_spikes = int(sys.argv[3]) if len(sys.argv) > 3 else 8000
rng = np.random.default_rng(0)
with h5py.File(out, "w") as f:
    times = f.create_dataset("spikes/times", (n,), dtype=h5py.vlen_dtype(np.float16), chunks=(256,), compression="gzip")
    units = f.create_dataset("spikes/units", (n,), dtype=h5py.vlen_dtype(np.uint16), chunks=(256,), compression="gzip")
    for i in range(n):
        k = int(rng.integers(mean_spikes // 2, mean_spikes * 3 // 2))
        times[i] = np.sort(rng.uniform(0, 0.9, k)).astype(np.float16)
        units[i] = rng.integers(0, 700, k).astype(np.uint16)
    f.create_dataset("labels", data=rng.integers(0, 20, n).astype(np.uint16))
    f.create_dataset("extra/keys", data=np.array([f"class-{c}" for c in range(20)], dtype=h5py.string_dtype()))
