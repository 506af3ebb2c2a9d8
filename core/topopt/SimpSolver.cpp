// SimpSolver.cpp — top88's loop: FE → filtered sensitivities → OC bisection → change.
#include "core/topopt/SimpSolver.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_reduce.h>

#include <chrono>
#include <cmath>
#include <optional>

#include "core/topopt/DensityFilter.h"
#include "core/util/Errors.h"
#include "core/util/NumberText.h"

namespace ntk {
namespace {

using Clock = std::chrono::steady_clock;
double secondsSince(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

void requireRange(double v, double lo, double hi, bool openLo, bool openHi, const std::string& what)
{
  const bool ok = std::isfinite(v) && (openLo ? v > lo : v >= lo) && (openHi ? v < hi : v <= hi);
  if (!ok)
    throw InputError(what + " = " + numberText(v) + ": must lie in " + (openLo ? "(" : "[") + numberText(lo) +
                     ", " + numberText(hi) + (openHi ? ")" : "]"));
}

} // namespace

void SimpOptions::validate() const
{
  requireRange(volfrac, 0.0, 1.0, true, true, "volfrac");
  requireRange(rmin, 1.0, 1e6, false, false, "rmin");
  requireRange(move, 0.0, 1.0, true, false, "move");
  requireRange(tolerance, 0.0, 1.0, true, false, "tolerance");
  requireRange(bisectionTolerance, 0.0, 0.1, true, false, "bisection tolerance");
  requireRange(material.penal, 1.0, 100.0, false, false, "penal");
  if (maxIterations < 1) throw InputError("max iterations must be at least 1");
  if (heaviside && filter != SimpFilter::Density)
    throw InputError("Heaviside projection works on the density filter, not the sensitivity filter");
  if (heaviside) requireRange(betaMax, 1.0, 1e6, false, false, "beta max");
  if (heaviside && betaEvery < 1) throw InputError("the β continuation period must be at least 1 iteration");
}

struct SimpSolver::Impl {
  TopoptProblem problem;
  SimpOptions opt;
  std::optional<ComplianceSolver> fe;
  std::optional<DensityFilter> filter;
  Eigen::VectorXd x, xTilde, xPhys;
  double beta = 1.0;
  int loopBeta = 0;
  bool isConverged = false;
  int capBase = 0; ///< iteration of the last setProblem: the cap counts from there
  std::vector<TopoptIterate> history;

