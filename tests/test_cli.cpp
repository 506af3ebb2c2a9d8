// ntk-cli as a user scripts it (CONVENTIONS §5): the kernel command reproduces the reference kernels
// through files, writes .npy, runs the Monte-Carlo kernel, and bad input gives one line on stderr and
// exit code 2; `bench gram` prints one JSON line with the agreed keys.
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include "CliRun.h"
#include "TestUtil.h"
#include "core/kernels/NtkGram.h"
#include "core/network/NetworkJson.h"
#include "core/util/MatrixIO.h"

using namespace ntk;

using ntktest::runCli;
using Run = ntktest::CliRun;

class TestCli : public QObject {
  Q_OBJECT

private slots:
  void initTestCase()
  {
    QVERIFY(m_dir.isValid());
    const auto ref = ntktest::loadJson("kernels_public.json");
    m_inputs = ntktest::toMatrix(ref.at("inputs"));
    writeCsvMatrix(path("x.csv"), m_inputs);
    // relu, L = 3, W_std = √2, b_std = 0.1: a config of the reference file.
    for (const auto& c : ref.at("configs"))
      if (c.at("activation") == "relu" && c.at("depth") == 3 && c.at("b_std").get<double>() == 0.1) m_config = c;
    QVERIFY(!m_config.is_null());
    Network net;
    net.inputDim = 3;
    for (int i = 0; i < 2; ++i) {
      net.layers.push_back(DenseLayer{5, m_config.at("W_std").get<double>(), 0.1});
      net.layers.push_back(ActivationLayer{Activation(ActivationKind::Relu)});
    }
    net.layers.push_back(DenseLayer{1, m_config.at("W_std").get<double>(), 0.1});
    saveNetwork(net, path("net.json"));
    net.parameterization = Parameterization::Standard;
    saveNetwork(net, path("net_std.json"));
  }

  void kernelReproducesTheReference_data()
  {
    QTest::addColumn<QString>("net");
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("out");
    QTest::newRow("ntk csv") << "net.json" << "ntk" << "ntk" << "k.csv";
    QTest::newRow("nngp csv") << "net.json" << "nngp" << "nngp" << "k2.csv";
    QTest::newRow("ntk npy") << "net.json" << "ntk" << "ntk" << "k.npy";
    QTest::newRow("standard width 5") << "net_std.json" << "ntk" << "ntk_standard_width5" << "k3.csv";
  }

  void kernelReproducesTheReference()
  {
    QFETCH(QString, net);
    QFETCH(QString, kind);
    QFETCH(QString, key);
    QFETCH(QString, out);
    const Run r = runCli({"kernel", "--net", qpath(net), "--x", qpath("x.csv"), "--kind", kind, "--out", qpath(out)});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const Eigen::MatrixXd K = readMatrix(path(out.toStdString()));
    const Eigen::MatrixXd ref = ntktest::toMatrix(m_config.at(key.toStdString()));
    QVERIFY2(ntktest::relErrToMax(K, ref) <= 1e-12, qPrintable(QString::number(ntktest::relErrToMax(K, ref))));
  }

