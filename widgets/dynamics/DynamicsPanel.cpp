#include "widgets/dynamics/DynamicsPanel.h"

#include <algorithm>
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
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include "widgets/common/DecadeSpinBox.h"
#include "widgets/common/FigurePainter.h"
#include "widgets/common/LogTimeSlider.h"
#include "widgets/dynamics/ModeResidualPlot.h"
#include "widgets/network/NetworkDocument.h"
#include "widgets/dynamics/RegressionPlayground.h"

namespace ntk::gui {

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
  const QString flowTip = tr("Gradient flow on L = (1/2m) Σ_i (f(x_i) − y_i)² of the infinitely wide network:\n"
                             "  ḟ_t(x) = −(1/m) Θ(x,X) (f_t(X) − Y),  f_0 ~ GP(0, K)\n"
                             "Mean and variance at time t (g_t = Θ⁻¹(I − e^{−Θt/m})):\n"
                             "  μ_t(x) = Θ(x,X) g_t Y\n"
                             "  σ²_t(x) = K(x,x) + Θ(x,X) g_t K(X,X) g_t Θ(X,x) − 2 Θ(x,X) g_t K(X,x)\n"
                             "t = ∞ is kernel (ridge) regression: μ_∞(x) = Θ(x,X) Θ(X,X)⁻¹ Y.");
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);

  auto* row1 = new QHBoxLayout;
  m_kindCombo = new QComboBox;
  m_kindCombo->addItem(tr("NTK-GP"));
  m_kindCombo->addItem(tr("NNGP"));
  m_kindCombo->setToolTip(tr("NTK-GP: every layer trained by gradient flow; the band is the spread of f_t over random "
                             "initialisations.\nNNGP: only the readout trained (Θ = K); at t = ∞ the exact GP posterior\n"
                             "  σ²_t(x) = K(x,x) − K(x,X) K⁻¹ (I − e^{−2Kt/m}) K(X,x).\n\n") + flowTip);
  row1->addWidget(new QLabel(tr("Kernel")));
  row1->addWidget(m_kindCombo);
  m_targetCombo = new QComboBox;
  m_targetCombo->addItem(tr("sum of sines"));
  m_targetCombo->addItem(tr("step"));
  m_targetCombo->addItem(tr("user-drawn"));
  m_targetCombo->setToolTip(tr("Target function y(x), drawn as the faint curve:\n"
                               "sum of sines: sin 2πx + ½ sin 6πx + ¼ sin 14πx + ⅛ sin 30πx (frequencies 1, 3, 7, 15)\n"
                               "step: −1 for x < ½, +1 after\n"
                               "user-drawn: drag with the left mouse button on empty space of the plot to draw it"));
  row1->addWidget(new QLabel(tr("Target")));
  row1->addWidget(m_targetCombo);
  m_countSpin = new QSpinBox;
  m_countSpin->setRange(1, 256);
  m_countSpin->setValue(32);
  m_countSpin->setKeyboardTracking(false);
  m_countSpin->setToolTip(tr("Number of training points m sampled from the target (resamples; clicked points are replaced)"));
  row1->addWidget(new QLabel(tr("Points")));
  row1->addWidget(m_countSpin);
  m_samplingCombo = new QComboBox;
  m_samplingCombo->addItem(tr("evenly spaced"));
  m_samplingCombo->addItem(tr("random"));
  m_samplingCombo->setToolTip(tr("evenly spaced: x_i = i/m;  random: uniform on [0, 1) from the seed"));
  row1->addWidget(m_samplingCombo);
  m_seedSpin = new QSpinBox;
  m_seedSpin->setRange(0, 999999);
  m_seedSpin->setValue(1);
  m_seedSpin->setPrefix(tr("seed "));
  m_seedSpin->setKeyboardTracking(false);
  m_seedSpin->setToolTip(tr("Seed of the random points"));
  QWidget* seedSpin = m_seedSpin; // placed on the second row below
  m_ridgeSpin = new DecadeSpinBox(0.0, 10.0);
  m_ridgeSpin->setValue(0.0);
  m_ridgeSpin->setToolTip(tr("Relative ridge (observation noise) λ: Θ(X,X) → Θ(X,X) + λ·mean diag Θ(X,X)·I.\n"
                             "0 interpolates the training points at t = ∞ (μ_∞ = Y, σ²_∞ = 0 there).\n"
                             "Arrows step by ×√10."));
  row1->addStretch(1);
  layout->addLayout(row1);
  // Ridge and gradient descent on a row of their own, so the panel fits a small screen.
  auto* row1b = new QHBoxLayout;
  row1b->addWidget(seedSpin);
  row1b->addWidget(new QLabel(tr("Ridge")));
  row1b->addWidget(m_ridgeSpin);

  m_timeSlider = new LogTimeSlider(kLogTimeMin, kLogTimeMax, kSliderLogSteps);
  m_timeSlider->setSweepDuration(4000, 30);
  m_timeSlider->playButton()->setToolTip(tr("Sweep t log-uniformly from 10⁻³ to ∞ over about four seconds"));
  m_timeSlider->slider()->setToolTip(tr("Training time t, log scale from 10⁻³ to 10⁶; the right end is t = ∞.\n\n") + flowTip);
  m_timeSlider->setLabelWidthSample(QStringLiteral("t = 1.00e+06 (s = 000000)"));
  m_gdCheck = new QCheckBox(tr("GD"));
  m_gdCheck->setToolTip(tr("Gradient descent with learning rate η instead of gradient flow: after s = t/η steps,\n"
                           "  f_{s+1}(X) = f_s(X) − (η/m) Θ(X,X)(f_s(X) − Y),  so e^{−λ_k t} → (1 − ηλ_k)^s.\n"
                           "Stable only for η < 2/λ_max(H), H = Θ(X,X)/m."));
  row1b->addWidget(m_gdCheck);
  m_etaSpin = new DecadeSpinBox(1e-9, 1e9, tr("η = "));
  m_etaSpin->setValue(0.1);
  m_etaSpin->setEnabled(false);
  m_etaSpin->setToolTip(tr("Learning rate η; the default is half the largest stable one, η = ½·2/λ_max.\n"
                           "η > 2/λ_max: the leading mode grows as |1 − ηλ_max|^s — gradient descent diverges."));
  row1b->addWidget(m_etaSpin);
  row1b->addStretch(1);
  layout->addLayout(row1b);
  layout->addWidget(m_timeSlider);

  m_infoLabel = new QLabel;
  m_infoLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_infoLabel->setToolTip(tr("H = Θ(X,X)/m (plus ridge): its eigenvalues λ_k set the rate of each mode, e^{−λ_k t}.\n"
                             "cond(H) = λ_max/λ_min; gradient descent converges only for η < 2/λ_max."));
  layout->addWidget(m_infoLabel);
  m_noteLabel = new QLabel;
  m_noteLabel->setWordWrap(true);
  m_noteLabel->setStyleSheet(QStringLiteral("QLabel { color: #8a5a00; }"));
  m_noteLabel->setVisible(false);
  layout->addWidget(m_noteLabel);

  m_stack = new QStackedWidget;
  m_splitter = new QSplitter(Qt::Horizontal);
  m_splitter->setObjectName(QStringLiteral("dynamicsSplitter"));
  m_playground = new RegressionPlayground;
  m_playground->setToolTip(tr("Click: add a training point on the target (Shift+click: at the clicked height).\n"
                              "Drag a point: move it along the target (Shift: freely).\n"
                              "Right-click a point, or select it and press Delete: remove it.\n"
                              "Target 'user-drawn': drag on empty space to draw the target curve.\n\n") + flowTip);
  m_residualPlot = new ModeResidualPlot;
  m_residualPlot->setToolTip(tr("Residual in each eigen-direction of H = Θ(X,X)/m = V diag(λ) Vᵀ:\n"
                                "  r_t = Vᵀ(f_t(X) − Y) = e^{−λ t} ∘ Vᵀ(f_0(X) − Y)\n"
                                "Large λ (smooth, low-frequency modes) are fitted first; small λ (high frequency) last.\n"
                                "Bars: the fraction |r_k(t)|/|r_k(0)| still left at the current t."));
  m_splitter->addWidget(m_playground);
  m_splitter->addWidget(m_residualPlot);
  m_splitter->setStretchFactor(0, 11);
  m_splitter->setStretchFactor(1, 9);
  m_stack->addWidget(m_splitter);
  m_messageLabel = new QLabel;
  m_messageLabel->setWordWrap(true);
  m_messageLabel->setAlignment(Qt::AlignCenter);
  m_messageLabel->setMargin(24);
  m_messageLabel->setObjectName(QStringLiteral("dynamicsMessage"));
  m_stack->addWidget(m_messageLabel);
  layout->addWidget(m_stack, 1);

  m_coalesce = new QTimer(this);
  m_coalesce->setSingleShot(true);
  m_coalesce->setInterval(0);

  restoreSettings();
  m_seedSpin->setEnabled(m_samplingCombo->currentIndex() == 1);
  m_etaSpin->setEnabled(m_gdCheck->isChecked());
  resampleTarget();
  resamplePoints();
  updateAvailability();
  m_timeSlider->setLabelFormatter([this](double t) { return timeLabelText(t); });
  updateInfo();
  showPrediction();

  connect(m_coalesce, &QTimer::timeout, this, &DynamicsPanel::startJob);
  connect(m_watcher, &QFutureWatcher<DynamicsBuild>::finished, this, &DynamicsPanel::onJobFinished);
  connect(m_evalWatcher, &QFutureWatcher<Evaluation>::finished, this, &DynamicsPanel::onEvaluationFinished);
  connect(m_doc, &NetworkDocument::changed, this, [this] {
    if (!isVisible()) {
      m_dirty = true; // hidden: rebuilt when shown
      return;
    }
    updateAvailability();
    scheduleRecompute();
  });
  connect(m_kindCombo, &QComboBox::currentIndexChanged, this, [this] {
    saveSettings();
    scheduleRecompute();
  });
  connect(m_targetCombo, &QComboBox::currentIndexChanged, this, [this] {
    saveSettings();
    resampleTarget();
    refreshPointTargets();
    showPrediction();
    scheduleRecompute();
  });
  auto resample = [this] {
    m_seedSpin->setEnabled(m_samplingCombo->currentIndex() == 1);
    saveSettings();
    resamplePoints();
    showPrediction();
    scheduleRecompute();
  };
  connect(m_countSpin, &QSpinBox::valueChanged, this, resample);
  connect(m_seedSpin, &QSpinBox::valueChanged, this, resample);
  connect(m_samplingCombo, &QComboBox::currentIndexChanged, this, resample);
  connect(m_ridgeSpin, &QDoubleSpinBox::valueChanged, this, [this] {
    saveSettings();
    scheduleRecompute();
  });
  connect(m_timeSlider, &LogTimeSlider::timeChanged, this, &DynamicsPanel::requestEvaluation);
  connect(m_timeSlider, &LogTimeSlider::timeSettled, this, &DynamicsPanel::saveSettings);
  connect(m_gdCheck, &QCheckBox::toggled, this, [this](bool on) {
    m_etaSpin->setEnabled(on);
    saveSettings();
    m_timeSlider->updateLabel();
    updateInfo();
    requestEvaluation();
  });
  connect(m_etaSpin, &QDoubleSpinBox::valueChanged, this, [this] {
    m_etaUserSet = true; // programmatic defaults are set under a QSignalBlocker
    m_timeSlider->updateLabel();
    updateInfo();
    if (gdOn()) requestEvaluation();
  });
  connect(m_splitter, &QSplitter::splitterMoved, this, &DynamicsPanel::saveSettings);

  connect(m_playground, &RegressionPlayground::addPointRequested, this, &DynamicsPanel::addPoint);
  connect(m_playground, &RegressionPlayground::removePointRequested, this, &DynamicsPanel::removePoint);
  connect(m_playground, &RegressionPlayground::pointDragged, this, [this](int i, double x, double y, bool free) {
    if (i < 0 || i >= int(m_points.size())) return;
    TrainingPoint& pt = m_points[size_t(i)];
    pt.x = x;
    pt.onTarget = !free;
    pt.y = free ? y : (targetPreset() == TargetPreset::UserDrawn ? interpolateOnTestGrid(m_target, x)
                                                                  : presetTargetValue(targetPreset(), x));
    showPrediction();
    scheduleRecompute();
  });
  connect(m_playground, &RegressionPlayground::targetStrokeFinished, this, [this](const std::vector<QPointF>& stroke) {
    if (targetPreset() != TargetPreset::UserDrawn) return;
    applyStroke(m_drawnTarget, stroke);
    m_target = m_drawnTarget;
    refreshPointTargets();
    showPrediction();
    scheduleRecompute();
  });
  m_dirty = true; // built when first shown
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
  m_targetCombo->setCurrentIndex(std::clamp(s.value(QStringLiteral("target"), 0).toInt(), 0, 2));
  m_countSpin->setValue(s.value(QStringLiteral("points"), 32).toInt());
  m_samplingCombo->setCurrentIndex(std::clamp(s.value(QStringLiteral("sampling"), 0).toInt(), 0, 1));
  m_seedSpin->setValue(s.value(QStringLiteral("seed"), 1).toInt());
  m_ridgeSpin->setValue(s.value(QStringLiteral("ridge"), 0.0).toDouble());
  m_timeSlider->setPosition(s.value(QStringLiteral("time"), sliderPositionForTime(10.0)).toInt());
  m_gdCheck->setChecked(s.value(QStringLiteral("gd"), false).toBool());
  m_splitter->restoreState(s.value(QStringLiteral("splitter")).toByteArray());
}

