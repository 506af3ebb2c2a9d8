// TrainingPixelsControl — the image panel's "Train on" row: which pixels the kernel fits (and the MLP)
// train on, and the painted mask's tools.
//   every s-th pixel — the stride grid (the panel's stride box; ImageDataset), as before;
//   random fraction p — exactly round(p·W·H) pixels (at least 1), a uniform random subset drawn by a
//     Fisher–Yates shuffle with std::mt19937_64(seed): ntk::randomPixelMask, the same mask as
//     `ntk-cli fit-image --mask random:P --seed s`;
//   painted mask — drawn on the ground truth picture with MaskPainter (left-drag paints, right-drag or
//     Shift + drag erases; brush diameter box), and the Mask menu: Clear, Fill, Invert, Every s-th pixel,
//     Load PNG (the CLI's MASK.png rule: a pixel trains when any channel is nonzero; the image's size),
//     Save PNG (training pixels white, the rest black). The mask is shown as a translucent overlay.
// In: the ground truth tile (paintOn), the image size and stride (setImage). Out: trainMask() for the
// fits; settingsChanged() when the mode, p or seed change (the panel refits at once); maskEdited(before,
// after, text) for every edit of the painted mask (a stroke, a menu action) — the panel pushes it as one
// undo step and applies it through setPaintedMask(), which emits paintedMaskChanged() (also during a stroke).
// Refusals: p outside (0, 1], a brush outside 1 … kMaxBrush, a PNG of another size or without a training
// pixel — marked on the box or reported by statusMessage, nothing changed. GUI thread only.
#pragma once
#include <cstdint>
#include <vector>

#include <QWidget>

class QComboBox;
class QSpinBox;
class QToolButton;

namespace ntk::gui {

class CheckedDoubleSpinBox;
class CheckedSpinBox;
class ImageTile;
class MaskPainter;

enum class TrainingPixels { Stride, Random, Painted };

class TrainingPixelsControl : public QWidget {
  Q_OBJECT

public:
  static constexpr int kMaxBrush = 128;

  explicit TrainingPixelsControl(QWidget* parent = nullptr);
  /// The picture the mask is painted on (the ground truth tile).
  void paintOn(ImageTile* tile);

  TrainingPixels mode() const;
  void setMode(TrainingPixels mode);
  double fraction() const;
  std::uint64_t seed() const;
  /// Sets p and the seed (refused p: marked on the box, as typed).
  void setRandom(double fraction, std::uint64_t seed);
  /// Why the shown p is refused (random mode only; empty when valid).
  QString refusal() const;
  /// The training mask for the current image (H·W, row-major): empty for every s-th pixel.
  std::vector<bool> trainMask() const;
  /// The image the mask is for: a painted mask of another size starts as every `stride`-th pixel (the
  /// stride grid the panel showed), one of the same size is kept.
  void setImage(int width, int height, int stride);
  /// The stride "Every s-th pixel" (Mask menu) uses.
  void setStride(int stride) { m_stride = stride; }
  const std::vector<bool>& paintedMask() const;
  /// Shows `mask` as the painted mask (the undo history applies its steps here). False, with the reason in
  /// statusMessage, when its size is not the image's.
  bool setPaintedMask(const std::vector<bool>& mask);
  MaskPainter* painter() const { return m_painter; }
  /// Loads a mask PNG as the painted mask (one undo step, through maskEdited) / saves the painted mask.
  bool loadMask(const QString& path, QString* error);
  bool saveMask(const QString& path, QString* error) const;
  /// "32768 training pixels (50 %)": the current mask's count, for captions.
  QString countText() const;

signals:
  void settingsChanged();
  void maskEdited(const std::vector<bool>& before, const std::vector<bool>& after, const QString& text);
  void paintedMaskChanged();
  void statusMessage(const QString& text);

private:
  void createControls();
  void updateVisibility();
  /// Offers `after` as a mask edit named `text` (nothing when it equals the mask).
  void edit(std::vector<bool> after, const QString& text);

  QComboBox* m_modeCombo;
  CheckedDoubleSpinBox* m_fractionSpin;
  QSpinBox* m_seedSpin;
  CheckedSpinBox* m_brushSpin;
  QToolButton* m_maskButton;
  MaskPainter* m_painter;
  int m_width = 0, m_height = 0, m_stride = 2;
};

} // namespace ntk::gui
