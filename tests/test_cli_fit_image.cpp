// `ntk-cli fit-image` as a user scripts it (CONVENTIONS §5): the report has the contract's keys with
// sane values, OUT.png has the image's size, --bicubic adds the baseline on the same split, bad input is
// one line, exit 2 and no file (a bad σ in the network file, a PNG whose header claims more pixels than the
// memory holds: refused with the estimate), the mlp report's `history` is the training curve; and on the
// bundled photograph (astronaut) the NTK with a Gaussian
// encoding σ = 10 is within 1 dB of bicubic on the held-out pixels at 256×256, and (at 64×64, where the
// encoding-free kernel is cheap enough to solve densely) beats the NTK without an encoding by > 3 dB.
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <random>

#include <nlohmann/json.hpp>

#include "CliRun.h"
#include "ImageTestUtil.h"
#include "TestUtil.h"
#include "core/image/Image.h"
#include "core/image/ImageDataset.h"
#include "core/image/ImageKernelRegression.h"
#include "core/image/MaskedImageRegression.h"
#include "core/nets/MlpTrainer.h"
#include "core/network/NetworkJson.h"

using namespace ntk;
using ntktest::refusalProblem;
using ntktest::number;
using ntktest::readJson;
using ntktest::runCli;

namespace {

/// A smooth colour image with some structure (no file needed).
Image smoothImage(int w, int h)
{
  Image img(w, h, 3);
  for (int r = 0; r < h; ++r)
    for (int c = 0; c < w; ++c) {
      const double x = double(c) / w, y = double(r) / h;
      img.at(r, c, 0) = float(0.5 + 0.4 * std::sin(2 * M_PI * (x + 0.5 * y)));
      img.at(r, c, 1) = float(0.5 + 0.3 * std::cos(2 * M_PI * 2 * y));
      img.at(r, c, 2) = float(0.2 + 0.6 * x * y);
    }
  return img;
}

Network reluNet(EncodingKind encoding, double sigma = 10.0, int inputDim = 2)
{
  Network n = ntktest::mlp(inputDim, 4, Activation(ActivationKind::Relu), std::sqrt(2.0), 0.0, 256);
  n.encoding.kind = encoding;
  n.encoding.features = 256;
  n.encoding.sigma = sigma;
  n.encoding.seed = 1;
  return n;
}

void writeFile(const QString& file, const QByteArray& bytes)
{
  QFile f(file);
  QVERIFY(f.open(QIODevice::WriteOnly));
  QCOMPARE(f.write(bytes), qint64(bytes.size()));
}

/// v as 4 big-endian bytes (PNG's byte order).
QByteArray be32(quint32 v)
{
  QByteArray b;
  for (int shift = 24; shift >= 0; shift -= 8) b += char(v >> shift);
  return b;
}

/// One PNG chunk: length, type, data, CRC-32 of type and data (big-endian).
QByteArray pngChunk(const char* type, const QByteArray& data)
{
  const QByteArray body = QByteArray(type, 4) + data;
  quint32 crc = 0xffffffffu;
  for (const char ch : body) {
    crc ^= quint8(ch);
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return be32(quint32(data.size())) + body + be32(crc ^ 0xffffffffu);
}

/// A 60-byte PNG whose header claims a width × height RGB image (16-bit) with no pixel data.
QByteArray hugePngHeader(quint32 width, quint32 height)
{
  const char rest[5] = {16, 2, 0, 0, 0}; // bit depth, RGB, deflate, adaptive filtering, not interlaced
  const QByteArray ihdr = be32(width) + be32(height) + QByteArray(rest, 5);
  return QByteArray("\x89PNG\r\n\x1a\n", 8) + pngChunk("IHDR", ihdr) + pngChunk("IDAT", {}) + pngChunk("IEND", {});
}

} // namespace

class TestCliFitImage : public QObject {
  Q_OBJECT

  QTemporaryDir m_dir;
  QString qpath(const char* name) const { return m_dir.path() + QLatin1Char('/') + QLatin1String(name); }
  std::string path(const char* name) const { return qpath(name).toStdString(); }

private slots:
  void initTestCase()
  {
    QVERIFY(m_dir.isValid());
    writePng(path("smooth.png"), smoothImage(24, 20));
    {
      Image mask(24, 20, 1), empty(24, 20, 1), wrong(20, 24, 1);
      for (int r = 0; r < 20; ++r)
        for (int c = 0; c < 24; ++c) mask.at(r, c, 0) = (r * 7 + c * 3) % 5 < 2 ? 1.0f : 0.0f;
      writePng(path("mask.png"), mask);
      writePng(path("mask_empty.png"), empty);
      writePng(path("mask_wrong.png"), wrong);
    }
    saveNetwork(reluNet(EncodingKind::Gaussian), path("gauss.json"));
    saveNetwork(reluNet(EncodingKind::Gaussian, 1.25), path("gauss_scaled.json"));
    saveNetwork(reluNet(EncodingKind::Gaussian, 2.0), path("gauss2.json"));
    saveNetwork(reluNet(EncodingKind::None), path("none.json"));
    saveNetwork(reluNet(EncodingKind::Gaussian, 10.0, 3), path("dim3.json"));
    Network small = ntktest::mlp(2, 2, Activation(ActivationKind::Relu), std::sqrt(2.0), 0.1, 16);
    small.encoding.kind = EncodingKind::Basic;
    saveNetwork(small, path("small.json"));
    // Bad σ in the Gaussian encoding: a string, a negative number, a number that overflows a double.
    QFile gauss(qpath("gauss2.json"));
    QVERIFY(gauss.open(QIODevice::ReadOnly));
    nlohmann::json j = nlohmann::json::parse(gauss.readAll().toStdString());
    j["encoding"]["sigma"] = "NaN";
    writeFile(qpath("sigma_string.json"), QByteArray::fromStdString(j.dump()));
    j["encoding"]["sigma"] = -2.0;
    writeFile(qpath("sigma_negative.json"), QByteArray::fromStdString(j.dump()));
    j["encoding"]["sigma"] = 12345.0;
    const QByteArray overflow = QByteArray::fromStdString(j.dump()).replace("12345.0", "1e999");
    QVERIFY(overflow.contains("\"sigma\":1e999"));
    writeFile(qpath("sigma_overflow.json"), overflow);
  }

