// ComplianceSolver.h — the finite-element compliance of a density field (modified SIMP, top88).
// In: a TopoptProblem and the material (E0, Emin, ν, penalty p); per call the physical densities
// y (elementCount, element order of TopoptProblem, values in [0, 1]).
// Out: U solving K(y) U = F on the free DOFs, compliance c = Fᵀ U, and its gradient
// ∂c/∂y_e = −p y_e^{p−1} (E0 − Emin) u_eᵀ KE u_e.  E_e = Emin + y_e^p (E0 − Emin).
// Factor once, solve many: the constructor builds the element DOF index arrays and the solver's
// symbolic structure once — GridCholesky's nested-dissection fronts with each element entry's place in
// them, or (FeSolver::Cholmod) the reduced K's upper-triangular pattern with each element entry's slot
// and CHOLMOD's symbolic factorisation; solve() only scatters the new values and refactors
// numerically. Throws NumericalError when K is not positive definite (a mechanism: too few supports).
// Thread-safety: solve() mutates the factor; one solver per thread.
#pragma once
#include <memory>
#include <string>

#include <Eigen/Dense>

#include "core/topopt/TopoptProblem.h"

namespace ntk {

struct SimpMaterial {
  double E0 = 1.0, Emin = 1e-9, nu = 0.3, penal = 3.0;
};

/// Which sparse Cholesky factors K. Grid: GridCholesky, nested dissection of the grid with dense
/// multifrontal fronts on both cores (2.6× faster than CHOLMOD at 300 × 100, but its fronts hold
/// ~3× more memory than CHOLMOD's factor). Cholmod: CHOLMOD's supernodal LLᵀ through Eigen's
/// CholmodSupport with a NESDIS ordering (the reference; one core). Auto (the default): Grid when its
/// fronts fit in the memory available, else Cholmod; ComplianceSolver::solver() says which ran.
enum class FeSolver { Auto, Grid, Cholmod };
const char* feSolverName(FeSolver solver);
/// "auto", "grid" or "cholmod" → FeSolver; InputError otherwise.
FeSolver feSolverFromName(const std::string& name);

/// Wall-clock seconds spent in each part of the last solve(). With the grid solver the assembly of K
/// happens front by front inside the factorisation (assembly then counts only the moduli).
struct FeTimings {
  double assembly = 0.0, factorisation = 0.0, solve = 0.0, sensitivity = 0.0;
};

class ComplianceSolver {
public:
  /// Validates the problem (InputError) and the material (InputError for E0 ≤ Emin, Emin ≤ 0,
  /// ν outside (−1, 0.5), p < 1, NaN); MemoryLimitError when the factor would not fit.
  ComplianceSolver(const TopoptProblem& problem, const SimpMaterial& material = {}, FeSolver solver = FeSolver::Auto);
  ~ComplianceSolver();
  ComplianceSolver(ComplianceSolver&&) noexcept;
  ComplianceSolver& operator=(ComplianceSolver&&) noexcept;

  /// Compliance of the physical density y; its gradient into *dc (elementCount) when non-null.
  double solve(const Eigen::VectorXd& y, Eigen::VectorXd* dc = nullptr);
  /// New loads (and passive mask) on the same grid and supports: only F changes, the pattern, the
  /// ordering and the symbolic factor are kept (a load dragged in the GUI costs nothing). InputError
  /// if the problem is invalid or its grid or fixed DOFs differ (build a new solver then).
  void setLoads(const TopoptProblem& problem);
  /// Displacements of the last solve (dofCount; zero at fixed DOFs).
  const Eigen::VectorXd& displacement() const;
  /// Element strain energies u_eᵀ KE u_e of the last solve (elementCount), before the modulus.
  const Eigen::VectorXd& elementEnergy() const;

  const TopoptProblem& problem() const;
  /// The solver in use: Grid or Cholmod (never Auto).
  FeSolver solver() const;
  const SimpMaterial& material() const;
  const FeTimings& timings() const;
  /// (nodes·2) × 8 style index array: row e holds element e's 8 DOFs (edofMat, 0-based).
  const Eigen::Matrix<int, Eigen::Dynamic, 8, Eigen::RowMajor>& elementDofs() const;

private:
  struct Impl;
  std::unique_ptr<Impl> d_;
};

} // namespace ntk
