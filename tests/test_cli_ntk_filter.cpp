// `ntk-cli ntk-filter` as a user scripts it (CONVENTIONS §5): F.csv is ntkFilterAt's normalised row,
// called here in-process on the network topoptNetwork builds from the same options (bit for bit), laid out
// nely rows × nelx columns with 1 at row ey, column ex; the report carries the radius, the element, the
// grid, the network and Θ's peak and minimum as ntkFilterAt computes them; a saved network (--net) gives
// the same files as its options; the radius grows with the Fourier length scale ℓ (1, 2, 4); a problem
// file sets the grid; every refusal (element off the grid, ℓ ≤ 0, NaN, options of another route) is
// exit 2, one line, and no file.
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

#include <nlohmann/json.hpp>

#include "CliRun.h"
#include "core/network/NetworkJson.h"
#include "core/topopt/NtkFilter.h"
#include "core/topopt/TopoptNetwork.h"
#include "core/topopt/TopoptProblemJson.h"
#include "core/util/MatrixIO.h"

using namespace ntk;
using ntktest::refusalProblem;
using ntktest::number;
using ntktest::readAll;
using ntktest::readJson;
using ntktest::runCli;

namespace {


} // namespace

Q_DECLARE_METATYPE(ntk::TopoptNetworkOptions)

class TestCliNtkFilter : public QObject {
  Q_OBJECT

  QTemporaryDir m_dir;
  QString qpath(const QString& name) const { return m_dir.path() + QLatin1Char('/') + name; }
  std::string path(const QString& name) const { return qpath(name).toStdString(); }

  /// Runs `ntk-filter` with the given arguments and --out STEM.csv (or `ext`) / --report STEM.json; the report.
  nlohmann::json runFilter(const QStringList& args, const QString& stem, const QString& ext = "csv")
  {
    const auto r = runCli(QStringList{"ntk-filter"} + args +
                          QStringList{"--out", qpath(stem + "." + ext), "--report", qpath(stem + ".json")});
    if (r.code != 0 || !r.out.isEmpty()) {
      qWarning("exit %d, stdout '%s', stderr '%s'", r.code, qPrintable(r.out), qPrintable(r.err));
      return {};
    }
    return readJson(qpath(stem + ".json"));
  }

private slots:
  void initTestCase() { QVERIFY(m_dir.isValid()); }

  // The CSV is ntkFilterAt's row, in-process, on the network the same options build; the report's numbers too.
  void equalsInProcess_data()
  {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<TopoptNetworkOptions>("options");
    TopoptNetworkOptions fourier;
    fourier.ell = 3.0;
    fourier.width = 32;
    fourier.beta = 0.2;
    fourier.featureSeed = 4;
    QTest::newRow("fourier relu") << QStringList{"--ell", "3", "--width", "32", "--beta", "0.2", "--seed", "4"} << fourier;
    TopoptNetworkOptions torus;
    torus.embedding = TopoptEmbedding::Torus;
    torus.activation = ActivationKind::Sin;
    torus.omega = 2.0;
    QTest::newRow("torus sin") << QStringList{"--embedding", "torus", "--activation", "sin", "--omega", "2"} << torus;
    TopoptNetworkOptions raw;
    raw.embedding = TopoptEmbedding::None;
    raw.beta = 0.0;
    QTest::newRow("raw coordinates") << QStringList{"--embedding", "none", "--beta", "0"} << raw;
  }

  void equalsInProcess()
  {
    QFETCH(QStringList, args);
    QFETCH(TopoptNetworkOptions, options);
    const int nelx = 24, nely = 10, ex = 5, ey = 3;
    const nlohmann::json j = runFilter(args + QStringList{"--nelx", "24", "--nely", "10", "--at", "5,3"}, "row");
    QVERIFY2(j.is_object(), "no report");
    const Network net = topoptNetwork(options, nelx, nely);
    const NtkFilterRow row = ntkFilterAt(net, nelx, nely, ex, ey);

    const Eigen::MatrixXd csv = readCsvMatrix(path("row.csv"));
    QCOMPARE(csv.rows(), Eigen::Index(nely));
    QCOMPARE(csv.cols(), Eigen::Index(nelx));
    // Element e = ex·nely + ey at row ey, column ex; 17 digits round-trip exactly.
    double worst = 0.0;
    for (int x = 0; x < nelx; ++x)
      for (int y = 0; y < nely; ++y) worst = std::max(worst, std::abs(csv(y, x) - row.weights(x * nely + y)));
    QVERIFY2(worst <= 1e-15, qPrintable(QString::number(worst, 'g', 3)));
    QCOMPARE(csv(ey, ex), 1.0);
    QVERIFY(csv.minCoeff() >= 0.0 && csv.maxCoeff() <= 1.0);

    QCOMPARE(number(j, "radius"), row.radius);
    QCOMPARE(number(j, "raw_peak"), row.raw(ex * nely + ey));
    QCOMPARE(number(j, "raw_min"), row.raw.minCoeff());
    QCOMPARE(j["element"], nlohmann::json::array({ex, ey}));
    QCOMPARE(number(j, "nelx"), double(nelx));
    QCOMPARE(number(j, "nely"), double(nely));
    QCOMPARE(j["network"].get<std::string>(), net.summary());
    QCOMPARE(j["nn"]["embedding"].get<std::string>(), embeddingName(options.embedding));
    QCOMPARE(number(j["nn"], "width"), double(options.width));
    QCOMPARE(number(j["nn"], "beta"), options.beta);
    QVERIFY(!j.contains("problem"));

    // .npy by extension: the same numbers.
    QVERIFY(runFilter(args + QStringList{"--nelx", "24", "--nely", "10", "--at", "5,3"}, "rownpy", "npy").is_object());
    QCOMPARE(readNpyMatrix(path("rownpy.npy")), csv);

    // A saved network (--net) is the same network: the same files.
    saveNetwork(net, path("net.json"));
    QVERIFY(runFilter({"--net", qpath("net.json"), "--nelx", "24", "--nely", "10", "--at", "5,3"}, "saved").is_object());
    QCOMPARE(readAll(qpath("saved.csv")), readAll(qpath("row.csv")));
    QCOMPARE(readJson(qpath("saved.json"))["nn"]["net"].get<std::string>(), path("net.json"));
  }

