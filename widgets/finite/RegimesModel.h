// RegimesModel — lazy vs rich training (survey §7; Fort et al. 2020, eq 146–148): how far the empirical
// NTK moves, ρ(Θ_0, Θ_t) = 1 − ⟨Θ_0, Θ_t⟩_F / (‖Θ_0‖_F ‖Θ_t‖_F), and how far the weights move,
// ‖θ_t − θ_0‖/‖θ_0‖, while finite networks of several widths train, in NTK and in standard
// parameterisation side by side. Widget-free (the panel, export and the headless demo share it).
// In: a Network with input_dim 1 (the playground's sum-of-sines target on m evenly spaced x_i = i/m),
// widths, seeds, the learning rate as a fraction c of the largest stable one: NTK parameterisation
// η = c · 2/λ_max(H), H = Θ(X,X)/m of the analytic NTK; standard parameterisation η/n per width n (the
// same η·n: its empirical NTK grows ∝ n), GD steps and the record interval.
// Out: RegimesResult (the runs of both parameterisations with their records) and the figure: a 2 × 2 grid
// (rows: kernel distance, weight change; columns: NTK, standard), one curve per width (mean over seeds)
// against the GD step, a marker where a run diverged and a note that says so (never NaN lines).
// Errors: InputError (input_dim ≠ 1, bad settings), core's errors; CancelledError between runs.
#pragma once
#include <vector>

#include <QRectF>
#include <QString>

#include "core/finite/FiniteTrainingRuns.h"
#include "core/network/Network.h"
#include "widgets/common/PanelJob.h"

class QPainter;

namespace ntk::gui {

struct RegimesSettings {
  std::vector<int> widths{16, 64, 256, 1024};
  int seeds = 2;
  double etaFraction = 0.5;  ///< c: η = c · 2/λ_max (NTK parameterisation)
  long long steps = 100;
  long long recordEvery = 10;
  int points = 16;           ///< m training points of the sum-of-sines target
};

struct RegimesResult {
  RegimesSettings settings;
  double lambdaMax = 0.0;            ///< of H = Θ/m, analytic NTK (NTK parameterisation)
  double ntkLearningRate = 0.0;      ///< η = c · 2/λ_max
  std::vector<TrainingRun> ntk;      ///< NTK parameterisation, every width
  std::vector<TrainingRun> standard; ///< standard parameterisation, width n trained with η/n
};

/// Trains both parameterisations (progress: the NTK half, then the standard half).
RegimesResult computeRegimes(const Network& net, const RegimesSettings& settings, const JobFlags& flags);

/// The record schedule of the settings: steps 0, k, 2k, …, and the last step.
std::vector<long long> regimesRecordSteps(const RegimesSettings& settings);

/// One column per width: the mean over the seeds' records of the quantity at each of `steps` (NaN where
/// every seed had diverged); column 0 is the step.
enum class RegimesQuantity { KernelDistance, WeightChange };
Eigen::MatrixXd regimesTable(const std::vector<TrainingRun>& runs, const std::vector<int>& widths, RegimesQuantity q,
                             const std::vector<long long>& steps);

/// The 2 × 2 figure (or `message` in its place when non-empty).
void paintRegimesFigure(QPainter& p, const QRectF& rect, const RegimesResult& result, double em,
                        const QString& message = {});

/// "NTK: width 1024 diverged at step 37; standard: …" (empty when nothing diverged).
QString regimesDivergenceText(const RegimesResult& result);

} // namespace ntk::gui
