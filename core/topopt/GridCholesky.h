// GridCholesky.h — the sparse Cholesky K = L Lᵀ of a plane Q4 stiffness matrix on a structured grid,
// by geometric nested dissection and dense multifrontal fronts, both cores at once.
// In (construction): the grid (nelx × nely elements, top88 numbering: node n = ix·(nely+1) + iy,
// DOFs 2n and 2n+1, element e = ex·nely + ey with the DOFs of `elementDofs` row e) and which DOFs are
// fixed (they are removed from K). Per factorize(): the element moduli E_e and the 8 × 8 element matrix
// KE, so that K = Σ_e E_e KE_e over the free DOFs.
// Out: solve(F) → U with K U = F on the free DOFs (U = 0 at fixed DOFs); the factor's condition
// estimate (min diag L / max diag L)², its floating-point operations and stored entries.
// Why not a general sparse Cholesky: on a structured grid the nested-dissection tree is geometric (a
// box of nodes is split by a line of nodes across its longer side), every front is dense, and its
// elimination is three BLAS-3 calls (potrf, trsm, syrk). Sibling subtrees are independent, so oneTBB
// factors them on both cores. CHOLMOD's supernodal factor of the same kind of ordering runs at
// ~8 GFlop/s on one core here; dense fronts run at ~30 (docs/PLATFORM.md).
// Throws NumericalError when K is not positive definite (a pivot ≤ 0: a mechanism).
// Thread-safety: factorize() and solve() use internal buffers; one instance per thread.
#pragma once
#include <limits>
#include <vector>

#include <Eigen/Dense>

namespace ntk {

class GridCholesky {
public:
  using ElementDofs = Eigen::Matrix<int, Eigen::Dynamic, 8, Eigen::RowMajor>;
  using ElementMatrix = Eigen::Matrix<double, 8, 8>;

  /// top88's edofMat for this numbering: row e = ex·nely + ey holds the element's 8 DOFs, lower-left
  /// node (x, y), lower-right, upper-right, upper-left (iy counts down from the top edge).
  static ElementDofs elementDofs(int nelx, int nely);

  /// fixed: dofCount flags (true = removed). MemoryLimitError, before the index arrays are built,
  /// when the fronts would need more than maxBytes (they are allocated by the first factorisation).
  /// leafNodes: boxes of at most this many nodes are not split further (their nodes form one front).
  GridCholesky(int nelx, int nely, const ElementDofs& elementDofs, const std::vector<bool>& fixed,
               double maxBytes = std::numeric_limits<double>::infinity(), int leafNodes = 32);

  /// Assembles every front from E_e·KE and the children's update matrices and factors it.
  void factorize(const Eigen::VectorXd& modulus, const ElementMatrix& KE);
  /// U with K U = F (both dofCount long; F at fixed DOFs is ignored, U there is 0).
  Eigen::VectorXd solve(const Eigen::VectorXd& F);
  /// factorize() with the forward substitution L y = F done front by front as each front is factored
  /// (it is still in cache); backSubstitute() then returns U. One pass over the factor fewer than
  /// factorize() + solve(F), with the same result.
  void factorizeWithLoad(const Eigen::VectorXd& modulus, const ElementMatrix& KE, const Eigen::VectorXd& F);
  Eigen::VectorXd backSubstitute();

  /// CHOLMOD's cheap reciprocal condition estimate, (min diag L / max diag L)², of the last factor.
  double rcond() const { return rcond_; }
  /// Floating-point operations of one factorisation (potrf + trsm + syrk of every front).
  double flops() const { return flops_; }
  /// Doubles held by the fronts (the memory of the factor and the update matrices).
  double storedEntries() const { return stored_; }
  int frontCount() const { return int(fronts_.size()); }

private:
  struct AssemblyEntry {
    int element, ke, offset; ///< value E[element]·KE[ke] goes to front storage [offset]
  };
  struct Front {
    std::vector<int> dofs;        ///< global DOFs: the first nE are eliminated here, the rest update
    int nE = 0;
    std::vector<int> children;
    std::vector<std::vector<int>> childMap; ///< child's update row j → row of this front
    std::vector<AssemblyEntry> entries;
    Eigen::MatrixXd F;            ///< the dense front (lower triangle); after factorize: L11, L21, update
    Eigen::VectorXd w;            ///< forward solve: the update part of the right-hand side
  };

  int build(int x0, int x1, int y0, int y1, int leafNodes, std::vector<int>& owner);
  void factorFront(int f, const Eigen::VectorXd& modulus, const double* ke);
  void factorize(const Eigen::VectorXd& modulus, const ElementMatrix& KE, const Eigen::VectorXd* F, Eigen::VectorXd* Y);
  void factorSubtree(int f, const Eigen::VectorXd& modulus, const double* ke, const Eigen::VectorXd* F, Eigen::VectorXd* Y);
  void forwardSubtree(int f, const Eigen::VectorXd& F, Eigen::VectorXd& Y);
  void forwardFront(int f, const Eigen::VectorXd& F, Eigen::VectorXd& Y);
  void checkLoadSize(const Eigen::VectorXd& F) const;
  void backwardSubtree(int f, Eigen::VectorXd& U);

  int nelx_, nely_;
  std::vector<bool> fixed_;
  std::vector<Front> fronts_; ///< postorder: children before parents, the root last
  Eigen::VectorXd forwardResult_; ///< y of factorizeWithLoad until backSubstitute
  double rcond_ = 0.0, flops_ = 0.0, stored_ = 0.0;
};

} // namespace ntk
