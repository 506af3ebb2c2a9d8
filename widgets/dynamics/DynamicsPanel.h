// DynamicsPanel — the "dynamics" panel: a 1-D regression playground for the training dynamics of the
// infinitely wide network (KernelDynamics): f_t with the NTK-GP / NNGP ±2σ band, the t = ∞ kernel
// regression, and the per-mode residual decay, along a log time slider (or GD steps s = t/η).
// In: the NetworkDocument (its network, or a 1-D copy — DynamicsModel's oneDimensionalNetwork), the
// target preset (sum of sines / step / user-drawn), training points (sampled, clicked, dragged,
// removed), kind, relative ridge, t, GD on/off and η.
// Out: the two plots; `exportView(path)` writes PNG/SVG (both plots as one figure) or CSV/NPY (n by 4:
// x, target, mean, variance at the current t).
// Work: KernelDynamics is built once per (network, kind, points, ridge) off the GUI thread (QtConcurrent;
// a newer request cancels the older one, whose result is dropped). While hidden, network edits only
// mark the panel stale: it rebuilds when shown. Moving t only evaluates the cached
// decomposition: on the GUI thread while that takes < 5 ms, else off-thread, coalesced to the newest t.
// For the headless demo: computeNow() builds synchronously; paintFigure() then needs no shown widget
// (without a QApplication use DynamicsModel's computeDynamicsFigure + paintDynamicsFigure instead).
#pragma once
#include <atomic>
#include <memory>
#include <optional>
#include <vector>

#include <Eigen/Dense>
#include <QFutureWatcher>

#include "widgets/common/AnalysisPanel.h"
#include "widgets/dynamics/DynamicsModel.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QSlider;
class QSpinBox;
class QSplitter;
class QStackedWidget;
class QTimer;

namespace ntk::gui {

class NetworkDocument;
class RegressionPlayground;
class ModeResidualPlot;
class LogTimeSlider;

class DynamicsPanel : public AnalysisPanel {
  Q_OBJECT

public:
  /// Slider positions 0…kSliderLogSteps are t = 10^(−3 … 6) log-uniformly; kSliderLogSteps + 1 is t = ∞.
  static constexpr int kSliderLogSteps = 900;
  static double timeForSliderPosition(int position);
  static int sliderPositionForTime(double t);

  explicit DynamicsPanel(NetworkDocument* doc, QWidget* parent = nullptr);
  ~DynamicsPanel() override;

  bool isBusy() const override;
  /// .png/.svg: both plots as one figure; .csv/.npy: n by 4 (x, target, mean, variance) at the current t.
  bool exportView(const QString& path, QString* error) override;
  void paintFigure(QPainter& p, const QRectF& rect) const override;

  /// Builds the dynamics for the current settings on the calling thread and shows the result
  /// (headless use; cancels a running job first). False with the reason when nothing can be shown.
  bool computeNow(QString* error = nullptr);

