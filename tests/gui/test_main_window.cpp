// GUI tests of the first window: it opens, computes, redraws on edits, undoes, exports, refuses bad
// edits and cancels. Runs under xvfb-run (real GLX context for the VTK views).
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QSettings>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QtTest>

#include "widgets/common/AnalysisPanel.h"
#include "widgets/dynamics/DynamicsPanel.h"
#include "widgets/spectra/EigenfunctionPanel.h"
#include "widgets/common/HeatmapView.h"
#include "widgets/image/ImagePanel.h"
#include "widgets/kernel/KernelPanel.h"
#include "widgets/window/MainWindow.h"
#include "widgets/network/NetworkDocument.h"
#include "widgets/network/NetworkBar.h"
#include "widgets/network/NetworkEditor.h"
#include "widgets/common/CheckedSpinBox.h"
#include "widgets/common/VtkOpenGLWidget.h"
#include "GuiTestUtil.h"
#include "core/util/MatrixIO.h"

using namespace ntk;
using namespace ntk::gui;
using ntktest::distinctColours;
using ntktest::pixelDifference;

class TestMainWindow : public QObject {
  Q_OBJECT

private slots:
  void init()
  {
    QSettings().clear(); // every test starts from the defaults (the panel remembers its settings)
    m_window = std::make_unique<MainWindow>();
    m_window->resize(1400, 850);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QVERIFY(m_window->waitUntilIdle(60000));
  }
  void cleanup() { m_window.reset(); }

  void opensAndShowsAKernel()
  {
    KernelPanel* panel = m_window->kernelPanel();
    QCOMPARE(panel->shownMatrix().rows(), 128);
    QVERIFY(panel->shownMatrix().allFinite());
    const QImage heat = panel->heatmap()->renderImage();
    QVERIFY(!heat.isNull());
    QVERIFY2(distinctColours(heat) > 50, "heatmap looks blank");
    const QImage window = m_window->grab().toImage();
    QVERIFY2(distinctColours(window) > 100, "window screenshot looks blank");
    QCOMPARE(m_window->panelNames(), (QStringList{"kernel", "spectrum", "eigenfunctions", "dynamics", "regimes", "width", "image", "topopt"}));
    QCOMPARE(MainWindow::panelNameList(), m_window->panelNames()); // what ntk-studio --help lists
  }

  void editingWStdUpdatesTheHeatmap()
  {
    KernelPanel* panel = m_window->kernelPanel();
    const Eigen::MatrixXd before = panel->shownMatrix();
    const QImage imgBefore = panel->heatmap()->renderImage();
    auto* w = qobject_cast<QDoubleSpinBox*>(m_window->editor()->layerTable()->cellWidget(0, 2));
    QVERIFY(w);
    w->setValue(0.2); // as a user typing in the W_std spin box of the first Dense layer (bias now dominates)
    QVERIFY(m_window->waitUntilIdle(60000));
    const Eigen::MatrixXd after = panel->shownMatrix();
    QVERIFY((after - before).norm() > 1e-3 * before.norm());
    QTest::qWait(100);
    const QImage imgAfter = panel->heatmap()->renderImage();
    qInfo("mean pixel difference after the W_std edit: %.3f", pixelDifference(imgBefore, imgAfter));
    QVERIFY2(pixelDifference(imgBefore, imgAfter) > 0.5, "heatmap pixels did not change");

    // Undo brings the exact previous kernel back.
    m_window->document()->undoStack()->undo();
    QVERIFY(m_window->waitUntilIdle(60000));
    QCOMPARE((panel->shownMatrix() - before).norm(), 0.0);
  }

  void changingTheActivationUpdatesTheKernel()
  {
    KernelPanel* panel = m_window->kernelPanel();
    const Eigen::MatrixXd before = panel->shownMatrix();
    const QImage imgBefore = panel->heatmap()->renderImage();
    auto* combo = qobject_cast<QComboBox*>(m_window->editor()->layerTable()->cellWidget(1, 0));
    QVERIFY(combo);
    // identity makes the network linear: Θ becomes a cosine in t − t′ instead of ReLU's peak.
    const int identity = combo->findText(QStringLiteral("identity"));
    QVERIFY(identity >= 0);
    combo->setCurrentIndex(identity);
    emit combo->activated(identity);
    QVERIFY(m_window->waitUntilIdle(60000));
    const auto& a = std::get<ActivationLayer>(m_window->document()->network().layers[1]).activation;
    QCOMPARE(a.kind(), ActivationKind::Identity);
    QVERIFY((panel->shownMatrix() - before).norm() > 1e-3 * before.norm());
    QTest::qWait(100);
    const double diff = pixelDifference(imgBefore, panel->heatmap()->renderImage());
    qInfo("mean pixel difference after the activation edit: %.3f", diff);
    QVERIFY(diff > 0.5);
  }

