#include "widgets/window/MainWindow.h"

#include <QAbstractSpinBox>
#include <QAction>
#include <QActionGroup>
#include <QKeyEvent>
#include <QApplication>
#include <QCloseEvent>
#include <QDeadlineTimer>
#include <QDockWidget>
#include <QFileDialog>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QThread>
#include <QTimer>
#include <QUndoStack>
#include <QUndoView>
#include <QVBoxLayout>

#include "widgets/dynamics/DynamicsPanel.h"
#include "widgets/finite/RegimesPanel.h"
#include "widgets/finite/WidthPanel.h"
#include "widgets/spectra/EigenfunctionPanel.h"
#include "widgets/image/ImageModel.h"
#include "widgets/image/ImagePanel.h"
#include "widgets/kernel/KernelPanel.h"
#include "widgets/spectra/SpectrumPanel.h"
#include "widgets/topopt/TopoptModel.h"
#include "widgets/topopt/TopoptPanel.h"
#include "widgets/network/NetworkDocument.h"
#include "widgets/network/NetworkBar.h"
#include "widgets/network/NetworkEditor.h"
#include "widgets/window/AboutBox.h"
#include "widgets/window/HelpBrowser.h"
#include "widgets/window/PanelHintBar.h"
#include "widgets/window/ShortcutsDialog.h"

