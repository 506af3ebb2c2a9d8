// test_cli_experiment — `ntk-cli experiment width` and `experiment theory` as a user scripts them:
// the table's header line and rows equal runWidthSweep in-process (17 significant digits), the JSON line's
// slope is the least-squares fit of the table's rows; --x, --kind nngp and .npy output work; theory
// prints kernelTheoryReadouts of the analytic Gram; bad input (width 0, seeds 0, --x with --m, malformed
// or NaN CSV, wrong input_dim, --m for a non-2-D network, mismatched targets) is one line, exit 2 and
// no output file.
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

#include "CliRun.h"
#include "TestUtil.h"
#include "core/finite/KernelTheoryReadouts.h"
#include "core/finite/WidthSweep.h"
#include "core/kernels/NtkGram.h"
#include "core/network/NetworkJson.h"
#include "core/util/MatrixIO.h"

using namespace ntk;
using ntktest::runCli;
using Run = ntktest::CliRun;

class TestCliExperiment : public QObject {
  Q_OBJECT

private slots:
  void initTestCase()
  {
    QVERIFY(m_dir.isValid());
    // The README's network: 2 hidden ReLU layers on the circle (its own widths are replaced).
    m_net = loadNetwork(std::string(NTK_RESOURCES_DIR) + "/networks/relu_circle.json");
    saveNetwork(m_net, path("net.json"));
    saveNetwork(ntktest::mlp(3, 3, Activation(ActivationKind::Erf), 1.3, 0.2, 64), path("net3.json"));
    m_X3 = ntktest::uniformInputs(10, 3, 8);
    writeCsvMatrix(path("x3.csv"), m_X3);
    QVERIFY(ntktest::writeAll(qpath("bad.csv"), "0.1,0.2,0.3\n0.4,abc,0.6\n"));
    QVERIFY(ntktest::writeAll(qpath("nan.csv"), "0.1,0.2,0.3\n0.4,nan,0.6\n"));
  }

