// GUI tests of the Topology panel: classic SIMP steps lower the compliance and redraw the view, Play
// streams frames at ≥ 10 per second at 120 × 40, a load placed (by a click) while the run plays goes on
// from the current design and is one undo step, a dragged load arrow changes the force, refused values
// (volume fraction 1.5, nelx 0) are marked and start no run, the neural method uses the document's
// network (a width edit in the document reaches its run; a network with 3 outputs is refused with the
// reason), the NTK filter overlay has a radius that follows ℓ, the CSV export is nely × nelx, the problem
// file round-trips and a bad one changes nothing; in the window the panel is listed with its own
// network. An edit while stopped marks the result out of date; Play after the run stopped goes on
// (no restart); c ticks label the smallest values; "both" exports two CSVs, PNG without the filter
// overlay unless asked; both designs are equally wide in a small tab. Runs under xvfb-run like the others.
#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QTemporaryDir>
#include <QToolButton>
#include <QUndoStack>
#include <QtTest>

#include "GuiTestUtil.h"
#include "core/network/NetworkJson.h"
#include "core/topopt/ComplianceSolver.h"
#include "core/topopt/TopoptProblemJson.h"
#include "core/util/MatrixIO.h"
#include "widgets/common/CheckedSpinBox.h"
#include "widgets/common/PlotWidget.h"
#include "widgets/common/VtkOpenGLWidget.h"
#include "widgets/dynamics/TransportBar.h"
#include "widgets/network/NetworkBar.h"
#include "widgets/network/NetworkDocument.h"
#include "widgets/topopt/TopoptPanel.h"
#include "widgets/window/MainWindow.h"

using namespace ntk;
using namespace ntk::gui;

namespace {

bool waitIdle(const TopoptPanel* panel, int timeoutMs = 120000) { return ntktest::waitIdle(panel, timeoutMs); }

/// Spins the event loop until `done()` or the timeout.
template <class F> bool waitFor(F done, int timeoutMs = 60000)
{
  QDeadlineTimer deadline(timeoutMs);
  while (!deadline.hasExpired()) {
    QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
    if (done()) return true;
    QThread::msleep(1);
  }
  return done();
}

int hiddenWidth(const Network& net) { return std::get<DenseLayer>(net.layers.front()).width; }

} // namespace