  // The peak is 1 at the chosen element and nowhere else (a stationary Fourier kernel); the default element
  // is the centre; the filter is the infinite-width limit, so --width leaves it unchanged.
  void peakAtElement()
  {
    QVERIFY(runFilter({"--nelx", "24", "--nely", "10", "--at", "17,8", "--ell", "2"}, "peak").is_object());
    const Eigen::MatrixXd w = readCsvMatrix(path("peak.csv"));
    QCOMPARE(w(8, 17), 1.0);
    Eigen::Index r = 0, c = 0;
    w.maxCoeff(&r, &c);
    QCOMPARE(r, Eigen::Index(8));
    QCOMPARE(c, Eigen::Index(17));
    Eigen::MatrixXd others = w;
    others(8, 17) = 0.0;
    QVERIFY2(others.maxCoeff() < 1.0, "another element reaches the peak");

    const nlohmann::json centre = runFilter({"--nelx", "24", "--nely", "10", "--width", "8"}, "centre");
    QVERIFY(centre.is_object());
    QCOMPARE(centre["element"], nlohmann::json::array({12, 5}));
    QCOMPARE(readCsvMatrix(path("centre.csv"))(5, 12), 1.0);
    QVERIFY(runFilter({"--nelx", "24", "--nely", "10", "--at", "12,5"}, "centre128").is_object());
    QCOMPARE(readAll(qpath("centre.csv")), readAll(qpath("centre128.csv")));
  }

  // A wider Fourier length scale is a wider filter: the radius grows with ℓ = 1, 2, 4.
  void radiusGrowsWithEll()
  {
    double previous = 0.0;
    for (const char* ell : {"1", "2", "4"}) {
      const nlohmann::json j = runFilter({"--nelx", "40", "--nely", "40", "--ell", ell}, QString("ell") + ell);
      QVERIFY2(j.is_object(), ell);
      const double radius = number(j, "radius");
      QCOMPARE(number(j["nn"], "ell"), std::stod(ell));
      // Doubling ℓ widens the half-maximum disc by well over half (1 → 2 → 4: about ×3, then ×2).
      QVERIFY2(radius > 1.5 * previous, qPrintable(QString("ell %1: radius %2 after %3").arg(ell).arg(radius).arg(previous)));
      // The radius is the disc of the area where the row is ≥ ½: count it in the CSV.
      const Eigen::MatrixXd w = readCsvMatrix(path(QString("ell") + ell + ".csv"));
      QCOMPARE(radius, std::sqrt(double((w.array() >= 0.5).count()) / M_PI));
      previous = radius;
    }
    QVERIFY2(previous > 2.5, qPrintable(QString::number(previous)));
  }

  // A problem file sets the grid; the report names it.
  void problemFileGrid()
  {
    TopoptProblem p = presetProblem("cantilever", 16, 6);
    p.name = "small cantilever";
    saveTopoptProblem(p, path("cantilever.json"));
    const nlohmann::json j = runFilter({"--problem", qpath("cantilever.json"), "--at", "15,0"}, "file");
    QVERIFY2(j.is_object(), "no report");
    QCOMPARE(j["problem"].get<std::string>(), std::string("small cantilever"));
    QCOMPARE(j["problem_file"].get<std::string>(), path("cantilever.json"));
    QCOMPARE(number(j, "nelx"), 16.0);
    const Eigen::MatrixXd w = readCsvMatrix(path("file.csv"));
    QCOMPARE(w.rows(), Eigen::Index(6));
    QCOMPARE(w.cols(), Eigen::Index(16));
    QCOMPARE(w(0, 15), 1.0);
  }

