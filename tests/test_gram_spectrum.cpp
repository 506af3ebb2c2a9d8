// test_gram_spectrum — eigenpairs of K(X,X)/m and Nyström eigenfunctions (core/spectra/GramSpectrum).
// Checks: dense and Lanczos agree (values to 1e-10, vectors, eigen-residual ‖KU − mUΛ‖); the automatic choice;
// Funk–Hecke λ_k equal the degree-grouped means of the top Gram eigenvalues of 4000 random points on S²
// within a few percent (Lanczos path); Nyström functions equal √m·u at the data and are the known
// eigenfunctions off the data (Fourier modes on S¹, degree-1 harmonics on S²); uniform sphere points;
// errors for bad shapes, non-finite or asymmetric input, missing vectors, memory and cancellation.
#include <QtTest>

#include <cmath>

#include "TestUtil.h"
#include "core/kernels/NtkGram.h"
#include "core/spectra/GramSpectrum.h"
#include "core/spectra/SphereSpectrum.h"
#include "core/spectra/SphericalHarmonics.h"

using namespace ntk;

namespace {

constexpr double kPi = 3.14159265358979323846;

Network reluNet(int d, int L = 4) { return ntktest::mlp(d, L, Activation(ActivationKind::Relu), std::sqrt(2.0), 0.1, 256); }

/// Residual of projecting the columns of F onto span(B), relative to ‖F‖ (least squares).
double outOfSpan(const Eigen::MatrixXd& F, const Eigen::MatrixXd& B)
{
  const Eigen::MatrixXd coef = B.colPivHouseholderQr().solve(F);
  return (F - B * coef).norm() / F.norm();
}

} // namespace

class TestGramSpectrum : public QObject {
  Q_OBJECT

private slots:
  void denseAndLanczosAgree()
  {
    // Points in a box (not on a sphere): no degenerate eigenvalues, so vectors are unique up to sign.
    std::mt19937_64 g(7);
    Eigen::MatrixXd X(800, 3);
    for (Eigen::Index i = 0; i < X.size(); ++i) X(i) = double(g() >> 11) * 0x1.0p-53 * 2.0 - 1.0;
    const Network net = reluNet(3);
    const Eigen::MatrixXd K = kernelMatrix(net, X, nullptr, KernelKind::Ntk);
    const GramSpectrum dense = gramSpectrumFromMatrixWith(K, 0, true, EigenSolverChoice::Dense);
    const GramSpectrum lanczos = gramSpectrumFromMatrixWith(K, 20, true, EigenSolverChoice::Lanczos);
    QVERIFY(!dense.lanczos);
    QVERIFY(lanczos.lanczos);
    QCOMPARE(dense.m, Eigen::Index(800));
    QCOMPARE(dense.eigenvalues.size(), Eigen::Index(800));
    QCOMPARE(lanczos.eigenvalues.size(), Eigen::Index(20));
    QCOMPARE(lanczos.eigenvectors.cols(), Eigen::Index(20));
    for (Eigen::Index i = 1; i < dense.eigenvalues.size(); ++i) QVERIFY(dense.eigenvalues(i) <= dense.eigenvalues(i - 1));
    const double top = dense.eigenvalues(0);
    const double valueErr = (dense.eigenvalues.head(20) - lanczos.eigenvalues).cwiseAbs().maxCoeff() / top;
    qDebug("dense vs Lanczos, top 20 of m = 800: max |Δλ|/λ_0 = %.2e", valueErr);
    QVERIFY(valueErr < 1e-10);
    // Eigen-residuals ‖K u − m μ u‖ and orthonormality for both.
    for (const GramSpectrum* s : {&dense, &lanczos}) {
      const Eigen::Index c = std::min<Eigen::Index>(20, s->eigenvectors.cols());
      const Eigen::MatrixXd U = s->eigenvectors.leftCols(c);
      const Eigen::MatrixXd R = K * U - U * (800.0 * s->eigenvalues.head(c)).asDiagonal();
      QVERIFY(R.norm() < 1e-9 * K.norm());
      QVERIFY((U.transpose() * U - Eigen::MatrixXd::Identity(c, c)).cwiseAbs().maxCoeff() < 1e-10);
    }
    // Same vectors (signs are normalised: largest entry positive) where the gap is clear.
    double vectorErr = 0.0;
    for (Eigen::Index i = 0; i < 20; ++i) {
      const double gap = std::min(i > 0 ? dense.eigenvalues(i - 1) - dense.eigenvalues(i) : top,
                                  dense.eigenvalues(i) - dense.eigenvalues(i + 1));
      if (gap < 1e-6 * top) continue;
      vectorErr = std::max(vectorErr, (dense.eigenvectors.col(i) - lanczos.eigenvectors.col(i)).cwiseAbs().maxCoeff());
    }
    qDebug("dense vs Lanczos eigenvectors: max entry difference %.2e", vectorErr);
    QVERIFY(vectorErr < 1e-7);
    // Eigenvalues only, and the automatic rule: small m → dense.
    const GramSpectrum valuesOnly = gramSpectrumFromMatrix(K, 5, false);
    QVERIFY(!valuesOnly.lanczos);
    QCOMPARE(valuesOnly.eigenvectors.size(), Eigen::Index(0));
    QVERIFY((valuesOnly.eigenvalues - dense.eigenvalues.head(5)).cwiseAbs().maxCoeff() < 1e-12 * top);
  }

