// test_mirrored_image_regression — the mirrored periodic domain (core/image/MirroredDomain.h) and the
// regression on it (ImageKernelRegression, RegressionPath::Mirror).
// Checks, against computations written here independently of the FFT path (predictions are stored as
// float32 images: the tolerances are 1e-9 of the largest value beyond one float ulp):
//  (a) the mirror path's FFT solve equals a dense solve of the same problem — the training grid reflected
//      explicitly about its first and last training pixel, the encoding's frequencies rounded to multiples
//      of 1/L, the engine's dense Gram + LLT, predictions K(all pixels, mirrored set)·α — on 24 × 20 and
//      23 × 19 images (strides 1, 2, 3, W not a multiple of the stride), NTK and NNGP;
//  (b) gradient flow: predictAt(∞) is predict(), predictAt(0) = 0, predictAt(t) equals the flow from the
//      dense eigendecomposition at finite t, and tends to predict() as t → ∞;
//  (c) the largest frequency rounding is reported (equal to the independent value), and is exactly zero
//      when the frequencies are already multiples of 1/L (B kept bit for bit);
//  (d) geometry: the period is 2(n_t − 1)s ≥ W, each sample of a period is the reflection of a training
//      pixel, and no mirrored copy lands on a held-out pixel (checked for every W ≤ 40 and stride);
// refusals (encoding none, one training pixel along an axis), the memory estimate, cancellation.
#include <QtTest>

#include <array>
#include <atomic>
#include <cmath>
#include <limits>
#include <vector>

#include "TestUtil.h"
#include "core/image/ImageKernelRegression.h"
#include "core/image/MirroredDomain.h"

using namespace ntk;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

Network gaussianNet(double sigma = 4.0)
{
  Network n = ntktest::mlp(2, 3, Activation(ActivationKind::Relu), std::sqrt(2.0), 0.1, 128);
  n.encoding.kind = EncodingKind::Gaussian;
  n.encoding.features = 48;
  n.encoding.sigma = sigma;
  n.encoding.seed = 3;
  return n;
}

/// Smooth colour gradients plus a deterministic checker texture: distinct values at the borders, so a
/// wrong reflection changes the fit.
Image patternImage(int width, int height)
{
  Image im(width, height, 3);
  for (int r = 0; r < height; ++r)
    for (int c = 0; c < width; ++c)
      for (int k = 0; k < 3; ++k)
        im.at(r, c, k) = float(0.2 + 0.5 * double(c) / width * (k + 1) / 3.0 + 0.2 * double(r * r) / (height * height) +
                               0.05 * (((r * 7 + c * 3 + k) % 5) - 2) / 2.0);
  return im;
}

Eigen::MatrixXd asMatrix(const Image& im)
{
  using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  return Eigen::Map<const RowMajor>(im.data.data(), Eigen::Index(im.width) * im.height, im.channels).cast<double>();
}

/// The largest difference between a stored (float32) prediction and a double reference beyond the float's own
/// rounding (one ulp of the reference as a float), relative to max |reference|: the solve's error, not the storage's.
double errorBeyondFloat(const Eigen::MatrixXd& stored, const Eigen::MatrixXd& reference)
{
  double worst = 0.0;
  for (Eigen::Index i = 0; i < reference.size(); ++i) {
    const float r = float(reference.data()[i]);
    const double ulp = double(std::nextafter(std::abs(r), INFINITY)) - std::abs(r);
    worst = std::max(worst, std::abs(stored.data()[i] - reference.data()[i]) - ulp);
  }
  return std::max(worst, 0.0) / std::max(reference.cwiseAbs().maxCoeff(), 1e-300);
}

/// The mirrored problem written out: training pixel (r, c) = (i·s, j·s) of the grid reflected about the
/// first and last training pixel of each axis, at v = (c/W, r/H) on the extended domain, with the image
/// value of the pixel it reflects; the kernel's frequencies rounded to multiples of 1/L.
struct ExplicitMirror {
  Eigen::MatrixXd X, Y;
  Network net;
  double maxChange = 0.0;
};

