// test_network_json — "ntk-studio.network/1" (CONVENTIONS §4): networkToJson → networkFromJson round trips
// for every encoding (fourier with an explicit B), b_std null, leaky_relu alpha, sin omega, standard
// parameterisation; each malformed file gives a NetworkError naming the offending key; loadNetwork on a
// missing file names the file; saveNetwork/loadNetwork round trip through disk.
#include <QtTest>

#include <QTemporaryDir>

#include "TestUtil.h"
#include "core/network/NetworkJson.h"
#include "core/util/Errors.h"

using namespace ntk;

namespace {

bool sameEncoding(const Encoding& a, const Encoding& b)
{
  if (a.kind != b.kind) return false;
  switch (a.kind) {
  case EncodingKind::None:
  case EncodingKind::Basic: return true;
  case EncodingKind::Positional: return a.levels == b.levels && a.sigma == b.sigma;
  case EncodingKind::Gaussian: return a.features == b.features && a.sigma == b.sigma && a.seed == b.seed;
  case EncodingKind::Fourier: return a.B.rows() == b.B.rows() && a.B.cols() == b.B.cols() && a.B == b.B;
  }
  return false;
}

bool sameNetwork(const Network& a, const Network& b)
{
  return a.inputDim == b.inputDim && a.parameterization == b.parameterization && sameEncoding(a.encoding, b.encoding) &&
         a.layers == b.layers;
}

Network baseNet()
{
  Network n;
  n.inputDim = 2;
  n.layers = {DenseLayer{16, 1.4142135623730951, 0.1}, ActivationLayer{Activation(ActivationKind::Relu)},
              DenseLayer{1, 1.0, 0.0}};
  return n;
}

// A valid document to mutate: CONVENTIONS §4's example.
const char* kValid = R"({ "format": "ntk-studio.network/1", "input_dim": 2,
  "encoding": {"type": "gaussian", "features": 8, "sigma": 10.0, "seed": 1},
  "parameterization": "ntk",
  "layers": [ {"type": "dense", "width": 16, "W_std": 1.4142135623730951, "b_std": 0.0},
              {"type": "relu"},
              {"type": "dense", "width": 1, "W_std": 1.0, "b_std": 0.0} ] })";

} // namespace

class TestNetworkJson : public QObject {
  Q_OBJECT

private slots:
  void roundTrip_data()
  {
    QTest::addColumn<int>("variant");
    const char* names[] = {"none", "basic", "positional", "gaussian", "fourier", "b_std null", "leaky_relu alpha",
                           "sin omega", "standard", "all activations"};
    for (int i = 0; i < 10; ++i) QTest::newRow(names[i]) << i;
  }

  void roundTrip()
  {
    QFETCH(int, variant);
    Network n = baseNet();
    switch (variant) {
    case 0: break;
    case 1: n.encoding.kind = EncodingKind::Basic; break;
    case 2: n.encoding.kind = EncodingKind::Positional; n.encoding.levels = 5; n.encoding.sigma = 7.25; break;
    case 3: n.encoding.kind = EncodingKind::Gaussian; n.encoding.features = 12; n.encoding.sigma = 3.5; n.encoding.seed = 987654321; break;
    case 4:
      n.encoding.kind = EncodingKind::Fourier;
      n.encoding.B.resize(3, 2);
      n.encoding.B << 0.1, -2.5, 1.0 / 3.0, 7.0, -0.0625, 1e-17;
      break;
    case 5: std::get<DenseLayer>(n.layers[0]).bStd.reset(); std::get<DenseLayer>(n.layers[2]).bStd.reset(); break;
    case 6: n.layers[1] = ActivationLayer{Activation(ActivationKind::LeakyRelu, 0.2)}; break;
    case 7: n.layers[1] = ActivationLayer{Activation(ActivationKind::Sin, 30.0)}; break;
    case 8: n.parameterization = Parameterization::Standard; break;
    case 9:
      n.layers.clear();
      for (Activation a : {Activation(ActivationKind::Erf), Activation(ActivationKind::Tanh), Activation(ActivationKind::Gelu),
                           Activation(ActivationKind::Identity), Activation(ActivationKind::Sin, 0.1)}) {
        n.layers.push_back(DenseLayer{3, 0.7, 1.0 / 3.0});
        n.layers.push_back(ActivationLayer{a});
      }
      n.layers.push_back(DenseLayer{2, 1.5, std::nullopt});
      break;
    }
    const std::string text = networkToJson(n);
    const Network back = networkFromJson(text);
    QVERIFY2(sameNetwork(n, back), text.c_str());
    QCOMPARE(networkToJson(back), text); // stable text
    // The written document follows §4: format string, keys present.
    const auto doc = nlohmann::json::parse(text);
    QCOMPARE(doc.at("format").get<std::string>(), std::string("ntk-studio.network/1"));
    QCOMPARE(doc.at("input_dim").get<int>(), 2);
    QCOMPARE(doc.at("parameterization").get<std::string>(), std::string(variant == 8 ? "standard" : "ntk"));
    if (variant == 5) QVERIFY(doc.at("layers")[0].at("b_std").is_null());
    if (variant == 6) QCOMPARE(doc.at("layers")[1].at("alpha").get<double>(), 0.2);
    if (variant == 7) QCOMPARE(doc.at("layers")[1].at("omega").get<double>(), 30.0);
    if (variant == 4) QCOMPARE(doc.at("encoding").at("B").size(), size_t(3));
  }