  void funkHeckeAgreesWithGramOnSphere()
  {
    // 4000 uniform points on S²: the top 25 Gram eigenvalues of K/m split into degrees 0…4 (sizes 1, 3, 5, 7, 9);
    // their means estimate λ_0…λ_4 (the net's λ_k decrease, so degrees do not interleave).
    const Network net = reluNet(3);
    const SphereSpectrum exact = funkHeckeSpectrum(net, KernelKind::Ntk, 6);
    for (int k = 1; k <= 5; ++k) QVERIFY(exact.lambda(k) < exact.lambda(k - 1));
    const Eigen::MatrixXd X = uniformSpherePoints(4000, 3, 2024);
    const GramSpectrum s = gramSpectrum(net, KernelKind::Ntk, X, 25, false);
    QVERIFY(s.lanczos); // m > kDenseEigenLimit and top ≤ m/4
    QCOMPARE(s.m, Eigen::Index(4000));
    Eigen::Index start = 0;
    double worst = 0.0;
    for (int k = 0; k <= 4; ++k) {
      const Eigen::Index size = 2 * k + 1;
      const double mean = s.eigenvalues.segment(start, size).mean();
      const double rel = std::abs(mean / exact.lambda(k) - 1.0);
      qDebug("degree %d: Funk–Hecke %.6e, Gram mean %.6e (relative difference %.2e)", k, exact.lambda(k), mean, rel);
      worst = std::max(worst, rel);
      start += size;
    }
    QVERIFY(worst < 0.03);
  }

