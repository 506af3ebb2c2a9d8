// test_empirical_ntk — the finite network: (a) empiricalNtk == (1/k) Σ_j J_j J_jᵀ from jacobian() to 1e-12,
// and jacobian() == central finite differences of forward() w.r.t. every stored parameter (weights()/biases()),
// for erf/relu, NTK/standard parameterisation, with/without bias, 2-output readout;
// empiricalNngp == the Rao–Blackwellised W_std²·H Hᵀ/n_in + b_std² of the readout's input H, recomputed here;
// (b) Monte Carlo: monteCarloKernel's relative Frobenius error to the analytic NTK (relu; erf with a bias-free
// layer and a 2-output readout) and NNGP falls ≈2× per 4× width; bad inputs, overflow and impossible sizes
// raise InputError / NumericalError / MemoryLimitError.
#include <QtTest>

#include <chrono>
#include <cmath>
#include <vector>

#include "TestUtil.h"
#include "core/kernels/NtkGram.h"
#include "core/nets/FiniteNetwork.h"
#include "core/util/Errors.h"
#include "core/util/SeededNormal.h"

using namespace ntk;

namespace {

Eigen::MatrixXd randomInputs(int m, int d, std::uint64_t seed)
{
  SeededNormal n(seed);
  Eigen::MatrixXd X(m, d);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < d; ++j) X(i, j) = n();
  return X;
}

Network smallNet(const QString& act, bool standard, bool bias)
{
  Network n;
  n.inputDim = 3;
  n.parameterization = standard ? Parameterization::Standard : Parameterization::Ntk;
  const Activation a(act == "relu" ? ActivationKind::Relu : ActivationKind::Erf);
  const std::optional<double> b = bias ? std::optional<double>(0.3) : std::nullopt;
  n.layers = {DenseLayer{4, 1.3, b}, ActivationLayer{a}, DenseLayer{6, 1.1, b}, ActivationLayer{a}, DenseLayer{5, 0.9, b},
              ActivationLayer{a}, DenseLayer{2, 1.2, b}};
  return n;
}

double relFro(const Eigen::MatrixXd& A, const Eigen::MatrixXd& B) { return (A - B).norm() / B.norm(); }

/// Mean (over `runs` seeds) relative Frobenius error of the one-sample Monte-Carlo kernel at each width.
std::vector<double> monteCarloErrors(const Network& net, const Eigen::MatrixXd& X, bool ntk, const std::vector<int>& widths,
                                     int runs)
{
  std::vector<double> err;
  for (int w : widths) {
    const Eigen::MatrixXd exact = kernelMatrix(net.withHiddenWidth(w), X, nullptr, ntk ? KernelKind::Ntk : KernelKind::Nngp);
    double sum = 0.0;
    for (int r = 0; r < runs; ++r) {
      const Eigen::MatrixXd mc = monteCarloKernel(net, X, nullptr, ntk, w, 1, 1000 + 100 * r);
      if (!mc.allFinite()) return {};
      sum += relFro(mc, exact);
    }
    err.push_back(sum / runs);
  }
  return err;
}

} // namespace

class TestEmpiricalNtk : public QObject {
  Q_OBJECT

private slots:
  void jacobian_data()
  {
    QTest::addColumn<QString>("act");
    QTest::addColumn<bool>("standard");
    QTest::addColumn<bool>("bias");
    for (const char* a : {"erf", "relu"})
      for (bool st : {false, true})
        for (bool b : {true, false})
          QTest::newRow(qPrintable(QString("%1/%2/%3").arg(a, st ? "standard" : "ntk", b ? "bias" : "nobias")))
              << QString(a) << st << b;
  }

