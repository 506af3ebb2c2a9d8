// DynamicsPanel — the "dynamics" panel: a TensorFlow-Playground-style playground for the training
// dynamics of the infinitely wide network (KernelDynamics). 1-D targets: f_t with the NTK-GP / NNGP
// ±2σ band and the t = ∞ kernel regression; TF Playground's 2-D data sets (circle, xor, two Gaussians,
// spiral; labels ±1, squared loss): the heat map of f_t over the plane. Beside them, the train and
// test loss against t and the per-mode residual decay; time runs on a log slider with play / pause /
// step / reset / speed / loop (or as GD steps s = t/η).
// In: the NetworkDocument (the panel's network, m_doc->networkFor(objectName()), used as it is: the
// 1-D targets need input_dim 1 and the 2-D sets input_dim 2 — otherwise the panel says so and
// computes nothing), the data set, the number of training points, the training share (the rest is
// held out for the test loss), the label-noise std, a seed, point edits (click, drag, remove — each
// an undoable step of the document's undo stack), kind, relative ridge, t, GD on/off and η.
// Out: the plots; `exportView(path)` writes PNG/SVG (the plots as one figure) or CSV/NPY (1-D: n by 4:
// x, target, mean, variance, then with real networks shown per width the ensemble mean and the linearised
// mean where drawn — lastExportSummary() names the columns; 2-D: G² by 3: x₁, x₂, mean at the current t).
// Work: KernelDynamics is built once per (network, kind, points, ridge) off the GUI thread (QtConcurrent;
// a newer request cancels the older one, whose result is dropped). While hidden, network edits only
// mark the panel stale: it rebuilds when shown. Moving t only evaluates the cached
// decomposition: on the GUI thread while that takes < 5 ms, else off-thread, coalesced to the newest t.
// For the headless demo: computeNow() builds synchronously; paintFigure() then needs no shown widget
// (without a QApplication use DynamicsModel's computeDynamicsFigure + paintDynamicsFigure instead).
#pragma once
#include <memory>
#include <vector>

#include <Eigen/Dense>
#include <QFutureWatcher>

#include "widgets/common/AnalysisPanel.h"
#include "widgets/dynamics/DynamicsModel.h"
#include "widgets/dynamics/PlaygroundState.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QSlider;
class QSplitter;
class QStackedWidget;
class QTimer;

namespace ntk::gui {

class RefusalMark;

class CheckedDoubleSpinBox;
class FiniteNetworksBar;
class FiniteTrainingController;
class CheckedSpinBox;
class LogTimeSlider;
class LossCurvePlot;
class ModeResidualPlot;
class NetworkDocument;
class PlanePlayground;
class RegressionPlayground;
class TransportBar;

class DynamicsPanel : public AnalysisPanel {
  Q_OBJECT

public:
  /// Slider positions 0…kSliderLogSteps are t = 10^(−3 … 6) log-uniformly; kSliderLogSteps + 1 is t = ∞.
  static constexpr int kSliderLogSteps = 900;
  static double timeForSliderPosition(int position);
  static int sliderPositionForTime(double t);
  /// Slider positions per frame of Play at speed 1× (one frame every kFrameMs).
  static constexpr double kNotchesPerFrame = 4.0;
  static constexpr int kFrameMs = 30;

  explicit DynamicsPanel(NetworkDocument* doc, QWidget* parent = nullptr);
  ~DynamicsPanel() override;

  bool isBusy() const override;
  /// .png/.svg: the plots as one figure; .csv/.npy: the prediction on the plotting grid at the current t.
  bool exportView(const QString& path, QString* error) override;
  void paintFigure(QPainter& p, const QRectF& rect) const override;
  /// The columns of the last CSV/NPY export (they depend on the real networks shown).
  QString lastExportSummary() const override { return m_exportSummary; }

  /// Builds the dynamics for the current settings on the calling thread and shows the result
  /// (headless use; cancels a running job first). False with the reason when nothing can be shown.
  bool computeNow(QString* error = nullptr);

  /// The input_dim the chosen data set needs (1 for the 1-D targets, 2 for the plane sets).
  int requiredInputDim() const override;
  QString requiredInputPurpose() const override;
  /// Empty when the panel's network fits the data set; else why not (names both input_dims).
  QString requiredInputDimReason() const { return m_unavailable; }

