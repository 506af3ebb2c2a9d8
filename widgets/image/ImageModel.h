// ImageModel — what the image panel computes, without widgets: QImage ↔ ntk::Image, reading any image
// file Qt can decode (with a memory estimate before decoding), the 2-D network the panel fits with
// (the document's network with input_dim 2 and the chosen encoding), the kernel fits of one image
// (NTK and/or NNGP ImageKernelRegression, the aligned bicubic baseline, the kernel's power spectrum),
// and the pictures the panel and its figure show (log power spectrum in viridis).
// Thread-safety: free functions of their inputs; computeKernelFits runs on a worker thread (it only
// reads its arguments); QImage conversions are safe on any thread.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include <Eigen/Dense>
#include <QImage>
#include <QString>

#include "widgets/common/PanelJob.h"
#include "core/image/Image.h"
#include "core/image/ImageKernelRegression.h"
#include "core/network/Network.h"

namespace ntk::gui {

/// QImage → ntk::Image with values in [0,1]: 1 channel when every pixel is grey, else RGB (alpha is
/// composited onto white).
Image imageFromQImage(const QImage& image);
/// ntk::Image (1 or 3 channels, values clamped to [0,1]) → an 8-bit QImage (Grayscale8 / RGB888).
QImage qimageFromImage(const Image& image);

/// Reads `path` with QImageReader (PNG, JPEG, BMP, …). Refuses, before decoding, an image that
/// requireImageMemory refuses (the message has the estimate).
/// False with a one-line reason for unreadable files; `out` is then untouched.
bool loadImageFile(const QString& path, const Network& net, int stride, Image* out, QString* error);

/// Throws MemoryLimitError (with the estimate) when the image's copies plus the FFT (Toeplitz) solver for a
/// width × height × channels image at `stride` need more memory than the machine has. (The dense path of
/// encoding none can need far more; ImageKernelRegression refuses that fit with its own estimate.)
void requireImageMemory(const Network& net, int width, int height, int channels, int stride);

/// The input encoding the image panel fits with (its own, so the 1-D views of the document keep theirs).
enum class EncodingPreset { Network, None, Basic, Positional, Gaussian };

struct EncodingChoice {
  EncodingPreset preset = EncodingPreset::Gaussian;
  int levels = 8;                 ///< positional: M
  double sigma = 10.0;            ///< positional: top frequency σ; Gaussian: std of B
  int features = 256;             ///< Gaussian: rows of B
  std::uint64_t seed = 1;         ///< Gaussian
  bool integerFrequencies = true; ///< round B to integers: a 1-periodic kernel (exact FFT path, time slider)
};

/// The 2-D network of the panel: a copy of `doc` with input_dim 2 and `choice`'s encoding, hidden widths
/// `mlpWidth` (> 0) for `mlp` (the kernels do not depend on widths). `note` says what differs from the
/// document; false with `reason` when no such network exists.
bool imageNetwork(const Network& doc, const EncodingChoice& choice, Network* kernelNet, Network* mlpNet, int mlpWidth,
                  QString* note, QString* reason);

/// One kernel's regression of the image.
struct KernelImageFit {
  KernelKind kind = KernelKind::Ntk;
  std::shared_ptr<const ImageKernelRegression> regression;
  Image prediction;            ///< t = ∞
  ImageRegressionReport report;
};

/// Everything one kernel job computes.
struct KernelFitResult {
  int generation = 0;
  std::vector<KernelImageFit> fits; ///< in the order asked (NTK first)
  Eigen::MatrixXd spectrum;         ///< kernelPowerSpectrum() of the first fit (Ht × Wt), empty if none
  Image bicubic;
  double bicubicPsnrHeldOut = 0.0;
  std::vector<bool> heldOutMask;    ///< H·W
  double seconds = 0.0;
  QString error;
  bool cancelled = false;
};

/// Fits the image with the NTK and/or NNGP of `net` (input_dim 2) at `stride` with relative `ridge`,
/// plus the bicubic baseline. Never throws: errors and cancellation are reported in the result.
KernelFitResult computeKernelFits(const Network& net, const Image& image, int stride, double ridge, bool ntk, bool nngp,
                                  const JobFlags& flags);

/// log10 of the power spectrum as a viridis image (the top 8 decades; frequency 0 in the centre).
QImage powerSpectrumImage(const Eigen::MatrixXd& spectrum);

/// "astronaut.png" → "astronaut"; the bundled samples are the ":/images/*.png" resources, sorted.
QStringList bundledSampleNames();
QString bundledSamplePath(const QString& name);

} // namespace ntk::gui
