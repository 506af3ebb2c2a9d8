// KernelDynamics.cpp — the linearised training dynamics and NNGP / NTK-GP posterior of KernelDynamics.h.
// In: the Grams (computed here from a Network, or given), targets Y, a relative ridge.
// Out: one eigendecomposition (LAPACK, util/SymmetricEigen) Θ(X,X) + ridge = V diag(θ) Vᵀ and the products P = Θ(x,X)V, Q = K(x,X)V,
// C = VᵀK(X,X)V, c = Vᵀ(Y − f_0(X)), from which every time t costs only diagonal scalings and one
// n·m² product (the variance). The big products run over row blocks with oneTBB (Eigen itself is
// single-threaded here).
#include "core/dynamics/KernelDynamics.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <sstream>
#include <string>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "core/util/Errors.h"
#include "core/util/MemoryEstimate.h"
#include "core/util/SymmetricEigen.h"

namespace ntk {

namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();
/// Row-block height of the parallel products: a block of A (rows × m) stays in cache next to B.
constexpr Eigen::Index kRowBlock = 64;
/// Points per block when only K(x,x) is wanted: the symmetric Gram of a block costs block²/2 entries.
constexpr Eigen::Index kDiagBlock = 64;

std::string num(double v)
{
  std::ostringstream s;
  s.precision(6);
  s << v;
  return s.str();
}

/// A·B over row blocks of A in parallel; checks the stop flag between blocks.
Eigen::MatrixXd parallelProduct(const Eigen::MatrixXd& A, const Eigen::MatrixXd& B, const JobControl& job)
{
  Eigen::MatrixXd out(A.rows(), B.cols());
  std::atomic<bool> cancelled{false};
  tbb::parallel_for(tbb::blocked_range<Eigen::Index>(0, A.rows(), kRowBlock),
                    [&](const tbb::blocked_range<Eigen::Index>& r) {
                      if (cancelled.load(std::memory_order_relaxed) || job.cancelled()) {
                        cancelled = true;
                        return;
                      }
                      const Eigen::Index rows = r.end() - r.begin();
                      out.middleRows(r.begin(), rows).noalias() = A.middleRows(r.begin(), rows) * B;
                    });
  if (cancelled) throw CancelledError();
  return out;
}

void requireFinite(const Eigen::MatrixXd& M, const char* what)
{
  if (!M.allFinite()) throw InputError(std::string(what) + " holds NaN or infinite values");
}

void requireSymmetric(const Eigen::MatrixXd& M, const char* what)
{
  const double scale = M.cwiseAbs().maxCoeff();
  if ((M - M.transpose()).cwiseAbs().maxCoeff() > 1e-10 * scale)
    throw InputError(std::string(what) + " is not symmetric");
}

void requireRidge(double ridge)
{
  if (!std::isfinite(ridge) || ridge < 0.0) throw InputError("ridge must be a finite number >= 0 (got " + num(ridge) + ")");
}

void requireTime(double t)
{
  if (std::isnan(t) || t < 0.0) throw InputError("time t must be >= 0 or infinity (got " + num(t) + ")");
}

/// Job whose progress maps [0,1] onto [from, to] of the parent's.
JobControl subJob(const JobControl& job, double from, double to)
{
  JobControl sub;
  sub.stop = job.stop;
  if (job.progress) sub.progress = [&job, from, to](double f) { job.report(from + (to - from) * f); };
  return sub;
}

} // namespace