  void kernelReportHasTheContractKeys_data()
  {
    QTest::addColumn<QString>("method");
    QTest::newRow("ntk") << "ntk";
    QTest::newRow("nngp") << "nngp";
  }
  void kernelReportHasTheContractKeys()
  {
    QFETCH(QString, method);
    const auto r = runCli({"fit-image", "--image", qpath("smooth.png"), "--net", qpath("gauss2.json"), "--method", method,
                           "--out", qpath("out.png"), "--report", qpath("r.json"), "--bicubic"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY(r.out.isEmpty());
    const nlohmann::json j = readJson(qpath("r.json"));
    QVERIFY2(j.is_object(), "report is not a JSON object");
    QCOMPARE(QString::fromStdString(j.value("method", "")), method);
    QCOMPARE(number(j, "train_pixels"), 12.0 * 10.0); // ⌈24/2⌉ · ⌈20/2⌉
    QCOMPARE(number(j, "test_pixels"), 24.0 * 20.0);
    QVERIFY(number(j, "seconds") >= 0.0);
    // Kernel regression with a tiny ridge interpolates the training pixels (≥ 40 dB or exact = null).
    QVERIFY(j.contains("psnr_train") && (j["psnr_train"].is_null() || number(j, "psnr_train") > 40.0));
    const double heldOut = number(j, "psnr_heldout"), all = number(j, "psnr_test");
    QVERIFY2(heldOut > 15.0 && heldOut < 80.0, qPrintable(QString::number(heldOut)));
    QVERIFY2(all >= heldOut - 1e-9, qPrintable(QStringLiteral("%1 %2").arg(all).arg(heldOut)));
    for (const char* key : {"bicubic_psnr_heldout", "bicubic_psnr_test"}) QVERIFY2(number(j, key) > 15.0, key);
    QVERIFY(j.contains("path"));
    const Image out = readPng(path("out.png"));
    QCOMPARE(out.width, 24);
    QCOMPARE(out.height, 20);
    QCOMPARE(out.channels, 3);
    // The report's PSNR is of the float prediction; the 8-bit file is within rounding of it.
    const Image in = readPng(path("smooth.png"));
    const ImageDataset d = makeImageDataset(in, 2);
    QVERIFY(std::abs(psnr(out, in, &d.heldOutMask) - heldOut) < 0.5);
  }

  // --mask: the report says so, PSNR train / held-out are on the mask and its complement, and the fit is
  // the core's masked regression (same seed, same mask).
  void maskedFits_data()
  {
    QTest::addColumn<QString>("mask");
    QTest::newRow("random") << "random:0.4";
    QTest::newRow("png") << "mask.png";
  }
  void maskedFits()
  {
    QFETCH(QString, mask);
    const bool random = mask.startsWith("random:");
    QStringList args = {"fit-image", "--image", qpath("smooth.png"), "--net", qpath("gauss2.json"), "--method", "ntk",
                        "--mask", random ? mask : qpath("mask.png"), "--out", qpath("m.png"), "--report", qpath("m.json")};
    if (random) args << "--seed" << "3";
    const auto r = runCli(args);
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const nlohmann::json j = readJson(qpath("m.json"));
    QCOMPARE(QString::fromStdString(j.value("path", "")), QStringLiteral("masked"));
    QVERIFY(j["stride"].is_null());
    QVERIFY(j["time"].is_null()); // t = ∞
    const Image in = readPng(path("smooth.png"));
    const std::vector<bool> m = random ? randomPixelMask(24, 20, 0.4, 3) : maskFromImage(readPng(path("mask.png")));
    QCOMPARE(number(j, "train_pixels"), double(std::count(m.begin(), m.end(), true)));
    if (random) QCOMPARE(number(j, "seed"), 3.0);
    const Network net = loadNetwork(path("gauss2.json"));
    const MaskedImageRegression fit(net, in, m);
    MaskedRegressionReport rep;
    fit.predict(&rep);
    QVERIFY(std::abs(number(j, "psnr_heldout") - rep.psnrHeldOut) < 1e-9);
    QVERIFY(std::abs(number(j, "psnr_test") - rep.psnrAll) < 1e-9);
    QVERIFY(number(j, "psnr_heldout") > 15.0);
    QCOMPARE(readPng(path("m.png")).width, 24);
    // --cg-tolerance: a looser stop needs fewer iterations and moves the held-out PSNR by little.
    const auto loose = runCli(args + QStringList{"--cg-tolerance", "1e-2"});
    QVERIFY2(loose.code == 0, qPrintable(loose.err));
    const nlohmann::json k = readJson(qpath("m.json"));
    QVERIFY(number(k, "cg_iterations") < number(j, "cg_iterations"));
    QVERIFY(std::abs(number(k, "psnr_heldout") - number(j, "psnr_heldout")) < 0.5);
  }

  // --time t: the gradient-flow prediction, also with true (non-integer) frequencies (the Toeplitz path).
  void timeOption()
  {
    const QStringList base = {"fit-image", "--image", qpath("smooth.png"), "--net", qpath("gauss2.json"), "--method", "ntk",
                              "--out", qpath("t.png"), "--report", qpath("t.json")};
    double previous = 0.0;
    for (const char* t : {"1", "100", "inf"}) {
      const auto r = runCli(base + QStringList{"--time", t});
      QVERIFY2(r.code == 0, qPrintable(r.err));
      const nlohmann::json j = readJson(qpath("t.json"));
      const double train = j["psnr_train"].is_null() ? 1e9 : number(j, "psnr_train");
      QVERIFY2(train > previous, t); // the flow fits the training pixels better and better
      previous = train;
      if (std::string(t) != "inf") QCOMPARE(number(j, "time"), std::stod(t));
    }
    ImageRegressionOptions o;
    const ImageKernelRegression reg(loadNetwork(path("gauss2.json")), readPng(path("smooth.png")), 2, o);
    auto r = runCli(base + QStringList{"--time", "100"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const Image expected = reg.predictAt(100.0), in = readPng(path("smooth.png"));
    QVERIFY(std::abs(number(readJson(qpath("t.json")), "psnr_heldout") - psnr(expected, in, &reg.dataset().heldOutMask)) < 1e-6);
    // Masked and at a finite time.
    r = runCli({"fit-image", "--image", qpath("smooth.png"), "--net", qpath("gauss2.json"), "--method", "nngp", "--mask",
                "random:0.5", "--time", "10", "--out", qpath("t.png"), "--report", qpath("t.json")});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QCOMPARE(number(readJson(qpath("t.json")), "time"), 10.0);
  }

  // --domain mirror: the mirrored periodic domain; the report states the path, the period and the rounding,
  // and the PNG / PSNRs are the core's Mirror regression at any --time.
  void mirrorDomain()
  {
    const QStringList base = {"fit-image", "--image", qpath("smooth.png"), "--net", qpath("gauss2.json"), "--method", "ntk",
                              "--domain", "mirror", "--out", qpath("m.png"), "--report", qpath("m.json")};
    ImageRegressionOptions o;
    o.path = RegressionPath::Mirror;
    const Image in = readPng(path("smooth.png"));
    const ImageKernelRegression reg(loadNetwork(path("gauss2.json")), in, 2, o);
    ImageRegressionReport expected;
    reg.predict(&expected);
    for (const char* t : {"inf", "30"}) {
      const auto r = runCli(base + QStringList{"--time", t});
      QVERIFY2(r.code == 0, qPrintable(r.err));
      const nlohmann::json j = readJson(qpath("m.json"));
      QCOMPARE(j["domain"].get<std::string>(), std::string("mirror"));
      QCOMPARE(j["path"].get<std::string>(), std::string("mirror"));
      QCOMPARE(j["period"][0].get<int>(), 44); // 24 px, stride 2: training columns 0 … 22, period 2 · 22
      QCOMPARE(j["period"][1].get<int>(), 36);
      QCOMPARE(number(j, "max_frequency_rounding"), expected.maxFrequencyRounding);
      QVERIFY(expected.maxFrequencyRounding > 0.0);
      const Image at = std::string(t) == "inf" ? reg.predict() : reg.predictAt(30.0);
      QVERIFY(std::abs(number(j, "psnr_heldout") - psnr(at, in, &reg.dataset().heldOutMask)) < 1e-6);
    }
    // The exact domain says so and has no mirror keys.
    const auto r = runCli({"fit-image", "--image", qpath("smooth.png"), "--net", qpath("gauss2.json"), "--method", "ntk",
                           "--out", qpath("m.png"), "--report", qpath("m.json")});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const nlohmann::json j = readJson(qpath("m.json"));
    QCOMPARE(j["domain"].get<std::string>(), std::string("exact"));
    QVERIFY(!j.contains("period") && !j.contains("max_frequency_rounding"));
  }

  void mlpReport()
  {
    const auto r = runCli({"fit-image", "--image", qpath("smooth.png"), "--net", qpath("small.json"), "--method", "mlp",
                           "--steps", "50", "--lr", "1e-2", "--seed", "3", "--train-stride", "3", "--out",
                           qpath("mlp.png"), "--report", qpath("mlp.json")});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const nlohmann::json j = readJson(qpath("mlp.json"));
    QCOMPARE(QString::fromStdString(j.value("method", "")), QStringLiteral("mlp"));
    QCOMPARE(number(j, "train_pixels"), 8.0 * 7.0);
    QCOMPARE(number(j, "test_pixels"), 480.0);
    for (const char* key : {"psnr_train", "psnr_test", "psnr_heldout", "seconds"})
      QVERIFY2(std::isfinite(number(j, key)), key);
    QVERIFY(number(j, "psnr_test") > 5.0);
    // The optimiser's defaults are MlpOptions's, and the report says which ran.
    QCOMPARE(number(j, "lr"), 1e-2);
    QCOMPARE(number(j, "batch"), double(MlpOptions{}.batchSize));
    QCOMPARE(number(j, "warmup"), double(MlpOptions{}.schedule.warmupSteps));
    QCOMPARE(number(j, "half_life"), MlpOptions{}.schedule.halfLife);
    QCOMPARE(number(j, "lr_floor"), MlpOptions{}.schedule.floor);
    // --record-every defaults to 100: 50 steps give one history entry, the final step.
    QVERIFY(j.contains("history") && j["history"].is_array());
    QCOMPARE(j["history"].size(), size_t(1));
    QCOMPARE(number(j["history"][0], "step"), 50.0);
    const Image out = readPng(path("mlp.png"));
    QCOMPARE(out.width, 24);
    QCOMPARE(out.height, 20);
  }

  // --warmup, --half-life, --lr-floor and --batch reach the trainer: spelling out the defaults changes
  // nothing, a constant rate (--half-life 0) or no warm-up changes the result.
  void mlpScheduleOptions()
  {
    const auto fit = [this](const char* name, const QStringList& extra) {
      const QString png = qpath(name) + ".png", json = qpath(name) + ".json";
      const auto r = runCli(QStringList{"fit-image", "--image", qpath("smooth.png"), "--net", qpath("small.json"),
                                        "--method", "mlp", "--steps", "40", "--seed", "3", "--out", png,
                                        "--report", json} + extra);
      if (r.code != 0) qWarning("%s", qPrintable(r.err));
      return r.code == 0 ? number(readJson(json), "psnr_train") : std::nan("");
    };
    const double byDefault = fit("sched_default", {});
    QVERIFY(std::isfinite(byDefault));
    QCOMPARE(fit("sched_explicit", {"--lr", "3e-2", "--batch", "1024", "--warmup", "20", "--half-life", "300", "--lr-floor", "0.05"}),
             byDefault);
    const double constant = fit("sched_constant", {"--half-life", "0"});
    const double noWarmup = fit("sched_nowarmup", {"--warmup", "0"});
    QVERIFY(std::isfinite(constant) && constant != byDefault);
    QVERIFY(std::isfinite(noWarmup) && noWarmup != byDefault);
    const nlohmann::json j = readJson(qpath("sched_constant") + ".json");
    QCOMPARE(number(j, "half_life"), 0.0);
  }

  // bench image --mask random:P: the masked regression of the core with the same mask and tolerance.
  void benchMasked()
  {
    const auto r = runCli({"bench", "image", "--image", qpath("smooth.png"), "--net", qpath("gauss2.json"), "--mask",
                           "random:0.4", "--seed", "3", "--cg-tolerance", "1e-8"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const nlohmann::json j = nlohmann::json::parse(r.out.toStdString());
    QCOMPARE(QString::fromStdString(j.value("path", "")), QStringLiteral("masked"));
    QVERIFY(j["stride"].is_null());
    QCOMPARE(number(j, "seed"), 3.0);
    QCOMPARE(number(j, "cg_tolerance"), 1e-8);
    MaskedRegressionOptions o;
    o.cgTolerance = 1e-8;
    const MaskedImageRegression fit(loadNetwork(path("gauss2.json")), readPng(path("smooth.png")),
                                    randomPixelMask(24, 20, 0.4, 3), o);
    MaskedRegressionReport rep;
    fit.predict(&rep);
    QCOMPARE(number(j, "cg_iterations"), double(rep.cgIterations));
    QVERIFY(std::abs(number(j, "psnr_heldout") - rep.psnrHeldOut) < 1e-3); // printed with 4 decimals
  }

  // Values that do not exist are JSON null, never 0, "nan" or "inf" (found by the adversarial sweep:
  // --steps 0 reported final_loss 0; bench image printed "psnr_heldout": nan with no held-out pixels).
  void missingValuesAreNull_data()
  {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("key");
    QTest::newRow("mlp --steps 0 final_loss")
        << QStringList{"fit-image", "--image", qpath("smooth.png"), "--net", qpath("small.json"), "--method", "mlp",
                       "--steps", "0", "--out", qpath("null.png"), "--report", qpath("null.json")}
        << "final_loss";
    QTest::newRow("bench image stride 1 psnr_heldout")
        << QStringList{"bench", "image", "--image", qpath("smooth.png"), "--net", qpath("small.json"), "--train-stride", "1"}
        << "psnr_heldout";
  }
  void missingValuesAreNull()
  {
    QFETCH(QStringList, args);
    QFETCH(QString, key);
    QFile::remove(qpath("null.json"));
    const auto r = runCli(args);
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const bool bench = args.first() == QStringLiteral("bench");
    const nlohmann::json j = bench ? nlohmann::json::parse(r.out.toStdString()) : readJson(qpath("null.json"));
    QVERIFY2(j.is_object(), qPrintable(r.out));
    QVERIFY2(j.contains(key.toStdString()) && j[key.toStdString()].is_null(), qPrintable(key));
  }

  // `history`: PSNR on train / held-out / all pixels every K steps and after the final step.
  void mlpHistory()
  {
    const auto r = runCli({"fit-image", "--image", qpath("smooth.png"), "--net", qpath("small.json"), "--method", "mlp",
                           "--steps", "120", "--lr", "1e-2", "--seed", "3", "--record-every", "25", "--out",
                           qpath("hist.png"), "--report", qpath("hist.json")});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const nlohmann::json j = readJson(qpath("hist.json"));
    QVERIFY(j.contains("history") && j["history"].is_array());
    const nlohmann::json& h = j["history"];
    QCOMPARE(h.size(), size_t(5)); // steps 25, 50, 75, 100 and the final 120
    const double expected[5] = {25, 50, 75, 100, 120};
    QString curve;
    for (size_t k = 0; k < h.size(); ++k) {
      QCOMPARE(number(h[k], "step"), expected[k]);
      for (const char* key : {"loss", "psnr_train", "psnr_heldout", "psnr_test"})
        QVERIFY2(std::isfinite(number(h[k], key)), key);
      curve += QStringLiteral(" %1").arg(number(h[k], "psnr_heldout"), 0, 'f', 2);
    }
    qInfo("held-out PSNR at steps 25, 50, 75, 100, 120:%s", qPrintable(curve));
    // The last entry is the final state the report's keys describe.
    for (const char* key : {"psnr_train", "psnr_heldout", "psnr_test"}) QCOMPARE(number(h[4], key), number(j, key));
    QCOMPARE(number(h[4], "loss"), number(j, "final_loss"));
    QVERIFY2(number(h[4], "psnr_heldout") > number(h[0], "psnr_heldout"), qPrintable(curve));
    QVERIFY(number(h[4], "psnr_train") > number(h[0], "psnr_train"));
  }

  // A PNG whose header claims 2,000,000 × 1,000,000 16-bit RGB pixels (32.7 TiB as floats): refused with
  // the estimate before anything is allocated or decoded, not with libpng's "Invalid IHDR data".
  void hugeImageIsRefusedWithTheEstimate_data()
  {
    QTest::addColumn<QString>("method");
    QTest::newRow("ntk") << "ntk";
    QTest::newRow("mlp") << "mlp";
  }
  void hugeImageIsRefusedWithTheEstimate()
  {
    QFETCH(QString, method);
    writeFile(qpath("huge.png"), hugePngHeader(2000000, 1000000));
    const auto r = runCli({"fit-image", "--image", qpath("huge.png"), "--net", qpath("gauss.json"), "--method", method,
                           "--out", qpath("bad.png"), "--report", qpath("bad.json")});
    const QString problem = refusalProblem(r, QStringLiteral("2000000 x 1000000 image"), m_dir.path());
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QVERIFY2(r.err.contains(QStringLiteral("needs 32.7 TiB")), qPrintable(r.err));
    QVERIFY2(r.err.contains(QStringLiteral("available")), qPrintable(r.err));
    QVERIFY(!QFile::exists(qpath("bad.png")));
    QVERIFY(!QFile::exists(qpath("bad.json")));
  }

  void centresTakeTheNystromPath()
  {
    // --centres M: Nyström/Falkon; with every training pixel (120) a centre it is the dense fit of encoding
    // none (the automatic path at this size), PSNRs equal to rounding.
    const QStringList base{"fit-image", "--image", qpath("smooth.png"), "--net", qpath("none.json"), "--method", "ntk",
                           "--ridge", "1e-3"};
    const auto dense = runCli(base + QStringList{"--out", qpath("d.png"), "--report", qpath("d.json")});
    const auto nys = runCli(base + QStringList{"--centres", "120", "--out", qpath("n.png"), "--report", qpath("n.json")});
    QVERIFY2(dense.code == 0 && nys.code == 0, qPrintable(dense.err + nys.err));
    const nlohmann::json d = readJson(qpath("d.json")), n = readJson(qpath("n.json"));
    QCOMPARE(QString::fromStdString(d.value("path", "")), QStringLiteral("dense"));
    QCOMPARE(QString::fromStdString(n.value("path", "")), QStringLiteral("nystrom"));
    QCOMPARE(number(n, "centres"), 119.0); // bias-free: K(0, ·) = 0 at pixel (0, 0), never a centre
    QVERIFY(!d.contains("centres"));
    QVERIFY(std::abs(number(n, "psnr_heldout") - number(d, "psnr_heldout")) < 1e-5);
    // Fewer centres: an approximation, below the exact fit.
    const auto few = runCli(base + QStringList{"--centres", "30", "--out", qpath("f.png"), "--report", qpath("f.json")});
    QVERIFY2(few.code == 0, qPrintable(few.err));
    const nlohmann::json f = readJson(qpath("f.json"));
    QCOMPARE(number(f, "centres"), 30.0);
    QVERIFY(number(f, "psnr_train") < number(d, "psnr_train"));
  }

  void badInputIsRefused_data()
  {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("mustContain");
    const QString img = qpath("smooth.png"), net = qpath("gauss.json");
    const QStringList outs = {"--out", qpath("bad.png"), "--report", qpath("bad.json")};
    QFile notPng(qpath("text.png"));
    QVERIFY(notPng.open(QIODevice::WriteOnly));
    notPng.write("not an image\n");
    notPng.close();
    QTest::newRow("missing image") << (QStringList{"fit-image", "--image", qpath("nope.png"), "--net", net, "--method", "ntk"} + outs)
                                   << "nope.png";
    QTest::newRow("not a png") << (QStringList{"fit-image", "--image", qpath("text.png"), "--net", net, "--method", "ntk"} + outs)
                               << "text.png";
    QTest::newRow("stride 0") << (QStringList{"fit-image", "--image", img, "--net", net, "--method", "ntk", "--train-stride", "0"} + outs)
                              << "--train-stride";
    QTest::newRow("stride too large")
        << (QStringList{"fit-image", "--image", img, "--net", net, "--method", "ntk", "--train-stride", "21"} + outs) << "stride";
    QTest::newRow("NaN ridge") << (QStringList{"fit-image", "--image", img, "--net", net, "--method", "ntk", "--ridge", "nan"} + outs)
                               << "--ridge";
    QTest::newRow("negative ridge")
        << (QStringList{"fit-image", "--image", img, "--net", net, "--method", "nngp", "--ridge", "-1"} + outs) << "--ridge";
    QTest::newRow("input_dim 3") << (QStringList{"fit-image", "--image", img, "--net", qpath("dim3.json"), "--method", "ntk"} + outs)
                                 << "input_dim";
    QTest::newRow("input_dim 3 mlp")
        << (QStringList{"fit-image", "--image", img, "--net", qpath("dim3.json"), "--method", "mlp"} + outs) << "input_dim";
    QTest::newRow("missing --out") << QStringList{"fit-image", "--image", img, "--net", net, "--method", "ntk", "--report", qpath("bad.json")}
                                   << "--out";
    QTest::newRow("missing --report") << QStringList{"fit-image", "--image", img, "--net", net, "--method", "ntk", "--out", qpath("bad.png")}
                                      << "--report";
    QTest::newRow("unknown method") << (QStringList{"fit-image", "--image", img, "--net", net, "--method", "svm"} + outs) << "--method";
    QTest::newRow("lr zero") << (QStringList{"fit-image", "--image", img, "--net", net, "--method", "mlp", "--lr", "0"} + outs) << "--lr";
    QTest::newRow("negative half-life")
        << (QStringList{"fit-image", "--image", img, "--net", net, "--method", "mlp", "--half-life", "-1"} + outs) << "--half-life";
    QTest::newRow("lr-floor zero")
        << (QStringList{"fit-image", "--image", img, "--net", net, "--method", "mlp", "--lr-floor", "0"} + outs) << "--lr-floor";
    QTest::newRow("warmup negative")
        << (QStringList{"fit-image", "--image", img, "--net", net, "--method", "mlp", "--warmup", "-3"} + outs) << "--warmup";
    QTest::newRow("half-life with ntk")
        << (QStringList{"fit-image", "--image", img, "--net", net, "--method", "ntk", "--half-life", "100"} + outs) << "--half-life";
    QTest::newRow("steps with ntk") << (QStringList{"fit-image", "--image", img, "--net", net, "--method", "ntk", "--steps", "5"} + outs)
                                    << "--steps";
    QTest::newRow("record-every 0")
        << (QStringList{"fit-image", "--image", img, "--net", net, "--method", "mlp", "--record-every", "0"} + outs)
        << "--record-every";
    QTest::newRow("record-every with ntk")
        << (QStringList{"fit-image", "--image", img, "--net", net, "--method", "ntk", "--record-every", "10"} + outs)
        << "--record-every";
    for (const char* file : {"sigma_string.json", "sigma_negative.json", "sigma_overflow.json"})
      QTest::newRow(file) << (QStringList{"fit-image", "--image", img, "--net", qpath(file), "--method", "ntk"} + outs)
                          << "sigma";
    QTest::newRow("mask and stride")
        << (QStringList{"fit-image", "--image", img, "--net", net, "--method", "ntk", "--mask", "random:0.5", "--train-stride", "2"} + outs)
        << "mutually exclusive";
    QTest::newRow("mask fraction 0")
        << (QStringList{"fit-image", "--image", img, "--net", net, "--method", "ntk", "--mask", "random:0"} + outs) << "0 < P <= 1";
    QTest::newRow("mask fraction 1.5")
        << (QStringList{"fit-image", "--image", img, "--net", net, "--method", "ntk", "--mask", "random:1.5"} + outs) << "0 < P <= 1";
    QTest::newRow("mask no pixel")
        << (QStringList{"fit-image", "--image", img, "--net", net, "--method", "ntk", "--mask", qpath("mask_empty.png")} + outs)
        << "no training pixel";
    QTest::newRow("mask size")
        << (QStringList{"fit-image", "--image", img, "--net", net, "--method", "ntk", "--mask", qpath("mask_wrong.png")} + outs)
        << "20 x 24 but the image is 24 x 20";
    QTest::newRow("mask missing file")
        << (QStringList{"fit-image", "--image", img, "--net", net, "--method", "ntk", "--mask", qpath("nomask.png")} + outs)
        << "nomask.png";
    QTest::newRow("mask with mlp")
        << (QStringList{"fit-image", "--image", img, "--net", net, "--method", "mlp", "--mask", "random:0.5"} + outs) << "--mask";
    QTest::newRow("mask with encoding none")
        << (QStringList{"fit-image", "--image", img, "--net", qpath("none.json"), "--method", "ntk", "--mask", "random:0.5"} + outs)
        << "encoding none";
    QTest::newRow("mask with ridge auto")
        << (QStringList{"fit-image", "--image", img, "--net", net, "--method", "ntk", "--mask", "random:0.5", "--ridge", "auto"} + outs)
        << "do not apply with --mask";
    QTest::newRow("mask with bicubic")
        << (QStringList{"fit-image", "--image", img, "--net", net, "--method", "ntk", "--mask", "random:0.5", "--bicubic"} + outs)
        << "--bicubic";
    QTest::newRow("seed with ntk and no mask")
        << (QStringList{"fit-image", "--image", img, "--net", net, "--method", "ntk", "--seed", "3"} + outs) << "--seed";
    QTest::newRow("negative time")
        << (QStringList{"fit-image", "--image", img, "--net", net, "--method", "ntk", "--time", "-1"} + outs) << "--time";
    QTest::newRow("cg tolerance 0")
        << (QStringList{"fit-image", "--image", img, "--net", net, "--method", "ntk", "--cg-tolerance", "0"} + outs)
        << "--cg-tolerance";
    QTest::newRow("cg tolerance with mlp")
        << (QStringList{"fit-image", "--image", img, "--net", net, "--method", "mlp", "--cg-tolerance", "1e-4"} + outs)
        << "--cg-tolerance";
    QTest::newRow("time with mlp")
        << (QStringList{"fit-image", "--image", img, "--net", net, "--method", "mlp", "--time", "1"} + outs) << "--time";
    QTest::newRow("ridge with mlp") << (QStringList{"fit-image", "--image", img, "--net", net, "--method", "mlp", "--ridge", "1e-3"} + outs)
                                    << "--ridge";
    // Found by the adversarial sweep: 1e400 was "not a number"; bench image ignored --batch without mlp.
    QTest::newRow("ridge overflows a double")
        << (QStringList{"fit-image", "--image", img, "--net", net, "--method", "ntk", "--ridge", "1e400"} + outs)
        << "out of the range of a double";
    QTest::newRow("centres with mlp")
        << (QStringList{"fit-image", "--image", img, "--net", net, "--method", "mlp", "--centres", "10"} + outs)
        << "--centres applies to --method ntk";
    QTest::newRow("centres 0") << (QStringList{"fit-image", "--image", img, "--net", net, "--method", "ntk", "--centres", "0"} + outs)
                               << "--centres must be >= 1";
    QTest::newRow("bench image centres with mlp")
        << QStringList{"bench", "image", "--image", img, "--net", net, "--method", "mlp", "--centres", "4"} << "--centres applies";
    QTest::newRow("bench image batch with ntk")
        << QStringList{"bench", "image", "--image", img, "--net", net, "--batch", "4"} << "--batch applies to --method mlp";
    QTest::newRow("bench image mask with mlp")
        << QStringList{"bench", "image", "--image", img, "--net", net, "--method", "mlp", "--mask", "random:0.5"} << "--mask applies";
    QTest::newRow("bench image mask png")
        << QStringList{"bench", "image", "--image", img, "--net", net, "--mask", "m.png"} << "--mask needs random:P";
    QTest::newRow("bench image mask fraction")
        << QStringList{"bench", "image", "--image", img, "--net", net, "--mask", "random:0"} << "0 < P <= 1";
    QTest::newRow("bench image seed without mask")
        << QStringList{"bench", "image", "--image", img, "--net", net, "--seed", "2"} << "--seed applies to --mask";
    QTest::newRow("bench image cg tolerance 1")
        << QStringList{"bench", "image", "--image", img, "--net", net, "--cg-tolerance", "1"} << "--cg-tolerance must be";
    QTest::newRow("domain unknown")
        << (QStringList{"fit-image", "--image", img, "--net", net, "--method", "ntk", "--domain", "torus"} + outs) << "--domain";
    QTest::newRow("domain with mlp")
        << (QStringList{"fit-image", "--image", img, "--net", net, "--method", "mlp", "--domain", "mirror"} + outs)
        << "--domain applies to --method ntk";
    QTest::newRow("domain with mask")
        << (QStringList{"fit-image", "--image", img, "--net", net, "--method", "ntk", "--mask", "random:0.5", "--domain", "mirror"} + outs)
        << "--domain needs the stride grid";
    QTest::newRow("domain mirror with centres")
        << (QStringList{"fit-image", "--image", img, "--net", net, "--method", "ntk", "--domain", "mirror", "--centres", "10"} + outs)
        << "mutually exclusive";
    QTest::newRow("domain mirror with encoding none")
        << (QStringList{"fit-image", "--image", img, "--net", qpath("none.json"), "--method", "ntk", "--domain", "mirror"} + outs)
        << "stationary kernel";
    QTest::newRow("domain mirror with integer frequencies")
        << (QStringList{"fit-image", "--image", img, "--net", qpath("small.json"), "--method", "ntk", "--domain", "mirror"} + outs)
        << "refuses integer frequencies";
    QTest::newRow("domain mirror, one training row")
        << (QStringList{"fit-image", "--image", img, "--net", net, "--method", "ntk", "--domain", "mirror", "--train-stride", "20"} + outs)
        << "at least 2 training pixels";
    QTest::newRow("output folder missing")
        << QStringList{"fit-image", "--image", img, "--net", net, "--method", "ntk", "--out", qpath("no_dir/o.png"), "--report", qpath("bad.json")}
        << "no_dir";
  }
  void badInputIsRefused()
  {
    QFETCH(QStringList, args);
    QFETCH(QString, mustContain);
    const auto r = runCli(args);
    const QString problem = refusalProblem(r, mustContain, m_dir.path());
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QVERIFY(!QFile::exists(qpath("bad.png")));
    QVERIFY(!QFile::exists(qpath("bad.json")));
  }

  void gaussianEncodingMatchesBicubicOnAPhoto()
  {
    // The bundled astronaut (256×256), box-downscaled to 64×64 to keep the test fast; stride 2, so the
    // training grid is 32×32 (Nyquist: 16 cycles per image side). Encoding frequencies are per unit of
    // the image side: Tancik's σ = 10 on a 512×512 image (Nyquist 128) corresponds to σ = 1.25 here.
    // At σ = 10 the Gaussian features reach far past this grid's Nyquist frequency and the fit aliases
    // (14.3 dB held-out against bicubic's 19.9 dB here); σ = 10 is checked at 256×256 below.
    const Image big = readPng(std::string(NTK_RESOURCES_DIR) + "/images/astronaut_256.png");
    QCOMPARE(big.width, 256);
    writePng(path("astro64.png"), ntktest::boxDownscale(big, 4));
    const char* nets[3] = {"gauss_scaled.json", "none.json", "gauss.json"};
    double heldOut[3] = {0, 0, 0}, bicubic = 0;
    for (int i = 0; i < 3; ++i) {
      const auto r = runCli({"fit-image", "--image", qpath("astro64.png"), "--net", qpath(nets[i]), "--method", "ntk",
                             "--out", qpath("astro_out.png"), "--report", qpath("astro.json"), "--bicubic"});
      QVERIFY2(r.code == 0, qPrintable(r.err));
      const nlohmann::json j = readJson(qpath("astro.json"));
      heldOut[i] = number(j, "psnr_heldout");
      bicubic = number(j, "bicubic_psnr_heldout");
    }
    qInfo("held-out PSNR, astronaut 64x64, stride 2: NTK gaussian(256, sigma=1.25) %.2f dB, gaussian(sigma=10) %.2f dB, "
          "no encoding %.2f dB, bicubic %.2f dB",
          heldOut[0], heldOut[2], heldOut[1], bicubic);
    QVERIFY2(heldOut[0] > bicubic - 1.0, qPrintable(QStringLiteral("gaussian %1 vs bicubic %2").arg(heldOut[0]).arg(bicubic)));
    QVERIFY2(heldOut[0] > heldOut[1] + 3.0, qPrintable(QStringLiteral("gaussian %1 vs none %2").arg(heldOut[0]).arg(heldOut[1])));
    QVERIFY2(heldOut[2] > heldOut[1] + 3.0, qPrintable(QStringLiteral("gaussian(10) %1 vs none %2").arg(heldOut[2]).arg(heldOut[1])));
  }

  // The claim as stated, on the bundled 256×256 photograph itself: Gaussian σ = 10 is within
  // 1 dB of aligned bicubic on the held-out pixels (the Toeplitz/CG path: well under a second). The
  // "no encoding" comparison is made at 64×64 above: at 256×256 it takes the dense path (minutes).
  void gaussianSigma10MatchesBicubicAt256()
  {
    const auto r = runCli({"fit-image", "--image", QString::fromUtf8(NTK_RESOURCES_DIR "/images/astronaut_256.png"),
                           "--net", qpath("gauss.json"), "--method", "ntk", "--out", qpath("astro256.png"), "--report",
                           qpath("astro256.json"), "--bicubic"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const nlohmann::json j = readJson(qpath("astro256.json"));
    const double ntk = number(j, "psnr_heldout"), bicubic = number(j, "bicubic_psnr_heldout");
    qInfo("held-out PSNR, astronaut 256x256, stride 2: NTK gaussian(256, sigma=10) %.2f dB, bicubic %.2f dB", ntk, bicubic);
    QVERIFY2(ntk > bicubic - 1.0, qPrintable(QStringLiteral("gaussian(10) %1 vs bicubic %2").arg(ntk).arg(bicubic)));
  }
};

QTEST_APPLESS_MAIN(TestCliFitImage)
#include "test_cli_fit_image.moc"
