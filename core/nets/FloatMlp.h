// FloatMlp.h — the float32 layer stack of a Network (its Dense/φ layers) with its optimiser: the one
// copy shared by the image MLP trainer (MlpTrainer) and the neural topology optimiser (NeuralTopopt).
// In: a Network and a seed; the parameters are FiniteNetwork(network, seed)'s, rounded to float.
// The encoding is NOT part of the stack: encode(V) applies it (in double, rounded to float) and the
// caller passes encoded rows (m by encodedDim) to forward/backward, so a fixed input set is encoded once.
// Out: forward(X) = the network output (m by k, no output nonlinearity); backward(dL/dOutput) = ∂L/∂W,
// ∂L/∂b of every Dense layer; one optimiser step: Adam (PyTorch semantics), SGD or Rprop (PyTorch's:
// etas (0.5, 1.2), step sizes clamped to [1e-6, 50], initial step = lr).
// Forward pass: z = g_W·W·h + g_b·b with g_W, g_b = DenseLayer::weightScale/biasScale.
// Layout: every activation matrix is batch rows by width, column-major, so a block of rows of a larger
// matrix is a view with a leading dimension (FloatRows). Products are OpenBLAS sgemm; elementwise work
// runs as oneTBB loops whose results do not depend on the partition, and reductions are summed in a
// fixed order: deterministic for a given seed.
// Thread-safety: forward/backward are const and take their buffers from the caller (one workspace per
// thread); step()/setParameters() must not run concurrently with anything else.
#pragma once
#include <cstdint>
#include <vector>

#include <Eigen/Dense>

#include "core/network/Network.h"

namespace ntk {

/// A read-only column-major block of float rows: rows by cols at data, leading dimension ld.
struct FloatRows {
  const float* data = nullptr;
  Eigen::Index rows = 0, cols = 0, ld = 0;
  static FloatRows of(const Eigen::MatrixXf& m) { return {m.data(), m.rows(), m.cols(), m.rows()}; }
};

enum class FloatOptimizerKind { Adam, Sgd, Rprop };

struct FloatOptimizerOptions {
  FloatOptimizerKind kind = FloatOptimizerKind::Adam;
  double learningRate = 1e-3;                     ///< Rprop: the initial step size
  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8; ///< Adam
  double etaMinus = 0.5, etaPlus = 1.2;           ///< Rprop
  double stepMin = 1e-6, stepMax = 50.0;          ///< Rprop

  /// InputError naming the option: lr ≤ 0 or NaN, betas outside [0, 1), ε < 0, Rprop's etas not
  /// 0 < η− < 1 < η+, step bounds not 0 < min ≤ max.
  void validate() const;
};

/// Buffers of one forward/backward pass (reused between calls to avoid allocation).
struct FloatMlpWorkspace {
  std::vector<Eigen::MatrixXf> out; ///< output of every layer (rows by width)
  Eigen::MatrixXf g, gNext;         ///< gradient buffers of the backward pass
};

class FloatMlp {
public:
  /// NetworkError for an invalid network; MemoryLimitError from FiniteNetwork. The optimiser starts
  /// with no state (Adam's moments zero, Rprop's steps lr).
  FloatMlp(const Network& net, std::uint64_t seed, const FloatOptimizerOptions& optimizer = {});

  const Network& network() const { return m_net; }
  /// Width of the encoded input (the columns forward() expects) and of the output.
  Eigen::Index inputWidth() const { return m_net.encodedDim(); }
  Eigen::Index outputWidth() const { return m_net.outputDim(); }
  Eigen::Index parameterCount() const;

  /// The network's encoding of raw inputs V (m by input_dim): m by inputWidth(), float.
  Eigen::MatrixXf encode(const Eigen::MatrixXd& V) const;
  /// Output of the layers for encoded rows X (m by inputWidth()): m by outputWidth(), kept in w.out.back().
  const Eigen::MatrixXf& forward(const FloatRows& X, FloatMlpWorkspace& w) const;
  Eigen::MatrixXf forward(const Eigen::MatrixXf& X) const;
  /// Gradients of a loss L with respect to every Dense layer's W and b, given dL/dOutput (m by k) at
  /// the rows X of the last forward(X, w) (w must still hold that pass). gradOutput is consumed (it
  /// becomes w.g); gradW/gradB are resized to the parameters' shapes.
  void backward(const FloatRows& X, FloatMlpWorkspace& w, Eigen::MatrixXf gradOutput,
                std::vector<Eigen::MatrixXf>& gradW, std::vector<Eigen::VectorXf>& gradB) const;

  /// One optimiser step θ ← update(θ, ∂L/∂θ) on every parameter; counts steps (Adam's bias correction).
  void step(const std::vector<Eigen::MatrixXf>& gradW, const std::vector<Eigen::VectorXf>& gradB);
  int steps() const { return m_steps; }
  const FloatOptimizerOptions& optimizer() const { return m_opt; }
  /// New options (validated): the state is kept when the kind is the same (a new lr applies from the
  /// next step; Rprop's per-parameter steps keep adapting), reset otherwise.
  void setOptimizer(const FloatOptimizerOptions& optimizer);

  /// Dense parameters in layer order (W: width by n_in, b: width, empty without a bias).
  const std::vector<Eigen::MatrixXf>& weights() const { return m_W; }
  const std::vector<Eigen::VectorXf>& biases() const { return m_b; }
  /// Replaces the parameters (InputError for a wrong count, shape or a non-finite value, naming the
  /// layer). The optimiser state is kept.
  void setParameters(const std::vector<Eigen::MatrixXf>& weights, const std::vector<Eigen::VectorXf>& biases);

private:
  /// One step of the stack: a Dense layer (index into the parameters) or an activation.
  struct Op {
    int dense = -1;
    Activation activation;
    float gw = 1.0f, gb = 0.0f;
  };
  void resetOptimizerState();
  void updateTensor(float* theta, float* s1, float* s2, const float* g, Eigen::Index n) const;

  Network m_net;
  std::vector<Op> m_ops;
  std::vector<Eigen::MatrixXf> m_W;
  std::vector<Eigen::VectorXf> m_b;
  FloatOptimizerOptions m_opt;
  /// Optimiser state per tensor: Adam (m, v), Rprop (previous gradient, step size); unused by SGD.
  std::vector<Eigen::MatrixXf> m_s1W, m_s2W;
  std::vector<Eigen::VectorXf> m_s1b, m_s2b;
  int m_steps = 0;
};

} // namespace ntk
