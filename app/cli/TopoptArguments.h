// TopoptArguments.h — what `ntk-cli topopt`, `ntk-cli bench topopt` and `ntk-cli ntk-filter` share: the
// --problem argument, the --filter name and the checked parsing of the real-valued options (CONVENTIONS §5, §7).
// In: --problem (a preset name, mbb | cantilever | michell | bridge, or a problem file
// "ntk-studio.topopt-problem/1"), --nelx / --nely when given. Out: a validated TopoptProblem.
// A preset takes the grid from --nelx/--nely (default 60 × 20); a file carries its own grid, and a
// --nelx/--nely that differs from it is refused. Errors: InputError with one line naming the option.
#pragma once
#include <optional>
#include <string>

#include "core/topopt/SimpSolver.h"
#include "core/topopt/TopoptProblem.h"

namespace ntkcli {

inline constexpr int kDefaultTopoptNelx = 60, kDefaultTopoptNely = 20;

/// Whether --problem names a preset (otherwise it is a file).
bool isTopoptPreset(const std::string& problem);

/// The problem named by --problem on the grid of --nelx/--nely (nullopt: not given).
ntk::TopoptProblem topoptProblemArgument(const std::string& problem, std::optional<int> nelx, std::optional<int> nely);

/// "sensitivity" or "density" (the CLI11 check has already refused anything else).
ntk::SimpFilter simpFilterFromName(const std::string& name);
std::string simpFilterName(ntk::SimpFilter filter);

/// A finite number in the open interval (lo, hi) (either end may be ±∞), else InputError
/// "--volfrac must be in (0, 1) (got '1.5')".
double numberInOpenRange(const std::string& text, const std::string& option, double lo, double hi);
/// A finite number >= lo.
double numberAtLeast(const std::string& text, const std::string& option, double lo);

/// "0.01", "1.5": a default as the help prints it (%g).
std::string shortNumber(double v);

} // namespace ntkcli
