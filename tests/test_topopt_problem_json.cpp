// test_topopt_problem_json — the problem file "ntk-studio.topopt-problem/1" (CONVENTIONS §7):
// every preset and a custom problem with passive elements round-trip exactly through
// topoptProblemToJson → topoptProblemFromJson and through disk; a hand-written file reads to the
// problem it describes (the layout is checked independently of the writer); each malformed file is an
// InputError whose message names the key path; file errors name the file; the bundled example
// resources/topopt/cantilever_hole.json reads.
#include <QtTest>

#include <QFile>
#include <QTemporaryDir>

#include <nlohmann/json.hpp>

#include "core/topopt/TopoptProblemJson.h"
#include "core/util/Errors.h"

using namespace ntk;

namespace {

/// A problem that uses every feature of the format: several loads (one node twice, forces that are
/// not short decimals), supports fixed in x, y and both, passive solid and void elements.
TopoptProblem customProblem()
{
  TopoptProblem p;
  p.name = "bracket with a hole";
  p.nelx = 7;
  p.nely = 5;
  p.loads = {{7, 2, 0.0, -1.0}, {7, 5, 1.0 / 3.0, -2.5e-7}, {7, 2, -0.125, 0.0}};
  p.supports = {{0, 0, true, true}, {0, 5, true, false}, {3, 5, false, true}};
  p.passive.assign(size_t(p.elementCount()), PassiveKind::None);
  p.passive[size_t(p.elementIndex(3, 2))] = PassiveKind::Void;
  p.passive[size_t(p.elementIndex(4, 2))] = PassiveKind::Void;
  p.passive[size_t(p.elementIndex(6, 0))] = PassiveKind::Solid;
  p.passive[size_t(p.elementIndex(0, 4))] = PassiveKind::Solid;
  return p;
}

// A valid file to mutate (the layout of CONVENTIONS §7).
const char* kValid = R"({ "format": "ntk-studio.topopt-problem/1", "name": "two loads", "nelx": 6, "nely": 4,
  "loads": [ {"node": [6, 4], "force": [0, -1]}, {"node": [3, 0], "force": [0.5, 0.25]} ],
  "supports": [ {"node": [0, 0], "fix": "xy"}, {"node": [0, 4], "fix": "x"} ],
  "passive": [ {"element": [2, 1], "kind": "void"}, {"element": [5, 3], "kind": "solid"} ] })";

QString messageOf(const std::function<void()>& f, bool* inputError)
{
  *inputError = false;
  try {
    f();
  } catch (const InputError& e) {
    *inputError = true;
    return QString::fromStdString(e.what());
  } catch (const std::exception& e) {
    return QStringLiteral("non-InputError: ") + e.what();
  }
  return QStringLiteral("accepted");
}

const char* kLoads = R"("loads": [ {"node": [6, 4], "force": [0, -1]}, {"node": [3, 0], "force": [0.5, 0.25]} ])";
const char* kSupports = R"("supports": [ {"node": [0, 0], "fix": "xy"}, {"node": [0, 4], "fix": "x"} ])";

} // namespace

class TestTopoptProblemJson : public QObject {
  Q_OBJECT

private slots:
  void presetRoundTrip_data()
  {
    QTest::addColumn<QString>("preset");
    QTest::addColumn<int>("nelx");
    QTest::addColumn<int>("nely");
    for (const std::string& name : presetProblemNames()) {
      QTest::newRow((name + " 60x20").c_str()) << QString::fromStdString(name) << 60 << 20;
      QTest::newRow((name + " 13x7").c_str()) << QString::fromStdString(name) << 13 << 7;
    }
  }

  void presetRoundTrip()
  {
    QFETCH(QString, preset);
    QFETCH(int, nelx);
    QFETCH(int, nely);
    const TopoptProblem p = presetProblem(preset.toStdString(), nelx, nely);
    const std::string text = topoptProblemToJson(p);
    const TopoptProblem q = topoptProblemFromJson(text);
    QVERIFY2(q == p, text.c_str());
    QCOMPARE(q.name, preset.toStdString());
    // Written again, the text is the same byte for byte.
    QCOMPARE(topoptProblemToJson(q), text);
  }

