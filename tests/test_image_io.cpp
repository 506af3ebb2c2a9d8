// Image I/O, PSNR, the train/test split and the bicubic baseline (core/image/Image.h, ImageDataset.h).
// PNGs of every colour type and bit depth are written here with libpng directly (not with our writer),
// so reading is checked against independently encoded files; unreadable, truncated and non-PNG files
// must give an InputError that names the file.
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <random>

#include <png.h>

#include "core/image/Image.h"
#include "core/image/ImageDataset.h"
#include "core/util/Errors.h"

using namespace ntk;

namespace {

/// Writes a PNG with libpng: `samples` are the raw sample values, row-major with interleaved channels
/// (for bit depths < 8 one value per sample, packed here).
void writeRawPng(const std::string& path, int w, int h, int colorType, int bitDepth, const std::vector<unsigned>& samples,
                 const std::vector<png_color>& palette = {}, const std::vector<png_byte>& trns = {},
                 bool interlaced = false)
{
  std::FILE* f = std::fopen(path.c_str(), "wb");
  QVERIFY(f);
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    std::fclose(f);
    QFAIL("libpng failed writing the test file");
  }
  png_init_io(png, f);
  png_set_IHDR(png, info, w, h, bitDepth, colorType, interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (!palette.empty()) png_set_PLTE(png, info, palette.data(), int(palette.size()));
  if (!trns.empty()) png_set_tRNS(png, info, trns.data(), int(trns.size()), nullptr);
  png_write_info(png, info);
  int channels = 1;
  if (colorType == PNG_COLOR_TYPE_GRAY_ALPHA) channels = 2;
  if (colorType == PNG_COLOR_TYPE_RGB) channels = 3;
  if (colorType == PNG_COLOR_TYPE_RGB_ALPHA) channels = 4;
  const std::size_t perRow = std::size_t(w) * channels;
  std::vector<std::vector<png_byte>> rows(h);
  for (int r = 0; r < h; ++r) {
    std::vector<png_byte>& row = rows[r];
    if (bitDepth == 16) {
      for (std::size_t i = 0; i < perRow; ++i) {
        const unsigned v = samples[r * perRow + i];
        row.push_back(png_byte(v >> 8));
        row.push_back(png_byte(v & 0xff));
      }
    } else if (bitDepth == 8) {
      for (std::size_t i = 0; i < perRow; ++i) row.push_back(png_byte(samples[r * perRow + i]));
    } else {
      row.assign((perRow * bitDepth + 7) / 8, 0);
      for (std::size_t i = 0; i < perRow; ++i) {
        const std::size_t bit = i * bitDepth;
        row[bit / 8] |= png_byte(samples[r * perRow + i] << (8 - bitDepth - bit % 8));
      }
    }
  }
  std::vector<png_bytep> ptrs(h);
  for (int r = 0; r < h; ++r) ptrs[r] = rows[r].data();
  png_write_image(png, ptrs.data());
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  std::fclose(f);
}

std::vector<unsigned> ramp(std::size_t n, unsigned maxValue, unsigned seed)
{
  std::mt19937 g(seed);
  std::vector<unsigned> v(n);
  for (auto& x : v) x = g() % (maxValue + 1);
  v[0] = 0;
  v[n - 1] = maxValue;
  return v;
}

Image randomImage(int w, int h, int c, unsigned seed)
{
  std::mt19937 g(seed);
  Image img(w, h, c);
  for (auto& v : img.data) v = float(g() % 256) / 255.0f;
  return img;
}

/// Message of the InputError `f` throws ("" when it throws nothing or something else).
template <class F>
QString inputErrorMessage(F f)
{
  try {
    f();
  } catch (const InputError& e) {
    return QString::fromStdString(e.what());
  } catch (...) {
    return QStringLiteral("<other exception>");
  }
  return {};
}

} // namespace

class TestImageIo : public QObject {
  Q_OBJECT

