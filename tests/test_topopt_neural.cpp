// test_topopt_neural.cpp — SIMP with the density given by a network (Dupuis & Jacot 2021).
// The density map y = σ(z + b): the volume holds by bisection, passive elements are 1/0; its implicit
// gradient ∂c/∂z equals central differences of c(y(z)) in double (the bisection re-run each time);
// ∂c/∂θ through the float32 layers equals central differences of the same chain evaluated by the
// double-precision FiniteNetwork; the solver's first Rprop step is −lr·sign of that gradient.
// The solver: the volume after every step, the stop rule, render() at 1× equals the density, setProblem
// keeps the network; the fidelity (Fourier embedding within 10 % of classic SIMP's compliance on
// MBB 60 × 20, no checkerboard) and symmetry (raw coordinates break the bridge's mirror symmetry, the
// torus does not); input errors. Set NTK_TOPOPT_REPORT=1 to print compliances, asymmetries and times.
#include <QtTest>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <random>

#include "core/nets/FiniteNetwork.h"
#include "core/nets/FloatMlp.h"
#include "core/topopt/ComplianceSolver.h"
#include "core/topopt/NeuralTopopt.h"
#include "core/topopt/SimpSolver.h"
#include "core/topopt/TopoptNetwork.h"
#include "core/topopt/VolumeSigmoid.h"
#include "core/util/Errors.h"

using namespace ntk;

