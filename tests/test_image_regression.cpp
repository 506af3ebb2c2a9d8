// test_image_regression — exact NTK / NNGP regression of a whole image (core/image/ImageKernelRegression).
// Checks: the circulant and Toeplitz fast paths equal the dense engine solve (1e-6 of the largest prediction)
// on small synthetic RGB images for every stationary encoding (basic, integer / non-integer positional,
// gaussian, integer fourier), both kernels, strides 2 and 3, with a ridge; a ridge-free fit reproduces its
// targets where the Gram is well conditioned (the condition number is read off the power spectrum);
// gradient flow: t = ∞ is predict(), t = 0 is 0, circulant and dense agree at finite t, the Toeplitz path's
// Chebyshev flow equals the circulant per-mode formula (periodic kernel) and the dense eigendecomposition
// (true frequencies) at finite t; the power spectrum of the fast path equals the dense path's; Auto picks the documented
// path; impossible forced paths, bad input and huge images are refused with clear errors; cancellation.
// Nyström (Falkon): with every training pixel a centre it is the dense solve; with fewer, the held-out PSNR
// of a photograph approaches the dense one (within 0.1 dB at 15/16 of the pixels).
#include <QtTest>

#include <atomic>
#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "TestUtil.h"
#include "core/image/ImageKernelRegression.h"

using namespace ntk;

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kInf = std::numeric_limits<double>::infinity();

Network imageNet(Encoding e, int hidden = 256)
{
  Network n = ntktest::mlp(2, 3, Activation(ActivationKind::Relu), std::sqrt(2.0), 0.1, hidden);
  n.encoding = std::move(e);
  return n;
}

Encoding encodingNamed(const QString& name)
{
  Encoding e;
  if (name == "none") e.kind = EncodingKind::None;
  else if (name == "basic") e.kind = EncodingKind::Basic;
  else if (name == "positional-int") {
    e.kind = EncodingKind::Positional;
    e.levels = 3;
    e.sigma = 8.0; // 1, 2, 4
  } else if (name == "positional") {
    e.kind = EncodingKind::Positional;
    e.levels = 4;
    e.sigma = 6.0;
  } else if (name == "gaussian") {
    e.kind = EncodingKind::Gaussian;
    e.features = 64;
    e.sigma = 4.0;
    e.seed = 7;
  } else if (name == "fourier-int") {
    e.kind = EncodingKind::Fourier;
    e.B.resize(4, 2);
    e.B << 1, 0, 0, 1, 2, 1, 1, -3;
  } else if (name == "fourier-dense") { // every integer frequency in [-3,3]²: a well-conditioned Gram
    e.kind = EncodingKind::Fourier;
    e.B.resize(49, 2);
    int r = 0;
    for (int a = -3; a <= 3; ++a)
      for (int b = -3; b <= 3; ++b, ++r) e.B.row(r) << a, b;
  }
  return e;
}

/// A smooth RGB pattern plus a little deterministic texture, values in [0,1].
Image syntheticImage(int width, int height, int channels = 3)
{
  Image im(width, height, channels);
  std::uint64_t state = 12345;
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

/// The bundled astronaut, box-averaged by `factor` (64 × 64 for 4).
Image shrunkPhoto(int factor)
{
  const Image im = readPng(std::string(NTK_RESOURCES_DIR) + "/images/astronaut_256.png");
  Image o(im.width / factor, im.height / factor, im.channels);
  for (int r = 0; r < o.height; ++r)
    for (int c = 0; c < o.width; ++c)
      for (int k = 0; k < im.channels; ++k) {
        double sum = 0.0;
        for (int a = 0; a < factor; ++a)
          for (int b = 0; b < factor; ++b) sum += im.at(r * factor + a, c * factor + b, k);
        o.at(r, c, k) = float(sum / (factor * factor));
      }
  return o;
}

Eigen::MatrixXd asMatrix(const Image& im)
{
  Eigen::MatrixXd m(Eigen::Index(im.width) * im.height, im.channels);
  for (int r = 0; r < im.height; ++r)
    for (int c = 0; c < im.width; ++c)
      for (int k = 0; k < im.channels; ++k) m(Eigen::Index(r) * im.width + c, k) = im.at(r, c, k);
  return m;
}

ImageRegressionOptions optionsFor(RegressionPath path, KernelKind kind, double ridge)
{
  ImageRegressionOptions o;
  o.path = path;
  o.kind = kind;
  o.ridge = ridge;
  return o;
}

} // namespace