  QTemporaryDir m_dir;
  std::string path(const char* name) const { return (m_dir.path() + QLatin1Char('/') + QLatin1String(name)).toStdString(); }

private slots:
  void readsEveryColourTypeAndDepth_data()
  {
    QTest::addColumn<int>("colorType");
    QTest::addColumn<int>("bitDepth");
    QTest::addColumn<bool>("interlaced");
    QTest::newRow("grey1") << int(PNG_COLOR_TYPE_GRAY) << 1 << false;
    QTest::newRow("grey2") << int(PNG_COLOR_TYPE_GRAY) << 2 << false;
    QTest::newRow("grey4") << int(PNG_COLOR_TYPE_GRAY) << 4 << false;
    QTest::newRow("grey8") << int(PNG_COLOR_TYPE_GRAY) << 8 << false;
    QTest::newRow("grey16") << int(PNG_COLOR_TYPE_GRAY) << 16 << false;
    QTest::newRow("grey_alpha8") << int(PNG_COLOR_TYPE_GRAY_ALPHA) << 8 << false;
    QTest::newRow("grey_alpha16") << int(PNG_COLOR_TYPE_GRAY_ALPHA) << 16 << false;
    QTest::newRow("rgb8") << int(PNG_COLOR_TYPE_RGB) << 8 << false;
    QTest::newRow("rgb16") << int(PNG_COLOR_TYPE_RGB) << 16 << false;
    QTest::newRow("rgba8") << int(PNG_COLOR_TYPE_RGB_ALPHA) << 8 << false;
    QTest::newRow("rgba16") << int(PNG_COLOR_TYPE_RGB_ALPHA) << 16 << false;
    QTest::newRow("rgb8_interlaced") << int(PNG_COLOR_TYPE_RGB) << 8 << true;
    QTest::newRow("grey16_interlaced") << int(PNG_COLOR_TYPE_GRAY) << 16 << true;
  }
  void readsEveryColourTypeAndDepth()
  {
    QFETCH(int, colorType);
    QFETCH(int, bitDepth);
    QFETCH(bool, interlaced);
    const int w = 13, h = 7; // odd sizes: partial bytes at low depths, every Adam7 pass
    const int fileChannels = colorType == PNG_COLOR_TYPE_GRAY ? 1 : colorType == PNG_COLOR_TYPE_GRAY_ALPHA ? 2
                                                                 : colorType == PNG_COLOR_TYPE_RGB      ? 3
                                                                                                         : 4;
    const int colours = fileChannels >= 3 ? 3 : 1;
    const unsigned maxValue = (1u << bitDepth) - 1;
    const std::vector<unsigned> samples = ramp(std::size_t(w) * h * fileChannels, maxValue, 7u + bitDepth);
    const std::string file = path("in.png");
    writeRawPng(file, w, h, colorType, bitDepth, samples, {}, {}, interlaced);
    const Image img = readPng(file);
    QCOMPARE(img.width, w);
    QCOMPARE(img.height, h);
    QCOMPARE(img.channels, colours); // alpha dropped
    for (int r = 0; r < h; ++r)
      for (int c = 0; c < w; ++c)
        for (int k = 0; k < colours; ++k) {
          const float expected = float(samples[(std::size_t(r) * w + c) * fileChannels + k]) / float(maxValue);
          QVERIFY2(std::abs(img.at(r, c, k) - expected) <= 1e-6f,
                   qPrintable(QStringLiteral("(%1,%2,%3): %4 vs %5").arg(r).arg(c).arg(k).arg(img.at(r, c, k)).arg(expected)));
        }
  }

