// test_kernel_dynamics — ntk::KernelDynamics (linearised training and the NNGP / NTK-GP posterior) against
// routes computed here independently of its eigendecomposition: direct LDLT solves for kernel (ridge)
// regression and the Lee et al. t = ∞ covariance, Eigen's Padé matrix exponential for finite t, a fine RK4
// integration of ḟ = −(1/m)Θ(f − Y), the explicit gradient-descent iteration, and a Monte-Carlo ensemble of
// f_0 ~ GP(0, K) evolved sample by sample. Also the stability threshold 2/λ_max, variances ≥ 0 (before
// clamping), null directions as a pseudo-inverse, and the documented errors.
#include <QtTest>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <mutex>
#include <random>

#include <unsupported/Eigen/MatrixFunctions>

#include "TestUtil.h"
#include "core/dynamics/KernelDynamics.h"
#include "core/kernels/NtkGram.h"
#include "core/util/SeededNormal.h"

using namespace ntk;
using ntktest::uniformInputs;

namespace {

Eigen::VectorXd targetsOf(const Eigen::MatrixXd& X)
{
  return (6.283185307179586 * X.col(0)).array().sin() + 0.5 * (3.0 * X.col(1)).array().cos();
}

double maxAbsRel(const Eigen::VectorXd& a, const Eigen::VectorXd& b)
{
  return (a - b).cwiseAbs().maxCoeff() / std::max(b.cwiseAbs().maxCoeff(), 1e-300);
}

/// Θ(X,X)⁻¹ (I − e^{−Θ t/m}) by Padé expm and an LDLT solve (not the class's eigendecomposition).
Eigen::MatrixXd flowOperator(const Eigen::MatrixXd& theta, double t)
{
  const double m = double(theta.rows());
  const Eigen::MatrixXd E = (-(t / m) * theta).exp();
  return theta.ldlt().solve(Eigen::MatrixXd::Identity(theta.rows(), theta.cols()) - E);
}

struct Setup {
  Network net;
  Eigen::MatrixXd X, x;
  Eigen::VectorXd Y;
  Eigen::MatrixXd thetaXX, kXX, thetaxX, kxX, kxx;
};

} // namespace

class TestKernelDynamics : public QObject {
  Q_OBJECT

private slots:
  void initTestCase()
  {
    // relu, L = 3, W_std = √2, b_std = 0.1 on [0,1)²: m = 40 training, n = 30 test points.
    s.net = ntktest::mlp(2, 3, Activation(ActivationKind::Relu), std::sqrt(2.0), 0.1, 512);
    s.X = uniformInputs(40, 2, 11);
    s.x = uniformInputs(30, 2, 12);
    s.Y = targetsOf(s.X);
    s.thetaXX = kernelMatrix(s.net, s.X, nullptr, KernelKind::Ntk);
    s.kXX = kernelMatrix(s.net, s.X, nullptr, KernelKind::Nngp);
    s.thetaxX = kernelMatrix(s.net, s.x, &s.X, KernelKind::Ntk);
    s.kxX = kernelMatrix(s.net, s.x, &s.X, KernelKind::Nngp);
    s.kxx = kernelMatrix(s.net, s.x, nullptr, KernelKind::Nngp);
  }

  // The network constructor builds the same Grams as kernelMatrix (NNGP and NTK in one call).
  void networkConstructorMatchesGivenGrams()
  {
    for (KernelKind kind : {KernelKind::Ntk, KernelKind::Nngp}) {
      KernelDynamics fromNet(s.net, kind, s.X, s.Y, s.x);
      KernelDynamics fromGrams(grams(kind), s.Y); // Nngp: Θ = K given, detected, O(n·m) variance path
      for (double t : {0.0, 3.0, 100.0, kTimeInfinity}) {
        const Prediction a = fromNet.test(t), b = fromGrams.test(t);
        QVERIFY(maxAbsRel(a.mean, b.mean) <= 1e-13);
        QVERIFY(maxAbsRel(a.variance, b.variance) <= 1e-12);
        QVERIFY(maxAbsRel(fromNet.train(t).variance + s.kXX.diagonal(), fromGrams.train(t).variance + s.kXX.diagonal()) <= 1e-13);
      }
      QCOMPARE(fromNet.trainSize(), Eigen::Index(40));
      QCOMPARE(fromNet.testSize(), Eigen::Index(30));
    }
    // The general (n·m²) variance path with Θ = K passed as distinct matrices equals the Θ = K shortcut.
    DynamicsGrams g = grams(KernelKind::Nngp);
    g.thetaTrain(0, 0) = std::nextafter(g.thetaTrain(0, 0), INFINITY); // not bit-equal: the general path runs
    KernelDynamics general(g, s.Y), shortcut(grams(KernelKind::Nngp), s.Y);
    general.setVarianceClamping(false);
    shortcut.setVarianceClamping(false);
    double worst = 0.0;
    for (double t : {0.0, 3.0, 1e3, kTimeInfinity})
      worst = std::max(worst, (general.test(t).variance - shortcut.test(t).variance).cwiseAbs().maxCoeff() /
                                  s.kxx.diagonal().maxCoeff());
    qInfo("Θ = K: general n·m² variance path vs the diagonal shortcut: %.2e of max K(x,x)", worst);
    QVERIFY2(worst <= 1e-10, qPrintable(QString::number(worst)));
  }

