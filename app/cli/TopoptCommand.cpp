// TopoptCommand.cpp — `ntk-cli topopt`: compliance minimisation on a structured grid (CONVENTIONS §5),
// by classic SIMP (ntk::SimpSolver, top88 step for step) or by a neural reparameterisation of the
// density (ntk::NeuralTopoptSolver, Dupuis & Jacot 2021).
// In: --problem mbb|cantilever|michell|bridge|FILE.json (§7), --nelx/--nely (presets; default 60 × 20),
// --volfrac (0.5), --penal (3), --max-iter, --tol (0.01); simp: --filter sensitivity|density (density),
// --rmin (1.5), --heaviside; nn: --embedding none|torus|fourier, --ell, --activation relu|sin, --omega,
// --width, --beta, --optimizer adam|rprop, --lr, --seed, --render 1|2|4, or --net NET.json instead of
// the network options. Defaults not listed come from SimpOptions / NeuralTopoptOptions /
// TopoptNetworkOptions.
// Out: --out DESIGN.csv (the physical density, nely rows × nelx columns, 17 significant digits; nn with
// --render r: the network's continuous field at r× the grid) and --report R.json (iterations,
// compliance, volume, seconds, converged, history, the problem and options, timings; nn: the network).
// Options that do not apply to the method are refused; every check runs before any work; a
// non-finite compliance or design stops the run (exit 2, nothing written). Progress on stderr.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/cli/CliCommands.h"
#include "app/cli/CliProgress.h"
#include "app/cli/TopoptArguments.h"
#include "app/cli/TopoptNetworkArguments.h"
#include "core/network/NetworkJson.h"
#include "core/topopt/NeuralTopopt.h"
#include "core/topopt/SimpSolver.h"
#include "core/topopt/TopoptNetwork.h"
#include "core/util/Errors.h"
#include "core/util/MatrixIO.h"

