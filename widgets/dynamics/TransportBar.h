// TransportBar — play / pause, single step, reset, speed and loop for the dynamics panel's time.
// In: clicks; setPlaying (programmatic, e.g. the sweep reached its end). Out: playToggled(on),
// stepRequested(), resetRequested(), and the speed (a factor, 1 = the default rate) and loop flag,
// read by the owner on each frame. Icons are QStyle's standard media icons (no font glyphs: Debian's
// fonts draw ⏸ as an empty box). The owner runs the clock; this is only the controls. GUI thread only.
#pragma once
#include <QWidget>

class QCheckBox;
class QComboBox;
class QToolButton;

namespace ntk::gui {

class TransportBar : public QWidget {
  Q_OBJECT

public:
  explicit TransportBar(QWidget* parent = nullptr);

  bool isPlaying() const;
  /// Speed factor of the selected entry (¼ … 4).
  double speed() const;
  bool loops() const;
  QToolButton* playButton() const { return m_play; }
  QToolButton* stepButton() const { return m_step; }
  QToolButton* resetButton() const { return m_reset; }
  QComboBox* speedCombo() const { return m_speed; }
  QCheckBox* loopCheck() const { return m_loop; }
  /// Tooltips for another clock than the dynamics panel's time (Play while paused, while playing,
  /// Step, Reset).
  void setTips(const QString& play, const QString& pause, const QString& step, const QString& reset);

public slots:
  /// Checks/unchecks Play (and swaps its icon) without emitting playToggled.
  void setPlaying(bool on);
  void setSpeed(double factor);
  void setLoop(bool on);

signals:
  void playToggled(bool on);
  void stepRequested();
  void resetRequested();
  void speedChanged(double factor);

private:
  void updatePlayIcon();

  QToolButton* m_play;
  QToolButton* m_step;
  QToolButton* m_reset;
  QComboBox* m_speed;
  QCheckBox* m_loop;
  QString m_playTip, m_pauseTip;
};

} // namespace ntk::gui
