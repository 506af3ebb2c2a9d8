// PanelHintBar — the "Try this first" line shown above the tabs for the current panel until the user
// closes it. The hints are a table keyed by panel name (the tab's objectName, as `--panel NAME`), so
// the panels themselves know nothing about it; closing a hint hides it for that panel only, and the
// choice is remembered (QSettings "hints/dismissed") until resetDismissed().
// In: the main window's QTabWidget. Out: a thin closable bar; `withPanelHints(tabs)` returns the
// tabs with the bar above them, for QMainWindow::setCentralWidget. GUI thread only.
#pragma once
#include <QFrame>
#include <QString>

class QLabel;
class QTabWidget;
class QToolButton;

namespace ntk::gui {

class PanelHintBar : public QFrame {
  Q_OBJECT

public:
  explicit PanelHintBar(QTabWidget* tabs, QWidget* parent = nullptr);

  /// The hint for panel `name` ("kernel", "spectrum", …); empty for a panel without one.
  static QString hintFor(const QString& name);
  /// Shows every dismissed hint again (Help ▸ Show panel hints).
  void resetDismissed();

  /// The panel whose hint is shown, or empty when the bar is hidden.
  QString shownPanel() const { return isHidden() ? QString() : m_panel; }
  QString text() const;
  QToolButton* closeButton() const { return m_close; }

public slots:
  /// Hides the current panel's hint for good.
  void dismiss();
  /// Shows the current tab's hint unless it was dismissed or there is none.
  void refresh();

private:
  QTabWidget* m_tabs;
  QLabel* m_label;
  QToolButton* m_close;
  QString m_panel;
};

/// A widget holding `tabs` with a PanelHintBar above it.
QWidget* withPanelHints(QTabWidget* tabs);

} // namespace ntk::gui
