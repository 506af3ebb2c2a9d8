// WidthSweep.h — how the empirical kernel of a finite network approaches its infinite-width limit
// (survey §2, §4.3: fluctuations of the empirical NTK at initialisation ∝ n^{-1/2}).
// In: a Network (its own hidden widths are ignored), inputs X (m by input_dim), widths 2^a…2^b (every
// hidden Dense layer set to that width), S seeds, NTK or NNGP.
// Out: per width the relative Frobenius error ‖Θ̂_n − Θ‖_F / ‖Θ‖_F to the analytic kernel Θ, mean and
// standard deviation (n − 1 denominator) over the seeds; the least-squares slope of log(mean error)
// against log(width); the analytic kernel and one seed's empirical kernel at the smallest and largest
// width (for heatmaps). The empirical kernels are contracted layer by layer (FiniteNetwork), never a
// materialised Jacobian, so width 4096 with 64 inputs is cheap; seeds and widths run on oneTBB.
// Standard parameterisation: the empirical NTK grows with the width (its limit is infinite), so the
// error is measured against the analytic kernel after normalising both by their mean diagonal (the
// result says so: `normalised` = true); `meanScale` records the unnormalised mean diagonal per width.
// Errors: InputError (no widths, a width < 1, seeds < 1, NaN inputs); MemoryLimitError before
// allocating; CancelledError between runs.
#pragma once
#include <cstdint>
#include <vector>

#include <Eigen/Dense>

#include "core/kernels/NtkGram.h"
#include "core/network/Network.h"
#include "core/util/JobControl.h"

namespace ntk {

struct WidthSweepOptions {
  std::vector<int> widths;   ///< empty: 2^4 … 2^12
  int seeds = 8;
  KernelKind kind = KernelKind::Ntk;
  std::uint64_t seed = 1;    ///< seeds seed, seed+1, … (the same seeds at every width)
};

struct WidthSweepRow {
  int width = 0;
  double meanRelError = 0.0;
  double stdRelError = 0.0;  ///< n − 1 denominator; 0 with one seed
  double meanScale = 0.0;    ///< mean over seeds of the empirical kernel's mean diagonal
};

struct WidthSweepResult {
  std::vector<WidthSweepRow> rows;
  double slope = 0.0;        ///< d log(mean error) / d log(width), least squares over the rows (NaN: one width)
  double intercept = 0.0;    ///< log(mean error) at width 1 of that fit (NaN: one width)
  bool normalised = false;   ///< errors measured after dividing by the mean diagonal (standard param.)
  /// The analytic kernel on X (m by m). When `normalised`: that of the largest width, divided by its
  /// mean diagonal (the standard parameterisation's analytic NTK depends on the width).
  Eigen::MatrixXd analytic;
  Eigen::MatrixXd smallest;  ///< seed `seed`'s empirical kernel at the smallest width (normalised likewise)
  Eigen::MatrixXd largest;   ///< … and at the largest width
};

/// The default inputs of the sweep: m points on the unit circle, (cos 2πi/m, sin 2πi/m).
Eigen::MatrixXd circlePoints(int m);

/// Rows come out in increasing width (a width listed twice is an InputError); a network without a hidden
/// Dense layer is an InputError (its kernel does not depend on the width). NNGP in the standard
/// parameterisation is not normalised (it does not grow with the width).
WidthSweepResult runWidthSweep(const Network& net, const Eigen::MatrixXd& X, const WidthSweepOptions& options,
                               const JobControl& job = {});

} // namespace ntk
