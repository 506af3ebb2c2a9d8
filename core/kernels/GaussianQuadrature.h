// GaussianQuadrature.h — E[f(u) g(v)] for (u,v) ~ N(0, [[q11,q12],[q12,q22]]) by numerical quadrature.
// In: two scalar functions, the 2×2 covariance, and a rule. Out: the expectation.
// Why two rules: a smooth integrand converges geometrically under the trapezoid rule in the whitened
// variables (step chosen from how fast the activation grows off the real axis); a kink at 0 (ReLU-like)
// destroys that, so such integrands are done in polar coordinates, split at the four angles where
// u = 0 or v = 0, with Gauss–Legendre on each arc and in the radius — geometric again.
// Thread-safety: pure functions, safe from any thread.
#pragma once
#include <functional>

namespace ntk {

struct QuadratureRule {
  enum class Kind { Trapezoid, PolarSplit };
  Kind kind = Kind::Trapezoid;
  double step = 0.05;      ///< trapezoid step in whitened variables
  double halfWidth = 8.5;  ///< trapezoid on [-halfWidth, halfWidth]^2 (Gaussian weight e^{-36})
  int arcNodes = 24;       ///< polar: Gauss–Legendre nodes per arc
  int radialNodes = 48;    ///< polar: Gauss–Legendre nodes on [0, 9]
};

using ScalarFn = std::function<double(double)>;

/// E[f(u) g(v)] for (u,v) ~ N(0, Σ). Degenerate Σ (q11 q22 = 0, |ρ| = 1) is handled.
double gaussianExpectation2(const ScalarFn& f, const ScalarFn& g, double q11, double q12, double q22,
                            const QuadratureRule& rule);

/// Gauss–Legendre nodes/weights on [-1, 1] (Newton on the three-term recurrence; double accurate).
void gaussLegendre(int n, double* nodes, double* weights);

} // namespace ntk
