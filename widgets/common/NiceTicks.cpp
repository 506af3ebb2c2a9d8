#include "widgets/common/NiceTicks.h"

#include <algorithm>
#include <cmath>

namespace ntk::gui {

std::vector<double> niceTicks(double lo, double hi, int maxTicks)
{
  if (lo > hi) {
    std::swap(lo, hi);
  }
  if (!std::isfinite(lo) || !std::isfinite(hi)) {
    return {};
  }
  if (hi - lo <= 0.0) {
    return {lo};
  }
  maxTicks = std::max(2, maxTicks);
  const double rawStep = (hi - lo) / (maxTicks - 1);
  const double magnitude = std::pow(10.0, std::floor(std::log10(rawStep)));
  double step = 10.0 * magnitude;
  for (double factor : {1.0, 2.0, 5.0}) {
    if (factor * magnitude >= rawStep) {
      step = factor * magnitude;
      break;
    }
  }
  // A relative tolerance keeps end points such as 1.0 that are off by an ulp after division.
  const double tolerance = 1e-9 * step;
  std::vector<double> ticks;
  for (double k = std::ceil((lo - tolerance) / step); k * step <= hi + tolerance; k += 1.0) {
    const double value = k * step;
    // Snap values like 3e-17 to exact zero so labels read "0".
    ticks.push_back(std::abs(value) < tolerance ? 0.0 : value);
  }
  return ticks;
}

} // namespace ntk::gui