  void infiniteTimeIsKernelRegression_data()
  {
    QTest::addColumn<int>("kind");
    QTest::addColumn<double>("ridge");
    QTest::newRow("ntk") << int(KernelKind::Ntk) << 0.0;
    QTest::newRow("ntk ridge 1e-3") << int(KernelKind::Ntk) << 1e-3;
    QTest::newRow("nngp") << int(KernelKind::Nngp) << 0.0;
    QTest::newRow("nngp ridge 0.1") << int(KernelKind::Nngp) << 0.1;
  }

  void infiniteTimeIsKernelRegression()
  {
    QFETCH(int, kind);
    QFETCH(double, ridge);
    const bool ntkKind = KernelKind(kind) == KernelKind::Ntk;
    const Eigen::MatrixXd& T = ntkKind ? s.thetaXX : s.kXX;
    const Eigen::MatrixXd& Tx = ntkKind ? s.thetaxX : s.kxX;
    KernelDynamics dyn(s.net, KernelKind(kind), s.X, s.Y, s.x, ridge);
    const double ridgeAbs = ridge * T.diagonal().mean();
    QCOMPARE(dyn.ridgeAbsolute(), ridgeAbs);
    Eigen::MatrixXd Treg = T;
    Treg.diagonal().array() += ridgeAbs;
    const Eigen::VectorXd alpha = Treg.ldlt().solve(s.Y);
    const Eigen::VectorXd ref = Tx * alpha;
    const double err = maxAbsRel(dyn.test(kTimeInfinity).mean, ref);
    const double errTrain = maxAbsRel(dyn.train(kTimeInfinity).mean, T * alpha);
    qInfo("t = inf mean vs LDLT kernel regression: test %.2e, train %.2e (cond %.2e)", err, errTrain,
          dyn.conditionNumber());
    QVERIFY2(err <= 1e-9, qPrintable(QString::number(err)));
    QVERIFY2(errTrain <= 1e-9, qPrintable(QString::number(errTrain)));
    QVERIFY(maxAbsRel(dyn.testMean(kTimeInfinity), ref) <= 1e-9);
    if (ridge == 0.0) QVERIFY(maxAbsRel(dyn.train(kTimeInfinity).mean, s.Y) <= 1e-9); // interpolates
  }

  void timeZeroIsThePrior()
  {
    KernelDynamics dyn(s.net, KernelKind::Ntk, s.X, s.Y, s.x);
    const Prediction p = dyn.test(0.0);
    QVERIFY(p.mean.isZero(0.0));
    const double err = maxAbsRel(p.variance, s.kxx.diagonal());
    qInfo("t = 0 variance vs K(x,x): %.2e", err);
    QVERIFY2(err <= 1e-14, qPrintable(QString::number(err)));
    QVERIFY(maxAbsRel(dyn.train(0.0).variance, s.kXX.diagonal()) <= 1e-14);
    // A given f_0 is the mean at t = 0 and shifts the residual the flow removes.
    const Eigen::VectorXd f0Train = Eigen::VectorXd::LinSpaced(40, -1.0, 2.0);
    const Eigen::VectorXd f0Test = Eigen::VectorXd::LinSpaced(30, 0.5, -0.5);
    dyn.setInitialOutputs(f0Train, f0Test);
    QCOMPARE(dyn.test(0.0).mean, f0Test);
    QCOMPARE(dyn.train(0.0).mean, f0Train);
    const Eigen::VectorXd ref = f0Test + s.thetaxX * s.thetaXX.ldlt().solve(s.Y - f0Train);
    QVERIFY(maxAbsRel(dyn.test(kTimeInfinity).mean, ref) <= 1e-9);
    QVERIFY(maxAbsRel(dyn.initialModeResiduals(), dyn.modeVectors().transpose() * (f0Train - s.Y)) <= 1e-14);
  }

