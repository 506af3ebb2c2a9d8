// TrainingPixelsControl.cpp — see TrainingPixelsControl.h.
#include "widgets/image/TrainingPixelsControl.h"

#include <algorithm>
#include <cmath>

#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QSpinBox>
#include <QToolButton>
#include <limits>

#include "core/image/Image.h"
#include "core/image/MaskedImageRegression.h"
#include "widgets/common/CheckedSpinBox.h"
#include "widgets/image/MaskPainter.h"

namespace ntk::gui {

namespace {

/// Every `stride`-th pixel in each direction (rows 0, s, 2s, …): ImageDataset's training grid as a mask.
std::vector<bool> strideMask(int width, int height, int stride)
{
  std::vector<bool> mask(std::size_t(width) * std::size_t(height), false);
  for (int r = 0; r < height; r += stride)
    for (int c = 0; c < width; c += stride) mask[std::size_t(r) * std::size_t(width) + std::size_t(c)] = true;
  return mask;
}

} // namespace

TrainingPixelsControl::TrainingPixelsControl(QWidget* parent) : QWidget(parent), m_painter(new MaskPainter(this))
{
  createControls();
  auto* row = new QHBoxLayout(this);
  row->setContentsMargins(0, 0, 0, 0);
  row->addWidget(new QLabel(tr("Train on")));
  for (QWidget* w : std::initializer_list<QWidget*>{m_modeCombo, m_fractionSpin, m_seedSpin, m_brushSpin, m_maskButton}) row->addWidget(w);
  updateVisibility();

  connect(m_modeCombo, &QComboBox::currentIndexChanged, this, [this] {
    m_painter->setEnabled(mode() == TrainingPixels::Painted);
    updateVisibility();
    emit settingsChanged();
  });
  connect(m_fractionSpin, &CheckedDoubleSpinBox::valueAccepted, this, [this] { emit settingsChanged(); });
  connect(m_fractionSpin, &CheckedDoubleSpinBox::valueRefused, this, [this](const QString& why) {
    emit statusMessage(tr("Training fraction refused: %1").arg(why));
    emit settingsChanged(); // the panel shows the refusal instead of a fit for another p
  });
  connect(m_seedSpin, &QSpinBox::valueChanged, this, [this] { emit settingsChanged(); });
  connect(m_brushSpin, &CheckedSpinBox::valueAccepted, this, [this](int d) { m_painter->setBrushDiameter(d); });
  connect(m_brushSpin, &CheckedSpinBox::valueRefused, this, [this](const QString& why) { emit statusMessage(tr("Brush refused: %1").arg(why)); });
  connect(m_painter, &MaskPainter::maskChanged, this, &TrainingPixelsControl::paintedMaskChanged);
  connect(m_painter, &MaskPainter::strokeFinished, this,
          [this](const std::vector<bool>& before, const std::vector<bool>& after, bool erased) {
            // The stroke is already on the mask; the undo step re-applies it (setPaintedMask) and can take it back.
            const auto count = [](const std::vector<bool>& m) { return std::count(m.begin(), m.end(), true); };
            const long long delta = std::abs((long long)count(after) - (long long)count(before));
            emit maskEdited(before, after, erased ? tr("Erase %1 mask pixels").arg(delta) : tr("Paint %1 mask pixels").arg(delta));
          });
}

void TrainingPixelsControl::createControls()
{
  m_modeCombo = new QComboBox;
  m_modeCombo->addItem(tr("every s-th pixel"));
  m_modeCombo->addItem(tr("random fraction"));
  m_modeCombo->addItem(tr("painted mask"));
  m_modeCombo->setToolTip(
      tr("The pixels the NTK / NNGP regressions and the MLP train on; the held-out PSNR is over all the others.\n"
         "  every s-th pixel: rows and columns 0, s, 2s, … (the Stride box)\n"
         "  random fraction: exactly round(p·W·H) pixels, a uniform random subset (Fisher–Yates shuffle with\n"
         "    std::mt19937_64(seed)) — the same mask as ntk-cli fit-image --mask random:P --seed s\n"
         "  painted mask: paint on the ground truth picture — left-drag paints training pixels, right-drag or\n"
         "    Shift + drag erases (one undo step per stroke); the Mask menu clears, fills, inverts, loads and saves it\n"
         "With a mask the kernels are solved exactly on the masked set (conjugate gradients with an FFT product,\n"
         "MaskedImageRegression); that needs a stationary kernel, so encoding none is refused. Bicubic upsampling\n"
         "is only defined on the stride grid: n/a with a mask."));
  m_fractionSpin = new CheckedDoubleSpinBox(0.001, 1.0, 3);
  m_fractionSpin->setPrefix(tr("p = "));
  m_fractionSpin->setSingleStep(0.05);
  m_fractionSpin->setCheck([](double p) {
    return p > 0.0 && p <= 1.0 ? QString() : tr("the training fraction p must satisfy 0 < p ≤ 1 (got %1)").arg(p);
  });
  m_fractionSpin->setValueQuietly(0.5);
  m_fractionSpin->setToolTipBase(tr("Fraction p of the pixels that train: exactly round(p·W·H) of them (at least 1), 0 < p ≤ 1."));
  m_seedSpin = new QSpinBox;
  m_seedSpin->setRange(0, std::numeric_limits<int>::max());
  m_seedSpin->setPrefix(tr("seed "));
  m_seedSpin->setToolTip(tr("The seed of std::mt19937_64 driving the Fisher–Yates shuffle (ntk-cli's --seed; default 0)"));
  m_brushSpin = new CheckedSpinBox(1, kMaxBrush);
  m_brushSpin->setPrefix(tr("brush "));
  m_brushSpin->setSuffix(tr(" px"));
  m_brushSpin->setValueQuietly(m_painter->brushDiameter());
  m_brushSpin->setToolTipBase(tr("Brush diameter d in image pixels: a stamp sets the pixels whose centres lie within d/2 of the\n"
                                 "pixel under the cursor (1: one pixel, 3: a 3 × 3 block). Left-drag on the ground truth paints\n"
                                 "training pixels, right-drag or Shift + drag erases; the wheel still zooms."));
  m_maskButton = new QToolButton;
  m_maskButton->setText(tr("Mask"));
  m_maskButton->setPopupMode(QToolButton::InstantPopup);
  m_maskButton->setToolTip(tr("Edit the painted mask (each action is one undo step), or load / save it as a PNG:\n"
                              "a pixel trains where any channel of the PNG is nonzero (ntk-cli fit-image --mask MASK.png);\n"
                              "saved masks are white on the training pixels, black elsewhere."));
  auto* menu = new QMenu(m_maskButton);
  menu->addAction(tr("Clear (no training pixel)"), this, [this] { edit(std::vector<bool>(paintedMask().size(), false), tr("Clear mask")); });
  menu->addAction(tr("Fill (every pixel)"), this, [this] { edit(std::vector<bool>(paintedMask().size(), true), tr("Fill mask")); });
  menu->addAction(tr("Invert"), this, [this] { edit(invertedMask(paintedMask()), tr("Invert mask")); });
  menu->addAction(tr("Every s-th pixel"), this, [this] {
    edit(strideMask(m_width, m_height, m_stride), tr("Mask: every %1-th pixel").arg(m_stride));
  });
  menu->addSeparator();
  menu->addAction(tr("Load mask PNG…"), this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Load mask"), QString(), tr("PNG image (*.png);;All files (*)"));
    QString error;
    if (!path.isEmpty() && !loadMask(path, &error)) emit statusMessage(tr("Mask not loaded: %1").arg(error));
  });
  menu->addAction(tr("Save mask PNG…"), this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save mask"), QStringLiteral("mask.png"), tr("PNG image (*.png)"));
    QString error;
    if (!path.isEmpty()) emit statusMessage(saveMask(path, &error) ? tr("Saved %1").arg(path) : tr("Mask not saved: %1").arg(error));
  });
  m_maskButton->setMenu(menu);
}

