#include "widgets/image/ImageModel.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <QDir>
#include <QFileInfo>
#include <QImageReader>
#include <QObject>

#include "widgets/common/Colormap.h"
#include "core/image/ImageDataset.h"
#include "core/util/Errors.h"
#include "core/util/MemoryEstimate.h"

namespace ntk::gui {

Image imageFromQImage(const QImage& source)
{
  QImage rgb = source.convertToFormat(QImage::Format_ARGB32);
  bool grey = true;
  for (int r = 0; r < rgb.height() && grey; ++r) {
    const QRgb* line = reinterpret_cast<const QRgb*>(rgb.constScanLine(r));
    for (int c = 0; c < rgb.width(); ++c)
      if (qRed(line[c]) != qGreen(line[c]) || qGreen(line[c]) != qBlue(line[c])) {
        grey = false;
        break;
      }
  }
  Image out(rgb.width(), rgb.height(), grey ? 1 : 3);
  for (int r = 0; r < rgb.height(); ++r) {
    const QRgb* line = reinterpret_cast<const QRgb*>(rgb.constScanLine(r));
    for (int c = 0; c < rgb.width(); ++c) {
      const float a = qAlpha(line[c]) / 255.0f;
      auto blend = [a](int v) { return a * (v / 255.0f) + (1.0f - a); }; // alpha onto white
      if (grey) {
        out.at(r, c, 0) = blend(qRed(line[c]));
      } else {
        out.at(r, c, 0) = blend(qRed(line[c]));
        out.at(r, c, 1) = blend(qGreen(line[c]));
        out.at(r, c, 2) = blend(qBlue(line[c]));
      }
    }
  }
  return out;
}

QImage qimageFromImage(const Image& image)
{
  if (image.empty() || (image.channels != 1 && image.channels != 3)) return {};
  QImage out(image.width, image.height, image.channels == 1 ? QImage::Format_Grayscale8 : QImage::Format_RGB888);
  auto byte = [](float v) { return uchar(std::lround(std::clamp(std::isfinite(v) ? v : 0.0f, 0.0f, 1.0f) * 255.0f)); };
  for (int r = 0; r < image.height; ++r) {
    uchar* line = out.scanLine(r);
    for (int c = 0; c < image.width; ++c)
      for (int ch = 0; ch < image.channels; ++ch) line[c * image.channels + ch] = byte(image.at(r, c, ch));
  }
  return out;
}

void requireImageMemory(const Network& net, int width, int height, int channels, int stride)
{
  // The float copies of the image, the predictions and the QImages, plus what the solver needs.
  const double pixels = double(width) * double(height);
  const double imageBytes = pixels * channels * (4.0 * 8 + 1.0);
  // The FFT (Toeplitz) path: what a stationary encoding needs. The dense path of a non-stationary one
  // (encoding none) is refused by the fit itself, with its own estimate, without refusing the image.
  const double solver = estimateImageRegressionBytes(net, width, height, channels, stride, RegressionPath::Toeplitz);
  requireMemory(imageBytes + solver, "fitting a " + std::to_string(width) + " x " + std::to_string(height) +
                                         " image at stride " + std::to_string(stride));
}

bool loadImageFile(const QString& path, const Network& net, int stride, Image* out, QString* error)
{
  auto fail = [&](const QString& why) {
    if (error) *error = why;
    return false;
  };
  const QString name = QFileInfo(path).fileName();
  if (!QFileInfo(path).isFile()) return fail(QObject::tr("%1: no such file").arg(path));
  QImageReader reader(path);
  reader.setAutoTransform(true);
  if (!reader.canRead()) return fail(QObject::tr("%1 is not an image Qt can read (%2)").arg(name, reader.errorString()));
  const QSize size = reader.size();
  if (size.isValid()) {
    if (size.isEmpty()) return fail(QObject::tr("%1 is empty (%2 × %3 pixels)").arg(name).arg(size.width()).arg(size.height()));
    try {
      requireImageMemory(net, size.width(), size.height(), 3, stride);
    } catch (const NtkError& e) {
      return fail(QObject::tr("%1 (%2 × %3 pixels) is too large: %4")
                      .arg(name)
                      .arg(size.width())
                      .arg(size.height())
                      .arg(QString::fromStdString(e.what())));
    }
    // The estimate decided; let Qt decode images above its default 256 MiB allocation guard too.
    reader.setAllocationLimit(std::max(256, int(std::min(4096.0, 8.0 * size.width() * size.height() / (1 << 20)) + 1)));
  }
  const QImage img = reader.read();
  if (img.isNull()) return fail(QObject::tr("could not read %1: %2").arg(name, reader.errorString()));
  try {
    Image converted = imageFromQImage(img);
    requireImageMemory(net, converted.width, converted.height, converted.channels, stride);
    *out = std::move(converted);
  } catch (const NtkError& e) {
    return fail(QObject::tr("%1 is too large: %2").arg(name, QString::fromStdString(e.what())));
  } catch (const std::bad_alloc&) {
    return fail(QObject::tr("%1 is too large: out of memory").arg(name));
  }
  return true;
}

bool imageNetwork(const Network& doc, const EncodingChoice& choice, Network* kernelNet, Network* mlpNet, int mlpWidth,
                  QString* note, QString* reason)
{
  Network net = doc;
  QStringList changes;
  if (doc.inputDim != 2) changes << QObject::tr("input_dim 2 (the document has %1)").arg(doc.inputDim);
  net.inputDim = 2;
  Encoding enc;
  switch (choice.preset) {
  case EncodingPreset::Network:
    enc = doc.encoding;
    if (enc.kind == EncodingKind::Fourier && enc.B.cols() != 2) {
      if (reason)
        *reason = QObject::tr("The network's 'fourier' encoding has a B with %1 columns; an image needs 2 (x and y). "
                              "Choose another encoding above, or give B two columns.")
                      .arg(enc.B.cols());
      return false;
    }
    if (enc.kind == EncodingKind::Gaussian && doc.inputDim != 2)
      changes << QObject::tr("its Gaussian B re-sampled for d = 2 from seed %1").arg(enc.seed);
    break;
  case EncodingPreset::None: enc.kind = EncodingKind::None; break;
  case EncodingPreset::Basic: enc.kind = EncodingKind::Basic; break;
  case EncodingPreset::Positional:
    enc.kind = EncodingKind::Positional;
    enc.levels = choice.levels;
    enc.sigma = choice.sigma;
    break;
  case EncodingPreset::Gaussian:
    enc.kind = EncodingKind::Gaussian;
    enc.features = choice.features;
    enc.sigma = choice.sigma;
    enc.seed = choice.seed;
    break;
  }
  bool rounded = false;
  if (choice.preset != EncodingPreset::Network && choice.integerFrequencies &&
      (enc.kind == EncodingKind::Positional || enc.kind == EncodingKind::Gaussian)) {
    try {
      Encoding fourier;
      fourier.kind = EncodingKind::Fourier;
      fourier.B = enc.frequencies(2).array().round().matrix();
      enc = std::move(fourier);
      rounded = true;
    } catch (const NtkError& e) {
      if (reason) *reason = QObject::tr("The encoding cannot be built: %1").arg(QString::fromStdString(e.what()));
      return false;
    }
  }
  net.encoding = enc;
  if (choice.preset != EncodingPreset::Network) {
    QString what;
    switch (choice.preset) {
    case EncodingPreset::None: what = QObject::tr("no encoding"); break;
    case EncodingPreset::Basic: what = QObject::tr("basic encoding"); break;
    case EncodingPreset::Positional:
      what = QObject::tr("positional encoding (%1 levels, σ = %2)").arg(choice.levels).arg(choice.sigma);
      break;
    case EncodingPreset::Gaussian:
      what = QObject::tr("Gaussian encoding (%1 features, σ = %2, seed %3)").arg(choice.features).arg(choice.sigma).arg(choice.seed);
      break;
    case EncodingPreset::Network: break;
    }
    if (rounded) what += QObject::tr(" with frequencies rounded to integers");
    changes << what;
  }
  try {
    net.validate();
  } catch (const NtkError& e) {
    if (reason) *reason = QObject::tr("The network cannot fit an image: %1").arg(QString::fromStdString(e.what()));
    return false;
  }
  if (mlpNet) {
    *mlpNet = mlpWidth > 0 ? net.withHiddenWidth(mlpWidth) : net;
    try {
      mlpNet->validate();
    } catch (const NtkError& e) {
      if (reason) *reason = QObject::tr("The MLP cannot be built: %1").arg(QString::fromStdString(e.what()));
      return false;
    }
  }
  if (note) {
    *note = changes.isEmpty() ? QString()
                              : QObject::tr("Fitted with a copy of the network: %1.").arg(changes.join(QStringLiteral(", ")));
  }
  *kernelNet = std::move(net);
  return true;
}

KernelFitResult computeKernelFits(const Network& net, const Image& image, int stride, double ridge, bool ntk, bool nngp,
                                  const JobFlags& flags)
{
  KernelFitResult r;
  const auto t0 = std::chrono::steady_clock::now();
  catchJobErrors(
      [&] {
        std::vector<KernelKind> kinds;
        if (ntk) kinds.push_back(KernelKind::Ntk);
        if (nngp) kinds.push_back(KernelKind::Nngp);
        const ImageDataset data = makeImageDataset(image, stride);
        r.heldOutMask = data.heldOutMask;
        r.bicubic = bicubicFromTrainingPixels(image, stride);
        r.bicubicPsnrHeldOut = psnr(r.bicubic, image, &r.heldOutMask);
        const double share = kinds.empty() ? 1.0 : 1.0 / double(kinds.size());
        for (std::size_t i = 0; i < kinds.size(); ++i) {
          ImageRegressionOptions options;
          options.kind = kinds[i];
          options.ridge = ridge;
          // A stationary kernel takes the FFT paths at every size (circulant on a periodic grid, else Toeplitz
          // CG): the same regression, and the dense path's m × m Gram plus its H·W × m cross kernel took
          // ~40 s for 4096 training pixels where the circulant path takes ~0.1 s. Encoding none stays dense.
          options.denseLimit = 0;
          KernelImageFit fit;
          fit.kind = kinds[i];
          const double from = share * double(i);
          auto regression = std::make_shared<ImageKernelRegression>(net, image, stride, options, flags.control(from, 0.8 * share));
          fit.prediction = regression->predict(&fit.report, flags.control(from + 0.8 * share, 0.2 * share));
          if (i == 0) r.spectrum = regression->kernelPowerSpectrum();
          fit.regression = std::move(regression);
          r.fits.push_back(std::move(fit));
        }
      },
      &r.cancelled, &r.error);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

QImage powerSpectrumImage(const Eigen::MatrixXd& spectrum)
{
  if (spectrum.size() == 0) return {};
  double top = 0.0;
  for (Eigen::Index i = 0; i < spectrum.size(); ++i)
    if (std::isfinite(spectrum.data()[i])) top = std::max(top, std::abs(spectrum.data()[i]));
  if (!(top > 0.0)) top = 1.0;
  const double hi = std::log10(top), lo = hi - 8.0;
  const auto& table = viridisTable();
  QImage out(int(spectrum.cols()), int(spectrum.rows()), QImage::Format_RGB888);
  for (int r = 0; r < out.height(); ++r) {
    uchar* line = out.scanLine(r);
    for (int c = 0; c < out.width(); ++c) {
      const double v = std::abs(spectrum(r, c));
      const double f = v > 0.0 && std::isfinite(v) ? std::clamp((std::log10(v) - lo) / (hi - lo), 0.0, 1.0) : 0.0;
      const Rgb8& rgb = table[std::size_t(std::lround(f * 255.0))];
      line[3 * c] = rgb[0];
      line[3 * c + 1] = rgb[1];
      line[3 * c + 2] = rgb[2];
    }
  }
  return out;
}

QStringList bundledSampleNames()
{
  QStringList names;
  for (const QFileInfo& f : QDir(QStringLiteral(":/images")).entryInfoList({QStringLiteral("*.png")}, QDir::Files, QDir::Name))
    names << f.completeBaseName();
  return names;
}

QString bundledSamplePath(const QString& name) { return QStringLiteral(":/images/%1.png").arg(name); }

} // namespace ntk::gui
