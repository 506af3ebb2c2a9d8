// Activation.h — one elementwise nonlinearity φ and its Gaussian duals (the stax "elementwise" unit).
// In: the kind (relu, leaky_relu(alpha), erf, tanh, gelu, sin(omega), identity, or a custom φ, φ').
// Out: φ(z), φ'(z) for the finite network; the dual pair T = E[φ(u)φ(v)], Ṫ = E[φ'(u)φ'(v)] for
// (u,v) ~ N(0, [[q11,q12],[q12,q22]]) for the infinite-width kernels.
// Closed forms (CONVENTIONS §1) for relu, leaky_relu, erf, gelu, sin, identity. tanh and custom
// activations: `dualByQuadrature` integrates in 2-D (GaussianQuadrature, ~1e-10 relative for variances
// up to ~10); Gram blocks use Mehler's series (HermiteDual), which agrees with it and is ~10³× faster.
// Pairs involving a variance whose series does not converge (q ≳ 100 for tanh) fall back to the 2-D rule.
// The coefficients are cached per distinct variance, at most 256 MB per activation (and its copies).
// Thread-safety: immutable after construction; all methods are const and safe from any thread.
#pragma once
#include <memory>
#include <string>

#include <Eigen/Dense>

#include "core/kernels/GaussianQuadrature.h"

namespace ntk {

enum class ActivationKind { Relu, LeakyRelu, Erf, Tanh, Gelu, Sin, Identity, Custom };

struct Dual {
  double T = 0.0;    ///< E[φ(u) φ(v)]
  double Tdot = 0.0; ///< E[φ'(u) φ'(v)]
};

class Activation {
public:
  /// `parameter` is alpha for leaky_relu, omega for sin, ignored otherwise.
  explicit Activation(ActivationKind kind = ActivationKind::Relu, double parameter = 0.0);
  /// Any φ with derivative φ'; its duals come from quadrature. `kinkAtZero` selects the polar
  /// rule for piecewise-smooth φ with a kink at 0; otherwise the smooth trapezoid rule is used.
  static Activation custom(std::string name, ScalarFn phi, ScalarFn dphi, bool kinkAtZero = false);

  ActivationKind kind() const { return m_kind; }
  double parameter() const { return m_parameter; }
  /// JSON type name: "relu", "leaky_relu", …
  std::string name() const;
  /// Human label with parameters, e.g. "sin(30·z)".
  std::string label() const;

  double value(double z) const;
  double derivative(double z) const;

  bool hasClosedForm() const;
  /// Closed form where one exists, quadrature otherwise.
  Dual dual(double q11, double q12, double q22) const;
  /// Always by quadrature (tests compare it with the closed forms).
  Dual dualByQuadrature(double q11, double q12, double q22) const;
  /// The quadrature rule used for variances up to qMax.
  QuadratureRule quadratureRule(double qMax) const;

  /// Applies the dual to a block of pairs, in place: nngp(i,j) ← T(var1[i], nngp(i,j), var2[j]);
  /// if ntk is non-null, ntk(i,j) ← Ṫ · ntk(i,j). var1/var2 are the per-point variances (rows/cols).
  void applyToBlock(Eigen::Ref<Eigen::ArrayXXd> nngp, Eigen::ArrayXXd* ntk, const double* var1,
                    const double* var2) const;

  /// Per-point variance map q ← E[φ(u)²], u ~ N(0, q).
  double varianceMap(double q) const { return dual(q, q, q).T; }

  bool operator==(const Activation& o) const;

  /// Whether blocks use the Mehler series (smooth φ without a closed form) instead of 2-D quadrature.
  bool usesHermiteSeries() const;
  /// Bytes the Hermite-coefficient cache holds now (0 without one); the cache is shared by copies.
  double hermiteCacheBytes() const;
  /// Bound of that cache in bytes (default 256 MB); past it the cache is emptied and refilled.
  void setHermiteCacheLimit(double bytes);

private:
  struct CustomFns;
  struct HermiteCache;
  /// Hermite coefficients of φ(√q·) for variance q, computed once per distinct q (thread-safe cache).
  std::shared_ptr<const struct HermiteCoefficients> hermiteFor(double q) const;

  ActivationKind m_kind;
  double m_parameter;
  std::shared_ptr<const CustomFns> m_custom;
  std::shared_ptr<HermiteCache> m_hermite; ///< shared by copies: same φ, same coefficients
};

} // namespace ntk
