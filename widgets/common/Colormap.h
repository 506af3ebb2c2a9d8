// Colormap — the perceptual colour table the views share.
// In: a value already normalised to [0, 1] (or an index 0..255).
// Out: 8-bit RGB from viridis, or a vtkLookupTable filled with it for scalar bars.
// Pure functions of their inputs; safe from any thread.
#pragma once

#include <array>
#include <cstdint>

class vtkLookupTable;

namespace ntk::gui {

using Rgb8 = std::array<std::uint8_t, 3>;

// The 256-entry viridis table (matplotlib's map, interpolated from its ten published stops).
const std::array<Rgb8, 256>& viridisTable();

// Fills [out] lut with the 256 viridis colours; the caller sets the table range.
void fillViridisLookupTable(vtkLookupTable* lut);

} // namespace ntk::gui
