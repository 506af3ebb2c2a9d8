// SphereSpectrum.cpp — Funk–Hecke eigenvalues λ_k (k = 0…kmax) of a zonal kernel on S^{d−1}.
// In: a profile K(cos θ) (a callable, or the network's own Gram row), d, kmax.
// Out: λ_k with multiplicities N(d,k), an error estimate per degree, the zero floor, the node count.
// How: Gauss–Legendre in θ ∈ [0, π] (see the header for why θ, not t), doubled until two successive
// rules agree to 1e-12·|λ_0|; the recurrence for P_k runs over all nodes at once (vectorised), so a
// rule costs n profile values plus O(n·kmax) flops.
#include "core/spectra/SphereSpectrum.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/kernels/GaussianQuadrature.h"
#include "core/util/Errors.h"

namespace ntk {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int kMaxDegree = 100000;
/// Two successive rules must agree to this, relative to |λ_0|.
constexpr double kConvergenceTolerance = 1e-12;
/// The zero floor is never below this, relative to |λ_0| (rounding in the profile and the sums).
constexpr double kMinimumFloor = 1e-13;

struct GaussRule {
  Eigen::ArrayXd x, w; ///< nodes and weights on [−1, 1]
};

/// Gauss–Legendre rules are O(n²) to build (Newton on the recurrence), so each size is built once
/// per process and shared; repeated spectra (a slider moving) then cost only the profile.
std::shared_ptr<const GaussRule> gaussLegendreRule(int n)
{
  static std::mutex mutex;
  static std::map<int, std::shared_ptr<const GaussRule>> cache;
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (auto it = cache.find(n); it != cache.end()) return it->second;
  }
  auto rule = std::make_shared<GaussRule>();
  rule->x.resize(n);
  rule->w.resize(n);
  gaussLegendre(n, rule->x.data(), rule->w.data());
  std::lock_guard<std::mutex> lock(mutex);
  if (cache.size() > 64) cache.clear(); // bounded: sizes come from doubling, so few distinct ones
  cache.emplace(n, rule);
  return rule;
}

/// K at the angles θ (n values): the profile evaluated along a great circle.
using AngleProfile = std::function<Eigen::VectorXd(const Eigen::ArrayXd& theta)>;

struct RuleResult {
  Eigen::VectorXd lambda;
  double absSum = 0.0; ///< c_d Σ |w_i K_i sin^{d−2}θ_i|: the scale of rounding in every λ_k
};

/// λ_k for k = 0…kmax from the n-node Gauss–Legendre rule in θ.
RuleResult applyRule(const AngleProfile& profile, int d, int kmax, int n, const JobControl& job)
{
  const auto rule = gaussLegendreRule(n);
  const Eigen::ArrayXd theta = (rule->x + 1.0) * (kPi / 2.0);
  const Eigen::ArrayXd t = theta.cos();
  const Eigen::VectorXd K = profile(theta);
  if (K.size() != n) throw InputError("zonal profile returned " + std::to_string(K.size()) + " values for " +
                                      std::to_string(n) + " angles");
  if (!K.allFinite()) throw NumericalError("zonal profile: the kernel is not finite at some angle");
  Eigen::ArrayXd weighted = rule->w * (kPi / 2.0 * sphereMeasureConstant(d)) * K.array();
  if (d > 2) weighted *= theta.sin().pow(double(d - 2));

  RuleResult out;
  out.absSum = weighted.abs().sum();
  out.lambda.resize(kmax + 1);
  // Normalised Gegenbauer recurrence, vectorised over the nodes:
  // P_{k+1} = ((2k+d−2) t P_k − k P_{k−1}) / (k+d−2), P_0 = 1, P_1 = t.
  Eigen::ArrayXd pPrev = Eigen::ArrayXd::Ones(n), pCur = t, pNext(n);
  out.lambda(0) = weighted.sum();
  if (kmax >= 1) out.lambda(1) = (weighted * pCur).sum();
  for (int k = 1; k < kmax; ++k) {
    const double a = (2.0 * k + d - 2.0) / (k + d - 2.0), b = double(k) / (k + d - 2.0);
    pNext = a * t * pCur - b * pPrev;
    out.lambda(k + 1) = (weighted * pNext).sum();
    std::swap(pPrev, pCur);
    std::swap(pCur, pNext);
    if ((k & 1023) == 0) job.checkCancelled();
  }
  return out;
}

