// TopoptProblemJson.h — the problem file "ntk-studio.topopt-problem/1" (docs/CONVENTIONS.md §7).
// In: JSON text or a file path. Out: a validated TopoptProblem, or InputError whose message names the
// offending key or value ("loads[1].fx: expected a number"). Unknown keys are errors.
// Layout: {"format": "ntk-studio.topopt-problem/1", "name", "nelx", "nely",
//   "loads": [{"node": [ix, iy], "force": [fx, fy]}, …],
//   "supports": [{"node": [ix, iy], "fix": "x" | "y" | "xy"}, …],
//   "passive": [{"element": [ex, ey], "kind": "solid" | "void"}, …]}   (passive optional)
#pragma once
#include <string>

#include "core/topopt/TopoptProblem.h"

namespace ntk {

TopoptProblem topoptProblemFromJson(const std::string& text);
std::string topoptProblemToJson(const TopoptProblem& problem, int indent = 2);

TopoptProblem loadTopoptProblem(const std::string& path);
void saveTopoptProblem(const TopoptProblem& problem, const std::string& path);

} // namespace ntk
