// RegimesPanel.cpp — controls, the job (computeRegimes), the info line and the export table.
#include "widgets/finite/RegimesPanel.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>

#include "widgets/common/CheckedSpinBox.h"
#include "widgets/common/LabelledBox.h"
#include "widgets/dynamics/DynamicsModel.h"
#include "widgets/finite/FiniteLiveTraining.h"
#include "widgets/network/NetworkDocument.h"

namespace ntk::gui {

namespace {
constexpr int kMaxRegimeWidth = 8192;
constexpr long long kRecords = 30; ///< records per run (the record interval follows the steps)
} // namespace

RegimesPanel::RegimesPanel(NetworkDocument* doc, QWidget* parent) : FiniteExperimentPanel(doc, parent)
{
  m_widths = new QLineEdit(QStringLiteral("16, 64, 256, 1024"));
  m_widths->setToolTip(tr("Hidden widths n (every hidden Dense layer set to n), one curve each"));
  addControl(labelledBox(tr("Widths"), m_widths));
  m_seeds = addSpinControl(tr("Seeds"), 1, 32, RegimesSettings{}.seeds, tr("Networks per width; each curve is their mean"));
  m_eta = new CheckedDoubleSpinBox(0.001, 100.0, 3);
  m_eta->setValue(RegimesSettings{}.etaFraction);
  m_eta->setSingleStep(0.1);
  m_eta->setToolTipBase(tr("Learning rate as a fraction c of the largest stable step of the infinite-width kernel:\n"
                           "  η = c · 2/λ_max(H), H = Θ(X,X)/m (NTK parameterisation); standard: η/n.\n"
                           "Larger c: the kernel starts to move. Past c = 1 the linearised model diverges; a finite network\n"
                           "may still catapult back and converge (Lewkowycz et al. 2020) or diverge, marked ▲ where the loss blew up."));
  addControl(labelledBox(tr("η = c·2/λ_max, c"), m_eta));
  m_steps = addSpinControl(tr("Steps"), 1, 100000, int(RegimesSettings{}.steps),
                           tr("Gradient-descent steps (full batch); 30 records along the way"));
  m_points = addSpinControl(tr("Points"), 2, 256, RegimesSettings{}.points, tr("Training points x_i = i/m of the sum-of-sines target"));
  figureWidget()->setToolTip(tr("Kernel distance ρ(Θ₀, Θ_t) = 1 − ⟨Θ₀, Θ_t⟩_F / (‖Θ₀‖_F ‖Θ_t‖_F) (top) and relative weight change\n"
                                "‖θ_t − θ₀‖/‖θ₀‖ (bottom) of the empirical NTK on the training inputs, mean over seeds.\n"
                                "Lazy regime: both shrink ∝ n^{-1/2} with the width (NTK parameterisation).\n"
                                "Standard parameterisation at the same η·n (η/n): its step shrinks as 1/n — measured, it moves\n"
                                "the kernel less than NTK parameterisation (issue 12 expected more; core's test records it)."));
  connect(m_widths, &QLineEdit::editingFinished, this, &RegimesPanel::scheduleRecompute);
  connect(m_eta, &CheckedDoubleSpinBox::valueAccepted, this, &RegimesPanel::scheduleRecompute);
  connect(m_eta, &CheckedDoubleSpinBox::valueRefused, this, &RegimesPanel::statusMessage);
}

RegimesSettings RegimesPanel::settings() const
{
  RegimesSettings s;
  s.widths = parseWidthList(m_widths->text(), kMaxRegimeWidth, nullptr);
  s.seeds = m_seeds->acceptedValue();
  s.etaFraction = m_eta->acceptedValue();
  s.steps = m_steps->acceptedValue();
  s.recordEvery = std::max(1LL, s.steps / kRecords);
  s.points = m_points->acceptedValue();
  return s;
}

void RegimesPanel::setWidths(const std::vector<int>& widths)
{
  m_widths->setText(widthListText(widths));
  scheduleRecompute();
}
void RegimesPanel::setEtaFraction(double c) { m_eta->setValue(c); }
void RegimesPanel::setSteps(int steps) { m_steps->setValue(steps); }
void RegimesPanel::setSeeds(int seeds) { m_seeds->setValue(seeds); }

FiniteExperimentPanel::Job RegimesPanel::makeJob(QString* refusal) const
{
  QString error;
  parseWidthList(m_widths->text(), kMaxRegimeWidth, &error);
  const Network net = document()->networkFor(objectName());
  if (error.isEmpty()) error = networkRequirementReason(net, 1);
  if (!error.isEmpty()) {
    *refusal = error;
    return {};
  }
  const RegimesSettings s = settings();
  return [net, s](const JobFlags& flags) { return std::any(computeRegimes(net, s, flags)); };
}

void RegimesPanel::applyResult(const std::any& result)
{
  m_result = std::any_cast<RegimesResult>(result);
  QString text = tr("λ_max(H) = %1 (analytic NTK, H = Θ/m) · largest stable step 2/λ_max = %2 · NTK: η = %3 · standard: η/n "
                    "(width n) · %4 steps, widths %5, %6 seeds each")
                     .arg(m_result.lambdaMax, 0, 'g', 3)
                     .arg(2.0 / m_result.lambdaMax, 0, 'g', 3)
                     .arg(m_result.ntkLearningRate, 0, 'g', 3)
                     .arg(m_result.settings.steps)
                     .arg(widthListText(m_result.settings.widths))
                     .arg(m_result.settings.seeds);
  if (const QString d = regimesDivergenceText(m_result); !d.isEmpty()) text += QLatin1Char('\n') + d;
  setInfo(text);
  emit statusMessage(tr("Regimes: %1 runs trained").arg(m_result.ntk.size() + m_result.standard.size()));
}

void RegimesPanel::paintContent(QPainter& p, const QRectF& rect, double em) const
{
  paintRegimesFigure(p, rect, m_result, em, m_result.ntk.empty() ? infoText() : QString());
}

Eigen::MatrixXd RegimesPanel::exportData() const
{
  if (m_result.ntk.empty()) return {};
  const auto& w = m_result.settings.widths;
  const std::vector<long long> steps = regimesRecordSteps(m_result.settings);
  const Eigen::MatrixXd parts[] = {regimesTable(m_result.ntk, w, RegimesQuantity::KernelDistance, steps),
                                   regimesTable(m_result.standard, w, RegimesQuantity::KernelDistance, steps),
                                   regimesTable(m_result.ntk, w, RegimesQuantity::WeightChange, steps),
                                   regimesTable(m_result.standard, w, RegimesQuantity::WeightChange, steps)};
  const Eigen::Index n = Eigen::Index(w.size());
  Eigen::MatrixXd out(parts[0].rows(), 1 + 4 * n);
  out.col(0) = parts[0].col(0);
  for (int k = 0; k < 4; ++k) out.middleCols(1 + k * n, n) = parts[k].rightCols(n);
  // Rows up to the last step every width reached (a diverged run has no later records: no NaN rows).
  Eigen::Index rows = 0;
  while (rows < out.rows() && out.row(rows).allFinite()) ++rows;
  return out.topRows(rows);
}

} // namespace ntk::gui