  void gaussianReproducesB()
  {
    Network n = baseNet();
    n.encoding.kind = EncodingKind::Gaussian;
    n.encoding.features = 6;
    n.encoding.seed = 5;
    const Network back = networkFromJson(networkToJson(n));
    QCOMPARE(back.encoding.frequencies(2), n.encoding.frequencies(2));
  }

  void defaultsAndExample()
  {
    const Network n = networkFromJson(kValid);
    QCOMPARE(n.inputDim, 2);
    QCOMPARE(n.encoding.kind, EncodingKind::Gaussian);
    QCOMPARE(n.encoding.features, 8);
    QCOMPARE(n.layers.size(), size_t(3));
    QCOMPARE(n.outputDim(), 1);
    // Optional keys omitted: no encoding → none, parameterization → ntk, b_std → 0 (a bias that is 0).
    const Network m = networkFromJson(R"({"input_dim": 1, "layers": [{"type": "dense", "width": 3, "W_std": 2.0}]})");
    QCOMPARE(m.encoding.kind, EncodingKind::None);
    QCOMPARE(m.parameterization, Parameterization::Ntk);
    QVERIFY(std::get<DenseLayer>(m.layers[0]).bStd.has_value());
    QCOMPARE(*std::get<DenseLayer>(m.layers[0]).bStd, 0.0);
  }

