// `ntk-cli regress` as a user scripts it (CONVENTIONS §5): PRED.csv equals ntk::NystromRegression called
// in-process with the same options (17 significant digits: 1e-15); with --centres ≥ n it is the exact
// dense regression K(XT, X)(K + λI)⁻¹Y of the engine's Gram (1e-8); the report gives the centres, CG
// iterations and residual; --header names the columns; .npy in and out; every refusal (input_dim mismatch
// in X or XT, Y rows ≠ X rows, NaN, --centres 0, a bad ridge, options of other commands) is exit 2, one
// line, and no file.
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

#include "CliRun.h"
#include "TestUtil.h"
#include "core/kernels/NtkGram.h"
#include "core/network/NetworkJson.h"
#include "core/regression/NystromRegression.h"
#include "core/util/MatrixIO.h"

using namespace ntk;
using ntktest::number;
using ntktest::readAll;
using ntktest::readJson;
using ntktest::refusalProblem;
using ntktest::runCli;

class TestCliRegress : public QObject {
  Q_OBJECT

  QTemporaryDir m_dir;
  Network m_net;
  Eigen::MatrixXd m_x, m_y, m_xt;
  QString qpath(const QString& name) const { return m_dir.path() + QLatin1Char('/') + name; }
  std::string path(const QString& name) const { return qpath(name).toStdString(); }
  QStringList base(const QString& out) const
  {
    return {"regress", "--quiet", "--net", qpath("net.json"), "--x", qpath("x.csv"), "--y", qpath("y.csv"),
            "--xtest", qpath("xt.csv"), "--out", qpath(out)};
  }

private slots:
  void initTestCase()
  {
    QVERIFY(m_dir.isValid());
    m_net = ntktest::mlp(2, 3, Activation(ActivationKind::Relu), std::sqrt(2.0), 0.1, 128);
    saveNetwork(m_net, path("net.json"));
    m_x = ntktest::uniformInputs(400, 2, 1);
    m_xt = ntktest::uniformInputs(37, 2, 2);
    m_y.resize(m_x.rows(), 2);
    for (Eigen::Index i = 0; i < m_x.rows(); ++i) {
      m_y(i, 0) = std::sin(6.0 * m_x(i, 0)) + m_x(i, 1) * m_x(i, 1);
      m_y(i, 1) = std::cos(4.0 * m_x(i, 1)) * m_x(i, 0);
    }
    writeMatrix(path("x.csv"), m_x);
    writeMatrix(path("y.csv"), m_y);
    writeMatrix(path("xt.csv"), m_xt);
  }

  void equalsInProcess()
  {
    const auto r = runCli(base("p.csv") + QStringList{"--centres", "60", "--kind", "nngp", "--ridge", "1e-4", "--seed", "9",
                                                      "--report", qpath("p.json")});
    QVERIFY2(r.code == 0 && r.out.isEmpty() && r.err.isEmpty(), qPrintable(r.err));
    NystromOptions o;
    o.kind = KernelKind::Nngp;
    o.ridge = 1e-4;
    o.centres = 60;
    o.seed = 9;
    const NystromRegression fit(m_net, m_x, m_y, o);
    const Eigen::MatrixXd expected = fit.predict(m_xt);
    const Eigen::MatrixXd got = readMatrix(path("p.csv"));
    QCOMPARE(got.rows(), m_xt.rows());
    QCOMPARE(got.cols(), Eigen::Index(2));
    QVERIFY(ntktest::relErrToMax(got, expected) <= 1e-15);
    const auto report = readJson(qpath("p.json"));
    QCOMPARE(number(report, "centres"), 60.0);
    QCOMPARE(number(report, "cg_iterations"), double(fit.cgIterations()));
    QCOMPARE(number(report, "residual"), fit.residual());
    QCOMPARE(number(report, "ridge_absolute"), fit.ridgeAbsolute());
    QCOMPARE(number(report, "train_points"), 400.0);
    QCOMPARE(number(report, "test_points"), 37.0);
    QVERIFY(report.value("exact", true) == false);
    QVERIFY(number(report, "seconds") >= 0.0);
  }

