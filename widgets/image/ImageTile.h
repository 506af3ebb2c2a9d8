// ImageTile — one picture of the image panel's comparison: a title ("NTK regression"), the image scaled
// to fit (pixels stay square; no smoothing when enlarged, so the held-out pixels are visible), and a
// caption ("held-out PSNR 24.3 dB"), or a message in a grey frame when there is no image yet.
// Looking closely: a tile shows a region of its image (view(), in pixels; empty: the whole image). The
// wheel (about the cursor) or a dragged rectangle asks for a new region (viewRequested), a double click
// for the whole image (viewResetRequested): the panel applies the same region to every tile, so all
// tiles show the same pixels. A zoomed region is drawn pixel-exact: whole pixels, nearest neighbour.
// An optional colour bar (a scale: 0 … max of a difference image) is drawn between image and caption.
// The context menu offers the full-size view (fullSizeRequested) and the reset.
// paintImageTile is the same drawing for exported figures. GUI thread only (the widget); the paint
// function works on any QPainter.
#pragma once
#include <QImage>
#include <QRect>
#include <QString>
#include <QWidget>

class QPainter;
class QRectF;

namespace ntk::gui {

/// A colour bar under a tile's picture: viridis from 0 (left) to `max` (right), labelled.
struct TileScale {
  bool shown = false;
  double max = 1.0;
  QString label; ///< e.g. "|prediction − truth|"
};

/// Paints title (top), image (centred, aspect kept) and caption (bottom) into `rect`; title and caption wrap at
/// spaces onto as many lines as `rect`'s width needs, and a word wider than the tile makes the font smaller —
/// never elided, so numbers stay whole. Or
/// `message` in a grey frame when `image` is null. `em` is the font size in pixels. `region` (pixels of
/// `image`; empty: all) is the part shown, pixel-exact. Returns where the image was drawn (empty if none).
QRectF paintImageTile(QPainter& p, const QRectF& rect, const QImage& image, const QString& title, const QString& caption,
                      const QString& message, double em, const QRect& region = {}, const TileScale& scale = {});

/// `region` clamped to an image of `size` (at least 1 × 1 pixel inside it); empty when it covers it all.
QRect clampRegion(const QRect& region, const QSize& size);

class ImageTile : public QWidget {
  Q_OBJECT

public:
  explicit ImageTile(const QString& title, QWidget* parent = nullptr);

  void setImage(const QImage& image, const QString& caption);
  /// No image: `message` is shown instead.
  void setMessage(const QString& message);
  void setTitle(const QString& title);
  /// The region shown (pixels of the image; empty: all). No signal.
  void setView(const QRect& region);
  QRect view() const { return m_view; }
  /// The colour bar under the picture (hidden by default).
  void setScale(const TileScale& scale);
  const TileScale& scale() const { return m_scale; }
  /// A translucent picture of the image's size drawn over it, pixel for pixel (the image panel's training
  /// mask); null: none. Kept until replaced.
  void setOverlay(const QImage& overlay);
  const QImage& overlay() const { return m_overlay; }

  const QImage& image() const { return m_image; }
  QString title() const { return m_title; }
  QString caption() const { return m_caption; }
  QString message() const { return m_message; }
  /// Where the image was drawn in the last paint (widget coordinates; empty before or without an image).
  QRectF imageRect() const { return m_drawn; }
  /// The image pixel under a widget position (may lie outside the image).
  QPointF pixelAt(const QPointF& pos) const;
  /// The same picture into any painter (figure export).
  void paintTo(QPainter& p, const QRectF& rect, double em) const;

  QSize sizeHint() const override { return {260, 290}; }
  QSize minimumSizeHint() const override { return {80, 100}; }

signals:
  /// The user asked for `region` (wheel or dragged rectangle), already clamped to the image.
  void viewRequested(const QRect& region);
  void viewResetRequested();
  void fullSizeRequested();

protected:
  void paintEvent(QPaintEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;
  void contextMenuEvent(QContextMenuEvent* event) override;

private:
  QRect shownRegion() const; ///< m_view, or the whole image
  void paintOverlay(QPainter& p, const QRectF& drawn) const;

  QImage m_image, m_overlay;
  QString m_title, m_caption, m_message;
  QRect m_view;
  TileScale m_scale;
  QRectF m_drawn;
  QPointF m_pressPos, m_dragPos;
  bool m_dragging = false;
};

} // namespace ntk::gui
