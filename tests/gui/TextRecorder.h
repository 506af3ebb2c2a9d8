// TextRecorder.h — a paint device that records every text a QPainter draws on it, and the checks
// the figure tests make on them: nothing elided ('…'), cut off (clipped, or outside the figure) or
// overlapping another text.
// In: painting (FigurePainter functions, QWidget::render of QPainter widgets) onto a TextRecorder of
// a given size. Out: TextRecorder::texts() — each text item with its rectangle in device pixels (the
// painter's transform applied) and whether the painter's clip cut it; textProblems() lists what is
// wrong in words (empty when the figure is fine). Independent of the code under test: it sees what
// the paint engine is asked to draw, whatever function drew it.
#pragma once
#include <algorithm>
#include <climits>
#include <cmath>

#include <QPaintDevice>
#include <QPaintEngine>
#include <QPainter>
#include <QRegularExpression>
#include <QStringList>
#include <QTextItem>

namespace ntktest {

struct RecordedText {
  QString text;
  QRectF rect;         ///< device pixels
  double baseline = 0; ///< device y of the baseline (unrotated text)
  bool rotated = false;
  bool clipped = false; ///< the painter's clip did not contain it
};

class TextRecordingEngine : public QPaintEngine {
public:
  TextRecordingEngine() : QPaintEngine(QPaintEngine::AllFeatures) {}
  bool begin(QPaintDevice*) override { return true; }
  bool end() override { return true; }
  void updateState(const QPaintEngineState&) override {}
  void drawPixmap(const QRectF&, const QPixmap&, const QRectF&) override {}
  void drawImage(const QRectF&, const QImage&, const QRectF&, Qt::ImageConversionFlags) override {}
  void drawPath(const QPainterPath&) override {}
  void drawPolygon(const QPointF*, int, PolygonDrawMode) override {}
  void drawLines(const QLineF*, int) override {}
  void drawRects(const QRectF*, int) override {}
  void drawEllipse(const QRectF&) override {}
  void drawPoints(const QPointF*, int) override {}
  Type type() const override { return QPaintEngine::User; }
  void drawTextItem(const QPointF& at, const QTextItem& item) override
  {
    const QRectF local(at.x(), at.y() - item.ascent(), item.width(), item.ascent() + item.descent());
    const QTransform t = painter()->combinedTransform();
    RecordedText r;
    r.text = item.text();
    r.rect = t.mapRect(local);
    r.rotated = !t.isIdentity() && (std::abs(t.m12()) > 1e-9 || std::abs(t.m21()) > 1e-9);
    r.baseline = t.map(at).y();
    r.clipped = painter()->hasClipping() && !painter()->clipBoundingRect().adjusted(-1, -1, 1, 1).contains(local);
    texts.push_back(r);
  }
  std::vector<RecordedText> texts;
};

class TextRecorder : public QPaintDevice {
public:
  explicit TextRecorder(QSize size) : m_size(size) {}
  ~TextRecorder() override
  {
    // QPaintDevice's destructor checks for active painters; none outlive the recorder here.
  }
  QPaintEngine* paintEngine() const override { return &m_engine; }
  const std::vector<RecordedText>& texts() const { return m_engine.texts; }
  void clear() { m_engine.texts.clear(); }
  QSize size() const { return m_size; }

