// RegimesPanel — the "Regimes" tab: lazy vs rich training (RegimesModel). Controls: widths, seeds, the
// learning rate as c · 2/λ_max (past c = 1 the runs diverge: marked, never NaN lines), GD steps, training
// points. The figure: kernel distance and relative weight change against the GD step, one curve per
// width, NTK vs standard parameterisation side by side. Export: PNG/SVG (the figure), CSV/NPY (step, then
// the kernel distance per width for NTK, then for standard, then the weight changes likewise).
// In: the document network for this panel (input_dim 1). GUI thread only.
#pragma once
#include "widgets/finite/FiniteExperimentPanel.h"
#include "widgets/finite/RegimesModel.h"

class QLineEdit;

namespace ntk::gui {

class CheckedDoubleSpinBox;
class CheckedSpinBox;

class RegimesPanel : public FiniteExperimentPanel {
  Q_OBJECT

public:
  explicit RegimesPanel(NetworkDocument* doc, QWidget* parent = nullptr);

  int requiredInputDim() const override { return 1; }
  QString requiredInputPurpose() const override { return tr("the networks train on the 1-D sum-of-sines target"); }

  const RegimesResult& result() const { return m_result; }
  /// The settings the controls hold (widths empty when the text is refused).
  RegimesSettings settings() const;
  void setWidths(const std::vector<int>& widths);
  void setEtaFraction(double c);
  void setSteps(int steps);
  void setSeeds(int seeds);

protected:
  Job makeJob(QString* refusal) const override;
  void applyResult(const std::any& result) override;
  void paintContent(QPainter& p, const QRectF& rect, double em) const override;
  Eigen::MatrixXd exportData() const override;
  QString experimentName() const override { return tr("regimes experiment"); }

private:
  QLineEdit* m_widths;
  CheckedSpinBox* m_seeds;
  CheckedDoubleSpinBox* m_eta;
  CheckedSpinBox* m_steps;
  CheckedSpinBox* m_points;
  RegimesResult m_result;
};

} // namespace ntk::gui