class TestImageRegression : public QObject {
  Q_OBJECT

private slots:
  void fastPathsMatchDense_data()
  {
    QTest::addColumn<QString>("encoding");
    QTest::addColumn<int>("width");
    QTest::addColumn<int>("height");
    QTest::addColumn<int>("stride");
    QTest::addColumn<bool>("ntkKind");
    QTest::addColumn<int>("expectedPath");
    const int circ = int(RegressionPath::Circulant), toep = int(RegressionPath::Toeplitz);
    for (bool ntkKind : {true, false}) {
      const char* k = ntkKind ? "ntk" : "nngp";
      for (const char* enc : {"basic", "positional-int", "fourier-int"}) {
        QTest::addRow("%s/%s/24x20/s2", enc, k) << QString(enc) << 24 << 20 << 2 << ntkKind << circ;
        QTest::addRow("%s/%s/24x18/s3", enc, k) << QString(enc) << 24 << 18 << 3 << ntkKind << circ;
        QTest::addRow("%s/%s/24x20/s3", enc, k) << QString(enc) << 24 << 20 << 3 << ntkKind << toep;
        // Odd image and odd training grid (7 × 5): the conjugate-symmetric half spectrum of odd widths.
        QTest::addRow("%s/%s/21x15/s3", enc, k) << QString(enc) << 21 << 15 << 3 << ntkKind << circ;
      }
      for (const char* enc : {"positional", "gaussian"}) {
        QTest::addRow("%s/%s/24x20/s2", enc, k) << QString(enc) << 24 << 20 << 2 << ntkKind << toep;
        QTest::addRow("%s/%s/24x20/s3", enc, k) << QString(enc) << 24 << 20 << 3 << ntkKind << toep;
        QTest::addRow("%s/%s/23x19/s2", enc, k) << QString(enc) << 23 << 19 << 2 << ntkKind << toep;
      }
    }
  }

  void fastPathsMatchDense()
  {
    QFETCH(QString, encoding);
    QFETCH(int, width);
    QFETCH(int, height);
    QFETCH(int, stride);
    QFETCH(bool, ntkKind);
    QFETCH(int, expectedPath);
    const Network net = imageNet(encodingNamed(encoding));
    const Image im = syntheticImage(width, height);
    const KernelKind kind = ntkKind ? KernelKind::Ntk : KernelKind::Nngp;
    ImageRegressionOptions fastOpt = optionsFor(RegressionPath::Auto, kind, 1e-4);
    fastOpt.denseLimit = 0;
    const ImageKernelRegression fast(net, im, stride, fastOpt);
    QCOMPARE(int(fast.path()), expectedPath);
    const ImageKernelRegression dense(net, im, stride, optionsFor(RegressionPath::Dense, kind, 1e-4));
    QCOMPARE(dense.path(), RegressionPath::Dense);
    ImageRegressionReport report;
    const Eigen::MatrixXd f = asMatrix(fast.predict(&report));
    const Eigen::MatrixXd g = asMatrix(dense.predict());
    const double err = ntktest::relErrToMax(f, g);
    qInfo("%s: relative error %.3g, CG iterations %d", qPrintable(encoding), err, report.cgIterations);
    QVERIFY2(err <= 1e-6, qPrintable(QString("fast vs dense: %1").arg(err)));
    QCOMPARE(report.path, fast.path());
    QVERIFY(std::isfinite(report.psnrTrain) && std::isfinite(report.psnrHeldOut) && std::isfinite(report.psnrAll));
    QVERIFY(report.psnrTrain > report.psnrHeldOut); // a ridge of 1e-4 nearly interpolates
    QVERIFY(report.seconds >= 0.0);
    // The kernel's power spectrum on the training grid is the same from either path.
    const Eigen::MatrixXd sf = fast.kernelPowerSpectrum(), sd = dense.kernelPowerSpectrum();
    QCOMPARE(sf.rows(), Eigen::Index(fast.dataset().trainHeight));
    QCOMPARE(sf.cols(), Eigen::Index(fast.dataset().trainWidth));
    QVERIFY2(ntktest::relErrToMax(sf, sd) <= 1e-9, "power spectra differ");
  }

