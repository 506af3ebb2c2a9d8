// `ntk-cli topopt` and `ntk-cli bench topopt` as a user scripts them (CONVENTIONS §5, §7): the report
// has the contract's keys with consistent values and DESIGN.csv is nely rows × nelx columns of the
// physical density; on top88's MBB half-beam (60 × 20, volfrac 0.5, penal 3, rmin 1.5) the CLI matches
// GNU Octave's top88 — first compliance 1007.0221 (1e-6 relative), density filter c = 218.80 in 127
// iterations, sensitivity filter c = 203.19 in 94 (0.5 %, ± 3 iterations); a problem file gives the same
// run as the preset it describes (a passive hole stays void); every refusal is exit 2, one line, and no
// file; --heaviside runs; the neural route writes the design at 1× and 2× the grid, and a saved
// network (--net) gives the same run as the options it was built from; bench prints one JSON line
// with the time split.
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

#include <nlohmann/json.hpp>

#include "CliRun.h"
#include "core/network/NetworkJson.h"
#include "core/topopt/NeuralTopopt.h"
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


void writeFile(const QString& file, const QByteArray& bytes)
{
  QFile f(file);
  QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
  QCOMPARE(f.write(bytes), qint64(bytes.size()));
}

double relative(double a, double b) { return std::abs(a - b) / std::abs(b); }

} // namespace

class TestCliTopopt : public QObject {
  Q_OBJECT

  QTemporaryDir m_dir;
  QString qpath(const QString& name) const { return m_dir.path() + QLatin1Char('/') + name; }
  std::string path(const QString& name) const { return qpath(name).toStdString(); }

  /// Runs `topopt` with the given arguments and --out/--report in the scratch directory; the report.
  nlohmann::json runTopopt(const QStringList& args, const QString& stem)
  {
    const auto r = runCli(QStringList{"topopt"} + args + QStringList{"--out", qpath(stem + ".csv"), "--report", qpath(stem + ".json")});
    if (r.code != 0 || !r.out.isEmpty()) {
      qWarning("exit %d, stdout '%s', stderr '%s'", r.code, qPrintable(r.out), qPrintable(r.err));
      return {};
    }
    return readJson(qpath(stem + ".json"));
  }

private slots:
  void initTestCase() { QVERIFY(m_dir.isValid()); }