  void jacobian()
  {
    QFETCH(QString, act);
    QFETCH(bool, standard);
    QFETCH(bool, bias);
    const Network net = smallNet(act, standard, bias);
    FiniteNetwork f(net, 7);
    const Eigen::Index P = 4 * 3 + 6 * 4 + 5 * 6 + 2 * 5 + (bias ? 4 + 6 + 5 + 2 : 0);
    QCOMPARE(f.parameterCount(), P);
    QCOMPARE(int(f.weights().size()), 4);
    QCOMPARE(f.biases()[1].size(), Eigen::Index(bias ? 6 : 0));

    const Eigen::MatrixXd X1 = randomInputs(5, 3, 11), X2 = randomInputs(4, 3, 12);
    const Eigen::MatrixXd J0 = f.jacobian(X1, 0), J1 = f.jacobian(X1, 1);
    const Eigen::MatrixXd K0 = f.jacobian(X2, 0), K1 = f.jacobian(X2, 1);
    QCOMPARE(J0.cols(), P);
    QCOMPARE(J0.rows(), Eigen::Index(5));
    // Two outputs differ, so averaging matters (a test that used J0 only would fail).
    QVERIFY((J0 - J1).norm() > 1e-3 * J0.norm());

    const Eigen::MatrixXd ref11 = 0.5 * (J0 * J0.transpose() + J1 * J1.transpose());
    const Eigen::MatrixXd ref12 = 0.5 * (J0 * K0.transpose() + J1 * K1.transpose());
    const Eigen::MatrixXd e11 = f.empiricalNtk(X1);
    const Eigen::MatrixXd e12 = f.empiricalNtk(X1, &X2);
    const double err11 = ntktest::relErrToMax(e11, ref11), err12 = ntktest::relErrToMax(e12, ref12);
    QVERIFY2(err11 <= 1e-12, qPrintable(QString("empiricalNtk(X1) vs JJ^T: %1").arg(err11)));
    QVERIFY2(err12 <= 1e-12, qPrintable(QString("empiricalNtk(X1,X2) vs J1 J2^T: %1").arg(err12)));
    // empirical NNGP = E[f fᵀ | hidden layers] = W_std²·H Hᵀ/n_in + b_std², H = φ(last hidden pre-activation).
    // H is recomputed from a network without the readout: the same seed draws the same earlier parameters.
    {
      Network body = net;
      body.layers.resize(body.layers.size() - 2); // drop φ and the readout Dense
      const FiniteNetwork g(body, 7);
      const ActivationLayer& phi = std::get<ActivationLayer>(net.layers[net.layers.size() - 2]);
      const DenseLayer& readout = std::get<DenseLayer>(net.layers.back());
      const Eigen::MatrixXd H1 = phi.forward(g.forward(X1)), H2 = phi.forward(g.forward(X2));
      const double w2 = readout.wStd * readout.wStd / double(H1.cols()), b2 = readout.bias2();
      const Eigen::MatrixXd ref = (w2 * H1 * H2.transpose()).array() + b2;
      QVERIFY2(ntktest::relErrToMax(f.empiricalNngp(X1, &X2), ref) <= 1e-14, "empiricalNngp(X1,X2)");
      const Eigen::MatrixXd ref11 = (w2 * H1 * H1.transpose()).array() + b2;
      QVERIFY2(ntktest::relErrToMax(f.empiricalNngp(X1), ref11) <= 1e-14, "empiricalNngp(X1)");
      // Not the single-draw (1/k) f fᵀ, whose noise does not fall with width.
      const Eigen::MatrixXd F = f.forward(X1);
      QVERIFY(ntktest::relErrToMax(0.5 * F * F.transpose(), ref11) > 1e-3);
    }

    // Central finite differences of forward() w.r.t. every stored parameter.
    const double h = 1e-6;
    double worst = 0.0;
    const double scale = std::max(J0.cwiseAbs().maxCoeff(), J1.cwiseAbs().maxCoeff());
    Eigen::Index p = 0;
    auto check = [&](double& param) {
      const double keep = param;
      param = keep + h;
      const Eigen::MatrixXd fp = f.forward(X1);
      param = keep - h;
      const Eigen::MatrixXd fm = f.forward(X1);
      param = keep;
      const Eigen::MatrixXd fd = (fp - fm) / (2 * h);
      for (Eigen::Index s = 0; s < X1.rows(); ++s) {
        worst = std::max(worst, std::abs(fd(s, 0) - J0(s, p)) / scale);
        worst = std::max(worst, std::abs(fd(s, 1) - J1(s, p)) / scale);
      }
      ++p;
    };
    for (size_t l = 0; l < f.weights().size(); ++l) {
      Eigen::MatrixXd& W = f.weights()[l];
      for (Eigen::Index r = 0; r < W.rows(); ++r) // row-major order
        for (Eigen::Index c = 0; c < W.cols(); ++c) check(W(r, c));
      Eigen::VectorXd& b = f.biases()[l];
      for (Eigen::Index r = 0; r < b.size(); ++r) check(b(r));
    }
    QCOMPARE(p, P);
    QVERIFY2(worst <= 1e-7, qPrintable(QString("jacobian vs finite differences: %1").arg(worst)));
  }

  void monteCarloConvergence_data()
  {
    QTest::addColumn<bool>("standard");
    QTest::newRow("ntk") << false;
    QTest::newRow("standard") << true;
  }

