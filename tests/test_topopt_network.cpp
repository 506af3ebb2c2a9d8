// test_topopt_network.cpp — the neural method's network and the filter its NTK implies.
// The network: layer structure, W_std = √(1−β²)·c_φ with c_φ checked against the activation's own
// closed-form second moment, b_std = β, the embeddings (the Fourier features' kernel is exp(−Δ²/2ℓ²),
// checked by Monte Carlo over many features), the element-centre inputs (plain and refined).
// The NTK filter: the row is an independent NtkGram row; it peaks (1) at the element; its half-maximum
// radius grows with ℓ; the torus row is translation invariant, the raw one is not; input errors.
// Set NTK_TOPOPT_REPORT=1 to print the radius-vs-ℓ table.
#include <QtTest>

#include <chrono>
#include <cmath>
#include <cstdlib>

#include "core/kernels/NtkGram.h"
#include "core/topopt/NtkFilter.h"
#include "core/topopt/TopoptNetwork.h"
#include "core/util/Errors.h"

using namespace ntk;

namespace {

bool report() { return std::getenv("NTK_TOPOPT_REPORT") != nullptr; }

TopoptNetworkOptions options(TopoptEmbedding e, double ell = 2.0)
{
  TopoptNetworkOptions o;
  o.embedding = e;
  o.ell = ell;
  return o;
}

/// Θ(p, q) row of element (ex, ey) as a nely × nelx matrix.
Eigen::MatrixXd asGrid(const Eigen::VectorXd& row, int nelx, int nely)
{
  return Eigen::Map<const Eigen::MatrixXd>(row.data(), nely, nelx);
}

/// Largest |Θ(p1, q) − Θ(p2, q + (p2 − p1))| over q with both q and q + shift on the grid, relative to
/// the largest |Θ|.
double shiftMismatch(const Network& net, int nelx, int nely, int x1, int y1, int x2, int y2)
{
  const Eigen::MatrixXd a = asGrid(ntkFilterAt(net, nelx, nely, x1, y1).raw, nelx, nely);
  const Eigen::MatrixXd b = asGrid(ntkFilterAt(net, nelx, nely, x2, y2).raw, nelx, nely);
  const int dx = x2 - x1, dy = y2 - y1;
  double worst = 0.0;
  for (int ex = 0; ex < nelx; ++ex)
    for (int ey = 0; ey < nely; ++ey) {
      const int sx = ex + dx, sy = ey + dy;
      if (sx < 0 || sx >= nelx || sy < 0 || sy >= nely) continue;
      worst = std::max(worst, std::abs(a(ey, ex) - b(sy, sx)));
    }
  return worst / a.cwiseAbs().maxCoeff();
}

} // namespace

class TestTopoptNetwork : public QObject {
  Q_OBJECT
private slots:
  void layersRealiseTheNtkParameterisation_data();
  void layersRealiseTheNtkParameterisation();
  void embeddings();
  void fourierFeatureKernelHasLengthScaleEll();
  void inputsAreElementCentres();
  void optionErrors();
  void filterRowIsAnNtkGramRow();
  void filterRadiusGrowsWithEll();
  void torusFilterIsTranslationInvariantRawIsNot();
  void filterErrors();
};

void TestTopoptNetwork::layersRealiseTheNtkParameterisation_data()
{
  QTest::addColumn<int>("activation");
  QTest::addColumn<double>("omega");
  QTest::addColumn<double>("beta");
  QTest::addColumn<int>("depth");
  QTest::newRow("relu β 0.1 depth 2") << int(ActivationKind::Relu) << 1.0 << 0.1 << 2;
  QTest::newRow("relu β 0 depth 1") << int(ActivationKind::Relu) << 1.0 << 0.0 << 1;
  QTest::newRow("sin ω 1 β 0.3 depth 3") << int(ActivationKind::Sin) << 1.0 << 0.3 << 3;
  QTest::newRow("sin ω 0.2 β 0.5 depth 2") << int(ActivationKind::Sin) << 0.2 << 0.5 << 2;
}

