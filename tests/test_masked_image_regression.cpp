// test_masked_image_regression — kernel regression from a pixel mask (core/image/MaskedImageRegression).
// Checks: the FFT/CG masked fit equals the dense masked solve (the engine's Gram of the training pixels,
// Cholesky, then K(all, train)·α) on a 32 × 32 RGB image for random masks, both kernels and two ridges;
// both preconditioners give the same fit and the circulant one needs fewer iterations; the default CG
// tolerance stays within 0.1 of an 8-bit step of the tight solve; a stride mask on a
// periodic kernel equals ImageKernelRegression's circulant path at t = ∞ and at finite t (its exact
// per-mode formula); the flow at finite t equals a dense eigendecomposition of the masked Gram + ridge;
// t = 0 is 0 and t = ∞ is predict(); random masks have exactly round(p·n) pixels and depend only on the
// seed; masks from images; bad input refused. Tolerances are relative to the largest prediction; the
// predictions are float32 images (rounding 6e-8), so 2e-7 is the tight bound (1e-6 at t = 1e5, where
// the Chebyshev error ≈ 1e-12·τρ). The mixed-precision refinement (refinedConjugateGradients, which
// the masked solve uses with single-precision FFTs) on a dense SPD matrix with condition number 1e4 and a
// product rounded to float: the true double residual meets 1e-10, which CG with that product alone does
// not reach; a fast product that is wrong by a factor 2, or negative (fast CG fails), still ends at the
// tolerance (the double fallback).
#include <QtTest>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "TestUtil.h"
#include "core/image/ConjugateGradients.h"
#include "core/image/ImageKernelRegression.h"
#include "core/image/MaskedImageRegression.h"

using namespace ntk;

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kInf = std::numeric_limits<double>::infinity();

Network imageNet(Encoding e, int hidden = 64)
{
  Network n = ntktest::mlp(2, 3, Activation(ActivationKind::Relu), std::sqrt(2.0), 0.1, hidden);
  n.encoding = std::move(e);
  return n;
}

Encoding gaussian(double sigma)
{
  Encoding e;
  e.kind = EncodingKind::Gaussian;
  e.features = 64;
  e.sigma = sigma;
  e.seed = 7;
  return e;
}

Encoding integerFourier()
{
  Encoding e;
  e.kind = EncodingKind::Fourier;
  e.B.resize(4, 2);
  e.B << 1, 0, 0, 1, 2, 1, 1, -3;
  return e;
}

Image syntheticImage(int width, int height, int channels = 3)
{
  Image im(width, height, channels);
  std::uint64_t state = 777;
  for (int r = 0; r < height; ++r)
    for (int c = 0; c < width; ++c)
      for (int k = 0; k < channels; ++k) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        const double noise = double(state >> 11) * 0x1.0p-53 - 0.5;
        const double x = double(c) / width, y = double(r) / height;
        const double v = 0.5 + 0.25 * std::sin(2 * kPi * (2 * x + y) + k) + 0.15 * std::cos(2 * kPi * 3 * x * y) +
                         0.05 * noise;
        im.at(r, c, k) = float(std::clamp(v, 0.0, 1.0));
      }
  return im;
}

Eigen::MatrixXd asMatrix(const Image& im)
{
  Eigen::MatrixXd m(Eigen::Index(im.width) * im.height, im.channels);
  for (int r = 0; r < im.height; ++r)
    for (int c = 0; c < im.width; ++c)
      for (int k = 0; k < im.channels; ++k) m(Eigen::Index(r) * im.width + c, k) = im.at(r, c, k);
  return m;
}

