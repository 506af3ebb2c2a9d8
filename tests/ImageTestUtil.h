// ImageTestUtil.h — image helpers shared by the image tests (header-only).
// In: an ntk::Image. Out: the image box-filtered down by an integer factor (the bundled 256×256 photo
// made small enough for a fast test).
#pragma once
#include "core/image/Image.h"

namespace ntktest {

inline ntk::Image boxDownscale(const ntk::Image& in, int f)
{
  ntk::Image out(in.width / f, in.height / f, in.channels);
  for (int r = 0; r < out.height; ++r)
    for (int c = 0; c < out.width; ++c)
      for (int k = 0; k < in.channels; ++k) {
        double s = 0;
        for (int a = 0; a < f; ++a)
          for (int b = 0; b < f; ++b) s += in.at(r * f + a, c * f + b, k);
        out.at(r, c, k) = float(s / (f * f));
      }
  return out;
}

} // namespace ntktest
