// `ntk-cli sweep-image` and `fit-image --sigma auto / --ridge auto` as a user scripts them (CONVENTIONS §5):
// the sweep prints its table, writes the CSV (documented header, one row per fit, then bicubic) and the JSON
// report, whose numbers equal the core sweep run in-process (with --mlp-steps too: the MLP columns); fit-image's report gives the chosen σ and
// ridge, equal to selectSigmaRidge in-process; bad input is one line, exit 2, and no file.
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

#include "CliRun.h"
#include "ImageTestUtil.h"
#include "core/image/Image.h"
#include "core/image/ImageEncodingSweep.h"
#include "core/image/ImageRidgeSelection.h"
#include "core/network/NetworkJson.h"

using namespace ntk;
using ntktest::number;
using ntktest::readJson;
using ntktest::refusalProblem;
using ntktest::runCli;

class TestCliSweepImage : public QObject {
  Q_OBJECT

  QTemporaryDir m_dir;
  QString qpath(const char* name) const { return m_dir.path() + QLatin1Char('/') + QLatin1String(name); }
  std::string path(const char* name) const { return qpath(name).toStdString(); }

private slots:
  void initTestCase()
  {
    QVERIFY(m_dir.isValid());
    // The bundled photograph at 32 × 32: encoding none (256 training pixels) is solved densely.
    const Image big = readPng(std::string(NTK_RESOURCES_DIR) + "/images/astronaut_256.png");
    writePng(path("small.png"), ntktest::boxDownscale(big, 8));
    Network g = Network::defaultNetwork(2).withHiddenWidth(64);
    g.encoding.kind = EncodingKind::Gaussian;
    g.encoding.features = 64;
    g.encoding.seed = 1;
    saveNetwork(g, path("gauss.json"));
    Network b = g;
    b.encoding = Encoding{};
    b.encoding.kind = EncodingKind::Basic;
    saveNetwork(b, path("basic.json"));
  }

  void sweepWritesTheTableCsvAndReport()
  {
    const auto r = runCli({"sweep-image", "--image", qpath("small.png"), "--net", qpath("gauss.json"), "--sigmas", "2,8",
                           "--out", qpath("t.csv"), "--report", qpath("t.json")});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const QStringList lines = r.out.trimmed().split(QLatin1Char('\n'));
    QCOMPARE(lines.size(), 1 + 6 + 1); // header, none, basic, 2 positional, 2 gaussian, bicubic
    QVERIFY(lines.last().startsWith("bicubic"));

    const QStringList csv = QString::fromUtf8(ntktest::readAll(qpath("t.csv"))).trimmed().split(QLatin1Char('\n'));
    QCOMPARE(csv.size(), 1 + 6 + 1);
    QCOMPARE(csv[0], QStringLiteral("encoding,sigma,ridge,path,cg_iterations,psnr_train,psnr_heldout,psnr_test,seconds,status,note"));
    QVERIFY(csv[1].startsWith("none,,"));
    QCOMPARE(csv[1].split(QLatin1Char(','))[2].toDouble(), 1e-6);
    QVERIFY(csv[1].contains(",dense,"));
    QVERIFY(csv[7].startsWith("bicubic,"));

    // The numbers are the core sweep's.
    const Network net = loadNetwork(path("gauss.json"));
    EncodingSweepOptions o;
    o.sigmas = {2.0, 8.0};
    const EncodingSweepResult core = sweepImageEncodings(net, readPng(path("small.png")), 2, o);
    const nlohmann::json j = readJson(qpath("t.json"));
    QVERIFY(j.is_object());
    QCOMPARE(int(j["rows"].size()), 6);
    for (int i = 0; i < 6; ++i) {
      const auto& row = j["rows"][size_t(i)];
      QCOMPARE(QString::fromStdString(row["encoding"].get<std::string>()),
               QString::fromStdString(Encoding::kindName(core.rows[size_t(i)].encoding)));
      QCOMPARE(QString::fromStdString(row["status"].get<std::string>()), QStringLiteral("ok"));
      QCOMPARE(number(row, "psnr_heldout"), core.rows[size_t(i)].psnrHeldOut);
      const QStringList cells = csv[i + 1].split(QLatin1Char(','));
      QCOMPARE(cells[6].toDouble(), core.rows[size_t(i)].psnrHeldOut);
    }
    QCOMPARE(number(j, "bicubic_psnr_heldout"), core.bicubicPsnrHeldOut);
  }

