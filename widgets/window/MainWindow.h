// MainWindow — NTK Studio's window: network editor dock, panels (tabs), menus, status bar with
// progress and Cancel, recent files, remembered layout (QSettings).
// In: nothing (creates its NetworkDocument). Out: a window; `panelNames()`/`showPanel()` for
// `--panel NAME`; `waitUntilIdle()` for screenshots and tests.
#pragma once
#include <QMainWindow>
#include <QHash>
#include <QStringList>
#include <vector>

class QLabel;
class QMenu;
class QProgressBar;
class QPushButton;
class QTabWidget;
class QTimer;

namespace ntk::gui {

class NetworkDocument;
class NetworkEditor;
class KernelPanel;
class AnalysisPanel;
class HelpBrowser;

class MainWindow : public QMainWindow {
  Q_OBJECT

public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  NetworkDocument* document() const { return m_doc; }
  NetworkEditor* editor() const { return m_editor; }
  KernelPanel* kernelPanel() const { return m_kernel; }

  /// Every tab, in order; `name` is what `--panel NAME` and panelNames() use.
  const std::vector<AnalysisPanel*>& panels() const { return m_panels; }
  AnalysisPanel* currentPanel() const;
  QStringList panelNames() const;
  /// The same names without a window (ntk-studio --help): kernel, spectrum, eigenfunctions, dynamics, image, topopt.
  static QStringList panelNameList();
  bool showPanel(const QString& name);
  /// Opens a network file; on failure shows nothing modal when `quiet`, returns false with the reason.
  bool openNetwork(const QString& path, QString* error = nullptr, bool quiet = false);
  /// Spins the event loop until no computation is pending (or the timeout in ms passes).
  bool waitUntilIdle(int timeoutMs = 30000);

protected:
  void closeEvent(class QCloseEvent* event) override;
  /// Lets Ctrl+Z / Ctrl+Shift+Z reach the Edit menu while a spin box has focus (its line edit would
  /// otherwise take them for its own one-field undo, and a spin box has focus after every edit).
  bool eventFilter(QObject* watched, QEvent* event) override;

private:
  void addPanel(AnalysisPanel* panel, const QString& name, const QString& title, const QString& tip);
  /// The name under which `panel`'s network is bound: its own, or its upstream's (the eigenfunctions
  /// show the spectrum's network).
  QString bindingName(const AnalysisPanel* panel) const;
  /// The tab became current: the dock edits its network; undo steps name it.
  void onPanelShown();
  void registerPanel(AnalysisPanel* panel);
  bool anyPanelBusy() const;
  /// Whether `panel`'s status messages belong on the status bar now: it is the current tab, or the
  /// current tab shows its result (AnalysisPanel::upstream).
  bool showsStatusOf(const AnalysisPanel* panel) const;
  void createActions();
  void createHelpMenu();
  void updateTitle();
  void updateRecentMenu();
  void addRecentFile(const QString& path);
  bool maybeSave();
  bool saveAs();
  bool save();
  void exportView();

  NetworkDocument* m_doc;
  NetworkEditor* m_editor;
  QTabWidget* m_tabs;
  KernelPanel* m_kernel;
  std::vector<AnalysisPanel*> m_panels;   ///< in tab order; each tab page is the panel under its NetworkBar
  QHash<const AnalysisPanel*, QString> m_titles;
  QTimer* m_showProgress = nullptr;
  QMenu* m_recentMenu = nullptr;
  QProgressBar* m_progress;
  QPushButton* m_cancel;
  QLabel* m_status = nullptr;
  HelpBrowser* m_guide = nullptr; ///< Help ▸ Guide, created when first opened
  QHash<const AnalysisPanel*, QString> m_panelStatus; ///< each panel's last message, shown when its tab is
};

} // namespace ntk::gui
