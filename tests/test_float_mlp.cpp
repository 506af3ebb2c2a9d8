// test_float_mlp.cpp — the float32 layer stack shared by the image trainer and the neural topology
// optimiser: initialisation as FiniteNetwork's draw rounded to float, forward and backward against the
// double-precision FiniteNetwork (its Jacobian contracted with the output gradient), Rprop / Adam / SGD
// steps against hand computations, optimiser state kept or reset by setOptimizer, input errors.
#include <QtTest>

#include <cmath>
#include <random>

#include "core/nets/FiniteNetwork.h"
#include "core/nets/FloatMlp.h"
#include "core/util/Errors.h"

using namespace ntk;

namespace {

Network makeNet(EncodingKind enc, std::vector<int> hidden, Activation act, Parameterization p, double wStd,
                std::optional<double> bStd, int outputs)
{
  Network n;
  n.inputDim = 2;
  n.encoding.kind = enc;
  n.encoding.features = 24;
  n.encoding.sigma = 3.0;
  n.encoding.seed = 5;
  n.parameterization = p;
  for (int w : hidden) {
    n.layers.push_back(DenseLayer{w, wStd, bStd});
    n.layers.push_back(ActivationLayer{act});
  }
  n.layers.push_back(DenseLayer{outputs, 1.0, bStd});
  return n;
}

Eigen::MatrixXd randomInputs(Eigen::Index m, std::uint64_t seed)
{
  std::mt19937_64 g(seed);
  Eigen::MatrixXd X(m, 2);
  for (Eigen::Index i = 0; i < X.size(); ++i) X(i) = double(g() >> 11) * 0x1.0p-53;
  return X;
}

/// All parameters flattened in FiniteNetwork's order: per Dense layer W row-major, then b.
Eigen::VectorXd flatten(const std::vector<Eigen::MatrixXf>& W, const std::vector<Eigen::VectorXf>& b)
{
  Eigen::Index n = 0;
  for (size_t k = 0; k < W.size(); ++k) n += W[k].size() + b[k].size();
  Eigen::VectorXd out(n);
  Eigen::Index o = 0;
  for (size_t k = 0; k < W.size(); ++k) {
    for (Eigen::Index r = 0; r < W[k].rows(); ++r)
      for (Eigen::Index c = 0; c < W[k].cols(); ++c) out(o++) = W[k](r, c);
    for (Eigen::Index r = 0; r < b[k].size(); ++r) out(o++) = b[k](r);
  }
  return out;
}

/// A tiny net with one Dense(3) → ReLU → Dense(1) for the optimiser hand computations.
FloatMlp tinyMlp(const FloatOptimizerOptions& o)
{
  return FloatMlp(makeNet(EncodingKind::None, {3}, Activation(ActivationKind::Relu), Parameterization::Ntk, 1.0, 0.5, 1),
                  7, o);
}

/// Gradients of the tiny net's shapes filled from a list, in weights()/biases() storage order.
void fill(const FloatMlp& mlp, const std::vector<float>& values, std::vector<Eigen::MatrixXf>& gW,
          std::vector<Eigen::VectorXf>& gb)
{
  gW.clear();
  gb.clear();
  size_t i = 0;
  for (size_t k = 0; k < mlp.weights().size(); ++k) {
    gW.push_back(Eigen::MatrixXf(mlp.weights()[k].rows(), mlp.weights()[k].cols()));
    for (Eigen::Index j = 0; j < gW.back().size(); ++j) gW.back()(j) = values[i++ % values.size()];
    gb.push_back(Eigen::VectorXf(mlp.biases()[k].size()));
    for (Eigen::Index j = 0; j < gb.back().size(); ++j) gb.back()(j) = values[i++ % values.size()];
  }
}

Eigen::VectorXd params(const FloatMlp& m) { return flatten(m.weights(), m.biases()); }

Eigen::VectorXd sign(const Eigen::VectorXd& v) { return v.unaryExpr([](double x) { return double((x > 0) - (x < 0)); }); }

} // namespace