namespace ntk::gui {

namespace {
constexpr int kMaxRecent = 8;
}

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent), m_doc(new NetworkDocument(this))
{
  setObjectName(QStringLiteral("MainWindow"));
  // A new document works on every tab at once: the Image panel, which needs input_dim 2, gets a named
  // network of its own ("image"), and so does the Topology panel ("topopt": topoptNetwork's defaults) —
  // listed in the dock like any other, nothing is copied behind their back.
  NetworkDocument::Structure start = m_doc->structure();
  start.networks.push_back({start.networks.back().id + 1, tr("image"), defaultImageNetwork(), {}});
  start.bindings.insert(QStringLiteral("image"), start.networks.back().id);
  start.networks.push_back({start.networks.back().id + 1, tr("topopt"), defaultTopoptNetwork(), {}});
  start.bindings.insert(QStringLiteral("topopt"), start.networks.back().id);
  m_doc->setStructureDirect(start);
  m_tabs = new QTabWidget;
  m_kernel = new KernelPanel(m_doc);
  addPanel(m_kernel, QStringLiteral("kernel"), tr("Kernel"), tr("Exact NNGP/NTK on a grid of inputs, one row as a curve"));
  auto* spectrum = new SpectrumPanel(m_doc);
  addPanel(spectrum, QStringLiteral("spectrum"), tr("Spectrum"), tr("Mercer eigenvalues of the NTK/NNGP (log–log), power-law fit, pins"));
  auto* eigenfunctions = new EigenfunctionPanel(spectrum);
  addPanel(eigenfunctions, QStringLiteral("eigenfunctions"), tr("Eigenfunctions"), tr("The eigenfunction of a chosen eigenvalue on the spectrum's domain"));
  // Double-clicking a spectrum point opens its eigenfunction.
  connect(spectrum, &SpectrumPanel::eigenfunctionRequested, this, [this] { showPanel(QStringLiteral("eigenfunctions")); });
  addPanel(new DynamicsPanel(m_doc), QStringLiteral("dynamics"), tr("Dynamics"), tr("Training-dynamics playground: 1-D targets and TF Playground's 2-D data sets, f_t of gradient flow / GD, train/test loss, per-mode residual decay"));
  addPanel(new RegimesPanel(m_doc), QStringLiteral("regimes"), tr("Regimes"), tr("Lazy vs rich: how far finite networks move their kernel and weights, per width"));
  addPanel(new WidthPanel(m_doc), QStringLiteral("width"), tr("Width"), tr("Empirical kernel of finite networks against the analytic one, by width"));
  addPanel(new ImagePanel(m_doc), QStringLiteral("image"), tr("Image"), tr("Fit a picture from every s-th pixel: exact NTK/NNGP regression, its gradient flow over t, the trained MLP and bicubic, with held-out PSNRs"));
  addPanel(new TopoptPanel(m_doc), QStringLiteral("topopt"), tr("Topology"), tr("SIMP topology optimisation live: click loads and supports onto the grid, classic (top88) and neural (Dupuis–Jacot) side by side, the NTK filter the network implies"));
  // Further panels: addPanel(new SomePanel(m_doc), "name", title, tooltip) — `name` is `--panel name`.
  setCentralWidget(withPanelHints(m_tabs)); // the "Try this first" line above the tabs

  auto* dock = new QDockWidget(tr("Network"), this);
  dock->setObjectName(QStringLiteral("NetworkDock"));
  m_editor = new NetworkEditor(m_doc);
  // Scrollable, so a small or high-DPI screen can still reach every control.
  auto* scroll = new QScrollArea;
  scroll->setWidget(m_editor);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  scroll->setMinimumWidth(m_editor->minimumSizeHint().width() + scroll->verticalScrollBar()->sizeHint().width());
  dock->setWidget(scroll);
  addDockWidget(Qt::LeftDockWidgetArea, dock);
  // The one undo history, every step named with the panel it was made on; clicking a step goes there.
  auto* history = new QDockWidget(tr("History"), this);
  history->setObjectName(QStringLiteral("HistoryDock"));
  auto* undoView = new QUndoView(m_doc->undoStack());
  undoView->setEmptyLabel(tr("<opened>"));
  undoView->setToolTip(tr("Every change to the document, oldest first. Click a step to go back to it."));
  history->setWidget(undoView);
  addDockWidget(Qt::LeftDockWidgetArea, history);
  history->hide();

  m_status = new QLabel;
  m_status->setObjectName(QStringLiteral("statusText"));
  m_progress = new QProgressBar;
  m_progress->setRange(0, 100);
  m_progress->setMaximumWidth(160);
  m_progress->setVisible(false);
  m_cancel = new QPushButton(tr("Cancel"));
  m_cancel->setToolTip(tr("Cancel the running computation (Esc)"));
  m_cancel->setVisible(false);
  statusBar()->addWidget(m_status, 1);
  statusBar()->addPermanentWidget(m_progress);
  statusBar()->addPermanentWidget(m_cancel);

  // Only show the bar for work that takes a moment: quick updates while dragging stay quiet.
  m_showProgress = new QTimer(this);
  m_showProgress->setSingleShot(true);
  m_showProgress->setInterval(250);
  connect(m_showProgress, &QTimer::timeout, this, [this] {
    if (anyPanelBusy()) {
      m_progress->setVisible(true);
      m_cancel->setVisible(true);
    }
  });
  connect(m_cancel, &QPushButton::clicked, this, [this] {
    for (AnalysisPanel* p : m_panels)
      if (p->isBusy()) p->cancel();
  });
  for (AnalysisPanel* p : m_panels) registerPanel(p);
  // A tab brought forward shows its own last message (hidden panels do not write the status bar).
  connect(m_tabs, &QTabWidget::currentChanged, this, [this] {
    if (const AnalysisPanel* p = currentPanel(); p && m_panelStatus.contains(p)) m_status->setText(m_panelStatus.value(p));
  });
  connect(m_doc, &NetworkDocument::editRejected, this,
          [this](const QString& msg) { m_status->setText(tr("Edit refused: %1").arg(msg)); });
  connect(m_editor, &NetworkEditor::valueRefused, this,
          [this](const QString& msg) { m_status->setText(tr("Refused: %1 — nothing recomputed until it is fixed").arg(msg)); });
  connect(m_doc, &NetworkDocument::filePathChanged, this, &MainWindow::updateTitle);
  // One undo history: each step remembers the tab it was made on, and undo/redo brings that tab forward.
  onPanelShown();
  connect(m_tabs, &QTabWidget::currentChanged, this, &MainWindow::onPanelShown);
  connect(m_doc, &NetworkDocument::contextActivated, this, [this](const QString& panel) {
    if (!panel.isEmpty()) showPanel(panel);
  });
  // The user chose another network in the dock: the panel on screen now uses it.
  connect(m_editor, &NetworkEditor::networkChosen, this, [this](int id) {
    if (const AnalysisPanel* p = currentPanel()) m_doc->bindPanel(bindingName(p), id);
  });
  connect(m_doc->undoStack(), &QUndoStack::cleanChanged, this, &MainWindow::updateTitle);

  createActions();
  updateTitle();
  qApp->installEventFilter(this);
  resize(1400, 820);
  QSettings settings;
  restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
  restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
}

