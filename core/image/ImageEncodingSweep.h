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
// With `mlpSteps` > 0 every row also trains the finite network (MlpTrainer, `mlp`'s optimiser, seed and
// batch) on the same training pixels with the row's encoding, the base network's layers and widths
// unchanged (its readout widened to the image's channels, as MlpTrainer does), for exactly mlpSteps
// steps: its PSNRs are in the row's `mlp` (Tancik's "MLP" columns). It equals an MlpTrainer run on
// sweepNetwork(base, encoding, σ) with the same image, stride and options, bit for bit.
// The kernel fits run in parallel (oneTBB); then the MLPs one after another, each with every core
// (OpenBLAS sgemm): an MLP's numbers depend on the thread count, so each row then equals the MlpTrainer
// run the user would make (fit-image --method mlp, Train MLP) with the same threads; one MLP per core
// would not. (On the shared 2-core test machine one MLP took as long with 1 thread as with 2.) Progress counts each kernel fit as one unit and
// each MLP as one unit advanced step by step; cancellation is checked inside every fit and every step.
// Errors: InputError (bad stride, σ ≤ 0, no encodings, input_dim ≠ 2, mlpSteps < 0, bad MLP options),
// NetworkError, MemoryLimitError (the concurrent fits' estimate, or the largest MLP's), CancelledError.
// A fit that fails numerically (CG not converging, an MLP's loss not finite) is reported in its row
// (`computed` false, `note`; the MLP's in `mlp`), not thrown. Encoding none's MLP is trained even when
// its kernel fit is skipped (the MLP has no dense limit).
// Thread-safety: re-entrant.
#pragma once
#include <string>
#include <vector>

#include "core/image/Image.h"
#include "core/image/ImageKernelRegression.h"
#include "core/nets/MlpTrainer.h"
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
  int mlpSteps = 0;  ///< > 0: every row also trains the finite network this many steps; 0: kernel rows only
  MlpOptions mlp;    ///< the MLPs' optimiser, learning rate and schedule, batch and seed (MlpTrainer's defaults)
};

/// The finite network trained on a row's encoding (EncodingSweepOptions::mlpSteps > 0).
struct EncodingSweepMlp {
  bool computed = false;   ///< false: not asked for, or failed (see note)
  std::string note;        ///< why it failed ("" otherwise)
  int steps = 0;
  double psnrTrain = 0.0, psnrHeldOut = 0.0, psnrAll = 0.0;
  double seconds = 0.0;
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
  EncodingSweepMlp mlp;    ///< the trained MLP with this encoding (mlpSteps > 0)
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
