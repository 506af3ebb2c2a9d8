// SphericalHarmonics.cpp — real Fourier modes on S¹ and real spherical harmonics on S², orthonormal
// under the uniform probability measure; lat-long and circle grids to evaluate them on.
// In: degree k, index j in the eigenspace, points (n by 2 or n by 3). Out: n values of Y_{k,j}.
// How (S²): Y = √(2−δ_m0) · Q_k^{|m|}(cos θ) · {cos mφ, sin |m|φ} with
// Q_l^m = √((2l+1)(l−m)!/(l+m)!) P_l^m, built by the normalised recurrences in l (no factorials, so
// no overflow for large degrees). No Condon–Shortley phase: the sign of a basis function is free.
#include "core/spectra/SphericalHarmonics.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/util/Errors.h"

namespace ntk {

namespace {

constexpr double kPi = 3.14159265358979323846;

/// Q_l^m(x) for one x (l ≥ m ≥ 0), normalised so that ½∫_{−1}^{1} Q² dx = 1.
double normalisedAssociatedLegendre(int l, int m, double x)
{
  const double s = std::sqrt(std::max(0.0, 1.0 - x * x));
  double qmm = 1.0; // Q_0^0
  for (int i = 1; i <= m; ++i) qmm *= std::sqrt((2.0 * i + 1.0) / (2.0 * i)) * s;
  if (l == m) return qmm;
  double qPrev = qmm;                               // Q_m^m
  double q = std::sqrt(2.0 * m + 3.0) * x * qmm;    // Q_{m+1}^m
  for (int ll = m + 2; ll <= l; ++ll) {
    const double a = std::sqrt((4.0 * ll * ll - 1.0) / (double(ll) * ll - double(m) * m));
    const double b = std::sqrt((double(ll - 1) * (ll - 1) - double(m) * m) / (4.0 * double(ll - 1) * (ll - 1) - 1.0));
    const double next = a * (x * q - b * qPrev);
    qPrev = q;
    q = next;
  }
  return q;
}

} // namespace

Eigen::VectorXd realSphericalHarmonic(int k, int j, const Eigen::MatrixXd& X)
{
  const int d = int(X.cols());
  if (d != 2 && d != 3)
    throw InputError("spherical harmonics: points must have 2 or 3 coordinates, got " + std::to_string(d));
  if (k < 0) throw InputError("spherical harmonics: degree k = " + std::to_string(k) + " is negative");
  const int multiplicity = d == 2 ? (k == 0 ? 1 : 2) : 2 * k + 1;
  if (j < 0 || j >= multiplicity)
    throw InputError("spherical harmonics: index j = " + std::to_string(j) + " outside 0…" +
                     std::to_string(multiplicity - 1) + " for degree " + std::to_string(k));
  if (!X.allFinite()) throw InputError("spherical harmonics: points are not finite");
  const Eigen::Index n = X.rows();
  Eigen::VectorXd y(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const double norm = X.row(i).norm();
    if (!(norm > 0.0)) throw InputError("spherical harmonics: point " + std::to_string(i) + " is zero");
    if (d == 2) {
      const double phi = std::atan2(X(i, 1), X(i, 0));
      y(i) = k == 0 ? 1.0 : (j == 0 ? std::sqrt(2.0) * std::cos(k * phi) : std::sqrt(2.0) * std::sin(k * phi));
    } else {
      const double z = std::clamp(X(i, 2) / norm, -1.0, 1.0);
      const double phi = std::atan2(X(i, 1), X(i, 0));
      const int m = j - k;
      const int am = std::abs(m);
      const double q = normalisedAssociatedLegendre(k, am, z);
      if (m == 0) y(i) = q;
      else if (m > 0) y(i) = std::sqrt(2.0) * q * std::cos(am * phi);
      else y(i) = std::sqrt(2.0) * q * std::sin(am * phi);
    }
  }
  return y;
}

Eigen::MatrixXd sphereLatLongGrid(int nTheta, int nPhi)
{
  if (nTheta < 1 || nPhi < 1)
    throw InputError("lat-long grid: needs at least 1 by 1 cells, got " + std::to_string(nTheta) + " by " +
                     std::to_string(nPhi));
  Eigen::MatrixXd P(Eigen::Index(nTheta) * nPhi, 3);
  for (int a = 0; a < nTheta; ++a) {
    const double theta = (a + 0.5) * kPi / nTheta;
    for (int b = 0; b < nPhi; ++b) {
      const double phi = 2.0 * kPi * b / nPhi;
      const Eigen::Index r = Eigen::Index(a) * nPhi + b;
      P(r, 0) = std::sin(theta) * std::cos(phi);
      P(r, 1) = std::sin(theta) * std::sin(phi);
      P(r, 2) = std::cos(theta);
    }
  }
  return P;
}

Eigen::MatrixXd circleGrid(int n)
{
  if (n < 1) throw InputError("circle grid: needs at least 1 point, got " + std::to_string(n));
  Eigen::MatrixXd P(n, 2);
  for (int i = 0; i < n; ++i) {
    P(i, 0) = std::cos(2.0 * kPi * i / n);
    P(i, 1) = std::sin(2.0 * kPi * i / n);
  }
  return P;
}

} // namespace ntk
