// FiniteTrainingRuns.h — many finite networks (widths × seeds, optionally their linearisations) trained
// at once on oneTBB, recorded every k steps, and their ensemble statistics (survey §7 lazy vs rich,
// §8.1 the ensemble against the NTK-GP posterior).
// In: the network (hidden widths overridden per run by Network::withHiddenWidth), the data, η, the number
// of steps, the record interval k, widths, seeds (seed, seed+1, … the same at every width).
// Out: per run the records at steps 0, k, 2k, …, and the last step: loss, kernel distance ρ(Θ_0, Θ_t),
// kernel velocity ρ(Θ_t, Θ_{t−Δ})/Δ (Δ = the time between this record and the previous one; 0 at step 0),
// weight change, test outputs; whether and where the run diverged (its records stop there: the last one is
// its last finite state, between two record steps when it diverged there).
// Ensemble: mean and variance (n − 1 denominator) over seeds of the test outputs at one width and step.
// Errors: as FiniteNetworkTrainer, plus InputError for no widths, a width < 1, seeds < 1, steps < 0,
// k < 1; MemoryLimitError before allocating (all runs together); CancelledError between steps.
// Threads: one run per oneTBB task, OpenBLAS held at one thread meanwhile (process-wide).
// Progress: steps done over all runs, reported from worker threads.
#pragma once
#include <cstdint>
#include <vector>

#include <Eigen/Dense>

#include "core/network/Network.h"
#include "core/util/JobControl.h"

namespace ntk {

struct TrainingRecord {
  long long step = 0;
  double time = 0.0;            ///< step · η
  double loss = 0.0;
  double kernelDistance = 0.0;
  double kernelVelocity = 0.0;
  double weightChange = 0.0;
  Eigen::VectorXd testOutputs;
};

struct TrainingRun {
  int width = 0;
  std::uint64_t seed = 0;
  bool linearised = false;
  bool diverged = false;
  long long divergedAtStep = -1;
  std::vector<TrainingRecord> records;
};

struct TrainingRunsOptions {
  std::vector<int> widths;      ///< hidden width of each run family
  int seeds = 4;
  std::uint64_t seed = 1;
  double learningRate = 0.1;
  /// Each run's step is learningRate / width (η·n fixed: the standard parameterisation's stable scaling).
  bool learningRateOverWidth = false;
  long long steps = 200;
  long long recordEvery = 20;
  bool alsoLinearised = false;  ///< also train each network's linearisation (same seed)
};

/// The step a run of hidden width `width` takes under these options.
double runLearningRate(const TrainingRunsOptions& options, int width);

std::vector<TrainingRun> trainFiniteNetworks(const Network& net, const Eigen::MatrixXd& Xtrain,
                                             const Eigen::VectorXd& Ytrain, const Eigen::MatrixXd& Xtest,
                                             const TrainingRunsOptions& options, const JobControl& job = {});

struct EnsembleStatistics {
  Eigen::VectorXd mean;         ///< over seeds, per test point
  Eigen::VectorXd variance;     ///< n − 1 denominator (0 with one seed)
  int count = 0;                ///< runs that reached the step without diverging
};

/// Test-output statistics of the non-linearised, non-diverged runs of `width` at record step `step`.
EnsembleStatistics ensembleAt(const std::vector<TrainingRun>& runs, int width, long long step);

/// Estimated floating-point operations of one gradient-descent step of `net` on m training inputs
/// (forward + backward, 2 flops per multiply-add), for GFLOP/s figures.
double gradientStepFlops(const Network& net, Eigen::Index m);

} // namespace ntk
