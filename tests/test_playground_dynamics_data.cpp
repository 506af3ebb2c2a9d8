// test_playground_dynamics_data — the TF Playground data sets (core/dynamics/PlaygroundData) and the loss curves
// of the training dynamics (core/dynamics/LossCurve): labels ±1, counts, seeds, the label-noise std, each
// generator's geometry recomputed here from dataset.ts's formulas; every data set trains (the train loss
// at a late t is far below the loss at t = 0; sign(f) classifies circle and Gaussians); the loss curves
// equal losses computed from the posterior mean directly; gradient descent's train loss decreases
// monotonically for η < 2/λ_max and does not for η > 2/λ_max.
#include <QtTest>

#include <cmath>

#include "core/dynamics/KernelDynamics.h"
#include "core/dynamics/LossCurve.h"
#include "core/dynamics/PlaygroundData.h"
#include "core/network/Network.h"
#include "core/util/Errors.h"

using namespace ntk;

namespace {

const PlaygroundDataset kAll[] = {PlaygroundDataset::Circle, PlaygroundDataset::Xor, PlaygroundDataset::Gaussians,
                                  PlaygroundDataset::Spiral};

/// TF's plane coordinate of an input u ∈ [0, 1): p = 12u − 6.
double plane(double u) { return 12.0 * u - 6.0; }

/// Inputs and clean labels of train and test together.
void allPoints(const PlaygroundSample& s, Eigen::MatrixXd& X, Eigen::VectorXd& C)
{
  X.resize(s.trainX.rows() + s.testX.rows(), 2);
  X << s.trainX, s.testX;
  C.resize(X.rows());
  C << s.trainLabel, s.testLabel;
}

/// The dynamics of a sample on the default 2-D network, the held-out points as its test set.
KernelDynamics dynamicsOf(const PlaygroundSample& s, double ridge = 0.0)
{
  return KernelDynamics(Network::defaultNetwork(2), KernelKind::Ntk, s.trainX, s.trainY, s.testX, ridge);
}

double signAccuracy(const Eigen::VectorXd& f, const Eigen::VectorXd& labels)
{
  int right = 0;
  for (Eigen::Index i = 0; i < f.size(); ++i) right += (f(i) >= 0 ? 1.0 : -1.0) == labels(i);
  return double(right) / double(f.size());
}

} // namespace

class TestPlaygroundData : public QObject {
  Q_OBJECT

private slots:
  void labelsCountsAndDomain_data()
  {
    QTest::addColumn<int>("dataset");
    for (PlaygroundDataset d : kAll) QTest::newRow(playgroundDatasetName(d).c_str()) << int(d);
  }
  void labelsCountsAndDomain()
  {
    QFETCH(int, dataset);
    for (int n : {2, 7, 200, 501}) {
      const PlaygroundSample s = samplePlaygroundData(PlaygroundDataset(dataset), n, 0.0, 0.6, 3);
      const int m = int(std::lround(0.6 * n));
      QCOMPARE(s.trainX.rows(), Eigen::Index(m));
      QCOMPARE(s.testX.rows(), Eigen::Index(n - m));
      QCOMPARE(s.trainY.size(), Eigen::Index(m));
      QCOMPARE(s.testLabel.size(), Eigen::Index(n - m));
      Eigen::MatrixXd X;
      Eigen::VectorXd C;
      allPoints(s, X, C);
      for (Eigen::Index i = 0; i < C.size(); ++i) QVERIFY(C(i) == 1.0 || C(i) == -1.0);
      QVERIFY(X.minCoeff() >= 0.0 && X.maxCoeff() < 1.0);
      // Without noise the targets are the labels.
      QCOMPARE(s.trainY, s.trainLabel);
      QCOMPARE(s.testY, s.testLabel);
      if (n >= 200) { // both classes, in about equal numbers (xor: uniform quadrants)
        const double positives = (C.array() > 0).count() / double(n);
        QVERIFY2(positives > 0.4 && positives < 0.6, qPrintable(QString::number(positives)));
      }
    }
  }

