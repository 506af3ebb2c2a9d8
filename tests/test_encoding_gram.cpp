// test_encoding_gram — input encodings (CONVENTIONS §3) and ntk::computeGram: the symmetric path equals the
// explicit X2 = X1 path bit for bit; the Gram of encoded networks equals a naive scalar re-implementation of
// CONVENTIONS §1 written here (relu/erf closed forms, both parameterisations) to 1e-13; cancellation (also
// while a 4096-point tanh Gram prepares its points, within ~100 ms), memory refusal, overflow (NumericalError
// naming the layer) and bad input raise the documented errors.
#include <QtTest>

#include <atomic>
#include <chrono>
#include <cmath>
#include <future>
#include <thread>

#include "TestUtil.h"
#include "core/kernels/NtkGram.h"
#include "core/util/SeededNormal.h"

using namespace ntk;
using ntktest::uniformInputs;

namespace {

constexpr double kPi = 3.14159265358979323846;

/// γ(v) from CONVENTIONS §3, written independently (feature order is irrelevant for dot products).
Eigen::VectorXd encodeNaive(const Encoding& e, const Eigen::VectorXd& v)
{
  const int d = int(v.size());
  std::vector<double> f;
  auto add = [&](double phase) { f.push_back(std::cos(2 * kPi * phase)); f.push_back(std::sin(2 * kPi * phase)); };
  switch (e.kind) {
  case EncodingKind::None: return v;
  case EncodingKind::Basic: for (int i = 0; i < d; ++i) add(v(i)); break;
  case EncodingKind::Positional:
    for (int i = 0; i < d; ++i)
      for (int j = 0; j < e.levels; ++j) add(std::pow(e.sigma, double(j) / e.levels) * v(i));
    break;
  case EncodingKind::Gaussian: {
    SeededNormal n(e.seed); // B_ij ~ N(0, σ²), row-major draw from the seeded generator
    for (int r = 0; r < e.features; ++r) {
      double phase = 0.0;
      for (int c = 0; c < d; ++c) phase += e.sigma * n() * v(c);
      add(phase);
    }
    break;
  }
  case EncodingKind::Fourier:
    for (int r = 0; r < e.B.rows(); ++r) add(e.B.row(r).dot(v));
    break;
  }
  return Eigen::Map<Eigen::VectorXd>(f.data(), Eigen::Index(f.size()));
}

struct KernelPair {
  double nngp, ntk;
};

/// CONVENTIONS §1 for one pair, scalar loop, with the relu / erf closed forms.
KernelPair naivePair(const Network& net, const Eigen::VectorXd& x, const Eigen::VectorXd& y)
{
  const double d0 = double(x.size());
  double q11 = x.dot(x) / d0, q22 = y.dot(y) / d0, q12 = x.dot(y) / d0, th = 0.0;
  int nIn = int(x.size());
  for (const Layer& l : net.layers) {
    if (const auto* d = std::get_if<DenseLayer>(&l)) {
      const double w2 = d->wStd * d->wStd, b2 = d->bStd ? *d->bStd * *d->bStd : 0.0;
      if (net.parameterization == Parameterization::Ntk) {
        q12 = w2 * q12 + b2;
        th = q12 + w2 * th;
      } else {
        th = nIn * q12 + (d->bStd ? 1.0 : 0.0) + w2 * th;
        q12 = w2 * q12 + b2;
      }
      q11 = w2 * q11 + b2;
      q22 = w2 * q22 + b2;
      nIn = d->width;
    } else {
      const Activation& a = std::get<ActivationLayer>(l).activation;
      double T, Td, T11, T22;
      if (a.kind() == ActivationKind::Relu) {
        const double s = std::sqrt(q11 * q22), c = std::clamp(q12 / s, -1.0, 1.0), t = std::acos(c);
        T = s * (std::sin(t) + (kPi - t) * std::cos(t)) / (2 * kPi);
        Td = (kPi - t) / (2 * kPi);
        T11 = q11 / 2;
        T22 = q22 / 2;
      } else if (a.kind() == ActivationKind::Erf) {
        const double A = 1 + 2 * q11, B = 1 + 2 * q22;
        T = (2 / kPi) * std::asin(2 * q12 / std::sqrt(A * B));
        Td = (4 / kPi) / std::sqrt(A * B - 4 * q12 * q12);
        T11 = (2 / kPi) * std::asin(2 * q11 / A);
        T22 = (2 / kPi) * std::asin(2 * q22 / B);
      } else if (a.kind() == ActivationKind::Tanh) {
        // The independent 2-D rule (the Gram uses Mehler's series for tanh).
        const Dual d = a.dualByQuadrature(q11, q12, q22);
        T = d.T;
        Td = d.Tdot;
        T11 = a.dualByQuadrature(q11, q11, q11).T;
        T22 = a.dualByQuadrature(q22, q22, q22).T;
      } else {
        throw std::logic_error("naive kernel: relu/erf/tanh only");
      }
      q12 = T;
      th *= Td;
      q11 = T11;
      q22 = T22;
    }
  }
  return {q12, th};
}

Network encodedNet(EncodingKind kind, const char* act, Parameterization p)
{
  Network n = ntktest::mlp(2, 3, Activation(std::string(act) == "relu" ? ActivationKind::Relu
                                                : std::string(act) == "tanh" ? ActivationKind::Tanh : ActivationKind::Erf),
                           1.3, 0.2, 7, 1, p);
  n.encoding.kind = kind;
  n.encoding.levels = 4;
  n.encoding.sigma = kind == EncodingKind::Gaussian ? 2.0 : 6.0;
  n.encoding.features = 16;
  n.encoding.seed = 3;
  return n;
}

} // namespace

