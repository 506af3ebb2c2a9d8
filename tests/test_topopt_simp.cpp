// test_topopt_simp.cpp — classic SIMP against top88 (GNU Octave) and against its own definitions:
// the element stiffness (symmetry, the 3 rigid motions as its null space), the FE solve (K U = F
// assembled independently with triplets), the compliance gradient (central finite differences),
// the filter (a sparse H built as top88 builds it), the OC volume constraint and top88's published
// iteration counts and compliances on the MBB half-beam.
#include <QtTest>

#include <Eigen/Eigenvalues>
#include <Eigen/SparseCholesky>

#include "core/topopt/ComplianceSolver.h"
#include "core/topopt/DensityFilter.h"
#include "core/topopt/ElementStiffness.h"
#include "core/topopt/SimpSolver.h"
#include "core/topopt/TopoptProblem.h"
#include "core/util/Errors.h"

using namespace ntk;

namespace {

Eigen::VectorXd randomDensity(int n, unsigned seed)
{
  std::srand(seed);
  return (Eigen::VectorXd::Random(n).array() * 0.4 + 0.55).matrix();
}

/// top88's H as a dense matrix: H(i, j) = max(0, rmin − dist) for |Δ| ≤ ⌈rmin⌉ − 1.
Eigen::MatrixXd top88FilterMatrix(int nelx, int nely, double rmin)
{
  const int n = nelx * nely, R = int(std::ceil(rmin)) - 1;
  Eigen::MatrixXd H = Eigen::MatrixXd::Zero(n, n);
  for (int i1 = 0; i1 < nelx; ++i1)
    for (int j1 = 0; j1 < nely; ++j1)
      for (int i2 = std::max(i1 - R, 0); i2 <= std::min(i1 + R, nelx - 1); ++i2)
        for (int j2 = std::max(j1 - R, 0); j2 <= std::min(j1 + R, nely - 1); ++j2)
          H(i1 * nely + j1, i2 * nely + j2) =
            std::max(0.0, rmin - std::sqrt(double((i1 - i2) * (i1 - i2) + (j1 - j2) * (j1 - j2))));
  return H;
}

struct RunResult {
  int iterations = 0;
  double compliance = 0.0, firstCompliance = 0.0;
  bool converged = false;
  double maxVolumeError = 0.0;
};

RunResult runMbb(int nelx, int nely, double rmin, SimpFilter filter)
{
  SimpOptions opt;
  opt.volfrac = 0.5;
  opt.rmin = rmin;
  opt.filter = filter;
  SimpSolver solver(mbbProblem(nelx, nely), opt);
  RunResult r;
  solver.run({}, [&](const TopoptIterate& it) {
    if (it.iteration == 1) r.firstCompliance = it.compliance;
    r.maxVolumeError = std::max(r.maxVolumeError, std::abs(it.volume - opt.volfrac));
  });
  r.iterations = solver.iteration();
  r.compliance = solver.history().back().compliance;
  r.converged = solver.converged();
  return r;
}

} // namespace

class TestTopoptSimp : public QObject {
  Q_OBJECT
private slots:
  void elementStiffnessIsSymmetricWithThreeRigidModes()
  {
    const ElementMatrix KE = planeStressQ4Stiffness(0.3);
    QVERIFY((KE - KE.transpose()).cwiseAbs().maxCoeff() < 1e-15);
    Eigen::SelfAdjointEigenSolver<ElementMatrix> eig(KE);
    const auto& l = eig.eigenvalues();
    QVERIFY(std::abs(l(0)) < 1e-12 && std::abs(l(1)) < 1e-12 && std::abs(l(2)) < 1e-12);
    QVERIFY(l(3) > 1e-2);
    // The null space is spanned by the rigid motions: x-translation, y-translation, rotation.
    // Node coordinates in edofMat order: (0,0), (1,0), (1,1), (0,1) (y up).
    const double xs[4] = {0, 1, 1, 0}, ys[4] = {0, 0, 1, 1};
    Eigen::Matrix<double, 8, 3> rigid;
    for (int k = 0; k < 4; ++k) {
      rigid.row(2 * k) << 1, 0, -ys[k];
      rigid.row(2 * k + 1) << 0, 1, xs[k];
    }
    QVERIFY((KE * rigid).cwiseAbs().maxCoeff() < 1e-14);
  }

