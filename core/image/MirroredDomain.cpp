// MirroredDomain.cpp — the mirrored periodic domain of a strided training grid (see MirroredDomain.h).
#include "core/image/MirroredDomain.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/util/Errors.h"

namespace ntk {

namespace {

MirroredAxis mirroredAxis(int pixels, int stride, const char* name)
{
  MirroredAxis a;
  a.pixels = pixels;
  a.stride = stride;
  a.trainSamples = (pixels + stride - 1) / stride;
  if (pixels < 1 || stride < 1 || a.trainSamples < 2)
    throw InputError(std::string("the mirrored domain needs at least 2 training pixels along the ") + name +
                     " axis, but " + std::to_string(pixels) + " pixels at stride " + std::to_string(stride) + " give " +
                     std::to_string(std::max(a.trainSamples, 0)));
  a.periodSamples = 2 * (a.trainSamples - 1);
  a.periodPixels = a.periodSamples * stride;
  a.source.resize(size_t(a.periodSamples));
  for (int j = 0; j < a.periodSamples; ++j) a.source[size_t(j)] = j < a.trainSamples ? j : a.periodSamples - j;
  return a;
}

} // namespace

MirroredDomain mirroredDomain(int width, int height, int stride)
{
  return {mirroredAxis(width, stride, "x (column)"), mirroredAxis(height, stride, "y (row)")};
}

Network withMirroredPeriodFrequencies(const Network& net, const MirroredDomain& domain, double* maxChange)
{
  if (net.inputDim != 2)
    throw InputError("the mirrored domain needs input_dim 2 (v = (col/W, row/H)), but input_dim = " +
                     std::to_string(net.inputDim));
  if (net.encoding.kind == EncodingKind::None)
    throw InputError("the mirrored domain needs an encoding with frequencies (a stationary kernel); the encoding is none");
  const Eigen::MatrixXd B = net.encoding.frequencies(2);
  Eigen::MatrixXd rounded = B;
  const MirroredAxis* axes[2] = {&domain.x, &domain.y};
  double change = 0.0;
  for (Eigen::Index i = 0; i < B.rows(); ++i)
    for (int axis = 0; axis < 2; ++axis) {
      // b̃ = n·W/P, one correctly rounded division: a B given as n·W/P is kept bit for bit.
      const double W = axes[axis]->pixels, P = axes[axis]->periodPixels;
      rounded(i, axis) = std::round(B(i, axis) * P / W) * W / P;
      change = std::max(change, std::abs(B(i, axis) - rounded(i, axis)));
    }
  Network out = net;
  out.encoding.kind = EncodingKind::Fourier;
  out.encoding.B = std::move(rounded);
  if (maxChange) *maxChange = change;
  return out;
}

} // namespace ntk
