// test_cli_experiment_training — `ntk-cli experiment evolution` and `experiment linearization` as a user
// scripts them: the CSV header (--header) and rows (every k steps and the last, per width and seed), the JSON line's
// keys and its means over seeds recomputed from the rows; the linearised column equals the kernel column
// (closed form with Θ_0, f_0) and the finite one is close to it at width 512; a learning rate past 2/λ_max
// is reported as divergent with finite rows; bad input gives exit 2, one line and no file.
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

#include <nlohmann/json.hpp>

#include "CliRun.h"
#include "TestUtil.h"
#include "core/network/NetworkJson.h"
#include "core/util/MatrixIO.h"

using namespace ntk;
using ntktest::runCli;
using Run = ntktest::CliRun;

namespace {

/// A CSV with a header line: the numbers below it.
Eigen::MatrixXd readTable(const QString& path)
{
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return {};
  QStringList lines = QString(f.readAll()).split('\n', Qt::SkipEmptyParts);
  lines.removeFirst();
  Eigen::MatrixXd m(lines.size(), lines.isEmpty() ? 0 : lines[0].split(',').size());
  for (int i = 0; i < lines.size(); ++i) {
    const QStringList cells = lines[i].split(',');
    for (int j = 0; j < cells.size() && j < m.cols(); ++j) m(i, j) = cells[j].toDouble();
  }
  return m;
}

/// The first line of a file (the CSV header), without its line break.
QString headerOf(const QString& path)
{
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? QString(f.readLine()).trimmed() : QString();
}

} // namespace

class TestCliExperimentTraining : public QObject {
  Q_OBJECT

private slots:
  void initTestCase()
  {
    QVERIFY(m_dir.isValid());
    saveNetwork(ntktest::mlp(2, 3, Activation(ActivationKind::Relu), std::sqrt(2.0), 0.1, 64), path("net.json"));
    saveNetwork(ntktest::mlp(2, 2, Activation(ActivationKind::Relu), 1.0, 0.1, 8, 2), path("net2.json"));
    const Eigen::MatrixXd X = ntktest::uniformInputs(10, 2, 3);
    const Eigen::MatrixXd Y = (4.0 * X.col(0)).array().sin().matrix();
    writeCsvMatrix(path("x.csv"), X);
    writeCsvMatrix(path("y.csv"), Y);
    writeCsvMatrix(path("xt.csv"), ntktest::uniformInputs(6, 2, 4));
    writeCsvMatrix(path("x3.csv"), ntktest::uniformInputs(10, 3, 3));
    writeCsvMatrix(path("y9.csv"), Y.topRows(9));
    QVERIFY(ntktest::writeAll(qpath("nan.csv"), "0.1,0.2\nnan,0.3\n0.4,0.5\n0.1,0.1\n0.2,0.2\n0.3,0.3\n0.4,0.4\n0.5,0.5\n0.6,0.6\n0.7,0.7\n"));
    QVERIFY(ntktest::writeAll(qpath("bad.csv"), "0.1,abc\n"));
  }