  void solveMatchesIndependentAssembly()
  {
    const TopoptProblem p = cantileverProblem(7, 5);
    ComplianceSolver fe(p);
    const Eigen::VectorXd y = randomDensity(p.elementCount(), 3);
    const double c = fe.solve(y);
    // Independent: full K from triplets with top88's iK/jK, reduced by deleting fixed rows/columns.
    const ElementMatrix KE = planeStressQ4Stiffness(0.3);
    const int ndof = p.dofCount();
    Eigen::MatrixXd K = Eigen::MatrixXd::Zero(ndof, ndof);
    for (int e = 0; e < p.elementCount(); ++e) {
      const double E = 1e-9 + std::pow(y(e), 3.0) * (1.0 - 1e-9);
      for (int i = 0; i < 8; ++i)
        for (int j = 0; j < 8; ++j) K(fe.elementDofs()(e, i), fe.elementDofs()(e, j)) += E * KE(i, j);
    }
    std::vector<int> freeDofs;
    const std::vector<int> fixed = p.fixedDofs();
    for (int d = 0; d < ndof; ++d)
      if (!std::binary_search(fixed.begin(), fixed.end(), d)) freeDofs.push_back(d);
    const int nf = int(freeDofs.size());
    Eigen::MatrixXd Kf(nf, nf);
    Eigen::VectorXd Ff(nf);
    const Eigen::VectorXd F = p.loadVector();
    for (int a = 0; a < nf; ++a) {
      Ff(a) = F(freeDofs[a]);
      for (int b = 0; b < nf; ++b) Kf(a, b) = K(freeDofs[a], freeDofs[b]);
    }
    const Eigen::VectorXd Uf = Kf.ldlt().solve(Ff);
    QVERIFY(std::abs(c - Ff.dot(Uf)) < 1e-10 * std::abs(c));
    for (int a = 0; a < nf; ++a) QVERIFY(std::abs(fe.displacement()(freeDofs[a]) - Uf(a)) < 1e-9 * Uf.cwiseAbs().maxCoeff());
  }

  // The two sparse Cholesky solvers are independent implementations of the same solve: the
  // compliance and its gradient agree to rounding, on every preset, and so does a whole SIMP run.
  void gridSolverEqualsCholmod()
  {
    for (const TopoptProblem& p : {mbbProblem(45, 15), cantileverProblem(23, 31), michellProblem(40, 21), bridgeProblem(36, 12)}) {
      ComplianceSolver grid(p, {}, FeSolver::Grid), cholmod(p, {}, FeSolver::Cholmod);
      const Eigen::VectorXd y = randomDensity(p.elementCount(), 5);
      Eigen::VectorXd dcGrid, dcCholmod;
      const double cGrid = grid.solve(y, &dcGrid), cCholmod = cholmod.solve(y, &dcCholmod);
      QVERIFY2(std::abs(cGrid - cCholmod) < 1e-11 * cCholmod, p.name.c_str());
      QVERIFY2((dcGrid - dcCholmod).norm() < 1e-10 * dcCholmod.norm(), p.name.c_str());
      QVERIFY2((grid.displacement() - cholmod.displacement()).norm() < 1e-10 * cholmod.displacement().norm(), p.name.c_str());
    }
    SimpOptions opt;
    opt.solver = FeSolver::Cholmod;
    SimpSolver reference(mbbProblem(60, 20), opt);
    reference.run();
    opt.solver = FeSolver::Grid;
    SimpSolver fast(mbbProblem(60, 20), opt);
    fast.run();
    QCOMPARE(fast.iteration(), reference.iteration());
    const double cRef = reference.history().back().compliance, cFast = fast.history().back().compliance;
    QVERIFY2(std::abs(cFast - cRef) < 1e-8 * cRef, qPrintable(QString("%1 vs %2").arg(cFast, 0, 'g', 17).arg(cRef, 0, 'g', 17)));
    QVERIFY((fast.physicalDensity() - reference.physicalDensity()).cwiseAbs().maxCoeff() < 1e-6);
  }

