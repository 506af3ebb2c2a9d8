// FiniteOverlay.cpp — ensemble means (core ensembleAt), single networks and linearised means as curves.
#include "widgets/finite/FiniteOverlay.h"

#include <algorithm>
#include <map>

#include <QObject>
#include <QStringList>

#include "widgets/common/FigurePainter.h"
#include "widgets/finite/FiniteLiveTraining.h"

namespace ntk::gui {

long long shownRecordStep(const std::vector<TrainingRun>& runs, long long step)
{
  long long best = -1;
  for (const TrainingRun& run : runs)
    if (const TrainingRecord* r = recordAtOrBefore(run, step)) best = std::max(best, r->step);
  return best;
}

QColor widthColor(int index) { return seriesColor(2 + index); }

namespace {

std::vector<int> widthsOf(const std::vector<TrainingRun>& runs)
{
  std::vector<int> widths;
  for (const TrainingRun& r : runs)
    if (std::find(widths.begin(), widths.end(), r.width) == widths.end()) widths.push_back(r.width);
  std::sort(widths.begin(), widths.end());
  return widths;
}

/// The record of `run` at exactly `step`, or nullptr.
const TrainingRecord* recordAt(const TrainingRun& run, long long step)
{
  const TrainingRecord* r = recordAtOrBefore(run, step);
  return r && r->step == step ? r : nullptr;
}

/// Mean test outputs of the linearised runs of `width` at `step` (empty when none reached it).
Eigen::VectorXd linearisedMean(const std::vector<TrainingRun>& runs, int width, long long step, int* count)
{
  Eigen::VectorXd sum;
  *count = 0;
  for (const TrainingRun& run : runs) {
    const TrainingRecord* r = run.linearised && run.width == width ? recordAt(run, step) : nullptr;
    if (!r) continue;
    sum = *count == 0 ? r->testOutputs : Eigen::VectorXd(sum + r->testOutputs);
    ++*count;
  }
  return *count > 0 ? Eigen::VectorXd(sum / double(*count)) : Eigen::VectorXd();
}

void addSingleNetworks(std::vector<RegressionCurve>& curves, const std::vector<TrainingRun>& runs, int width, QColor color,
                       long long step)
{
  for (const TrainingRun& run : runs) {
    const TrainingRecord* r = !run.linearised && run.width == width ? recordAt(run, step) : nullptr;
    if (r) curves.push_back({QString(), r->testOutputs, color, false, 0.6, 0.35});
  }
}

} // namespace

std::vector<RegressionCurve> finiteNetworkCurves(const std::vector<TrainingRun>& runs, long long recordStep)
{
  std::vector<RegressionCurve> curves;
  if (recordStep < 0) return curves;
  const std::vector<int> widths = widthsOf(runs);
  for (size_t i = 0; i < widths.size(); ++i) {
    const QColor color = widthColor(int(i));
    addSingleNetworks(curves, runs, widths[i], color, recordStep);
    // One legend entry per width (the dashed linearised mean is named in it): the legend stays small.
    int linCount = 0;
    const Eigen::VectorXd lin = linearisedMean(runs, widths[i], recordStep, &linCount);
    const EnsembleStatistics e = ensembleAt(runs, widths[i], recordStep);
    const QString name = QObject::tr("n = %1: mean of %2").arg(widths[i]).arg(e.count) +
                         (linCount > 0 ? QObject::tr(", dashed: linearised") : QString());
    if (e.count > 0) curves.push_back({name, e.mean, color, false, 1.5, 1.0});
    if (linCount > 0) curves.push_back({e.count > 0 ? QString() : name, lin, color, true, 1.2, 1.0});
  }
  return curves;
}

Eigen::MatrixXd finiteNetworkColumns(const std::vector<TrainingRun>& runs, long long recordStep, Eigen::Index n,
                                     QStringList* names)
{
  std::vector<Eigen::VectorXd> columns;
  for (int width : widthsOf(runs)) {
    const EnsembleStatistics e = ensembleAt(runs, width, recordStep);
    if (e.count > 0 && e.mean.size() == n) {
      columns.push_back(e.mean);
      *names << QStringLiteral("n=%1 mean").arg(width);
    }
    int linCount = 0;
    const Eigen::VectorXd lin = linearisedMean(runs, width, recordStep, &linCount);
    if (linCount > 0 && lin.size() == n) {
      columns.push_back(lin);
      *names << QStringLiteral("n=%1 linearised").arg(width);
    }
  }
  Eigen::MatrixXd out(n, Eigen::Index(columns.size()));
  for (size_t j = 0; j < columns.size(); ++j) out.col(Eigen::Index(j)) = columns[j];
  return out;
}

QString divergedWidthsText(const std::vector<TrainingRun>& runs)
{
  std::map<int, long long> first; // width → earliest divergence step
  for (const TrainingRun& r : runs)
    if (r.diverged) first[r.width] = first.count(r.width) ? std::min(first[r.width], r.divergedAtStep) : r.divergedAtStep;
  QStringList parts;
  for (const auto& [w, s] : first) parts << QObject::tr("%1 (step %2)").arg(w).arg(s);
  return parts.join(QStringLiteral(", "));
}

} // namespace ntk::gui