/// The independent reference: the engine's Gram on the training pixels' coordinates, and the flow
/// coefficients g_t(K + λ)y from its eigendecomposition (t = ∞: a Cholesky solve); predictions K(all, X)c.
struct DenseMasked {
  Eigen::MatrixXd X, Xall, Y, K, Kall;
  double ridgeAbs = 0.0;
  DenseMasked(const Network& net, const Image& im, const std::vector<bool>& mask, KernelKind kind, double ridge)
  {
    Xall.resize(Eigen::Index(im.width) * im.height, 2);
    std::vector<Eigen::Index> idx;
    for (int r = 0; r < im.height; ++r)
      for (int c = 0; c < im.width; ++c) {
        const Eigen::Index p = Eigen::Index(r) * im.width + c;
        Xall.row(p) << double(c) / im.width, double(r) / im.height;
        if (mask[size_t(p)]) idx.push_back(p);
      }
    const Eigen::MatrixXd all = asMatrix(im);
    X.resize(Eigen::Index(idx.size()), 2);
    Y.resize(Eigen::Index(idx.size()), im.channels);
    for (size_t k = 0; k < idx.size(); ++k) {
      X.row(Eigen::Index(k)) = Xall.row(idx[k]);
      Y.row(Eigen::Index(k)) = all.row(idx[k]);
    }
    K = kernelMatrix(net, X, nullptr, kind);
    Kall = kernelMatrix(net, Xall, &X, kind);
    ridgeAbs = ridge * K.diagonal().mean();
  }
  Eigen::MatrixXd predict() const
  {
    Eigen::MatrixXd A = K;
    A.diagonal().array() += ridgeAbs;
    return Kall * A.llt().solve(Y);
  }
  Eigen::MatrixXd predictAt(double t) const
  {
    Eigen::MatrixXd A = K;
    A.diagonal().array() += ridgeAbs;
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(A);
    const double m = double(X.rows());
    Eigen::VectorXd g(A.rows());
    for (Eigen::Index a = 0; a < g.size(); ++a) {
      const double mu = es.eigenvalues()(a);
      g(a) = -std::expm1(-mu * t / m) / mu;
    }
    return Kall * (es.eigenvectors() * (g.asDiagonal() * (es.eigenvectors().transpose() * Y)));
  }
};

MaskedRegressionOptions tight(KernelKind kind, double ridge, MaskPreconditioner pre = MaskPreconditioner::Circulant)
{
  MaskedRegressionOptions o;
  o.kind = kind;
  o.ridge = ridge;
  o.cgTolerance = 1e-12;
  o.preconditioner = pre;
  return o;
}

} // namespace

class TestMaskedImageRegression : public QObject {
  Q_OBJECT

private slots:
  void equalsDenseMaskedSolve_data()
  {
    QTest::addColumn<bool>("ntkKind");
    QTest::addColumn<double>("fraction");
    QTest::addColumn<double>("ridge");
    QTest::newRow("ntk 50% ridge 1e-6") << true << 0.5 << 1e-6;
    QTest::newRow("ntk 20% ridge 1e-3") << true << 0.2 << 1e-3;
    QTest::newRow("nngp 50% ridge 1e-6") << false << 0.5 << 1e-6;
    QTest::newRow("nngp 80% ridge 1e-3") << false << 0.8 << 1e-3;
  }

  void equalsDenseMaskedSolve()
  {
    QFETCH(bool, ntkKind);
    QFETCH(double, fraction);
    QFETCH(double, ridge);
    const KernelKind kind = ntkKind ? KernelKind::Ntk : KernelKind::Nngp;
    const Network net = imageNet(gaussian(6.0));
    const Image im = syntheticImage(32, 32);
    const std::vector<bool> mask = randomPixelMask(32, 32, fraction, 11);
    const MaskedImageRegression fit(net, im, mask, tight(kind, ridge));
    const DenseMasked dense(net, im, mask, kind, ridge);
    MaskedRegressionReport report;
    const Eigen::MatrixXd f = asMatrix(fit.predict(&report));
    const double err = ntktest::relErrToMax(f, dense.predict());
    QVERIFY2(err <= 2e-7, qPrintable(QString("masked FFT/CG vs dense masked solve: %1").arg(err)));
    QCOMPARE(fit.trainPixels(), dense.X.rows());
    QVERIFY(report.cgIterations > 0);
    QVERIFY(std::isfinite(report.psnrHeldOut) && report.psnrTrain > report.psnrHeldOut);
    // The report's PSNRs are those of the masks.
    const Image out = fit.predict();
    QCOMPARE(report.psnrTrain, psnr(out, im, &fit.trainMask()));
    QCOMPARE(report.psnrHeldOut, psnr(out, im, &fit.heldOutMask()));
  }

  void preconditionersAgree()
  {
    const Network net = imageNet(gaussian(6.0));
    const Image im = syntheticImage(32, 32);
    const std::vector<bool> mask = randomPixelMask(32, 32, 0.5, 5);
    const MaskedImageRegression circ(net, im, mask, tight(KernelKind::Ntk, 1e-4, MaskPreconditioner::Circulant));
    const MaskedImageRegression none(net, im, mask, tight(KernelKind::Ntk, 1e-4, MaskPreconditioner::None));
    MaskedRegressionReport a, b;
    QVERIFY(ntktest::relErrToMax(asMatrix(circ.predict(&a)), asMatrix(none.predict(&b))) <= 2e-7);
    QVERIFY2(a.cgIterations < b.cgIterations, qPrintable(QString("%1 vs %2").arg(a.cgIterations).arg(b.cgIterations)));
  }