  void seedsAreReproducible_data() { labelsCountsAndDomain_data(); }
  void seedsAreReproducible()
  {
    QFETCH(int, dataset);
    const auto d = PlaygroundDataset(dataset);
    const PlaygroundSample a = samplePlaygroundData(d, 100, 0.2, 0.5, 11);
    const PlaygroundSample b = samplePlaygroundData(d, 100, 0.2, 0.5, 11);
    const PlaygroundSample c = samplePlaygroundData(d, 100, 0.2, 0.5, 12);
    QCOMPARE(a.trainX, b.trainX);
    QCOMPARE(a.trainY, b.trainY);
    QCOMPARE(a.testX, b.testX);
    QCOMPARE(a.testY, b.testY);
    QVERIFY(a.trainX != c.trainX);
    QVERIFY(a.trainY != c.trainY);
    // The noise has its own stream: the same seed with another σ keeps points and split.
    const PlaygroundSample quiet = samplePlaygroundData(d, 100, 0.0, 0.5, 11);
    QCOMPARE(quiet.trainX, a.trainX);
    QCOMPARE(quiet.trainLabel, a.trainLabel);
  }

  void noiseStdMatches()
  {
    const double sigma = 0.3;
    const PlaygroundSample s = samplePlaygroundData(PlaygroundDataset::Circle, 8000, sigma, 0.5, 5);
    Eigen::VectorXd e(8000);
    e << s.trainY - s.trainLabel, s.testY - s.testLabel;
    const double mean = e.mean();
    const double stddev = std::sqrt((e.array() - mean).square().sum() / double(e.size() - 1));
    qInfo("label noise: mean %.4f, std %.4f (σ = %.2f)", mean, stddev, sigma);
    // The standard error of the std from 8000 normals is σ/√16000 ≈ 0.0024: 4 of them.
    QVERIFY(std::abs(stddev - sigma) < 0.01);
    QVERIFY(std::abs(mean) < 4.0 * sigma / std::sqrt(8000.0));
  }

  // Each generator's geometry, in TF's plane, from dataset.ts's formulas.
  void circleGeometry()
  {
    Eigen::MatrixXd P;
    Eigen::VectorXd C;
    playgroundPoints(PlaygroundDataset::Circle, 400, 1, P, C);
    for (Eigen::Index i = 0; i < 400; ++i) {
      const double r = P.row(i).norm();
      if (C(i) > 0) QVERIFY(r <= 2.5 + 1e-12);
      else QVERIFY(r >= 3.5 - 1e-12 && r <= 5.0 + 1e-12);
    }
    QCOMPARE(int((C.array() > 0).count()), 200);
  }
  void xorGeometry()
  {
    const PlaygroundSample s = samplePlaygroundData(PlaygroundDataset::Xor, 400, 0.0, 0.5, 2);
    Eigen::MatrixXd X;
    Eigen::VectorXd C;
    allPoints(s, X, C);
    for (Eigen::Index i = 0; i < X.rows(); ++i) {
      const double x = plane(X(i, 0)), y = plane(X(i, 1));
      QVERIFY(std::abs(x) >= 0.3 - 1e-9 && std::abs(x) <= 5.3 + 1e-9);
      QVERIFY(std::abs(y) >= 0.3 - 1e-9 && std::abs(y) <= 5.3 + 1e-9);
      QCOMPARE(C(i), x * y >= 0 ? 1.0 : -1.0);
    }
  }
  void gaussiansGeometry()
  {
    Eigen::MatrixXd P;
    Eigen::VectorXd C;
    playgroundPoints(PlaygroundDataset::Gaussians, 20000, 4, P, C);
    for (double label : {1.0, -1.0}) {
      Eigen::MatrixXd Q(10000, 2);
      Eigen::Index k = 0;
      for (Eigen::Index i = 0; i < P.rows(); ++i)
        if (C(i) == label) Q.row(k++) = P.row(i);
      QCOMPARE(k, Eigen::Index(10000));
      const Eigen::RowVector2d mean = Q.colwise().mean();
      const Eigen::MatrixXd centred = Q.rowwise() - mean;
      const Eigen::Matrix2d cov = centred.transpose() * centred / double(k - 1);
      qInfo("class %+g: mean (%.3f, %.3f), variances %.3f %.3f, covariance %.3f", label, mean(0), mean(1), cov(0, 0),
            cov(1, 1), cov(0, 1));
      QVERIFY((mean - Eigen::RowVector2d(2.0 * label, 2.0 * label)).norm() < 0.03);
      QVERIFY(std::abs(cov(0, 0) - 0.5) < 0.03 && std::abs(cov(1, 1) - 0.5) < 0.03 && std::abs(cov(0, 1)) < 0.03);
    }
  }
  void spiralGeometry()
  {
    Eigen::MatrixXd P;
    Eigen::VectorXd C;
    playgroundPoints(PlaygroundDataset::Spiral, 100, 1, P, C);
    const double pi = 3.14159265358979323846;
    for (int i = 0; i < 50; ++i) {
      const double r = 5.0 * i / 50, a = 1.75 * 2 * pi * i / 50;
      QVERIFY((P.row(i) - Eigen::RowVector2d(r * std::sin(a), r * std::cos(a))).norm() < 1e-12);
      QVERIFY((P.row(50 + i) - Eigen::RowVector2d(r * std::sin(a + pi), r * std::cos(a + pi))).norm() < 1e-12);
      QCOMPARE(C(i), 1.0);
      QCOMPARE(C(50 + i), -1.0);
    }
  }

