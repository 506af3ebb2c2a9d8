// test_grid_spectrum — Mercer spectra on periodic grids by FFT (core/spectra/GridSpectrum).
// Checks: FFT eigenvalues equal the dense Gram eigenvalues of K/m to 1e-10 of the largest (d = 1 and 2; basic,
// integer fourier and integer positional encodings; NTK and NNGP); the returned real eigenfunctions satisfy
// (K/m) f = λ_ν f on the grid; table rows, orderings and multiplicities add up, and the 2-D rows, the
// order and the eigenspaces share one grouping (each row's basis spans an eigenspace of the dense Gram);
// transforms planned from many threads at once agree; gridIsPeriodic refuses
// none / gaussian / non-integer positional with a reason; bad sizes and rows are refused.
// Also prints the median time of the circle m = 1024, 4-layer ReLU, basic encoding (not asserted).
#include <QtTest>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>

#include "TestUtil.h"
#include "core/kernels/NtkGram.h"
#include "core/spectra/GridSpectrum.h"

using namespace ntk;

namespace {

constexpr double kPi = 3.14159265358979323846;

Network gridNet(int d, Encoding e, int L = 3)
{
  Network n = ntktest::mlp(d, L, Activation(ActivationKind::Relu), std::sqrt(2.0), 0.1, 128);
  n.encoding = std::move(e);
  return n;
}

Encoding basic()
{
  Encoding e;
  e.kind = EncodingKind::Basic;
  return e;
}

Encoding fourier(Eigen::MatrixXd B)
{
  Encoding e;
  e.kind = EncodingKind::Fourier;
  e.B = std::move(B);
  return e;
}

Encoding positional(int levels, double sigma)
{
  Encoding e;
  e.kind = EncodingKind::Positional;
  e.levels = levels;
  e.sigma = sigma;
  return e;
}

} // namespace

class TestGridSpectrum : public QObject {
  Q_OBJECT

private slots:
  void fftEqualsDenseGram_data()
  {
    QTest::addColumn<int>("d");
    QTest::addColumn<int>("n");
    QTest::addColumn<int>("encoding"); // 0 basic, 1 fourier, 2 positional
    QTest::addColumn<bool>("ntk");
    for (bool ntk : {true, false}) {
      const char* kind = ntk ? "ntk" : "nngp";
      QTest::newRow(qPrintable(QString("1d basic n=32 %1").arg(kind))) << 1 << 32 << 0 << ntk;
      QTest::newRow(qPrintable(QString("1d basic n=33 %1").arg(kind))) << 1 << 33 << 0 << ntk;
      QTest::newRow(qPrintable(QString("1d fourier n=40 %1").arg(kind))) << 1 << 40 << 1 << ntk;
      QTest::newRow(qPrintable(QString("1d positional n=24 %1").arg(kind))) << 1 << 24 << 2 << ntk;
      QTest::newRow(qPrintable(QString("2d basic n=12 %1").arg(kind))) << 2 << 12 << 0 << ntk;
      QTest::newRow(qPrintable(QString("2d fourier n=10 %1").arg(kind))) << 2 << 10 << 1 << ntk;
      QTest::newRow(qPrintable(QString("2d fourier n=9 %1").arg(kind))) << 2 << 9 << 1 << ntk;
    }
  }
  void fftEqualsDenseGram()
  {
    QFETCH(int, d);
    QFETCH(int, n);
    QFETCH(int, encoding);
    QFETCH(bool, ntk);
    Encoding e = basic();
    if (encoding == 1) {
      Eigen::MatrixXd B(d == 1 ? 2 : 3, d);
      if (d == 1) B << 1, 3;
      else B << 1, 0, 0, 1, 2, -1;
      e = fourier(B);
    } else if (encoding == 2) {
      e = positional(2, 4.0); // frequencies 1, 2
    }
    const Network net = gridNet(d, e);
    const KernelKind kind = ntk ? KernelKind::Ntk : KernelKind::Nngp;
    const GridSpectrum s = periodicGridSpectrum(net, kind, n);
    const Eigen::Index m = d == 1 ? n : n * n;
    QCOMPARE(s.eigenvalues.size(), m);
    QCOMPARE(s.frequency.rows(), m);
    QCOMPARE(s.dim, d);
    QCOMPARE(s.n, n);

    const Eigen::MatrixXd V = periodicGridPoints(d, n);
    const Eigen::MatrixXd G = kernelMatrix(net, V, nullptr, kind) / double(m);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(G, Eigen::EigenvaluesOnly);
    Eigen::VectorXd dense = solver.eigenvalues();
    Eigen::VectorXd fft = s.eigenvalues;
    std::sort(fft.data(), fft.data() + fft.size());
    const double scale = dense.cwiseAbs().maxCoeff();
    const double err = (dense - fft).cwiseAbs().maxCoeff() / scale;
    qDebug("max |λ_fft − λ_dense| / λ_max = %.2e", err);
    QVERIFY(err < 1e-10);

    // The real eigenfunctions of each frequency are eigenvectors of the dense Gram with that eigenvalue.
    for (Eigen::Index i = 0; i < m; i += std::max<Eigen::Index>(1, m / 17)) {
      const Eigen::VectorXi nu = s.frequency.row(i).transpose();
      const Eigen::MatrixXd F = gridEigenfunctions(s, nu);
      for (Eigen::Index c = 0; c < F.cols(); ++c) {
        QVERIFY(std::abs(F.col(c).squaredNorm() / double(m) - 1.0) < 1e-12);
        QVERIFY((G * F.col(c) - s.eigenvalues(i) * F.col(c)).cwiseAbs().maxCoeff() < 1e-10 * scale);
      }
    }
    // Trace: Σ λ = K(0, 0).
    QVERIFY(std::abs(s.eigenvalues.sum() - s.row(0)) < 1e-12 * s.row(0));
  }

