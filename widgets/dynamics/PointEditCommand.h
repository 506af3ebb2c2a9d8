// PointEditCommand — one point edit of the dynamics playground (add, move, remove, resample) as a
// step of the document's one undo history (DocumentCommand on NetworkDocument::undoStack()).
// In: the panel, the step's text ("Add point (0.31, 0.52)"), the playground's state before and after.
// Out: redo restores `after` in the panel, undo restores `before` (points and the sampling settings
// that produced them). The panel may be gone when the stack outlives it: then the step does nothing.
// GUI thread only.
#pragma once
#include <QPointer>

#include "widgets/dynamics/PlaygroundState.h"
#include "widgets/network/DocumentCommand.h"

namespace ntk::gui {

class DynamicsPanel;

class PointEditCommand : public DocumentCommand {
public:
  PointEditCommand(NetworkDocument* doc, DynamicsPanel* panel, const QString& text, PlaygroundState before,
                   PlaygroundState after);

protected:
  void apply(bool forward) override;

private:
  QPointer<DynamicsPanel> m_panel;
  PlaygroundState m_before, m_after;
};

} // namespace ntk::gui
