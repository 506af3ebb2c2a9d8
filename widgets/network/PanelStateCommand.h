// PanelStateCommand — one edit of a panel's own state (the dynamics playground's points, the Topology
// panel's problem) as a step of the document's one undo history (DocumentCommand on
// NetworkDocument::undoStack()).
// In: the panel, the step's text ("Add point (0.31, 0.52)", "Add load at node (60, 0)"), the state
// before and after, and the panel's member that shows a state (DynamicsPanel::restoreState,
// TopoptPanel::restoreProblem). Out: redo restores `after`, undo restores `before`. The panel may be
// gone when the stack outlives it: then the step does nothing. GUI thread only.
#pragma once
#include <utility>

#include <QPointer>

#include "widgets/network/DocumentCommand.h"

namespace ntk::gui {

template <class Panel, class State>
class PanelStateCommand : public DocumentCommand {
public:
  using Restore = void (Panel::*)(const State&);

  PanelStateCommand(NetworkDocument* doc, Panel* panel, Restore restore, const QString& text, State before, State after)
      : DocumentCommand(doc, text), m_panel(panel), m_restore(restore), m_before(std::move(before)),
        m_after(std::move(after))
  {
  }

protected:
  void apply(bool forward) override
  {
    if (m_panel) (m_panel.data()->*m_restore)(forward ? m_after : m_before);
  }

private:
  QPointer<Panel> m_panel;
  Restore m_restore;
  State m_before, m_after;
};

} // namespace ntk::gui
