#include "widgets/common/CheckedSpinBox.h"

#include <cmath>
#include <limits>

#include <QFontMetrics>
#include <QLineEdit>
#include <QStyle>
#include <QStyleOptionSpinBox>

namespace ntk::gui {

namespace {

// Marked boxes: a light red background any style shows (a palette change is ignored by some styles).
const char* kRefusedStyle = "background-color: #ffd0d0;";

QString outOfRange(const QString& value, const QString& lo, const QString& hi)
{
  return QObject::tr("%1 is outside %2 … %3").arg(value, lo, hi);
}

/// Width for `text` in `box` plus its buttons and frame (what QAbstractSpinBox's sizeHint does).
QSize hintFor(const QAbstractSpinBox* box, const QString& text, QSize base)
{
  const QFontMetrics fm(box->font());
  QStyleOptionSpinBox opt;
  opt.initFrom(box);
  opt.buttonSymbols = box->buttonSymbols();
  const QSize content(fm.horizontalAdvance(text + QStringLiteral("  ")), base.height());
  return box->style()->sizeFromContents(QStyle::CT_SpinBox, &opt, content, box).expandedTo(QSize(0, base.height()));
}

} // namespace

void RefusalMark::setToolTipBase(const QString& tip)
{
  m_tip = tip;
  apply();
}

void RefusalMark::set(const QString& reason)
{
  m_reason = reason;
  m_box->setStyleSheet(QString::fromLatin1(kRefusedStyle));
  apply();
}

void RefusalMark::clear()
{
  if (m_reason.isEmpty()) return;
  m_reason.clear();
  m_box->setStyleSheet(QString());
  apply();
}

void RefusalMark::apply()
{
  m_box->setToolTip(m_reason.isEmpty() ? m_tip : QObject::tr("Refused: %1\n\n%2").arg(m_reason, m_tip));
}

CheckedSpinBox::CheckedSpinBox(int lo, int hi, QWidget* parent) : QSpinBox(parent), m_lo(lo), m_hi(hi)
{
  // As wide as int allows: the check, not the spin box, decides what is valid.
  setRange(std::numeric_limits<int>::min() + 1, std::numeric_limits<int>::max());
  setKeyboardTracking(false);
  setAccelerated(true);
  m_value.check = [this](int v) {
    return (v < m_lo || v > m_hi) ? outOfRange(QString::number(v), QString::number(m_lo), QString::number(m_hi)) : QString();
  };
  m_value.accepted = value();
  connect(this, &QSpinBox::valueChanged, this, &CheckedSpinBox::onValueChanged);
}

void CheckedSpinBox::setCheck(Check check) { m_value.check = std::move(check); }

void CheckedSpinBox::setToolTipBase(const QString& tip) { m_value.mark.setToolTipBase(tip); }

void CheckedSpinBox::onValueChanged(int v)
{
  if (const QString reason = m_value.judge(v); reason.isEmpty())
    emit valueAccepted(v);
  else
    emit valueRefused(reason);
}

void CheckedSpinBox::markRefused(const QString& reason)
{
  m_value.mark.set(reason);
  emit valueRefused(reason);
}

void CheckedSpinBox::setValueQuietly(int v)
{
  const QSignalBlocker block(this);
  setValue(v);
  m_value.reset(value());
}

QSize CheckedSpinBox::sizeHint() const
{
  const QString widest = QString::number(m_hi).size() >= QString::number(m_lo).size() ? QString::number(m_hi) : QString::number(m_lo);
  return hintFor(this, prefix() + widest + suffix(), QSpinBox::sizeHint());
}

QSize CheckedSpinBox::minimumSizeHint() const { return sizeHint(); }

CheckedDoubleSpinBox::CheckedDoubleSpinBox(double lo, double hi, int decimals, QWidget* parent)
    : QDoubleSpinBox(parent), m_lo(lo), m_hi(hi)
{
  setDecimals(decimals);
  // Wide enough for any value a user types in practice; finite, so the text stays a number.
  setRange(-1e12, 1e12);
  setKeyboardTracking(false);
  setAccelerated(true);
  m_value.check = [this](double v) {
    return (!std::isfinite(v) || v < m_lo || v > m_hi)
               ? outOfRange(QString::number(v), QString::number(m_lo), QString::number(m_hi))
               : QString();
  };
  m_value.accepted = value();
  connect(this, &QDoubleSpinBox::valueChanged, this, &CheckedDoubleSpinBox::onValueChanged);
}

void CheckedDoubleSpinBox::setCheck(Check check) { m_value.check = std::move(check); }

void CheckedDoubleSpinBox::setToolTipBase(const QString& tip) { m_value.mark.setToolTipBase(tip); }

void CheckedDoubleSpinBox::onValueChanged(double v)
{
  if (const QString reason = m_value.judge(v); reason.isEmpty())
    emit valueAccepted(v);
  else
    emit valueRefused(reason);
}

void CheckedDoubleSpinBox::markRefused(const QString& reason)
{
  m_value.mark.set(reason);
  emit valueRefused(reason);
}

void CheckedDoubleSpinBox::setValueQuietly(double v)
{
  const QSignalBlocker block(this);
  setValue(v);
  m_value.reset(value());
}

QSize CheckedDoubleSpinBox::sizeHint() const
{
  const QString hi = QString::number(m_hi, 'f', decimals()), lo = QString::number(m_lo, 'f', decimals());
  return hintFor(this, prefix() + (hi.size() >= lo.size() ? hi : lo) + suffix(), QDoubleSpinBox::sizeHint());
}

QSize CheckedDoubleSpinBox::minimumSizeHint() const { return sizeHint(); }

} // namespace ntk::gui
