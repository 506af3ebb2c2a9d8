// GUI tests of the dynamics panel (TF-Playground-style playground): it computes for the default network,
// the time slider moves the prediction, t = ∞ interpolates, mouse clicks add/move/remove points and
// trigger a rebuild, every point edit is one undo step of the document (undo removes, redo restores),
// the point count shown equals the points drawn, presets switch (and the user-drawn target can be
// drawn), high-frequency modes decay last, gradient descent works and reports divergence, the train
// loss of GD decreases monotonically below 2/λ_max (and not above), the four 2-D data sets train,
// the transport (play / pause / step / reset / speed / loop) drives t, exports write files, and a
// network with the wrong input_dim shows the reason instead of being fitted as a modified copy.
// With NTK_DYNAMICS_EXPORT_DIR set, screenshots at 1024×700 and 1920×1080 are kept for a person to
// look at. Runs under xvfb-run like the others.
#include <QAction>
#include <QComboBox>
#include <QLabel>
#include <QSignalSpy>
#include <QSpinBox>
#include <QToolButton>
#include <QUndoStack>
#include <QPainter>
#include <QSettings>
#include <QSlider>
#include <QTemporaryDir>
#include <QtTest>

#include "widgets/dynamics/DynamicsPanel.h"
#include "widgets/window/MainWindow.h"
#include "widgets/dynamics/ModeResidualPlot.h"
#include "widgets/network/NetworkDocument.h"
#include "widgets/dynamics/DynamicsModel.h"
#include "widgets/dynamics/DynamicsFigureParts.h"
#include "widgets/dynamics/LossCurvePlot.h"
#include "widgets/dynamics/PlanePlayground.h"
#include "widgets/dynamics/RegressionPlayground.h"
#include "widgets/dynamics/TransportBar.h"
#include "GuiTestUtil.h"
#include "core/util/Errors.h"
#include "core/util/MatrixIO.h"

using namespace ntk;
using namespace ntk::gui;
using ntktest::pixelDifference;

namespace {

int distinctColours(const QImage& img) { return ntktest::distinctColours(img, 2); }

bool waitIdle(const DynamicsPanel* panel, int timeoutMs = 60000) { return ntktest::waitIdle(panel, timeoutMs); }

/// With NTK_DYNAMICS_EXPORT_DIR set, keeps a PNG of the panel's figure for a person to look at.
void keepFigure(DynamicsPanel* panel, const QString& name)
{
  const QString keep = qEnvironmentVariable("NTK_DYNAMICS_EXPORT_DIR");
  if (keep.isEmpty()) return;
  QString err;
  QVERIFY2(panel->exportView(QDir(keep).filePath(name), &err), qPrintable(err));
  QVERIFY(panel->grab().save(QDir(keep).filePath(QStringLiteral("widget_") + name)));
}

QPoint toPixel(const RegressionPlayground* pg, double x, double y) { return pg->dataToPixel(x, y).toPoint(); }

/// First grid time at which |r(t)| falls below half its initial value (∞ if never).
double halfLife(const Eigen::VectorXd& times, const Eigen::VectorXd& r)
{
  for (Eigen::Index i = 0; i < r.size(); ++i)
    if (r(i) < 0.5 * r(0)) return times(i);
  return INFINITY;
}

} // namespace