  void ridgeFreeReproducesTargets_data()
  {
    QTest::addColumn<QString>("encoding");
    QTest::addColumn<int>("stride");
    QTest::addColumn<int>("path");
    QTest::newRow("fourier-dense/circulant") << "fourier-dense" << 2 << int(RegressionPath::Circulant);
    QTest::newRow("fourier-dense/toeplitz") << "fourier-dense" << 3 << int(RegressionPath::Toeplitz);
    QTest::newRow("fourier-dense/dense") << "fourier-dense" << 2 << int(RegressionPath::Dense);
    QTest::newRow("gaussian/toeplitz") << "gaussian" << 2 << int(RegressionPath::Toeplitz);
    QTest::newRow("none/dense") << "none" << 4 << int(RegressionPath::Dense);
  }

  void ridgeFreeReproducesTargets()
  {
    QFETCH(QString, encoding);
    QFETCH(int, stride);
    QFETCH(int, path);
    Encoding e = encodingNamed(encoding);
    if (encoding == "gaussian") e.sigma = 10.0;
    const Network net = imageNet(e);
    const Image im = syntheticImage(24, 20);
    const ImageKernelRegression reg(net, im, stride, optionsFor(RegressionPath(path), KernelKind::Ntk, 0.0));
    const Eigen::MatrixXd spectrum = reg.kernelPowerSpectrum();
    if (path == int(RegressionPath::Circulant)) { // |λ| of the BCCB Gram: its condition number
      const double cond = spectrum.maxCoeff() / spectrum.minCoeff();
      qInfo("condition number %.3g", cond);
      QVERIFY(cond < 1e6);
    }
    const Image f = reg.predict();
    const ImageDataset& ds = reg.dataset();
    double worst = 0.0;
    for (int r = 0; r < im.height; r += stride)
      for (int c = 0; c < im.width; c += stride)
        for (int k = 0; k < im.channels; ++k) worst = std::max(worst, double(std::abs(f.at(r, c, k) - im.at(r, c, k))));
    qInfo("largest training residual %.3g", worst);
    QVERIFY2(worst <= 1e-6, qPrintable(QString("training residual %1").arg(worst)));
    QCOMPARE(ds.stride, stride);
  }

  void tinyAndGreyImages()
  {
    // 1 × 1 up to 7 × 5 pixels, grey and RGB, every fast path that applies: equal to the dense solve
    // (one-row and one-column training grids exercise the empty halves of the pruned Toeplitz product).
    struct Case { int w, h, s; };
    for (const Case& cs : {Case{1, 1, 1}, Case{3, 2, 1}, Case{2, 3, 2}, Case{7, 5, 2}, Case{6, 4, 2}, Case{5, 1, 1}}) {
      for (int channels : {1, 3}) {
        const Image im = syntheticImage(cs.w, cs.h, channels);
        for (const char* enc : {"basic", "gaussian"}) {
          const Network net = imageNet(encodingNamed(enc), 64);
          const ImageKernelRegression dense(net, im, cs.s, optionsFor(RegressionPath::Dense, KernelKind::Ntk, 1e-3));
          const Eigen::MatrixXd g = asMatrix(dense.predict());
          std::vector<RegressionPath> paths{RegressionPath::Toeplitz};
          if (std::string(enc) == "basic" && cs.w % cs.s == 0 && cs.h % cs.s == 0) paths.push_back(RegressionPath::Circulant);
          for (RegressionPath path : paths) {
            const ImageKernelRegression fast(net, im, cs.s, optionsFor(path, KernelKind::Ntk, 1e-3));
            const Image f = fast.predict();
            QCOMPARE(f.channels, channels);
            const double err = ntktest::relErrToMax(asMatrix(f), g);
            QVERIFY2(err <= 1e-9, qPrintable(QString("%1 %2x%3/s%4 C=%5 %6: %7").arg(enc).arg(cs.w).arg(cs.h).arg(cs.s)
                                                 .arg(channels).arg(QString::fromStdString(regressionPathName(path))).arg(err)));
          }
        }
      }
    }
  }