void DynamicsPanel::saveSettings()
{
  QSettings s;
  s.beginGroup(QStringLiteral("dynamicsPanel"));
  s.setValue(QStringLiteral("kind"), m_kindCombo->currentIndex());
  s.setValue(QStringLiteral("target"), m_targetCombo->currentIndex());
  s.setValue(QStringLiteral("points"), m_countSpin->value());
  s.setValue(QStringLiteral("sampling"), m_samplingCombo->currentIndex());
  s.setValue(QStringLiteral("seed"), m_seedSpin->value());
  s.setValue(QStringLiteral("ridge"), m_ridgeSpin->value());
  s.setValue(QStringLiteral("time"), m_timeSlider->position());
  s.setValue(QStringLiteral("gd"), m_gdCheck->isChecked());
  s.setValue(QStringLiteral("splitter"), m_splitter->saveState());
}

bool DynamicsPanel::isBusy() const
{
  return m_watcher->isRunning() || m_pending || m_coalesce->isActive() || m_evalWatcher->isRunning() || m_evalPending;
}

TargetPreset DynamicsPanel::targetPreset() const { return TargetPreset(m_targetCombo->currentIndex()); }

bool DynamicsPanel::showsNtk() const { return m_kindCombo->currentIndex() == 0; }

bool DynamicsPanel::gdOn() const { return m_gdCheck->isChecked(); }