  // State, for tests and scripting.
  const PlaygroundState& state() const { return m_state; }
  const std::vector<TrainingPoint>& points() const { return m_state.points.train; }
  const std::vector<TrainingPoint>& testPoints() const { return m_state.points.test; }
  int pointCount() const { return int(m_state.points.train.size()); }
  /// The label under the controls that counts the points ("34 training · 32 test points").
  QString pointCountText() const;
  /// The current prediction on the plotting grid (empty before the first build).
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
  /// Non-empty when the network does not fit the data set (the message shown instead of the plots).
  QString unavailableReason() const { return m_unavailable; }
  /// Non-empty for a note on the network (e.g. several outputs: output 1 is shown).
  QString networkNote() const { return m_note; }
  const ModeResidualData& residualData() const { return m_residualData; }
  const LossPlotData& lossData() const { return m_lossData; }
  RegressionPlayground* playground() const { return m_playground; }
  PlanePlayground* planePlayground() const { return m_planePlayground; }
  ModeResidualPlot* residualPlot() const { return m_residualPlot; }
  LossCurvePlot* lossPlot() const { return m_lossPlot; }
  TransportBar* transport() const { return m_transport; }
  QSlider* timeSlider() const;
  /// The "Data" list: the 1-D targets (TargetPreset values) then the 2-D sets (DynamicsDataset).
  QComboBox* targetCombo() const { return m_dataCombo; }
  TargetPreset targetPreset() const;
  DynamicsDataset dataset() const { return m_state.dataset; }
  bool showsNtk() const;
  bool isPlaying() const;

  /// "Train real networks" (1-D data): the row of controls and the runs trained so far.
  FiniteNetworksBar* finiteBar() const { return m_finiteBar; }
  FiniteTrainingController* finiteTraining() const { return m_finite; }
  /// The GD step s = t/η the finite networks are shown at for the slider's t (the last trained step
  /// for t = ∞); −1 when none is shown.
  long long finiteShownStep() const;
  /// Ticks "Train real networks" and, once the dynamics are built, trains them up to the slider's step
  /// s = t/η (the Steps box is set to it, visibly): `--panel dynamics-networks --screenshot`.
  void trainRealNetworksAfterBuild();
  /// The theory line under the controls (λ_min, the loss bound, the complexity; §6.3).
  QString theoryText() const;

  /// Applies a state (undo / redo of a point edit): settings shown quietly, points replaced, rebuilt.
  void restoreState(const PlaygroundState& state);

public slots:
  void scheduleRecompute() override;
  void cancel() override;
  void setTime(double t);
  void setTargetPreset(TargetPreset preset);
  void setDataset(DynamicsDataset dataset);
  void setShowNtk(bool ntk);
  void setRidge(double relativeRidge);
  /// Resamples `count` training points (evenly spaced, or uniform random from `seed`) — one undo step.
  void setSampling(int count, bool random, int seed);
  void setNoise(double noiseStd);
  void setTrainPercent(int percent);
  void setGradientDescent(bool on, double eta = 0.0);
  void setPlaying(bool on);
  /// One notch of the slider (gradient flow) or one gradient-descent step (GD).
  void stepForward();
  /// t back to the start: t = 0 (no GD step yet).
  void resetTime();
  /// Trains the finite networks of the "Train real networks" row on the current points (off-thread).
  void startFiniteTraining();
  /// 1-D: adds a training point at x on the target (or at y when atGivenY). One undo step.
  void addPoint(double x, double y, bool atGivenY);
  /// 2-D: adds a training point at (u, v) of class `label` (±1). One undo step.
  void addPlanePoint(double u, double v, double label);
  void removePoint(int index);

protected:
  void showEvent(QShowEvent* event) override;

private:
  void buildControls();
  void buildPlots();
  void connectControls();
  void connectPlots();
  void connectFinite();
  /// The data or the network changed: the trained networks no longer belong to the points shown.
  void clearFinite();
  void updateFiniteStatus();
  /// The finite networks' curves (and a divergence warning) added to the 1-D plot's data.
  void addFiniteCurves(RegressionPlotData& d) const;
  void startJob();
  void onJobFinished();
  void applyBuild(DynamicsBuild build);
  void resampleTarget();
  /// The state after resampling with the controls' settings (dimension-aware).
  PlaygroundState resampled(PlaygroundState s) const;
  /// Pushes one point edit on the document's undo stack; the push applies `after`.
  void pushEdit(const QString& text, PlaygroundState after);
  void pushEdit(const QString& text, PlaygroundState after, PlaygroundState before);
  void showStateInControls();
  void refreshPointTargets();
  void requestEvaluation();
  void startEvaluation();
  void onEvaluationFinished();
  void showPrediction();
  void updateResiduals();
  void updateLoss(bool curvesToo);
  void updateInfo();
  void updateCountLabel();
  /// The time label: "t = …", plus the GD step count s = t/η when GD is on.
  QString timeLabelText(double t) const;
  void updateAvailability();
  void restoreSettings();
  void saveSettings();
  double eta() const;
  /// Clears `mark` when `ok`, else marks the box with `reason` and says it on the status bar.
  bool acceptOrMark(RefusalMark& mark, bool ok, const QString& reason);
  bool gdOn() const;
  void advanceFrame();
  /// Sets an exact t (GD steps, reset) that the slider shows at its nearest notch.
  void setExactTime(double t);
  void onTimeChanged();
  KernelKind kind() const;

