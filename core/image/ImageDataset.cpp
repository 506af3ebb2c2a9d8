// ImageDataset.cpp — the train/test split of one image and the bicubic baseline (see ImageDataset.h).
#include "core/image/ImageDataset.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/util/Errors.h"
#include "core/util/MemoryEstimate.h"

namespace ntk {

Eigen::MatrixXd ImageDataset::allX() const
{
  Eigen::MatrixXd X(Eigen::Index(width) * height, 2);
  for (int r = 0; r < height; ++r)
    for (int c = 0; c < width; ++c) X.row(Eigen::Index(r) * width + c) = coordinate(r, c, width, height);
  return X;
}

namespace {

void checkSplit(const Image& image, int stride)
{
  if (image.width < 1 || image.height < 1 || image.channels < 1 ||
      image.data.size() != std::size_t(image.width) * image.height * image.channels)
    throw InputError("the image is empty");
  if (stride < 1) throw InputError("the training stride must be >= 1 (got " + std::to_string(stride) + ")");
  if (stride > image.width || stride > image.height)
    throw InputError("the training stride " + std::to_string(stride) + " is larger than the " +
                     std::to_string(image.width) + " x " + std::to_string(image.height) + " image");
}

} // namespace

ImageDataset makeImageDataset(const Image& image, int stride)
{
  checkSplit(image, stride);
  ImageDataset d;
  d.width = image.width;
  d.height = image.height;
  d.channels = image.channels;
  d.stride = stride;
  d.trainWidth = (image.width + stride - 1) / stride;
  d.trainHeight = (image.height + stride - 1) / stride;
  const Eigen::Index m = Eigen::Index(d.trainWidth) * d.trainHeight;
  const double pixels = double(image.width) * double(image.height);
  requireMemory(8.0 * double(m) * (2.0 + image.channels) + 2.0 * pixels / 8.0,
                "the training set of a " + std::to_string(image.width) + " x " + std::to_string(image.height) + " image");
  d.trainX.resize(m, 2);
  d.trainY.resize(m, image.channels);
  d.trainMask.assign(std::size_t(image.width) * image.height, false);
  Eigen::Index i = 0;
  for (int tr = 0; tr < d.trainHeight; ++tr)
    for (int tc = 0; tc < d.trainWidth; ++tc, ++i) {
      const int r = tr * stride, c = tc * stride;
      d.trainX.row(i) = ImageDataset::coordinate(r, c, image.width, image.height);
      for (int k = 0; k < image.channels; ++k) d.trainY(i, k) = image.at(r, c, k);
      d.trainMask[std::size_t(r) * image.width + c] = true;
    }
  d.heldOutMask.resize(d.trainMask.size());
  for (std::size_t p = 0; p < d.trainMask.size(); ++p) d.heldOutMask[p] = !d.trainMask[p];
  return d;
}

ImageDataset makeMaskedImageDataset(const Image& image, const std::vector<bool>& trainMask)
{
  checkSplit(image, 1);
  if (trainMask.size() != std::size_t(image.width) * image.height)
    throw InputError("the training mask has " + std::to_string(trainMask.size()) + " entries but the image " +
                     std::to_string(image.width) + " x " + std::to_string(image.height) + " has " +
                     std::to_string(std::size_t(image.width) * image.height) + " pixels");
  const Eigen::Index m = Eigen::Index(std::count(trainMask.begin(), trainMask.end(), true));
  if (m == 0) throw InputError("the training mask has no training pixel");
  requireMemory(8.0 * double(m) * (2.0 + image.channels) + 2.0 * double(trainMask.size()) / 8.0,
                "the training set of a " + std::to_string(image.width) + " x " + std::to_string(image.height) + " image");
  ImageDataset d;
  d.width = image.width;
  d.height = image.height;
  d.channels = image.channels;
  d.stride = 0;
  d.trainX.resize(m, 2);
  d.trainY.resize(m, image.channels);
  d.trainMask = trainMask;
  Eigen::Index i = 0;
  for (int r = 0; r < image.height; ++r)
    for (int c = 0; c < image.width; ++c) {
      if (!trainMask[std::size_t(r) * image.width + c]) continue;
      d.trainX.row(i) = ImageDataset::coordinate(r, c, image.width, image.height);
      for (int k = 0; k < image.channels; ++k) d.trainY(i, k) = image.at(r, c, k);
      ++i;
    }
  d.heldOutMask = trainMask;
  d.heldOutMask.flip();
  return d;
}

namespace {

/// Keys' cubic convolution kernel with a = −0.5.
double keys(double x)
{
  constexpr double a = -0.5;
  x = std::abs(x);
  if (x <= 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a;
  return 0.0;
}

/// For output position p (pixels) on a training grid of n samples with spacing s: the 4 neighbour
/// indices (clamped: edges replicated) and their weights.
void taps(int p, int s, int n, int idx[4], double w[4])
{
  const int i = p / s;
  const double t = double(p - i * s) / s;
  for (int k = 0; k < 4; ++k) {
    idx[k] = std::clamp(i - 1 + k, 0, n - 1);
    w[k] = keys(t - double(k - 1));
  }
  if (t == 0.0) { // exact reproduction of the training sample
    w[0] = w[2] = w[3] = 0.0;
    w[1] = 1.0;
  }
}

} // namespace

Image bicubicFromTrainingPixels(const Image& image, int stride)
{
  checkSplit(image, stride);
  const int W = image.width, H = image.height, C = image.channels, s = stride;
  const int Wt = (W + s - 1) / s, Ht = (H + s - 1) / s;
  requireMemory(4.0 * double(W) * double(H) * double(C), "the bicubic image");
  Image out(W, H, C);
  std::vector<int> colIdx(std::size_t(W) * 4);
  std::vector<double> colW(std::size_t(W) * 4);
  for (int c = 0; c < W; ++c) taps(c, s, Wt, &colIdx[std::size_t(c) * 4], &colW[std::size_t(c) * 4]);
  for (int r = 0; r < H; ++r) {
    int ri[4];
    double rw[4];
    taps(r, s, Ht, ri, rw);
    for (int c = 0; c < W; ++c) {
      const int* ci = &colIdx[std::size_t(c) * 4];
      const double* cw = &colW[std::size_t(c) * 4];
      for (int k = 0; k < C; ++k) {
        double v = 0.0;
        for (int a = 0; a < 4; ++a) {
          if (rw[a] == 0.0) continue;
          double row = 0.0;
          for (int b = 0; b < 4; ++b) row += cw[b] * image.at(ri[a] * s, ci[b] * s, k);
          v += rw[a] * row;
        }
        out.at(r, c, k) = float(std::clamp(v, 0.0, 1.0));
      }
    }
  }
  return out;
}

} // namespace ntk
