// MaskedImageRegression.h — exact NTK / NNGP regression of an image from an arbitrary set of training
// pixels (inpainting): a random fraction of the pixels or a painted mask, not only every s-th pixel.
// In: a Network with input_dim 2 and a stationary encoding (any encoding but none; input v = (col/W, row/H)),
// an image H × W × C, a training mask (H·W, row-major, true = training pixel; at least one), the kernel
// kind and a ridge relative to the mean diagonal k(0) (CONVENTIONS §5; default 1e-6).
// Out: predictions at every pixel (raw regression values), PSNR on the training pixels, on the others
// (NaN when every pixel trains) and on all; CG iterations; the flow prediction at any time t.
// Method: k(v − v') on the full pixel grid is a 2-level Toeplitz T (H × W blocks), so the masked Gram is
// K = P T Pᵀ (P selects the m training pixels). Conjugate gradients on (K + λI)α = y with an FFT product:
// embed α in the H × W grid (zeros elsewhere), multiply by T through its 2H × 2W circulant embedding,
// restrict. Preconditioner (measured, relative residual 1e-6, Gaussian σ = 10 features, ridge 1e-6, 50 %
// random pixels; camera 256²):
//   Circulant (default) — M⁻¹ = P (p·C + λ)⁻¹ Pᵀ, C the T. Chan circulant of the full-grid T and p = m/(HW):
//     the masked Gram's spectrum is about p times the full grid's (m points sample the same Mercer
//     operator), and a principal submatrix of an SPD inverse is SPD, so CG stays valid. 136 iterations.
//     (The scale barely matters: β·C for β ∈ {0.25, p, 1}: 236–238 iterations at 1e-10; a larger shift
//     γ·k(0) instead of λ: unchanged up to γ = 1e-2, worse beyond, 162 at γ = 1. Astronaut 512² at 1e-3:
//     β ∈ {p/2, p, 2p} 198–199 iterations; γ ≤ 1e-2 196–201, γ = 0.03 207, γ = 0.1 220.)
//   None — the Jacobi preconditioner, which for a stationary kernel (constant diagonal k(0) + λ) is a
//     scalar: plain CG. 232 iterations.
//   (Also tried, in this branch's history: block-Jacobi with the exact Gram of the training pixels in each
//   b × b tile, 149–160 iterations for b = 4…16, and circulant + blocks added, 230: the local near-
//   duplicate pairs are not what limits CG.)
// The mask's irregular geometry, not the ridge, sets the count: the unmasked stride-2 Toeplitz problem of
// the same image takes 57 iterations at 1e-10; astronaut 512² at 50 % takes 406 at 1e-6.
// CG tolerance (default 1e-4; it was 1e-6): the convergence is linear, a fixed number of iterations per
// decade of the relative residual (astronaut, 50 % random pixels, seed 0, Gaussian σ = 10 with 256
// features, ridge 1e-6: 24 per decade at 256², 66–73 at 512²), and the prediction error is about
// 2.5 × tolerance at worst and 0.5 × tolerance RMS (values in [0, 1]). Against a solve to 1e-10 (256²)
// / 1e-9 (512²), the largest |Δprediction| in 8-bit steps (× 255) and the iterations:
//   tolerance      1e-3          1e-4           1e-5           1e-6
//   256²           0.65,  69     0.088,  92     0.013, 117     0.001, 145
//   512²           0.70, 198     0.076, 271     0.006, 339     0.001, 406
// 1e-4 keeps every pixel within 0.09 of an 8-bit step (RMS 0.013 step; held-out PSNR within 3e-5 dB)
// for two thirds of 1e-6's iterations; 1e-3 reaches 0.7 of a step, not far below 8-bit rounding.
// Precision: CG runs with single-precision FFTs (fftwf) — the Toeplitz product of T − c·11ᵀ (c the
// kernel's mean over the sampled offsets; the rank-one c·11ᵀ is added in double, so the float rounding
// scales with the smaller norm) and the preconditioner — inside mixed-precision iterative refinement
// (refinedConjugateGradients): the true residual y − (K + λ)α is recomputed with the double product and
// the solve continues until it meets the tolerance, finishing in double if the float product stops
// gaining. So the result passes the same double-precision residual test as before. Measured (astronaut
// 512², 50 %, 1e-4): one round; the float product costs 14 % more iterations (258–269 → 294–309 over the
// channels; 307–316 without removing the mean) at 0.64 of the double product's time per iteration (1024²
// embedding, one core: 2.9 ms against 4.6 ms; the 512² preconditioner 1.1 ms against 1.5 ms).
// Where the time goes (512², 50 %, 2 cores): CG is all of it — about 300 iterations × 3 channels × about
// 5 ms of CPU (was 7.8 ms in double): 56 % inside FFTW, 15 % the column blocks' transposes and eigenvalue
// products, the rest gathers, conversions and CG vectors; sampling, planning and predicting take about
// 0.1 s. Tried and not kept: FFTW_MEASURE plans (no gain over FFTW_ESTIMATE), rows of the spectrum padded
// to whole column blocks, column blocks of 4 or 16 (within noise or slower); the Strang circulant, or the
// inverse of T's 2H × 2W embedding (412 iterations), as the preconditioner; the other channels started
// from the most alike channel's solution, scaled (294/304/309 → 269/304/276 iterations, but that channel
// runs alone first: CPU time within noise). Not tried for lack of time: block CG over the channels.
// Predictions at all pixels: T·embed(α), the same product without the restriction (exact linear
// convolution). Gradient flow (loss (1/2m)Σ‖f(x_i) − y_i‖², ridge in the operator as KernelDynamics):
// c_t = g_t(K + λ)y by the Chebyshev expansion of ChebyshevFlow.h (ρ: Gershgorin's largest row sum of the
// masked Gram when k ≥ 0, else λ_max of the circulant embedding, which bounds every principal
// submatrix), t = ∞ is predict().
// Memory is estimated and refused before allocating; cancellation between CG iterations / Chebyshev
// terms. Thread-safety: const methods may run concurrently.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "core/image/Image.h"
#include "core/kernels/NtkGram.h"
#include "core/util/JobControl.h"

