// test_cli_dynamics — `ntk-cli dynamics` as a user scripts it: the output has one row per test point and a
// (mean, variance) column pair per time; t = 0 is the prior (0, K(x,x)); t = inf equals kernel (ridge)
// regression on Grams written by `ntk-cli kernel`; --gd-lr equals the explicit gradient-descent iteration;
// .npy output and --threads work; bad input gives exit 2, one line naming the problem and no output file;
// a divergent --gd-lr (η > 2/λ_max) is bad input.
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <random>

#include "CliRun.h"
#include "TestUtil.h"
#include "core/dynamics/KernelDynamics.h"
#include "core/kernels/NtkGram.h"
#include "core/network/NetworkJson.h"
#include "core/util/MatrixIO.h"

using namespace ntk;
using ntktest::uniformInputs;
using ntktest::runCli;
using Run = ntktest::CliRun;

namespace {

double maxAbsRel(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) { return ntktest::relErrToMax(a, b); }

} // namespace

class TestCliDynamics : public QObject {
  Q_OBJECT

private slots:
  void initTestCase()
  {
    QVERIFY(m_dir.isValid());
    m_net = ntktest::mlp(2, 3, Activation(ActivationKind::Relu), std::sqrt(2.0), 0.1, 256);
    saveNetwork(m_net, path("net.json"));
    m_X = uniformInputs(25, 2, 3);
    m_x = uniformInputs(9, 2, 4);
    m_Y = (6.0 * m_X.col(0)).array().sin() + m_X.col(1).array();
    Eigen::MatrixXd train(25, 3);
    train << m_X, m_Y;
    writeCsvMatrix(path("train.csv"), train);
    writeCsvMatrix(path("trainX.csv"), m_X);
    writeCsvMatrix(path("test.csv"), m_x);
  }

  void shapePriorAndKernelRegression()
  {
    const Run r = runCli({"dynamics", "--net", qpath("net.json"), "--train", qpath("train.csv"), "--test",
                          qpath("test.csv"), "--t", "0,0.5,inf", "--kind", "ntk", "--out", qpath("pred.csv")});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY(r.out.isEmpty() && r.err.isEmpty());
    const Eigen::MatrixXd pred = readMatrix(path("pred.csv"));
    QCOMPARE(pred.rows(), Eigen::Index(9));
    QCOMPARE(pred.cols(), Eigen::Index(6));
    // t = 0: the prior.
    QVERIFY(pred.col(0).isZero(0.0));
    const Eigen::MatrixXd kxx = kernelMatrix(m_net, m_x, nullptr, KernelKind::Nngp);
    QVERIFY(maxAbsRel(pred.col(1), kxx.diagonal()) <= 1e-15);
    // t = inf: Θ(x,X)Θ(X,X)⁻¹Y with Grams from `ntk-cli kernel`.
    QCOMPARE(runCli({"kernel", "--net", qpath("net.json"), "--x", qpath("trainX.csv"), "--kind", "ntk", "--out",
                     qpath("tXX.csv")}).code, 0);
    QCOMPARE(runCli({"kernel", "--net", qpath("net.json"), "--x", qpath("test.csv"), "--x2", qpath("trainX.csv"),
                     "--kind", "ntk", "--out", qpath("txX.csv")}).code, 0);
    const Eigen::MatrixXd tXX = readMatrix(path("tXX.csv")), txX = readMatrix(path("txX.csv"));
    const Eigen::VectorXd ref = txX * tXX.ldlt().solve(m_Y);
    const double err = maxAbsRel(pred.col(4), ref);
    qInfo("t = inf mean vs kernel regression on ntk-cli kernel Grams: %.2e", err);
    QVERIFY2(err <= 1e-10, qPrintable(QString::number(err)));
    // Every column equals the engine's (17 significant digits survive the file).
    const KernelDynamics dyn(m_net, KernelKind::Ntk, m_X, m_Y, m_x);
    int k = 0;
    for (double t : {0.0, 0.5, kTimeInfinity}) {
      const Prediction p = dyn.test(t);
      QVERIFY(maxAbsRel(pred.col(2 * k), p.mean) <= 1e-15 || p.mean.isZero(0.0));
      QVERIFY(maxAbsRel(pred.col(2 * k + 1), p.variance) <= 1e-15);
      ++k;
    }
  }

