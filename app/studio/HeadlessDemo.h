// HeadlessDemo — what `ntk-studio` does without a display: computes the kernels the window would
// show and writes them as PNG figures plus a report (Markdown and JSON) to an output folder.
// In: the output folder. Out: the files, and 0 on success (a message on stderr and 2 otherwise).
// Uses QPainter only (no OpenGL), so it runs under Qt's offscreen platform.
#pragma once
#include <QString>

namespace ntk::app {

int runHeadlessDemo(const QString& outDir);

} // namespace ntk::app