void requireDegreeRange(int kmax)
{
  if (kmax < 0) throw InputError("sphere spectrum: kmax = " + std::to_string(kmax) + " is negative");
  if (kmax > kMaxDegree)
    throw InputError("sphere spectrum: kmax = " + std::to_string(kmax) + " exceeds " + std::to_string(kMaxDegree));
}

SphereSpectrum funkHeckeCore(const AngleProfile& profile, int d, int kmax, const JobControl& job)
{
  if (d < 2) throw InputError("sphere spectrum: dimension d = " + std::to_string(d) + " < 2 (S^{d−1} needs d ≥ 2)");
  requireDegreeRange(kmax);
  // P_k(cos θ) sin^{d−2}θ oscillates like cos((k + (d−2)/2)θ): Gauss–Legendre on [0, π] resolves it
  // with ~(π/4)(2k+d) nodes; the margin covers the profile itself.
  int n = std::max(32, kmax + d + 32);
  // Kernels of the engine are analytic in θ, so the error falls geometrically and one or two doublings
  // suffice; a profile with a genuine singularity converges only algebraically, and the cap keeps it
  // from running into the O(n²) cost of building huge rules (it is then reported: converged = false).
  const int maxNodes = std::max(8192, 16 * n);
  job.report(0.0);
  RuleResult prev = applyRule(profile, d, kmax, n, job);
  RuleResult cur;
  Eigen::VectorXd diff;
  double scale = 0.0;
  bool converged = false;
  for (;;) {
    job.checkCancelled();
    cur = applyRule(profile, d, kmax, 2 * n, job);
    n *= 2;
    diff = (cur.lambda - prev.lambda).cwiseAbs();
    // Relative to |λ_0|; a kernel with λ_0 = 0 (a bias-free linear net: K ∝ t) measures against its
    // largest eigenvalue instead, else no rule could ever pass.
    scale = std::max(std::abs(cur.lambda(0)), 1e-3 * cur.lambda.cwiseAbs().maxCoeff());
    converged = diff.maxCoeff() <= kConvergenceTolerance * scale;
    if (converged || 2 * n > maxNodes) break;
    prev = std::move(cur);
    job.report(0.5);
  }

  SphereSpectrum s;
  s.dim = d;
  s.nodes = n;
  s.converged = converged;
  // The difference to the half-size rule bounds the error of the accepted rule (it converges
  // geometrically, so the bound is pessimistic); rounding adds a few ulps of the absolute integrand.
  const double rounding = 16.0 * std::numeric_limits<double>::epsilon() * cur.absSum;
  s.error = diff.array() + rounding;
  s.floor = std::max(kMinimumFloor * scale, s.error.maxCoeff());
  s.lambda = cur.lambda;
  for (Eigen::Index k = 0; k <= kmax; ++k)
    if (std::abs(s.lambda(k)) <= s.floor) s.lambda(k) = 0.0;
  s.multiplicity.resize(kmax + 1);
  for (int k = 0; k <= kmax; ++k) s.multiplicity(k) = sphereMultiplicity(d, k);
  job.report(1.0);
  return s;
}

/// The network's kernel between the pole e_1 and the points (c_i, s_i, 0, …) of a great circle, where
/// c = cos θ and s = sin θ: one Gram row.
Eigen::VectorXd poleRow(const Network& net, KernelKind kind, const Eigen::VectorXd& c, const Eigen::VectorXd& s,
                        const JobControl& job)
{
  Eigen::MatrixXd pole = Eigen::MatrixXd::Zero(1, net.inputDim);
  pole(0, 0) = 1.0;
  Eigen::MatrixXd X2 = Eigen::MatrixXd::Zero(c.size(), net.inputDim);
  X2.col(0) = c;
  X2.col(1) = s;
  return kernelMatrix(net, pole, &X2, kind, job).row(0).transpose();
}

