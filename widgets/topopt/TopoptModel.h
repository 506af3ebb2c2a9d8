// TopoptModel — the plain values of the Topology panel and the helpers between them and core/topopt.
// In: the panel's settings (volume fraction, penalty, filter, method, optimiser), a problem, a network.
// Out: core option structs (SimpOptions, NeuralTopoptOptions), the default problem and network of a
// new document, the topoptNetwork options read back from a document network (what the panel's neural
// controls show), a density vector as the nely × nelx image, a problem resized to another grid, and
// the one-line reasons a setting or a network is refused.
// Pure functions of their inputs; safe from any thread.
#pragma once
#include <QString>

#include <Eigen/Dense>

#include "core/network/Network.h"
#include "core/topopt/NeuralTopopt.h"
#include "core/topopt/SimpSolver.h"
#include "core/topopt/TopoptNetwork.h"
#include "core/topopt/TopoptProblem.h"

namespace ntk::gui {

enum class TopoptMethod { Classic, Neural, Both };
enum class TopoptFilterChoice { Sensitivity, Density, DensityHeaviside };

/// What the panel's controls hold besides the problem and the network.
struct TopoptSettings {
  double volfrac = 0.5;
  double penal = 3.0;
  TopoptFilterChoice filter = TopoptFilterChoice::Density;
  double rmin = 3.0;   ///< elements (top88: 1.5 at 60 × 20, 3 at 120 × 40)
  TopoptMethod method = TopoptMethod::Classic;
  TopoptOptimizer optimizer = NeuralTopoptOptions{}.optimizer;   ///< core's defaults (Rprop, 0.003)
  double learningRate = NeuralTopoptOptions{}.learningRate;
  int maxIterations = 1000;
};

/// The grid of a new document's problem and of the "topopt" network (top88's 120 × 40 MBB beam).
inline constexpr int kTopoptDefaultNelx = 120, kTopoptDefaultNely = 40;
/// Iterations the panel runs by itself when first shown (and what `--screenshot` shows).
inline constexpr int kTopoptPreviewIterations = 40;

TopoptProblem defaultTopoptProblem();
/// topoptNetwork with its default options on the default grid: the new document's "topopt" network.
Network defaultTopoptNetwork();

SimpOptions simpOptions(const TopoptSettings& s);
NeuralTopoptOptions neuralOptions(const TopoptSettings& s);
bool usesClassic(TopoptMethod m);
bool usesNeural(TopoptMethod m);

/// The topoptNetwork options that `net` was (most likely) built from on an nelx × nely grid: the
/// embedding from the encoding (none / basic = torus / gaussian = fourier, ℓ = S/(2πσ) with
/// S = 2·max(nelx, nely)), the first activation (ReLU or sin ω), the hidden width and depth, β = the
/// first Dense's b_std. A network that topoptNetwork did not make reads as the nearest such options.
TopoptNetworkOptions topoptOptionsFromNetwork(const Network& net, int nelx, int nely);

/// Physical density (elementCount, element order) as the nely × nelx image (row 0 = top).
Eigen::MatrixXd densityMatrix(const Eigen::VectorXd& y, int nelx, int nely);

/// The same problem on another grid: a preset is made again at the new size; a custom problem keeps
/// its loads and supports at the same relative positions (rounded to nodes) and its passive regions
/// (nearest element).
TopoptProblem resizedProblem(const TopoptProblem& problem, int nelx, int nely);

/// Empty when the neural method can use `net`; else one line naming `name` and what to change
/// (input_dim must be 2, the output width 1).
QString neuralNetworkRefusal(const Network& net, const QString& name);
/// Empty when `problem` can be solved; else TopoptProblem::validate's reason.
QString problemRefusal(const TopoptProblem& problem);

/// "mbb" → "MBB beam" etc.; "custom" → "custom".
QString presetLabel(const QString& name);

} // namespace ntk::gui