  void reportKeysAndDesignShape()
  {
    const nlohmann::json j = runTopopt({"--problem", "cantilever", "--nelx", "30", "--nely", "10", "--max-iter", "6",
                                        "--volfrac", "0.4", "--filter", "sensitivity", "--rmin", "2"},
                                       "keys");
    QVERIFY2(j.is_object(), "no report");
    for (const char* key : {"iterations", "compliance", "volume", "seconds", "converged", "history", "problem", "nelx", "nely",
                            "method", "filter", "rmin", "penal", "volfrac", "timings", "solver"})
      QVERIFY2(j.contains(key), key);
    QCOMPARE(j["solver"].get<std::string>(), std::string("grid")); // auto: the fronts fit
    QCOMPARE(number(j, "iterations"), 6.0);
    QCOMPARE(j["converged"].get<bool>(), false);
    QCOMPARE(j["problem"].get<std::string>(), std::string("cantilever"));
    QCOMPARE(j["method"].get<std::string>(), std::string("simp"));
    QCOMPARE(j["filter"].get<std::string>(), std::string("sensitivity"));
    QCOMPARE(number(j, "nelx"), 30.0);
    QCOMPARE(number(j, "nely"), 10.0);
    QCOMPARE(number(j, "rmin"), 2.0);
    QCOMPARE(number(j, "penal"), 3.0);
    QCOMPARE(number(j, "volfrac"), 0.4);
    QVERIFY(number(j, "seconds") > 0.0);
    // history: the compliance of every iteration; the report's compliance is the last one.
    QVERIFY(j["history"].is_array());
    QCOMPARE(j["history"].size(), size_t(6));
    QCOMPARE(j["history"][5].get<double>(), number(j, "compliance"));
    for (const auto& c : j["history"]) QVERIFY(c.is_number() && c.get<double>() > 0.0);
    QVERIFY2(j["history"][5].get<double>() < j["history"][0].get<double>(), "the compliance did not fall");
    for (const char* key : {"assembly", "factorisation", "solve", "sensitivity", "filter", "update"})
      QVERIFY2(number(j["timings"], key) >= 0.0, key);

    // DESIGN.csv: nely rows × nelx columns of the physical density, whose mean is the report's volume.
    const Eigen::MatrixXd design = readCsvMatrix(path("keys.csv"));
    QCOMPARE(design.rows(), Eigen::Index(10));
    QCOMPARE(design.cols(), Eigen::Index(30));
    QVERIFY(design.minCoeff() >= 0.0 && design.maxCoeff() <= 1.0);
    QVERIFY2(std::abs(design.mean() - number(j, "volume")) < 1e-12, qPrintable(QString::number(design.mean(), 'g', 17)));
    // Sensitivity filter: the design variables are the physical density, at the volume fraction (OC bisection).
    QVERIFY2(std::abs(design.mean() - 0.4) < 1e-3, qPrintable(QString::number(design.mean(), 'g', 17)));
    // Row 0 is the top of the beam: the cantilever is symmetric about its middle row.
    QVERIFY2((design - design.colwise().reverse()).cwiseAbs().maxCoeff() < 1e-6, "design not symmetric top/bottom");
    // A plain matrix: 10 lines of 30 numbers, no header.
    const QList<QByteArray> lines = readAll(qpath("keys.csv")).trimmed().split('\n');
    QCOMPARE(lines.size(), 10);
    for (const QByteArray& line : lines) QCOMPARE(line.split(',').size(), 30);
  }

  // --heaviside: the report says so, β continuation runs, and the design stays in [0, 1].
  void heaviside()
  {
    const nlohmann::json j = runTopopt({"--nelx", "30", "--nely", "10", "--heaviside", "--max-iter", "8"}, "heaviside");
    QVERIFY2(j.is_object(), "no report");
    QCOMPARE(j["heaviside"].get<bool>(), true);
    QCOMPARE(j["filter"].get<std::string>(), std::string("density"));
    QCOMPARE(number(j, "iterations"), 8.0);
    const Eigen::MatrixXd design = readCsvMatrix(path("heaviside.csv"));
    QVERIFY(design.allFinite() && design.minCoeff() >= 0.0 && design.maxCoeff() <= 1.0);
  }

  void matchesTop88_data()
  {
    QTest::addColumn<QString>("filter");
    QTest::addColumn<double>("compliance");
    QTest::addColumn<int>("iterations");
    QTest::newRow("density") << "density" << 218.80 << 127;
    QTest::newRow("sensitivity") << "sensitivity" << 203.19 << 94;
  }

