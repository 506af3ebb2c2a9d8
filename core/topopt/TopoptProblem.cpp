// TopoptProblem.cpp — presets and the checks that keep K non-singular and every index on the grid.
#include "core/topopt/TopoptProblem.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "core/util/Errors.h"
#include "core/util/NumberText.h"

namespace ntk {
namespace {

std::string nodeText(int ix, int iy) { return "(" + std::to_string(ix) + ", " + std::to_string(iy) + ")"; }

void requireOnGrid(const TopoptProblem& p, int ix, int iy, const std::string& what)
{
  if (ix < 0 || ix > p.nelx || iy < 0 || iy > p.nely)
    throw InputError(what + " at node " + nodeText(ix, iy) + " is off the grid: nodes run from (0, 0) to " +
                     nodeText(p.nelx, p.nely));
}

void requireGridSize(const TopoptProblem& p)
{
  if (p.nelx < 1 || p.nely < 1)
    throw InputError("grid " + std::to_string(p.nelx) + " × " + std::to_string(p.nely) +
                     ": nelx and nely must be at least 1");
  if ((long long)p.nelx * p.nely > kMaxTopoptElements)
    throw InputError("grid " + std::to_string(p.nelx) + " × " + std::to_string(p.nely) + " has more than " +
                     std::to_string(kMaxTopoptElements) + " elements");
}

void requireLoads(const TopoptProblem& p, const std::vector<int>& fixed)
{
  if (p.loads.empty()) throw InputError("the problem has no load");
  const std::set<int> fixedSet(fixed.begin(), fixed.end());
  bool anyFree = false;
  for (size_t i = 0; i < p.loads.size(); ++i) {
    const PointLoad& l = p.loads[i];
    requireOnGrid(p, l.ix, l.iy, "load " + std::to_string(i + 1));
    if (!std::isfinite(l.fx) || !std::isfinite(l.fy))
      throw InputError("load " + std::to_string(i + 1) + " at node " + nodeText(l.ix, l.iy) + " is not a finite force");
    const int n = p.nodeIndex(l.ix, l.iy);
    anyFree |= (l.fx != 0.0 && !fixedSet.count(2 * n)) || (l.fy != 0.0 && !fixedSet.count(2 * n + 1));
  }
  if (!anyFree) throw InputError("every load is zero or acts on a fixed DOF: nothing loads the structure");
}

void requireSupports(const TopoptProblem& p, const std::vector<int>& fixed)
{
  if (p.supports.empty()) throw InputError("the problem has no support: K is singular (fix at least 3 DOFs)");
  std::set<int> nodes;
  for (size_t i = 0; i < p.supports.size(); ++i) {
    const NodeSupport& s = p.supports[i];
    requireOnGrid(p, s.ix, s.iy, "support " + std::to_string(i + 1));
    if (s.fixX || s.fixY) nodes.insert(p.nodeIndex(s.ix, s.iy));
  }
  if (fixed.size() < 3 || nodes.size() < 2)
    throw InputError("the supports fix " + std::to_string(fixed.size()) + " DOFs on " + std::to_string(nodes.size()) +
                     " node(s): a rigid motion is free and K is singular (fix at least 3 DOFs on 2 nodes)");
}

TopoptProblem emptyProblem(const std::string& name, int nelx, int nely)
{
  TopoptProblem p;
  p.name = name;
  p.nelx = nelx;
  p.nely = nely;
  requireGridSize(p);
  return p;
}

} // namespace

Eigen::VectorXd TopoptProblem::loadVector() const
{
  Eigen::VectorXd F = Eigen::VectorXd::Zero(dofCount());
  for (const PointLoad& l : loads) {
    const int n = nodeIndex(l.ix, l.iy);
    F(2 * n) += l.fx;
    F(2 * n + 1) += l.fy;
  }
  return F;
}

std::vector<int> TopoptProblem::fixedDofs() const
{
  std::vector<int> dofs;
  for (const NodeSupport& s : supports) {
    const int n = nodeIndex(s.ix, s.iy);
    if (s.fixX) dofs.push_back(2 * n);
    if (s.fixY) dofs.push_back(2 * n + 1);
  }
  std::sort(dofs.begin(), dofs.end());
  dofs.erase(std::unique(dofs.begin(), dofs.end()), dofs.end());
  return dofs;
}

void TopoptProblem::validate() const
{
  requireGridSize(*this);
  const std::vector<int> fixed = fixedDofs();
  requireSupports(*this, fixed);
  requireLoads(*this, fixed);
  if (!passive.empty() && passive.size() != size_t(elementCount()))
    throw InputError("the passive mask has " + std::to_string(passive.size()) + " entries for " +
                     std::to_string(elementCount()) + " elements");
}

void requireReachableVolume(const TopoptProblem& p, double volfrac)
{
  long long solid = 0, voids = 0;
  for (PassiveKind k : p.passive) {
    solid += k == PassiveKind::Solid;
    voids += k == PassiveKind::Void;
  }
  const long long n = p.elementCount();
  const double target = volfrac * double(n);
  if (double(solid) >= target)
    throw InputError("the " + std::to_string(solid) + " passive solid elements alone reach the volume V·N = " +
                     numberText(target) + " of " + std::to_string(n) + ": lower them or raise the volume fraction");
  if (double(n - voids) <= target)
    throw InputError("the " + std::to_string(voids) + " passive void elements leave " + std::to_string(n - voids) +
                     " elements, not more than the volume V·N = " + numberText(target) +
                     ": lower the volume fraction or remove void");
}

TopoptProblem mbbProblem(int nelx, int nely)
{
  TopoptProblem p = emptyProblem("mbb", nelx, nely);
  p.loads.push_back({0, 0, 0.0, -1.0});
  for (int iy = 0; iy <= nely; ++iy) p.supports.push_back({0, iy, true, false});
  p.supports.push_back({nelx, nely, false, true});
  return p;
}

TopoptProblem cantileverProblem(int nelx, int nely)
{
  TopoptProblem p = emptyProblem("cantilever", nelx, nely);
  p.loads.push_back({nelx, nely / 2, 0.0, -1.0});
  for (int iy = 0; iy <= nely; ++iy) p.supports.push_back({0, iy, true, true});
  return p;
}

TopoptProblem michellProblem(int nelx, int nely)
{
  TopoptProblem p = emptyProblem("michell", nelx, nely);
  p.loads.push_back({nelx, nely / 2, 0.0, -1.0});
  const int first = nely / 4, last = nely - nely / 4;
  for (int iy = first; iy <= last; ++iy) p.supports.push_back({0, iy, true, true});
  return p;
}

TopoptProblem bridgeProblem(int nelx, int nely)
{
  TopoptProblem p = emptyProblem("bridge", nelx, nely);
  p.loads.push_back({nelx / 2, nely, 0.0, -1.0});
  p.supports.push_back({0, nely, true, true});
  p.supports.push_back({nelx, nely, true, true});
  return p;
}

std::vector<std::string> presetProblemNames() { return {"mbb", "cantilever", "michell", "bridge"}; }

TopoptProblem presetProblem(const std::string& name, int nelx, int nely)
{
  if (name == "mbb") return mbbProblem(nelx, nely);
  if (name == "cantilever") return cantileverProblem(nelx, nely);
  if (name == "michell") return michellProblem(nelx, nely);
  if (name == "bridge") return bridgeProblem(nelx, nely);
  throw InputError("unknown problem '" + name + "': expected mbb, cantilever, michell or bridge");
}

} // namespace ntk
