// test_reference_kernels — ntk::computeGram reproduces the independent reference kernels
// (tests/data/kernels_public.json, 40-digit closed forms in Neural Tangents' conventions):
// every config × {nngp, ntk, ntk_standard_width1/5, *_nobias} to 1e-12 relative to max|K|,
// and the (anti)parallel edge cases to 1e-7.
#include <QtTest>

#include <algorithm>

#include "TestUtil.h"
#include "core/kernels/NtkGram.h"

using namespace ntk;
using ntktest::relErrToMax;

namespace {

struct Worst {
  double err = 0.0;
  QString where;
  void update(double e, const QString& w)
  {
    if (!(e <= err)) { // also catches NaN
      err = e;
      where = w;
    }
  }
};

Activation activationOf(const std::string& name)
{
  if (name == "relu") return Activation(ActivationKind::Relu);
  if (name == "erf") return Activation(ActivationKind::Erf);
  throw std::runtime_error("unexpected activation in reference data: " + name);
}

} // namespace

/// Data-row name of a reference config: "relu/L=3/W=sqrt(2)/b=0.1/ntk".
QString rowName(const char* prefix, const nlohmann::json& c, const char* key)
{
  return QString("%1%2/L=%3/W=%4/b=%5/%6")
      .arg(QLatin1String(prefix))
      .arg(QString::fromStdString(c.at("activation").get<std::string>()))
      .arg(c.at("depth").get<int>())
      .arg(QString::fromStdString(c.at("W_std_str").get<std::string>()))
      .arg(QString::fromStdString(c.at("b_std_str").get<std::string>()))
      .arg(QLatin1String(key));
}

class TestReferenceKernels : public QObject {
  Q_OBJECT
  nlohmann::json m_ref;
  Eigen::MatrixXd m_inputs;
  Worst m_worst, m_worstOff, m_worstEdge;
  int m_checked = 0;

private slots:
  void initTestCase()
  {
    m_ref = ntktest::loadJson("kernels_public.json");
    m_inputs = ntktest::toMatrix(m_ref.at("inputs"));
    QCOMPARE(m_inputs.rows(), Eigen::Index(12));
    QCOMPARE(m_inputs.cols(), Eigen::Index(3));
    QVERIFY(m_ref.at("configs").size() >= 24);
  }

  void reference_data()
  {
    QTest::addColumn<int>("config");
    QTest::addColumn<QString>("key");
    const auto& configs = m_ref.at("configs");
    for (size_t i = 0; i < configs.size(); ++i) {
      const auto& c = configs[i];
      for (const char* key : {"nngp", "ntk", "ntk_standard_width1", "ntk_standard_width5", "ntk_standard_width1_nobias",
                              "ntk_standard_width5_nobias", "nngp_nobias", "ntk_nobias"}) {
        if (!c.contains(key)) continue;
        QTest::newRow(qPrintable(rowName("", c, key))) << int(i) << QString(key);
      }
    }
  }

  void reference()
  {
    QFETCH(int, config);
    QFETCH(QString, key);
    const auto& c = m_ref.at("configs")[size_t(config)];
    const std::string k = key.toStdString();
    const bool nobias = key.endsWith("_nobias");
    const bool standard = key.startsWith("ntk_standard_width");
    const int hidden = key.startsWith("ntk_standard_width1") ? 1 : key.startsWith("ntk_standard_width5") ? 5 : 512;
    std::optional<double> bStd = c.at("b_std").get<double>();
    if (nobias) {
      QCOMPARE(*bStd, 0.0); // *_nobias variants exist only for b_std = 0
      bStd.reset();
    }
    const Network net = ntktest::mlp(3, c.at("depth").get<int>(), activationOf(c.at("activation")),
                                     c.at("W_std").get<double>(), bStd, hidden, 1,
                                     standard ? Parameterization::Standard : Parameterization::Ntk);
    const Eigen::MatrixXd ref = ntktest::toMatrix(c.at(k));
    const GramResult g = computeGram(net, m_inputs, nullptr);
    const bool wantNngp = key.startsWith("nngp");
    const Eigen::MatrixXd& got = wantNngp ? g.nngp : g.ntk;
    QCOMPARE(got.rows(), ref.rows());
    QCOMPARE(got.cols(), ref.cols());
    QVERIFY2(got.allFinite(), "NaN/inf in the Gram");
    const double scale = ref.cwiseAbs().maxCoeff();
    Eigen::MatrixXd diff = (got - ref).cwiseAbs();
    const double errDiag = diff.diagonal().maxCoeff() / scale;
    diff.diagonal().setZero();
    const double errOff = diff.maxCoeff() / scale;
    const double err = std::max(errOff, errDiag);
    m_worst.update(err, QTest::currentDataTag());
    m_worstOff.update(errOff, QTest::currentDataTag());
    ++m_checked;
    if (!(err <= 1e-12))
      qWarning("%s: max|K-ref|/max|ref| = %.3e off-diagonal, %.3e on the diagonal", QTest::currentDataTag(), errOff,
               errDiag);
    QVERIFY2(errOff <= 1e-12, qPrintable(QString("off-diagonal relative error %1 > 1e-12").arg(errOff, 0, 'e', 3)));
    // The diagonal is where arccos is ill-conditioned (rho = 1): a 1-ulp mismatch between the per-point
    // variance and the pair value would show here as ~1e-8 (a bug this test caught once).
    QVERIFY2(errDiag <= 1e-12, qPrintable(QString("diagonal relative error %1 > 1e-12").arg(errDiag, 0, 'e', 3)));
  }