  void dragMergesIntoOneUndoStep()
  {
    auto* w = qobject_cast<QDoubleSpinBox*>(m_window->editor()->layerTable()->cellWidget(2, 2));
    QVERIFY(w);
    const int before = m_window->document()->undoStack()->count();
    for (double v = 1.0; v <= 2.0; v += 0.1) w->setValue(v);
    QCOMPARE(m_window->document()->undoStack()->count(), before + 1);
    QVERIFY(m_window->waitUntilIdle(60000));
  }

  void undoShortcutWorksInsideASpinBox()
  {
    auto* w = qobject_cast<QDoubleSpinBox*>(m_window->editor()->layerTable()->cellWidget(0, 2));
    QVERIFY(w);
    const double before = w->value();
    const double exact = std::get<DenseLayer>(m_window->document()->network().layers[0]).wStd; // √2, shown as 1.414
    w->setValue(before + 0.5);
    m_window->activateWindow(); // window shortcuts need an active window (Xvfb has no window manager)
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    w->setFocus();
    QTRY_VERIFY(w->hasFocus());
    QTest::keyClick(w, Qt::Key_Z, Qt::ControlModifier); // as a user pressing Ctrl+Z with the cursor in the box
    QCOMPARE(std::get<DenseLayer>(m_window->document()->network().layers[0]).wStd, exact);
    QCOMPARE(w->value(), before);
    QVERIFY(m_window->waitUntilIdle(60000));
  }

  void separateEditsAreSeparateUndoSteps()
  {
    auto* w = qobject_cast<QDoubleSpinBox*>(m_window->editor()->layerTable()->cellWidget(0, 2));
    QVERIFY(w);
    const int before = m_window->document()->undoStack()->count();
    w->setValue(0.5);
    QTest::qWait(1200); // longer than a drag's pause
    w->setValue(0.9);
    QCOMPARE(m_window->document()->undoStack()->count(), before + 2);
    m_window->document()->undoStack()->undo();
    QCOMPARE(std::get<DenseLayer>(m_window->document()->network().layers[0]).wStd, 0.5);
    QVERIFY(m_window->waitUntilIdle(60000));
  }

  void refusedValueStaysVisibleWithItsReason()
  {
    NetworkDocument* doc = m_window->document();
    QVERIFY(doc->edit(QStringLiteral("gauss"), [](Network& n) { n.encoding.kind = EncodingKind::Gaussian; }));
    QVERIFY(m_window->waitUntilIdle(60000));
    auto* sigma = m_window->editor()->findChild<CheckedDoubleSpinBox*>(QStringLiteral("encodingSigma"));
    QVERIFY(sigma);
    const double before = doc->network().encoding.sigma;
    const int undoCount = doc->undoStack()->count();
    KernelPanel* panel = m_window->kernelPanel();
    QSignalSpy started(panel, &AnalysisPanel::busyChanged);
    sigma->setValue(-5.0); // σ < 0: refused, not bent to 0 (a constant kernel)
    QCOMPARE(sigma->value(), -5.0);                 // what the user typed stays visible …
    QVERIFY(sigma->isRefused());                    // … marked …
    QVERIFY(sigma->toolTip().contains(QStringLiteral("sigma")));  // … with core's reason in the tooltip
    auto* status = m_window->findChild<QLabel*>(QStringLiteral("statusText"));
    QVERIFY(status->text().contains(QStringLiteral("sigma")));    // … and on the status bar
    QCOMPARE(doc->network().encoding.sigma, before); // the network is unchanged
    QCOMPARE(doc->undoStack()->count(), undoCount);
    QTest::qWait(100);
    QCOMPARE(started.count(), 0); // nothing recomputed
    // Another edit does not bend the refused box back; fixing it clears the mark.
    QVERIFY(doc->edit(QStringLiteral("w"), [](Network& n) { std::get<DenseLayer>(n.layers[0]).wStd = 1.1; }));
    QCOMPARE(sigma->value(), -5.0);
    sigma->setValue(3.0);
    QVERIFY(!sigma->isRefused());
    QCOMPARE(doc->network().encoding.sigma, 3.0);
    QVERIFY(m_window->waitUntilIdle(60000));
  }