  void timeDependence_data()
  {
    QTest::addColumn<bool>("ntkKind");
    QTest::newRow("ntk") << true;
    QTest::newRow("nngp") << false;
  }

  void timeDependence()
  {
    QFETCH(bool, ntkKind);
    const KernelKind kind = ntkKind ? KernelKind::Ntk : KernelKind::Nngp;
    const Network net = imageNet(encodingNamed("fourier-int"));
    const Image im = syntheticImage(24, 20);
    const ImageKernelRegression circ(net, im, 2, optionsFor(RegressionPath::Circulant, kind, 1e-3));
    const ImageKernelRegression dense(net, im, 2, optionsFor(RegressionPath::Dense, kind, 1e-3));
    QVERIFY(circ.timeSupported());
    QVERIFY(dense.timeSupported());
    for (const ImageKernelRegression* reg : {&circ, &dense}) {
      const Eigen::MatrixXd inf = asMatrix(reg->predictAt(kInf));
      QVERIFY(ntktest::relErrToMax(inf, asMatrix(reg->predict())) <= 1e-12);
      const Eigen::MatrixXd zero = asMatrix(reg->predictAt(0.0));
      QCOMPARE(zero.cwiseAbs().maxCoeff(), 0.0);
      // A very long time converges to the ridge solution.
      QVERIFY(ntktest::relErrToMax(asMatrix(reg->predictAt(1e12)), inf) <= 1e-6);
    }
    double previous = kInf;
    for (double t : {0.1, 1.0, 10.0, 100.0, 1000.0}) {
      const Eigen::MatrixXd a = asMatrix(circ.predictAt(t)), b = asMatrix(dense.predictAt(t));
      const double err = ntktest::relErrToMax(a, b);
      QVERIFY2(err <= 1e-6, qPrintable(QString("t = %1: circulant vs dense %2").arg(t).arg(err)));
      // The training loss decreases along the flow.
      const Eigen::MatrixXd y = asMatrix(im);
      double loss = 0.0;
      for (int r = 0; r < im.height; r += 2)
        for (int c = 0; c < im.width; c += 2)
          loss += (a.row(Eigen::Index(r) * im.width + c) - y.row(Eigen::Index(r) * im.width + c)).squaredNorm();
      QVERIFY(loss < previous);
      previous = loss;
    }
    QVERIFY_THROWS_EXCEPTION(InputError, circ.predictAt(-1.0));
    QVERIFY_THROWS_EXCEPTION(InputError, circ.predictAt(std::nan("")));

    // Toeplitz with a periodic kernel on whole periods: the same Gram as the circulant path (t(j − Wt) =
    // t(j)), so its Chebyshev flow must equal the exact per-mode formula at every t.
    const ImageKernelRegression toep(net, im, 2, optionsFor(RegressionPath::Toeplitz, kind, 1e-3));
    QVERIFY(toep.timeSupported());
    QVERIFY(ntktest::relErrToMax(asMatrix(toep.predictAt(kInf)), asMatrix(circ.predict())) <= 1e-6);
    QCOMPARE(asMatrix(toep.predictAt(0.0)).cwiseAbs().maxCoeff(), 0.0);
    for (double t : {0.1, 1.0, 10.0, 100.0, 1000.0, 1e5}) {
      const double err = ntktest::relErrToMax(asMatrix(toep.predictAt(t)), asMatrix(circ.predictAt(t)));
      QVERIFY2(err <= (t <= 1e3 ? 1e-9 : 1e-6), qPrintable(QString("t = %1: Toeplitz (Chebyshev) vs circulant %2").arg(t).arg(err)));
    }
    // Past τ·ridge ≥ 40 the flow is the CG solution.
    QVERIFY(ntktest::relErrToMax(asMatrix(toep.predictAt(1e12)), asMatrix(toep.predict())) <= 1e-12);
  }

