// AnalysisPanel — what every tab of the main window is: a view of the current network that
// recomputes off the GUI thread, reports progress, can be cancelled, and exports what it shows.
// In: nothing (subclasses take the NetworkDocument). Out: the interface MainWindow wires to its
// status bar, progress bar, Cancel button, View menu and File ▸ Export, and that tests and
// `--screenshot` wait on (isBusy / idle).
// Contract: a panel that is not shown does not recompute on network edits — it marks itself stale
// and recomputes when shown; MainWindow shows only the current panel's (and its upstream's)
// status messages.
// For subclasses: launchJob/endJob/stopJob run one background job at a time (stop flag, polled
// progress, busyChanged; the job's body sees JobFlags, see PanelJob.h), and exportFigureOrMatrix is
// the body of exportView. GUI thread only.
#pragma once
#include <Eigen/Dense>
#include <QFutureWatcher>
#include <QSize>
#include <QString>
#include <QWidget>
#include <QtConcurrent/QtConcurrentRun>

#include "widgets/common/PanelJob.h"

class QPainter;
class QRectF;
class QTimer;

namespace ntk::gui {

class AnalysisPanel : public QWidget {
  Q_OBJECT

public:
  explicit AnalysisPanel(QWidget* parent = nullptr);

  /// A job is running or scheduled.
  virtual bool isBusy() const = 0;
  /// .png/.svg: the panel's figure; .csv/.npy: its data. False with the reason on failure.
  virtual bool exportView(const QString& path, QString* error) = 0;
  /// After a successful exportView: what was written, for the status line (empty: "Exported PATH").
  virtual QString lastExportSummary() const { return {}; }
  /// The panel's figure painted without OpenGL (export and the headless demo).
  virtual void paintFigure(QPainter& p, const QRectF& rect) const = 0;
  /// The panel whose result this one shows (e.g. the spectrum for the eigenfunctions), or null.
  /// While this panel is current, the upstream panel's status messages are shown too.
  virtual const AnalysisPanel* upstream() const { return nullptr; }
  /// The input dimension the panel needs from its network now (0: any), and what the inputs are
  /// ("x, y pixel coordinates"). The panel's NetworkBar offers fixes when the network differs.
  virtual int requiredInputDim() const { return 0; }
  virtual QString requiredInputPurpose() const { return {}; }
  /// File-dialog filter of what exportView accepts.
  virtual QString exportFilter() const
  {
    return tr("PNG image (*.png);;SVG figure (*.svg);;CSV data (*.csv);;NumPy array (*.npy)");
  }

public slots:
  virtual void scheduleRecompute() = 0;
  virtual void cancel() = 0;

signals:
  void busyChanged(bool busy);
  void progressChanged(int percent);
  void statusMessage(const QString& text);
  /// Emitted when a result has been shown and nothing else is pending.
  void idle();
  /// requiredInputDim() or requiredInputPurpose() changed.
  void requirementChanged();

protected:
  enum class Progress { Polled, None };
  /// Starts `task(flags)` on the thread pool with fresh flags (the previous job's stop flag is no
  /// longer the current one), watched by `watcher`; then emits busyChanged(true) and, for
  /// Progress::Polled, progressChanged(flags.percent) every 50 ms until endJob().
  template <class Result, class Task>
  void launchJob(QFutureWatcher<Result>* watcher, Task task, Progress progress = Progress::Polled)
  {
    const JobFlags flags = newJob(progress);
    watcher->setFuture(QtConcurrent::run([task = std::move(task), flags] { return task(flags); }));
    emit busyChanged(true);
  }
  /// The launched job has finished (result taken or dropped): stops polling, emits progressChanged(100)
  /// (polled jobs) and busyChanged(false) unless `otherWork` (another job of the panel still runs).
  void endJob(bool otherWork = false);
  /// Asks the current job, if any, to stop.
  void stopJob();
  /// stopJob() was called since the current job was launched.
  bool jobStopped() const;

  /// The common body of exportView. .png/.svg: paintFigure through saveFigure at `figureSize` (pixels
  /// for PNG, points for SVG); .csv/.npy: `data` through ntk::writeMatrix; other suffixes: an error
  /// naming them. An empty `data` refuses every format with "nothing to export yet" — unless
  /// `noDataReason` is given: then the figure is still written (it shows why) and only .csv/.npy fail,
  /// with that reason.
  bool exportFigureOrMatrix(const QString& path, QSize figureSize, const Eigen::MatrixXd& data, QString* error,
                            const QString& noDataReason = {}) const;

private:
  JobFlags newJob(Progress progress);

  JobFlags m_job;
  QTimer* m_progressTimer;
  bool m_jobPolled = false;
};

} // namespace ntk::gui
