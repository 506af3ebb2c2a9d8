// Image.h — a float image with values in [0,1]: H rows × W columns × C channels (1 grey, 3 RGB),
// row-major with interleaved channels, the layout every image routine in core/ uses.
// In/out: PNG files through libpng (8- or 16-bit, grey/RGB, alpha dropped, palettes expanded).
// Errors: InputError naming the file for anything unreadable or not a PNG; MemoryLimitError (with the
// estimate) for images whose float copy would not fit, checked on the size the PNG header claims before
// libpng decodes or allocates anything.
// Thread-safety: plain value type; the functions are re-entrant.
#pragma once
#include <string>
#include <vector>

#include <Eigen/Dense>

namespace ntk {

struct Image {
  int width = 0, height = 0, channels = 0;
  std::vector<float> data; ///< height·width·channels values, (row, col, channel) at (row·width + col)·channels + channel

  Image() = default;
  Image(int width, int height, int channels);
  bool empty() const { return data.empty(); }
  float& at(int row, int col, int channel) { return data[(std::size_t(row) * width + col) * channels + channel]; }
  float at(int row, int col, int channel) const { return data[(std::size_t(row) * width + col) * channels + channel]; }
  /// Channel c as an H×W matrix (double).
  Eigen::MatrixXd channel(int c) const;
  void setChannel(int c, const Eigen::MatrixXd& values);
};

Image readPng(const std::string& path);
/// 8-bit PNG; values are clamped to [0,1] and rounded.
void writePng(const std::string& path, const Image& image);

/// PSNR = −10·log10(MSE) over all pixels and channels (values in [0,1]); +∞ for identical images.
/// `mask` (H·W entries, row-major) restricts the mean to pixels where it is true.
double psnr(const Image& a, const Image& b, const std::vector<bool>* mask = nullptr);

} // namespace ntk
