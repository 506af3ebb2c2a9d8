// TopoptRunner — one topology-optimisation run (classic SIMP or the neural method) stepped on a thread
// of its own, streaming frames to the GUI thread (the AVO calcworker pattern: a worker object on a
// QThread, commands and frames as queued calls).
// In (GUI thread): configure a run (problem + options; the neural one also takes the network), then
// play / step(n) / pause; setProblem for edited loads, supports or passive regions (the run goes on
// from its current design, SimpSolver::setProblem / NeuralTopoptSolver::setProblem); the refinement of
// the neural field drawn when the run stops (render at 2× or 4×).
// Out: frameReceived() whenever lastFrame() is new: the physical density, the iteration history,
// finished/converged, an error (the run stops), and for a stopped neural run the refined field.
// While playing the worker posts a frame after a step only when the GUI has taken the previous one
// (so the GUI never lags behind); the frame that ends a command (pause, step n, an error, finishing)
// is always posted.
// Cancellation: configure, clear and the destructor abandon the step in progress (JobControl stop flag);
// its frame is dropped (frames carry the run's generation). Pause lets the current step finish.
// isBusy(): work was asked for and its last frame has not arrived yet — what waitUntilIdle waits on.
// GUI thread only (the worker and the solver are private to the runner's thread).
#pragma once
#include <atomic>
#include <memory>
#include <vector>

#include <Eigen/Dense>
#include <QObject>
#include <QString>

#include "core/network/Network.h"
#include "core/topopt/NeuralTopopt.h"
#include "core/topopt/SimpSolver.h"
#include "core/topopt/TopoptProblem.h"

class QThread;

namespace ntk::gui {

/// What one frame of a run shows.
struct TopoptFrame {
  int generation = 0;               ///< the run it belongs to (configure starts a new one)
  int iteration = 0;
  Eigen::VectorXd density;          ///< physical density, element order (empty before a run exists)
  std::vector<TopoptIterate> history;
  bool finished = false, converged = false;
  bool running = false;             ///< the worker goes on stepping after this frame
  QString error;                    ///< non-empty: the run stopped with this reason
  Eigen::MatrixXd rendered;         ///< neural, stopped: the field at `refine`× (row-major image order)
  int refine = 1;
  double stepSeconds = 0.0;         ///< wall time of the last step
  int nelx = 0, nely = 0;
  int seq = 0;                      ///< the last command the worker had taken when it posted this
};

class TopoptRunner : public QObject {
  Q_OBJECT

public:
  enum class Kind { Classic, Neural };

  explicit TopoptRunner(Kind kind, QObject* parent = nullptr);
  /// Abandons the step in progress and joins the thread.
  ~TopoptRunner() override;

  Kind kind() const { return m_kind; }

  /// A new run at iteration 0 (classic; precondition kind() == Classic). The old one is abandoned.
  void configureClassic(const TopoptProblem& problem, const SimpOptions& options);
  /// A new neural run (precondition kind() == Neural) with a copy of `net`.
  void configureNeural(const TopoptProblem& problem, const Network& net, const NeuralTopoptOptions& options);
  /// Drops the run: nothing is configured, lastFrame() is empty.
  void clear();
  bool isConfigured() const { return m_configured; }

  /// The same grid with other loads/supports/passive: the run continues from its design.
  void setProblem(const TopoptProblem& problem);
  /// Steps until finished, paused or an error.
  void play();
  /// `n` more steps, then stops (pauses a playing run after them).
  void step(int n = 1);
  void pause();
  /// The refinement of the neural field in the frame that ends a command (1, 2 or 4).
  void setRenderRefine(int refine);

  bool isBusy() const;
  /// Play was pressed and the run has not stopped.
  bool isPlaying() const;
  /// Iterations are asked for (play or step n) or the last frame said more follow.
  bool hasStepsPending() const;
  const TopoptFrame& lastFrame() const { return m_last; }
  /// Frames received for the current run (the fps counter reads it).
  int frameCount() const { return m_frames; }

signals:
  void frameReceived();
  void busyChanged(bool busy);

private:
  /// Stops the current job (budget 0, abort) and starts a new generation with no frames; returns it.
  int beginConfigure();
  struct Shared;
  class Worker;
  void receive(TopoptFrame frame);
  int send(const std::function<void(Worker&)>& command);
  void setBudget(int steps);
  void noteBusy();

  Kind m_kind;
  QThread* m_thread;
  Worker* m_worker;
  std::shared_ptr<Shared> m_shared;
  int m_generation = 0;
  int m_seqSent = 0, m_seqSeen = 0;
  bool m_configured = false;
  bool m_lastRunning = false;
  bool m_wasBusy = false;
  int m_frames = 0;
  TopoptFrame m_last;
};

} // namespace ntk::gui
