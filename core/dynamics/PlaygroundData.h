// PlaygroundData — the four 2-D data sets of TensorFlow Playground (circle, xor, two Gaussians,
// spiral), as a regression problem: labels ±1 plus Gaussian label noise, fitted with the squared loss.
// In: the data set, the number of points N, the label-noise std σ ≥ 0, the training share r ∈ (0, 1),
// a seed. Out: PlaygroundSample — N points split into round(r·N) training and N − round(r·N) test
// points, each with its input u ∈ [0, 1)², its clean label c ∈ {−1, +1} and its target y = c + σ·ε,
// ε ~ N(0, 1) (our SeededNormal, identical on every platform).
// Geometry: TF Playground's dataset.ts with its geometric noise at 0, drawn in its plane p ∈ [−6, 6]²
// and scaled to the network's inputs by u = (p + 6)/12 (the 1-D playground's x ∈ [0, 1) too):
//   circle    N/2 points with |p| uniform in [0, 2.5] (label +1, inside radius 0.5·5) and N/2 with
//             |p| uniform in [3.5, 5] (label −1), angle uniform in [0, 2π);
//   xor       p_i uniform in [−5, 5], pushed 0.3 away from 0 (|p_i| ∈ [0.3, 5.3]), label sign(p_1·p_2)
//             (+1 for p_1·p_2 ≥ 0);
//   gaussians N/2 points from N((2, 2), 0.5·I) labelled +1, N/2 from N((−2, −2), 0.5·I) labelled −1
//             (TF's variance at noise 0; std √0.5);
//   spiral    two arms of N/2 points, i = 0…N/2−1: radius 5i/(N/2), angle 1.75·2π·i/(N/2) + δ, p =
//             radius·(sin angle, cos angle); δ = 0 for +1, π for −1.
// For odd N the negative class gets the extra point (circle, gaussians, spiral).
// Which points train: a seeded shuffle, so both classes appear in both sets in proportion.
// Thread-safety: pure functions.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Dense>

namespace ntk {

enum class PlaygroundDataset { Circle, Xor, Gaussians, Spiral };

/// "circle", "xor", "gaussians", "spiral".
std::string playgroundDatasetName(PlaygroundDataset dataset);

struct PlaygroundSample {
  Eigen::MatrixXd trainX; ///< inputs u ∈ [0, 1)², m by 2
  Eigen::VectorXd trainY; ///< targets c + σε, m
  Eigen::VectorXd trainLabel; ///< clean labels ±1, m
  Eigen::MatrixXd testX;  ///< held-out inputs, (N − m) by 2
  Eigen::VectorXd testY;
  Eigen::VectorXd testLabel;
};

/// The TF Playground plane [−6, 6]² → the inputs [0, 1)²: u = (p + 6)/12.
inline double playgroundToUnit(double p) { return (p + 6.0) / 12.0; }

/// N points of `dataset` in TF's plane (N by 2) and their clean labels (N), in generation order
/// (positive class first where there are two blocks). Throws InputError for N < 2.
void playgroundPoints(PlaygroundDataset dataset, int count, std::uint64_t seed, Eigen::MatrixXd& planePoints,
                      Eigen::VectorXd& labels);

/// The full sample: scaled inputs, label noise, seeded train/test split. Throws InputError for N < 2,
/// σ < 0 or not finite, r outside (0, 1), or a split that leaves no training point.
PlaygroundSample samplePlaygroundData(PlaygroundDataset dataset, int count, double noiseStd, double trainShare,
                                      std::uint64_t seed);

} // namespace ntk
