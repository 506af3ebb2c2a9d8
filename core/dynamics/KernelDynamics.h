// KernelDynamics.h — training of an infinitely wide network by kernel gradient flow / gradient
// descent on the squared loss, and the NNGP / NTK-GP posterior at any time t (survey §§ on the
// linearised dynamics, eqs 9, 96–99, 107–108, and the GP view, eqs 149–156; Lee et al. 2019).
// In: NTK Θ and NNGP K between training points X (m) and test points x (n), targets Y, optional ridge.
// Out, for any t from one cached eigendecomposition Θ(X,X) + ridge = V diag(θ) Vᵀ:
//   loss L = (1/2m) Σ_i (f(x_i) − y_i)², so gradient flow reads ḟ_t(x) = −(1/m) Θ(x,X)(f_t(X) − Y)
//   and the training-set operator is H = Θ(X,X)/m, whose eigenvalues θ/m estimate the Mercer ones;
//   gradient descent with step η for s steps is the same with e^{−θt/m} → (1 − ηθ/m)^s.
//   mean    μ_t(x)  = f_0(x) + Θ(x,X) V g_t Vᵀ (Y − f_0(X)),  g_t = diag((1 − e^{−θ t/m}) / θ)
//   variance σ²_t(x) = K(x,x) + Θ(x,X) V g_t Vᵀ K(X,X) V g_t Vᵀ Θ(X,x) − 2 Θ(x,X) V g_t Vᵀ K(X,x)
//   (f_0 ~ GP(0, K); f_0 is the prior mean 0 unless given). kind = Nngp trains the readout only:
//   Θ = K, and the variance reduces to K(x,x) − K(x,X) K⁻¹(I − e^{−2Kt/m}) K(X,x).
//   t = ∞ gives kernel (ridge) regression and the exact GP posterior; at training points without ridge
//   μ_∞ = Y and σ²_∞ = 0.
//   Residual per eigen-direction: r_t = Vᵀ(f_t(X) − Y) = (e^{−θt/m} + ridge·g_t) ∘ Vᵀ(f_0(X) − Y), i.e.
//   e^{−θt/m} ∘ r_0 without ridge; with ridge the training mean is the ridge fit, so r_∞ = (ridge/θ) ∘ r_0.
// Ridge is relative to the mean diagonal of Θ(X,X) (as fit-image, CONVENTIONS §5): θ ← θ + ridge·mean diag.
// Variances below zero by rounding only (|σ²| ≤ 1e-12·K(x,x), or 1e-12 of the size of the terms whose
// difference σ² is, when those are larger) are clamped to 0; a larger negative value is returned as is
// (it means the Grams given are not those of one positive semi-definite kernel).
// Numerically null directions, θ_a ≤ m·ε·θ_max (only without a meaningful ridge), are a pseudo-inverse:
// they neither learn nor decay (decay 1, g = 0 at every t) — for a PSD kernel Θ(x,X)v_a = 0 there, so only
// rounding would be amplified by t/m or 1/θ_a. Θ(X,X) + ridge with an eigenvalue below −1e-6·θ_max is
// refused (InputError: not positive semi-definite).
// Errors: InputError for sizes that do not match, non-finite values, ridge < 0, t < 0 or NaN, η ≤ 0;
// MemoryLimitError before any Gram is computed; CancelledError between Grams; NumericalError when
// gradient descent overflows (the message names 2/λ_max, the largest stable step).
// Cost: construction O(m³ + n·m²) (Grams, eigendecomposition, P = Θ(x,X)V, Q = K(x,X)V, C = VᵀK(X,X)V);
// test(t) O(n·m²) (O(n·m) for the mean, and for the variance when kind = Nngp); train(t) O(m³).
// Thread-safety: const methods are safe from any thread once constructed.
#pragma once
#include <limits>

#include <Eigen/Dense>

#include "core/kernels/NtkGram.h"
#include "core/util/JobControl.h"

namespace ntk {

inline constexpr double kTimeInfinity = std::numeric_limits<double>::infinity();

struct DynamicsGrams {
  Eigen::MatrixXd thetaTrain;     ///< Θ(X,X), m by m
  Eigen::MatrixXd kTrain;         ///< K(X,X), m by m
  Eigen::MatrixXd thetaTest;      ///< Θ(x,X), n by m
  Eigen::MatrixXd kTest;          ///< K(x,X), n by m
  Eigen::VectorXd kTestDiag;      ///< K(x,x), n
  Eigen::VectorXd thetaTrainDiag; ///< filled by the class from thetaTrain (the ridge's scale); input ignored
};

struct Prediction {
  Eigen::VectorXd mean;
  Eigen::VectorXd variance;
};

class KernelDynamics {
public:
  /// Computes the Grams with the engine (X, x raw inputs; Y has m entries) and decomposes.
  KernelDynamics(const Network& net, KernelKind kind, const Eigen::MatrixXd& Xtrain, const Eigen::VectorXd& Y,
                 const Eigen::MatrixXd& Xtest, double ridge = 0.0, const JobControl& job = {});
  /// From given Grams (for kind = Nngp pass K as thetaTrain/thetaTest too).
  KernelDynamics(DynamicsGrams grams, const Eigen::VectorXd& Y, double ridge = 0.0);