namespace ntkcli {

namespace {

using ojson = nlohmann::ordered_json;

/// The command line as typed: numbers stay text until they are checked (so "nan" and "1e999" are
/// refused with the option's name), and `given` says which options were on the command line.
struct TopoptCliOptions {
  std::string problem = "mbb", method = "simp", filter = "density", solver = "auto";
  int nelx = kDefaultTopoptNelx, nely = kDefaultTopoptNely, maxIter = 0;
  std::string volfrac = "0.5", penal = "3", rmin = "1.5", tol;
  bool heaviside = false;
  TopoptNetworkText network;
  std::string optimizer, lr, render = "1";
  std::string out, report;
};

struct GivenOptions {
  CLI::Option *nelx, *nely, *maxIter, *tol;
  std::vector<CLI::Option*> simpOnly, nnOnly;
  TopoptNetworkOptionsGiven network;
};

/// Per-iteration timings summed over the run, in seconds.
ojson timingsJson(const std::vector<ntk::TopoptIterate>& history, double setup)
{
  double assembly = 0, factorisation = 0, solve = 0, sensitivity = 0, filter = 0, update = 0;
  for (const ntk::TopoptIterate& it : history) {
    assembly += it.fe.assembly;
    factorisation += it.fe.factorisation;
    solve += it.fe.solve;
    sensitivity += it.fe.sensitivity;
    filter += it.filterSeconds;
    update += it.updateSeconds;
  }
  return ojson{{"setup", setup},       {"assembly", assembly}, {"factorisation", factorisation}, {"solve", solve},
               {"sensitivity", sensitivity}, {"filter", filter},     {"update", update}};
}

/// Refuses a non-finite compliance or design: never a NaN in DESIGN.csv.
void requireFinite(const ntk::TopoptIterate& it, const Eigen::VectorXd& density)
{
  if (!std::isfinite(it.compliance) || !std::isfinite(it.volume) || !density.allFinite())
    throw ntk::NumericalError("iteration " + std::to_string(it.iteration) +
                              ": the compliance or the density is not finite (nothing written)");
}

/// "iteration 12/1000, c = 312.4, volume 0.500, change 0.183".
std::string iterationDetail(const ntk::TopoptIterate& it, int maxIter)
{
  char buf[160];
  std::snprintf(buf, sizeof buf, "iteration %d/%d, c = %.6g, volume %.4f, change %.4f", it.iteration, maxIter, it.compliance,
                it.volume, it.change);
  return buf;
}

/// Everything the run produced that goes into the files.
struct TopoptResult {
  std::vector<ntk::TopoptIterate> history;
  bool converged = false;
  int iterations = 0;
  double setupSeconds = 0.0, seconds = 0.0;
  Eigen::MatrixXd design; ///< what DESIGN.csv holds
};

/// Steps `solver` (SimpSolver or NeuralTopoptSolver) until it is finished, with progress.
template <class Solver>
void runToEnd(Solver& solver, int maxIter, Progress& progress, TopoptResult& result)
{
  while (!solver.finished()) {
    const ntk::TopoptIterate it = solver.step();
    requireFinite(it, solver.physicalDensity());
    progress.update(double(it.iteration) / maxIter, iterationDetail(it, maxIter));
  }
  result.history = solver.history();
  result.converged = solver.converged();
  result.iterations = solver.iteration();
}

double secondsSince(std::chrono::steady_clock::time_point t0)
{
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// The physical density as DESIGN.csv's matrix: element e = ex·nely + ey is column-major nely × nelx.
Eigen::MatrixXd densityMatrix(const Eigen::VectorXd& y, int nelx, int nely)
{
  return Eigen::Map<const Eigen::MatrixXd>(y.data(), nely, nelx);
}

void refuseInapplicable(const TopoptCliOptions& o, const GivenOptions& g)
{
  const bool nn = o.method == "nn";
  for (const CLI::Option* opt : nn ? g.simpOnly : g.nnOnly)
    if (opt->count() > 0) throw ntk::InputError(opt->get_name() + " applies to --method " + (nn ? "simp" : "nn") + " only");
  if (nn)
    refuseInapplicableNetworkOptions(o.network, g.network);
  else if (o.heaviside && o.filter != "density")
    throw ntk::InputError("--heaviside applies to --filter density only");
}

/// Classic SIMP: the simp options over SimpOptions' defaults, checked, then the run.
TopoptResult runSimp(const TopoptCliOptions& o, const GivenOptions& g, const ntk::TopoptProblem& problem, double volfrac,
                     double penal, ojson& report, Progress& progress)
{
  ntk::SimpOptions options;
  options.volfrac = volfrac;
  options.material.penal = penal;
  options.filter = simpFilterFromName(o.filter);
  options.rmin = numberAtLeast(o.rmin, "--rmin", 1.0);
  options.heaviside = o.heaviside;
  options.solver = ntk::feSolverFromName(o.solver);
  if (g.maxIter->count()) options.maxIterations = o.maxIter;
  if (g.tol->count()) options.tolerance = numberInOpenRange(o.tol, "--tol", 0.0, INFINITY);
  options.validate();
  report["filter"] = simpFilterName(options.filter);
  report["rmin"] = options.rmin;
  report["heaviside"] = options.heaviside;
  report["max_iter"] = options.maxIterations;
  report["tol"] = options.tolerance;

  TopoptResult result;
  progress.setDetail("SIMP on " + std::to_string(problem.nelx) + " x " + std::to_string(problem.nely) + ": factorising");
  const auto t0 = std::chrono::steady_clock::now();
  ntk::SimpSolver solver(problem, options);
  result.setupSeconds = secondsSince(t0);
  report["solver"] = ntk::feSolverName(solver.feSolver());
  runToEnd(solver, options.maxIterations, progress, result);
  result.design = densityMatrix(solver.physicalDensity(), problem.nelx, problem.nely);
  return result;
}

/// The neural method: the network (built or --net) and NeuralTopoptOptions, checked, then the run.
TopoptResult runNeural(const TopoptCliOptions& o, const GivenOptions& g, const ntk::TopoptProblem& problem, double volfrac,
                       double penal, ojson& report, Progress& progress)
{
  ntk::NeuralTopoptOptions options;
  options.volfrac = volfrac;
  options.material.penal = penal;
  if (!o.optimizer.empty()) options.optimizer = o.optimizer == "rprop" ? ntk::TopoptOptimizer::Rprop : ntk::TopoptOptimizer::Adam;
  if (!o.lr.empty()) options.learningRate = numberInOpenRange(o.lr, "--lr", 0.0, INFINITY);
  options.seed = o.network.seed;
  options.solver = ntk::feSolverFromName(o.solver);
  if (g.maxIter->count()) options.maxIterations = o.maxIter;
  if (g.tol->count()) options.tolerance = numberInOpenRange(o.tol, "--tol", 0.0, INFINITY);
  options.minIterations = std::min(options.minIterations, options.maxIterations);
  options.validate();
  const int render = std::stoi(o.render);
  const TopoptNetworkArgument network = topoptNetworkArgument(o.network, g.network, problem.nelx, problem.nely);
  const ntk::Network& net = network.net;
  ojson nnJson = network.description;
  nnJson["optimizer"] = options.optimizer == ntk::TopoptOptimizer::Rprop ? "rprop" : "adam";
  nnJson["lr"] = options.learningRate;
  nnJson["seed"] = options.seed;
  nnJson["min_iter"] = options.minIterations;
  nnJson["render"] = render;
  report["filter"] = "none";
  report["rmin"] = nullptr;
  report["max_iter"] = options.maxIterations;
  report["tol"] = options.tolerance;
  report["network"] = net.summary();
  report["nn"] = nnJson;

  TopoptResult result;
  progress.setDetail("neural SIMP on " + std::to_string(problem.nelx) + " x " + std::to_string(problem.nely) + ": initialising");
  const auto t0 = std::chrono::steady_clock::now();
  ntk::NeuralTopoptSolver solver(problem, net, options);
  result.setupSeconds = secondsSince(t0);
  report["solver"] = ntk::feSolverName(solver.feSolver());
  runToEnd(solver, options.maxIterations, progress, result);
  result.design = render == 1 ? densityMatrix(solver.physicalDensity(), problem.nelx, problem.nely) : solver.render(render);
  if (!result.design.allFinite()) throw ntk::NumericalError("the rendered design is not finite (nothing written)");
  return result;
}

/// The report: the results first (the contract's keys), then the problem and options, then timings.
std::string reportText(const TopoptResult& result, const ojson& settings)
{
  const ntk::TopoptIterate& last = result.history.back();
  ojson j{{"iterations", result.iterations},
          {"compliance", last.compliance},
          {"volume", last.volume},
          {"change", last.change},
          {"seconds", result.seconds},
          {"converged", result.converged}};
  ojson history = ojson::array();
  for (const ntk::TopoptIterate& it : result.history) history.push_back(it.compliance);
  j["history"] = history;
  j.update(settings);
  j["timings"] = timingsJson(result.history, result.setupSeconds);
  return j.dump(2) + "\n";
}

int runTopopt(const TopoptCliOptions& o, const GivenOptions& g)
{
  // Every check before any work or any file.
  refuseInapplicable(o, g);
  if (o.out.empty()) throw ntk::InputError("--out must name a file");
  if (o.report.empty()) throw ntk::InputError("--report must name a file");
  const ntk::TopoptProblem problem = topoptProblemArgument(o.problem, g.nelx->count() ? std::optional<int>(o.nelx) : std::nullopt,
                                                           g.nely->count() ? std::optional<int>(o.nely) : std::nullopt);
  const double volfrac = numberInOpenRange(o.volfrac, "--volfrac", 0.0, 1.0);
  const double penal = numberAtLeast(o.penal, "--penal", 1.0);

  ojson settings{{"problem", problem.name}};
  if (!isTopoptPreset(o.problem)) settings["problem_file"] = o.problem;
  settings["nelx"] = problem.nelx;
  settings["nely"] = problem.nely;
  settings["method"] = o.method;
  settings["volfrac"] = volfrac;
  settings["penal"] = penal;

  Progress progress("topopt");
  const auto t0 = std::chrono::steady_clock::now();
  TopoptResult result = o.method == "nn" ? runNeural(o, g, problem, volfrac, penal, settings, progress)
                                         : runSimp(o, g, problem, volfrac, penal, settings, progress);
  result.seconds = secondsSince(t0);
  if (result.history.empty()) throw ntk::NumericalError("no iteration ran (nothing written)");
  const std::string report = reportText(result, settings);

  progress.finish();
  ntk::writeMatrix(o.out, result.design);
  writeReportOrRemoveResult(o.out, o.report, report);
  return 0;
}

} // namespace

Command addTopoptCommand(CLI::App& app, const AddThreads& addThreads)
{
  auto o = std::make_shared<TopoptCliOptions>();
  auto g = std::make_shared<GivenOptions>();
  // The defaults the help states are the core's own.
  const ntk::SimpOptions simp;
  const ntk::NeuralTopoptOptions nn;
  auto* sub = app.add_subcommand(
      "topopt",
      "Topology optimisation: minimise the compliance of a structure on a grid of unit square elements\n"
      "(plane stress, E0 = 1, Emin = 1e-9, nu = 0.3, modified SIMP) under a volume fraction, by classic\n"
      "SIMP with a filter (top88) or with the density given by a neural network (Dupuis & Jacot 2021).\n"
      "Writes the physical density (nely rows x nelx columns) and a JSON report.");
  sub->add_option("--problem", o->problem, "mbb, cantilever, michell, bridge, or a problem file (JSON, CONVENTIONS §7); default mbb");
  g->nelx = sub->add_option("--nelx", o->nelx, "Elements across (presets; default 60)")->check(atLeast("--nelx", 1));
  g->nely = sub->add_option("--nely", o->nely, "Elements down (presets; default 20)")->check(atLeast("--nely", 1));
  sub->add_option("--volfrac", o->volfrac, "Volume fraction, in (0, 1) (default 0.5)");
  sub->add_option("--penal", o->penal, "SIMP penalty p >= 1 (default 3)");
  sub->add_option("--method", o->method, "simp (classic, default) or nn (neural reparameterisation)")
      ->check(CLI::IsMember({"simp", "nn"}));
  g->maxIter = sub->add_option("--max-iter", o->maxIter,
                               "Iteration cap (default " + std::to_string(simp.maxIterations) + " for simp, " +
                                   std::to_string(nn.maxIterations) + " for nn)")
                   ->check(atLeast("--max-iter", 1));
  sub->add_option("--solver", o->solver,
                  "Sparse Cholesky of the stiffness matrix: grid (nested dissection of the grid, dense fronts on all "
                  "cores), cholmod (CHOLMOD's supernodal factor: the reference, less memory) or auto (default: grid "
                  "when its fronts fit in memory, else cholmod; the report says which ran)")
      ->check(CLI::IsMember({"auto", "grid", "cholmod"}));
  g->tol = sub->add_option("--tol", o->tol, "Stop when the largest density change is below this (default " + shortNumber(simp.tolerance) + ")");
  g->simpOnly = {
      sub->add_option("--filter", o->filter, "simp: sensitivity or density (default density)")
          ->check(CLI::IsMember({"sensitivity", "density"})),
      sub->add_option("--rmin", o->rmin, "simp: filter radius in elements, >= 1 (default " + shortNumber(simp.rmin) + ")"),
      sub->add_flag("--heaviside", o->heaviside, "simp: Heaviside projection with beta continuation (density filter)"),
  };
  g->network = addTopoptNetworkOptions(sub, o->network, "nn", "seed of the weights and the Fourier features");
  auto* optimizer = sub->add_option("--optimizer", o->optimizer, std::string("nn: adam or rprop (default ") + (nn.optimizer == ntk::TopoptOptimizer::Rprop ? "rprop" : "adam") + ")")
                        ->check(CLI::IsMember({"adam", "rprop"}));
  auto* lr = sub->add_option("--lr", o->lr, "nn: learning rate (default " + shortNumber(nn.learningRate) + ")");
  auto* render = sub->add_option("--render", o->render, "nn: write the design at 1, 2 or 4 times the grid (default 1)")
                     ->check(CLI::IsMember({"1", "2", "4"}));
  g->nnOnly = g->network.all();
  g->nnOnly.insert(g->nnOnly.end(), {optimizer, lr, render});
  sub->add_option("--out", o->out, "Output: the physical density, nely rows x nelx columns (CSV, or .npy by extension)")->required();
  sub->add_option("--report", o->report, "Output JSON report")->required();
  addThreads(sub);
  return {sub, [o, g] { return runTopopt(*o, *g); }};
}

} // namespace ntkcli
