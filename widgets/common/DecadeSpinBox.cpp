#include "widgets/common/DecadeSpinBox.h"

#include <algorithm>
#include <cmath>

#include <QLineEdit>
#include <QStyle>
#include <QStyleOptionSpinBox>

namespace ntk::gui {

DecadeSpinBox::DecadeSpinBox(double minimum, double maximum, const QString& prefix, QWidget* parent) : QDoubleSpinBox(parent)
{
  setDecimals(15); // the value is stored rounded to `decimals`: keep small ridges exact enough
  setRange(minimum, maximum);
  setKeyboardTracking(false);
  setPrefix(prefix);
}

QString DecadeSpinBox::textFromValue(double value) const { return QString::number(value, 'g', 3); }

QString DecadeSpinBox::numberText(const QString& text) const
{
  // Qt passes the line edit's whole text (prefix and suffix included) to validate and valueFromText.
  QString number = text.trimmed();
  const QString p = prefix().trimmed(), s = suffix().trimmed();
  if (!p.isEmpty() && number.startsWith(p)) number.remove(0, p.size());
  if (!s.isEmpty() && number.endsWith(s)) number.chop(s.size());
  return number.trimmed();
}

double DecadeSpinBox::valueFromText(const QString& text) const
{
  bool ok = false;
  const double v = locale().toDouble(numberText(text), &ok);
  return ok ? v : QString(numberText(text)).toDouble(); // "1e-3" in a locale with a decimal comma
}

QValidator::State DecadeSpinBox::validate(QString& text, int&) const
{
  bool ok = false;
  double v = locale().toDouble(numberText(text), &ok);
  if (!ok) v = numberText(text).toDouble(&ok);
  return ok && v >= minimum() && v <= maximum() ? QValidator::Acceptable : QValidator::Intermediate;
}

void DecadeSpinBox::stepBy(int steps)
{
  double v = value();
  if (v <= 0.0)
    v = steps > 0 ? std::max(minimum(), 1e-8) : 0.0;
  else
    v *= std::pow(10.0, 0.5 * steps);
  if (v < 1e-12 && minimum() <= 0.0) v = 0.0;
  setValue(std::clamp(v, minimum(), maximum()));
}

QSize DecadeSpinBox::sizeHint() const
{
  QSize s = QDoubleSpinBox::sizeHint();
  const int text = fontMetrics().horizontalAdvance(prefix() + QStringLiteral("0.00e-00") + suffix());
  const int current = fontMetrics().horizontalAdvance(lineEdit()->text());
  // The frame and the arrows: what the base class adds to its own text width.
  const int chrome = s.width() - fontMetrics().horizontalAdvance(prefix() + textFromValue(maximum()) + suffix());
  s.setWidth(std::max(s.width(), std::max(text, current) + std::max(chrome, 2 * fontMetrics().height())));
  return s;
}

QSize DecadeSpinBox::minimumSizeHint() const { return sizeHint(); }

QAbstractSpinBox::StepEnabled DecadeSpinBox::stepEnabled() const { return StepUpEnabled | StepDownEnabled; }

} // namespace ntk::gui