  void nystromOnCircle()
  {
    // Equally spaced points on S¹ (encoding none): eigenvalue pairs are exactly degenerate, eigenfunctions
    // of degree k span {cos kφ, sin kφ}.
    const int m = 256;
    const Network net = reluNet(2, 3);
    const Eigen::MatrixXd X = circleGrid(m);
    const GramSpectrum s = gramSpectrum(net, KernelKind::Ntk, X, 0, true);
    QCOMPARE(s.eigenvectors.rows(), Eigen::Index(m));
    // At the data: √m·u, unit mean square.
    const std::vector<int> which{0, 1, 2, 3, 4, 5, 6};
    const Eigen::MatrixXd atData = nystromEigenfunctions(net, KernelKind::Ntk, X, s, X, which);
    for (size_t c = 0; c < which.size(); ++c) {
      const Eigen::VectorXd expected = std::sqrt(double(m)) * s.eigenvectors.col(which[c]);
      QVERIFY((atData.col(Eigen::Index(c)) - expected).cwiseAbs().maxCoeff() < 1e-10);
      QVERIFY(std::abs(atData.col(Eigen::Index(c)).squaredNorm() / m - 1.0) < 1e-10);
    }
    // Off the data: degree 0 is ±1, degrees 1, 2, 3 are in span{√2 cos kφ, √2 sin kφ} with unit mean square.
    std::mt19937_64 g(3);
    Eigen::MatrixXd E(500, 2);
    for (Eigen::Index i = 0; i < E.rows(); ++i) {
      const double phi = 2 * kPi * double(g() >> 11) * 0x1.0p-53;
      E(i, 0) = std::cos(phi);
      E(i, 1) = std::sin(phi);
    }
    const Eigen::MatrixXd F = nystromEigenfunctions(net, KernelKind::Ntk, X, s, E, which);
    // Off the grid, degrees k' ≡ ±k (mod m) alias in with weight λ_{k'}/λ_k ~ (k/m)² for this k^{−2} spectrum.
    const double constErr = (F.col(0).cwiseAbs().array() - 1.0).abs().maxCoeff();
    qDebug("Nyström on S¹ (m = 256): degree 0 off the grid deviates from ±1 by %.2e", constErr);
    QVERIFY(constErr < 2e-4);
    double worst = 0.0;
    for (int k = 1; k <= 3; ++k) {
      Eigen::MatrixXd B(E.rows(), 2);
      B.col(0) = realSphericalHarmonic(k, 0, E);
      B.col(1) = realSphericalHarmonic(k, 1, E);
      const Eigen::MatrixXd pair = F.middleCols(2 * k - 1, 2);
      worst = std::max(worst, outOfSpan(pair, B));
      // Coefficients form a rotation: unit mean square, orthogonal.
      const Eigen::MatrixXd coef = B.colPivHouseholderQr().solve(pair);
      QVERIFY((coef.transpose() * coef - Eigen::MatrixXd::Identity(2, 2)).cwiseAbs().maxCoeff() < 1e-3);
    }
    qDebug("Nyström on S¹ (m = 256): relative residual outside the Fourier pair ≤ %.2e", worst);
    QVERIFY(worst < 1e-3);
  }

  void nystromOnSphere()
  {
    // Random points on S²: the degree-1 triple (indices 1–3) extends to functions in span{x, y, z}.
    const int m = 1500;
    const Network net = reluNet(3);
    const Eigen::MatrixXd X = uniformSpherePoints(m, 3, 11);
    const GramSpectrum s = gramSpectrum(net, KernelKind::Ntk, X, 10, true);
    QVERIFY(!s.lanczos);
    QCOMPARE(s.eigenvectors.cols(), Eigen::Index(10));
    const Eigen::MatrixXd E = uniformSpherePoints(400, 3, 12);
    const Eigen::MatrixXd F = nystromEigenfunctions(net, KernelKind::Ntk, X, s, E, {1, 2, 3});
    Eigen::MatrixXd B(E.rows(), 3);
    for (int j = 0; j < 3; ++j) B.col(j) = realSphericalHarmonic(1, j, E);
    const double residual = outOfSpan(F, B);
    qDebug("Nyström on S² (m = 1500): relative residual outside the degree-1 harmonics %.2e", residual);
    QVERIFY(residual < 0.05);
    // Degree 0 extends to a constant.
    const Eigen::MatrixXd F0 = nystromEigenfunctions(net, KernelKind::Ntk, X, s, E, {0});
    QVERIFY((F0.array().abs() - 1.0).abs().maxCoeff() < 0.05);
  }

