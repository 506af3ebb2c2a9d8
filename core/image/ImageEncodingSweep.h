// ImageEncodingSweep.h — Tancik et al. (2020)'s table for one image: exact kernel regression with no
// encoding, the basic encoding, and positional and Gaussian Fourier features at a range of σ, each with
// its train and held-out PSNR, beside bicubic upsampling of the same training pixels.
// In: a base network (input_dim 2; its encoding is replaced in every row, its layers kept), an image,
// a stride, the kernel kind and a ridge (relative, CONVENTIONS §5), the encodings and the σ list.
// Out: one row per fit, in the order none, basic, then positional and gaussian each at every σ (the
// order encodings are listed in; σ ascending): PSNR on train / held-out / all pixels, the solver path,
// CG iterations and seconds; plus bicubic's PSNRs (the baseline line).
// Encoding none is not stationary, so it has no FFT path: it is solved densely (the engine's Gram and a
// Cholesky) when the training set has at most `noneDenseLimit` pixels, and otherwise skipped with the
// reason in its row (`computed` false; a Nyström path will lift this limit).
// Positional rows keep the base encoding's `levels` (default 8); gaussian rows its `features` and
// `seed` (defaults 256 and 0) when the base encoding is of that kind, else the defaults.
// With `ridge` NaN every row chooses its own ridge by generalised cross-validation (ImageRidgeSelection),
// except encoding none, which has no Fourier modes: it uses the default 1e-6 and says so in its note.
// The fits run in parallel (oneTBB); progress is the fraction of fits done; cancellation is checked
// inside every fit. Errors: InputError (bad stride, σ ≤ 0, no encodings, input_dim ≠ 2), NetworkError,
// MemoryLimitError (the concurrent fits' estimate), CancelledError. A fit that fails numerically (CG
// not converging) is reported in its row (`computed` false, `note`), not thrown.
// Thread-safety: re-entrant.
#pragma once
#include <string>
#include <vector>

#include "core/image/Image.h"
#include "core/image/ImageKernelRegression.h"
#include "core/network/Network.h"
#include "core/util/JobControl.h"

namespace ntk {

struct EncodingSweepOptions {
  KernelKind kind = KernelKind::Ntk;
  double ridge = 1e-6;  ///< relative ridge of every fit; NaN: chosen per fit by ml-quant (ImageRidgeSelection)
  std::vector<EncodingKind> encodings = {EncodingKind::None, EncodingKind::Basic, EncodingKind::Positional,
                                         EncodingKind::Gaussian};
  std::vector<double> sigmas = {2.0, 4.0, 8.0, 16.0}; ///< for positional and gaussian
  Eigen::Index noneDenseLimit = 4096; ///< encoding none: dense solve up to this many training pixels
  /// RegressionPath::Mirror: every row whose encoding has non-integer frequencies is fitted on the mirrored
  /// periodic domain (ImageKernelRegression.h; integer ones, e.g. basic, exactly: circulant); else exact.
  RegressionPath domain = RegressionPath::Auto;
};

struct EncodingSweepRow {
  EncodingKind encoding = EncodingKind::None;
  double sigma = 0.0;      ///< NaN for none and basic
  bool computed = false;   ///< false: skipped or failed (see note)
  std::string note;        ///< why skipped / failed, or what is special about the row ("" when nothing)
  RegressionPath path = RegressionPath::Auto;
  int cgIterations = 0;
  double ridge = 0.0;      ///< the relative ridge used
  double psnrTrain = 0.0, psnrHeldOut = 0.0, psnrAll = 0.0;
  double seconds = 0.0;
};

struct EncodingSweepResult {
  std::vector<EncodingSweepRow> rows;
  double bicubicPsnrTrain = 0.0, bicubicPsnrHeldOut = 0.0, bicubicPsnrAll = 0.0;
  double seconds = 0.0;    ///< wall time of the whole sweep
};

/// The network of one row: `base` with its encoding replaced by `kind` at σ (σ unused for none/basic).
Network sweepNetwork(const Network& base, EncodingKind kind, double sigma);

EncodingSweepResult sweepImageEncodings(const Network& base, const Image& image, int stride,
                                        const EncodingSweepOptions& options = {}, const JobControl& job = {});

} // namespace ntk
