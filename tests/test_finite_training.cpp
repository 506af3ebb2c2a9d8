// test_finite_training — finite networks trained by full-batch GD against independent computations:
// (a) one trainer step == θ_0 − η·(central finite-difference gradient of L), compared through the outputs of
//     a FiniteNetwork holding those parameters and the weight change (NTK and standard parameterisation);
// (b) GD on the linearised model == KernelDynamics trainGd/testGd with the empirical Θ_0 and f_0, to 1e-8;
// (c) lazy regime: final kernel distance and weight change fall ≥ 2.5× per 16× width; standard
//     parameterisation with the step scaled by 1/n (the same η·n) moving the kernel more than NTK is an
//     expected failure (it moves it less; see standardMovesTheKernelMore);
// (d) the ensemble mean of 32 width-1024 networks is within 3 standard errors of the NTK-GP mean (relu, erf);
// (e) η > 2/λ_max diverges: diverged(), finite outputs and records; refusals raise InputError.
#include <QtTest>

#include <atomic>
#include <cmath>
#include <mutex>

#include "TestUtil.h"
#include "core/dynamics/KernelDynamics.h"
#include "core/finite/FiniteNetworkTrainer.h"
#include "core/finite/FiniteTrainingRuns.h"
#include "core/nets/FiniteNetwork.h"
#include "core/util/Errors.h"
#include "core/util/SeededNormal.h"

using namespace ntk;

namespace {

Eigen::MatrixXd normalInputs(int m, int d, std::uint64_t seed)
{
  SeededNormal n(seed);
  Eigen::MatrixXd X(m, d);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < d; ++j) X(i, j) = n();
  return X;
}

Eigen::VectorXd targetsOf(const Eigen::MatrixXd& X)
{
  Eigen::VectorXd y(X.rows());
  for (Eigen::Index i = 0; i < X.rows(); ++i) y(i) = std::sin(2.0 * X(i, 0)) + 0.5 * X.row(i).sum();
  return y;
}

/// L(θ) of a FiniteNetwork as it holds its parameters.
double lossOf(const FiniteNetwork& f, const Eigen::MatrixXd& X, const Eigen::VectorXd& Y)
{
  return 0.5 * (f.forward(X).col(0) - Y).squaredNorm() / double(Y.size());
}

/// Central differences of L in every stored parameter, then θ ← θ − η·gradient in `f`; returns ‖η·gradient‖.
double finiteDifferenceStep(FiniteNetwork& f, const Eigen::MatrixXd& X, const Eigen::VectorXd& Y, double eta)
{
  const double h = 1e-6;
  std::vector<double*> params;
  for (auto& W : f.weights())
    for (Eigen::Index i = 0; i < W.size(); ++i) params.push_back(W.data() + i);
  for (auto& b : f.biases())
    for (Eigen::Index i = 0; i < b.size(); ++i) params.push_back(b.data() + i);
  std::vector<double> grad;
  for (double* p : params) {
    const double keep = *p;
    *p = keep + h;
    const double up = lossOf(f, X, Y);
    *p = keep - h;
    const double down = lossOf(f, X, Y);
    *p = keep;
    grad.push_back((up - down) / (2.0 * h));
  }
  double moved = 0.0;
  for (size_t i = 0; i < params.size(); ++i) {
    *params[i] -= eta * grad[i];
    moved += eta * eta * grad[i] * grad[i];
  }
  return std::sqrt(moved);
}

double parameterNorm(const FiniteNetwork& f)
{
  double s = 0.0;
  for (const auto& W : f.weights()) s += W.squaredNorm();
  for (const auto& b : f.biases()) s += b.squaredNorm();
  return std::sqrt(s);
}

double meanFinal(const std::vector<TrainingRun>& runs, int width, double TrainingRecord::*field)
{
  double s = 0.0;
  int n = 0;
  for (const TrainingRun& r : runs)
    if (r.width == width && !r.linearised) {
      s += r.records.back().*field;
      ++n;
    }
  return s / n;
}

} // namespace

