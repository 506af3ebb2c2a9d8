// FiniteTrainingController.cpp — the job on the thread pool; snapshots posted back to the GUI thread.
#include "widgets/finite/FiniteTrainingController.h"

#include <QMetaObject>
#include <QPointer>
#include <QtConcurrent/QtConcurrentRun>

#include "widgets/common/PanelJob.h"

namespace ntk::gui {

FiniteTrainingController::FiniteTrainingController(QObject* parent)
    : QObject(parent), m_watcher(new QFutureWatcher<Outcome>(this))
{
  connect(m_watcher, &QFutureWatcher<Outcome>::finished, this, &FiniteTrainingController::onFinished);
}

FiniteTrainingController::~FiniteTrainingController()
{
  if (m_stop) m_stop->store(true);
  m_watcher->waitForFinished();
}

void FiniteTrainingController::start(const Network& net, const Eigen::MatrixXd& Xtrain, const Eigen::VectorXd& Ytrain,
                                     const Eigen::MatrixXd& Xtest, const LiveTrainingSettings& settings)
{
  if (m_stop) m_stop->store(true); // the older job stops; its snapshots carry an old generation
  m_stop = std::make_shared<std::atomic<bool>>(false);
  const int generation = ++m_generation;
  m_settings = settings;
  m_net = net;
  m_runs = plannedRuns(settings);
  m_latestStep = -1;
  m_failure.clear();
  m_cancelled = false;
  QPointer<FiniteTrainingController> self(this);
  auto stop = m_stop;
  auto post = [self, generation](LiveSnapshot s) {
    QMetaObject::invokeMethod(
        self.data(), [self, generation, s = std::move(s)] { if (self) self->onSnapshot(generation, s); },
        Qt::QueuedConnection);
  };
  // A superseded job may still be finishing: the watcher then reports the newest one (setFuture).
  m_watcher->setFuture(QtConcurrent::run([=] {
    Outcome o;
    o.generation = generation;
    JobControl job;
    job.stop = stop.get();
    catchJobErrors([&] { trainLive(net, Xtrain, Ytrain, Xtest, settings, job, post); }, &o.cancelled, &o.error);
    return o;
  }));
}

void FiniteTrainingController::stop()
{
  if (m_stop) m_stop->store(true);
}

void FiniteTrainingController::clear()
{
  stop();
  ++m_generation; // late snapshots of the stopped job are dropped
  m_runs.clear();
  m_latestStep = -1;
  m_failure.clear();
}

void FiniteTrainingController::onSnapshot(int generation, const LiveSnapshot& snapshot)
{
  if (generation != m_generation) return;
  appendSnapshot(m_runs, snapshot);
  m_latestStep = snapshot.step;
  emit progressed(snapshot.step);
}

void FiniteTrainingController::onFinished()
{
  const Outcome o = m_watcher->future().result();
  if (o.generation == m_generation) {
    m_failure = o.error;
    m_cancelled = o.cancelled;
  }
  emit finished();
}

} // namespace ntk::gui