  // RK4 on ḟ(X) = −(1/m)Θ(X,X)(f(X) − Y), ḟ(x) = −(1/m)Θ(x,X)(f(X) − Y), from a non-zero f_0.
  void modesDecayExponentiallyAsTheOde()
  {
    KernelDynamics dyn(s.net, KernelKind::Ntk, s.X, s.Y, s.x);
    const Eigen::VectorXd f0Train = 0.3 * Eigen::VectorXd::LinSpaced(40, -1.0, 1.0);
    const Eigen::VectorXd f0Test = Eigen::VectorXd::Constant(30, 0.2);
    dyn.setInitialOutputs(f0Train, f0Test);
    const double m = 40.0;
    const double lambdaMax = dyn.modeEigenvalues()(0);
    const double tEnd = 0.5 / dyn.modeEigenvalues()(4); // top modes converged, the rest part-way
    const int steps = std::max(4000, int(std::ceil(tEnd * lambdaMax / 0.02)));
    const double h = tEnd / steps;
    Eigen::VectorXd fX = f0Train, fx = f0Test;
    auto rate = [&](const Eigen::VectorXd& fTrain) { return Eigen::VectorXd(-(1.0 / m) * (fTrain - s.Y)); };
    for (int k = 0; k < steps; ++k) {
      const Eigen::VectorXd r1 = rate(fX), d1 = s.thetaXX * r1;
      const Eigen::VectorXd r2 = rate(fX + 0.5 * h * d1), d2 = s.thetaXX * r2;
      const Eigen::VectorXd r3 = rate(fX + 0.5 * h * d2), d3 = s.thetaXX * r3;
      const Eigen::VectorXd r4 = rate(fX + h * d3), d4 = s.thetaXX * r4;
      fX += (h / 6.0) * (d1 + 2 * d2 + 2 * d3 + d4);
      fx += (h / 6.0) * (s.thetaxX * (r1 + 2 * r2 + 2 * r3 + r4));
    }
    const Eigen::VectorXd residuals = dyn.modeResiduals(tEnd);
    const Eigen::VectorXd odeResiduals = dyn.modeVectors().transpose() * (fX - s.Y);
    const Eigen::VectorXd r0 = dyn.initialModeResiduals();
    const double scale = r0.cwiseAbs().maxCoeff();
    const double errModes = (residuals - odeResiduals).cwiseAbs().maxCoeff() / scale;
    double errExp = 0.0;
    for (Eigen::Index k = 0; k < r0.size(); ++k)
      errExp = std::max(errExp, std::abs(odeResiduals(k) - std::exp(-dyn.modeEigenvalues()(k) * tEnd) * r0(k)) / scale);
    const double errTrain = maxAbsRel(dyn.train(tEnd).mean, fX);
    const double errTest = maxAbsRel(dyn.test(tEnd).mean, fx);
    qInfo("RK4 (%d steps) vs closed form: modes %.2e, e^{-lambda t} %.2e, train %.2e, test %.2e", steps, errModes,
          errExp, errTrain, errTest);
    QVERIFY2(errModes <= 1e-9 && errExp <= 1e-9, qPrintable(QString::number(std::max(errModes, errExp))));
    QVERIFY2(errTrain <= 1e-9 && errTest <= 1e-9, qPrintable(QString::number(std::max(errTrain, errTest))));
    // Padé expm route for the finite-t mean.
    const Eigen::VectorXd refTest = f0Test + s.thetaxX * flowOperator(s.thetaXX, tEnd) * (s.Y - f0Train);
    QVERIFY(maxAbsRel(dyn.test(tEnd).mean, refTest) <= 1e-8);
  }

  // The explicit iteration f ← f − (η/m)Θ(f(X) − Y), and the gradient-flow limit ηs = t for small η.
  void gradientDescentMatchesIterationAndFlow()
  {
    KernelDynamics dyn(s.net, KernelKind::Ntk, s.X, s.Y, s.x);
    const double eta = 0.5 * dyn.maxStableLearningRate();
    const long long steps = 300;
    Eigen::VectorXd fX = Eigen::VectorXd::Zero(40), fx = Eigen::VectorXd::Zero(30);
    for (long long k = 0; k < steps; ++k) {
      const Eigen::VectorXd r = (eta / 40.0) * (fX - s.Y);
      fx -= s.thetaxX * r;
      fX -= s.thetaXX * r;
    }
    const double errIter = std::max(maxAbsRel(dyn.testGd(eta, steps).mean, fx), maxAbsRel(dyn.trainGd(eta, steps).mean, fX));
    qInfo("GD closed form vs explicit iteration (eta = 1/lambda_max, 300 steps): %.2e", errIter);
    QVERIFY2(errIter <= 1e-10, qPrintable(QString::number(errIter)));

    // Small steps: GD(η, s) → flow(ηs) with error O(ηλ_max).
    const double t = 20.0 / dyn.modeEigenvalues()(0);
    for (double fraction : {1e-2, 1e-3}) {
      const double smallEta = fraction * dyn.maxStableLearningRate();
      const long long s2 = std::llround(t / smallEta);
      const Prediction gd = dyn.testGd(smallEta, s2), flow = dyn.test(smallEta * double(s2));
      const double errMean = maxAbsRel(gd.mean, flow.mean), errVar = maxAbsRel(gd.variance, flow.variance);
      qInfo("GD(eta = %.0e x max, %lld steps) vs flow: mean %.2e, variance %.2e", fraction, s2, errMean, errVar);
      QVERIFY2(errMean <= 2.0 * fraction && errVar <= 2.0 * fraction, qPrintable(QString::number(std::max(errMean, errVar))));
    }
    QVERIFY(dyn.testGd(eta, 0).mean.isZero(0.0));
  }