  void knownRow()
  {
    // K(v) = 1 + cos 2πv: λ_0 = 1, λ_{±1} = 1/2, others 0; d = 2 separable row cos 2πv₁ · cos 2πv₂ → ¼ at (±1, ±1).
    const int n = 16;
    Eigen::VectorXd row(n);
    for (int j = 0; j < n; ++j) row(j) = 1.0 + std::cos(2 * kPi * j / n);
    GridSpectrum s = periodicGridSpectrumFromRow(row, 1, n);
    for (int i = 0; i < n; ++i) {
      const int nu = s.frequency(i, 0);
      QVERIFY(nu > -n / 2 && nu <= n / 2);
      const double expected = nu == 0 ? 1.0 : (std::abs(nu) == 1 ? 0.5 : 0.0);
      QVERIFY(std::abs(s.eigenvalues(i) - expected) < 1e-15);
    }
    Eigen::VectorXd row2(n * n);
    for (int r = 0; r < n; ++r)
      for (int c = 0; c < n; ++c) row2(r * n + c) = std::cos(2 * kPi * c / n) * std::cos(2 * kPi * 3 * r / n);
    s = periodicGridSpectrumFromRow(row2, 2, n);
    for (int i = 0; i < n * n; ++i) {
      const bool hit = std::abs(s.frequency(i, 0)) == 1 && std::abs(s.frequency(i, 1)) == 3;
      QVERIFY(std::abs(s.eigenvalues(i) - (hit ? 0.25 : 0.0)) < 1e-15);
    }
    QVERIFY_THROWS_EXCEPTION(InputError, periodicGridSpectrumFromRow(row, 1, n + 1));
    QVERIFY_THROWS_EXCEPTION(InputError, periodicGridSpectrumFromRow(row, 3, n));
    row(3) = NAN;
    QVERIFY_THROWS_EXCEPTION(InputError, periodicGridSpectrumFromRow(row, 1, n));
  }

