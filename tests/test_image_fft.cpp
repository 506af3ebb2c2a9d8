// test_image_fft — the blocked, pruned products of core/image/ImageFft.h against dense matrices.
// Checks: the 2-level Toeplitz product y = T·x + shift·x against the dense BTTB on grids whose sizes are
// and are not multiples of the row and column blocks (remainder chunks), one-row and one-column grids,
// on one and on two threads, repeated calls with the same buffers (per-thread scratch); the embedding's
// λ_max bound against the dense largest eigenvalue; the restricted circulant product R C Rᵀ x (the
// masked preconditioner's form: the whole torus, and a corner of it) against the dense circulant. Tolerance: 1e-13 of max|y|, a few
// rounding errors of the FFTs (the dense sums are exact to 1e-16 relative). The single-precision
// products (masked CG's fast product and preconditioner) against the same dense matrices: within 2e-6 of
// max|y| (float rounding 6e-8 times a few FFT stages), and not within 1e-9 (they are single precision).
// TBB before Qt: Qt's `emit` macro breaks oneTBB's profiling.h.
#include <cmath>
#include <random>
#include <vector>

#include <Eigen/Dense>
#include <tbb/global_control.h>

#include "core/image/ImageFft.h"

#include <QtTest>

using namespace ntk::imagefft;

namespace {

/// An even symbol t(i, j) = t(−i, −j) on offsets |i| < rows, |j| < cols: a sum of cosines plus a
/// decaying bump, not separable, so both levels of the Toeplitz structure are exercised.
double symbol(int i, int j)
{
  return std::cos(0.3 * i + 0.7 * j) + 0.5 * std::cos(1.1 * i - 0.2 * j) + std::exp(-0.05 * (i * i + 2.0 * j * j));
}

struct Case {
  int rows, cols;
  std::vector<double> embedded; ///< 2rows × 2cols
  Eigen::MatrixXd dense;        ///< (rows·cols)²
  Case(int r, int c) : rows(r), cols(c), embedded(size_t(4) * r * c), dense(r * c, r * c)
  {
    for (int i = 0; i < 2 * r; ++i)
      for (int j = 0; j < 2 * c; ++j) {
        const int is = i < r ? i : i - 2 * r, js = j < c ? j : j - 2 * c;
        embedded[size_t(i) * 2 * c + j] = (i == r || j == c) ? 0.0 : symbol(is, js);
      }
    for (int a = 0; a < r * c; ++a)
      for (int b = 0; b < r * c; ++b) dense(a, b) = symbol(a / c - b / c, a % c - b % c);
  }
};

} // namespace

class TestImageFft : public QObject {
  Q_OBJECT

private slots:
  void productEqualsDenseToeplitz_data()
  {
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::addColumn<int>("threads");
    constexpr int rb = CirculantProduct::kRowBlock, cb = CirculantProduct::kColumnBlock;
    QTest::newRow("blocks exact") << 2 * rb << 2 * cb - 1 << 2; // cols + 1 = 2 column blocks
    QTest::newRow("remainders") << 2 * rb + 3 << 3 * cb + 2 << 2;
    QTest::newRow("remainders, one thread") << 2 * rb + 3 << 3 * cb + 2 << 1;
    QTest::newRow("smaller than a block") << 3 << 5 << 2;
    QTest::newRow("one row") << 1 << 19 << 2;
    QTest::newRow("one column") << 17 << 1 << 2;
  }