KernelDynamics::KernelDynamics(const Network& net, KernelKind kind, const Eigen::MatrixXd& Xtrain,
                               const Eigen::VectorXd& Y, const Eigen::MatrixXd& Xtest, double ridge,
                               const JobControl& job)
{
  net.validate();
  const Eigen::Index m = Xtrain.rows(), n = Xtest.rows();
  if (m < 1) throw InputError("no training points");
  if (Y.size() != m)
    throw InputError("targets Y have " + std::to_string(Y.size()) + " entries but there are " + std::to_string(m) +
                     " training points");
  if (Xtrain.cols() != net.inputDim || (n > 0 && Xtest.cols() != net.inputDim))
    throw InputError("inputs have " + std::to_string(Xtrain.cols() != net.inputDim ? Xtrain.cols() : Xtest.cols()) +
                     " columns but the network's input_dim is " + std::to_string(net.inputDim));
  requireFinite(Xtrain, "training inputs");
  requireFinite(Xtest, "test inputs");
  if (!Y.allFinite()) throw InputError("targets Y hold NaN or infinite values");
  requireRidge(ridge);

  const bool ntkKind = kind == KernelKind::Ntk;
  const int matrices = ntkKind ? 2 : 1;
  // Everything alive at the peak: the Grams, V, C and the eigen-solver's copy (m² each), P and Q (n·m).
  const double md = double(m), nd = double(n);
  requireMemory(estimateGramBytes(net, m, m, matrices) + estimateGramBytes(net, n, m, matrices) +
                    8.0 * (3.0 * md * md + 2.0 * nd * md),
                "the training dynamics of " + std::to_string(m) + " training and " + std::to_string(n) + " test points");

  GramRequest request;
  request.nngp = true;
  request.ntk = ntkKind;
  DynamicsGrams grams;
  {
    GramResult train = computeGram(net, Xtrain, nullptr, request, subJob(job, 0.0, 0.25));
    grams.kTrain = std::move(train.nngp);
    if (ntkKind) grams.thetaTrain = std::move(train.ntk);
  }
  job.checkCancelled();
  if (n > 0) {
    GramResult cross = computeGram(net, Xtest, &Xtrain, request, subJob(job, 0.25, 0.7));
    grams.kTest = std::move(cross.nngp);
    if (ntkKind) grams.thetaTest = std::move(cross.ntk);
  } else {
    grams.kTest.resize(0, m);
    if (ntkKind) grams.thetaTest.resize(0, m);
  }
  job.checkCancelled();
  // K(x,x) only: the diagonal of the symmetric Gram of small blocks (its diagonal is the per-point
  // variance, bit for bit), never an n by n matrix.
  grams.kTestDiag.resize(n);
  GramRequest nngpOnly;
  nngpOnly.ntk = false;
  for (Eigen::Index i0 = 0; i0 < n; i0 += kDiagBlock) {
    job.checkCancelled();
    const Eigen::Index rows = std::min(kDiagBlock, n - i0);
    const Eigen::MatrixXd block = Xtest.middleRows(i0, rows);
    grams.kTestDiag.segment(i0, rows) = computeGram(net, block, nullptr, nngpOnly).nngp.diagonal();
    job.report(0.7 + 0.1 * double(i0 + rows) / double(n));
  }
  job.checkCancelled();
  // Θ = K for the readout-only kind: thetaTrain/thetaTest stay empty and initialise() reads K instead.
  sameKernels_ = !ntkKind;
  initialise(std::move(grams), Y, ridge, subJob(job, 0.8, 1.0));
}

KernelDynamics::KernelDynamics(DynamicsGrams grams, const Eigen::VectorXd& Y, double ridge)
{
  const Eigen::Index m = Y.size(), n = grams.kTestDiag.size();
  if (m < 1) throw InputError("no training points");
  auto requireShape = [](const Eigen::MatrixXd& M, Eigen::Index r, Eigen::Index c, const char* what) {
    if (M.rows() != r || M.cols() != c)
      throw InputError(std::string(what) + " is " + std::to_string(M.rows()) + " x " + std::to_string(M.cols()) +
                       ", expected " + std::to_string(r) + " x " + std::to_string(c));
  };
  requireShape(grams.thetaTrain, m, m, "Θ(X,X)");
  requireShape(grams.kTrain, m, m, "K(X,X)");
  requireShape(grams.thetaTest, n, m, "Θ(x,X)");
  requireShape(grams.kTest, n, m, "K(x,X)");
  requireFinite(grams.thetaTrain, "Θ(X,X)");
  requireFinite(grams.kTrain, "K(X,X)");
  requireFinite(grams.thetaTest, "Θ(x,X)");
  requireFinite(grams.kTest, "K(x,X)");
  if (!grams.kTestDiag.allFinite()) throw InputError("K(x,x) holds NaN or infinite values");
  if (!Y.allFinite()) throw InputError("targets Y hold NaN or infinite values");
  requireSymmetric(grams.thetaTrain, "Θ(X,X)");
  requireSymmetric(grams.kTrain, "K(X,X)");
  requireRidge(ridge);
  sameKernels_ = grams.thetaTrain == grams.kTrain && grams.thetaTest == grams.kTest;
  if (sameKernels_) {
    grams.thetaTrain.resize(0, 0);
    grams.thetaTest.resize(0, 0);
  }
  initialise(std::move(grams), Y, ridge, {});
}

