// DocumentCommand — the base of every step in NTK Studio's one undo history (the document's
// QUndoStack): network edits, point edits in the playgrounds, and whatever later panels add.
// In: the document, the step's text ("Set width of layer 1 to 1024"), and `apply(forward)`.
// Out: on undo and on redo (after the first), the document emits contextActivated(context) —
// the context is the panel name current when the step was made (NetworkDocument::editContext),
// so the main window can bring that panel forward and the user sees what changed.
// The stack shows "text — Panel" so each entry names what it undoes and where.
// GUI thread only.
#pragma once
#include <QString>
#include <QUndoCommand>

namespace ntk::gui {

class NetworkDocument;

class DocumentCommand : public QUndoCommand {
public:
  DocumentCommand(NetworkDocument* doc, const QString& text);

  void undo() final;
  void redo() final;
  /// The panel (tab name) that was current when the step was made; empty for none.
  QString context() const { return m_context; }

protected:
  /// Applies the step (forward = redo) or reverts it.
  virtual void apply(bool forward) = 0;
  NetworkDocument* document() const { return m_doc; }

private:
  NetworkDocument* m_doc;
  QString m_context;
  bool m_pushed = false; ///< the first redo() is QUndoStack::push applying the step: no activation
};

} // namespace ntk::gui