class TestFloatMlp : public QObject {
  Q_OBJECT
private slots:
  void initialisationIsTheFiniteNetworksDraw();
  void forwardAndBackwardMatchDoublePrecision_data();
  void forwardAndBackwardMatchDoublePrecision();
  void encodeIsTheNetworksEncoding();
  void rpropFollowsPyTorch();
  void rpropClampsItsSteps();
  void adamAndSgdFirstSteps();
  void setOptimizerKeepsOrResetsState();
  void inputErrors();
};

void TestFloatMlp::initialisationIsTheFiniteNetworksDraw()
{
  const Network net = makeNet(EncodingKind::Gaussian, {16, 8}, Activation(ActivationKind::Relu), Parameterization::Ntk,
                              std::sqrt(2.0), 0.1, 2);
  const FloatMlp mlp(net, 11);
  const FiniteNetwork f(net, 11);
  QCOMPARE(mlp.weights().size(), size_t(3));
  for (size_t k = 0; k < 3; ++k) {
    QVERIFY(mlp.weights()[k] == f.weights()[k].cast<float>());
    QVERIFY(mlp.biases()[k] == f.biases()[k].cast<float>());
  }
  QCOMPARE(mlp.parameterCount(), f.parameterCount());
  QCOMPARE(mlp.inputWidth(), Eigen::Index(48));
  QCOMPARE(mlp.outputWidth(), Eigen::Index(2));
  QCOMPARE(mlp.steps(), 0);
}

void TestFloatMlp::forwardAndBackwardMatchDoublePrecision_data()
{
  QTest::addColumn<int>("encoding");
  QTest::addColumn<int>("activation");
  QTest::addColumn<bool>("standard");
  QTest::addColumn<bool>("bias");
  QTest::newRow("gaussian relu ntk") << int(EncodingKind::Gaussian) << int(ActivationKind::Relu) << false << true;
  QTest::newRow("basic sin ntk") << int(EncodingKind::Basic) << int(ActivationKind::Sin) << false << true;
  QTest::newRow("none tanh standard") << int(EncodingKind::None) << int(ActivationKind::Tanh) << true << true;
  QTest::newRow("gaussian gelu no bias") << int(EncodingKind::Gaussian) << int(ActivationKind::Gelu) << false << false;
}

void TestFloatMlp::forwardAndBackwardMatchDoublePrecision()
{
  QFETCH(int, encoding);
  QFETCH(int, activation);
  QFETCH(bool, standard);
  QFETCH(bool, bias);
  const auto kind = static_cast<ActivationKind>(activation);
  const Activation act(kind, kind == ActivationKind::Sin ? 2.0 : 0.0);
  const Network net = makeNet(static_cast<EncodingKind>(encoding), {32, 16}, act,
                              standard ? Parameterization::Standard : Parameterization::Ntk, 1.4,
                              bias ? std::optional<double>(0.2) : std::nullopt, 2);
  const FloatMlp mlp(net, 3);
  const FiniteNetwork f(net, 3);
  const Eigen::MatrixXd V = randomInputs(20, 9);
  const Eigen::MatrixXf X = mlp.encode(V);

  FloatMlpWorkspace w;
  const Eigen::MatrixXd out = mlp.forward(FloatRows::of(X), w).cast<double>();
  const Eigen::MatrixXd ref = f.forward(V);
  const double fwdErr = (out - ref).cwiseAbs().maxCoeff() / ref.cwiseAbs().maxCoeff();
  QVERIFY2(fwdErr < 2e-6, qPrintable(QString("forward relative error %1").arg(fwdErr)));
  QVERIFY(mlp.forward(X).cast<double>().isApprox(out, 0.0)); // the convenience overload, bit for bit

  // Backward of a random output gradient G: Σ_o J_oᵀ G(:, o) in double.
  std::mt19937_64 g(4);
  Eigen::MatrixXf G(20, 2);
  for (Eigen::Index i = 0; i < G.size(); ++i) G(i) = float(double(g() >> 11) * 0x1.0p-53 - 0.5);
  std::vector<Eigen::MatrixXf> gW;
  std::vector<Eigen::VectorXf> gb;
  mlp.backward(FloatRows::of(X), w, G, gW, gb);
  const Eigen::VectorXd grad = flatten(gW, gb);
  Eigen::VectorXd expected = Eigen::VectorXd::Zero(f.parameterCount());
  for (int o = 0; o < 2; ++o) expected += f.jacobian(V, o).transpose() * G.col(o).cast<double>();
  QCOMPARE(grad.size(), expected.size());
  const double bwdErr = (grad - expected).cwiseAbs().maxCoeff() / expected.cwiseAbs().maxCoeff();
  QVERIFY2(bwdErr < 1e-5, qPrintable(QString("backward relative error %1").arg(bwdErr)));
}

