// ChebyshevFlow.cpp — see ChebyshevFlow.h. Coefficients by a DCT-I of g at the N + 1 Chebyshev–Lobatto
// points x_j = cos(πj/N) (FFTW REDFT00): c_k = (1/N)[g_0 + (−1)^k g_N + 2Σ_{0<j<N} g_j cos(πjk/N)], exact
// for polynomials of degree ≤ N; N doubles until the upper half of the coefficients is negligible, so
// aliasing is below the tolerance.
#include "core/image/ChebyshevFlow.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <string>

#include <fftw3.h>
#include <tbb/parallel_for.h>

#include "core/image/ChannelProgress.h"
#include "core/util/Errors.h"
#include "core/util/FftwPlanner.h"

namespace ntk {

namespace {

constexpr double kPi = 3.14159265358979323846;

/// (1 − e^{−μτ})/μ, continuous at μ = 0.
double flow(double mu, double tau)
{
  const double z = mu * tau;
  if (z < 1e-300) return tau;
  return -std::expm1(-z) / mu;
}

std::vector<double> chebyshevCoefficients(double tau, double rho, int N)
{
  std::vector<double> g(size_t(N) + 1), out(size_t(N) + 1);
  for (int j = 0; j <= N; ++j) g[size_t(j)] = flow(0.5 * rho * (1.0 + std::cos(kPi * j / N)), tau);
  fftw_plan plan;
  {
    std::lock_guard<std::mutex> lock(fftwPlannerMutex());
    plan = fftw_plan_r2r_1d(N + 1, g.data(), out.data(), FFTW_REDFT00, FFTW_ESTIMATE);
  }
  if (!plan) throw NumericalError("Chebyshev flow: FFTW could not plan a DCT of size " + std::to_string(N + 1));
  fftw_execute(plan);
  {
    std::lock_guard<std::mutex> lock(fftwPlannerMutex());
    fftw_destroy_plan(plan);
  }
  for (double& v : out) v /= N;
  return out;
}

} // namespace

ChebyshevSeries gradientFlowSeries(double tau, double rho, double tol, int maxTerms)
{
  if (!(tau > 0.0) || !std::isfinite(tau) || !(rho > 0.0) || !std::isfinite(rho))
    throw InputError("Chebyshev flow: τ and ρ must be finite and > 0");
  // Coefficients decay like e^{−k²/(2τρ)}-ish past √(τρ): start a little beyond that.
  int N = 64;
  while (N < 4.0 * std::sqrt(tau * rho) + 64.0) N *= 2;
  const double scale = tau; // max of g_t on [0, ρ]
  while (true) {
    if (N > 2 * maxTerms)
      throw NumericalError("Chebyshev flow: more than " + std::to_string(maxTerms) +
                           " terms needed (τρ = " + std::to_string(tau * rho) + ")");
    std::vector<double> c = chebyshevCoefficients(tau, rho, N);
    // Past k ≈ √(τρ) the coefficients fall super-geometrically to the rounding floor (~1e-16·τ): the upper
    // half below 1% of the tolerance means the expansion is resolved; keep up to the last coefficient
    // above it (the neglected ones, falling super-geometrically, sum to about the first of them).
    const double floor = 0.01 * tol * scale;
    double upper = 0.0;
    for (int k = N / 2; k <= N; ++k) upper = std::max(upper, std::abs(c[size_t(k)]));
    if (upper <= floor) {
      int n = N / 2;
      while (n > 1 && std::abs(c[size_t(n - 1)]) <= floor) --n;
      c.resize(size_t(n));
      return ChebyshevSeries{rho, std::move(c)};
    }
    N *= 2;
  }
}

void applyChebyshevSeries(const ChebyshevSeries& series,
                          const std::function<void(const std::vector<double>&, std::vector<double>&)>& product,
                          const std::vector<double>& y, std::vector<double>& c, const JobControl& job)
{
  const size_t n = y.size();
  const std::vector<double>& a = series.coefficients;
  c.assign(n, 0.0);
  if (a.empty()) return;
  // B = 2A/ρ − I maps [0, ρ] onto [−1, 1].
  const double s = 2.0 / series.rho;
  std::vector<double> prev = y, cur(n), next(n), Av(n);
  for (size_t i = 0; i < n; ++i) c[i] = 0.5 * a[0] * y[i];
  if (a.size() == 1) return;
  product(prev, Av);
  for (size_t i = 0; i < n; ++i) {
    cur[i] = s * Av[i] - prev[i];
    c[i] += a[1] * cur[i];
  }
  const int terms = series.terms();
  for (int k = 2; k < terms; ++k) {
    if (k % 16 == 0) {
      job.checkCancelled();
      job.report(double(k) / terms);
    }
    product(cur, Av);
    const double ak = a[size_t(k)];
    for (size_t i = 0; i < n; ++i) {
      next[i] = 2.0 * (s * Av[i] - cur[i]) - prev[i];
      c[i] += ak * next[i];
    }
    std::swap(prev, cur);
    std::swap(cur, next);
  }
  job.report(1.0);
}

std::vector<std::vector<double>> channelFlowCoefficients(double tau, double rho, double minEigenvalue,
                                                         const std::vector<std::vector<double>>& solved, std::size_t n,
                                                         const std::function<FlowProduct(int, std::vector<double>&)>& channel,
                                                         const JobControl& job)
{
  const int channels = int(solved.size());
  std::vector<std::vector<double>> c(solved.size(), std::vector<double>(n, 0.0));
  if (tau == 0.0) return c;
  if (tau * minEigenvalue >= 40.0) return solved;
  const ChebyshevSeries series = gradientFlowSeries(tau, rho);
  ChannelProgress progress(channels, job);
  tbb::parallel_for(0, channels, [&](int ch) {
    std::vector<double> y(n);
    const FlowProduct product = channel(ch, y);
    JobControl sub{job.stop, {}};
    if (job.progress) sub.progress = [&, ch](double f) { progress.set(ch, f); };
    applyChebyshevSeries(series, product, y, c[size_t(ch)], sub);
  });
  return c;
}

} // namespace ntk
