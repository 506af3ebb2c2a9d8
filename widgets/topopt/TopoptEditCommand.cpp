#include "widgets/topopt/TopoptEditCommand.h"

#include "widgets/topopt/TopoptPanel.h"

namespace ntk::gui {

TopoptEditCommand::TopoptEditCommand(NetworkDocument* doc, TopoptPanel* panel, const QString& text, TopoptProblem before,
                                     TopoptProblem after)
    : DocumentCommand(doc, text), m_panel(panel), m_before(std::move(before)), m_after(std::move(after))
{
}

void TopoptEditCommand::apply(bool forward)
{
  if (m_panel) m_panel->restoreProblem(forward ? m_after : m_before);
}

} // namespace ntk::gui