  void sweepWithMlpStepsAddsTheMlpColumns()
  {
    const auto r = runCli({"sweep-image", "--image", qpath("small.png"), "--net", qpath("gauss.json"), "--sigmas", "2,8",
                           "--mlp-steps", "6", "--mlp-lr", "0.01", "--mlp-batch", "64", "--seed", "5", "--out",
                           qpath("m.csv"), "--report", qpath("m.json")});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const QStringList lines = r.out.trimmed().split(QLatin1Char('\n'));
    QCOMPARE(lines.size(), 1 + 6 + 1);
    QVERIFY(lines[0].contains("MLP train") && lines[0].contains("MLP held-out"));

    EncodingSweepOptions o;
    o.sigmas = {2.0, 8.0};
    o.mlpSteps = 6;
    o.mlp.learningRate = 0.01;
    o.mlp.batchSize = 64;
    o.mlp.seed = 5;
    const EncodingSweepResult core = sweepImageEncodings(loadNetwork(path("gauss.json")), readPng(path("small.png")), 2, o);
    const QStringList csv = QString::fromUtf8(ntktest::readAll(qpath("m.csv"))).trimmed().split(QLatin1Char('\n'));
    QCOMPARE(csv.size(), 1 + 6 + 1);
    QCOMPARE(csv[0], QStringLiteral("encoding,sigma,ridge,path,cg_iterations,psnr_train,psnr_heldout,psnr_test,seconds,"
                                    "status,note,mlp_psnr_train,mlp_psnr_heldout,mlp_psnr_test,mlp_seconds,mlp_status,mlp_note"));
    const nlohmann::json j = readJson(qpath("m.json"));
    QCOMPARE(int(j["mlp_settings"]["steps"].get<int>()), 6);
    QCOMPARE(number(j["mlp_settings"], "lr"), 0.01);
    QCOMPARE(int(j["mlp_settings"]["seed"].get<int>()), 5);
    for (int i = 0; i < 6; ++i) {
      const EncodingSweepMlp& m = core.rows[size_t(i)].mlp;
      const auto& row = j["rows"][size_t(i)]["mlp"];
      QCOMPARE(QString::fromStdString(row["status"].get<std::string>()), QStringLiteral("ok"));
      QCOMPARE(number(row, "psnr_heldout"), m.psnrHeldOut);
      QCOMPARE(number(row, "psnr_train"), m.psnrTrain);
      const QStringList cells = csv[i + 1].split(QLatin1Char(','));
      QCOMPARE(cells.size(), 17);
      QCOMPARE(cells[12].toDouble(), m.psnrHeldOut);
      QCOMPARE(cells[15], QStringLiteral("ok"));
    }
    QCOMPARE(csv[7].split(QLatin1Char(',')).size(), 17); // bicubic: empty MLP cells
    // Without --mlp-steps the rows have no MLP object.
    QVERIFY(!readJson(qpath("t.json"))["rows"][0].contains("mlp"));
  }

  void sweepSigmaRangeIsLogSpaced()
  {
    const auto r = runCli({"sweep-image", "--image", qpath("small.png"), "--net", qpath("gauss.json"), "--encodings",
                           "gaussian", "--sigma-range", "1:16:5", "--report", qpath("range.json")});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const nlohmann::json j = readJson(qpath("range.json"));
    QCOMPARE(int(j["rows"].size()), 5);
    const double expected[] = {1.0, 2.0, 4.0, 8.0, 16.0};
    for (int i = 0; i < 5; ++i) QVERIFY(std::abs(number(j["rows"][size_t(i)], "sigma") - expected[i]) < 1e-12);
  }

  void sweepRefusesBadInput_data()
  {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::newRow("sigma 0") << QStringList{"--sigmas", "2,0"} << "> 0 (--sigmas)";
    QTest::newRow("sigma text") << QStringList{"--sigmas", "2,x"} << "--sigmas must be a number";
    QTest::newRow("range") << QStringList{"--sigma-range", "4:2:3"} << "--sigma-range";
    QTest::newRow("both") << QStringList{"--sigmas", "2", "--sigma-range", "1:2:2"} << "excludes";
    QTest::newRow("encoding") << QStringList{"--encodings", "basic,fourier"} << "unknown encoding 'fourier'";
    QTest::newRow("ridge") << QStringList{"--ridge", "-1"} << "--ridge";
    QTest::newRow("stride") << QStringList{"--stride", "40"} << "stride";
    QTest::newRow("mlp steps") << QStringList{"--mlp-steps", "-1"} << "--mlp-steps";
    QTest::newRow("mlp lr alone") << QStringList{"--mlp-lr", "0.01"} << "--mlp-lr applies with --mlp-steps N > 0 only";
    QTest::newRow("seed alone") << QStringList{"--seed", "3"} << "--seed applies with --mlp-steps N > 0 only";
    QTest::newRow("mlp lr 0") << QStringList{"--mlp-steps", "3", "--mlp-lr", "0"} << "--mlp-lr must be a finite number > 0";
  }
  void sweepRefusesBadInput()
  {
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    QFile::remove(qpath("bad.csv"));
    const auto r = runCli(QStringList{"sweep-image", "--image", qpath("small.png"), "--out", qpath("bad.csv")} + args);
    const QString problem = refusalProblem(r, message, m_dir.path());
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QVERIFY(!QFile::exists(qpath("bad.csv")));
  }

