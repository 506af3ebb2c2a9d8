// LossCurve — the total train and test loss of kernel gradient flow / gradient descent along time.
// In: a KernelDynamics (its test set begins with the held-out points whose targets are given; rows
// after them, e.g. a plotting grid, are ignored), a time grid, GD on/off and its step η.
// Out: L_train(t) = (1/2m) Σ_i (f_t(x_i) − y_i)² and L_test(t) = (1/2n) Σ_j (f_t(x_j) − y_j)² over the
// n held-out points (the loss convention of KernelDynamics.h).
// L_train comes from the mode residuals: f_t(X) − Y = V r_t with V orthonormal, so L_train = |r_t|²/2m,
// O(m) per t. L_test evaluates the mean on the held-out rows only, O(n·m) per t.
// Gradient descent: after s = round(t/η) steps; t = ∞ is the flow's limit when η < 2/λ_max. Where the
// outputs overflow (η > 2/λ_max, long times) the loss is +∞.
// Thread-safety: reads the const KernelDynamics only; safe from any thread.
#pragma once
#include <Eigen/Dense>

#include "core/dynamics/KernelDynamics.h"

namespace ntk {

struct LossCurve {
  Eigen::VectorXd times; ///< t, as given
  Eigen::VectorXd train; ///< L_train(t)
  Eigen::VectorXd test;  ///< L_test(t); empty when there are no held-out points
};

/// Gradient-descent steps for time t with step η: round(t/η), capped at 10^15 (t finite, η > 0).
long long gradientDescentSteps(double t, double eta);

/// L_train at one t (gd: after round(t/η) steps of step η).
double trainLoss(const KernelDynamics& dynamics, double t, bool gd, double eta);
/// L_test at one t on the first testTargets.size() test rows.
double testLoss(const KernelDynamics& dynamics, const Eigen::VectorXd& testTargets, double t, bool gd, double eta);

/// Both losses on `times`. testTargets may be empty (no test curve); throws InputError when it has more
/// entries than the dynamics has test points.
LossCurve lossCurve(const KernelDynamics& dynamics, const Eigen::VectorXd& times, const Eigen::VectorXd& testTargets,
                    bool gd, double eta);

/// `samples` times log-uniform from 10^logMin to 10^logMax.
Eigen::VectorXd logTimeGrid(double logMin, double logMax, int samples);

} // namespace ntk