  void toeplitzTimeMatchesDenseEigen_data()
  {
    QTest::addColumn<QString>("encoding");
    QTest::addColumn<int>("stride");
    QTest::newRow("gaussian s2") << "gaussian" << 2;
    QTest::newRow("positional s3") << "positional" << 3;
  }

  // True (non-integer) frequencies: the Toeplitz path's Chebyshev flow against the dense path's
  // eigendecomposition of Gram + ridge, at every time of the panel's slider range and beyond.
  void toeplitzTimeMatchesDenseEigen()
  {
    QFETCH(QString, encoding);
    QFETCH(int, stride);
    const Network net = imageNet(encodingNamed(encoding));
    const Image im = syntheticImage(26, 22);
    for (double ridge : {1e-6, 1e-2}) {
      const ImageKernelRegression toep(net, im, stride, optionsFor(RegressionPath::Toeplitz, KernelKind::Ntk, ridge));
      const ImageKernelRegression dense(net, im, stride, optionsFor(RegressionPath::Dense, KernelKind::Ntk, ridge));
      for (double t : {0.1, 1.0, 10.0, 1e3, 1e5, 1e7}) {
        const double err = ntktest::relErrToMax(asMatrix(toep.predictAt(t)), asMatrix(dense.predictAt(t)));
        QVERIFY2(err <= (t <= 1e3 ? 1e-9 : 1e-6), qPrintable(QString("ridge %1, t = %2: Toeplitz vs dense eigen %3").arg(ridge).arg(t).arg(err)));
      }
      // t → ∞: the flow tends to the regression (ridge 1e-2: e^{−τλ_r} < 1e-17 at t = 1e9 on this grid).
      if (ridge == 1e-2)
        QVERIFY(ntktest::relErrToMax(asMatrix(toep.predictAt(1e9)), asMatrix(dense.predict())) <= 1e-6); // CG tolerance
    }
  }

  void autoPaths()
  {
    const Image im = syntheticImage(24, 20);
    ImageRegressionOptions o;
    // Small grids: circulant whenever possible (exact and fastest), else dense.
    QCOMPARE(ImageKernelRegression(imageNet(encodingNamed("basic")), im, 2, o).path(), RegressionPath::Circulant);
    QCOMPARE(ImageKernelRegression(imageNet(encodingNamed("gaussian")), im, 2, o).path(), RegressionPath::Dense);
    QCOMPARE(ImageKernelRegression(imageNet(encodingNamed("basic")), im, 3, o).path(), RegressionPath::Dense);
    // Large grids (denseLimit 0 stands for them): Toeplitz where circulant is impossible.
    o.denseLimit = 0;
    QCOMPARE(ImageKernelRegression(imageNet(encodingNamed("basic")), im, 2, o).path(), RegressionPath::Circulant);
    QCOMPARE(ImageKernelRegression(imageNet(encodingNamed("basic")), im, 3, o).path(), RegressionPath::Toeplitz);
    QCOMPARE(ImageKernelRegression(imageNet(encodingNamed("gaussian")), im, 2, o).path(), RegressionPath::Toeplitz);
    // Encoding none has no FFT structure and its own limit: dense up to nystromAbove, Nyström/Falkon past it.
    QCOMPARE(ImageKernelRegression(imageNet(encodingNamed("none")), im, 2, o).path(), RegressionPath::Dense);
    o.nystromAbove = 119;
    QCOMPARE(ImageKernelRegression(imageNet(encodingNamed("none")), im, 2, o).path(), RegressionPath::Nystrom);
    o.nystromAbove = 120; // exactly the 12 × 10 training pixels: still dense
    QCOMPARE(ImageKernelRegression(imageNet(encodingNamed("none")), im, 2, o).path(), RegressionPath::Dense);
    QCOMPARE(ImageKernelRegression(imageNet(encodingNamed("gaussian")), im, 2, o).path(), RegressionPath::Toeplitz);
    QCOMPARE(regressionPathName(RegressionPath::Nystrom), std::string("nystrom"));
    QCOMPARE(regressionPathName(RegressionPath::Circulant), std::string("circulant"));
    QCOMPARE(regressionPathName(RegressionPath::Toeplitz), std::string("toeplitz"));
    QCOMPARE(regressionPathName(RegressionPath::Dense), std::string("dense"));
  }

