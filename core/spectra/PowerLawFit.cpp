// PowerLawFit.cpp — λ_k ≈ C·k^{−p} by ordinary least squares on (log k, log λ).
// In: degrees k > 0 and eigenvalues λ_k (λ ≤ 0 are exact zeros: excluded and counted).
// Out: p, its standard error sqrt(SSR/(n−2) / Sxx), log C; per-parity fits and whether they differ.
#include "core/spectra/PowerLawFit.h"

#include <algorithm>
#include <cmath>

#include "core/util/Errors.h"

namespace ntk {

namespace {

/// The fit plus the standard error of its intercept (log C), which parityDiffers needs.
struct LineFit {
  PowerLaw law;
  double logCStderror = 0.0;
};

LineFit fitLine(const std::vector<double>& k, const std::vector<double>& lambda)
{
  if (k.size() != lambda.size())
    throw InputError("power-law fit: " + std::to_string(k.size()) + " degrees but " + std::to_string(lambda.size()) +
                     " eigenvalues");
  LineFit fit;
  std::vector<double> x, y;
  x.reserve(k.size());
  y.reserve(k.size());
  for (size_t i = 0; i < k.size(); ++i) {
    if (!(k[i] > 0.0) || !std::isfinite(k[i]))
      throw InputError("power-law fit: degree " + std::to_string(k[i]) + " is not positive and finite");
    if (std::isnan(lambda[i])) throw InputError("power-law fit: eigenvalue at k = " + std::to_string(k[i]) + " is NaN");
    if (lambda[i] <= 0.0) {
      ++fit.law.zeros;
      continue;
    }
    if (!std::isfinite(lambda[i]))
      throw InputError("power-law fit: eigenvalue at k = " + std::to_string(k[i]) + " is infinite");
    x.push_back(std::log(k[i]));
    y.push_back(std::log(lambda[i]));
  }
  const int n = int(x.size());
  fit.law.points = n;
  if (n < 3) return fit;
  double xMean = 0.0, yMean = 0.0;
  for (int i = 0; i < n; ++i) {
    xMean += x[size_t(i)];
    yMean += y[size_t(i)];
  }
  xMean /= n;
  yMean /= n;
  double sxx = 0.0, sxy = 0.0;
  for (int i = 0; i < n; ++i) {
    sxx += (x[size_t(i)] - xMean) * (x[size_t(i)] - xMean);
    sxy += (x[size_t(i)] - xMean) * (y[size_t(i)] - yMean);
  }
  if (!(sxx > 0.0)) return fit; // all points at one k: no slope
  const double slope = sxy / sxx;
  const double intercept = yMean - slope * xMean;
  double ssr = 0.0;
  for (int i = 0; i < n; ++i) {
    const double r = y[size_t(i)] - (intercept + slope * x[size_t(i)]);
    ssr += r * r;
  }
  const double s2 = ssr / (n - 2);
  fit.law.valid = true;
  fit.law.exponent = -slope;
  fit.law.stderror = std::sqrt(s2 / sxx);
  fit.law.logC = intercept;
  fit.logCStderror = std::sqrt(s2 * (1.0 / n + xMean * xMean / sxx));
  return fit;
}

/// |a − b| > 3 combined standard errors; the errors get a relative floor of 1e-9 so that two exact
/// power laws that agree to rounding are not reported as different.
bool apart(double a, double sa, double b, double sb)
{
  const double floor = 1e-9 * (1.0 + std::max(std::abs(a), std::abs(b)));
  const double combined = std::max(std::sqrt(sa * sa + sb * sb), floor);
  return std::abs(a - b) > 3.0 * combined;
}

} // namespace

double PowerLaw::at(double k) const { return std::exp(logC - exponent * std::log(k)); }

PowerLaw fitPowerLaw(const std::vector<double>& k, const std::vector<double>& lambda) { return fitLine(k, lambda).law; }

SpectrumFit fitSpectrum(const Eigen::VectorXd& lambdaByK, int kmin, int kmax)
{
  SpectrumFit out;
  const int last = int(std::min<Eigen::Index>(kmax, lambdaByK.size() - 1));
  out.kmin = std::max(1, kmin);
  out.kmax = last;
  std::vector<double> kAll, lAll, kEven, lEven, kOdd, lOdd;
  for (int k = out.kmin; k <= last; ++k) {
    const double l = lambdaByK(k);
    kAll.push_back(k);
    lAll.push_back(l);
    (k % 2 == 0 ? kEven : kOdd).push_back(k);
    (k % 2 == 0 ? lEven : lOdd).push_back(l);
  }
  const LineFit all = fitLine(kAll, lAll), even = fitLine(kEven, lEven), odd = fitLine(kOdd, lOdd);
  out.all = all.law;
  out.even = even.law;
  out.odd = odd.law;
  // Exact zeros are structural (e.g. odd degrees of bias-free ReLU): if one parity is mostly zeros and
  // the other not, one line through both would mislead. (A few zeros at the top of both parities are
  // the resolution floor of a decaying tail, not structure: "mostly" keeps them from counting.)
  const bool evenZeros = even.law.zeros > 0 && even.law.zeros >= even.law.points;
  const bool oddZeros = odd.law.zeros > 0 && odd.law.zeros >= odd.law.points;
  if (evenZeros != oddZeros && (even.law.points > 0 || odd.law.points > 0)) {
    out.parityDiffers = true;
  } else if (even.law.valid && odd.law.valid) {
    out.parityDiffers = apart(even.law.exponent, even.law.stderror, odd.law.exponent, odd.law.stderror) ||
                        apart(even.law.logC, even.logCStderror, odd.law.logC, odd.logCStderror);
  }
  return out;
}

} // namespace ntk
