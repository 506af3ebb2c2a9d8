// FiniteLiveTraining.cpp — one FiniteNetworkTrainer per run, stepped in chunks of k steps in parallel.
#include "widgets/finite/FiniteLiveTraining.h"

#include <algorithm>
#include <memory>

#include <QRegularExpression>
#include <QStringList>
// Qt's `emit` macro breaks TBB's headers (a member named emit).
#pragma push_macro("emit")
#undef emit
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#pragma pop_macro("emit")

#include "core/finite/FiniteNetworkTrainer.h"
#include "core/util/DenseBlas.h"
#include "core/util/MemoryEstimate.h"

namespace ntk::gui {

std::vector<TrainingRun> plannedRuns(const LiveTrainingSettings& settings)
{
  std::vector<TrainingRun> runs;
  for (int width : settings.widths)
    for (int s = 0; s < settings.seeds; ++s)
      for (int lin = 0; lin < (settings.linearised ? 2 : 1); ++lin) {
        TrainingRun run;
        run.width = width;
        run.seed = settings.seed + std::uint64_t(s);
        run.linearised = lin == 1;
        runs.push_back(std::move(run));
      }
  return runs;
}

namespace {

TrainingRecord recordOf(const FiniteNetworkTrainer& t)
{
  TrainingRecord r;
  r.step = t.steps();
  r.time = t.time();
  r.loss = t.loss();
  r.weightChange = t.weightChange();
  r.testOutputs = t.testOutputs();
  return r;
}

/// Steps polled for Cancel: a chunk of many steps of a wide network must not delay Cancel.
constexpr long long kPollSteps = 5;

void stepChunk(FiniteNetworkTrainer& t, long long count, const JobControl& job)
{
  for (long long done = 0; done < count && !t.diverged() && !job.cancelled(); done += kPollSteps)
    t.step(std::min(kPollSteps, count - done));
}

LiveSnapshot snapshotOf(long long step, const std::vector<std::unique_ptr<FiniteNetworkTrainer>>& trainers)
{
  LiveSnapshot s;
  s.step = step;
  s.records.resize(trainers.size());
  s.divergedAt.assign(trainers.size(), -1);
  for (size_t i = 0; i < trainers.size(); ++i) {
    if (trainers[i]->diverged()) {
      s.records[i].step = -1;
      s.divergedAt[i] = trainers[i]->divergedAtStep();
    } else {
      s.records[i] = recordOf(*trainers[i]);
    }
  }
  return s;
}

void trainRuns(const Network& net, const Eigen::MatrixXd& Xtrain, const Eigen::VectorXd& Ytrain,
               const Eigen::MatrixXd& Xtest, const LiveTrainingSettings& settings, const JobControl& job,
               const std::function<void(LiveSnapshot)>& onSnapshot)
{
  const SingleThreadedBlas blas; // one run per task: OpenBLAS's own threads would oversubscribe the cores
  const std::vector<TrainingRun> runs = plannedRuns(settings);
  // All runs live at once: refused before any is allocated when together they do not fit.
  double bytes = 0.0;
  for (const TrainingRun& run : runs) bytes += finiteTrainerBytes(net.withHiddenWidth(run.width), Xtrain.rows(), Xtest.rows());
  requireMemory(bytes, std::to_string(runs.size()) + " finite networks training at once");
  std::vector<std::unique_ptr<FiniteNetworkTrainer>> trainers(runs.size());
  // Building a trainer computes Θ_0 and f_0: in parallel too, each run on its own.
  tbb::parallel_for(size_t(0), runs.size(), [&](size_t i) {
    if (job.cancelled()) return;
    trainers[i] = std::make_unique<FiniteNetworkTrainer>(net.withHiddenWidth(runs[i].width), runs[i].seed, Xtrain, Ytrain,
                                                         Xtest, settings.learningRate, runs[i].linearised);
  });
  job.checkCancelled();
  onSnapshot(snapshotOf(0, trainers));
  const long long every = std::max(1LL, settings.snapshotEvery);
  for (long long done = 0; done < settings.steps;) {
    const long long chunk = std::min(every, settings.steps - done);
    tbb::parallel_for(size_t(0), trainers.size(), [&](size_t i) { stepChunk(*trainers[i], chunk, job); });
    job.checkCancelled(); // a chunk cut short is not a snapshot
    done += chunk;
    job.report(double(done) / double(settings.steps));
    onSnapshot(snapshotOf(done, trainers));
  }
}

} // namespace

void trainLive(const Network& net, const Eigen::MatrixXd& Xtrain, const Eigen::VectorXd& Ytrain,
               const Eigen::MatrixXd& Xtest, const LiveTrainingSettings& settings, const JobControl& job,
               const std::function<void(LiveSnapshot)>& onSnapshot)
{
  // One core is left to the GUI thread, which draws while the networks train.
  tbb::task_arena arena(std::max(1, tbb::info::default_concurrency() - 1));
  arena.execute([&] { trainRuns(net, Xtrain, Ytrain, Xtest, settings, job, onSnapshot); });
}

void appendSnapshot(std::vector<TrainingRun>& runs, const LiveSnapshot& snapshot)
{
  for (size_t i = 0; i < runs.size() && i < snapshot.records.size(); ++i) {
    if (snapshot.divergedAt[i] >= 0) {
      runs[i].diverged = true;
      runs[i].divergedAtStep = snapshot.divergedAt[i];
    } else {
      runs[i].records.push_back(snapshot.records[i]);
    }
  }
}

std::vector<int> parseWidthList(const QString& text, int maxWidth, QString* error)
{
  std::vector<int> widths;
  const QStringList parts = text.split(QRegularExpression(QStringLiteral("[,;\\s]+")), Qt::SkipEmptyParts);
  for (const QString& part : parts) {
    bool ok = false;
    const int w = part.toInt(&ok);
    if (!ok || w < 1 || w > maxWidth) {
      if (error) *error = QObject::tr("width '%1' is not an integer in 1 … %2").arg(part).arg(maxWidth);
      return {};
    }
    widths.push_back(w);
  }
  if (widths.empty()) {
    if (error) *error = QObject::tr("no widths given (e.g. 16, 128, 1024)");
    return {};
  }
  std::sort(widths.begin(), widths.end());
  widths.erase(std::unique(widths.begin(), widths.end()), widths.end());
  return widths;
}

QString widthListText(const std::vector<int>& widths)
{
  QStringList parts;
  for (int w : widths) parts << QString::number(w);
  return parts.join(QStringLiteral(", "));
}

const TrainingRecord* recordAtOrBefore(const TrainingRun& run, long long step)
{
  const TrainingRecord* best = nullptr;
  for (const TrainingRecord& r : run.records) {
    if (r.step > step) break;
    best = &r;
  }
  return best;
}

} // namespace ntk::gui
