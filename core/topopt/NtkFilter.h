// NtkFilter.h — the filter a network implies at infinite width (Dupuis & Jacot 2021; survey §6.2).
// In: a Network (input_dim 2, with its encoding = the embedding), the grid, an element (ex, ey).
// Out: the analytic NTK row Θ(p, q) for q over every element centre, normalised to
// (Θ(p, q) − min_q Θ(p, ·)) / (Θ(p, p) − min_q Θ(p, ·)) ∈ [0, 1] (clipped at 1: without an embedding
// Θ(p, q) can exceed Θ(p, p); a constant row gives all ones), and its effective radius: the
// half-width at half maximum, measured as the radius of the disc whose area equals the area where
// the normalised row is ≥ ½ (elements; comparable with SIMP's rmin).
#pragma once
#include <Eigen/Dense>

#include "core/network/Network.h"

namespace ntk {

struct NtkFilterRow {
  Eigen::VectorXd weights;   ///< elementCount, element order, in [0, 1], 1 at (ex, ey)
  Eigen::VectorXd raw;       ///< Θ(p, q) before normalisation
  double radius = 0.0;       ///< effective half-width at half maximum, elements
};

/// InputError for an element off the grid; NetworkError for input_dim ≠ 2.
NtkFilterRow ntkFilterAt(const Network& net, int nelx, int nely, int ex, int ey);

} // namespace ntk
