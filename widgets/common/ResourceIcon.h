// ResourceIcon — icons drawn from the SVGs in resources/icons (compiled into the program with
// resources.qrc), for buttons that used glyphs such as ▶ and ⏸: Debian's default fonts have no such
// glyphs and showed empty boxes.
// In: the icon's name without folder or extension ("media-play", "media-pause", "media-stop").
// Out: a QIcon rendered with QSvgRenderer at the usual sizes (no dependence on the SVG icon-engine
// plugin being installed); a null icon when the resource is missing. GUI thread only.
#pragma once
#include <QIcon>
#include <QString>

namespace ntk::gui {

QIcon resourceIcon(const QString& name);

} // namespace ntk::gui