void TestFloatMlp::encodeIsTheNetworksEncoding()
{
  const Network net = makeNet(EncodingKind::Gaussian, {8}, Activation(ActivationKind::Relu), Parameterization::Ntk, 1.0, 0.1, 1);
  const FloatMlp mlp(net, 0);
  const Eigen::MatrixXd V = randomInputs(5000, 2); // more than one encoding block
  QVERIFY(mlp.encode(V) == net.encoding.apply(V).cast<float>());
  QVERIFY_THROWS_EXCEPTION(InputError, mlp.encode(Eigen::MatrixXd::Zero(3, 3)));
}

void TestFloatMlp::rpropFollowsPyTorch()
{
  // PyTorch: step₀ = lr; per step, sign(g·g_prev) > 0 → step·1.2, < 0 → step·0.5 and the gradient
  // counts as 0 (no move, g_prev = 0), = 0 → step unchanged; θ ← θ − sign(g)·step.
  FloatOptimizerOptions o;
  o.kind = FloatOptimizerKind::Rprop;
  o.learningRate = 0.1;
  FloatMlp mlp = tinyMlp(o);
  const Eigen::Index P = mlp.parameterCount(); // 2·3 + 3 + 3 + 1 = 13
  QCOMPARE(P, Eigen::Index(13));
  std::vector<Eigen::MatrixXf> gW;
  std::vector<Eigen::VectorXf> gb;
  // Stored order differs from flatten()'s for W (column-major); only the per-parameter rule matters,
  // so the same value list drives both the step and the expectation through flatten().
  const std::vector<float> g1 = {0.3f, -2.0f, 0.0f, 5.0f, -1e-3f, 0.7f, -0.4f, 1.0f, 2.0f, -3.0f, 0.0f, 0.25f, -8.0f};
  const std::vector<float> g2 = {0.1f, 1.0f, 4.0f, -5.0f, -2.0f, 0.0f, -0.1f, 3.0f, -2.0f, 3.0f, 0.0f, 0.5f, -1.0f};
  const std::vector<float> g3 = {1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f};
  const auto asFlat = [&](const std::vector<float>& v) {
    fill(mlp, v, gW, gb);
    return flatten(gW, gb);
  };
  const Eigen::VectorXd G1 = asFlat(g1), G2 = asFlat(g2), G3 = asFlat(g3);
  Eigen::VectorXd theta = params(mlp);
  Eigen::VectorXd stepSize = Eigen::VectorXd::Constant(P, 0.1), prev = Eigen::VectorXd::Zero(P);
  for (const Eigen::VectorXd* G : {&G1, &G2, &G3}) {
    // The hand computation, parameter by parameter.
    for (Eigen::Index i = 0; i < P; ++i) {
      const double s = (*G)(i) * prev(i);
      double gi = (*G)(i);
      if (s > 0) stepSize(i) *= 1.2;
      if (s < 0) {
        stepSize(i) *= 0.5;
        gi = 0.0;
      }
      theta(i) -= (gi > 0 ? 1.0 : gi < 0 ? -1.0 : 0.0) * stepSize(i);
      prev(i) = gi;
    }
    fill(mlp, G == &G1 ? g1 : G == &G2 ? g2 : g3, gW, gb);
    mlp.step(gW, gb);
    const double err = (params(mlp) - theta).cwiseAbs().maxCoeff();
    QVERIFY2(err < 1e-6, qPrintable(QString("Rprop step %1: error %2").arg(mlp.steps()).arg(err)));
  }
  QCOMPARE(mlp.steps(), 3);
  // Spot checks of the rule itself: parameter 0 moved −0.1, −0.12, −0.144 (three positive gradients);
  // parameter 3 (+5 then −5) moved −0.1, then not at all, then −0.05 (halved step, sign reset).
  const Eigen::VectorXd moved = params(tinyMlp(o)) - params(mlp);
  const auto flatIndexOfValue = [&](const Eigen::VectorXd& G, double v) {
    for (Eigen::Index i = 0; i < P; ++i)
      if (G(i) == v) return i;
    return Eigen::Index(-1);
  };
  const Eigen::Index i0 = flatIndexOfValue(G1, double(0.3f)), i3 = flatIndexOfValue(G1, 5.0);
  QVERIFY(i0 >= 0 && i3 >= 0);
  QVERIFY(std::abs(moved(i0) - (0.1 + 0.12 + 0.144)) < 1e-6);
  QVERIFY(std::abs(moved(i3) - (0.1 + 0.05)) < 1e-6);
}

