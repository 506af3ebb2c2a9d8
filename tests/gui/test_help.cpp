// GUI tests of the Help menu and the per-panel hints: Help ▸ Guide (F1) opens the offline guide with a
// section for every panel; Help ▸ Keyboard shortcuts lists the window's real shortcuts (Undo, Export,
// and a shortcut added at run time — it is generated, so it cannot drift); About names every panel;
// the "Try this first" bar shows each panel's hint and stays dismissed. Each window is also grabbed at
// 1024×700 (PNG files in the test's working directory) and checked for clipped text.
#include <QAction>
#include <QApplication>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QScrollBar>
#include <QSettings>
#include <QTabWidget>
#include <QTableWidget>
#include <QTextBrowser>
#include <QToolButton>
#include <QUndoStack>
#include <QtTest>

#include "widgets/common/AnalysisPanel.h"
#include "widgets/network/NetworkDocument.h"
#include "widgets/network/NetworkEditor.h"
#include "widgets/window/HelpBrowser.h"
#include "widgets/window/MainWindow.h"
#include "widgets/window/PanelHintBar.h"
#include "widgets/window/ShortcutsDialog.h"
#include "widgets/common/VtkOpenGLWidget.h"

using namespace ntk::gui;

namespace {

QAction* menuAction(QMenuBar* bar, const QString& menuTitle, const QString& text)
{
  for (QAction* m : bar->actions())
    if (m->menu() && m->menu()->title().remove(QLatin1Char('&')) == menuTitle)
      for (QAction* a : m->menu()->actions())
        if (a->text().remove(QLatin1Char('&')) == text) return a;
  return nullptr;
}

QString tabTitle(const MainWindow& w, const QString& name)
{
  auto* tabs = w.findChild<QTabWidget*>();
  for (int i = 0; i < tabs->count(); ++i)
    if (tabs->widget(i)->objectName() == name) return tabs->tabText(i).remove(QLatin1Char('&'));
  return {};
}

/// Row of `table` whose column `col` equals `text`, or −1.
int findRow(const QTableWidget* table, int col, const QString& text)
{
  for (int r = 0; r < table->rowCount(); ++r)
    if (table->item(r, col) && table->item(r, col)->text() == text) return r;
  return -1;
}

void saveShot(QWidget* w, const QString& name)
{
  const QImage img = w->grab().toImage();
  QVERIFY(!img.isNull());
  QVERIFY(img.save(name));
  qInfo("wrote %s (%dx%d)", qPrintable(name), img.width(), img.height());
}

} // namespace

class TestHelp : public QObject {
  Q_OBJECT

private slots:
  void init()
  {
    QSettings().clear();
    m_window = std::make_unique<MainWindow>();
    m_window->resize(1024, 700);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QVERIFY(m_window->waitUntilIdle(60000));
  }
  void cleanup() { m_window.reset(); }