class TestEncodingGram : public QObject {
  Q_OBJECT

private slots:
  void basicEncoding()
  {
    Encoding e;
    e.kind = EncodingKind::Basic;
    const Eigen::MatrixXd V = uniformInputs(20, 3, 1);
    QCOMPARE(e.outputDim(3), 6);
    const Eigen::MatrixXd G = e.apply(V);
    QCOMPARE(G.cols(), Eigen::Index(6));
    for (Eigen::Index i = 0; i < V.rows(); ++i) QVERIFY(std::abs(G.row(i).squaredNorm() - 3.0) <= 1e-14);
    // γ(v)·γ(v') = Σ_i cos 2π(v_i − v'_i)
    for (Eigen::Index i = 0; i < V.rows(); ++i) {
      double s = 0;
      for (int c = 0; c < 3; ++c) s += std::cos(2 * kPi * (V(i, c) - V(0, c)));
      QVERIFY(std::abs(G.row(i).dot(G.row(0)) - s) <= 1e-14);
    }
  }

  void positionalEncoding()
  {
    Encoding e;
    e.kind = EncodingKind::Positional;
    e.levels = 5;
    e.sigma = 32.0;
    QCOMPARE(e.outputDim(2), 20);
    const Eigen::MatrixXd B = e.frequencies(2);
    QCOMPARE(B.rows(), Eigen::Index(10));
    for (int c = 0; c < 2; ++c) {
      std::vector<double> f;
      for (Eigen::Index r = 0; r < B.rows(); ++r)
        if (B(r, c) != 0.0) {
          QCOMPARE(B(r, 1 - c), 0.0); // one coordinate per row
          f.push_back(B(r, c));
        }
      std::sort(f.begin(), f.end());
      QCOMPARE(int(f.size()), 5);
      for (int j = 0; j < 5; ++j) QVERIFY(std::abs(f[size_t(j)] - std::pow(32.0, j / 5.0)) <= 1e-14 * f[size_t(j)]);
    }
    const Eigen::MatrixXd V = uniformInputs(4, 2, 9), G = e.apply(V);
    for (Eigen::Index i = 0; i < 4; ++i) {
      QVERIFY(std::abs(G.row(i).squaredNorm() - 10.0) <= 1e-13);
      const Eigen::VectorXd n = encodeNaive(e, V.row(i).transpose());
      QVERIFY(std::abs(G.row(i).dot(G.row(0)) - n.dot(encodeNaive(e, V.row(0).transpose()))) <= 1e-12);
    }
  }

  void gaussianEncoding()
  {
    Encoding e;
    e.kind = EncodingKind::Gaussian;
    e.features = 2000;
    e.sigma = 10.0;
    e.seed = 17;
    QCOMPARE(e.outputDim(2), 4000);
    const Eigen::MatrixXd B = e.frequencies(2);
    QCOMPARE(B.rows(), Eigen::Index(2000));
    QCOMPARE(B.cols(), Eigen::Index(2));
    QCOMPARE(e.frequencies(2), B); // reproducible from the seed
    const Eigen::MatrixXd V = uniformInputs(5, 2, 3);
    QCOMPARE(e.apply(V), e.apply(V));
    Encoding other = e;
    other.seed = 18;
    QVERIFY(other.frequencies(2) != B);
    const double mean = B.mean();
    const double sd = std::sqrt((B.array() - mean).square().sum() / double(B.size() - 1));
    // 4000 samples: std error of the sample std ≈ σ/√8000 ≈ 1.1%; of the mean ≈ σ/63.
    QVERIFY2(std::abs(sd - 10.0) <= 0.05 * 10.0, qPrintable(QString("sample std %1").arg(sd)));
    QVERIFY2(std::abs(mean) <= 0.6, qPrintable(QString("sample mean %1").arg(mean)));
    // fourier with that B gives the same features
    Encoding f;
    f.kind = EncodingKind::Fourier;
    f.B = B;
    QCOMPARE(f.apply(V), e.apply(V));
  }

