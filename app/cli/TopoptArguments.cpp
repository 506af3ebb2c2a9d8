// TopoptArguments.cpp — see TopoptArguments.h.
#include "app/cli/TopoptArguments.h"

#include <cmath>
#include <cstdio>
#include <fstream>

#include "app/cli/CliCommands.h"
#include "core/topopt/TopoptProblemJson.h"
#include "core/util/Errors.h"

namespace ntkcli {

namespace {

std::string presetList()
{
  std::string list;
  for (const std::string& p : ntk::presetProblemNames()) list += (list.empty() ? "" : ", ") + p;
  return list;
}

/// "(0, 1)", "(0, inf)".
std::string interval(double lo, double hi)
{
  char buf[64];
  std::snprintf(buf, sizeof buf, "(%.6g, %.6g)", lo, hi);
  return buf;
}

} // namespace

bool isTopoptPreset(const std::string& problem)
{
  for (const std::string& p : ntk::presetProblemNames())
    if (p == problem) return true;
  return false;
}

ntk::TopoptProblem topoptProblemArgument(const std::string& problem, std::optional<int> nelx, std::optional<int> nely)
{
  if (isTopoptPreset(problem)) {
    const int x = nelx.value_or(kDefaultTopoptNelx), y = nely.value_or(kDefaultTopoptNely);
    // Checked before the preset is built: nelx·nely must not wrap an int.
    if ((long long)x * y > ntk::kMaxTopoptElements)
      throw ntk::InputError("--nelx " + std::to_string(x) + " x --nely " + std::to_string(y) + " is more than " +
                            std::to_string(ntk::kMaxTopoptElements) + " elements");
    ntk::TopoptProblem p = ntk::presetProblem(problem, x, y);
    p.validate();
    return p;
  }
  if (!std::ifstream(problem))
    throw ntk::InputError("--problem '" + problem + "' is neither a preset (" + presetList() + ") nor a readable problem file");
  ntk::TopoptProblem p = ntk::loadTopoptProblem(problem);
  if (nelx && *nelx != p.nelx)
    throw ntk::InputError("--nelx " + std::to_string(*nelx) + " differs from the problem file's nelx " + std::to_string(p.nelx) +
                          " (the file sets the grid)");
  if (nely && *nely != p.nely)
    throw ntk::InputError("--nely " + std::to_string(*nely) + " differs from the problem file's nely " + std::to_string(p.nely) +
                          " (the file sets the grid)");
  return p;
}

ntk::SimpFilter simpFilterFromName(const std::string& name)
{
  if (name == "sensitivity") return ntk::SimpFilter::Sensitivity;
  if (name == "density") return ntk::SimpFilter::Density;
  throw ntk::InputError("--filter must be sensitivity or density (got '" + name + "')");
}

std::string simpFilterName(ntk::SimpFilter filter) { return filter == ntk::SimpFilter::Sensitivity ? "sensitivity" : "density"; }

double numberInOpenRange(const std::string& text, const std::string& option, double lo, double hi)
{
  const double v = parseNumber(text, option);
  if (!std::isfinite(v) || !(v > lo) || !(v < hi))
    throw ntk::InputError(option + " must be in " + interval(lo, hi) + " (got '" + text + "')");
  return v;
}

double numberAtLeast(const std::string& text, const std::string& option, double lo)
{
  const double v = parseNumber(text, option);
  if (!std::isfinite(v) || !(v >= lo)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", lo);
    throw ntk::InputError(option + " must be a finite number >= " + buf + " (got '" + text + "')");
  }
  return v;
}

std::string shortNumber(double v)
{
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

} // namespace ntkcli
