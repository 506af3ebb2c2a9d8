// HelpBrowser — Help ▸ Guide: the offline guide (resources/help/guide.html, compiled into the program)
// in a window of its own beside the main window.
// In: nothing (the guide is the resource ":/help/guide.html"). Out: a non-modal window with a
// QTextBrowser; `sectionAnchors()` lists the guide's sections (one per panel, by panel name) and
// `showSection(name)` scrolls to one. GUI thread only.
#pragma once
#include <QDialog>
#include <QStringList>

class QTextBrowser;

namespace ntk::gui {

class HelpBrowser : public QDialog {
  Q_OBJECT

public:
  explicit HelpBrowser(QWidget* parent = nullptr);

  QTextBrowser* browser() const { return m_browser; }
  /// The anchor names of the guide's sections (level-2 headings), in order: "network", "kernel", …
  QStringList sectionAnchors() const;
  /// The titles of those sections, as the reader sees them.
  QStringList sectionTitles() const;
  /// Scrolls to the section `anchor` (a panel name); false when the guide has no such section.
  bool showSection(const QString& anchor);

private:
  QTextBrowser* m_browser;
};

} // namespace ntk::gui