  void malformed_data()
  {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("mustContain");
    const QString v = kValid;
    auto sub = [&](const char* from, const char* to) {
      QString s = v;
      const int i = s.indexOf(from);
      Q_ASSERT(i >= 0);
      return s.replace(i, int(strlen(from)), to);
    };
    QTest::newRow("not JSON") << QString("{ \"input_dim\": 2, ") << "JSON";
    QTest::newRow("missing input_dim") << sub("\"input_dim\": 2,", "") << "input_dim";
    QTest::newRow("unknown top-level key") << sub("\"input_dim\": 2,", "\"input_dim\": 2, \"colour\": 3,") << "colour";
    QTest::newRow("unknown layer key") << sub("{\"type\": \"relu\"}", "{\"type\": \"relu\", \"slope\": 1}") << "slope";
    QTest::newRow("unknown layer type") << sub("{\"type\": \"relu\"}", "{\"type\": \"swish\"}") << "swish";
    QTest::newRow("W_std a string") << sub("\"W_std\": 1.4142135623730951", "\"W_std\": \"abc\"") << "W_std";
    QTest::newRow("negative width") << sub("\"width\": 16", "\"width\": -4") << "width";
    QTest::newRow("NaN W_std") << sub("\"W_std\": 1.4142135623730951", "\"W_std\": NaN") << "JSON"; // NaN is not JSON
    QTest::newRow("huge W_std (inf)") << sub("\"W_std\": 1.4142135623730951", "\"W_std\": 1e999") << "W_std";
    QTest::newRow("negative W_std") << sub("\"W_std\": 1.4142135623730951", "\"W_std\": -1.0") << "W_std";
    QTest::newRow("b_std negative") << sub("\"b_std\": 0.0}", "\"b_std\": -0.5}") << "b_std";
    QTest::newRow("last layer not dense")
        << QString(R"({"input_dim": 2, "layers": [{"type": "dense", "width": 4}, {"type": "relu"}]})") << "last";
    QTest::newRow("two activations in a row") << sub("{\"type\": \"relu\"}", "{\"type\": \"relu\"}, {\"type\": \"erf\"}") << "two activations";
    QTest::newRow("fourier B wrong row length")
        << sub("{\"type\": \"gaussian\", \"features\": 8, \"sigma\": 10.0, \"seed\": 1}", "{\"type\": \"fourier\", \"B\": [[1, 2], [3, 4, 5]]}")
        << "B[1]";
    QTest::newRow("unknown encoding type") << sub("\"type\": \"gaussian\"", "\"type\": \"wavelet\"") << "wavelet";
    QTest::newRow("unknown encoding key") << sub("\"seed\": 1}", "\"seed\": 1, \"octaves\": 2}") << "octaves";
    QTest::newRow("wrong format string") << sub("ntk-studio.network/1", "ntk-studio.network/9") << "format";
    QTest::newRow("bad parameterization") << sub("\"parameterization\": \"ntk\"", "\"parameterization\": \"mup\"") << "parameterization";
    QTest::newRow("layers not an array") << QString(R"({"input_dim": 2, "layers": {"type": "dense"}})") << "layers";
    QTest::newRow("no layers") << QString(R"({"input_dim": 2, "layers": []})") << "layers";
    // Integers are range-checked, never wrapped through a cast to int.
    QTest::newRow("width 2^32+1") << sub("\"width\": 16", "\"width\": 4294967297")
                                  << "layers[0].width: 4294967297 is out of range [1, 16777216]";
    QTest::newRow("width 1e10") << sub("\"width\": 16", "\"width\": 1e10") << "layers[0].width";
    QTest::newRow("width 1e300") << sub("\"width\": 16", "\"width\": 1e300") << "out of range";
    QTest::newRow("width 2^24+1") << sub("\"width\": 16", "\"width\": 16777217") << "layers[0].width";
    QTest::newRow("width 2.5") << sub("\"width\": 16", "\"width\": 2.5") << "layers[0].width";
    QTest::newRow("input_dim 2^32+2") << sub("\"input_dim\": 2", "\"input_dim\": 4294967298") << "input_dim: 4294967298";
    QTest::newRow("features 2^31") << sub("\"features\": 8", "\"features\": 2147483648") << "encoding.features";
    QTest::newRow("features 2^24 (d0 = 2^25)") << sub("\"features\": 8", "\"features\": 16777216") << "encoding.features";
    QTest::newRow("levels 2^30") << sub("{\"type\": \"gaussian\", \"features\": 8, \"sigma\": 10.0, \"seed\": 1}",
                                        "{\"type\": \"positional\", \"levels\": 1073741824}")
                                 << "encoding.levels";
    QTest::newRow("levels 2^23 (d0 = 2^25)") << sub("{\"type\": \"gaussian\", \"features\": 8, \"sigma\": 10.0, \"seed\": 1}",
                                                   "{\"type\": \"positional\", \"levels\": 8388608}")
                                            << "encoding.levels";
    QTest::newRow("negative seed") << sub("\"seed\": 1", "\"seed\": -1") << "encoding.seed";
    QTest::newRow("seed 2^64") << sub("\"seed\": 1", "\"seed\": 18446744073709551616") << "encoding.seed";
    // A repeated key would silently keep the last value.
    QTest::newRow("duplicate layer key") << sub("\"width\": 16", "\"width\": 3, \"width\": 5") << "layers[0]: duplicate key \"width\"";
    QTest::newRow("duplicate top-level key") << sub("\"input_dim\": 2,", "\"input_dim\": 2, \"input_dim\": 3,") << "duplicate key \"input_dim\"";
    QTest::newRow("duplicate encoding key") << sub("\"seed\": 1", "\"seed\": 1, \"seed\": 2") << "encoding: duplicate key \"seed\"";
    QTest::newRow("duplicate in the last layer")
        << sub("{\"type\": \"dense\", \"width\": 1, \"W_std\": 1.0, \"b_std\": 0.0}",
               "{\"type\": \"dense\", \"width\": 1, \"W_std\": 1.0, \"b_std\": 0.0, \"b_std\": 0.1}")
        << "layers[2]: duplicate key \"b_std\"";
  }

  void malformed()
  {
    QFETCH(QString, text);
    QFETCH(QString, mustContain);
    QString message;
    bool threw = false, wrongType = false;
    try {
      networkFromJson(text.toStdString());
    } catch (const NetworkError& e) {
      threw = true;
      message = QString::fromStdString(e.what());
    } catch (const std::exception& e) {
      threw = true;
      wrongType = true;
      message = QString::fromStdString(e.what());
    }
    QVERIFY2(threw, qPrintable("accepted: " + text));
    QVERIFY2(!wrongType, qPrintable(QString("threw a non-NetworkError: %1").arg(message)));
    QVERIFY2(message.contains(mustContain, Qt::CaseInsensitive),
             qPrintable(QString("message \"%1\" does not name \"%2\"").arg(message, mustContain)));
  }

  // The full uint64 seed range is valid and round-trips; the same key in different objects is not a duplicate.
  void integerRanges()
  {
    QString text = kValid;
    text.replace("\"seed\": 1", "\"seed\": 18446744073709551615");
    const Network n = networkFromJson(text.toStdString());
    QCOMPARE(n.encoding.seed, std::uint64_t(18446744073709551615ull));
    QCOMPARE(networkFromJson(networkToJson(n)).encoding.seed, n.encoding.seed);
    QCOMPARE(std::get<DenseLayer>(networkFromJson(QString(kValid).replace("\"width\": 16", "\"width\": 16777216").toStdString())
                                      .layers[0]).width, 16777216);
    QCOMPARE(std::get<DenseLayer>(networkFromJson(QString(kValid).replace("\"width\": 16", "\"width\": 32.0").toStdString())
                                      .layers[0]).width, 32);
  }