namespace {

using Clock = std::chrono::steady_clock;
bool report() { return std::getenv("NTK_TOPOPT_REPORT") != nullptr; }
double secondsSince(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

Eigen::VectorXd randomVector(Eigen::Index n, double lo, double hi, std::uint64_t seed)
{
  std::mt19937_64 g(seed);
  Eigen::VectorXd v(n);
  for (Eigen::Index i = 0; i < n; ++i) v(i) = lo + (hi - lo) * double(g() >> 11) * 0x1.0p-53;
  return v;
}

/// Fraction of 2 × 2 element blocks that are a checkerboard: both entries of one diagonal exceed both
/// entries of the other by more than ½ (the alternating solid/void pattern SIMP without a filter makes).
double checkerboardFraction(const Eigen::VectorXd& y, int nelx, int nely)
{
  const Eigen::Map<const Eigen::MatrixXd> g(y.data(), nely, nelx);
  int blocks = 0, boards = 0;
  for (int ex = 0; ex + 1 < nelx; ++ex)
    for (int ey = 0; ey + 1 < nely; ++ey) {
      const double a = g(ey, ex), d = g(ey + 1, ex + 1), b = g(ey, ex + 1), c = g(ey + 1, ex);
      const double gap = std::max(std::min(a, d) - std::max(b, c), std::min(b, c) - std::max(a, d));
      boards += gap > 0.5 ? 1 : 0;
      ++blocks;
    }
  return double(boards) / double(blocks);
}

/// ‖y − mirror(y)‖ / ‖y‖, mirror about the vertical centre line.
double mirrorAsymmetry(const Eigen::VectorXd& y, int nelx, int nely)
{
  const Eigen::Map<const Eigen::MatrixXd> g(y.data(), nely, nelx);
  return (g - g.rowwise().reverse()).norm() / g.norm();
}

/// Fraction of elements with 0.1 < y < 0.9.
double greyFraction(const Eigen::VectorXd& y) { return double(((y.array() > 0.1) && (y.array() < 0.9)).count()) / double(y.size()); }

TopoptNetworkOptions netOptions(TopoptEmbedding e, int width = 64, double ell = 2.0)
{
  TopoptNetworkOptions o;
  o.embedding = e;
  o.width = width;
  o.ell = ell;
  o.features = 64;
  return o;
}

/// c(y(z)) with z = x̂ − x̂₀ + logit V, all in double.
double complianceOfPreDensity(ComplianceSolver& fe, const Eigen::VectorXd& z, const TopoptProblem& p, double V)
{
  return fe.solve(volumeSigmoid(z, p.passive, V).y);
}

} // namespace

class TestTopoptNeural : public QObject {
  Q_OBJECT
private slots:
  void volumeSigmoidHoldsTheVolume();
  void implicitGradientEqualsFiniteDifferences();
  void networkGradientEqualsFiniteDifferences();
  void solverKeepsTheVolumeEveryStep();
  void stopRuleAndRender();
  void setProblemKeepsTheNetwork();
  void fourierEmbeddingMatchesClassicWithoutCheckerboard();
  void torusKeepsSymmetryRawCoordinatesBreakIt();
  void inputErrors();
};

void TestTopoptNeural::volumeSigmoidHoldsTheVolume()
{
  const Eigen::VectorXd z = randomVector(500, -30.0, 30.0, 1);
  for (double V : {0.01, 0.3, 0.5, 0.97}) {
    const VolumeSigmoid s = volumeSigmoid(z, {}, V);
    QVERIFY2(std::abs(s.y.sum() - V * 500.0) < 1e-9, qPrintable(QString("V %1: Σy %2").arg(V).arg(s.y.sum(), 0, 'g', 17)));
    QVERIFY(s.y.minCoeff() >= 0.0 && s.y.maxCoeff() <= 1.0);
    // y is σ(z + b) exactly
    QVERIFY((s.y - shiftedSigmoid(z, {}, s.b)).cwiseAbs().maxCoeff() == 0.0);
  }
  // z = logit V everywhere: b = 0, y = V.
  const double logit = std::log(0.3 / 0.7);
  const VolumeSigmoid u = volumeSigmoid(Eigen::VectorXd::Constant(40, logit), {}, 0.3);
  QVERIFY(std::abs(u.b) < 1e-14);
  QVERIFY((u.y.array() - 0.3).abs().maxCoeff() < 1e-14);
  // Passive: solid 1, void 0, the volume over the active elements only.
  std::vector<PassiveKind> passive(500, PassiveKind::None);
  for (int j = 0; j < 60; ++j) passive[size_t(j)] = PassiveKind::Solid;
  for (int j = 60; j < 100; ++j) passive[size_t(j)] = PassiveKind::Void;
  const VolumeSigmoid p = volumeSigmoid(z, passive, 0.4);
  QVERIFY((p.y.head(60).array() == 1.0).all());
  QVERIFY((p.y.segment(60, 40).array() == 0.0).all());
  QVERIFY(std::abs(p.y.tail(400).sum() - 0.4 * 400.0) < 1e-9);
  // All passive: nothing to solve.
  const std::vector<PassiveKind> allSolid(3, PassiveKind::Solid);
  QVERIFY((volumeSigmoid(Eigen::VectorXd::Zero(3), allSolid, 0.5).y.array() == 1.0).all());
  QVERIFY_THROWS_EXCEPTION(InputError, volumeSigmoid(z, {}, 1.0));
  QVERIFY_THROWS_EXCEPTION(InputError, volumeSigmoid(z, std::vector<PassiveKind>(3), 0.5));
  Eigen::VectorXd bad = z;
  bad(3) = NAN;
  QVERIFY_THROWS_EXCEPTION(InputError, volumeSigmoid(bad, {}, 0.5));
}

void TestTopoptNeural::implicitGradientEqualsFiniteDifferences()
{
  // MBB 12 × 4 with a spread of pre-densities (y from ~0.05 to ~0.95) and a passive element of each kind.
  TopoptProblem p = mbbProblem(12, 4);
  p.passive.assign(size_t(p.elementCount()), PassiveKind::None);
  p.passive[size_t(p.elementIndex(5, 1))] = PassiveKind::Solid;
  p.passive[size_t(p.elementIndex(9, 3))] = PassiveKind::Void;
  ComplianceSolver fe(p);
  const double V = 0.4;
  const Eigen::VectorXd z = randomVector(p.elementCount(), -3.0, 3.0, 7).array() + std::log(V / (1 - V));
  const VolumeSigmoid s = volumeSigmoid(z, p.passive, V);
  Eigen::VectorXd dc;
  fe.solve(s.y, &dc);
  const Eigen::VectorXd analytic = volumeSigmoidGradient(s.y, dc, p.passive);
  // h 1e-4: the FE solve's rounding (~1e-10 relative with Emin-weak elements) over h stays ~1e-6; the
  // O(h²) truncation is smaller still (h 1e-3 gives 6e-7, 1e-5 gives 8e-6, 1e-6 gives 8e-5).
  const double h = 1e-4;
  Eigen::VectorXd fd(z.size());
  for (Eigen::Index j = 0; j < z.size(); ++j) {
    Eigen::VectorXd zp = z, zm = z;
    zp(j) += h;
    zm(j) -= h;
    fd(j) = (complianceOfPreDensity(fe, zp, p, V) - complianceOfPreDensity(fe, zm, p, V)) / (2 * h);
  }
  const double err = (fd - analytic).cwiseAbs().maxCoeff() / analytic.cwiseAbs().maxCoeff();
  if (report()) qInfo("dc/dx̂ vs central differences (h 1e-4), MBB 12 × 4: max relative error %.2e", err);
  QVERIFY2(err < 1e-5, qPrintable(QString::number(err)));
  QCOMPARE(analytic(p.elementIndex(5, 1)), 0.0);
  QCOMPARE(analytic(p.elementIndex(9, 3)), 0.0);
  // Adding a constant to every active z changes nothing (b absorbs it): the gradient sums to zero.
  QVERIFY(std::abs(analytic.sum()) < 1e-10 * analytic.cwiseAbs().sum());
}

void TestTopoptNeural::networkGradientEqualsFiniteDifferences()
{
  // ∂c/∂θ by FloatMlp's backward pass of ∂c/∂x̂ (float32) against central differences of c(θ) computed
  // entirely in double by FiniteNetwork with the same (float-valued) parameters. Tolerance: 1e-4 of the
  // largest component (float32 products of width 32 accumulate ~1e-6 relative, measured 7.5e-6; the
  // double FD with h 1e-6 is good to ~1e-8).
  const TopoptProblem p = mbbProblem(12, 4);
  const double V = 0.5;
  TopoptNetworkOptions no = netOptions(TopoptEmbedding::Fourier, 32, 1.5);
  no.features = 16;
  const Network net = topoptNetwork(no, p.nelx, p.nely);
  FloatMlp mlp(net, 3);
  FiniteNetwork ref(net, 3);
  for (size_t k = 0; k < ref.weights().size(); ++k) { // the float values, exactly, in double
    ref.weights()[k] = mlp.weights()[k].cast<double>();
    ref.biases()[k] = mlp.biases()[k].cast<double>();
  }
  const Eigen::MatrixXd inputs = topoptInputs(p.nelx, p.nely);
  const Eigen::VectorXd xhat0 = ref.forward(inputs).col(0);
  // Move away from the uniform start so that the gradient is generic: perturb the readout bias-free part.
  const Eigen::VectorXd shift = randomVector(p.elementCount(), -1.0, 1.0, 2);
  ComplianceSolver fe(p);
  const double logitV = std::log(V / (1 - V));
  const auto c = [&](const FiniteNetwork& f) {
    return complianceOfPreDensity(fe, (f.forward(inputs).col(0) - xhat0 + shift).array() + logitV, p, V);
  };
  // Analytic: at the float network.
  const Eigen::MatrixXf X = mlp.encode(inputs);
  FloatMlpWorkspace w;
  const Eigen::VectorXd xhat = mlp.forward(FloatRows::of(X), w).col(0).cast<double>();
  const VolumeSigmoid s = volumeSigmoid((xhat - xhat0 + shift).array() + logitV, p.passive, V);
  Eigen::VectorXd dc;
  fe.solve(s.y, &dc);
  const Eigen::VectorXd dz = volumeSigmoidGradient(s.y, dc, p.passive);
  std::vector<Eigen::MatrixXf> gW;
  std::vector<Eigen::VectorXf> gb;
  mlp.backward(FloatRows::of(X), w, dz.cast<float>(), gW, gb);
  double largest = 0.0;
  for (size_t k = 0; k < gW.size(); ++k) largest = std::max({largest, double(gW[k].cwiseAbs().maxCoeff()), double(gb[k].cwiseAbs().maxCoeff())});
  QVERIFY(largest > 0.0);
  // Central differences on a few parameters of every layer (W and b).
  const double h = 1e-6;
  double worst = 0.0;
  int checked = 0;
  for (size_t k = 0; k < gW.size(); ++k) {
    for (auto [r, col] : {std::pair<int, int>{0, 0}, {int(gW[k].rows()) - 1, int(gW[k].cols()) / 2}, {int(gW[k].rows()) / 3, 1}}) {
      const double save = ref.weights()[k](r, col);
      ref.weights()[k](r, col) = save + h;
      const double cp = c(ref);
      ref.weights()[k](r, col) = save - h;
      const double cm = c(ref);
      ref.weights()[k](r, col) = save;
      worst = std::max(worst, std::abs((cp - cm) / (2 * h) - double(gW[k](r, col))) / largest);
      ++checked;
    }
    for (int r : {0, int(gb[k].size()) - 1}) {
      const double save = ref.biases()[k](r);
      ref.biases()[k](r) = save + h;
      const double cp = c(ref);
      ref.biases()[k](r) = save - h;
      const double cm = c(ref);
      ref.biases()[k](r) = save;
      worst = std::max(worst, std::abs((cp - cm) / (2 * h) - double(gb[k](r))) / largest);
      ++checked;
    }
  }
  if (report()) qInfo("dc/dθ (float32 backward) vs double central differences, %d parameters: max error %.2e of the largest", checked, worst);
  QVERIFY2(worst < 1e-4, qPrintable(QString::number(worst)));

  // The solver wires the same chain: its first Rprop step moves every parameter by −lr·sign(∂c/∂θ)
  // (at the uniform start, shift = 0). Reference gradient here by the float chain at shift 0.
  NeuralTopoptOptions o;
  o.volfrac = V;
  o.optimizer = TopoptOptimizer::Rprop;
  o.learningRate = 1e-3;
  o.seed = 3;
  NeuralTopoptSolver solver(p, net, o);
  const VolumeSigmoid s0 = volumeSigmoid(Eigen::VectorXd::Constant(p.elementCount(), logitV), p.passive, V);
  fe.solve(s0.y, &dc);
  mlp.forward(FloatRows::of(X), w);
  mlp.backward(FloatRows::of(X), w, volumeSigmoidGradient(s0.y, dc, p.passive).cast<float>(), gW, gb);
  solver.step();
  int compared = 0;
  for (size_t k = 0; k < gW.size(); ++k) {
    const Eigen::MatrixXf moved = mlp.weights()[k] - solver.mlp().weights()[k];
    const float scale = gW[k].cwiseAbs().maxCoeff();
    for (Eigen::Index i = 0; i < moved.size(); ++i) {
      if (std::abs(gW[k](i)) < 1e-3f * scale) continue; // float noise may flip the sign of tiny components
      QVERIFY(std::abs(moved(i) - 1e-3f * (gW[k](i) > 0 ? 1.0f : -1.0f)) < 1e-6f);
      ++compared;
    }
  }
  QVERIFY(compared > 100);
}

void TestTopoptNeural::solverKeepsTheVolumeEveryStep()
{
  // MBB 60 × 20 with a passive solid block and a void hole (so Σ_active y = V·N_active is tested).
  TopoptProblem p = mbbProblem(60, 20);
  p.passive.assign(size_t(p.elementCount()), PassiveKind::None);
  for (int ex = 40; ex < 44; ++ex)
    for (int ey = 8; ey < 12; ++ey) p.passive[size_t(p.elementIndex(ex, ey))] = PassiveKind::Void;
  for (int ex = 0; ex < 3; ++ex) p.passive[size_t(p.elementIndex(ex, 0))] = PassiveKind::Solid;
  const double V = 0.4;
  for (TopoptOptimizer opt : {TopoptOptimizer::Adam, TopoptOptimizer::Rprop}) {
    NeuralTopoptOptions o;
    o.volfrac = V;
    o.optimizer = opt;
    o.learningRate = opt == TopoptOptimizer::Adam ? 0.01 : 0.005;
    NeuralTopoptSolver s(p, topoptNetwork(netOptions(TopoptEmbedding::Fourier), 60, 20), o);
    const double active = double(p.elementCount() - 16 - 3);
    for (int i = 0; i < 25; ++i) {
      const TopoptIterate it = s.step();
      const Eigen::VectorXd& y = s.physicalDensity();
      double activeSum = 0.0;
      for (int e = 0; e < p.elementCount(); ++e)
        if (p.passiveAt(e) == PassiveKind::None) activeSum += y(e);
      QVERIFY2(std::abs(activeSum - V * active) < 1e-6 * V * active,
               qPrintable(QString("step %1: Σ_active y %2 vs %3").arg(i + 1).arg(activeSum, 0, 'g', 15).arg(V * active)));
      QCOMPARE(y(p.elementIndex(41, 9)), 0.0);
      QCOMPARE(y(p.elementIndex(1, 0)), 1.0);
      QCOMPARE(it.volume, y.mean());
      QCOMPARE(it.iteration, i + 1);
    }
    // The compliance went down from the uniform start.
    QVERIFY(s.history().back().compliance < 0.8 * s.history().front().compliance);
  }
}

void TestTopoptNeural::stopRuleAndRender()
{
  {
    TopoptProblem all = mbbProblem(6, 3);
    all.passive.assign(size_t(all.elementCount()), PassiveKind::Solid);
    QVERIFY_THROWS_EXCEPTION(InputError, NeuralTopoptSolver(all, topoptNetwork(netOptions(TopoptEmbedding::Fourier), 6, 3),
                                                            NeuralTopoptOptions{}));
  }
  const TopoptProblem p = mbbProblem(30, 10);
  NeuralTopoptOptions o;
  o.minIterations = 5;
  o.maxIterations = 12;
  o.tolerance = 10.0; // every step's change is below: the compliance rule decides
  NeuralTopoptSolver s(p, topoptNetwork(netOptions(TopoptEmbedding::Fourier), 30, 10), o);
  // At initialisation: y = V everywhere, the rendered field is V at any refinement.
  QVERIFY((s.physicalDensity().array() - 0.5).abs().maxCoeff() < 1e-12);
  QVERIFY((s.render(2).array() - 0.5).abs().maxCoeff() < 1e-6);
  // A small step alone is not convergence: the compliance must also have fallen by less than 1 % over
  // the last 10 steps, so it stops at the first step k ≥ 11 where it has.
  o.maxIterations = 200;
  NeuralTopoptSolver settled(p, topoptNetwork(netOptions(TopoptEmbedding::Fourier), 30, 10), o);
  int calls = 0;
  settled.run({}, [&](const TopoptIterate&) { ++calls; });
  QVERIFY(settled.converged() && settled.finished());
  const auto& h = settled.history();
  QCOMPARE(calls, int(h.size()));
  const auto drop = [&](size_t k) { return h[k - 10].compliance - h[k].compliance; };
  QVERIFY(h.size() >= 11);
  QVERIFY(drop(h.size() - 1) < 0.01 * h.back().compliance);
  for (size_t k = 10; k + 1 < h.size(); ++k) QVERIFY(drop(k) >= 0.01 * h[k].compliance);
  QVERIFY(h.front().compliance > 1.01 * h[10].compliance); // so it did not stop at minIterations

  o.tolerance = 1e-9; // never: stop at the cap
  o.maxIterations = 12;
  NeuralTopoptSolver capped(p, topoptNetwork(netOptions(TopoptEmbedding::Fourier), 30, 10), o);
  capped.run();
  QCOMPARE(capped.iteration(), 12);
  QVERIFY(!capped.converged() && capped.finished());
  QCOMPARE(int(capped.history().size()), 12);

  // render(1) is the physical density; render(r) has the refined shape, stays in [0, 1] and keeps
  // roughly the volume (a continuous field sampled more finely).
  const Eigen::MatrixXd r1 = capped.render(1);
  QCOMPARE(r1.rows(), Eigen::Index(10));
  QCOMPARE(r1.cols(), Eigen::Index(30));
  const Eigen::Map<const Eigen::MatrixXd> y(capped.physicalDensity().data(), 10, 30);
  QVERIFY((r1 - y).cwiseAbs().maxCoeff() < 1e-12);
  for (int r : {2, 4}) {
    const Eigen::MatrixXd R = capped.render(r);
    QCOMPARE(R.rows(), Eigen::Index(10 * r));
    QCOMPARE(R.cols(), Eigen::Index(30 * r));
    QVERIFY(R.minCoeff() >= 0.0 && R.maxCoeff() <= 1.0);
    QVERIFY2(std::abs(R.mean() - 0.5) < 0.02, qPrintable(QString("render(%1) mean %2").arg(r).arg(R.mean())));
    // Each parent's children average close to the parent (the field is smooth at the element scale).
    double worst = 0.0;
    for (int ex = 0; ex < 30; ++ex)
      for (int ey = 0; ey < 10; ++ey)
        worst = std::max(worst, std::abs(R.block(ey * r, ex * r, r, r).mean() - y(ey, ex)));
    QVERIFY2(worst < 0.25, qPrintable(QString("render(%1): worst parent mismatch %2").arg(r).arg(worst)));
  }
  QVERIFY_THROWS_EXCEPTION(InputError, capped.render(0));
}

void TestTopoptNeural::setProblemKeepsTheNetwork()
{
  const TopoptProblem p = mbbProblem(30, 10);
  NeuralTopoptOptions o;
  o.maxIterations = 100;
  NeuralTopoptSolver s(p, topoptNetwork(netOptions(TopoptEmbedding::Fourier), 30, 10), o);
  for (int i = 0; i < 8; ++i) s.step();
  const Eigen::VectorXd y = s.physicalDensity();
  const std::vector<Eigen::MatrixXf> W = s.mlp().weights();
  const int optimizerSteps = s.mlp().steps();
  TopoptProblem moved = p;
  moved.loads[0].ix = 10; // the load moves along the top edge
  s.setProblem(moved);
  QVERIFY(s.problem() == moved);
  QCOMPARE(s.iteration(), 8);
  QCOMPARE(s.mlp().steps(), optimizerSteps);
  QVERIFY(s.mlp().weights() == W);
  QVERIFY(s.physicalDensity() == y); // no passive change: the design is the same
  QVERIFY(!s.converged());
  const TopoptIterate it = s.step(); // continues from the current design, on the new problem
  QCOMPARE(it.iteration, 9);
  ComplianceSolver fe(moved);
  QVERIFY(std::abs(it.compliance - fe.solve(y)) < 1e-9 * it.compliance);
  // A new passive void region: those elements drop to 0, the volume is redistributed.
  TopoptProblem holed = moved;
  holed.passive.assign(size_t(holed.elementCount()), PassiveKind::None);
  holed.passive[size_t(holed.elementIndex(15, 5))] = PassiveKind::Void;
  s.setProblem(holed);
  QCOMPARE(s.physicalDensity()(holed.elementIndex(15, 5)), 0.0);
  QVERIFY(std::abs(s.physicalDensity().sum() - 0.5 * (300 - 1)) < 1e-6);
  QVERIFY_THROWS_EXCEPTION(InputError, s.setProblem(mbbProblem(31, 10)));
  TopoptProblem unsupported = moved;
  unsupported.supports.clear();
  QVERIFY_THROWS_EXCEPTION(InputError, s.setProblem(unsupported));
  QVERIFY(s.problem() == holed); // a refused problem changes nothing
}

void TestTopoptNeural::fourierEmbeddingMatchesClassicWithoutCheckerboard()
{
  // The issue: "the neural method with a Fourier embedding reaches a compliance within 10 % of classic on
  // the MBB 60 × 20 case with no checkerboard". Classic = top88 with its default density filter,
  // rmin 1.5 (c = 218.80 in Octave), run here by SimpSolver; the neural design (no filter) must not be
  // worse than 1.10 × classic. The method's default options (NeuralTopoptOptions{}, TopoptNetworkOptions{}).
  const TopoptProblem p = mbbProblem(60, 20);
  auto t0 = Clock::now();
  SimpSolver classic(p, SimpOptions{});
  classic.run();
  const double classicSeconds = secondsSince(t0);
  ComplianceSolver fe(p);
  const double cClassic = fe.solve(classic.physicalDensity());

  t0 = Clock::now();
  NeuralTopoptSolver neural(p, topoptNetwork(TopoptNetworkOptions{}, 60, 20), NeuralTopoptOptions{});
  neural.run();
  const double neuralSeconds = secondsSince(t0);
  const Eigen::VectorXd& y = neural.physicalDensity();
  const double cNeural = fe.solve(y);
  const double board = checkerboardFraction(y, 60, 20);

  // The measure's positive control: top88 without a filter (sensitivity filter, rmin 1: H = I).
  SimpOptions raw;
  raw.filter = SimpFilter::Sensitivity;
  raw.rmin = 1.0;
  SimpSolver unfiltered(p, raw);
  unfiltered.run();
  const double rawBoard = checkerboardFraction(unfiltered.physicalDensity(), 60, 20);
  if (report())
    qInfo("MBB 60 x 20: classic (density filter 1.5) c = %.2f in %d iterations (%.2f s); neural fourier "
          "c = %.2f in %d iterations (%.2f s), ratio %.3f, checkerboard %.4f (unfiltered SIMP %.4f), grey %.3f",
          cClassic, classic.iteration(), classicSeconds, cNeural, neural.iteration(), neuralSeconds,
          cNeural / cClassic, board, rawBoard, greyFraction(y));
  QVERIFY2(std::abs(cClassic - 218.80) < 0.005 * 218.80, qPrintable(QString::number(cClassic)));
  QVERIFY2(cNeural <= 1.10 * cClassic, qPrintable(QString("neural %1 vs classic %2").arg(cNeural).arg(cClassic)));
  QVERIFY(neural.converged());
  QVERIFY(std::abs(y.mean() - 0.5) < 1e-6);
  // No checkerboard: at most a stray 2 × 2 block where two one-element members cross (≤ 0.5 %), against
  // a pattern over a sizeable part of the unfiltered design.
  QVERIFY2(board <= 0.005, qPrintable(QString::number(board)));
  QVERIFY2(rawBoard > 0.05, qPrintable(QString::number(rawBoard)));
  // The measure itself: a pure checkerboard scores 1, a uniform field 0.
  Eigen::VectorXd boardField(1200);
  for (int ex = 0; ex < 60; ++ex)
    for (int ey = 0; ey < 20; ++ey) boardField(ex * 20 + ey) = (ex + ey) % 2 ? 1.0 : 0.0;
  QCOMPARE(checkerboardFraction(boardField, 60, 20), 1.0);
  QCOMPARE(checkerboardFraction(Eigen::VectorXd::Constant(1200, 0.5), 60, 20), 0.0);
}

void TestTopoptNeural::torusKeepsSymmetryRawCoordinatesBreakIt()
{
  // The bridge (pinned bottom corners, load at the bottom middle) is symmetric about x = nelx/2. The
  // torus embedding's NTK is stationary and mirror-symmetric, raw coordinates' is not. Both run the
  // same width (256), seeds, Adam (lr 0.02: a gradient-scaled optimiser, so the asymmetry left to the
  // torus is the finite width's, ~1/√width) and 80 steps. Measured over seeds 0–2: raw 0.11–0.13,
  // torus 0.013–0.017.
  const TopoptProblem p = bridgeProblem(40, 20);
  double asym[2];
  const TopoptEmbedding kinds[2] = {TopoptEmbedding::None, TopoptEmbedding::Torus};
  const auto t0 = Clock::now();
  for (int k = 0; k < 2; ++k) {
    NeuralTopoptOptions o;
    o.volfrac = 0.3;
    o.optimizer = TopoptOptimizer::Adam;
    o.learningRate = 0.02;
    o.tolerance = 1e-12;
    o.maxIterations = 80;
    NeuralTopoptSolver s(p, topoptNetwork(netOptions(kinds[k], 256), 40, 20), o);
    s.run();
    asym[k] = mirrorAsymmetry(s.physicalDensity(), 40, 20);
  }
  if (report())
    qInfo("bridge 40 x 20 mirror asymmetry ‖y − mirror y‖/‖y‖: raw %.4f, torus %.4f (%.2f s)", asym[0], asym[1],
          secondsSince(t0));
  QVERIFY2(asym[0] > 0.07, qPrintable(QString::number(asym[0])));
  QVERIFY2(asym[1] < 0.04, qPrintable(QString::number(asym[1])));
  QVERIFY(asym[0] > 3.0 * asym[1]);
}

void TestTopoptNeural::inputErrors()
{
  const TopoptProblem p = mbbProblem(20, 10);
  const Network net = topoptNetwork(netOptions(TopoptEmbedding::Torus), 20, 10);
  const auto refused = [&](auto edit) {
    NeuralTopoptOptions o;
    edit(o);
    try {
      NeuralTopoptSolver s(p, net, o);
    } catch (const InputError&) {
      return true;
    }
    return false;
  };
  QVERIFY(refused([](auto& o) { o.volfrac = 0.0; }));
  QVERIFY(refused([](auto& o) { o.volfrac = 1.0; }));
  QVERIFY(refused([](auto& o) { o.volfrac = NAN; }));
  QVERIFY(refused([](auto& o) { o.learningRate = 0.0; }));
  QVERIFY(refused([](auto& o) { o.learningRate = INFINITY; }));
  QVERIFY(refused([](auto& o) { o.tolerance = 0.0; }));
  QVERIFY(refused([](auto& o) { o.maxIterations = 0; }));
  QVERIFY(refused([](auto& o) { o.minIterations = -1; }));
  QVERIFY(refused([](auto& o) { o.material.penal = 0.5; }));
  Network three = net;
  three.inputDim = 3;
  QVERIFY_THROWS_EXCEPTION(NetworkError, NeuralTopoptSolver(p, three, {}));
  Network two = net;
  std::get<DenseLayer>(two.layers.back()).width = 2;
  QVERIFY_THROWS_EXCEPTION(NetworkError, NeuralTopoptSolver(p, two, {}));
  TopoptProblem unloaded = p;
  unloaded.loads.clear();
  QVERIFY_THROWS_EXCEPTION(InputError, NeuralTopoptSolver(unloaded, net, {}));
  // A mechanism that passes validate(): every support fixes x only on one vertical line.
  TopoptProblem mechanism = p;
  mechanism.supports = {{0, 0, true, false}, {0, 5, true, false}, {0, 10, true, false}};
  QVERIFY_THROWS_EXCEPTION(NtkError, NeuralTopoptSolver(mechanism, net, {}).step());
  std::atomic<bool> stop{true};
  JobControl job;
  job.stop = &stop;
  NeuralTopoptSolver s(p, net, {});
  QVERIFY_THROWS_EXCEPTION(CancelledError, s.step(job));
  QCOMPARE(s.iteration(), 0);
}

QTEST_APPLESS_MAIN(TestTopoptNeural)
#include "test_topopt_neural.moc"
