// GridCholesky.cpp — geometric nested dissection and a multifrontal factorisation with dense fronts.
// Data layout: a front owns a box of grid nodes. It eliminates the free DOFs of the line of nodes that
// splits its box (or of the whole box at a leaf) and passes on an update matrix over its ring — the
// nodes just outside the box, which the separators of its ancestors own. Which front each element
// entry K_ij goes to (the one of i and j eliminated first) and where in that front it lands are index
// arrays built once, so an assembly is value[offset] += E·KE[k]; extend-add uses a child → parent row
// map per child. A front's storage F is dense n × n, lower triangle: after factorisation its first
// nE columns hold L11 and L21, its trailing (n − nE)² block the update matrix for the parent.
#include "core/topopt/GridCholesky.h"

#include <algorithm>
#include <array>
#include <limits>
#include <stdexcept>

#include <cblas.h>
#include <lapacke.h>
#include <tbb/parallel_invoke.h>

#include "core/util/DenseBlas.h"
#include "core/util/Errors.h"
#include "core/util/MemoryEstimate.h"
#include "core/util/NumberText.h"

namespace ntk {
namespace {

/// Runs body(child) for every child, the two of a split in parallel.
template <class Body>
void forEachChild(const std::vector<int>& children, const Body& body)
{
  if (children.size() == 2)
    tbb::parallel_invoke([&] { body(children[0]); }, [&] { body(children[1]); });
  else
    for (int c : children) body(c);
}

} // namespace

GridCholesky::ElementDofs GridCholesky::elementDofs(int nelx, int nely)
{
  ElementDofs edof(Eigen::Index(nelx) * nely, 8);
  for (int ex = 0; ex < nelx; ++ex)
    for (int ey = 0; ey < nely; ++ey) {
      const int a = 2 * (ex * (nely + 1) + ey + 1); // x DOF of the lower-left node
      const int b = a + 2 * nely;                    // x DOF of the upper-right node
      edof.row(Eigen::Index(ex) * nely + ey) << a, a + 1, b + 2, b + 3, b, b + 1, a - 2, a - 1;
    }
  return edof;
}

GridCholesky::GridCholesky(int nelx, int nely, const ElementDofs& elementDofs, const std::vector<bool>& fixed,
                           double maxBytes, int leafNodes)
  : nelx_(nelx), nely_(nely), fixed_(fixed)
{
  const int nodes = (nelx + 1) * (nely + 1);
  if (int(fixed.size()) != 2 * nodes || elementDofs.rows() != Eigen::Index(nelx) * nely)
    throw std::invalid_argument("GridCholesky: grid, element DOFs and fixed flags disagree");
  std::vector<int> owner(nodes, -1);
  build(0, nelx, 0, nely, std::max(leafNodes, 4), owner);
  for (const Front& fr : fronts_) {
    const double n = double(fr.dofs.size()), nE = fr.nE, nU = n - nE;
    flops_ += nE * nE * nE / 3.0 + nU * nE * nE + nU * nU * nE;
    stored_ += n * n;
  }
  if (8.0 * stored_ > maxBytes)
    throw MemoryLimitError("the grid solver's dense fronts need " + formatBytes(8.0 * stored_) + ", above the " +
                           formatBytes(maxBytes) + " allowed");

  // Each element entry (i, j) goes to the front eliminating the first of i and j: in postorder that is
  // the smaller front index (the nodes of an element are neighbours, so one front is an ancestor of
  // the other). Only the lower triangle of the front is stored.
  std::vector<std::vector<std::array<int, 3>>> pending(fronts_.size());
  for (int e = 0; e < int(elementDofs.rows()); ++e)
    for (int i = 0; i < 8; ++i)
      for (int j = 0; j < 8; ++j) {
        const int gi = elementDofs(e, i), gj = elementDofs(e, j);
        if (fixed_[gi] || fixed_[gj]) continue;
        pending[std::min(owner[gi / 2], owner[gj / 2])].push_back({e, 8 * j + i, 0});
      }
  std::vector<int> pos(fixed.size(), -1);
  for (size_t f = 0; f < fronts_.size(); ++f) {
    Front& fr = fronts_[f];
    const int n = int(fr.dofs.size());
    for (int k = 0; k < n; ++k) pos[fr.dofs[k]] = k;
    for (const auto& [e, k, unused] : pending[f]) {
      const int pi = pos[elementDofs(e, k % 8)], pj = pos[elementDofs(e, k / 8)];
      if (pi < 0 || pj < 0) throw std::logic_error("GridCholesky: an element entry outside its front");
      if (pi >= pj) fr.entries.push_back({e, k, pj * n + pi});
    }
    std::vector<std::array<int, 3>>().swap(pending[f]);
    for (int c : fr.children) {
      const Front& child = fronts_[c];
      std::vector<int> map(child.dofs.begin() + child.nE, child.dofs.end());
      for (int& row : map) {
        row = pos[row];
        if (row < 0) throw std::logic_error("GridCholesky: a child's update row outside its parent");
      }
      fr.childMap.push_back(std::move(map));
    }
    for (int dof : fr.dofs) pos[dof] = -1;
  }
}

int GridCholesky::build(int x0, int x1, int y0, int y1, int leafNodes, std::vector<int>& owner)
{
  const int w = x1 - x0 + 1, h = y1 - y0 + 1;
  int sx0 = x0, sx1 = x1, sy0 = y0, sy1 = y1; // the nodes this front eliminates
  std::vector<int> children;
  if (w * h > leafNodes && std::max(w, h) >= 3) {
    if (w >= h) {
      sx0 = sx1 = x0 + w / 2;
      children = {build(x0, sx0 - 1, y0, y1, leafNodes, owner), build(sx0 + 1, x1, y0, y1, leafNodes, owner)};
    } else {
      sy0 = sy1 = y0 + h / 2;
      children = {build(x0, x1, y0, sy0 - 1, leafNodes, owner), build(x0, x1, sy0 + 1, y1, leafNodes, owner)};
    }
  }
  const int f = int(fronts_.size());
  Front fr;
  fr.children = std::move(children);
  auto addNode = [&](int ix, int iy) {
    const int node = ix * (nely_ + 1) + iy;
    for (int dof : {2 * node, 2 * node + 1})
      if (!fixed_[dof]) fr.dofs.push_back(dof);
  };
  for (int ix = sx0; ix <= sx1; ++ix)
    for (int iy = sy0; iy <= sy1; ++iy) {
      addNode(ix, iy);
      owner[ix * (nely_ + 1) + iy] = f;
    }
  fr.nE = int(fr.dofs.size());
  // The ring: every node next to the box (diagonals included — a Q4 element couples them).
  for (int ix = std::max(x0 - 1, 0); ix <= std::min(x1 + 1, nelx_); ++ix)
    for (int iy = std::max(y0 - 1, 0); iy <= std::min(y1 + 1, nely_); ++iy)
      if (ix < x0 || ix > x1 || iy < y0 || iy > y1) addNode(ix, iy);
  fronts_.push_back(std::move(fr));
  return f;
}

void GridCholesky::factorFront(int f, const Eigen::VectorXd& modulus, const double* ke)
{
  Front& fr = fronts_[f];
  const int n = int(fr.dofs.size()), nE = fr.nE, nU = n - nE;
  if (fr.F.rows() != n) fr.F.resize(n, n);
  double* F = fr.F.data();
  for (int j = 0; j < n; ++j) std::fill(F + Eigen::Index(j) * n + j, F + Eigen::Index(j + 1) * n, 0.0); // lower triangle
  for (const AssemblyEntry& a : fr.entries) F[a.offset] += modulus[a.element] * ke[a.ke];
  for (size_t ci = 0; ci < fr.children.size(); ++ci) {
    const Front& child = fronts_[fr.children[ci]];
    const std::vector<int>& map = fr.childMap[ci];
    const int m = int(map.size()), ld = int(child.dofs.size());
    const double* C = child.F.data() + Eigen::Index(child.nE) * ld + child.nE; // its update block
    for (int j = 0; j < m; ++j) {
      const int pj = map[j];
      const double* column = C + Eigen::Index(j) * ld;
      for (int i = j; i < m; ++i) {
        const int pi = map[i];
        F[pi >= pj ? Eigen::Index(pj) * n + pi : Eigen::Index(pi) * n + pj] += column[i];
      }
    }
  }
  if (nE == 0) return;
  const lapack_int info = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', nE, F, n);
  if (info != 0)
    throw NumericalError("the stiffness matrix is not positive definite (pivot " + std::to_string(info) +
                         " of a front): the supports leave a mechanism free");
  if (nU == 0) return;
  cblas_dtrsm(CblasColMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, nU, nE, 1.0, F, n, F + nE, n);
  cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, nU, nE, -1.0, F + nE, n, 1.0, F + Eigen::Index(nE) * n + nE, n);
}