void TestTopoptNetwork::layersRealiseTheNtkParameterisation()
{
  QFETCH(int, activation);
  QFETCH(double, omega);
  QFETCH(double, beta);
  QFETCH(int, depth);
  TopoptNetworkOptions o;
  o.activation = static_cast<ActivationKind>(activation);
  o.omega = omega;
  o.beta = beta;
  o.depth = depth;
  o.width = 40;
  const Network net = topoptNetwork(o, 60, 20);
  QCOMPARE(net.inputDim, 2);
  QVERIFY(net.parameterization == Parameterization::Ntk);
  QCOMPARE(int(net.layers.size()), 2 * depth + 1);
  QCOMPARE(net.outputDim(), 1);
  const double share = std::sqrt(1.0 - beta * beta);
  for (size_t l = 0; l < net.layers.size(); ++l) {
    if (l % 2 == 1) {
      const Activation& a = std::get<ActivationLayer>(net.layers[l]).activation;
      QVERIFY(a.kind() == static_cast<ActivationKind>(activation));
      if (a.kind() == ActivationKind::Sin) QCOMPARE(a.parameter(), omega);
      // c_φ² · E[φ(u)²] = 1 with E from the activation's own (closed-form) variance map at q = 1.
      const auto& next = std::get<DenseLayer>(net.layers[l + 1]);
      const double c = next.wStd / share;
      QVERIFY2(std::abs(c * c * a.varianceMap(1.0) - 1.0) < 1e-12, qPrintable(QString::number(c)));
      continue;
    }
    const auto& d = std::get<DenseLayer>(net.layers[l]);
    QCOMPARE(d.width, l + 1 == net.layers.size() ? 1 : 40);
    QVERIFY(d.bStd.has_value());
    QCOMPARE(*d.bStd, beta);
    if (l == 0) QVERIFY(std::abs(d.wStd - share) < 1e-15); // the first Dense: c = 1
  }
  // The second-moment identity of the whole stack: with a unit-variance input to the first Dense the
  // per-point variance stays 1 through every layer (q ← (1−β²)c²E[φ²] + β² = 1).
  double q = 1.0;
  for (const Layer& l : net.layers) q = std::visit([q](const auto& layer) { return layer.varianceMap(q); }, l);
  QVERIFY2(std::abs(q - 1.0) < 1e-12, qPrintable(QString::number(q, 'g', 17)));
}

void TestTopoptNetwork::embeddings()
{
  const Network none = topoptNetwork(options(TopoptEmbedding::None), 60, 20);
  QVERIFY(none.encoding.kind == EncodingKind::None);
  QCOMPARE(none.encodedDim(), Eigen::Index(2));
  const Network torus = topoptNetwork(options(TopoptEmbedding::Torus), 60, 20);
  QVERIFY(torus.encoding.kind == EncodingKind::Basic);
  QCOMPARE(torus.encodedDim(), Eigen::Index(4));
  TopoptNetworkOptions f = options(TopoptEmbedding::Fourier, 3.0);
  f.features = 100;
  f.featureSeed = 9;
  const Network fourier = topoptNetwork(f, 60, 20);
  QVERIFY(fourier.encoding.kind == EncodingKind::Gaussian);
  QCOMPARE(fourier.encodedDim(), Eigen::Index(200));
  QCOMPARE(fourier.encoding.seed, std::uint64_t(9));
  QVERIFY(std::abs(fourier.encoding.sigma - 120.0 / (2.0 * M_PI * 3.0)) < 1e-12);
  // A tall grid: S = 2·max(nelx, nely).
  QVERIFY(std::abs(topoptNetwork(f, 10, 50).encoding.sigma - 100.0 / (2.0 * M_PI * 3.0)) < 1e-12);

  for (auto e : {TopoptEmbedding::None, TopoptEmbedding::Torus, TopoptEmbedding::Fourier})
    QVERIFY(embeddingFromName(embeddingName(e)) == e);
  QCOMPARE(embeddingName(TopoptEmbedding::Fourier), std::string("fourier"));
  QVERIFY_THROWS_EXCEPTION(InputError, embeddingFromName("gaussian"));
}

void TestTopoptNetwork::fourierFeatureKernelHasLengthScaleEll()
{
  // γ(v)·γ(v')/M = mean over features of cos 2πb·(v − v') → exp(−|Δp|²/(2ℓ²)); 20000 features: the
  // Monte-Carlo error is ~ 1/√(2M) ≈ 0.005.
  TopoptNetworkOptions o = options(TopoptEmbedding::Fourier, 2.5);
  o.features = 20000;
  const Network net = topoptNetwork(o, 60, 20);
  const Eigen::MatrixXd V = topoptInputs(60, 20);
  const auto at = [&](int ex, int ey) { return Eigen::Index(ex) * 20 + ey; };
  Eigen::MatrixXd pts(5, 2);
  pts << V.row(at(30, 10)), V.row(at(31, 10)), V.row(at(32, 11)), V.row(at(34, 10)), V.row(at(30, 16));
  const Eigen::MatrixXd g = net.encoding.apply(pts);
  const double d2[5] = {0.0, 1.0, 5.0, 16.0, 36.0};
  for (int k = 0; k < 5; ++k) {
    const double k0 = g.row(0).dot(g.row(k)) / double(o.features);
    const double expected = std::exp(-d2[k] / (2.0 * 2.5 * 2.5));
    QVERIFY2(std::abs(k0 - expected) < 0.02, qPrintable(QString("Δ² %1: %2 vs %3").arg(d2[k]).arg(k0).arg(expected)));
  }
}

