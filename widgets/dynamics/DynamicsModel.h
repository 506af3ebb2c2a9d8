// DynamicsModel — the widget-free part of the dynamics view (a 1-D regression playground): target
// presets, training points, the 1-D copy of the network, the KernelDynamics build, and the data the
// two plots show. No QWidget here, so the headless demo (a QGuiApplication) can use it too.
// In: a Network, the kind (NTK-GP / NNGP), training points (x ∈ [0,1), y), a relative ridge, a time t
// (or gradient-descent step η). Out: DynamicsBuild (the cached eigendecomposition and what it says),
// predictions on the test grid, and the plot data (RegressionPlotData, ModeResidualData).
// Thread-safety: pure functions of their inputs; buildDynamics may run on any thread.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include <Eigen/Dense>
#include <QString>

#include "widgets/dynamics/ModeResidualPlot.h"
#include "widgets/dynamics/RegressionPlayground.h"
#include "core/dynamics/KernelDynamics.h"

class QPainter;
class QRectF;

namespace ntk::gui {

enum class TargetPreset { SumOfSines, Step, UserDrawn };

struct TrainingPoint {
  double x = 0.0;
  double y = 0.0;
  bool onTarget = true; ///< y follows the target curve when the target changes
};

/// Test grid size n: predictions are evaluated at x_j = j/n.
inline constexpr int kDynamicsTestPoints = 400;
/// How many modes the residual plot shows: the leading ones (largest λ of H) the target excites.
inline constexpr int kShownModes = 8;
/// Time axis of the view: t from 10^kLogTimeMin to 10^kLogTimeMax, then t = ∞.
inline constexpr double kLogTimeMin = -3.0;
inline constexpr double kLogTimeMax = 6.0;

/// x_j = j/n, j = 0…n−1 (n = kDynamicsTestPoints).
Eigen::VectorXd dynamicsTestGrid();

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

/// The network the playground trains: `net` itself when input_dim = 1, else a copy with input_dim = 1
/// when the encoding allows it (none/basic/positional/gaussian; gaussian's B is re-sampled for d = 1
/// from the same seed). False with `reason` for a `fourier` B of another width or an invalid copy.
/// `note` (may be empty) says what was changed.
bool oneDimensionalNetwork(const Network& net, Network* out, QString* note, QString* reason);

/// One build of the dynamics: everything that depends on (network, kind, points, ridge).
struct DynamicsBuild {
  int generation = 0;
  std::shared_ptr<const KernelDynamics> dynamics;
  Prediction limit;          ///< t = ∞ on the test grid (kernel / ridge regression)
  Eigen::VectorXd cycles;    ///< per mode: sign changes of its eigenvector along x, halved (≈ frequency)
  double conditionNumber = 0.0, lambdaMax = 0.0, maxStableRate = 0.0;
  QString error;             ///< non-empty: failed with this message
  bool cancelled = false;
  double seconds = 0.0;
};

/// Builds KernelDynamics on (X = point x's, Y = point y's) with the test grid; throws nothing: errors
/// and cancellation are reported in the result.
DynamicsBuild buildDynamics(const Network& net1d, KernelKind kind, const std::vector<TrainingPoint>& points,
                            double ridge, const JobControl& job = {});

/// Gradient flow at t (gd false), or gradient descent with step η for s = round(t/η) steps.
/// t = ∞ with a stable η gives the same limit as gradient flow. When the outputs overflow (GD with
/// η > 2/λ_max) the prediction is empty and `failure` says why.
Prediction evaluateDynamics(const KernelDynamics& d, double t, bool gd, double eta, QString* failure = nullptr);

/// Per-mode residual curves |r_k(t)| of the leading modes on a log time grid, and the fraction
/// |r_k(t)|/|r_k(0)| left at the current t.
ModeResidualData modeResidualData(const DynamicsBuild& build, double t, bool gd, double eta);

/// The regression plot's data: test grid, target values on it, the points, and — when `build` and `now`
/// are given — the prediction at t with its ±2σ band and the t = ∞ curve; titles name kind, t, GD.
RegressionPlotData regressionPlotData(const Eigen::VectorXd& target, const std::vector<TrainingPoint>& points,
                                      const DynamicsBuild* build, const Prediction* now, KernelKind kind, double t,
                                      bool gd, double eta);

/// "1e+03"-style short time text; "∞" for infinity.
QString formatTime(double t);

/// Both plots of the dynamics view as one figure (left: regression, right: mode residuals).
struct DynamicsFigure {
  RegressionPlotData regression;
  ModeResidualData residuals;
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
};
/// Computes synchronously on the calling thread and fills the figure; false with `error` when the
/// network has no 1-D version or the build fails (the figure then carries the message).
bool computeDynamicsFigure(const Network& net, const DynamicsFigureOptions& options, DynamicsFigure* figure,
                           QString* error = nullptr);

} // namespace ntk::gui