  void gradientDescentStabilityThreshold()
  {
    KernelDynamics dyn(s.net, KernelKind::Ntk, s.X, s.Y, s.x);
    const double etaMax = dyn.maxStableLearningRate();
    const Eigen::VectorXd r0 = dyn.initialModeResiduals();
    const Eigen::VectorXd below = dyn.modeResidualsGd(0.99 * etaMax, 2000);
    const Eigen::VectorXd above = dyn.modeResidualsGd(1.01 * etaMax, 2000);
    QVERIFY(std::abs(below(0)) < 1e-6 * std::abs(r0(0)));
    QVERIFY(std::abs(above(0)) > 1e6 * std::abs(r0(0))); // 1.02^2000 ≈ 1e17
    QVERIFY(dyn.trainGd(1.01 * etaMax, 2000).mean.norm() > 1e6 * s.Y.norm());
    QVERIFY(maxAbsRel(dyn.trainGd(0.99 * etaMax, 200000).mean, s.Y) < 1e-3);
    // Overflow is an error naming the largest stable step, never NaN or inf.
    for (auto call : {+[](const KernelDynamics& d, double e) { d.testGd(e, 100000000); },
                      +[](const KernelDynamics& d, double e) { d.modeResidualsGd(e, 100000000); }}) {
      try {
        call(dyn, 1.01 * etaMax);
        QFAIL("no error for an overflowing gradient descent");
      } catch (const NumericalError& e) {
        QVERIFY2(QString(e.what()).contains("2/λ_max"), e.what());
      }
    }
  }

  // The per-mode residuals are those of train(t).mean, with ridge too (where the t = ∞ fit is not Y).
  void modeResidualsAreTheTrainingResiduals()
  {
    for (double ridge : {0.0, 1e-2}) {
      KernelDynamics dyn(s.net, KernelKind::Ntk, s.X, s.Y, s.x, ridge);
      dyn.setInitialOutputs(0.2 * Eigen::VectorXd::LinSpaced(40, -1.0, 1.0), Eigen::VectorXd::Zero(30));
      const Eigen::MatrixXd Vt = dyn.modeVectors().transpose();
      const double scale = dyn.initialModeResiduals().cwiseAbs().maxCoeff();
      const double t4 = 1.0 / dyn.modeEigenvalues()(4);
      for (double t : {0.0, t4, 100.0 * t4, kTimeInfinity}) {
        const Eigen::VectorXd direct = Vt * (dyn.trainMean(t) - s.Y);
        const double err = (dyn.modeResiduals(t) - direct).cwiseAbs().maxCoeff() / scale;
        QVERIFY2(err <= 1e-12, qPrintable(QString("ridge %1, t %2: %3").arg(ridge).arg(t).arg(err)));
      }
      const double eta = 0.5 * dyn.maxStableLearningRate();
      for (long long steps : {0LL, 10LL, 5000LL}) {
        const Eigen::VectorXd direct = Vt * (dyn.trainGd(eta, steps).mean - s.Y);
        const double err = (dyn.modeResidualsGd(eta, steps) - direct).cwiseAbs().maxCoeff() / scale;
        QVERIFY2(err <= 1e-12, qPrintable(QString("GD ridge %1, %2 steps: %3").arg(ridge).arg(steps).arg(err)));
      }
      if (ridge > 0.0) QVERIFY(dyn.modeResiduals(kTimeInfinity).cwiseAbs().maxCoeff() > 1e-6 * scale); // not Y
    }
  }

  // σ² ≥ 0 before clamping, and σ²_∞ = 0 on the training points without ridge.
  void varianceIsNonNegativeAndVanishesOnTrainingPoints_data()
  {
    QTest::addColumn<int>("kind");
    QTest::newRow("ntk") << int(KernelKind::Ntk);
    QTest::newRow("nngp") << int(KernelKind::Nngp);
  }