  void nngpWithRidgeToNpy()
  {
    const Run r = runCli({"dynamics", "--net", qpath("net.json"), "--train", qpath("train.csv"), "--test",
                          qpath("test.csv"), "--t", "inf", "--kind", "nngp", "--ridge", "0.01", "--threads", "1",
                          "--out", qpath("pred.npy")});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const Eigen::MatrixXd pred = readMatrix(path("pred.npy"));
    QCOMPARE(pred.cols(), Eigen::Index(2));
    Eigen::MatrixXd K = kernelMatrix(m_net, m_X, nullptr, KernelKind::Nngp);
    const Eigen::MatrixXd kxX = kernelMatrix(m_net, m_x, &m_X, KernelKind::Nngp);
    const Eigen::MatrixXd kxx = kernelMatrix(m_net, m_x, nullptr, KernelKind::Nngp);
    K.diagonal().array() += 0.01 * K.diagonal().mean();
    const Eigen::VectorXd mean = kxX * K.ldlt().solve(m_Y);
    // With ridge r the t = ∞ variance is that of the trained ensemble, K − 2K(K+r)⁻¹K + K(K+r)⁻¹K(K+r)⁻¹K
    // (not the noisy GP posterior K − K(K+r)⁻¹K): computed here with solves.
    const Eigen::MatrixXd A = K.ldlt().solve(kxX.transpose()); // (K + r)⁻¹ K(X,x)
    const Eigen::MatrixXd Kraw = kernelMatrix(m_net, m_X, nullptr, KernelKind::Nngp);
    const Eigen::VectorXd var = kxx.diagonal() - 2.0 * (kxX * A).diagonal() + (A.transpose() * Kraw * A).diagonal();
    const double errMean = maxAbsRel(pred.col(0), mean);
    const double errVar = (pred.col(1) - var).cwiseAbs().maxCoeff() / kxx.diagonal().maxCoeff();
    qInfo("nngp ridge 0.01, t = inf vs solves: mean %.2e, variance %.2e", errMean, errVar);
    QVERIFY2(errMean <= 1e-12 && errVar <= 1e-12, qPrintable(QString::number(std::max(errMean, errVar))));
  }

  // --gd-lr η --t s: the explicit iteration f ← f − (η/m)Θ(f(X) − Y) on the test points.
  void gradientDescentSteps()
  {
    const Eigen::MatrixXd T = kernelMatrix(m_net, m_X, nullptr, KernelKind::Ntk);
    const Eigen::MatrixXd Tx = kernelMatrix(m_net, m_x, &m_X, KernelKind::Ntk);
    const double lambdaMax = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(T / 25.0).eigenvalues().maxCoeff();
    const double eta = 1.0 / lambdaMax;
    const Run r = runCli({"dynamics", "--net", qpath("net.json"), "--train", qpath("train.csv"), "--test",
                          qpath("test.csv"), "--t", "0,7,150", "--gd-lr", QString::number(eta, 'g', 17), "--out",
                          qpath("gd.csv")});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const Eigen::MatrixXd pred = readMatrix(path("gd.csv"));
    QCOMPARE(pred.cols(), Eigen::Index(6));
    QVERIFY(pred.col(0).isZero(0.0));
    Eigen::VectorXd fX = Eigen::VectorXd::Zero(25), fx = Eigen::VectorXd::Zero(9);
    for (int s = 1; s <= 150; ++s) {
      const Eigen::VectorXd step = (eta / 25.0) * (fX - m_Y);
      fx -= Tx * step;
      fX -= T * step;
      if (s == 7) QVERIFY(maxAbsRel(pred.col(2), fx) <= 1e-10);
    }
    const double err = maxAbsRel(pred.col(4), fx);
    qInfo("--gd-lr 1/lambda_max, 150 steps vs explicit iteration: %.2e", err);
    QVERIFY2(err <= 1e-10, qPrintable(QString::number(err)));
  }

