#include "core/finite/FiniteNetworkTrainer.h"

#include <cmath>
#include <string>
#include <utility>
#include <vector>


#include "core/nets/FiniteNetwork.h"
#include "core/util/DenseBlas.h"
#include "core/util/Errors.h"
#include "core/util/MemoryEstimate.h"

namespace ntk {

namespace {

/// θ as the trainer moves it: per Dense layer W (width by n_in) and b (width, empty without a bias), in
/// the storage of the parameterisation (FiniteNetwork's), so that θ − η∇L is plain GD on these numbers.
struct Params {
  std::vector<Eigen::MatrixXd> W;
  std::vector<Eigen::VectorXd> b;
};

/// What one forward pass keeps for the backward and tangent passes: the input H_k of each Dense layer
/// and φ'(Z) at each activation layer (by layer index), and the scalar output f.
struct Trace {
  std::vector<Eigen::MatrixXd> denseInputs;
  std::vector<Eigen::MatrixXd> slopes;
  Eigen::VectorXd output;
};

double squaredNorm(const Params& p)
{
  double s = 0.0;
  for (size_t k = 0; k < p.W.size(); ++k) s += p.W[k].squaredNorm() + p.b[k].squaredNorm();
  return s;
}

double squaredDistance(const Params& a, const Params& b)
{
  double s = 0.0;
  for (size_t k = 0; k < a.W.size(); ++k) s += (a.W[k] - b.W[k]).squaredNorm() + (a.b[k] - b.b[k]).squaredNorm();
  return s;
}

/// out ← from − η·grad, in out's storage (no allocation once sized).
void descend(const Params& from, const Params& grad, double eta, Params& out)
{
  out.W.resize(from.W.size());
  out.b.resize(from.b.size());
  for (size_t k = 0; k < from.W.size(); ++k) {
    out.W[k] = from.W[k] - eta * grad.W[k];
    out.b[k] = from.b[k] - eta * grad.b[k];
  }
}

/// The layer walk shared by the three passes: the Dense index of each layer (−1 for an activation) and
/// the forward-pass multipliers g_W, g_b of each Dense layer.
struct LayerPlan {
  std::vector<int> denseOf;
  std::vector<double> gw, gb;

