// ImageKernelRegression.h — exact NTK / NNGP kernel regression of a whole image, and the kernel
// gradient-flow prediction at any time t, without forming the Gram when the kernel is stationary.
// In: a Network with input_dim 2 (raw input v = (col/W, row/H)), an image, a stride, the kernel kind,
// a ridge λ relative to the mean diagonal of the training Gram (CONVENTIONS §5; default 1e-6).
// Out: predictions at every pixel (all channels share the kernel: one solve per channel), PSNRs, the
// path used, and the kernel's 2-D power spectrum on the training grid.
// Paths (chosen automatically, or forced for tests):
//   Circulant — encodings whose frequencies are all integers (basic, positional with integer σ^{j/M},
//     fourier with an integer B): k(v − v') is 1-periodic and the training grid is regular, so the Gram
//     is block-circulant: α = IFFT(FFT(y) / (FFT(k) + λ)); predictions = the periodic convolution of
//     the zero-upsampled α with k sampled on the full pixel grid (FFT).
//   Toeplitz — other stationary encodings (gaussian, non-integer positional/fourier): the Gram is
//     block-Toeplitz; conjugate gradients with FFT matrix–vector products (2× circulant embedding) and a
//     circulant (T. Chan) preconditioner; predictions by a zero-padded FFT convolution.
//   Mirror — any stationary encoding, never chosen by Auto: the regression on the mirrored periodic
//     domain (MirroredDomain.h): the training grid reflected about its first and last training pixel
//     (whole-sample symmetric extension; period P = 2(Wt − 1)s × 2(Ht − 1)s pixels, its copies land on
//     training positions only) with the frequencies rounded to multiples of 1/L (L = P/W in v units) so
//     that k is P-periodic; the largest rounding |b − b̃| is in the report. The Gram of the mirrored grid
//     (m̃ = 4(Ht − 1)(Wt − 1) samples) is block-circulant: the circulant path's FFT solve and closed-form
//     flow on the period, predictions at every pixel of the image (the period's top-left H × W corner).
//     Not the exact regression of the given kernel: a nearby kernel on a reflected training set (no
//     wrap-around of one border onto the other). Needs ≥ 2 training pixels along each axis. Refused
//     when every frequency is an integer: that kernel is 1-periodic, and on a domain of about two periods
//     each mirrored copy aliases onto the training pixels one period away (use Circulant). Frequencies
//     that are all close to integers degrade it for the same reason (integer B + U(−¼, ¼): 0.4 dB).
//   Dense — encoding none (not stationary), or small images the circulant path cannot take: the
//     engine's Gram and an LLT solve.
//   Nystrom — any kernel, for grids too large for the dense Gram: Nyström regression with `centres`
//     training pixels drawn uniformly (seeded) and Falkon's preconditioned CG (core/regression/
//     NystromRegression.h); the training pixels' predictions come from its K_nM, the held-out pixels'
//     from the engine's K(pixels, centres) in row blocks. An approximation of the exact solve (exact when
//     centres ≥ training pixels); t = ∞ only.
//   (Auto: circulant whenever possible; else, for a stationary kernel, dense up to denseLimit training
//   pixels, else Toeplitz; for encoding none dense — or Nystrom above nystromAbove training pixels, which
//     by default is never.)
// Gradient flow (loss (1/2m)Σ‖f(x_i) − y_i‖²; mirror: over the m̃ mirrored samples) at time t: exact per
// Fourier mode on the circulant and mirror paths
// (factor (1 − e^{−μt/m})/μ instead of 1/μ, μ = λ + ridge: the ridge is part of the operator, as in
// KernelDynamics, so t = ∞ is exactly predict()) and on the dense path (eigendecomposition of Gram +
// ridge, computed on the first finite-t call); directions with μ ≤ m·ε·μ_max are null (pseudo-inverse).
// On the Toeplitz path finite t is a Chebyshev expansion of g_t applied with the FFT product
// (ChebyshevFlow.h: about √(τρ·30) products, τ = t/m, ρ ≥ λ_max by Gershgorin or the circulant
// embedding; uniform error of g_t about 1e-12·τ). The Nystrom path answers t = ∞ only
// (timeSupported() is false there).
// Predictions are the raw regression values (not clamped to [0,1]); PSNRs are computed on them;
// psnrHeldOut is NaN when every pixel is a training pixel (stride 1).
// Kernel sampling never encodes H·W points: k on an offset grid is the engine's Gram between the
// per-row and per-column halves of the encoding (see the .cpp), one call for all offsets.
// Memory is estimated and refused before allocating; cancellation is checked between FFT stages and CG
// iterations. Thread-safety: const methods may run concurrently.
#pragma once
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "core/image/Image.h"
#include "core/image/ImageDataset.h"
#include "core/kernels/NtkGram.h"
#include "core/util/JobControl.h"