double DynamicsPanel::eta() const { return m_etaSpin->value(); }

double DynamicsPanel::time() const { return m_timeSlider->time(); }

QSlider* DynamicsPanel::timeSlider() const { return m_timeSlider->slider(); }

void DynamicsPanel::setTime(double t) { m_timeSlider->setTime(t); }

void DynamicsPanel::setTargetPreset(TargetPreset preset) { m_targetCombo->setCurrentIndex(int(preset)); }

void DynamicsPanel::setShowNtk(bool ntk) { m_kindCombo->setCurrentIndex(ntk ? 0 : 1); }

void DynamicsPanel::setRidge(double relativeRidge) { m_ridgeSpin->setValue(relativeRidge); }

void DynamicsPanel::setSampling(int count, bool random, int seed)
{
  {
    const QSignalBlocker b1(m_countSpin), b2(m_samplingCombo), b3(m_seedSpin);
    m_countSpin->setValue(count);
    m_samplingCombo->setCurrentIndex(random ? 1 : 0);
    m_seedSpin->setValue(seed);
  }
  m_seedSpin->setEnabled(random);
  saveSettings();
  resamplePoints();
  showPrediction();
  scheduleRecompute();
}

void DynamicsPanel::setGradientDescent(bool on, double etaValue)
{
  if (etaValue > 0.0) m_etaSpin->setValue(etaValue);
  m_gdCheck->setChecked(on);
}

