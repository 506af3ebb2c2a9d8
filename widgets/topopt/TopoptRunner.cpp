// TopoptRunner.cpp — the worker (solver, step loop, frames) on its QThread, and the GUI-side handle.
#include "widgets/topopt/TopoptRunner.h"

#include <chrono>
#include <climits>
#include <mutex>
#include <optional>

#include <QThread>

#include "core/util/Errors.h"

namespace ntk::gui {

namespace {
constexpr int kForever = INT_MAX;
}

/// What the GUI thread and the worker share without a queued call.
struct TopoptRunner::Shared {
  std::atomic<int> budget{0};       ///< steps still wanted (kForever: play); the GUI writes it, the worker counts down
  std::atomic<bool> abort{false};   ///< abandon the step in progress (a new configuration follows)
  std::atomic<int> inFlight{0};     ///< frames posted and not yet taken by the GUI
  std::mutex problemMutex;
  std::optional<TopoptProblem> latestProblem; ///< the newest setProblem, applied before the next step
};

/// Lives on the runner's thread; every member is touched only there (commands arrive as queued calls).
class TopoptRunner::Worker : public QObject {
public:
  Worker(TopoptRunner* runner, std::shared_ptr<Shared> shared) : m_runner(runner), m_shared(std::move(shared)) {}

  void configure(int generation, const std::function<void(Worker&)>& build)
  {
    m_shared->abort.store(false);
    m_generation = generation;
    m_classic.reset();
    m_neural.reset();
    m_error.clear();
    m_stepSeconds = 0.0;
    {
      const std::lock_guard lock(m_shared->problemMutex);
      m_shared->latestProblem.reset();
    }
    try {
      build(*this);
    } catch (const NtkError& e) {
      m_error = QString::fromStdString(e.what());
    } catch (const std::bad_alloc&) {
      m_error = QStringLiteral("out of memory");
    }
    post(true);
  }
  void buildClassic(const TopoptProblem& problem, const SimpOptions& options)
  {
    m_classic = std::make_unique<SimpSolver>(problem, options);
  }
  void buildNeural(const TopoptProblem& problem, const Network& net, const NeuralTopoptOptions& options)
  {
    m_neural = std::make_unique<NeuralTopoptSolver>(problem, net, options);
  }
  void clear(int generation)
  {
    m_shared->abort.store(false);
    m_generation = generation;
    m_classic.reset();
    m_neural.reset();
    m_error.clear();
    post(true);
  }

  /// Play or step(n): the budget was set by the GUI; start the step loop.
  void go()
  {
    if (!hasSolver() || !m_error.isEmpty()) {
      m_shared->budget.store(0);
      post(true);
      return;
    }
    scheduleTick();
  }
  void pause() { post(true); }
  void problemChanged()
  {
    if (applyLatestProblem() && m_shared->budget.load() <= 0) post(true); // a refusal has posted already
  }
  void setRefine(int refine)
  {
    m_refine = refine;
    if (m_shared->budget.load() <= 0) post(true);
  }
  void setSeq(int seq) { m_seq = seq; }

private:
  bool hasSolver() const { return m_classic || m_neural; }
  void scheduleTick()
  {
    if (m_tickQueued) return;
    m_tickQueued = true;
    QMetaObject::invokeMethod(this, [this] { tick(); }, Qt::QueuedConnection);
  }

