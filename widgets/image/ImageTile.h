// ImageTile — one picture of the image panel's comparison: a title ("NTK regression"), the image scaled
// to fit (pixels stay square; no smoothing when enlarged, so the held-out pixels are visible), and a
// caption ("held-out PSNR 24.3 dB"), or a message in a grey frame when there is no image yet.
// paintImageTile is the same drawing for exported figures. GUI thread only (the widget); the paint
// function works on any QPainter.
#pragma once
#include <QImage>
#include <QString>
#include <QWidget>

class QPainter;
class QRectF;

namespace ntk::gui {

/// Paints title (top), image (centred, aspect kept) and caption (bottom) into `rect`; title and caption wrap at
/// spaces onto as many lines as `rect`'s width needs, and a word wider than the tile makes the font smaller —
/// never elided, so numbers stay whole. Or
/// `message` in a grey frame when `image` is null. `em` is the font size in pixels.
void paintImageTile(QPainter& p, const QRectF& rect, const QImage& image, const QString& title, const QString& caption,
                    const QString& message, double em);

class ImageTile : public QWidget {
  Q_OBJECT

public:
  explicit ImageTile(const QString& title, QWidget* parent = nullptr);

  void setImage(const QImage& image, const QString& caption);
  /// No image: `message` is shown instead.
  void setMessage(const QString& message);
  void setTitle(const QString& title);

  const QImage& image() const { return m_image; }
  QString title() const { return m_title; }
  QString caption() const { return m_caption; }
  QString message() const { return m_message; }
  /// The same picture into any painter (figure export).
  void paintTo(QPainter& p, const QRectF& rect, double em) const;

  QSize sizeHint() const override { return {260, 290}; }
  QSize minimumSizeHint() const override { return {80, 100}; }

protected:
  void paintEvent(QPaintEvent* event) override;

private:
  QImage m_image;
  QString m_title, m_caption, m_message;
};

} // namespace ntk::gui