  // The writer's layout, read with a plain JSON parser (not with the reader under test).
  void mbbLayout()
  {
    const nlohmann::json j = nlohmann::json::parse(topoptProblemToJson(mbbProblem(60, 20)));
    QCOMPARE(j["format"].get<std::string>(), std::string("ntk-studio.topopt-problem/1"));
    QCOMPARE(j["name"].get<std::string>(), std::string("mbb"));
    QCOMPARE(j["nelx"].get<int>(), 60);
    QCOMPARE(j["nely"].get<int>(), 20);
    // top88: F(2,1) = −1 — node 0 (top-left), y, down.
    QCOMPARE(j["loads"].size(), size_t(1));
    QCOMPARE(j["loads"][0]["node"], nlohmann::json({0, 0}));
    QCOMPARE(j["loads"][0]["force"], nlohmann::json({0.0, -1.0}));
    // top88: x fixed at every node of the left edge, y at the bottom-right node.
    int xOnLeft = 0, yAtCorner = 0;
    for (const auto& s : j["supports"]) {
      if (s["node"][0] == 0 && s["fix"] == "x") ++xOnLeft;
      if (s["node"] == nlohmann::json({60, 20}) && s["fix"] == "y") ++yAtCorner;
    }
    QCOMPARE(xOnLeft, 21);
    QCOMPARE(yAtCorner, 1);
    QVERIFY(!j.contains("passive")); // no passive elements: the key is left out
  }

  void customRoundTrip()
  {
    const TopoptProblem p = customProblem();
    const std::string text = topoptProblemToJson(p);
    const TopoptProblem q = topoptProblemFromJson(text);
    QVERIFY2(q == p, text.c_str());
    QCOMPARE(q.loads[1].fx, 1.0 / 3.0); // 17 digits: exact
    QCOMPARE(q.loads[1].fy, -2.5e-7);
    const nlohmann::json j = nlohmann::json::parse(text);
    QCOMPARE(j["passive"].size(), size_t(4));
    QCOMPARE(j["passive"][0], nlohmann::json::parse(R"({"element": [0, 4], "kind": "solid"})")); // element order
    QCOMPARE(j["supports"][1]["fix"].get<std::string>(), std::string("x"));
    QCOMPARE(j["supports"][2]["fix"].get<std::string>(), std::string("y"));
  }

  // A hand-written file reads to the problem it describes.
  void readsHandWritten()
  {
    const TopoptProblem p = topoptProblemFromJson(kValid);
    QCOMPARE(p.name, std::string("two loads"));
    QCOMPARE(p.nelx, 6);
    QCOMPARE(p.nely, 4);
    QCOMPARE(p.loads.size(), size_t(2));
    QCOMPARE(p.loads[0], (PointLoad{6, 4, 0.0, -1.0}));
    QCOMPARE(p.loads[1], (PointLoad{3, 0, 0.5, 0.25}));
    QCOMPARE(p.supports.size(), size_t(2));
    QCOMPARE(p.supports[0], (NodeSupport{0, 0, true, true}));
    QCOMPARE(p.supports[1], (NodeSupport{0, 4, true, false}));
    QCOMPARE(p.passive.size(), size_t(24));
    for (int e = 0; e < 24; ++e) {
      const PassiveKind expected = e == 2 * 4 + 1 ? PassiveKind::Void : e == 5 * 4 + 3 ? PassiveKind::Solid : PassiveKind::None;
      QCOMPARE(int(p.passive[size_t(e)]), int(expected));
    }
    // The load vector it implies: fy > 0 up, DOF 2n+1 with n = ix·(nely+1) + iy.
    const Eigen::VectorXd F = p.loadVector();
    QCOMPARE(F(2 * (6 * 5 + 4) + 1), -1.0);
    QCOMPARE(F(2 * (3 * 5 + 0)), 0.5);
    QCOMPARE(F.cwiseAbs().sum(), 1.75);
  }

