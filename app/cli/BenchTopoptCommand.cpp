// BenchTopoptCommand.cpp — `ntk-cli bench topopt`: classic SIMP timings, one JSON line (CONVENTIONS §5).
// In: --problem (preset or file), --nelx/--nely, --filter, --rmin, --volfrac, --penal, --solver, and either
// --iterations K (default 20; fewer when it converges first) or --to-convergence (up to 1000), --repeats R.
// Out: per run (a fresh SimpSolver each time: setup = the index arrays and the symbolic factorisation,
// then the iterations) the seconds of the whole run and per iteration, and per iteration the seconds in
// assembly, factorisation, solve, sensitivity, filter and update; the line gives their medians over the
// R runs, with the iterations, the final compliance and whether it converged.
#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <tbb/global_control.h>

#include "app/cli/CliCommands.h"
#include "app/cli/CliProgress.h"
#include "app/cli/TopoptArguments.h"
#include "core/topopt/SimpSolver.h"
#include "core/util/Errors.h"

namespace ntkcli {

namespace {

struct BenchTopoptOptions {
  std::string problem = "mbb", filter = "density", solver = "auto", rmin = "1.5", volfrac = "0.5", penal = "3";
  int nelx = kDefaultTopoptNelx, nely = kDefaultTopoptNely, iterations = 20, repeats = 5;
  bool toConvergence = false;
};

/// One timed run: its total, setup and per-iteration figures.
struct RunTimes {
  double total = 0, setup = 0, perIteration = 0;
  double assembly = 0, factorisation = 0, solve = 0, sensitivity = 0, filter = 0, update = 0; ///< per iteration
  int iterations = 0;
  double compliance = 0;
  bool converged = false;
  ntk::FeSolver solver = ntk::FeSolver::Auto; ///< the one that ran
};

double median(std::vector<double> v)
{
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

RunTimes timedRun(const ntk::TopoptProblem& problem, const ntk::SimpOptions& options)
{
  using Clock = std::chrono::steady_clock;
  RunTimes r;
  const auto t0 = Clock::now();
  ntk::SimpSolver solver(problem, options);
  const auto t1 = Clock::now();
  solver.run();
  const auto t2 = Clock::now();
  r.setup = std::chrono::duration<double>(t1 - t0).count();
  r.total = std::chrono::duration<double>(t2 - t0).count();
  r.iterations = solver.iteration();
  r.converged = solver.converged();
  r.solver = solver.feSolver();
  const double n = std::max(1, r.iterations);
  r.perIteration = std::chrono::duration<double>(t2 - t1).count() / n;
  for (const ntk::TopoptIterate& it : solver.history()) {
    r.assembly += it.fe.assembly / n;
    r.factorisation += it.fe.factorisation / n;
    r.solve += it.fe.solve / n;
    r.sensitivity += it.fe.sensitivity / n;
    r.filter += it.filterSeconds / n;
    r.update += it.updateSeconds / n;
  }
  if (!solver.history().empty()) r.compliance = solver.history().back().compliance;
  return r;
}

int runBenchTopopt(const BenchTopoptOptions& o, std::optional<int> nelx, std::optional<int> nely)
{
  if (o.repeats < 5) throw ntk::InputError("--repeats must be >= 5 (the figure is a median)");
  const ntk::TopoptProblem problem = topoptProblemArgument(o.problem, nelx, nely);
  ntk::SimpOptions options;
  options.filter = simpFilterFromName(o.filter);
  options.rmin = numberAtLeast(o.rmin, "--rmin", 1.0);
  options.volfrac = numberInOpenRange(o.volfrac, "--volfrac", 0.0, 1.0);
  options.material.penal = numberAtLeast(o.penal, "--penal", 1.0);
  options.solver = ntk::feSolverFromName(o.solver);
  if (!o.toConvergence) options.maxIterations = o.iterations;
  options.validate();

  std::vector<RunTimes> runs;
  Progress progress("bench topopt");
  for (int r = 0; r < o.repeats; ++r) {
    progress.update(double(r) / o.repeats, "run " + std::to_string(r + 1) + "/" + std::to_string(o.repeats));
    runs.push_back(timedRun(problem, options));
  }
  progress.finish();
  const auto med = [&](double RunTimes::*field) {
    std::vector<double> v;
    for (const RunTimes& r : runs) v.push_back(r.*field);
    return median(v);
  };
  std::vector<double> iterations;
  for (const RunTimes& r : runs) iterations.push_back(r.iterations);
  double minPerIteration = runs.front().perIteration;
  for (const RunTimes& r : runs) minPerIteration = std::min(minPerIteration, r.perIteration);

  nlohmann::ordered_json line{
      {"bench", "topopt"},
      {"problem", problem.name},
      {"nelx", problem.nelx},
      {"nely", problem.nely},
      {"filter", simpFilterName(options.filter)},
      {"rmin", options.rmin},
      {"volfrac", options.volfrac},
      {"penal", options.material.penal},
      {"solver", ntk::feSolverName(runs.back().solver)},
      {"mode", o.toConvergence ? "convergence" : "iterations"},
      {"threads", int(tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism))},
      {"repeats", o.repeats},
      {"iterations", median(iterations)},
      {"converged", runs.back().converged},
      {"compliance", runs.back().compliance},
      {"seconds", med(&RunTimes::total)},
      {"setup_seconds", med(&RunTimes::setup)},
      {"seconds_per_iteration", med(&RunTimes::perIteration)},
      {"min_seconds_per_iteration", minPerIteration},
      {"per_iteration",
       {{"assembly", med(&RunTimes::assembly)},
        {"factorisation", med(&RunTimes::factorisation)},
        {"solve", med(&RunTimes::solve)},
        {"sensitivity", med(&RunTimes::sensitivity)},
        {"filter", med(&RunTimes::filter)},
        {"update", med(&RunTimes::update)}}}};
  std::printf("%s\n", line.dump().c_str());
  return 0;
}

} // namespace

Command addBenchTopoptCommand(CLI::App& bench, const AddThreads& addThreads)
{
  auto o = std::make_shared<BenchTopoptOptions>();
  auto* sub = bench.add_subcommand(
      "topopt", "Time classic SIMP: K iterations or a run to convergence, a fresh solver each run (median of >= 5 runs)");
  sub->add_option("--problem", o->problem, "mbb, cantilever, michell, bridge, or a problem file (default mbb)");
  auto* nelx = sub->add_option("--nelx", o->nelx, "Elements across (presets; default 60)")->check(atLeast("--nelx", 1));
  auto* nely = sub->add_option("--nely", o->nely, "Elements down (presets; default 20)")->check(atLeast("--nely", 1));
  sub->add_option("--filter", o->filter, "sensitivity or density (default density)")->check(CLI::IsMember({"sensitivity", "density"}));
  sub->add_option("--rmin", o->rmin, "Filter radius in elements, >= 1 (default 1.5)");
  sub->add_option("--volfrac", o->volfrac, "Volume fraction, in (0, 1) (default 0.5)");
  sub->add_option("--penal", o->penal, "SIMP penalty (default 3)");
  auto* iterations = sub->add_option("--iterations", o->iterations, "Iterations per run (default 20; fewer if it converges)")
                         ->check(atLeast("--iterations", 1));
  sub->add_flag("--to-convergence", o->toConvergence, "Run each time until converged (at most 1000 iterations)")->excludes(iterations);
  sub->add_option("--repeats", o->repeats, "Timed runs (>= 5)");
  sub->add_option("--solver", o->solver, "auto (default), grid or cholmod: the sparse Cholesky of K (see topopt --help)")
      ->check(CLI::IsMember({"auto", "grid", "cholmod"}));
  addThreads(sub);
  return {sub, [o, nelx, nely] {
            return runBenchTopopt(*o, nelx->count() ? std::optional<int>(o->nelx) : std::nullopt,
                                  nely->count() ? std::optional<int>(o->nely) : std::nullopt);
          }};
}

} // namespace ntkcli
