#include "core/network/Activation.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include <cstring>
#include <mutex>
#include <unordered_map>

#include "core/kernels/HermiteDual.h"
#include "core/kernels/ReluBlock.h"

namespace ntk {

namespace {
constexpr double kPi = 3.14159265358979323846;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;
constexpr double kInvSqrt2 = 0.70710678118654752440;

// ---- closed-form duals, (q11, q12, q22) → (T, Ṫ) ---------------------------------------------
inline Dual reluDual(double q11, double q12, double q22)
{
  const double s = std::sqrt(q11 * q22);
  if (!(s > 0.0)) return {0.0, 0.25}; // a zero-variance input: u ≡ 0, φ(u) = 0, φ'(0) = ½ convention
  const double rho = std::clamp(q12 / s, -1.0, 1.0);
  const double t = std::acos(rho);
  // sin(arccos ρ) = √(1−ρ²): one transcendental fewer per pair than sin(t).
  return {s * (std::sqrt(1.0 - rho * rho) + (kPi - t) * rho) / (2 * kPi), (kPi - t) / (2 * kPi)};
}

inline Dual erfDual(double q11, double q12, double q22)
{
  const double a = 1.0 + 2.0 * q11, b = 1.0 + 2.0 * q22;
  const double r = std::clamp(2.0 * q12 / std::sqrt(a * b), -1.0, 1.0);
  const double det = std::max(a * b - 4.0 * q12 * q12, 0.0);
  return {(2.0 / kPi) * std::asin(r), (4.0 / kPi) / std::sqrt(det)};
}

inline Dual sinDual(double w, double q11, double q12, double q22)
{
  const double w2 = w * w;
  // Two-exponential form: sinh/cosh(ω² q12) overflow at ω = 30.
  const double em = std::exp(-0.5 * w2 * (q11 + q22 - 2.0 * q12));
  const double ep = std::exp(-0.5 * w2 * (q11 + q22 + 2.0 * q12));
  return {0.5 * (em - ep), 0.5 * w2 * (em + ep)};
}

// GELU φ(z) = zΦ(z). With a = q11, b = q22, c = q12, α = 1+a, β = 1+b, Δ = αβ − c²,
// Gaussian integration by parts on E[u v 1{u>g1} 1{v>g2}] gives
//   T = c/4 + c·asin(c/√(αβ))/(2π) + [ab + c²(1−ab)/(αβ)] / (2π√Δ),
// and Ṫ = ∂T/∂c (Price's theorem).
inline Dual geluDual(double a, double c, double b)
{
  const double ab = a * b;
  const double s2 = (1.0 + a) * (1.0 + b);
  const double det = std::max(s2 - c * c, 1e-300);
  const double sd = std::sqrt(det);
  const double r = std::clamp(c / std::sqrt(s2), -1.0, 1.0);
  const double as = std::asin(r);
  const double n = ab + c * c * (1.0 - ab) / s2;
  const double T = 0.25 * c + c * as / (2 * kPi) + n / (2 * kPi * sd);
  const double Tdot = 0.25 + as / (2 * kPi) + c / (2 * kPi * sd) + (2.0 * c * (1.0 - ab) / s2) / (2 * kPi * sd) +
                      n * c / (2 * kPi * det * sd);
  return {T, Tdot};
}

inline double normalCdf(double z) { return 0.5 * std::erfc(-z * kInvSqrt2); }

} // namespace

struct Activation::CustomFns {
  std::string name;
  ScalarFn phi, dphi;
  bool kinkAtZero = false;
};

struct Activation::HermiteCache {
  /// Bound by bytes, not entries: one set is 16 bytes at q ≈ 0 but ~100 KB at q = 10 (N ≈ 3000, four arrays).
  std::mutex mutex;
  double maxBytes = 256.0 * 1024 * 1024;
  std::unordered_map<std::uint64_t, std::shared_ptr<const HermiteCoefficients>> byVariance;
  double bytes = 0.0;
};

Activation::Activation(ActivationKind kind, double parameter) : m_kind(kind), m_parameter(parameter)
{
  if (kind == ActivationKind::Tanh) m_hermite = std::make_shared<HermiteCache>();
}

bool Activation::usesHermiteSeries() const { return m_hermite != nullptr; }

double Activation::hermiteCacheBytes() const
{
  if (!m_hermite) return 0.0;
  std::lock_guard<std::mutex> lock(m_hermite->mutex);
  return m_hermite->bytes;
}

void Activation::setHermiteCacheLimit(double bytes)
{
  if (!m_hermite) return;
  std::lock_guard<std::mutex> lock(m_hermite->mutex);
  m_hermite->maxBytes = bytes;
}

std::shared_ptr<const HermiteCoefficients> Activation::hermiteFor(double q) const
{
  std::uint64_t key;
  std::memcpy(&key, &q, sizeof key);
  {
    std::lock_guard<std::mutex> lock(m_hermite->mutex);
    auto it = m_hermite->byVariance.find(key);
    if (it != m_hermite->byVariance.end()) return it->second;
  }
  // Computed outside the lock: two threads may both compute the same q; both results are identical.
  auto coeffs = std::make_shared<const HermiteCoefficients>(hermiteCoefficients(
      [this](double z) { return value(z); }, [this](double z) { return derivative(z); }, q, quadratureRule(q).step));
  std::lock_guard<std::mutex> lock(m_hermite->mutex);
  const double entryBytes = coeffs->bytes() + 64.0; // + the map node
  if (m_hermite->bytes + entryBytes > m_hermite->maxBytes) {
    // Callers hold shared_ptrs to what they use, so clearing never invalidates a running block.
    m_hermite->byVariance.clear();
    m_hermite->bytes = 0.0;
  }
  const auto [it, inserted] = m_hermite->byVariance.emplace(key, std::move(coeffs));
  if (inserted) m_hermite->bytes += entryBytes;
  return it->second;
}

Activation Activation::custom(std::string name, ScalarFn phi, ScalarFn dphi, bool kinkAtZero)
{
  Activation a(ActivationKind::Custom, 0.0);
  auto fns = std::make_shared<CustomFns>();
  fns->name = std::move(name);
  fns->phi = std::move(phi);
  fns->dphi = std::move(dphi);
  fns->kinkAtZero = kinkAtZero;
  a.m_custom = std::move(fns);
  if (!kinkAtZero) a.m_hermite = std::make_shared<HermiteCache>();
  return a;
}

std::string Activation::name() const
{
  switch (m_kind) {
  case ActivationKind::Relu: return "relu";
  case ActivationKind::LeakyRelu: return "leaky_relu";
  case ActivationKind::Erf: return "erf";
  case ActivationKind::Tanh: return "tanh";
  case ActivationKind::Gelu: return "gelu";
  case ActivationKind::Sin: return "sin";
  case ActivationKind::Identity: return "identity";
  case ActivationKind::Custom: return m_custom ? m_custom->name : "custom";
  }
  return "?";
}

std::string Activation::label() const
{
  std::ostringstream s;
  switch (m_kind) {
  case ActivationKind::Relu: return "ReLU";
  case ActivationKind::LeakyRelu: s << "LeakyReLU(" << m_parameter << ")"; return s.str();
  case ActivationKind::Erf: return "erf";
  case ActivationKind::Tanh: return "tanh";
  case ActivationKind::Gelu: return "GELU";
  case ActivationKind::Sin: s << "sin(" << m_parameter << "·z)"; return s.str();
  case ActivationKind::Identity: return "identity";
  case ActivationKind::Custom: return name();
  }
  return name();
}

double Activation::value(double z) const
{
  switch (m_kind) {
  case ActivationKind::Relu: return z > 0 ? z : 0.0;
  case ActivationKind::LeakyRelu: return z > 0 ? z : m_parameter * z;
  case ActivationKind::Erf: return std::erf(z);
  case ActivationKind::Tanh: return std::tanh(z);
  case ActivationKind::Gelu: return z * normalCdf(z);
  case ActivationKind::Sin: return std::sin(m_parameter * z);
  case ActivationKind::Identity: return z;
  case ActivationKind::Custom: return m_custom->phi(z);
  }
  return 0.0;
}

double Activation::derivative(double z) const
{
  switch (m_kind) {
  case ActivationKind::Relu: return z > 0 ? 1.0 : 0.0;
  case ActivationKind::LeakyRelu: return z > 0 ? 1.0 : m_parameter;
  case ActivationKind::Erf: return 2.0 * kInvSqrt2Pi * std::sqrt(2.0) * std::exp(-z * z);
  case ActivationKind::Tanh: {
    const double t = std::tanh(z);
    return 1.0 - t * t;
  }
  case ActivationKind::Gelu: return normalCdf(z) + z * kInvSqrt2Pi * std::exp(-0.5 * z * z);
  case ActivationKind::Sin: return m_parameter * std::cos(m_parameter * z);
  case ActivationKind::Identity: return 1.0;
  case ActivationKind::Custom: return m_custom->dphi(z);
  }
  return 0.0;
}

bool Activation::hasClosedForm() const
{
  return m_kind != ActivationKind::Tanh && m_kind != ActivationKind::Custom;
}

QuadratureRule Activation::quadratureRule(double qMax) const
{
  QuadratureRule rule;
  qMax = std::max(qMax, 1e-12);
  // Trapezoid error per dimension ≈ exp(G d² − 2π d / h) for an integrand growing like e^{G y²} in a
  // strip |Im x| < d; we pick h so the bound is ≈ e^{-27} (≈ 2e-12).
  switch (m_kind) {
  case ActivationKind::Relu:
  case ActivationKind::LeakyRelu: rule.kind = QuadratureRule::Kind::PolarSplit; break;
  case ActivationKind::Tanh: {
    const double d = kPi / (2.0 * std::sqrt(qMax)); // poles of tanh(√q x) at x = ±iπ/(2√q)
    // 2πd/54 (not /27): the bound ignores the pole's residue; measured 4e-8 at /27, 1e-16 at /54.
    rule.step = std::min(0.2, 2 * kPi * d / 54.0);
    break;
  }
  case ActivationKind::Erf: rule.step = std::min(0.4, kPi / std::sqrt(27.0 * (2.0 * qMax + 0.5))); break;
  case ActivationKind::Gelu: rule.step = std::min(0.4, kPi / std::sqrt(27.0 * (qMax + 0.5))); break;
  case ActivationKind::Sin: rule.step = std::min(0.4, 2 * kPi / (2.0 * std::abs(m_parameter) * std::sqrt(qMax) + 7.5)); break;
  case ActivationKind::Identity: rule.step = 0.25; break;
  case ActivationKind::Custom:
    if (m_custom && m_custom->kinkAtZero) rule.kind = QuadratureRule::Kind::PolarSplit;
    rule.step = 0.05;
    break;
  }
  return rule;
}

Dual Activation::dualByQuadrature(double q11, double q12, double q22) const
{
  const QuadratureRule rule = quadratureRule(std::max(q11, q22));
  const ScalarFn phi = [this](double z) { return value(z); };
  const ScalarFn dphi = [this](double z) { return derivative(z); };
  return {gaussianExpectation2(phi, phi, q11, q12, q22, rule), gaussianExpectation2(dphi, dphi, q11, q12, q22, rule)};
}

Dual Activation::dual(double q11, double q12, double q22) const
{
  switch (m_kind) {
  case ActivationKind::Relu: return reluDual(q11, q12, q22);
  case ActivationKind::LeakyRelu: {
    // φ = (1−α) relu + α·id  ⇒  T = (1−α)² T_relu + α q12,  Ṫ = (1−α)² Ṫ_relu + α.
    const double a = m_parameter;
    const Dual r = reluDual(q11, q12, q22);
    return {(1 - a) * (1 - a) * r.T + a * q12, (1 - a) * (1 - a) * r.Tdot + a};
  }
  case ActivationKind::Erf: return erfDual(q11, q12, q22);
  case ActivationKind::Gelu: return geluDual(q11, q12, q22);
  case ActivationKind::Sin: return sinDual(m_parameter, q11, q12, q22);
  case ActivationKind::Identity: return {q12, 1.0};
  case ActivationKind::Tanh:
  case ActivationKind::Custom:
    if (m_hermite) {
      Eigen::ArrayXXd q(1, 1), t(1, 1);
      q(0, 0) = q12;
      t(0, 0) = 1.0;
      applyToBlock(q, &t, &q11, &q22);
      return {q(0, 0), t(0, 0)};
    }
    return dualByQuadrature(q11, q12, q22);
  }
  return {};
}

void Activation::applyToBlock(Eigen::Ref<Eigen::ArrayXXd> nngp, Eigen::ArrayXXd* ntk, const double* var1,
                              const double* var2) const
{
  const Eigen::Index rows = nngp.rows(), cols = nngp.cols();
  // The switch sits outside the loops so each loop body is a tight, inlined closed form.
  auto run = [&](auto&& dualFn) {
    for (Eigen::Index j = 0; j < cols; ++j) {
      const double v2 = var2[j];
      double* q = &nngp(0, j);
      double* th = ntk ? &(*ntk)(0, j) : nullptr;
      for (Eigen::Index i = 0; i < rows; ++i) {
        const Dual d = dualFn(var1[i], q[i], v2);
        q[i] = d.T;
        if (th) th[i] *= d.Tdot;
      }
    }
  };
  switch (m_kind) {
  case ActivationKind::Relu:
  case ActivationKind::LeakyRelu: {
    // Hot path: the vectorised block kernel.
    reluDualBlock(nngp.data(), ntk ? ntk->data() : nullptr, rows, cols, nngp.outerStride(), var1, var2,
                  m_kind == ActivationKind::LeakyRelu ? m_parameter : 0.0);
    break;
  }
  case ActivationKind::Erf: run([](double a, double c, double b) { return erfDual(a, c, b); }); break;
  case ActivationKind::Sin: {
    const double w = m_parameter;
    run([w](double a, double c, double b) { return sinDual(w, a, c, b); });
    break;
  }
  case ActivationKind::Gelu: run([](double a, double c, double b) { return geluDual(a, c, b); }); break;
  default:
    if (m_hermite) {
      // Mehler series: coefficients once per distinct variance, then O(N) per pair.
      std::vector<std::shared_ptr<const HermiteCoefficients>> r(static_cast<size_t>(rows)), c(static_cast<size_t>(cols));
      for (Eigen::Index i = 0; i < rows; ++i) r[size_t(i)] = hermiteFor(std::max(var1[i], 0.0));
      for (Eigen::Index j = 0; j < cols; ++j) c[size_t(j)] = hermiteFor(std::max(var2[j], 0.0));
      for (Eigen::Index j = 0; j < cols; ++j)
        for (Eigen::Index i = 0; i < rows; ++i) {
          double T, Tdot;
          if (r[size_t(i)]->converged && c[size_t(j)]->converged) {
            const double s = std::sqrt(std::max(var1[i] * var2[j], 0.0));
            const double rho = std::clamp(s > 0.0 ? nngp(i, j) / s : 0.0, -1.0, 1.0);
            mehlerDual(*r[size_t(i)], *c[size_t(j)], rho, T, Tdot);
          } else {
            // Variance too large for the series (q ≳ 100 for tanh): the 2-D rule is slow but correct,
            // where a truncated series would be silently wrong.
            const Dual d = dualByQuadrature(var1[i], nngp(i, j), var2[j]);
            T = d.T;
            Tdot = d.Tdot;
          }
          nngp(i, j) = T;
          if (ntk) (*ntk)(i, j) *= Tdot;
        }
    } else {
      run([this](double a, double c, double b) { return dual(a, c, b); });
    }
    break;
  }
}

bool Activation::operator==(const Activation& o) const
{
  return m_kind == o.m_kind && m_parameter == o.m_parameter && m_custom == o.m_custom;
}

} // namespace ntk