  /// Deterministic initial outputs f_0 on train and test points (default: 0, the GP prior mean).
  void setInitialOutputs(const Eigen::VectorXd& f0Train, const Eigen::VectorXd& f0Test);

  Eigen::Index trainSize() const { return y_.size(); }
  Eigen::Index testSize() const { return grams_.kTestDiag.size(); }

  /// Eigenvalues of H = (Θ(X,X) + ridge)/m, decreasing, and their unit eigenvectors (columns).
  const Eigen::VectorXd& modeEigenvalues() const { return lambda_; }
  const Eigen::MatrixXd& modeVectors() const { return vectors_; }
  /// λ_max / λ_min of H (∞ when λ_min ≤ 0).
  double conditionNumber() const;
  /// 2 / λ_max(H): gradient descent with a larger step diverges.
  double maxStableLearningRate() const;

  /// Gradient flow at time t (t ≥ 0, kTimeInfinity allowed).
  Prediction test(double t) const;
  Prediction train(double t) const;
  /// Vᵀ(f_t(X) − Y), decreasing-eigenvalue order: exactly the residual of train(t).mean.
  Eigen::VectorXd modeResiduals(double t) const;

  /// Gradient descent with step eta for `steps` steps.
  Prediction testGd(double eta, long long steps) const;
  Prediction trainGd(double eta, long long steps) const;
  Eigen::VectorXd modeResidualsGd(double eta, long long steps) const;

  /// Initial residual projections Vᵀ(f_0(X) − Y), decreasing-eigenvalue order.
  Eigen::VectorXd initialModeResiduals() const;

  /// The mean alone, O(n·m) (test) / O(m²) (train): for a time slider that does not draw the band.
  Eigen::VectorXd testMean(double t) const;
  Eigen::VectorXd trainMean(double t) const;
  /// The mean on test rows [first, first + count) only, O(count·m): a loss on part of the test set.
  Eigen::VectorXd testMeanRows(double t, Eigen::Index first, Eigen::Index count) const;
  /// Gradient descent, the mean alone (all test rows, or rows [first, first + count)).
  Eigen::VectorXd testMeanGd(double eta, long long steps) const;
  Eigen::VectorXd testMeanRowsGd(double eta, long long steps, Eigen::Index first, Eigen::Index count) const;
  /// The absolute ridge added to Θ(X,X) (ridge · mean diagonal).
  double ridgeAbsolute() const { return ridgeAbs_; }
  /// Off: variances are returned exactly as computed, rounding negatives included (for tests).
  void setVarianceClamping(bool on) { clampVariance_ = on; }

private:
  /// Per eigen-direction: decay (e^{−λt} or (1 − ηλ)^s) and g = (1 − decay)/θ, both stable near θ → 0.
  struct Modes {
    Eigen::VectorXd decay, g;
  };
  void initialise(DynamicsGrams grams, const Eigen::VectorXd& Y, double ridge, const JobControl& job);
  Prediction predict(const Modes& modes, bool onTest, bool withVariance) const;
  /// Vᵀ(f(X) − Y) for these modes: the same training mean as predict(…, false, …).
  Eigen::VectorXd residuals(const Modes& modes) const;
  /// f_0 + P g∘c on test rows [first, first + count): the mean alone, without forming the variance.
  Eigen::VectorXd testMeanRows(const Modes& modes, Eigen::Index first, Eigen::Index count) const;
  Modes modesFlow(double t) const;
  Modes modesGd(double eta, long long steps) const;

  /// Only the diagonals (kTestDiag, thetaTrainDiag) are kept: the constructor consumes the Grams into
  /// P_, Q_, C_ below.
  DynamicsGrams grams_;
  Eigen::VectorXd y_, f0Train_, f0Test_;
  Eigen::VectorXd lambda_;  ///< eigenvalues of H
  Eigen::MatrixXd vectors_; ///< V
  double ridgeAbs_ = 0.0;   ///< absolute ridge added to Θ(X,X)
  Eigen::VectorXd theta_;   ///< eigenvalues θ of Θ(X,X) + ridge (= m·lambda_)
  Eigen::Array<bool, Eigen::Dynamic, 1> null_; ///< numerically null directions (pseudo-inverse)
  Eigen::VectorXd kTrainDiag_; ///< K(x_i, x_i) on the training points
  Eigen::MatrixXd P_;       ///< Θ(x,X)V, n by m
  Eigen::MatrixXd Q_;       ///< K(x,X)V, n by m (empty when sameKernels_: then Q = P)
  Eigen::MatrixXd C_;       ///< VᵀK(X,X)V, m by m (empty when sameKernels_: then C = diag(θ − ridge))
  Eigen::VectorXd c_;       ///< Vᵀ(Y − f_0(X))
  bool sameKernels_ = false; ///< Θ = K (kind = Nngp): the variance is O(n·m)
  bool clampVariance_ = true;
};

} // namespace ntk