  // The default CG tolerance (1e-4, chosen in MaskedImageRegression.h from measured errors): the fit stays
  // within a tenth of an 8-bit step of the tight solve, with fewer iterations.
  void defaultToleranceFarBelow8Bit()
  {
    QCOMPARE(MaskedRegressionOptions{}.cgTolerance, 1e-4);
    const Network net = imageNet(gaussian(6.0));
    const Image im = syntheticImage(32, 32);
    const std::vector<bool> mask = randomPixelMask(32, 32, 0.5, 9);
    MaskedRegressionReport a, b;
    const Eigen::MatrixXd loose = asMatrix(MaskedImageRegression(net, im, mask).predict(&a));
    const Eigen::MatrixXd exact = asMatrix(MaskedImageRegression(net, im, mask, tight(KernelKind::Ntk, 1e-6)).predict(&b));
    const double err = (loose - exact).cwiseAbs().maxCoeff();
    QVERIFY2(err <= 0.1 / 255.0, qPrintable(QString("max |default − tight| = %1 (x 255 = %2)").arg(err).arg(err * 255)));
    QVERIFY(a.cgIterations < b.cgIterations);
  }

  // A stride-2 mask with a periodic kernel is the circulant path's problem: same fit, same flow.
  void strideMaskEqualsCirculantPath()
  {
    const Network net = imageNet(integerFourier());
    const Image im = syntheticImage(24, 20);
    std::vector<bool> mask(size_t(24) * 20, false);
    for (int r = 0; r < 20; r += 2)
      for (int c = 0; c < 24; c += 2) mask[size_t(r) * 24 + c] = true;
    ImageRegressionOptions o;
    o.path = RegressionPath::Circulant;
    o.ridge = 1e-3;
    const ImageKernelRegression circ(net, im, 2, o);
    const MaskedImageRegression fit(net, im, mask, tight(KernelKind::Ntk, 1e-3));
    QVERIFY(ntktest::relErrToMax(asMatrix(fit.predict()), asMatrix(circ.predict())) <= 2e-7);
    for (double t : {0.1, 10.0, 1e3}) {
      const double err = ntktest::relErrToMax(asMatrix(fit.predictAt(t)), asMatrix(circ.predictAt(t)));
      QVERIFY2(err <= 2e-7, qPrintable(QString("t = %1: %2").arg(t).arg(err)));
    }
  }

  void flowEqualsDenseEigen()
  {
    const Network net = imageNet(gaussian(5.0));
    const Image im = syntheticImage(24, 24);
    const std::vector<bool> mask = randomPixelMask(24, 24, 0.4, 2);
    for (double ridge : {1e-6, 1e-2}) {
      const MaskedImageRegression fit(net, im, mask, tight(KernelKind::Ntk, ridge));
      const DenseMasked dense(net, im, mask, KernelKind::Ntk, ridge);
      QCOMPARE(asMatrix(fit.predictAt(0.0)).cwiseAbs().maxCoeff(), 0.0);
      QCOMPARE(asMatrix(fit.predictAt(kInf)), asMatrix(fit.predict()));
      // Chebyshev: uniform error ≈ 1e-12·τ on g_t, i.e. ≈ 1e-12·τρ on predictions (τρ ≲ 10⁴ at t = 1e5 here).
      for (double t : {0.1, 1.0, 10.0, 1e3, 1e5}) {
        const double err = ntktest::relErrToMax(asMatrix(fit.predictAt(t)), dense.predictAt(t));
        QVERIFY2(err <= (t <= 1e3 ? 2e-7 : 1e-6),
                 qPrintable(QString("ridge %1, t = %2: %3").arg(ridge).arg(t).arg(err)));
      }
      // t → ∞ tends to the regression; with ridge 1e-2, τ·λ ≥ 40 well before t = 1e9.
      if (ridge == 1e-2) QVERIFY(ntktest::relErrToMax(asMatrix(fit.predictAt(1e9)), dense.predict()) <= 2e-7);
    }
    QVERIFY_THROWS_EXCEPTION(InputError, MaskedImageRegression(net, im, mask).predictAt(-1.0));
  }

  void randomMasks()
  {
    for (double p : {0.5, 0.1, 1.0, 1e-6}) {
      const std::vector<bool> a = randomPixelMask(37, 23, p, 4);
      QCOMPARE(long(std::count(a.begin(), a.end(), true)), std::max(1L, long(std::llround(p * 37 * 23))));
      QCOMPARE(randomPixelMask(37, 23, p, 4), a);
    }
    QVERIFY(randomPixelMask(37, 23, 0.5, 4) != randomPixelMask(37, 23, 0.5, 5));
    for (double p : {0.0, -0.1, 1.5, std::nan("")})
      QVERIFY_THROWS_EXCEPTION(InputError, randomPixelMask(8, 8, p, 1));
    Image m(3, 2, 1);
    m.at(0, 1, 0) = 1.0f;
    m.at(1, 2, 0) = 0.2f;
    const std::vector<bool> expect = {false, true, false, false, false, true};
    QCOMPARE(maskFromImage(m), expect);
  }

