// FiniteDynamicsFigure.cpp — trainFiniteNetworks on the figure's points, recorded at the last step.
#include "widgets/finite/FiniteDynamicsFigure.h"

#include <algorithm>

#include "core/finite/FiniteTrainingRuns.h"
#include "widgets/common/PanelJob.h"
#include "widgets/finite/FiniteLiveTraining.h"
#include "widgets/finite/FiniteOverlay.h"

namespace ntk::gui {

bool addFiniteNetworks(DynamicsFigure& figure, const Network& net, const std::vector<int>& widths, int seeds,
                       bool linearised, double time, QString* error)
{
  const auto& train = figure.points.train;
  if (train.empty() || !(figure.maxStableRate > 0.0)) {
    if (error) *error = QObject::tr("the figure has no dynamics to compare with");
    return false;
  }
  Eigen::MatrixXd X(Eigen::Index(train.size()), 1);
  Eigen::VectorXd Y(Eigen::Index(train.size()));
  for (size_t i = 0; i < train.size(); ++i) {
    X(Eigen::Index(i), 0) = train[i].x;
    Y(Eigen::Index(i)) = train[i].y;
  }
  TrainingRunsOptions o;
  o.widths = widths;
  o.seeds = seeds;
  o.learningRate = 0.5 * figure.maxStableRate;
  o.steps = gradientDescentSteps(time, o.learningRate);
  o.recordEvery = std::max(1LL, o.steps);
  o.alsoLinearised = linearised;
  std::vector<TrainingRun> runs;
  bool cancelled = false;
  QString why;
  if (!catchJobErrors([&] { runs = trainFiniteNetworks(net, X, Y, Eigen::MatrixXd(dynamicsTestGrid()), o); }, &cancelled, &why)) {
    if (error) *error = why;
    return false;
  }
  figure.regression.curves = finiteNetworkCurves(runs, o.steps);
  figure.regression.title += QObject::tr(" · networks n = %1 at s = %2 GD steps, η = %3 (t = s·η = %4)")
                                 .arg(widthListText(widths))
                                 .arg(o.steps)
                                 .arg(o.learningRate, 0, 'g', 3)
                                 .arg(formatTime(double(o.steps) * o.learningRate));
  return true;
}

} // namespace ntk::gui
