// DecadeSpinBox — a QDoubleSpinBox for values that span decades (a relative ridge, a learning rate):
// shows "1e-06" (3 significant digits), the arrows step by ×√10, and 0 is reachable when the minimum
// allows it (stepping down below 1e-12 gives 0, stepping up from 0 gives max(minimum, 1e-8)).
// Keyboard tracking is off: valueChanged fires on Enter / focus out, not per keystroke.
// GUI thread only.
#pragma once
#include <QDoubleSpinBox>

namespace ntk::gui {

class DecadeSpinBox : public QDoubleSpinBox {
  Q_OBJECT

public:
  /// [in] minimum, maximum: the range (minimum ≥ 0); [in] prefix: shown before the number ("η = ").
  explicit DecadeSpinBox(double minimum, double maximum, const QString& prefix = QString(), QWidget* parent = nullptr);

  QString textFromValue(double value) const override;
  double valueFromText(const QString& text) const override;
  QValidator::State validate(QString& text, int& pos) const override;
  void stepBy(int steps) override;
  /// Wide enough for the prefix and "0.00e-00" (QDoubleSpinBox sizes for its range, "0" … "10").
  QSize sizeHint() const override;
  QSize minimumSizeHint() const override;

protected:
  StepEnabled stepEnabled() const override;

private:
  /// `text` without the prefix, the suffix and surrounding spaces.
  QString numberText(const QString& text) const;
};

} // namespace ntk::gui
