// FiniteNetworksBar.cpp — the row's widgets and what they say.
#include "widgets/finite/FiniteNetworksBar.h"

#include <algorithm>

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

#include "widgets/common/CheckedSpinBox.h"
#include "widgets/common/LabelledBox.h"
#include "widgets/dynamics/FlowLayout.h"

namespace ntk::gui {

namespace {
constexpr int kMaxLiveWidth = 8192;
constexpr int kMaxSnapshots = 200;
} // namespace

FiniteNetworksBar::FiniteNetworksBar(QWidget* parent) : QWidget(parent)
{
  auto* column = new QVBoxLayout(this);
  column->setContentsMargins(0, 0, 0, 0);
  auto* row = new FlowLayout;
  m_on = new QCheckBox(tr("Train real networks"));
  m_on->setObjectName(QStringLiteral("finiteOn"));
  m_on->setToolTip(tr("Train finite networks of the chosen widths by full-batch gradient descent on the same data,\n"
                      "loss L = (1/2m) Σ (f(x_i) − y_i)² and learning rate η as the kernel dynamics: s steps are t = s·η.\n"
                      "Each width's ensemble mean over seeds lands on the NTK-GP mean as the width grows (Lee et al. 2019)."));
  row->addWidget(m_on);
  // One flow of widgets (a nested flow layout would not wrap): the controls are shown while ticked.
  FlowLayout* controls = row;
  m_widths = new QLineEdit(QStringLiteral("16, 128, 1024"));
  m_widths->setObjectName(QStringLiteral("finiteWidths"));
  m_widths->setMinimumWidth(QFontMetrics(font()).horizontalAdvance(QStringLiteral("16, 128, 1024, 4096")));
  m_widths->setToolTip(tr("Hidden widths n: every hidden Dense layer of the network is set to n (nothing else changes)."));
  addControl(controls, labelledBox(tr("Widths"), m_widths));
  m_seeds = new CheckedSpinBox(1, 64);
  m_seeds->setValue(4);
  m_seeds->setToolTipBase(tr("Networks per width (seeds 1, 2, …): their mean is the ensemble mean, to set beside the NTK-GP mean."));
  addControl(controls, labelledBox(tr("Seeds"), m_seeds));
  m_param = new QComboBox;
  m_param->addItem(tr("the network's"));
  m_param->addItem(tr("NTK (override)"));
  m_param->addItem(tr("standard (override)"));
  m_param->setToolTip(tr("Parameterisation of the trained networks. NTK: W ~ N(0, 1), layer output σ_w/√n · W x — the kernel\n"
                         "stays put as n grows (lazy). Standard: W ~ N(0, σ_w²/n) — the empirical NTK grows with n and moves more."));
  addControl(controls, labelledBox(tr("Parameterisation"), m_param));
  m_linearised = new QCheckBox(tr("linearised"));
  m_linearised->setChecked(true);
  m_linearised->setToolTip(tr("Also train f_lin(x; θ) = f(x; θ_0) + ∇_θ f(x; θ_0)(θ − θ_0) (dashed): its outputs follow the\n"
                              "kernel dynamics with the empirical Θ_0 and f_0 exactly (eq 9 with f_0)."));
  addControl(controls, m_linearised);
  m_steps = new CheckedSpinBox(1, 100000);
  m_steps->setValue(2000);
  m_steps->setToolTipBase(tr("Gradient-descent steps to train (the slider shows step s = t/η; beyond the last step the last one is shown)."));
  addControl(controls, labelledBox(tr("Steps"), m_steps));
  m_train = new QPushButton(tr("Train"));
  m_train->setObjectName(QStringLiteral("finiteTrain"));
  m_train->setToolTip(tr("Train the networks now (Play does it too); Stop ends the training, keeping what was recorded."));
  addControl(controls, m_train);
  // The progress in the same flow (its own line only when the row is full); the whole description of
  // what trains is its tooltip (the network bar names the network, the boxes its widths).
  m_status = new QLabel;
  m_status->setObjectName(QStringLiteral("finiteStatus"));
  row->addWidget(m_status);
  column->addLayout(row);

  connect(m_on, &QCheckBox::toggled, this, [this](bool on) {
    updateEnabled();
    emit enabledChanged(on);
  });
  connect(m_train, &QPushButton::clicked, this, [this] { m_running ? emit stopRequested() : emit trainRequested(); });
  connect(m_widths, &QLineEdit::editingFinished, this, &FiniteNetworksBar::settingsChanged);
  connect(m_seeds, &CheckedSpinBox::valueAccepted, this, &FiniteNetworksBar::settingsChanged);
  connect(m_steps, &CheckedSpinBox::valueAccepted, this, &FiniteNetworksBar::settingsChanged);
  connect(m_param, &QComboBox::currentIndexChanged, this, &FiniteNetworksBar::settingsChanged);
  connect(m_linearised, &QCheckBox::toggled, this, &FiniteNetworksBar::settingsChanged);
  updateEnabled();
}

bool FiniteNetworksBar::isOn() const { return m_on->isChecked() && m_available; }
void FiniteNetworksBar::setOn(bool on) { m_on->setChecked(on); }

std::vector<int> FiniteNetworksBar::widths() const { return parseWidthList(m_widths->text(), kMaxLiveWidth, nullptr); }

QString FiniteNetworksBar::widthError() const
{
  QString error;
  parseWidthList(m_widths->text(), kMaxLiveWidth, &error);
  return error;
}

void FiniteNetworksBar::setWidths(const std::vector<int>& widths) { m_widths->setText(widthListText(widths)); }
int FiniteNetworksBar::seeds() const { return m_seeds->acceptedValue(); }
void FiniteNetworksBar::setSeeds(int seeds) { m_seeds->setValue(seeds); }
long long FiniteNetworksBar::steps() const { return m_steps->acceptedValue(); }
void FiniteNetworksBar::setSteps(long long steps) { m_steps->setValue(int(steps)); }
bool FiniteNetworksBar::linearised() const { return m_linearised->isChecked(); }
void FiniteNetworksBar::setLinearised(bool on) { m_linearised->setChecked(on); }

std::optional<Parameterization> FiniteNetworksBar::parameterizationOverride() const
{
  switch (m_param->currentIndex()) {
  case 1: return Parameterization::Ntk;
  case 2: return Parameterization::Standard;
  default: return std::nullopt;
  }
}

void FiniteNetworksBar::setParameterizationOverride(std::optional<Parameterization> p)
{
  m_param->setCurrentIndex(!p ? 0 : *p == Parameterization::Ntk ? 1 : 2);
}

Network FiniteNetworksBar::trainedNetwork(const Network& net) const
{
  Network trained = net;
  if (const auto p = parameterizationOverride()) trained.parameterization = *p;
  return trained;
}

LiveTrainingSettings FiniteNetworksBar::settings(double learningRate) const
{
  LiveTrainingSettings s;
  s.widths = widths();
  s.seeds = seeds();
  s.linearised = linearised();
  s.learningRate = learningRate;
  s.steps = steps();
  s.snapshotEvery = std::max(1LL, (s.steps + kMaxSnapshots - 1) / kMaxSnapshots);
  return s;
}

void FiniteNetworksBar::setRunning(bool running)
{
  m_running = running;
  m_train->setText(running ? tr("Stop") : tr("Train"));
}

void FiniteNetworksBar::setStatus(const QString& text, const QString& description)
{
  m_status->setText(text);
  m_status->setToolTip(description);
}

QString FiniteNetworksBar::statusText() const { return m_status->text() + QLatin1Char('\n') + m_status->toolTip(); }

void FiniteNetworksBar::setNetworkParameterization(Parameterization p)
{
  m_param->setItemText(0, tr("the network's (%1)").arg(p == Parameterization::Ntk ? tr("NTK") : tr("standard")));
}

void FiniteNetworksBar::setAvailable(bool available, const QString& reason)
{
  m_available = available;
  m_on->setEnabled(available);
  m_on->setToolTip(available ? m_on->toolTip().section(QStringLiteral("\n\n"), 0, 0)
                             : m_on->toolTip().section(QStringLiteral("\n\n"), 0, 0) + QStringLiteral("\n\n") + reason);
  updateEnabled();
}

void FiniteNetworksBar::addControl(FlowLayout* row, QWidget* w)
{
  row->addWidget(w);
  m_controls.push_back(w);
}

void FiniteNetworksBar::updateEnabled()
{
  for (QWidget* w : m_controls) w->setVisible(isOn());
  m_status->setVisible(isOn());
}

QString finiteNetworksDescription(const Network& trained, const LiveTrainingSettings& s, bool overridden)
{
  const QString param = trained.parameterization == Parameterization::Ntk ? QObject::tr("NTK") : QObject::tr("standard");
  return QObject::tr("Real networks: the network above with every hidden width set to n = %1 · %2 seeds · %3 parameterisation%4 · "
                     "GD η = %5: slider t ↦ s = t/η steps (up to %6)")
      .arg(widthListText(s.widths))
      .arg(s.seeds)
      .arg(param, overridden ? QObject::tr(" (override)") : QString())
      .arg(s.learningRate, 0, 'g', 3)
      .arg(s.steps);
}

} // namespace ntk::gui