void DynamicsPanel::setPlaying(bool on) { m_timeSlider->setPlaying(on); }

void DynamicsPanel::resampleTarget()
{
  const Eigen::VectorXd grid = dynamicsTestGrid();
  const TargetPreset preset = targetPreset();
  m_playground->setDrawingEnabled(preset == TargetPreset::UserDrawn);
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
  const TargetPreset preset = targetPreset();
  for (TrainingPoint& pt : m_points)
    if (pt.onTarget)
      pt.y = preset == TargetPreset::UserDrawn ? interpolateOnTestGrid(m_target, pt.x) : presetTargetValue(preset, pt.x);
}

void DynamicsPanel::resamplePoints()
{
  m_points = sampleTrainingX(m_countSpin->value(), m_samplingCombo->currentIndex() == 1, std::uint64_t(m_seedSpin->value()));
  refreshPointTargets();
}

void DynamicsPanel::addPoint(double x, double y, bool atGivenY)
{
  TrainingPoint pt;
  pt.x = std::clamp(x, 0.0, std::nextafter(1.0, 0.0));
  pt.onTarget = !atGivenY;
  pt.y = atGivenY ? y
                  : (targetPreset() == TargetPreset::UserDrawn ? interpolateOnTestGrid(m_target, pt.x)
                                                               : presetTargetValue(targetPreset(), pt.x));
  m_points.push_back(pt);
  emit statusMessage(tr("Point added at x = %1 (%2 points)").arg(pt.x, 0, 'f', 3).arg(m_points.size()));
  showPrediction();
  scheduleRecompute();
}

