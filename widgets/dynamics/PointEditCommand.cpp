#include "widgets/dynamics/PointEditCommand.h"

#include "widgets/dynamics/DynamicsPanel.h"

namespace ntk::gui {

PointEditCommand::PointEditCommand(NetworkDocument* doc, DynamicsPanel* panel, const QString& text, PlaygroundState before,
                                   PlaygroundState after)
    : DocumentCommand(doc, text), m_panel(panel), m_before(std::move(before)), m_after(std::move(after))
{
}

void PointEditCommand::apply(bool forward)
{
  if (m_panel) m_panel->restoreState(forward ? m_after : m_before);
}

} // namespace ntk::gui