  void fitImageSigmaAutoReportsTheChoice()
  {
    const auto r = runCli({"fit-image", "--image", qpath("small.png"), "--net", qpath("gauss.json"), "--method", "ntk",
                           "--sigma", "auto", "--ridge", "auto", "--out", qpath("auto.png"), "--report", qpath("auto.json")});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const nlohmann::json j = readJson(qpath("auto.json"));
    QVERIFY(j.contains("selection"));
    // With --ridge auto the default criterion is ml-quant.
    QCOMPARE(QString::fromStdString(j["selection"]["criterion"].get<std::string>()), QStringLiteral("ml-quant"));
    RidgeSelectionOptions quant;
    quant.criterion = SelectionCriterion::QuantisedLikelihood;
    const RidgeSelection core = selectSigmaRidge(loadNetwork(path("gauss.json")), readPng(path("small.png")), 2, quant);
    QCOMPARE(number(j, "sigma"), core.sigma);
    QCOMPARE(number(j, "ridge"), core.ridge);
    QVERIFY(number(j, "psnr_heldout") > 15.0);

    const auto ml = runCli({"fit-image", "--image", qpath("small.png"), "--net", qpath("gauss.json"), "--method", "nngp",
                            "--sigma", "auto", "--criterion", "ml", "--out", qpath("ml.png"), "--report", qpath("ml.json")});
    QVERIFY2(ml.code == 0, qPrintable(ml.err));
    const nlohmann::json jm = readJson(qpath("ml.json"));
    QCOMPARE(number(jm, "ridge"), 1e-6); // the default ridge, kept
    QVERIFY(number(jm, "sigma") >= 1.0 && number(jm, "sigma") <= 32.0);

    // σ alone at a given ridge: gcv by default.
    const auto g = runCli({"fit-image", "--image", qpath("small.png"), "--net", qpath("gauss.json"), "--method", "ntk",
                           "--sigma", "auto", "--out", qpath("g.png"), "--report", qpath("g.json")});
    QVERIFY2(g.code == 0, qPrintable(g.err));
    const nlohmann::json jg = readJson(qpath("g.json"));
    QCOMPARE(QString::fromStdString(jg["selection"]["criterion"].get<std::string>()), QStringLiteral("gcv"));
    RidgeSelectionOptions sigmaOnly;
    sigmaOnly.chooseRidge = false;
    QCOMPARE(number(jg, "sigma"), selectSigmaRidge(loadNetwork(path("gauss.json")), readPng(path("small.png")), 2, sigmaOnly).sigma);
  }

  void fitImageAutoRefusesBadInput_data()
  {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");
    QTest::newRow("basic") << QStringList{"--net", qpath("basic.json"), "--method", "ntk", "--sigma", "auto"}
                           << "--sigma needs a positional or gaussian encoding";
    QTest::newRow("ridge 0") << QStringList{"--net", qpath("gauss.json"), "--method", "ntk", "--sigma", "auto", "--ridge", "0"}
                             << "ridge > 0";
    QTest::newRow("criterion alone") << QStringList{"--net", qpath("gauss.json"), "--method", "ntk", "--criterion", "ml"}
                                     << "--criterion applies";
    QTest::newRow("mlp") << QStringList{"--net", qpath("gauss.json"), "--method", "mlp", "--sigma", "auto"}
                         << "--sigma applies to --method ntk and nngp only";
    QTest::newRow("sigma text") << QStringList{"--net", qpath("gauss.json"), "--method", "ntk", "--sigma", "big"}
                                << "--sigma must be a number";
  }
  void fitImageAutoRefusesBadInput()
  {
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    QFile::remove(qpath("bad.png"));
    const auto r = runCli(QStringList{"fit-image", "--image", qpath("small.png"), "--out", qpath("bad.png"), "--report",
                                      qpath("bad.json")} + args);
    const QString problem = refusalProblem(r, message, m_dir.path());
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QVERIFY(!QFile::exists(qpath("bad.png")));
  }
};

QTEST_APPLESS_MAIN(TestCliSweepImage)
#include "test_cli_sweep_image.moc"