  // top88(60, 20, 0.5, 3, 1.5, ft) in GNU Octave, through the CLI with its defaults (mbb 60 × 20,
  // volfrac 0.5, penal 3, rmin 1.5).
  void matchesTop88()
  {
    QFETCH(QString, filter);
    QFETCH(double, compliance);
    QFETCH(int, iterations);
    const nlohmann::json j = runTopopt({"--filter", filter}, "top88_" + filter);
    QVERIFY2(j.is_object(), "no report");
    QCOMPARE(j["problem"].get<std::string>(), std::string("mbb"));
    QCOMPARE(number(j, "nelx"), 60.0);
    QCOMPARE(number(j, "nely"), 20.0);
    QVERIFY(j["converged"].get<bool>());
    QVERIFY2(relative(j["history"][0].get<double>(), 1007.0221) < 1e-6, qPrintable(QString::number(j["history"][0].get<double>(), 'g', 12)));
    QVERIFY2(relative(number(j, "compliance"), compliance) < 0.005, qPrintable(QString::number(number(j, "compliance"), 'g', 8)));
    QVERIFY2(std::abs(number(j, "iterations") - iterations) <= 3, qPrintable(QString::number(number(j, "iterations"))));
    QVERIFY2(std::abs(number(j, "volume") - 0.5) < 1e-3, qPrintable(QString::number(number(j, "volume"), 'g', 12)));
    const Eigen::MatrixXd design = readCsvMatrix(path("top88_" + filter + ".csv"));
    QCOMPARE(design.rows(), Eigen::Index(20));
    QCOMPARE(design.cols(), Eigen::Index(60));
    // The converged beam is mostly black and white (top88's figure; the density filter leaves grey
    // edges, about a third of the elements), with solid at the load (top-left).
    const double grey = ((design.array() > 0.1) && (design.array() < 0.9)).cast<double>().mean();
    QVERIFY2(grey < 0.45, qPrintable(QString::number(grey)));
    QVERIFY(design(0, 0) > 0.9);
  }

  // The same problem from a file: the same design byte for byte and the same report numbers.
  void problemFileEqualsPreset()
  {
    saveTopoptProblem(mbbProblem(30, 10), path("mbb30.json"));
    const QStringList common{"--max-iter", "15", "--rmin", "1.2"};
    const nlohmann::json a = runTopopt(QStringList{"--problem", "mbb", "--nelx", "30", "--nely", "10"} + common, "preset");
    const nlohmann::json b = runTopopt(QStringList{"--problem", qpath("mbb30.json")} + common, "file");
    // Giving the file's own grid again is allowed.
    const nlohmann::json c = runTopopt(QStringList{"--problem", qpath("mbb30.json"), "--nelx", "30"} + common, "file2");
    QVERIFY(a.is_object() && b.is_object() && c.is_object());
    QCOMPARE(readAll(qpath("file.csv")), readAll(qpath("preset.csv")));
    QCOMPARE(readAll(qpath("file2.csv")), readAll(qpath("preset.csv")));
    QVERIFY(!readAll(qpath("preset.csv")).isEmpty());
    QCOMPARE(b["history"], a["history"]);
    QCOMPARE(b["problem"], a["problem"]);
    QCOMPARE(b["problem_file"].get<std::string>(), path("mbb30.json"));
    QVERIFY(!a.contains("problem_file"));

    // A custom problem with passive elements: void stays 0, solid stays 1 in DESIGN.csv.
    TopoptProblem p = cantileverProblem(20, 10);
    p.name = "cantilever with a hole";
    p.passive.assign(size_t(p.elementCount()), PassiveKind::None);
    for (int ex = 6; ex < 10; ++ex)
      for (int ey = 3; ey < 7; ++ey) p.passive[size_t(p.elementIndex(ex, ey))] = PassiveKind::Void;
    p.passive[size_t(p.elementIndex(19, 0))] = PassiveKind::Solid;
    saveTopoptProblem(p, path("hole.json"));
    const nlohmann::json h = runTopopt({"--problem", qpath("hole.json"), "--max-iter", "10"}, "hole");
    QVERIFY(h.is_object());
    QCOMPARE(h["problem"].get<std::string>(), p.name);
    const Eigen::MatrixXd design = readCsvMatrix(path("hole.csv"));
    QCOMPARE(design.rows(), Eigen::Index(10));
    QCOMPARE(design.cols(), Eigen::Index(20));
    QCOMPARE(design.block(3, 6, 4, 4).maxCoeff(), 0.0);
    QCOMPARE(design(0, 19), 1.0);
  }