class TestFiniteTraining : public QObject {
  Q_OBJECT

private slots:
  void oneStepIsFiniteDifferenceGradient_data()
  {
    QTest::addColumn<bool>("standard");
    QTest::addColumn<int>("activation");
    QTest::newRow("ntk/erf") << false << int(ActivationKind::Erf);
    QTest::newRow("standard/erf") << true << int(ActivationKind::Erf);
    QTest::newRow("ntk/tanh") << false << int(ActivationKind::Tanh);
    QTest::newRow("standard/tanh") << true << int(ActivationKind::Tanh);
  }
  void oneStepIsFiniteDifferenceGradient()
  {
    QFETCH(bool, standard);
    QFETCH(int, activation);
    const Network net = ntktest::mlp(2, 3, Activation(ActivationKind(activation)), 1.4, 0.3, 5, 1,
                                     standard ? Parameterization::Standard : Parameterization::Ntk);
    const Eigen::MatrixXd X = normalInputs(7, 2, 3), x = normalInputs(4, 2, 4);
    const Eigen::VectorXd Y = targetsOf(X);
    const double eta = 0.3;
    FiniteNetworkTrainer t(net, 17, X, Y, x, eta);
    t.step(1);
    FiniteNetwork f(net, 17);
    const double norm0 = parameterNorm(f);
    const double moved = finiteDifferenceStep(f, X, Y, eta);
    QVERIFY(moved > 1e-3); // the step is not trivially zero
    QVERIFY((t.trainOutputs() - f.forward(X).col(0)).cwiseAbs().maxCoeff() < 1e-8);
    QVERIFY((t.testOutputs() - f.forward(x).col(0)).cwiseAbs().maxCoeff() < 1e-8);
    QVERIFY(std::abs(t.loss() - lossOf(f, X, Y)) < 1e-8);
    QVERIFY(std::abs(t.weightChange() - moved / norm0) < 1e-7 * (moved / norm0));
    QCOMPARE(t.steps(), 1LL);
    QCOMPARE(t.time(), eta);
  }

  void linearisedEqualsKernelDynamics_data()
  {
    QTest::addColumn<bool>("standard");
    QTest::newRow("ntk") << false;
    QTest::newRow("standard") << true;
  }
  void linearisedEqualsKernelDynamics()
  {
    QFETCH(bool, standard);
    const Network net = ntktest::mlp(2, 3, Activation(ActivationKind::Relu), std::sqrt(2.0), 0.1, 48, 1,
                                     standard ? Parameterization::Standard : Parameterization::Ntk);
    const Eigen::MatrixXd X = normalInputs(12, 2, 5), x = normalInputs(9, 2, 6);
    const Eigen::VectorXd Y = targetsOf(X);
    FiniteNetworkTrainer probe(net, 3, X, Y, x, 1.0, true);
    const Eigen::MatrixXd theta0 = probe.initialNtk();
    const double lambdaMax = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(theta0 / 12.0).eigenvalues().maxCoeff();
    const double eta = 1.0 / lambdaMax;
    FiniteNetworkTrainer t(net, 3, X, Y, x, eta, true);
    const long long steps = 150;
    t.step(steps);
    QVERIFY(!t.diverged());
    QCOMPARE(t.kernelDistance(), 0.0);
    DynamicsGrams g;
    g.thetaTrain = g.kTrain = theta0;
    g.thetaTest = g.kTest = t.initialTestNtk();
    g.kTestDiag = FiniteNetwork(net, 3).empiricalNtk(x).diagonal();
    KernelDynamics kd(g, Y);
    kd.setInitialOutputs(t.initialTrainOutputs(), t.initialTestOutputs());
    const double scale = 1.0 + Y.cwiseAbs().maxCoeff();
    QVERIFY((t.trainOutputs() - kd.trainGd(eta, steps).mean).cwiseAbs().maxCoeff() < 1e-8 * scale);
    QVERIFY((t.testOutputs() - kd.testMeanGd(eta, steps)).cwiseAbs().maxCoeff() < 1e-8 * scale);
    // The training loss moved: the comparison is not between two initial states.
    QVERIFY(t.loss() < 0.5 * probe.loss());
  }