  LayerPlan(const Network& net, const Params& p)
  {
    for (const Layer& layer : net.layers) {
      if (const auto* d = std::get_if<DenseLayer>(&layer)) {
        const int k = int(gw.size());
        denseOf.push_back(k);
        gw.push_back(d->weightScale(int(p.W[size_t(k)].cols()), net.parameterization));
        gb.push_back(d->biasScale(net.parameterization));
      } else {
        denseOf.push_back(-1);
      }
    }
  }
};

const Activation& activationOf(const Network& net, size_t l) { return std::get<ActivationLayer>(net.layers[l]).activation; }

/// Forward pass of θ on encoded inputs E (m by d0) into `t` (its storage reused across steps).
void forward(const Network& net, const LayerPlan& plan, const Params& p, const Eigen::MatrixXd& E, Trace& t)
{
  const size_t dense = plan.gw.size();
  t.denseInputs.resize(dense);
  t.slopes.resize(net.layers.size());
  Eigen::MatrixXd h = E;
  for (size_t l = 0; l < net.layers.size(); ++l) {
    const int k = plan.denseOf[l];
    if (k >= 0) {
      t.denseInputs[size_t(k)] = h;
      const Eigen::MatrixXd& H = t.denseInputs[size_t(k)];
      gemm(H, false, p.W[size_t(k)], true, h, plan.gw[size_t(k)]);
      if (p.b[size_t(k)].size() && plan.gb[size_t(k)] != 0.0) h.rowwise() += (plan.gb[size_t(k)] * p.b[size_t(k)]).transpose();
    } else {
      const Activation& phi = activationOf(net, l);
      Eigen::MatrixXd& s = t.slopes[l];
      s.resize(h.rows(), h.cols());
      for (Eigen::Index i = 0; i < h.size(); ++i) {
        s.data()[i] = phi.derivative(h.data()[i]);
        h.data()[i] = phi.value(h.data()[i]);
      }
    }
  }
  t.output = h.col(0);
}

/// ∇_θ Σ_i r_i f(x_i; θ) at the θ (weights `p`) of the trace, as one GEMM per layer: ∇W_k = g_W Δ_kᵀ H_k,
/// ∇b_k = g_b Δ_kᵀ 1, Δ_k = ∂(Σ r_i f_i)/∂z_k — never a per-sample Jacobian.
void backward(const Network& net, const LayerPlan& plan, const Params& p, const Trace& t, const Eigen::VectorXd& r,
              Params& grad)
{
  grad.W.resize(p.W.size());
  grad.b.resize(p.b.size());
  Eigen::MatrixXd g = r, next;
  for (size_t l = net.layers.size(); l-- > 0;) {
    const int k = plan.denseOf[l];
    if (k >= 0) {
      const double gw = plan.gw[size_t(k)];
      const Eigen::MatrixXd& W = p.W[size_t(k)];
      gemm(g, true, t.denseInputs[size_t(k)], false, grad.W[size_t(k)], gw);
      if (p.b[size_t(k)].size()) grad.b[size_t(k)] = plan.gb[size_t(k)] * g.colwise().sum().transpose();
      else grad.b[size_t(k)].resize(0);
      if (l > 0) {
        gemm(g, false, W, false, next, gw);
        std::swap(g, next);
      }
    } else {
      g.array() *= t.slopes[l].array();
    }
  }
}

/// J_0 δ: the forward tangent of the trace's pass (weights `p` = θ_0) in the direction δ.
Eigen::VectorXd tangent(const Network& net, const LayerPlan& plan, const Params& p, const Trace& t, const Params& delta)
{
  Eigen::MatrixXd dh, next; // empty before the first Dense layer: the inputs do not move
  for (size_t l = 0; l < net.layers.size(); ++l) {
    const int k = plan.denseOf[l];
    if (k >= 0) {
      const double gw = plan.gw[size_t(k)];
      const Eigen::MatrixXd& H = t.denseInputs[size_t(k)];
      gemm(H, false, delta.W[size_t(k)], true, next, gw);
      if (dh.size()) gemmAccumulate(dh, false, p.W[size_t(k)], true, next, gw);
      if (delta.b[size_t(k)].size() && plan.gb[size_t(k)] != 0.0)
        next.rowwise() += (plan.gb[size_t(k)] * delta.b[size_t(k)]).transpose();
      std::swap(dh, next);
    } else if (dh.size()) {
      dh.array() *= t.slopes[l].array();
    }
  }
  return dh.size() ? Eigen::VectorXd(dh.col(0)) : Eigen::VectorXd::Zero(t.output.size());
}

Params zerosLike(const Params& p)
{
  Params z;
  for (size_t k = 0; k < p.W.size(); ++k) {
    z.W.push_back(Eigen::MatrixXd::Zero(p.W[k].rows(), p.W[k].cols()));
    z.b.push_back(Eigen::VectorXd::Zero(p.b[k].size()));
  }
  return z;
}

/// Σ over the layers' outputs of their widths (the encoded input included): the numbers per sample a
/// trace holds, twice (H and φ').
double activationsPerSample(const Network& net)
{
  double s = double(net.encodedDim());
  for (const Layer& l : net.layers)
    if (const auto* d = std::get_if<DenseLayer>(&l)) s += 2.0 * d->width;
  return s;
}

void validateInputs(const Network& net, const Eigen::MatrixXd& X, const Eigen::VectorXd& Y, const Eigen::MatrixXd& x,
                    double eta)
{
  net.validate();
  if (net.outputDim() != 1)
    throw InputError("finite-network training needs one output (the network has " + std::to_string(net.outputDim()) + ")");
  if (X.rows() < 1) throw InputError("training needs at least one training point");
  if (X.cols() != net.inputDim)
    throw InputError("training inputs have " + std::to_string(X.cols()) + " columns but input_dim is " + std::to_string(net.inputDim));
  if (x.cols() != net.inputDim && x.rows() > 0)
    throw InputError("test inputs have " + std::to_string(x.cols()) + " columns but input_dim is " + std::to_string(net.inputDim));
  if (Y.size() != X.rows())
    throw InputError("there are " + std::to_string(Y.size()) + " targets for " + std::to_string(X.rows()) + " training points");
  if (!X.allFinite() || !Y.allFinite() || !x.allFinite()) throw InputError("training data hold NaN or infinite values");
  if (!(std::isfinite(eta) && eta > 0.0)) throw InputError("the learning rate must be a finite number > 0");
}

} // namespace

double finiteTrainerBytes(const Network& net, Eigen::Index m, Eigen::Index n)
{
  // θ_0 (twice: FiniteNetwork and a copy), θ or δ, the candidate, the gradient, the probe for Θ_t: 6P;
  // two train traces and one test trace; the m by m and n by m kernels.
  const double p = FiniteNetwork::parameterBytes(net) / 8.0;
  const double traces = (2.0 * double(m) + double(n)) * activationsPerSample(net);
  return 8.0 * (6.0 * p + traces + double(m + n) * double(m) * 2.0);
}

struct FiniteNetworkTrainer::State {
  Network net;
  double eta = 0.0;
  bool linearised = false;
  Eigen::MatrixXd Xtrain, Xtest, Etrain, Etest; ///< raw and encoded
  Eigen::VectorXd Y;
  FiniteNetwork initial;                        ///< θ_0
  mutable FiniteNetwork probe;                  ///< θ_t, for Θ_t
  Params theta0, theta, candidate, grad;        ///< theta: θ (network) or δ = θ − θ_0 (linearised)
  LayerPlan plan;
  Trace trace, candidateTrace; ///< network: at θ (and the candidate); linearised: at θ_0 on the train inputs
  Trace testTrace0;            ///< linearised: at θ_0 on the test inputs
  Eigen::VectorXd fTrain, f0Train, f0Test, residual;
  mutable Eigen::VectorXd fTest;
  mutable bool testValid = true;
  Eigen::MatrixXd ntk0;
  double theta0Norm = 0.0, loss = 0.0, lossLimit = 0.0;
  long long steps = 0, divergedAt = -1;

