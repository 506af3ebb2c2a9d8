// AboutBox — Help ▸ About NTK Studio: what the whole program does, panel by panel, its version, the
// licence of the bundled sample images and the survey the mathematics follows.
// In: the window's panels as (tab title, tab tooltip) pairs — taken from the tabs, so a new panel is
// described without editing this file — and the version. Out: rich text; `showAboutBox` opens it in
// a non-blocking message box (objectName "aboutNtkStudio") that deletes itself when closed.
#pragma once
#include <QString>
#include <utility>
#include <vector>

class QMessageBox;
class QWidget;

namespace ntk::gui {

using PanelSummaries = std::vector<std::pair<QString, QString>>; ///< (title, what it shows)

QString aboutHtml(const PanelSummaries& panels, const QString& version);
QMessageBox* showAboutBox(QWidget* parent, const PanelSummaries& panels, const QString& version);

} // namespace ntk::gui
