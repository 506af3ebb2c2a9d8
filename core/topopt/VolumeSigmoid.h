// VolumeSigmoid.h — the density map of the neural method (Dupuis & Jacot 2021) and its chain rule.
// In: pre-densities z (elementCount), the passive mask of a TopoptProblem (empty: none), a volume
// fraction V ∈ (0, 1). Out: y_j = σ(z_j + b) on the active elements, 1 / 0 on passive solid / void,
// with the shift b found by bisection so that Σ_active y = V·N_active; and, for a gradient g = ∂c/∂y,
// the gradient of c(y(z)) through the implicit b: ∂c/∂z_j = s_j (g_j − Σ_i g_i s_i / Σ_i s_i),
// s = y(1 − y) over the active elements (0 on passive ones), from ∂b/∂z_j = −s_j / Σ_i s_i.
// The bisection brackets b in [logit V − max z, logit V − min z] (where the volume is ≤ and ≥ the
// target) and halves it to double precision: the volume holds to ~1e-12 relative.
#pragma once
#include <vector>

#include <Eigen/Dense>

#include "core/topopt/TopoptProblem.h"

namespace ntk {

struct VolumeSigmoid {
  Eigen::VectorXd y; ///< densities (elementCount)
  double b = 0.0;    ///< the shift
};

/// InputError for a passive mask of the wrong size, V outside (0, 1), a non-finite z.
VolumeSigmoid volumeSigmoid(const Eigen::VectorXd& z, const std::vector<PassiveKind>& passive, double volfrac);
/// σ(z_j + b) on active elements, 1 / 0 on passive ones (no bisection: render() reuses b).
Eigen::VectorXd shiftedSigmoid(const Eigen::VectorXd& z, const std::vector<PassiveKind>& passive, double b);
/// ∂c/∂z from y = volumeSigmoid(z).y and g = ∂c/∂y (both elementCount).
Eigen::VectorXd volumeSigmoidGradient(const Eigen::VectorXd& y, const Eigen::VectorXd& g,
                                      const std::vector<PassiveKind>& passive);

} // namespace ntk
