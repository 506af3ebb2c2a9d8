// ChebyshevFlow.h — the kernel gradient-flow coefficients c_t = g_t(A)·y for a symmetric positive
// semi-definite operator A known only through its matrix–vector product (a Toeplitz or masked Gram plus
// ridge, applied by FFT), by a Chebyshev expansion of g_t on an interval [0, ρ] that holds A's spectrum.
// In: τ = t/m (time over the number of training points), an upper bound ρ ≥ λ_max(A), a tolerance; then
// the product v ↦ A·v and y. Out: c ≈ g_t(A)·y with g_t(μ) = (1 − e^{−μτ})/μ (g_t(0) = τ).
// Why Chebyshev and not Lanczos: g_t is entire, so its Chebyshev coefficients on [0, ρ] decay
// super-geometrically once k exceeds ~√(τρ); the error is max_{[0,ρ]} |g_t − p_n| · ‖y‖ whatever A's
// spectrum inside [0, ρ], known before the first product, with three vectors of storage (Lanczos would
// store its basis or run twice) and no loss-of-orthogonality issue. The cost is n ≈ √(τρ·ln(1/tol))
// products (ρ: a guaranteed bound, ToeplitzProduct::maxEigenvalueBound — Gershgorin for a kernel ≥ 0,
// else the circulant embedding's λ_max, by interlacing). Predictions K_{*X}c have
// an error ≤ ‖K_{*X}‖·tol·max g_t·‖y‖ = tol·τ·‖K_{*X}‖‖y‖.
// Convention (KernelDynamics, ImageKernelRegression): loss (1/2m)Σ‖f(x_i) − y_i‖², the ridge inside A,
// so t = ∞ is A⁻¹y = predict(). Unlike the circulant path's pseudo-inverse, a direction with μ ≈ 0 gets
// g = τ (the exact flow); the two differ only without a ridge, on eigenvalues at rounding level.
// Thread-safety: pure functions; apply() calls `product` from the calling thread only.
#pragma once
#include <cstddef>
#include <functional>
#include <vector>

#include "core/util/JobControl.h"

namespace ntk {

/// g(x) ≈ Σ'_k c_k T_k(2x/ρ − 1) on [0, ρ] (the first term halved).
struct ChebyshevSeries {
  double rho = 0.0;
  std::vector<double> coefficients;
  int terms() const { return int(coefficients.size()); }
};

/// The series of g_t(μ) = (1 − e^{−μτ})/μ on [0, ρ], truncated after the last coefficient above
/// 0.01·tol·max g_t (max g_t = τ): the uniform error on [0, ρ] is about tol·τ. τ > 0 finite, ρ > 0. Throws NumericalError when more than maxTerms are needed.
ChebyshevSeries gradientFlowSeries(double tau, double rho, double tol = 1e-12, int maxTerms = 1 << 20);

/// c = Σ'_k c_k T_k(2A/ρ − 1) y by the three-term recurrence (one product per term). `product(x, out)`
/// writes A·x (n values). Checks `job` for cancellation and reports progress every 16 terms.
void applyChebyshevSeries(const ChebyshevSeries& series,
                          const std::function<void(const std::vector<double>&, std::vector<double>&)>& product,
                          const std::vector<double>& y, std::vector<double>& c, const JobControl& job = {});

/// A channel's operator v ↦ A·v, owning whatever workspace it needs (one per channel, so channels run in parallel).
using FlowProduct = std::function<void(const std::vector<double>&, std::vector<double>&)>;

/// The flow coefficients c_ch = g_t(A)·y_ch of every channel (solved in parallel, one ChannelProgress figure):
/// zero at τ = 0; the solved A⁻¹y (`solved`) once τ·μ_min ≥ 40 (e^{−μτ} < e^{−40} in every direction, μ ≥
/// `minEigenvalue`, the ridge); else gradientFlowSeries(τ, ρ) applied with the product `channel(ch, y)`
/// returns after filling y with channel ch's n targets. What the Toeplitz and masked image paths share.
std::vector<std::vector<double>> channelFlowCoefficients(double tau, double rho, double minEigenvalue,
                                                         const std::vector<std::vector<double>>& solved, std::size_t n,
                                                         const std::function<FlowProduct(int, std::vector<double>&)>& channel,
                                                         const JobControl& job = {});

} // namespace ntk