  void widthZeroAndHugeWidthsAreRefused()
  {
    NetworkDocument* doc = m_window->document();
    auto* width = qobject_cast<CheckedSpinBox*>(m_window->editor()->layerTable()->cellWidget(0, 1));
    QVERIFY(width);
    const int before = std::get<DenseLayer>(doc->network().layers[0]).width;
    for (int bad : {0, 100000000}) {
      width->setValue(bad);
      QCOMPARE(width->value(), bad); // not snapped back to 512, not clamped to a cap
      QVERIFY2(width->isRefused(), qPrintable(QString::number(bad)));
      QVERIFY(width->refusal().contains(QStringLiteral("width")));
      QCOMPARE(std::get<DenseLayer>(doc->network().layers[0]).width, before);
    }
    // The whole number is readable in its cell (the column fits 8 digits and the buttons).
    QVERIFY(width->width() >= width->fontMetrics().horizontalAdvance(QStringLiteral("100000000")));
    // The "all hidden widths" box refuses too.
    auto* all = m_window->editor()->findChild<CheckedSpinBox*>(QStringLiteral("allHiddenWidths"));
    QVERIFY(all);
    all->setValue(0);
    QVERIFY(all->isRefused());
    QCOMPARE(std::get<DenseLayer>(doc->network().layers[0]).width, before);
    width->setValue(64);
    QVERIFY(!width->isRefused());
    QCOMPARE(std::get<DenseLayer>(doc->network().layers[0]).width, 64);
    QVERIFY(m_window->waitUntilIdle(60000));
  }

  void panelSizesAreRefusedNotClamped()
  {
    KernelPanel* panel = m_window->kernelPanel();
    auto* grid = panel->findChild<CheckedSpinBox*>(QStringLiteral("gridSize"));
    QVERIFY(grid);
    const int before = panel->gridSize();
    QSignalSpy busy(panel, &AnalysisPanel::busyChanged);
    grid->setValue(100000); // was silently bent to the cap
    QCOMPARE(grid->value(), 100000);
    QVERIFY(grid->isRefused());
    QVERIFY(grid->toolTip().contains(QStringLiteral("2048")));
    QCOMPARE(panel->gridSize(), before);
    QTest::qWait(100);
    QCOMPARE(busy.count(), 0); // nothing recomputed
    grid->setValue(64);
    QVERIFY(m_window->waitUntilIdle(60000));
    QCOMPARE(panel->shownMatrix().rows(), 64);
  }

  void undoNamesTheStepAndShowsItsPanel()
  {
    NetworkDocument* doc = m_window->document();
    QVERIFY(m_window->showPanel(QStringLiteral("kernel")));
    auto* width = qobject_cast<CheckedSpinBox*>(m_window->editor()->layerTable()->cellWidget(0, 1));
    width->setValue(640);
    QCOMPARE(doc->undoStack()->undoText(), QStringLiteral("Set width of layer 1 to 640 in ‘main’ (Kernel)"));
    QVERIFY(m_window->showPanel(QStringLiteral("spectrum")));
    QVERIFY(m_window->waitUntilIdle(60000));
    doc->undoStack()->undo(); // made on the Kernel tab: undo brings it forward
    QCOMPARE(m_window->currentPanel()->objectName(), QStringLiteral("kernel"));
    QVERIFY(std::get<DenseLayer>(doc->network().layers[0]).width != 640);
    QVERIFY(m_window->showPanel(QStringLiteral("dynamics")));
    doc->undoStack()->redo();
    QCOMPARE(m_window->currentPanel()->objectName(), QStringLiteral("kernel"));
    QCOMPARE(std::get<DenseLayer>(doc->network().layers[0]).width, 640);
    QVERIFY(m_window->waitUntilIdle(60000));
  }

  void eachPanelSaysWhichNetworkItUses()
  {
    NetworkDocument* doc = m_window->document();
    for (const QString& name : m_window->panelNames()) {
      QVERIFY(m_window->showPanel(name));
      NetworkBar* bar = nullptr;
      for (NetworkBar* b : m_window->findChildren<NetworkBar*>())
        if (b->parentWidget()->objectName() == name) bar = b;
      QVERIFY2(bar && bar->isVisible(), qPrintable(name));
      QCOMPARE(bar->networkCombo()->currentText(), doc->networkNameFor(name == QStringLiteral("eigenfunctions") ? QStringLiteral("spectrum") : name));
    }
    QVERIFY(m_window->waitUntilIdle(60000));
  }