void GridCholesky::factorSubtree(int f, const Eigen::VectorXd& modulus, const double* ke, const Eigen::VectorXd* F,
                                 Eigen::VectorXd* Y)
{
  forEachChild(fronts_[f].children, [&](int c) { factorSubtree(c, modulus, ke, F, Y); });
  factorFront(f, modulus, ke);
  if (F) forwardFront(f, *F, *Y); // while the front is still in cache
}

void GridCholesky::factorize(const Eigen::VectorXd& modulus, const ElementMatrix& KE, const Eigen::VectorXd* F,
                             Eigen::VectorXd* Y)
{
  if (modulus.size() != Eigen::Index(nelx_) * nely_)
    throw std::invalid_argument("GridCholesky::factorize: one modulus per element");
  {
    SingleThreadedBlas blas;
    factorSubtree(int(fronts_.size()) - 1, modulus, KE.data(), F, Y);
  }
  double lo = std::numeric_limits<double>::infinity(), hi = 0.0;
  for (const Front& fr : fronts_)
    for (int k = 0; k < fr.nE; ++k) {
      lo = std::min(lo, fr.F(k, k));
      hi = std::max(hi, fr.F(k, k));
    }
  rcond_ = hi > 0.0 ? (lo / hi) * (lo / hi) : 0.0;
}