void KernelDynamics::initialise(DynamicsGrams grams, const Eigen::VectorXd& Y, double ridge, const JobControl& job)
{
  const Eigen::Index m = Y.size();
  const Eigen::Index n = grams.kTestDiag.size();
  const double md = double(m), nd = double(n);
  // V, the solver's workspace and C (m² each), P and Q (n·m), on top of the Grams the caller holds.
  requireMemory(8.0 * (3.0 * md * md + 2.0 * nd * md), "the eigendecomposition of a " + std::to_string(m) + " x " +
                                                          std::to_string(m) + " kernel and its products");
  y_ = Y;
  f0Train_ = Eigen::VectorXd::Zero(m);
  f0Test_ = Eigen::VectorXd::Zero(n);
  // sameKernels_: Θ = K, and thetaTrain/thetaTest were left empty rather than holding copies of K.
  const Eigen::MatrixXd& thetaTrain = sameKernels_ ? grams.kTrain : grams.thetaTrain;
  grams.thetaTrainDiag = thetaTrain.diagonal();
  kTrainDiag_ = grams.kTrain.diagonal();
  ridgeAbs_ = ridge * grams.thetaTrainDiag.mean();

  {
    Eigen::MatrixXd regularised = thetaTrain;
    regularised.diagonal().array() += ridgeAbs_;
    grams.thetaTrain.resize(0, 0); // Θ(X,X) = V diag(θ − ridge) Vᵀ from here on
    SymmetricEigen eig = symmetricEigen(std::move(regularised), 0, true); // decreasing, as the modes are reported
    theta_ = std::move(eig.values);
    vectors_ = std::move(eig.vectors);
  }
  job.report(0.5);
  job.checkCancelled();
  const double thetaMax = std::max(theta_(0), 0.0);
  if (theta_(m - 1) < -1e-6 * thetaMax)
    throw InputError("Θ(X,X) + ridge is not positive semi-definite (eigenvalue " + num(theta_(m - 1)) +
                     " vs largest " + num(theta_(0)) + "): the Grams are not those of a kernel");
  null_ = theta_.array() <= md * kEps * thetaMax;
  lambda_ = theta_ / md;

  if (n > 0) P_ = parallelProduct(sameKernels_ ? grams.kTest : grams.thetaTest, vectors_, job);
  else P_.resize(0, m);
  grams.thetaTest.resize(0, 0);
  job.report(0.75);
  if (!sameKernels_) {
    if (n > 0) Q_ = parallelProduct(grams.kTest, vectors_, job);
    else Q_.resize(0, m);
    const Eigen::MatrixXd KV = parallelProduct(grams.kTrain, vectors_, job);
    const Eigen::MatrixXd Vt = vectors_.transpose();
    C_ = parallelProduct(Vt, KV, job);
    // Symmetric by definition; keep it so rounding cannot make (P g) C (P g)ᵀ lose its sign.
    C_ = 0.5 * (C_ + C_.transpose()).eval();
  }
  grams.kTest.resize(0, 0);
  grams.kTrain.resize(0, 0);
  grams_ = std::move(grams);
  c_ = vectors_.transpose() * y_;
  job.report(1.0);
}

void KernelDynamics::setInitialOutputs(const Eigen::VectorXd& f0Train, const Eigen::VectorXd& f0Test)
{
  if (f0Train.size() != trainSize() || f0Test.size() != testSize())
    throw InputError("initial outputs have " + std::to_string(f0Train.size()) + " train and " +
                     std::to_string(f0Test.size()) + " test entries, expected " + std::to_string(trainSize()) +
                     " and " + std::to_string(testSize()));
  if (!f0Train.allFinite() || !f0Test.allFinite()) throw InputError("initial outputs hold NaN or infinite values");
  f0Train_ = f0Train;
  f0Test_ = f0Test;
  c_ = vectors_.transpose() * (y_ - f0Train_);
}

double KernelDynamics::conditionNumber() const
{
  const double lo = lambda_(lambda_.size() - 1);
  if (lo <= 0.0) return std::numeric_limits<double>::infinity();
  return lambda_(0) / lo;
}

double KernelDynamics::maxStableLearningRate() const
{
  if (lambda_(0) <= 0.0) return std::numeric_limits<double>::infinity();
  return 2.0 / lambda_(0);
}

