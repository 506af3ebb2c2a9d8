// ComplianceSolver.cpp — top88's FE step: GridCholesky (default) or CHOLMOD's supernodal LLᵀ.
// Data layout (top88): edofMat (element × 8 DOFs). GridCholesky assembles its fronts from the moduli
// itself. For CHOLMOD, `slot` holds each element entry (i, j) with both DOFs free and row ≤ column at
// its position in the reduced upper-triangular K's value array, so an assembly is one pass of
// value[slot] += E_e·KE(i, j) — no triplets, no sort, no allocation.
#include "core/topopt/ComplianceSolver.h"

#include <chrono>
#include <cmath>
#include <optional>

#include <omp.h>

#include <Eigen/CholmodSupport>
#include <Eigen/SparseCore>
#include <tbb/parallel_for.h>

#include "core/topopt/ElementStiffness.h"
#include "core/topopt/GridCholesky.h"
#include "core/util/Errors.h"
#include "core/util/NumberText.h"
#include "core/util/MemoryEstimate.h"

extern "C" {
// OpenBLAS's run-time thread count (cblas.h of the openblas-pthread build).
void openblas_set_num_threads(int threads);
int openblas_get_num_threads(void);
}

namespace ntk {
namespace {

using SpMat = Eigen::SparseMatrix<double, Eigen::ColMajor, int>;
using EdofMatrix = Eigen::Matrix<int, Eigen::Dynamic, 8, Eigen::RowMajor>;
using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

/// Eigen's supernodal CHOLMOD factor, with access to the factor for its condition estimate.
class CholmodFactor : public Eigen::CholmodSupernodalLLT<SpMat, Eigen::Upper> {
public:
  /// CHOLMOD's cheap reciprocal condition estimate, (min diag L / max diag L)².
  double rcond() { return m_cholmodFactor ? cholmod_rcond(m_cholmodFactor, &cholmod()) : 0.0; }
  /// Predicted nonzeros of L after analyzePattern.
  double factorNonzeros() { return cholmod().lnz; }
};

void validateMaterial(const SimpMaterial& m)
{
  if (!std::isfinite(m.E0) || !std::isfinite(m.Emin) || !(m.Emin > 0.0) || !(m.E0 > m.Emin))
    throw InputError("material: need 0 < Emin < E0 (got Emin = " + numberText(m.Emin) +
                     ", E0 = " + numberText(m.E0) + ")");
  if (!(m.nu > -1.0 && m.nu < 0.5)) throw InputError("material: Poisson's ratio must lie in (−1, 0.5)");
  if (!(m.penal >= 1.0) || !std::isfinite(m.penal))
    throw InputError("penal = " + numberText(m.penal) + ": the SIMP penalty must be a number ≥ 1");
}

} // namespace

const char* feSolverName(FeSolver solver)
{
  switch (solver) {
  case FeSolver::Auto: return "auto";
  case FeSolver::Grid: return "grid";
  case FeSolver::Cholmod: return "cholmod";
  }
  return "?";
}

FeSolver feSolverFromName(const std::string& name)
{
  if (name == "auto") return FeSolver::Auto;
  if (name == "grid") return FeSolver::Grid;
  if (name == "cholmod") return FeSolver::Cholmod;
  throw InputError("unknown FE solver '" + name.substr(0, 40) + "' (expected auto, grid or cholmod)");
}

struct ComplianceSolver::Impl {
  TopoptProblem problem;
  SimpMaterial material;
  ElementMatrix KE;
  EdofMatrix edof;
  Eigen::VectorXi freeIndex;      ///< global DOF → reduced index, −1 when fixed
  Eigen::VectorXi freeDofs;       ///< reduced index → global DOF
  Eigen::Matrix<int, Eigen::Dynamic, 64, Eigen::RowMajor> slot; ///< element entry → value index or −1
  SpMat K;                        ///< reduced, upper triangle
  Eigen::VectorXd Ffree, U, energy;
  FeSolver solver = FeSolver::Grid;
  std::optional<GridCholesky> grid;
  CholmodFactor factor;
  FeTimings timings;

  void buildCholmod();
  /// The grid solver's fronts, or false (Auto) / MemoryLimitError (Grid) when they do not fit.
  bool buildGrid(bool fallBack);
  Eigen::VectorXd solveFree(const Eigen::VectorXd& modulus);