namespace ntk {

enum class RegressionPath { Auto, Circulant, Toeplitz, Dense, Nystrom, Mirror };
std::string regressionPathName(RegressionPath path);

struct ImageRegressionOptions {
  KernelKind kind = KernelKind::Ntk;
  double ridge = 1e-6;               ///< relative to the mean diagonal of the training Gram; ≥ 0
  RegressionPath path = RegressionPath::Auto;
  double cgTolerance = 1e-10;        ///< relative residual of the Toeplitz CG
  int maxCgIterations = 1000;
  Eigen::Index denseLimit = 4096;    ///< Auto, stationary kernels: dense up to this many training pixels when not circulant
  /// Auto, encoding none: dense up to this many training pixels, Nystrom above. Never by default: at
  /// 256² stride 2 Nyström with 1000 centres is 5.3 dB below the exact fit of this slowly decaying
  /// kernel, so the approximation is taken only when asked for (centres, path = Nystrom).
  Eigen::Index nystromAbove = std::numeric_limits<Eigen::Index>::max();
  Eigen::Index centres = 1000;       ///< Nystrom: M, the number of centres (training pixels)
  std::uint64_t seed = 0;            ///< Nystrom: which centres
  double nystromTolerance = 1e-4;    ///< Nystrom: relative residual of Falkon's CG
};

struct ImageRegressionReport {
  RegressionPath path = RegressionPath::Auto;
  int cgIterations = 0;
  Eigen::Index centres = 0;          ///< Nystrom: M used (0 on the other paths)
  int periodWidth = 0, periodHeight = 0; ///< Mirror: the period in pixels (0 on the other paths)
  double maxFrequencyRounding = 0.0; ///< Mirror: max |b − b̃| over the frequencies, cycles per unit v (else 0)
  double seconds = 0.0;
  double psnrTrain = 0.0, psnrHeldOut = 0.0, psnrAll = 0.0;
};

class ImageKernelRegression {
public:
  /// Builds the solver (kernel samples, FFTs or Gram factorisation). Throws NetworkError for a network
  /// whose input_dim is not 2, InputError for bad stride/ridge, MemoryLimitError, CancelledError.
  ImageKernelRegression(const Network& net, const Image& image, int stride, const ImageRegressionOptions& options = {},
                        const JobControl& job = {});
  ~ImageKernelRegression();

  RegressionPath path() const;
  bool timeSupported() const; ///< true on every path (kept for callers written when Toeplitz answered t = ∞ only)
  const ImageDataset& dataset() const;

  /// Kernel (ridge) regression: every pixel. Fills `report` (PSNRs against the image given).
  Image predict(ImageRegressionReport* report = nullptr, const JobControl& job = {}) const;
  /// Gradient flow at time t (t = ∞: predict()), on every path. Throws InputError for t < 0 or NaN.
  Image predictAt(double t, const JobControl& job = {}) const;
  /// |FFT of the kernel on the training grid|, shifted so frequency 0 is in the centre (Ht × Wt): the kernel
  /// row from training pixel (0,0) to every training pixel, unnormalised (on the circulant path these are
  /// the Gram's eigenvalues, m times the Mercer estimates). Safe from any thread.
  Eigen::MatrixXd kernelPowerSpectrum() const;

private:
  struct Impl;
  std::unique_ptr<Impl> d_;
};

/// k(δ) of a stationary network (encoding other than none, input_dim 2) on the offset grid δ_pq = (dx[q], dy[p]):
/// P × Q, p indexing dy. One engine call on P + Q points (see the .cpp), never P·Q encoded points.
Eigen::MatrixXd stationaryKernel(const Network& net, KernelKind kind, const std::vector<double>& dy,
                                 const std::vector<double>& dx, const JobControl& job = {});

/// Bytes the regression needs (kernel samples, FFT buffers or the dense Gram), for requireMemory.
double estimateImageRegressionBytes(const Network& net, int width, int height, int channels, int stride,
                                    RegressionPath path);

} // namespace ntk
