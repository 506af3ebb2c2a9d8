#include "widgets/dynamics/TransportBar.h"

#include <algorithm>
#include <cmath>

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QSignalBlocker>
#include <QStyle>
#include <QToolButton>

namespace ntk::gui {

namespace {

constexpr double kSpeeds[] = {0.25, 0.5, 1.0, 2.0, 4.0};

QToolButton* mediaButton(QStyle::StandardPixmap icon, const QString& name, const QString& tip, QWidget* parent)
{
  auto* b = new QToolButton(parent);
  b->setIcon(parent->style()->standardIcon(icon));
  b->setObjectName(name);
  b->setToolTip(tip);
  b->setAutoRaise(false);
  return b;
}

} // namespace

TransportBar::TransportBar(QWidget* parent) : QWidget(parent)
{
  auto* row = new QHBoxLayout(this);
  row->setContentsMargins(0, 0, 0, 0);
  m_reset = mediaButton(QStyle::SP_MediaSeekBackward, QStringLiteral("dynamicsReset"),
                        tr("Reset: t back to the start (t = 0, no gradient-descent step yet)"), this);
  m_play = mediaButton(QStyle::SP_MediaPlay, QStringLiteral("dynamicsPlay"),
                       tr("Play / pause: t runs along the log time axis"), this);
  m_play->setCheckable(true);
  m_step = mediaButton(QStyle::SP_MediaSkipForward, QStringLiteral("dynamicsStep"),
                       tr("Single step: one notch of the time slider (gradient flow) or one gradient-descent step (GD)"), this);
  m_speed = new QComboBox(this);
  m_speed->setObjectName(QStringLiteral("dynamicsSpeed"));
  for (double s : kSpeeds) m_speed->addItem(s < 1 ? (s == 0.25 ? QStringLiteral("¼×") : QStringLiteral("½×")) : QStringLiteral("%1×").arg(s));
  m_speed->setCurrentIndex(2);
  m_speed->setToolTip(tr("Speed: how fast t advances while playing (1× sweeps 10⁻³ … 10⁶ in about 7 s)"));
  m_loop = new QCheckBox(tr("Loop"), this);
  m_loop->setObjectName(QStringLiteral("dynamicsLoop"));
  m_loop->setToolTip(tr("Loop: at the end of the time axis, start again from the beginning"));
  for (QWidget* w : {static_cast<QWidget*>(m_reset), static_cast<QWidget*>(m_play), static_cast<QWidget*>(m_step),
                     static_cast<QWidget*>(m_speed), static_cast<QWidget*>(m_loop)})
    row->addWidget(w);
  connect(m_play, &QToolButton::toggled, this, [this](bool on) {
    updatePlayIcon();
    emit playToggled(on);
  });
  connect(m_step, &QToolButton::clicked, this, &TransportBar::stepRequested);
  connect(m_reset, &QToolButton::clicked, this, &TransportBar::resetRequested);
  connect(m_speed, &QComboBox::currentIndexChanged, this, [this] { emit speedChanged(speed()); });
  m_playTip = tr("Play: t runs along the log time axis");
  m_pauseTip = tr("Pause");
}

void TransportBar::setTips(const QString& play, const QString& pause, const QString& step, const QString& reset)
{
  m_playTip = play;
  m_pauseTip = pause;
  m_step->setToolTip(step);
  m_reset->setToolTip(reset);
  updatePlayIcon();
}

bool TransportBar::isPlaying() const { return m_play->isChecked(); }

double TransportBar::speed() const { return kSpeeds[std::clamp(m_speed->currentIndex(), 0, 4)]; }

bool TransportBar::loops() const { return m_loop->isChecked(); }

void TransportBar::setPlaying(bool on)
{
  const QSignalBlocker block(m_play);
  m_play->setChecked(on);
  updatePlayIcon();
}

void TransportBar::setSpeed(double factor)
{
  int best = 2;
  for (int i = 0; i < 5; ++i)
    if (std::abs(std::log2(kSpeeds[i] / factor)) < std::abs(std::log2(kSpeeds[best] / factor))) best = i;
  m_speed->setCurrentIndex(best);
}

void TransportBar::setLoop(bool on) { m_loop->setChecked(on); }

void TransportBar::updatePlayIcon()
{
  m_play->setIcon(style()->standardIcon(m_play->isChecked() ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
  m_play->setToolTip(m_play->isChecked() ? m_pauseTip : m_playTip);
}

} // namespace ntk::gui