  void guideOpensOnF1WithASectionPerPanel()
  {
    QVERIFY(!m_window->findChild<HelpBrowser*>());
    m_window->activateWindow(); // window shortcuts need an active window (Xvfb has no window manager)
    QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
    QTest::keyClick(m_window.get(), Qt::Key_F1);
    auto* guide = m_window->findChild<HelpBrowser*>();
    QVERIFY2(guide, "F1 did not open the guide");
    QVERIFY(QTest::qWaitForWindowExposed(guide));
    QVERIFY(guide->browser()->toPlainText().size() > 2000);
    const QStringList anchors = guide->sectionAnchors(), titles = guide->sectionTitles();
    QCOMPARE(m_window->panelNames().size(), 8);
    for (const QString& name : m_window->panelNames()) {
      QVERIFY2(anchors.contains(name), qPrintable(QStringLiteral("no guide section for panel ") + name));
      QVERIFY2(titles.contains(tabTitle(*m_window, name)), qPrintable(QStringLiteral("no heading ") + tabTitle(*m_window, name)));
      QVERIFY(guide->showSection(name));
    }
    QVERIFY(!guide->showSection(QStringLiteral("no-such-panel")));
    // The survey's formulas are in it.
    const QString text = guide->browser()->toPlainText();
    for (const char* needle : {"Θl = ql + W²·Ṫ·Θl−1", "Golikov", "Funk–Hecke", "γ(v) = [cos 2πBv, sin 2πBv]"})
      QVERIFY2(text.contains(QString::fromUtf8(needle)), needle);
    // Opened from a tab, it shows that tab's section: the menu action again, on the Dynamics tab.
    QVERIFY(m_window->showPanel(QStringLiteral("dynamics")));
    menuAction(m_window->menuBar(), QStringLiteral("Help"), QStringLiteral("Guide"))->trigger();
    QCOMPARE(m_window->findChildren<HelpBrowser*>().size(), 1); // reused, not a second window
    const int atDynamics = guide->browser()->verticalScrollBar()->value();
    QVERIFY(m_window->showPanel(QStringLiteral("kernel")));
    menuAction(m_window->menuBar(), QStringLiteral("Help"), QStringLiteral("Guide"))->trigger();
    QVERIFY2(guide->browser()->verticalScrollBar()->value() < atDynamics, "the guide did not open at the tab's section");
    // 1024×700 screen: the guide fits, and its text wraps instead of scrolling sideways.
    guide->resize(guide->size().boundedTo(QSize(1024, 700)));
    QTest::qWait(50);
    QVERIFY(guide->width() <= 1024 && guide->height() <= 700);
    QVERIFY2(!guide->browser()->horizontalScrollBar()->isVisible(), "the guide scrolls sideways");
    saveShot(guide, QStringLiteral("help-guide.png"));
  }

  void shortcutsTableListsTheWindowsShortcuts()
  {
    QAction* open = menuAction(m_window->menuBar(), QStringLiteral("Help"), QStringLiteral("Keyboard shortcuts"));
    QVERIFY(open);
    open->trigger();
    auto* dialog = m_window->findChild<ShortcutsDialog*>();
    QVERIFY(dialog);
    QVERIFY(QTest::qWaitForWindowExposed(dialog));
    QTableWidget* table = dialog->table();
    const QString undoKeys = QKeySequence(QKeySequence::Undo).toString(QKeySequence::NativeText);
    const int undo = findRow(table, 1, QStringLiteral("Undo"));
    QVERIFY2(undo >= 0, "no Undo row");
    QCOMPARE(table->item(undo, 0)->text(), undoKeys);
    QCOMPARE(table->item(undo, 2)->text(), QStringLiteral("Edit"));
    const int exportRow = findRow(table, 1, QStringLiteral("Export view…"));
    QVERIFY2(exportRow >= 0, "no Export view row");
    QCOMPARE(table->item(exportRow, 0)->text(), QKeySequence(QStringLiteral("Ctrl+E")).toString(QKeySequence::NativeText));
    QVERIFY(findRow(table, 0, QStringLiteral("F1")) >= 0);
    // Every column readable at 1024×700 without scrolling sideways.
    QVERIFY(dialog->width() <= 1024 && dialog->height() <= 700);
    QVERIFY2(!table->horizontalScrollBar()->isVisible(), "the shortcuts table is clipped horizontally");
    saveShot(dialog, QStringLiteral("help-shortcuts.png"));
    dialog->close();
    QTest::qWait(20);

    // After an edit the Undo action reads "Undo Add layer"; the table still says "Undo".
    m_window->editor()->addHiddenLayer();
    QVERIFY(m_window->document()->undoStack()->canUndo());
    // Generated from the menus: an action added now is listed at once.
    QMenu* view = nullptr;
    for (QAction* m : m_window->menuBar()->actions())
      if (m->menu() && m->menu()->title().remove(QLatin1Char('&')) == QStringLiteral("View")) view = m->menu();
    QVERIFY(view);
    view->addAction(QStringLiteral("Test action"))->setShortcut(QKeySequence(QStringLiteral("Ctrl+Shift+F9")));
    const std::vector<ShortcutEntry> entries = collectShortcuts(m_window->menuBar(), m_window->document()->undoStack());
    bool sawUndo = false, sawNew = false;
    for (const ShortcutEntry& e : entries) {
      sawUndo |= e.action == QStringLiteral("Undo") && e.keys == undoKeys;
      sawNew |= e.action == QStringLiteral("Test action") && e.menu == QStringLiteral("View");
    }
    QVERIFY2(sawUndo, "Undo is listed with the text of the next step");
    QVERIFY(sawNew);
  }