  void refusals_data()
  {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("mustContain");
    TopoptNetworkOptions options;
    options.width = 8;
    saveNetwork(topoptNetwork(options, 60, 20), path("net8.json"));
    Network three = topoptNetwork(options, 60, 20);
    three.inputDim = 3;
    saveNetwork(three, path("dim3.json"));
    saveTopoptProblem(presetProblem("mbb", 8, 4), path("mbb8.json"));
    QTest::newRow("element right of the grid") << QStringList{"--at", "60,3"} << "--at 60,3 is off the 60 x 20 grid";
    QTest::newRow("element below the grid") << QStringList{"--at", "0,20"} << "--at 0,20 is off the 60 x 20 grid";
    QTest::newRow("element negative") << QStringList{"--at", "-1,0"} << "is off the 60 x 20 grid";
    QTest::newRow("element off a file's grid") << QStringList{"--problem", qpath("mbb8.json"), "--at", "8,0"} << "off the 8 x 4 grid";
    QTest::newRow("element one number") << QStringList{"--at", "3"} << "--at must be two integers ex,ey";
    QTest::newRow("element not integers") << QStringList{"--at", "1.5,2"} << "--at must be two integers ex,ey";
    QTest::newRow("ell 0") << QStringList{"--ell", "0"} << "--ell must be in (0, inf) (got '0')";
    QTest::newRow("ell negative") << QStringList{"--ell", "-2"} << "--ell must be in (0, inf) (got '-2')";
    QTest::newRow("ell nan") << QStringList{"--ell", "nan"} << "--ell must be in (0, inf) (got 'nan')";
    QTest::newRow("ell inf") << QStringList{"--ell", "inf"} << "--ell must be in (0, inf)";
    QTest::newRow("beta nan") << QStringList{"--beta", "nan"} << "--beta must be in [0, 1) (got 'nan')";
    QTest::newRow("omega nan") << QStringList{"--activation", "sin", "--omega", "nan"} << "--omega must be in (0, inf)";
    QTest::newRow("ell with torus") << QStringList{"--embedding", "torus", "--ell", "3"} << "--ell applies to --embedding fourier only";
    QTest::newRow("omega with relu") << QStringList{"--omega", "3"} << "--omega applies to --activation sin only";
    QTest::newRow("seed with torus") << QStringList{"--embedding", "torus", "--seed", "3"} << "--seed applies to --embedding fourier only";
    QTest::newRow("seed with --net") << QStringList{"--net", qpath("net8.json"), "--seed", "3"} << "--seed draws the Fourier features: not with --net";
    QTest::newRow("width with --net") << QStringList{"--net", qpath("net8.json"), "--width", "8"} << "--width builds a network: not with --net";
    QTest::newRow("input_dim 3") << QStringList{"--net", qpath("dim3.json")} << "input_dim";
    QTest::newRow("zero-size grid") << QStringList{"--nelx", "0"} << "--nelx must be >= 1";
    QTest::newRow("grid too large") << QStringList{"--nelx", "100000", "--nely", "100000"} << "more than 4000000 elements";
    QTest::newRow("file grid differs") << QStringList{"--problem", qpath("mbb8.json"), "--nelx", "9"} << "--nelx 9 differs from the problem file's nelx 8";
    QTest::newRow("unknown preset") << QStringList{"--problem", "truss"} << "--problem 'truss' is neither a preset";
    // Options of other routes (topopt's) are not options of ntk-filter.
    QTest::newRow("topopt --rmin") << QStringList{"--rmin", "2"} << "--rmin";
    QTest::newRow("topopt --lr") << QStringList{"--lr", "0.1"} << "--lr";
    QTest::newRow("topopt --method") << QStringList{"--method", "nn"} << "--method";
  }

  void refusals()
  {
    QFETCH(QStringList, args);
    QFETCH(QString, mustContain);
    QFile::remove(qpath("refused.csv"));
    QFile::remove(qpath("refused.json"));
    const auto r = runCli(QStringList{"ntk-filter"} + args + QStringList{"--out", qpath("refused.csv"), "--report", qpath("refused.json")});
    const QString problem = refusalProblem(r, mustContain, m_dir.path());
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QVERIFY2(r.err.startsWith("ntk-cli: "), qPrintable(r.err));
    QVERIFY2(!QFile::exists(qpath("refused.csv")), "F.csv written");
    QVERIFY2(!QFile::exists(qpath("refused.json")), "report written");
  }

  void listedInHelp()
  {
    const auto r = runCli({"--help"});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains("ntk-filter"), qPrintable(r.out));
  }
};

QTEST_APPLESS_MAIN(TestCliNtkFilter)
#include "test_cli_ntk_filter.moc"
