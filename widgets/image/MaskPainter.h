// MaskPainter — paints the image panel's training mask on a picture (the ground truth tile) with a round
// brush: left-drag paints training pixels, right-drag or Shift + left-drag erases them.
// In: the ImageTile painted on (while enabled its mouse events are taken: the tile's drag-to-zoom and context
// menu are off, the wheel still zooms), the mask (H·W, row-major, true = training pixel) and the brush
// diameter d. Out: maskChanged() at every stamp of a stroke (the overlay follows the brush) and
// strokeFinished(before, after) once per stroke — the panel makes it one undo step.
// Brush rule: the pixels whose centres lie within d/2 of the centre of the pixel under the cursor (d = 1: that
// pixel; d = 3: the 3 × 3 block); a drag stamps every pixel along the segment between two mouse positions,
// so a fast stroke has no gaps. GUI thread only; the free functions work on any thread.
#pragma once
#include <vector>

#include <QColor>
#include <QImage>
#include <QObject>
#include <QPoint>

namespace ntk::gui {

class ImageTile;

/// Sets the brush disc of `diameter` pixels centred on pixel (col, row) to `value` (pixels outside the
/// width × height mask are skipped). Returns how many pixels changed.
int paintDisc(std::vector<bool>& mask, int width, int height, int col, int row, int diameter, bool value);

/// The mask drawn over a picture: `training` (translucent) on training pixels, transparent elsewhere.
QImage maskOverlayImage(const std::vector<bool>& mask, int width, int height, QColor training = QColor(255, 120, 0, 130));

/// The complement (held-out pixels become training pixels and back).
std::vector<bool> invertedMask(const std::vector<bool>& mask);

class MaskPainter : public QObject {
  Q_OBJECT

public:
  explicit MaskPainter(QObject* parent = nullptr);
  /// The picture painted on (its events are filtered from now on).
  void setTile(ImageTile* tile);

  void setEnabled(bool on);
  bool isEnabled() const { return m_enabled; }
  /// d ≥ 1 pixels (the panel's brush box refuses the rest).
  void setBrushDiameter(int diameter) { m_diameter = diameter; }
  int brushDiameter() const { return m_diameter; }
  /// Replaces the mask (no signal). `mask` has width·height entries.
  void setMask(std::vector<bool> mask, int width, int height);
  const std::vector<bool>& mask() const { return m_mask; }
  int width() const { return m_width; }
  int height() const { return m_height; }
  /// A stroke is under way (between press and release).
  bool isStroking() const { return m_stroking; }

signals:
  void maskChanged();
  void strokeFinished(const std::vector<bool>& before, const std::vector<bool>& after, bool erased);

protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

private:
  /// The pixel under a tile position, or (-1, -1) outside the picture.
  QPoint pixelUnder(const QPointF& pos) const;
  void stampTo(const QPoint& pixel);
  void finishStroke();

  ImageTile* m_tile = nullptr;
  bool m_enabled = false;
  int m_diameter = 5;
  std::vector<bool> m_mask;
  int m_width = 0, m_height = 0;
  // The stroke under way.
  bool m_stroking = false, m_erasing = false;
  std::vector<bool> m_before;
  QPoint m_last{-1, -1};
};

} // namespace ntk::gui