class TestDynamicsPanel : public QObject {
  Q_OBJECT

private slots:
  void init()
  {
    QSettings().clear(); // every test starts from the defaults (the panel remembers its settings)
    m_doc = std::make_unique<NetworkDocument>();
    m_panel = std::make_unique<DynamicsPanel>(m_doc.get());
    m_panel->resize(1400, 760);
    m_panel->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_panel.get()));
    QVERIFY(waitIdle(m_panel.get()));
  }
  void cleanup()
  {
    m_panel.reset();
    m_doc.reset();
  }

  void computesForTheDefaultNetwork()
  {
    const DynamicsPanel* p = m_panel.get();
    QVERIFY(p->unavailableReason().isEmpty());
    QVERIFY(p->networkNote().isEmpty());
    QCOMPARE(p->pointCount(), 32);
    QVERIFY(p->buildCount() >= 1);
    QVERIFY(p->dynamics());
    QCOMPARE(p->prediction().mean.size(), Eigen::Index(kDynamicsTestPoints));
    QVERIFY(p->prediction().mean.allFinite());
    QVERIFY(p->prediction().variance.minCoeff() >= 0.0);
    // Shown: the leading modes the target excites (sines of frequency 1, 3, 7, 15: at least four).
    QVERIFY(p->residualData().residuals.size() >= 4 && p->residualData().residuals.size() <= size_t(kShownModes));
    QVERIFY(p->build().lambdaMax > 0.0);
    QVERIFY(std::abs(p->build().maxStableRate - 2.0 / p->build().lambdaMax) < 1e-12 * p->build().maxStableRate);
    const QImage plot = p->playground()->grab().toImage();
    QVERIFY2(distinctColours(plot) > 40, "regression plot looks blank");
    QVERIFY2(distinctColours(p->residualPlot()->grab().toImage()) > 20, "residual plot looks blank");
  }

  void timeSliderChangesThePrediction()
  {
    QSlider* slider = m_panel->timeSlider();
    slider->setValue(DynamicsPanel::sliderPositionForTime(1e-2));
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY(std::abs(m_panel->time() - 1e-2) < 1e-12);
    const Eigen::VectorXd early = m_panel->prediction().mean;
    const QImage imgEarly = m_panel->playground()->grab().toImage();
    slider->setValue(DynamicsPanel::sliderPositionForTime(1e3));
    QVERIFY(waitIdle(m_panel.get()));
    const Eigen::VectorXd late = m_panel->prediction().mean;
    QVERIFY((late - early).norm() > 0.1 * late.norm());
    const double diff = pixelDifference(imgEarly, m_panel->playground()->grab().toImage());
    qInfo("mean pixel difference t = 1e-2 → 1e3: %.3f", diff);
    QVERIFY2(diff > 0.3, "the plot did not change with t");
    // The variance shrinks with training (NTK-GP: towards the posterior).
    QVERIFY(m_panel->prediction().variance.mean() < m_panel->dynamics()->test(1e-2).variance.tail(kDynamicsTestPoints).mean());
    // Slider end is t = ∞.
    slider->setValue(slider->maximum());
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY(std::isinf(m_panel->time()));
  }

  void infiniteTimeInterpolatesWithoutRidge()
  {
    m_panel->setRidge(0.0);
    m_panel->setSampling(20, false, 1); // x_i = i/20: every 20th test-grid point is a training point
    m_panel->setTime(kTimeInfinity);
    QVERIFY(waitIdle(m_panel.get()));
    QCOMPARE(m_panel->pointCount(), 20);
    const Eigen::VectorXd& mean = m_panel->prediction().mean;
    const Eigen::VectorXd& var = m_panel->prediction().variance;
    for (int i = 0; i < 20; ++i) {
      const double y = m_panel->points()[size_t(i)].y;
      const int j = i * kDynamicsTestPoints / 20;
      QVERIFY2(std::abs(mean(j) - y) < 1e-6, qPrintable(QStringLiteral("μ_∞(x_%1) = %2, y = %3").arg(i).arg(mean(j)).arg(y)));
      QVERIFY(var(j) < 1e-6);
    }
    // A ridge stops interpolating.
    m_panel->setRidge(0.1);
    QVERIFY(waitIdle(m_panel.get()));
    double worst = 0;
    for (int i = 0; i < 20; ++i)
      worst = std::max(worst, std::abs(m_panel->prediction().mean(i * kDynamicsTestPoints / 20) - m_panel->points()[size_t(i)].y));
    QVERIFY(worst > 1e-3);
  }

  void mouseAddsMovesAndRemovesPoints()
  {
    RegressionPlayground* pg = m_panel->playground();
    const int before = m_panel->pointCount();
    const int builds = m_panel->buildCount();
    // Click on empty space between two points, low in the plot: a point is added on the target.
    const double x = 2.5 / 32;
    const QPoint empty = toPixel(pg, x, pg->data().yMin + 0.05 * (pg->data().yMax - pg->data().yMin));
    QCOMPARE(pg->pointAt(empty), -1);
    QTest::mouseClick(pg, Qt::LeftButton, Qt::NoModifier, empty);
    QCOMPARE(m_panel->pointCount(), before + 1);
    const TrainingPoint added = m_panel->points().back();
    QVERIFY(std::abs(added.x - x) < 0.01);
    QVERIFY(std::abs(added.y - presetTargetValue(TargetPreset::SumOfSines, added.x)) < 1e-12);
    QVERIFY(m_panel->isBusy());
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY(m_panel->buildCount() > builds);
    QCOMPARE(m_panel->dynamics()->trainSize(), Eigen::Index(before + 1));

    // Shift+click: at the clicked height.
    const double yClick = pg->data().yMin + 0.1 * (pg->data().yMax - pg->data().yMin);
    QTest::mouseClick(pg, Qt::LeftButton, Qt::ShiftModifier, toPixel(pg, 4.5 / 32, yClick));
    QCOMPARE(m_panel->pointCount(), before + 2);
    QVERIFY(std::abs(m_panel->points().back().y - yClick) < 0.02 * (pg->data().yMax - pg->data().yMin));
    QVERIFY(!m_panel->points().back().onTarget);
    QVERIFY(waitIdle(m_panel.get()));

    // Right click on a point removes it.
    const TrainingPoint last = m_panel->points().back();
    QTest::mouseClick(pg, Qt::RightButton, Qt::NoModifier, toPixel(pg, last.x, last.y));
    QCOMPARE(m_panel->pointCount(), before + 1);
    QVERIFY(waitIdle(m_panel.get()));
    QCOMPARE(m_panel->dynamics()->trainSize(), Eigen::Index(before + 1));

    // Select with a click, remove with Delete.
    const TrainingPoint first = m_panel->points().front();
    QTest::mouseClick(pg, Qt::LeftButton, Qt::NoModifier, toPixel(pg, first.x, first.y));
    QCOMPARE(pg->selectedPoint(), 0);
    QCOMPARE(m_panel->pointCount(), before + 1); // a click on a point does not add one
    QTest::keyClick(pg, Qt::Key_Delete);
    QCOMPARE(m_panel->pointCount(), before);
    QVERIFY(waitIdle(m_panel.get()));

    // Drag a point along the target.
    const TrainingPoint p3 = m_panel->points()[3];
    const QPoint from = toPixel(pg, p3.x, p3.y);
    const QPoint to = toPixel(pg, p3.x + 0.012, p3.y);
    QTest::mousePress(pg, Qt::LeftButton, Qt::NoModifier, from);
    QTest::mouseMove(pg, from + QPoint(3, 0));
    QTest::mouseMove(pg, to);
    QTest::mouseRelease(pg, Qt::LeftButton, Qt::NoModifier, to);
    QVERIFY2(std::abs(m_panel->points()[3].x - (p3.x + 0.012)) < 0.004,
             qPrintable(QStringLiteral("dragged point at x = %1").arg(m_panel->points()[3].x)));
    QVERIFY(std::abs(m_panel->points()[3].y - presetTargetValue(TargetPreset::SumOfSines, m_panel->points()[3].x)) < 1e-12);
    QVERIFY(waitIdle(m_panel.get()));
    // The whole drag is one undo step.
    QUndoStack* stack = m_doc->undoStack();
    QVERIFY2(stack->undoText().startsWith(QStringLiteral("Move point to (")), qPrintable(stack->undoText()));
    stack->undo();
    QCOMPARE(m_panel->points()[3].x, p3.x);
    stack->redo();
    QVERIFY(std::abs(m_panel->points()[3].x - (p3.x + 0.012)) < 0.004);
    QVERIFY(waitIdle(m_panel.get()));
  }

  void presetsSwitch()
  {
    const Eigen::VectorXd sinesMean = m_panel->prediction().mean;
    const int builds = m_panel->buildCount();
    m_panel->targetCombo()->setCurrentIndex(int(TargetPreset::Step));
    QVERIFY(waitIdle(m_panel.get()));
    QCOMPARE(m_panel->targetPreset(), TargetPreset::Step);
    QVERIFY(m_panel->buildCount() > builds);
    for (const TrainingPoint& p : m_panel->points()) QCOMPARE(std::abs(p.y), 1.0);
    QCOMPARE(m_panel->targetValues()(0), -1.0);
    QCOMPARE(m_panel->targetValues()(kDynamicsTestPoints - 1), 1.0);
    QVERIFY((m_panel->prediction().mean - sinesMean).norm() > 0.1 * sinesMean.norm());

    // User-drawn starts from the current curve; a drag on empty space redraws part of it.
    m_panel->targetCombo()->setCurrentIndex(int(TargetPreset::UserDrawn));
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY(m_panel->playground()->drawingEnabled());
    QCOMPARE(m_panel->targetValues()(0), -1.0);
    RegressionPlayground* pg = m_panel->playground();
    const int buildsBefore = m_panel->buildCount();
    // A horizontal stroke at y = 0 from x = 0.2 to 0.4, drawn between the points (y = ±1).
    const QPoint a = toPixel(pg, 0.2, 0.0), b = toPixel(pg, 0.4, 0.0);
    QTest::mousePress(pg, Qt::LeftButton, Qt::NoModifier, a);
    for (int i = 1; i <= 10; ++i) QTest::mouseMove(pg, a + (b - a) * i / 10);
    QTest::mouseRelease(pg, Qt::LeftButton, Qt::NoModifier, b);
    QVERIFY(std::abs(m_panel->targetValues()(int(0.3 * kDynamicsTestPoints))) < 0.02);
    QCOMPARE(m_panel->targetValues()(int(0.1 * kDynamicsTestPoints)), -1.0);
    // Points on the target follow it.
    for (const TrainingPoint& p : m_panel->points())
      if (p.x > 0.22 && p.x < 0.38) QVERIFY(std::abs(p.y) < 0.02);
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY(m_panel->buildCount() > buildsBefore);
    keepFigure(m_panel.get(), QStringLiteral("dynamics_drawn.png"));

    m_panel->targetCombo()->setCurrentIndex(int(TargetPreset::SumOfSines));
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY(!m_panel->playground()->drawingEnabled());
    QVERIFY((m_panel->prediction().mean - sinesMean).norm() < 1e-9 * sinesMean.norm());
  }

  void highFrequencyModesDecayLast()
  {
    const ModeResidualData& d = m_panel->residualData();
    const int shown = int(d.cycles.size());
    QVERIFY(shown >= 2);
    // Eigenvalues decrease and the frequency of the eigenvectors increases with the mode index.
    for (int k = 1; k < shown; ++k) QVERIFY(d.eigenvalues[size_t(k)] <= d.eigenvalues[size_t(k - 1)]);
    QVERIFY(d.cycles.front() < d.cycles.back());
    // Among the modes the target excites, the highest-frequency one decays after the lowest.
    int low = -1, high = -1;
    for (int k = 0; k < shown; ++k) {
      if (d.residuals[size_t(k)](0) < 1e-6) continue; // not in the target
      if (low < 0 || d.cycles[size_t(k)] < d.cycles[size_t(low)]) low = k;
      if (high < 0 || d.cycles[size_t(k)] > d.cycles[size_t(high)]) high = k;
    }
    QVERIFY(low >= 0 && high >= 0);
    QVERIFY(d.cycles[size_t(high)] > d.cycles[size_t(low)]);
    const double tLow = halfLife(d.times, d.residuals[size_t(low)]), tHigh = halfLife(d.times, d.residuals[size_t(high)]);
    qInfo("mode %d (≈%g cycles) halves at t = %g; mode %d (≈%g cycles) at t = %g", low + 1, d.cycles[size_t(low)], tLow,
          high + 1, d.cycles[size_t(high)], tHigh);
    QVERIFY(tHigh > 2.0 * tLow);
    // The bars follow the slider: everything left at t ≈ 0, nothing at t = ∞.
    m_panel->setTime(1e-3);
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY(m_panel->residualData().remaining[size_t(low)] > 0.9);
    m_panel->setTime(kTimeInfinity);
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY(m_panel->residualData().remaining[size_t(high)] < 1e-6);
  }

  void gradientDescent()
  {
    const double etaMax = m_panel->build().maxStableRate;
    m_panel->setTime(kTimeInfinity);
    QVERIFY(waitIdle(m_panel.get()));
    const Eigen::VectorXd limit = m_panel->prediction().mean;
    m_panel->setGradientDescent(true);
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY((m_panel->prediction().mean - limit).norm() < 1e-9 * limit.norm()); // stable GD has the flow's limit
    m_panel->setTime(10.0);
    QVERIFY(waitIdle(m_panel.get()));
    const double eta = 0.5 * etaMax; // the default step
    const long long steps = std::llround(m_panel->time() / eta);
    const Eigen::VectorXd gd = m_panel->dynamics()->testGd(eta, steps).mean.tail(kDynamicsTestPoints);
    QVERIFY((m_panel->prediction().mean - gd).norm() < 1e-6 * gd.norm());
    // Too large a step diverges: reported, no crash, nothing non-finite drawn.
    m_panel->setGradientDescent(true, 3.0 * etaMax);
    m_panel->setTime(1e6);
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY(!m_panel->playground()->data().warning.isEmpty());
    keepFigure(m_panel.get(), QStringLiteral("dynamics_gd_diverges.png"));
    QVERIFY(m_panel->playground()->grab().toImage().width() > 0);
    m_panel->setGradientDescent(false);
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY(m_panel->playground()->data().warning.isEmpty());
    QVERIFY(m_panel->prediction().mean.allFinite());
  }

  // The residual plot's data equal the engine's ridge-aware residuals, and a diverging gradient descent
  // gives +∞ for the modes that blow up (never NaN) while the others keep the engine's values.
  void residualDataFollowTheEngineWithRidge()
  {
    std::vector<TrainingPoint> points = sampleTrainingX(24, false, 1);
    for (TrainingPoint& p : points) p.y = presetTargetValue(TargetPreset::SumOfSines, p.x);
    const DynamicsBuild b = buildDynamics(Network::defaultNetwork(1), KernelKind::Ntk, points, 1e-2);
    QVERIFY2(b.error.isEmpty(), qPrintable(b.error));
    const KernelDynamics& engine = *b.dynamics;
    const ModeResidualData flow = modeResidualData(b, 10.0, false, 0.0);
    double scale = 0.0, err = 0.0;
    for (Eigen::Index i = 0; i < flow.times.size(); ++i) {
      const Eigen::VectorXd r = engine.modeResiduals(flow.times(i));
      scale = std::max(scale, r.cwiseAbs().maxCoeff());
      for (size_t k = 0; k < flow.modeIndex.size(); ++k)
        err = std::max(err, std::abs(flow.residuals[k](i) - std::abs(r(flow.modeIndex[k]))));
    }
    QVERIFY2(err <= 1e-12 * scale, qPrintable(QString::number(err / scale)));
    // With ridge the residual does not vanish at t = ∞: it tends to ridge/θ_k of its start.
    QVERIFY(engine.modeResiduals(kTimeInfinity).norm() > 1e-6 * engine.initialModeResiduals().norm());

    const double eta = 3.0 * b.maxStableRate;
    const ModeResidualData gd = modeResidualData(b, 1e6, true, eta);
    bool anyInfinite = false;
    for (Eigen::Index i = 0; i < gd.times.size(); ++i) {
      bool engineOk = true;
      Eigen::VectorXd r;
      try {
        r = engine.modeResidualsGd(eta, std::llround(gd.times(i) / eta));
      } catch (const NumericalError&) {
        engineOk = false;
      }
      for (size_t k = 0; k < gd.modeIndex.size(); ++k) {
        const double v = gd.residuals[k](i);
        QVERIFY(!std::isnan(v));
        anyInfinite = anyInfinite || std::isinf(v);
        if (engineOk) QVERIFY(std::abs(v - std::abs(r(gd.modeIndex[k]))) <= 1e-9 * std::max(1.0, std::abs(v)));
      }
    }
    QVERIFY(anyInfinite);
  }

  void playSweepsTime()
  {
    m_panel->setTime(1e-3);
    QVERIFY(waitIdle(m_panel.get()));
    const int start = m_panel->timeSlider()->value();
    m_panel->setPlaying(true);
    QTest::qWait(400);
    m_panel->setPlaying(false);
    QVERIFY(m_panel->timeSlider()->value() > start + 20);
    QVERIFY(waitIdle(m_panel.get()));
  }

  void largeTrainingSetsEvaluateOffThread()
  {
    m_panel->setSampling(256, true, 7);
    QVERIFY(waitIdle(m_panel.get()));
    QCOMPARE(m_panel->dynamics()->trainSize(), Eigen::Index(256));
    const Eigen::VectorXd before = m_panel->prediction().mean;
    qInfo("one evaluation on 256 points × %d test points: %.2f ms (%s)", kDynamicsTestPoints, m_panel->lastEvaluationMs(),
          m_panel->lastEvaluationMs() < 5.0 ? "GUI thread" : "off-thread");
    m_panel->setSyncEvaluationLimitMs(0.0); // as if one evaluation were too slow for the GUI thread
    for (double t : {1e-2, 1e-1, 1.0, 1e2}) m_panel->setTime(t); // a quick drag: coalesced to the newest t
    QVERIFY(waitIdle(m_panel.get()));
    const Eigen::VectorXd expected = m_panel->dynamics()->test(m_panel->time()).mean.tail(kDynamicsTestPoints);
    QVERIFY((m_panel->prediction().mean - expected).norm() <= 1e-12 * expected.norm());
    QVERIFY((m_panel->prediction().mean - before).norm() > 1e-3 * before.norm());
    QCOMPARE(m_panel->time(), DynamicsPanel::timeForSliderPosition(DynamicsPanel::sliderPositionForTime(1e2)));
  }

  void exportsFiguresAndData()
  {
    QTemporaryDir dir;
    QString err;
    const QString png = dir.filePath(QStringLiteral("dyn.png")), svg = dir.filePath(QStringLiteral("dyn.svg"));
    const QString csv = dir.filePath(QStringLiteral("dyn.csv")), npy = dir.filePath(QStringLiteral("dyn.npy"));
    QVERIFY2(m_panel->exportView(png, &err), qPrintable(err));
    QVERIFY2(m_panel->exportView(svg, &err), qPrintable(err));
    QVERIFY2(m_panel->exportView(csv, &err), qPrintable(err));
    QVERIFY2(m_panel->exportView(npy, &err), qPrintable(err));
    QImage img(png);
    QVERIFY(!img.isNull());
    QVERIFY2(distinctColours(img) > 60, "exported figure looks blank");
    QFile svgFile(svg);
    QVERIFY(svgFile.open(QIODevice::ReadOnly));
    QVERIFY(svgFile.readAll().contains("<svg"));
    const Eigen::MatrixXd data = readCsvMatrix(csv.toStdString());
    QCOMPARE(data.rows(), Eigen::Index(kDynamicsTestPoints));
    QCOMPARE(data.cols(), Eigen::Index(4));
    QVERIFY((data.col(0) - dynamicsTestGrid()).norm() < 1e-12);
    QVERIFY((data.col(2) - m_panel->prediction().mean).norm() < 1e-12 * (1 + data.col(2).norm()));
    QVERIFY((data.col(3) - m_panel->prediction().variance).norm() < 1e-12 * (1 + data.col(3).norm()));
    QVERIFY((readNpyMatrix(npy.toStdString()) - data).norm() < 1e-12 * data.norm());
    // For a person to look at: NTK_DYNAMICS_EXPORT_DIR=/some/dir keeps a copy of the figure.
    if (const QString keep = qEnvironmentVariable("NTK_DYNAMICS_EXPORT_DIR"); !keep.isEmpty()) {
      QVERIFY(m_panel->exportView(QDir(keep).filePath(QStringLiteral("dynamics.png")), &err));
      QVERIFY(m_panel->exportView(QDir(keep).filePath(QStringLiteral("dynamics.svg")), &err));
    }
    QVERIFY(!m_panel->exportView(dir.filePath(QStringLiteral("dyn.txt")), &err));
    QVERIFY(err.contains(QStringLiteral("txt")));
    // The synchronous path the headless demo uses paints the same figure.
    QVERIFY(m_panel->computeNow(&err));
    QImage fig(900, 400, QImage::Format_ARGB32);
    {
      QPainter p(&fig);
      m_panel->paintFigure(p, QRectF(0, 0, 900, 400));
    }
    QVERIFY(distinctColours(fig) > 30);
    DynamicsFigure headless;
    QVERIFY(computeDynamicsFigure(m_doc->network(), DynamicsFigureOptions{}, &headless, &err));
    QCOMPARE(headless.regression.mean.size(), Eigen::Index(kDynamicsTestPoints));
  }

  // A network whose input_dim does not fit the data set is refused with the reason (naming the
  // input_dim needed) — never trained as a modified copy; switching to a data set it fits computes.
  void wrongInputDimShowsTheReason()
  {
    QSignalSpy requirement(m_panel.get(), &DynamicsPanel::requirementChanged);
    QCOMPARE(m_panel->requiredInputDim(), 1);
    QVERIFY(m_panel->requiredInputDimReason().isEmpty());
    QVERIFY(m_doc->replace(Network::defaultNetwork(2), QStringLiteral("2-D network")));
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY(requirement.count() >= 1);
    QVERIFY(!m_panel->unavailableReason().isEmpty());
    QVERIFY2(m_panel->requiredInputDimReason().contains(QStringLiteral("input_dim 1")), qPrintable(m_panel->requiredInputDimReason()));
    QVERIFY(m_panel->requiredInputDimReason().contains(QStringLiteral("input_dim 2")));
    QVERIFY(!m_panel->dynamics()); // nothing fitted on a copy
    QVERIFY(m_panel->networkNote().isEmpty());
    auto* message = m_panel->findChild<QLabel*>(QStringLiteral("dynamicsMessage"));
    QVERIFY(message && message->isVisible());
    QVERIFY(message->text().contains(QStringLiteral("input_dim 1")));
    QVERIFY(!m_panel->playground()->isVisible());
    QTemporaryDir dir;
    QString err;
    QVERIFY(!m_panel->exportView(dir.filePath(QStringLiteral("x.csv")), &err));
    QVERIFY(!err.isEmpty());
    QVERIFY2(m_panel->exportView(dir.filePath(QStringLiteral("x.png")), &err), qPrintable(err)); // the message as a figure
    QVERIFY(!m_panel->computeNow(&err));
    QTest::mouseClick(m_panel.get(), Qt::LeftButton); // nothing to click: no crash

    // The 2-D data sets need input_dim 2: this network fits them.
    const int before = requirement.count();
    m_panel->setDataset(DynamicsDataset::Circle);
    QVERIFY(waitIdle(m_panel.get()));
    QCOMPARE(m_panel->requiredInputDim(), 2);
    QVERIFY(requirement.count() > before);
    QVERIFY(m_panel->unavailableReason().isEmpty());
    QVERIFY(m_panel->planePlayground()->isVisible());
    QVERIFY(m_panel->dynamics());
    QCOMPARE(m_panel->dynamics()->trainSize(), Eigen::Index(m_panel->pointCount()));

    // And a 1-D network for a 2-D data set: refused, naming input_dim 2.
    QVERIFY(m_doc->replace(Network::defaultNetwork(1), QStringLiteral("1-D network")));
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY(m_panel->requiredInputDimReason().contains(QStringLiteral("input_dim 2")));
    QVERIFY(!m_panel->dynamics());
  }

  // Each of TF Playground's data sets trains on the default 2-D network: the train loss at a late t is
  // far below the loss at t = 0, sign(f) classifies circle and Gaussians, and the heat map is drawn.
  void planeDatasetsTrain_data()
  {
    QTest::addColumn<int>("dataset");
    QTest::newRow("circle") << int(DynamicsDataset::Circle);
    QTest::newRow("xor") << int(DynamicsDataset::Xor);
    QTest::newRow("gaussians") << int(DynamicsDataset::Gaussians);
    QTest::newRow("spiral") << int(DynamicsDataset::Spiral);
  }
  void planeDatasetsTrain()
  {
    QFETCH(int, dataset);
    QVERIFY(m_doc->replace(Network::defaultNetwork(2), QStringLiteral("2-D network")));
    m_panel->setDataset(DynamicsDataset(dataset));
    m_panel->setTime(1e5);
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY2(m_panel->unavailableReason().isEmpty(), qPrintable(m_panel->unavailableReason()));
    const KernelDynamics* d = m_panel->dynamics();
    QVERIFY(d);
    QCOMPARE(d->trainSize(), Eigen::Index(m_panel->pointCount()));
    QCOMPARE(m_panel->testPoints().size(), size_t(heldOutCount(m_panel->pointCount(), 50)));
    const LossPlotData& loss = m_panel->lossData();
    QCOMPARE(loss.train.size(), Eigen::Index(kCurveSamples));
    QCOMPARE(loss.test.size(), Eigen::Index(kCurveSamples));
    const double start = trainLoss(*d, 0.0, false, 0.0), late = m_panel->lossData().currentTrain;
    int right = 0, rightTest = 0;
    const Eigen::VectorXd f = d->trainMean(1e5);
    for (size_t i = 0; i < m_panel->points().size(); ++i) right += (f(Eigen::Index(i)) >= 0) == (m_panel->points()[i].label > 0);
    const Eigen::VectorXd ft = d->testMeanRows(1e5, 0, Eigen::Index(m_panel->testPoints().size()));
    for (size_t i = 0; i < m_panel->testPoints().size(); ++i) rightTest += (ft(Eigen::Index(i)) >= 0) == (m_panel->testPoints()[i].label > 0);
    const double acc = double(right) / m_panel->pointCount(), accTest = double(rightTest) / m_panel->testPoints().size();
    qInfo("L_train(0) = %.3g, L_train(1e5) = %.3g, L_test(1e5) = %.3g, accuracy train %.3f test %.3f", start, late,
          m_panel->lossData().currentTest, acc, accTest);
    QVERIFY(late < 0.05 * start);
    QVERIFY(acc > 0.95);
    if (dataset == int(DynamicsDataset::Circle) || dataset == int(DynamicsDataset::Gaussians)) QVERIFY(accTest > 0.9);
    const PlanePlotData& plot = m_panel->planePlayground()->data();
    QCOMPARE(plot.grid, kPlaneGrid);
    QCOMPARE(plot.train.size(), m_panel->points().size());
    QVERIFY2(distinctColours(m_panel->planePlayground()->grab().toImage()) > 60, "heat map looks blank");
    QVERIFY(distinctColours(m_panel->lossPlot()->grab().toImage()) > 20);
    keepFigure(m_panel.get(), QStringLiteral("dynamics_2d_%1.png").arg(dataset));
  }

  // Gradient descent with η < 2/λ_max: the train loss never increases along t; with η > 2/λ_max it
  // does (the check can fail).
  void gradientDescentLossIsMonotoneBelowTheStableStep()
  {
    m_panel->setNoise(0.1);
    QVERIFY(waitIdle(m_panel.get()));
    const double etaMax = m_panel->build().maxStableRate;
    auto increases = [&](double eta) {
      m_panel->setGradientDescent(true, eta);
      QCoreApplication::processEvents();
      const Eigen::VectorXd& L = m_panel->lossData().train;
      int count = 0;
      for (Eigen::Index i = 1; i < L.size(); ++i) count += L(i) > L(i - 1) * (1 + 1e-12);
      return count;
    };
    QCOMPARE(increases(0.9 * etaMax), 0);
    QVERIFY(m_panel->lossData().train(0) > 10 * m_panel->lossData().train(kCurveSamples - 1));
    QVERIFY(increases(1.1 * etaMax) > 0);
    m_panel->setGradientDescent(false);
    QVERIFY(waitIdle(m_panel.get()));
  }

  // Every point edit is one step of the document's undo stack: undo removes the point, redo restores
  // it — and the stack's text names the edit.
  void pointEditsAreUndoable()
  {
    QUndoStack* stack = m_doc->undoStack();
    RegressionPlayground* pg = m_panel->playground();
    const std::vector<TrainingPoint> before = m_panel->points();
    const int steps = stack->count();
    QTest::mouseClick(pg, Qt::LeftButton, Qt::NoModifier, toPixel(pg, 2.5 / 32, pg->data().yMin + 0.05 * (pg->data().yMax - pg->data().yMin)));
    QCOMPARE(m_panel->pointCount(), int(before.size()) + 1);
    QCOMPARE(stack->count(), steps + 1);
    QVERIFY2(stack->undoText().startsWith(QStringLiteral("Add point (0.")), qPrintable(stack->undoText()));
    const TrainingPoint added = m_panel->points().back();
    stack->undo();
    QCOMPARE(m_panel->pointCount(), int(before.size()));
    for (size_t i = 0; i < before.size(); ++i) QCOMPARE(m_panel->points()[i].x, before[i].x);
    QVERIFY(waitIdle(m_panel.get()));
    QCOMPARE(m_panel->dynamics()->trainSize(), Eigen::Index(before.size()));
    stack->redo();
    QCOMPARE(m_panel->pointCount(), int(before.size()) + 1);
    QCOMPARE(m_panel->points().back().x, added.x);
    QVERIFY(waitIdle(m_panel.get()));

    // Remove (right click) and a resample (the seed) undo the same way; the network is untouched.
    const Network net = m_doc->network();
    const TrainingPoint first = m_panel->points().front();
    QTest::mouseClick(pg, Qt::RightButton, Qt::NoModifier, toPixel(pg, first.x, first.y));
    QCOMPARE(m_panel->pointCount(), int(before.size()));
    QVERIFY(stack->undoText().startsWith(QStringLiteral("Remove point")));
    stack->undo();
    QCOMPARE(m_panel->points().front().x, first.x);
    m_panel->setSampling(20, true, 5);
    QCOMPARE(m_panel->pointCount(), 20);
    stack->undo();
    QCOMPARE(m_panel->pointCount(), int(before.size()) + 1);
    QCOMPARE(m_panel->state().count, int(before.size()) + 1);
    QCOMPARE(m_doc->network().summary(), net.summary());
    QVERIFY(waitIdle(m_panel.get()));

    // 2-D: a click adds a +1 point, undo removes it.
    QVERIFY(m_doc->replace(Network::defaultNetwork(2), QStringLiteral("2-D network")));
    m_panel->setDataset(DynamicsDataset::Gaussians);
    QVERIFY(waitIdle(m_panel.get()));
    PlanePlayground* plane = m_panel->planePlayground();
    const int n = m_panel->pointCount();
    QPointF empty(0.9, 0.1);
    QCOMPARE(plane->pointAt(plane->dataToPixel(empty.x(), empty.y())), -1);
    QTest::mouseClick(plane, Qt::LeftButton, Qt::NoModifier, plane->dataToPixel(empty.x(), empty.y()).toPoint());
    QCOMPARE(m_panel->pointCount(), n + 1);
    QCOMPARE(m_panel->points().back().label, 1.0);
    QVERIFY(stack->undoText().contains(QStringLiteral("point (0.9")));
    stack->undo();
    QCOMPARE(m_panel->pointCount(), n);
    stack->redo();
    QCOMPARE(m_panel->pointCount(), n + 1);
    QVERIFY(waitIdle(m_panel.get()));
  }

  // The "Points" box, the count label and the legend all count the points drawn ("Points 32" once
  // disagreed with the legend's 34 after two clicks).
  void pointCountMatchesThePointsDrawn()
  {
    RegressionPlayground* pg = m_panel->playground();
    for (double x : {2.5 / 32, 4.5 / 32})
      QTest::mouseClick(pg, Qt::LeftButton, Qt::NoModifier, toPixel(pg, x, pg->data().yMin + 0.05 * (pg->data().yMax - pg->data().yMin)));
    QVERIFY(waitIdle(m_panel.get()));
    const int drawn = int(pg->data().points.size());
    QCOMPARE(drawn, 34);
    QCOMPARE(m_panel->pointCount(), drawn);
    QCOMPARE(m_panel->state().count, drawn);
    QVERIFY2(m_panel->pointCountText().startsWith(QString::number(drawn) + QStringLiteral(" training")),
             qPrintable(m_panel->pointCountText()));
    QVERIFY(m_panel->pointCountText().contains(QString::number(pg->data().testPoints.size()) + QStringLiteral(" test")));
    // The spin box shows it too.
    bool found = false;
    for (QSpinBox* box : m_panel->findChildren<QSpinBox*>())
      if (box->prefix().isEmpty() && box->suffix().isEmpty() && box->value() == drawn) found = true;
    QVERIFY(found);
  }

  // Play / pause / step / reset / speed / loop; standard media icons, no font glyphs.
  void transportDrivesTime()
  {
    TransportBar* bar = m_panel->transport();
    for (QToolButton* b : {bar->playButton(), bar->stepButton(), bar->resetButton()}) {
      QVERIFY(!b->icon().isNull());
      QVERIFY(b->text().isEmpty() || !b->text().contains(QChar(0x23F8)));
    }
    bar->resetButton()->click();
    QCOMPARE(m_panel->time(), 0.0);
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY(m_panel->prediction().mean.cwiseAbs().maxCoeff() < 1e-12); // f_0 = 0: nothing learnt
    // Gradient descent: one step is one GD step.
    m_panel->setGradientDescent(true);
    bar->stepButton()->click();
    const double eta = m_panel->time(); // the step η as the box holds it
    QVERIFY(std::abs(eta - 0.5 * m_panel->build().maxStableRate) < 1e-3 * eta);
    bar->stepButton()->click();
    QCOMPARE(m_panel->time(), 2 * eta);
    QVERIFY(waitIdle(m_panel.get()));
    const Prediction gd2 = m_panel->dynamics()->testGd(eta, 2);
    QVERIFY((m_panel->prediction().mean - gd2.mean.tail(kDynamicsTestPoints)).norm() <= 1e-10 * gd2.mean.norm());
    m_panel->setGradientDescent(false);
    // Flow: one step is one notch.
    m_panel->setTime(1.0);
    const int at = m_panel->timeSlider()->value();
    bar->stepButton()->click();
    QCOMPARE(m_panel->timeSlider()->value(), at + 1);
    // Play advances at the speed; loop wraps around at the end.
    bar->setSpeed(4.0);
    m_panel->setTime(1e-3);
    bar->playButton()->click();
    QVERIFY(m_panel->isPlaying());
    QTest::qWait(300);
    bar->playButton()->click();
    QVERIFY(!m_panel->isPlaying());
    QVERIFY(m_panel->timeSlider()->value() > 20);
    bar->setLoop(true);
    m_panel->timeSlider()->setValue(DynamicsPanel::kSliderLogSteps - 2);
    bar->playButton()->click();
    QTest::qWait(200);
    QVERIFY(m_panel->isPlaying()); // looped rather than stopped at ∞
    QVERIFY(m_panel->timeSlider()->value() < DynamicsPanel::kSliderLogSteps / 2);
    bar->setLoop(false);
    m_panel->timeSlider()->setValue(DynamicsPanel::kSliderLogSteps - 2);
    QTest::qWait(200);
    QVERIFY(!m_panel->isPlaying()); // stopped at the end
    QVERIFY(std::isinf(m_panel->time()));
    QVERIFY(waitIdle(m_panel.get()));
  }

  // Titles wrap and stay inside their own plot (at 1024 × 700 two titles once overlapped); legends
  // wrap their text and never elide a number.
  void figureTextStaysInItsPlot()
  {
    RegressionPlotData d = m_panel->playground()->data();
    d.title = QStringLiteral("NTK-GP posterior after s = 133798 GD steps (η = 7.47, t = ηs = 1.00e+06) — a long title");
    QImage img(800, 400, QImage::Format_ARGB32);
    img.fill(QColor(0, 255, 0));
    {
      QPainter p(&img);
      paintRegressionFigure(p, QRectF(0, 0, 300, 400), d, 14);
    }
    for (int y = 0; y < 400; y += 2)
      for (int x = 300; x < 800; x += 2) QCOMPARE(img.pixelColor(x, y), QColor(0, 255, 0));
    QFont f;
    QVERIFY(dynamicsTitleHeight(f, 14, d.title, 280) > dynamicsTitleHeight(f, 14, d.title, 2000));
    // The residual legend of the issue ("k = 3 (ν ≈ 1): λ = 0.…" elided at 1400 × 820): narrow, it wraps.
    const QString entry = QStringLiteral("k = 3 (ν ≈ 1): λ = 0.34");
    const std::vector<LegendEntry> legend{{entry, {}}};
    const QSizeF wide = legendSize(f, 14, legend, 1000), narrow = legendSize(f, 14, legend, 80);
    QVERIFY(narrow.height() > wide.height());
    QVERIFY(narrow.width() <= 80 + 3.4 * 14 + 1);
  }

  // The control rows wrap: the panel fits a small screen beside the network dock.
  void fitsANarrowWindow()
  {
    qInfo("minimum width %d", m_panel->minimumSizeHint().width());
    QVERIFY(m_panel->minimumSizeHint().width() <= 520);
    m_panel->resize(520, 600);
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY(m_panel->transport()->isVisible());
    QVERIFY(m_panel->transport()->geometry().right() <= 520);
  }

  // For a person to look at (NTK_DYNAMICS_EXPORT_DIR): the whole panel at 1024×700 and 1920×1080, 1-D and 2-D.
  void screenshots()
  {
    const QString keep = qEnvironmentVariable("NTK_DYNAMICS_EXPORT_DIR");
    for (int dim : {1, 2}) {
      if (dim == 2) {
        QVERIFY(m_doc->replace(Network::defaultNetwork(2), QStringLiteral("2-D network")));
        m_panel->setDataset(DynamicsDataset::Spiral);
      }
      for (QSize size : {QSize(1024, 700), QSize(1920, 1080)}) {
        m_panel->resize(size);
        m_panel->setTime(dim == 1 ? 10.0 : 100.0);
        QVERIFY(waitIdle(m_panel.get()));
        QTest::qWait(50);
        const QImage shot = m_panel->grab().toImage();
        QVERIFY(distinctColours(shot) > 60);
        if (!keep.isEmpty())
          QVERIFY(shot.save(QDir(keep).filePath(QStringLiteral("panel_%1d_%2x%3.png").arg(dim).arg(size.width()).arg(size.height()))));
      }
    }
  }

  void registeredInTheMainWindow()
  {
    MainWindow window;
    QVERIFY(window.panelNames().contains(QStringLiteral("dynamics")));
    QVERIFY(window.showPanel(QStringLiteral("dynamics")));
    window.resize(1400, 850);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QVERIFY(window.waitUntilIdle(60000));
    auto* panel = qobject_cast<DynamicsPanel*>(window.currentPanel());
    QVERIFY(panel);
    QVERIFY(panel->prediction().mean.allFinite());
    QCOMPARE(panel->prediction().mean.size(), Eigen::Index(kDynamicsTestPoints));
    // Ctrl+Z on the Dynamics tab undoes the point just added — not an earlier network edit.
    QVERIFY(window.document()->edit(QStringLiteral("activation"), [](Network& n) {
      n.layers[1] = ActivationLayer{Activation(ActivationKind::Erf)};
    }));
    QVERIFY(window.waitUntilIdle(60000));
    const std::string summary = window.document()->network().summary();
    const int n = panel->pointCount();
    RegressionPlayground* pg = panel->playground();
    QTest::mouseClick(pg, Qt::LeftButton, Qt::NoModifier, toPixel(pg, 2.5 / 32, pg->data().yMin + 0.05 * (pg->data().yMax - pg->data().yMin)));
    QCOMPARE(panel->pointCount(), n + 1);
    // The window's Ctrl+Z action (triggered directly: Xvfb gives the test window no keyboard focus).
    QAction* undo = nullptr;
    for (QAction* a : window.findChildren<QAction*>())
      if (a->shortcut() == QKeySequence(QKeySequence::Undo)) undo = a;
    QVERIFY(undo);
    QVERIFY2(undo->text().contains(QStringLiteral("Add point")), qPrintable(undo->text()));
    undo->trigger();
    QCOMPARE(panel->pointCount(), n);
    QCOMPARE(window.document()->network().summary(), summary);
    QVERIFY(window.waitUntilIdle(60000));
  }

