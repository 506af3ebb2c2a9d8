// NeuralTopopt.cpp — one step: compliance and ∂c/∂y of the current density (ComplianceSolver), ∂c/∂x̂
// through the volume-preserving sigmoid (VolumeSigmoid), ∂c/∂θ through the float32 layers (FloatMlp),
// an Adam or Rprop step, and the new density from a forward pass at the (encoded, cached) element centres.
// The workspace keeps the forward pass of the current parameters, so the next backward pass reuses it.
#include "core/topopt/NeuralTopopt.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>

#include "core/nets/FiniteNetwork.h"
#include "core/nets/FloatMlp.h"
#include "core/topopt/TopoptNetwork.h"
#include "core/topopt/VolumeSigmoid.h"
#include "core/util/Errors.h"
#include "core/util/NumberText.h"
#include "core/util/MemoryEstimate.h"

namespace ntk {
namespace {

using Clock = std::chrono::steady_clock;
constexpr Eigen::Index kRenderBlock = 8192; ///< refined elements per forward block in render()

double secondsSince(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

FloatOptimizerOptions floatOptimizer(const NeuralTopoptOptions& o)
{
  FloatOptimizerOptions f;
  f.kind = o.optimizer == TopoptOptimizer::Rprop ? FloatOptimizerKind::Rprop : FloatOptimizerKind::Adam;
  f.learningRate = o.learningRate;
  return f;
}

/// The network's output column as double.
Eigen::VectorXd outputColumn(const Eigen::MatrixXf& out) { return out.col(0).cast<double>(); }

/// Validates the network for the method (NetworkError) and returns it.
const Network& checkedNetwork(const Network& net)
{
  net.validate();
  if (net.inputDim != 2)
    throw NetworkError("the neural topology optimiser needs input_dim 2 (element coordinates); the network has "
                       "input_dim " + std::to_string(net.inputDim));
  if (net.outputDim() != 1)
    throw NetworkError("the neural topology optimiser needs one output (the pre-density); the network has " +
                       std::to_string(net.outputDim()));
  return net;
}

/// The neural volume counts the active elements only (Σ_active y = V·N_active): it needs one.
void requireActiveElement(const TopoptProblem& p)
{
  for (int e = 0; e < p.elementCount(); ++e)
    if (p.passiveAt(e) == PassiveKind::None) return;
  throw InputError("every element is passive: the neural method has nothing to optimise");
}

/// Bytes of the encoded inputs and one forward/backward pass of m rows.
double passBytes(const Network& net, double m)
{
  double widths = double(net.encodedDim());
  for (const Layer& l : net.layers)
    widths += std::holds_alternative<DenseLayer>(l) ? double(std::get<DenseLayer>(l).width) : 0.0;
  return 4.0 * m * (2.0 * widths + 2.0 * double(net.encodedDim()));
}

} // namespace

void NeuralTopoptOptions::validate() const
{
  if (!(volfrac > 0.0 && volfrac < 1.0)) throw InputError("volfrac must lie in (0, 1) (got " + numberText(volfrac) + ")");
  if (!(learningRate > 0.0) || !std::isfinite(learningRate))
    throw InputError("the learning rate must be a positive number (got " + numberText(learningRate) + ")");
  if (!(tolerance > 0.0) || !std::isfinite(tolerance))
    throw InputError("tolerance must be a positive number (got " + numberText(tolerance) + ")");
  if (minIterations < 0) throw InputError("minIterations must be >= 0 (got " + std::to_string(minIterations) + ")");
  if (maxIterations < 1) throw InputError("maxIterations must be >= 1 (got " + std::to_string(maxIterations) + ")");
}

struct NeuralTopoptSolver::Impl {
  TopoptProblem problem;
  NeuralTopoptOptions opt;
  FloatMlp mlp;       ///< trained
  FloatMlp initial;   ///< the parameters at initialisation (x̂₀ anywhere, for render)
  ComplianceSolver fe;
  Eigen::MatrixXf X;  ///< encoded element centres (elementCount by d0)
  FloatMlpWorkspace ws; ///< the forward pass of X at the current parameters
  Eigen::VectorXd xhat0, xhat, y;
  double b = 0.0, logitV = 0.0;
  std::vector<TopoptIterate> history;
  int iteration = 0;
  bool converged = false;
  int capBase = 0; ///< iteration of the last setProblem: the cap counts from there

