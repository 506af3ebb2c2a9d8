// WidthPanel — the "Width" tab: how the empirical kernel of finite networks approaches its infinite-width
// limit (WidthModel; core runWidthSweep). Controls: widths 2^a … 2^b, seeds, NTK / NNGP, inputs m.
// The figure: error against width (log–log, error bars, fitted slope, n^{-1/2}), heatmaps of the
// empirical kernel at the smallest and largest width beside the analytic one. The sweep runs off the GUI
// thread with progress and Cancel. Export: PNG/SVG (the figure), CSV/NPY (width, mean, std, mean diagonal).
// In: the document network for this panel (its hidden widths are replaced by the sweep's; any input_dim).
// GUI thread only.
#pragma once
#include "widgets/finite/FiniteExperimentPanel.h"
#include "widgets/finite/WidthModel.h"

class QComboBox;

namespace ntk::gui {

class CheckedSpinBox;

class WidthPanel : public FiniteExperimentPanel {
  Q_OBJECT

public:
  explicit WidthPanel(NetworkDocument* doc, QWidget* parent = nullptr);

  const WidthSweepResult& result() const { return m_result; }
  WidthViewSettings settings() const;
  void setWidthRange(int log2Min, int log2Max);
  void setSeeds(int seeds);
  void setPoints(int points);

protected:
  Job makeJob(QString* refusal) const override;
  void applyResult(const std::any& result) override;
  void paintContent(QPainter& p, const QRectF& rect, double em) const override;
  Eigen::MatrixXd exportData() const override { return widthTable(m_result); }
  QString experimentName() const override { return tr("width sweep"); }

private:
  CheckedSpinBox* m_log2Min;
  CheckedSpinBox* m_log2Max;
  CheckedSpinBox* m_seeds;
  CheckedSpinBox* m_points;
  QComboBox* m_kind;
  WidthSweepResult m_result;
  WidthViewSettings m_shown; ///< the settings m_result was computed with
  int m_shownInputDim = 1;
};

} // namespace ntk::gui