  void varianceIsNonNegativeAndVanishesOnTrainingPoints()
  {
    QFETCH(int, kind);
    KernelDynamics dyn(s.net, KernelKind(kind), s.X, s.Y, s.x);
    dyn.setVarianceClamping(false);
    double worst = INFINITY;
    for (double t : {0.0, 0.01, 1.0, 10.0, 100.0, 1e4, 1e8, kTimeInfinity}) {
      worst = std::min(worst, (dyn.test(t).variance.array() / s.kxx.diagonal().array()).minCoeff());
      worst = std::min(worst, (dyn.train(t).variance.array() / s.kXX.diagonal().array()).minCoeff());
    }
    const double atTrain = (dyn.train(kTimeInfinity).variance.array() / s.kXX.diagonal().array()).abs().maxCoeff();
    qInfo("unclamped min sigma^2/K(x,x) = %.2e; max |sigma^2_inf|/K on training points = %.2e", worst, atTrain);
    QVERIFY2(worst >= -1e-12, qPrintable(QString::number(worst)));
    QVERIFY2(atTrain <= 1e-11, qPrintable(QString::number(atTrain)));
    dyn.setVarianceClamping(true);
    for (double t : {0.0, 1.0, kTimeInfinity}) QVERIFY(dyn.test(t).variance.minCoeff() >= 0.0);
  }

  // kind = Nngp: σ² = K(x,x) − K(x,X)K⁻¹(I − e^{−2Kt/m})K(X,x), by expm + LDLT.
  void nngpVarianceFormula()
  {
    KernelDynamics dyn(s.net, KernelKind::Nngp, s.X, s.Y, s.x);
    dyn.setVarianceClamping(false);
    const double lambda4 = dyn.modeEigenvalues()(4);
    for (double t : {0.1 / lambda4, 1.0 / lambda4, 30.0 / lambda4}) {
      const Eigen::MatrixXd A = flowOperator(s.kXX, 2.0 * t); // K⁻¹(I − e^{−2Kt/m})
      const Eigen::VectorXd ref = s.kxx.diagonal() - (s.kxX * A * s.kxX.transpose()).diagonal();
      const double err = (dyn.test(t).variance - ref).cwiseAbs().maxCoeff() / s.kxx.diagonal().maxCoeff();
      qInfo("NNGP variance vs K - K K^-1(I - e^{-2Kt/m}) K at lambda_4 t = %.1f: %.2e", t * lambda4, err);
      QVERIFY2(err <= 1e-8, qPrintable(QString::number(err)));
    }
  }

  // kind = Ntk: Lee et al. (2019) eq. (16) at t = ∞ with inverses, and at finite t with expm.
  void ntkGpVarianceFormula()
  {
    KernelDynamics dyn(s.net, KernelKind::Ntk, s.X, s.Y, s.x);
    dyn.setVarianceClamping(false);
    const Eigen::MatrixXd thetaInv = s.thetaXX.inverse();
    const Eigen::MatrixXd B = s.thetaxX * thetaInv;
    const Eigen::VectorXd refInf = s.kxx.diagonal() + (B * s.kXX * B.transpose()).diagonal() -
                                   2.0 * (B * s.kxX.transpose()).diagonal();
    const double scale = s.kxx.diagonal().maxCoeff();
    const double errInf = (dyn.test(kTimeInfinity).variance - refInf).cwiseAbs().maxCoeff() / scale;
    const double t = 1.0 / dyn.modeEigenvalues()(6);
    const Eigen::MatrixXd Bt = s.thetaxX * flowOperator(s.thetaXX, t);
    const Eigen::VectorXd refT = s.kxx.diagonal() + (Bt * s.kXX * Bt.transpose()).diagonal() -
                                 2.0 * (Bt * s.kxX.transpose()).diagonal();
    const double errT = (dyn.test(t).variance - refT).cwiseAbs().maxCoeff() / scale;
    qInfo("NTK-GP variance vs Lee et al. with inverses: t = inf %.2e, finite t %.2e", errInf, errT);
    QVERIFY2(errInf <= 1e-8 && errT <= 1e-8, qPrintable(QString::number(std::max(errInf, errT))));
  }

  // f_0 ~ GP(0, K) on train + test jointly, each sample evolved with Θ(·,X)Θ⁻¹(I − e^{−Θt/m}).
  void monteCarloEnsembleMatchesClosedForm_data()
  {
    QTest::addColumn<double>("lambda4Time");
    QTest::newRow("mid training") << 1.0;
    QTest::newRow("converged") << 1e6;
  }

