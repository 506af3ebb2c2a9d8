// SimpSolver.h — classic SIMP compliance minimisation, top88 step for step (Andreassen et al. 2011).
// In: a TopoptProblem and SimpOptions (volume fraction, material/penalty, filter and radius,
// optional Heaviside projection with β continuation, OC move, stop tolerance, iteration cap).
// Out: one optimality-criteria iteration per step(): the compliance of the physical density the
// iteration started from, the volume and the largest design change after it (top88's printout), and
// where the time went. The design x and the physical density y (filtered/projected, passive set) stay
// available between steps, so a GUI can draw every frame and change loads mid-run (setProblem keeps
// the current design and refactors symbolically once).
// top88 semantics: x starts at volfrac; the OC bisection runs on the volume multiplier over
// [0, 1e9] until (l2 − l1)/(l1 + l2) ≤ 1e-3, with the volume of the *physical* density (density filter:
// Σ H x/Hs = w·x, so no filter runs inside the bisection); stop when max |x_new − x| < tolerance
// (with Heaviside only at β = βmax). Passive solid/void elements are 1/0 in x and y.
// Thread-safety: one solver per thread; const accessors may be read between steps.
#pragma once
#include <functional>
#include <memory>
#include <vector>

#include <Eigen/Dense>

#include "core/topopt/ComplianceSolver.h"
#include "core/topopt/TopoptProblem.h"
#include "core/util/JobControl.h"

namespace ntk {

enum class SimpFilter { Sensitivity, Density };

struct SimpOptions {
  double volfrac = 0.5;
  SimpMaterial material;           ///< penal lives here (default 3)
  FeSolver solver = FeSolver::Auto; ///< the sparse Cholesky of K (CHOLMOD is the reference)
  SimpFilter filter = SimpFilter::Density;
  double rmin = 1.5;
  bool heaviside = false;          ///< top88's ft = 3: y = 1 − e^{−β x̃} + x̃ e^{−β}; density filter only
  double betaMax = 512.0;          ///< β doubles from 1 every betaEvery iterations or on convergence
  int betaEvery = 50;
  double move = 0.2;
  /// OC bisection stops at (l2 − l1)/(l1 + l2) ≤ this. top88 uses 1e-3, which leaves the volume off
  /// by ~1e-4; 1e-9 holds it to ~1e-9 and gives top88's iteration counts and compliances.
  double bisectionTolerance = 1e-9;
  double tolerance = 0.01;
  int maxIterations = 1000;

  /// InputError naming the option: volfrac outside (0, 1), rmin < 1, move outside (0, 1],
  /// tolerance ≤ 0, maxIterations < 1, Heaviside with the sensitivity filter, NaN anywhere.
  void validate() const;
};

/// One iteration's record (shared by the classic and the neural solvers).
struct TopoptIterate {
  int iteration = 0;       ///< 1-based
  double compliance = 0.0; ///< c of the physical density the iteration started from
  double volume = 0.0;     ///< mean physical density after the update
  double change = 0.0;     ///< max |x_new − x| (neural: max |y_new − y|)
  double beta = 0.0;       ///< Heaviside β in use (0 without projection)
  FeTimings fe;            ///< assembly, factorisation, solve, sensitivity
  double filterSeconds = 0.0, updateSeconds = 0.0;
};

class SimpSolver {
public:
  /// Validates both (InputError) and builds the FE model (ComplianceSolver).
  SimpSolver(const TopoptProblem& problem, const SimpOptions& options);
  ~SimpSolver();
  SimpSolver(SimpSolver&&) noexcept;
  SimpSolver& operator=(SimpSolver&&) noexcept;

  /// One OC iteration. Throws NumericalError (singular K), CancelledError.
  TopoptIterate step(const JobControl& job = {});
  /// Steps until converged() or maxIterations; onIterate after each (may be empty).
  void run(const JobControl& job = {}, const std::function<void(const TopoptIterate&)>& onIterate = {});

  bool converged() const;
  /// converged() or maxIterations iterations since the start or the last setProblem.
  bool finished() const;
  int iteration() const;
  const std::vector<TopoptIterate>& history() const;

  /// Design variables x and physical density y (elementCount, element order).
  const Eigen::VectorXd& design() const;
  const Eigen::VectorXd& physicalDensity() const;

  /// New loads/supports/passive on the same grid: keeps x (passive entries reset), clears converged,
  /// keeps the history, restarts the iteration cap. Design values below 1e-3 are lifted to 1e-3: the
  /// OC update is multiplicative, so an element at exactly 0 could never grow towards a new load. InputError if the grid size differs or the problem is invalid.
  void setProblem(const TopoptProblem& problem);
  const TopoptProblem& problem() const;
  const SimpOptions& options() const;
  /// The sparse Cholesky in use (options().solver resolved: Grid or Cholmod).
  FeSolver feSolver() const;

private:
  struct Impl;
  std::unique_ptr<Impl> d_;
};

} // namespace ntk
