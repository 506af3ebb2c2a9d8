// CheckedSpinBox, CheckedDoubleSpinBox — spin boxes that refuse a value instead of bending it.
// In: a check (value → reason; empty = valid) and a display range that sizes the box. Out:
// `valueAccepted(v)` for a valid value; for an invalid one the box keeps what was typed, is marked
// (red background, tooltip "Refused: reason") and emits `valueRefused(reason)` — nothing else runs,
// so a panel connected to valueAccepted does not recompute until the value is fixed.
// Why: QSpinBox clamps to its range and reverts text it cannot parse, so "width 0" silently became
// 1 and "1e8" 1e6. These boxes take any number the type can hold (the real limits are the check's),
// so what the user typed stays visible with the reason beside it.
// `setValueQuietly` is for views redrawn from a document: no signals, and it clears the mark.
// GUI thread only.
#pragma once
#include <functional>

#include <QDoubleSpinBox>
#include <QSpinBox>
#include <QString>

namespace ntk::gui {

/// What both boxes show of a refusal: the red background and "Refused: reason" above the tooltip.
class RefusalMark {
public:
  explicit RefusalMark(QAbstractSpinBox* box) : m_box(box) {}
  void setToolTipBase(const QString& tip);
  void set(const QString& reason);
  void clear();
  const QString& reason() const { return m_reason; }

private:
  void apply();
  QAbstractSpinBox* m_box;
  QString m_reason, m_tip;
};

class CheckedSpinBox : public QSpinBox {
  Q_OBJECT

public:
  using Check = std::function<QString(int)>;
  /// `lo`…`hi` is the usual range: it sizes the box and makes the default check ("must be between").
  CheckedSpinBox(int lo, int hi, QWidget* parent = nullptr);
  /// Replaces the default range check.
  void setCheck(Check check);
  /// The reason the shown value was refused (empty when it is valid).
  QString refusal() const { return m_mark.reason(); }
  bool isRefused() const { return !m_mark.reason().isEmpty(); }
  /// The last value that passed the check (what computations use while a refused one is shown).
  int acceptedValue() const { return m_accepted; }
  void setValueQuietly(int v);
  /// Marks the box as refused from outside (e.g. the document refused the value) with `reason`.
  void markRefused(const QString& reason);
  void setToolTipBase(const QString& tip);
  QSize sizeHint() const override;
  QSize minimumSizeHint() const override;

signals:
  void valueAccepted(int value);
  void valueRefused(const QString& reason);

private:
  void onValueChanged(int v);
  int m_lo, m_hi;
  int m_accepted = 0;
  Check m_check;
  RefusalMark m_mark{this};
};

class CheckedDoubleSpinBox : public QDoubleSpinBox {
  Q_OBJECT

public:
  using Check = std::function<QString(double)>;
  CheckedDoubleSpinBox(double lo, double hi, int decimals, QWidget* parent = nullptr);
  void setCheck(Check check);
  QString refusal() const { return m_mark.reason(); }
  bool isRefused() const { return !m_mark.reason().isEmpty(); }
  double acceptedValue() const { return m_accepted; }
  void setValueQuietly(double v);
  void markRefused(const QString& reason);
  void setToolTipBase(const QString& tip);
  QSize sizeHint() const override;
  QSize minimumSizeHint() const override;

signals:
  void valueAccepted(double value);
  void valueRefused(const QString& reason);

private:
  void onValueChanged(double v);
  double m_lo, m_hi;
  double m_accepted = 0.0;
  Check m_check;
  RefusalMark m_mark{this};
};

} // namespace ntk::gui
