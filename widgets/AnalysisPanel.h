// AnalysisPanel — what every tab of the main window is: a view of the current network that
// recomputes off the GUI thread, reports progress, can be cancelled, and exports what it shows.
// In: nothing (subclasses take the NetworkDocument). Out: the interface MainWindow wires to its
// status bar, progress bar, Cancel button, View menu and File ▸ Export, and that tests and
// `--screenshot` wait on (isBusy / idle).
// Contract: a panel that is not shown does not recompute on network edits — it marks itself stale
// and recomputes when shown; MainWindow shows only the current panel's (and its upstream's)
// status messages.
#pragma once
#include <QString>
#include <QWidget>

class QPainter;
class QRectF;

namespace ntk::gui {

class AnalysisPanel : public QWidget {
  Q_OBJECT

public:
  using QWidget::QWidget;

  /// A job is running or scheduled.
  virtual bool isBusy() const = 0;
  /// .png/.svg: the panel's figure; .csv/.npy: its data. False with the reason on failure.
  virtual bool exportView(const QString& path, QString* error) = 0;
  /// The panel's figure painted without OpenGL (export and the headless demo).
  virtual void paintFigure(QPainter& p, const QRectF& rect) const = 0;
  /// The panel whose result this one shows (e.g. the spectrum for the eigenfunctions), or null.
  /// While this panel is current, the upstream panel's status messages are shown too.
  virtual const AnalysisPanel* upstream() const { return nullptr; }
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
};

} // namespace ntk::gui