  void panelsCanUseDifferentNetworks()
  {
    NetworkDocument* doc = m_window->document();
    QVERIFY(m_window->showPanel(QStringLiteral("kernel")));
    const int first = doc->currentId();
    const int networks = int(doc->networks().size()); // "main", and "image" for the Image panel
    m_window->editor()->duplicateNetwork(); // a named copy, used by the panel on screen
    const int copy = doc->currentId();
    QVERIFY(copy != first);
    QCOMPARE(doc->networkIdFor(QStringLiteral("kernel")), copy);
    QCOMPARE(doc->networkIdFor(QStringLiteral("spectrum")), first);
    QVERIFY(doc->edit(QStringLiteral("w"), [](Network& n) { std::get<DenseLayer>(n.layers[0]).wStd = 0.3; }));
    QCOMPARE(std::get<DenseLayer>(doc->network(copy).layers[0]).wStd, 0.3);
    QVERIFY(std::get<DenseLayer>(doc->network(first).layers[0]).wStd != 0.3);
    // Switching tabs makes the dock edit the shown panel's network.
    QVERIFY(m_window->showPanel(QStringLiteral("spectrum")));
    QCOMPARE(doc->currentId(), first);
    QCOMPARE(m_window->editor()->networkList()->currentText(), doc->networkName(first));
    QVERIFY(m_window->showPanel(QStringLiteral("kernel")));
    QCOMPARE(doc->currentId(), copy);
    // Choosing a network in the dock lets the panel on screen use it.
    QVERIFY(m_window->showPanel(QStringLiteral("spectrum")));
    QComboBox* list = m_window->editor()->networkList();
    emit list->activated(list->findData(copy));
    QCOMPARE(doc->networkIdFor(QStringLiteral("spectrum")), copy);
    QCOMPARE(doc->networkIdFor(QStringLiteral("dynamics")), first);
    QVERIFY(m_window->showPanel(QStringLiteral("kernel")));
    // Undo removes the copy; the panels fall back to the first network.
    doc->undoStack()->undo(); // the W_std edit
    doc->undoStack()->undo(); // the copy
    QCOMPARE(int(doc->networks().size()), networks);
    QCOMPARE(doc->networkIdFor(QStringLiteral("kernel")), first);
    QCOMPARE(doc->networkIdFor(QStringLiteral("spectrum")), first);
    QVERIFY(m_window->waitUntilIdle(60000));
    // The document round-trips through its JSON form (what a session file will hold).
    m_window->editor()->duplicateNetwork();
    QVERIFY(doc->renameNetwork(doc->currentId(), QStringLiteral("wide")));
    QVERIFY(m_window->editor()->setHiddenWidths(2048));
    const std::string json = doc->toJson();
    QVERIFY(json.find("ntk-studio.document/1") != std::string::npos);
    NetworkDocument copyDoc;
    QString err;
    QVERIFY2(copyDoc.fromJson(json, &err), qPrintable(err));
    QCOMPARE(copyDoc.toJson(), json);
    QCOMPARE(copyDoc.networkNameFor(QStringLiteral("kernel")), QStringLiteral("wide"));
    QCOMPARE(std::get<DenseLayer>(copyDoc.networkFor(QStringLiteral("kernel")).layers[0]).width, 2048);
    // A malformed document changes nothing and says why.
    QVERIFY(!copyDoc.fromJson(R"({"format": "ntk-studio.document/1", "networks": [], "current": "x"})", &err));
    QVERIFY(err.contains(QStringLiteral("networks")));
    QVERIFY(!copyDoc.fromJson(R"({"format": "ntk-studio.document/1", "networks": [{"name": "a", "network": {"input_dim": 1, "layers": [{"type": "dense", "width": 0}]}}]})", &err));
    QVERIFY(err.contains(QStringLiteral("width")));
    QCOMPARE(copyDoc.toJson(), json);
    QVERIFY(m_window->waitUntilIdle(60000));
  }

  void changingTheGridKeepsTheRowPosition()
  {
    KernelPanel* panel = m_window->kernelPanel();
    panel->setSelectedRow(32); // t₀ = 0.25 on the 128-point grid
    panel->setGridSize(512);
    QVERIFY(m_window->waitUntilIdle(60000));
    QCOMPARE(panel->heatmap()->selectedRow(), 128); // still t₀ = 0.25
  }

  void remembersPanelSettings()
  {
    m_window->kernelPanel()->setGridSize(200);
    m_window->kernelPanel()->setShowNtk(false);
    QVERIFY(m_window->waitUntilIdle(60000));
    m_window.reset();
    m_window = std::make_unique<MainWindow>();
    QCOMPARE(m_window->kernelPanel()->gridSize(), 200);
    QVERIFY(!m_window->kernelPanel()->showsNtk());
    QVERIFY(m_window->waitUntilIdle(60000));
  }