  // State, for tests and scripting.
  const std::vector<TrainingPoint>& points() const { return m_points; }
  int pointCount() const { return int(m_points.size()); }
  /// The current prediction on the test grid (empty before the first build).
  const Prediction& prediction() const { return m_prediction; }
  Eigen::VectorXd testGrid() const { return dynamicsTestGrid(); }
  const Eigen::VectorXd& targetValues() const { return m_target; }
  const DynamicsBuild& build() const { return m_build; }
  const KernelDynamics* dynamics() const { return m_build.dynamics.get(); }
  double time() const;
  /// Cost of the last evaluation at a new t (ms): below 5 ms the slider evaluates on the GUI thread.
  double lastEvaluationMs() const { return m_lastEvalMs; }
  /// The GUI-thread limit (default 5 ms); 0 sends every evaluation off-thread (tests).
  void setSyncEvaluationLimitMs(double ms) { m_syncEvalLimitMs = ms; }
  /// How many builds finished and were shown (a recompute shows up as +1).
  int buildCount() const { return m_buildCount; }
  /// Non-empty when the network cannot be trained on 1-D inputs (the message shown instead of the plots).
  QString unavailableReason() const { return m_unavailable; }
  /// Non-empty when a 1-D copy of the network is used (what was changed).
  QString networkNote() const { return m_note; }
  const ModeResidualData& residualData() const { return m_residualData; }
  RegressionPlayground* playground() const { return m_playground; }
  ModeResidualPlot* residualPlot() const { return m_residualPlot; }
  QSlider* timeSlider() const;
  QComboBox* targetCombo() const { return m_targetCombo; }
  TargetPreset targetPreset() const;
  bool showsNtk() const;

public slots:
  void scheduleRecompute() override;
  void cancel() override;
  void setTime(double t);
  void setTargetPreset(TargetPreset preset);
  void setShowNtk(bool ntk);
  void setRidge(double relativeRidge);
  /// Resamples `count` points from the target (evenly spaced, or uniform random from `seed`).
  void setSampling(int count, bool random, int seed);
  void setGradientDescent(bool on, double eta = 0.0);
  void setPlaying(bool on);
  void addPoint(double x, double y, bool atGivenY);
  void removePoint(int index);

protected:
  void showEvent(QShowEvent* event) override;

private:
  void startJob();
  void onJobFinished();
  void applyBuild(DynamicsBuild build);
  void resampleTarget();
  void resamplePoints();
  void refreshPointTargets();
  void requestEvaluation();
  void startEvaluation();
  void onEvaluationFinished();
  void showPrediction();
  void updateResiduals();
  void updateInfo();
  /// The time label: "t = …", plus the GD step count s = t/η when GD is on.
  QString timeLabelText(double t) const;
  void updateAvailability();
  void restoreSettings();
  void saveSettings();
  double eta() const;
  bool gdOn() const;

  NetworkDocument* m_doc;
  QComboBox* m_kindCombo;
  QComboBox* m_targetCombo;
  QSpinBox* m_countSpin;
  QComboBox* m_samplingCombo;
  QSpinBox* m_seedSpin;
  QDoubleSpinBox* m_ridgeSpin;
  LogTimeSlider* m_timeSlider;
  QCheckBox* m_gdCheck;
  QDoubleSpinBox* m_etaSpin;
  QLabel* m_infoLabel;
  QLabel* m_noteLabel;
  QLabel* m_messageLabel;
  QStackedWidget* m_stack;
  QSplitter* m_splitter;
  RegressionPlayground* m_playground;
  ModeResidualPlot* m_residualPlot;
  QTimer* m_coalesce;

  QFutureWatcher<DynamicsBuild>* m_watcher;
  int m_generation = 0;
  bool m_pending = false;
  bool m_dirty = true; ///< the network changed while hidden (or nothing built yet): rebuild when shown
  int m_buildCount = 0;

  /// Off-thread evaluation at a new t when the GUI-thread one is too slow.
  struct Evaluation {
    std::shared_ptr<const KernelDynamics> dynamics;
    double t = 0.0;
    bool gd = false;
    double eta = 0.0;
    Prediction prediction;
    QString failure;
    double milliseconds = 0.0;
  };
  QFutureWatcher<Evaluation>* m_evalWatcher;
  bool m_evalPending = false;
  double m_lastEvalMs = 0.0;
  double m_syncEvalLimitMs = 5.0;

  Network m_net1d;
  QString m_unavailable, m_note;
  std::vector<TrainingPoint> m_points;
  Eigen::VectorXd m_target;      ///< target on the test grid
  Eigen::VectorXd m_drawnTarget; ///< the user-drawn target (grid values); empty until first used
  bool m_etaUserSet = false;
  DynamicsBuild m_build;
  Prediction m_prediction;
  double m_predictionTime = -1.0; ///< t m_prediction belongs to
  QString m_evalFailure;          ///< why m_prediction is empty (GD overflow)
  ModeResidualData m_residualData;
};

} // namespace ntk::gui
