// test_width_sweep — core/finite: the width sweep and the theory readouts.
// Width sweep: (a) every number is recomputed independently — each seed's kernel from monteCarloKernel
// (and once from a materialised Jacobian J Jᵀ), the analytic kernel from kernelMatrix, the relative
// Frobenius errors, their mean and sample standard deviation, the least-squares slope — to 1e-12;
// (b) 2-hidden-layer ReLU, NTK parameterisation: slope in [−0.65, −0.35]; (c) standard
// parameterisation: the empirical NTK's scale grows ∝ width (the ratio of meanScale matches the analytic
// one), errors are normalised and shrink; (d) NNGP; (e) refusals, memory refusal, cancellation.
// Theory readouts: a 3×3 hand case (eigenvalues 2 ∓ √2, 2; Θ⁻¹ by hand), the shuffled complexity is one
// of the permutations' values, a smooth target has a visibly smaller complexity than its shuffle,
// a rank-1 Gram is flagged singular with the pseudo-inverse value, bad inputs are refused.
#include <QtTest>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <vector>

#include "TestUtil.h"
#include "core/finite/KernelTheoryReadouts.h"
#include "core/finite/WidthSweep.h"
#include "core/kernels/NtkGram.h"
#include "core/nets/FiniteNetwork.h"
#include "core/util/Errors.h"

using namespace ntk;

namespace {

Network reluNet(Parameterization p = Parameterization::Ntk, int inputDim = 2)
{
  return ntktest::mlp(inputDim, 3, Activation(ActivationKind::Relu), std::sqrt(2.0), 0.1, 64, 1, p);
}

double relFro(const Eigen::MatrixXd& A, const Eigen::MatrixXd& B) { return (A - B).norm() / B.norm(); }

} // namespace

class TestWidthSweep : public QObject {
  Q_OBJECT

private slots:
  void circlePointsAreOnTheCircle()
  {
    const Eigen::MatrixXd X = circlePoints(8);
    QCOMPARE(X.rows(), Eigen::Index(8));
    QVERIFY(std::abs(X(2, 0)) < 1e-15 && std::abs(X(2, 1) - 1.0) < 1e-15); // angle π/2
    QVERIFY((X.rowwise().norm().array() - 1.0).abs().maxCoeff() < 1e-15);
    QVERIFY_THROWS_EXCEPTION(InputError, circlePoints(0));
  }