  void refusals_data()
  {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("mustContain");
    // Problem files: no supports (K singular), a load on a node that does not exist, malformed.
    const QString valid = R"({"nelx": 8, "nely": 4, "loads": [{"node": [8, 2], "force": [0, -1]}],
                             "supports": [{"node": [0, 0], "fix": "xy"}, {"node": [0, 4], "fix": "xy"}]})";
    writeFile(qpath("nosupport.json"), QString(valid).replace(R"([{"node": [0, 0], "fix": "xy"}, {"node": [0, 4], "fix": "xy"}])", "[]").toUtf8());
    writeFile(qpath("offgrid.json"), QString(valid).replace("[8, 2]", "[9, 2]").toUtf8());
    writeFile(qpath("malformed.json"), QString(valid).left(40).toUtf8());
    // Passes validate() (6 fixed DOFs on 3 nodes) but every support fixes x only: a rigid vertical
    // motion is free, K is singular, the factorisation refuses it.
    writeFile(qpath("mechanism.json"),
              QString(valid).replace(R"([{"node": [0, 0], "fix": "xy"}, {"node": [0, 4], "fix": "xy"}])",
                                     R"([{"node": [0, 0], "fix": "x"}, {"node": [0, 2], "fix": "x"}, {"node": [0, 4], "fix": "x"}])")
                  .toUtf8());
    writeFile(qpath("valid.json"), valid.toUtf8());
    QTest::newRow("zero-size grid") << QStringList{"--nelx", "0"} << "--nelx must be >= 1";
    QTest::newRow("zero rows") << QStringList{"--nely", "0"} << "--nely must be >= 1";
    QTest::newRow("grid too large") << QStringList{"--nelx", "100000", "--nely", "100000"} << "more than 4000000 elements";
    QTest::newRow("volfrac 1.5") << QStringList{"--volfrac", "1.5"} << "--volfrac must be in (0, 1) (got '1.5')";
    QTest::newRow("volfrac 0") << QStringList{"--volfrac", "0"} << "--volfrac must be in (0, 1)";
    QTest::newRow("volfrac 1") << QStringList{"--volfrac", "1"} << "--volfrac must be in (0, 1)";
    QTest::newRow("volfrac nan") << QStringList{"--volfrac", "nan"} << "--volfrac must be in (0, 1) (got 'nan')";
    QTest::newRow("volfrac text") << QStringList{"--volfrac", "half"} << "--volfrac must be a number";
    QTest::newRow("penal nan") << QStringList{"--penal", "nan"} << "--penal must be a finite number >= 1";
    QTest::newRow("rmin 0.5") << QStringList{"--rmin", "0.5"} << "--rmin must be a finite number >= 1";
    QTest::newRow("rmin inf") << QStringList{"--rmin", "inf"} << "--rmin must be a finite number >= 1";
    QTest::newRow("tol negative") << QStringList{"--tol", "-0.01"} << "--tol must be in (0, inf)";
    QTest::newRow("max-iter 0") << QStringList{"--max-iter", "0"} << "--max-iter must be >= 1";
    QTest::newRow("unknown preset") << QStringList{"--problem", "truss"} << "--problem 'truss' is neither a preset";
    QTest::newRow("no supports") << QStringList{"--problem", qpath("nosupport.json")} << "support";
    QTest::newRow("load off the grid") << QStringList{"--problem", qpath("offgrid.json")} << "loads[0].node[0]: 9 is out of range [0, 8]";
    QTest::newRow("malformed file") << QStringList{"--problem", qpath("malformed.json")} << "not valid JSON";
    QTest::newRow("mechanism (K singular)") << QStringList{"--problem", qpath("mechanism.json")} << "singular";
    QTest::newRow("problem is a directory") << QStringList{"--problem", m_dir.path()} << "it is a directory";
    QTest::newRow("file grid differs") << QStringList{"--problem", qpath("valid.json"), "--nelx", "9"}
                                       << "--nelx 9 differs from the problem file's nelx 8";
    QTest::newRow("file rows differ") << QStringList{"--problem", qpath("valid.json"), "--nely", "5"}
                                      << "--nely 5 differs from the problem file's nely 4";
    QTest::newRow("heaviside with sensitivity") << QStringList{"--filter", "sensitivity", "--heaviside"}
                                                << "--heaviside applies to --filter density only";
    QTest::newRow("unknown filter") << QStringList{"--filter", "gauss"} << "--filter";
    QTest::newRow("unknown solver") << QStringList{"--solver", "pardiso"} << "--solver";
    QTest::newRow("unknown method") << QStringList{"--method", "level-set"} << "--method";
    // Options of the other method.
    QTest::newRow("simp --embedding") << QStringList{"--embedding", "torus"} << "--embedding applies to --method nn only";
    QTest::newRow("simp --lr") << QStringList{"--lr", "0.1"} << "--lr applies to --method nn only";
    QTest::newRow("simp --seed") << QStringList{"--seed", "3"} << "--seed applies to --method nn only";
    QTest::newRow("simp --render") << QStringList{"--render", "2"} << "--render applies to --method nn only";
    QTest::newRow("simp --width") << QStringList{"--width", "64"} << "--width applies to --method nn only";
    QTest::newRow("nn --rmin") << QStringList{"--method", "nn", "--rmin", "2"} << "--rmin applies to --method simp only";
    QTest::newRow("nn --filter") << QStringList{"--method", "nn", "--filter", "density"} << "--filter applies to --method simp only";
    QTest::newRow("nn --heaviside") << QStringList{"--method", "nn", "--heaviside"} << "--heaviside applies to --method simp only";
    QTest::newRow("nn --ell with torus") << QStringList{"--method", "nn", "--embedding", "torus", "--ell", "3"}
                                         << "--ell applies to --embedding fourier only";
    QTest::newRow("nn --omega with relu") << QStringList{"--method", "nn", "--omega", "3"} << "--omega applies to --activation sin only";
    QTest::newRow("nn --render 3") << QStringList{"--method", "nn", "--render", "3"} << "--render";
    QTest::newRow("nn --lr 0") << QStringList{"--method", "nn", "--lr", "0"} << "--lr must be in (0, inf)";
    QTest::newRow("nn --beta 1") << QStringList{"--method", "nn", "--beta", "1"} << "--beta must be in [0, 1)";
    QTest::newRow("nn --ell nan") << QStringList{"--method", "nn", "--ell", "nan"} << "--ell must be in (0, inf)";
    QTest::newRow("nn --seed -1") << QStringList{"--method", "nn", "--seed", "-1"} << "--seed must be an integer";
    QTest::newRow("nn --net and --width") << QStringList{"--method", "nn", "--net", qpath("valid.json"), "--width", "8"}
                                          << "--width builds a network: not with --net";
  }

  void refusals()
  {
    QFETCH(QStringList, args);
    QFETCH(QString, mustContain);
    QFile::remove(qpath("refused.csv"));
    QFile::remove(qpath("refused.json"));
    const auto r = runCli(QStringList{"topopt"} + args + QStringList{"--out", qpath("refused.csv"), "--report", qpath("refused.json")});
    const QString problem = refusalProblem(r, mustContain, m_dir.path());
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QVERIFY2(r.err.startsWith("ntk-cli: "), qPrintable(r.err));
    QVERIFY2(!QFile::exists(qpath("refused.csv")), "DESIGN written");
    QVERIFY2(!QFile::exists(qpath("refused.json")), "report written");
  }

  // The neural route on a small grid: the report's network keys; the design at 1× and 2× the grid.
  void neuralSmoke()
  {
    const QStringList common{"--method", "nn", "--problem", "mbb", "--nelx", "12", "--nely", "4", "--max-iter", "4",
                             "--width", "32", "--embedding", "fourier", "--ell", "2", "--seed", "5"};
    const nlohmann::json j = runTopopt(common, "nn1");
    QVERIFY2(j.is_object(), "no report");
    QCOMPARE(j["method"].get<std::string>(), std::string("nn"));
    QCOMPARE(j["filter"].get<std::string>(), std::string("none"));
    QVERIFY(j["rmin"].is_null());
    QVERIFY(j["network"].is_string() && !j["network"].get<std::string>().empty());
    QCOMPARE(j["nn"]["embedding"].get<std::string>(), std::string("fourier"));
    QCOMPARE(number(j["nn"], "width"), 32.0);
    QCOMPARE(number(j["nn"], "seed"), 5.0);
    // The defaults are the core's.
    QCOMPARE(j["nn"]["optimizer"].get<std::string>(),
             std::string(NeuralTopoptOptions{}.optimizer == TopoptOptimizer::Rprop ? "rprop" : "adam"));
    QCOMPARE(number(j["nn"], "lr"), NeuralTopoptOptions{}.learningRate);
    QCOMPARE(number(j["nn"], "beta"), TopoptNetworkOptions{}.beta);
    QCOMPARE(number(j, "iterations"), 4.0);
    QCOMPARE(j["history"].size(), size_t(4));
    const Eigen::MatrixXd d1 = readCsvMatrix(path("nn1.csv"));
    QCOMPARE(d1.rows(), Eigen::Index(4));
    QCOMPARE(d1.cols(), Eigen::Index(12));
    QVERIFY(d1.allFinite() && d1.minCoeff() >= 0.0 && d1.maxCoeff() <= 1.0);
    // The density is y = sigmoid(…) with Σy = V·N: the mean is the volume fraction.
    QVERIFY2(std::abs(d1.mean() - 0.5) < 1e-6, qPrintable(QString::number(d1.mean(), 'g', 17)));

    const nlohmann::json j2 = runTopopt(common + QStringList{"--render", "2", "--optimizer", "adam", "--lr", "0.02"}, "nn2");
    QVERIFY2(j2.is_object(), "no report");
    QCOMPARE(number(j2["nn"], "render"), 2.0);
    QCOMPARE(j2["nn"]["optimizer"].get<std::string>(), std::string("adam"));
    QCOMPARE(number(j2["nn"], "lr"), 0.02);
    const Eigen::MatrixXd d2 = readCsvMatrix(path("nn2.csv"));
    QCOMPARE(d2.rows(), Eigen::Index(8));
    QCOMPARE(d2.cols(), Eigen::Index(24));
    QVERIFY(d2.allFinite() && d2.minCoeff() >= 0.0 && d2.maxCoeff() <= 1.0);
  }

  // --net: a saved network instead of the building options; the same network file gives the same run
  // as the options it was built from. A network that is not input_dim 2 is refused.
  void neuralSavedNetwork()
  {
    TopoptNetworkOptions options;
    options.width = 24;
    options.embedding = TopoptEmbedding::Torus;
    options.featureSeed = 7;
    saveNetwork(topoptNetwork(options, 12, 4), path("torus.json"));
    const QStringList common{"--method", "nn", "--nelx", "12", "--nely", "4", "--max-iter", "3", "--seed", "7"};
    const nlohmann::json a = runTopopt(common + QStringList{"--net", qpath("torus.json")}, "saved");
    const nlohmann::json b = runTopopt(common + QStringList{"--embedding", "torus", "--width", "24"}, "built");
    QVERIFY(a.is_object() && b.is_object());
    QCOMPARE(a["nn"]["net"].get<std::string>(), path("torus.json"));
    QVERIFY(!a["nn"].contains("width"));
    QCOMPARE(a["network"], b["network"]);
    QCOMPARE(a["history"], b["history"]);
    QCOMPARE(readAll(qpath("saved.csv")), readAll(qpath("built.csv")));

    Network three = topoptNetwork(options, 12, 4);
    three.inputDim = 3;
    saveNetwork(three, path("dim3.json"));
    const auto r = runCli(QStringList{"topopt"} + common +
                          QStringList{"--net", qpath("dim3.json"), "--out", qpath("dim3.csv"), "--report", qpath("dim3.json.out")});
    const QString problem = refusalProblem(r, "input", m_dir.path());
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QVERIFY(!QFile::exists(qpath("dim3.csv")) && !QFile::exists(qpath("dim3.json.out")));
  }

  // --solver cholmod: CHOLMOD's factor instead of the grid's; the same design to rounding.
  void cholmodSolver()
  {
    const QStringList common{"--problem", "michell", "--nelx", "40", "--nely", "20", "--max-iter", "30"};
    const nlohmann::json grid = runTopopt(common, "solver-grid");
    const nlohmann::json cholmod = runTopopt(common + QStringList{"--solver", "cholmod"}, "solver-cholmod");
    QVERIFY(grid.is_object() && cholmod.is_object());
    QCOMPARE(cholmod["solver"].get<std::string>(), std::string("cholmod"));
    QCOMPARE(number(cholmod, "iterations"), number(grid, "iterations"));
    QVERIFY(std::abs(number(cholmod, "compliance") - number(grid, "compliance")) < 1e-8 * number(grid, "compliance"));
    const Eigen::MatrixXd a = readCsvMatrix(path("solver-grid.csv")), b = readCsvMatrix(path("solver-cholmod.csv"));
    QVERIFY((a - b).cwiseAbs().maxCoeff() < 1e-6);
  }

  void benchLine()
  {
    const auto r = runCli({"bench", "topopt", "--problem", "mbb", "--nelx", "30", "--nely", "10", "--filter", "density",
                           "--rmin", "1.5", "--iterations", "4", "--repeats", "5"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QCOMPARE(r.out.count('\n'), 1);
    const nlohmann::json j = nlohmann::json::parse(r.out.toStdString(), nullptr, false);
    QVERIFY2(j.is_object(), qPrintable(r.out));
    QCOMPARE(j["bench"].get<std::string>(), std::string("topopt"));
    QCOMPARE(j["solver"].get<std::string>(), std::string("grid")); // auto: the fronts fit
    QCOMPARE(j["mode"].get<std::string>(), std::string("iterations"));
    QCOMPARE(number(j, "iterations"), 4.0);
    QCOMPARE(number(j, "nelx"), 30.0);
    const double perIteration = number(j, "seconds_per_iteration");
    QVERIFY(perIteration > 0.0 && number(j, "seconds") > perIteration && number(j, "setup_seconds") > 0.0);
    double parts = 0.0;
    for (const char* key : {"assembly", "factorisation", "solve", "sensitivity", "filter", "update"}) {
      QVERIFY2(number(j["per_iteration"], key) >= 0.0, key);
      parts += number(j["per_iteration"], key);
    }
    // The parts are medians of different runs: their sum is near, not exactly, the median total.
    QVERIFY2(parts <= 1.5 * perIteration, qPrintable(r.out));

    const auto c = runCli({"bench", "topopt", "--nelx", "30", "--nely", "10", "--to-convergence", "--repeats", "5"});
    QVERIFY2(c.code == 0, qPrintable(c.err));
    const nlohmann::json k = nlohmann::json::parse(c.out.toStdString(), nullptr, false);
    QCOMPARE(k["mode"].get<std::string>(), std::string("convergence"));
    QVERIFY(k["converged"].get<bool>());
    QVERIFY(number(k, "iterations") > 4.0);

    QVERIFY(refusalProblem(runCli({"bench", "topopt", "--repeats", "4"}), "--repeats must be >= 5", m_dir.path()).isEmpty());
    const QString both = refusalProblem(runCli({"bench", "topopt", "--iterations", "3", "--to-convergence"}), "excludes", m_dir.path());
    QVERIFY2(both.isEmpty(), qPrintable(both));
    const QString embedding = refusalProblem(runCli({"bench", "topopt", "--embedding", "torus"}), "--embedding", m_dir.path());
    QVERIFY2(embedding.isEmpty(), qPrintable(embedding));
  }
};

QTEST_APPLESS_MAIN(TestCliTopopt)
#include "test_cli_topopt.moc"
