// VtkFonts — one text style for every VTK view, with a font that has Greek and mathematical glyphs.
// In: a vtkTextProperty and a size in points. Out: the property set to DejaVu Sans (Θ, ρ, ′, ∈ render;
// VTK's built-in Arial has none of them), falling back to VTK's Arial when the font file is absent.
#pragma once
#include <string>
#include <utility>

class QString;

class vtkTextProperty;

namespace ntk::gui {

/// Font sizes of every VTK view, in points; the render window's DPI (72 × devicePixelRatio) scales
/// them for HiDPI.
constexpr int kTitleFontSize = 15;
constexpr int kAxisTitleFontSize = 13;
constexpr int kLabelFontSize = 12; ///< tick labels, colour-bar labels, legend

/// Path of the Unicode font used by the VTK views, or empty if none was found.
const char* unicodeFontFile();

void styleVtkText(vtkTextProperty* text, int fontSize, bool bold = false);

/// Width and height in pixels that `text` takes when drawn with `property` at `dpi` (0, 0 if unknown).
std::pair<int, int> vtkTextSize(vtkTextProperty* property, const std::string& text, int dpi);

/// `text` with line breaks at spaces so that no line is wider than `maxWidth` pixels (a word wider
/// than that stays whole on its own line). VTK draws text unwrapped and unclipped, so a long title
/// ran into its neighbour; wrapping keeps every character, unlike eliding.
std::string wrapVtkText(vtkTextProperty* property, const QString& text, double maxWidth, int dpi);

} // namespace ntk::gui