void DynamicsPanel::removePoint(int index)
{
  if (index < 0 || index >= int(m_points.size())) return;
  if (m_points.size() <= 1) {
    emit statusMessage(tr("The last training point cannot be removed"));
    return;
  }
  m_points.erase(m_points.begin() + index);
  emit statusMessage(tr("Point removed (%1 points)").arg(m_points.size()));
  showPrediction();
  scheduleRecompute();
}

void DynamicsPanel::updateAvailability()
{
  Network net;
  QString note, reason;
  if (oneDimensionalNetwork(m_doc->network(), &net, &note, &reason)) {
    m_net1d = std::move(net);
    m_unavailable.clear();
  } else {
    m_unavailable = reason;
    // What was computed for another network must not be shown or exported as this one's.
    m_build = DynamicsBuild{};
    m_prediction = Prediction{};
    m_predictionTime = -1.0;
  }
  m_note = note;
  m_noteLabel->setText(note);
  m_noteLabel->setVisible(!note.isEmpty());
  m_messageLabel->setText(m_unavailable);
  m_stack->setCurrentIndex(m_unavailable.isEmpty() ? 0 : 1);
  if (!m_unavailable.isEmpty()) {
    updateInfo();
    updateResiduals();
    showPrediction();
  }
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
  setPlaying(false);
}