  void lazyRegimeShrinksWithWidth()
  {
    const Network net = ntktest::mlp(2, 2, Activation(ActivationKind::Relu), std::sqrt(2.0), 0.1, 1);
    const Eigen::MatrixXd X = normalInputs(16, 2, 7), x = normalInputs(3, 2, 8);
    const Eigen::VectorXd Y = targetsOf(X);
    TrainingRunsOptions o;
    o.widths = {16, 256, 4096};
    o.seeds = 6;
    o.learningRate = 0.5;
    o.steps = 100;
    o.recordEvery = 50;
    const auto runs = trainFiniteNetworks(net, X, Y, x, o);
    for (size_t i = 0; i + 1 < o.widths.size(); ++i) {
      const double kd0 = meanFinal(runs, o.widths[i], &TrainingRecord::kernelDistance);
      const double kd1 = meanFinal(runs, o.widths[i + 1], &TrainingRecord::kernelDistance);
      const double wc0 = meanFinal(runs, o.widths[i], &TrainingRecord::weightChange);
      const double wc1 = meanFinal(runs, o.widths[i + 1], &TrainingRecord::weightChange);
      qInfo("width %d → %d: kernel distance %.3g → %.3g, weight change %.3g → %.3g", o.widths[i], o.widths[i + 1], kd0, kd1,
            wc0, wc1);
      QVERIFY(kd1 > 0.0 && kd0 >= 2.5 * kd1);
      QVERIFY(wc1 > 0.0 && wc0 >= 2.5 * wc1);
    }
    for (const TrainingRun& r : runs) {
      QVERIFY(!r.diverged);
      QCOMPARE(r.records.size(), size_t(3)); // steps 0, 50, 100
      QCOMPARE(r.records.back().step, 100LL);
      QVERIFY(r.records.back().loss < r.records.front().loss);
      QVERIFY(r.records.back().kernelVelocity > 0.0);
    }
  }

  void learningRateOverWidthEqualsRunsAtEtaOverN()
  {
    const Eigen::MatrixXd X = normalInputs(8, 2, 11), x = normalInputs(3, 2, 12);
    const Eigen::VectorXd Y = targetsOf(X);
    const Network net = ntktest::mlp(2, 2, Activation(ActivationKind::Relu), std::sqrt(2.0), 0.1, 16, 1,
                                     Parameterization::Standard);
    TrainingRunsOptions o;
    o.widths = {8, 32};
    o.seeds = 2;
    o.learningRate = 4.0;
    o.steps = 10;
    o.recordEvery = 5;
    o.learningRateOverWidth = true;
    QCOMPARE(runLearningRate(o, 32), 4.0 / 32.0);
    const std::vector<TrainingRun> scaled = trainFiniteNetworks(net, X, Y, x, o);
    QCOMPARE(scaled.size(), size_t(4));
    for (const TrainingRun& run : scaled) {
      TrainingRunsOptions one = o;
      one.widths = {run.width};
      one.learningRateOverWidth = false;
      one.learningRate = o.learningRate / run.width;
      one.seed = run.seed;
      one.seeds = 1;
      const TrainingRun plain = trainFiniteNetworks(net, X, Y, x, one).front();
      QCOMPARE(run.records.size(), plain.records.size());
      for (size_t k = 0; k < run.records.size(); ++k) {
        QCOMPARE(run.records[k].time, plain.records[k].time);
        QCOMPARE(run.records[k].loss, plain.records[k].loss);
        QVERIFY(run.records[k].testOutputs == plain.records[k].testOutputs);
      }
    }
  }