  void uniformPoints()
  {
    const Eigen::MatrixXd A = uniformSpherePoints(5000, 3, 5);
    QVERIFY((A.rowwise().norm().array() - 1.0).abs().maxCoeff() < 1e-14);
    QVERIFY(A.colwise().mean().norm() < 4.0 / std::sqrt(5000.0));
    // Second moments of the uniform measure: E[x xᵀ] = I/3.
    const Eigen::MatrixXd M = A.transpose() * A / 5000.0;
    QVERIFY((M - Eigen::MatrixXd::Identity(3, 3) / 3.0).cwiseAbs().maxCoeff() < 0.03);
    QCOMPARE(uniformSpherePoints(10, 4, 5), uniformSpherePoints(10, 4, 5));
    QVERIFY(uniformSpherePoints(10, 4, 5) != uniformSpherePoints(10, 4, 6));
    QVERIFY_THROWS_EXCEPTION(InputError, uniformSpherePoints(0, 3, 1));
    QVERIFY_THROWS_EXCEPTION(InputError, uniformSpherePoints(3, 0, 1));
  }

  void badInput()
  {
    const Network net = reluNet(2, 2);
    QVERIFY_THROWS_EXCEPTION(InputError, gramSpectrumFromMatrix(Eigen::MatrixXd::Ones(3, 4), 0, false));
    QVERIFY_THROWS_EXCEPTION(InputError, gramSpectrumFromMatrix(Eigen::MatrixXd(0, 0), 0, false));
    Eigen::MatrixXd K = Eigen::MatrixXd::Identity(4, 4);
    K(0, 1) = 0.5;
    QVERIFY_THROWS_EXCEPTION(InputError, gramSpectrumFromMatrix(K, 0, false));
    K(0, 1) = NAN;
    QVERIFY_THROWS_EXCEPTION(InputError, gramSpectrumFromMatrix(K, 0, false));
    QVERIFY_THROWS_EXCEPTION(InputError, gramSpectrumFromMatrixWith(Eigen::MatrixXd::Identity(4, 4), 4, false,
                                                                    EigenSolverChoice::Lanczos));
    QVERIFY_THROWS_EXCEPTION(InputError, gramSpectrum(net, KernelKind::Ntk, Eigen::MatrixXd::Ones(5, 3), 0, false));
    Eigen::MatrixXd X = circleGrid(8);
    X(2, 1) = INFINITY;
    QVERIFY_THROWS_EXCEPTION(InputError, gramSpectrum(net, KernelKind::Ntk, X, 0, false));
    // Nyström needs vectors, valid indices, and the right dimensions.
    X = circleGrid(16);
    const GramSpectrum noVectors = gramSpectrum(net, KernelKind::Ntk, X, 0, false);
    QVERIFY_THROWS_EXCEPTION(InputError, nystromEigenfunctions(net, KernelKind::Ntk, X, noVectors, X, {0}));
    const GramSpectrum s = gramSpectrum(net, KernelKind::Ntk, X, 4, true);
    QVERIFY_THROWS_EXCEPTION(InputError, nystromEigenfunctions(net, KernelKind::Ntk, X, s, X, {4}));
    QVERIFY_THROWS_EXCEPTION(InputError, nystromEigenfunctions(net, KernelKind::Ntk, X, s, Eigen::MatrixXd::Ones(2, 3), {0}));
    // Memory: a million points is refused before anything is allocated.
    QVERIFY_THROWS_EXCEPTION(MemoryLimitError,
                             gramSpectrum(net, KernelKind::Ntk, Eigen::MatrixXd::Zero(3000000, 2), 10, false));
  }

  void cancellation()
  {
    std::atomic<bool> stop{true};
    JobControl job;
    job.stop = &stop;
    const Network net = reluNet(2, 2);
    QVERIFY_THROWS_EXCEPTION(CancelledError, gramSpectrum(net, KernelKind::Ntk, circleGrid(64), 0, false, job));
    QVERIFY_THROWS_EXCEPTION(CancelledError, gramSpectrumFromMatrixWith(Eigen::MatrixXd::Identity(50, 50), 3, false,
                                                                        EigenSolverChoice::Lanczos, job));
  }
};

QTEST_APPLESS_MAIN(TestGramSpectrum)
#include "test_gram_spectrum.moc"
