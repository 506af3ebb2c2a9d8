// TopoptPanel — the "topopt" panel: SIMP topology optimisation on a grid, live, classic (top88) and
// neural (Dupuis & Jacot 2021) side by side on the same problem, with the NTK filter the network
// implies drawn over the design (survey §6.2).
// In: the NetworkDocument — the neural method's network is m_doc->networkFor(objectName()) (a new
// document binds its "topopt" network; input_dim 2, one output), used as it is; the neural controls
// (embedding, ℓ, activation, ω, width, β) regenerate it with topoptNetwork as one undoable document
// edit. Panel-only: the problem (a preset or edited on the grid: loads, supports, passive regions — every
// edit one step of the document's undo history, PanelStateCommand), grid size, volume fraction,
// penalty, filter and rmin, the method, the optimiser and learning rate, the tool.
// Refusals: a value out of range stays visible and marked with its reason (CheckedSpinBox), and no run
// starts until it is fixed; a network the neural method cannot use (input_dim ≠ 2, output width ≠ 1)
// and a problem that cannot be solved (no support, no load) are said on the design instead of a run.
// Out: the designs (density, problem marks, filter overlay), compliance and volume against the
// iteration, a line per run (iteration, c, volume, change, frames per second); exportView: PNG/SVG of
// the designs and curves, CSV of the shown density (nely rows × nelx columns); problem files
// (ntk-studio.topopt-problem/1, TopoptProblemJson).
// Work: each method runs on a TopoptRunner (its own thread, queued frames); play / pause / step /
// reset; editing the problem goes on from the current design (setProblem) — while it stands still the
// shown design and c are marked out of date until the next iteration —; Play after convergence or the
// iteration cap goes on from the design too (or says why nothing runs; Reset starts over); changing the
// grid, the volume fraction, the penalty or the filter starts the run again. The NTK filter is
// computed off the GUI thread (launchJob). When first shown the panel runs kTopoptPreviewIterations
// classic iterations by itself (what `ntk-studio --panel topopt --screenshot` shows). GUI thread only.
#pragma once
#include <memory>

#include <Eigen/Dense>
#include <QElapsedTimer>
#include <QFutureWatcher>

#include "core/topopt/NtkFilter.h"
#include "widgets/common/AnalysisPanel.h"
#include "widgets/topopt/TopoptFigure.h"
#include "widgets/topopt/TopoptGridView.h"
#include "widgets/topopt/TopoptModel.h"
#include "widgets/topopt/TopoptRunner.h"

class QButtonGroup;
class QCheckBox;
class QComboBox;
class QLabel;
class QSlider;
class QSplitter;
class QToolButton;

namespace ntk::gui {

class CheckedDoubleSpinBox;
class CheckedSpinBox;
class NetworkDocument;
class PlotWidget;
class TransportBar;

class TopoptPanel : public AnalysisPanel {
  Q_OBJECT

public:
  explicit TopoptPanel(NetworkDocument* doc, QWidget* parent = nullptr);
  ~TopoptPanel() override;

  bool isBusy() const override;
  /// .png/.svg: the designs and the curves (the NTK-filter overlay only when "in exports" is ticked);
  /// .csv: the shown density (nely × nelx); in "both" mode the classic design goes to PATH and the
  /// neural one to PATH-neural.csv. lastExportSummary() says which design went where.
  bool exportView(const QString& path, QString* error) override;
  QString lastExportSummary() const override { return m_exportSummary; }
  /// The path the neural design goes to when "both" is exported as CSV: "dir/name-neural.csv".
  static QString neuralCsvPath(const QString& path);
  /// Whether PNG/SVG exports draw the NTK-filter overlay (off by default: a clean design).
  void setFilterInExports(bool on);
  bool filterInExports() const;
  void paintFigure(QPainter& p, const QRectF& rect) const override;
  QString exportFilter() const override;
  int requiredInputDim() const override { return 2; }
  QString requiredInputPurpose() const override;

