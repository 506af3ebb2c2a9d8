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

/// What both boxes do with a value (Qt cannot template a QObject, so the boxes share this instead): run
/// the check, remember the last accepted value, and show or clear the refusal on the box.
template <class T>
class CheckedValue {
public:
  using Check = std::function<QString(T)>;
  explicit CheckedValue(QAbstractSpinBox* box) : mark(box) {}
  /// Empty (and `v` accepted) when `v` passes the check; else the reason, shown on the box.
  QString judge(T v)
  {
    const QString reason = check ? check(v) : QString();
    if (reason.isEmpty()) {
      mark.clear();
      accepted = v;
    } else {
      mark.set(reason);
    }
    return reason;
  }
  /// `v` shown and accepted without a check (a view redrawn from its model).
  void reset(T v)
  {
    accepted = v;
    mark.clear();
  }
  Check check;
  RefusalMark mark;
  T accepted{};
};

class CheckedSpinBox : public QSpinBox {
  Q_OBJECT

public:
  using Check = CheckedValue<int>::Check;
  /// `lo`…`hi` is the usual range: it sizes the box and makes the default check ("must be between").
  CheckedSpinBox(int lo, int hi, QWidget* parent = nullptr);
  /// Replaces the default range check.
  void setCheck(Check check);
  /// The reason the shown value was refused (empty when it is valid).
  QString refusal() const { return m_value.mark.reason(); }
  bool isRefused() const { return !m_value.mark.reason().isEmpty(); }
  /// The last value that passed the check (what computations use while a refused one is shown).
  int acceptedValue() const { return m_value.accepted; }
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
  CheckedValue<int> m_value{this};
};

class CheckedDoubleSpinBox : public QDoubleSpinBox {
  Q_OBJECT

public:
  using Check = CheckedValue<double>::Check;
  CheckedDoubleSpinBox(double lo, double hi, int decimals, QWidget* parent = nullptr);
  void setCheck(Check check);
  QString refusal() const { return m_value.mark.reason(); }
  bool isRefused() const { return !m_value.mark.reason().isEmpty(); }
  double acceptedValue() const { return m_value.accepted; }
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
  CheckedValue<double> m_value{this};
};

} // namespace ntk::gui