ExplicitMirror explicitMirror(const Network& net, const Image& im, int s)
{
  ExplicitMirror e;
  const int lastCol = ((im.width - 1) / s) * s, lastRow = ((im.height - 1) / s) * s; // last training pixel
  const int Pc = 2 * lastCol, Pr = 2 * lastRow;                                      // periods, pixels
  std::vector<std::array<int, 4>> pts; // position (r, c), source (r, c)
  for (int r = 0; r < Pr; r += s)
    for (int c = 0; c < Pc; c += s) pts.push_back({r, c, r <= lastRow ? r : Pr - r, c <= lastCol ? c : Pc - c});
  e.X.resize(Eigen::Index(pts.size()), 2);
  e.Y.resize(Eigen::Index(pts.size()), im.channels);
  for (size_t i = 0; i < pts.size(); ++i) {
    e.X.row(Eigen::Index(i)) << double(pts[i][1]) / im.width, double(pts[i][0]) / im.height;
    for (int k = 0; k < im.channels; ++k) e.Y(Eigen::Index(i), k) = im.at(pts[i][2], pts[i][3], k);
  }
  e.net = net;
  const Eigen::MatrixXd B = net.encoding.frequencies(2);
  const double L[2] = {double(Pc) / im.width, double(Pr) / im.height};
  e.net.encoding.kind = EncodingKind::Fourier;
  e.net.encoding.B = B;
  for (Eigen::Index i = 0; i < B.rows(); ++i)
    for (int a = 0; a < 2; ++a) {
      e.net.encoding.B(i, a) = std::round(B(i, a) * L[a]) / L[a];
      e.maxChange = std::max(e.maxChange, std::abs(B(i, a) - e.net.encoding.B(i, a)));
    }
  return e;
}

Eigen::MatrixXd allPixels(int width, int height)
{
  Eigen::MatrixXd X(Eigen::Index(width) * height, 2);
  for (int r = 0; r < height; ++r)
    for (int c = 0; c < width; ++c) X.row(Eigen::Index(r) * width + c) << double(c) / width, double(r) / height;
  return X;
}

ImageRegressionOptions mirrorOptions(KernelKind kind, double ridge)
{
  ImageRegressionOptions o;
  o.path = RegressionPath::Mirror;
  o.kind = kind;
  o.ridge = ridge;
  return o;
}

} // namespace

class TestMirroredImageRegression : public QObject {
  Q_OBJECT

private slots:
  void fftSolveEqualsDenseSolve_data()
  {
    QTest::addColumn<int>("width");
    QTest::addColumn<int>("height");
    QTest::addColumn<int>("stride");
    QTest::addColumn<int>("kind");
    for (int s : {1, 2, 3}) {
      QTest::addRow("24x20 s%d ntk", s) << 24 << 20 << s << int(KernelKind::Ntk);
      QTest::addRow("23x19 s%d ntk", s) << 23 << 19 << s << int(KernelKind::Ntk);
    }
    QTest::addRow("24x20 s2 nngp") << 24 << 20 << 2 << int(KernelKind::Nngp);
  }

