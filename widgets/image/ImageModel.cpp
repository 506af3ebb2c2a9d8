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
#include "core/nets/MlpTrainer.h"
#include "core/spectra/GridSpectrum.h"
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

QImage differenceImage(const Image& prediction, const Image& truth, double max)
{
  if (prediction.empty() || truth.empty() || prediction.width != truth.width || prediction.height != truth.height ||
      prediction.channels != truth.channels || !(max > 0.0))
    return {};
  QImage out(truth.width, truth.height, QImage::Format_RGB888);
  const auto& table = viridisTable();
  for (int r = 0; r < truth.height; ++r) {
    uchar* line = out.scanLine(r);
    for (int c = 0; c < truth.width; ++c) {
      double d = 0.0;
      for (int ch = 0; ch < truth.channels; ++ch) d += std::abs(double(prediction.at(r, c, ch)) - double(truth.at(r, c, ch)));
      d /= truth.channels;
      const double u = std::isfinite(d) ? std::clamp(d / max, 0.0, 1.0) : 1.0;
      const Rgb8& rgb = table[std::size_t(std::lround(u * 255.0))];
      for (int k = 0; k < 3; ++k) line[3 * c + k] = rgb[std::size_t(k)];
    }
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

QString imageRequirementReason(const Network& net, const QString& name)
{
  const QString network = name.isEmpty() ? QObject::tr("the network") : QObject::tr("network ‘%1’").arg(name);
  if (net.inputDim != 2)
    return QObject::tr("The image panel needs input_dim 2 (x, y pixel coordinates); %1 has input_dim %2.").arg(network).arg(net.inputDim);
  if (net.encoding.kind == EncodingKind::Fourier && net.encoding.B.cols() != 2)
    return QObject::tr("The image panel needs 2 columns in the 'fourier' encoding's B (x and y); %1 has %2.")
        .arg(network)
        .arg(net.encoding.B.cols());
  try {
    net.validate();
  } catch (const NtkError& e) {
    return QObject::tr("The image panel cannot fit an image with %1: %2").arg(network, QString::fromStdString(e.what()));
  }
  return {};
}

std::vector<int> hiddenWidths(const Network& net)
{
  std::vector<int> widths;
  for (const Layer& l : net.layers)
    if (const auto* dense = std::get_if<DenseLayer>(&l)) widths.push_back(dense->width);
  if (!widths.empty()) widths.pop_back(); // the readout
  return widths;
}

QString mlpTitle(const Network& net)
{
  QStringList parts;
  for (int w : hiddenWidths(net)) parts << QString::number(w);
  return parts.isEmpty() ? QObject::tr("MLP (no hidden layer)") : QObject::tr("MLP %1").arg(parts.join(QLatin1Char('-')));
}

bool mlpNetworkFor(const Network& net, int channels, Network* mlp, QString* reason)
{
  const int k = net.outputDim();
  if (k != channels && k != 1) {
    if (reason)
      *reason = QObject::tr("The MLP needs an output width of %1 (one per %2 channel) or 1; the network's last Dense layer "
                            "has width %3. Set it to %1 in the Network dock.")
                    .arg(channels)
                    .arg(channels == 1 ? QObject::tr("grey") : QObject::tr("colour"))
                    .arg(k);
    return false;
  }
  *mlp = withReadoutWidth(net, channels);
  return true;
}

double estimateMlpTrainingBytes(const Network& mlp, int width, int height, int channels, int stride)
{
  const Eigen::Index trainPixels = Eigen::Index((width + stride - 1) / stride) * Eigen::Index((height + stride - 1) / stride);
  return estimateMlpTrainerBytes(mlp, width, height, channels, trainPixels, MlpOptions{});
}

QString mlpMemoryRefusal(const Network& mlp, int width, int height, int channels, int stride, QString* brief)
{
  const double bytes = estimateMlpTrainingBytes(mlp, width, height, channels, stride);
  const double available = double(availableMemoryBytes());
  if (bytes <= 0.8 * available) return {}; // requireMemory's fraction, as in MlpTrainer
  const QString needs = QString::fromStdString(formatBytes(bytes)), has = QString::fromStdString(formatBytes(available));
  const auto mTrain = (long long)std::ceil(double(width) / stride) * (long long)std::ceil(double(height) / stride);
  if (brief) *brief = QObject::tr("Not trained: it needs %1 of memory; %2 is available.").arg(needs, has);
  return QObject::tr("%1 needs %2 to train on %3 pixels (float32: parameters, gradients, Adam state, activations) but only "
                     "%4 is available on this machine. Make the hidden layers narrower in the Network dock, or the stride larger.")
      .arg(mlpTitle(mlp), needs)
      .arg(mTrain)
      .arg(has);
}

QString encodingDescription(const Encoding& e)
{
  switch (e.kind) {
  case EncodingKind::None: return QObject::tr("none");
  case EncodingKind::Basic: return QObject::tr("basic");
  case EncodingKind::Positional: return QObject::tr("positional (%1 levels, σ = %2)").arg(e.levels).arg(e.sigma);
  case EncodingKind::Gaussian: return QObject::tr("Gaussian σ = %1 (%2 features)").arg(e.sigma).arg(e.features);
  case EncodingKind::Fourier:
    return hasIntegerFrequencies(e) ? QObject::tr("fourier (%1 integer frequencies)").arg(e.B.rows())
                                    : QObject::tr("fourier (%1 frequencies)").arg(e.B.rows());
  }
  return {};
}

Encoding withIntegerFrequencies(const Encoding& encoding, int inputDim)
{
  Encoding out = encoding; // keeps σ, levels, features and seed, so switching back restores them
  out.kind = EncodingKind::Fourier;
  out.B = encoding.kind == EncodingKind::None ? Eigen::MatrixXd::Identity(inputDim, inputDim)
                                              : Eigen::MatrixXd(encoding.frequencies(inputDim).array().round().matrix());
  return out;
}

Network defaultImageNetwork()
{
  Network n = Network::defaultNetwork(2).withHiddenWidth(256);
  n.encoding.kind = EncodingKind::Gaussian;
  n.encoding.features = 256;
  n.encoding.sigma = 10.0;
  n.encoding.seed = 1;
  return n;
}

bool hasIntegerFrequencies(const Encoding& e)
{
  return e.kind == EncodingKind::Fourier && e.B.size() > 0 && (e.B.array() == e.B.array().round()).all();
}

KernelFitResult computeKernelFits(const Network& net, const Image& image, int stride, double ridge, bool ntk, bool nngp,
                                  RegressionPath domain, const JobFlags& flags)
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
          if (domain == RegressionPath::Mirror && net.encoding.kind != EncodingKind::None && !gridIsPeriodic(net))
            options.path = RegressionPath::Mirror;
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
