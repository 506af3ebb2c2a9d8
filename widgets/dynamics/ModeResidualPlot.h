// ModeResidualPlot — per-mode residual decay of kernel gradient flow, drawn with QPainter.
// In: ModeResidualData — for the leading eigen-directions k of H = Θ(X,X)/m that the target excites
// (largest eigenvalue first): |r_k(t)| on a log time grid, λ_k, a frequency estimate, and the fraction |r_k(t)|/|r_k(0)|
// left at the current t. Out: left, |r_k(t)| against t (log–log) coloured by mode index with a
// vertical line at the current t; right, bars of the fraction left per mode — large-λ (low-frequency)
// modes are fitted first, small-λ (high-frequency) modes last.
// The legend names each mode ("k = 3 (ν ≈ 1): λ = 0.34") and wraps, in two columns when that is
// clearly shorter; it never elides. paintModeResidualFigure paints the same into any QPainter
// (export, headless demo).
#pragma once
#include <vector>

#include <Eigen/Dense>
#include <QColor>
#include <QRectF>
#include <QString>

#include "widgets/dynamics/DynamicsFigureWidget.h"

class QPainter;

namespace ntk::gui {

struct ModeResidualData {
  Eigen::VectorXd times;                   ///< log grid of t (> 0), ascending
  std::vector<int> modeIndex;              ///< per shown mode: k (0-based, decreasing-λ order of all modes)
  std::vector<Eigen::VectorXd> residuals;  ///< per shown mode: |r_k(t)| on `times`
  std::vector<double> eigenvalues;         ///< per shown mode: λ_k of H
  std::vector<double> cycles;              ///< per shown mode: ≈ frequency of its eigenvector
  std::vector<double> remaining;           ///< per shown mode: |r_k(t)|/|r_k(0)| at the current t (NaN: r_k(0) ≈ 0)
  double currentTime = 0.0;                ///< may be infinity
  QString title;
  QString message;                         ///< non-empty: drawn instead of the plots
};

/// Colour of mode k of `count` (a sequential ramp: dark = leading, light = later modes).
QColor modeColor(int k, int count);
void paintModeResidualFigure(QPainter& p, const QRectF& rect, const ModeResidualData& data, double em);

class ModeResidualPlot : public DynamicsFigureWidget {
  Q_OBJECT

public:
  explicit ModeResidualPlot(QWidget* parent = nullptr);
  void setData(ModeResidualData data);
  const ModeResidualData& data() const { return m_data; }
  QSize sizeHint() const override { return {540, 380}; }
  QSize minimumSizeHint() const override { return {240, 180}; }

protected:
  void paintFigure(QPainter& p, const QRectF& rect, double em) const override;

private:
  ModeResidualData m_data;
};

} // namespace ntk::gui