  // η > 2/λ_max((Θ(X,X))/m) diverges: found exiting 0 with means of −4.8e23 (--gd-lr 1000 --t 10). Refused
  // with the numbers, nothing written; a stable η just below the limit and 0 steps above it still run.
  void divergentGradientDescentIsRefused()
  {
    const Eigen::MatrixXd T = kernelMatrix(m_net, m_X, nullptr, KernelKind::Ntk);
    const double limit = 2.0 / Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(T / 25.0).eigenvalues().maxCoeff();
    const QStringList base{"dynamics", "--net", qpath("net.json"), "--train", qpath("train.csv"), "--test", qpath("test.csv"),
                           "--out", qpath("div.csv")};
    QFile::remove(qpath("div.csv"));
    const Run r = runCli(base + QStringList{"--gd-lr", "1000", "--t", "0,10"});
    const QString problem = ntktest::refusalProblem(r, QStringLiteral("gradient descent diverges: η = 1000 > 2/λ_max = "), m_dir.path());
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QVERIFY2(r.err.contains(QStringLiteral("after 10 steps")), qPrintable(r.err));
    QVERIFY(!QFile::exists(qpath("div.csv")));
    // The limit in the message is 2/λ_max of the Gram computed here.
    const QRegularExpressionMatch m = QRegularExpression(QStringLiteral("2/λ_max = ([0-9.e+-]+);")).match(r.err);
    QVERIFY2(m.hasMatch(), qPrintable(r.err));
    QVERIFY2(std::abs(m.captured(1).toDouble() / limit - 1.0) < 1e-5, qPrintable(r.err + QString::number(limit, 'g', 17)));

    // Just above the limit is refused too; just below it runs; no step at all cannot diverge.
    const Run above = runCli(base + QStringList{"--gd-lr", QString::number(1.01 * limit, 'g', 17), "--t", "1"});
    QCOMPARE(above.code, 2);
    QVERIFY(!QFile::exists(qpath("div.csv")));
    const Run below = runCli(base + QStringList{"--gd-lr", QString::number(0.99 * limit, 'g', 17), "--t", "10"});
    QVERIFY2(below.code == 0, qPrintable(below.err));
    QVERIFY(readMatrix(path("div.csv")).allFinite());
    const Run none = runCli(base + QStringList{"--gd-lr", "1000", "--t", "0"});
    QVERIFY2(none.code == 0, qPrintable(none.err));
  }