  // A grid whose dense fronts cannot fit: the grid solver refuses it with the estimate and names the
  // alternative, before allocating them.
  void gridSolverRefusesWhatCannotFit()
  {
    try {
      ComplianceSolver fe(mbbProblem(2000, 2000), {}, FeSolver::Grid);
      QFAIL("no MemoryLimitError");
    } catch (const MemoryLimitError& e) {
      QVERIFY2(QString(e.what()).contains("--solver cholmod"), e.what());
    }
  }

  void gradientEqualsFiniteDifferences()
  {
    const TopoptProblem p = michellProblem(12, 8);
    ComplianceSolver fe(p);
    const Eigen::VectorXd y = randomDensity(p.elementCount(), 7);
    Eigen::VectorXd dc;
    fe.solve(y, &dc);
    // Richardson-extrapolated central differences: O(h⁴) truncation with a step large enough that the
    // solver's rounding (~1e-13 relative on c) stays far below the tolerance.
    const auto central = [&](int e, double h) {
      Eigen::VectorXd yp = y, ym = y;
      yp(e) += h;
      ym(e) -= h;
      return (fe.solve(yp) - fe.solve(ym)) / (2 * h);
    };
    for (int e : {0, 5, 17, 40, 95}) {
      const double fd = (4.0 * central(e, 5e-4) - central(e, 1e-3)) / 3.0;
      QVERIFY2(std::abs(fd - dc(e)) < 1e-6 * std::abs(dc(e)) + 1e-12,
               qPrintable(QString("element %1: fd %2 vs analytic %3").arg(e).arg(fd).arg(dc(e))));
    }
  }

  void filterMatchesTop88SparseH()
  {
    for (double rmin : {1.5, 2.7, 4.0}) {
      const int nelx = 13, nely = 9;
      const DensityFilter f(nelx, nely, rmin);
      const Eigen::MatrixXd H = top88FilterMatrix(nelx, nely, rmin);
      const Eigen::VectorXd Hs = H.rowwise().sum();
      const Eigen::VectorXd x = randomDensity(nelx * nely, 11), g = randomDensity(nelx * nely, 12);
      QVERIFY((f.apply(x) - (H * x).cwiseQuotient(Hs)).cwiseAbs().maxCoeff() < 1e-13);
      QVERIFY((f.applyAdjoint(g) - H * g.cwiseQuotient(Hs)).cwiseAbs().maxCoeff() < 1e-12);
      const Eigen::VectorXd sens = (H * x.cwiseProduct(g)).cwiseQuotient(Hs).cwiseQuotient(x.cwiseMax(1e-3));
      QVERIFY((f.sensitivity(x, g) - sens).cwiseAbs().maxCoeff() < 1e-12);
      QVERIFY(std::abs(f.volumeWeights().dot(x) - f.apply(x).sum()) < 1e-10);
    }
  }

  void firstIterationComplianceMatchesTop88()
  {
    for (SimpFilter filter : {SimpFilter::Sensitivity, SimpFilter::Density}) {
      SimpOptions opt;
      opt.rmin = 1.5;
      opt.filter = filter;
      SimpSolver s(mbbProblem(60, 20), opt);
      const double c = s.step().compliance;
      QVERIFY2(std::abs(c - 1007.0221) < 1e-6 * 1007.0221, qPrintable(QString::number(c, 'g', 12)));
    }
  }

  void top88BisectionReproducesTop88Exactly()
  {
    // top88's OC bisection tolerance (1e-3) gives top88's own iteration counts and compliances.
    for (SimpFilter filter : {SimpFilter::Sensitivity, SimpFilter::Density}) {
      SimpOptions opt;
      opt.filter = filter;
      opt.bisectionTolerance = 1e-3;
      SimpSolver s(mbbProblem(60, 20), opt);
      s.run();
      const int expected = filter == SimpFilter::Sensitivity ? 94 : 127;
      const double c = filter == SimpFilter::Sensitivity ? 203.19 : 218.80;
      qInfo("top88 bisection: %d iterations, c = %.4f", s.iteration(), s.history().back().compliance);
      QCOMPARE(s.iteration(), expected);
      QVERIFY(std::abs(s.history().back().compliance - c) < 0.006);
    }
  }

