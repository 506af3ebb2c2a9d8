// WidthPanel.cpp — controls, the job (computeWidthView) and the info line.
#include "widgets/finite/WidthPanel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>

#include "widgets/common/CheckedSpinBox.h"
#include "widgets/common/LabelledBox.h"
#include "widgets/network/NetworkDocument.h"

namespace ntk::gui {

WidthPanel::WidthPanel(NetworkDocument* doc, QWidget* parent) : FiniteExperimentPanel(doc, parent)
{
  m_log2Min = addSpinControl(tr("Widths from"), 0, 14, WidthViewSettings{}.log2Min,
                             tr("Smallest hidden width 2^a (every hidden Dense layer set to it)"));
  m_log2Max = addSpinControl(tr("to"), 0, 14, WidthViewSettings{}.log2Max, tr("Largest hidden width 2^b"));
  for (CheckedSpinBox* box : {m_log2Min, m_log2Max}) box->setPrefix(QStringLiteral("2^"));
  m_seeds = addSpinControl(tr("Seeds"), 2, 64, WidthViewSettings{}.seeds,
                           tr("Networks per width: the error bars are the standard deviation over them"));
  m_kind = new QComboBox;
  m_kind->addItem(tr("NTK"));
  m_kind->addItem(tr("NNGP"));
  m_kind->setToolTip(tr("Empirical NTK Θ̂ = J Jᵀ (layer by layer, no Jacobian) or NNGP K̂ (readout features) against the analytic kernel"));
  addControl(labelledBox(tr("Kernel"), m_kind));
  m_points = addSpinControl(tr("Inputs"), 2, 512, WidthViewSettings{}.points,
                            tr("Number of inputs m (on the unit circle for input_dim ≥ 2, x_i = i/m for input_dim 1)"));
  figureWidget()->setToolTip(tr("Relative Frobenius error ‖Θ̂_n − Θ‖_F / ‖Θ‖_F of the empirical kernel of width n to the analytic\n"
                                "kernel, mean ± 1 s.d. over seeds; the fit is least squares of log error on log n.\n"
                                "Fluctuations of the empirical NTK at initialisation are ∝ n^{-1/2} (slope −½).\n"
                                "Right: one seed's empirical kernel at the smallest and largest width, the analytic kernel,\n"
                                "and the largest width's difference to it."));
  connect(m_kind, &QComboBox::currentIndexChanged, this, &WidthPanel::scheduleRecompute);
}

WidthViewSettings WidthPanel::settings() const
{
  WidthViewSettings s;
  s.log2Min = m_log2Min->acceptedValue();
  s.log2Max = m_log2Max->acceptedValue();
  s.seeds = m_seeds->acceptedValue();
  s.kind = m_kind->currentIndex() == 0 ? KernelKind::Ntk : KernelKind::Nngp;
  s.points = m_points->acceptedValue();
  return s;
}

void WidthPanel::setWidthRange(int log2Min, int log2Max)
{
  m_log2Min->setValue(log2Min);
  m_log2Max->setValue(log2Max);
}
void WidthPanel::setSeeds(int seeds) { m_seeds->setValue(seeds); }
void WidthPanel::setPoints(int points) { m_points->setValue(points); }

FiniteExperimentPanel::Job WidthPanel::makeJob(QString* refusal) const
{
  const WidthViewSettings s = settings();
  if (s.log2Min >= s.log2Max) {
    *refusal = tr("the smallest width 2^%1 must be below the largest 2^%2 (a slope needs two widths)").arg(s.log2Min).arg(s.log2Max);
    return {};
  }
  const Network net = document()->networkFor(objectName());
  return [net, s](const JobFlags& flags) { return std::any(computeWidthView(net, s, flags)); };
}

void WidthPanel::applyResult(const std::any& result)
{
  m_result = std::any_cast<WidthSweepResult>(result);
  m_shown = settings();
  const Network& net = document()->networkFor(objectName());
  m_shownInputDim = net.inputDim;
  const QString widths = tr("2^%1 … 2^%2").arg(m_shown.log2Min).arg(m_shown.log2Max);
  setInfo(tr("%1 with every hidden width set to n = %2 · %3 · %4 seeds per width · fitted slope %5 (the theory: −0.5)%6")
              .arg(QString::fromStdString(net.summary()), widths, widthSweepInputsText(net.inputDim, m_shown.points))
              .arg(m_shown.seeds)
              .arg(m_result.slope, 0, 'f', 3)
              .arg(m_result.normalised ? tr(" · standard parameterisation: errors after dividing by the mean diagonal") : QString()));
  emit statusMessage(tr("Width sweep: %1 widths × %2 seeds, slope %3").arg(m_result.rows.size()).arg(m_shown.seeds).arg(m_result.slope, 0, 'f', 3));
}

void WidthPanel::paintContent(QPainter& p, const QRectF& rect, double em) const
{
  paintWidthFigure(p, rect, m_result, m_shown, m_shownInputDim, em, m_result.rows.empty() ? infoText() : QString());
}

} // namespace ntk::gui
