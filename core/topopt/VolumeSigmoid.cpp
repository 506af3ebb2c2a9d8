// VolumeSigmoid.cpp — y = σ(z + b) with Σ_active y = V·N_active by bisection on b; its implicit gradient.
#include "core/topopt/VolumeSigmoid.h"

#include <cmath>
#include <string>

#include "core/util/Errors.h"

namespace ntk {
namespace {

constexpr int kMaxBisections = 200;

double sigmoid(double t) { return 1.0 / (1.0 + std::exp(-t)); }

bool isActive(const std::vector<PassiveKind>& passive, Eigen::Index j)
{
  return passive.empty() || passive[size_t(j)] == PassiveKind::None;
}

void requireMask(const std::vector<PassiveKind>& passive, Eigen::Index n)
{
  if (!passive.empty() && Eigen::Index(passive.size()) != n)
    throw InputError("the passive mask has " + std::to_string(passive.size()) + " entries for " + std::to_string(n) +
                     " elements");
}

} // namespace

Eigen::VectorXd shiftedSigmoid(const Eigen::VectorXd& z, const std::vector<PassiveKind>& passive, double b)
{
  requireMask(passive, z.size());
  Eigen::VectorXd y(z.size());
  for (Eigen::Index j = 0; j < z.size(); ++j) {
    if (isActive(passive, j))
      y(j) = sigmoid(z(j) + b);
    else
      y(j) = passive[size_t(j)] == PassiveKind::Solid ? 1.0 : 0.0;
  }
  return y;
}

VolumeSigmoid volumeSigmoid(const Eigen::VectorXd& z, const std::vector<PassiveKind>& passive, double volfrac)
{
  requireMask(passive, z.size());
  if (!(volfrac > 0.0 && volfrac < 1.0))
    throw InputError("volfrac must lie in (0, 1) (got " + std::to_string(volfrac) + ")");
  if (!z.allFinite()) throw InputError("the pre-densities hold NaN or infinite values");
  double zMin = INFINITY, zMax = -INFINITY;
  Eigen::Index active = 0;
  for (Eigen::Index j = 0; j < z.size(); ++j)
    if (isActive(passive, j)) {
      zMin = std::min(zMin, z(j));
      zMax = std::max(zMax, z(j));
      ++active;
    }
  VolumeSigmoid out;
  if (active == 0) {
    out.y = shiftedSigmoid(z, passive, 0.0);
    return out;
  }
  const double target = volfrac * double(active);
  const double logitV = std::log(volfrac / (1.0 - volfrac));
  // σ is increasing: at lo every active y ≤ V, at hi every active y ≥ V.
  double lo = logitV - zMax, hi = logitV - zMin;
  const auto volume = [&](double b) {
    double sum = 0.0;
    for (Eigen::Index j = 0; j < z.size(); ++j)
      if (isActive(passive, j)) sum += sigmoid(z(j) + b);
    return sum;
  };
  for (int i = 0; i < kMaxBisections && hi - lo > 1e-15 * std::max(1.0, std::abs(lo) + std::abs(hi)); ++i) {
    const double mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    (volume(mid) < target ? lo : hi) = mid;
  }
  out.b = 0.5 * (lo + hi);
  out.y = shiftedSigmoid(z, passive, out.b);
  return out;
}

Eigen::VectorXd volumeSigmoidGradient(const Eigen::VectorXd& y, const Eigen::VectorXd& g,
                                      const std::vector<PassiveKind>& passive)
{
  requireMask(passive, y.size());
  if (g.size() != y.size())
    throw InputError("the gradient has " + std::to_string(g.size()) + " entries for " + std::to_string(y.size()) +
                     " elements");
  Eigen::VectorXd s = Eigen::VectorXd::Zero(y.size());
  for (Eigen::Index j = 0; j < y.size(); ++j)
    if (isActive(passive, j)) s(j) = y(j) * (1.0 - y(j));
  const double sumS = s.sum();
  const double mean = sumS > 0.0 ? s.dot(g) / sumS : 0.0; // Σ g s / Σ s
  return (s.array() * (g.array() - mean)).matrix();
}

} // namespace ntk
