// test_image_fft — the blocked, pruned 2-level Toeplitz product of core/image/ImageFft.h against the
// dense BTTB matrix–vector product. Checks: y = T·x + shift·x on grids whose sizes are and are not
// multiples of the row and column blocks (remainder chunks), one-row and one-column grids, on one and
// on two threads, repeated calls with the same buffers (the column stage's per-thread scratch); and the
// embedding's λ_max bound against the dense largest eigenvalue. Tolerance: 1e-13 of max|y|, a few
// rounding errors of the FFTs (the dense sums are exact to 1e-16 relative).
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
    constexpr int rb = ToeplitzProduct::kRowBlock, cb = ToeplitzProduct::kColumnBlock;
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
    auto x = fftwArray<double>(n), y = fftwArray<double>(n), buf = fftwArray<double>(product.bufferSize());
    auto spec = fftwArray<Complex>(product.spectrumSize());
    std::mt19937_64 rng(3);
    std::normal_distribution<double> normal;
    for (int trial = 0; trial < 3; ++trial) { // the same buffers again: nothing may depend on their old contents
      for (size_t k = 0; k < n; ++k) x[k] = normal(rng);
      const double shift = 0.25 * trial;
      product.apply(x.get(), y.get(), shift, buf.get(), spec.get());
      const Eigen::Map<const Eigen::VectorXd> xv(x.get(), Eigen::Index(n)), yv(y.get(), Eigen::Index(n));
      const Eigen::VectorXd expect = c.dense * xv + shift * xv;
      const double err = (yv - expect).cwiseAbs().maxCoeff() / expect.cwiseAbs().maxCoeff();
      QVERIFY2(err <= 1e-13, qPrintable(QString("trial %1: %2").arg(trial).arg(err)));
    }
    // λ_max of the embedding bounds T's spectrum (Cauchy interlacing), within rounding.
    const double top = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(c.dense).eigenvalues().maxCoeff();
    QVERIFY(product.embeddingMaxEigenvalue() >= top * (1.0 - 1e-12));
  }
};

QTEST_APPLESS_MAIN(TestImageFft)
#include "test_image_fft.moc"
