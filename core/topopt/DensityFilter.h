// DensityFilter.h — top88's linear cone filter on the element grid, as a convolution.
// In: nelx, nely, radius rmin (elements). Weights H_ij = max(0, rmin − dist(i, j)) over the elements
// inside the grid, Hs_i = Σ_j H_ij (the boundary rows are renormalised, exactly as top88's sparse H).
// Out: apply(x) = (H x)./Hs (density filter), applyAdjoint(g) = H (g./Hs) (its chain rule),
// sensitivity(x, dc) = H (x.*dc) ./ Hs ./ max(1e-3, x) (top88's sensitivity filter), and the
// weights w with Σ_i (H x ./ Hs)_i = w·x, so a volume under the density filter costs one dot product.
// Whole-grid convolution with a (2⌈rmin⌉−1)² stencil, oneTBB over columns; no sparse H is stored.
// Thread-safety: const methods are safe from any thread.
#pragma once
#include <Eigen/Dense>

namespace ntk {

class DensityFilter {
public:
  /// InputError for a grid < 1 × 1 or rmin not finite or < 1 (rmin < 1 would be the identity: use
  /// no filter instead).
  DensityFilter(int nelx, int nely, double rmin);

  Eigen::VectorXd apply(const Eigen::VectorXd& x) const;
  Eigen::VectorXd applyAdjoint(const Eigen::VectorXd& g) const;
  Eigen::VectorXd sensitivity(const Eigen::VectorXd& x, const Eigen::VectorXd& dc) const;
  /// w = Hᵀ(1./Hs): Σ apply(x) = w·x.
  const Eigen::VectorXd& volumeWeights() const { return m_volumeWeights; }
  double rmin() const { return m_rmin; }

private:
  /// H x (no normalisation).
  Eigen::VectorXd convolve(const Eigen::VectorXd& x) const;
  int m_nelx, m_nely;
  double m_rmin;
  int m_reach;                    ///< ⌈rmin⌉ − 1: offsets −reach…reach
  Eigen::MatrixXd m_stencil;      ///< (2·reach+1)² weights max(0, rmin − √(di² + dj²))
  Eigen::VectorXd m_hs, m_volumeWeights;
};

} // namespace ntk
