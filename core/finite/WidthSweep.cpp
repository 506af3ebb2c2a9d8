// WidthSweep.cpp — empirical kernels of finite networks over (width, seed), against the analytic kernel.
// The (width, seed) runs are independent: oneTBB runs them, largest widths first, each network's
// products on one OpenBLAS thread. The analytic kernel is computed once (per width only in the
// standard parameterisation, where it depends on the width).
#include "core/finite/WidthSweep.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <numbers>
#include <string>

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "core/nets/FiniteNetwork.h"
#include "core/util/DenseBlas.h"
#include "core/util/Errors.h"
#include "core/util/MemoryEstimate.h"

namespace ntk {

namespace {

std::vector<int> sweepWidths(const WidthSweepOptions& options)
{
  std::vector<int> widths = options.widths;
  if (widths.empty())
    for (int a = 4; a <= 12; ++a) widths.push_back(1 << a);
  for (const int w : widths)
    if (w < 1 || w > kMaxWidth)
      throw InputError("width sweep: widths must be in [1, " + std::to_string(kMaxWidth) + "] (got " + std::to_string(w) + ")");
  std::sort(widths.begin(), widths.end());
  if (std::adjacent_find(widths.begin(), widths.end()) != widths.end())
    throw InputError("width sweep: a width is listed twice");
  return widths;
}

void checkInputs(const Network& net, const Eigen::MatrixXd& X, const WidthSweepOptions& options)
{
  net.validate();
  if (options.seeds < 1) throw InputError("width sweep: seeds must be >= 1 (got " + std::to_string(options.seeds) + ")");
  if (X.rows() < 1) throw InputError("width sweep: no input points");
  if (X.cols() != net.inputDim)
    throw InputError("width sweep: inputs have " + std::to_string(X.cols()) + " columns but input_dim is " +
                     std::to_string(net.inputDim));
  if (!X.allFinite()) throw InputError("width sweep: inputs hold NaN or infinite values");
  if (net.denseCount() < 2)
    throw InputError("width sweep: the network has no hidden Dense layer, so its kernel does not depend on the width");
}

/// K / (mean of its diagonal): the standard parameterisation's NTK grows ∝ width; its shape converges.
Eigen::MatrixXd byMeanDiagonal(const Eigen::MatrixXd& K)
{
  const double scale = K.diagonal().mean();
  if (!(scale > 0.0) || !std::isfinite(scale))
    throw NumericalError("width sweep: a kernel's mean diagonal is not a positive finite number");
  return K / scale;
}

/// Least-squares line through (log width, log error): {slope, intercept}; NaN with fewer than two
/// widths or a zero error (no line is defined).
std::pair<double, double> logLogFit(const std::vector<WidthSweepRow>& rows)
{
  const double nan = std::nan("");
  if (rows.size() < 2) return {nan, nan};
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const WidthSweepRow& r : rows) {
    if (!(r.meanRelError > 0.0)) return {nan, nan};
    const double x = std::log(double(r.width)), y = std::log(r.meanRelError);
    sx += x, sy += y, sxx += x * x, sxy += x * y;
  }
  const double n = double(rows.size());
  const double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  return {slope, (sy - slope * sx) / n};
}

struct Run {
  int widthIndex = 0;
  int seedIndex = 0;
};

} // namespace

Eigen::MatrixXd circlePoints(int m)
{
  if (m < 1) throw InputError("circle points: m must be >= 1 (got " + std::to_string(m) + ")");
  Eigen::MatrixXd X(m, 2);
  for (int i = 0; i < m; ++i) {
    const double a = 2.0 * std::numbers::pi * double(i) / double(m);
    X(i, 0) = std::cos(a);
    X(i, 1) = std::sin(a);
  }
  return X;
}