  void viewMenuKindActsOnTheImageTab()
  {
    // Ctrl+1 / Ctrl+2 on the image tab choose the kernel regression shown there, not the kernel tab's kind.
    QVERIFY(m_window->document()->edit(QStringLiteral("2-D"), [](Network& n) { n.inputDim = 2; })); // the image needs x, y
    QVERIFY(m_window->showPanel(QStringLiteral("image")));
    auto* image = qobject_cast<ImagePanel*>(m_window->currentPanel());
    QVERIFY(image);
    QVERIFY(m_window->waitUntilIdle(120000));
    QAction *ntk = nullptr, *nngp = nullptr;
    QMenu* view = nullptr;
    for (QAction* a : m_window->findChildren<QAction*>()) {
      if (a->text() == QStringLiteral("Show &NTK")) ntk = a;
      if (a->text() == QStringLiteral("Show NN&GP")) nngp = a;
    }
    for (QAction* a : m_window->menuBar()->actions())
      if (a->text() == QStringLiteral("&View")) view = a->menu();
    QVERIFY(ntk && nngp && view);
    const bool kernelNtk = m_window->kernelPanel()->showsNtk();
    nngp->trigger();
    QVERIFY(m_window->waitUntilIdle(120000));
    QVERIFY(image->showsNngp());
    QVERIFY(image->hasKernelFit(KernelKind::Nngp));
    QVERIFY(!image->hasKernelFit(KernelKind::Ntk));
    QCOMPARE(m_window->kernelPanel()->showsNtk(), kernelNtk); // another tab's kind is left alone
    ntk->trigger();
    QVERIFY(m_window->waitUntilIdle(120000));
    QVERIFY(image->showsNtk());
    QVERIFY(image->hasKernelFit(KernelKind::Ntk));
    QVERIFY(!image->hasKernelFit(KernelKind::Nngp));
    emit view->aboutToShow();
    QVERIFY(ntk->isChecked() && !nngp->isChecked());
    // Both kernels ticked in the panel: the menu checks neither.
    image->setMethods(true, true, false);
    emit view->aboutToShow();
    QVERIFY(!ntk->isChecked() && !nngp->isChecked());
    QVERIFY(m_window->waitUntilIdle(120000));
    QVERIFY(image->hasKernelFit(KernelKind::Ntk) && image->hasKernelFit(KernelKind::Nngp));
    // Back on the kernel tab the menu shows the kernel panel's kind again.
    QVERIFY(m_window->showPanel(QStringLiteral("kernel")));
    emit view->aboutToShow();
    QCOMPARE(ntk->isChecked(), kernelNtk);
    QCOMPARE(nngp->isChecked(), !kernelNtk);
  }

  void fitsASmallScreen()
  {
    m_window->resize(900, 560);
    QTest::qWait(50);
    QStringList widths; // which panel is too wide, when one is
    for (AnalysisPanel* p : m_window->panels())
      widths << QStringLiteral("%1 %2").arg(p->objectName()).arg(p->minimumSizeHint().width());
    widths << QStringLiteral("editor %1").arg(m_window->editor()->minimumSizeHint().width());
    QVERIFY2(m_window->width() <= 960, qPrintable(QString::number(m_window->width()) + ": " + widths.join(", ")));
  }

  void invalidEditIsRefusedAndLosesNothing()
  {
    NetworkDocument* doc = m_window->document();
    const Network before = doc->network();
    QSignalSpy rejected(doc, &NetworkDocument::editRejected);
    QVERIFY(!doc->edit(QStringLiteral("bad"), [](Network& n) { std::get<DenseLayer>(n.layers[0]).wStd = std::nan(""); }));
    QCOMPARE(rejected.count(), 1);
    QVERIFY(rejected.first().first().toString().contains(QStringLiteral("W_std")));
    QCOMPARE(std::get<DenseLayer>(doc->network().layers[0]).wStd, std::get<DenseLayer>(before.layers[0]).wStd);
  }

  void addAndRemoveLayers()
  {
    NetworkDocument* doc = m_window->document();
    const size_t n = doc->network().layers.size();
    m_window->editor()->addHiddenLayer();
    QCOMPARE(doc->network().layers.size(), n + 2);
    m_window->editor()->layerTable()->selectRow(0);
    m_window->editor()->removeSelectedLayer();
    QCOMPARE(doc->network().layers.size(), n);
    QVERIFY(m_window->waitUntilIdle(60000));
  }

