#include "core/kernels/GaussianQuadrature.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <mutex>
#include <vector>

namespace ntk {

namespace {
constexpr double kPi = 3.14159265358979323846;

struct GlTable {
  std::vector<double> x, w;
};

const GlTable& glTable(int n)
{
  static std::mutex mutex;
  static std::map<int, GlTable> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(n);
  if (it == cache.end()) {
    GlTable t;
    t.x.resize(size_t(n));
    t.w.resize(size_t(n));
    gaussLegendre(n, t.x.data(), t.w.data());
    it = cache.emplace(n, std::move(t)).first;
  }
  return it->second;
}
} // namespace

void gaussLegendre(int n, double* nodes, double* weights)
{
  for (int i = 0; i < (n + 1) / 2; ++i) {
    double x = std::cos(kPi * (i + 0.75) / (n + 0.5));
    double dp = 0.0;
    for (int it = 0; it < 100; ++it) {
      double p0 = 1.0, p1 = x;
      for (int k = 2; k <= n; ++k) {
        const double p2 = ((2.0 * k - 1.0) * x * p1 - (k - 1.0) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      if (n == 1) p0 = 1.0, p1 = x;
      dp = n * (x * p1 - p0) / (x * x - 1.0);
      const double dx = p1 / dp;
      x -= dx;
      if (std::abs(dx) < 1e-16) break;
    }
    // recompute derivative at the converged node
    double p0 = 1.0, p1 = x;
    for (int k = 2; k <= n; ++k) {
      const double p2 = ((2.0 * k - 1.0) * x * p1 - (k - 1.0) * p0) / k;
      p0 = p1;
      p1 = p2;
    }
    dp = n * (x * p1 - p0) / (x * x - 1.0);
    nodes[i] = -x;
    nodes[n - 1 - i] = x;
    weights[i] = weights[n - 1 - i] = 2.0 / ((1.0 - x * x) * dp * dp);
  }
}

double gaussianExpectation2(const ScalarFn& f, const ScalarFn& g, double q11, double q12, double q22,
                            const QuadratureRule& rule)
{
  const double s1 = std::sqrt(std::max(q11, 0.0));
  const double s2 = std::sqrt(std::max(q22, 0.0));
  // q12/√(q11 q22), not q12/(√q11 √q22): the former is exactly ±1 for parallel inputs.
  const double s12 = std::sqrt(std::max(q11 * q22, 0.0));
  double rho = s12 > 0 ? q12 / s12 : 0.0;
  rho = std::clamp(rho, -1.0, 1.0);
  const double c = std::sqrt(std::max(0.0, 1.0 - rho * rho));
  // u = s1 x1,  v = s2 (rho x1 + c x2),  (x1, x2) ~ N(0, I).

  if (rule.kind == QuadratureRule::Kind::Trapezoid) {
    const int half = int(std::ceil(rule.halfWidth / rule.step));
    const double h = rule.step;
    std::vector<double> w(size_t(2 * half + 1));
    for (int k = -half; k <= half; ++k) w[size_t(k + half)] = h * std::exp(-0.5 * (k * h) * (k * h)) / std::sqrt(2 * kPi);
    double sum = 0.0;
    for (int a = -half; a <= half; ++a) {
      const double x1 = a * h;
      const double fu = f(s1 * x1);
      if (fu == 0.0) continue;
      double inner = 0.0;
      for (int b = -half; b <= half; ++b) inner += w[size_t(b + half)] * g(s2 * (rho * x1 + c * b * h));
      sum += w[size_t(a + half)] * fu * inner;
    }
    return sum;
  }

  // Polar: x = r (cos θ, sin θ). Kinks of f(u) at cos θ = 0, of g(v) at rho cos θ + c sin θ = 0.
  std::array<double, 5> cuts{};
  const double tv = std::atan2(-rho, c); // in (-π, π]
  auto wrap = [](double t) {
    t = std::fmod(t, 2 * kPi);
    return t < 0 ? t + 2 * kPi : t;
  };
  cuts[0] = wrap(0.5 * kPi);
  cuts[1] = wrap(1.5 * kPi);
  cuts[2] = wrap(tv);
  cuts[3] = wrap(tv + kPi);
  std::sort(cuts.begin(), cuts.begin() + 4);
  cuts[4] = cuts[0] + 2 * kPi;

  const GlTable& ta = glTable(rule.arcNodes);
  const GlTable& tr = glTable(rule.radialNodes);
  const double rMax = 9.0;
  std::vector<double> rr(size_t(rule.radialNodes)), wr(size_t(rule.radialNodes));
  for (int k = 0; k < rule.radialNodes; ++k) {
    const double r = 0.5 * rMax * (tr.x[size_t(k)] + 1.0);
    rr[size_t(k)] = r;
    wr[size_t(k)] = 0.5 * rMax * tr.w[size_t(k)] * r * std::exp(-0.5 * r * r);
  }
  double sum = 0.0;
  for (int arc = 0; arc < 4; ++arc) {
    const double a = cuts[size_t(arc)], b = cuts[size_t(arc + 1)];
    if (b - a <= 0.0) continue;
    for (int i = 0; i < rule.arcNodes; ++i) {
      const double th = 0.5 * (a + b) + 0.5 * (b - a) * ta.x[size_t(i)];
      const double wt = 0.5 * (b - a) * ta.w[size_t(i)];
      const double ct = std::cos(th), st = std::sin(th);
      double radial = 0.0;
      for (int k = 0; k < rule.radialNodes; ++k) {
        const double r = rr[size_t(k)];
        const double x1 = r * ct, x2 = r * st;
        radial += wr[size_t(k)] * f(s1 * x1) * g(s2 * (rho * x1 + c * x2));
      }
      sum += wt * radial;
    }
  }
  return sum / (2 * kPi);
}

} // namespace ntk
