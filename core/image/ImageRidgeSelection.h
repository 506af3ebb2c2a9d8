// ImageRidgeSelection.h — choosing the encoding's σ and the ridge of an image kernel regression from the
// training pixels alone: the GP marginal likelihood with the pixels' rounding as known noise (ml-quant),
// generalised cross-validation (GCV) or the noise-free GP marginal likelihood, per Fourier mode of the
// training grid.
// In: a network with a stationary encoding (input_dim 2; σ is replaced when chosen — positional or
// gaussian only), an image, a stride, the kernel kind and the criterion, the search ranges.
// Out: the chosen σ and relative ridge, the criterion's value there, and how the search went.
// The criteria (K the m × m training Gram, λ = ridge · k(0) absolute, C channels y_c, A = K(K + λI)⁻¹):
//   GCV(λ) = [(1/(mC)) Σ_c ‖(I − A) y_c‖²] / [(1/m) tr(I − A)]²
//   NLL(λ) = ½ [mC log(2π Q/(mC)) + C log det(K + λI) + mC],  Q = Σ_c y_cᵀ (K + λI)⁻¹ y_c
//   (the negative log marginal likelihood of y_c ~ N(0, a²(K + λI)), the amplitude a² at its optimum Q/(mC)).
//   NLLq(λ) = ½ [Σ_c y_cᵀ(a²(K + λI))⁻¹y_c + C log det(a²(K + λI)) + mC log 2π],  a² = v/λ
//   (ml-quant: y_c ~ N(0, a²K + vI) with the noise variance v = q²/12 known — q the rounding step of the
//   values, quantisationStep — so λ sets the amplitude instead of the noise).
// Why ml-quant for the ridge: on the bundled 256² photographs at stride 2 the held-out PSNR falls
// monotonically with the ridge at every σ; GCV and the noise-free likelihood take the texture the grid
// cannot resolve for noise and choose ridges near 1e-2 (0.15–0.65 dB short), while the photographs are
// exact up to 8-bit rounding, and with that known ml-quant chooses 1e-5 … 1e-4 (within 0.07 dB of the
// best of a grid, ridge alone or with σ; the table is in CONVENTIONS). It under-smooths a photograph with
// noise beyond its rounding: gcv / ml there.
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
  SelectionCriterion criterion = SelectionCriterion::Gcv; ///< fit-image's default with a chosen ridge is QuantisedLikelihood
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