  void moveSwapsHiddenBlocks()
  {
    NetworkDocument* doc = m_window->document();
    QVERIFY(doc->edit(QStringLiteral("w"), [](Network& n) {
      std::get<DenseLayer>(n.layers[0]).width = 7;
      std::get<ActivationLayer>(n.layers[1]).activation = Activation(ActivationKind::Erf);
    }));
    m_window->editor()->layerTable()->selectRow(1);
    m_window->editor()->moveSelectedLayer(+1);
    const Network& n = doc->network();
    QCOMPARE(std::get<DenseLayer>(n.layers[2]).width, 7);
    QCOMPARE(std::get<ActivationLayer>(n.layers[3]).activation.kind(), ActivationKind::Erf);
    QCOMPARE(std::get<ActivationLayer>(n.layers[1]).activation.kind(), ActivationKind::Relu);
    // The readout never moves: moving the last hidden block down is refused.
    const size_t last = n.layers.size() - 1;
    m_window->editor()->layerTable()->selectRow(int(last) - 2);
    const Network before = doc->network();
    m_window->editor()->moveSelectedLayer(+1);
    QCOMPARE(std::get<DenseLayer>(doc->network().layers[last]).width, std::get<DenseLayer>(before.layers[last]).width);
    QVERIFY(m_window->waitUntilIdle(60000));
  }

  void exportsEveryFormat()
  {
    QTemporaryDir dir;
    KernelPanel* panel = m_window->kernelPanel();
    for (const char* ext : {"png", "svg", "csv", "npy"}) {
      const QString path = dir.filePath(QStringLiteral("view.%1").arg(QLatin1String(ext)));
      QString err;
      QVERIFY2(panel->exportView(path, &err), qPrintable(err));
      QVERIFY(QFileInfo(path).size() > 1000);
    }
    const Eigen::MatrixXd csv = ntk::readMatrix(dir.filePath(QStringLiteral("view.csv")).toStdString());
    QCOMPARE((csv - panel->shownMatrix()).cwiseAbs().maxCoeff(), 0.0);
    const Eigen::MatrixXd npy = ntk::readMatrix(dir.filePath(QStringLiteral("view.npy")).toStdString());
    QCOMPARE((npy - panel->shownMatrix()).cwiseAbs().maxCoeff(), 0.0);
    QImage png(dir.filePath(QStringLiteral("view.png")));
    QVERIFY(distinctColours(png) > 50);
    QString err;
    QVERIFY(!panel->exportView(dir.filePath(QStringLiteral("view.xyz")), &err));
    QVERIFY(err.contains(QStringLiteral("xyz")));
  }