  void monteCarloConvergence()
  {
    QFETCH(bool, standard);
    const auto t0 = std::chrono::steady_clock::now();
    const auto ref = ntktest::loadJson("kernels_public.json");
    const Eigen::MatrixXd X = ntktest::toMatrix(ref.at("inputs"));
    const Network net = ntktest::mlp(3, 3, Activation(ActivationKind::Relu), std::sqrt(2.0), 0.1, 512, 1,
                                     standard ? Parameterization::Standard : Parameterization::Ntk);
    const std::vector<int> widths = {64, 256, 1024};
    const int runs = 40, samples = 1; // error of each run ≈ 3/√(width·samples); averaged over runs for stability
    std::vector<double> err;
    for (int w : widths) {
      const Eigen::MatrixXd exact = kernelMatrix(net.withHiddenWidth(w), X, nullptr, KernelKind::Ntk);
      double sum = 0.0;
      for (int r = 0; r < runs; ++r) {
        const Eigen::MatrixXd mc = monteCarloKernel(net, X, nullptr, true, w, samples, 1000 + 100 * r);
        QVERIFY(mc.allFinite());
        sum += relFro(mc, exact);
      }
      err.push_back(sum / runs);
    }
    const double r1 = err[0] / err[1], r2 = err[1] / err[2];
    qInfo("%s MC (samples=%d, mean of %d runs): rel Frobenius error %.4f (w=64) %.4f (w=256) %.4f (w=1024); "
          "ratios %.2f %.2f; %.1f s", standard ? "standard" : "ntk", samples, runs, err[0], err[1], err[2], r1, r2,
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    // Level: ≈ 3/√(width·samples) (CONVENTIONS §1, one network); allow a factor 1.6 either way.
    for (size_t i = 0; i < widths.size(); ++i) {
      const double expected = 3.0 / std::sqrt(double(widths[i]) * samples);
      QVERIFY2(err[i] < 1.6 * expected && err[i] > expected / 1.6,
               qPrintable(QString("width %1: error %2, expected about %3").arg(widths[i]).arg(err[i]).arg(expected)));
    }
    // Rate: ≈2 per 4× width (1/√width); a wrong kernel (bias floor) gives ratios → 1.
    QVERIFY2(r1 > 1.6 && r1 < 2.5, qPrintable(QString("64→256 ratio %1").arg(r1)));
    QVERIFY2(r2 > 1.6 && r2 < 2.5, qPrintable(QString("256→1024 ratio %1").arg(r2)));
  }

  // The NNGP estimate converges like the NTK's: ≈2 per 4× width. The old (1/k) f fᵀ stayed at O(1) error.
  // Also the NTK of an erf network with a bias-free hidden layer (b_std null) and a 2-output readout.
  void monteCarloConvergenceOtherKernels_data()
  {
    QTest::addColumn<QString>("which");
    QTest::newRow("relu nngp") << "relu nngp";
    QTest::newRow("relu nngp standard") << "relu nngp standard";
    QTest::newRow("erf ntk, no bias in layer 2, 2 outputs") << "erf ntk";
  }

  void monteCarloConvergenceOtherKernels()
  {
    QFETCH(QString, which);
    const auto ref = ntktest::loadJson("kernels_public.json");
    const Eigen::MatrixXd X = ntktest::toMatrix(ref.at("inputs"));
    Network net;
    bool ntk = false;
    if (which.startsWith("relu")) {
      net = ntktest::mlp(3, 3, Activation(ActivationKind::Relu), std::sqrt(2.0), 0.1, 512, 1,
                         which.endsWith("standard") ? Parameterization::Standard : Parameterization::Ntk);
    } else {
      ntk = true;
      net.inputDim = 3;
      const Activation erf(ActivationKind::Erf);
      net.layers = {DenseLayer{512, 1.5, 0.2}, ActivationLayer{erf}, DenseLayer{512, 1.5, std::nullopt},
                    ActivationLayer{erf}, DenseLayer{2, 1.2, 0.1}};
    }
    const std::vector<int> widths = {64, 256, 1024};
    const std::vector<double> err = monteCarloErrors(net, X, ntk, widths, 40);
    QCOMPARE(err.size(), widths.size());
    const double r1 = err[0] / err[1], r2 = err[1] / err[2];
    qInfo("%s MC: rel Frobenius error %.4f (w=64) %.4f (w=256) %.4f (w=1024); ratios %.2f %.2f", qPrintable(which),
          err[0], err[1], err[2], r1, r2);
    QVERIFY2(r1 > 1.6 && r1 < 2.5, qPrintable(QString("64→256 ratio %1").arg(r1)));
    QVERIFY2(r2 > 1.6 && r2 < 2.5, qPrintable(QString("256→1024 ratio %1").arg(r2)));
    QVERIFY2(err[2] < 0.15, qPrintable(QString("width 1024: error %1").arg(err[2]))); // ≈ 3/√1024 at most
  }

  void monteCarloRefusals()
  {
    const Network net = ntktest::mlp(3, 2, Activation(ActivationKind::Relu), 1.0, 0.0, 8);
    Eigen::MatrixXd X = randomInputs(3, 3, 1);
    X(1, 2) = std::nan("");
    QVERIFY_THROWS_EXCEPTION(InputError, monteCarloKernel(net, X, nullptr, true, 8, 1, 0));
    X(1, 2) = INFINITY;
    const Eigen::MatrixXd good = randomInputs(3, 3, 1);
    QVERIFY_THROWS_EXCEPTION(InputError, monteCarloKernel(net, good, &X, false, 8, 1, 0));
    // Overflow: W_std = 1e200 twice makes the kernel inf; refused, not written.
    const Network huge = ntktest::mlp(3, 2, Activation(ActivationKind::Relu), 1e200, 0.0, 8);
    QVERIFY_THROWS_EXCEPTION(NumericalError, monteCarloKernel(huge, good, nullptr, true, 8, 1, 0));
    QVERIFY_THROWS_EXCEPTION(NumericalError, monteCarloKernel(huge, good, nullptr, false, 8, 1, 0));
    // The m1 by m2 matrices count: 3,000,000² doubles are refused up front, however narrow the network.
    const Eigen::MatrixXd many = Eigen::MatrixXd::Constant(3000000, 3, 0.5);
    QVERIFY_THROWS_EXCEPTION(MemoryLimitError, monteCarloKernel(net, many, nullptr, true, 1, 1, 0));
  }

  void monteCarloArguments()
  {
    const Network net = ntktest::mlp(3, 2, Activation(ActivationKind::Relu), 1.0, 0.0, 8);
    const Eigen::MatrixXd X = randomInputs(3, 3, 1);
    QVERIFY_THROWS_EXCEPTION(InputError, monteCarloKernel(net, X, nullptr, true, 0, 1, 0));
    QVERIFY_THROWS_EXCEPTION(InputError, monteCarloKernel(net, X, nullptr, true, 8, 0, 0));
    // Reproducible from its seed; the mean of S samples equals the mean of the single-seed kernels.
    const Eigen::MatrixXd a = monteCarloKernel(net, X, nullptr, true, 16, 3, 42);
    QCOMPARE(a, monteCarloKernel(net, X, nullptr, true, 16, 3, 42));
    Eigen::MatrixXd mean = Eigen::MatrixXd::Zero(3, 3);
    for (int s = 0; s < 3; ++s) mean += FiniteNetwork(net.withHiddenWidth(16), 42 + s).empiricalNtk(X) / 3.0;
    QVERIFY(ntktest::relErrToMax(a, mean) <= 1e-14);
  }

  void monteCarloAtTheNetworksOwnWidths()
  {
    // Hidden widths 12 and 48: the overlay of the GUI uses them as they are, not one common width.
    Network net = ntktest::mlp(3, 3, Activation(ActivationKind::Relu), 1.4, 0.1, 12);
    std::get<DenseLayer>(net.layers[2]).width = 48;
    const Eigen::MatrixXd X = randomInputs(4, 3, 2);
    const Eigen::MatrixXd a = monteCarloKernelAtWidths(net, X, nullptr, true, 3, 7);
    Eigen::MatrixXd mean = Eigen::MatrixXd::Zero(4, 4);
    for (int s = 0; s < 3; ++s) {
      const FiniteNetwork f(net, 7 + s);
      QCOMPARE(std::get<DenseLayer>(f.network().layers[2]).width, 48);
      mean += f.empiricalNtk(X) / 3.0;
    }
    QVERIFY(ntktest::relErrToMax(a, mean) <= 1e-14);
    // Not the same as forcing one width: the widths matter.
    QVERIFY(ntktest::relErrToMax(a, monteCarloKernel(net, X, nullptr, true, 12, 3, 7)) > 1e-6);
    QCOMPARE(monteCarloKernelAtWidths(net.withHiddenWidth(12), X, nullptr, true, 3, 7),
             monteCarloKernel(net, X, nullptr, true, 12, 3, 7));
    QVERIFY_THROWS_EXCEPTION(InputError, monteCarloKernelAtWidths(net, X, nullptr, true, 0, 0));
  }
};

QTEST_APPLESS_MAIN(TestEmpiricalNtk)
#include "test_empirical_ntk.moc"