  /// One step, then the next one queued behind whatever command arrived meanwhile.
  void tick()
  {
    m_tickQueued = false;
    if (m_shared->budget.load() <= 0 || !hasSolver()) return; // paused: the pause command posts the frame
    if (!applyLatestProblem()) return;
    JobControl job;
    job.stop = &m_shared->abort;
    try {
      const auto t0 = std::chrono::steady_clock::now();
      if (m_classic)
        m_classic->step(job);
      else
        m_neural->step(job);
      m_stepSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    } catch (const CancelledError&) {
      return; // abandoned: a new configuration is queued
    } catch (const NtkError& e) {
      stopWith(QString::fromStdString(e.what()));
      return;
    } catch (const std::bad_alloc&) {
      stopWith(QStringLiteral("out of memory"));
      return;
    }
    // Count the step down unless the GUI changed the budget meanwhile (then its value stands).
    int budget = m_shared->budget.load();
    if (budget != kForever && budget > 0) m_shared->budget.compare_exchange_strong(budget, budget - 1);
    if (finished()) m_shared->budget.store(0);
    if (m_shared->budget.load() > 0) {
      if (m_shared->inFlight.load() == 0) post(false);
      scheduleTick();
    } else {
      post(true);
    }
  }

  /// Applies the newest setProblem; false (and the run stopped with the reason) when it is refused.
  bool applyLatestProblem()
  {
    std::optional<TopoptProblem> problem;
    {
      const std::lock_guard lock(m_shared->problemMutex);
      problem.swap(m_shared->latestProblem);
    }
    if (!problem || !hasSolver()) return true;
    try {
      if (m_classic)
        m_classic->setProblem(*problem);
      else
        m_neural->setProblem(*problem);
      m_error.clear();
    } catch (const NtkError& e) {
      stopWith(QString::fromStdString(e.what()));
      return false;
    }
    return true;
  }

  void stopWith(const QString& error)
  {
    m_error = error;
    m_shared->budget.store(0);
    post(true);
  }

  bool finished() const { return m_classic ? m_classic->finished() : m_neural && m_neural->finished(); }

  /// Posts the run's state to the GUI; `last`: the frame that ends a command (carries the render).
  void post(bool last)
  {
    TopoptFrame f;
    f.generation = m_generation;
    f.seq = m_seq;
    f.error = m_error;
    f.running = !last;
    f.stepSeconds = m_stepSeconds;
    f.refine = 1;
    try {
      if (m_classic) {
        f.iteration = m_classic->iteration();
        f.density = m_classic->physicalDensity();
        f.history = m_classic->history();
        f.finished = m_classic->finished();
        f.converged = m_classic->converged();
        f.nelx = m_classic->problem().nelx;
        f.nely = m_classic->problem().nely;
      } else if (m_neural) {
        f.iteration = m_neural->iteration();
        f.density = m_neural->physicalDensity();
        f.history = m_neural->history();
        f.finished = m_neural->finished();
        f.converged = m_neural->converged();
        f.nelx = m_neural->problem().nelx;
        f.nely = m_neural->problem().nely;
        if (last && m_refine > 1) {
          f.rendered = m_neural->render(m_refine);
          f.refine = m_refine;
        }
      }
    } catch (const NtkError& e) {
      f.error = QString::fromStdString(e.what());
    } catch (const std::bad_alloc&) {
      f.error = QStringLiteral("out of memory");
    }
    m_shared->inFlight.fetch_add(1);
    TopoptRunner* runner = m_runner;
    QMetaObject::invokeMethod(runner, [runner, f = std::move(f)]() mutable { runner->receive(std::move(f)); },
                              Qt::QueuedConnection);
  }