  void openingABadFileKeepsTheNetwork()
  {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("bad.json"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("{\"input_dim\": 1, \"layers\": [{\"type\": \"dense\", \"width\": -3}]}");
    f.close();
    const Network before = m_window->document()->network();
    QString err;
    QVERIFY(!m_window->openNetwork(path, &err, true));
    QVERIFY(err.contains(QStringLiteral("width")));
    QCOMPARE(m_window->document()->network().layers.size(), before.layers.size());
  }

  void finiteNetworkOverlayApproachesTheKernel()
  {
    KernelPanel* panel = m_window->kernelPanel();
    QVERIFY(m_window->editor()->setHiddenWidths(1024)); // the finite nets are the network, at its widths
    panel->setFiniteNetworkOverlay(true, 4);
    QVERIFY(m_window->waitUntilIdle(120000));
    const Eigen::MatrixXd& emp = panel->empiricalMatrix();
    const Eigen::MatrixXd& exact = panel->shownMatrix();
    QCOMPARE(emp.rows(), exact.rows());
    const double rel = (emp - exact).norm() / exact.norm();
    qInfo("finite nets (n = 1024, S = 4) vs infinite width: relative error %.3f", rel);
    QVERIFY(rel > 1e-6 && rel < 0.15); // ≈ 3/√1024 per network, less for the mean of 4
  }

  void aNewDocumentWorksOnEveryTab()
  {
    // The Image panel starts with its own named 2-D network; the others share "main".
    NetworkDocument* doc = m_window->document();
    QCOMPARE(doc->networkNameFor(QStringLiteral("image")), QStringLiteral("image"));
    QCOMPARE(doc->networkFor(QStringLiteral("image")).inputDim, 2);
    QCOMPARE(doc->networkNameFor(QStringLiteral("kernel")), QStringLiteral("main"));
    QVERIFY(!doc->isModified());
    for (const QString& name : m_window->panelNames()) {
      QVERIFY(m_window->showPanel(name));
      for (NetworkBar* b : m_window->findChildren<NetworkBar*>())
        if (b->parentWidget()->objectName() == name) QVERIFY2(b->mismatch().isEmpty(), qPrintable(name + ": " + b->mismatch()));
    }
    QVERIFY(m_window->waitUntilIdle(120000));
    auto* image = m_window->findChild<ImagePanel*>(QStringLiteral("image"));
    QVERIFY(image->requirementReason().isEmpty());
    QVERIFY(image->hasKernelFit(KernelKind::Ntk));
  }

  void networkBarOffersFixesForANeededInputDim()
  {
    NetworkDocument* doc = m_window->document();
    NetworkBar bar(doc, QStringLiteral("probe"), QStringLiteral("Probe"));
    bar.setRequirement(2, QStringLiteral("x, y"));
    QCOMPARE(doc->networkFor(QStringLiteral("probe")).inputDim, 1);
    QVERIFY(bar.mismatch().contains(QStringLiteral("input_dim 2")));
    QVERIFY(bar.fixButton()->text().contains(QStringLiteral("to 2")));
    const int networks = int(doc->networks().size());
    // Offer 1: change the network itself (undoable, seen by every panel that uses it).
    QVERIFY(bar.applyFix());
    QCOMPARE(doc->networkFor(QStringLiteral("probe")).inputDim, 2);
    QVERIFY(bar.mismatch().isEmpty());
    doc->undoStack()->undo();
    QCOMPARE(doc->networkFor(QStringLiteral("probe")).inputDim, 1);
    // Offer 2: a new named network for this panel; the others keep theirs.
    QVERIFY(bar.makeNetworkForPanel());
    QCOMPARE(int(doc->networks().size()), networks + 1);
    QCOMPARE(doc->networkFor(QStringLiteral("probe")).inputDim, 2);
    QCOMPARE(doc->networkNameFor(QStringLiteral("probe")), QStringLiteral("main (2-D)"));
    QCOMPARE(doc->networkFor(QStringLiteral("kernel")).inputDim, 1);
    QVERIFY(bar.mismatch().isEmpty());
    doc->undoStack()->undo();
    QCOMPARE(int(doc->networks().size()), networks);
    QCOMPARE(doc->networkFor(QStringLiteral("probe")).inputDim, 1);
    QVERIFY(m_window->waitUntilIdle(60000));
  }

  void finiteOverlayUsesTheNetworksWidths()
  {
    KernelPanel* panel = m_window->kernelPanel();
    QVERIFY(m_window->editor()->setHiddenWidths(64));
    panel->setFiniteNetworkOverlay(true, 2);
    QVERIFY(m_window->waitUntilIdle(120000));
    const Eigen::MatrixXd narrow = panel->empiricalMatrix();
    QVERIFY(panel->findChild<QLabel*>(QStringLiteral("finiteWidths"))->text().contains(QStringLiteral("64")));
    // Changing one layer's width (as a user typing in the dock) changes the overlay.
    auto* width = qobject_cast<CheckedSpinBox*>(m_window->editor()->layerTable()->cellWidget(0, 1));
    width->setValue(2048);
    QVERIFY(m_window->waitUntilIdle(120000));
    QVERIFY(panel->findChild<QLabel*>(QStringLiteral("finiteWidths"))->text().contains(QStringLiteral("2048")));
    const Eigen::MatrixXd wide = panel->empiricalMatrix();
    QCOMPARE(wide.rows(), narrow.rows());
    QVERIFY((wide - narrow).norm() > 1e-6 * narrow.norm());
    // All widths × 16 through the dock: closer to the infinite-width kernel (error ≈ 3/√n).
    QVERIFY(m_window->editor()->setHiddenWidths(1024));
    QVERIFY(m_window->waitUntilIdle(120000));
    const Eigen::MatrixXd& exact = panel->shownMatrix();
    QVERIFY((panel->empiricalMatrix() - exact).norm() < 0.5 * (narrow - exact).norm());
  }

  void examplesAreBundled()
  {
    QString err;
    QVERIFY2(m_window->document()->load(QStringLiteral(":/networks/fourier_features.json"), &err), qPrintable(err));
    QCOMPARE(m_window->document()->network().encoding.kind, EncodingKind::Gaussian);
    QVERIFY(m_window->waitUntilIdle(60000));
  }

  void hiddenPanelsWaitUntilShownAndStayOffTheStatusBar()
  {
    auto* dynamics = m_window->findChild<DynamicsPanel*>(QStringLiteral("dynamics"));
    auto* eigen = m_window->findChild<EigenfunctionPanel*>(QStringLiteral("eigenfunctions"));
    auto* status = m_window->findChild<QLabel*>(QStringLiteral("statusText"));
    QVERIFY(dynamics && eigen && status);
    // Never shown: nothing built, also not after network edits.
    QCOMPARE(dynamics->buildCount(), 0);
    QCOMPARE(eigen->jobCount(), 0);
    KernelPanel* kernel = m_window->kernelPanel();
    const int kernelJobs = kernel->jobCount(); // the kernel tab is in front at start: it computed
    QVERIFY(kernelJobs >= 1);
    NetworkDocument* doc = m_window->document();
    QVERIFY(doc->edit(QStringLiteral("w1"), [](Network& n) { std::get<DenseLayer>(n.layers[0]).wStd = 1.2; }));
    QVERIFY(m_window->waitUntilIdle(60000));
    QCOMPARE(dynamics->buildCount(), 0);
    QCOMPARE(eigen->jobCount(), 0);
    // Shown: built once, for the current network.
    QVERIFY(m_window->showPanel(QStringLiteral("dynamics")));
    QVERIFY(m_window->waitUntilIdle(60000));
    QCOMPARE(dynamics->buildCount(), 1);
    QVERIFY(status->text().contains(QStringLiteral("Dynamics")));
    // Hidden again: an edit marks it stale, the visible spectrum owns the status bar.
    QVERIFY(m_window->showPanel(QStringLiteral("spectrum")));
    QVERIFY(m_window->waitUntilIdle(60000));
    QVERIFY(doc->edit(QStringLiteral("w2"), [](Network& n) { std::get<DenseLayer>(n.layers[0]).wStd = 0.9; }));
    QVERIFY(m_window->waitUntilIdle(60000));
    QCOMPARE(dynamics->buildCount(), 1);
    QCOMPARE(eigen->jobCount(), 0);
    QCOMPARE(kernel->jobCount(), kernelJobs + 1); // the edit w1 was made with the kernel in front; w2 was not
    QVERIFY2(status->text().startsWith(QStringLiteral("Spectrum")), qPrintable(status->text()));
    // A hidden panel's message is kept for its tab and shown when the tab comes forward.
    emit dynamics->statusMessage(QStringLiteral("hidden message"));
    QVERIFY(!status->text().contains(QStringLiteral("hidden message")));
    QVERIFY(m_window->showPanel(QStringLiteral("dynamics")));
    QCOMPARE(status->text(), QStringLiteral("hidden message"));
    QVERIFY(m_window->waitUntilIdle(60000));
    QCOMPARE(dynamics->buildCount(), 2); // rebuilt on show
    QVERIFY(status->text().contains(QStringLiteral("Dynamics")));
    QVERIFY(m_window->showPanel(QStringLiteral("kernel")));
    QVERIFY(m_window->waitUntilIdle(60000));
    QCOMPARE(kernel->jobCount(), kernelJobs + 2); // caught up with w2 on show
  }

  void cancelStopsALongJob()
  {
    KernelPanel* panel = m_window->kernelPanel();
    // tanh has no closed form (Mehler series): a 2048-point Gram takes about a second, long enough to cancel.
    m_window->document()->edit(QStringLiteral("tanh"), [](Network& n) {
      for (Layer& l : n.layers)
        if (auto* a = std::get_if<ActivationLayer>(&l)) a->activation = Activation(ActivationKind::Tanh);
    });
    panel->setGridSize(2048);
    QSignalSpy status(panel, &KernelPanel::statusMessage);
    QTest::qWait(30);
    QVERIFY(panel->isBusy());
    panel->cancel();
    QVERIFY(m_window->waitUntilIdle(20000));
    bool sawCancel = false;
    for (const auto& args : status) sawCancel |= args.first().toString().contains(QStringLiteral("cancelled"));
    QVERIFY(sawCancel);
  }

private:
  std::unique_ptr<MainWindow> m_window;
};

int main(int argc, char** argv)
{
  VtkOpenGLWidget::setDefaultSurfaceFormat();
  QApplication app(argc, argv);
  QCoreApplication::setOrganizationName(QStringLiteral("NTK Studio tests"));
  TestMainWindow t;
  return QTest::qExec(&t, argc, argv);
}

#include "test_main_window.moc"