  void readsPalettes()
  {
    const std::vector<png_color> palette = {{0, 0, 0}, {255, 0, 0}, {10, 200, 30}, {255, 255, 255}, {1, 2, 3}};
    const std::vector<png_byte> trns = {255, 128}; // transparency is dropped, not blended
    for (const int depth : {4, 8}) {
      const int w = 5, h = 3;
      std::vector<unsigned> idx(w * h);
      for (int i = 0; i < w * h; ++i) idx[i] = unsigned(i % 5);
      const std::string file = path("pal.png");
      writeRawPng(file, w, h, PNG_COLOR_TYPE_PALETTE, depth, idx, palette, trns);
      const Image img = readPng(file);
      QCOMPARE(img.channels, 3);
      QCOMPARE(img.width, w);
      for (int i = 0; i < w * h; ++i) {
        const png_color& p = palette[idx[i]];
        QCOMPARE(img.data[3 * i + 0], float(p.red) / 255.0f);
        QCOMPARE(img.data[3 * i + 1], float(p.green) / 255.0f);
        QCOMPARE(img.data[3 * i + 2], float(p.blue) / 255.0f);
      }
    }
  }

  void writeReadRoundTrip()
  {
    for (const int c : {1, 3}) {
      const Image img = randomImage(17, 9, c, unsigned(c));
      writePng(path("rt.png"), img);
      const Image back = readPng(path("rt.png"));
      QCOMPARE(back.width, 17);
      QCOMPARE(back.height, 9);
      QCOMPARE(back.channels, c);
      for (std::size_t i = 0; i < img.data.size(); ++i) QVERIFY(std::abs(back.data[i] - img.data[i]) <= 1e-7f);
      QVERIFY(std::isinf(psnr(img, back)));
    }
    // Clamping and rounding: out-of-range and NaN values, and the nearest 8-bit level.
    Image odd(3, 1, 1);
    odd.data = {-0.5f, 2.0f, 0.5f};
    writePng(path("clamp.png"), odd);
    const Image back = readPng(path("clamp.png"));
    QCOMPARE(back.data[0], 0.0f);
    QCOMPARE(back.data[1], 1.0f);
    QCOMPARE(back.data[2], 128.0f / 255.0f);
  }

  void channelAccessors()
  {
    Image img = randomImage(4, 3, 3, 5);
    const Eigen::MatrixXd g = img.channel(1);
    QCOMPARE(g.rows(), Eigen::Index(3));
    QCOMPARE(g.cols(), Eigen::Index(4));
    QCOMPARE(g(2, 3), double(img.at(2, 3, 1)));
    img.setChannel(2, Eigen::MatrixXd::Constant(3, 4, 0.25));
    QCOMPARE(img.at(1, 2, 2), 0.25f);
    QVERIFY(!inputErrorMessage([&] { img.setChannel(0, Eigen::MatrixXd::Zero(4, 3)); }).isEmpty());
  }

