// ReluBlock.h — the ReLU dual applied to a whole block of pairs, written for SIMD.
// In: a column-major block q (rows by cols, leading dimension ld) of covariances q12, the optional
// NTK block, and the per-row / per-column variances q11, q22. Out: q ← T, ntk ← Ṫ·ntk, in place.
// Why a separate kernel: this loop is the Gram's hot path (one per pair and layer). It uses a
// branch-free arccos (fdlibm's rational approximation, |error| ≤ 4.5e-16) so the compiler can
// vectorise it, and it is compiled for AVX2 and baseline x86-64 with run-time dispatch.
// Thread-safety: pure; safe on disjoint blocks.
#pragma once
#include <cstddef>

namespace ntk {

/// Leaky variant: slope `alpha` for z < 0 (alpha = 0 is ReLU).
void reluDualBlock(double* q, double* ntk, std::ptrdiff_t rows, std::ptrdiff_t cols, std::ptrdiff_t ld,
                   const double* var1, const double* var2, double alpha);

} // namespace ntk