  bool hasPassive() const
  {
    for (PassiveKind k : problem.passive)
      if (k != PassiveKind::None) return true;
    return false;
  }
  void applyPassive(Eigen::VectorXd& v) const
  {
    for (size_t e = 0; e < problem.passive.size(); ++e) {
      if (problem.passive[e] == PassiveKind::Solid) v(Eigen::Index(e)) = 1.0;
      if (problem.passive[e] == PassiveKind::Void) v(Eigen::Index(e)) = 0.0;
    }
  }
  /// xPhys (and xTilde) of a design.
  void physical(const Eigen::VectorXd& design);
  /// Σ xPhys(design) without touching the state: one dot product on the plain density-filter path.
  double physicalVolume(const Eigen::VectorXd& design);
  Eigen::VectorXd filteredSensitivity(const Eigen::VectorXd& dc) const;
  Eigen::VectorXd volumeSensitivity() const;
  Eigen::VectorXd optimalityCriteria(const Eigen::VectorXd& dc, const Eigen::VectorXd& dv);
  /// w·clamp(scaled·factor, lower, upper) without forming the candidate (density filter, no
  /// projection, no passive elements: the physical volume is linear in the design).
  double candidateVolume(const Eigen::ArrayXd& scaled, const Eigen::ArrayXd& lower, const Eigen::ArrayXd& upper,
                         double factor) const;
};

void SimpSolver::Impl::physical(const Eigen::VectorXd& design)
{
  if (opt.filter == SimpFilter::Sensitivity) {
    xPhys = design;
  } else {
    xTilde = filter->apply(design);
    xPhys = opt.heaviside ? Eigen::VectorXd(1.0 - (-beta * xTilde.array()).exp() + xTilde.array() * std::exp(-beta))
                          : xTilde;
  }
  applyPassive(xPhys);
}

double SimpSolver::Impl::physicalVolume(const Eigen::VectorXd& design)
{
  if (opt.filter == SimpFilter::Density && !opt.heaviside && !hasPassive())
    return filter->volumeWeights().dot(design);
  physical(design);
  return xPhys.sum();
}

Eigen::VectorXd SimpSolver::Impl::filteredSensitivity(const Eigen::VectorXd& dc) const
{
  if (opt.filter == SimpFilter::Sensitivity) return filter->sensitivity(x, dc);
  if (!opt.heaviside) return filter->applyAdjoint(dc);
  const Eigen::VectorXd dx = beta * (-beta * xTilde.array()).exp() + std::exp(-beta);
  return filter->applyAdjoint(dc.cwiseProduct(dx));
}

Eigen::VectorXd SimpSolver::Impl::volumeSensitivity() const
{
  const Eigen::VectorXd ones = Eigen::VectorXd::Ones(x.size());
  if (opt.filter == SimpFilter::Sensitivity) return ones;
  if (!opt.heaviside) return filter->volumeWeights(); // = applyAdjoint(ones), computed once
  const Eigen::VectorXd dx = beta * (-beta * xTilde.array()).exp() + std::exp(-beta);
  return filter->applyAdjoint(dx);
}

Eigen::VectorXd SimpSolver::Impl::optimalityCriteria(const Eigen::VectorXd& dc, const Eigen::VectorXd& dv)
{
  const double target = opt.volfrac * double(x.size());
  // x·√(−dc/(dv·λ)) = (x·√(−dc/dv))/√λ: the square root is taken once, not once per bisection step.
  const Eigen::ArrayXd scaled = x.array() * ((-dc.array()).max(0.0) / dv.array()).sqrt();
  const Eigen::ArrayXd lower = (x.array() - opt.move).max(0.0), upper = (x.array() + opt.move).min(1.0);
  const bool linearVolume = opt.filter == SimpFilter::Density && !opt.heaviside && !hasPassive();
  double l1 = 0.0, l2 = 1e9, lmid = 0.5 * (l1 + l2);
  Eigen::VectorXd xnew(x.size());
  while ((l2 - l1) / (l1 + l2) > opt.bisectionTolerance) {
    lmid = 0.5 * (l2 + l1);
    double volume;
    if (linearVolume) {
      volume = candidateVolume(scaled, lower, upper, 1.0 / std::sqrt(lmid));
    } else {
      xnew = (scaled / std::sqrt(lmid)).min(upper).max(lower);
      applyPassive(xnew);
      volume = physicalVolume(xnew);
    }
    if (volume > target)
      l1 = lmid;
    else
      l2 = lmid;
  }
  xnew = (scaled / std::sqrt(lmid)).min(upper).max(lower); // top88 keeps the last midpoint's design
  applyPassive(xnew);
  physical(xnew);
  return xnew;
}

double SimpSolver::Impl::candidateVolume(const Eigen::ArrayXd& scaled, const Eigen::ArrayXd& lower,
                                         const Eigen::ArrayXd& upper, double factor) const
{
  const double* w = filter->volumeWeights().data();
  // Deterministic: the same blocks summed in the same order every run, so a design is reproducible.
  return tbb::parallel_deterministic_reduce(
    tbb::blocked_range<Eigen::Index>(0, scaled.size(), 4096), 0.0,
    [&](const tbb::blocked_range<Eigen::Index>& r, double sum) {
      for (Eigen::Index e = r.begin(); e < r.end(); ++e)
        sum += w[e] * std::max(lower[e], std::min(upper[e], scaled[e] * factor));
      return sum;
    },
    std::plus<double>());
}

SimpSolver::SimpSolver(const TopoptProblem& problem, const SimpOptions& options) : d_(std::make_unique<Impl>())
{
  options.validate();
  problem.validate();
  requireReachableVolume(problem, options.volfrac);
  d_->problem = problem;
  d_->opt = options;
  d_->fe.emplace(problem, options.material, options.solver);
  d_->filter.emplace(problem.nelx, problem.nely, options.rmin);
  d_->x = Eigen::VectorXd::Constant(problem.elementCount(), options.volfrac);
  d_->applyPassive(d_->x);
  d_->beta = 1.0;
  d_->physical(d_->x);
}

SimpSolver::~SimpSolver() = default;
SimpSolver::SimpSolver(SimpSolver&&) noexcept = default;
SimpSolver& SimpSolver::operator=(SimpSolver&&) noexcept = default;

TopoptIterate SimpSolver::step(const JobControl& job)
{
  job.checkCancelled();
  Impl& d = *d_;
  TopoptIterate it;
  it.iteration = int(d.history.size()) + 1;
  it.beta = d.opt.heaviside ? d.beta : 0.0;
  Eigen::VectorXd dc;
  it.compliance = d.fe->solve(d.xPhys, &dc);
  it.fe = d.fe->timings();

  auto t0 = Clock::now();
  const Eigen::VectorXd dcFiltered = d.filteredSensitivity(dc);
  const Eigen::VectorXd dv = d.volumeSensitivity();
  it.filterSeconds = std::chrono::duration<double>(Clock::now() - t0).count();

  t0 = Clock::now();
  const Eigen::VectorXd xnew = d.optimalityCriteria(dcFiltered, dv);
  it.change = (xnew - d.x).cwiseAbs().maxCoeff();
  d.x = xnew;
  it.volume = d.xPhys.mean();
  it.updateSeconds = secondsSince(t0);

  bool done = it.change <= d.opt.tolerance;
  if (d.opt.heaviside && d.beta < d.opt.betaMax && (++d.loopBeta >= d.opt.betaEvery || done)) {
    d.beta = std::min(2.0 * d.beta, d.opt.betaMax);
    d.loopBeta = 0;
    d.physical(d.x); // the next iteration sees the sharper projection
    done = false;
  }
  d.isConverged = done;
  d.history.push_back(it);
  return it;
}

void SimpSolver::run(const JobControl& job, const std::function<void(const TopoptIterate&)>& onIterate)
{
  while (!finished()) {
    const TopoptIterate it = step(job);
    if (onIterate) onIterate(it);
    job.report(double(iteration() - d_->capBase) / double(d_->opt.maxIterations));
  }
}

bool SimpSolver::converged() const { return d_->isConverged; }
bool SimpSolver::finished() const { return d_->isConverged || iteration() - d_->capBase >= d_->opt.maxIterations; }
int SimpSolver::iteration() const { return int(d_->history.size()); }
const std::vector<TopoptIterate>& SimpSolver::history() const { return d_->history; }
const Eigen::VectorXd& SimpSolver::design() const { return d_->x; }
const Eigen::VectorXd& SimpSolver::physicalDensity() const { return d_->xPhys; }
const TopoptProblem& SimpSolver::problem() const { return d_->problem; }
const SimpOptions& SimpSolver::options() const { return d_->opt; }
FeSolver SimpSolver::feSolver() const { return d_->fe->solver(); }

void SimpSolver::setProblem(const TopoptProblem& problem)
{
  if (problem.nelx != d_->problem.nelx || problem.nely != d_->problem.nely)
    throw InputError("the new problem's grid " + std::to_string(problem.nelx) + " × " + std::to_string(problem.nely) +
                     " differs from the running design's " + std::to_string(d_->problem.nelx) + " × " +
                     std::to_string(d_->problem.nely));
  problem.validate(); // before anything changes
  requireReachableVolume(problem, d_->opt.volfrac);
  if (problem.fixedDofs() == d_->problem.fixedDofs()) {
    d_->fe->setLoads(problem); // same K pattern and factor ordering: only F changes
  } else {
    ComplianceSolver fe(problem, d_->opt.material, d_->opt.solver);
    d_->fe.emplace(std::move(fe));
  }
  d_->problem = problem;
  constexpr double kRegrowFloor = 1e-3;
  d_->x = d_->x.cwiseMax(kRegrowFloor);
  d_->applyPassive(d_->x);
  d_->physical(d_->x);
  d_->isConverged = false;
  d_->capBase = iteration();
}

} // namespace ntk