  TopoptRunner* m_runner; ///< outlives the worker (its destructor joins this thread)
  std::shared_ptr<Shared> m_shared;
  std::unique_ptr<SimpSolver> m_classic;
  std::unique_ptr<NeuralTopoptSolver> m_neural;
  int m_generation = 0, m_seq = 0, m_refine = 1;
  double m_stepSeconds = 0.0;
  QString m_error;
  bool m_tickQueued = false;
};

TopoptRunner::TopoptRunner(Kind kind, QObject* parent)
    : QObject(parent), m_kind(kind), m_thread(new QThread), m_shared(std::make_shared<Shared>())
{
  m_thread->setObjectName(kind == Kind::Classic ? QStringLiteral("topopt-classic") : QStringLiteral("topopt-neural"));
  m_worker = new Worker(this, m_shared);
  m_worker->moveToThread(m_thread);
  m_thread->start();
}

TopoptRunner::~TopoptRunner()
{
  m_shared->budget.store(0);
  m_shared->abort.store(true);
  m_thread->quit();
  m_thread->wait();
  delete m_worker; // its thread has finished
  delete m_thread;
}

int TopoptRunner::send(const std::function<void(Worker&)>& command)
{
  const int seq = ++m_seqSent;
  Worker* worker = m_worker;
  QMetaObject::invokeMethod(
      worker,
      [worker, seq, command] {
        worker->setSeq(seq);
        command(*worker);
      },
      Qt::QueuedConnection);
  noteBusy();
  return seq;
}

int TopoptRunner::beginConfigure()
{
  m_shared->budget.store(0);
  m_shared->abort.store(true);
  const int generation = ++m_generation;
  m_configured = true;
  m_lastRunning = false;
  m_frames = 0;
  m_last = TopoptFrame{};
  m_last.generation = generation;
  return generation;
}

void TopoptRunner::configureClassic(const TopoptProblem& problem, const SimpOptions& options)
{
  const int generation = beginConfigure();
  send([generation, problem, options](Worker& w) {
    w.configure(generation, [&](Worker& self) { self.buildClassic(problem, options); });
  });
}

void TopoptRunner::configureNeural(const TopoptProblem& problem, const Network& net, const NeuralTopoptOptions& options)
{
  const int generation = beginConfigure();
  send([generation, problem, net, options](Worker& w) {
    w.configure(generation, [&](Worker& self) { self.buildNeural(problem, net, options); });
  });
}

void TopoptRunner::clear()
{
  m_shared->budget.store(0);
  m_shared->abort.store(true);
  const int generation = ++m_generation;
  m_configured = false;
  m_lastRunning = false;
  m_frames = 0;
  m_last = TopoptFrame{};
  m_last.generation = generation;
  send([generation](Worker& w) { w.clear(generation); });
}

void TopoptRunner::setProblem(const TopoptProblem& problem)
{
  if (!m_configured) return;
  {
    const std::lock_guard lock(m_shared->problemMutex);
    m_shared->latestProblem = problem;
  }
  send([](Worker& w) { w.problemChanged(); });
}

void TopoptRunner::setBudget(int steps)
{
  m_shared->budget.store(steps);
  send([](Worker& w) { w.go(); });
}

void TopoptRunner::play()
{
  if (m_configured) setBudget(kForever);
}

void TopoptRunner::step(int n)
{
  if (m_configured && n > 0) setBudget(n);
}

void TopoptRunner::pause()
{
  if (m_shared->budget.exchange(0) <= 0 && !m_lastRunning) return;
  send([](Worker& w) { w.pause(); });
}

void TopoptRunner::setRenderRefine(int refine)
{
  send([refine](Worker& w) { w.setRefine(refine); });
}

bool TopoptRunner::isBusy() const { return m_shared->budget.load() > 0 || m_seqSeen < m_seqSent || m_lastRunning; }

bool TopoptRunner::isPlaying() const { return m_shared->budget.load() == kForever; }

bool TopoptRunner::hasStepsPending() const { return m_shared->budget.load() > 0 || m_lastRunning; }

void TopoptRunner::receive(TopoptFrame frame)
{
  m_shared->inFlight.fetch_sub(1);
  m_seqSeen = std::max(m_seqSeen, frame.seq);
  if (frame.generation == m_generation) {
    m_lastRunning = frame.running;
    ++m_frames;
    m_last = std::move(frame);
    emit frameReceived();
  }
  noteBusy();
}

void TopoptRunner::noteBusy()
{
  const bool busy = isBusy();
  if (busy == m_wasBusy) return;
  m_wasBusy = busy;
  emit busyChanged(busy);
}

} // namespace ntk::gui