void TrainingPixelsControl::paintOn(ImageTile* tile) { m_painter->setTile(tile); }

void TrainingPixelsControl::updateVisibility()
{
  const TrainingPixels m = mode();
  m_fractionSpin->setVisible(m == TrainingPixels::Random);
  m_seedSpin->setVisible(m == TrainingPixels::Random);
  m_brushSpin->setVisible(m == TrainingPixels::Painted);
  m_maskButton->setVisible(m == TrainingPixels::Painted);
}

TrainingPixels TrainingPixelsControl::mode() const { return TrainingPixels(m_modeCombo->currentIndex()); }

void TrainingPixelsControl::setMode(TrainingPixels mode) { m_modeCombo->setCurrentIndex(int(mode)); }

double TrainingPixelsControl::fraction() const { return m_fractionSpin->value(); }

std::uint64_t TrainingPixelsControl::seed() const { return std::uint64_t(m_seedSpin->value()); }

void TrainingPixelsControl::setRandom(double fraction, std::uint64_t seed)
{
  m_seedSpin->setValue(int(seed));
  m_fractionSpin->setValue(fraction);
}

QString TrainingPixelsControl::refusal() const { return mode() == TrainingPixels::Random ? m_fractionSpin->refusal() : QString(); }

std::vector<bool> TrainingPixelsControl::trainMask() const
{
  if (m_width < 1 || m_height < 1) return {};
  switch (mode()) {
  case TrainingPixels::Random: return randomPixelMask(m_width, m_height, m_fractionSpin->acceptedValue(), seed());
  case TrainingPixels::Painted: return paintedMask();
  default: return {};
  }
}