  void buildPattern();
  void setLoadVector(const TopoptProblem& p)
  {
    const Eigen::VectorXd F = p.loadVector();
    Ffree.resize(freeDofs.size());
    for (Eigen::Index k = 0; k < freeDofs.size(); ++k) Ffree(k) = F(freeDofs(k));
  }
  void assemble(const Eigen::VectorXd& modulus);
  void factorise();
};

void ComplianceSolver::Impl::buildPattern()
{
  const int nel = problem.elementCount();
  std::vector<Eigen::Triplet<double, int>> entries;
  entries.reserve(size_t(nel) * 36);
  for (int e = 0; e < nel; ++e)
    for (int i = 0; i < 8; ++i)
      for (int j = 0; j < 8; ++j) {
        const int r = freeIndex(edof(e, i)), c = freeIndex(edof(e, j));
        if (r >= 0 && c >= 0 && r <= c) entries.emplace_back(r, c, 0.0);
      }
  K.resize(freeDofs.size(), freeDofs.size());
  K.setFromTriplets(entries.begin(), entries.end());
  K.makeCompressed();
  slot.resize(nel, 64);
  tbb::parallel_for(0, nel, [&](int e) {
    for (int i = 0; i < 8; ++i)
      for (int j = 0; j < 8; ++j) {
        const int r = freeIndex(edof(e, i)), c = freeIndex(edof(e, j));
        int s = -1;
        if (r >= 0 && c >= 0 && r <= c) {
          const int* begin = K.innerIndexPtr() + K.outerIndexPtr()[c];
          const int* end = K.innerIndexPtr() + K.outerIndexPtr()[c + 1];
          s = int(std::lower_bound(begin, end, r) - K.innerIndexPtr());
        }
        slot(e, 8 * i + j) = s;
      }
  });
}

void ComplianceSolver::Impl::assemble(const Eigen::VectorXd& modulus)
{
  double* value = K.valuePtr();
  std::fill(value, value + K.nonZeros(), 0.0);
  const double* ke = KE.data(); // column-major: ke[8j + i] = KE(i, j) = KE(j, i)
  for (Eigen::Index e = 0; e < slot.rows(); ++e) {
    const double E = modulus(e);
    const int* s = slot.row(e).data();
    for (int k = 0; k < 64; ++k)
      if (s[k] >= 0) value[s[k]] += E * ke[k];
  }
}

void ComplianceSolver::Impl::factorise()
{
  // Debian's CHOLMOD opens OpenMP teams of 4 threads for small loops inside the factorisation, and
  // OpenBLAS's pthreads spin between the many small supernode products; on 2 cores (or beside the
  // GUI's other work) both waste more than they gain. Dynamic OpenMP teams (an ICV of the calling
  // thread) and single-threaded BLAS for the factorisation: MBB 60 × 20 to convergence 0.40 → 0.31 s,
  // 300 × 100 0.13 → 0.11 s per iteration (medians, loaded 2-core machine). The BLAS setting is
  // process-wide, so it is restored at once.
  omp_set_dynamic(1);
  const int blasThreads = openblas_get_num_threads();
  openblas_set_num_threads(1);
  factor.factorize(K);
  openblas_set_num_threads(blasThreads);
  if (factor.info() != Eigen::Success)
    throw NumericalError("the stiffness matrix is not positive definite: the supports leave a mechanism free");
}

void ComplianceSolver::Impl::buildCholmod()
{
  buildPattern();
  // Nested dissection (CHOLMOD's NESDIS, on METIS): ~4× fewer flops than the default AMD at
  // 300 × 100, and 5–10 % faster than plain METIS at every size measured (PLATFORM.md).
  factor.cholmod().nmethods = 1;
  factor.cholmod().method[0].ordering = CHOLMOD_NESDIS;
  // Larger relaxed supernodes (CHOLMOD's defaults are 4, 16, 48 columns): more of the work in dense
  // BLAS-3 blocks; 0.17 → 0.11 s of CPU per factorisation at 300 × 100 on this machine.
  factor.cholmod().nrelax[0] = 16;
  factor.cholmod().nrelax[1] = 64;
  factor.cholmod().nrelax[2] = 256;
  factor.analyzePattern(K);
  requireMemory(factor.factorNonzeros() * 12.0, "the sparse Cholesky factor of K");
}

bool ComplianceSolver::Impl::buildGrid(bool fallBack)
{
  std::vector<bool> fixed(size_t(problem.dofCount()), false);
  for (int dof : problem.fixedDofs()) fixed[size_t(dof)] = true;
  // The fronts are sized before anything big is allocated; their storage comes with the first
  // factorisation.
  const double allowed = 0.8 * double(availableMemoryBytes());
  try {
    grid.emplace(problem.nelx, problem.nely, edof, fixed, allowed);
  } catch (const MemoryLimitError& e) {
    if (fallBack) return false;
    throw MemoryLimitError(std::string(e.what()) + " (--solver cholmod needs less)");
  }
  return true;
}

Eigen::VectorXd ComplianceSolver::Impl::solveFree(const Eigen::VectorXd& modulus)
{
  auto t0 = Clock::now();
  Eigen::VectorXd Ufull;
  if (solver == FeSolver::Grid) {
    // Assembly and the forward substitution happen front by front inside the factorisation.
    timings.assembly = 0.0;
    Eigen::VectorXd Ffull = Eigen::VectorXd::Zero(problem.dofCount());
    for (Eigen::Index k = 0; k < freeDofs.size(); ++k) Ffull(freeDofs(k)) = Ffree(k);
    grid->factorizeWithLoad(modulus, KE, Ffull);
    timings.factorisation = secondsSince(t0);
    t0 = Clock::now();
    Ufull = grid->backSubstitute();
  } else {
    assemble(modulus);
    timings.assembly = secondsSince(t0);
    t0 = Clock::now();
    factorise();
    timings.factorisation = secondsSince(t0);
    t0 = Clock::now();
    const Eigen::VectorXd Ufree = factor.solve(Ffree);
    Ufull = Eigen::VectorXd::Zero(problem.dofCount());
    for (Eigen::Index k = 0; k < freeDofs.size(); ++k) Ufull(freeDofs(k)) = Ufree(k);
  }
  timings.solve = secondsSince(t0);
  return Ufull;
}

ComplianceSolver::ComplianceSolver(const TopoptProblem& problem, const SimpMaterial& material, FeSolver solver)
  : d_(std::make_unique<Impl>())
{
  problem.validate();
  validateMaterial(material);
  d_->problem = problem;
  d_->material = material;
  d_->KE = planeStressQ4Stiffness(material.nu);
  d_->edof = GridCholesky::elementDofs(problem.nelx, problem.nely);
  const int ndof = problem.dofCount();
  requireMemory(double(problem.elementCount()) * (64 * 4 + 8 * 4 + 36 * 16), "the topology-optimisation model");
  d_->freeIndex = Eigen::VectorXi::Constant(ndof, 0);
  for (int dof : problem.fixedDofs()) d_->freeIndex(dof) = -1;
  d_->freeDofs.resize(ndof - int(problem.fixedDofs().size()));
  for (int dof = 0, k = 0; dof < ndof; ++dof)
    if (d_->freeIndex(dof) >= 0) { d_->freeIndex(dof) = k; d_->freeDofs(k++) = dof; }
  if (solver == FeSolver::Cholmod || !d_->buildGrid(solver == FeSolver::Auto)) {
    d_->solver = FeSolver::Cholmod;
    d_->buildCholmod();
  } else {
    d_->solver = FeSolver::Grid;
  }
  d_->setLoadVector(problem);
  // A mechanism shows on the solid structure, whatever the density later: check it once.
  d_->solveFree(Eigen::VectorXd::Constant(problem.elementCount(), material.E0));
  const double rcond = d_->solver == FeSolver::Grid ? d_->grid->rcond() : d_->factor.rcond();
  if (rcond < 1e-13)
    throw NumericalError("the stiffness matrix is singular (condition estimate " + numberText(rcond) +
                         "): the supports leave a rigid motion free");
  d_->U = Eigen::VectorXd::Zero(ndof);
  d_->energy = Eigen::VectorXd::Zero(problem.elementCount());
}

ComplianceSolver::~ComplianceSolver() = default;
ComplianceSolver::ComplianceSolver(ComplianceSolver&&) noexcept = default;
ComplianceSolver& ComplianceSolver::operator=(ComplianceSolver&&) noexcept = default;

double ComplianceSolver::solve(const Eigen::VectorXd& y, Eigen::VectorXd* dc)
{
  Impl& d = *d_;
  const SimpMaterial& m = d.material;
  if (y.size() != d.problem.elementCount())
    throw InputError("density field has " + std::to_string(y.size()) + " entries for " +
                     std::to_string(d.problem.elementCount()) + " elements");
  const Eigen::VectorXd modulus = m.Emin + y.array().pow(m.penal) * (m.E0 - m.Emin);
  d.U = d.solveFree(modulus);

  auto t0 = Clock::now();
  const int nel = d.problem.elementCount();
  tbb::parallel_for(0, nel, [&](int e) {
    Eigen::Matrix<double, 8, 1> ue;
    for (int i = 0; i < 8; ++i) ue(i) = d.U(d.edof(e, i));
    d.energy(e) = ue.dot(d.KE * ue);
  });
  const double c = (modulus.array() * d.energy.array()).sum();
  if (!std::isfinite(c))
    throw NumericalError("the compliance is not finite: a load is too large for double precision or K is singular");
  if (dc)
    *dc = -m.penal * (m.E0 - m.Emin) * y.array().pow(m.penal - 1.0) * d.energy.array();
  d.timings.sensitivity = secondsSince(t0);
  return c;
}

void ComplianceSolver::setLoads(const TopoptProblem& problem)
{
  problem.validate();
  if (problem.nelx != d_->problem.nelx || problem.nely != d_->problem.nely || problem.fixedDofs() != d_->problem.fixedDofs())
    throw InputError("setLoads: the grid or the supports changed; a new solver is needed");
  d_->setLoadVector(problem);
  d_->problem = problem;
}

const Eigen::VectorXd& ComplianceSolver::displacement() const { return d_->U; }
const Eigen::VectorXd& ComplianceSolver::elementEnergy() const { return d_->energy; }
const TopoptProblem& ComplianceSolver::problem() const { return d_->problem; }
FeSolver ComplianceSolver::solver() const { return d_->solver; }
const SimpMaterial& ComplianceSolver::material() const { return d_->material; }
const FeTimings& ComplianceSolver::timings() const { return d_->timings; }
const Eigen::Matrix<int, Eigen::Dynamic, 8, Eigen::RowMajor>& ComplianceSolver::elementDofs() const { return d_->edof; }

} // namespace ntk
