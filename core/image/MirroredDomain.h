// MirroredDomain.h — the whole-sample symmetric extension of a strided image training grid: the periodic
// domain on which the mirrored regression (RegressionPath::Mirror) has a block-circulant Gram, and the
// rounding of the encoding's frequencies that makes the kernel periodic on it.
// In: the image width W and height H, the stride s (training pixels at multiples of s: an Ht × Wt grid,
// Ht = ⌈H/s⌉; at least 2 along each axis); for the rounding, the frequency matrix B (M × 2, column 0
// multiplies x = col/W, column 1 y = row/H).
// Out, per axis: the grid reflected about its first (0) and last ((n_t − 1)·s) training pixel, so one
// period holds 2(n_t − 1) samples and P = 2(n_t − 1)·s pixels (W = 256, s = 2: columns 0..254, P = 508);
// sample j of a period is the training sample source[j] (j for j < n_t, 2(n_t − 1) − j after). A mirrored
// copy lies at a multiple of s, and every multiple of s inside the image is a training pixel: no copy
// lands on a held-out pixel (copies inside the image are the last training pixel itself). P ≥ W.
// B rounded to the nearest multiple of 1/L per column, L = P/W (resp. P/H) in v units, so every
// cos 2π b̃(v − v') is L-periodic; the largest |b − b̃| is returned (callers must report it).
#pragma once
#include <vector>

#include <Eigen/Dense>

#include "core/network/Network.h"

namespace ntk {

struct MirroredAxis {
  int pixels = 0;          ///< W (or H): the image's extent
  int stride = 1;
  int trainSamples = 0;    ///< n_t = ⌈pixels / stride⌉
  int periodSamples = 0;   ///< 2(n_t − 1)
  int periodPixels = 0;    ///< P = periodSamples · stride
  std::vector<int> source; ///< periodSamples: the training index of each sample of one period
  double length() const { return double(periodPixels) / pixels; } ///< L, the period in v units
};

struct MirroredDomain {
  MirroredAxis x, y; ///< columns, rows
};

/// Throws InputError (with the reason) when an axis has fewer than 2 training samples.
MirroredDomain mirroredDomain(int width, int height, int stride);

/// `net` with its encoding replaced by a 'fourier' encoding whose frequencies are B rounded to multiples of
/// 1/L per axis; `maxChange` gets max |b − b̃| (cycles per unit of v). Throws InputError for encoding none
/// (no frequencies: the kernel is not stationary) or input_dim ≠ 2.
Network withMirroredPeriodFrequencies(const Network& net, const MirroredDomain& domain, double* maxChange);

} // namespace ntk
