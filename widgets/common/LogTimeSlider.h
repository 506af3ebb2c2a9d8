// LogTimeSlider — the training-time control of the dynamics and image panels: a Play button, "Time",
// a horizontal slider on a log scale whose right end is t = ∞, and a label showing the value.
// In: the decade range [10^logMin, 10^logMax] and the number of log steps (fixed at construction);
// setTime / setPosition (programmatic moves, e.g. restored settings); setPlaying; the label format
// (setLabelFormatter, default "t = 0.1"; call updateLabel when what the formatter reads changes);
// the Play sweep's duration (setSweepDuration). Tool tips go on slider() / playButton() directly.
// Out: timeChanged(t) on every position change (t = +∞ at the right end; the label is already updated);
// timeSettled() when the user lets go of the slider or Play stops (a good moment to save settings).
// Play: sweeps log-uniformly from the current position (from the left end when at the right) to ∞,
// then unchecks itself. GUI thread only.
#pragma once
#include <functional>

#include <QWidget>

class QLabel;
class QPushButton;
class QSlider;
class QTimer;

namespace ntk::gui {

class LogTimeSlider : public QWidget {
  Q_OBJECT

public:
  /// [in] logMin < logMax: positions 0…steps are t = 10^(logMin … logMax) log-uniformly, steps + 1 is t = ∞;
  /// [in] steps > 0. Starts at ∞; page step = one decade.
  LogTimeSlider(double logMin, double logMax, int steps, QWidget* parent = nullptr);

  /// The slider mapping without a widget (the panels' static helpers): position → t (∞ beyond `steps`)
  /// and t → nearest position (clamped to 0…steps; ∞ → steps + 1).
  static double timeForPosition(int position, double logMin, double logMax, int steps);
  static int positionForTime(double t, double logMin, double logMax, int steps);

  double time() const;
  int position() const;
  bool isPlaying() const;
  QSlider* slider() const { return m_slider; }
  QPushButton* playButton() const { return m_playButton; }
  QLabel* valueLabel() const { return m_label; }

  /// The label text for t (default "t = %1", ∞ or 3 significant digits).
  void setLabelFormatter(std::function<QString(double)> formatter);
  /// The label is at least as wide as `sample` (default "t = 1.00e+07"), so the slider does not jump.
  void setLabelWidthSample(const QString& sample);
  /// Play takes about `milliseconds` from the left end to ∞, one frame every `frameMs` (default 4000, 30).
  void setSweepDuration(int milliseconds, int frameMs = 30);

public slots:
  void setTime(double t);
  void setPosition(int position);
  void setPlaying(bool on);
  void updateLabel();

signals:
  void timeChanged(double t);
  void timeSettled();

private:
  void advance();

  double m_logMin, m_logMax;
  int m_steps;
  int m_framePositions = 7; ///< slider positions per Play frame
  std::function<QString(double)> m_formatter;
  QPushButton* m_playButton;
  QSlider* m_slider;
  QLabel* m_label;
  QTimer* m_playTimer;
};

} // namespace ntk::gui