  void aboutMentionsEveryPanel()
  {
    QAction* about = menuAction(m_window->menuBar(), QStringLiteral("Help"), QStringLiteral("About NTK Studio"));
    QVERIFY(about);
    about->trigger();
    auto* box = m_window->findChild<QMessageBox*>(QStringLiteral("aboutNtkStudio"));
    QVERIFY(box);
    QVERIFY(QTest::qWaitForWindowExposed(box));
    const QString text = box->text();
    for (const QString& name : m_window->panelNames())
      QVERIFY2(text.contains(QStringLiteral("<b>%1</b>").arg(tabTitle(*m_window, name))), qPrintable(name));
    for (const char* needle : {"Network", "Golikov", "Neural Tangent Kernel: A Survey", "CC0", "public domain", "ntk-cli"})
      QVERIFY2(text.contains(QString::fromUtf8(needle)), needle);
    QVERIFY(text.contains(QCoreApplication::applicationVersion()));
    QVERIFY2(box->width() <= 1024 && box->height() <= 700,
             qPrintable(QStringLiteral("About is %1x%2").arg(box->width()).arg(box->height())));
    saveShot(box, QStringLiteral("help-about.png"));
    box->close();
  }

  void hintBarShowsForEachPanelAndCanBeDismissed()
  {
    auto* bar = m_window->findChild<PanelHintBar*>();
    QVERIFY(bar);
    saveShot(m_window.get(), QStringLiteral("help-hint-window.png"));
    const QStringList names = m_window->panelNames();
    for (const QString& name : names) {
      QVERIFY(m_window->showPanel(name));
      QVERIFY2(bar->isVisible(), qPrintable(QStringLiteral("no hint on ") + name));
      QCOMPARE(bar->shownPanel(), name);
      const QString hint = PanelHintBar::hintFor(name);
      QVERIFY(!hint.isEmpty());
      QVERIFY(bar->text().contains(hint));
      QVERIFY(bar->text().contains(tabTitle(*m_window, name)));
      // Not clipped at 1024 wide: the wrapped label has the height its text needs.
      auto* label = bar->findChild<QLabel*>(QStringLiteral("panelHintText"));
      QVERIFY2(label->height() >= label->heightForWidth(label->width()),
               qPrintable(QStringLiteral("%1: hint %2 px high, needs %3").arg(name).arg(label->height()).arg(label->heightForWidth(label->width()))));
    }
    // Dismiss each one: it stays hidden on its tab, the others still show theirs.
    for (int i = 0; i < names.size(); ++i) {
      QVERIFY(m_window->showPanel(names[i]));
      QTest::mouseClick(bar->closeButton(), Qt::LeftButton);
      QVERIFY(!bar->isVisible());
      QVERIFY(bar->shownPanel().isEmpty());
      if (i + 1 < names.size()) {
        QVERIFY(m_window->showPanel(names[i + 1]));
        QVERIFY2(bar->isVisible(), "dismissing one hint hid another panel's");
        QVERIFY(m_window->showPanel(names[i]));
        QVERIFY(!bar->isVisible());
      }
    }
    // Remembered by the next window; Help ▸ Show panel hints brings them back.
    m_window = std::make_unique<MainWindow>();
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    bar = m_window->findChild<PanelHintBar*>();
    QVERIFY(!bar->isVisible());
    menuAction(m_window->menuBar(), QStringLiteral("Help"), QStringLiteral("Show panel hints"))->trigger();
    QVERIFY(bar->isVisible());
    QCOMPARE(bar->shownPanel(), m_window->panelNames().first());
  }

private:
  std::unique_ptr<MainWindow> m_window;
};

int main(int argc, char** argv)
{
  QCoreApplication::setOrganizationName(QStringLiteral("NTK Studio tests"));
  QCoreApplication::setApplicationName(QStringLiteral("test_help"));
  QCoreApplication::setApplicationVersion(QStringLiteral("0.1.0"));
  ntk::gui::VtkOpenGLWidget::setDefaultSurfaceFormat();
  QApplication app(argc, argv);
  TestHelp test;
  return QTest::qExec(&test, argc, argv);
}

#include "test_help.moc"
