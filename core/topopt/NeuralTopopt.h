// NeuralTopopt.h — SIMP with the density given by a neural network (Dupuis & Jacot 2021).
// In: a TopoptProblem, a Network (input_dim 2, one output; see TopoptNetwork for the coordinate
// convention) and NeuralTopoptOptions. Out: one optimiser step per step(), the same TopoptIterate
// record as SimpSolver, the physical density, and the continuous field rendered on a refined grid.
// Density: y = sigmoid(x̂ − x̂₀ + logit(V) + b) with x̂ the network output at the element centre, x̂₀
// its output at initialisation (so y starts uniform at V) and b found by bisection so that
// Σ_active y = V·N_active (passive elements excluded and set to 1/0; VolumeSigmoid). No filter. The compliance gradient reaches x̂ through
// the implicit derivative of b (∂b/∂x̂_j = −s_j/Σs, s = y(1−y)) and the network through the float32
// layers of the MLP trainer (FloatMlp). Optimisers: Adam (PyTorch semantics) or Rprop.
// Thread-safety: one solver per thread.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include <Eigen/Dense>

#include "core/network/Network.h"
#include "core/topopt/SimpSolver.h"
#include "core/topopt/TopoptProblem.h"
#include "core/util/JobControl.h"

namespace ntk {

class FloatMlp;

enum class TopoptOptimizer { Adam, Rprop };

struct NeuralTopoptOptions {
  double volfrac = 0.5;
  SimpMaterial material;
  FeSolver solver = FeSolver::Auto; ///< the sparse Cholesky of K
  /// Rprop by default: on MBB 60 × 20 it converges in ~40–60 steps to a crisp design (c ≈ 196–203,
  /// no grey), Adam (lr 0.02 recommended) in ~150–200 with a little grey left.
  TopoptOptimizer optimizer = TopoptOptimizer::Rprop;
  double learningRate = 0.003;     ///< Rprop: the initial step size; Adam: the step size
  std::uint64_t seed = 0;          ///< network initialisation
  double tolerance = 0.01;         ///< stop when max |y_new − y| < tolerance and the compliance fell
                                   ///< by less than 1 % over the last 10 steps …
  int minIterations = 20;          ///< … but not before this many steps
  int maxIterations = 300;
  /// InputError naming the option.
  void validate() const;
};

class NeuralTopoptSolver {
public:
  /// InputError / NetworkError (input_dim ≠ 2, output width ≠ 1), MemoryLimitError.
  NeuralTopoptSolver(const TopoptProblem& problem, const Network& net, const NeuralTopoptOptions& options);
  ~NeuralTopoptSolver();
  NeuralTopoptSolver(NeuralTopoptSolver&&) noexcept;
  NeuralTopoptSolver& operator=(NeuralTopoptSolver&&) noexcept;

  TopoptIterate step(const JobControl& job = {});
  void run(const JobControl& job = {}, const std::function<void(const TopoptIterate&)>& onIterate = {});
  bool converged() const;
  bool finished() const;
  int iteration() const;
  const std::vector<TopoptIterate>& history() const;

  /// Physical density y (elementCount, element order).
  const Eigen::VectorXd& physicalDensity() const;
  /// The density field of the current network on a grid refined `refine` times (nely·r × nelx·r,
  /// row-major image order: row = y from the top), with the same b and x̂₀ convention.
  Eigen::MatrixXd render(int refine) const;

  /// Same grid, new loads/supports/passive; keeps the network and optimiser state; the iteration cap
  /// counts again from here.
  void setProblem(const TopoptProblem& problem);
  const TopoptProblem& problem() const;
  const Network& network() const;

  // Inspection and testing (additive).
  const NeuralTopoptOptions& options() const;
  /// The sparse Cholesky in use (options().solver resolved: Grid or Cholmod).
  FeSolver feSolver() const;
  /// The float32 network being trained (its parameters and optimiser state).
  const FloatMlp& mlp() const;
  /// The shift b of the current density (y = σ(x̂ − x̂₀ + logit V + b) on active elements).
  double shift() const;
  /// The network output x̂ at the element centres, now and at initialisation (elementCount).
  const Eigen::VectorXd& preDensity() const;
  const Eigen::VectorXd& initialPreDensity() const;

private:
  struct Impl;
  std::unique_ptr<Impl> d_;
};

} // namespace ntk