  // Parse errors read as a position and a reason, without nlohmann's internal tag.
  void parseErrorMessage()
  {
    try {
      networkFromJson(R"({"input_dim": 2, "layers": [{"type": })");
      QFAIL("accepted");
    } catch (const NetworkError& e) {
      const QString msg = e.what();
      QVERIFY2(msg.startsWith("not valid JSON: parse error at line 1, column "), e.what());
      QVERIFY2(!msg.contains("json.exception"), e.what());
      QVERIFY2(!msg.contains('\n'), e.what());
    }
  }

  // Encoded widths beyond kMaxWidth are refused by validate() (no int overflow, no allocation).
  void encodedWidthLimit()
  {
    Network n = baseNet();
    n.encoding.kind = EncodingKind::Positional;
    n.encoding.levels = 1073741824; // 2·levels·input_dim wraps a 32-bit int to 0
    try { n.validate(); QFAIL("levels 2^30 accepted"); } catch (const NetworkError& e) { QVERIFY2(QString(e.what()).contains("encoding.levels"), e.what()); }
    QCOMPARE(n.encodedDim(), Eigen::Index(2) * 1073741824 * 2);
    n.encoding.kind = EncodingKind::Gaussian;
    n.encoding.features = 1 << 30;
    try { n.validate(); QFAIL("features 2^30 accepted"); } catch (const NetworkError& e) { QVERIFY2(QString(e.what()).contains("encoding.features"), e.what()); }
    n = baseNet();
    std::get<DenseLayer>(n.layers[2]).width = kMaxWidth + 1;
    try { n.validate(); QFAIL("width 2^24+1 accepted"); } catch (const NetworkError& e) { QVERIFY2(QString(e.what()).contains("layers[2].width"), e.what()); }
    n = baseNet();
    n.inputDim = kMaxWidth;
    n.encoding.kind = EncodingKind::Basic;
    try { n.validate(); QFAIL("basic 2^25 accepted"); } catch (const NetworkError& e) { QVERIFY2(QString(e.what()).contains("input_dim"), e.what()); }
  }

  // NaN / negative values that reach a Network in code (not via JSON) are refused by validate().
  void validateInCode()
  {
    Network n = baseNet();
    std::get<DenseLayer>(n.layers[0]).wStd = std::nan("");
    QVERIFY_THROWS_EXCEPTION(NetworkError, n.validate());
    try { n.validate(); } catch (const NetworkError& e) { QVERIFY(QString(e.what()).contains("W_std")); }
    n = baseNet();
    std::get<DenseLayer>(n.layers[2]).bStd = -1.0;
    try { n.validate(); QFAIL("negative b_std accepted"); } catch (const NetworkError& e) { QVERIFY(QString(e.what()).contains("b_std")); }
    n = baseNet();
    n.layers.insert(n.layers.begin() + 1, ActivationLayer{Activation(ActivationKind::Erf)});
    try { n.validate(); QFAIL("two activations accepted"); } catch (const NetworkError& e) { QVERIFY(QString(e.what()).contains("two activations")); }
    baseNet().validate(); // the valid one passes
  }

  void loadMissingFile()
  {
    const std::string path = "/nonexistent-dir-ntk/some_network_file.json";
    try {
      loadNetwork(path);
      QFAIL("no error for a missing file");
    } catch (const NtkError& e) {
      QVERIFY2(QString(e.what()).contains("some_network_file.json"), e.what());
    }
  }

  void saveAndLoad()
  {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    Network n = baseNet();
    n.encoding.kind = EncodingKind::Positional;
    n.encoding.levels = 3;
    const std::string path = (dir.path() + "/net.json").toStdString();
    saveNetwork(n, path);
    QVERIFY(sameNetwork(loadNetwork(path), n));
    // A malformed file: the message names the file and the key.
    {
      std::ofstream out(path);
      out << R"({"input_dim": 2, "layers": [{"type": "dense", "width": 1, "W_sdt": 1}]})";
    }
    try {
      loadNetwork(path);
      QFAIL("malformed file accepted");
    } catch (const NetworkError& e) {
      QVERIFY2(QString(e.what()).contains("net.json") && QString(e.what()).contains("W_sdt"), e.what());
    }
  }
};

QTEST_APPLESS_MAIN(TestNetworkJson)
#include "test_network_json.moc"