KernelDynamics::Modes KernelDynamics::modesFlow(double t) const
{
  requireTime(t);
  const Eigen::Index m = theta_.size();
  Modes modes{Eigen::VectorXd(m), Eigen::VectorXd(m)};
  for (Eigen::Index a = 0; a < m; ++a) {
    if (null_(a)) {
      modes.decay(a) = 1.0;
      modes.g(a) = 0.0;
    } else if (std::isinf(t)) {
      modes.decay(a) = 0.0;
      modes.g(a) = 1.0 / theta_(a);
    } else {
      // 1 − e^{−x} by expm1: exact to rounding when θt/m ≪ 1, where 1 − exp cancels.
      const double x = lambda_(a) * t;
      modes.decay(a) = std::exp(-x);
      modes.g(a) = -std::expm1(-x) / theta_(a);
    }
  }
  return modes;
}

KernelDynamics::Modes KernelDynamics::modesGd(double eta, long long steps) const
{
  if (!std::isfinite(eta) || eta <= 0.0) throw InputError("learning rate η must be a finite number > 0 (got " + num(eta) + ")");
  if (steps < 0) throw InputError("the number of gradient-descent steps must be >= 0 (got " + std::to_string(steps) + ")");
  const Eigen::Index m = theta_.size();
  const double s = double(steps);
  Modes modes{Eigen::VectorXd(m), Eigen::VectorXd(m)};
  for (Eigen::Index a = 0; a < m; ++a) {
    const double rate = eta * lambda_(a);
    if (null_(a) || steps == 0) {
      modes.decay(a) = 1.0;
      modes.g(a) = 0.0;
    } else if (rate < 1.0) {
      // (1 − ηλ)^s = e^{s·log1p(−ηλ)}: no cancellation when ηλ is small (the gradient-flow limit).
      const double logDecay = s * std::log1p(-rate);
      modes.decay(a) = std::exp(logDecay);
      modes.g(a) = -std::expm1(logDecay) / theta_(a);
    } else {
      const double decay = std::pow(1.0 - rate, s);
      if (!std::isfinite(decay))
        throw NumericalError("gradient descent diverges: η = " + num(eta) + " exceeds the largest stable step 2/λ_max = " +
                             num(maxStableLearningRate()) + ", and after " + std::to_string(steps) +
                             " steps the outputs overflow");
      modes.decay(a) = decay;
      modes.g(a) = (1.0 - decay) / theta_(a);
    }
  }
  return modes;
}

Prediction KernelDynamics::predict(const Modes& modes, bool onTest, bool withVariance) const
{
  const Eigen::VectorXd& g = modes.g;
  // θ − ridge: the eigenvalues of Θ(X,X) itself, for Θ(X,X)V = V diag(θ − ridge) on the training points.
  const Eigen::VectorXd thetaNoRidge = theta_.array() - ridgeAbs_;
  Prediction out;
  if (onTest) out.mean = f0Test_ + P_ * g.cwiseProduct(c_);
  else out.mean = f0Train_ + vectors_ * thetaNoRidge.cwiseProduct(g).cwiseProduct(c_);
  if (!out.mean.allFinite())
    throw NumericalError("the predicted mean overflows (targets too large, or a gradient-descent step above 2/λ_max = " +
                         num(maxStableLearningRate()) + ")");
  if (!withVariance) return out;

  // On the training points P = V diag(θ − ridge), Q = K(X,X)V = VC: formed per call (m² each) instead of
  // being kept, since a training-set variance costs O(m³) anyway.
  Eigen::MatrixXd trainP, trainQ;
  if (!onTest) {
    trainP = vectors_ * thetaNoRidge.asDiagonal();
    if (!sameKernels_) trainQ = parallelProduct(vectors_, C_, {});
  }
  const Eigen::MatrixXd& P = onTest ? P_ : trainP;
  const Eigen::MatrixXd& Q = sameKernels_ ? P : (onTest ? Q_ : trainQ);
  const Eigen::VectorXd& kDiag = onTest ? grams_.kTestDiag : kTrainDiag_;
  const Eigen::Index n = P.rows();
  out.variance.resize(n);
  // With Θ = K, C = diag(θ − ridge) and Q = P: σ² = K(x,x) − Σ_a P_a² g_a (2 − g_a (θ_a − ridge)).
  const Eigen::VectorXd diagWeight =
      sameKernels_ ? Eigen::VectorXd(g.array() * (2.0 - g.array() * thetaNoRidge.array())) : Eigen::VectorXd();
  tbb::parallel_for(tbb::blocked_range<Eigen::Index>(0, n, kRowBlock), [&](const tbb::blocked_range<Eigen::Index>& r) {
    const Eigen::Index rows = r.end() - r.begin();
    const auto Pb = P.middleRows(r.begin(), rows);
    Eigen::VectorXd value(rows), scale(rows);
    if (sameKernels_) {
      const Eigen::MatrixXd P2 = Pb.array().square().matrix();
      value = kDiag.segment(r.begin(), rows) - P2 * diagWeight;
      scale = kDiag.segment(r.begin(), rows).cwiseAbs() + P2 * diagWeight.cwiseAbs();
    } else {
      const Eigen::MatrixXd W = Pb * g.asDiagonal(); // Θ(x,X) V g
      const Eigen::MatrixXd WC = W * C_;
      const Eigen::VectorXd quad = WC.cwiseProduct(W).rowwise().sum();
      const Eigen::VectorXd cross = W.cwiseProduct(Q.middleRows(r.begin(), rows)).rowwise().sum();
      value = kDiag.segment(r.begin(), rows) + quad - 2.0 * cross;
      scale = kDiag.segment(r.begin(), rows).cwiseAbs() + quad.cwiseAbs() + 2.0 * cross.cwiseAbs();
    }
    for (Eigen::Index i = 0; i < rows; ++i) {
      double v = value(i);
      // Rounding of a difference of terms of size `scale` can leave a tiny negative; more means an error.
      if (clampVariance_ && v < 0.0 && v >= -1e-12 * scale(i)) v = 0.0;
      out.variance(r.begin() + i) = v;
    }
  });
  if (!out.variance.allFinite())
    throw NumericalError("the predicted variance overflows (gradient descent with a step above 2/λ_max = " +
                         num(maxStableLearningRate()) + " diverges)");
  return out;
}