MainWindow::~MainWindow()
{
  // The document is a child and dies in ~QObject, after this destructor: its undo stack emits
  // cleanChanged as it goes, which must not reach a half-destroyed window.
  m_doc->undoStack()->disconnect(this);
  m_doc->disconnect(this);
}

void MainWindow::addPanel(AnalysisPanel* panel, const QString& name, const QString& title, const QString& tip)
{
  panel->setObjectName(name);
  m_titles.insert(panel, title);
  auto* page = new QWidget;
  page->setObjectName(name); // the tab's page carries the panel's name too (hint bar, guide, tab lookups)
  auto* column = new QVBoxLayout(page);
  column->setContentsMargins(0, 0, 0, 0);
  column->setSpacing(0);
  auto* bar = new NetworkBar(m_doc, bindingName(panel), title);
  bar->setRequirement(panel->requiredInputDim(), panel->requiredInputPurpose());
  connect(panel, &AnalysisPanel::requirementChanged, bar,
          [bar, panel] { bar->setRequirement(panel->requiredInputDim(), panel->requiredInputPurpose()); });
  column->addWidget(bar);
  column->addWidget(panel, 1);
  const int index = m_tabs->addTab(page, title);
  m_tabs->setTabToolTip(index, tip);
  m_panels.push_back(panel);
  if (m_status) registerPanel(panel);
}

void MainWindow::registerPanel(AnalysisPanel* panel)
{
  connect(panel, &AnalysisPanel::statusMessage, this, [this, panel](const QString& text) {
    m_panelStatus.insert(panel, text);
    if (showsStatusOf(panel)) m_status->setText(text);
  });
  connect(panel, &AnalysisPanel::progressChanged, m_progress, &QProgressBar::setValue);
  connect(panel, &AnalysisPanel::busyChanged, this, [this](bool busy) {
    if (busy) {
      if (!m_progress->isVisible()) m_showProgress->start();
    } else if (!anyPanelBusy()) {
      m_showProgress->stop();
      m_progress->setVisible(false);
      m_cancel->setVisible(false);
    }
  });
}

bool MainWindow::anyPanelBusy() const
{
  for (const AnalysisPanel* p : m_panels)
    if (p->isBusy()) return true;
  return false;
}

bool MainWindow::showsStatusOf(const AnalysisPanel* panel) const
{
  const AnalysisPanel* current = currentPanel();
  return current && (panel == current || current->upstream() == panel);
}

AnalysisPanel* MainWindow::currentPanel() const
{
  const int index = m_tabs->currentIndex();
  return index >= 0 && index < int(m_panels.size()) ? m_panels[size_t(index)] : nullptr;
}

QString MainWindow::bindingName(const AnalysisPanel* panel) const
{
  const AnalysisPanel* upstream = panel->upstream();
  return upstream ? upstream->objectName() : panel->objectName();
}

void MainWindow::onPanelShown()
{
  const AnalysisPanel* p = currentPanel();
  if (!p) return;
  m_doc->setEditContext(p->objectName(), m_titles.value(p));
  m_doc->setCurrent(m_doc->networkIdFor(bindingName(p)));
}