  void impossiblePathsRefused()
  {
    const Image im = syntheticImage(24, 20);
    auto expectRefusal = [&](const QString& enc, int stride, RegressionPath path, const std::string& needle) {
      try {
        ImageKernelRegression(imageNet(encodingNamed(enc)), im, stride, optionsFor(path, KernelKind::Ntk, 1e-6));
        QFAIL(qPrintable("accepted " + enc));
      } catch (const InputError& e) {
        const std::string msg = e.what();
        QVERIFY2(msg.find(needle) != std::string::npos, e.what());
      }
    };
    expectRefusal("gaussian", 2, RegressionPath::Circulant, "not integers");
    expectRefusal("positional", 2, RegressionPath::Circulant, "not an integer");
    expectRefusal("basic", 3, RegressionPath::Circulant, "stride 3 does not divide");
    expectRefusal("none", 2, RegressionPath::Circulant, "encoding none");
    expectRefusal("none", 2, RegressionPath::Toeplitz, "encoding is none");
  }

  void badInput()
  {
    const Image im = syntheticImage(24, 20);
    const Network net = imageNet(encodingNamed("basic"));
    QVERIFY_THROWS_EXCEPTION(InputError, ImageKernelRegression(net, im, 0));
    QVERIFY_THROWS_EXCEPTION(InputError, ImageKernelRegression(net, im, -2));
    QVERIFY_THROWS_EXCEPTION(InputError, ImageKernelRegression(net, im, 21));
    QVERIFY_THROWS_EXCEPTION(InputError, ImageKernelRegression(net, im, 2, optionsFor(RegressionPath::Auto, KernelKind::Ntk, std::nan(""))));
    QVERIFY_THROWS_EXCEPTION(InputError, ImageKernelRegression(net, im, 2, optionsFor(RegressionPath::Auto, KernelKind::Ntk, -1.0)));
    QVERIFY_THROWS_EXCEPTION(InputError, ImageKernelRegression(net, im, 2, optionsFor(RegressionPath::Auto, KernelKind::Ntk, kInf)));
    QVERIFY_THROWS_EXCEPTION(InputError, ImageKernelRegression(net, Image{}, 2));
    Image nanImage = im;
    nanImage.at(3, 4, 1) = std::nanf("");
    QVERIFY_THROWS_EXCEPTION(InputError, ImageKernelRegression(net, nanImage, 2));
    Network net3 = net;
    net3.inputDim = 3;
    try {
      ImageKernelRegression(net3, im, 2);
      QFAIL("input_dim 3 accepted");
    } catch (const NetworkError& e) {
      QVERIFY2(std::string(e.what()).find("input_dim") != std::string::npos, e.what());
    }
    ImageRegressionOptions o;
    o.cgTolerance = 0.0;
    QVERIFY_THROWS_EXCEPTION(InputError, ImageKernelRegression(net, im, 2, o));
    o = {};
    o.maxCgIterations = 0;
    QVERIFY_THROWS_EXCEPTION(InputError, ImageKernelRegression(net, im, 2, o));
    // CG that cannot converge in its budget says so.
    o = optionsFor(RegressionPath::Toeplitz, KernelKind::Ntk, 1e-8);
    o.maxCgIterations = 1;
    o.cgTolerance = 1e-14;
    try {
      ImageKernelRegression(net, im, 3, o);
      QFAIL("CG with one iteration at 1e-14 converged");
    } catch (const NumericalError& e) {
      const std::string msg = e.what();
      QVERIFY2(msg.find("did not converge in 1 iterations") != std::string::npos && msg.find("raise the ridge") != std::string::npos,
               e.what());
    }
  }