  // Focused form of the diagonal check: relu, L = 2, W_std = 1, b_std = 0 gives T(x,x) = q/2, Tdot = 1/2,
  // so Theta(x,x) = q/2 + q/2 = q = |x|^2/3 exactly (up to one rounding) for every input.
  void diagonalRhoIsExactlyOne()
  {
    const Network net = ntktest::mlp(3, 2, Activation(ActivationKind::Relu), 1.0, 0.0, 512);
    const GramResult g = computeGram(net, m_inputs, nullptr);
    double worst = 0.0;
    for (Eigen::Index i = 0; i < m_inputs.rows(); ++i) {
      const double q = m_inputs.row(i).squaredNorm() / 3.0;
      QVERIFY(std::abs(g.nngp(i, i) - 0.5 * q) <= 1e-15 * q); // T(x,x) = q/2 is well conditioned
      worst = std::max(worst, std::abs(g.ntk(i, i) - q) / q);
    }
    qInfo("relu L=2 NTK diagonal: worst |Theta(x,x) - |x|^2/3| / (|x|^2/3) = %.3e", worst);
    QVERIFY2(worst <= 1e-14, qPrintable(QString("diagonal relative error %1").arg(worst, 0, 'e', 3)));
  }

  void edgeCases_data()
  {
    QTest::addColumn<int>("config");
    QTest::addColumn<QString>("key");
    const auto& configs = m_ref.at("edge_cases").at("configs");
    QVERIFY(!configs.empty());
    for (size_t i = 0; i < configs.size(); ++i) {
      const auto& c = configs[i];
      for (const char* key : {"nngp", "ntk"}) {
        if (!c.contains(key)) continue;
        QTest::newRow(qPrintable(rowName("edge/", c, key))) << int(i) << QString(key);
      }
    }
  }

  void edgeCases()
  {
    QFETCH(int, config);
    QFETCH(QString, key);
    const auto& e = m_ref.at("edge_cases");
    const auto& c = e.at("configs")[size_t(config)];
    const Eigen::MatrixXd X = ntktest::toMatrix(e.at("inputs"));
    const Network net = ntktest::mlp(int(X.cols()), c.at("depth").get<int>(), activationOf(c.at("activation")),
                                     c.at("W_std").get<double>(), c.at("b_std").get<double>(), 512);
    const Eigen::MatrixXd ref = ntktest::toMatrix(c.at(key.toStdString()));
    const GramResult g = computeGram(net, X, nullptr);
    const Eigen::MatrixXd& got = key == "nngp" ? g.nngp : g.ntk;
    QVERIFY2(got.allFinite(), "NaN/inf in an edge-case Gram (arccos/asin not clamped?)");
    const double err = relErrToMax(got, ref);
    m_worstEdge.update(err, QTest::currentDataTag());
    QVERIFY2(err <= 1e-7, qPrintable(QString("relative error %1 > 1e-7").arg(err, 0, 'e', 3)));
  }

  void cleanupTestCase()
  {
    qInfo("reference kernels: %d matrices checked, worst max|K-ref|/max|ref| = %.3e (%s)", m_checked, m_worst.err,
          qPrintable(m_worst.where));
    qInfo("reference kernels: worst off-diagonal error = %.3e (%s)", m_worstOff.err, qPrintable(m_worstOff.where));
    qInfo("edge cases: worst max|K-ref|/max|ref| = %.3e (%s)", m_worstEdge.err, qPrintable(m_worstEdge.where));
  }
};

QTEST_APPLESS_MAIN(TestReferenceKernels)
#include "test_reference_kernels.moc"