  void mbbSensitivityFilterMatchesTop88()
  {
    const RunResult r = runMbb(60, 20, 1.5, SimpFilter::Sensitivity);
    qInfo("60x20 sensitivity: %d iterations, c = %.4f (top88: 94, 203.19)", r.iterations, r.compliance);
    QVERIFY(r.converged);
    QVERIFY(std::abs(r.iterations - 94) <= 3);
    QVERIFY(std::abs(r.compliance - 203.19) < 0.005 * 203.19);
  }

  void mbbDensityFilterMatchesTop88()
  {
    const RunResult r = runMbb(60, 20, 1.5, SimpFilter::Density);
    qInfo("60x20 density: %d iterations, c = %.4f (top88: 127, 218.80), max |V - 0.5| = %.2e", r.iterations,
          r.compliance, r.maxVolumeError);
    QVERIFY(r.converged);
    QVERIFY(std::abs(r.iterations - 127) <= 3);
    QVERIFY(std::abs(r.compliance - 218.80) < 0.005 * 218.80);
    QVERIFY(r.maxVolumeError < 1e-6);
  }

  void mbb120x40DensityFilterMatchesTop88()
  {
    const RunResult r = runMbb(120, 40, 3.0, SimpFilter::Density);
    qInfo("120x40 density rmin 3: %d iterations, c = %.4f (top88: 391, 219.26)", r.iterations, r.compliance);
    QVERIFY(r.converged);
    QVERIFY(std::abs(r.iterations - 391) <= 5);
    QVERIFY(std::abs(r.compliance - 219.26) < 0.005 * 219.26);
  }

  void heavisideProjectsTowardsBlackAndWhite()
  {
    SimpOptions opt;
    opt.rmin = 1.5;
    opt.heaviside = true;
    opt.maxIterations = 500;
    SimpSolver s(mbbProblem(60, 20), opt);
    s.run();
    const auto greyFraction = [](const Eigen::VectorXd& v) {
      return ((v.array() > 0.1) && (v.array() < 0.9)).cast<double>().mean();
    };
    opt.heaviside = false;
    SimpSolver plain(mbbProblem(60, 20), opt);
    plain.run();
    const Eigen::ArrayXd y = s.physicalDensity().array();
    const double grey = greyFraction(s.physicalDensity()), greyPlain = greyFraction(plain.physicalDensity());
    qInfo("Heaviside: %d iterations, c = %.3f, grey fraction %.4f (density filter alone: %.4f)", s.iteration(),
          s.history().back().compliance, grey, greyPlain);
    QVERIFY(grey < 0.06);
    QVERIFY(grey < 0.5 * greyPlain);
    QVERIFY(std::abs(y.mean() - 0.5) < 1e-3);
  }

  void passiveElementsStayFixed()
  {
    TopoptProblem p = mbbProblem(30, 10);
    p.passive.assign(size_t(p.elementCount()), PassiveKind::None);
    for (int ey = 2; ey < 6; ++ey) p.passive[size_t(p.elementIndex(10, ey))] = PassiveKind::Void;
    p.passive[size_t(p.elementIndex(20, 9))] = PassiveKind::Solid;
    SimpOptions opt;
    opt.maxIterations = 30;
    SimpSolver s(p, opt);
    s.run();
    for (int ey = 2; ey < 6; ++ey) QCOMPARE(s.physicalDensity()(p.elementIndex(10, ey)), 0.0);
    QCOMPARE(s.physicalDensity()(p.elementIndex(20, 9)), 1.0);
  }

  void loadEditContinuesFromCurrentDesign()
  {
    SimpOptions opt;
    SimpSolver s(mbbProblem(30, 10), opt);
    for (int i = 0; i < 10; ++i) s.step();
    const Eigen::VectorXd before = s.design();
    TopoptProblem p = s.problem();
    p.loads[0] = {5, 0, 0.0, -1.0};
    s.setProblem(p);
    QCOMPARE(s.design(), Eigen::VectorXd(before.cwiseMax(1e-3))); // kept, void lifted so it can regrow
    QCOMPARE(s.iteration(), 10);
    const TopoptIterate it = s.step();
    QCOMPARE(it.iteration, 11);
    // New supports rebuild the FE model but keep the design too.
    p.supports.push_back({0, 10, false, true});
    const Eigen::VectorXd mid = s.design();
    s.setProblem(p);
    QCOMPARE(s.design(), Eigen::VectorXd(mid.cwiseMax(1e-3)));
    QVERIFY(std::isfinite(s.step().compliance));
    TopoptProblem bigger = mbbProblem(31, 10);
    QVERIFY_THROWS_EXCEPTION(InputError, s.setProblem(bigger));
  }