void TrainingPixelsControl::setImage(int width, int height, int stride)
{
  m_stride = stride;
  if (width == m_width && height == m_height) return;
  m_width = width;
  m_height = height;
  m_painter->setMask(strideMask(width, height, stride), width, height);
}

const std::vector<bool>& TrainingPixelsControl::paintedMask() const { return m_painter->mask(); }

bool TrainingPixelsControl::setPaintedMask(const std::vector<bool>& mask)
{
  if (mask.size() != std::size_t(m_width) * std::size_t(m_height)) {
    emit statusMessage(tr("Mask step not applied: it was painted on an image of another size"));
    return false;
  }
  m_painter->setMask(mask, m_width, m_height);
  emit paintedMaskChanged();
  return true;
}

void TrainingPixelsControl::edit(std::vector<bool> after, const QString& text)
{
  if (after.empty() || after == paintedMask()) return;
  emit maskEdited(paintedMask(), after, text);
}

bool TrainingPixelsControl::loadMask(const QString& path, QString* error)
{
  try {
    const Image png = readPng(path.toStdString());
    if (png.width != m_width || png.height != m_height) {
      if (error) *error = tr("%1 is %2 × %3 but the image is %4 × %5").arg(QFileInfo(path).fileName()).arg(png.width).arg(png.height).arg(m_width).arg(m_height);
      return false;
    }
    std::vector<bool> mask = maskFromImage(png);
    if (std::find(mask.begin(), mask.end(), true) == mask.end()) {
      if (error) *error = tr("%1 has no training pixel (every pixel is zero)").arg(QFileInfo(path).fileName());
      return false;
    }
    if (mode() != TrainingPixels::Painted) setMode(TrainingPixels::Painted);
    edit(std::move(mask), tr("Load mask %1").arg(QFileInfo(path).fileName()));
    return true;
  } catch (const std::exception& e) {
    if (error) *error = QString::fromStdString(e.what());
    return false;
  }
}

bool TrainingPixelsControl::saveMask(const QString& path, QString* error) const
{
  const std::vector<bool>& mask = paintedMask();
  if (mask.empty()) {
    if (error) *error = tr("there is no image to paint a mask on");
    return false;
  }
  Image out(m_width, m_height, 1);
  for (std::size_t i = 0; i < mask.size(); ++i) out.data[i] = mask[i] ? 1.0f : 0.0f;
  try {
    writePng(path.toStdString(), out);
    return true;
  } catch (const std::exception& e) {
    if (error) *error = QString::fromStdString(e.what());
    return false;
  }
}

QString TrainingPixelsControl::countText() const
{
  const std::vector<bool> mask = trainMask();
  const long long m = std::count(mask.begin(), mask.end(), true), n = (long long)mask.size();
  return tr("%1 training pixels (%2 %)").arg(m).arg(n > 0 ? 100.0 * double(m) / double(n) : 0.0, 0, 'g', 3);
}

} // namespace ntk::gui