  void monteCarloEnsembleMatchesClosedForm()
  {
    QFETCH(double, lambda4Time);
    KernelDynamics dyn(s.net, KernelKind::Ntk, s.X, s.Y, s.x);
    const double t = lambda4Time / dyn.modeEigenvalues()(4);
    const Prediction closed = dyn.test(t);
    const Eigen::Index m = 40, n = 30;
    Eigen::MatrixXd all(m + n, 2);
    all << s.X, s.x;
    Eigen::MatrixXd joint = kernelMatrix(s.net, all, nullptr, KernelKind::Nngp);
    joint.diagonal().array() += 1e-10 * joint.diagonal().mean(); // jitter: the Cholesky factor exists
    const Eigen::MatrixXd L = joint.llt().matrixL();
    const Eigen::MatrixXd B = s.thetaxX * flowOperator(s.thetaXX, t);
    const int samples = 4000;
    SeededNormal normal(2024);
    Eigen::VectorXd sum = Eigen::VectorXd::Zero(n), sumSq = Eigen::VectorXd::Zero(n);
    Eigen::VectorXd z(m + n);
    for (int k = 0; k < samples; ++k) {
      for (Eigen::Index i = 0; i < z.size(); ++i) z(i) = normal();
      const Eigen::VectorXd f0 = L * z;
      const Eigen::VectorXd ft = f0.tail(n) + B * (s.Y - f0.head(m));
      sum += ft;
      sumSq += ft.cwiseProduct(ft);
    }
    const Eigen::VectorXd mean = sum / samples;
    const Eigen::VectorXd var = (sumSq - samples * mean.cwiseProduct(mean)) / (samples - 1);
    // 5 standard errors per point: mean ± √(σ²/N), sample variance ± σ²√(2/(N−1)).
    double worstMean = 0.0, worstVar = 0.0;
    for (Eigen::Index i = 0; i < n; ++i) {
      const double sd = std::sqrt(closed.variance(i) / samples) + 1e-12;
      const double sdVar = closed.variance(i) * std::sqrt(2.0 / (samples - 1)) + 1e-12 * s.kxx(i, i);
      worstMean = std::max(worstMean, std::abs(mean(i) - closed.mean(i)) / sd);
      worstVar = std::max(worstVar, std::abs(var(i) - closed.variance(i)) / sdVar);
    }
    qInfo("Monte Carlo (%d samples) vs closed form: worst |mean error| = %.2f SE, |variance error| = %.2f SE", samples,
          worstMean, worstVar);
    QVERIFY2(worstMean <= 5.0 && worstVar <= 5.0, qPrintable(QString::number(std::max(worstMean, worstVar))));
  }

  void conditionNumberAndMaxStableRate()
  {
    KernelDynamics dyn(s.net, KernelKind::Ntk, s.X, s.Y, s.x, 1e-4);
    Eigen::MatrixXd H = s.thetaXX;
    H.diagonal().array() += dyn.ridgeAbsolute();
    H /= 40.0;
    // Singular values of the SPD H are its eigenvalues: a different algorithm (one-sided Jacobi).
    const Eigen::VectorXd sv = Eigen::JacobiSVD<Eigen::MatrixXd>(H).singularValues();
    const double errEig = (dyn.modeEigenvalues() - sv).cwiseAbs().maxCoeff() / sv(0);
    QVERIFY2(errEig <= 1e-13, qPrintable(QString::number(errEig)));
    QVERIFY(std::abs(dyn.maxStableLearningRate() - 2.0 / sv(0)) <= 1e-13 * (2.0 / sv(0)));
    const double cond = sv(0) / sv(sv.size() - 1);
    QVERIFY(std::abs(dyn.conditionNumber() - cond) <= 1e-8 * cond);
    const Eigen::MatrixXd& V = dyn.modeVectors();
    QVERIFY((V.transpose() * V - Eigen::MatrixXd::Identity(40, 40)).cwiseAbs().maxCoeff() <= 1e-13);
    const double residual = (H * V - V * dyn.modeEigenvalues().asDiagonal()).norm() / sv(0);
    qInfo("eigenvalues vs Jacobi SVD %.2e, eigen-residual %.2e, cond %.3e, max rate %.6g", errEig, residual,
          dyn.conditionNumber(), dyn.maxStableLearningRate());
    QVERIFY(residual <= 1e-13);
    for (Eigen::Index k = 1; k < 40; ++k) QVERIFY(dyn.modeEigenvalues()(k) <= dyn.modeEigenvalues()(k - 1));
  }