  void loadInVoidIsReachedAfterAnEdit()
  {
    // The live-edit case: a converged MBB design, then a second load in the middle of the right edge,
    // where the design is void. Material must grow out to it (top88's multiplicative OC alone keeps an
    // element at x = 0 there forever) and the cap counts from the edit.
    SimpOptions opt;
    opt.maxIterations = 300;
    SimpSolver s(mbbProblem(60, 20), opt);
    s.run();
    TopoptProblem p = s.problem();
    QVERIFY(s.physicalDensity()(p.elementIndex(59, 10)) < 0.05);
    p.loads.push_back({60, 10, 0.0, -1.0});
    const int before = s.iteration();
    s.setProblem(p);
    QVERIFY(!s.finished());
    s.run();
    QVERIFY(s.iteration() > before);
    SimpSolver fresh(p, opt);
    fresh.run();
    const double continued = s.history().back().compliance, scratch = fresh.history().back().compliance;
    qInfo("load added in void: continued c = %.2f after %d more iterations, from scratch c = %.2f", continued,
          s.iteration() - before, scratch);
    QVERIFY(continued < 1.3 * scratch);
    QVERIFY(s.physicalDensity()(p.elementIndex(59, 10)) > 0.5);
  }

  void passiveElementsMustLeaveTheVolumeReachable()
  {
    TopoptProblem p = mbbProblem(10, 4);
    p.passive.assign(size_t(p.elementCount()), PassiveKind::Solid);
    SimpOptions opt;
    QVERIFY_THROWS_EXCEPTION(InputError, SimpSolver(p, opt));
    p.passive.assign(size_t(p.elementCount()), PassiveKind::Void);
    QVERIFY_THROWS_EXCEPTION(InputError, SimpSolver(p, opt));
    p.passive.assign(size_t(p.elementCount()), PassiveKind::None);
    for (int e = 0; e < 19; ++e) p.passive[size_t(e)] = PassiveKind::Solid; // 19 < 0.5 · 40
    SimpSolver ok(p, opt);
    QVERIFY(ok.step().compliance > 0.0);
  }

  void badProblemsAreRefused_data()
  {
    QTest::addColumn<QString>("which");
    QTest::addColumn<QString>("fragment");
    QTest::newRow("zero grid") << "zero" << "at least 1";
    QTest::newRow("no supports") << "nosupport" << "no support";
    QTest::newRow("load off grid") << "offgrid" << "off the grid";
    QTest::newRow("NaN load") << "nan" << "finite";
    QTest::newRow("one node") << "onenode" << "rigid motion";
    QTest::newRow("mechanism") << "mechanism" << "singular";
    QTest::newRow("volfrac") << "volfrac" << "volfrac";
  }
  void badProblemsAreRefused()
  {
    QFETCH(QString, which);
    QFETCH(QString, fragment);
    TopoptProblem p = mbbProblem(20, 10);
    SimpOptions opt;
    if (which == "zero") p.nelx = 0;
    if (which == "nosupport") p.supports.clear();
    if (which == "offgrid") p.loads[0].ix = 21;
    if (which == "nan") p.loads[0].fy = std::nan("");
    if (which == "onenode") p.supports = {{0, 0, true, true}, {0, 0, true, false}};
    if (which == "mechanism") p.supports = {{0, 0, true, false}, {0, 5, true, false}, {0, 10, true, false}};
    if (which == "volfrac") opt.volfrac = 1.5;
    try {
      SimpSolver s(p, opt);
      QFAIL("not refused");
    } catch (const NtkError& e) {
      QVERIFY2(QString(e.what()).contains(fragment), e.what());
    }
  }
};

QTEST_APPLESS_MAIN(TestTopoptSimp)
#include "test_topopt_simp.moc"
