#include "widgets/common/LogTimeSlider.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QTimer>

#include "widgets/common/ResourceIcon.h"

namespace ntk::gui {

LogTimeSlider::LogTimeSlider(double logMin, double logMax, int steps, QWidget* parent)
    : QWidget(parent), m_logMin(logMin), m_logMax(logMax), m_steps(steps)
{
  auto* row = new QHBoxLayout(this);
  row->setContentsMargins(0, 0, 0, 0);
  // Icons, not ▶/⏸ glyphs: Debian's default fonts have none and drew empty boxes.
  m_playButton = new QPushButton(resourceIcon(QStringLiteral("media-play")), tr("Play"));
  m_playButton->setCheckable(true);
  row->addWidget(m_playButton);
  row->addWidget(new QLabel(tr("Time")));
  m_slider = new QSlider(Qt::Horizontal);
  m_slider->setRange(0, steps + 1);
  m_slider->setPageStep(std::max(1, int(std::lround(steps / (logMax - logMin))))); // one decade
  m_slider->setMinimumWidth(120);
  m_slider->setValue(steps + 1);
  row->addWidget(m_slider, 1);
  m_label = new QLabel;
  m_label->setTextInteractionFlags(Qt::TextSelectableByMouse);
  row->addWidget(m_label);
  setLabelWidthSample(QStringLiteral("t = 1.00e+07"));
  m_playTimer = new QTimer(this);
  setSweepDuration(4000);

  connect(m_slider, &QSlider::valueChanged, this, [this] {
    updateLabel();
    emit timeChanged(time());
  });
  connect(m_slider, &QSlider::sliderReleased, this, &LogTimeSlider::timeSettled);
  connect(m_playButton, &QPushButton::toggled, this, &LogTimeSlider::setPlaying);
  connect(m_playTimer, &QTimer::timeout, this, &LogTimeSlider::advance);
  updateLabel();
}

double LogTimeSlider::timeForPosition(int position, double logMin, double logMax, int steps)
{
  if (position > steps) return std::numeric_limits<double>::infinity();
  return std::pow(10.0, logMin + (logMax - logMin) * double(std::max(position, 0)) / steps);
}

int LogTimeSlider::positionForTime(double t, double logMin, double logMax, int steps)
{
  if (std::isinf(t)) return steps + 1;
  const double f = (std::log10(std::max(t, 1e-300)) - logMin) / (logMax - logMin);
  return std::clamp(int(std::lround(f * steps)), 0, steps);
}

double LogTimeSlider::time() const { return timeForPosition(m_slider->value(), m_logMin, m_logMax, m_steps); }

int LogTimeSlider::position() const { return m_slider->value(); }

bool LogTimeSlider::isPlaying() const { return m_playButton->isChecked(); }

void LogTimeSlider::setLabelFormatter(std::function<QString(double)> formatter)
{
  m_formatter = std::move(formatter);
  updateLabel();
}

void LogTimeSlider::setLabelWidthSample(const QString& sample)
{
  m_label->setMinimumWidth(m_label->fontMetrics().horizontalAdvance(sample));
}

void LogTimeSlider::setSweepDuration(int milliseconds, int frameMs)
{
  m_playTimer->setInterval(frameMs);
  const double frames = std::max(1.0, double(milliseconds) / std::max(frameMs, 1));
  m_framePositions = std::max(1, int(std::lround(m_steps / frames)));
}

void LogTimeSlider::setTime(double t) { m_slider->setValue(positionForTime(t, m_logMin, m_logMax, m_steps)); }

void LogTimeSlider::setPosition(int position) { m_slider->setValue(position); }

void LogTimeSlider::setPlaying(bool on)
{
  if (m_playButton->isChecked() != on) {
    m_playButton->setChecked(on); // comes back here through toggled
    return;
  }
  m_playButton->setText(on ? tr("Pause") : tr("Play"));
  m_playButton->setIcon(resourceIcon(on ? QStringLiteral("media-pause") : QStringLiteral("media-play")));
  if (on) {
    if (m_slider->value() >= m_steps) m_slider->setValue(0);
    m_playTimer->start();
  } else {
    m_playTimer->stop();
    emit timeSettled();
  }
}

void LogTimeSlider::updateLabel()
{
  const double t = time();
  if (m_formatter) {
    m_label->setText(m_formatter(t));
    return;
  }
  m_label->setText(tr("t = %1").arg(std::isinf(t) ? QStringLiteral("∞") : QString::number(t, 'g', 3)));
}

void LogTimeSlider::advance()
{
  const int next = m_slider->value() + m_framePositions;
  if (next >= m_steps) {
    m_slider->setValue(m_steps + 1);
    m_playButton->setChecked(false);
  } else {
    m_slider->setValue(next);
  }
}

} // namespace ntk::gui