  void badInputGivesOneLineAndExitTwo_data()
  {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("mustContain");
    const QStringList base{"dynamics", "--net", qpath("net.json"), "--out", qpath("o.csv")};
    const QStringList files{"--train", qpath("train.csv"), "--test", qpath("test.csv")};
    writeCsvMatrix(path("x3.csv"), Eigen::MatrixXd::Ones(4, 3));
    QTest::newRow("train without target") << base + QStringList{"--train", qpath("trainX.csv"), "--test", qpath("test.csv"), "--t", "1"}
                                          << "needs input_dim + 1 = 3";
    QTest::newRow("test wrong columns") << base + QStringList{"--train", qpath("train.csv"), "--test", qpath("x3.csv"), "--t", "1"}
                                        << "input_dim is 2";
    QTest::newRow("negative t") << base + files + QStringList{"--t", "-1"} << "--t: times must be >= 0";
    QTest::newRow("negative t in list") << base + files + QStringList{"--t=0,1,-2"} << "got '-2'";
    QTest::newRow("nan t") << base + files + QStringList{"--t", "1,nan"} << "got 'nan'";
    QTest::newRow("t not a number") << base + files + QStringList{"--t", "1,soon"} << "--t must be a number";
    QTest::newRow("empty t entry") << base + files + QStringList{"--t", "1,,2"} << "empty entry";
    QTest::newRow("nan ridge") << base + files + QStringList{"--t", "1", "--ridge", "nan"} << "--ridge must be a finite number >= 0";
    QTest::newRow("negative ridge") << base + files + QStringList{"--t", "1", "--ridge=-0.1"} << "--ridge must be a finite number >= 0";
    QTest::newRow("zero gd-lr") << base + files + QStringList{"--t", "1", "--gd-lr", "0"} << "--gd-lr must be a finite number > 0";
    QTest::newRow("gd steps not integers") << base + files + QStringList{"--t", "1.5", "--gd-lr", "0.1"} << "step counts";
    QTest::newRow("gd inf steps") << base + files + QStringList{"--t", "inf", "--gd-lr", "0.1"} << "step counts";
    QTest::newRow("gd overflow") << base + files + QStringList{"--t", "100000", "--gd-lr", "1e6"} << "2/λ_max";
    // Found by the adversarial sweep: an empty --gd-lr fell back to gradient flow; a step count above 2^53
    // went through a double and was reported as -9223372036854775808; 1e400 was "not a number"; a
    // gradient-flow overflow blamed gradient descent.
    QTest::newRow("empty gd-lr") << base + files + QStringList{"--t", "1", "--gd-lr", ""} << "--gd-lr must be a number";
    QTest::newRow("gd steps above 2^53")
        << base + files + QStringList{"--t", "9007199254740993", "--gd-lr", "5"} << "after 9007199254740993 steps";
    QTest::newRow("t overflows a double") << base + files + QStringList{"--t", "0,1e400"} << "'1e400' is out of the range";
    writeCsvMatrix(path("bigy.csv"), (Eigen::MatrixXd(2, 3) << 0.1, 0.2, 1e308, 0.3, 0.4, -1e308).finished());
    QTest::newRow("targets overflow the flow")
        << base + QStringList{"--train", qpath("bigy.csv"), "--test", qpath("test.csv"), "--t", "1,inf"} << "targets too large";
    QTest::newRow("bad kind") << base + files + QStringList{"--t", "1", "--kind", "rbf"} << "rbf";
    QTest::newRow("missing --t") << base + files << "--t";
    QTest::newRow("missing train file") << base + QStringList{"--train", qpath("nope.csv"), "--test", qpath("test.csv"), "--t", "1"}
                                        << "nope.csv";
    QTest::newRow("threads -1") << base + files + QStringList{"--t", "1", "--threads", "-1"} << "--threads must be >= 0";
  }

  void badInputGivesOneLineAndExitTwo()
  {
    QFETCH(QStringList, args);
    QFETCH(QString, mustContain);
    QFile::remove(qpath("o.csv"));
    const Run r = runCli(args);
    const QString problem = ntktest::refusalProblem(r, mustContain, m_dir.path());
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QVERIFY(!QFile::exists(qpath("o.csv"))); // refused before anything is written (gd overflow included)
  }

  void help()
  {
    const Run r = runCli({"dynamics", "--help"});
    QCOMPARE(r.code, 0);
    QVERIFY(r.out.contains(QStringLiteral("--gd-lr")));
  }

private:
  std::string path(const std::string& name) const { return m_dir.filePath(QString::fromStdString(name)).toStdString(); }
  std::string path(const char* name) const { return path(std::string(name)); }
  QString qpath(const QString& name) const { return m_dir.filePath(name); }

  QTemporaryDir m_dir;
  Network m_net;
  Eigen::MatrixXd m_X, m_x;
  Eigen::VectorXd m_Y;
};

QTEST_APPLESS_MAIN(TestCliDynamics)
#include "test_cli_dynamics.moc"