  void secondInputSetAndThreads()
  {
    writeCsvMatrix(path("x2.csv"), m_inputs.topRows(5));
    const Run r = runCli({"kernel", "--net", qpath("net.json"), "--x", qpath("x.csv"), "--x2", qpath("x2.csv"), "--out",
                          qpath("k12.csv"), "--threads", "1"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const Eigen::MatrixXd K = readMatrix(path("k12.csv"));
    QCOMPARE(K.rows(), Eigen::Index(12));
    QCOMPARE(K.cols(), Eigen::Index(5));
    const Eigen::MatrixXd ref = ntktest::toMatrix(m_config.at("ntk"));
    QVERIFY(ntktest::relErrToMax(K, ref.leftCols(5)) <= 1e-12);
  }

  void empiricalKernelIsCloseAtLargeWidth()
  {
    const Run r = runCli({"kernel", "--net", qpath("net.json"), "--x", qpath("x.csv"), "--out", qpath("emp.csv"),
                          "--empirical", "--width", "2048", "--samples", "2", "--seed", "3"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const Eigen::MatrixXd K = readMatrix(path("emp.csv"));
    const Eigen::MatrixXd ref = ntktest::toMatrix(m_config.at("ntk"));
    const double rel = (K - ref).norm() / ref.norm();
    QVERIFY2(rel < 0.15 && rel > 1e-6, qPrintable(QString::number(rel))); // ≈ 3/√2048/√2 ≈ 0.05, never exact
    // Same seed, same numbers.
    const Run again = runCli({"kernel", "--net", qpath("net.json"), "--x", qpath("x.csv"), "--out", qpath("emp2.csv"),
                              "--empirical", "--width", "2048", "--samples", "2", "--seed", "3"});
    QCOMPARE(again.code, 0);
    QVERIFY(readMatrix(path("emp2.csv")) == K);
  }

  void badInputGivesOneLineAndExitTwo_data()
  {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("mustContain");
    QFile bad(qpath("bad.json"));
    bad.open(QIODevice::WriteOnly);
    bad.write(R"({"input_dim": 3, "layers": [{"type": "dense", "width": 1, "W_std": "big"}]})");
    bad.close();
    QFile ragged(qpath("ragged.csv"));
    ragged.open(QIODevice::WriteOnly);
    ragged.write("1,2,3\n4,5\n");
    ragged.close();
    writeCsvMatrix(path("x2d.csv"), Eigen::MatrixXd::Ones(3, 2));
    const QString net = qpath("net.json"), x = qpath("x.csv"), out = qpath("o.csv");
    QTest::newRow("no subcommand") << QStringList{} << "subcommand";
    QTest::newRow("missing --net") << QStringList{"kernel", "--x", x, "--out", out} << "--net";
    QTest::newRow("missing file") << QStringList{"kernel", "--net", qpath("nope.json"), "--x", x, "--out", out} << "nope.json";
    QTest::newRow("bad kind") << QStringList{"kernel", "--net", net, "--x", x, "--out", out, "--kind", "rbf"} << "rbf";
    QTest::newRow("bad network") << QStringList{"kernel", "--net", qpath("bad.json"), "--x", x, "--out", out} << "W_std";
    QTest::newRow("ragged csv") << QStringList{"kernel", "--net", net, "--x", qpath("ragged.csv"), "--out", out} << "ragged.csv:2";
    QTest::newRow("wrong width") << QStringList{"kernel", "--net", net, "--x", qpath("x2d.csv"), "--out", out} << "input_dim";
    QTest::newRow("negative width") << QStringList{"kernel", "--net", net, "--x", x, "--out", out, "--empirical", "--width", "-4"} << "width";
    QTest::newRow("unwritable out") << QStringList{"kernel", "--net", net, "--x", x, "--out", "/nonexistent/dir/k.csv"} << "nonexistent";
    QTest::newRow("bench too few repeats") << QStringList{"bench", "gram", "--net", net, "--m", "10", "--repeats", "2"} << "repeats";
    QTest::newRow("bench wrong dim") << QStringList{"bench", "gram", "--net", net, "--m", "10", "--dim", "2"} << "dim";
    // Short validators (CLI::PositiveNumber printed a 300-character range), no silent wrap or ignore.
    QTest::newRow("samples 0") << QStringList{"kernel", "--net", net, "--x", x, "--out", out, "--empirical", "--samples", "0"}
                               << "--samples must be >= 1";
    QTest::newRow("threads -1") << QStringList{"kernel", "--net", net, "--x", x, "--out", out, "--threads", "-1"}
                                << "--threads must be >= 0";
    QTest::newRow("bench threads -1") << QStringList{"bench", "--threads", "-1", "gram", "--net", net} << "--threads must be >= 0";
    QTest::newRow("width not a number") << QStringList{"kernel", "--net", net, "--x", x, "--out", out, "--empirical", "--width", "wide"}
                                        << "--width must be an integer";
    QTest::newRow("seed -1") << QStringList{"kernel", "--net", net, "--x", x, "--out", out, "--empirical", "--seed", "-1"} << "--seed";
    QTest::newRow("seed 2^64") << QStringList{"kernel", "--net", net, "--x", x, "--out", out, "--empirical", "--seed", "18446744073709551616"}
                               << "--seed";
    QTest::newRow("dim -5") << QStringList{"bench", "gram", "--net", net, "--m", "10", "--dim", "-5"} << "--dim must be >= 1";
    QTest::newRow("width without --empirical") << QStringList{"kernel", "--net", net, "--x", x, "--out", out, "--width", "64"}
                                               << "--empirical";
    QTest::newRow("samples without --empirical") << QStringList{"kernel", "--net", net, "--x", x, "--out", out, "--samples", "2"}
                                                 << "--empirical";
    QTest::newRow("seed without --empirical") << QStringList{"kernel", "--net", net, "--x", x, "--out", out, "--seed", "2"}
                                              << "--empirical";
    // Sizes and numbers that cannot be computed: refused before any allocation, never written as inf.
    QFile overflow(qpath("overflow.json"));
    overflow.open(QIODevice::WriteOnly);
    overflow.write(R"({"input_dim": 3, "layers": [{"type": "dense", "width": 4, "W_std": 1e200}, {"type": "relu"},
                      {"type": "dense", "width": 1, "W_std": 1e200}]})");
    overflow.close();
    QTest::newRow("overflowing kernel") << QStringList{"kernel", "--net", qpath("overflow.json"), "--x", x, "--out", out}
                                        << "layers[0]: the variance overflows";
    QFile levels(qpath("levels.json"));
    levels.open(QIODevice::WriteOnly);
    levels.write(R"({"input_dim": 3, "encoding": {"type": "positional", "levels": 1073741824},
                     "layers": [{"type": "dense", "width": 1}]})");
    levels.close();
    QTest::newRow("levels 2^30") << QStringList{"kernel", "--net", qpath("levels.json"), "--x", x, "--out", out} << "encoding.levels";
    QTest::newRow("bench m too large") << QStringList{"bench", "gram", "--net", net, "--m", "100000000"} << "needs";
    QFile trailing(qpath("trailing.csv"));
    trailing.open(QIODevice::WriteOnly);
    trailing.write("0.1,0.2,0.3,\n");
    trailing.close();
    QTest::newRow("trailing comma csv") << QStringList{"kernel", "--net", net, "--x", qpath("trailing.csv"), "--out", out}
                                        << "trailing.csv:1: column 4 is empty";
  }

  void badInputGivesOneLineAndExitTwo()
  {
    QFETCH(QStringList, args);
    QFETCH(QString, mustContain);
    const Run r = runCli(args);
    const QString problem = ntktest::refusalProblem(r, mustContain, m_dir.path());
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
  }

  // Every command accepts --threads, `bench` included; a seed takes the full uint64 range.
  void threadsOnEveryCommand()
  {
    const Run r = runCli({"bench", "--threads", "1", "gram", "--net", qpath("net.json"), "--m", "50"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QCOMPARE(nlohmann::json::parse(r.out.toStdString()).at("threads").get<int>(), 1);
    const Run k = runCli({"kernel", "--threads", "1", "--net", qpath("net.json"), "--x", qpath("x.csv"), "--out",
                          qpath("kt.csv"), "--empirical", "--width", "8", "--seed", "18446744073709551615"});
    QVERIFY2(k.code == 0, qPrintable(k.err));
  }

  void helpOnEveryCommand()
  {
    for (const QStringList& args : {QStringList{"--help"}, QStringList{"kernel", "--help"}, QStringList{"bench", "--help"},
                                    QStringList{"bench", "gram", "--help"}}) {
      const Run r = runCli(args);
      QCOMPARE(r.code, 0);
      QVERIFY2(r.out.contains(QStringLiteral("Usage")), qPrintable(r.out));
    }
  }

  void benchPrintsOneJsonLine()
  {
    const Run r = runCli({"bench", "gram", "--net", qpath("net.json"), "--m", "300", "--threads", "1"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QCOMPARE(r.out.trimmed().count(QLatin1Char('\n')), 0);
    const auto j = nlohmann::json::parse(r.out.toStdString());
    QVERIFY(j.at("seconds").get<double>() > 0);
    QCOMPARE(j.at("entries").get<double>(), 300.0 * 300.0);
    QCOMPARE(j.at("threads").get<int>(), 1);
    QVERIFY(std::abs(j.at("entries_per_second").get<double>() - 90000.0 / j.at("seconds").get<double>()) <
            1e-6 * j.at("entries_per_second").get<double>());
  }

private:
  std::string path(const std::string& name) const { return m_dir.filePath(QString::fromStdString(name)).toStdString(); }
  std::string path(const char* name) const { return path(std::string(name)); }
  QString qpath(const QString& name) const { return m_dir.filePath(name); }

  QTemporaryDir m_dir;
  Eigen::MatrixXd m_inputs;
  nlohmann::json m_config;
};

QTEST_APPLESS_MAIN(TestCli)
#include "test_cli.moc"
