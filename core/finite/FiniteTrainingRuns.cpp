#include "core/finite/FiniteTrainingRuns.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>
#include <string>

#include <tbb/parallel_for.h>

#include "core/finite/FiniteNetworkTrainer.h"
#include "core/util/DenseBlas.h"
#include "core/util/Errors.h"
#include "core/util/MemoryEstimate.h"

namespace ntk {

namespace {

void validateOptions(const TrainingRunsOptions& o)
{
  if (o.widths.empty()) throw InputError("training runs need at least one width");
  for (const int w : o.widths)
    if (w < 1) throw InputError("a width must be >= 1 (got " + std::to_string(w) + ")");
  if (o.seeds < 1) throw InputError("seeds must be >= 1");
  if (o.steps < 0) throw InputError("steps must be >= 0");
  if (o.recordEvery < 1) throw InputError("the record interval must be >= 1");
}

/// The record of the trainer's present state; `previous` (the record before, with its Θ) gives the velocity.
TrainingRecord recordOf(const FiniteNetworkTrainer& t, const Eigen::MatrixXd& theta, const TrainingRecord* previous,
                        const Eigen::MatrixXd* previousTheta)
{
  TrainingRecord r;
  r.step = t.steps();
  r.time = t.time();
  r.loss = t.loss();
  r.kernelDistance = t.linearised() ? 0.0 : kernelDistance(t.initialNtk(), theta);
  if (previous && previousTheta && r.time > previous->time && !t.linearised())
    r.kernelVelocity = kernelDistance(*previousTheta, theta) / (r.time - previous->time);
  r.weightChange = t.weightChange();
  r.testOutputs = t.testOutputs();
  return r;
}

/// Trains one run to the end (or divergence), recording every k steps and at the last step.
void trainRun(TrainingRun& run, const Network& net, const Eigen::MatrixXd& X, const Eigen::VectorXd& Y,
              const Eigen::MatrixXd& x, const TrainingRunsOptions& o, const JobControl& job,
              const std::function<void(long long)>& advanced)
{
  FiniteNetworkTrainer t(net.withHiddenWidth(run.width), run.seed, X, Y, x, runLearningRate(o, run.width), run.linearised);
  Eigen::MatrixXd theta = t.currentNtk();
  run.records.push_back(recordOf(t, theta, nullptr, nullptr));
  while (t.steps() < o.steps && !t.diverged()) {
    const long long until = std::min(o.steps, t.steps() + o.recordEvery);
    while (t.steps() < until && !t.diverged()) { // step by step: cancel and progress between steps
      job.checkCancelled();
      t.step(1);
      if (!t.diverged()) advanced(1);
    }
    if (t.steps() == run.records.back().step) break; // diverged on the first step of this stretch
    Eigen::MatrixXd next = t.currentNtk();
    run.records.push_back(recordOf(t, next, &run.records.back(), &theta));
    theta = std::move(next);
  }
  advanced(o.steps - t.steps()); // a diverged run's remaining steps count as done
  run.diverged = t.diverged();
  run.divergedAtStep = t.divergedAtStep();
}

} // namespace

double runLearningRate(const TrainingRunsOptions& options, int width)
{
  return options.learningRateOverWidth ? options.learningRate / double(width) : options.learningRate;
}

std::vector<TrainingRun> trainFiniteNetworks(const Network& net, const Eigen::MatrixXd& Xtrain, const Eigen::VectorXd& Ytrain,
                                             const Eigen::MatrixXd& Xtest, const TrainingRunsOptions& options,
                                             const JobControl& job)
{
  validateOptions(options);
  std::vector<TrainingRun> runs;
  double bytes = 0.0;
  for (const int w : options.widths)
    for (int s = 0; s < options.seeds; ++s)
      for (const bool lin : {false, true}) {
        if (lin && !options.alsoLinearised) continue;
        TrainingRun r;
        r.width = w;
        r.seed = options.seed + std::uint64_t(s);
        r.linearised = lin;
        runs.push_back(r);
        const double records = double(options.steps / options.recordEvery + 2) * double(Xtest.rows()) * 8.0;
        bytes += finiteTrainerBytes(net.withHiddenWidth(w), Xtrain.rows(), Xtest.rows()) + records;
      }
  requireMemory(bytes, "training " + std::to_string(runs.size()) + " finite networks at once");

  // Progress: steps done over all runs; the callback may run on any worker thread.
  const double total = double(std::max<long long>(1, options.steps)) * double(runs.size());
  std::atomic<long long> done{0};
  const auto advanced = [&](long long n) { job.report(double(done += n) / total); };
  // One task per run, the widest first so that the long runs do not end up last on one core.
  std::vector<size_t> order(runs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return runs[a].width > runs[b].width; });
  const SingleThreadedBlas blas; // one run per core: OpenBLAS's own threads would oversubscribe them
  tbb::parallel_for(size_t(0), order.size(), size_t(1), [&](size_t i) {
    trainRun(runs[order[i]], net, Xtrain, Ytrain, Xtest, options, job, advanced);
  });
  job.checkCancelled();
  job.report(1.0);
  return runs;
}

EnsembleStatistics ensembleAt(const std::vector<TrainingRun>& runs, int width, long long step)
{
  std::vector<const Eigen::VectorXd*> outputs;
  for (const TrainingRun& r : runs) {
    if (r.width != width || r.linearised || r.diverged) continue;
    for (const TrainingRecord& rec : r.records)
      if (rec.step == step) outputs.push_back(&rec.testOutputs);
  }
  EnsembleStatistics s;
  s.count = int(outputs.size());
  if (outputs.empty()) return s;
  s.mean = Eigen::VectorXd::Zero(outputs.front()->size());
  for (const auto* o : outputs) s.mean += *o;
  s.mean /= double(s.count);
  s.variance = Eigen::VectorXd::Zero(s.mean.size());
  if (s.count > 1) {
    for (const auto* o : outputs) s.variance.array() += (*o - s.mean).array().square();
    s.variance /= double(s.count - 1);
  }
  return s;
}

double gradientStepFlops(const Network& net, Eigen::Index m)
{
  // Per Dense layer (n_in → width): the forward H Wᵀ, the gradient Δᵀ H and, except for the first layer,
  // the back-propagated Δ W: 2·m·n_in·width flops each.
  double flops = 0.0;
  double nIn = double(net.encodedDim());
  bool first = true;
  for (const Layer& l : net.layers)
    if (const auto* d = std::get_if<DenseLayer>(&l)) {
      const double gemm = 2.0 * double(m) * nIn * double(d->width);
      flops += (first ? 2.0 : 3.0) * gemm;
      first = false;
      nIn = d->width;
    }
  return flops;
}

} // namespace ntk