  /// Texts on one baseline that touch are one label (a font fallback splits "10⁶" into runs).
  std::vector<RecordedText> labels() const
  {
    std::vector<RecordedText> sorted = m_engine.texts, out;
    std::stable_sort(sorted.begin(), sorted.end(), [](const RecordedText& a, const RecordedText& b) {
      return a.baseline != b.baseline ? a.baseline < b.baseline : a.rect.left() < b.rect.left();
    });
    for (const RecordedText& t : sorted) {
      if (!out.empty() && !t.rotated && !out.back().rotated && std::abs(out.back().baseline - t.baseline) < 0.5 &&
          std::abs(out.back().rect.right() - t.rect.left()) < 0.75) {
        out.back().text += t.text;
        out.back().rect = out.back().rect.united(t.rect);
        out.back().clipped = out.back().clipped || t.clipped;
        continue;
      }
      out.push_back(t);
    }
    return out;
  }

protected:
  int metric(PaintDeviceMetric m) const override
  {
    switch (m) {
    case PdmWidth: return m_size.width();
    case PdmHeight: return m_size.height();
    case PdmWidthMM: return int(m_size.width() * 25.4 / 96.0);
    case PdmHeightMM: return int(m_size.height() * 25.4 / 96.0);
    case PdmNumColors: return INT_MAX;
    case PdmDepth: return 32;
    case PdmDpiX:
    case PdmDpiY:
    case PdmPhysicalDpiX:
    case PdmPhysicalDpiY: return 96;
    case PdmDevicePixelRatio: return 1;
    case PdmDevicePixelRatioScaled: return int(QPaintDevice::devicePixelRatioFScale());
    }
    return 0;
  }

private:
  QSize m_size;
  mutable TextRecordingEngine m_engine;
};

/// Whether `text` reads as elided: '…' at its start or end (Qt's ElideLeft/ElideRight), or between
/// two letters or digits (ElideMiddle). A '…' of mathematics, "(cos 2πt, sin 2πt, 0, …)", is not.
inline bool isElided(const QString& text)
{
  const QString t = text.trimmed();
  const QChar dots(0x2026);
  if (t.startsWith(dots) || t.endsWith(dots)) return true;
  for (int i = 1; i + 1 < t.size(); ++i)
    if (t[i] == dots && t[i - 1].isLetterOrNumber() && t[i + 1].isLetterOrNumber()) return true;
  return false;
}

/// What is wrong with the texts of a figure painted in `figure` (device pixels): elided texts
/// (isElided, unless listed in `allowedEllipses`), texts cut by the clip or reaching outside the figure, and
/// pairs of texts whose rectangles overlap (by more than a pixel). Empty when all is well.
inline QStringList textProblems(const TextRecorder& rec, const QRectF& figure, const QStringList& allowedEllipses = {})
{
  QStringList problems;
  const std::vector<RecordedText> labels = rec.labels();
  for (const RecordedText& t : labels) {
    if (t.text.trimmed().isEmpty()) continue;
    if (isElided(t.text) && !allowedEllipses.contains(t.text)) problems << QStringLiteral("elided: \"%1\"").arg(t.text);
    if (t.clipped) problems << QStringLiteral("clipped: \"%1\"").arg(t.text);
    if (!figure.adjusted(-1, -1, 1, 1).contains(t.rect))
      problems << QStringLiteral("outside the figure: \"%1\" at (%2, %3, %4×%5)")
                      .arg(t.text)
                      .arg(t.rect.x(), 0, 'f', 1)
                      .arg(t.rect.y(), 0, 'f', 1)
                      .arg(t.rect.width(), 0, 'f', 1)
                      .arg(t.rect.height(), 0, 'f', 1);
  }
  for (size_t i = 0; i < labels.size(); ++i)
    for (size_t j = i + 1; j < labels.size(); ++j) {
      if (labels[i].text.trimmed().isEmpty() || labels[j].text.trimmed().isEmpty()) continue;
      const QRectF a = labels[i].rect.adjusted(1, 1, -1, -1), b = labels[j].rect.adjusted(1, 1, -1, -1);
      if (a.intersects(b)) problems << QStringLiteral("overlap: \"%1\" and \"%2\"").arg(labels[i].text, labels[j].text);
    }
  return problems;
}

/// The texts that read as a power of ten in superscript form (10³, 10⁻¹²).
inline QStringList decadeTexts(const TextRecorder& rec)
{
  static const QRegularExpression decade(QStringLiteral("^10[\u207B]?[\u2070\u00B9\u00B2\u00B3\u2074-\u2079]+$"));
  QStringList out;
  for (const RecordedText& t : rec.labels())
    if (decade.match(t.text).hasMatch()) out << t.text;
  return out;
}

} // namespace ntktest