  void fftSolveEqualsDenseSolve()
  {
    QFETCH(int, width);
    QFETCH(int, height);
    QFETCH(int, stride);
    QFETCH(int, kind);
    const Network net = gaussianNet();
    const Image im = patternImage(width, height);
    const double ridge = 1e-3;
    const ImageKernelRegression reg(net, im, stride, mirrorOptions(KernelKind(kind), ridge));
    QCOMPARE(reg.path(), RegressionPath::Mirror);
    ImageRegressionReport report;
    const Eigen::MatrixXd fast = asMatrix(reg.predict(&report));

    const ExplicitMirror e = explicitMirror(net, im, stride);
    Eigen::MatrixXd A = kernelMatrix(e.net, e.X, nullptr, KernelKind(kind));
    A.diagonal().array() += ridge * A.diagonal().mean();
    const Eigen::LLT<Eigen::MatrixXd> llt(A);
    QCOMPARE(llt.info(), Eigen::Success);
    const Eigen::MatrixXd dense = kernelMatrix(e.net, allPixels(width, height), &e.X, KernelKind(kind)) * llt.solve(e.Y);
    const double err = errorBeyondFloat(fast, dense);
    qInfo("mirror FFT vs dense mirrored solve, beyond float32: %.3g (max rounding %.4f)", err, e.maxChange);
    QVERIFY2(err <= 1e-9, qPrintable(QString("mirror FFT vs dense mirrored solve: %1").arg(err)));

    QCOMPARE(report.path, RegressionPath::Mirror);
    const int lastCol = ((width - 1) / stride) * stride, lastRow = ((height - 1) / stride) * stride;
    QCOMPARE(report.periodWidth, 2 * lastCol);
    QCOMPARE(report.periodHeight, 2 * lastRow);
    QVERIFY(report.maxFrequencyRounding > 0.0); // Gaussian frequencies are never multiples of 1/L
    QVERIFY2(std::abs(report.maxFrequencyRounding - e.maxChange) <= 1e-12,
             qPrintable(QString("rounding %1 vs %2").arg(report.maxFrequencyRounding).arg(e.maxChange)));
    const double halfStep = 0.5 * std::max(width / double(2 * lastCol), height / double(2 * lastRow)); // 1/(2L)
    QVERIFY(report.maxFrequencyRounding <= halfStep + 1e-12);
    QVERIFY(std::isfinite(report.psnrHeldOut) || stride == 1);
    const auto spectrum = reg.kernelPowerSpectrum();
    QCOMPARE(spectrum.rows(), Eigen::Index(reg.dataset().trainHeight));
    QCOMPARE(spectrum.cols(), Eigen::Index(reg.dataset().trainWidth));
  }

  void flowEqualsDenseEigenFlow()
  {
    const Network net = gaussianNet();
    for (int stride : {2, 3}) {
      const Image im = patternImage(23, 20);
      for (double ridge : {1e-6, 1e-2}) {
        const ImageKernelRegression reg(net, im, stride, mirrorOptions(KernelKind::Ntk, ridge));
        QVERIFY(reg.timeSupported());
        const Eigen::MatrixXd inf = asMatrix(reg.predict());
        QCOMPARE(asMatrix(reg.predictAt(kInf)), inf);
        QCOMPARE(asMatrix(reg.predictAt(0.0)).cwiseAbs().maxCoeff(), 0.0);

        const ExplicitMirror e = explicitMirror(net, im, stride);
        Eigen::MatrixXd A = kernelMatrix(e.net, e.X, nullptr, KernelKind::Ntk);
        A.diagonal().array() += ridge * A.diagonal().mean();
        const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(A);
        const Eigen::MatrixXd Kall = kernelMatrix(e.net, allPixels(im.width, im.height), &e.X, KernelKind::Ntk);
        const Eigen::MatrixXd VtY = eig.eigenvectors().transpose() * e.Y;
        const double m = double(e.X.rows()); // the loss is the mean over the mirrored samples
        for (double t : {0.5, 10.0, 1e3, 1e5}) {
          Eigen::VectorXd g(A.rows());
          for (Eigen::Index a = 0; a < g.size(); ++a) {
            const double mu = eig.eigenvalues()(a);
            g(a) = -std::expm1(-mu * t / m) / mu;
          }
          const Eigen::MatrixXd expected = Kall * (eig.eigenvectors() * (g.asDiagonal() * VtY));
          const double err = errorBeyondFloat(asMatrix(reg.predictAt(t)), expected);
          QVERIFY2(err <= 1e-9, qPrintable(QString("s %1 ridge %2 t = %3: mirror flow vs dense eigen %4")
                                               .arg(stride).arg(ridge).arg(t).arg(err)));
        }
        // t → ∞: every mode has converged (τ·λ_r ≥ 40 at ridge 1e-2), the prediction is the regression.
        if (ridge == 1e-2) {
          const double err = ntktest::relErrToMax(asMatrix(reg.predictAt(1e9)), inf);
          QVERIFY2(err <= 1e-12, qPrintable(QString("t = 1e9 vs predict(): %1").arg(err)));
        }
      }
    }
  }