  /// A small step is not yet convergence: Adam's steps shrink while the design is still grey and the
  /// compliance still falling. Settled: less than 1 % lower than kSettleWindow iterations ago.
  bool complianceSettled() const
  {
    constexpr size_t kSettleWindow = 10;
    if (history.size() <= kSettleWindow) return false;
    const double now = history.back().compliance, before = history[history.size() - 1 - kSettleWindow].compliance;
    return before - now < 0.01 * now;
  }
  std::vector<Eigen::MatrixXf> gW;
  std::vector<Eigen::VectorXf> gb;

  Impl(const TopoptProblem& p, const Network& net, const NeuralTopoptOptions& o)
      : problem(p), opt(o), mlp(checkedNetwork(net), o.seed, floatOptimizer(o)), initial(mlp),
        fe(p, o.material, o.solver)
  {
    logitV = std::log(o.volfrac / (1.0 - o.volfrac));
    X = mlp.encode(topoptInputs(p.nelx, p.nely));
    xhat0 = xhat = outputColumn(mlp.forward(FloatRows::of(X), ws));
    if (!xhat0.allFinite())
      throw NumericalError("the network's output is not finite at initialisation; reduce W_std or b_std");
    updateDensity();
  }

  /// y and b from the current x̂.
  void updateDensity()
  {
    VolumeSigmoid v = volumeSigmoid((xhat - xhat0).array() + logitV, problem.passive, opt.volfrac);
    y = std::move(v.y);
    b = v.b;
  }
};

NeuralTopoptSolver::NeuralTopoptSolver(const TopoptProblem& problem, const Network& net,
                                       const NeuralTopoptOptions& options)
{
  options.validate();
  problem.validate();
  requireActiveElement(problem);
  checkedNetwork(net);
  const double n = double(problem.elementCount());
  // The float parameters, their gradients and optimiser state, the initial copy, and the double draw.
  requireMemory(passBytes(net, n) + 4.5 * FiniteNetwork::parameterBytes(net),
                "the neural topology optimiser (" + net.summary() + ")");
  d_ = std::make_unique<Impl>(problem, net, options);
}

NeuralTopoptSolver::~NeuralTopoptSolver() = default;
NeuralTopoptSolver::NeuralTopoptSolver(NeuralTopoptSolver&&) noexcept = default;
NeuralTopoptSolver& NeuralTopoptSolver::operator=(NeuralTopoptSolver&&) noexcept = default;

TopoptIterate NeuralTopoptSolver::step(const JobControl& job)
{
  job.checkCancelled();
  Impl& d = *d_;
  TopoptIterate it;
  it.iteration = d.iteration + 1;
  Eigen::VectorXd dc;
  it.compliance = d.fe.solve(d.y, &dc);
  it.fe = d.fe.timings();
  if (!std::isfinite(it.compliance) || !dc.allFinite())
    throw NumericalError("the compliance is not finite at iteration " + std::to_string(it.iteration));

  const auto t0 = Clock::now();
  const Eigen::VectorXd dz = volumeSigmoidGradient(d.y, dc, d.problem.passive);
  d.mlp.backward(FloatRows::of(d.X), d.ws, dz.cast<float>(), d.gW, d.gb);
  d.mlp.step(d.gW, d.gb);
  d.xhat = outputColumn(d.mlp.forward(FloatRows::of(d.X), d.ws));
  if (!d.xhat.allFinite())
    throw NumericalError("the network's output is not finite at iteration " + std::to_string(it.iteration) +
                         "; lower the learning rate");
  const Eigen::VectorXd previous = d.y;
  d.updateDensity();
  it.updateSeconds = secondsSince(t0);

  it.change = (d.y - previous).cwiseAbs().maxCoeff();
  it.volume = d.y.mean();
  d.iteration = it.iteration;
  d.history.push_back(it);
  d.converged = d.iteration >= d.opt.minIterations && it.change < d.opt.tolerance && d.complianceSettled();
  return it;
}

void NeuralTopoptSolver::run(const JobControl& job, const std::function<void(const TopoptIterate&)>& onIterate)
{
  while (!finished()) {
    const TopoptIterate it = step(job);
    if (onIterate) onIterate(it);
  }
}

bool NeuralTopoptSolver::converged() const { return d_->converged; }
bool NeuralTopoptSolver::finished() const
{
  return d_->converged || d_->iteration - d_->capBase >= d_->opt.maxIterations;
}
int NeuralTopoptSolver::iteration() const { return d_->iteration; }
const std::vector<TopoptIterate>& NeuralTopoptSolver::history() const { return d_->history; }
const Eigen::VectorXd& NeuralTopoptSolver::physicalDensity() const { return d_->y; }

Eigen::MatrixXd NeuralTopoptSolver::render(int refine) const
{
  const Impl& d = *d_;
  const int nelx = d.problem.nelx, nely = d.problem.nely;
  const Eigen::MatrixXd V = topoptInputs(nelx, nely, refine); // InputError for a bad refine
  const Eigen::Index ny = Eigen::Index(nely) * refine, n = V.rows();
  // Each refined element takes its parent's passive kind.
  std::vector<PassiveKind> passive;
  if (!d.problem.passive.empty()) {
    passive.resize(size_t(n));
    for (Eigen::Index e = 0; e < n; ++e) {
      const Eigen::Index ex = e / ny, ey = e % ny;
      passive[size_t(e)] = d.problem.passiveAt(d.problem.elementIndex(int(ex / refine), int(ey / refine)));
    }
  }
  Eigen::VectorXd z(n);
  FloatMlpWorkspace w;
  for (Eigen::Index r0 = 0; r0 < n; r0 += kRenderBlock) {
    const Eigen::Index m = std::min(kRenderBlock, n - r0);
    const Eigen::MatrixXf Xb = d.mlp.encode(V.middleRows(r0, m));
    const Eigen::VectorXd now = outputColumn(d.mlp.forward(FloatRows::of(Xb), w));
    const Eigen::VectorXd start = outputColumn(d.initial.forward(FloatRows::of(Xb), w));
    z.segment(r0, m) = (now - start).array() + d.logitV;
  }
  const Eigen::VectorXd yr = shiftedSigmoid(z, passive, d.b);
  return Eigen::Map<const Eigen::MatrixXd>(yr.data(), ny, Eigen::Index(nelx) * refine);
}

void NeuralTopoptSolver::setProblem(const TopoptProblem& problem)
{
  Impl& d = *d_;
  problem.validate();
  requireActiveElement(problem);
  if (problem.nelx != d.problem.nelx || problem.nely != d.problem.nely)
    throw InputError("setProblem keeps the grid: " + std::to_string(d.problem.nelx) + " x " +
                     std::to_string(d.problem.nely) + " expected, got " + std::to_string(problem.nelx) + " x " +
                     std::to_string(problem.nely));
  if (problem.fixedDofs() == d.problem.fixedDofs()) {
    d.fe.setLoads(problem); // same K pattern and ordering: only F changes
  } else {
    ComplianceSolver fe(problem, d.opt.material, d.opt.solver);
    d.fe = std::move(fe);
  }
  d.problem = problem;
  d.updateDensity(); // the passive set may have changed
  d.converged = false;
  d.capBase = d.iteration;
}

const TopoptProblem& NeuralTopoptSolver::problem() const { return d_->problem; }
const Network& NeuralTopoptSolver::network() const { return d_->mlp.network(); }
const NeuralTopoptOptions& NeuralTopoptSolver::options() const { return d_->opt; }
FeSolver NeuralTopoptSolver::feSolver() const { return d_->fe.solver(); }
const FloatMlp& NeuralTopoptSolver::mlp() const { return d_->mlp; }
double NeuralTopoptSolver::shift() const { return d_->b; }
const Eigen::VectorXd& NeuralTopoptSolver::preDensity() const { return d_->xhat; }
const Eigen::VectorXd& NeuralTopoptSolver::initialPreDensity() const { return d_->xhat0; }

} // namespace ntk
