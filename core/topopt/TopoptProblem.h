// TopoptProblem.h — a compliance problem on a structured grid of unit square elements (top88's layout).
// In: nelx × nely elements; point loads (vector, at nodes); supports (nodes fixed in x, y or both);
// optional passive elements (always solid or always void). Out: presets (top88's MBB half-beam, a
// cantilever, DeepTopo's Michell case) and validate(), which throws InputError with the reason.
// Numbering (top88): node (ix, iy), ix = 0…nelx left to right, iy = 0…nely top to bottom, has index
// n = ix·(nely+1) + iy and DOFs 2n (x) and 2n+1 (y). Element (ex, ey) has index e = ex·nely + ey, so a
// field stored as a vector is the column-major nely × nelx matrix (DESIGN.csv is that matrix).
// Forces are physical: fx > 0 points right, fy > 0 points up (top88's MBB load is fy = −1).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Dense>

namespace ntk {

struct PointLoad {
  int ix = 0, iy = 0;     ///< node column (0…nelx) and row (0…nely, from the top)
  double fx = 0.0, fy = 0.0;
  bool operator==(const PointLoad&) const = default;
};

struct NodeSupport {
  int ix = 0, iy = 0;
  bool fixX = true, fixY = true;
  bool operator==(const NodeSupport&) const = default;
};

enum class PassiveKind : std::uint8_t { None = 0, Solid = 1, Void = 2 };

/// Largest element count a problem may have (a 2000 × 2000 grid): the sparse factor stays well under
/// the machine's memory (MemoryEstimate is checked as well).
inline constexpr long long kMaxTopoptElements = 4'000'000;

struct TopoptProblem {
  std::string name = "custom";          ///< "mbb", "cantilever", "michell" or "custom"
  int nelx = 60, nely = 20;
  std::vector<PointLoad> loads;
  std::vector<NodeSupport> supports;
  std::vector<PassiveKind> passive;     ///< empty (none) or nelx·nely entries in element order

  int nodeCount() const { return (nelx + 1) * (nely + 1); }
  int elementCount() const { return nelx * nely; }
  int dofCount() const { return 2 * nodeCount(); }
  int nodeIndex(int ix, int iy) const { return ix * (nely + 1) + iy; }
  int elementIndex(int ex, int ey) const { return ex * nely + ey; }
  PassiveKind passiveAt(int e) const { return passive.empty() ? PassiveKind::None : passive[size_t(e)]; }

  /// The load vector F (dofCount), loads at the same node added.
  Eigen::VectorXd loadVector() const;
  /// Sorted, unique fixed DOF indices.
  std::vector<int> fixedDofs() const;

  /// Throws InputError: grid < 1 × 1 or above kMaxTopoptElements, a load or support off the grid,
  /// a non-finite force, no nonzero load, no support, fewer than 3 fixed DOFs or all fixed DOFs on one
  /// node (a rigid motion is left free: K is singular), a passive mask of the wrong size. A mechanism
  /// that passes these checks (e.g. every fixed DOF in x on one vertical line) is caught by the
  /// factorisation (ComplianceSolver throws NumericalError).
  void validate() const;
  bool operator==(const TopoptProblem&) const = default;
};

/// Throws InputError when the passive elements make the volume fraction unreachable: the solid ones
/// alone reach V·N, or the void ones leave no more than V·N elements (SIMP's volume counts them all).
void requireReachableVolume(const TopoptProblem& problem, double volfrac);

/// top88's MBB half-beam: unit load down at the top-left node, x fixed on the left edge (symmetry),
/// y fixed at the bottom-right node.
TopoptProblem mbbProblem(int nelx, int nely);
/// A cantilever: left edge clamped, unit load down at the middle of the right edge.
TopoptProblem cantileverProblem(int nelx, int nely);
/// DeepTopo's Michell case: unit load down at the middle of the right edge, the middle half of the
/// left edge clamped.
TopoptProblem michellProblem(int nelx, int nely);
/// A symmetric bridge: both bottom corners pinned, unit load down at the middle of the bottom edge
/// (symmetric about the vertical centre line; nelx even keeps the load on a node).
TopoptProblem bridgeProblem(int nelx, int nely);
/// "mbb", "cantilever", "michell" or "bridge"; InputError otherwise.
TopoptProblem presetProblem(const std::string& name, int nelx, int nely);
/// The preset names, in menu order.
std::vector<std::string> presetProblemNames();

} // namespace ntk