  // ---- state, for tests and scripting
  const TopoptProblem& problem() const { return m_problem; }
  const TopoptSettings& settings() const { return m_settings; }
  TopoptRunner* classicRunner() const { return m_classic; }
  TopoptRunner* neuralRunner() const { return m_neural; }
  TopoptGridView* classicView() const { return m_classicView; }
  TopoptGridView* neuralView() const { return m_neuralView; }
  /// The shown density as nely × nelx (empty before a run).
  Eigen::MatrixXd classicDensity() const;
  Eigen::MatrixXd neuralDensity() const;
  /// The copy of the document's network the neural run was last configured with.
  const Network& neuralRunNetwork() const { return m_neuralRunNet; }
  /// Non-empty while the neural method cannot run (the network, or a refused neural setting).
  QString neuralRefusal() const;
  /// Non-empty while a setting is refused or the problem cannot be solved (Play says it).
  QString runRefusal() const;
  /// The NTK filter shown (weights empty before one is asked for).
  const TopoptFilterOverlay& filterOverlay() const { return m_filter; }
  /// Frames the classic view received per second over the current (or last) play.
  double classicFramesPerSecond() const { return m_fps[0]; }
  double neuralFramesPerSecond() const { return m_fps[1]; }
  bool isPlaying() const;
  /// The line under the designs ("Classic: iteration 40 · c = …").
  QString infoText() const;
  /// The problem was edited while the run stood still: its shown design and c belong to the previous
  /// problem until the next iteration runs (the caption says so).
  bool classicResultOutOfDate() const { return m_resultOutOfDate[0]; }
  bool neuralResultOutOfDate() const { return m_resultOutOfDate[1]; }
  QLabel* filterInfoLabel() const { return m_filterLabel; }

  CheckedSpinBox* nelxSpin() const { return m_nelxSpin; }
  CheckedSpinBox* nelySpin() const { return m_nelySpin; }
  CheckedDoubleSpinBox* volfracSpin() const { return m_volfracSpin; }
  CheckedDoubleSpinBox* penalSpin() const { return m_penalSpin; }
  CheckedDoubleSpinBox* rminSpin() const { return m_rminSpin; }
  CheckedSpinBox* widthSpin() const { return m_widthSpin; }
  CheckedDoubleSpinBox* ellSpin() const { return m_ellSpin; }
  QComboBox* presetCombo() const { return m_presetCombo; }
  QComboBox* methodCombo() const { return m_methodCombo; }
  QComboBox* filterCombo() const { return m_filterCombo; }
  QComboBox* renderCombo() const { return m_renderCombo; }
  QSlider* ellSlider() const { return m_ellSlider; }
  TransportBar* transport() const { return m_transport; }
  PlotWidget* compliancePlot() const { return m_compliancePlot; }
  PlotWidget* volumePlot() const { return m_volumePlot; }
  QToolButton* toolButton(TopoptTool tool) const;

  /// Writes the problem file; false with the reason. Nothing else changes.
  bool saveProblem(const QString& path, QString* error = nullptr) const;
  /// Reads a problem file: one undo step; on failure false with the reason and nothing changes.
  bool openProblem(const QString& path, QString* error = nullptr);

  /// Undo / redo of a problem edit: shows `problem` and hands it to the runs.
  void restoreProblem(const TopoptProblem& problem);

public slots:
  void scheduleRecompute() override;
  /// Pauses the runs and stops the filter job (the window's Cancel / Esc).
  void cancel() override;
  /// Play: configures the runs the method needs (when their settings changed) and plays them. Refused
  /// (statusMessage, nothing starts) while runRefusal() is non-empty.
  void play();
  void pause();
  /// `n` iterations, then pause.
  void step(int n = 1);
  /// Back to iteration 0 with the current settings (paused).
  void reset();
  void setMethod(TopoptMethod method);
  void setTool(TopoptTool tool);

  // ---- problem edits: one undo step each
  void setPreset(const QString& name);
  void setGridSize(int nelx, int nely);
  void placeLoad(int ix, int iy, double fx = 0.0, double fy = -1.0);
  void setLoadForce(int index, double fx, double fy);
  void removeLoad(int index);
  void fixNodes(const std::vector<std::pair<int, int>>& nodes, bool fixX, bool fixY);
  void freeNode(int ix, int iy);
  void paintPassive(const std::vector<int>& elements, PassiveKind kind);

  // ---- the NTK filter
  void showFilterAt(int ex, int ey);
  void clearFilter();
  /// ℓ of the Fourier embedding: an edit of the document's network (a slider drag is one undo step).
  void setEll(double ell);
  /// The neural field drawn at 1×, 2× or 4× the grid when its run stops.
  void setRenderRefine(int refine);

protected:
  void showEvent(QShowEvent* event) override;

private:
  struct FilterResult {
    NtkFilterRow row;
    int ex = -1, ey = -1, nelx = 0, nely = 0;
    QString error;
    bool cancelled = false;
  };

