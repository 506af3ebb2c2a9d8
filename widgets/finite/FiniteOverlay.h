// FiniteOverlay — what the 1-D playground draws of the trained finite networks at one GD step: per width
// the ensemble mean over seeds (solid, thick), each seed's network (thin, faint) and the mean of the
// linearised models (dashed), in one colour per width; one legend entry per width names both.
// In: the runs with their records (FiniteLiveTraining / FiniteTrainingRuns), the step s = t/η the slider
// asks for. Out: RegressionCurves on the test grid the runs were trained with, and the recorded step
// actually shown (the largest ≤ s; −1 when nothing is recorded yet).
// Thread-safety: pure function.
#pragma once
#include <vector>

#include <QColor>
#include <QStringList>

#include "core/finite/FiniteTrainingRuns.h"
#include "widgets/dynamics/RegressionPlayground.h"

namespace ntk::gui {

/// The largest step ≤ `step` that some run recorded (−1: none).
long long shownRecordStep(const std::vector<TrainingRun>& runs, long long step);

/// The colour of the i-th width (after the kernel's mean and limit colours).
QColor widthColor(int index);

std::vector<RegressionCurve> finiteNetworkCurves(const std::vector<TrainingRun>& runs, long long recordStep);

/// The drawn means as export columns (n rows): per width (ascending) the ensemble mean, then the linearised
/// mean, each only where it is drawn at `recordStep` (a diverged family has none: no NaN columns);
/// `names` gets one name per column ("n=16 mean", "n=16 linearised").
Eigen::MatrixXd finiteNetworkColumns(const std::vector<TrainingRun>& runs, long long recordStep, Eigen::Index n,
                                     QStringList* names);

/// Widths whose runs diverged, "16 (step 37), 1024 (step 5)"; empty when none did.
QString divergedWidthsText(const std::vector<TrainingRun>& runs);

} // namespace ntk::gui
