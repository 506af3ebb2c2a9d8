// PowerLawFit.h — fit λ_k ≈ C·k^{−p} over a range of degrees, with a standard error.
// In: λ_k indexed by k (k = 0…K), a range [kmin, kmax] (kmin ≥ 1). Out: p, its standard error (OLS
// on log λ vs log k), log C, the number of points used. Zero or negative λ_k are excluded (they are
// exact zeros, e.g. odd degrees of bias-free ReLU, not small eigenvalues) and counted.
// Even and odd degrees are fitted separately too; `parityDiffers` says whether they are different
// enough (one parity all zero, or exponents/prefactors apart by more than 3 combined standard errors)
// that a single line would mislead — the views then show two lines.
// Thread-safety: pure functions.
#pragma once
#include <vector>

#include <Eigen/Dense>

namespace ntk {

struct PowerLaw {
  bool valid = false;  ///< at least 3 positive points
  double exponent = 0; ///< p in λ ≈ C k^{−p}
  double stderror = 0; ///< standard error of p (0 when the points lie exactly on a line)
  double logC = 0;     ///< natural log of C
  int points = 0;      ///< positive points used
  int zeros = 0;       ///< points in range with λ ≤ 0, excluded
  double at(double k) const; ///< C k^{−p}
};

struct SpectrumFit {
  PowerLaw all, even, odd;
  bool parityDiffers = false;
  int kmin = 1, kmax = 1;
};

/// OLS fit of log λ against log k over the given pairs (λ ≤ 0 excluded and counted in `zeros`).
PowerLaw fitPowerLaw(const std::vector<double>& k, const std::vector<double>& lambda);

/// Fits over k ∈ [kmin, kmax] ∩ [1, lambdaByK.size() − 1].
SpectrumFit fitSpectrum(const Eigen::VectorXd& lambdaByK, int kmin, int kmax);

} // namespace ntk
