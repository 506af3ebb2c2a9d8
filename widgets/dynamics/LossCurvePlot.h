// LossCurvePlot — the total train and test loss of the training dynamics against time, drawn with
// QPainter (log t axis with an ∞ column, log loss axis), with a marker at the current t.
// In: LossPlotData — L_train(t), L_test(t) on a log time grid (core LossCurve; the loss is
// (1/2m) Σ (f − y)²), the current t and the losses there. Out: the painted plot; paintLossFigure
// paints the same into any QPainter (export, headless demo). GUI thread for the widget.
#pragma once
#include <cmath>

#include <Eigen/Dense>
#include <QColor>
#include <QString>

#include "widgets/dynamics/DynamicsFigureWidget.h"

class QPainter;

namespace ntk::gui {

struct LossPlotData {
  Eigen::VectorXd times;         ///< log grid of t (> 0), ascending
  Eigen::VectorXd train, test;   ///< losses on `times` (test empty: no held-out points); +∞ where GD overflowed
  double currentTime = 0.0;      ///< may be infinity
  double currentTrain = NAN, currentTest = NAN;
  QString title;
  QString message;               ///< non-empty: drawn instead of the plot
};

/// Colours of the two curves (train, test): the same in the plot and the data view's legend.
QColor trainLossColor();
QColor testLossColor();

void paintLossFigure(QPainter& p, const QRectF& rect, const LossPlotData& data, double em);

class LossCurvePlot : public DynamicsFigureWidget {
  Q_OBJECT

public:
  explicit LossCurvePlot(QWidget* parent = nullptr);
  void setData(LossPlotData data);
  const LossPlotData& data() const { return m_data; }
  QSize sizeHint() const override { return {480, 260}; }
  QSize minimumSizeHint() const override { return {220, 150}; }

protected:
  void paintFigure(QPainter& p, const QRectF& rect, double em) const override;

private:
  LossPlotData m_data;
};

} // namespace ntk::gui