void TestTopoptNetwork::inputsAreElementCentres()
{
  const Eigen::MatrixXd V = topoptInputs(6, 4);
  QCOMPARE(V.rows(), Eigen::Index(24));
  QCOMPARE(V.cols(), Eigen::Index(2));
  // Element (ex, ey) = (2, 3), index ex·nely + ey = 11: centre (2.5, 3.5) / (2·6).
  QCOMPARE(V(11, 0), 2.5 / 12.0);
  QCOMPARE(V(11, 1), 3.5 / 12.0);
  QVERIFY(V.minCoeff() > 0.0 && V.maxCoeff() <= 0.5);
  // Refined 3×: the mean of a parent's 9 children is the parent's centre; ordering is the refined grid's.
  const Eigen::MatrixXd R = topoptInputs(6, 4, 3);
  QCOMPARE(R.rows(), Eigen::Index(24 * 9));
  Eigen::RowVector2d mean = Eigen::RowVector2d::Zero();
  for (int cx = 0; cx < 3; ++cx)
    for (int cy = 0; cy < 3; ++cy) mean += R((2 * 3 + cx) * 12 + (3 * 3 + cy), Eigen::all);
  QVERIFY((mean / 9.0 - V.row(11)).cwiseAbs().maxCoeff() < 1e-15);
  QVERIFY(R.maxCoeff() <= 0.5);
  QVERIFY_THROWS_EXCEPTION(InputError, topoptInputs(0, 4));
  QVERIFY_THROWS_EXCEPTION(InputError, topoptInputs(6, 4, 0));
}

void TestTopoptNetwork::optionErrors()
{
  const auto bad = [](auto edit) {
    TopoptNetworkOptions o;
    edit(o);
    try {
      topoptNetwork(o, 10, 10);
    } catch (const InputError&) {
      return true;
    }
    return false;
  };
  QVERIFY(bad([](auto& o) { o.ell = 0.0; }));
  QVERIFY(bad([](auto& o) { o.ell = NAN; }));
  QVERIFY(bad([](auto& o) { o.features = 0; }));
  QVERIFY(bad([](auto& o) { o.width = 0; }));
  QVERIFY(bad([](auto& o) { o.depth = 0; }));
  QVERIFY(bad([](auto& o) { o.beta = 1.0; }));
  QVERIFY(bad([](auto& o) { o.beta = -0.1; }));
  QVERIFY(bad([](auto& o) { o.activation = ActivationKind::Tanh; }));
  QVERIFY(bad([](auto& o) {
    o.activation = ActivationKind::Sin;
    o.omega = 0.0;
  }));
  QVERIFY(!bad([](auto& o) {
    o.embedding = TopoptEmbedding::Torus;
    o.ell = 0.0; // ℓ only matters for the Fourier embedding
  }));
  QVERIFY_THROWS_EXCEPTION(InputError, topoptNetwork(TopoptNetworkOptions{}, 0, 10));
}

