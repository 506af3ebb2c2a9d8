// HermiteDual.h — fast Gaussian duals of smooth activations by Mehler's formula.
// In: φ, φ' and a variance q; later two coefficient sets and a correlation ρ.
// Out: the normalised Hermite coefficients c_n = E[φ(√q z) h_n(z)], d_n = E[φ'(√q z) h_n(z)]
// (z ~ N(0,1), h_n = He_n/√n!), and T = Σ c_n(q11) c_n(q22) ρⁿ, Ṫ = Σ d_n(q11) d_n(q22) ρⁿ.
// Why: a 2-D quadrature per pair costs ~10⁴ evaluations of φ; the coefficients cost that once per
// distinct variance, and each pair is then an O(N) polynomial. For φ analytic in a strip |Im z| < d
// the coefficients decay like exp(−d√(2n)/√q), so N is ~50 at q = 1 and ~500 at q = 10. The series is
// cut where the next coefficients fall below 1e-11 of the largest, so products (and the ρ = 1 diagonal) are
// accurate to ~1e-12. Not for kinked φ (ReLU-like): their coefficients decay only algebraically.
// Thread-safety: pure functions.
#pragma once
#include <vector>

#include "core/kernels/GaussianQuadrature.h"

namespace ntk {

struct HermiteCoefficients {
  std::vector<double> value;      ///< c_n, n = 0 … N−1
  std::vector<double> derivative; ///< d_n, n = 0 … N−1
};

/// Coefficients of φ(√q z) and φ'(√q z). `step` is the trapezoid step in z (≤ 0.05 is always used).
HermiteCoefficients hermiteCoefficients(const ScalarFn& phi, const ScalarFn& dphi, double q, double step,
                                        int maxTerms = 4000);

/// T and Ṫ of a pair from the two points' coefficients and ρ = q12/√(q11 q22) ∈ [−1, 1].
void mehlerDual(const HermiteCoefficients& a, const HermiteCoefficients& b, double rho, double& T, double& Tdot);

} // namespace ntk
