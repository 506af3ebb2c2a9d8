// DynamicsPanel.cpp — controls, plots and their wiring; builds off-thread; point edits as undo steps.
#include "widgets/dynamics/DynamicsPanel.h"

#include <algorithm>
#include <utility>
#include <cmath>

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QPushButton>
#include <QSettings>
#include <QSlider>
#include <QSplitter>
#include <QStackedWidget>
#include <QTimer>
#include <QUndoStack>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include "widgets/common/CheckedSpinBox.h"
#include "widgets/common/DecadeSpinBox.h"
#include "widgets/common/FigurePainter.h"
#include "widgets/common/LogTimeSlider.h"
#include "widgets/dynamics/FlowLayout.h"
#include "widgets/dynamics/LossCurvePlot.h"
#include "widgets/dynamics/ModeResidualPlot.h"
#include "widgets/dynamics/PlanePlayground.h"
#include "widgets/dynamics/RegressionPlayground.h"
#include "widgets/dynamics/TransportBar.h"
#include "widgets/finite/FiniteNetworksBar.h"
#include "widgets/finite/FiniteOverlay.h"
#include "widgets/finite/FiniteTrainingController.h"
#include "widgets/network/NetworkDocument.h"
#include "widgets/network/PanelStateCommand.h"

namespace ntk::gui {

namespace {

const QString kFlowTip = QObject::tr(
    "Gradient flow on L = (1/2m) Σ_i (f(x_i) − y_i)² of the infinitely wide network:\n"
    "  ḟ_t(x) = −(1/m) Θ(x,X) (f_t(X) − Y),  f_0 ~ GP(0, K)\n"
    "Mean and variance at time t (g_t = Θ⁻¹(I − e^{−Θt/m})):\n"
    "  μ_t(x) = Θ(x,X) g_t Y\n"
    "  σ²_t(x) = K(x,x) + Θ(x,X) g_t K(X,X) g_t Θ(X,x) − 2 Θ(x,X) g_t K(X,x)\n"
    "t = ∞ is kernel (ridge) regression: μ_∞(x) = Θ(x,X) Θ(X,X)⁻¹ Y.");

QLabel* label(const QString& text) { return new QLabel(text); }

/// Widgets that stay together on one line when the control rows wrap (a label and its box).
QWidget* group(std::initializer_list<QWidget*> widgets)
{
  auto* box = new QWidget;
  auto* row = new QHBoxLayout(box);
  row->setContentsMargins(0, 0, 0, 0);
  for (QWidget* w : widgets) row->addWidget(w);
  return box;
}

QString pointText(double x, double y) { return QStringLiteral("(%1, %2)").arg(x, 0, 'f', 2).arg(y, 0, 'f', 2); }

} // namespace

double DynamicsPanel::timeForSliderPosition(int position)
{
  return LogTimeSlider::timeForPosition(position, kLogTimeMin, kLogTimeMax, kSliderLogSteps);
}

int DynamicsPanel::sliderPositionForTime(double t)
{
  return LogTimeSlider::positionForTime(t, kLogTimeMin, kLogTimeMax, kSliderLogSteps);
}

DynamicsPanel::DynamicsPanel(NetworkDocument* doc, QWidget* parent)
    : AnalysisPanel(parent), m_doc(doc), m_watcher(new QFutureWatcher<DynamicsBuild>(this)),
      m_evalWatcher(new QFutureWatcher<Evaluation>(this))
{
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  buildControls();
  buildPlots();
  m_coalesce = new QTimer(this);
  m_coalesce->setSingleShot(true);
  m_coalesce->setInterval(0);
  m_playTimer = new QTimer(this);
  m_playTimer->setInterval(kFrameMs);

  restoreSettings();
  resampleTarget();
  m_state = resampled(m_state);
  showStateInControls();
  updateAvailability();
  m_timeSlider->setLabelFormatter([this](double) { return timeLabelText(time()); });
  updateInfo();
  showPrediction();
  updateLoss(true);

  connectControls();
  connectPlots();
  connectFinite();
  m_dirty = true; // built when first shown
}

void DynamicsPanel::buildControls()
{
  auto* layout = static_cast<QVBoxLayout*>(this->layout());
  // Row 1: the data (what TF Playground's left column holds).
  auto* row1 = new FlowLayout;
  m_dataCombo = new QComboBox;
  for (int i = 0; i < kDynamicsDatasetCount; ++i) m_dataCombo->addItem(datasetLabel(DynamicsDataset(i)));
  m_dataCombo->setToolTip(tr("The data set.\n1-D targets y(x) on x ∈ [0, 1) (the network needs input_dim 1):\n"
                             "  sum of sines: sin 2πx + ½ sin 6πx + ¼ sin 14πx + ⅛ sin 30πx (frequencies 1, 3, 7, 15)\n"
                             "  step: −1 for x < ½, +1 after\n"
                             "  user-drawn: drag with the left mouse button on empty space of the plot to draw it\n"
                             "TensorFlow Playground's 2-D sets, labels ±1 fitted with the squared loss (input_dim 2),\n"
                             "TF's plane [−6, 6]² scaled to x ∈ [0, 1)²: circle, xor, two Gaussians, spiral."));
  row1->addWidget(group({label(tr("Data")), m_dataCombo}));
  m_countSpin = new CheckedSpinBox(1, 1000);
  m_countSpin->setKeyboardTracking(false);
  m_countSpin->setToolTipBase(tr("Number of training points m (resamples the data set; clicked points are replaced)"));
  row1->addWidget(group({label(tr("Training points")), m_countSpin}));
  m_trainPercentSpin = new CheckedSpinBox(10, 90);
  m_trainPercentSpin->setSuffix(QStringLiteral(" %"));
  m_trainPercentSpin->setKeyboardTracking(false);
  m_trainPercentSpin->setToolTipBase(tr("Ratio of training to all data (TF Playground's ratio): the m training points are "
                                        "this share;\nthe rest, round(m·(100 − p)/p) points, is held out for the test loss."));
  row1->addWidget(group({label(tr("Train")), m_trainPercentSpin}));
  m_noiseSpin = new CheckedDoubleSpinBox(0.0, 2.0, 2);
  m_noiseSpin->setSingleStep(0.05);
  m_noiseSpin->setKeyboardTracking(false);
  m_noiseSpin->setToolTipBase(tr("Label noise: y = clean value + σ·ε, ε ~ N(0, 1); σ is this standard deviation"));
  row1->addWidget(group({label(tr("Noise σ")), m_noiseSpin}));
  m_samplingCombo = new QComboBox;
  m_samplingCombo->addItem(tr("evenly spaced"));
  m_samplingCombo->addItem(tr("random"));
  m_samplingCombo->setToolTip(tr("1-D training x's: evenly spaced x_i = i/m, or uniform random on [0, 1) from the seed"));
  row1->addWidget(group({m_samplingCombo}));
  m_seedSpin = new CheckedSpinBox(0, 999999);
  m_seedSpin->setPrefix(tr("seed "));
  m_seedSpin->setKeyboardTracking(false);
  m_seedSpin->setToolTipBase(tr("Seed of the data set: random points, the test points, the split and the noise"));
  row1->addWidget(group({m_seedSpin}));
  layout->addLayout(row1);

  // Row 2: the training (kernel, ridge, gradient descent) and the transport.
  auto* row2 = new FlowLayout;
  m_kindCombo = new QComboBox;
  m_kindCombo->addItem(tr("NTK-GP"));
  m_kindCombo->addItem(tr("NNGP"));
  m_kindCombo->setToolTip(tr("NTK-GP: every layer trained by gradient flow; the band is the spread of f_t over random "
                             "initialisations.\nNNGP: only the readout trained (Θ = K); at t = ∞ the exact GP posterior\n"
                             "  σ²_t(x) = K(x,x) − K(x,X) K⁻¹ (I − e^{−2Kt/m}) K(X,x).\n\n") + kFlowTip);
  row2->addWidget(group({label(tr("Kernel")), m_kindCombo}));
  // Wide ranges: a typed value outside 0 … 10 (ridge) or (0, 1e9] (η) is refused with its reason, not clamped.
  m_ridgeSpin = new DecadeSpinBox(-1e12, 1e12);
  m_ridgeSpin->setObjectName(QStringLiteral("dynamicsRidge"));
  m_ridgeSpin->setValue(0.0);
  m_ridgeSpin->setToolTip(tr("Relative ridge (observation noise) λ: Θ(X,X) → Θ(X,X) + λ·mean diag Θ(X,X)·I.\n"
                             "0 interpolates the training points at t = ∞ (μ_∞ = Y, σ²_∞ = 0 there).\n"
                             "Arrows step by ×√10."));
  row2->addWidget(group({label(tr("Ridge")), m_ridgeSpin}));
  m_gdCheck = new QCheckBox(tr("GD"));
  m_gdCheck->setToolTip(tr("Gradient descent with learning rate η instead of gradient flow: after s = t/η steps,\n"
                           "  f_{s+1}(X) = f_s(X) − (η/m) Θ(X,X)(f_s(X) − Y),  so e^{−λ_k t} → (1 − ηλ_k)^s.\n"
                           "Stable only for η < 2/λ_max(H), H = Θ(X,X)/m."));

  m_etaSpin = new DecadeSpinBox(-1e12, 1e12, tr("η = "));
  m_etaSpin->setObjectName(QStringLiteral("dynamicsEta"));
  m_etaSpin->setValue(0.1);
  m_etaSpin->setEnabled(false);
  m_etaSpin->setToolTip(tr("Learning rate η; the default is half the largest stable one, η = ½·2/λ_max.\n"
                           "η > 2/λ_max: the leading mode grows as |1 − ηλ_max|^s — gradient descent diverges."));
  row2->addWidget(group({m_gdCheck, m_etaSpin}));
  m_transport = new TransportBar;
  row2->addWidget(m_transport);
  layout->addLayout(row2);

  m_timeSlider = new LogTimeSlider(kLogTimeMin, kLogTimeMax, kSliderLogSteps);
  m_timeSlider->playButton()->hide(); // the transport bar plays
  m_timeSlider->slider()->setToolTip(tr("Training time t, log scale from 10⁻³ to 10⁶; the right end is t = ∞.\n\n") + kFlowTip);
  m_timeSlider->setLabelWidthSample(QStringLiteral("t = 1.00e+06 (s = 000000)"));
  layout->addWidget(m_timeSlider);

  auto* row3 = new QHBoxLayout;
  m_countLabel = new QLabel;
  m_countLabel->setObjectName(QStringLiteral("dynamicsPointCount"));
  m_countLabel->setToolTip(tr("The points drawn: filled = training points, rings = held-out test points"));
  row3->addWidget(m_countLabel);
  m_infoLabel = new QLabel;
  m_infoLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_infoLabel->setWordWrap(true);
  m_infoLabel->setToolTip(tr("H = Θ(X,X)/m (plus ridge): its eigenvalues λ_k set the rate of each mode, e^{−λ_k t}.\n"
                             "cond(H) = λ_max/λ_min; gradient descent converges only for η < 2/λ_max.\n"
                             "Gradient flow: L(t) ≤ e^{−2 λ_min t} L(0) (every residual direction decays at least as e^{−λ_min t}).\n"
                             "Complexity (Arora et al. 2019): √(Yᵀ Θ(X,X)⁻¹ Y / m) — small for targets the kernel fits easily;\n"
                             "the same targets shuffled (a seeded permutation) lose their structure and give a larger value."));
  row3->addWidget(m_infoLabel, 1);
  layout->addLayout(row3);
  m_noteLabel = new QLabel;
  m_noteLabel->setWordWrap(true);
  m_noteLabel->setStyleSheet(QStringLiteral("QLabel { color: #8a5a00; }"));
  m_noteLabel->setVisible(false);
  layout->addWidget(m_noteLabel);
  m_finiteBar = new FiniteNetworksBar;
  m_finite = new FiniteTrainingController(this);
  layout->addWidget(m_finiteBar);
}

void DynamicsPanel::buildPlots()
{
  m_stack = new QStackedWidget;
  m_splitter = new QSplitter(Qt::Horizontal);
  m_splitter->setObjectName(QStringLiteral("dynamicsSplitter"));
  m_dataStack = new QStackedWidget;
  m_playground = new RegressionPlayground;
  m_playground->setToolTip(tr("Click: add a training point on the target (Shift+click: at the clicked height).\n"
                              "Drag a point: move it along the target (Shift: freely).\n"
                              "Right-click a point, or select it and press Delete: remove it.\n"
                              "Rings: held-out test points. Every point edit can be undone (Ctrl+Z).\n"
                              "Target 'user-drawn': drag on empty space to draw the target curve.\n\n") + kFlowTip);
  m_planePlayground = new PlanePlayground;
  m_planePlayground->setToolTip(tr("The network's output f_t(x) over the inputs (red +1, blue −1; black line: f = 0).\n"
                                   "Filled points train, rings are held out for the test loss.\n"
                                   "Click: add a +1 point (Shift+click: a −1 point). Drag a point to move it.\n"
                                   "Right-click a point, or select it and press Delete: remove it. Ctrl+Z undoes."));
  m_dataStack->addWidget(m_playground);
  m_dataStack->addWidget(m_planePlayground);
  m_lossPlot = new LossCurvePlot;
  m_lossPlot->setToolTip(tr("Total loss L = (1/2m) Σ (f_t(x_i) − y_i)² on the training points (solid) and on the\n"
                            "held-out test points (dashed) against t; the dashed line and the dots mark the current t."));
  m_residualPlot = new ModeResidualPlot;
  m_residualPlot->setToolTip(tr("Residual in each eigen-direction of H = Θ(X,X)/m = V diag(λ) Vᵀ:\n"
                                "  r_t = Vᵀ(f_t(X) − Y) = e^{−λ t} ∘ Vᵀ(f_0(X) − Y)\n"
                                "Large λ (smooth, low-frequency modes) are fitted first; small λ (high frequency) last.\n"
                                "Bars: the fraction |r_k(t)|/|r_k(0)| still left at the current t."));
  m_rightSplitter = new QSplitter(Qt::Vertical);
  m_rightSplitter->setObjectName(QStringLiteral("dynamicsRightSplitter"));
  m_rightSplitter->addWidget(m_lossPlot);
  m_rightSplitter->addWidget(m_residualPlot);
  m_rightSplitter->setStretchFactor(0, 2);
  m_rightSplitter->setStretchFactor(1, 3);
  m_splitter->addWidget(m_dataStack);
  m_splitter->addWidget(m_rightSplitter);
  m_splitter->setStretchFactor(0, 1);
  m_splitter->setStretchFactor(1, 1);
  m_stack->addWidget(m_splitter);
  m_messageLabel = new QLabel;
  m_messageLabel->setWordWrap(true);
  m_messageLabel->setAlignment(Qt::AlignCenter);
  m_messageLabel->setMargin(24);
  m_messageLabel->setObjectName(QStringLiteral("dynamicsMessage"));
  m_stack->addWidget(m_messageLabel);
  layout()->addWidget(m_stack);
  static_cast<QVBoxLayout*>(layout())->setStretchFactor(m_stack, 1);
}

void DynamicsPanel::connectControls()
{
  connect(m_coalesce, &QTimer::timeout, this, &DynamicsPanel::startJob);
  connect(m_playTimer, &QTimer::timeout, this, &DynamicsPanel::advanceFrame);
  connect(m_watcher, &QFutureWatcher<DynamicsBuild>::finished, this, &DynamicsPanel::onJobFinished);
  connect(m_evalWatcher, &QFutureWatcher<Evaluation>::finished, this, &DynamicsPanel::onEvaluationFinished);
  connect(m_doc, &NetworkDocument::changed, this, [this] {
    clearFinite(); // trained from the network before the edit
    if (!isVisible()) {
      m_dirty = true; // hidden: rebuilt when shown
      updateAvailability(); // the requirement is still reported at once
      return;
    }
    updateAvailability();
    scheduleRecompute();
  });
  connect(m_kindCombo, &QComboBox::currentIndexChanged, this, [this] {
    saveSettings();
    scheduleRecompute();
  });
  connect(m_dataCombo, &QComboBox::currentIndexChanged, this, [this](int i) { setDataset(DynamicsDataset(i)); });
  // Every sampling setting resamples the data set: one undo step each.
  auto resample = [this](const QString& what) {
    PlaygroundState next = m_state;
    next.count = m_countSpin->value();
    next.trainPercent = m_trainPercentSpin->value();
    next.noise = m_noiseSpin->value();
    next.random = m_samplingCombo->currentIndex() == 1;
    next.seed = m_seedSpin->value();
    pushEdit(tr("Resample %1 points (%2)").arg(next.count).arg(what), resampled(next));
  };
  connect(m_countSpin, &CheckedSpinBox::valueAccepted, this, [resample](int v) { resample(tr("count %1").arg(v)); });
  connect(m_trainPercentSpin, &CheckedSpinBox::valueAccepted, this, [resample](int v) { resample(tr("train %1 %").arg(v)); });
  connect(m_noiseSpin, &CheckedDoubleSpinBox::valueAccepted, this, [resample](double v) { resample(tr("noise σ = %1").arg(v)); });
  connect(m_seedSpin, &CheckedSpinBox::valueAccepted, this, [resample](int v) { resample(tr("seed %1").arg(v)); });
  connect(m_samplingCombo, &QComboBox::currentIndexChanged, this,
          [this, resample](int i) { resample(i == 1 ? tr("random x") : tr("evenly spaced x")); });
  for (auto* box : {m_countSpin, m_trainPercentSpin, m_seedSpin})
    connect(box, &CheckedSpinBox::valueRefused, this, &DynamicsPanel::statusMessage);
  connect(m_noiseSpin, &CheckedDoubleSpinBox::valueRefused, this, &DynamicsPanel::statusMessage);
  m_ridgeMark = std::make_unique<RefusalMark>(m_ridgeSpin);
  m_ridgeMark->setToolTipBase(m_ridgeSpin->toolTip());
  m_etaMark = std::make_unique<RefusalMark>(m_etaSpin);
  m_etaMark->setToolTipBase(m_etaSpin->toolTip());
  connect(m_ridgeSpin, &QDoubleSpinBox::valueChanged, this, [this](double v) {
    if (!acceptOrMark(*m_ridgeMark, std::isfinite(v) && v >= 0.0 && v <= 10.0,
                      tr("ridge %1 is outside 0 … 10 (relative to the mean diagonal of Θ)").arg(v)))
      return;
    m_ridge = v;
    saveSettings();
    scheduleRecompute();
  });
  connect(m_timeSlider, &LogTimeSlider::timeChanged, this, &DynamicsPanel::onTimeChanged);
  connect(m_timeSlider, &LogTimeSlider::timeSettled, this, &DynamicsPanel::saveSettings);
  connect(m_gdCheck, &QCheckBox::toggled, this, [this](bool on) {
    m_etaSpin->setEnabled(on);
    saveSettings();
    m_timeSlider->updateLabel();
    updateInfo();
    updateLoss(true);
    requestEvaluation();
  });
  connect(m_etaSpin, &QDoubleSpinBox::valueChanged, this, [this](double v) {
    if (!acceptOrMark(*m_etaMark, std::isfinite(v) && v > 0.0 && v <= 1e9, tr("η = %1 must be > 0 and ≤ 1e9").arg(v))) return;
    m_eta = v;
    m_etaUserSet = true; // programmatic defaults are set under a QSignalBlocker
    clearFinite();       // trained with another η
    m_timeSlider->updateLabel();
    updateInfo();
    if (!gdOn()) return;
    updateLoss(true);
    requestEvaluation();
  });
  connect(m_transport, &TransportBar::playToggled, this, &DynamicsPanel::setPlaying);
  connect(m_transport, &TransportBar::stepRequested, this, &DynamicsPanel::stepForward);
  connect(m_transport, &TransportBar::resetRequested, this, &DynamicsPanel::resetTime);
  connect(m_transport, &TransportBar::speedChanged, this, &DynamicsPanel::saveSettings);
  connect(m_transport->loopCheck(), &QCheckBox::toggled, this, &DynamicsPanel::saveSettings);
  connect(m_splitter, &QSplitter::splitterMoved, this, &DynamicsPanel::saveSettings);
  connect(m_rightSplitter, &QSplitter::splitterMoved, this, &DynamicsPanel::saveSettings);
}

void DynamicsPanel::connectPlots()
{
  connect(m_playground, &RegressionPlayground::addPointRequested, this, &DynamicsPanel::addPoint);
  connect(m_playground, &RegressionPlayground::removePointRequested, this, &DynamicsPanel::removePoint);
  connect(m_playground, &RegressionPlayground::pointDragged, this, [this](int i, double x, double y, bool free) {
    if (i < 0 || i >= pointCount()) return;
    if (!m_dragging) m_dragBefore = m_state;
    m_dragging = true;
    TrainingPoint& pt = m_state.points.train[size_t(i)];
    pt.x = x;
    pt.onTarget = !free;
    if (free) pt.y = y;
    refreshPointTargets();
    showPrediction();
    scheduleRecompute();
  });
  connect(m_planePlayground, &PlanePlayground::pointDragged, this, [this](int i, double u, double v) {
    if (i < 0 || i >= pointCount()) return;
    if (!m_dragging) m_dragBefore = m_state;
    m_dragging = true;
    m_state.points.train[size_t(i)].x = u;
    m_state.points.train[size_t(i)].x2 = v;
    showPrediction();
    scheduleRecompute();
  });
  auto dragFinished = [this](int i) {
    if (!m_dragging || i < 0 || i >= pointCount()) return;
    m_dragging = false;
    const TrainingPoint& pt = m_state.points.train[size_t(i)];
    pushEdit(tr("Move point to %1").arg(pointText(pt.x, datasetInputDim(m_state.dataset) == 2 ? pt.x2 : pt.y)), m_state,
             m_dragBefore);
  };
  connect(m_playground, &RegressionPlayground::pointDragFinished, this, dragFinished);
  connect(m_planePlayground, &PlanePlayground::pointDragFinished, this, dragFinished);
  connect(m_planePlayground, &PlanePlayground::addPointRequested, this, &DynamicsPanel::addPlanePoint);
  connect(m_planePlayground, &PlanePlayground::removePointRequested, this, &DynamicsPanel::removePoint);
  connect(m_playground, &RegressionPlayground::targetStrokeFinished, this, [this](const std::vector<QPointF>& stroke) {
    if (targetPreset() != TargetPreset::UserDrawn) return;
    applyStroke(m_drawnTarget, stroke);
    m_target = m_drawnTarget;
    refreshPointTargets();
    showPrediction();
    scheduleRecompute();
  });
}

void DynamicsPanel::connectFinite()
{
  connect(m_finiteBar, &FiniteNetworksBar::trainRequested, this, &DynamicsPanel::startFiniteTraining);
  connect(m_finiteBar, &FiniteNetworksBar::stopRequested, m_finite, &FiniteTrainingController::stop);
  connect(m_finiteBar, &FiniteNetworksBar::enabledChanged, this, [this](bool on) {
    if (!on) m_finite->stop();
    updateFiniteStatus();
    showPrediction();
  });
  connect(m_finiteBar, &FiniteNetworksBar::settingsChanged, this, [this] {
    clearFinite(); // the runs shown must be the ones the row describes
    showPrediction();
  });
  connect(m_finite, &FiniteTrainingController::progressed, this, [this](long long step) {
    emit progressChanged(int(100.0 * double(step) / double(std::max(1LL, m_finite->settings().steps))));
    updateFiniteStatus();
    showPrediction();
  });
  connect(m_finite, &FiniteTrainingController::finished, this, [this] {
    m_finiteBar->setRunning(m_finite->isRunning());
    updateFiniteStatus();
    showPrediction();
    if (!m_finite->failure().isEmpty()) emit statusMessage(tr("Real networks not trained: %1").arg(m_finite->failure()));
    emit busyChanged(isBusy());
    if (!isBusy()) emit idle();
  });
}

void DynamicsPanel::startFiniteTraining()
{
  if (!m_finiteBar->isOn() || requiredInputDim() != 1 || !m_unavailable.isEmpty()) return;
  const std::vector<int> widths = m_finiteBar->widths();
  if (widths.empty()) {
    emit statusMessage(tr("Refused: %1 — no networks trained").arg(m_finiteBar->widthError()));
    m_finiteBar->setStatus(tr("Refused: %1").arg(m_finiteBar->widthError()), QString());
    return;
  }
  const Network net = m_finiteBar->trainedNetwork(m_doc->networkFor(objectName()));
  const auto& train = m_state.points.train;
  Eigen::MatrixXd X(Eigen::Index(train.size()), 1);
  Eigen::VectorXd Y(Eigen::Index(train.size()));
  for (size_t i = 0; i < train.size(); ++i) {
    X(Eigen::Index(i), 0) = train[i].x;
    Y(Eigen::Index(i)) = train[i].y;
  }
  m_finite->start(net, X, Y, Eigen::MatrixXd(dynamicsTestGrid()), m_finiteBar->settings(eta()));
  m_finiteBar->setRunning(true);
  updateFiniteStatus();
  emit busyChanged(true);
}

void DynamicsPanel::trainRealNetworksAfterBuild()
{
  m_finiteBar->setOn(true);
  m_trainAfterBuild = true;
  if (m_build.dynamics && !isBusy()) applyBuild(m_build);
}

void DynamicsPanel::clearFinite()
{
  if (m_finite->runs().empty() && !m_finite->isRunning()) return;
  m_finite->clear();
  updateFiniteStatus();
}

long long DynamicsPanel::finiteShownStep() const
{
  if (!m_finiteBar->isOn() || m_finite->runs().empty()) return -1;
  const double t = time(), eta = m_finite->settings().learningRate;
  const long long s = std::isinf(t) ? m_finite->settings().steps : gradientDescentSteps(t, eta);
  return shownRecordStep(m_finite->runs(), s);
}

void DynamicsPanel::addFiniteCurves(RegressionPlotData& d) const
{
  const long long step = finiteShownStep();
  if (step < 0) return;
  d.curves = finiteNetworkCurves(m_finite->runs(), step);
  d.title += tr(" · networks n = %1 at s = %2 GD steps (t = s·η = %3)")
                 .arg(widthListText(m_finite->settings().widths))
                 .arg(step)
                 .arg(formatTime(double(step) * m_finite->settings().learningRate));
  const QString diverged = divergedWidthsText(m_finite->runs());
  if (!diverged.isEmpty())
    d.warning = tr("Real networks diverged (loss blew up, η too large for their empirical NTK) — widths %1; their curves end there.").arg(diverged);
}

void DynamicsPanel::updateFiniteStatus()
{
  if (!m_finiteBar->isOn()) return;
  const bool have = !m_finite->runs().empty() || m_finite->isRunning();
  const Network& doc = m_doc->networkFor(objectName());
  const LiveTrainingSettings s = have ? m_finite->settings() : m_finiteBar->settings(eta());
  const Network net = have ? m_finite->network() : m_finiteBar->trainedNetwork(doc);
  m_finiteBar->setNetworkParameterization(doc.parameterization);
  QString text = tr("GD η = %1, s = t/η: ").arg(s.learningRate, 0, 'g', 3);
  if (m_finite->isRunning())
    text += tr("training, step %1 of %2").arg(std::max(0LL, m_finite->latestStep())).arg(s.steps);
  else if (!m_finite->failure().isEmpty())
    text += tr("not trained: %1").arg(m_finite->failure());
  else if (m_finite->wasCancelled() && have)
    text += tr("stopped at step %1").arg(m_finite->latestStep());
  else if (have)
    text += tr("trained %1 steps").arg(m_finite->latestStep());
  else
    text += tr("press Train or Play");
  m_finiteBar->setStatus(text, finiteNetworksDescription(net, s, net.parameterization != doc.parameterization));
}

QString DynamicsPanel::theoryText() const
{
  if (!m_build.hasTheory) return {};
  const KernelTheoryReadouts& r = m_build.theory;
  const double t = time();
  QString text = tr("λ_min(H) = %1 ⇒ L(t) ≤ e^{−2λ_min t}·L(0)").arg(r.lambdaMin, 0, 'g', 3);
  if (std::isfinite(t)) text += tr(" = %1·L(0) at t = %2").arg(r.lossBoundFactor(t), 0, 'g', 3).arg(formatTime(t));
  text += tr(" · complexity √(yᵀΘ⁻¹y/m) = %1, shuffled targets %2").arg(r.complexity, 0, 'g', 3).arg(r.shuffledComplexity, 0, 'g', 3);
  if (r.singular) text += tr(" (Θ singular: on the span of λ > 1e-13·λ_max)");
  return text;
}

void DynamicsPanel::showEvent(QShowEvent* event)
{
  AnalysisPanel::showEvent(event);
  if (!m_dirty) return;
  updateAvailability();
  scheduleRecompute();
}

DynamicsPanel::~DynamicsPanel()
{
  saveSettings(); // the slider moved by keyboard or by Play is saved here
  m_playTimer->stop();
  // Cancel, then wait, before the members the results land in go away.
  stopJob();
  m_watcher->waitForFinished();
  m_evalWatcher->waitForFinished();
}

void DynamicsPanel::restoreSettings()
{
  QSettings s;
  s.beginGroup(QStringLiteral("dynamicsPanel"));
  m_kindCombo->setCurrentIndex(std::clamp(s.value(QStringLiteral("kind"), 0).toInt(), 0, 1));
  m_state.dataset = DynamicsDataset(std::clamp(s.value(QStringLiteral("target"), 0).toInt(), 0, kDynamicsDatasetCount - 1));
  m_countByDim[1] = std::clamp(s.value(QStringLiteral("points"), 32).toInt(), 1, 1000);
  m_countByDim[2] = std::clamp(s.value(QStringLiteral("points2d"), 200).toInt(), 1, 1000);
  m_state.count = m_countByDim[datasetInputDim(m_state.dataset)];
  m_state.trainPercent = std::clamp(s.value(QStringLiteral("trainPercent"), 50).toInt(), 10, 90);
  m_state.noise = std::clamp(s.value(QStringLiteral("noise"), 0.0).toDouble(), 0.0, 2.0);
  m_state.random = s.value(QStringLiteral("sampling"), 0).toInt() == 1;
  m_state.seed = std::clamp(s.value(QStringLiteral("seed"), 1).toInt(), 0, 999999);
  // Saved values were accepted ones; anything else (an older file) falls back to the default.
  const double ridge = s.value(QStringLiteral("ridge"), 0.0).toDouble();
  m_ridge = (std::isfinite(ridge) && ridge >= 0.0 && ridge <= 10.0) ? ridge : 0.0;
  m_ridgeSpin->setValue(m_ridge);
  m_timeSlider->setPosition(s.value(QStringLiteral("time"), sliderPositionForTime(10.0)).toInt());
  m_gdCheck->setChecked(s.value(QStringLiteral("gd"), false).toBool());
  m_etaSpin->setEnabled(m_gdCheck->isChecked());
  m_transport->setSpeed(s.value(QStringLiteral("speed"), 1.0).toDouble());
  m_transport->setLoop(s.value(QStringLiteral("loop"), false).toBool());
  m_splitter->restoreState(s.value(QStringLiteral("splitter")).toByteArray());
  m_rightSplitter->restoreState(s.value(QStringLiteral("rightSplitter")).toByteArray());
}

void DynamicsPanel::saveSettings()
{
  QSettings s;
  s.beginGroup(QStringLiteral("dynamicsPanel"));
  s.setValue(QStringLiteral("kind"), m_kindCombo->currentIndex());
  s.setValue(QStringLiteral("target"), int(m_state.dataset));
  s.setValue(QStringLiteral("points"), m_countByDim[1]);
  s.setValue(QStringLiteral("points2d"), m_countByDim[2]);
  s.setValue(QStringLiteral("trainPercent"), m_state.trainPercent);
  s.setValue(QStringLiteral("noise"), m_state.noise);
  s.setValue(QStringLiteral("sampling"), m_state.random ? 1 : 0);
  s.setValue(QStringLiteral("seed"), m_state.seed);
  s.setValue(QStringLiteral("ridge"), m_ridge);
  s.setValue(QStringLiteral("time"), m_timeSlider->position());
  s.setValue(QStringLiteral("gd"), m_gdCheck->isChecked());
  s.setValue(QStringLiteral("speed"), m_transport->speed());
  s.setValue(QStringLiteral("loop"), m_transport->loops());
  s.setValue(QStringLiteral("splitter"), m_splitter->saveState());
  s.setValue(QStringLiteral("rightSplitter"), m_rightSplitter->saveState());
}

bool DynamicsPanel::isBusy() const
{
  return m_watcher->isRunning() || m_pending || m_coalesce->isActive() || m_evalWatcher->isRunning() || m_evalPending ||
         m_finite->isRunning();
}

TargetPreset DynamicsPanel::targetPreset() const
{
  return datasetInputDim(m_state.dataset) == 1 ? TargetPreset(int(m_state.dataset)) : TargetPreset::SumOfSines;
}

int DynamicsPanel::requiredInputDim() const { return datasetInputDim(m_state.dataset); }

QString DynamicsPanel::requiredInputPurpose() const
{
  return requiredInputDim() == 1 ? tr("the 1-D targets train on x ∈ [0, 1)") : tr("the 2-D data sets train on points of the plane");
}

bool DynamicsPanel::showsNtk() const { return m_kindCombo->currentIndex() == 0; }

KernelKind DynamicsPanel::kind() const { return showsNtk() ? KernelKind::Ntk : KernelKind::Nngp; }

bool DynamicsPanel::gdOn() const { return m_gdCheck->isChecked(); }

double DynamicsPanel::eta() const { return m_eta; }

bool DynamicsPanel::acceptOrMark(RefusalMark& mark, bool ok, const QString& reason)
{
  if (ok) {
    mark.clear();
    return true;
  }
  mark.set(reason);
  emit statusMessage(tr("Refused: %1 — nothing recomputed until it is fixed").arg(reason));
  return false;
}

double DynamicsPanel::time() const { return m_exactTime >= 0.0 ? m_exactTime : m_timeSlider->time(); }

QSlider* DynamicsPanel::timeSlider() const { return m_timeSlider->slider(); }

bool DynamicsPanel::isPlaying() const { return m_playTimer->isActive(); }

QString DynamicsPanel::pointCountText() const { return m_countLabel->text(); }

void DynamicsPanel::setTime(double t)
{
  m_exactTime = -1.0;
  m_timeSlider->setTime(t);
  onTimeChanged();
}

void DynamicsPanel::setExactTime(double t)
{
  m_settingExact = true;
  m_timeSlider->setTime(t);
  m_settingExact = false;
  m_exactTime = t;
  m_timeSlider->updateLabel();
  requestEvaluation();
}

void DynamicsPanel::onTimeChanged()
{
  if (!m_settingExact) m_exactTime = -1.0; // the user moved the slider: its t counts again
  m_timeSlider->updateLabel();
  updateInfo(); // the loss bound is at this t
  requestEvaluation();
}

void DynamicsPanel::setTargetPreset(TargetPreset preset) { setDataset(DynamicsDataset(int(preset))); }

void DynamicsPanel::setShowNtk(bool ntk) { m_kindCombo->setCurrentIndex(ntk ? 0 : 1); }

void DynamicsPanel::setRidge(double relativeRidge) { m_ridgeSpin->setValue(relativeRidge); }

void DynamicsPanel::setDataset(DynamicsDataset dataset)
{
  if (dataset == m_state.dataset) {
    showStateInControls(); // the combo may have been moved programmatically
    return;
  }
  PlaygroundState next = m_state;
  next.dataset = dataset;
  const int dim = datasetInputDim(dataset);
  if (dim != datasetInputDim(m_state.dataset)) {
    m_countByDim[datasetInputDim(m_state.dataset)] = m_state.count;
    next.count = m_countByDim[dim];
    next = resampled(next);
  } else if (dim == 2) {
    next = resampled(next);
  } // 1-D → 1-D: the same x's, on the new target (refreshed when the state is applied)
  pushEdit(tr("Data: %1").arg(datasetLabel(dataset)), next);
}

void DynamicsPanel::setSampling(int count, bool random, int seed)
{
  PlaygroundState next = m_state;
  next.count = count;
  next.random = random;
  next.seed = seed;
  pushEdit(tr("Resample %1 points (seed %2)").arg(count).arg(seed), resampled(next));
}

void DynamicsPanel::setNoise(double noiseStd)
{
  PlaygroundState next = m_state;
  next.noise = noiseStd;
  pushEdit(tr("Resample %1 points (noise σ = %2)").arg(next.count).arg(noiseStd), resampled(next));
}

void DynamicsPanel::setTrainPercent(int percent)
{
  PlaygroundState next = m_state;
  next.trainPercent = percent;
  pushEdit(tr("Resample %1 points (train %2 %)").arg(next.count).arg(percent), resampled(next));
}

void DynamicsPanel::setGradientDescent(bool on, double etaValue)
{
  if (etaValue > 0.0) m_etaSpin->setValue(etaValue);
  m_gdCheck->setChecked(on);
}

void DynamicsPanel::setPlaying(bool on)
{
  m_transport->setPlaying(on);
  if (!on) {
    if (m_playTimer->isActive()) {
      m_playTimer->stop();
      saveSettings();
    }
    return;
  }
  // From the end (t = ∞), play starts again at the beginning.
  if (m_timeSlider->position() > kSliderLogSteps) {
    m_exactTime = -1.0;
    m_timeSlider->setPosition(0);
  }
  m_playAccumulator = 0.0;
  m_playTimer->start();
  if (m_finiteBar->isOn() && m_finite->runs().empty() && !m_finite->isRunning()) startFiniteTraining(); // Play trains them live
}

void DynamicsPanel::advanceFrame()
{
  m_playAccumulator += kNotchesPerFrame * m_transport->speed();
  const int notches = int(m_playAccumulator);
  if (notches == 0) return;
  m_playAccumulator -= notches;
  const int next = m_timeSlider->position() + notches;
  if (next <= kSliderLogSteps) {
    m_timeSlider->setPosition(next);
    return;
  }
  if (m_transport->loops()) {
    m_timeSlider->setPosition(0);
    return;
  }
  m_timeSlider->setPosition(kSliderLogSteps + 1); // t = ∞, and stop there
  setPlaying(false);
}

void DynamicsPanel::stepForward()
{
  if (gdOn() && eta() > 0.0) {
    // One gradient-descent step: t = η(s + 1) for the current s = round(t/η).
    const double t = time();
    const long long s = std::isinf(t) ? gradientDescentSteps(std::pow(10.0, kLogTimeMax), eta()) : gradientDescentSteps(t, eta());
    setExactTime(eta() * double(s + 1));
    return;
  }
  // One notch; from an exact t (after Reset) to the notch at or after it.
  const int position = m_timeSlider->position();
  if (m_exactTime >= 0.0 && m_exactTime < timeForSliderPosition(position)) {
    m_exactTime = -1.0;
    onTimeChanged();
    return;
  }
  if (position <= kSliderLogSteps) m_timeSlider->setPosition(position + 1);
}

void DynamicsPanel::resetTime()
{
  setPlaying(false);
  setExactTime(0.0);
  saveSettings();
}

PlaygroundState DynamicsPanel::resampled(PlaygroundState s) const
{
  if (datasetInputDim(s.dataset) == 2) {
    s.points = samplePlaneData(planeDataset(s.dataset), s.count, s.trainPercent, s.noise, std::uint64_t(s.seed));
  } else {
    s.points = sampleLineData(s.count, s.random, s.trainPercent, s.noise, std::uint64_t(s.seed));
    const TargetPreset preset = TargetPreset(int(s.dataset));
    refreshLineTargets(s.points.train, preset, m_target);
    refreshLineTargets(s.points.test, preset, m_target);
  }
  return s;
}

void DynamicsPanel::pushEdit(const QString& text, PlaygroundState after) { pushEdit(text, std::move(after), m_state); }

void DynamicsPanel::pushEdit(const QString& text, PlaygroundState after, PlaygroundState before)
{
  // The step records the document's edit context (the main window keeps it at the current tab).
  // push() runs the step's redo, which applies `after` through restoreState.
  using PointEdit = PanelStateCommand<DynamicsPanel, PlaygroundState>;
  m_doc->undoStack()->push(new PointEdit(m_doc, this, &DynamicsPanel::restoreState, text, std::move(before), std::move(after)));
}

void DynamicsPanel::restoreState(const PlaygroundState& state)
{
  const int oldDim = datasetInputDim(m_state.dataset);
  const DynamicsDataset oldDataset = m_state.dataset;
  m_state = state;
  clearFinite(); // trained on other points
  m_countByDim[datasetInputDim(m_state.dataset)] = m_state.count;
  m_dragging = false;
  if (oldDataset != m_state.dataset) resampleTarget();
  refreshPointTargets();
  showStateInControls();
  saveSettings();
  if (oldDim != datasetInputDim(m_state.dataset)) {
    // The plots of the other dimension must not stay on screen (nor be exported) as this one's.
    m_build = DynamicsBuild{};
    m_buildShared.reset();
    m_prediction = Prediction{};
    m_predictionTime = -1.0;
    updateAvailability();
    updateResiduals();
  }
  updateCountLabel();
  updateInfo();
  showPrediction();
  updateLoss(false);
  scheduleRecompute();
}

void DynamicsPanel::showStateInControls()
{
  const QSignalBlocker b1(m_dataCombo), b2(m_samplingCombo);
  m_dataCombo->setCurrentIndex(int(m_state.dataset));
  m_countSpin->setValueQuietly(m_state.count);
  m_trainPercentSpin->setValueQuietly(m_state.trainPercent);
  m_noiseSpin->setValueQuietly(m_state.noise);
  m_samplingCombo->setCurrentIndex(m_state.random ? 1 : 0);
  m_seedSpin->setValueQuietly(m_state.seed);
  const bool plane = datasetInputDim(m_state.dataset) == 2;
  m_samplingCombo->setEnabled(!plane);
  m_dataStack->setCurrentIndex(plane ? 1 : 0);
  m_playground->setDrawingEnabled(!plane && targetPreset() == TargetPreset::UserDrawn);
  m_finiteBar->setAvailable(!plane, tr("Real networks train on the 1-D targets only (the 2-D sets are not offered yet)."));
  updateCountLabel();
}

void DynamicsPanel::updateCountLabel()
{
  // The count the plots show: the training points drawn (filled) and the held-out ones (rings).
  m_countLabel->setText(tr("%1 training · %2 test points ·").arg(m_state.points.train.size()).arg(m_state.points.test.size()));
}

void DynamicsPanel::resampleTarget()
{
  const Eigen::VectorXd grid = dynamicsTestGrid();
  const TargetPreset preset = targetPreset();
  if (preset == TargetPreset::UserDrawn) {
    // Start drawing from the curve the user was looking at.
    if (m_drawnTarget.size() != grid.size()) {
      m_drawnTarget = m_target.size() == grid.size() ? m_target : Eigen::VectorXd(grid.size());
      if (m_target.size() != grid.size())
        for (Eigen::Index i = 0; i < grid.size(); ++i) m_drawnTarget(i) = presetTargetValue(TargetPreset::SumOfSines, grid(i));
    }
    m_target = m_drawnTarget;
    return;
  }
  m_target.resize(grid.size());
  for (Eigen::Index i = 0; i < grid.size(); ++i) m_target(i) = presetTargetValue(preset, grid(i));
}

void DynamicsPanel::refreshPointTargets()
{
  if (datasetInputDim(m_state.dataset) != 1) return;
  refreshLineTargets(m_state.points.train, targetPreset(), m_target);
  refreshLineTargets(m_state.points.test, targetPreset(), m_target);
}

void DynamicsPanel::addPoint(double x, double y, bool atGivenY)
{
  if (datasetInputDim(m_state.dataset) != 1) return;
  PlaygroundState next = m_state;
  TrainingPoint pt;
  pt.x = std::clamp(x, 0.0, std::nextafter(1.0, 0.0));
  pt.onTarget = !atGivenY;
  pt.y = y;
  next.points.train.push_back(pt);
  refreshLineTargets(next.points.train, targetPreset(), m_target);
  next.count = int(next.points.train.size());
  const TrainingPoint& added = next.points.train.back();
  pushEdit(tr("Add point %1").arg(pointText(added.x, added.y)), next);
  emit statusMessage(tr("Point added at x = %1 (%2 points)").arg(added.x, 0, 'f', 3).arg(pointCount()));
}

void DynamicsPanel::addPlanePoint(double u, double v, double label)
{
  if (datasetInputDim(m_state.dataset) != 2) return;
  PlaygroundState next = m_state;
  TrainingPoint pt;
  const double below1 = std::nextafter(1.0, 0.0);
  pt.x = std::clamp(u, 0.0, below1);
  pt.x2 = std::clamp(v, 0.0, below1);
  pt.label = label >= 0 ? 1.0 : -1.0;
  pt.y = pt.label;
  pt.onTarget = false;
  next.points.train.push_back(pt);
  next.count = int(next.points.train.size());
  pushEdit(tr("Add %1 point %2").arg(pt.label > 0 ? QStringLiteral("+1") : QStringLiteral("−1"), pointText(pt.x, pt.x2)), next);
  emit statusMessage(tr("Point added (%1 points)").arg(pointCount()));
}

void DynamicsPanel::removePoint(int index)
{
  if (index < 0 || index >= pointCount()) return;
  if (pointCount() <= 1) {
    emit statusMessage(tr("The last training point cannot be removed"));
    return;
  }
  PlaygroundState next = m_state;
  const TrainingPoint pt = next.points.train[size_t(index)];
  next.points.train.erase(next.points.train.begin() + index);
  next.count = int(next.points.train.size());
  pushEdit(tr("Remove point %1").arg(pointText(pt.x, datasetInputDim(m_state.dataset) == 2 ? pt.x2 : pt.y)), next);
  emit statusMessage(tr("Point removed (%1 points)").arg(pointCount()));
}

void DynamicsPanel::updateAvailability()
{
  const Network& net = m_doc->networkFor(objectName());
  const QString reason = networkRequirementReason(net, requiredInputDim());
  const bool changed = reason != m_unavailable || requiredInputDim() != m_lastRequiredDim;
  m_unavailable = reason;
  m_lastRequiredDim = requiredInputDim();
  if (!m_unavailable.isEmpty()) {
    // What was computed for another network must not be shown or exported as this one's.
    m_build = DynamicsBuild{};
    m_buildShared.reset();
    m_prediction = Prediction{};
    m_predictionTime = -1.0;
  }
  m_note = m_unavailable.isEmpty() && net.outputDim() > 1
               ? tr("%1 outputs share one kernel (Θ ⊗ I): output 1 is shown.").arg(net.outputDim())
               : QString();
  m_noteLabel->setText(m_note);
  m_noteLabel->setVisible(!m_note.isEmpty());
  m_messageLabel->setText(m_unavailable);
  m_stack->setCurrentIndex(m_unavailable.isEmpty() ? 0 : 1);
  if (!m_unavailable.isEmpty()) {
    updateInfo();
    updateResiduals();
    updateLoss(true);
    showPrediction();
  }
  if (changed) emit requirementChanged();
}

void DynamicsPanel::scheduleRecompute()
{
  m_dirty = false;
  m_pending = true;
  stopJob(); // a newer request cancels the older one
  m_coalesce->start();
}

void DynamicsPanel::cancel()
{
  if (isBusy()) m_dirty = true; // the plots may be stale: rebuilt on the next show
  m_pending = false;
  m_coalesce->stop();
  m_evalPending = false;
  stopJob();
  m_finite->stop();
  setPlaying(false);
}

void DynamicsPanel::startJob()
{
  if (m_watcher->isRunning()) return; // onJobFinished starts the pending job
  m_pending = false;
  if (!m_unavailable.isEmpty()) {
    emit statusMessage(tr("Dynamics: %1").arg(m_unavailable.section(QLatin1Char('\n'), 0, 0)));
    if (!isBusy()) emit idle();
    return;
  }
  const Network net = m_doc->networkFor(objectName());
  const KernelKind k = kind();
  const PointSet points = m_state.points;
  const int dim = requiredInputDim();
  const double ridge = m_ridge;
  const int generation = ++m_generation;
  launchJob(m_watcher, [net, k, points, dim, ridge, generation](const JobFlags& flags) {
    DynamicsBuild b = buildDynamics(net, k, points, dim, ridge, flags.control());
    b.generation = generation;
    return b;
  });
  emit statusMessage(tr("Building the %1 dynamics on %2 points…").arg(showsNtk() ? tr("NTK") : tr("NNGP")).arg(points.train.size()));
}

void DynamicsPanel::onJobFinished()
{
  DynamicsBuild r = m_watcher->future().result();
  if (m_pending) {
    startJob(); // superseded: drop this result, run the newest request
    return;
  }
  endJob();
  if (r.generation != m_generation) { // computeNow() replaced it meanwhile
    if (!isBusy()) emit idle();
    return;
  }
  if (r.cancelled) {
    emit statusMessage(tr("Dynamics cancelled — the plots still show the previous result"));
  } else if (!r.error.isEmpty() || !r.dynamics) {
    emit statusMessage(tr("Dynamics not computed: %1 — the plots still show the previous result").arg(r.error));
  } else {
    applyBuild(std::move(r));
  }
  if (!isBusy()) emit idle();
}

void DynamicsPanel::applyBuild(DynamicsBuild build)
{
  m_build = std::move(build);
  m_buildShared = std::make_shared<const DynamicsBuild>(m_build);
  ++m_buildCount;
  if (!m_etaUserSet && m_build.maxStableRate > 0.0 && std::isfinite(m_build.maxStableRate)) {
    const QSignalBlocker block(m_etaSpin);
    m_etaSpin->setValue(0.5 * m_build.maxStableRate);
    m_eta = m_etaSpin->value();
    m_etaMark->clear();
  }
  // Evaluate at the current t right here, and time it: that decides how the slider evaluates.
  QElapsedTimer timer;
  timer.start();
  m_prediction = evaluateDynamics(m_build, time(), gdOn(), eta(), &m_evalFailure);
  m_lastEvalMs = timer.nsecsElapsed() * 1e-6;
  m_predictionTime = time();
  m_timeSlider->updateLabel();
  updateInfo();
  updateResiduals();
  updateLoss(true);
  showPrediction();
  if (std::exchange(m_trainAfterBuild, false) && std::isfinite(time())) {
    m_finiteBar->setSteps(std::max(1LL, gradientDescentSteps(time(), eta())));
    startFiniteTraining();
  }
  // testSize() counts the plot's grid as well as the held-out points: say both.
  emit statusMessage(tr("Dynamics on %1 training points (%2 held-out + %3 plot points evaluated) built in %4 ms; one t-evaluation %5 ms")
                         .arg(m_build.dynamics->trainSize())
                         .arg(m_state.points.test.size())
                         .arg(m_build.dynamics->testSize() - Eigen::Index(m_state.points.test.size()))
                         .arg(m_build.seconds * 1000.0, 0, 'f', 1)
                         .arg(m_lastEvalMs, 0, 'f', 2));
}

bool DynamicsPanel::computeNow(QString* error)
{
  stopJob();
  m_pending = false;
  m_coalesce->stop();
  m_watcher->waitForFinished();
  m_evalWatcher->waitForFinished();
  m_evalPending = false;
  m_dirty = false;
  updateAvailability();
  if (!m_unavailable.isEmpty()) {
    if (error) *error = m_unavailable;
    return false;
  }
  DynamicsBuild b = buildDynamics(m_doc->networkFor(objectName()), kind(), m_state.points, requiredInputDim(), m_ridge);
  if (!b.dynamics) {
    if (error) *error = b.error.isEmpty() ? tr("cancelled") : b.error;
    return false;
  }
  b.generation = ++m_generation;
  applyBuild(std::move(b));
  return true;
}

void DynamicsPanel::requestEvaluation()
{
  if (!m_build.dynamics) {
    showPrediction();
    updateResiduals();
    updateLoss(false);
    return;
  }
  if (m_lastEvalMs < m_syncEvalLimitMs && !m_evalWatcher->isRunning()) {
    QElapsedTimer timer;
    timer.start();
    m_prediction = evaluateDynamics(m_build, time(), gdOn(), eta(), &m_evalFailure);
    m_lastEvalMs = timer.nsecsElapsed() * 1e-6;
    m_predictionTime = time();
    showPrediction();
    updateResiduals();
    updateLoss(false);
    return;
  }
  // Too slow for the GUI thread: evaluate off-thread, only ever the newest t (coalescing).
  m_evalPending = true;
  if (!m_evalWatcher->isRunning()) startEvaluation();
  updateResiduals(); // cheap: the vertical line and the bars follow the slider at once
  updateLoss(false);
}

void DynamicsPanel::startEvaluation()
{
  m_evalPending = false;
  Evaluation e;
  e.build = m_buildShared;
  e.t = time();
  e.gd = gdOn();
  e.eta = eta();
  m_evalWatcher->setFuture(QtConcurrent::run([e]() mutable {
    QElapsedTimer timer;
    timer.start();
    e.prediction = evaluateDynamics(*e.build, e.t, e.gd, e.eta, &e.failure);
    e.milliseconds = timer.nsecsElapsed() * 1e-6;
    return e;
  }));
}

void DynamicsPanel::onEvaluationFinished()
{
  Evaluation e = m_evalWatcher->future().result();
  m_lastEvalMs = e.milliseconds;
  if (e.build == m_buildShared) {
    m_prediction = std::move(e.prediction);
    m_evalFailure = e.failure;
    m_predictionTime = e.t;
    showPrediction();
  }
  if (m_evalPending && m_buildShared)
    startEvaluation();
  else if (!isBusy())
    emit idle();
}

void DynamicsPanel::showPrediction()
{
  if (!m_unavailable.isEmpty()) {
    RegressionPlotData message;
    message.message = m_unavailable;
    m_playground->setData(std::move(message));
    return;
  }
  const bool have = m_build.dynamics && m_build.inputDim == requiredInputDim() && m_prediction.mean.size() > 0;
  if (requiredInputDim() == 2) {
    PlanePlotData d = planePlotData(m_state.points, have ? &m_prediction : nullptr, kind(), time(), gdOn(), eta());
    if (!m_evalFailure.isEmpty()) d.warning = m_evalFailure;
    m_planePlayground->setData(std::move(d));
    return;
  }
  RegressionPlotData d = regressionPlotData(m_target, m_state.points, have ? &m_build : nullptr, have ? &m_prediction : nullptr,
                                            kind(), time(), gdOn(), eta());
  if (!m_evalFailure.isEmpty()) d.warning = m_evalFailure;
  addFiniteCurves(d);
  m_playground->setData(std::move(d));
}

void DynamicsPanel::updateResiduals()
{
  if (!m_unavailable.isEmpty()) {
    m_residualData = ModeResidualData{};
    m_residualData.message = m_unavailable;
  } else if (m_build.dynamics) {
    m_residualData = modeResidualData(m_build, time(), gdOn(), eta());
  } else {
    m_residualData = ModeResidualData{};
    m_residualData.message = tr("computing…");
  }
  m_residualPlot->setData(m_residualData);
}

void DynamicsPanel::updateLoss(bool curvesToo)
{
  if (!m_unavailable.isEmpty() || !m_build.dynamics) {
    m_lossData = LossPlotData{};
    m_lossData.message = m_unavailable.isEmpty() ? tr("computing…") : m_unavailable;
  } else if (curvesToo || m_lossData.times.size() == 0) {
    m_lossData = lossPlotData(m_build, time(), gdOn(), eta());
  } else {
    setLossTime(m_lossData, m_build, time(), gdOn(), eta());
  }
  m_lossPlot->setData(m_lossData);
}

QString DynamicsPanel::timeLabelText(double t) const
{
  QString text = tr("t = %1").arg(t == 0.0 ? QStringLiteral("0") : formatTime(t));
  if (gdOn() && eta() > 0.0 && !std::isinf(t)) text += tr("  (s = t/η = %1 steps)").arg(qlonglong(gradientDescentSteps(t, eta())));
  return text;
}

void DynamicsPanel::updateInfo()
{
  if (!m_unavailable.isEmpty() || !m_build.dynamics) {
    m_infoLabel->setText(m_unavailable.isEmpty() ? tr("computing…") : QString());
    return;
  }
  QString text = tr("cond(H) = %1 · λ_max(H) = %2 · max stable η = 2/λ_max = %3")
                     .arg(m_build.conditionNumber, 0, 'g', 3)
                     .arg(m_build.lambdaMax, 0, 'g', 3)
                     .arg(m_build.maxStableRate, 0, 'g', 3);
  if (gdOn()) {
    const double ratio = m_build.maxStableRate > 0 ? eta() / m_build.maxStableRate : 0.0;
    text += tr(" · η/η_max = %1 %2").arg(ratio, 0, 'g', 3).arg(ratio < 1.0 ? tr("(stable)") : tr("(diverges!)"));
  }
  if (m_build.dynamics->trainSize() != Eigen::Index(pointCount())) text += tr(" · updating…");
  if (m_build.hasTheory) text += QLatin1Char('\n') + theoryText();
  m_infoLabel->setText(text);
}

void DynamicsPanel::paintFigure(QPainter& p, const QRectF& rect) const
{
  DynamicsFigure figure;
  figure.inputDim = requiredInputDim();
  if (!m_unavailable.isEmpty()) {
    figure.regression.message = m_unavailable;
    figure.plane.message = m_unavailable;
  } else {
    figure.regression = m_playground->data();
    figure.plane = m_planePlayground->data();
    figure.regression.selectedPoint = figure.plane.selectedPoint = -1;
  }
  figure.loss = m_lossData;
  figure.residuals = m_residualData;
  paintDynamicsFigure(p, rect, figure);
}

bool DynamicsPanel::exportView(const QString& path, QString* error)
{
  m_exportSummary.clear(); // "Exported PATH" unless the columns need saying
  // The figure is written even without a prediction (it shows why); the data needs one.
  Eigen::MatrixXd out;
  if (requiredInputDim() == 1 && m_prediction.mean.size() == kDynamicsTestPoints) {
    out.resize(kDynamicsTestPoints, 4);
    out.col(0) = dynamicsTestGrid();
    out.col(1) = m_target;
    out.col(2) = m_prediction.mean;
    out.col(3) = m_prediction.variance.size() ? m_prediction.variance : Eigen::VectorXd::Zero(kDynamicsTestPoints);
    QStringList names{QStringLiteral("x"), QStringLiteral("target"), QStringLiteral("mean"), QStringLiteral("variance")};
    if (const long long step = finiteShownStep(); step >= 0) {
      const Eigen::MatrixXd finite = finiteNetworkColumns(m_finite->runs(), step, kDynamicsTestPoints, &names);
      out.conservativeResize(Eigen::NoChange, 4 + finite.cols());
      out.rightCols(finite.cols()) = finite;
    }
    m_exportSummary = tr("Exported %1 (columns: %2)").arg(path, names.join(QStringLiteral(", ")));
  } else if (requiredInputDim() == 2 && m_prediction.mean.size() == Eigen::Index(kPlaneGrid) * kPlaneGrid) {
    out.resize(m_prediction.mean.size(), 3);
    out.leftCols(2) = planeTestGrid();
    out.col(2) = m_prediction.mean;
  }
  return exportFigureOrMatrix(path, QSize(1800, 820), out, error,
                              m_unavailable.isEmpty() ? tr("nothing to export yet") : m_unavailable);
}

} // namespace ntk::gui