  void memoryRefused()
  {
    // Encoding none on a 512 × 512 image with stride 1: a 262144² Gram (512 GiB), dense or as Nyström
    // with every pixel a centre.
    const Image im = syntheticImage(512, 512, 1);
    try {
      ImageKernelRegression(imageNet(encodingNamed("none")), im, 1, optionsFor(RegressionPath::Dense, KernelKind::Ntk, 1e-6));
      QFAIL("a 512 GiB Gram was accepted");
    } catch (const MemoryLimitError& e) {
      qInfo("%s", e.what());
    }
    ImageRegressionOptions all = optionsFor(RegressionPath::Nystrom, KernelKind::Ntk, 1e-6);
    all.centres = 512 * 512;
    QVERIFY_THROWS_EXCEPTION(MemoryLimitError, ImageKernelRegression(imageNet(encodingNamed("none")), im, 1, all));
    const Network net = imageNet(encodingNamed("basic"));
    QVERIFY(estimateImageRegressionBytes(net, 100000, 100000, 3, 1, RegressionPath::Circulant) > 1e11);
    QVERIFY(estimateImageRegressionBytes(net, 100000, 100000, 3, 2, RegressionPath::Dense) > 1e18);
    QVERIFY(estimateImageRegressionBytes(net, 512, 512, 3, 2, RegressionPath::Auto) > 0.0);
    QVERIFY(estimateImageRegressionBytes(net, 512, 512, 3, 2, RegressionPath::Toeplitz) <
            estimateImageRegressionBytes(net, 512, 512, 3, 2, RegressionPath::Dense));
  }

  void cancellation()
  {
    const Image im = syntheticImage(64, 48);
    for (RegressionPath path :
         {RegressionPath::Circulant, RegressionPath::Toeplitz, RegressionPath::Dense, RegressionPath::Nystrom}) {
      const Network net = imageNet(encodingNamed(path == RegressionPath::Toeplitz  ? "gaussian"
                                                 : path == RegressionPath::Nystrom ? "none"
                                                                                   : "basic"));
      std::atomic<bool> stop{true};
      JobControl job;
      job.stop = &stop;
      QVERIFY_THROWS_EXCEPTION(CancelledError, ImageKernelRegression(net, im, 2, optionsFor(path, KernelKind::Ntk, 1e-6), job));
      // Raised from the first progress report: the construction stops.
      stop = false;
      JobControl onFirst;
      onFirst.stop = &stop;
      onFirst.progress = [&stop](double) { stop = true; };
      QVERIFY_THROWS_EXCEPTION(CancelledError, ImageKernelRegression(net, im, 2, optionsFor(path, KernelKind::Ntk, 1e-6), onFirst));
      // A built solver's predictions are cancellable too.
      const ImageKernelRegression reg(net, im, 2, optionsFor(path, KernelKind::Ntk, 1e-6));
      stop = true;
      QVERIFY_THROWS_EXCEPTION(CancelledError, reg.predict(nullptr, job));
      // Progress reaches 1.
      double last = 0.0;
      JobControl watch;
      watch.progress = [&last](double f) { last = f; };
      reg.predict(nullptr, watch);
      QCOMPARE(last, 1.0);
    }
  }