  void buildControls();
  void buildNeuralControls(class FlowLayout* row);
  void buildToolRow(class FlowLayout* row);
  void buildViews();
  void connectControls();
  void connectNeuralControls();
  void connectViews(TopoptGridView* view);

  void pushEdit(const QString& text, TopoptProblem after);
  void problemToRuns();
  void showProblemInControls();
  void settingsChanged();
  /// Configures each run the method uses whose inputs changed; `force` starts them again anyway.
  void configureRuns(bool force);
  void configureClassic();
  void configureNeural();
  bool anyRunPlaying() const;
  void onFrame(TopoptRunner* runner);
  void updateViews();
  void updateCurves();
  void updateInfo();
  void updateTransport();
  /// What a design view shows; `forFigure`: the caption also names the filter overlay (exports).
  TopoptDesignData designData(bool neural, bool forFigure = false) const;
  QString runCaption(const TopoptFrame& f, bool neural) const;
  /// Marks each standing run's result as out of date after a problem edit (and says so once).
  void markResultsOutOfDate();
  /// Play/Step of one run: what happens, for the status line; empty when the run does not take part.
  QString runStartText(int k, bool play) const;
  /// Lays the views out for the method (both: the designs stacked on the left, the curves on the right).
  void arrangeViews();

  void onDocumentChanged();
  void showNetworkInControls();
  /// Regenerates the panel's network from the neural controls with topoptNetwork (one undo step).
  void editNetworkFromControls(const QString& what, const QString& mergeKey = {});
  TopoptNetworkOptions networkOptionsFromControls() const;
  const Network& panelNetwork() const;
  QString panelNetworkName() const;
  void startFilterJob();
  void onFilterFinished();
  void updateEllSlider();

  NetworkDocument* m_doc;
  TopoptProblem m_problem;
  TopoptSettings m_settings;
  TopoptRunner* m_classic;
  TopoptRunner* m_neural;
  bool m_classicStale = true, m_neuralStale = true;
  Network m_neuralRunNet;
  std::string m_networkJson;   ///< the panel's network as last seen (to tell its edits from others)
  bool m_previewed = false;
  bool m_resumeAfterConfigure = false;
  bool m_resultOutOfDate[2] = {false, false};
  int m_outOfDateAt[2] = {0, 0};         ///< the iteration shown when the problem changed
  QString m_exportSummary;

  // fps: frames received during the current play, per runner
  QElapsedTimer m_playClock[2];
  int m_playFrames[2] = {0, 0};
  double m_fps[2] = {0.0, 0.0};

  // controls
  QComboBox* m_presetCombo;
  CheckedSpinBox* m_nelxSpin;
  CheckedSpinBox* m_nelySpin;
  CheckedDoubleSpinBox* m_volfracSpin;
  CheckedDoubleSpinBox* m_penalSpin;
  QComboBox* m_filterCombo;
  CheckedDoubleSpinBox* m_rminSpin;
  QComboBox* m_methodCombo;
  std::vector<QWidget*> m_neuralGroups; ///< the neural method's controls (shown with it)
  QComboBox* m_embeddingCombo;
  CheckedDoubleSpinBox* m_ellSpin;
  QComboBox* m_activationCombo;
  CheckedDoubleSpinBox* m_omegaSpin;
  CheckedSpinBox* m_widthSpin;
  CheckedDoubleSpinBox* m_betaSpin;
  QComboBox* m_optimizerCombo;
  CheckedDoubleSpinBox* m_lrSpin;
  QComboBox* m_renderCombo;
  QButtonGroup* m_tools;
  CheckedDoubleSpinBox* m_brushSpin;
  TransportBar* m_transport;
  QLabel* m_infoLabel;

  // views
  QSplitter* m_splitter;
  QSplitter* m_bottomSplitter;
  TopoptGridView* m_classicView;
  TopoptGridView* m_neuralView;
  PlotWidget* m_compliancePlot;
  PlotWidget* m_volumePlot;
  QSlider* m_ellSlider;
  QLabel* m_ellLabel;
  QLabel* m_filterLabel;
  QCheckBox* m_filterExportCheck;

  // the NTK filter
  QFutureWatcher<FilterResult>* m_filterWatcher;
  bool m_filterPending = false;
  int m_probeEx = -1, m_probeEy = -1;
  TopoptFilterOverlay m_filter;
  QString m_filterError;
};

} // namespace ntk::gui