  void rowsAndOrder()
  {
    for (int n : {16, 17}) {
      const GridSpectrum s = periodicGridSpectrum(gridNet(1, basic()), KernelKind::Ntk, n);
      const std::vector<SpectrumRow> rows = gridSpectrumRows(s);
      QCOMPARE(int(rows.size()), n / 2 + 1);
      double count = 0.0;
      for (size_t k = 0; k < rows.size(); ++k) {
        QCOMPARE(rows[k].k, long(k));
        QCOMPARE(rows[k].lambda, s.eigenvalues(Eigen::Index(k)));
        const bool single = k == 0 || 2 * int(k) == n;
        QCOMPARE(rows[k].multiplicity, single ? 1.0 : 2.0);
        count += rows[k].multiplicity;
      }
      QCOMPARE(count, double(n));
    }
    Eigen::MatrixXd B(2, 2);
    B << 1, 0, 0, 1;
    const GridSpectrum s = periodicGridSpectrum(gridNet(2, fourier(B)), KernelKind::Ntk, 16);
    const std::vector<SpectrumRow> rows = gridSpectrumRows(s);
    double count = 0.0;
    for (size_t i = 0; i < rows.size(); ++i) {
      QCOMPARE(rows[i].k, long(i));
      if (i > 0) QVERIFY(rows[i].lambda < rows[i - 1].lambda);
      count += rows[i].multiplicity;
    }
    QCOMPARE(count, 256.0);
    // The basic encoding in 2-D is symmetric under ν₁ ↔ ν₂ and sign flips: the top group after ν = 0 has 4.
    QCOMPARE(rows[0].multiplicity, 1.0);
    QCOMPARE(rows[1].multiplicity, 4.0);
    const std::vector<int> order = gridOrderByEigenvalue(s);
    QCOMPARE(int(order.size()), 256);
    QCOMPARE(s.frequency(order[0], 0), 0);
    QCOMPARE(s.frequency(order[0], 1), 0);
    for (size_t i = 1; i < order.size(); ++i)
      QVERIFY(s.eigenvalues(order[i]) <= s.eigenvalues(order[i - 1]) + 1e-12 * s.eigenvalues(order[0]));
  }

  void rowsOrderAndEigenspacesShareOneGrouping_data()
  {
    QTest::addColumn<int>("n");
    QTest::newRow("n = 12") << 12;
    QTest::newRow("n = 9") << 9;
  }
  void rowsOrderAndEigenspacesShareOneGrouping()
  {
    QFETCH(int, n);
    Eigen::MatrixXd B(3, 2);
    B << 1, 0, 0, 1, 1, 1; // the oblique row breaks the square's symmetry: groups of 1, 2 and 4
    const Network net = gridNet(2, fourier(B));
    const GridSpectrum s = periodicGridSpectrum(net, KernelKind::Ntk, n);
    const std::vector<SpectrumRow> rows = gridSpectrumRows(s);
    const std::vector<std::vector<int>> groups = gridEigenGroups(s);
    const std::vector<int> order = gridOrderByEigenvalue(s);
    QCOMPARE(groups.size(), rows.size());
    // The groups, concatenated, are the order.
    std::vector<int> concatenated;
    for (const auto& g : groups) concatenated.insert(concatenated.end(), g.begin(), g.end());
    QVERIFY(concatenated == order);
    // λ(ν) = λ(−ν) bit for bit.
    for (Eigen::Index i = 0; i < s.eigenvalues.size(); ++i) {
      const Eigen::Index r = i / n, c = i % n, j = ((n - r) % n) * n + (n - c) % n;
      QCOMPARE(s.eigenvalues(i), s.eigenvalues(j));
      for (int a = 0; a < 2; ++a) QCOMPARE((s.frequency(i, a) + s.frequency(j, a)) % n, 0); // j is −ν
    }
    const Eigen::MatrixXd V = periodicGridPoints(2, n);
    const Eigen::MatrixXd G = kernelMatrix(net, V, nullptr, KernelKind::Ntk) / double(n * n);
    const double top = rows[0].lambda;
    Eigen::MatrixXd all(n * n, 0);
    for (size_t k = 0; k < rows.size(); ++k) {
      QCOMPARE(rows[k].multiplicity, double(groups[k].size()));
      const Eigen::MatrixXd F = gridEigenspace(s, long(k));
      // One basis function per eigenvalue of the row, orthonormal (unit mean square), eigenvectors with λ_k.
      QCOMPARE(F.cols(), Eigen::Index(groups[k].size()));
      const Eigen::MatrixXd gram = F.transpose() * F / double(n * n);
      QVERIFY((gram - Eigen::MatrixXd::Identity(F.cols(), F.cols())).cwiseAbs().maxCoeff() < 1e-12);
      QVERIFY2((G * F - rows[k].lambda * F).cwiseAbs().maxCoeff() < 1e-10 * top, qPrintable(QString::number(k)));
      all.conservativeResize(Eigen::NoChange, all.cols() + F.cols());
      all.rightCols(F.cols()) = F;
    }
    // Together the eigenspaces are a basis of the whole grid.
    QCOMPARE(all.cols(), Eigen::Index(n * n));
    QVERIFY((all.transpose() * all / double(n * n) - Eigen::MatrixXd::Identity(n * n, n * n)).cwiseAbs().maxCoeff() < 1e-11);
    QVERIFY_THROWS_EXCEPTION(InputError, gridEigenspace(s, long(rows.size())));
    QVERIFY_THROWS_EXCEPTION(InputError, gridEigenspace(s, -1));
    // 1-D: row k is ±k (one column at 0 and at the Nyquist frequency).
    const GridSpectrum s1 = periodicGridSpectrum(gridNet(1, basic()), KernelKind::Ntk, 10);
    QCOMPARE(gridEigenspace(s1, 0).cols(), Eigen::Index(1));
    QCOMPARE(gridEigenspace(s1, 3).cols(), Eigen::Index(2));
    QCOMPARE(gridEigenspace(s1, 5).cols(), Eigen::Index(1));
    QVERIFY((gridEigenspace(s1, 3) - gridEigenfunctions(s1, Eigen::VectorXi::Constant(1, 3))).isZero(0.0));
  }

