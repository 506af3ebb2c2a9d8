#include "widgets/window/HelpBrowser.h"

#include <functional>

#include <QDialogButtonBox>
#include <QGuiApplication>
#include <QPushButton>
#include <QScreen>
#include <QTextBlock>
#include <QTextBrowser>
#include <QTextDocument>
#include <QTextFragment>
#include <QUrl>
#include <QVBoxLayout>

namespace ntk::gui {

namespace {

/// The anchor names that start a level-2 heading block, in document order (title and name per block).
void forEachSection(const QTextDocument* doc, const std::function<void(const QString&, const QString&)>& visit)
{
  for (QTextBlock b = doc->begin(); b.isValid(); b = b.next()) {
    if (b.blockFormat().headingLevel() != 2) continue;
    QString anchor;
    for (auto it = b.begin(); !it.atEnd() && anchor.isEmpty(); ++it) {
      const QStringList names = it.fragment().charFormat().anchorNames();
      if (!names.isEmpty()) anchor = names.first();
    }
    visit(anchor, b.text().trimmed());
  }
}

} // namespace

HelpBrowser::HelpBrowser(QWidget* parent) : QDialog(parent), m_browser(new QTextBrowser)
{
  setObjectName(QStringLiteral("helpBrowser"));
  setWindowTitle(tr("NTK Studio — Guide"));
  setModal(false);
  // A window of its own (minimise, maximise), not a dialog the main window waits on.
  setWindowFlags(Qt::Window | Qt::WindowCloseButtonHint | Qt::WindowMinMaxButtonsHint);
  m_browser->setObjectName(QStringLiteral("guideText"));
  m_browser->setOpenExternalLinks(false);
  m_browser->setSource(QUrl(QStringLiteral("qrc:/help/guide.html")));

  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::close);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(m_browser);
  layout->addWidget(buttons);

  // Readable line length, never larger than the screen it opens on.
  QSize size(820, 720);
  if (const QScreen* screen = parent ? parent->screen() : QGuiApplication::primaryScreen())
    size = size.boundedTo(screen->availableSize() * 0.9);
  resize(size);
}

QStringList HelpBrowser::sectionAnchors() const
{
  QStringList anchors;
  forEachSection(m_browser->document(), [&](const QString& anchor, const QString&) { anchors << anchor; });
  return anchors;
}

QStringList HelpBrowser::sectionTitles() const
{
  QStringList titles;
  forEachSection(m_browser->document(), [&](const QString&, const QString& title) { titles << title; });
  return titles;
}

bool HelpBrowser::showSection(const QString& anchor)
{
  if (!sectionAnchors().contains(anchor)) return false;
  m_browser->scrollToAnchor(anchor);
  return true;
}

} // namespace ntk::gui