void GridCholesky::forwardSubtree(int f, const Eigen::VectorXd& F, Eigen::VectorXd& Y)
{
  forEachChild(fronts_[f].children, [&](int c) { forwardSubtree(c, F, Y); });
  forwardFront(f, F, Y);
}

void GridCholesky::forwardFront(int f, const Eigen::VectorXd& F, Eigen::VectorXd& Y)
{
  Front& fr = fronts_[f];
  const int n = int(fr.dofs.size()), nE = fr.nE, nU = n - nE;
  Eigen::VectorXd w = Eigen::VectorXd::Zero(n);
  for (int k = 0; k < nE; ++k) w(k) = F(fr.dofs[k]);
  for (size_t ci = 0; ci < fr.children.size(); ++ci) {
    const Eigen::VectorXd& cw = fronts_[fr.children[ci]].w;
    const std::vector<int>& map = fr.childMap[ci];
    for (size_t j = 0; j < map.size(); ++j) w(map[j]) += cw(Eigen::Index(j));
  }
  if (nE > 0) {
    cblas_dtrsv(CblasColMajor, CblasLower, CblasNoTrans, CblasNonUnit, nE, fr.F.data(), n, w.data(), 1);
    if (nU > 0)
      cblas_dgemv(CblasColMajor, CblasNoTrans, nU, nE, -1.0, fr.F.data() + nE, n, w.data(), 1, 1.0, w.data() + nE, 1);
  }
  for (int k = 0; k < nE; ++k) Y(fr.dofs[k]) = w(k);
  fr.w = w.tail(nU);
}

void GridCholesky::backwardSubtree(int f, Eigen::VectorXd& U)
{
  Front& fr = fronts_[f];
  const int n = int(fr.dofs.size()), nE = fr.nE, nU = n - nE;
  if (nE > 0) {
    Eigen::VectorXd z(nE), xU(nU);
    for (int k = 0; k < nE; ++k) z(k) = U(fr.dofs[k]);
    for (int k = 0; k < nU; ++k) xU(k) = U(fr.dofs[nE + k]);
    if (nU > 0)
      cblas_dgemv(CblasColMajor, CblasTrans, nU, nE, -1.0, fr.F.data() + nE, n, xU.data(), 1, 1.0, z.data(), 1);
    cblas_dtrsv(CblasColMajor, CblasLower, CblasTrans, CblasNonUnit, nE, fr.F.data(), n, z.data(), 1);
    for (int k = 0; k < nE; ++k) U(fr.dofs[k]) = z(k);
  }
  forEachChild(fr.children, [&](int c) { backwardSubtree(c, U); });
}

void GridCholesky::factorize(const Eigen::VectorXd& modulus, const ElementMatrix& KE)
{
  forwardResult_ = Eigen::VectorXd();
  factorize(modulus, KE, nullptr, nullptr);
}

void GridCholesky::factorizeWithLoad(const Eigen::VectorXd& modulus, const ElementMatrix& KE, const Eigen::VectorXd& F)
{
  checkLoadSize(F);
  forwardResult_ = Eigen::VectorXd::Zero(F.size());
  factorize(modulus, KE, &F, &forwardResult_);
}

Eigen::VectorXd GridCholesky::backSubstitute()
{
  if (forwardResult_.size() != Eigen::Index(fixed_.size()))
    throw std::logic_error("GridCholesky::backSubstitute without factorizeWithLoad");
  Eigen::VectorXd U = std::move(forwardResult_);
  forwardResult_ = Eigen::VectorXd();
  SingleThreadedBlas blas;
  backwardSubtree(int(fronts_.size()) - 1, U);
  return U;
}

void GridCholesky::checkLoadSize(const Eigen::VectorXd& F) const
{
  if (F.size() != Eigen::Index(fixed_.size())) throw std::invalid_argument("GridCholesky: one load per DOF");
}

Eigen::VectorXd GridCholesky::solve(const Eigen::VectorXd& F)
{
  checkLoadSize(F);
  Eigen::VectorXd U = Eigen::VectorXd::Zero(F.size());
  SingleThreadedBlas blas;
  const int root = int(fronts_.size()) - 1;
  forwardSubtree(root, F, U); // U holds L⁻¹F on the free DOFs, in front order
  backwardSubtree(root, U);
  return U;
}

} // namespace ntk
