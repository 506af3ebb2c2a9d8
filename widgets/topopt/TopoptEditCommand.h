// TopoptEditCommand — one edit of the Topology panel's problem (a load placed, dragged or removed,
// nodes fixed or freed, a passive region painted, a preset, a grid size, a problem file opened) as a
// step of the document's one undo history (DocumentCommand on NetworkDocument::undoStack()).
// In: the panel, the step's text ("Add load at node (60, 0)"), the problem before and after.
// Out: redo restores `after` in the panel, undo restores `before`; a running optimisation goes on from
// its current design (the panel hands the problem to the solvers). The panel may be gone when the
// stack outlives it: then the step does nothing. GUI thread only.
#pragma once
#include <QPointer>

#include "core/topopt/TopoptProblem.h"
#include "widgets/network/DocumentCommand.h"

namespace ntk::gui {

class TopoptPanel;

class TopoptEditCommand : public DocumentCommand {
public:
  TopoptEditCommand(NetworkDocument* doc, TopoptPanel* panel, const QString& text, TopoptProblem before,
                    TopoptProblem after);

protected:
  void apply(bool forward) override;

private:
  QPointer<TopoptPanel> m_panel;
  TopoptProblem m_before, m_after;
};

} // namespace ntk::gui
