// ImageModel — what the image panel computes, without widgets: QImage ↔ ntk::Image, reading any image
// file Qt can decode (with a memory estimate before decoding), whether a network can fit an image (input_dim 2)
// and the finite MLP trained from it (its widths, its memory), the encoding edits the panel offers, the kernel fits of one image
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

namespace ntk {
class MaskedImageRegression;
}

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

/// Why `net` cannot fit an image (empty when it can): the pixel coordinates (x, y) need input_dim 2, a
/// 'fourier' encoding's B needs 2 columns, and the network must be valid. `name` names the network in
/// the message ("The image panel needs input_dim 2 (x, y pixel coordinates); network ‘name’ has input_dim 1.";
/// "the network" when `name` is empty).
QString imageRequirementReason(const Network& net, const QString& name);

/// The hidden Dense widths of `net` (every Dense layer but the last), in order.
std::vector<int> hiddenWidths(const Network& net);
/// "MLP 256-256-256": the hidden widths of the finite network `net`.
QString mlpTitle(const Network& net);

/// The finite network trained on an image with `channels` channels: `net` itself when its output width is
/// `channels`; when it is 1, `net` with one readout unit per channel (each channel is an output, as the kernel
/// regressions fit each channel with the same kernel). Any other output width is refused with `reason`
/// (nothing is changed silently). Hidden widths, activations and encoding are always `net`'s.
bool mlpNetworkFor(const Network& net, int channels, Network* mlp, QString* reason);

/// Bytes MlpTrainer needs (float32) to train `mlp` full batch on a width × height × channels image at
/// `stride`: the parameters with their gradients and Adam moments (plus the double copy drawn at
/// initialisation), every layer's activations and two gradient buffers for the training batch, the encoded
/// inputs, and one prediction block. The same sum MlpTrainer checks before it allocates.
double estimateMlpTrainingBytes(const Network& mlp, int width, int height, int channels, int stride);
/// Why the machine cannot train `mlp` (empty when it can): the estimate above against 80 % of the available
/// memory, as MlpTrainer checks it, with both numbers ("MLP 1000000-512 needs 3.9 TiB to train on 16384 pixels
/// … but only 12.0 GiB is available"). `brief` gets a short form for a picture's caption.
QString mlpMemoryRefusal(const Network& mlp, int width, int height, int channels, int stride, QString* brief = nullptr);

/// One line for undo texts and captions: "none", "basic", "positional (8 levels, σ = 10)",
/// "Gaussian σ = 10 (256 features)", "fourier (256 integer frequencies)".
QString encodingDescription(const Encoding& encoding);
/// `encoding` with its frequencies B (for `inputDim`) rounded to integers, as a 'fourier' encoding: the kernel
/// becomes 1-periodic on [0,1)², so the regression is an exact FFT solve and the time slider works.
/// None gives B = I (the basic frequencies). Throws NtkError when B cannot be built.
Encoding withIntegerFrequencies(const Encoding& encoding, int inputDim);
/// The network a new document gives the Image panel (Tancik et al.'s setting): input_dim 2, Gaussian
/// Fourier features σ = 10, 256 frequencies (seed 1) — the encoding's true frequencies (the panel's default
/// mirrored domain gives them the time slider) — three ReLU layers of width 256.
Network defaultImageNetwork();
/// True for a 'fourier' encoding whose B holds only integers.
bool hasIntegerFrequencies(const Encoding& encoding);

/// One kernel's regression of the image.
struct KernelImageFit {
  KernelKind kind = KernelKind::Ntk;
  std::shared_ptr<const ImageKernelRegression> regression;
  std::shared_ptr<const MaskedImageRegression> masked; ///< instead of `regression` for a fit on a mask (MaskedKernelFits.h)
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
/// plus the bicubic baseline. `domain`: RegressionPath::Mirror — the mirrored periodic domain (the
/// encoding's frequencies rounded to its period; each fit's report says by how much) for encodings with
/// non-integer frequencies; anything else, and whatever `domain` says for encoding none (no frequencies)
/// and integer frequencies (1-periodic: the mirror path refuses them, and their exact fit is already an
/// FFT solve when the stride divides the image) — the exact regression. Each fit's report names its path.
/// Never throws: errors and cancellation are reported in the result.
KernelFitResult computeKernelFits(const Network& net, const Image& image, int stride, double ridge, bool ntk, bool nngp,
                                  RegressionPath domain, const JobFlags& flags);

/// log10 of the power spectrum as a viridis image (the top 8 decades; frequency 0 in the centre).
QImage powerSpectrumImage(const Eigen::MatrixXd& spectrum);

/// |prediction − truth| per pixel (the mean over channels), in viridis from 0 to `max` (clipped above):
/// the difference view. Null when the sizes differ or either is empty.
QImage differenceImage(const Image& prediction, const Image& truth, double max);

/// "astronaut.png" → "astronaut"; the bundled samples are the ":/images/*.png" resources, sorted.
QStringList bundledSampleNames();
QString bundledSamplePath(const QString& name);

} // namespace ntk::gui
