// test_grid_cholesky.cpp — the structured-grid multifrontal Cholesky against an independent solve:
// K assembled with triplets from the same element matrices and factored by Eigen's SimplicialLLT.
// Grids from 1 × 1 to 60 × 20 (odd, flat and tall), every leaf size, supports that cut the grid in
// two (fronts with nothing to eliminate), high-contrast moduli (SIMP's 1e-9 void) and mechanisms.
#include <QtTest>

#include <random>

#include <Eigen/SparseCholesky>

#include "core/topopt/ElementStiffness.h"
#include "core/topopt/GridCholesky.h"
#include "core/util/Errors.h"

using namespace ntk;

namespace {

using ElementDofs = GridCholesky::ElementDofs;

ElementDofs elementDofs(int nelx, int nely) { return GridCholesky::elementDofs(nelx, nely); }

struct Case {
  int nelx, nely;
  std::vector<bool> fixed;
  Eigen::VectorXd modulus, F;
};

/// Left edge clamped (a cantilever), random moduli in [lo, 1] on a log scale, random loads.
Case cantilever(int nelx, int nely, double lo, unsigned seed)
{
  std::mt19937 rng(seed);
  Case c{nelx, nely, std::vector<bool>(2 * (nelx + 1) * (nely + 1), false), {}, {}};
  for (int iy = 0; iy <= nely; ++iy) c.fixed[2 * iy] = c.fixed[2 * iy + 1] = true;
  std::uniform_real_distribution<double> u(0.0, 1.0);
  c.modulus.resize(nelx * nely);
  for (auto& E : c.modulus) E = std::pow(lo, u(rng));
  c.F.resize(Eigen::Index(c.fixed.size()));
  for (auto& f : c.F) f = u(rng) - 0.5;
  return c;
}

/// The reference: triplet assembly over free DOFs and Eigen's simplicial LLᵀ.
Eigen::VectorXd referenceSolve(const Case& c, Eigen::SparseMatrix<double>* Kout = nullptr)
{
  const ElementDofs edof = elementDofs(c.nelx, c.nely);
  const auto KE = planeStressQ4Stiffness(0.3);
  std::vector<int> reduced(c.fixed.size(), -1), dofs;
  for (size_t g = 0; g < c.fixed.size(); ++g)
    if (!c.fixed[g]) { reduced[g] = int(dofs.size()); dofs.push_back(int(g)); }
  std::vector<Eigen::Triplet<double>> t;
  for (int e = 0; e < edof.rows(); ++e)
    for (int i = 0; i < 8; ++i)
      for (int j = 0; j < 8; ++j) {
        const int r = reduced[edof(e, i)], s = reduced[edof(e, j)];
        if (r >= 0 && s >= 0) t.emplace_back(r, s, c.modulus(e) * KE(i, j));
      }
  Eigen::SparseMatrix<double> K(Eigen::Index(dofs.size()), Eigen::Index(dofs.size()));
  K.setFromTriplets(t.begin(), t.end());
  Eigen::VectorXd f(Eigen::Index(dofs.size()));
  for (size_t k = 0; k < dofs.size(); ++k) f(Eigen::Index(k)) = c.F(dofs[k]);
  Eigen::SimplicialLLT<Eigen::SparseMatrix<double>> llt(K);
  Eigen::VectorXd u = llt.solve(f), U = Eigen::VectorXd::Zero(c.F.size());
  for (size_t k = 0; k < dofs.size(); ++k) U(dofs[k]) = u(Eigen::Index(k));
  if (Kout) *Kout = K;
  return U;
}

Eigen::VectorXd gridSolve(const Case& c, int leafNodes)
{
  GridCholesky chol(c.nelx, c.nely, elementDofs(c.nelx, c.nely), c.fixed, std::numeric_limits<double>::infinity(), leafNodes);
  chol.factorize(c.modulus, planeStressQ4Stiffness(0.3));
  return chol.solve(c.F);
}

double relativeDifference(const Eigen::VectorXd& a, const Eigen::VectorXd& b) { return (a - b).norm() / b.norm(); }

} // namespace

class TestGridCholesky : public QObject {
  Q_OBJECT
private slots:
  void matchesSimplicialLlt_data()
  {
    QTest::addColumn<int>("nelx");
    QTest::addColumn<int>("nely");
    QTest::addColumn<int>("leaf");
    for (auto [x, y] : std::vector<std::pair<int, int>>{{1, 1}, {1, 7}, {9, 1}, {2, 2}, {7, 3}, {3, 11}, {20, 13}, {60, 20}, {31, 47}})
      for (int leaf : {4, 9, 32, 200})
        QTest::newRow(qPrintable(QString("%1x%2 leaf %3").arg(x).arg(y).arg(leaf))) << x << y << leaf;
  }
  void matchesSimplicialLlt()
  {
    QFETCH(int, nelx);
    QFETCH(int, nely);
    QFETCH(int, leaf);
    const Case c = cantilever(nelx, nely, 1e-3, unsigned(nelx * 131 + nely * 7 + leaf));
    const Eigen::VectorXd ref = referenceSolve(c), U = gridSolve(c, leaf);
    QVERIFY2(relativeDifference(U, ref) < 1e-10, qPrintable(QString::number(relativeDifference(U, ref))));
    for (size_t g = 0; g < c.fixed.size(); ++g)
      if (c.fixed[g]) QCOMPARE(U(Eigen::Index(g)), 0.0);
  }

