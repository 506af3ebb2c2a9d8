#include "core/kernels/HermiteDual.h"

#include <algorithm>
#include <cmath>

namespace ntk {

HermiteCoefficients hermiteCoefficients(const ScalarFn& phi, const ScalarFn& dphi, double q, double step, int maxTerms)
{
  // Nodes z_k on [−L, L]; the integrand h_n(z)·e^{−z²/2} is carried as g_n(z)·e^{−z²/4} with the
  // scaled functions g_n = h_n e^{−z²/4}, which obey the same recurrence and never overflow.
  const double L = 13.0; // e^{−L²/4} = 4e-19
  const double h = std::min(step, 0.05);
  const int half = int(std::ceil(L / h));
  const size_t K = size_t(2 * half + 1);
  std::vector<double> z(K), wf(K), wd(K), g0(K), g1(K);
  const double sq = std::sqrt(std::max(q, 0.0));
  const double norm = h / std::sqrt(2.0 * M_PI);
  for (size_t k = 0; k < K; ++k) {
    z[k] = (double(k) - half) * h;
    const double e = std::exp(-0.25 * z[k] * z[k]);
    wf[k] = norm * e * phi(sq * z[k]);
    wd[k] = norm * e * dphi(sq * z[k]);
    g0[k] = e;
    g1[k] = z[k] * e;
  }
  HermiteCoefficients out;
  out.converged = false;
  double normC = 0.0, normD = 0.0;
  int quiet = 0;
  for (int n = 0; n < maxTerms; ++n) {
    const std::vector<double>& g = (n == 0) ? g0 : g1;
    double c = 0.0, d = 0.0;
    for (size_t k = 0; k < K; ++k) {
      c += wf[k] * g[k];
      d += wd[k] * g[k];
    }
    out.value.push_back(c);
    out.derivative.push_back(d);
    normC = std::max(normC, std::abs(c));
    normD = std::max(normD, std::abs(d));
    // Stop after 12 consecutive coefficients below 1e-11 of the largest (odd/even φ alternate zeros).
    const bool small = std::abs(c) <= 1e-11 * normC && std::abs(d) <= 1e-11 * normD;
    quiet = small ? quiet + 1 : 0;
    if (quiet >= 12 && n > 4) {
      out.converged = true;
      break;
    }
    if (n >= 1) {
      // g_{n+1} = (z g_n − √n g_{n−1}) / √(n+1), in place: g0 ← g_n, g1 ← g_{n+1}.
      const double a = 1.0 / std::sqrt(double(n + 1)), b = std::sqrt(double(n));
      for (size_t k = 0; k < K; ++k) {
        const double next = (z[k] * g1[k] - b * g0[k]) * a;
        g0[k] = g1[k];
        g1[k] = next;
      }
    }
  }
  // Drop the trailing negligible terms (they only cost time per pair).
  size_t keep = out.value.size();
  while (keep > 1 && std::abs(out.value[keep - 1]) <= 1e-11 * normC && std::abs(out.derivative[keep - 1]) <= 1e-11 * normD)
    --keep;
  out.value.resize(keep);
  out.derivative.resize(keep);
  out.valueTail.assign(keep + 1, 0.0);
  out.derivativeTail.assign(keep + 1, 0.0);
  double sc = 0.0, sd = 0.0;
  for (size_t n = keep; n-- > 0;) {
    sc += out.value[n] * out.value[n];
    sd += out.derivative[n] * out.derivative[n];
    out.valueTail[n] = std::sqrt(sc);
    out.derivativeTail[n] = std::sqrt(sd);
  }
  return out;
}

void mehlerDual(const HermiteCoefficients& a, const HermiteCoefficients& b, double rho, double& T, double& Tdot)
{
  const size_t n = std::min(a.value.size(), b.value.size());
  // Upward from n = 0 so the sum can stop early: |Σ_{k≥n} a_k b_k ρ^k| ≤ |ρ|ⁿ·tailA(n)·tailB(n) (Cauchy–
  // Schwarz), and tailA(0)·tailB(0) = √(E[φ(u)²]E[φ(v)²]) is the scale T is compared on. Stop when the
  // bound is below 1e-15 of it, for T and Ṫ both; checked every 4 terms (the bound is cheap, not free).
  constexpr double kRelative = 1e-15;
  const double stopT = kRelative * a.valueTail[0] * b.valueTail[0];
  const double stopD = kRelative * a.derivativeTail[0] * b.derivativeTail[0];
  const double absRho = std::abs(rho);
  double t = 0.0, td = 0.0, power = 1.0; // power = ρ^k
  for (size_t k = 0; k < n; ++k) {
    if ((k & 3) == 0 && k > 0) {
      const double p = std::abs(power);
      if (p * a.valueTail[k] * b.valueTail[k] <= stopT && p * a.derivativeTail[k] * b.derivativeTail[k] <= stopD) break;
    }
    t += a.value[k] * b.value[k] * power;
    td += a.derivative[k] * b.derivative[k] * power;
    power *= rho;
    if (absRho == 0.0) break; // only the k = 0 term survives
  }
  T = t;
  Tdot = td;
}

} // namespace ntk