namespace ntk {

enum class MaskPreconditioner { Circulant, None };

struct MaskedRegressionOptions {
  KernelKind kind = KernelKind::Ntk;
  double ridge = 1e-6;              ///< relative to k(0), the mean diagonal; ≥ 0
  double cgTolerance = 1e-4;        ///< relative residual (prediction error ≤ 2.5 × this: < 0.1 of an 8-bit step)
  int maxCgIterations = 5000;
  MaskPreconditioner preconditioner = MaskPreconditioner::Circulant;
};

struct MaskedRegressionReport {
  int cgIterations = 0;             ///< the most over channels (all refinement rounds)
  double seconds = 0.0;
  double psnrTrain = 0.0, psnrHeldOut = 0.0, psnrAll = 0.0;
};

class MaskedImageRegression {
public:
  /// Samples the kernel, plans the FFTs and solves by CG (all channels in parallel). Throws NetworkError
  /// (input_dim ≠ 2), InputError (encoding none, a mask of the wrong size or with no training pixel, a bad
  /// ridge), NumericalError (CG did not converge), MemoryLimitError, CancelledError.
  MaskedImageRegression(const Network& net, const Image& image, const std::vector<bool>& trainMask,
                        const MaskedRegressionOptions& options = {}, const JobControl& job = {});
  ~MaskedImageRegression();

  Eigen::Index trainPixels() const;
  const std::vector<bool>& trainMask() const;
  const std::vector<bool>& heldOutMask() const;

  /// Kernel (ridge) regression at every pixel; fills `report`.
  Image predict(MaskedRegressionReport* report = nullptr, const JobControl& job = {}) const;
  /// Gradient flow at time t ≥ 0 (t = ∞: predict()). Throws InputError for t < 0 or NaN.
  Image predictAt(double t, const JobControl& job = {}) const;

private:
  struct Impl;
  std::unique_ptr<Impl> d_;
};

/// Exactly round(fraction·W·H) training pixels (at least 1), a uniformly random subset drawn by a
/// Fisher–Yates shuffle driven by std::mt19937_64(seed) (the same mask on every platform).
/// Throws InputError unless 0 < fraction ≤ 1.
std::vector<bool> randomPixelMask(int width, int height, double fraction, std::uint64_t seed);

/// A mask from an image: a pixel trains when any of its channels is nonzero.
std::vector<bool> maskFromImage(const Image& mask);

/// Bytes the masked regression needs, for requireMemory.
double estimateMaskedRegressionBytes(const Network& net, int width, int height, int channels, Eigen::Index trainPixels);

} // namespace ntk
