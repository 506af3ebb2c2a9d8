// NtkFilter.cpp — one row of the analytic NTK over the element centres (computeGram applies the
// network's encoding, i.e. the embedding), normalised to [0, 1], and its half-maximum radius.
#include "core/topopt/NtkFilter.h"

#include <cmath>
#include <string>

#include "core/kernels/NtkGram.h"
#include "core/topopt/TopoptNetwork.h"
#include "core/util/Errors.h"

namespace ntk {

NtkFilterRow ntkFilterAt(const Network& net, int nelx, int nely, int ex, int ey)
{
  if (net.inputDim != 2)
    throw NetworkError("the NTK filter needs input_dim 2 (element coordinates); the network has input_dim " +
                       std::to_string(net.inputDim));
  const Eigen::MatrixXd X = topoptInputs(nelx, nely); // InputError for an empty grid
  if (ex < 0 || ex >= nelx || ey < 0 || ey >= nely)
    throw InputError("element (" + std::to_string(ex) + ", " + std::to_string(ey) + ") is off the " +
                     std::to_string(nelx) + " x " + std::to_string(nely) + " grid");
  const Eigen::Index p = Eigen::Index(ex) * nely + ey;
  const Eigen::MatrixXd xp = X.row(p);
  NtkFilterRow row;
  row.raw = kernelMatrix(net, xp, &X, KernelKind::Ntk).row(0).transpose();
  // Θ(p, p) from the symmetric path, which takes x·x from the per-point variance (ρ = 1 exactly): the
  // cross product's x·x may differ by an ulp, and arccos turns that into a 1e-8 error at the peak.
  row.raw(p) = kernelMatrix(net, xp, nullptr, KernelKind::Ntk)(0, 0);
  const double lo = row.raw.minCoeff(), peak = row.raw(p);
  const double span = peak - lo;
  // Without an embedding the NTK is not stationary: Θ(p, q) may exceed Θ(p, p) for q farther from the
  // origin. Such weights are clipped to 1, so the row stays a filter with its peak at p.
  if (span > 0.0)
    row.weights = ((row.raw.array() - lo) / span).min(1.0).matrix();
  else // a constant kernel (a one-element grid, or a network blind to position): the filter is everything
    row.weights = Eigen::VectorXd::Ones(row.raw.size());
  // Half maximum: the disc with the same area (elements are unit squares) as {q : w(q) ≥ ½}.
  const double area = double((row.weights.array() >= 0.5).count());
  row.radius = std::sqrt(area / M_PI);
  return row;
}

} // namespace ntk