  // FFTW's planner is not thread-safe: many threads planning at once must still give the serial result.
  void concurrentTransformsAgree()
  {
    Eigen::VectorXd row1(96), row2(20 * 20);
    for (Eigen::Index j = 0; j < row1.size(); ++j) row1(j) = std::exp(std::cos(2 * kPi * double(j) / 96.0));
    for (Eigen::Index j = 0; j < row2.size(); ++j)
      row2(j) = std::exp(0.5 * std::cos(2 * kPi * double(j % 20) / 20.0) + std::cos(2 * kPi * double(j / 20) / 20.0));
    const GridSpectrum ref1 = periodicGridSpectrumFromRow(row1, 1, 96), ref2 = periodicGridSpectrumFromRow(row2, 2, 20);
    std::atomic<int> mismatches{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
      threads.emplace_back([&, t] {
        for (int r = 0; r < 40; ++r) {
          const bool two = (t + r) % 2 == 1;
          const GridSpectrum s = two ? periodicGridSpectrumFromRow(row2, 2, 20) : periodicGridSpectrumFromRow(row1, 1, 96);
          if (s.eigenvalues != (two ? ref2 : ref1).eigenvalues) ++mismatches;
        }
      });
    for (auto& th : threads) th.join();
    QCOMPARE(mismatches.load(), 0);
  }

  void eigenfunctionShapes()
  {
    const GridSpectrum s = periodicGridSpectrum(gridNet(1, basic()), KernelKind::Ntk, 8);
    Eigen::VectorXi nu(1);
    nu << 0;
    QCOMPARE(gridEigenfunctions(s, nu).cols(), Eigen::Index(1));
    QVERIFY((gridEigenfunctions(s, nu).array() - 1.0).abs().maxCoeff() < 1e-15);
    nu << 4; // Nyquist: cos πj = ±1, no sine
    Eigen::MatrixXd F = gridEigenfunctions(s, nu);
    QCOMPARE(F.cols(), Eigen::Index(1));
    QVERIFY(std::abs(F.col(0).squaredNorm() / 8.0 - 1.0) < 1e-14);
    nu << 3;
    F = gridEigenfunctions(s, nu);
    QCOMPARE(F.cols(), Eigen::Index(2));
    QVERIFY(std::abs(F(1, 0) - std::sqrt(2.0) * std::cos(2 * kPi * 3 / 8.0)) < 1e-15);
    QVERIFY(std::abs(F(1, 1) - std::sqrt(2.0) * std::sin(2 * kPi * 3 / 8.0)) < 1e-15);
    QVERIFY(std::abs(F.col(0).dot(F.col(1))) < 1e-13);
    QVERIFY_THROWS_EXCEPTION(InputError, gridEigenfunctions(s, Eigen::VectorXi::Zero(2)));
    // Point layout: first coordinate fastest.
    const Eigen::MatrixXd P = periodicGridPoints(2, 4);
    QCOMPARE(P(1, 0), 0.25);
    QCOMPARE(P(1, 1), 0.0);
    QCOMPARE(P(4, 0), 0.0);
    QCOMPARE(P(4, 1), 0.25);
  }

  void periodicityRules()
  {
    std::string why;
    QVERIFY(gridIsPeriodic(gridNet(1, basic()), &why));
    QVERIFY(why.empty());
    QVERIFY(gridIsPeriodic(gridNet(1, positional(2, 4.0)), &why));
    Eigen::MatrixXd B(2, 1);
    B << 2, -5;
    QVERIFY(gridIsPeriodic(gridNet(1, fourier(B)), &why));

    QVERIFY(!gridIsPeriodic(gridNet(1, Encoding{}), &why));
    QVERIFY2(why.find("none") != std::string::npos, why.c_str());
    Encoding g;
    g.kind = EncodingKind::Gaussian;
    g.features = 8;
    g.sigma = 3.0;
    QVERIFY(!gridIsPeriodic(gridNet(2, g), &why));
    QVERIFY2(why.find("gaussian") != std::string::npos && why.find("integer") != std::string::npos, why.c_str());
    QVERIFY(!gridIsPeriodic(gridNet(1, positional(8, 10.0)), &why));
    QVERIFY2(why.find("positional") != std::string::npos && why.find("not an integer") != std::string::npos, why.c_str());
    B << 1, 2.5;
    QVERIFY(!gridIsPeriodic(gridNet(1, fourier(B)), &why));
    QVERIFY2(why.find("2.5") != std::string::npos, why.c_str());
    QVERIFY(!gridIsPeriodic(gridNet(3, basic()), &why));
    QVERIFY(gridIsPeriodic(gridNet(1, basic()), nullptr));

    QVERIFY_THROWS_EXCEPTION(NetworkError, periodicGridSpectrum(gridNet(1, Encoding{}), KernelKind::Ntk, 8));
    QVERIFY_THROWS_EXCEPTION(NetworkError, periodicGridSpectrum(gridNet(1, positional(8, 10.0)), KernelKind::Ntk, 8));
    QVERIFY_THROWS_EXCEPTION(InputError, periodicGridSpectrum(gridNet(1, basic()), KernelKind::Ntk, 1));
    QVERIFY_THROWS_EXCEPTION(InputError, periodicGridSpectrum(gridNet(3, basic()), KernelKind::Ntk, 8));
    QVERIFY_THROWS_EXCEPTION(MemoryLimitError, periodicGridSpectrum(gridNet(2, basic()), KernelKind::Ntk, 1 << 24));
    std::atomic<bool> stop{true};
    JobControl job;
    job.stop = &stop;
    QVERIFY_THROWS_EXCEPTION(CancelledError, periodicGridSpectrum(gridNet(1, basic()), KernelKind::Ntk, 64, job));
  }

  void timingCircle1024()
  {
    // Not asserted: median of 9 runs (the first call also plans FFTW).
    const Network net = gridNet(1, basic(), 4);
    std::vector<double> ms;
    for (int r = 0; r < 9; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      const GridSpectrum s = periodicGridSpectrum(net, KernelKind::Ntk, 1024);
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      QVERIFY(s.eigenvalues(0) > 0);
    }
    const double first = ms.front();
    std::sort(ms.begin(), ms.end());
    qDebug("FFT spectrum of the circle, m = 1024, 4-layer ReLU NTK (basic encoding): median %.2f ms (first %.2f ms)",
           ms[4], first);
  }
};

QTEST_APPLESS_MAIN(TestGridSpectrum)
#include "test_grid_spectrum.moc"