void requireSphereNetwork(const Network& net)
{
  net.validate();
  if (net.encoding.kind != EncodingKind::None)
    throw NetworkError("sphere spectrum: the encoding must be none (inputs on the sphere), not " + net.encoding.name());
  if (net.inputDim < 2)
    throw NetworkError("sphere spectrum: input_dim = " + std::to_string(net.inputDim) + " (S^{d−1} needs d ≥ 2)");
}

} // namespace

double sphereMultiplicity(int d, int k)
{
  if (d < 2) throw InputError("multiplicity: dimension d = " + std::to_string(d) + " < 2");
  if (k < 0) throw InputError("multiplicity: degree k = " + std::to_string(k) + " is negative");
  if (k == 0) return 1.0;
  if (d == 2) return 2.0;
  // C(k+d−3, k−1) by the running product C(n−r+i, i) (integers, exact below 2^53), or lgamma beyond.
  const long nTop = long(k) + d - 3;
  const long r = std::min<long>(k - 1, d - 2);
  double binom = 1.0;
  if (r <= 300) {
    for (long i = 1; i <= r; ++i) binom = binom * double(nTop - r + i) / double(i);
  } else {
    binom = std::exp(std::lgamma(double(nTop) + 1.0) - std::lgamma(double(r) + 1.0) - std::lgamma(double(nTop - r) + 1.0));
  }
  return (2.0 * k + d - 2.0) * binom / k;
}

double sphereMeasureConstant(int d)
{
  if (d < 2) throw InputError("measure constant: dimension d = " + std::to_string(d) + " < 2");
  if (d == 2) return 1.0 / kPi;
  if (d == 3) return 0.5;
  // |S^{d−2}| / |S^{d−1}| = Γ(d/2) / (√π Γ((d−1)/2))
  return std::exp(std::lgamma(d / 2.0) - std::lgamma((d - 1) / 2.0)) / std::sqrt(kPi);
}

void gegenbauerNormalized(int d, int kmax, double t, double* out)
{
  if (d < 2) throw InputError("Gegenbauer: dimension d = " + std::to_string(d) + " < 2");
  if (kmax < 0) return;
  out[0] = 1.0;
  if (kmax >= 1) out[1] = t;
  for (int k = 1; k < kmax; ++k)
    out[k + 1] = ((2.0 * k + d - 2.0) * t * out[k] - k * out[k - 1]) / (k + d - 2.0);
}

SphereSpectrum funkHeckeSpectrum(const ZonalProfile& profile, int d, int kmax, const JobControl& job)
{
  if (!profile) throw InputError("sphere spectrum: no profile given");
  return funkHeckeCore([&](const Eigen::ArrayXd& theta) { return profile(theta.cos().matrix()); }, d, kmax, job);
}

SphereSpectrum funkHeckeSpectrum(const Network& net, KernelKind kind, int kmax, const JobControl& job)
{
  requireSphereNetwork(net);
  requireDegreeRange(kmax);
  // Building the points from θ keeps sin θ accurate near the poles, where √(1 − t²) would lose digits.
  AngleProfile profile = [&](const Eigen::ArrayXd& theta) -> Eigen::VectorXd {
    return poleRow(net, kind, theta.cos().matrix(), theta.sin().matrix(), job);
  };
  return funkHeckeCore(profile, net.inputDim, kmax, job);
}

ZonalProfile networkZonalProfile(const Network& net, KernelKind kind)
{
  requireSphereNetwork(net);
  return [net, kind](const Eigen::VectorXd& t) -> Eigen::VectorXd {
    if (!t.allFinite()) throw InputError("zonal profile: t is not finite");
    const Eigen::VectorXd c = t.cwiseMax(-1.0).cwiseMin(1.0);
    const Eigen::VectorXd s = (1.0 - c.array().square()).max(0.0).sqrt().matrix();
    return poleRow(net, kind, c, s, {});
  };
}

} // namespace ntk