  // Optional keys: no format, no name ("custom"), no passive, an empty passive list.
  void optionalKeys()
  {
    const TopoptProblem p = topoptProblemFromJson(R"({"nelx": 4, "nely": 2, "loads": [{"node": [4, 1], "force": [0, -1]}],
        "supports": [{"node": [0, 0], "fix": "xy"}, {"node": [0, 2], "fix": "xy"}], "passive": []})");
    QCOMPARE(p.name, std::string("custom"));
    QVERIFY(p.passive.empty());
    // Integral floats are integers.
    QCOMPARE(topoptProblemFromJson(QString(kValid).replace("\"nelx\": 6", "\"nelx\": 6.0").toStdString()).nelx, 6);
  }

  void malformed_data()
  {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("mustContain");
    const QString v = kValid;
    auto sub = [&](const char* from, const char* to) {
      QString s = v;
      const int i = s.indexOf(QLatin1String(from));
      Q_ASSERT(i >= 0);
      return s.replace(i, int(strlen(from)), QLatin1String(to));
    };
    QTest::newRow("not JSON") << QString("{ \"nelx\": 6, ") << "not valid JSON: parse error";
    QTest::newRow("NaN (not JSON)") << sub("[0.5, 0.25]", "[NaN, 0.25]") << "not valid JSON";
    QTest::newRow("not an object") << QString("[1, 2]") << "problem: expected an object, got an array";
    QTest::newRow("wrong format") << sub("topopt-problem/1", "topopt-problem/2") << "format: expected \"ntk-studio.topopt-problem/1\"";
    QTest::newRow("unknown top-level key") << sub("\"nely\": 4,", "\"nely\": 4, \"penal\": 3,") << "problem: unknown key \"penal\"";
    QTest::newRow("unknown load key") << sub("\"force\": [0, -1]}", "\"force\": [0, -1], \"moment\": 1}")
                                      << "loads[0]: unknown key \"moment\"";
    QTest::newRow("missing nelx") << sub("\"nelx\": 6,", "") << "missing key \"nelx\"";
    QTest::newRow("nelx 0") << sub("\"nelx\": 6", "\"nelx\": 0") << "nelx: 0 is out of range [1, 4000000]";
    QTest::newRow("nelx 2.5") << sub("\"nelx\": 6", "\"nelx\": 2.5") << "nelx: expected an integer, got 2.5";
    QTest::newRow("nely a string") << sub("\"nely\": 4", "\"nely\": \"4\"") << "nely: expected an integer, got a string \"4\"";
    QTest::newRow("nelx 2^32+6") << sub("\"nelx\": 6", "\"nelx\": 4294967302") << "nelx: 4294967302 is out of range";
    QTest::newRow("grid over the limit") << sub("\"nelx\": 6, \"nely\": 4", "\"nelx\": 4000000, \"nely\": 4000000")
                                         << "exceed the limit";
    QTest::newRow("load off the grid") << sub("\"node\": [6, 4]", "\"node\": [7, 4]") << "loads[0].node[0]: 7 is out of range [0, 6]";
    QTest::newRow("load at a negative node") << sub("\"node\": [3, 0]", "\"node\": [3, -1]") << "loads[1].node[1]: -1 is out of range [0, 4]";
    QTest::newRow("node of three") << sub("\"node\": [6, 4]", "\"node\": [6, 4, 0]") << "loads[0].node: expected [ix, iy], got an array of 3";
    QTest::newRow("force a string") << sub("[0.5, 0.25]", "[0.5, \"up\"]") << "loads[1].force[1]: expected a number, got a string \"up\"";
    QTest::newRow("force 1e999") << sub("[0.5, 0.25]", "[1e999, 0.25]") << "out of the range of a double";
    QTest::newRow("force a number") << sub("[0.5, 0.25]", "0.5") << "loads[1].force: expected [fx, fy], got a number";
    QTest::newRow("fix z") << sub("\"fix\": \"x\"}", "\"fix\": \"z\"}") << "supports[1].fix: expected \"x\", \"y\" or \"xy\", got \"z\"";
    QTest::newRow("fix missing") << sub(", \"fix\": \"x\"}", "}") << "supports[1]: missing key \"fix\"";
    QTest::newRow("supports not an array") << sub(kSupports, "\"supports\": {}")
                                           << "supports: expected an array, got an object";
    QTest::newRow("passive kind glass") << sub("\"kind\": \"void\"", "\"kind\": \"glass\"")
                                        << "passive[0].kind: expected \"solid\" or \"void\", got \"glass\"";
    QTest::newRow("passive element off the grid") << sub("\"element\": [5, 3]", "\"element\": [6, 3]")
                                                  << "passive[1].element[0]: 6 is out of range [0, 5]";
    QTest::newRow("passive element twice") << sub("\"element\": [5, 3]", "\"element\": [2, 1]")
                                           << "passive[1].element: [2, 1] is listed twice";
    QTest::newRow("duplicate key") << sub("\"fix\": \"xy\"", "\"fix\": \"xy\", \"fix\": \"y\"") << "supports[0]: duplicate key \"fix\"";
    QTest::newRow("empty name") << sub("\"name\": \"two loads\"", "\"name\": \"\"") << "name: must not be empty";
    // validate(): K would be singular, or there is nothing to carry.
    QTest::newRow("no supports") << sub(kSupports, "\"supports\": []")
                                 << "support";
    QTest::newRow("no loads") << sub(kLoads, "\"loads\": []")
                              << "load";
    QTest::newRow("only zero loads") << sub("[0, -1]", "[0, 0]").replace("[0.5, 0.25]", "[0, 0]") << "load";
  }

  void malformed()
  {
    QFETCH(QString, text);
    QFETCH(QString, mustContain);
    bool inputError = false;
    const QString message = messageOf([&] { topoptProblemFromJson(text.toStdString()); }, &inputError);
    QVERIFY2(inputError, qPrintable(message + " — for: " + text));
    QVERIFY2(message.contains(mustContain), qPrintable(QString("\"%1\" does not contain \"%2\"").arg(message, mustContain)));
    QVERIFY2(!message.contains('\n') && !message.contains("json.exception"), qPrintable(message));
  }

  // The bundled example (README): a clamped cantilever with an 8 × 8 hole and a solid pad under the load.
  void bundledProblemFile()
  {
    const TopoptProblem p = loadTopoptProblem(NTK_RESOURCES_DIR "/topopt/cantilever_hole.json");
    QCOMPARE(p.name, std::string("cantilever with a hole"));
    QCOMPARE(p.nelx, 48);
    QCOMPARE(p.nely, 24);
    QCOMPARE(p.supports.size(), size_t(25));
    QCOMPARE(p.loads, (std::vector<PointLoad>{{48, 12, 0.0, -1.0}}));
    int solid = 0, hole = 0;
    for (const PassiveKind k : p.passive) {
      solid += k == PassiveKind::Solid;
      hole += k == PassiveKind::Void;
    }
    QCOMPARE(hole, 64);
    QCOMPARE(solid, 8);
    QCOMPARE(int(p.passiveAt(p.elementIndex(14, 8))), int(PassiveKind::Void));
    QCOMPARE(int(p.passiveAt(p.elementIndex(47, 12))), int(PassiveKind::Solid));
  }

  void fileRoundTripAndErrors()
  {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = (dir.path() + "/problem.json").toStdString();
    const TopoptProblem p = customProblem();
    saveTopoptProblem(p, path);
    QVERIFY(loadTopoptProblem(path) == p);
    QVERIFY(!QFile::exists(QString::fromStdString(path + ".tmp")));

    bool inputError = false;
    const std::string missing = (dir.path() + "/nope.json").toStdString();
    QString message = messageOf([&] { loadTopoptProblem(missing); }, &inputError);
    QVERIFY(inputError);
    QVERIFY2(message.startsWith(QString::fromStdString("cannot open '" + missing + "'")), qPrintable(message));

    message = messageOf([&] { loadTopoptProblem(dir.path().toStdString()); }, &inputError);
    QVERIFY(inputError);
    QVERIFY2(message.endsWith("it is a directory"), qPrintable(message));

    // A malformed file: the message starts with the file's name, then the key path.
    QFile f(QString::fromStdString(path));
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(QString(kValid).replace("\"nely\": 4", "\"nely\": -4").toUtf8());
    f.close();
    message = messageOf([&] { loadTopoptProblem(path); }, &inputError);
    QVERIFY(inputError);
    QVERIFY2(message == QString::fromStdString(path + ": nely: -4 is out of range [1, 4000000]"), qPrintable(message));

    // An unwritable target: refused, naming it; nothing left behind.
    const std::string nowhere = (dir.path() + "/no/such/dir/p.json").toStdString();
    message = messageOf([&] { saveTopoptProblem(p, nowhere); }, &inputError);
    QVERIFY(inputError);
    QVERIFY2(message.contains(QString::fromStdString(nowhere)), qPrintable(message));

    // An invalid problem is not written.
    TopoptProblem bad = p;
    bad.supports.clear();
    message = messageOf([&] { saveTopoptProblem(bad, (dir.path() + "/bad.json").toStdString()); }, &inputError);
    QVERIFY(inputError);
    QVERIFY(!QFile::exists(dir.path() + "/bad.json"));
  }
};

QTEST_APPLESS_MAIN(TestTopoptProblemJson)
#include "test_topopt_problem_json.moc"