  void productEqualsDenseToeplitz()
  {
    QFETCH(int, rows);
    QFETCH(int, cols);
    QFETCH(int, threads);
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, size_t(threads));
    const Case c(rows, cols);
    const ToeplitzProduct product(rows, cols, c.embedded.data());
    const size_t n = size_t(rows) * cols;
    auto x = fftwArray<double>(n), y = fftwArray<double>(n);
    auto spec = fftwArray<Complex>(product.spectrumSize());
    std::mt19937_64 rng(3);
    std::normal_distribution<double> normal;
    for (int trial = 0; trial < 3; ++trial) { // the same buffers again: nothing may depend on their old contents
      for (size_t k = 0; k < n; ++k) x[k] = normal(rng);
      const double shift = 0.25 * trial;
      product.apply(x.get(), y.get(), shift, spec.get());
      const Eigen::Map<const Eigen::VectorXd> xv(x.get(), Eigen::Index(n)), yv(y.get(), Eigen::Index(n));
      const Eigen::VectorXd expect = c.dense * xv + shift * xv;
      const double err = (yv - expect).cwiseAbs().maxCoeff() / expect.cwiseAbs().maxCoeff();
      QVERIFY2(err <= 1e-13, qPrintable(QString("trial %1: %2").arg(trial).arg(err)));
    }
    // λ_max of the embedding bounds T's spectrum (Cauchy interlacing), within rounding.
    const double top = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(c.dense).eigenvalues().maxCoeff();
    QVERIFY(product.embeddingMaxEigenvalue() >= top * (1.0 - 1e-12));
  }

  void restrictedCirculantEqualsDense_data()
  {
    QTest::addColumn<int>("rows");
    QTest::addColumn<int>("cols");
    QTest::addColumn<int>("gridRows");
    QTest::addColumn<int>("gridCols");
    QTest::newRow("whole torus") << 20 << 19 << 20 << 19;
    QTest::newRow("corner") << 13 << 9 << 22 << 17;
  }

  void restrictedCirculantEqualsDense()
  {
    QFETCH(int, rows);
    QFETCH(int, cols);
    QFETCH(int, gridRows);
    QFETCH(int, gridCols);
    // An even symbol on the torus (a function of the wrapped offsets), its eigenvalues by a real FFT.
    auto wrapped = [](int d, int n) { d = ((d % n) + n) % n; return std::min(d, n - d); };
    auto torus = [&](int i, int j) { return symbol(wrapped(i, gridRows), wrapped(j, gridCols)); };
    const RealFft2 fft(gridRows, gridCols);
    auto first = fftwArray<double>(fft.realSize());
    auto firstSpec = fftwArray<Complex>(fft.complexSize());
    for (int i = 0; i < gridRows; ++i)
      for (int j = 0; j < gridCols; ++j) first[size_t(i) * gridCols + j] = torus(i, j);
    fft.forward(first.get(), firstSpec.get());
    std::vector<double> eig(fft.complexSize());
    for (size_t k = 0; k < eig.size(); ++k) eig[k] = firstSpec[k].real() / (double(gridRows) * gridCols);
    const CirculantProduct product(rows, cols, gridRows, gridCols, eig);
    const int n = rows * cols;
    Eigen::MatrixXd dense(n, n);
    for (int a = 0; a < n; ++a)
      for (int b = 0; b < n; ++b) dense(a, b) = torus(a / cols - b / cols, a % cols - b % cols);
    auto x = fftwArray<double>(size_t(n)), y = fftwArray<double>(size_t(n));
    auto spec = fftwArray<Complex>(product.spectrumSize());
    for (int k = 0; k < n; ++k) x[size_t(k)] = std::sin(0.37 * k) + 0.1 * (k % 5);
    product.apply(x.get(), y.get(), 0.5, spec.get());
    const Eigen::Map<const Eigen::VectorXd> xv(x.get(), n), yv(y.get(), n);
    const Eigen::VectorXd expect = dense * xv + 0.5 * xv;
    const double err = (yv - expect).cwiseAbs().maxCoeff() / expect.cwiseAbs().maxCoeff();
    QVERIFY2(err <= 1e-13, qPrintable(QString("%1").arg(err)));
  }

  void singlePrecisionProductsEqualDense()
  {
    constexpr int rows = 2 * CirculantProduct::kRowBlock + 3, cols = 3 * CirculantProduct::kColumnBlock + 2;
    const Case c(rows, cols);
    const size_t n = size_t(rows) * cols;
    std::vector<double> xd(n);
    auto x = fftwArray<float>(n), y = fftwArray<float>(n);
    for (size_t k = 0; k < n; ++k) x[k] = float(std::sin(0.37 * double(k)) + 0.1 * double(k % 5));
    for (size_t k = 0; k < n; ++k) xd[k] = double(x[k]); // the same input in both precisions
    const Eigen::Map<const Eigen::VectorXd> xv(xd.data(), Eigen::Index(n));
    auto relErr = [&](const Eigen::VectorXd& expect) {
      double err = 0.0;
      for (size_t k = 0; k < n; ++k) err = std::max(err, std::abs(double(y[k]) - expect(Eigen::Index(k))));
      return err / expect.cwiseAbs().maxCoeff();
    };
    // The Toeplitz product, from the eigenvalues computed once in double (as MaskedImageRegression does).
    const ToeplitzProductT<float> toeplitz(rows, cols, ToeplitzProduct::embeddingEigenvalues(rows, cols, c.embedded.data()));
    auto spec = fftwArray<std::complex<float>>(toeplitz.spectrumSize());
    toeplitz.apply(x.get(), y.get(), 0.5f, spec.get());
    const double errT = relErr(c.dense * xv + 0.5 * xv);
    QVERIFY2(errT <= 2e-6 && errT > 1e-9, qPrintable(QString("Toeplitz: %1").arg(errT)));
    // The circulant of the whole torus (the preconditioner's form): the embedding restricted to itself.
    std::vector<double> eig = ToeplitzProduct::embeddingEigenvalues(rows, cols, c.embedded.data());
    const CirculantProductT<float> torus(2 * rows, 2 * cols, 2 * rows, 2 * cols, eig);
    const size_t n2 = 4 * n;
    auto x2 = fftwArray<float>(n2), y2 = fftwArray<float>(n2);
    auto spec2 = fftwArray<std::complex<float>>(torus.spectrumSize());
    std::fill(x2.get(), x2.get() + n2, 0.0f);
    for (int i = 0; i < rows; ++i)
      for (int j = 0; j < cols; ++j) x2[size_t(i) * 2 * cols + j] = x[size_t(i) * cols + j];
    torus.apply(x2.get(), y2.get(), 0.0f, spec2.get());
    for (int i = 0; i < rows; ++i) // the top-left corner of the embedding's product is T·x
      for (int j = 0; j < cols; ++j) y[size_t(i) * cols + j] = y2[size_t(i) * 2 * cols + j];
    const double errC = relErr(c.dense * xv);
    QVERIFY2(errC <= 2e-6 && errC > 1e-9, qPrintable(QString("circulant: %1").arg(errC)));
  }
};

QTEST_APPLESS_MAIN(TestImageFft)
#include "test_image_fft.moc"