void TestFloatMlp::rpropClampsItsSteps()
{
  FloatOptimizerOptions o;
  o.kind = FloatOptimizerKind::Rprop;
  o.learningRate = 0.1;
  o.stepMax = 0.11;
  o.stepMin = 0.06;
  FloatMlp mlp = tinyMlp(o);
  const Eigen::VectorXd theta0 = params(mlp);
  std::vector<Eigen::MatrixXf> gW;
  std::vector<Eigen::VectorXf> gb;
  fill(mlp, {1.0f}, gW, gb);
  mlp.step(gW, gb); // −0.1
  mlp.step(gW, gb); // −min(0.12, 0.11)
  fill(mlp, {-1.0f}, gW, gb);
  mlp.step(gW, gb); // sign change: step max(0.055, 0.06), no move
  mlp.step(gW, gb); // g_prev = 0: step stays 0.06, moves +0.06
  const Eigen::VectorXd expected = theta0.array() - 0.1 - 0.11 + 0.06;
  QVERIFY((params(mlp) - expected).cwiseAbs().maxCoeff() < 1e-6);
}

void TestFloatMlp::adamAndSgdFirstSteps()
{
  FloatOptimizerOptions o;
  o.learningRate = 0.01;
  FloatMlp adam = tinyMlp(o);
  o.kind = FloatOptimizerKind::Sgd;
  FloatMlp sgd = tinyMlp(o);
  std::vector<Eigen::MatrixXf> gW;
  std::vector<Eigen::VectorXf> gb;
  fill(adam, {0.5f, -3.0f, 2e-3f, 0.0f}, gW, gb);
  const Eigen::VectorXd G = flatten(gW, gb), theta0 = params(adam);
  adam.step(gW, gb);
  sgd.step(gW, gb);
  // Adam's first step is lr·g/(|g| + ε) (bias corrections cancel); SGD's is lr·g.
  const Eigen::VectorXd adamStep = 0.01 * (G.array() / (G.array().abs() + 1e-8)).matrix();
  // (float parameters of size ~1: 1e-6 is a few ulps, 1e-4 of the step)
  QVERIFY((theta0 - params(adam) - adamStep).cwiseAbs().maxCoeff() < 1e-6);
  QVERIFY((theta0 - params(sgd) - 0.01 * G).cwiseAbs().maxCoeff() < 1e-6);
  // The second Adam step with the same gradient is again lr·sign(g) (m/√v unchanged, corrections exact).
  const Eigen::VectorXd theta1 = params(adam);
  adam.step(gW, gb);
  QVERIFY((theta1 - params(adam) - 0.01 * sign(G)).cwiseAbs().maxCoeff() < 2e-6);
}