  void refusesBadArguments()
  {
    QVERIFY_THROWS_EXCEPTION(InputError, samplePlaygroundData(PlaygroundDataset::Circle, 1, 0.0, 0.5, 1));
    QVERIFY_THROWS_EXCEPTION(InputError, samplePlaygroundData(PlaygroundDataset::Circle, 100, -0.1, 0.5, 1));
    QVERIFY_THROWS_EXCEPTION(InputError, samplePlaygroundData(PlaygroundDataset::Circle, 100, 0.1, 1.0, 1));
    QVERIFY_THROWS_EXCEPTION(InputError, samplePlaygroundData(PlaygroundDataset::Circle, 100, 0.1, 0.0, 1));
    QVERIFY_THROWS_EXCEPTION(InputError, samplePlaygroundData(PlaygroundDataset::Circle, 3, 0.1, 0.1, 1));
  }

  // Every data set trains: L_train(late t) ≪ L_train(0) = (1/2m)|Y|²; sign(f) classifies circle and
  // Gaussians on the held-out points.
  void everyDatasetTrains_data() { labelsCountsAndDomain_data(); }
  void everyDatasetTrains()
  {
    QFETCH(int, dataset);
    const auto d = PlaygroundDataset(dataset);
    const PlaygroundSample s = samplePlaygroundData(d, 240, 0.0, 0.5, 7);
    const KernelDynamics dyn = dynamicsOf(s);
    const double start = trainLoss(dyn, 0.0, false, 0.0), late = trainLoss(dyn, 1e5, false, 0.0);
    QVERIFY(std::abs(start - s.trainY.squaredNorm() / (2.0 * s.trainY.size())) < 1e-12);
    const double trainAcc = signAccuracy(dyn.trainMean(1e5), s.trainLabel);
    const double testAcc = signAccuracy(dyn.testMean(1e5), s.testLabel);
    qInfo("%s: L_train(0) = %.3g, L_train(1e5) = %.3g, L_test(1e5) = %.3g, accuracy train %.3f test %.3f",
          playgroundDatasetName(d).c_str(), start, late, testLoss(dyn, s.testY, 1e5, false, 0.0), trainAcc, testAcc);
    QVERIFY(late < 1e-2 * start);
    QVERIFY(trainAcc > 0.97);
    if (d == PlaygroundDataset::Circle || d == PlaygroundDataset::Gaussians) QVERIFY(testAcc > 0.9);
  }

