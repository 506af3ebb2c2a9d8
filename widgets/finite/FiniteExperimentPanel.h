// FiniteExperimentPanel — what the "Regimes" and "Width" tabs share: a row of controls, a Run / Cancel
// button, an info line, one QPainter figure (the same painting as export and the headless demo), and one
// experiment on finite networks at a time off the GUI thread (a newer request cancels the older one;
// progress and Cancel through the main window).
// In (subclass): the controls (addControl), makeJob() — the work to run on the panel's current settings,
// or a refusal with its reason — applyResult(), paintContent() and exportData().
// Out: AnalysisPanel's interface (busy, progress, idle, export .png/.svg/.csv/.npy). Hidden panels only
// mark themselves stale and run when shown. GUI thread only.
#pragma once
#include <any>
#include <functional>

#include <QFutureWatcher>

#include "widgets/common/AnalysisPanel.h"

class QLabel;
class QPushButton;

namespace ntk::gui {

class CheckedSpinBox;
class FlowLayout;
class FigureFunctionWidget;
class NetworkDocument;

class FiniteExperimentPanel : public AnalysisPanel {
  Q_OBJECT

public:
  FiniteExperimentPanel(NetworkDocument* doc, QWidget* parent = nullptr);
  ~FiniteExperimentPanel() override;

  bool isBusy() const override;
  bool exportView(const QString& path, QString* error) override;
  void paintFigure(QPainter& p, const QRectF& rect) const override;
  /// Runs the experiment on the calling thread and shows it (headless use). False with the reason.
  bool computeNow(QString* error = nullptr);
  /// How many results were shown.
  int resultCount() const { return m_resultCount; }
  QString infoText() const;
  QPushButton* runButton() const { return m_run; }
  QWidget* figureWidget() const;

public slots:
  void scheduleRecompute() override;
  void cancel() override;

protected:
  using Job = std::function<std::any(const JobFlags&)>;
  struct Outcome {
    std::any result;
    bool cancelled = false;
    QString error;
    int generation = 0;
  };
  /// The work for the current settings, or an empty Job with `refusal` set.
  virtual Job makeJob(QString* refusal) const = 0;
  virtual void applyResult(const std::any& result) = 0;
  virtual void paintContent(QPainter& p, const QRectF& rect, double em) const = 0;
  virtual Eigen::MatrixXd exportData() const = 0;
  /// A short name for status messages ("width sweep").
  virtual QString experimentName() const = 0;

  void addControl(QWidget* w);
  /// A labelled integer box in the controls row (values outside lo…hi refused with the reason, never
  /// clamped); an accepted value reruns the experiment.
  CheckedSpinBox* addSpinControl(const QString& label, int lo, int hi, int value, const QString& tip);
  void setInfo(const QString& text);
  NetworkDocument* document() const { return m_doc; }
  void showEvent(QShowEvent* event) override;

private:
  void startJob();
  void onJobFinished();

  NetworkDocument* m_doc;
  FlowLayout* m_controls;
  QPushButton* m_run;
  QLabel* m_info;
  FigureFunctionWidget* m_figure;
  QFutureWatcher<Outcome>* m_watcher;
  QTimer* m_coalesce;
  int m_generation = 0;
  int m_resultCount = 0;
  bool m_pending = false;
  bool m_dirty = true;
};

} // namespace ntk::gui
