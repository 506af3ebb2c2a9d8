// ImageDataset.h — the regression problem of Tancik et al. (2020) on one image.
// In: an image (H×W×C) and a stride s ≥ 1. Out: training pixels = every s-th pixel in each direction
// (rows 0, s, 2s, …; columns likewise: an Ht × Wt grid, Ht = ⌈H/s⌉), test pixels = all H·W pixels,
// coordinates v = (col/W, row/H) ∈ [0,1)², targets = the pixel values per channel, and the masks that
// PSNR on train / held-out / all pixels needs. Coordinates are the raw network inputs (input_dim 2).
// Or, from a training mask (any set of pixels: inpainting), the same with the masked pixels in row-major
// order (stride 0, no training grid).
#pragma once
#include <vector>

#include <Eigen/Dense>

#include "core/image/Image.h"

namespace ntk {

struct ImageDataset {
  int width = 0, height = 0, channels = 0, stride = 2; ///< stride 0: a mask's dataset
  int trainWidth = 0, trainHeight = 0;  ///< Wt = ⌈W/s⌉, Ht = ⌈H/s⌉ (0 for a mask)
  Eigen::MatrixXd trainX;               ///< Ht·Wt by 2, row-major over the training grid (a mask: its pixels, row-major)
  Eigen::MatrixXd trainY;               ///< Ht·Wt by C
  std::vector<bool> trainMask;          ///< H·W: pixel is a training pixel
  std::vector<bool> heldOutMask;        ///< H·W: the complement

  /// v of pixel (row, col).
  static Eigen::RowVector2d coordinate(int row, int col, int width, int height)
  {
    return {double(col) / width, double(row) / height};
  }
  /// All H·W pixel coordinates, row-major.
  Eigen::MatrixXd allX() const;
};

/// Throws InputError for stride < 1, an empty image, or a stride larger than the image.
ImageDataset makeImageDataset(const Image& image, int stride);
/// The training pixels are those where `trainMask` (H·W, row-major) is true, in row-major order. Throws
/// InputError for an empty image, a mask of another size or one without a training pixel.
ImageDataset makeMaskedImageDataset(const Image& image, const std::vector<bool>& trainMask);

/// Aligned bicubic upsampling of the training pixels (Keys, a = −0.5): training pixel (r·s, c·s) is
/// reproduced exactly and the pixels between are interpolated from the 4×4 training neighbours
/// (edges replicated). The classical baseline for the same split.
Image bicubicFromTrainingPixels(const Image& image, int stride);

} // namespace ntk
