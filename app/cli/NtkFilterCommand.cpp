// NtkFilterCommand.cpp — `ntk-cli ntk-filter`: the filter the neural method's network implies at infinite
// width (Dupuis & Jacot 2021), the Topology panel's "NTK filter" figure (CONVENTIONS §5).
// In: the network of `topopt --method nn` (--embedding, --ell, --activation, --omega, --width, --beta,
// --seed, or --net NET.json), the grid (--nelx/--nely, default 60 × 20, or --problem FILE.json | preset)
// and an element --at ex,ey (default the centre, (nelx/2, nely/2)).
// Out: --out F.csv, the normalised NTK row of ntk::ntkFilterAt as nely rows × nelx columns (element
// (ex, ey) at row ey, column ex; 17 significant digits, .npy by extension), and --report R.json with its
// radius (half-width at half maximum, elements), the element, the grid, the network and the raw
// Θ(p, p) and min Θ(p, ·). Every check runs before any work; a refusal writes nothing.
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "app/cli/CliCommands.h"
#include "app/cli/CliProgress.h"
#include "app/cli/TopoptArguments.h"
#include "app/cli/TopoptNetworkArguments.h"
#include "core/topopt/NtkFilter.h"
#include "core/util/Errors.h"
#include "core/util/MatrixIO.h"

namespace ntkcli {

namespace {

using ojson = nlohmann::ordered_json;

struct NtkFilterCliOptions {
  std::string problem, at;
  int nelx = kDefaultTopoptNelx, nely = kDefaultTopoptNely;
  TopoptNetworkText network;
  std::string out, report;
};

struct NtkFilterGiven {
  CLI::Option *problem, *nelx, *nely, *at;
  TopoptNetworkOptionsGiven network;
};

struct Element {
  int ex = 0, ey = 0;
};

/// "ex,ey": two integers, on the grid; InputError naming --at otherwise.
Element elementArgument(const std::string& text, int nelx, int nely)
{
  const auto comma = text.find(',');
  const auto integer = [&](const std::string& part, long& v) {
    errno = 0;
    char* end = nullptr;
    v = std::strtol(part.c_str(), &end, 10);
    return !part.empty() && end != part.c_str() && *end == '\0' && errno != ERANGE;
  };
  long ex = 0, ey = 0;
  if (comma == std::string::npos || !integer(text.substr(0, comma), ex) || !integer(text.substr(comma + 1), ey))
    throw ntk::InputError("--at must be two integers ex,ey (got '" + text + "')");
  if (ex < 0 || ex >= nelx || ey < 0 || ey >= nely)
    throw ntk::InputError("--at " + text + " is off the " + std::to_string(nelx) + " x " + std::to_string(nely) +
                          " grid (ex in [0, " + std::to_string(nelx - 1) + "], ey in [0, " + std::to_string(nely - 1) + "])");
  return {int(ex), int(ey)};
}

/// The seed only draws the Fourier features: the analytic NTK has no weights, and a --net file holds its own.
void refuseInapplicableSeed(const NtkFilterCliOptions& o, const NtkFilterGiven& g)
{
  if (g.network.seed->count() == 0) return;
  if (!o.network.net.empty()) throw ntk::InputError("--seed draws the Fourier features: not with --net (the file holds them)");
  const std::string embedding = g.network.embedding->count() ? o.network.embedding : ntk::embeddingName(ntk::TopoptNetworkOptions{}.embedding);
  if (embedding != "fourier") throw ntk::InputError("--seed applies to --embedding fourier only (the seed of the features)");
}

/// The report: the filter's numbers first, then the grid and the network.
std::string reportText(const ntk::NtkFilterRow& row, const Element& at, const ntk::TopoptProblem& grid, const NtkFilterCliOptions& o,
                       const TopoptNetworkArgument& network, const std::string& summary, double seconds)
{
  ojson j{{"radius", row.radius},
          {"element", {at.ex, at.ey}},
          {"nelx", grid.nelx},
          {"nely", grid.nely},
          {"raw_peak", row.raw(Eigen::Index(at.ex) * grid.nely + at.ey)},
          {"raw_min", row.raw.minCoeff()},
          {"seconds", seconds}};
  if (!o.problem.empty()) {
    j["problem"] = grid.name;
    if (!isTopoptPreset(o.problem)) j["problem_file"] = o.problem;
  }
  j["network"] = summary;
  ojson nn = network.description;
  if (network.options && network.options->embedding == ntk::TopoptEmbedding::Fourier) nn["seed"] = network.options->featureSeed;
  j["nn"] = nn;
  return j.dump(2) + "\n";
}

int runNtkFilter(const NtkFilterCliOptions& o, const NtkFilterGiven& g)
{
  // Every check before any work or any file.
  refuseInapplicableNetworkOptions(o.network, g.network);
  refuseInapplicableSeed(o, g);
  if (o.out.empty()) throw ntk::InputError("--out must name a file");
  if (o.report.empty()) throw ntk::InputError("--report must name a file");
  const ntk::TopoptProblem grid = topoptProblemArgument(o.problem.empty() ? std::string("mbb") : o.problem,
                                                        g.nelx->count() ? std::optional<int>(o.nelx) : std::nullopt,
                                                        g.nely->count() ? std::optional<int>(o.nely) : std::nullopt);
  const Element at = g.at->count() ? elementArgument(o.at, grid.nelx, grid.nely) : Element{grid.nelx / 2, grid.nely / 2};
  const TopoptNetworkArgument network = topoptNetworkArgument(o.network, g.network, grid.nelx, grid.nely);

  Progress progress("ntk-filter");
  progress.setDetail("NTK row of element (" + std::to_string(at.ex) + ", " + std::to_string(at.ey) + ") on " +
                     std::to_string(grid.nelx) + " x " + std::to_string(grid.nely));
  const auto t0 = std::chrono::steady_clock::now();
  const ntk::NtkFilterRow row = ntk::ntkFilterAt(network.net, grid.nelx, grid.nely, at.ex, at.ey);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!row.weights.allFinite() || !row.raw.allFinite())
    throw ntk::NumericalError("the NTK row is not finite (nothing written)");
  const std::string report = reportText(row, at, grid, o, network, network.net.summary(), seconds);