  void evolutionRowsAndJson()
  {
    const Run r = runCli({"experiment", "evolution", "--net", qpath("net.json"), "--x", qpath("x.csv"), "--y", qpath("y.csv"),
                          "--widths", "16,128", "--seeds", "2", "--lr", "0.5", "--steps", "25", "--record-every", "10",
                          "--out", qpath("ev.csv"), "--header"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QCOMPARE(headerOf(qpath("ev.csv")), QString("width,seed,step,loss,kernel_distance,weight_change,kernel_velocity"));
    const Eigen::MatrixXd rows = readTable(qpath("ev.csv"));
    QCOMPARE(rows.rows(), Eigen::Index(2 * 2 * 4)); // steps 0, 10, 20, 25 per run
    QCOMPARE(rows.cols(), Eigen::Index(7));
    QVERIFY(rows.allFinite());
    const auto j = nlohmann::json::parse(r.out.trimmed().toStdString());
    QCOMPARE(j["widths"].size(), size_t(2));
    QCOMPARE(j["widths"][1].get<int>(), 128);
    QCOMPARE(j["diverged"][0].get<bool>(), false);
    for (int w = 0; w < 2; ++w) {
      double distance = 0.0, change = 0.0;
      for (Eigen::Index i = 0; i < rows.rows(); ++i)
        if (rows(i, 0) == (w ? 128 : 16) && rows(i, 2) == 25) {
          distance += rows(i, 4) / 2;
          change += rows(i, 5) / 2;
        }
      QVERIFY(std::abs(j["final_kernel_distance"][w].get<double>() - distance) <= 1e-15 + 1e-12 * distance);
      QVERIFY(std::abs(j["final_weight_change"][w].get<double>() - change) <= 1e-12 * change);
      QVERIFY(change > 0.0);
    }
    // Step 0: no distance, no weight change; the loss falls.
    QCOMPARE(rows(0, 2), 0.0);
    QCOMPARE(rows(0, 4), 0.0);
    QCOMPARE(rows(0, 5), 0.0);
    QVERIFY(rows(3, 3) < rows(0, 3));
  }

  void evolutionDivergenceIsReported()
  {
    const Run r = runCli({"experiment", "evolution", "--net", qpath("net.json"), "--x", qpath("x.csv"), "--y", qpath("y.csv"),
                          "--widths", "16", "--seeds", "1", "--lr", "100", "--steps", "200", "--out", qpath("div.csv")});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY(r.err.contains("diverged"));
    const auto j = nlohmann::json::parse(r.out.trimmed().toStdString());
    QCOMPARE(j["diverged"][0].get<bool>(), true);
    QVERIFY(j["max_stable_lr"][0].get<double>() < 100.0);
    const Eigen::MatrixXd rows = readMatrix(path("div.csv")); // no --header: numbers only
    QVERIFY(rows.allFinite());
    QVERIFY(rows(rows.rows() - 1, 2) < 200);
  }

  void linearizationColumns()
  {
    const Run r = runCli({"experiment", "linearization", "--net", qpath("net.json"), "--x", qpath("x.csv"), "--y", qpath("y.csv"),
                          "--xtest", qpath("xt.csv"), "--width", "512", "--lr", "0.5", "--steps", "50", "--out", qpath("lin.csv"), "--header"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QCOMPARE(headerOf(qpath("lin.csv")), QString("x_0,x_1,finite,linearised,kernel"));
    const Eigen::MatrixXd p = readTable(qpath("lin.csv"));
    QCOMPARE(p.rows(), Eigen::Index(6));
    QVERIFY((p.leftCols(2) - readMatrix(path("xt.csv"))).cwiseAbs().maxCoeff() < 1e-15);
    const auto j = nlohmann::json::parse(r.out.trimmed().toStdString());
    const double lk = (p.col(3) - p.col(4)).cwiseAbs().maxCoeff(), fl = (p.col(2) - p.col(3)).cwiseAbs().maxCoeff();
    QVERIFY(lk < 1e-10);
    QVERIFY(fl < 0.05 && fl > 0.0);
    QVERIFY(std::abs(j["max_abs_linearised_minus_kernel"].get<double>() - lk) < 1e-15);
    QVERIFY(std::abs(j["max_abs_finite_minus_linearised"].get<double>() - fl) < 1e-15);
    QCOMPARE(j["linearised_diverged"].get<bool>(), false);
  }

  void refusals_data()
  {
    QTest::addColumn<QStringList>("args");
    const QStringList ev{"experiment", "evolution", "--x", qpath("x.csv"), "--y", qpath("y.csv"), "--steps", "5", "--out", qpath("o.csv")};
    const QStringList lin{"experiment", "linearization", "--x", qpath("x.csv"), "--y", qpath("y.csv"), "--xtest", qpath("xt.csv"),
                          "--steps", "5", "--out", qpath("o.csv")};
    const QString net = qpath("net.json");
    QTest::newRow("width 0") << ev + QStringList{"--net", net, "--widths", "16,0", "--lr", "0.1"};
    QTest::newRow("width text") << ev + QStringList{"--net", net, "--widths", "16,x", "--lr", "0.1"};
    QTest::newRow("lr 0") << ev + QStringList{"--net", net, "--lr", "0"};
    QTest::newRow("lr negative") << ev + QStringList{"--net", net, "--lr", "-1"};
    QTest::newRow("lr nan") << ev + QStringList{"--net", net, "--lr", "nan"};
    QTest::newRow("steps negative") << QStringList{"experiment", "evolution", "--net", net, "--x", qpath("x.csv"), "--y", qpath("y.csv"),
                                                   "--lr", "0.1", "--steps", "-1", "--out", qpath("o.csv")};
    QTest::newRow("seeds 0") << ev + QStringList{"--net", net, "--lr", "0.1", "--seeds", "0"};
    QTest::newRow("record-every 0") << ev + QStringList{"--net", net, "--lr", "0.1", "--record-every", "0"};
    QTest::newRow("two outputs") << ev + QStringList{"--net", qpath("net2.json"), "--lr", "0.1"};
    QTest::newRow("nan input") << QStringList{"experiment", "evolution", "--net", net, "--x", qpath("nan.csv"), "--y", qpath("y.csv"),
                                              "--lr", "0.1", "--steps", "5", "--out", qpath("o.csv")};
    QTest::newRow("malformed csv") << QStringList{"experiment", "evolution", "--net", net, "--x", qpath("bad.csv"), "--y", qpath("y.csv"),
                                                  "--lr", "0.1", "--steps", "5", "--out", qpath("o.csv")};
    QTest::newRow("input_dim") << QStringList{"experiment", "evolution", "--net", net, "--x", qpath("x3.csv"), "--y", qpath("y.csv"),
                                              "--lr", "0.1", "--steps", "5", "--out", qpath("o.csv")};
    QTest::newRow("targets") << QStringList{"experiment", "evolution", "--net", net, "--x", qpath("x.csv"), "--y", qpath("y9.csv"),
                                            "--lr", "0.1", "--steps", "5", "--out", qpath("o.csv")};
    QTest::newRow("header for npy") << QStringList{"experiment", "evolution", "--net", net, "--x", qpath("x.csv"), "--y", qpath("y.csv"),
                                                   "--lr", "0.1", "--steps", "5", "--out", qpath("o.npy"), "--header"};
    QTest::newRow("linearization width 0") << lin + QStringList{"--net", net, "--width", "0", "--lr", "0.1"};
    QTest::newRow("linearization lr 0") << lin + QStringList{"--net", net, "--width", "8", "--lr", "0"};
    QTest::newRow("linearization test dim") << QStringList{"experiment", "linearization", "--net", net, "--x", qpath("x.csv"), "--y",
                                                           qpath("y.csv"), "--xtest", qpath("x3.csv"), "--width", "8", "--lr", "0.1",
                                                           "--steps", "5", "--out", qpath("o.csv")};
  }
  void refusals()
  {
    QFETCH(QStringList, args);
    QFile::remove(qpath("o.csv"));
    const Run r = runCli(args);
    QCOMPARE(r.code, 2);
    QCOMPARE(r.err.trimmed().count('\n'), 0);
    QVERIFY(r.err.startsWith("ntk-cli: "));
    QVERIFY(r.out.isEmpty());
    QVERIFY(!QFile::exists(qpath("o.csv")) && !QFile::exists(qpath("o.npy")));
  }

private:
  std::string path(const char* name) const { return (m_dir.path() + "/" + name).toStdString(); }
  QString qpath(const char* name) const { return m_dir.path() + "/" + name; }
  QTemporaryDir m_dir;
};

QTEST_APPLESS_MAIN(TestCliExperimentTraining)
#include "test_cli_experiment_training.moc"
