// HermiteDual.h — fast Gaussian duals of smooth activations by Mehler's formula.
// In: φ, φ' and a variance q; later two coefficient sets and a correlation ρ.
// Out: the normalised Hermite coefficients c_n = E[φ(√q z) h_n(z)], d_n = E[φ'(√q z) h_n(z)]
// (z ~ N(0,1), h_n = He_n/√n!), and T = Σ c_n(q11) c_n(q22) ρⁿ, Ṫ = Σ d_n(q11) d_n(q22) ρⁿ.
// Why: a 2-D quadrature per pair costs ~10⁴ evaluations of φ; the coefficients cost that once per
// distinct variance, and each pair is then an O(N) polynomial. For φ analytic in a strip |Im z| < d
// the coefficients decay like exp(−d√(2n)/√q): measured for tanh, N ≈ 330 terms at q = 1 and ≈ 3000
// at q = 10. The series is cut where the next coefficients fall below 1e-11 of the largest, so products
// (and the ρ = 1 diagonal) are accurate to ~1e-12. A pair with |ρ| < 1 needs fewer terms: the sum stops
// once |ρ|ⁿ times the Cauchy–Schwarz bound of the rest is below 1e-15 of the series' scale, so only
// |ρ| ≈ 1 pairs pay for all N. Past `maxTerms` (q ≳ 100 for tanh) the coefficients are marked not
// converged and callers must use a 2-D quadrature instead. Not for kinked φ (ReLU-like): their
// coefficients decay only algebraically.
// Thread-safety: pure functions.
#pragma once
#include <vector>

#include "core/kernels/GaussianQuadrature.h"

namespace ntk {

struct HermiteCoefficients {
  std::vector<double> value;      ///< c_n, n = 0 … N−1
  std::vector<double> derivative; ///< d_n, n = 0 … N−1
  std::vector<double> valueTail;      ///< √(Σ_{k≥n} c_k²), n = 0 … N (last entry 0): bounds the rest of a sum
  std::vector<double> derivativeTail; ///< √(Σ_{k≥n} d_k²), n = 0 … N
  /// False when maxTerms were reached before the coefficients decayed: the series would be truncated.
  bool converged = true;

  /// Bytes held (for caches bounded by memory).
  double bytes() const { return 8.0 * double(value.size() + derivative.size() + valueTail.size() + derivativeTail.size()); }
};

/// Coefficients of φ(√q z) and φ'(√q z). `step` is the trapezoid step in z (≤ 0.05 is always used).
HermiteCoefficients hermiteCoefficients(const ScalarFn& phi, const ScalarFn& dphi, double q, double step,
                                        int maxTerms = 4000);

/// T and Ṫ of a pair from the two points' coefficients and ρ = q12/√(q11 q22) ∈ [−1, 1].
/// Precondition: both coefficient sets converged (otherwise the result is a truncated series).
void mehlerDual(const HermiteCoefficients& a, const HermiteCoefficients& b, double rho, double& T, double& Tdot);

} // namespace ntk
