// WidthModel — the "Width" view's data and figure (survey §2, §4.3): the relative Frobenius error of the
// empirical kernel of finite networks to the analytic one against the width, on log–log axes with
// ±1 s.d. error bars over seeds, the fitted slope and the reference n^{-1/2}; beside it the empirical
// kernel at the smallest and the largest width, the analytic kernel, and largest − analytic.
// Widget-free (the panel, export and the headless demo share it).
// In: a Network (any input_dim: the inputs are widthSweepInputs), widths 2^a…2^b, seeds, NTK or NNGP,
// m inputs. Out: core's WidthSweepResult; the figure; the table (width, mean, std, mean diagonal).
// Errors: core runWidthSweep's (InputError, MemoryLimitError, CancelledError).
#pragma once
#include <vector>

#include <QRectF>
#include <QString>

#include "core/finite/WidthSweep.h"
#include "widgets/common/PanelJob.h"

class QPainter;

namespace ntk::gui {

struct WidthViewSettings {
  int log2Min = 4, log2Max = 12; ///< widths 2^log2Min … 2^log2Max
  int seeds = 8;
  KernelKind kind = KernelKind::Ntk;
  int points = 64;
  std::vector<int> widths() const;
};

/// The sweep's inputs for a network of `inputDim`: 1 → x_i = i/m on [0, 1); 2 → m points on the unit
/// circle (circlePoints); more → the circle in the first two coordinates, the others 0.
Eigen::MatrixXd widthSweepInputs(int inputDim, int m);
/// What those inputs are, for the info line ("64 points on the unit circle").
QString widthSweepInputsText(int inputDim, int m);

WidthSweepResult computeWidthView(const Network& net, const WidthViewSettings& settings, const JobFlags& flags);

/// Rows width, mean relative error, its standard deviation, mean diagonal of the empirical kernel.
Eigen::MatrixXd widthTable(const WidthSweepResult& result);

/// The log–log plot on the left, the four heatmaps on the right (or `message` when non-empty).
void paintWidthFigure(QPainter& p, const QRectF& rect, const WidthSweepResult& result, const WidthViewSettings& settings,
                      int inputDim, double em, const QString& message = {});

} // namespace ntk::gui