  void refinementMeetsDoubleResidual()
  {
    // A = Q diag(1 … 1e-4) Qᵀ, n = 60, a random rotation: float rounding (6e-8 · κ) is far above 1e-10.
    const int n = 60;
    std::mt19937_64 rng(11);
    std::normal_distribution<double> normal;
    Eigen::MatrixXd g(n, n);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j) g(i, j) = normal(rng);
    const Eigen::MatrixXd q = Eigen::HouseholderQR<Eigen::MatrixXd>(g).householderQ();
    Eigen::VectorXd d(n);
    for (int i = 0; i < n; ++i) d(i) = std::pow(10.0, -4.0 * i / (n - 1));
    const Eigen::MatrixXd a = q * d.asDiagonal() * q.transpose();
    std::vector<double> b(static_cast<size_t>(n));
    for (double& v : b) v = normal(rng);
    auto exact = [&](const std::vector<double>& x, std::vector<double>& y) {
      Eigen::Map<Eigen::VectorXd>(y.data(), n) = a * Eigen::Map<const Eigen::VectorXd>(x.data(), n);
    };
    auto asFloat = [&](double factor) {
      return [&a, factor](const std::vector<double>& x, std::vector<double>& y) {
        const Eigen::VectorXf xf = Eigen::Map<const Eigen::VectorXd>(x.data(), n).cast<float>();
        const Eigen::VectorXf yf = a.cast<float>() * xf;
        Eigen::Map<Eigen::VectorXd>(y.data(), n) = factor * yf.cast<double>();
      };
    };
    auto identity = [](const std::vector<double>& r, std::vector<double>& z) { z = r; };
    auto trueResidual = [&](const std::vector<double>& x) {
      const Eigen::Map<const Eigen::VectorXd> xv(x.data(), n), bv(b.data(), n);
      return (bv - a * xv).norm() / bv.norm();
    };
    const double tol = 1e-10;
    for (double factor : {1.0, 0.5, -1.0}) { // -1: the fast CG fails at once (pᵀAp < 0), the double one takes over
      std::vector<double> x;
      int rounds = 0;
      const int it = refinedConjugateGradients(exact, asFloat(factor), identity, b, x, tol, 1e-5, 20000, "test", "", {},
                                               {}, &rounds);
      QVERIFY2(trueResidual(x) <= 1.01 * tol, qPrintable(QString("factor %1: %2 after %3 iterations, %4 rounds")
                                                              .arg(factor).arg(trueResidual(x)).arg(it).arg(rounds)));
      QVERIFY(rounds >= 2); // the float product alone cannot reach 1e-10 in one round; -1 needs a second
    }
    // CG with the float product alone: its recursive residual meets 1e-10, the true one does not.
    std::vector<double> x;
    conjugateGradients(asFloat(1.0), identity, b, x, tol, 20000, "test", "");
    QVERIFY2(trueResidual(x) > 10 * tol, qPrintable(QString("%1").arg(trueResidual(x))));
  }

  void badInput()
  {
    const Image im = syntheticImage(16, 16);
    const Network net = imageNet(gaussian(4.0));
    QVERIFY_THROWS_EXCEPTION(InputError, MaskedImageRegression(net, im, std::vector<bool>(16 * 16, false)));
    QVERIFY_THROWS_EXCEPTION(InputError, MaskedImageRegression(net, im, std::vector<bool>(15 * 16, true)));
    QVERIFY_THROWS_EXCEPTION(InputError, MaskedImageRegression(imageNet(Encoding{}), im, std::vector<bool>(16 * 16, true)));
    MaskedRegressionOptions o;
    o.ridge = -1.0;
    QVERIFY_THROWS_EXCEPTION(InputError, MaskedImageRegression(net, im, std::vector<bool>(16 * 16, true), o));
    // Every pixel trains: no held-out PSNR.
    MaskedRegressionReport r;
    MaskedImageRegression(net, im, std::vector<bool>(16 * 16, true)).predict(&r);
    QVERIFY(std::isnan(r.psnrHeldOut));
  }
};

QTEST_APPLESS_MAIN(TestMaskedImageRegression)
#include "test_masked_image_regression.moc"
