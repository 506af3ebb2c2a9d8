#!/usr/bin/env python3
"""Vectorised NumPy implementation of the same NTK recursion (CONVENTIONS §1), for comparison with
`ntk-cli bench gram`. Same network (4 Dense, ReLU, W_std = √2, b_std = 0.1, NTK parameterisation),
same m and d, median of 5 runs. Optional: needs python3-numpy (Debian), not part of the build.
Usage: /usr/bin/python3 bench/numpy_gram.py [--m 4096] [--dim 2]"""
import argparse
import json
import time

import numpy as np


def ntk_gram(X, depth=4, w=np.sqrt(2.0), b=0.1):
    d0 = X.shape[1]
    q = w * w * (X @ X.T) / d0 + b * b
    theta = q.copy()
    for _ in range(depth - 1):
        diag = np.diag(q)
        s = np.sqrt(np.outer(diag, diag))
        rho = np.clip(q / s, -1.0, 1.0)
        t = np.arccos(rho)
        T = s * (np.sqrt(1.0 - rho * rho) + (np.pi - t) * rho) / (2 * np.pi)
        Tdot = (np.pi - t) / (2 * np.pi)
        q = w * w * T + b * b
        theta = q + w * w * Tdot * theta
    return theta


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--m", type=int, default=4096)
    ap.add_argument("--dim", type=int, default=2)
    a = ap.parse_args()
    X = np.random.default_rng(12345).random((a.m, a.dim))
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        K = ntk_gram(X)
        times.append(time.perf_counter() - t0)
    times.sort()
    print(json.dumps({"bench": "numpy_gram", "m": a.m, "dim": a.dim, "seconds": times[2],
                      "entries": a.m * a.m, "entries_per_second": a.m * a.m / times[2], "checksum": float(K.sum())}))


if __name__ == "__main__":
    main()