void MainWindow::createActions()
{
  QMenu* file = menuBar()->addMenu(tr("&File"));
  // A new network joins the document (undoable); nothing is discarded.
  QAction* newAct = file->addAction(tr("&New network"), m_editor, &NetworkEditor::newNetwork);
  newAct->setShortcut(QKeySequence::New);
  QAction* open = file->addAction(tr("&Open network…"), this, [this] {
    if (!maybeSave()) return;
    const QString path = QFileDialog::getOpenFileName(this, tr("Open network"), QString(), tr("Network JSON (*.json);;All files (*)"));
    if (!path.isEmpty()) openNetwork(path);
  });
  open->setShortcut(QKeySequence::Open);
  m_recentMenu = file->addMenu(tr("Open &recent"));
  updateRecentMenu();
  // Examples ship inside the executable (resources.qrc) when the app provides them.
  QMenu* examples = file->addMenu(tr("E&xamples"));
  const QList<QPair<QString, QString>> exampleFiles = {
      {tr("Fourier features (Gaussian σ = 4)"), QStringLiteral(":/networks/fourier_features.json")},
      {tr("ReLU on the circle"), QStringLiteral(":/networks/relu_circle.json")},
      {tr("erf, standard parameterisation"), QStringLiteral(":/networks/erf_standard.json")},
      {tr("SIREN-style sin(30z)"), QStringLiteral(":/networks/siren.json")},
      {tr("Bias-free 2-layer ReLU on the circle (odd eigenvalues vanish)"), QStringLiteral(":/networks/relu2_circle_nobias.json")},
      {tr("ReLU on the sphere S²"), QStringLiteral(":/networks/relu_sphere.json")},
      {tr("Positional encoding, integer frequencies (periodic grid spectra)"), QStringLiteral(":/networks/positional_grid.json")}};
  for (const auto& [label, path] : exampleFiles) {
    if (!QFile::exists(path)) continue;
    examples->addAction(label, this, [this, path = path] {
      if (!maybeSave()) return;
      QString err;
      if (m_doc->load(path, &err)) {
        m_doc->reset(m_doc->network()); // an example is a template: untitled, not the resource path
        m_status->setText(tr("Example loaded: %1").arg(QFileInfo(path).fileName()));
      } else {
        QMessageBox::warning(this, tr("Open example"), err);
      }
    });
  }
  examples->setEnabled(!examples->isEmpty());
  file->addSeparator();
  file->addAction(tr("&Save"), this, [this] { save(); })->setShortcut(QKeySequence::Save);
  // Explicit: QKeySequence::SaveAs is empty without a desktop theme.
  file->addAction(tr("Save &as…"), this, [this] { saveAs(); })->setShortcut(QKeySequence(tr("Ctrl+Shift+S")));
  file->addSeparator();
  QAction* exportAct = file->addAction(tr("&Export view…"), this, [this] { exportView(); });
  exportAct->setShortcut(QKeySequence(tr("Ctrl+E")));
  exportAct->setToolTip(tr("PNG or SVG figure, or the matrix as CSV / NPY"));
  file->addSeparator();
  file->addAction(tr("&Quit"), this, &QWidget::close)->setShortcut(QKeySequence::Quit);

  QMenu* edit = menuBar()->addMenu(tr("&Edit"));
  QAction* undo = m_doc->undoStack()->createUndoAction(this, tr("&Undo"));
  undo->setShortcut(QKeySequence::Undo);
  QAction* redo = m_doc->undoStack()->createRedoAction(this, tr("&Redo"));
  redo->setShortcut(QKeySequence::Redo);
  edit->addAction(undo);
  edit->addAction(redo);
  edit->addSeparator();
  edit->addAction(tr("Add &layer"), m_editor, &NetworkEditor::addHiddenLayer)->setShortcut(QKeySequence(tr("Ctrl+L")));
  edit->addAction(tr("&Remove layer"), m_editor, &NetworkEditor::removeSelectedLayer)
      ->setShortcut(QKeySequence(tr("Ctrl+Del")));
  edit->addAction(tr("Move layer &up"), this, [this] { m_editor->moveSelectedLayer(-1); })
      ->setShortcut(QKeySequence(tr("Ctrl+Up")));
  edit->addAction(tr("Move layer &down"), this, [this] { m_editor->moveSelectedLayer(+1); })
      ->setShortcut(QKeySequence(tr("Ctrl+Down")));

  QMenu* view = menuBar()->addMenu(tr("&View"));
  // NTK / NNGP of the current tab (the eigenfunction tab: of its spectrum).
  auto* kinds = new QActionGroup(this);
  auto setKind = [this](bool ntk) {
    AnalysisPanel* p = currentPanel();
    if (auto* e = qobject_cast<EigenfunctionPanel*>(p)) p = const_cast<AnalysisPanel*>(e->upstream());
    if (auto* s = qobject_cast<SpectrumPanel*>(p))
      s->setShowNtk(ntk);
    else if (auto* d = qobject_cast<DynamicsPanel*>(p))
      d->setShowNtk(ntk);
    else if (auto* im = qobject_cast<ImagePanel*>(p))
      im->setShowNtk(ntk); // which kernel regression is fitted and shown (the MLP stays as it is)
    else
      m_kernel->setShowNtk(ntk);
  };
  QAction* ntkAct = view->addAction(tr("Show &NTK"), this, [setKind] { setKind(true); });
  ntkAct->setShortcut(QKeySequence(tr("Ctrl+1")));
  ntkAct->setStatusTip(tr("The current view shows the neural tangent kernel Θ"));
  QAction* nngpAct = view->addAction(tr("Show NN&GP"), this, [setKind] { setKind(false); });
  nngpAct->setShortcut(QKeySequence(tr("Ctrl+2")));
  nngpAct->setStatusTip(tr("The current view shows the NNGP kernel K"));
  for (QAction* a : {ntkAct, nngpAct}) {
    a->setCheckable(true);
    kinds->addAction(a);
  }
  auto syncKind = [this, ntkAct, nngpAct] {
    const AnalysisPanel* p = currentPanel();
    if (auto* e = qobject_cast<const EigenfunctionPanel*>(p)) p = e->upstream();
    bool ntk = m_kernel->showsNtk();
    if (auto* s = qobject_cast<const SpectrumPanel*>(p))
      ntk = s->showsNtk();
    else if (auto* d = qobject_cast<const DynamicsPanel*>(p))
      ntk = d->showsNtk();
    if (auto* im = qobject_cast<const ImagePanel*>(p); im && (im->showsBothKernels() || !(im->showsNtk() || im->showsNngp()))) {
      // The image panel can show both kernels (or neither): then neither action is checked.
      ntkAct->setChecked(false);
      nngpAct->setChecked(false);
      return;
    } else if (im) {
      ntk = im->showsNtk();
    }
    (ntk ? ntkAct : nngpAct)->setChecked(true);
  };
  syncKind();
  connect(m_kernel, &KernelPanel::kindChanged, this, syncKind);
  connect(m_tabs, &QTabWidget::currentChanged, this, syncKind);
  connect(view, &QMenu::aboutToShow, this, syncKind);
  view->addSeparator();
  for (QDockWidget* dock : findChildren<QDockWidget*>()) view->addAction(dock->toggleViewAction());
  // The image panel's encoding sweep (its button runs the same action); enabled while that tab is in front.
  for (AnalysisPanel* p : m_panels)
    if (auto* im = qobject_cast<ImagePanel*>(p)) {
      QAction* sweep = im->sweepAction();
      view->addAction(sweep);
      auto sync = [this, im, sweep] { sweep->setEnabled(currentPanel() == im); };
      sync();
      connect(m_tabs, &QTabWidget::currentChanged, this, sync);
    }
  view->addAction(tr("&Recompute"), this, [this] {
        if (AnalysisPanel* p = currentPanel()) p->scheduleRecompute();
      })->setShortcut(QKeySequence(tr("F5")));
  view->addAction(tr("&Cancel computation"), this, [this] {
        for (AnalysisPanel* p : m_panels)
          if (p->isBusy()) p->cancel();
      })->setShortcut(QKeySequence(Qt::Key_Escape));

  createHelpMenu();
}