  // Every reported number against an independent recomputation from monteCarloKernel and kernelMatrix.
  void numbersRecomputedIndependently_data()
  {
    QTest::addColumn<bool>("standard");
    QTest::addColumn<bool>("ntk");
    QTest::newRow("ntk param, NTK") << false << true;
    QTest::newRow("ntk param, NNGP") << false << false;
    QTest::newRow("standard param, NTK") << true << true;
  }
  void numbersRecomputedIndependently()
  {
    QFETCH(bool, standard);
    QFETCH(bool, ntk);
    const Network net = reluNet(standard ? Parameterization::Standard : Parameterization::Ntk);
    const Eigen::MatrixXd X = ntktest::uniformInputs(12, 2, 5);
    WidthSweepOptions o;
    o.widths = {48, 8, 20}; // unsorted on purpose: rows come out by increasing width
    o.seeds = 3;
    o.seed = 40;
    o.kind = ntk ? KernelKind::Ntk : KernelKind::Nngp;
    const WidthSweepResult r = runWidthSweep(net, X, o);
    QCOMPARE(r.normalised, standard && ntk);
    QCOMPARE(int(r.rows.size()), 3);
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int i = 0; i < 3; ++i) {
      const int w = std::vector<int>{8, 20, 48}[size_t(i)];
      QCOMPARE(r.rows[size_t(i)].width, w);
      Eigen::MatrixXd exact = kernelMatrix(net.withHiddenWidth(w), X, nullptr, o.kind);
      const double exactScale = exact.diagonal().mean();
      if (r.normalised) exact /= exactScale;
      std::vector<double> e, scale;
      for (int s = 0; s < 3; ++s) {
        Eigen::MatrixXd K = monteCarloKernel(net, X, nullptr, ntk, w, 1, 40 + s);
        scale.push_back(K.diagonal().mean());
        if (r.normalised) K /= scale.back();
        e.push_back(relFro(K, exact));
        if (s == 0 && i == 0) QVERIFY(ntktest::relErrToMax(r.smallest, K) < 1e-12);
        if (s == 0 && i == 2) QVERIFY(ntktest::relErrToMax(r.largest, K) < 1e-12);
      }
      const double mean = (e[0] + e[1] + e[2]) / 3.0;
      const double sd = std::sqrt(((e[0] - mean) * (e[0] - mean) + (e[1] - mean) * (e[1] - mean) +
                                   (e[2] - mean) * (e[2] - mean)) / 2.0);
      QVERIFY2(std::abs(r.rows[size_t(i)].meanRelError - mean) <= 1e-12 * mean,
               qPrintable(QString("%1 vs %2").arg(r.rows[size_t(i)].meanRelError).arg(mean)));
      QVERIFY(std::abs(r.rows[size_t(i)].stdRelError - sd) <= 1e-10 * mean);
      QVERIFY(std::abs(r.rows[size_t(i)].meanScale - (scale[0] + scale[1] + scale[2]) / 3.0) <= 1e-12 * scale[0]);
      if (i == 2) QVERIFY(ntktest::relErrToMax(r.analytic, exact) < 1e-14);
      const double x = std::log(double(w)), y = std::log(mean);
      sx += x, sy += y, sxx += x * x, sxy += x * y;
    }
    const double slope = (3 * sxy - sx * sy) / (3 * sxx - sx * sx);
    QVERIFY(std::abs(r.slope - slope) < 1e-10);
    QVERIFY(std::abs(r.intercept - (sy - slope * sx) / 3.0) < 1e-10);
  }

  // The kernel the sweep contracts layer by layer equals J Jᵀ of the materialised Jacobian (tiny net).
  void kernelEqualsMaterialisedJacobian()
  {
    const Network net = reluNet();
    const Eigen::MatrixXd X = ntktest::uniformInputs(7, 2, 9);
    WidthSweepOptions o;
    o.widths = {5, 9};
    o.seeds = 1;
    o.seed = 77;
    const WidthSweepResult r = runWidthSweep(net, X, o);
    const FiniteNetwork f(net.withHiddenWidth(5), 77);
    const Eigen::MatrixXd J = f.jacobian(X);
    QCOMPARE(J.cols(), Eigen::Index(2 * 5 + 5 + 5 * 5 + 5 + 5 + 1));
    const Eigen::MatrixXd JJt = J * J.transpose();
    QVERIFY2(ntktest::relErrToMax(r.smallest, JJt) < 1e-12, qPrintable(QString::number(ntktest::relErrToMax(r.smallest, JJt))));
    QCOMPARE(r.rows[0].stdRelError, 0.0); // one seed: no spread
  }

  // 2-hidden-layer ReLU, NTK parameterisation: the error falls as n^{-1/2}.
  void slopeNearMinusOneHalf()
  {
    WidthSweepOptions o;
    o.widths = {16, 32, 64, 128, 256, 512, 1024};
    o.seeds = 8;
    const WidthSweepResult r = runWidthSweep(reluNet(), circlePoints(32), o);
    qInfo("NTK parameterisation, widths 16..1024, 8 seeds: slope %.3f", r.slope);
    QVERIFY2(r.slope >= -0.65 && r.slope <= -0.35, qPrintable(QString::number(r.slope)));
    QVERIFY(!r.normalised);
    // In the NTK parameterisation the scale stays O(1): within 30 % of the analytic mean diagonal.
    const double analyticScale = r.analytic.diagonal().mean();
    for (const WidthSweepRow& row : r.rows) QVERIFY(std::abs(row.meanScale / analyticScale - 1.0) < 0.3);
  }

  // Standard parameterisation: Θ̂ grows ∝ width; normalised by the mean diagonal its error shrinks.
  void standardParameterisationGrowsUnlessNormalised()
  {
    const Network net = reluNet(Parameterization::Standard);
    const Eigen::MatrixXd X = circlePoints(32);
    WidthSweepOptions o;
    o.widths = {128, 512, 2048};
    o.seeds = 8;
    const WidthSweepResult r = runWidthSweep(net, X, o);
    QVERIFY(r.normalised);
    QCOMPARE(r.analytic.diagonal().mean(), 1.0);
    for (size_t i = 1; i < r.rows.size(); ++i) {
      const double ratio = r.rows[i].meanScale / r.rows[i - 1].meanScale;
      const double analyticRatio = kernelMatrix(net.withHiddenWidth(r.rows[i].width), X, nullptr, KernelKind::Ntk).diagonal().mean() /
                                   kernelMatrix(net.withHiddenWidth(r.rows[i - 1].width), X, nullptr, KernelKind::Ntk).diagonal().mean();
      qInfo("standard: meanScale ratio %d/%d = %.3f (analytic %.3f, width ratio 4)", r.rows[i].width, r.rows[i - 1].width,
            ratio, analyticRatio);
      QVERIFY(analyticRatio > 3.5 && analyticRatio <= 4.0); // Θ = n·A + C
      QVERIFY2(std::abs(ratio / analyticRatio - 1.0) < 0.1, qPrintable(QString::number(ratio)));
      QVERIFY(r.rows[i].meanRelError < 0.75 * r.rows[i - 1].meanRelError);
    }
    QVERIFY2(r.slope >= -0.65 && r.slope <= -0.35, qPrintable(QString::number(r.slope)));
  }

  void refusals()
  {
    const Network net = reluNet();
    const Eigen::MatrixXd X = circlePoints(4);
    WidthSweepOptions o;
    o.widths = {8, 0};
    QVERIFY_THROWS_EXCEPTION(InputError, runWidthSweep(net, X, o));
    o.widths = {8, 8};
    QVERIFY_THROWS_EXCEPTION(InputError, runWidthSweep(net, X, o));
    o.widths = {8};
    o.seeds = 0;
    QVERIFY_THROWS_EXCEPTION(InputError, runWidthSweep(net, X, o));
    o.seeds = 1;
    Eigen::MatrixXd bad = X;
    bad(1, 1) = std::nan("");
    QVERIFY_THROWS_EXCEPTION(InputError, runWidthSweep(net, bad, o));
    QVERIFY_THROWS_EXCEPTION(InputError, runWidthSweep(reluNet(Parameterization::Ntk, 3), X, o));
    QVERIFY_THROWS_EXCEPTION(InputError, runWidthSweep(ntktest::mlp(2, 1, Activation(ActivationKind::Relu), 1.0, 0.1, 1), X, o));
    o.widths = {1 << 24}; // 2^48 weights: refused before allocating
    QVERIFY_THROWS_EXCEPTION(MemoryLimitError, runWidthSweep(net, X, o));
    o.widths = {8, 16};
    const std::atomic<bool> stop{true};
    JobControl job;
    job.stop = &stop;
    QVERIFY_THROWS_EXCEPTION(CancelledError, runWidthSweep(net, X, o, job));
    // One width: no slope (NaN, written as null), never a made-up number.
    o.widths = {8};
    const WidthSweepResult one = runWidthSweep(net, X, o);
    QVERIFY(std::isnan(one.slope) && std::isnan(one.intercept));
  }

  // Θ = [[2,1,0],[1,2,1],[0,1,2]]: eigenvalues 2 − √2, 2, 2 + √2; Θ⁻¹ = ¼[[3,−2,1],[−2,4,−2],[1,−2,3]].
  void readoutsHandCase()
  {
    Eigen::MatrixXd T(3, 3);
    T << 2, 1, 0, 1, 2, 1, 0, 1, 2;
    Eigen::VectorXd Y(3);
    Y << 1, 0, 2;
    Eigen::MatrixXd inv(3, 3);
    inv << 3, -2, 1, -2, 4, -2, 1, -2, 3;
    inv /= 4.0;
    const KernelTheoryReadouts r = kernelTheoryReadouts(T, Y, 5);
    QVERIFY(std::abs(r.lambdaMin - (2.0 - std::sqrt(2.0)) / 3.0) < 1e-15);
    QVERIFY(std::abs(r.lambdaMax - (2.0 + std::sqrt(2.0)) / 3.0) < 1e-15);
    QVERIFY(std::abs(r.maxStableLearningRate - 6.0 / (2.0 + std::sqrt(2.0))) < 1e-14);
    QVERIFY(!r.singular);
    const double yInvY = Y.dot(inv * Y); // Θ⁻¹Y = ¼(5, −6, 7), so YᵀΘ⁻¹Y = (5 + 14)/4
    QVERIFY(std::abs(yInvY - 19.0 / 4.0) < 1e-15);
    QVERIFY(std::abs(r.complexity - std::sqrt(19.0 / 12.0)) < 1e-14);
    // The shuffled value is that of one of the 6 permutations of Y.
    std::vector<int> p{0, 1, 2};
    double nearest = INFINITY;
    do {
      const Eigen::Vector3d Yp(Y(p[0]), Y(p[1]), Y(p[2]));
      nearest = std::min(nearest, std::abs(std::sqrt(Yp.dot(inv * Yp) / 3.0) - r.shuffledComplexity));
    } while (std::next_permutation(p.begin(), p.end()));
    QVERIFY(nearest < 1e-14);
    QCOMPARE(kernelTheoryReadouts(T, Y, 5).shuffledComplexity, r.shuffledComplexity); // seeded
    QVERIFY(std::abs(r.lossBoundFactor(2.0) - std::exp(-4.0 * r.lambdaMin)) < 1e-15);
    QCOMPARE(r.lossBoundFactor(0.0), 1.0);
  }

  // A smooth target on the NTK Gram of a ReLU net: dense-solve equality, and shuffled ≫ true.
  void readoutsSmoothTargetVersusShuffled()
  {
    const Network net = ntktest::mlp(1, 3, Activation(ActivationKind::Relu), std::sqrt(2.0), 0.1, 64);
    Eigen::MatrixXd X(40, 1);
    for (int i = 0; i < 40; ++i) X(i, 0) = -1.0 + 2.0 * i / 39.0;
    const Eigen::VectorXd Y = (3.0 * X.col(0)).array().sin();
    const Eigen::MatrixXd T = kernelMatrix(net, X, nullptr, KernelKind::Ntk);
    const KernelTheoryReadouts r = kernelTheoryReadouts(T, Y, 11);
    const double dense = std::sqrt(Y.dot(T.ldlt().solve(Y)) / 40.0);
    QVERIFY2(std::abs(r.complexity / dense - 1.0) < 1e-8, qPrintable(QString("%1 vs %2").arg(r.complexity).arg(dense)));
    const Eigen::VectorXd ev = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(T / 40.0).eigenvalues();
    QVERIFY(std::abs(r.lambdaMin / ev.minCoeff() - 1.0) < 1e-6 && std::abs(r.lambdaMax / ev.maxCoeff() - 1.0) < 1e-12);
    qInfo("smooth target: complexity %.3f, shuffled %.3f", r.complexity, r.shuffledComplexity);
    QVERIFY(r.shuffledComplexity > 2.0 * r.complexity);
  }

  void readoutsSingularAndRefusals()
  {
    const Eigen::Vector3d v(1, 2, 2);
    const Eigen::MatrixXd T = v * v.transpose(); // rank 1, ‖v‖² = 9
    const Eigen::Vector3d Y(1, 1, 0);
    const KernelTheoryReadouts r = kernelTheoryReadouts(T, Y);
    QVERIFY(r.singular);
    QVERIFY(std::isfinite(r.complexity));
    // On span{v}: Yᵀ Θ⁺ Y = (vᵀY)² / ‖v‖⁴ = 9/81.
    QVERIFY(std::abs(r.complexity - std::sqrt(9.0 / 81.0 / 3.0)) < 1e-14);
    QVERIFY_THROWS_EXCEPTION(InputError, kernelTheoryReadouts(Eigen::MatrixXd::Identity(3, 2), Eigen::VectorXd::Ones(3)));
    QVERIFY_THROWS_EXCEPTION(InputError, kernelTheoryReadouts(Eigen::MatrixXd::Identity(3, 3), Eigen::VectorXd::Ones(2)));
    Eigen::MatrixXd nanT = Eigen::MatrixXd::Identity(3, 3);
    nanT(0, 1) = std::nan("");
    QVERIFY_THROWS_EXCEPTION(InputError, kernelTheoryReadouts(nanT, Eigen::VectorXd::Ones(3)));
    QVERIFY_THROWS_EXCEPTION(InputError, kernelTheoryReadouts(Eigen::MatrixXd::Zero(3, 3), Eigen::VectorXd::Ones(3)));
  }
};

QTEST_APPLESS_MAIN(TestWidthSweep)
#include "test_width_sweep.moc"