  void standardWithEtaTimesWidthFixedMovesTheKernelLess()
  {
    const Eigen::MatrixXd X = normalInputs(16, 2, 7), x = normalInputs(3, 2, 8);
    const Eigen::VectorXd Y = targetsOf(X);
    const int width = 256;
    double distance[2];
    for (const bool standard : {false, true}) {
      const Network net = ntktest::mlp(2, 3, Activation(ActivationKind::Relu), std::sqrt(2.0), 0.1, width, 1,
                                       standard ? Parameterization::Standard : Parameterization::Ntk);
      TrainingRunsOptions o;
      o.widths = {width};
      o.seeds = 4;
      o.learningRate = standard ? 0.5 / width : 0.5; // the same η·n
      o.steps = 100;
      o.recordEvery = 100;
      distance[standard] = meanFinal(trainFiniteNetworks(net, X, Y, x, o), width, &TrainingRecord::kernelDistance);
    }
    qInfo("kernel distance at width %d: NTK %.3g, standard %.3g", width, distance[0], distance[1]);
    QVERIFY(distance[0] > 0.0 && distance[1] > 0.0);
    // With η·n fixed both parameterisations take the same step in the hidden and readout layers' effective
    // weights, but the standard one moves its first layer n/d0 times less (its learning rate is η/n where the
    // NTK parameterisation's effective one is η/d0), so its kernel moves less.
    // (The issue expected the opposite; measured at width 256 it is ~10× less, as derived.)
    QVERIFY2(distance[1] < 0.5 * distance[0], "standard parameterisation with η·n fixed moves the kernel less than NTK");
  }