Prediction KernelDynamics::test(double t) const { return predict(modesFlow(t), true, true); }
Prediction KernelDynamics::train(double t) const { return predict(modesFlow(t), false, true); }
Eigen::VectorXd KernelDynamics::testMean(double t) const { return predict(modesFlow(t), true, false).mean; }
Eigen::VectorXd KernelDynamics::trainMean(double t) const { return predict(modesFlow(t), false, false).mean; }

Eigen::VectorXd KernelDynamics::testMeanRows(const Modes& modes, Eigen::Index first, Eigen::Index count) const
{
  if (first < 0 || count < 0 || first + count > P_.rows())
    throw InputError("test rows [" + std::to_string(first) + ", " + std::to_string(first + count) +
                     ") are outside the " + std::to_string(P_.rows()) + " test points");
  Eigen::VectorXd mean = f0Test_.segment(first, count) + P_.middleRows(first, count) * modes.g.cwiseProduct(c_);
  if (!mean.allFinite())
    throw NumericalError("the predicted mean overflows (targets too large, or a gradient-descent step above 2/λ_max = " +
                         num(maxStableLearningRate()) + ")");
  return mean;
}

Eigen::VectorXd KernelDynamics::testMeanRows(double t, Eigen::Index first, Eigen::Index count) const
{
  return testMeanRows(modesFlow(t), first, count);
}

Eigen::VectorXd KernelDynamics::testMeanGd(double eta, long long steps) const
{
  return testMeanRows(modesGd(eta, steps), 0, P_.rows());
}

Eigen::VectorXd KernelDynamics::testMeanRowsGd(double eta, long long steps, Eigen::Index first, Eigen::Index count) const
{
  return testMeanRows(modesGd(eta, steps), first, count);
}

Eigen::VectorXd KernelDynamics::residuals(const Modes& modes) const
{
  // Vᵀ(f(X) − Y) = −(1 − (θ − ridge) g) ∘ c, and 1 − θ g = decay: written without the cancellation of
  // 1 − θ g, so a residual decaying to 1e-300 stays accurate (with ridge it levels off at ridge·c/θ).
  return -(modes.decay + ridgeAbs_ * modes.g).cwiseProduct(c_);
}

Eigen::VectorXd KernelDynamics::modeResiduals(double t) const { return residuals(modesFlow(t)); }

Prediction KernelDynamics::testGd(double eta, long long steps) const { return predict(modesGd(eta, steps), true, true); }
Prediction KernelDynamics::trainGd(double eta, long long steps) const { return predict(modesGd(eta, steps), false, true); }

Eigen::VectorXd KernelDynamics::modeResidualsGd(double eta, long long steps) const
{
  const Eigen::VectorXd r = residuals(modesGd(eta, steps));
  if (!r.allFinite())
    throw NumericalError("gradient descent diverges: η = " + num(eta) + " exceeds the largest stable step 2/λ_max = " +
                         num(maxStableLearningRate()));
  return r;
}

Eigen::VectorXd KernelDynamics::initialModeResiduals() const { return -c_; }

} // namespace ntk