void MainWindow::createHelpMenu()
{
  QMenu* help = menuBar()->addMenu(tr("&Help"));
  QAction* guide = help->addAction(tr("&Guide"), this, [this] {
    if (!m_guide) m_guide = new HelpBrowser(this);
    m_guide->show();
    m_guide->raise();
    m_guide->activateWindow();
    // At the current tab's section (after show: the scroll position needs the laid-out text).
    if (const AnalysisPanel* p = currentPanel()) m_guide->showSection(p->objectName());
  });
  guide->setShortcut(QKeySequence(Qt::Key_F1));
  guide->setStatusTip(tr("What each panel shows, what to try first, and the formula behind it"));
  help->addAction(tr("&Keyboard shortcuts"), this, [this] {
    // Generated from the menus each time, so it lists exactly the shortcuts the window has.
    auto* dialog = new ShortcutsDialog(collectShortcuts(menuBar(), m_doc->undoStack()), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
  });
  help->addAction(tr("Show panel &hints"), this, [this] {
    if (auto* hints = findChild<PanelHintBar*>()) hints->resetDismissed();
  })->setStatusTip(tr("Show the “Try this first” line of every panel again"));
  help->addSeparator();
  help->addAction(tr("&About NTK Studio"), this, [this] {
    PanelSummaries panels;
    for (int i = 0; i < m_tabs->count(); ++i) panels.emplace_back(m_tabs->tabText(i).remove(QLatin1Char('&')), m_tabs->tabToolTip(i));
    showAboutBox(this, panels, QApplication::applicationVersion());
  });
}

QStringList MainWindow::panelNameList()
{
  return {QStringLiteral("kernel"), QStringLiteral("spectrum"), QStringLiteral("eigenfunctions"), QStringLiteral("dynamics"), QStringLiteral("regimes"),
          QStringLiteral("width"), QStringLiteral("image"), QStringLiteral("topopt")};
}

QStringList MainWindow::panelNames() const
{
  QStringList names;
  for (const AnalysisPanel* p : m_panels) names << p->objectName();
  return names;
}

bool MainWindow::showPanel(const QString& name)
{
  for (size_t i = 0; i < m_panels.size(); ++i)
    if (m_panels[i]->objectName() == name) {
      m_tabs->setCurrentIndex(int(i));
      return true;
    }
  return false;
}

bool MainWindow::openNetwork(const QString& path, QString* error, bool quiet)
{
  QString err;
  if (!m_doc->load(path, &err)) {
    if (error) *error = err;
    m_status->setText(tr("Could not open %1").arg(QFileInfo(path).fileName()));
    if (!quiet) QMessageBox::warning(this, tr("Open network"), err);
    return false;
  }
  addRecentFile(path);
  m_status->setText(tr("Opened %1").arg(path));
  return true;
}

bool MainWindow::waitUntilIdle(int timeoutMs)
{
  QDeadlineTimer deadline(timeoutMs);
  while (!deadline.hasExpired()) {
    QApplication::processEvents(QEventLoop::AllEvents, 20);
    if (!anyPanelBusy()) {
      QApplication::processEvents();
      if (!anyPanelBusy()) return true;
    }
    QThread::msleep(5);
  }
  return false;
}

bool MainWindow::eventFilter(QObject* watched, QEvent* event)
{
  // Ctrl+Z / Ctrl+Shift+Z typed in a spin box: a QLineEdit claims them (ShortcutOverride) for its own
  // one-field undo, and after every edit a spin box has focus — so the document's undo would never
  // run. Claim the key here and run the document's undo/redo on the key press instead.
  if (event->type() == QEvent::ShortcutOverride || event->type() == QEvent::KeyPress) {
    auto* key = static_cast<QKeyEvent*>(event);
    const bool undo = key->matches(QKeySequence::Undo), redo = key->matches(QKeySequence::Redo);
    const bool inSpinBox = qobject_cast<QAbstractSpinBox*>(watched) ||
                           (watched->parent() && qobject_cast<QAbstractSpinBox*>(watched->parent()));
    bool ours = false; // also inside a floating dock (isAncestorOf stops at window boundaries)
    for (QObject* o = watched; o && !ours; o = o->parent()) ours = (o == this);
    if ((undo || redo) && inSpinBox && ours) {
      if (event->type() == QEvent::KeyPress) {
        if (undo)
          m_doc->undoStack()->undo();
        else
          m_doc->undoStack()->redo();
      }
      event->accept();
      return true;
    }
  }
  return QMainWindow::eventFilter(watched, event);
}

void MainWindow::closeEvent(QCloseEvent* event)
{
  if (!maybeSave()) {
    event->ignore();
    return;
  }
  QSettings settings;
  settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
  settings.setValue(QStringLiteral("window/state"), saveState());
  event->accept();
}

void MainWindow::updateTitle()
{
  const QString name = m_doc->filePath().isEmpty() ? tr("untitled") : QFileInfo(m_doc->filePath()).fileName();
  setWindowTitle(tr("%1[*] — NTK Studio").arg(name));
  setWindowModified(m_doc->isModified());
}

void MainWindow::updateRecentMenu()
{
  m_recentMenu->clear();
  const QStringList files = QSettings().value(QStringLiteral("recentFiles")).toStringList();
  for (const QString& f : files)
    m_recentMenu->addAction(QFileInfo(f).fileName(), this, [this, f] {
      if (maybeSave()) openNetwork(f);
    })->setToolTip(f);
  m_recentMenu->setEnabled(!files.isEmpty());
}

void MainWindow::addRecentFile(const QString& path)
{
  QSettings settings;
  QStringList files = settings.value(QStringLiteral("recentFiles")).toStringList();
  const QString abs = QFileInfo(path).absoluteFilePath();
  files.removeAll(abs);
  files.prepend(abs);
  while (files.size() > kMaxRecent) files.removeLast();
  settings.setValue(QStringLiteral("recentFiles"), files);
  updateRecentMenu();
}

bool MainWindow::maybeSave()
{
  if (!m_doc->isModified() || !isVisible()) return true;
  const auto answer = QMessageBox::question(this, tr("Unsaved network"), tr("The network has unsaved changes. Save them?"),
                                            QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel);
  if (answer == QMessageBox::Save) return save();
  return answer == QMessageBox::Discard;
}

bool MainWindow::save()
{
  if (m_doc->filePath().isEmpty()) return saveAs();
  QString err;
  if (!m_doc->save(m_doc->filePath(), &err)) {
    QMessageBox::warning(this, tr("Save network"), err);
    return false;
  }
  m_status->setText(tr("Saved %1").arg(m_doc->filePath()));
  return true;
}

bool MainWindow::saveAs()
{
  QString path = QFileDialog::getSaveFileName(this, tr("Save network"), m_doc->filePath(), tr("Network JSON (*.json)"));
  if (path.isEmpty()) return false;
  if (QFileInfo(path).suffix().isEmpty()) path += QStringLiteral(".json");
  QString err;
  if (!m_doc->save(path, &err)) {
    QMessageBox::warning(this, tr("Save network"), err);
    return false;
  }
  addRecentFile(path);
  return true;
}

void MainWindow::exportView()
{
  QString selected;
  AnalysisPanel* panel = currentPanel();
  if (!panel) return;
  const QString path = QFileDialog::getSaveFileName(this, tr("Export view"), panel->objectName() + QStringLiteral(".png"),
                                                    panel->exportFilter(), &selected);
  if (path.isEmpty()) return;
  QString target = path;
  if (QFileInfo(target).suffix().isEmpty()) {
    // No extension typed: take it from the chosen filter, "PNG figure (*.png)" → ".png".
    const int star = selected.indexOf(QStringLiteral("*."));
    target += star >= 0 ? selected.mid(star + 1, selected.indexOf(QLatin1Char(')'), star) - star - 1) : QStringLiteral(".png");
  }
  QString err;
  if (!panel->exportView(target, &err))
    QMessageBox::warning(this, tr("Export view"), err);
  else if (const QString summary = panel->lastExportSummary(); !summary.isEmpty())
    m_status->setText(summary);
  else
    m_status->setText(tr("Exported %1").arg(target));
}

} // namespace ntk::gui