void DynamicsPanel::startJob()
{
  if (m_watcher->isRunning()) return; // onJobFinished starts the pending job
  m_pending = false;
  if (!m_unavailable.isEmpty()) {
    emit statusMessage(tr("Dynamics: the network has no 1-D version (see the message)"));
    if (!isBusy()) emit idle();
    return;
  }
  const Network net = m_net1d;
  const KernelKind kind = showsNtk() ? KernelKind::Ntk : KernelKind::Nngp;
  const std::vector<TrainingPoint> points = m_points;
  const double ridge = m_ridgeSpin->value();
  const int generation = ++m_generation;
  launchJob(m_watcher, [net, kind, points, ridge, generation](const JobFlags& flags) {
    DynamicsBuild b = buildDynamics(net, kind, points, ridge, flags.control());
    b.generation = generation;
    return b;
  });
  emit statusMessage(tr("Building the %1 dynamics on %2 points…").arg(showsNtk() ? tr("NTK") : tr("NNGP")).arg(points.size()));
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
  ++m_buildCount;
  if (!m_etaUserSet && m_build.maxStableRate > 0.0 && std::isfinite(m_build.maxStableRate)) {
    const QSignalBlocker block(m_etaSpin);
    m_etaSpin->setValue(0.5 * m_build.maxStableRate);
  }
  // Evaluate at the current t right here, and time it: that decides how the slider evaluates.
  QElapsedTimer timer;
  timer.start();
  m_prediction = evaluateDynamics(*m_build.dynamics, time(), gdOn(), eta(), &m_evalFailure);
  m_lastEvalMs = timer.nsecsElapsed() * 1e-6;
  m_predictionTime = time();
  m_timeSlider->updateLabel();
  updateInfo();
  updateResiduals();
  showPrediction();
  emit statusMessage(tr("Dynamics on %1 points × %2 test points built in %3 ms; one t-evaluation %4 ms")
                         .arg(m_build.dynamics->trainSize())
                         .arg(m_build.dynamics->testSize())
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
  DynamicsBuild b = buildDynamics(m_net1d, showsNtk() ? KernelKind::Ntk : KernelKind::Nngp, m_points, m_ridgeSpin->value());
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
    return;
  }
  if (m_lastEvalMs < m_syncEvalLimitMs && !m_evalWatcher->isRunning()) {
    QElapsedTimer timer;
    timer.start();
    m_prediction = evaluateDynamics(*m_build.dynamics, time(), gdOn(), eta(), &m_evalFailure);
    m_lastEvalMs = timer.nsecsElapsed() * 1e-6;
    m_predictionTime = time();
    showPrediction();
    updateResiduals();
    return;
  }
  // Too slow for the GUI thread: evaluate off-thread, only ever the newest t (coalescing).
  m_evalPending = true;
  if (!m_evalWatcher->isRunning()) startEvaluation();
  updateResiduals(); // cheap: the vertical line and the bars follow the slider at once
}

void DynamicsPanel::startEvaluation()
{
  m_evalPending = false;
  Evaluation e;
  e.dynamics = m_build.dynamics;
  e.t = time();
  e.gd = gdOn();
  e.eta = eta();
  m_evalWatcher->setFuture(QtConcurrent::run([e]() mutable {
    QElapsedTimer timer;
    timer.start();
    e.prediction = evaluateDynamics(*e.dynamics, e.t, e.gd, e.eta, &e.failure);
    e.milliseconds = timer.nsecsElapsed() * 1e-6;
    return e;
  }));
}

void DynamicsPanel::onEvaluationFinished()
{
  Evaluation e = m_evalWatcher->future().result();
  m_lastEvalMs = e.milliseconds;
  if (e.dynamics == m_build.dynamics) {
    m_prediction = std::move(e.prediction);
    m_evalFailure = e.failure;
    m_predictionTime = e.t;
    showPrediction();
  }
  if (m_evalPending && m_build.dynamics)
    startEvaluation();
  else if (!isBusy())
    emit idle();
}

