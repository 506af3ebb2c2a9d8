// DynamicsModel — the widget-free part of the dynamics view (a TensorFlow-Playground-style playground
// for the training dynamics of the infinitely wide network): the data sets (three 1-D targets, TF
// Playground's four 2-D sets), training and held-out points, the KernelDynamics build, and the data
// the plots show. No QWidget here, so the headless demo (a QGuiApplication) can use it too.
// In: a Network (used as it is: a data set needs the input_dim it names — requiredInputDim — and is
// refused otherwise, never fitted on a modified copy), the kind (NTK-GP / NNGP), training and test
// points, a relative ridge, a time t (or gradient-descent step η).
// Out: DynamicsBuild (the cached eigendecomposition and what it says), predictions on the plotting
// grid, and the plot data (RegressionPlotData, PlanePlotData, LossPlotData, ModeResidualData).
// Thread-safety: pure functions of their inputs; buildDynamics may run on any thread.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include <Eigen/Dense>
#include <QString>

#include "core/dynamics/KernelDynamics.h"
#include "core/dynamics/LossCurve.h"
#include "core/dynamics/PlaygroundData.h"
#include "core/finite/KernelTheoryReadouts.h"
#include "widgets/dynamics/LossCurvePlot.h"
#include "widgets/dynamics/ModeResidualPlot.h"
#include "widgets/dynamics/PlanePlayground.h"
#include "widgets/dynamics/RegressionPlayground.h"

class QPainter;
class QRectF;