  // An exactly rank-deficient Θ = AAᵀ (rank 5 of 12) without ridge: null directions act as a pseudo-inverse.
  void nullDirectionsAreAPseudoInverse()
  {
    std::mt19937_64 g(5);
    std::normal_distribution<double> nd;
    Eigen::MatrixXd A(12, 5), Ax(7, 5);
    for (Eigen::Index i = 0; i < A.size(); ++i) A.data()[i] = nd(g);
    for (Eigen::Index i = 0; i < Ax.size(); ++i) Ax.data()[i] = nd(g);
    DynamicsGrams gr;
    gr.thetaTrain = gr.kTrain = A * A.transpose();
    gr.thetaTest = gr.kTest = Ax * A.transpose();
    gr.kTestDiag = Ax.rowwise().squaredNorm();
    Eigen::VectorXd Y(12);
    for (Eigen::Index i = 0; i < 12; ++i) Y(i) = nd(g);
    KernelDynamics dyn(gr, Y);
    QCOMPARE(dyn.conditionNumber(), std::numeric_limits<double>::infinity());
    const Eigen::VectorXd ref = gr.thetaTest * gr.thetaTrain.completeOrthogonalDecomposition().pseudoInverse() * Y;
    for (double t : {1e12, kTimeInfinity}) {
      const Prediction p = dyn.test(t);
      QVERIFY(p.mean.allFinite() && p.variance.allFinite());
      const double err = maxAbsRel(p.mean, ref);
      QVERIFY2(err <= 1e-9, qPrintable(QString::number(err)));
      QVERIFY(p.variance.cwiseAbs().maxCoeff() <= 1e-9 * gr.kTestDiag.maxCoeff()); // rank 5: fully determined
    }
    // The null-space part of the residual never decays.
    const Eigen::VectorXd r = dyn.modeResiduals(kTimeInfinity);
    QVERIFY(r.head(5).isZero(0.0));
    QVERIFY((r.tail(7) - dyn.initialModeResiduals().tail(7)).isZero(0.0));
  }

  // m = 1: one mode, θ = Θ(x_1,x_1); the t = ∞ mean is Θ(x,x_1) y_1 / θ and the residual decays as e^{−θt}.
  void singleTrainingPoint()
  {
    const Eigen::MatrixXd X1 = s.X.topRows(1);
    const Eigen::VectorXd Y1 = s.Y.head(1);
    KernelDynamics dyn(s.net, KernelKind::Ntk, X1, Y1, s.x);
    const double theta = s.thetaXX(0, 0);
    QVERIFY(std::abs(dyn.modeEigenvalues()(0) - theta) <= 1e-14 * theta);
    QCOMPARE(dyn.conditionNumber(), 1.0);
    QVERIFY(maxAbsRel(dyn.test(kTimeInfinity).mean, s.thetaxX.col(0) * (Y1(0) / theta)) <= 1e-14);
    QVERIFY(std::abs(dyn.modeResiduals(2.0)(0) - std::exp(-2.0 * theta) * dyn.initialModeResiduals()(0)) <=
            1e-14 * std::abs(Y1(0)));
    QVERIFY(std::abs(dyn.train(kTimeInfinity).variance(0)) <= 1e-12 * s.kXX(0, 0));
  }

  void badInputIsRefused()
  {
    auto expectError = [](auto&& call, const char* mustContain) {
      try {
        call();
      } catch (const InputError& e) {
        if (!QString(e.what()).contains(QString::fromUtf8(mustContain))) {
          qWarning("message '%s' lacks '%s'", e.what(), mustContain);
          return false;
        }
        return true;
      } catch (...) {
        return false;
      }
      return false;
    };
    const DynamicsGrams good = grams(KernelKind::Ntk);
    QVERIFY(expectError([&] { KernelDynamics(good, Eigen::VectorXd::Zero(39)); }, "Θ(X,X) is 40 x 40, expected 39 x 39"));
    QVERIFY(expectError([&] { DynamicsGrams b = good; b.kTestDiag.resize(29); KernelDynamics(b, s.Y); }, "Θ(x,X) is 30 x 40"));
    QVERIFY(expectError([&] { DynamicsGrams b = good; b.kTrain(3, 4) = NAN; KernelDynamics(b, s.Y); }, "K(X,X) holds NaN"));
    QVERIFY(expectError([&] { DynamicsGrams b = good; b.thetaTrain(3, 4) += 1.0; KernelDynamics(b, s.Y); }, "not symmetric"));
    QVERIFY(expectError([&] { Eigen::VectorXd y = s.Y; y(0) = INFINITY; KernelDynamics(good, y); }, "targets"));
    QVERIFY(expectError([&] { KernelDynamics(good, s.Y, -1e-3); }, "ridge"));
    QVERIFY(expectError([&] { KernelDynamics(good, s.Y, NAN); }, "ridge"));
    QVERIFY(expectError([&] { KernelDynamics(good, s.Y, INFINITY); }, "ridge"));
    QVERIFY(expectError([&] { DynamicsGrams b = good; b.thetaTrain.diagonal().array() -= 2.0 * b.thetaTrain.diagonal().maxCoeff(); KernelDynamics(b, s.Y); }, "positive semi-definite"));
    QVERIFY(expectError([&] { KernelDynamics(s.net, KernelKind::Ntk, s.X, s.Y.head(39), s.x); }, "39 entries"));
    QVERIFY(expectError([&] { KernelDynamics(s.net, KernelKind::Ntk, s.X, s.Y, Eigen::MatrixXd::Zero(3, 5)); }, "input_dim"));
    QVERIFY(expectError([&] { Eigen::MatrixXd x = s.x; x(2, 1) = NAN; KernelDynamics(s.net, KernelKind::Ntk, s.X, s.Y, x); }, "test inputs"));
    KernelDynamics dyn(good, s.Y);
    QVERIFY(expectError([&] { dyn.test(-1.0); }, "t must be >= 0"));
    QVERIFY(expectError([&] { dyn.train(NAN); }, "t must be >= 0"));
    QVERIFY(expectError([&] { dyn.modeResiduals(-INFINITY); }, "t must be >= 0"));
    QVERIFY(expectError([&] { dyn.testGd(0.0, 10); }, "η"));
    QVERIFY(expectError([&] { dyn.testGd(-1.0, 10); }, "η"));
    QVERIFY(expectError([&] { dyn.testGd(NAN, 10); }, "η"));
    QVERIFY(expectError([&] { dyn.trainGd(1.0, -1); }, "steps"));
    QVERIFY(expectError([&] { dyn.setInitialOutputs(Eigen::VectorXd::Zero(40), Eigen::VectorXd::Zero(3)); }, "initial outputs"));
    // Too big: refused by the memory estimate before any Gram exists.
    const Eigen::MatrixXd huge = uniformInputs(3000000, 2, 1);
    QVERIFY_THROWS_EXCEPTION(MemoryLimitError,
                             KernelDynamics(s.net, KernelKind::Ntk, huge, Eigen::VectorXd::Zero(huge.rows()), s.x));
    // Cancellation between the Grams.
    std::atomic<bool> stop{true};
    JobControl job;
    job.stop = &stop;
    QVERIFY_THROWS_EXCEPTION(CancelledError, KernelDynamics(s.net, KernelKind::Ntk, s.X, s.Y, s.x, 0.0, job));
  }

