// FiniteTrainingController — owns one live training of finite networks (FiniteLiveTraining) off the GUI
// thread and the runs it has recorded so far, for a view that draws them while they train.
// In: start(net, data, settings) — a newer start cancels the older job, whose snapshots are dropped.
// Out: runs() grows as snapshots arrive on the GUI thread (signal `progressed(step)` after each);
// `finished()` once the job ended (done, cancelled or failed: failure() says why). stop() asks the job to
// stop after its current chunk; the recorded runs stay. Cancel never blocks the GUI thread; the
// destructor waits for the job.
// GUI thread only.
#pragma once
#include <atomic>
#include <memory>
#include <vector>

#include <QFutureWatcher>
#include <QObject>

#include "widgets/finite/FiniteLiveTraining.h"

namespace ntk::gui {

class FiniteTrainingController : public QObject {
  Q_OBJECT

public:
  explicit FiniteTrainingController(QObject* parent = nullptr);
  ~FiniteTrainingController() override;

  void start(const Network& net, const Eigen::MatrixXd& Xtrain, const Eigen::VectorXd& Ytrain,
             const Eigen::MatrixXd& Xtest, const LiveTrainingSettings& settings);
  /// Asks the running job to stop (returns at once).
  void stop();
  /// Stops and forgets the runs (the data or the network changed).
  void clear();

  bool isRunning() const { return m_watcher->isRunning(); }
  const std::vector<TrainingRun>& runs() const { return m_runs; }
  const LiveTrainingSettings& settings() const { return m_settings; }
  /// The network the runs were trained from (the document's, with the parameterisation used).
  const Network& network() const { return m_net; }
  long long latestStep() const { return m_latestStep; }
  QString failure() const { return m_failure; }
  bool wasCancelled() const { return m_cancelled; }

signals:
  void progressed(long long step);
  void finished();

private:
  void onSnapshot(int generation, const LiveSnapshot& snapshot);
  void onFinished();

  struct Outcome {
    int generation = 0;
    bool cancelled = false;
    QString error;
  };
  QFutureWatcher<Outcome>* m_watcher;
  std::shared_ptr<std::atomic<bool>> m_stop;
  int m_generation = 0;
  std::vector<TrainingRun> m_runs;
  LiveTrainingSettings m_settings;
  Network m_net;
  long long m_latestStep = -1;
  QString m_failure;
  bool m_cancelled = false;
};

} // namespace ntk::gui
