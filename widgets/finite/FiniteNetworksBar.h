// FiniteNetworksBar — the dynamics playground's "Train real networks" row: widths, seeds, the
// parameterisation (the document network's, or an override that the row states), whether to train the
// linearised models too, the number of GD steps, Train / Stop, and a line that says which network is
// trained at which widths and with which η (s = t/η).
// In: the user's choices (refused values stay marked, nothing is bent). Out: settings() for
// FiniteTrainingController; signals trainRequested / stopRequested / enabledChanged. GUI thread only.
#pragma once
#include <optional>
#include <vector>

#include <QWidget>

#include "core/network/Network.h"
#include "widgets/finite/FiniteLiveTraining.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;

namespace ntk::gui {

class CheckedSpinBox;
class FlowLayout;

class FiniteNetworksBar : public QWidget {
  Q_OBJECT

public:
  explicit FiniteNetworksBar(QWidget* parent = nullptr);

  /// "Train real networks" is ticked: the panel draws (and Play trains) them.
  bool isOn() const;
  void setOn(bool on);
  /// The widths typed (empty with widthError() set when the text is refused).
  std::vector<int> widths() const;
  QString widthError() const;
  void setWidths(const std::vector<int>& widths);
  int seeds() const;
  void setSeeds(int seeds);
  long long steps() const;
  void setSteps(long long steps);
  bool linearised() const;
  void setLinearised(bool on);
  /// The override chosen, or nullopt for the network's own parameterisation.
  std::optional<Parameterization> parameterizationOverride() const;
  void setParameterizationOverride(std::optional<Parameterization> p);
  /// `net` with the chosen parameterisation (the override, or as it is).
  Network trainedNetwork(const Network& net) const;
  /// Settings for the controller with η (widths, seeds, steps, snapshot interval ≤ 200 snapshots).
  LiveTrainingSettings settings(double learningRate) const;

  /// The running state (the button reads Train or Stop).
  void setRunning(bool running);
  /// The progress line (η, steps, state) and the full description of what trains (its tooltip).
  void setStatus(const QString& text, const QString& description);
  /// Both, one per line.
  QString statusText() const;
  /// The first parameterisation entry names the network's own ("the network's (NTK)").
  void setNetworkParameterization(Parameterization p);
  QPushButton* trainButton() const { return m_train; }
  /// Off for the 2-D data sets (with the reason as tooltip).
  void setAvailable(bool available, const QString& reason);

signals:
  void trainRequested();
  void stopRequested();
  void enabledChanged(bool on);
  void settingsChanged();

private:
  void updateEnabled();
  void addControl(FlowLayout* row, QWidget* w);

  QCheckBox* m_on;
  QLineEdit* m_widths;
  CheckedSpinBox* m_seeds;
  CheckedSpinBox* m_steps;
  QComboBox* m_param;
  QCheckBox* m_linearised;
  QPushButton* m_train;
  QLabel* m_status;
  std::vector<QWidget*> m_controls; ///< shown while "Train real networks" is ticked
  bool m_running = false;
  bool m_available = true;
};

/// The line the bar shows: "… every hidden width set to n = 16, 128, 1024 · 4 seeds · NTK parameterisation ·
/// GD η = 0.5: slider t ↦ s = t/η steps (up to 2000)" (the panel's network bar names the network).
QString finiteNetworksDescription(const Network& trained, const LiveTrainingSettings& s, bool overridden);

} // namespace ntk::gui
