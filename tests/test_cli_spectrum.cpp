// `ntk-cli spectrum` as a user scripts it (CONVENTIONS §5): the sphere table reproduces the closed
// forms of the bias-free 2-layer ReLU NTK on S¹ (exact zeros included), --fit prints the exponents,
// the periodic grid equals the eigenvalues of the Gram matrix that `ntk-cli kernel` writes, the points
// domain equals Eigen's eigenvalues of K/m, eigenfunctions come with their coordinates (a 2-D grid row k
// gives the whole eigenspace of table row k), and bad input — options of another domain, sizes beyond
// memory included — gives one line, exit 2 and no file.
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <random>

#include <nlohmann/json.hpp>

#include "CliRun.h"
#include "TestUtil.h"
#include "core/kernels/NtkGram.h"
#include "core/network/NetworkJson.h"
#include "core/util/MatrixIO.h"

using namespace ntk;
using ntktest::runCli;

namespace {

/// Eigenvalues of K/m in decreasing order.
Eigen::VectorXd gramEigenvalues(const Eigen::MatrixXd& K)
{
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(K / double(K.rows()), Eigen::EigenvaluesOnly);
  return es.eigenvalues().reverse();
}

std::vector<nlohmann::json> jsonLines(const QString& out)
{
  std::vector<nlohmann::json> lines;
  for (const QString& line : out.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) lines.push_back(nlohmann::json::parse(line.toStdString()));
  return lines;
}

} // namespace

class TestCliSpectrum : public QObject {
  Q_OBJECT

private slots:
  void initTestCase()
  {
    QVERIFY(m_dir.isValid());
    // Bias-free 2-layer ReLU on S¹ (d0 = 2, W_std = 1): the closed forms.
    saveNetwork(ntktest::mlp(2, 2, Activation(ActivationKind::Relu), 1.0, std::nullopt, 64), path("relu2.json"));
    // With bias, on S²: NTK ~ k^{-3}.
    saveNetwork(ntktest::mlp(3, 3, Activation(ActivationKind::Relu), std::sqrt(2.0), 0.1, 64), path("relu3_s2.json"));
    saveNetwork(ntktest::mlp(4, 2, Activation(ActivationKind::Relu), 1.0, 0.1, 8), path("relu_s3.json"));
    // Periodic grid: basic encoding of a 1-D input, and an explicit integer Fourier B in 2-D.
    Network grid1 = ntktest::mlp(1, 3, Activation(ActivationKind::Relu), std::sqrt(2.0), 0.1, 64);
    grid1.encoding.kind = EncodingKind::Basic;
    saveNetwork(grid1, path("grid1.json"));
    Network grid2 = ntktest::mlp(2, 2, Activation(ActivationKind::Erf), 1.5, 0.2, 64);
    grid2.encoding.kind = EncodingKind::Fourier;
    grid2.encoding.B.resize(3, 2);
    grid2.encoding.B << 1, 0, 0, 2, 1, 1;
    saveNetwork(grid2, path("grid2.json"));
    Network gaussian = grid1;
    gaussian.encoding.kind = EncodingKind::Gaussian;
    gaussian.encoding.features = 16;
    gaussian.encoding.sigma = 3.0;
    saveNetwork(gaussian, path("gaussian.json"));
  }

  void sphereReproducesTheClosedForms()
  {
    const auto r = runCli({"spectrum", "--net", qpath("relu2.json"), "--kind", "ntk", "--domain", "sphere", "--dim", "2",
                           "--kmax", "40", "--out", qpath("s.csv")});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const Eigen::MatrixXd S = readMatrix(path("s.csv"));
    QCOMPARE(S.rows(), Eigen::Index(41));
    QCOMPARE(S.cols(), Eigen::Index(3));
    const double pi2 = M_PI * M_PI;
    for (int k = 0; k <= 40; ++k) {
      QCOMPARE(S(k, 0), double(k));
      QCOMPARE(S(k, 2), k == 0 ? 1.0 : 2.0);
      double expected = 0.0;
      if (k == 0) expected = 3.0 / (2.0 * pi2);
      else if (k == 1) expected = 0.125;
      else if (k % 2 == 0) expected = (k * k + 3.0) / (2.0 * pi2 * (k * k - 1.0) * (k * k - 1.0));
      if (expected == 0.0) {
        QVERIFY2(S(k, 1) == 0.0, qPrintable(QString("odd k = %1 must be an exact zero, got %2").arg(k).arg(S(k, 1))));
      } else {
        QVERIFY2(std::abs(S(k, 1) - expected) <= 1e-10 * S(0, 1),
                 qPrintable(QString("k = %1: %2 vs %3").arg(k).arg(S(k, 1), 0, 'g', 17).arg(expected, 0, 'g', 17)));
      }
    }
  }