  void ensembleMeetsNtkGpMean_data()
  {
    QTest::addColumn<int>("activation");
    QTest::newRow("relu") << int(ActivationKind::Relu);
    QTest::newRow("erf") << int(ActivationKind::Erf);
  }
  void ensembleMeetsNtkGpMean()
  {
    QFETCH(int, activation);
    // 2-D inputs: on a line a one-hidden-layer ReLU kernel is nearly rank 2 (piecewise-linear features), and
    // its small eigenvalues are below the width-1024 fluctuations of Θ_0, which then bias the ensemble.
    const Network net = ntktest::mlp(2, 2, Activation(ActivationKind(activation)), 1.5, 0.2, 1024);
    const Eigen::MatrixXd X = normalInputs(8, 2, 21), x = normalInputs(5, 2, 22);
    const Eigen::VectorXd Y = targetsOf(X);
    const KernelDynamics kd(net, KernelKind::Ntk, X, Y, x);
    TrainingRunsOptions o;
    o.widths = {1024};
    o.seeds = 32;
    o.learningRate = 0.5 * kd.maxStableLearningRate(); // 1/λ_max: well inside the stable range at every seed
    o.steps = 200;
    o.recordEvery = 200;
    const auto runs = trainFiniteNetworks(net, X, Y, x, o);
    const EnsembleStatistics e = ensembleAt(runs, 1024, 200);
    QCOMPARE(e.count, 32);
    const Eigen::VectorXd mu = kd.testMeanGd(o.learningRate, o.steps);
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
      const double se = std::sqrt(e.variance(i) / e.count);
      qInfo("test point %d: ensemble %.4f ± %.4f, NTK-GP %.4f", int(i), e.mean(i), se, mu(i));
      QVERIFY(se > 0.0);
      QVERIFY(std::abs(e.mean(i) - mu(i)) <= 3.0 * se);
    }
  }

  void divergesPastTwoOverLambdaMax()
  {
    const Network net = ntktest::mlp(2, 3, Activation(ActivationKind::Relu), std::sqrt(2.0), 0.1, 32);
    const Eigen::MatrixXd X = normalInputs(10, 2, 9), x = normalInputs(4, 2, 10);
    const Eigen::VectorXd Y = targetsOf(X);
    FiniteNetworkTrainer probe(net, 1, X, Y, x, 1.0);
    const double lambdaMax = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(probe.initialNtk() / 10.0).eigenvalues().maxCoeff();
    // The linearised model diverges for any η > 2/λ_max; the network itself can first catapult out of the
    // sharp region (Lewkowycz et al. 2020) and converge up to a few times 2/λ_max, so it gets 20/λ_max.
    for (const bool lin : {false, true}) {
      FiniteNetworkTrainer t(net, 1, X, Y, x, (lin ? 3.0 : 20.0) / lambdaMax, lin);
      t.step(500);
      QVERIFY(t.diverged());
      QVERIFY(t.divergedAtStep() > 0 && t.steps() == t.divergedAtStep() - 1);
      QVERIFY(std::isfinite(t.loss()) && t.trainOutputs().allFinite() && t.testOutputs().allFinite());
      QVERIFY(std::isfinite(t.kernelDistance()) && std::isfinite(t.weightChange()));
      const long long at = t.steps();
      t.step(10); // stays where it stopped
      QCOMPARE(t.steps(), at);
    }
    TrainingRunsOptions o;
    o.widths = {32};
    o.seeds = 2;
    o.learningRate = 20.0 / lambdaMax;
    o.steps = 500;
    o.recordEvery = 10;
    o.alsoLinearised = true;
    for (const TrainingRun& r : trainFiniteNetworks(net, X, Y, x, o)) {
      if (r.seed != 1) continue;
      QVERIFY(r.diverged);
      for (const TrainingRecord& rec : r.records) {
        QVERIFY(rec.step < r.divergedAtStep);
        QVERIFY(std::isfinite(rec.loss) && std::isfinite(rec.kernelDistance) && std::isfinite(rec.kernelVelocity));
        QVERIFY(rec.testOutputs.allFinite());
      }
    }
    QCOMPARE(ensembleAt(trainFiniteNetworks(net, X, Y, x, o), 32, 500).count, 0);
  }

  void ensembleStatistics()
  {
    TrainingRun a, b, lin;
    a.width = b.width = lin.width = 8;
    lin.linearised = true;
    TrainingRecord r;
    r.step = 5;
    r.testOutputs = Eigen::Vector2d(1.0, 2.0);
    a.records.push_back(r);
    r.testOutputs = Eigen::Vector2d(3.0, 6.0);
    b.records.push_back(r);
    r.testOutputs = Eigen::Vector2d(100.0, 100.0);
    lin.records.push_back(r);
    const EnsembleStatistics e = ensembleAt({a, b, lin}, 8, 5);
    QCOMPARE(e.count, 2);
    QVERIFY((e.mean - Eigen::Vector2d(2.0, 4.0)).norm() < 1e-15);
    QVERIFY((e.variance - Eigen::Vector2d(2.0, 8.0)).norm() < 1e-15);
    QCOMPARE(ensembleAt({a, b}, 8, 6).count, 0);
  }

  void kernelDistanceAndFlops()
  {
    const Eigen::Matrix2d A = Eigen::Matrix2d::Identity();
    QCOMPARE(kernelDistance(A, 3.0 * A), 0.0);
    QVERIFY(std::abs(kernelDistance(A, Eigen::Matrix2d(Eigen::Vector2d(1.0, 0.0).asDiagonal())) - (1.0 - 1.0 / std::sqrt(2.0))) < 1e-15);
    QCOMPARE(kernelDistance(Eigen::Matrix2d::Zero(), Eigen::Matrix2d::Zero()), 0.0);
    // 2 → 10 → 10 → 1 on m = 4: forward 2·4·(20 + 100 + 10), gradients the same, back-propagation 2·4·(100 + 10).
    const Network net = ntktest::mlp(2, 3, Activation(ActivationKind::Relu), 1.0, 0.1, 10);
    QCOMPARE(gradientStepFlops(net, 4), 2.0 * 4 * (2 * 130 + 110));
  }

  void progressAndCancel()
  {
    const Network net = ntktest::mlp(2, 2, Activation(ActivationKind::Relu), 1.0, 0.1, 8);
    const Eigen::MatrixXd X = normalInputs(5, 2, 1), x = normalInputs(3, 2, 2);
    TrainingRunsOptions o;
    o.widths = {8, 16};
    o.seeds = 2;
    o.steps = 50;
    std::mutex mutex;
    double last = 0.0;
    JobControl job;
    job.progress = [&](double f) {
      std::lock_guard<std::mutex> lock(mutex);
      last = std::max(last, f);
    };
    trainFiniteNetworks(net, X, targetsOf(X), x, o, job);
    QCOMPARE(last, 1.0);
    // Raised part-way through the steps (not before): the runs stop with CancelledError.
    std::atomic<bool> stop{false};
    job.stop = &stop;
    job.progress = [&](double f) {
      if (f > 0.3) stop = true;
    };
    QVERIFY_THROWS_EXCEPTION(CancelledError, trainFiniteNetworks(net, X, targetsOf(X), x, o, job));
  }

  void refusals()
  {
    const Network net = ntktest::mlp(2, 2, Activation(ActivationKind::Relu), 1.0, 0.1, 8);
    const Eigen::MatrixXd X = normalInputs(5, 2, 1), x = normalInputs(3, 2, 2);
    const Eigen::VectorXd Y = targetsOf(X);
    QVERIFY_THROWS_EXCEPTION(InputError, FiniteNetworkTrainer(net, 1, X, Y, x, 0.0));
    QVERIFY_THROWS_EXCEPTION(InputError, FiniteNetworkTrainer(net, 1, X, Y, x, std::nan("")));
    QVERIFY_THROWS_EXCEPTION(InputError, FiniteNetworkTrainer(net, 1, X, Y.head(4), x, 0.1));
    QVERIFY_THROWS_EXCEPTION(InputError, FiniteNetworkTrainer(net, 1, normalInputs(5, 3, 1), Y, x, 0.1));
    QVERIFY_THROWS_EXCEPTION(InputError, FiniteNetworkTrainer(net, 1, X, Y, normalInputs(3, 1, 1), 0.1));
    Eigen::MatrixXd bad = X;
    bad(1, 1) = std::nan("");
    QVERIFY_THROWS_EXCEPTION(InputError, FiniteNetworkTrainer(net, 1, bad, Y, x, 0.1));
    QVERIFY_THROWS_EXCEPTION(InputError, FiniteNetworkTrainer(ntktest::mlp(2, 2, Activation(), 1.0, 0.1, 8, 2), 1, X, Y, x, 0.1));
    TrainingRunsOptions o;
    o.widths = {};
    QVERIFY_THROWS_EXCEPTION(InputError, trainFiniteNetworks(net, X, Y, x, o));
    o.widths = {0};
    QVERIFY_THROWS_EXCEPTION(InputError, trainFiniteNetworks(net, X, Y, x, o));
    o.widths = {4};
    o.recordEvery = 0;
    QVERIFY_THROWS_EXCEPTION(InputError, trainFiniteNetworks(net, X, Y, x, o));
    o.recordEvery = 1;
    o.steps = -1;
    QVERIFY_THROWS_EXCEPTION(InputError, trainFiniteNetworks(net, X, Y, x, o));
    o.steps = 1;
    o.widths = {1 << 18}; // two hidden layers of 2^18: 2^36 weights
    QVERIFY_THROWS_EXCEPTION(MemoryLimitError,
                             trainFiniteNetworks(ntktest::mlp(2, 3, Activation(), 1.0, 0.1, 8), X, Y, x, o));
    std::atomic<bool> stop{true};
    JobControl job;
    job.stop = &stop;
    o.widths = {4};
    QVERIFY_THROWS_EXCEPTION(CancelledError, trainFiniteNetworks(net, X, Y, x, o, job));
  }
};

QTEST_APPLESS_MAIN(TestFiniteTraining)
#include "test_finite_training.moc"