  State(const Network& n, std::uint64_t seed, const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const Eigen::MatrixXd& x,
        double lr, bool lin)
      : net(n), eta(lr), linearised(lin), Xtrain(X), Xtest(x), Y(y), initial(n, seed), probe(initial),
        theta0{initial.weights(), initial.biases()}, plan(net, theta0)
  {
    Etrain = net.encoding.apply(Xtrain);
    Etest = Xtest.rows() ? net.encoding.apply(Xtest) : Eigen::MatrixXd(0, Etrain.cols());
    theta = linearised ? zerosLike(theta0) : theta0;
    forward(net, plan, theta0, Etrain, trace);
    f0Train = fTrain = trace.output;
    Trace t0;
    forward(net, plan, theta0, Etest, t0);
    f0Test = fTest = t0.output;
    if (linearised) testTrace0 = std::move(t0);
    ntk0 = initial.empiricalNtk(Xtrain);
    theta0Norm = std::sqrt(squaredNorm(theta0));
    loss = lossOf(fTrain);
    lossLimit = loss > 0.0 ? 1e12 * loss : 1e12;
    if (!std::isfinite(loss) || !f0Test.allFinite() || !ntk0.allFinite())
      throw NumericalError("the network's initial outputs or kernel overflow; reduce W_std or b_std, or the depth");
  }

  double lossOf(const Eigen::VectorXd& f) const { return 0.5 * (f - Y).squaredNorm() / double(Y.size()); }

  /// One GD step; false (state unchanged) when its loss is not finite or past the divergence limit.
  bool stepOnce()
  {
    residual = (fTrain - Y) / double(Y.size());
    const Params& at = linearised ? theta0 : theta; // the network is differentiated at θ, the linearisation at θ_0
    backward(net, plan, at, trace, residual, grad);
    descend(theta, grad, eta, candidate);
    Eigen::VectorXd f;
    if (linearised) {
      f = f0Train + tangent(net, plan, theta0, trace, candidate);
    } else {
      forward(net, plan, candidate, Etrain, candidateTrace);
      f = candidateTrace.output;
    }
    const double l = lossOf(f);
    if (!std::isfinite(l) || l > lossLimit || !f.allFinite()) return false;
    std::swap(theta, candidate);
    if (!linearised) std::swap(trace, candidateTrace);
    fTrain = std::move(f);
    loss = l;
    testValid = false;
    ++steps;
    return true;
  }