WidthSweepResult runWidthSweep(const Network& net, const Eigen::MatrixXd& X, const WidthSweepOptions& options,
                               const JobControl& job)
{
  const std::vector<int> widths = sweepWidths(options);
  checkInputs(net, X, options);
  const int W = int(widths.size()), S = options.seeds;
  const bool ntkKind = options.kind == KernelKind::Ntk;
  WidthSweepResult result;
  result.normalised = ntkKind && net.parameterization == Parameterization::Standard;

  std::vector<Network> nets;
  for (const int w : widths) nets.push_back(net.withHiddenWidth(w));
  // Memory: as many networks at once as oneTBB has threads (the widest ones, in the worst case), plus
  // the analytic kernels and the two kept empirical ones.
  const int concurrent = std::min(W * S, tbb::this_task_arena::max_concurrency());
  const double m = double(X.rows());
  requireMemory(double(concurrent) * FiniteNetwork::kernelBytes(nets.back(), X.rows()) + 8.0 * m * m * (W + 3),
                "a width sweep up to width " + std::to_string(widths.back()) + " (" + std::to_string(concurrent) +
                    " networks at once)");

  // The analytic kernel: per width in the standard parameterisation's NTK (Θ = n·A + C), else once.
  std::vector<Eigen::MatrixXd> analytic(result.normalised ? W : 1);
  for (size_t i = 0; i < analytic.size(); ++i) {
    job.checkCancelled();
    const Eigen::MatrixXd K = kernelMatrix(nets[i], X, nullptr, options.kind);
    analytic[i] = result.normalised ? byMeanDiagonal(K) : K;
  }
  result.analytic = analytic.back();

  // Work per run ∝ its parameters (the n² draws and the m·n² products): progress and ordering.
  std::vector<double> cost(W);
  double totalCost = 0.0;
  for (int i = 0; i < W; ++i) totalCost += S * (cost[i] = FiniteNetwork::parameterBytes(nets[i]));
  std::vector<Run> runs;
  for (int i = W; i-- > 0;)
    for (int s = 0; s < S; ++s) runs.push_back({i, s});

  std::vector<double> errors(size_t(W) * S), scales(size_t(W) * S);
  std::atomic<double> done{0.0};
  std::mutex progressMutex;
  JobControl inner; // cancellation inside a run; progress is reported per finished run
  inner.stop = job.stop;
  const SingleThreadedBlas blas;
  tbb::parallel_for(size_t(0), runs.size(), [&](size_t r) {
    job.checkCancelled();
    const Run run = runs[r];
    const FiniteNetwork f(nets[size_t(run.widthIndex)], options.seed + std::uint64_t(run.seedIndex));
    Eigen::MatrixXd K = ntkKind ? f.empiricalNtk(X, nullptr, inner) : f.empiricalNngp(X, nullptr, inner);
    if (!K.allFinite())
      throw NumericalError("width sweep: the empirical kernel at width " + std::to_string(widths[size_t(run.widthIndex)]) +
                           " overflows; reduce W_std or b_std, or the depth");
    const size_t at = size_t(run.widthIndex) * S + size_t(run.seedIndex);
    scales[at] = K.diagonal().mean();
    if (result.normalised) K = byMeanDiagonal(K);
    const Eigen::MatrixXd& A = analytic[result.normalised ? size_t(run.widthIndex) : 0];
    errors[at] = (K - A).norm() / A.norm();
    if (run.seedIndex == 0 && run.widthIndex == 0) result.smallest = K;
    if (run.seedIndex == 0 && run.widthIndex == W - 1) result.largest = K;
    const double now = done.fetch_add(cost[size_t(run.widthIndex)]) + cost[size_t(run.widthIndex)];
    const std::lock_guard lock(progressMutex); // the callback need not be re-entrant
    job.report(now / totalCost);
  });

  for (int i = 0; i < W; ++i) {
    WidthSweepRow row;
    row.width = widths[size_t(i)];
    const Eigen::Map<const Eigen::ArrayXd> e(errors.data() + size_t(i) * S, S), sc(scales.data() + size_t(i) * S, S);
    row.meanRelError = e.mean();
    row.stdRelError = S > 1 ? std::sqrt((e - row.meanRelError).square().sum() / double(S - 1)) : 0.0;
    row.meanScale = sc.mean();
    result.rows.push_back(row);
  }
  std::tie(result.slope, result.intercept) = logLogFit(result.rows);
  return result;
}

} // namespace ntk