  void symmetricEqualsExplicit_data()
  {
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("act");
    QTest::addColumn<bool>("standard");
    for (int k : {int(EncodingKind::None), int(EncodingKind::Basic), int(EncodingKind::Gaussian)})
      for (const char* a : {"relu", "erf"})
        for (bool st : {false, true})
          QTest::newRow(qPrintable(QString("%1/%2/%3").arg(QString::fromStdString(Encoding::kindName(EncodingKind(k))), a,
                                                        st ? "standard" : "ntk")))
              << k << QString(a) << st;
  }

  void symmetricEqualsExplicit()
  {
    QFETCH(int, kind);
    QFETCH(QString, act);
    QFETCH(bool, standard);
    const Network net = encodedNet(EncodingKind(kind), qPrintable(act), standard ? Parameterization::Standard : Parameterization::Ntk);
    const Eigen::MatrixXd X = uniformInputs(230, 2, 5); // several 96-tiles, mirrored blocks
    const GramResult a = computeGram(net, X, nullptr);
    const GramResult b = computeGram(net, X, &X);
    QCOMPARE(a.nngp.rows(), Eigen::Index(230));
    // Off the diagonal the two paths agree to rounding. On the diagonal the explicit path pairs a point with
    // an identical copy whose dot product the GEMM may sum in another order than the per-point variance, so
    // ρ = 1 − ε and arccos turns ε into √ε (CONVENTIONS §1: parallel inputs, ~1e-8). The symmetric path
    // uses the variances on its diagonal, so there ρ = 1 exactly (checked in test_reference_kernels).
    auto offDiagonal = [](Eigen::MatrixXd m) {
      m.diagonal().setZero();
      return m;
    };
    const double eN = ntktest::relErrToMax(offDiagonal(b.nngp), offDiagonal(a.nngp));
    const double eT = ntktest::relErrToMax(offDiagonal(b.ntk), offDiagonal(a.ntk));
    QVERIFY2(eN <= 1e-13 && eT <= 1e-13, qPrintable(QString("off-diagonal: nngp %1 ntk %2").arg(eN).arg(eT)));
    const double dN = (b.nngp.diagonal() - a.nngp.diagonal()).cwiseAbs().maxCoeff() / a.nngp.cwiseAbs().maxCoeff();
    const double dT = (b.ntk.diagonal() - a.ntk.diagonal()).cwiseAbs().maxCoeff() / a.ntk.cwiseAbs().maxCoeff();
    QVERIFY2(dN <= 1e-7 && dT <= 1e-7, qPrintable(QString("diagonal: nngp %1 ntk %2").arg(dN).arg(dT)));
    // The symmetric path is exactly symmetric.
    QVERIFY(a.ntk == a.ntk.transpose());
    QVERIFY(a.nngp == a.nngp.transpose());
    QVERIFY(ntktest::relErrToMax(a.ntk.transpose(), a.ntk) <= 1e-13);
    QVERIFY(ntktest::relErrToMax(a.nngp.transpose(), a.nngp) <= 1e-13);
    // only-one-kernel requests give the same numbers
    QVERIFY(kernelMatrix(net, X, nullptr, KernelKind::Ntk) == a.ntk);
    QVERIFY(kernelMatrix(net, X, nullptr, KernelKind::Nngp) == a.nngp);
  }

  void naiveReimplementation_data() { symmetricEqualsExplicit_data(); QTest::newRow("positional/relu/ntk") << int(EncodingKind::Positional) << QString("relu") << false;
    QTest::newRow("positional/erf/standard") << int(EncodingKind::Positional) << QString("erf") << true;
    QTest::newRow("basic/tanh/ntk") << int(EncodingKind::Basic) << QString("tanh") << false;
    QTest::newRow("none/tanh/standard") << int(EncodingKind::None) << QString("tanh") << true; }