class TestTopologyPanel : public QObject {
  Q_OBJECT

private slots:
  void init()
  {
    QSettings().clear();
    m_doc = std::make_unique<NetworkDocument>();
    // As a new window's document: a network of its own for the panel, bound to it.
    NetworkDocument::Structure s = m_doc->structure();
    s.networks.push_back({s.networks.back().id + 1, QStringLiteral("topopt"), defaultTopoptNetwork(), {}});
    s.bindings.insert(QStringLiteral("topopt"), s.networks.back().id);
    m_doc->setStructureDirect(s);
    m_doc->setEditContext(QStringLiteral("topopt"), QStringLiteral("Topology"));
    m_panel = std::make_unique<TopoptPanel>(m_doc.get());
    m_panel->setObjectName(QStringLiteral("topopt"));
    m_panel->resize(1400, 900);
    m_panel->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_panel.get()));
    QVERIFY(waitIdle(m_panel.get())); // the preview run of the first show
  }
  void cleanup()
  {
    m_panel.reset();
    m_doc.reset();
  }

  void classicStepsLowerTheComplianceAndRedrawTheView()
  {
    TopoptPanel* p = m_panel.get();
    const TopoptFrame& f = p->classicRunner()->lastFrame();
    QCOMPARE(f.iteration, kTopoptPreviewIterations);
    QCOMPARE(int(f.history.size()), kTopoptPreviewIterations);
    QCOMPARE(p->problem().nelx, 120);
    QCOMPARE(p->problem().nely, 40);
    // The first iteration is the uniform design V = 0.5; the compliance falls a lot from there.
    const double c1 = f.history.front().compliance, c40 = f.history.back().compliance;
    qInfo("MBB 120 x 40: c1 = %.4f, c40 = %.4f", c1, c40);
    QVERIFY2(c40 < 0.5 * c1, qPrintable(QStringLiteral("c1 %1 c40 %2").arg(c1).arg(c40)));
    for (const TopoptIterate& it : f.history) QVERIFY(std::abs(it.volume - 0.5) < 1e-6);
    const Eigen::MatrixXd d40 = p->classicDensity();
    QCOMPARE(d40.rows(), 40);
    QCOMPARE(d40.cols(), 120);
    QVERIFY(d40.minCoeff() >= 0.0 && d40.maxCoeff() <= 1.0);
    QVERIFY2(d40.maxCoeff() > 0.9 && d40.minCoeff() < 0.1, "after 40 iterations the design is mostly black and white");
    const QImage before = p->classicView()->grab().toImage();
    QVERIFY(ntktest::distinctColours(before) > 20);
    // The marks are drawn where the hit tests look: the load arrow's shaft is red.
    const QPointF mid = 0.5 * (p->classicView()->nodePosition(0, 0) + p->classicView()->loadTipPosition(0)) *
                        before.devicePixelRatio();
    const QColor shaft = before.pixelColor(mid.toPoint());
    QVERIFY2(shaft.red() > 150 && shaft.green() < 100, qPrintable(shaft.name()));
    QCOMPARE(p->compliancePlot()->series().size(), size_t(1));
    QCOMPARE(p->compliancePlot()->series().front().y.size(), Eigen::Index(40));

    p->step(10);
    QVERIFY(waitIdle(p));
    QCOMPARE(f.iteration, 50);
    QVERIFY(p->classicRunner()->lastFrame().history.back().compliance < c40);
    QVERIFY((p->classicDensity() - d40).cwiseAbs().maxCoeff() > 1e-3);
    QTest::qWait(50);
    const QImage after = p->classicView()->grab().toImage();
    const double diff = ntktest::pixelDifference(before, after);
    QVERIFY2(diff > 0.05, qPrintable(QStringLiteral("view unchanged after 10 steps (%1)").arg(diff)));
    QVERIFY(p->infoText().contains(QStringLiteral("50 iterations")));
    QVERIFY(p->classicView()->data().caption.contains(QStringLiteral("iteration 50")));

    // Reset: iteration 0, uniform density.
    p->reset();
    QVERIFY(waitIdle(p));
    QCOMPARE(p->classicRunner()->lastFrame().iteration, 0);
    QVERIFY((p->classicDensity().array() - 0.5).abs().maxCoeff() < 1e-9);
  }

  void playStreamsAtLeastTenFramesPerSecond()
  {
    TopoptPanel* p = m_panel.get();
    p->reset();
    QVERIFY(waitIdle(p));
    const int paintsBefore = p->classicView()->paintCount();
    QElapsedTimer clock;
    clock.start();
    QTest::mouseClick(p->transport()->playButton(), Qt::LeftButton);
    QVERIFY(p->isPlaying());
    QVERIFY(p->transport()->isPlaying());
    QTest::qWait(3000);
    p->pause();
    const double seconds = clock.elapsed() / 1000.0;
    QVERIFY(waitIdle(p));
    QVERIFY(!p->transport()->isPlaying());
    const int iterations = p->classicRunner()->lastFrame().iteration;
    const int paints = p->classicView()->paintCount() - paintsBefore;
    qInfo("classic 120 x 40 live: %d iterations in %.2f s, %.1f frames/s received, %.1f paints/s", iterations, seconds,
          p->classicFramesPerSecond(), paints / seconds);
    QVERIFY2(p->classicFramesPerSecond() >= 10.0, qPrintable(QStringLiteral("%1 frames/s").arg(p->classicFramesPerSecond())));
    QVERIFY2(paints / seconds >= 10.0, qPrintable(QStringLiteral("%1 paints/s").arg(paints / seconds)));
    QVERIFY(p->infoText().contains(QStringLiteral("frames/s")));
  }

  void aLoadAddedWhileRunningGoesOnFromTheDesignAndIsUndoable()
  {
    TopoptPanel* p = m_panel.get();
    QUndoStack* undo = m_doc->undoStack();
    const int steps = undo->count();
    const double cUniform = p->classicRunner()->lastFrame().history.front().compliance;
    p->play();
    QVERIFY(waitFor([&] { return p->classicRunner()->lastFrame().iteration >= kTopoptPreviewIterations + 5; }));
    // Load tool: click the top node in the middle of the span.
    p->setTool(TopoptTool::Load);
    TopoptGridView* view = p->classicView();
    const int atClick = p->classicRunner()->lastFrame().iteration;
    QTest::mouseClick(view, Qt::LeftButton, Qt::NoModifier, view->nodePosition(60, 0).toPoint());
    QCOMPARE(int(p->problem().loads.size()), 2);
    QCOMPARE(p->problem().loads.back(), (PointLoad{60, 0, 0.0, -1.0}));
    QCOMPARE(undo->count(), steps + 1);
    QVERIFY(undo->text(undo->count() - 1).contains(QStringLiteral("(60, 0)")));
    QVERIFY(p->isPlaying());
    QVERIFY(waitFor([&] { return p->classicRunner()->lastFrame().iteration >= atClick + 5; }));
    p->pause();
    QVERIFY(waitIdle(p));
    const TopoptFrame& f = p->classicRunner()->lastFrame();
    // Not a restart: the history goes on from before the click, and the iteration after the edit
    // starts from a formed design (its compliance is far below the uniform design's).
    QVERIFY(f.iteration >= atClick + 5);
    QCOMPARE(int(f.history.size()), f.iteration);
    QCOMPARE(f.history.front().compliance, cUniform);
    // The edited problem's compliance on the uniform design: where a restart would begin.
    ComplianceSolver fe(p->problem());
    const double cUniformNew = fe.solve(Eigen::VectorXd::Constant(p->problem().elementCount(), 0.5));
    double cMaxAfter = 0.0;
    for (size_t i = size_t(atClick); i < f.history.size(); ++i) cMaxAfter = std::max(cMaxAfter, f.history[i].compliance);
    qInfo("uniform c = %.2f (with the new load %.2f); at the click c = %.2f; after it at most %.2f, last %.2f", cUniform,
          cUniformNew, f.history[size_t(atClick) - 1].compliance, cMaxAfter, f.history.back().compliance);
    QVERIFY(cMaxAfter < 0.6 * cUniformNew);
    // The second load reached the solver: the compliance went up.
    QVERIFY(f.history.back().compliance > 1.2 * f.history[size_t(atClick) - 1].compliance);
    // Undo takes the load back; the run keeps its design and iterations.
    const int iterationBeforeUndo = f.iteration;
    undo->undo();
    QCOMPARE(int(p->problem().loads.size()), 1);
    p->step(2);
    QVERIFY(waitIdle(p));
    QCOMPARE(p->classicRunner()->lastFrame().iteration, iterationBeforeUndo + 2);
    undo->redo();
    QCOMPARE(int(p->problem().loads.size()), 2);

    // Dragging the new arrow's tail to the left of its node turns the force to the right: one step.
    const QPointF tail = view->loadTipPosition(1), node = view->nodePosition(60, 0);
    QVERIFY(std::abs(tail.y() - node.y()) > 10); // a downward load: the tail sits above its node
    const int before = undo->count();
    const QPoint to = (node - QPointF(2.5 * QFontInfo(view->font()).pixelSize(), 0)).toPoint();
    QTest::mousePress(view, Qt::LeftButton, Qt::NoModifier, tail.toPoint());
    QTest::mouseMove(view, tail.toPoint() + QPoint(-5, 3));
    QTest::mouseMove(view, to);
    QTest::mouseRelease(view, Qt::LeftButton, Qt::NoModifier, to);
    QCOMPARE(undo->count(), before + 1);
    const PointLoad dragged = p->problem().loads.back();
    QVERIFY2(dragged.fx > 0.5 && std::abs(dragged.fy) < 0.3, qPrintable(QStringLiteral("(%1, %2)").arg(dragged.fx).arg(dragged.fy)));
    undo->undo();
    QCOMPARE(p->problem().loads.back(), (PointLoad{60, 0, 0.0, -1.0}));

    // Fix y by a click, free it by a right-click; paint a solid region: one step each.
    p->setTool(TopoptTool::FixY);
    QTest::mouseClick(view, Qt::LeftButton, Qt::NoModifier, view->nodePosition(30, 40).toPoint());
    QVERIFY(std::count(p->problem().supports.begin(), p->problem().supports.end(), NodeSupport{30, 40, false, true}) == 1);
    QTest::mouseClick(view, Qt::RightButton, Qt::NoModifier, view->nodePosition(30, 40).toPoint());
    QVERIFY(std::count_if(p->problem().supports.begin(), p->problem().supports.end(),
                          [](const NodeSupport& s) { return s.ix == 30 && s.iy == 40; }) == 0);
    p->setTool(TopoptTool::Void);
    QTest::mouseClick(view, Qt::LeftButton, Qt::NoModifier, view->elementPosition(90, 20).toPoint());
    QCOMPARE(p->problem().passiveAt(p->problem().elementIndex(90, 20)), PassiveKind::Void);
    p->step(1);
    QVERIFY(waitIdle(p));
    QVERIFY(p->classicDensity()(20, 90) < 1e-9); // passive void stays empty
  }

  void anEditWhileStoppedSaysTheResultIsOutOfDateAndPlayGoesOn()
  {
    TopoptPanel* p = m_panel.get();
    QSignalSpy status(p, &TopoptPanel::statusMessage);
    auto said = [&](const QString& text) {
      for (const QList<QVariant>& args : status)
        if (args.at(0).toString().contains(text)) return true;
      return false;
    };
    // An edit while paused: the shown design and c belong to the old problem until an iteration runs.
    QVERIFY(!p->classicResultOutOfDate());
    p->placeLoad(60, 0);
    QVERIFY(p->classicResultOutOfDate());
    QVERIFY(said(QStringLiteral("Problem changed")));
    QVERIFY(waitIdle(p));
    const QString caption = p->classicView()->data().caption;
    QVERIFY2(caption.contains(QStringLiteral("problem changed")) && !caption.contains(QStringLiteral("c =")), qPrintable(caption));
    m_doc->undoStack()->undo(); // still the design of another problem
    QVERIFY(waitIdle(p));
    QVERIFY(p->classicResultOutOfDate());
    QVERIFY(!p->classicView()->data().caption.contains(QStringLiteral("c =")));
    p->step(1);
    QVERIFY(said(QStringLiteral("steps on from iteration %1").arg(kTopoptPreviewIterations)));
    QVERIFY(waitIdle(p));
    QVERIFY(!p->classicResultOutOfDate());
    QVERIFY(p->classicView()->data().caption.contains(QStringLiteral("iteration %1 · c =").arg(kTopoptPreviewIterations + 1)));

    // Play until the run stops (converged or at the cap) on a small grid, then Play again: it does not
    // restart from iteration 0; it says why nothing runs. After an edit it goes on from the design.
    p->setGridSize(30, 10);
    QVERIFY(waitIdle(p));
    p->play();
    QVERIFY(waitFor([&] { return !p->isPlaying() && !p->isBusy(); }, 120000));
    const TopoptFrame& f = p->classicRunner()->lastFrame();
    QVERIFY(f.finished);
    const int stoppedAt = f.iteration;
    const double cFirst = f.history.front().compliance;
    QVERIFY(stoppedAt > 10);
    status.clear();
    p->play();
    QVERIFY(!p->isPlaying());
    QVERIFY(waitIdle(p));
    QCOMPARE(p->classicRunner()->lastFrame().iteration, stoppedAt);
    QVERIFY(said(f.converged ? QStringLiteral("has converged") : QStringLiteral("iteration cap")));
    QVERIFY(said(QStringLiteral("Reset to start over")));
    p->placeLoad(15, 0);
    QVERIFY(waitIdle(p));
    QVERIFY(!p->classicView()->data().caption.contains(QStringLiteral("converged")));
    status.clear();
    p->play();
    QVERIFY(said(QStringLiteral("continues from iteration %1").arg(stoppedAt)));
    QVERIFY(waitFor([&] { return p->classicRunner()->lastFrame().iteration >= stoppedAt + 3; }));
    p->pause();
    QVERIFY(waitIdle(p));
    QVERIFY(p->classicRunner()->lastFrame().iteration >= stoppedAt + 3);
    QCOMPARE(p->classicRunner()->lastFrame().history.front().compliance, cFirst); // the same run, not a restart
  }

  void complianceTicksLabelTheSmallestValues()
  {
    // The converged values (~200) get a label; a range under a factor 20 is drawn linear.
    const std::vector<double> t = topoptComplianceTicks(195.3, 1104.0);
    QVERIFY(t.size() >= 3);
    QVERIFY2(t.front() <= 195.3 && t.front() >= 180.0, qPrintable(QString::number(t.front())));
    QVERIFY(t.back() <= 1104.0 && t.back() >= 800.0);
    QCOMPARE(topoptComplianceTicks(280.06, 1000.0), (std::vector<double>{280.0, 500.0, 1000.0}));
    const std::vector<double> wide = topoptComplianceTicks(2.1, 5000.0);
    QVERIFY(wide.size() >= 3);
    QVERIFY(wide.front() <= 2.1 && wide.front() >= 1.0);
    TopoptPanel* p = m_panel.get();
    const PlotOptions& o = p->compliancePlot()->options();
    QVERIFY(!o.logY); // the preview's c spans less than a factor 20
    double lo = INFINITY;
    for (const TopoptIterate& it : p->classicRunner()->lastFrame().history) lo = std::min(lo, it.compliance);
    QVERIFY(o.yTicks.size() >= 3 && o.yTicks.front() <= lo && o.yTicks.front() >= 0.9 * lo);
    // The target volume is drawn over the curves and named in the legend.
    const std::vector<PlotSeries>& vol = p->volumePlot()->series();
    QVERIFY(vol.back().dashed && vol.back().inLegend && vol.back().name.contains(QStringLiteral("target V")));
  }

  void bothDesignsAreExportedAndTheLayoutKeepsTheirSizes()
  {
    TopoptPanel* p = m_panel.get();
    p->setMethod(TopoptMethod::Both);
    p->step(3);
    QVERIFY(waitIdle(p));
    QTemporaryDir dir;
    QString err;
    const QString csv = dir.filePath(QStringLiteral("design.csv"));
    QVERIFY2(p->exportView(csv, &err), qPrintable(err));
    QVERIFY((readMatrix(csv.toStdString()) - p->classicDensity()).cwiseAbs().maxCoeff() < 1e-12);
    const QString second = TopoptPanel::neuralCsvPath(csv);
    QCOMPARE(QFileInfo(second).fileName(), QStringLiteral("design-neural.csv"));
    QVERIFY((readMatrix(second.toStdString()) - p->neuralDensity()).cwiseAbs().maxCoeff() < 1e-12);
    QVERIFY(p->lastExportSummary().contains(QStringLiteral("classic design to design.csv")));
    QVERIFY(p->lastExportSummary().contains(QStringLiteral("neural design to design-neural.csv")));
    // PNG: the filter overlay only on purpose.
    p->showFilterAt(60, 20);
    QVERIFY(waitIdle(p));
    QVERIFY(p->exportView(dir.filePath(QStringLiteral("a.png")), &err));
    QVERIFY(p->lastExportSummary().contains(QStringLiteral("without the NTK-filter overlay")));
    p->setFilterInExports(true);
    QVERIFY(p->exportView(dir.filePath(QStringLiteral("b.png")), &err));
    QVERIFY(p->lastExportSummary().contains(QStringLiteral("with the NTK-filter overlay")));
    QVERIFY(ntktest::pixelDifference(QImage(dir.filePath(QStringLiteral("a.png"))), QImage(dir.filePath(QStringLiteral("b.png")))) > 0.0);
    // Both designs equally wide; in a small panel the designs and the curves keep usable sizes.
    p->resize(590, 620); // the tab in a 1024 × 700 window with the network dock open
    QTest::qWait(100);
    QCOMPARE(p->classicView()->width(), p->neuralView()->width());
    QVERIFY2(p->classicView()->width() >= 300, qPrintable(QString::number(p->classicView()->width())));
    QVERIFY2(p->compliancePlot()->height() >= 100, qPrintable(QString::number(p->compliancePlot()->height())));
    QLabel* info = p->filterInfoLabel();
    QVERIFY(info->height() >= info->heightForWidth(info->width()));
  }

  void refusedValuesAreMarkedAndStartNoRun()
  {
    TopoptPanel* p = m_panel.get();
    p->reset();
    QVERIFY(waitIdle(p));
    QSignalSpy status(p, &TopoptPanel::statusMessage);
    p->volfracSpin()->setValue(1.5);
    QVERIFY(p->volfracSpin()->isRefused());
    QVERIFY(!p->volfracSpin()->refusal().isEmpty());
    QVERIFY(p->volfracSpin()->toolTip().contains(QStringLiteral("Refused")));
    QCOMPARE(p->settings().volfrac, 0.5); // the accepted value stands
    QVERIFY(!p->runRefusal().isEmpty());
    QTest::mouseClick(p->transport()->playButton(), Qt::LeftButton);
    QVERIFY(!p->isPlaying());
    QVERIFY(waitIdle(p));
    QCOMPARE(p->classicRunner()->lastFrame().iteration, 0);
    QVERIFY(!p->transport()->isPlaying());
    bool said = false;
    for (const QList<QVariant>& args : status) said |= args.at(0).toString().startsWith(QStringLiteral("Not started"));
    QVERIFY(said);
    p->step(3);
    QVERIFY(waitIdle(p));
    QCOMPARE(p->classicRunner()->lastFrame().iteration, 0);
    p->volfracSpin()->setValue(0.4);
    QVERIFY(!p->volfracSpin()->isRefused());
    QCOMPARE(p->settings().volfrac, 0.4);

    p->nelxSpin()->setValue(0);
    QVERIFY(p->nelxSpin()->isRefused());
    QVERIFY(p->nelxSpin()->refusal().contains(QStringLiteral("nelx")));
    QCOMPARE(p->problem().nelx, 120);
    p->play();
    QVERIFY(!p->isPlaying());
    QVERIFY(waitIdle(p));
    QCOMPARE(p->classicRunner()->lastFrame().iteration, 0);
    p->nelxSpin()->setValue(60);
    QVERIFY(!p->nelxSpin()->isRefused());
    QCOMPARE(p->problem().nelx, 60);
    p->step(2);
    QVERIFY(waitIdle(p));
    QCOMPARE(p->classicRunner()->lastFrame().iteration, 2);
    QCOMPARE(p->classicDensity().cols(), 60);
    m_doc->undoStack()->undo(); // the grid back to 120 × 40: a new run
    QCOMPARE(p->problem().nelx, 120);
    QVERIFY(waitIdle(p));
    QCOMPARE(p->classicRunner()->lastFrame().iteration, 0);

    // A problem without supports cannot be solved: said on the design, Play refused.
    TopoptProblem loose = p->problem();
    loose.supports.clear();
    p->restoreProblem(loose);
    QVERIFY(p->runRefusal().contains(QStringLiteral("support")));
    QVERIFY(!p->classicView()->data().message.isEmpty());
    p->play();
    QVERIFY(!p->isPlaying());
  }

  void neuralMethodUsesTheDocumentsNetwork()
  {
    TopoptPanel* p = m_panel.get();
    const int id = m_doc->networkIdFor(QStringLiteral("topopt"));
    QCOMPARE(m_doc->networkName(id), QStringLiteral("topopt"));
    p->setGridSize(30, 10); // small and quick
    p->setMethod(TopoptMethod::Both);
    QVERIFY(p->classicView()->isVisible() && p->neuralView()->isVisible());
    p->setRenderRefine(2);
    p->step(2);
    QVERIFY(waitIdle(p));
    QCOMPARE(networkToJson(p->neuralRunNetwork()), networkToJson(m_doc->network(id)));
    QCOMPARE(p->neuralRunner()->lastFrame().iteration, 2);
    QCOMPARE(p->classicRunner()->lastFrame().iteration, 2);
    QCOMPARE(p->neuralDensity().rows(), 10);
    QCOMPARE(p->neuralRunner()->lastFrame().rendered.rows(), 20); // the field at 2×
    QCOMPARE(p->neuralRunner()->lastFrame().rendered.cols(), 60);
    QCOMPARE(p->compliancePlot()->series().size(), size_t(2));
    // A width edit in the document reaches the neural run (which starts again with it).
    QVERIFY(m_doc->editNetwork(id, QStringLiteral("width 64"), [](Network& n) { n = n.withHiddenWidth(64); }));
    QVERIFY(waitIdle(p));
    QCOMPARE(hiddenWidth(p->neuralRunNetwork()), 64);
    QCOMPARE(p->widthSpin()->value(), 64);
    p->step(1);
    QVERIFY(waitIdle(p));
    QCOMPARE(p->neuralRunner()->lastFrame().iteration, 1);
    // The panel's width box edits the document's network: one undo step.
    const int steps = m_doc->undoStack()->count();
    p->widthSpin()->setValue(32);
    QCOMPARE(hiddenWidth(m_doc->network(id)), 32);
    QCOMPARE(m_doc->undoStack()->count(), steps + 1);
    QVERIFY(waitIdle(p));
    QCOMPARE(hiddenWidth(p->neuralRunNetwork()), 32);
    m_doc->undoStack()->undo();
    QCOMPARE(hiddenWidth(m_doc->network(id)), 64);
    QCOMPARE(p->widthSpin()->value(), 64);
    // Three outputs: the neural method refuses, visibly; the classic run is not held up.
    QVERIFY(m_doc->editNetwork(id, QStringLiteral("3 outputs"), [](Network& n) { std::get<DenseLayer>(n.layers.back()).width = 3; }));
    QVERIFY(p->neuralRefusal().contains(QStringLiteral("one output")));
    QVERIFY(p->neuralView()->data().message.contains(QStringLiteral("one output")));
    p->setMethod(TopoptMethod::Neural);
    QVERIFY(p->runRefusal().contains(QStringLiteral("one output")));
    p->play();
    QVERIFY(!p->isPlaying());
    p->setMethod(TopoptMethod::Both);
    p->step(1);
    QVERIFY(waitIdle(p));
    QVERIFY(p->classicRunner()->lastFrame().iteration >= 1);
  }

  void filterOverlayHasARadiusThatFollowsEll()
  {
    TopoptPanel* p = m_panel.get();
    const int id = m_doc->networkIdFor(QStringLiteral("topopt"));
    TopoptGridView* view = p->classicView();
    p->setTool(TopoptTool::Filter);
    QTest::mouseClick(view, Qt::LeftButton, Qt::NoModifier, view->elementPosition(60, 20).toPoint());
    QVERIFY(waitIdle(p));
    const TopoptFilterOverlay& f = p->filterOverlay();
    QCOMPARE(f.weights.size(), Eigen::Index(120 * 40));
    QCOMPARE(f.ex, 60);
    QCOMPARE(f.ey, 20);
    QVERIFY(f.radius > 0.0);
    QCOMPARE(f.weights(60 * 40 + 20), 1.0);
    QVERIFY(f.label.contains(QStringLiteral("radius")));
    QVERIFY(view->data().filter.weights.size() > 0); // drawn
    const double r2 = f.radius;
    qInfo("NTK filter radius at l = 2: %.3f (rmin %.1f)", r2, p->settings().rmin);
    // A larger ℓ on the slider: the network's embedding changes (one undo step) and the filter widens.
    const int steps = m_doc->undoStack()->count();
    QVERIFY(p->ellSlider()->isEnabled());
    p->ellSlider()->setValue(p->ellSlider()->value() + 40); // ×4
    QVERIFY(waitIdle(p));
    QCOMPARE(m_doc->undoStack()->count(), steps + 1);
    const double ell = topoptOptionsFromNetwork(m_doc->network(id), 120, 40).ell;
    QVERIFY2(std::abs(ell - 8.0) < 0.2, qPrintable(QString::number(ell)));
    qInfo("NTK filter radius at l = %.2f: %.3f", ell, p->filterOverlay().radius);
    QVERIFY(p->filterOverlay().radius > 1.5 * r2);
    // Ctrl+click works with any tool.
    p->setTool(TopoptTool::Load);
    QTest::mouseClick(view, Qt::LeftButton, Qt::ControlModifier, view->elementPosition(10, 5).toPoint());
    QVERIFY(waitIdle(p));
    QCOMPARE(p->filterOverlay().ex, 10);
    QCOMPARE(int(p->problem().loads.size()), 1); // no load was placed
    p->clearFilter();
    QCOMPARE(p->filterOverlay().weights.size(), Eigen::Index(0));
  }

  void exportsAndProblemFiles()
  {
    TopoptPanel* p = m_panel.get();
    QTemporaryDir dir;
    QString err;
    const QString csv = dir.filePath(QStringLiteral("density.csv"));
    QVERIFY2(p->exportView(csv, &err), qPrintable(err));
    const Eigen::MatrixXd m = readMatrix(csv.toStdString());
    QCOMPARE(m.rows(), 40);
    QCOMPARE(m.cols(), 120);
    QVERIFY((m - p->classicDensity()).cwiseAbs().maxCoeff() < 1e-12);
    for (const char* name : {"design.png", "design.svg"}) {
      QVERIFY2(p->exportView(dir.filePath(QString::fromLatin1(name)), &err), qPrintable(err));
      QVERIFY(QFileInfo(dir.filePath(QString::fromLatin1(name))).size() > 1000);
    }
    QVERIFY(ntktest::distinctColours(QImage(dir.filePath(QStringLiteral("design.png")))) > 20);
    QVERIFY(!p->exportView(dir.filePath(QStringLiteral("x.txt")), &err));
    QVERIFY(err.contains(QStringLiteral("txt")));

    // Save, edit, open: the saved problem comes back as one undo step.
    const QString file = dir.filePath(QStringLiteral("problem.json"));
    const TopoptProblem saved = p->problem();
    QVERIFY2(p->saveProblem(file, &err), qPrintable(err));
    p->placeLoad(10, 0);
    QCOMPARE(int(p->problem().loads.size()), 2);
    const int steps = m_doc->undoStack()->count();
    QVERIFY2(p->openProblem(file, &err), qPrintable(err));
    QCOMPARE(p->problem().loads, saved.loads);
    QCOMPARE(p->problem().supports, saved.supports);
    QCOMPARE(m_doc->undoStack()->count(), steps + 1);
    // A broken file: the reason, nothing changed.
    const QString bad = dir.filePath(QStringLiteral("bad.json"));
    QFile f(bad);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("{\"format\": \"ntk-studio.topopt-problem/1\", \"nelx\": 0}");
    f.close();
    const TopoptProblem before = p->problem();
    QVERIFY(!p->openProblem(bad, &err));
    QVERIFY(!err.isEmpty());
    QCOMPARE(err.count(QStringLiteral("bad.json")), 1); // named once, without its directory
    QVERIFY2(!err.contains(dir.path()), qPrintable(err));
    QCOMPARE(p->problem(), before);
    QCOMPARE(m_doc->undoStack()->count(), steps + 1);
    QVERIFY(!p->openProblem(dir.filePath(QStringLiteral("missing.json")), &err));
  }

  void theWindowListsThePanelWithItsOwnNetwork()
  {
    m_panel.reset();
    MainWindow w;
    w.resize(1024, 700);
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    QVERIFY(w.panelNames().contains(QStringLiteral("topopt")));
    QCOMPARE(w.document()->networkNameFor(QStringLiteral("topopt")), QStringLiteral("topopt"));
    QCOMPARE(w.document()->networkFor(QStringLiteral("topopt")).inputDim, 2);
    QVERIFY(w.showPanel(QStringLiteral("topopt")));
    QVERIFY(w.waitUntilIdle(120000));
    auto* panel = w.findChild<TopoptPanel*>(QStringLiteral("topopt"));
    QVERIFY(panel);
    QCOMPARE(panel->classicRunner()->lastFrame().iteration, kTopoptPreviewIterations);
    for (NetworkBar* b : w.findChildren<NetworkBar*>())
      if (b->parentWidget()->objectName() == QStringLiteral("topopt")) {
        QVERIFY(b->mismatch().isEmpty());
        QCOMPARE(b->networkCombo()->currentText(), QStringLiteral("topopt"));
      }
    // With NTK_TOPOPT_SHOT_DIR set: the tab at 1024×700 and 1920×1080, classic and both methods with
    // the filter shown, kept for a person to look at.
    if (const QString dir = qEnvironmentVariable("NTK_TOPOPT_SHOT_DIR"); !dir.isEmpty()) {
      QVERIFY(QDir().mkpath(dir));
      QVERIFY(w.grab().save(QDir(dir).filePath(QStringLiteral("topopt-classic-1024x700.png"))));
      panel->setMethod(TopoptMethod::Both);
      panel->step(30);
      panel->showFilterAt(60, 20);
      QVERIFY(w.waitUntilIdle(120000));
      QTest::qWait(100);
      QVERIFY(w.grab().save(QDir(dir).filePath(QStringLiteral("topopt-both-1024x700.png"))));
      w.resize(1920, 1080);
      QTest::qWait(300);
      QVERIFY(w.grab().save(QDir(dir).filePath(QStringLiteral("topopt-both-1920x1080.png"))));
      panel->setMethod(TopoptMethod::Classic);
      panel->setGridSize(60, 20);
      panel->setPreset(QStringLiteral("cantilever"));
      panel->setTool(TopoptTool::Void);
      panel->paintPassive({panel->problem().elementIndex(20, 10), panel->problem().elementIndex(21, 10),
                           panel->problem().elementIndex(20, 9), panel->problem().elementIndex(21, 9)},
                          PassiveKind::Void);
      panel->placeLoad(30, 0, 0.5, -0.5);
      panel->step(20);
      QVERIFY(w.waitUntilIdle(120000));
      QTest::qWait(100);
      QVERIFY(w.grab().save(QDir(dir).filePath(QStringLiteral("topopt-edited-1920x1080.png"))));
      QString err;
      QVERIFY(panel->exportView(QDir(dir).filePath(QStringLiteral("topopt-export.png")), &err));
      QVERIFY(panel->exportView(QDir(dir).filePath(QStringLiteral("topopt-export.svg")), &err));
      w.resize(1024, 700);
      QTest::qWait(300);
      QVERIFY(w.grab().save(QDir(dir).filePath(QStringLiteral("topopt-edited-1024x700.png"))));
      while (w.document()->undoStack()->canUndo() && panel->problem().name != "mbb") w.document()->undoStack()->undo();
      QVERIFY(w.showPanel(QStringLiteral("topopt")));
    }
    // An edit made here is undone from the window's history, which brings the tab back.
    panel->placeLoad(30, 0);
    QVERIFY(w.showPanel(QStringLiteral("kernel")));
    w.document()->undoStack()->undo();
    QCOMPARE(w.currentPanel(), panel);
    QCOMPARE(int(panel->problem().loads.size()), 1);
    QVERIFY(w.waitUntilIdle(60000));
  }

private:
  std::unique_ptr<NetworkDocument> m_doc;
  std::unique_ptr<TopoptPanel> m_panel;
};

int main(int argc, char** argv)
{
  VtkOpenGLWidget::setDefaultSurfaceFormat(); // the window's VTK views (last test)
  QApplication app(argc, argv);
  QCoreApplication::setOrganizationName(QStringLiteral("NTK Studio tests"));
  TestTopologyPanel t;
  return QTest::qExec(&t, argc, argv);
}
#include "test_topology_panel.moc"