namespace ntk::gui {

/// The 1-D targets (the first three entries of DynamicsDataset, same values).
enum class TargetPreset { SumOfSines, Step, UserDrawn };

/// Everything the panel's "Data" list offers: the 1-D targets, then TF Playground's 2-D sets.
enum class DynamicsDataset { SumOfSines, Step, UserDrawn, Circle, Xor, Gaussians, Spiral };
inline constexpr int kDynamicsDatasetCount = 7;

/// 1 for the 1-D targets, 2 for the plane data sets.
int datasetInputDim(DynamicsDataset dataset);
/// The core generator of a plane data set (precondition: datasetInputDim(dataset) == 2).
PlaygroundDataset planeDataset(DynamicsDataset dataset);
/// "sum of sines", …, "two Gaussians", "spiral".
QString datasetLabel(DynamicsDataset dataset);

/// One point of the data set. 1-D: input x, target y (on the target curve plus `noise` while onTarget).
/// 2-D: input (x, x2) ∈ [0, 1)², clean class `label` = ±1 and target y = label + noise.
struct TrainingPoint {
  double x = 0.0;
  double y = 0.0;
  bool onTarget = true; ///< 1-D: y follows the target curve (plus noise) when the target changes
  double x2 = 0.0;      ///< 2-D only
  double label = 0.0;   ///< 2-D only: ±1
  double noise = 0.0;   ///< the label noise drawn for this point (y − clean value)
};

/// Training points and held-out (test) points: the test loss is measured on the latter.
struct PointSet {
  std::vector<TrainingPoint> train, test;
};

/// Test grid size n: predictions are evaluated at x_j = j/n.
inline constexpr int kDynamicsTestPoints = 400;
/// The 2-D heat map: predictions at the centres of a kPlaneGrid × kPlaneGrid grid on [0, 1)².
inline constexpr int kPlaneGrid = 48;
/// How many modes the residual plot shows: the leading ones (largest λ of H) the target excites.
inline constexpr int kShownModes = 8;
/// Time axis of the view: t from 10^kLogTimeMin to 10^kLogTimeMax, then t = ∞.
inline constexpr double kLogTimeMin = -3.0;
inline constexpr double kLogTimeMax = 6.0;
/// Samples of the loss and residual curves on the log time axis.
inline constexpr int kCurveSamples = 181;

/// x_j = j/n, j = 0…n−1 (n = kDynamicsTestPoints).
Eigen::VectorXd dynamicsTestGrid();
/// The heat map's points, kPlaneGrid² by 2: row iy·G + ix is ((ix + ½)/G, (iy + ½)/G).
Eigen::MatrixXd planeTestGrid();

/// The analytic presets. SumOfSines: Σ_j 2^{−j} sin(2π(2^{j+1}−1)x), j = 0…3 (frequencies 1, 3, 7, 15);
/// Step: −1 for x < ½, +1 after. UserDrawn has no formula (returns 0): use the drawn grid values.
double presetTargetValue(TargetPreset preset, double x);
/// Linear interpolation of values given on dynamicsTestGrid() (clamped at the ends).
double interpolateOnTestGrid(const Eigen::VectorXd& values, double x);
/// Applies a drawn stroke (data coordinates, in drawing order) to grid values: every grid x between
/// two consecutive stroke points takes the interpolated y.
void applyStroke(Eigen::VectorXd& values, const std::vector<QPointF>& stroke);

/// `count` points on [0,1): evenly spaced x_i = i/count, or uniform random from `seed`; y = 0 and
/// onTarget = true (the caller fills y from the target).
std::vector<TrainingPoint> sampleTrainingX(int count, bool random, std::uint64_t seed);

/// Held-out points for `trainCount` training points and a training share `trainPercent` %:
/// round(trainCount·(100 − p)/p) of them.
int heldOutCount(int trainCount, int trainPercent);

/// A 1-D data set: `count` training x's (evenly spaced or random, as sampleTrainingX) and
/// heldOutCount(count, trainPercent) test x's uniform on [0, 1); each point's label noise σ·ε from the
/// seed (ε ~ N(0, 1), a stream of its own). y = noise: the caller adds the target (refreshLineTargets).
PointSet sampleLineData(int count, bool random, int trainPercent, double noiseStd, std::uint64_t seed);
/// Sets y = target(x) + noise for the points on the target.
void refreshLineTargets(std::vector<TrainingPoint>& points, TargetPreset preset, const Eigen::VectorXd& drawnTarget);
/// A 2-D data set (core samplePlaygroundData) with exactly `count` training points and
/// heldOutCount(count, trainPercent) test points.
PointSet samplePlaneData(PlaygroundDataset dataset, int count, int trainPercent, double noiseStd, std::uint64_t seed);

/// Empty when `net` fits the data (its input_dim is `inputDim` and it validates); else the reason,
/// naming the input_dim needed and the one the network has.
QString networkRequirementReason(const Network& net, int inputDim);

/// One build of the dynamics: everything that depends on (network, kind, points, ridge).
struct DynamicsBuild {
  int generation = 0;
  int inputDim = 1;
  std::shared_ptr<const KernelDynamics> dynamics;
  Eigen::Index heldOut = 0;  ///< test rows 0…heldOut−1 are the held-out points, the plotting grid follows
  Eigen::VectorXd testTargets; ///< their targets
  Prediction limit;          ///< 1-D: t = ∞ on the plotting grid (kernel / ridge regression)
  Eigen::VectorXd cycles;    ///< 1-D, per mode: sign changes of its eigenvector along x, halved (≈ frequency)
  double conditionNumber = 0.0, lambdaMax = 0.0, maxStableRate = 0.0;
  /// λ_min, the convergence bound and the complexity √(Yᵀ Θ⁻¹ Y / m) (true and shuffled targets) of the
  /// training Gram Θ(X,X) (+ ridge) the dynamics use (survey §6.3).
  KernelTheoryReadouts theory;
  bool hasTheory = false;
  QString error;             ///< non-empty: failed with this message
  bool cancelled = false;
  double seconds = 0.0;
};

/// Builds KernelDynamics on the training points with the held-out points and then the plotting grid
/// (dynamicsTestGrid for inputDim 1, planeTestGrid for 2) as its test set; throws nothing: errors
/// and cancellation are reported in the result.
DynamicsBuild buildDynamics(const Network& net, KernelKind kind, const PointSet& points, int inputDim, double ridge,
                            const JobControl& job = {});
/// 1-D, no held-out points.
DynamicsBuild buildDynamics(const Network& net, KernelKind kind, const std::vector<TrainingPoint>& points, double ridge,
                            const JobControl& job = {});

/// The prediction on the plotting grid at t: gradient flow (gd false), or gradient descent with step η
/// for s = round(t/η) steps. t = ∞ with a stable η gives the same limit as gradient flow. 1-D: mean
/// and variance; 2-D: the mean only (the heat map). When the outputs overflow (GD with η > 2/λ_max)
/// the prediction is empty and `failure` says why.
Prediction evaluateDynamics(const DynamicsBuild& build, double t, bool gd, double eta, QString* failure = nullptr);

/// Per-mode residual curves |r_k(t)| of the leading modes on a log time grid, and the fraction
/// |r_k(t)|/|r_k(0)| left at the current t.
ModeResidualData modeResidualData(const DynamicsBuild& build, double t, bool gd, double eta);

/// The train and test loss curves (core lossCurve on the log time grid) and the losses at t.
LossPlotData lossPlotData(const DynamicsBuild& build, double t, bool gd, double eta);
/// Moves the marker of `data` (made by lossPlotData with the same gd, η) to t: O(n·m), not the curves.
void setLossTime(LossPlotData& data, const DynamicsBuild& build, double t, bool gd, double eta);

/// The 1-D plot's data: test grid, target values on it, the points, and — when `build` and `now`
/// are given — the prediction at t with its ±2σ band and the t = ∞ curve; titles name kind, t, GD.
RegressionPlotData regressionPlotData(const Eigen::VectorXd& target, const PointSet& points, const DynamicsBuild* build,
                                      const Prediction* now, KernelKind kind, double t, bool gd, double eta);
/// The 2-D plot's data: the heat map of the mean at t (when given) and the points.
PlanePlotData planePlotData(const PointSet& points, const Prediction* now, KernelKind kind, double t, bool gd, double eta);

/// "1e+03"-style short time text; "∞" for infinity.
QString formatTime(double t);
/// The title's description of the time: "at t = 10" or "after s = 20 GD steps (η = 0.5, t = 10)".
QString timeDescription(double t, bool gd, double eta);

/// The plots of the dynamics view as one figure: the data (1-D regression or 2-D heat map) on the left,
/// the loss curves above the mode residuals on the right.
struct DynamicsFigure {
  int inputDim = 1;
  RegressionPlotData regression;
  PlanePlotData plane;
  LossPlotData loss;
  ModeResidualData residuals;
  PointSet points;            ///< the data the figure was computed on (1-D)
  double maxStableRate = 0.0; ///< 2/λ_max(H) of that build
};
void paintDynamicsFigure(QPainter& p, const QRectF& rect, const DynamicsFigure& figure);

/// Options of a figure computed without widgets (headless demo).
struct DynamicsFigureOptions {
  KernelKind kind = KernelKind::Ntk;
  TargetPreset preset = TargetPreset::SumOfSines; ///< SumOfSines or Step
  int points = 32;
  bool random = false;
  std::uint64_t seed = 1;
  double ridge = 0.0;
  double time = 10.0;
  int trainPercent = 50; ///< held-out points for the test loss: heldOutCount(points, trainPercent)
  double noise = 0.0;
};
/// Computes synchronously on the calling thread and fills the figure (1-D); false with `error` when the
/// network's input_dim is not 1 or the build fails (the figure then carries the message).
bool computeDynamicsFigure(const Network& net, const DynamicsFigureOptions& options, DynamicsFigure* figure,
                           QString* error = nullptr);

} // namespace ntk::gui
