#include "widgets/window/ShortcutsDialog.h"

#include <QAction>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QMenu>
#include <QMenuBar>
#include <QTableWidget>
#include <QUndoStack>
#include <QVBoxLayout>

namespace ntk::gui {

namespace {

QString plainText(QString text)
{
  // "&Save as…" → "Save as…"; a literal "&&" stays one "&".
  text.replace(QStringLiteral("&&"), QStringLiteral("\x01"));
  text.remove(QLatin1Char('&'));
  text.replace(QStringLiteral("\x01"), QStringLiteral("&"));
  return text;
}

/// "Undo Add layer" → "Undo": the undo stack's actions append the next step's text.
QString withoutStepText(const QString& text, const QUndoStack* undo)
{
  if (!undo) return text;
  for (const QString& step : {undo->undoText(), undo->redoText()})
    if (!step.isEmpty() && text.endsWith(QLatin1Char(' ') + step)) return text.left(text.size() - step.size() - 1);
  return text;
}

void collect(const QMenu* menu, const QString& path, const QUndoStack* undo, std::vector<ShortcutEntry>& out)
{
  for (const QAction* a : menu->actions()) {
    if (a->isSeparator()) continue;
    if (const QMenu* sub = a->menu()) {
      collect(sub, path + QStringLiteral(" ▸ ") + plainText(sub->title()), undo, out);
      continue;
    }
    QStringList keys;
    for (const QKeySequence& k : a->shortcuts())
      if (!k.isEmpty()) keys << k.toString(QKeySequence::NativeText);
    if (keys.isEmpty()) continue;
    out.push_back({path, withoutStepText(plainText(a->text()), undo), keys.join(QStringLiteral(", "))});
  }
}

} // namespace

std::vector<ShortcutEntry> collectShortcuts(const QMenuBar* bar, const QUndoStack* undo)
{
  std::vector<ShortcutEntry> entries;
  for (const QAction* a : bar->actions())
    if (const QMenu* menu = a->menu()) collect(menu, plainText(menu->title()), undo, entries);
  return entries;
}

ShortcutsDialog::ShortcutsDialog(const std::vector<ShortcutEntry>& entries, QWidget* parent)
    : QDialog(parent), m_table(new QTableWidget(int(entries.size()), 3))
{
  setObjectName(QStringLiteral("shortcutsDialog"));
  setWindowTitle(tr("Keyboard shortcuts"));
  m_table->setObjectName(QStringLiteral("shortcutsTable"));
  m_table->setHorizontalHeaderLabels({tr("Keys"), tr("Action"), tr("Menu")});
  for (int r = 0; r < int(entries.size()); ++r) {
    const ShortcutEntry& e = entries[size_t(r)];
    int c = 0;
    for (const QString& text : {e.keys, e.action, e.menu}) {
      auto* item = new QTableWidgetItem(text);
      item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
      m_table->setItem(r, c++, item);
    }
  }
  m_table->verticalHeader()->hide();
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->setAlternatingRowColors(true);
  m_table->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  m_table->resizeColumnsToContents();
  for (int c = 0; c < m_table->columnCount(); ++c) m_table->setColumnWidth(c, m_table->columnWidth(c) + 24); // air
  m_table->horizontalHeader()->setStretchLastSection(true);

  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::close);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(m_table);
  layout->addWidget(buttons);

  // Tall enough for every row without scrolling where the screen allows it.
  int width = 0, height = m_table->horizontalHeader()->sizeHint().height();
  for (int c = 0; c < m_table->columnCount(); ++c) width += m_table->columnWidth(c);
  for (int r = 0; r < m_table->rowCount(); ++r) height += m_table->rowHeight(r);
  const QMargins margins = layout->contentsMargins();
  resize(qMax(420, width + margins.left() + margins.right() + 2 * m_table->frameWidth()),
         qMin(640, height + 2 * m_table->frameWidth() + buttons->sizeHint().height() + layout->spacing() +
                       margins.top() + margins.bottom()));
}

} // namespace ntk::gui