  NetworkDocument* m_doc;
  QComboBox* m_kindCombo;
  QComboBox* m_dataCombo;
  CheckedSpinBox* m_countSpin;
  QComboBox* m_samplingCombo;
  CheckedSpinBox* m_seedSpin;
  CheckedSpinBox* m_trainPercentSpin;
  CheckedDoubleSpinBox* m_noiseSpin;
  QDoubleSpinBox* m_ridgeSpin;
  std::unique_ptr<RefusalMark> m_ridgeMark, m_etaMark;
  double m_ridge = 0.0; ///< the last accepted ridge (a refused one stays in the box, marked)
  double m_eta = 0.1;   ///< the last accepted η
  LogTimeSlider* m_timeSlider;
  TransportBar* m_transport;
  QTimer* m_playTimer;
  double m_playAccumulator = 0.0;
  QCheckBox* m_gdCheck;
  QDoubleSpinBox* m_etaSpin;
  QLabel* m_countLabel;
  QLabel* m_infoLabel;
  QLabel* m_noteLabel;
  QLabel* m_messageLabel;
  QStackedWidget* m_stack;
  QStackedWidget* m_dataStack;
  QSplitter* m_splitter;
  QSplitter* m_rightSplitter;
  FiniteNetworksBar* m_finiteBar;
  FiniteTrainingController* m_finite;
  RegressionPlayground* m_playground;
  PlanePlayground* m_planePlayground;
  ModeResidualPlot* m_residualPlot;
  LossCurvePlot* m_lossPlot;
  QTimer* m_coalesce;

  QFutureWatcher<DynamicsBuild>* m_watcher;
  int m_generation = 0;
  bool m_pending = false;
  bool m_dirty = true; ///< the network changed while hidden (or nothing built yet): rebuild when shown
  int m_buildCount = 0;

  /// Off-thread evaluation at a new t when the GUI-thread one is too slow.
  struct Evaluation {
    std::shared_ptr<const DynamicsBuild> build;
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

  QString m_unavailable, m_note;
  QString m_exportSummary;
  int m_lastRequiredDim = 0;
  PlaygroundState m_state;       ///< the data set as shown (points and the settings that made them)
  PlaygroundState m_dragBefore;  ///< the state when the current drag began
  bool m_dragging = false;
  int m_countByDim[3] = {0, 32, 200}; ///< training points last used in 1-D and in 2-D
  Eigen::VectorXd m_target;      ///< 1-D target on the test grid
  Eigen::VectorXd m_drawnTarget; ///< the user-drawn target (grid values); empty until first used
  bool m_etaUserSet = false;
  bool m_trainAfterBuild = false; ///< trainRealNetworksAfterBuild() is waiting for the build
  double m_exactTime = -1.0;     ///< ≥ 0: the time (reset, GD steps) the slider only approximates
  bool m_settingExact = false;
  DynamicsBuild m_build;
  std::shared_ptr<const DynamicsBuild> m_buildShared; ///< the same build, for off-thread evaluations
  Prediction m_prediction;
  double m_predictionTime = -1.0; ///< t m_prediction belongs to
  QString m_evalFailure;          ///< why m_prediction is empty (GD overflow)
  ModeResidualData m_residualData;
  LossPlotData m_lossData;
};

} // namespace ntk::gui