  // Progress stays in [0, 1] and ends at 1.
  void progressIsMonotone()
  {
    std::vector<double> seen;
    std::mutex lock; // the Gram's tiles report from TBB workers
    JobControl job;
    job.progress = [&](double f) {
      std::lock_guard<std::mutex> guard(lock);
      seen.push_back(f);
    };
    KernelDynamics dyn(s.net, KernelKind::Ntk, s.X, s.Y, s.x, 0.0, job);
    QVERIFY(!seen.empty());
    QCOMPARE(seen.back(), 1.0);
    for (double f : seen) QVERIFY(f >= 0.0 && f <= 1.0);
  }

  // NTK_DYNAMICS_TIMING=1: m = 1000 training / n = 2000 test points, construction and per-t cost.
  void timing()
  {
    if (!std::getenv("NTK_DYNAMICS_TIMING")) QSKIP("set NTK_DYNAMICS_TIMING=1 to time m = 1000, n = 2000");
    const Eigen::MatrixXd X = uniformInputs(1000, 2, 21), x = uniformInputs(2000, 2, 22);
    using clock = std::chrono::steady_clock;
    for (KernelKind kind : {KernelKind::Ntk, KernelKind::Nngp}) {
      const auto t0 = clock::now();
      KernelDynamics dyn(s.net, kind, X, targetsOf(X), x, 1e-6);
      const auto t1 = clock::now();
      const Prediction p = dyn.test(10.0);
      const auto t2 = clock::now();
      const Eigen::VectorXd mean = dyn.testMean(10.0);
      const auto t3 = clock::now();
      const Prediction q = dyn.train(10.0);
      const auto t4 = clock::now();
      auto sec = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
      qInfo("%s: construct %.2f s, test(t) %.3f s, testMean(t) %.4f s, train(t) %.3f s (checksum %.3g)",
            kind == KernelKind::Ntk ? "ntk" : "nngp", sec(t0, t1), sec(t1, t2), sec(t2, t3), sec(t3, t4),
            p.variance.sum() + mean.sum() + q.mean.sum());
    }
  }

private:
  DynamicsGrams grams(KernelKind kind) const
  {
    DynamicsGrams g;
    const bool ntkKind = kind == KernelKind::Ntk;
    g.thetaTrain = ntkKind ? s.thetaXX : s.kXX;
    g.kTrain = s.kXX;
    g.thetaTest = ntkKind ? s.thetaxX : s.kxX;
    g.kTest = s.kxX;
    g.kTestDiag = s.kxx.diagonal();
    return g;
  }

  Setup s;
};

QTEST_APPLESS_MAIN(TestKernelDynamics)
#include "test_kernel_dynamics.moc"