  void roundingReported()
  {
    // W = 24, H = 20, s = 2: training columns 0..22, P = 44 (L = 44/24); rows 0..18, P = 36 (L = 36/20).
    const MirroredDomain domain = mirroredDomain(24, 20, 2);
    QCOMPARE(domain.x.periodPixels, 44);
    QCOMPARE(domain.y.periodPixels, 36);
    Network net = gaussianNet();
    net.encoding.kind = EncodingKind::Fourier;
    net.encoding.B.resize(5, 2);
    const int n[5][2] = {{1, 0}, {0, 1}, {3, -2}, {-7, 5}, {11, 13}};
    for (int i = 0; i < 5; ++i) net.encoding.B.row(i) << double(n[i][0] * 24) / 44, double(n[i][1] * 20) / 36;
    double change = -1.0;
    const Network same = withMirroredPeriodFrequencies(net, domain, &change);
    QCOMPARE(change, 0.0);
    QVERIFY(same.encoding.B == net.encoding.B); // bit for bit
    const Image im = patternImage(24, 20);
    ImageRegressionReport report;
    ImageKernelRegression(net, im, 2, mirrorOptions(KernelKind::Ntk, 1e-3)).predict(&report);
    QCOMPARE(report.maxFrequencyRounding, 0.0);
    // Integer frequencies are not multiples of 1/L = 24/44 here: they move, and by how much is reported.
    net.encoding.B.resize(1, 2);
    net.encoding.B << 1.0, 2.0; // 1·44/24 = 1.833 → 2 steps: 12/11 (change 1/11); 2·36/20 = 3.6 → 4: 20/9 (2/9)
    withMirroredPeriodFrequencies(net, domain, &change);
    QVERIFY(std::abs(change - 2.0 / 9.0) <= 1e-15);
    // The periodic paths' own report: nothing rounded.
    net.encoding.B << 1.0, 2.0;
    ImageRegressionOptions circ;
    circ.path = RegressionPath::Circulant;
    ImageKernelRegression(net, im, 2, circ).predict(&report);
    QCOMPARE(report.maxFrequencyRounding, 0.0);
    QCOMPARE(report.periodWidth, 0);
  }

  void noCopyOnHeldOutPixels()
  {
    for (int W = 2; W <= 40; ++W)
      for (int s = 1; s <= W / 2 + 1 && s <= W; ++s) {
        const int trainSamples = (W + s - 1) / s;
        if (trainSamples < 2) {
          QVERIFY_THROWS_EXCEPTION(InputError, mirroredDomain(W, W, s));
          continue;
        }
        const MirroredAxis a = mirroredDomain(W, 40, s).x;
        const int last = (trainSamples - 1) * s;
        QCOMPARE(a.periodPixels, 2 * last);
        QVERIFY(a.periodPixels >= W); // every image pixel has a place on one period
        QCOMPARE(int(a.source.size()), a.periodSamples);
        for (int j = 0; j < a.periodSamples; ++j) {
          const int x = j * s;                               // the sample's pixel on the period
          const int reflected = x <= last ? x : 2 * last - x; // the training pixel whose value it carries
          QCOMPARE(a.source[size_t(j)] * s, reflected);
          QVERIFY(reflected % s == 0 && reflected >= 0 && reflected <= last);
          if (x < W) QCOMPARE(reflected, x); // inside the image a sample is the training pixel itself
        }
        // The held-out pixels (not multiples of s) hold no sample; every multiple of s inside is a training pixel.
        for (int x = 0; x < W; ++x)
          if (x % s == 0) QVERIFY(x <= last);
      }
    // Stride 1: every pixel trains, the period reflects about pixel W − 1.
    QCOMPARE(mirroredDomain(24, 20, 1).x.periodPixels, 46);
    // W = 256, s = 2: columns 0..254, period 508.
    QCOMPARE(mirroredDomain(256, 256, 2).x.periodPixels, 508);
  }