  void badFilesNameTheFile()
  {
    const std::string missing = path("no_such_image.png");
    QString msg = inputErrorMessage([&] { readPng(missing); });
    QVERIFY2(msg.contains(QString::fromStdString(missing)), qPrintable(msg));

    const std::string text = path("not_png.png");
    std::ofstream(text) << "this is not an image\n";
    msg = inputErrorMessage([&] { readPng(text); });
    QVERIFY2(msg.contains(QString::fromStdString(text)), qPrintable(msg));

    const std::string empty = path("empty.png");
    std::ofstream(empty).flush();
    msg = inputErrorMessage([&] { readPng(empty); });
    QVERIFY2(msg.contains(QString::fromStdString(empty)), qPrintable(msg));

    // A valid PNG cut short: the signature passes, libpng fails inside; the error must not crash or leak.
    writePng(path("full.png"), randomImage(64, 64, 3, 9));
    std::ifstream in(path("full.png"), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (const std::size_t keep : {std::size_t(12), std::size_t(40), bytes.size() / 2, bytes.size() - 20}) {
      const std::string cut = path("truncated.png");
      std::ofstream(cut, std::ios::binary).write(bytes.data(), std::streamsize(keep));
      msg = inputErrorMessage([&] { readPng(cut); });
      QVERIFY2(msg.contains(QString::fromStdString(cut)), qPrintable(QStringLiteral("%1 bytes: %2").arg(keep).arg(msg)));
    }
    // Corrupt data (bytes flipped in the middle of the image data).
    std::string corrupt = bytes;
    for (std::size_t i = bytes.size() / 2; i < bytes.size() / 2 + 64; ++i) corrupt[i] = char(~corrupt[i]);
    const std::string bad = path("corrupt.png");
    std::ofstream(bad, std::ios::binary).write(corrupt.data(), std::streamsize(corrupt.size()));
    msg = inputErrorMessage([&] { readPng(bad); });
    QVERIFY2(msg.contains(QString::fromStdString(bad)), qPrintable(msg));

    // Writing into a folder that does not exist.
    msg = inputErrorMessage([&] { writePng(path("no_dir/out.png"), randomImage(2, 2, 1, 1)); });
    QVERIFY2(msg.contains(QStringLiteral("no_dir/out.png")), qPrintable(msg));
  }

  void psnrValues()
  {
    Image a(4, 2, 3), b(4, 2, 3);
    QVERIFY(std::isinf(psnr(a, b)));
    for (auto& v : b.data) v = 0.1f;
    QVERIFY(std::abs(psnr(a, b) - 20.0) < 1e-5); // MSE 0.01
    // Error only in pixel (1, 3): with a mask excluding it, identical; with a mask of it alone, MSE 0.25.
    Image c = a;
    for (int k = 0; k < 3; ++k) c.at(1, 3, k) = 0.5f;
    std::vector<bool> mask(8, true);
    mask[7] = false;
    QVERIFY(std::isinf(psnr(a, c, &mask)));
    std::vector<bool> only(8, false);
    only[7] = true;
    QVERIFY(std::abs(psnr(a, c, &only) - (-10.0 * std::log10(0.25))) < 1e-9);
    QVERIFY(std::abs(psnr(a, c) - (-10.0 * std::log10(0.25 / 8.0))) < 1e-9); // unmasked: mean over 8 pixels
    // Shape mismatches are errors.
    QVERIFY(!inputErrorMessage([&] { psnr(a, Image(4, 2, 1)); }).isEmpty());
    std::vector<bool> shortMask(3, true);
    QVERIFY(!inputErrorMessage([&] { psnr(a, c, &shortMask); }).isEmpty());
  }

  void datasetShapesAndMasks()
  {
    const Image img = randomImage(7, 5, 3, 11); // W = 7, H = 5
    const ImageDataset d = makeImageDataset(img, 2);
    QCOMPARE(d.width, 7);
    QCOMPARE(d.height, 5);
    QCOMPARE(d.channels, 3);
    QCOMPARE(d.trainWidth, 4);
    QCOMPARE(d.trainHeight, 3);
    QCOMPARE(d.trainX.rows(), Eigen::Index(12));
    QCOMPARE(d.trainX.cols(), Eigen::Index(2));
    QCOMPARE(d.trainY.rows(), Eigen::Index(12));
    QCOMPARE(d.trainY.cols(), Eigen::Index(3));
    int train = 0;
    for (int r = 0; r < 5; ++r)
      for (int c = 0; c < 7; ++c) {
        const bool isTrain = r % 2 == 0 && c % 2 == 0;
        QCOMPARE(bool(d.trainMask[r * 7 + c]), isTrain);
        QCOMPARE(bool(d.heldOutMask[r * 7 + c]), !isTrain);
        train += isTrain;
      }
    QCOMPARE(train, 12);
    // Row i of the training set is grid pixel (tr, tc) = (i / Wt, i % Wt) at image pixel (2tr, 2tc).
    for (int i = 0; i < 12; ++i) {
      const int r = 2 * (i / 4), c = 2 * (i % 4);
      QCOMPARE(d.trainX(i, 0), double(c) / 7.0);
      QCOMPARE(d.trainX(i, 1), double(r) / 5.0);
      for (int k = 0; k < 3; ++k) QCOMPARE(d.trainY(i, k), double(img.at(r, c, k)));
    }
    const Eigen::MatrixXd X = d.allX();
    QCOMPARE(X.rows(), Eigen::Index(35));
    QCOMPARE(X(3 * 7 + 6, 0), 6.0 / 7.0);
    QCOMPARE(X(3 * 7 + 6, 1), 3.0 / 5.0);
    QVERIFY(X.maxCoeff() < 1.0 && X.minCoeff() == 0.0);

    const ImageDataset all = makeImageDataset(img, 1);
    QCOMPARE(all.trainX.rows(), Eigen::Index(35));
    QCOMPARE(std::count(all.heldOutMask.begin(), all.heldOutMask.end(), true), 0L);

    QVERIFY(!inputErrorMessage([&] { makeImageDataset(img, 0); }).isEmpty());
    QVERIFY(!inputErrorMessage([&] { makeImageDataset(img, -3); }).isEmpty());
    QVERIFY(!inputErrorMessage([&] { makeImageDataset(img, 6); }).isEmpty()); // larger than H = 5
    QVERIFY(!inputErrorMessage([&] { makeImageDataset(Image(), 2); }).isEmpty());
    QVERIFY(!inputErrorMessage([&] { bicubicFromTrainingPixels(img, 0); }).isEmpty());
  }

  void bicubicReproducesTrainingPixels()
  {
    for (const int s : {1, 2, 3, 4}) {
      const Image img = randomImage(23, 17, 3, unsigned(20 + s));
      const Image up = bicubicFromTrainingPixels(img, s);
      QCOMPARE(up.width, 23);
      QCOMPARE(up.height, 17);
      QCOMPARE(up.channels, 3);
      const ImageDataset d = makeImageDataset(img, s);
      QVERIFY(std::isinf(psnr(up, img, &d.trainMask)));
      if (s == 1) QVERIFY(std::isinf(psnr(up, img)));
    }
  }

  void bicubicReproducesQuadratics()
  {
    // Keys' a = −0.5 kernel reproduces polynomials up to degree 2: wherever the 4×4 neighbourhood lies
    // inside the training grid, a linear and a (separable) quadratic function are reproduced exactly.
    const int W = 40, H = 30;
    for (const int s : {2, 3, 4}) {
      for (const bool quadratic : {false, true}) {
        Image img(W, H, 1);
        for (int r = 0; r < H; ++r)
          for (int c = 0; c < W; ++c) {
            const double x = double(c) / W, y = double(r) / H;
            img.at(r, c, 0) = float(quadratic ? 0.1 + 0.3 * x * x + 0.2 * y + 0.25 * y * y : 0.1 + 0.5 * x + 0.3 * y);
          }
        const Image up = bicubicFromTrainingPixels(img, s);
        const int Ht = (H + s - 1) / s, Wt = (W + s - 1) / s;
        int checked = 0;
        for (int r = 0; r < H; ++r)
          for (int c = 0; c < W; ++c) {
            const int i = r / s, j = c / s;
            if (i < 1 || j < 1 || i + 2 > Ht - 1 || j + 2 > Wt - 1) continue;
            QVERIFY2(std::abs(up.at(r, c, 0) - img.at(r, c, 0)) < 2e-6f,
                     qPrintable(QStringLiteral("s=%1 (%2,%3): %4 vs %5").arg(s).arg(r).arg(c).arg(up.at(r, c, 0)).arg(img.at(r, c, 0))));
            ++checked;
          }
        QVERIFY(checked > W * H / 3);
      }
    }
  }

  void bicubicReplicatesEdges()
  {
    // A constant image stays constant everywhere, edges included (replicated neighbours, weights sum to 1).
    Image img(9, 6, 3);
    for (auto& v : img.data) v = 0.375f;
    const Image up = bicubicFromTrainingPixels(img, 4);
    for (const float v : up.data) QVERIFY(std::abs(v - 0.375f) < 1e-6f);
  }
};

QTEST_APPLESS_MAIN(TestImageIo)
#include "test_image_io.moc"
