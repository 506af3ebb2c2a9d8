#!/usr/bin/env python3
"""One Adam step of Tancik et al.'s image MLP in PyTorch, for comparison with ntk::MlpTrainer.

Gaussian Fourier features (256, sigma = 10) of 256x256 pixel coordinates, 4 layers (Dense 256, ReLU x3,
Dense 3), sigmoid output, MSE, Adam lr 1e-3, full batch of 65,536 pixels, float32 on the CPU.
Prints the median of several steps (after one warm-up step). The C++ counterpart is
`NTK_MLP_BENCH=1 test_mlp_trainer benchTancikStep`.

Usage: python3 bench/torch_mlp_step.py [--threads N] [--steps S] [--size 256]
"""
import argparse
import math
import statistics
import time

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    ap.add_argument("--steps", type=int, default=7)
    ap.add_argument("--size", type=int, default=256)
    args = ap.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    n = args.size
    rows, cols = torch.meshgrid(torch.arange(n), torch.arange(n), indexing="ij")
    v = torch.stack([cols.flatten() / n, rows.flatten() / n], dim=1).double()
    B = torch.randn(256, 2, dtype=torch.float64) * 10.0
    phase = 2 * math.pi * v @ B.T
    x = torch.cat([torch.cos(phase), torch.sin(phase)], dim=1).float()  # 65536 x 512
    y = torch.rand(n * n, 3)
    net = torch.nn.Sequential(
        torch.nn.Linear(512, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 3), torch.nn.Sigmoid())
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = torch.mean((net(x) - y) ** 2)
        loss.backward()
        opt.step()
        return loss.item()

    step()  # warm-up
    times = []
    for _ in range(args.steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    with torch.no_grad():
        t0 = time.perf_counter()
        net(x)
        pred = time.perf_counter() - t0
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {n * n} pixels: "
          f"Adam step median {statistics.median(times):.3f} s (min {min(times):.3f}, max {max(times):.3f}); "
          f"forward {pred:.3f} s")


if __name__ == "__main__":
    main()
