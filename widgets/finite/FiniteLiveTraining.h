// FiniteLiveTraining — real finite networks (widths × seeds, optionally their linearisations) trained by
// full-batch gradient descent step by step for the dynamics playground, handing a snapshot of every run
// to the caller every k steps so the GUI draws while they train (survey §5, §8.1; Lee et al. 2019).
// In: the network (its hidden widths replaced per run by Network::withHiddenWidth, nothing else changed),
// training inputs/targets, test inputs (the plotting grid), LiveTrainingSettings (widths, seeds, η, steps,
// snapshot interval, linearised too). Loss, η and time as FiniteNetworkTrainer / `ntk-cli dynamics`:
// L = (1/2m) Σ (f(x_i) − y_i)², s steps are time t = s·η.
// Out: `onSnapshot(snapshot)` at steps 0, k, 2k, …, steps — one TrainingRecord per run still going (a
// diverged run stops getting records and says where it stopped). appendSnapshot() collects them into
// FiniteTrainingRuns' TrainingRun, so ensembleAt() gives the ensemble mean at a recorded step.
// Work: runs step in parallel (oneTBB) between snapshots; the stop flag is polled between chunks.
// Errors: FiniteNetworkTrainer's (InputError); MemoryLimitError before allocating, for all runs together;
// CancelledError when stopped.
// Thread-safety: call from one worker thread; `onSnapshot` is called on that thread.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include <Eigen/Dense>
#include <QString>

#include "core/finite/FiniteTrainingRuns.h"
#include "core/network/Network.h"
#include "core/util/JobControl.h"

namespace ntk::gui {

struct LiveTrainingSettings {
  std::vector<int> widths{16, 128, 1024};
  int seeds = 4;
  std::uint64_t seed = 1;
  bool linearised = true;    ///< also train each network's linearisation (same seed)
  double learningRate = 0.1;
  long long steps = 1000;
  long long snapshotEvery = 10;
};

/// The runs' shape: width, seed and linearised of each run, no records yet (width-major, seeds, then the
/// linearised twin of each seed).
std::vector<TrainingRun> plannedRuns(const LiveTrainingSettings& settings);

/// Every run at one step, in plannedRuns order: a record per run still going (a diverged run's entry
/// has step −1 and divergedAt[i] the step where it stopped).
struct LiveSnapshot {
  long long step = 0;
  std::vector<TrainingRecord> records;
  std::vector<long long> divergedAt;
};

/// Trains every planned run, handing `onSnapshot` the state at steps 0, k, 2k, …, steps.
void trainLive(const Network& net, const Eigen::MatrixXd& Xtrain, const Eigen::VectorXd& Ytrain,
               const Eigen::MatrixXd& Xtest, const LiveTrainingSettings& settings, const JobControl& job,
               const std::function<void(LiveSnapshot)>& onSnapshot);

/// Appends the snapshot's records to `runs` (plannedRuns order) and marks the runs that diverged.
void appendSnapshot(std::vector<TrainingRun>& runs, const LiveSnapshot& snapshot);

/// "16, 128, 1024" → widths (ascending, no repeats). Empty result and `error` set for anything that is
/// not a list of integers in [1, maxWidth].
std::vector<int> parseWidthList(const QString& text, int maxWidth, QString* error);
/// "16, 128, 1024".
QString widthListText(const std::vector<int>& widths);

/// The record of `run` at the largest recorded step ≤ `step` (nullptr when it has none yet).
const TrainingRecord* recordAtOrBefore(const TrainingRun& run, long long step);

} // namespace ntk::gui