  void exactWithEveryPointACentre()
  {
    // The default ridge (1e-6) and --centres ≥ n: the dense regression, computed here from the engine's Gram.
    const auto r = runCli(base("e.npy") + QStringList{"--centres", "5000", "--report", qpath("e.json")});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    Eigen::MatrixXd K = kernelMatrix(m_net, m_x, nullptr, KernelKind::Ntk);
    K.diagonal().array() += 1e-6 * K.diagonal().mean();
    const Eigen::MatrixXd exact = kernelMatrix(m_net, m_xt, &m_x, KernelKind::Ntk) * K.llt().solve(m_y);
    const double err = ntktest::relErrToMax(readMatrix(path("e.npy")), exact);
    QVERIFY2(err <= 1e-8, qPrintable(QString::number(err)));
    const auto report = readJson(qpath("e.json"));
    QCOMPARE(number(report, "centres"), 400.0);
    QVERIFY(report.value("exact", false) == true);
  }

  void headerAndOneColumn()
  {
    writeMatrix(path("y1.csv"), m_y.col(0));
    auto args = base("h.csv");
    args[args.indexOf("--y") + 1] = qpath("y1.csv");
    const auto r = runCli(args + QStringList{"--header", "--centres", "50"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const QList<QByteArray> lines = readAll(qpath("h.csv")).trimmed().split('\n');
    QCOMPARE(lines.size(), 38);
    QCOMPARE(lines.front(), QByteArray("y_0"));
    QVERIFY(!lines[1].contains(','));
  }

  void refusals_data()
  {
    QTest::addColumn<QString>("replace"); // which input file is replaced by a bad one ("" = none)
    QTest::addColumn<QStringList>("extra");
    QTest::addColumn<QString>("needle");
    QTest::newRow("X has 3 columns") << "x" << QStringList{} << "has 3 columns but the network's input_dim is 2";
    QTest::newRow("XT has 3 columns") << "xt" << QStringList{} << "has 3 columns but the network's input_dim is 2";
    QTest::newRow("Y rows") << "y" << QStringList{} << "has 399 rows but";
    QTest::newRow("NaN in X") << "xnan" << QStringList{} << "NaN";
    QTest::newRow("centres 0") << "" << QStringList{"--centres", "0"} << "--centres must be >= 1";
    QTest::newRow("negative ridge") << "" << QStringList{"--ridge", "-1"} << "--ridge must be a finite number >= 0";
    QTest::newRow("ridge text") << "" << QStringList{"--ridge", "abc"} << "--ridge must be a number";
    QTest::newRow("kind") << "" << QStringList{"--kind", "rbf"} << "--kind";
    QTest::newRow("header with npy") << "" << QStringList{"--header", "--out", "ignored.npy"} << "--header";
    QTest::newRow("option of another command") << "" << QStringList{"--t", "1"} << "--t";
  }

  void refusals()
  {
    QFETCH(QString, replace);
    QFETCH(QStringList, extra);
    QFETCH(QString, needle);
    Eigen::MatrixXd x3(m_x.rows(), 3);
    x3 << m_x, Eigen::VectorXd::Zero(m_x.rows());
    Eigen::MatrixXd xt3(m_xt.rows(), 3);
    xt3 << m_xt, Eigen::VectorXd::Zero(m_xt.rows());
    Eigen::MatrixXd xnan = m_x;
    xnan(5, 1) = std::nan("");
    writeMatrix(path("x3.csv"), x3);
    writeMatrix(path("xt3.csv"), xt3);
    writeMatrix(path("y399.csv"), m_y.topRows(399));
    writeMatrix(path("xnan.npy"), xnan);
    QStringList args = base("refused.csv");
    if (replace == "x") args[args.indexOf("--x") + 1] = qpath("x3.csv");
    if (replace == "xt") args[args.indexOf("--xtest") + 1] = qpath("xt3.csv");
    if (replace == "y") args[args.indexOf("--y") + 1] = qpath("y399.csv");
    if (replace == "xnan") args[args.indexOf("--x") + 1] = qpath("xnan.npy");
    if (extra.contains("--out")) {
      args[args.indexOf("--out") + 1] = qpath("refused.npy");
      extra = QStringList{"--header"};
    }
    QFile::remove(qpath("refused.csv"));
    QFile::remove(qpath("refused.npy"));
    const auto r = runCli(args + extra);
    const QString problem = refusalProblem(r, needle, m_dir.path());
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QVERIFY(!QFile::exists(qpath("refused.csv")) && !QFile::exists(qpath("refused.npy")));
  }
};

QTEST_APPLESS_MAIN(TestCliRegress)
#include "test_cli_regress.moc"
