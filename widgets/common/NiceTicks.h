// NiceTicks — axis tick positions a person would choose.
// In: a value range [lo, hi] (either order) and the most ticks wanted.
// Out: ascending values inside the range on a 1-2-5 × 10^k step. Pure; safe from any thread.
#pragma once

#include <vector>

namespace ntk::gui {

// Ticks k·step with step ∈ {1, 2, 5}·10^k, at most maxTicks of them (at least 2 if the range is
// not empty); a degenerate range returns the single value.
std::vector<double> niceTicks(double lo, double hi, int maxTicks);

} // namespace ntk::gui
