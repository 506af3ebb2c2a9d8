#include "widgets/common/Colormap.h"

#include <vtkLookupTable.h>

#include <algorithm>
#include <cmath>

namespace ntk::gui {

namespace {

// viridis sampled at t = k/9 (the stops R's viridis(10) and matplotlib agree on). Linear
// interpolation between them stays within a couple of 8-bit steps of the full 256-entry map.
constexpr std::array<Rgb8, 10> kViridisStops{{{0x44, 0x01, 0x54},
  {0x48, 0x28, 0x78},
  {0x3E, 0x4A, 0x89},
  {0x31, 0x68, 0x8E},
  {0x26, 0x82, 0x8E},
  {0x1F, 0x9E, 0x89},
  {0x35, 0xB7, 0x79},
  {0x6D, 0xCD, 0x59},
  {0xB4, 0xDE, 0x2C},
  {0xFD, 0xE7, 0x25}}};

std::array<Rgb8, 256> buildViridis()
{
  std::array<Rgb8, 256> table{};
  const int lastStop = static_cast<int>(kViridisStops.size()) - 1;
  for (int i = 0; i < 256; ++i) {
    const double t = i / 255.0 * lastStop;
    const int lower = std::min(static_cast<int>(t), lastStop - 1);
    const double w = t - lower;
    for (int c = 0; c < 3; ++c) {
      const double v = (1.0 - w) * kViridisStops[lower][c] + w * kViridisStops[lower + 1][c];
      table[i][c] = static_cast<std::uint8_t>(std::lround(v));
    }
  }
  return table;
}

} // namespace

const std::array<Rgb8, 256>& viridisTable()
{
  static const std::array<Rgb8, 256> table = buildViridis();
  return table;
}

void fillViridisLookupTable(vtkLookupTable* lut)
{
  const auto& table = viridisTable();
  lut->SetNumberOfTableValues(256);
  lut->Build(); // before SetTableValue: a later Build() would overwrite the table with a ramp
  for (int i = 0; i < 256; ++i) {
    lut->SetTableValue(i, table[i][0] / 255.0, table[i][1] / 255.0, table[i][2] / 255.0, 1.0);
  }
}

} // namespace ntk::gui