  progress.finish();
  // Element e = ex·nely + ey: the column-major nely × nelx matrix, row ey, column ex.
  ntk::writeMatrix(o.out, Eigen::Map<const Eigen::MatrixXd>(row.weights.data(), grid.nely, grid.nelx));
  writeReportOrRemoveResult(o.out, o.report, report);
  return 0;
}

} // namespace

Command addNtkFilterCommand(CLI::App& app, const AddThreads& addThreads)
{
  auto o = std::make_shared<NtkFilterCliOptions>();
  auto g = std::make_shared<NtkFilterGiven>();
  auto* sub = app.add_subcommand(
      "ntk-filter",
      "The filter the neural method's network implies at infinite width (Dupuis & Jacot 2021): the\n"
      "analytic NTK row of one element over every element centre, normalised to [0, 1] with 1 at the\n"
      "element, and its radius (half-width at half maximum, elements; comparable with SIMP's rmin).\n"
      "The network is topopt --method nn's (--width names it; the infinite-width row does not depend on it).\n"
      "Writes the row (nely rows x nelx columns) and a JSON report.");
  g->problem = sub->add_option("--problem", o->problem, "The grid of a problem file (JSON, CONVENTIONS §7) or of a preset on --nelx x --nely");
  g->nelx = sub->add_option("--nelx", o->nelx, "Elements across (default 60)")->check(atLeast("--nelx", 1));
  g->nely = sub->add_option("--nely", o->nely, "Elements down (default 20)")->check(atLeast("--nely", 1));
  g->at = sub->add_option("--at", o->at, "The element ex,ey (ey from the top; default the centre, nelx/2,nely/2)");
  g->network = addTopoptNetworkOptions(sub, o->network, "", "seed of the Fourier features");
  sub->add_option("--out", o->out, "Output: the normalised row, nely rows x nelx columns (CSV, or .npy by extension)")->required();
  sub->add_option("--report", o->report, "Output JSON report")->required();
  addThreads(sub);
  return {sub, [o, g] { return runNtkFilter(*o, *g); }};
}

} // namespace ntkcli
