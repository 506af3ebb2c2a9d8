// DensityFilter.cpp — H x as a truncated 2-D convolution; H is symmetric, so Hᵀ = H.
#include "core/topopt/DensityFilter.h"

#include <algorithm>
#include <cmath>

#include <tbb/parallel_for.h>

#include "core/util/Errors.h"

namespace ntk {

DensityFilter::DensityFilter(int nelx, int nely, double rmin) : m_nelx(nelx), m_nely(nely), m_rmin(rmin)
{
  if (nelx < 1 || nely < 1) throw InputError("filter grid must be at least 1 × 1");
  if (!std::isfinite(rmin) || rmin < 1.0)
    throw InputError("rmin = " + std::to_string(rmin) + ": the filter radius must be a number ≥ 1 element");
  m_reach = int(std::ceil(rmin)) - 1;
  const int n = 2 * m_reach + 1;
  m_stencil.resize(n, n);
  for (int di = -m_reach; di <= m_reach; ++di)
    for (int dj = -m_reach; dj <= m_reach; ++dj)
      m_stencil(di + m_reach, dj + m_reach) = std::max(0.0, rmin - std::sqrt(double(di * di + dj * dj)));
  m_hs = convolve(Eigen::VectorXd::Ones(Eigen::Index(nelx) * nely));
  m_volumeWeights = convolve(m_hs.cwiseInverse());
}

Eigen::VectorXd DensityFilter::convolve(const Eigen::VectorXd& x) const
{
  Eigen::VectorXd out(x.size());
  const int R = m_reach, nx = m_nelx, ny = m_nely;
  tbb::parallel_for(0, nx, [&](int ex) {
    const int i0 = std::max(0, ex - R), i1 = std::min(nx - 1, ex + R);
    for (int ey = 0; ey < ny; ++ey) {
      const int j0 = std::max(0, ey - R), j1 = std::min(ny - 1, ey + R);
      double sum = 0.0;
      for (int i = i0; i <= i1; ++i) {
        const double* w = m_stencil.col(i - ex + R).data() + R - ey; // w[j] = weight of offset (i−ex, j−ey)
        const double* xi = x.data() + Eigen::Index(i) * ny;
        for (int j = j0; j <= j1; ++j) sum += w[j] * xi[j];
      }
      out(Eigen::Index(ex) * ny + ey) = sum;
    }
  });
  return out;
}

Eigen::VectorXd DensityFilter::apply(const Eigen::VectorXd& x) const { return convolve(x).cwiseQuotient(m_hs); }

Eigen::VectorXd DensityFilter::applyAdjoint(const Eigen::VectorXd& g) const { return convolve(g.cwiseQuotient(m_hs)); }

Eigen::VectorXd DensityFilter::sensitivity(const Eigen::VectorXd& x, const Eigen::VectorXd& dc) const
{
  return convolve(x.cwiseProduct(dc)).cwiseQuotient(m_hs).cwiseQuotient(x.cwiseMax(1e-3));
}

} // namespace ntk
