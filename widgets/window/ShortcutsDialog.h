// ShortcutsDialog — Help ▸ Keyboard shortcuts: a table generated from the window's menus, so it
// lists exactly the shortcuts the program has (it cannot drift from them).
// In: a menu bar (walked recursively) and optionally the undo stack, whose undo/redo actions carry
// the text of the next step ("Undo Add layer") that the table leaves out. Out: one row per action
// with a shortcut: menu path, action, keys (native text, e.g. "Ctrl+Z").
#pragma once
#include <QDialog>
#include <QString>
#include <vector>

class QMenuBar;
class QTableWidget;
class QUndoStack;

namespace ntk::gui {

struct ShortcutEntry {
  QString menu;   ///< "File", "Edit", … (submenus as "File ▸ Examples")
  QString action; ///< the action's text without mnemonics
  QString keys;   ///< every shortcut of the action, comma-separated
};

/// The actions with a shortcut under `bar`, in menu order.
std::vector<ShortcutEntry> collectShortcuts(const QMenuBar* bar, const QUndoStack* undo = nullptr);

class ShortcutsDialog : public QDialog {
  Q_OBJECT

public:
  ShortcutsDialog(const std::vector<ShortcutEntry>& entries, QWidget* parent = nullptr);
  QTableWidget* table() const { return m_table; }

private:
  QTableWidget* m_table;
};

} // namespace ntk::gui