  void naiveReimplementation()
  {
    QFETCH(int, kind);
    QFETCH(QString, act);
    QFETCH(bool, standard);
    const Network net = encodedNet(EncodingKind(kind), qPrintable(act), standard ? Parameterization::Standard : Parameterization::Ntk);
    const Eigen::MatrixXd X1 = uniformInputs(17, 2, 21), X2 = uniformInputs(9, 2, 22);
    for (bool sym : {true, false}) {
      const Eigen::MatrixXd& Y = sym ? X1 : X2;
      const GramResult g = computeGram(net, X1, sym ? nullptr : &X2);
      Eigen::MatrixXd rn(X1.rows(), Y.rows()), rt(X1.rows(), Y.rows());
      for (Eigen::Index i = 0; i < X1.rows(); ++i)
        for (Eigen::Index j = 0; j < Y.rows(); ++j) {
          const KernelPair k = naivePair(net, encodeNaive(net.encoding, X1.row(i).transpose()),
                                         encodeNaive(net.encoding, Y.row(j).transpose()));
          rn(i, j) = k.nngp;
          rt(i, j) = k.ntk;
        }
      // Diagonal pairs (x, x) are the ill-conditioned ρ = 1 case for relu (CONVENTIONS §1: ~1e-8, 1e-7 here;
      // see test_reference_kernels::diagonalRhoIsExactlyOne); everything else must agree to 1e-13.
      const double sN = rn.cwiseAbs().maxCoeff(), sT = rt.cwiseAbs().maxCoeff();
      Eigen::MatrixXd dn = (g.nngp - rn).cwiseAbs() / sN, dt = (g.ntk - rt).cwiseAbs() / sT;
      double diag = 0.0;
      if (sym) {
        diag = std::max(dn.diagonal().maxCoeff(), dt.diagonal().maxCoeff());
        dn.diagonal().setZero();
        dt.diagonal().setZero();
      }
      // tanh: two different quadratures (Mehler series vs 2-D rule), each ~1e-12: CONVENTIONS' 1e-10.
      const double tol = act == QLatin1String("tanh") ? 1e-10 : 1e-13;
      QVERIFY2(dn.maxCoeff() <= tol, qPrintable(QString("nngp off by %1 (sym=%2)").arg(dn.maxCoeff()).arg(sym)));
      QVERIFY2(dt.maxCoeff() <= tol, qPrintable(QString("ntk off by %1 (sym=%2)").arg(dt.maxCoeff()).arg(sym)));
      QVERIFY2(diag <= 1e-7, qPrintable(QString("diagonal off by %1").arg(diag)));
    }
  }

  void cancellation()
  {
    const Network net = encodedNet(EncodingKind::Basic, "relu", Parameterization::Ntk);
    const Eigen::MatrixXd X = uniformInputs(400, 2, 8);
    std::atomic<bool> stop{false};
    std::atomic<int> calls{0};
    JobControl job;
    job.stop = &stop;
    job.progress = [&](double f) {
      ++calls;
      QVERIFY(f >= 0.0 && f <= 1.0);
      stop = true;
    };
    GramRequest req;
    req.tile = 8; // 1275 tiles: progress is reported long before the end
    QVERIFY_THROWS_EXCEPTION(CancelledError, computeGram(net, X, nullptr, req, job));
    QVERIFY(calls.load() >= 1);
    // Without cancellation the same job completes and reports 1.0 at the end.
    stop = false;
    double last = 0.0;
    JobControl ok;
    ok.stop = &stop;
    ok.progress = [&](double f) { last = std::max(last, f); };
    const GramResult g = computeGram(net, X, nullptr, req, ok);
    QCOMPARE(g.ntk.rows(), Eigen::Index(400));
    QCOMPARE(last, 1.0);
    // Flag already raised: throws too.
    stop = true;
    QVERIFY_THROWS_EXCEPTION(CancelledError, computeGram(net, X, nullptr, req, job));
  }