  void fitPrintsExponentsEvenAndOddApart()
  {
    const auto r = runCli({"spectrum", "--net", qpath("relu2.json"), "--domain", "sphere", "--kmax", "256", "--out",
                           qpath("s2.csv"), "--fit", "16:256"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const auto lines = jsonLines(r.out);
    QCOMPARE(int(lines.size()), 3); // all, even, odd: the odd degrees are exact zeros
    QCOMPARE(lines[1].at("fit").get<std::string>(), std::string("even"));
    // (k²+3)/(k²−1)² → k^{-2}.
    QVERIFY(std::abs(lines[1].at("exponent").get<double>() - 2.0) < 0.02);
    QCOMPARE(lines[2].at("valid").get<bool>(), false);
    QVERIFY(lines[2].at("zeros").get<int>() > 100);

    // A range past the table is refused before anything is written (it used to be cut silently).
    QFile::remove(qpath("s_past.csv"));
    const auto past = runCli({"spectrum", "--net", qpath("relu2.json"), "--domain", "sphere", "--kmax", "128", "--out",
                              qpath("s_past.csv"), "--fit", "200:300"});
    QCOMPARE(past.code, 2);
    QVERIFY2(past.err.contains("--kmax") && past.err.contains("300"), qPrintable(past.err));
    QVERIFY(!QFile::exists(qpath("s_past.csv")));

    // With bias on S²: NTK ~ k^{-d} = k^{-3}, NNGP ~ k^{-(d+2)} = k^{-5}.
    for (const auto& [kind, p] : {std::pair<QString, double>{"ntk", 3.0}, {"nngp", 5.0}}) {
      const auto b = runCli({"spectrum", "--net", qpath("relu3_s2.json"), "--kind", kind, "--domain", "sphere", "--kmax",
                             "400", "--out", qpath("s3.csv"), "--fit", "100:400"});
      QVERIFY2(b.code == 0, qPrintable(b.err));
      const auto fit = jsonLines(b.out);
      QVERIFY(!fit.empty());
      // Even and odd degrees may sit on two parallel lines: every fitted exponent must be p.
      for (const auto& f : fit)
        if (f.at("valid").get<bool>())
          QVERIFY2(std::abs(f.at("exponent").get<double>() - p) < 0.15, qPrintable(QString::fromStdString(f.dump())));
    }
  }

  void gridEqualsTheGramEigenvalues_data()
  {
    QTest::addColumn<QString>("net");
    QTest::addColumn<int>("dim");
    QTest::addColumn<int>("n");
    QTest::newRow("1-D basic") << "grid1.json" << 1 << 48;
    QTest::newRow("2-D fourier") << "grid2.json" << 2 << 12;
  }

  void gridEqualsTheGramEigenvalues()
  {
    QFETCH(QString, net);
    QFETCH(int, dim);
    QFETCH(int, n);
    const auto r = runCli({"spectrum", "--net", qpath(net), "--domain", "grid", "--grid", QString::number(n), "--out",
                           qpath("g.csv")});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const Eigen::MatrixXd S = readMatrix(path("g.csv"));
    QCOMPARE(S.cols(), Eigen::Index(3));
    QCOMPARE(S.col(2).sum(), std::pow(double(n), dim)); // multiplicities count every eigenvalue once
    // The same grid through `ntk-cli kernel`, then a dense eigensolver.
    const Eigen::Index m = Eigen::Index(std::pow(n, dim));
    Eigen::MatrixXd X(m, dim);
    for (Eigen::Index i = 0; i < m; ++i) {
      X(i, 0) = double(i % n) / n;
      if (dim == 2) X(i, 1) = double(i / n) / n;
    }
    writeCsvMatrix(path("grid.csv"), X);
    const auto k = runCli({"kernel", "--net", qpath(net), "--x", qpath("grid.csv"), "--out", qpath("kg.csv")});
    QVERIFY2(k.code == 0, qPrintable(k.err));
    const Eigen::VectorXd dense = gramEigenvalues(readMatrix(path("kg.csv")));
    std::vector<double> expanded;
    for (Eigen::Index i = 0; i < S.rows(); ++i)
      for (int j = 0; j < int(S(i, 2)); ++j) expanded.push_back(S(i, 1));
    std::sort(expanded.begin(), expanded.end(), std::greater<>());
    QCOMPARE(Eigen::Index(expanded.size()), dense.size());
    for (Eigen::Index i = 0; i < dense.size(); ++i)
      QVERIFY2(std::abs(expanded[std::size_t(i)] - dense(i)) <= 1e-10 * dense(0),
               qPrintable(QString("%1: %2 vs %3").arg(i).arg(expanded[std::size_t(i)]).arg(dense(i))));
  }

  void pointsEqualEigenOfKOverM()
  {
    std::mt19937_64 rng(7);
    std::normal_distribution<double> normal;
    Eigen::MatrixXd X(300, 3);
    for (Eigen::Index i = 0; i < X.size(); ++i) X.data()[i] = normal(rng);
    writeCsvMatrix(path("pts.csv"), X);
    const auto r = runCli({"spectrum", "--net", qpath("relu3_s2.json"), "--domain", "points", "--x", qpath("pts.csv"),
                           "--top", "12", "--out", qpath("p.csv")});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const Eigen::MatrixXd S = readMatrix(path("p.csv"));
    QCOMPARE(S.rows(), Eigen::Index(12));
    const auto k = runCli({"kernel", "--net", qpath("relu3_s2.json"), "--x", qpath("pts.csv"), "--out", qpath("kp.csv")});
    QVERIFY2(k.code == 0, qPrintable(k.err));
    const Eigen::VectorXd dense = gramEigenvalues(readMatrix(path("kp.csv")));
    for (int i = 0; i < 12; ++i) {
      QCOMPARE(S(i, 0), double(i));
      QCOMPARE(S(i, 2), 1.0);
      QVERIFY(std::abs(S(i, 1) - dense(i)) <= 1e-10 * dense(0));
    }
  }

  void eigenfunctionsComeWithCoordinates()
  {
    // S²: degree 2 has 5 harmonics on an N × 2N latitude-longitude grid, unit mean square.
    const auto r = runCli({"spectrum", "--net", qpath("relu3_s2.json"), "--domain", "sphere", "--eigenfunction", "2",
                           "--grid", "40", "--out", qpath("ef.csv")});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const Eigen::MatrixXd F = readMatrix(path("ef.csv"));
    QCOMPARE(F.rows(), Eigen::Index(40 * 80));
    QCOMPARE(F.cols(), Eigen::Index(3 + 5));
    // Area weights of a latitude-longitude grid: sin θ = √(1 − z²).
    Eigen::ArrayXd w = (1.0 - F.col(2).array().square()).sqrt();
    w /= w.sum();
    for (int j = 0; j < 5; ++j) {
      const double meanSquare = (w * F.col(3 + j).array().square()).sum();
      QVERIFY2(std::abs(meanSquare - 1.0) < 2e-3, qPrintable(QString::number(meanSquare)));
    }
    // 1-D grid: frequency 3 → √2 cos, √2 sin on the grid.
    const auto g = runCli({"spectrum", "--net", qpath("grid1.json"), "--domain", "grid", "--grid", "64", "--eigenfunction",
                           "3", "--out", qpath("eg.csv")});
    QVERIFY2(g.code == 0, qPrintable(g.err));
    const Eigen::MatrixXd G = readMatrix(path("eg.csv"));
    QCOMPARE(G.rows(), Eigen::Index(64));
    QCOMPARE(G.cols(), Eigen::Index(3));
    for (int i = 0; i < 64; ++i) {
      QVERIFY(std::abs(G(i, 1) - std::sqrt(2.0) * std::cos(2 * M_PI * 3 * G(i, 0))) < 1e-12);
      QVERIFY(std::abs(G(i, 2) - std::sqrt(2.0) * std::sin(2 * M_PI * 3 * G(i, 0))) < 1e-12);
    }
    // 2-D grid: --eigenfunction k is row k of the table: multiplicity(k) columns, each an eigenvector of
    // the Gram K/m with that row's λ.
    const int n = 12;
    QCOMPARE(runCli({"spectrum", "--net", qpath("grid2.json"), "--domain", "grid", "--grid", QString::number(n), "--out",
                     qpath("g2.csv")}).code, 0);
    const Eigen::MatrixXd table = readMatrix(path("g2.csv"));
    const Network net2 = loadNetwork(path("grid2.json"));
    for (int k : {1, 2, 5}) {
      const auto e = runCli({"spectrum", "--net", qpath("grid2.json"), "--domain", "grid", "--grid", QString::number(n),
                             "--eigenfunction", QString::number(k), "--out", qpath("e2.csv")});
      QVERIFY2(e.code == 0, qPrintable(e.err));
      const Eigen::MatrixXd E = readMatrix(path("e2.csv"));
      QCOMPARE(E.rows(), Eigen::Index(n * n));
      QCOMPARE(E.cols(), Eigen::Index(2 + table(k, 2)));
      const Eigen::MatrixXd K = kernelMatrix(net2, E.leftCols(2), nullptr, KernelKind::Ntk) / double(n * n);
      const Eigen::MatrixXd F = E.rightCols(E.cols() - 2);
      QVERIFY2((K * F - table(k, 1) * F).cwiseAbs().maxCoeff() < 1e-10 * table(0, 1), qPrintable(QString::number(k)));
      QVERIFY((F.transpose() * F / double(n * n) - Eigen::MatrixXd::Identity(F.cols(), F.cols())).cwiseAbs().maxCoeff() < 1e-12);
    }
  }

  void badInputGivesOneLineAndExitTwo_data()
  {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("mustContain");
    const QString out = qpath("bad.csv");
    QTest::newRow("grid needs a periodic encoding")
        << QStringList{"spectrum", "--net", qpath("relu2.json"), "--domain", "grid", "--out", out} << "encoding";
    QTest::newRow("gaussian is not periodic")
        << QStringList{"spectrum", "--net", qpath("gaussian.json"), "--domain", "grid", "--out", out} << "gaussian";
    QTest::newRow("sphere needs encoding none")
        << QStringList{"spectrum", "--net", qpath("grid1.json"), "--domain", "sphere", "--out", out} << "encoding";
    QTest::newRow("dim mismatch")
        << QStringList{"spectrum", "--net", qpath("relu2.json"), "--dim", "3", "--out", out} << "input_dim";
    QTest::newRow("bad fit range")
        << QStringList{"spectrum", "--net", qpath("relu2.json"), "--fit", "9:3", "--out", out} << "--fit";
    QTest::newRow("points without --x")
        << QStringList{"spectrum", "--net", qpath("relu2.json"), "--domain", "points", "--out", out} << "--x";
    QTest::newRow("negative kmax")
        << QStringList{"spectrum", "--net", qpath("relu2.json"), "--kmax", "-1", "--out", out} << "--kmax must be >= 0";
    QTest::newRow("bad domain")
        << QStringList{"spectrum", "--net", qpath("relu2.json"), "--domain", "torus", "--out", out} << "torus";
    QTest::newRow("kmax on the grid")
        << QStringList{"spectrum", "--net", qpath("grid1.json"), "--domain", "grid", "--kmax", "10", "--out", out} << "--kmax";
    QTest::newRow("kmax with eigenfunction")
        << QStringList{"spectrum", "--net", qpath("relu2.json"), "--eigenfunction", "2", "--kmax", "10", "--out", out} << "--kmax";
    QTest::newRow("grid on the sphere")
        << QStringList{"spectrum", "--net", qpath("relu2.json"), "--grid", "64", "--out", out} << "--grid";
    QTest::newRow("2-D eigenfunction beyond the table")
        << QStringList{"spectrum", "--net", qpath("grid2.json"), "--domain", "grid", "--grid", "4", "--eigenfunction", "16",
                       "--out", out} << "rows of the 2-D grid table";
    QTest::newRow("1-D eigenfunction above the Nyquist frequency")
        << QStringList{"spectrum", "--net", qpath("grid1.json"), "--domain", "grid", "--grid", "8", "--eigenfunction", "5",
                       "--out", out} << "grid/2";
    QTest::newRow("eigenfunction table beyond memory")
        << QStringList{"spectrum", "--net", qpath("relu3_s2.json"), "--eigenfunction", "4000", "--grid", "100000",
                       "--out", out} << "eigenfunctions of degree 4000";
    QTest::newRow("eigenfunction degree too high")
        << QStringList{"spectrum", "--net", qpath("relu3_s2.json"), "--eigenfunction", "100000", "--grid", "4", "--out", out}
        << "limited to degree 4096";
    QTest::newRow("eigenfunction on S^3")
        << QStringList{"spectrum", "--net", qpath("relu_s3.json"), "--eigenfunction", "1", "--out", out} << "d = 2 and 3";
    // Found by the adversarial sweep: a huge Nyström evaluation grid was allocated (and filled) before any
    // memory check; bench spectrum ignored the options of the other routes and timed the default size.
    writeCsvMatrix(path("pts2.csv"), (Eigen::MatrixXd(3, 2) << 0.1, 0.2, 0.5, -0.3, -0.7, 0.4).finished());
    QTest::newRow("Nystrom grid beyond memory")
        << QStringList{"spectrum", "--net", qpath("relu2.json"), "--domain", "points", "--x", qpath("pts2.csv"),
                       "--eigenfunction", "0", "--grid", "2147483647", "--out", out} << "Nystrom eigenfunction at";
    QTest::newRow("bench kmax on the gram route")
        << QStringList{"bench", "spectrum", "--net", qpath("relu2.json"), "--route", "gram", "--kmax", "3"} << "--kmax belongs";
    QTest::newRow("bench m on the sphere route")
        << QStringList{"bench", "spectrum", "--net", qpath("relu2.json"), "--m", "10"} << "--m belongs";
    QTest::newRow("bench grid on the sphere route")
        << QStringList{"bench", "spectrum", "--net", qpath("relu2.json"), "--grid", "8"} << "--grid belongs";
  }

  void badInputGivesOneLineAndExitTwo()
  {
    QFETCH(QStringList, args);
    QFETCH(QString, mustContain);
    QFile::remove(qpath("bad.csv"));
    const auto r = runCli(args);
    const QString problem = ntktest::refusalProblem(r, mustContain, m_dir.path());
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QVERIFY(!QFile::exists(qpath("bad.csv"))); // refused before anything is written
  }

  void benchPrintsOneJsonLine()
  {
    const auto r = runCli({"bench", "spectrum", "--net", qpath("relu3_s2.json"), "--route", "sphere", "--kmax", "64",
                           "--threads", "1"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const auto lines = jsonLines(r.out);
    QCOMPARE(int(lines.size()), 1);
    QCOMPARE(lines[0].at("route").get<std::string>(), std::string("sphere"));
    QCOMPARE(lines[0].at("threads").get<int>(), 1);
    QVERIFY(lines[0].at("seconds").get<double>() > 0);
  }

private:
  std::string path(const char* name) const { return m_dir.filePath(QString::fromUtf8(name)).toStdString(); }
  QString qpath(const QString& name) const { return m_dir.filePath(name); }

  QTemporaryDir m_dir;
};

QTEST_APPLESS_MAIN(TestCliSpectrum)
#include "test_cli_spectrum.moc"
