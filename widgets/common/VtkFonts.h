// VtkFonts — one text style for every VTK view, with a font that has Greek and mathematical glyphs.
// In: a vtkTextProperty and a size in points. Out: the property set to DejaVu Sans (Θ, ρ, ′, ∈ render;
// VTK's built-in Arial has none of them), falling back to VTK's Arial when the font file is absent.
#pragma once

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

} // namespace ntk::gui