  void widthTableAndJson()
  {
    const Run r = runCli({"experiment", "width", "--net", qpath("net.json"), "--m", "16", "--widths", "64,16,32",
                          "--seeds", "3", "--seed", "7", "--out", qpath("w.csv")});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const QStringList lines = QString(ntktest::readAll(qpath("w.csv"))).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 4);
    QCOMPARE(lines[0], QString("width,mean_rel_error,std_rel_error"));
    // In-process: the same numbers, to the last of 17 digits.
    WidthSweepOptions o;
    o.widths = {16, 32, 64};
    o.seeds = 3;
    o.seed = 7;
    const WidthSweepResult ref = runWidthSweep(m_net, circlePoints(16), o);
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int i = 0; i < 3; ++i) {
      const QStringList cells = lines[i + 1].split(',');
      QCOMPARE(cells.size(), 3);
      QCOMPARE(cells[0].toInt(), ref.rows[size_t(i)].width);
      QCOMPARE(cells[1].toDouble(), ref.rows[size_t(i)].meanRelError);
      QCOMPARE(cells[2].toDouble(), ref.rows[size_t(i)].stdRelError);
      const double x = std::log(cells[0].toDouble()), y = std::log(cells[1].toDouble());
      sx += x, sy += y, sxx += x * x, sxy += x * y;
    }
    // One JSON line on stdout; its slope is the fit of the table's rows.
    QCOMPARE(r.out.trimmed().count('\n'), 0);
    const nlohmann::json j = nlohmann::json::parse(r.out.toStdString(), nullptr, false);
    QVERIFY2(j.is_object(), qPrintable(r.out));
    const double slope = (3 * sxy - sx * sy) / (3 * sxx - sx * sx);
    QVERIFY(std::abs(ntktest::number(j, "slope") - slope) < 1e-12);
    QVERIFY(std::abs(ntktest::number(j, "intercept") - (sy - slope * sx) / 3.0) < 1e-12);
    QCOMPARE(j["widths"], nlohmann::json({16, 32, 64}));
    QCOMPARE(j["normalised"], false);
    QCOMPARE(j["mean_scale"].size(), size_t(3));
    QVERIFY(ntktest::number(j, "seconds") >= 0.0);
    QCOMPARE(j["seeds"], 3);
    QCOMPARE(j["points"], 16);
  }

  void widthFromFileNngpToNpy()
  {
    const Run r = runCli({"experiment", "width", "--net", qpath("net3.json"), "--x", qpath("x3.csv"), "--widths", "8,24",
                          "--seeds", "2", "--kind", "nngp", "--threads", "1", "--out", qpath("w.npy")});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const Eigen::MatrixXd t = readMatrix(path("w.npy"));
    QCOMPARE(t.rows(), Eigen::Index(2));
    QCOMPARE(t.cols(), Eigen::Index(3));
    WidthSweepOptions o;
    o.widths = {8, 24};
    o.seeds = 2;
    o.kind = KernelKind::Nngp;
    const WidthSweepResult ref = runWidthSweep(loadNetwork(path("net3.json")), m_X3, o);
    QCOMPARE(t(1, 1), ref.rows[1].meanRelError);
  }

  void theoryReadouts()
  {
    const Eigen::VectorXd y = (4.0 * m_X3.col(0)).array().sin() + m_X3.col(2).array();
    writeCsvMatrix(path("y.csv"), y);
    const Run r = runCli({"experiment", "theory", "--net", qpath("net3.json"), "--x", qpath("x3.csv"), "--y",
                          qpath("y.csv"), "--seed", "3"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const nlohmann::json j = nlohmann::json::parse(r.out.toStdString(), nullptr, false);
    QVERIFY2(j.is_object(), qPrintable(r.out));
    const KernelTheoryReadouts ref =
        kernelTheoryReadouts(kernelMatrix(loadNetwork(path("net3.json")), m_X3, nullptr, KernelKind::Ntk), y, 3);
    QCOMPARE(ntktest::number(j, "lambda_min"), ref.lambdaMin);
    QCOMPARE(ntktest::number(j, "lambda_max"), ref.lambdaMax);
    QCOMPARE(ntktest::number(j, "max_stable_lr"), ref.maxStableLearningRate);
    QCOMPARE(ntktest::number(j, "complexity"), ref.complexity);
    QCOMPARE(ntktest::number(j, "shuffled_complexity"), ref.shuffledComplexity);
    QCOMPARE(j["singular"], ref.singular);
  }

  void refusals_data()
  {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("reason");
    const QString net = qpath("net.json"), net3 = qpath("net3.json"), out = qpath("refused.csv");
    const QStringList base{"experiment", "width", "--out", out};
    QTest::newRow("width 0") << (base + QStringList{"--net", net, "--widths", "16,0"}) << "--widths";
    QTest::newRow("width text") << (base + QStringList{"--net", net, "--widths", "16,x"}) << "--widths";
    QTest::newRow("width empty entry") << (base + QStringList{"--net", net, "--widths", "16,,32"}) << "--widths";
    QTest::newRow("width twice") << (base + QStringList{"--net", net, "--widths", "16,16"}) << "twice";
    QTest::newRow("seeds 0") << (base + QStringList{"--net", net, "--seeds", "0"}) << "--seeds";
    QTest::newRow("m 0") << (base + QStringList{"--net", net, "--m", "0"}) << "--m";
    QTest::newRow("x and m") << (base + QStringList{"--net", net3, "--x", qpath("x3.csv"), "--m", "8"}) << "excludes";
    QTest::newRow("malformed csv") << (base + QStringList{"--net", net3, "--x", qpath("bad.csv")}) << "bad.csv";
    QTest::newRow("nan csv") << (base + QStringList{"--net", net3, "--x", qpath("nan.csv"), "--widths", "8"}) << "not finite";
    QTest::newRow("input_dim") << (base + QStringList{"--net", net, "--x", qpath("x3.csv")}) << "input_dim";
    QTest::newRow("m for 3-D net") << (base + QStringList{"--net", net3}) << "input_dim";
    QTest::newRow("kind") << (base + QStringList{"--net", net, "--kind", "gp"}) << "--kind";
    QTest::newRow("theory y rows") << QStringList{"experiment", "theory", "--net", net3, "--x", qpath("x3.csv"), "--y",
                                                  qpath("x3.csv")}
                                   << "target";
    QTest::newRow("no experiment") << QStringList{"experiment"} << "subcommand";
    QTest::newRow("bench repeats") << QStringList{"bench", "experiment-width", "--repeats", "2"} << "--repeats";
  }
  void refusals()
  {
    QFETCH(QStringList, args);
    QFETCH(QString, reason);
    QFile::remove(qpath("refused.csv"));
    const Run r = runCli(args);
    const QString problem = ntktest::refusalProblem(r, reason, m_dir.path());
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QVERIFY(!QFile::exists(qpath("refused.csv")));
  }

private:
  std::string path(const char* name) const { return (m_dir.path() + "/" + name).toStdString(); }
  QString qpath(const char* name) const { return m_dir.path() + "/" + name; }

  QTemporaryDir m_dir;
  Network m_net;
  Eigen::MatrixXd m_X3;
};

QTEST_APPLESS_MAIN(TestCliExperiment)
#include "test_cli_experiment.moc"