  // SIMP's contrast (Emin = 1e-9): the residual stays at rounding level relative to ‖K‖‖U‖.
  void highContrastResidual()
  {
    const Case c = cantilever(60, 20, 1e-9, 7);
    Eigen::SparseMatrix<double> K;
    referenceSolve(c, &K);
    const Eigen::VectorXd U = gridSolve(c, 32);
    std::vector<int> dofs;
    for (size_t g = 0; g < c.fixed.size(); ++g)
      if (!c.fixed[g]) dofs.push_back(int(g));
    Eigen::VectorXd u(Eigen::Index(dofs.size())), f(u.size());
    for (size_t k = 0; k < dofs.size(); ++k) { u(Eigen::Index(k)) = U(dofs[k]); f(Eigen::Index(k)) = c.F(dofs[k]); }
    const double normK = Eigen::MatrixXd(K).lpNorm<Eigen::Infinity>();
    const double residual = (K * u - f).lpNorm<Eigen::Infinity>() / (normK * u.lpNorm<Eigen::Infinity>());
    QVERIFY2(residual < 1e-14, qPrintable(QString::number(residual)));
  }

  // A clamped column of nodes in the middle: the root front eliminates nothing, the two halves are
  // independent problems.
  void separatorFullyFixed()
  {
    Case c = cantilever(12, 5, 1e-2, 3);
    for (int iy = 0; iy <= 5; ++iy) c.fixed[2 * (6 * 6 + iy)] = c.fixed[2 * (6 * 6 + iy) + 1] = true;
    const Eigen::VectorXd ref = referenceSolve(c), U = gridSolve(c, 4);
    QVERIFY(relativeDifference(U, ref) < 1e-10);
  }

  // Fronts must all be factored again from the new moduli (no stale update matrices).
  void refactorisationUsesNewModuli()
  {
    Case c = cantilever(30, 10, 1e-3, 11);
    GridCholesky chol(30, 10, elementDofs(30, 10), c.fixed, std::numeric_limits<double>::infinity(), 16);
    chol.factorize(c.modulus, planeStressQ4Stiffness(0.3));
    c.modulus = cantilever(30, 10, 1e-3, 12).modulus;
    chol.factorize(c.modulus, planeStressQ4Stiffness(0.3));
    QVERIFY(relativeDifference(chol.solve(c.F), referenceSolve(c)) < 1e-10);
    QVERIFY(chol.rcond() > 0.0 && chol.rcond() < 1.0);
    QVERIFY(chol.flops() > 0.0);
  }

  // The forward substitution fused into the factorisation gives the same U as a separate solve.
  void fusedForwardSubstitution()
  {
    const Case c = cantilever(40, 17, 1e-4, 21);
    GridCholesky chol(40, 17, elementDofs(40, 17), c.fixed);
    chol.factorizeWithLoad(c.modulus, planeStressQ4Stiffness(0.3), c.F);
    const Eigen::VectorXd fused = chol.backSubstitute();
    QVERIFY(relativeDifference(fused, referenceSolve(c)) < 1e-10);
    QCOMPARE(relativeDifference(chol.solve(c.F), fused), 0.0);
    QVERIFY_THROWS_EXCEPTION(std::logic_error, chol.backSubstitute());
  }

  // The fronts are sized before anything is allocated: above the limit, a refusal with the figure.
  void refusesFrontsAboveMemoryLimit()
  {
    const Case c = cantilever(30, 10, 1e-3, 1);
    GridCholesky fits(30, 10, elementDofs(30, 10), c.fixed);
    const double bytes = 8.0 * fits.storedEntries();
    QVERIFY(bytes > 0.0);
    GridCholesky exact(30, 10, elementDofs(30, 10), c.fixed, bytes); // exactly the need: accepted
    try {
      GridCholesky refused(30, 10, elementDofs(30, 10), c.fixed, 0.5 * bytes);
      QFAIL("no MemoryLimitError");
    } catch (const MemoryLimitError& e) {
      QVERIFY2(QString(e.what()).contains("dense fronts need"), e.what());
    }
  }

  // No supports: K is singular. Either a pivot fails or the condition estimate shows it.
  void mechanismIsRefusedOrFlagged()
  {
    Case c = cantilever(8, 4, 1.0, 5);
    std::fill(c.fixed.begin(), c.fixed.end(), false);
    GridCholesky chol(8, 4, elementDofs(8, 4), c.fixed, std::numeric_limits<double>::infinity(), 16);
    try {
      chol.factorize(c.modulus, planeStressQ4Stiffness(0.3));
      QVERIFY2(chol.rcond() < 1e-13, qPrintable(QString::number(chol.rcond())));
    } catch (const NumericalError&) {
    }
  }
};

QTEST_APPLESS_MAIN(TestGridCholesky)
#include "test_grid_cholesky.moc"