void DynamicsPanel::showPrediction()
{
  const KernelKind kind = showsNtk() ? KernelKind::Ntk : KernelKind::Nngp;
  RegressionPlotData d;
  if (!m_unavailable.isEmpty()) {
    d.message = m_unavailable;
  } else {
    const bool have = m_build.dynamics && m_prediction.mean.size() == kDynamicsTestPoints;
    d = regressionPlotData(m_target, m_points, m_build.dynamics ? &m_build : nullptr, have ? &m_prediction : nullptr, kind,
                           time(), gdOn(), eta());
    if (!m_evalFailure.isEmpty()) d.warning = m_evalFailure;
  }
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

QString DynamicsPanel::timeLabelText(double t) const
{
  QString text = tr("t = %1").arg(formatTime(t));
  if (gdOn() && eta() > 0.0 && !std::isinf(t))
    text += tr("  (s = t/η = %1 steps)").arg(qlonglong(std::llround(std::min(t / eta(), 1e15))));
  return text;
}

void DynamicsPanel::updateInfo()
{
  if (!m_unavailable.isEmpty() || !m_build.dynamics) {
    m_infoLabel->setText(m_unavailable.isEmpty() ? tr("m = %1 training points · computing…").arg(m_points.size()) : QString());
    return;
  }
  QString text = tr("m = %1 · cond(H) = %2 · λ_max(H) = %3 · max stable η = 2/λ_max = %4")
                     .arg(m_build.dynamics->trainSize())
                     .arg(m_build.conditionNumber, 0, 'g', 3)
                     .arg(m_build.lambdaMax, 0, 'g', 3)
                     .arg(m_build.maxStableRate, 0, 'g', 3);
  if (gdOn()) {
    const double ratio = m_build.maxStableRate > 0 ? eta() / m_build.maxStableRate : 0.0;
    text += tr(" · η/η_max = %1 %2").arg(ratio, 0, 'g', 3).arg(ratio < 1.0 ? tr("(stable)") : tr("(diverges!)"));
  }
  if (m_build.dynamics->trainSize() != Eigen::Index(m_points.size())) text += tr(" · updating…");
  m_infoLabel->setText(text);
}

void DynamicsPanel::paintFigure(QPainter& p, const QRectF& rect) const
{
  DynamicsFigure figure;
  if (!m_unavailable.isEmpty()) {
    figure.regression.message = m_unavailable;
    figure.residuals.message = m_unavailable;
  } else {
    const bool have = m_build.dynamics && m_prediction.mean.size() == kDynamicsTestPoints;
    figure.regression = regressionPlotData(m_target, m_points, m_build.dynamics ? &m_build : nullptr,
                                           have ? &m_prediction : nullptr, showsNtk() ? KernelKind::Ntk : KernelKind::Nngp,
                                           time(), gdOn(), eta());
    if (!m_evalFailure.isEmpty()) figure.regression.warning = m_evalFailure;
    figure.residuals = m_residualData;
  }
  paintDynamicsFigure(p, rect, figure);
}

bool DynamicsPanel::exportView(const QString& path, QString* error)
{
  // The figure is written even without a prediction (it shows why); the data needs one.
  Eigen::MatrixXd out;
  if (m_prediction.mean.size() == kDynamicsTestPoints) {
    out.resize(kDynamicsTestPoints, 4);
    out.col(0) = dynamicsTestGrid();
    out.col(1) = m_target;
    out.col(2) = m_prediction.mean;
    out.col(3) = m_prediction.variance;
  }
  return exportFigureOrMatrix(path, QSize(1800, 720), out, error,
                              m_unavailable.isEmpty() ? tr("nothing to export yet") : m_unavailable);
}

} // namespace ntk::gui
