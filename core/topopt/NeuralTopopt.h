// NeuralTopopt.h — SIMP with the density given by a neural network (Dupuis & Jacot 2021).
// In: a TopoptProblem, a Network (input_dim 2, one output; see TopoptNetwork for the coordinate
// convention) and NeuralTopoptOptions. Out: one optimiser step per step(), the same TopoptIterate
// record as SimpSolver, the physical density, and the continuous field rendered on a refined grid.
// Density: y = sigmoid(x̂ − x̂₀ + logit(V) + b) with x̂ the network output at the element centre, x̂₀
// its output at initialisation (so y starts uniform at V) and b found by bisection so that Σy = V·N
// (passive elements excluded and set to 1/0). No filter. The compliance gradient reaches x̂ through
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

enum class TopoptOptimizer { Adam, Rprop };

struct NeuralTopoptOptions {
  double volfrac = 0.5;
  SimpMaterial material;
  TopoptOptimizer optimizer = TopoptOptimizer::Adam;
  double learningRate = 0.01;
  std::uint64_t seed = 0;          ///< network initialisation
  double tolerance = 0.01;         ///< stop when max |y_new − y| < tolerance …
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

  /// Same grid, new loads/supports/passive; keeps the network and optimiser state.
  void setProblem(const TopoptProblem& problem);
  const TopoptProblem& problem() const;
  const Network& network() const;

private:
  struct Impl;
  std::unique_ptr<Impl> d_;
};

} // namespace ntk
