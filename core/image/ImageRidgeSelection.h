// ImageRidgeSelection.h — choosing the encoding's σ and the ridge of an image kernel regression from the
// training pixels alone: generalised cross-validation (GCV) or the GP marginal likelihood, computed per
// Fourier mode of the training grid.
// In: a network with a stationary encoding (input_dim 2; σ is replaced when chosen — positional or
// gaussian only), an image, a stride, the kernel kind and the criterion, the search ranges.
// Out: the chosen σ and relative ridge, the criterion's value there, and how the search went.
// The criteria (K the m × m training Gram, λ = ridge · k(0) absolute, C channels y_c, A = K(K + λI)⁻¹):
//   GCV(λ) = [(1/(mC)) Σ_c ‖(I − A) y_c‖²] / [(1/m) tr(I − A)]²
//   NLL(λ) = ½ [mC log(2π Q/(mC)) + C log det(K + λI) + mC],  Q = Σ_c y_cᵀ (K + λI)⁻¹ y_c
//   (the negative log marginal likelihood of y_c ~ N(0, a²(K + λI)), the amplitude a² at its optimum Q/(mC)).
// With μ_k the eigenvalues of K (k over the Fourier modes of the Ht × Wt training grid) and ŷ_ck the
// unnormalised 2-D DFT of y_c, ‖(I − A)y‖² = (1/m) Σ_k |ŷ_k|² (λ/(μ_k + λ))², tr(I − A) = Σ_k λ/(μ_k + λ),
// yᵀ(K + λI)⁻¹y = (1/m) Σ_k |ŷ_k|²/(μ_k + λ), log det = Σ_k log(μ_k + λ): O(m) per λ once the μ_k are known.
// The μ_k are exact when the Gram is block-circulant (integer frequencies and a stride dividing the
// image: the circulant path of ImageKernelRegression); otherwise (block-Toeplitz) they are the
// eigenvalues of its T. Chan optimal circulant approximation — the CG preconditioner of the Toeplitz
// path. (A Hutchinson estimate of the exact Toeplitz trace with the CG is not implemented; the tests bound
// the approximation's error against the dense formula on a small grid.)
// Search: the ridge over [ridgeMin, ridgeMax] by a log grid (4 points a decade) refined by golden-section
// search; σ likewise over [sigmaMin, sigmaMax] (9 log-spaced points, then golden-section in the bracket
// of the best), the ridge optimised for each σ. Errors: InputError (encoding none or fourier when σ is
// chosen, bad ranges), NetworkError, MemoryLimitError, CancelledError. Thread-safety: re-entrant.
#pragma once
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "core/image/Image.h"
#include "core/kernels/NtkGram.h"
#include "core/util/JobControl.h"

namespace ntk {

enum class SelectionCriterion { Gcv, MarginalLikelihood, QuantisedLikelihood };
std::string selectionCriterionName(SelectionCriterion criterion); ///< "gcv", "ml", "ml-quant"
/// The criterion named `name` ("gcv", "ml", "ml-quant"); false when there is none.
bool parseSelectionCriterion(const std::string& name, SelectionCriterion* criterion);

/// The quantisation step of pixel values in [0, 1]: 1/255 when every value is a multiple of it (an
/// 8-bit image), else 1/65535 (the finest step a PNG holds).
double quantisationStep(const Eigen::MatrixXd& values);

/// The Fourier-mode eigenvalues of the training Gram and the targets' spectra: the criteria at any ridge.
struct TrainingGramSpectrum {
  int trainHeight = 0, trainWidth = 0, channels = 0;
  bool exact = false;          ///< true: block-circulant Gram (μ exact); false: T. Chan approximation
  double k0 = 0.0;             ///< k(0), the Gram's diagonal (the relative ridge's unit)
  double noiseVariance = 0.0;  ///< v = step²/12, the rounding variance of the training values (quantisationStep)
  Eigen::VectorXd mu;          ///< m eigenvalues (clamped at 0)
  Eigen::VectorXd yPower;      ///< m: Σ_c |ŷ_ck|² (unnormalised DFT)

  double gcv(double relativeRidge) const;
  double negativeLogLikelihood(double relativeRidge) const;
  double quantisedNegativeLogLikelihood(double relativeRidge) const;
  double criterion(SelectionCriterion c, double relativeRidge) const;
};

/// The spectrum of `net`'s kernel on the training grid of `image` at `stride`.
TrainingGramSpectrum trainingGramSpectrum(const Network& net, const Image& image, int stride, KernelKind kind,
                                          const JobControl& job = {});

struct RidgeSelectionOptions {
  KernelKind kind = KernelKind::Ntk;
  SelectionCriterion criterion = SelectionCriterion::Gcv;
  bool chooseSigma = true;          ///< false: σ of the network as given
  bool chooseRidge = true;          ///< false: `ridge`
  double ridge = 1e-6;              ///< used when !chooseRidge
  double sigmaMin = 1.0, sigmaMax = 32.0;
  double ridgeMin = 1e-9, ridgeMax = 1.0;
};

struct RidgeSelection {
  double sigma = 0.0;               ///< NaN when the encoding has no σ (basic)
  double ridge = 0.0;               ///< relative
  double score = 0.0;               ///< the criterion at (σ, ridge)
  bool exactSpectrum = false;       ///< the circulant spectrum was exact (else T. Chan approximation)
  bool sigmaAtBound = false, ridgeAtBound = false; ///< the optimum lies at an end of its range
  int evaluations = 0;              ///< spectra computed (one per σ tried)
  double seconds = 0.0;
};

RidgeSelection selectSigmaRidge(const Network& net, const Image& image, int stride,
                                const RidgeSelectionOptions& options = {}, const JobControl& job = {});

} // namespace ntk