void TestTopoptNetwork::filterRowIsAnNtkGramRow()
{
  TopoptNetworkOptions o = options(TopoptEmbedding::Fourier, 2.0);
  o.features = 64;
  const Network net = topoptNetwork(o, 30, 10);
  const NtkFilterRow row = ntkFilterAt(net, 30, 10, 7, 3);
  const Eigen::MatrixXd V = topoptInputs(30, 10);
  const Eigen::MatrixXd gram = kernelMatrix(net, V, nullptr, KernelKind::Ntk); // the symmetric path
  const Eigen::Index p = 7 * 10 + 3;
  QCOMPARE(row.raw.size(), Eigen::Index(300));
  const double err = (row.raw - gram.row(p).transpose()).cwiseAbs().maxCoeff() / gram.row(p).cwiseAbs().maxCoeff();
  QVERIFY2(err < 1e-12, qPrintable(QString::number(err)));
  // Normalised: 1 at p, the row's maximum, minimum 0, everything in [0, 1].
  QCOMPARE(row.weights(p), 1.0);
  QCOMPARE(row.weights.maxCoeff(), 1.0);
  QCOMPARE(row.weights.minCoeff(), 0.0);
  Eigen::Index argmax = 0;
  row.raw.maxCoeff(&argmax);
  QCOMPARE(argmax, p); // a stationary embedding peaks at the element itself
  const double lo = row.raw.minCoeff();
  const Eigen::VectorXd expected = (row.raw.array() - lo) / (row.raw(p) - lo);
  QVERIFY((row.weights - expected).cwiseAbs().maxCoeff() < 1e-15);
  // The radius is √(area/π) of {w ≥ ½}.
  const double area = double((expected.array() >= 0.5).count());
  QCOMPARE(row.radius, std::sqrt(area / M_PI));
  QVERIFY(row.radius > 0.5);
}

void TestTopoptNetwork::filterRadiusGrowsWithEll()
{
  // The ℓ slider at 60 × 20, element (30, 10) (interior), default network.
  const auto t0 = std::chrono::steady_clock::now();
  double previous = 0.0;
  QString table;
  for (double ell : {1.0, 2.0, 4.0, 8.0}) {
    const Network net = topoptNetwork(options(TopoptEmbedding::Fourier, ell), 60, 20);
    const NtkFilterRow row = ntkFilterAt(net, 60, 20, 30, 10);
    table += QString("  ℓ = %1: radius %2 elements\n").arg(ell).arg(row.radius, 0, 'f', 3);
    QVERIFY2(row.radius > previous * 1.2, qPrintable(table)); // clearly growing, not by a pixel
    previous = row.radius;
  }
  if (report())
    qInfo("NTK filter radius vs ℓ (fourier, 256 features, 2 × 256 ReLU, β 0.1), 60 × 20 at (30, 10):\n%s(%.2f s)",
          qPrintable(table), std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}

void TestTopoptNetwork::torusFilterIsTranslationInvariantRawIsNot()
{
  const Network torus = topoptNetwork(options(TopoptEmbedding::Torus), 60, 20);
  const Network raw = topoptNetwork(options(TopoptEmbedding::None), 60, 20);
  const double torusMismatch = shiftMismatch(torus, 60, 20, 20, 12, 33, 7);
  const double rawMismatch = shiftMismatch(raw, 60, 20, 20, 12, 33, 7);
  if (report()) qInfo("shift mismatch: torus %.3g, raw %.3g", torusMismatch, rawMismatch);
  QVERIFY2(torusMismatch < 1e-10, qPrintable(QString::number(torusMismatch)));
  QVERIFY2(rawMismatch > 1e-3, qPrintable(QString::number(rawMismatch)));
  // The torus row is also mirror symmetric about its element (Θ depends on cos 2πΔ/S only).
  const Eigen::MatrixXd g = asGrid(ntkFilterAt(torus, 60, 20, 30, 10).raw, 60, 20);
  double mirror = 0.0;
  for (int dx = 1; dx < 29; ++dx)
    for (int ey = 0; ey < 20; ++ey) mirror = std::max(mirror, std::abs(g(ey, 30 + dx) - g(ey, 30 - dx)));
  QVERIFY(mirror < 1e-10 * g.cwiseAbs().maxCoeff());
}

void TestTopoptNetwork::filterErrors()
{
  const Network net = topoptNetwork(options(TopoptEmbedding::Torus), 10, 10);
  QVERIFY_THROWS_EXCEPTION(InputError, ntkFilterAt(net, 10, 10, 10, 0));
  QVERIFY_THROWS_EXCEPTION(InputError, ntkFilterAt(net, 10, 10, 0, -1));
  QVERIFY_THROWS_EXCEPTION(InputError, ntkFilterAt(net, 0, 10, 0, 0));
  Network three = net;
  three.inputDim = 3;
  QVERIFY_THROWS_EXCEPTION(NetworkError, ntkFilterAt(three, 10, 10, 0, 0));
  // A one-element grid: the row is the single entry, weight 1.
  const NtkFilterRow one = ntkFilterAt(net, 1, 1, 0, 0);
  QCOMPARE(one.weights.size(), Eigen::Index(1));
  QCOMPARE(one.weights(0), 1.0);
}

QTEST_APPLESS_MAIN(TestTopoptNetwork)
#include "test_topopt_network.moc"