void TestFloatMlp::setOptimizerKeepsOrResetsState()
{
  FloatOptimizerOptions o;
  o.kind = FloatOptimizerKind::Rprop;
  o.learningRate = 0.1;
  FloatMlp a = tinyMlp(o), b = tinyMlp(o);
  std::vector<Eigen::MatrixXf> gW;
  std::vector<Eigen::VectorXf> gb;
  fill(a, {1.0f}, gW, gb);
  a.step(gW, gb);
  b.step(gW, gb);
  // Same kind, new lr: Rprop keeps its per-parameter steps (the next move is 0.12, not 0.2·1.2).
  FloatOptimizerOptions o2 = o;
  o2.learningRate = 0.2;
  a.setOptimizer(o2);
  const Eigen::VectorXd before = params(a);
  a.step(gW, gb);
  QVERIFY(((before - params(a)).array() - 0.12).abs().maxCoeff() < 1e-6);
  QCOMPARE(a.steps(), 2);
  // Another kind: state reset (Adam's first step is lr·sign(g)).
  FloatOptimizerOptions adam;
  adam.learningRate = 0.05;
  b.setOptimizer(adam);
  QCOMPARE(b.steps(), 0);
  const Eigen::VectorXd beforeB = params(b);
  b.step(gW, gb);
  QVERIFY(((beforeB - params(b)).array() - 0.05).abs().maxCoeff() < 1e-6);
}

void TestFloatMlp::inputErrors()
{
  FloatOptimizerOptions bad;
  bad.learningRate = 0.0;
  QVERIFY_THROWS_EXCEPTION(InputError, tinyMlp(bad));
  bad.learningRate = NAN;
  QVERIFY_THROWS_EXCEPTION(InputError, tinyMlp(bad));
  FloatOptimizerOptions etas;
  etas.etaMinus = 1.5;
  QVERIFY_THROWS_EXCEPTION(InputError, tinyMlp(etas));
  FloatOptimizerOptions steps;
  steps.stepMin = 1.0;
  steps.stepMax = 0.5;
  QVERIFY_THROWS_EXCEPTION(InputError, tinyMlp(steps));
  Network broken;
  QVERIFY_THROWS_EXCEPTION(NetworkError, FloatMlp(broken, 0));

  FloatMlp mlp = tinyMlp({});
  std::vector<Eigen::MatrixXf> gW;
  std::vector<Eigen::VectorXf> gb;
  fill(mlp, {1.0f}, gW, gb);
  gW[1].resize(2, 2);
  QVERIFY_THROWS_EXCEPTION(InputError, mlp.step(gW, gb));
  // backward without a matching forward pass, or with a wrong-sized output gradient
  const Eigen::MatrixXf X = mlp.encode(randomInputs(4, 1));
  FloatMlpWorkspace w;
  QVERIFY_THROWS_EXCEPTION(InputError, mlp.backward(FloatRows::of(X), w, Eigen::MatrixXf::Ones(4, 1), gW, gb));
  mlp.forward(FloatRows::of(X), w);
  QVERIFY_THROWS_EXCEPTION(InputError, mlp.backward(FloatRows::of(X), w, Eigen::MatrixXf::Ones(3, 1), gW, gb));
  std::vector<Eigen::MatrixXf> W = mlp.weights();
  W[0](0, 0) = INFINITY;
  QVERIFY_THROWS_EXCEPTION(InputError, mlp.setParameters(W, mlp.biases()));
}

QTEST_APPLESS_MAIN(TestFloatMlp)
#include "test_float_mlp.moc"