  void nystromIsExactWithEveryPixelACentre()
  {
    // Centres ≥ training pixels: the dense solve, for encoding none and a stationary encoding.
    const Image im = syntheticImage(24, 20);
    for (const char* enc : {"none", "gaussian"})
      for (KernelKind kind : {KernelKind::Ntk, KernelKind::Nngp}) {
        const Network net = imageNet(encodingNamed(enc));
        ImageRegressionOptions o = optionsFor(RegressionPath::Nystrom, kind, 1e-3);
        o.centres = 120;
        o.nystromTolerance = 1e-12;
        const ImageKernelRegression nys(net, im, 2, o);
        const ImageKernelRegression dense(net, im, 2, optionsFor(RegressionPath::Dense, kind, 1e-3));
        ImageRegressionReport report;
        const Image a = nys.predict(&report);
        QCOMPARE(report.path, RegressionPath::Nystrom);
        QCOMPARE(report.centres, Eigen::Index(120));
        const double err = ntktest::relErrToMax(asMatrix(a), asMatrix(dense.predict()));
        QVERIFY2(err <= 1e-6, qPrintable(QString("%1: %2").arg(enc).arg(err))); // float pixels: 6e-8 of the range
        // t = ∞ only; the power spectrum is the dense path's (the same kernel row).
        QVERIFY(!nys.timeSupported());
        QVERIFY_THROWS_EXCEPTION(InputError, nys.predictAt(1.0));
        QVERIFY(ntktest::relErrToMax(nys.kernelPowerSpectrum(), dense.kernelPowerSpectrum()) <= 1e-8);
      }
  }

  void nystromPsnrNearDense()
  {
    // Encoding none on a 64 × 64 photograph (the bundled astronaut, 4 × 4 box-averaged), stride 2: 1024
    // training pixels, the dense solve fits. Held-out PSNR against the exact solve as M grows: it rises
    // toward the exact one and is within 0.1 dB at M = 960 (measured 15.78, 16.72, 17.12, 17.27 dB for
    // M = 256, 512, 768, 960 against 17.34 dB: a photograph at ridge 1e-6 needs nearly every pixel).
    const Image photo = shrunkPhoto(4);
    const Network net = imageNet(encodingNamed("none"));
    ImageRegressionReport exact;
    ImageKernelRegression(net, photo, 2, optionsFor(RegressionPath::Dense, KernelKind::Ntk, 1e-6)).predict(&exact);
    double previous = 0.0;
    for (Eigen::Index M : {256, 512, 768, 960}) {
      ImageRegressionOptions o = optionsFor(RegressionPath::Nystrom, KernelKind::Ntk, 1e-6);
      o.centres = M;
      ImageRegressionReport r;
      ImageKernelRegression(net, photo, 2, o).predict(&r);
      qInfo("M = %d: held-out PSNR %.3f dB (dense %.3f dB), %d CG iterations", int(M), r.psnrHeldOut, exact.psnrHeldOut,
            r.cgIterations);
      QVERIFY(r.psnrHeldOut > previous);
      QVERIFY(r.psnrHeldOut < exact.psnrHeldOut + 0.01);
      previous = r.psnrHeldOut;
    }
    QVERIFY2(previous >= exact.psnrHeldOut - 0.1, qPrintable(QString::number(exact.psnrHeldOut - previous)));
  }

  void concurrentPredictions()
  {
    const Image im = syntheticImage(24, 20);
    const Network net = imageNet(encodingNamed("basic"));
    for (RegressionPath path : {RegressionPath::Circulant, RegressionPath::Dense}) {
      const ImageKernelRegression reg(net, im, 2, optionsFor(path, KernelKind::Ntk, 1e-4));
      std::vector<Eigen::MatrixXd> results(4);
      std::vector<std::thread> threads;
      for (int i = 0; i < 4; ++i)
        threads.emplace_back([&, i] { results[size_t(i)] = asMatrix(reg.predictAt(i % 2 ? 5.0 : kInf)); });
      for (auto& t : threads) t.join();
      QVERIFY(ntktest::relErrToMax(results[0], asMatrix(reg.predict())) <= 1e-12);
      QVERIFY(ntktest::relErrToMax(results[1], asMatrix(reg.predictAt(5.0))) <= 1e-12);
      QVERIFY(ntktest::relErrToMax(results[2], results[0]) == 0.0);
      QVERIFY(ntktest::relErrToMax(results[3], results[1]) == 0.0);
    }
  }
};

QTEST_APPLESS_MAIN(TestImageRegression)
#include "test_image_regression.moc"