  // Cancellation must be prompt in every phase: a tanh Gram spends its first seconds computing per-point
  // Hermite coefficients (preparePoints), which once ran to the end before the first check.
  void cancellationWhilePreparingPoints()
  {
    // A fresh Activation: its coefficient cache is empty, so the preparation is the slow part.
    const Network net = ntktest::mlp(2, 3, Activation(ActivationKind::Tanh), 1.5, 0.1, 512);
    const Eigen::MatrixXd X = uniformInputs(4096, 2, 21);
    std::atomic<bool> stop{false};
    JobControl job;
    job.stop = &stop;
    auto run = std::async(std::launch::async, [&] { computeGram(net, X, nullptr, {}, job); });
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    QVERIFY2(run.wait_for(std::chrono::seconds(0)) == std::future_status::timeout, "finished before the cancel");
    const auto t0 = std::chrono::steady_clock::now();
    stop = true;
    QVERIFY_THROWS_EXCEPTION(CancelledError, run.get());
    const double latency = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    qInfo("tanh m = 4096: cancelled after %.1f ms", 1e3 * latency);
    QVERIFY2(latency < 0.2, qPrintable(QString("cancellation took %1 s").arg(latency))); // ≈ 10 ms; margin for load
  }

  // Non-finite numbers are never written: an overflowing variance names its layer, an overflowing NTK entry
  // (variances finite, Θ = Σ of L terms past DBL_MAX) is caught in the tile.
  void overflowIsANumericalError()
  {
    const Eigen::MatrixXd X = uniformInputs(20, 3, 4);
    const Network huge = ntktest::mlp(3, 2, Activation(ActivationKind::Relu), 1e200, 0.1, 4);
    try {
      computeGram(huge, X, nullptr);
      QFAIL("W_std = 1e200 gave no error");
    } catch (const NumericalError& e) {
      QCOMPARE(QString(e.what()), QString("layers[0]: the variance overflows (q = inf); reduce W_std or b_std"));
    }
    // The first layer that overflows is named: W_std = 1e80 gives q ≈ 1e160 after layers[0], inf after layers[2].
    const Network later = ntktest::mlp(3, 2, Activation(ActivationKind::Identity), 1e80, 0.1, 4);
    try {
      computeGram(later, X, nullptr);
      QFAIL("no error");
    } catch (const NumericalError& e) {
      QVERIFY2(QString(e.what()).startsWith("layers[2]: the variance overflows"), e.what());
    }
    // Identity φ, 5 Dense layers, x = (1,1,1): q_5 = W^10 = 5e307 (finite), Θ = 5·q_5 = inf.
    const Network deep = ntktest::mlp(3, 5, Activation(ActivationKind::Identity), std::pow(5e307, 0.1), std::nullopt, 4);
    const Eigen::MatrixXd ones = Eigen::MatrixXd::Ones(4, 3);
    const Eigen::MatrixXd nngp = kernelMatrix(deep, ones, nullptr, KernelKind::Nngp);
    QVERIFY(nngp.allFinite());
    try {
      kernelMatrix(deep, ones, nullptr, KernelKind::Ntk);
      QFAIL("an infinite NTK was written");
    } catch (const NumericalError& e) {
      QVERIFY2(QString(e.what()).contains("NTK overflows"), e.what());
    }
  }

  void memoryLimit()
  {
    const Network net = ntktest::mlp(3, 2, Activation(ActivationKind::Relu), 1.0, 0.0, 4);
    const Eigen::MatrixXd X = Eigen::MatrixXd::Constant(3000000, 3, 0.5);
    try {
      computeGram(net, X, nullptr);
      QFAIL("a 3,000,000-point Gram was not refused");
    } catch (const MemoryLimitError& e) {
      QVERIFY2(QString(e.what()).contains("GiB"), e.what());
    }
  }

  void badInput()
  {
    const Network net = ntktest::mlp(3, 2, Activation(ActivationKind::Relu), 1.0, 0.0, 4);
    Eigen::MatrixXd X = uniformInputs(5, 3, 1);
    Eigen::MatrixXd nan = X;
    nan(2, 1) = std::nan("");
    QVERIFY_THROWS_EXCEPTION(InputError, computeGram(net, nan, nullptr));
    QVERIFY_THROWS_EXCEPTION(InputError, computeGram(net, X, &nan));
    Eigen::MatrixXd inf = X;
    inf(0, 0) = INFINITY;
    QVERIFY_THROWS_EXCEPTION(InputError, computeGram(net, inf, nullptr));
    const Eigen::MatrixXd wide = uniformInputs(5, 4, 1);
    QVERIFY_THROWS_EXCEPTION(InputError, computeGram(net, wide, nullptr));
    QVERIFY_THROWS_EXCEPTION(InputError, computeGram(net, X, &wide));
    computeGram(net, X, nullptr); // the good input is accepted
  }
};

QTEST_APPLESS_MAIN(TestEncodingGram)
#include "test_encoding_gram.moc"