  void interpolatesTrainingPixels()
  {
    // A nearly ridge-free mirrored fit reproduces every training pixel: the value a sample carries is its own.
    const Image im = patternImage(23, 19);
    Network net = gaussianNet(2.0);
    net.encoding.features = 256;
    const ImageKernelRegression reg(net, im, 3, mirrorOptions(KernelKind::Ntk, 1e-10));
    const Eigen::MatrixXd f = asMatrix(reg.predict()), y = asMatrix(im);
    double worst = 0.0;
    for (size_t p = 0; p < reg.dataset().trainMask.size(); ++p)
      if (reg.dataset().trainMask[p]) worst = std::max(worst, (f.row(Eigen::Index(p)) - y.row(Eigen::Index(p))).cwiseAbs().maxCoeff());
    QVERIFY2(worst <= 1e-5, qPrintable(QString("training residual %1").arg(worst)));
  }

  void refusals()
  {
    const Image im = patternImage(24, 20);
    Network none = gaussianNet();
    none.encoding = Encoding{};
    QVERIFY_THROWS_EXCEPTION(InputError, ImageKernelRegression(none, im, 2, mirrorOptions(KernelKind::Ntk, 1e-6)));
    try {
      ImageKernelRegression(gaussianNet(), im, 20, mirrorOptions(KernelKind::Ntk, 1e-6)); // one training row
      QFAIL("a mirrored domain with one training row was accepted");
    } catch (const InputError& e) {
      QVERIFY2(std::string(e.what()).find("at least 2 training pixels") != std::string::npos, e.what());
    }
    // Integer frequencies: a 1-periodic kernel aliases the mirrored copies onto training pixels one period away.
    Network integer = gaussianNet();
    integer.encoding.kind = EncodingKind::Basic;
    try {
      ImageKernelRegression(integer, im, 2, mirrorOptions(KernelKind::Ntk, 1e-6));
      QFAIL("the mirror path took integer frequencies");
    } catch (const InputError& e) {
      QVERIFY2(std::string(e.what()).find("integer frequencies") != std::string::npos, e.what());
    }
    QCOMPARE(regressionPathName(RegressionPath::Mirror), std::string("mirror"));
    // Auto never picks the mirror path (it is not the exact regression of the given kernel).
    QVERIFY(ImageKernelRegression(gaussianNet(), im, 2).path() != RegressionPath::Mirror);
    // Memory: the period is about twice the image along each axis.
    const Network net = gaussianNet();
    const double mirror = estimateImageRegressionBytes(net, 100000, 100000, 3, 2, RegressionPath::Mirror);
    QVERIFY(mirror > 2.0 * estimateImageRegressionBytes(net, 100000, 100000, 3, 2, RegressionPath::Circulant));
    QVERIFY(mirror > 1e11);
  }

  void cancellation()
  {
    const Image im = patternImage(48, 40);
    std::atomic<bool> stop{true};
    JobControl job;
    job.stop = &stop;
    QVERIFY_THROWS_EXCEPTION(CancelledError, ImageKernelRegression(gaussianNet(), im, 2, mirrorOptions(KernelKind::Ntk, 1e-6), job));
    stop = false;
    const ImageKernelRegression reg(gaussianNet(), im, 2, mirrorOptions(KernelKind::Ntk, 1e-6));
    stop = true;
    QVERIFY_THROWS_EXCEPTION(CancelledError, reg.predictAt(10.0, job));
    double last = 0.0;
    JobControl watch;
    watch.progress = [&last](double f) { last = f; };
    reg.predictAt(10.0, watch);
    QCOMPARE(last, 1.0);
  }
};

QTEST_APPLESS_MAIN(TestMirroredImageRegression)
#include "test_mirrored_image_regression.moc"