  const Eigen::VectorXd& testOutputs() const
  {
    if (testValid) return fTest;
    if (linearised) {
      fTest = f0Test + tangent(net, plan, theta0, testTrace0, theta);
    } else {
      Trace t;
      forward(net, plan, theta, Etest, t);
      fTest = t.output;
    }
    testValid = true;
    return fTest;
  }
};

FiniteNetworkTrainer::FiniteNetworkTrainer(const Network& net, std::uint64_t seed, const Eigen::MatrixXd& Xtrain,
                                           const Eigen::VectorXd& Ytrain, const Eigen::MatrixXd& Xtest, double learningRate,
                                           bool linearised)
{
  validateInputs(net, Xtrain, Ytrain, Xtest, learningRate);
  requireMemory(finiteTrainerBytes(net, Xtrain.rows(), Xtest.rows()), "training a finite network");
  d_ = std::make_unique<State>(net, seed, Xtrain, Ytrain, Xtest, learningRate, linearised);
}

FiniteNetworkTrainer::~FiniteNetworkTrainer() = default;
FiniteNetworkTrainer::FiniteNetworkTrainer(FiniteNetworkTrainer&&) noexcept = default;
FiniteNetworkTrainer& FiniteNetworkTrainer::operator=(FiniteNetworkTrainer&&) noexcept = default;

void FiniteNetworkTrainer::step(long long count)
{
  for (long long s = 0; s < count && !diverged(); ++s)
    if (!d_->stepOnce()) d_->divergedAt = d_->steps + 1;
}

long long FiniteNetworkTrainer::steps() const { return d_->steps; }
double FiniteNetworkTrainer::time() const { return double(d_->steps) * d_->eta; }
double FiniteNetworkTrainer::learningRate() const { return d_->eta; }
bool FiniteNetworkTrainer::linearised() const { return d_->linearised; }
bool FiniteNetworkTrainer::diverged() const { return d_->divergedAt >= 0; }
long long FiniteNetworkTrainer::divergedAtStep() const { return d_->divergedAt; }
double FiniteNetworkTrainer::loss() const { return d_->loss; }
const Eigen::VectorXd& FiniteNetworkTrainer::trainOutputs() const { return d_->fTrain; }
const Eigen::VectorXd& FiniteNetworkTrainer::testOutputs() const { return d_->testOutputs(); }
const Eigen::VectorXd& FiniteNetworkTrainer::initialTrainOutputs() const { return d_->f0Train; }
const Eigen::VectorXd& FiniteNetworkTrainer::initialTestOutputs() const { return d_->f0Test; }
const Eigen::MatrixXd& FiniteNetworkTrainer::initialNtk() const { return d_->ntk0; }

Eigen::MatrixXd FiniteNetworkTrainer::initialTestNtk() const
{
  return d_->initial.empiricalNtk(d_->Xtest, &d_->Xtrain);
}

Eigen::MatrixXd FiniteNetworkTrainer::currentNtk() const
{
  if (d_->linearised) return d_->ntk0;
  d_->probe.weights() = d_->theta.W;
  d_->probe.biases() = d_->theta.b;
  return d_->probe.empiricalNtk(d_->Xtrain);
}

double FiniteNetworkTrainer::kernelDistance() const
{
  return d_->linearised ? 0.0 : ntk::kernelDistance(d_->ntk0, currentNtk());
}

double FiniteNetworkTrainer::weightChange() const
{
  if (d_->theta0Norm == 0.0) return 0.0;
  const double moved = d_->linearised ? squaredNorm(d_->theta) : squaredDistance(d_->theta, d_->theta0);
  return std::sqrt(moved) / d_->theta0Norm;
}

double kernelDistance(const Eigen::MatrixXd& A, const Eigen::MatrixXd& B)
{
  const double na = A.norm(), nb = B.norm();
  if (na == 0.0 && nb == 0.0) return 0.0;
  if (na == 0.0 || nb == 0.0) return 1.0;
  // 1 − cos = ½‖A/‖A‖ − B/‖B‖‖²: never below 0 by rounding, and accurate for the small distances of wide
  // networks, where 1 − ⟨A, B⟩/(‖A‖‖B‖) cancels to a few ulps.
  return 0.5 * (A / na - B / nb).squaredNorm();
}

} // namespace ntk