  // The curve's losses against the posterior mean computed by KernelDynamics::train/test directly.
  void lossCurveEqualsTheMeanLoss()
  {
    const PlaygroundSample s = samplePlaygroundData(PlaygroundDataset::Gaussians, 120, 0.2, 0.5, 3);
    const KernelDynamics dyn = dynamicsOf(s, 1e-3);
    const Eigen::VectorXd times = logTimeGrid(-2, 4, 13);
    const LossCurve c = lossCurve(dyn, times, s.testY, false, 0.0);
    for (Eigen::Index i = 0; i < times.size(); ++i) {
      const double train = (dyn.train(times(i)).mean - s.trainY).squaredNorm() / (2.0 * s.trainY.size());
      const double test = (dyn.test(times(i)).mean - s.testY).squaredNorm() / (2.0 * s.testY.size());
      QVERIFY2(std::abs(c.train(i) - train) <= 1e-10 * train, qPrintable(QString::number(c.train(i) - train)));
      QVERIFY(std::abs(c.test(i) - test) <= 1e-10 * test);
    }
    const double eta = 0.5 * dyn.maxStableLearningRate();
    const LossCurve gd = lossCurve(dyn, times, s.testY, true, eta);
    for (Eigen::Index i = 0; i < times.size(); ++i) {
      const long long steps = gradientDescentSteps(times(i), eta);
      const double train = (dyn.trainGd(eta, steps).mean - s.trainY).squaredNorm() / (2.0 * s.trainY.size());
      const double test = (dyn.testGd(eta, steps).mean - s.testY).squaredNorm() / (2.0 * s.testY.size());
      QVERIFY(std::abs(gd.train(i) - train) <= 1e-10 * train + 1e-300);
      QVERIFY(std::abs(gd.test(i) - test) <= 1e-10 * test);
    }
    QVERIFY_THROWS_EXCEPTION(InputError, lossCurve(dyn, times, Eigen::VectorXd::Zero(dyn.testSize() + 1), false, 0.0));
  }

  // Gradient descent below 2/λ_max decreases the train loss at every step; above it, it does not (the
  // check can fail).
  void gradientDescentLossIsMonotoneBelowTheStableStep()
  {
    const PlaygroundSample s = samplePlaygroundData(PlaygroundDataset::Circle, 160, 0.1, 0.5, 9);
    const KernelDynamics dyn = dynamicsOf(s);
    const double etaMax = dyn.maxStableLearningRate();
    auto increases = [&](double eta) {
      // Every step from 0 to 400, then a log grid to 10^6 (s = round(t/η) is non-decreasing in t).
      std::vector<double> times;
      for (int step = 0; step <= 400; ++step) times.push_back(step * eta);
      const Eigen::VectorXd grid = logTimeGrid(std::log10(401 * eta), 6, 200);
      times.insert(times.end(), grid.data(), grid.data() + grid.size());
      const LossCurve c = lossCurve(dyn, Eigen::Map<const Eigen::VectorXd>(times.data(), Eigen::Index(times.size())),
                                    s.testY, true, eta);
      int count = 0;
      for (Eigen::Index i = 1; i < c.train.size(); ++i) count += c.train(i) > c.train(i - 1) * (1 + 1e-12);
      return count;
    };
    QCOMPARE(increases(0.95 * etaMax), 0);
    QCOMPARE(increases(0.5 * etaMax), 0);
    QVERIFY(increases(1.05 * etaMax) > 0);
    // Gradient flow, too.
    const LossCurve flow = lossCurve(dyn, logTimeGrid(-3, 6, 300), s.testY, false, 0.0);
    for (Eigen::Index i = 1; i < flow.train.size(); ++i) QVERIFY(flow.train(i) <= flow.train(i - 1) * (1 + 1e-12));
  }
};

QTEST_APPLESS_MAIN(TestPlaygroundData)
#include "test_playground_dynamics_data.moc"