private:
  std::unique_ptr<NetworkDocument> m_doc;
  std::unique_ptr<DynamicsPanel> m_panel;

  void ridgeAndEtaAreRefusedNotClamped()
  {
    QVERIFY(m_panel->computeNow());
    const int builds = m_panel->buildCount();
    auto* ridge = m_panel->findChild<QDoubleSpinBox*>(QStringLiteral("dynamicsRidge"));
    QVERIFY(ridge);
    m_panel->setRidge(100.0); // was silently clamped to 10
    QCOMPARE(ridge->value(), 100.0);
    QVERIFY(ridge->toolTip().startsWith(QStringLiteral("Refused:")));
    QTest::qWait(100);
    QCOMPARE(m_panel->buildCount(), builds); // nothing recomputed
    m_panel->setRidge(1e-3);
    QVERIFY(!ridge->toolTip().startsWith(QStringLiteral("Refused:")));
    QTRY_VERIFY_WITH_TIMEOUT(m_panel->buildCount() > builds, 30000);
    auto* eta = m_panel->findChild<QDoubleSpinBox*>(QStringLiteral("dynamicsEta"));
    QVERIFY(eta);
    m_panel->setGradientDescent(true, 0.2);
    eta->setValue(-1.0);
    QCOMPARE(eta->value(), -1.0);
    QVERIFY(eta->toolTip().startsWith(QStringLiteral("Refused:")));
    const int afterEta = m_panel->buildCount();
    QTest::qWait(100);
    QCOMPARE(m_panel->buildCount(), afterEta);
    eta->setValue(0.3);
    QVERIFY(!eta->toolTip().startsWith(QStringLiteral("Refused:")));
  }
};

QTEST_MAIN(TestDynamicsPanel)
#include "test_dynamics_panel.moc"
