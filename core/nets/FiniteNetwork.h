// FiniteNetwork.h — the finite-width MLP that a Network describes: initialisation, forward, backward,
// per-sample Jacobian and the empirical NTK.
// In: a Network and a seed (parameters W ~ N(0,1), b ~ N(0,1) scaled per the parameterisation, drawn
// layer by layer, W row-major then b). Out: f(X) (m by k), J (m by P), Θ̂(X1,X2) = J1 J2ᵀ.
// The empirical NTK is contracted layer by layer, Θ̂ = Σ_l (Δ1_l Δ2_lᵀ) ∘ (g_W² H1_l H2_lᵀ + g_b²),
// without forming J (P can be 10^7); `jacobian` forms it for checking and for small nets.
// Thread-safety: const methods are safe from any thread.
#pragma once
#include <cstdint>
#include <vector>

#include <Eigen/Dense>

#include "core/network/Network.h"
#include "core/util/JobControl.h"

namespace ntk {

class FiniteNetwork {
public:
  FiniteNetwork(const Network& net, std::uint64_t seed);

  const Network& network() const { return m_net; }
  Eigen::Index parameterCount() const;

  /// f(X): m by k, X raw inputs (m by input_dim).
  Eigen::MatrixXd forward(const Eigen::MatrixXd& X) const;
  /// ∂f_output/∂θ for each sample: m by P (parameter order: per Dense layer, W row-major, then b).
  Eigen::MatrixXd jacobian(const Eigen::MatrixXd& X, int output = 0) const;
  /// Empirical NTK averaged over the k outputs: (1/k) Σ_j J_j(X1) J_j(X2)ᵀ. X2 == nullptr: X2 = X1.
  /// `job`: progress and cancellation between blocks of rows of the m1 by m2 products.
  Eigen::MatrixXd empiricalNtk(const Eigen::MatrixXd& X1, const Eigen::MatrixXd* X2 = nullptr, const JobControl& job = {}) const;
  /// Empirical NNGP, Rao–Blackwellised over the readout: K̂ = W_std²·H1 H2ᵀ/n_in + b_std², where H is the
  /// input of the last Dense layer (m by n_in) and W_std, b_std are that layer's (b_std² = 0 without a
  /// bias), in either parameterisation. This is E[f(x) f(x')ᵀ | hidden layers] (the same for each of
  /// the k outputs): unlike (1/k) f fᵀ of one draw, whose noise is O(1) at any width, it converges to
  /// the NNGP as the hidden widths grow, at the rate of the empirical NTK.
  Eigen::MatrixXd empiricalNngp(const Eigen::MatrixXd& X1, const Eigen::MatrixXd* X2 = nullptr, const JobControl& job = {}) const;

  /// Dense layer parameters, in layer order.
  std::vector<Eigen::MatrixXd>& weights() { return m_W; }
  std::vector<Eigen::VectorXd>& biases() { return m_b; }
  const std::vector<Eigen::MatrixXd>& weights() const { return m_W; }
  const std::vector<Eigen::VectorXd>& biases() const { return m_b; }

  /// Bytes the parameters of `net` take (for refusing impossible widths).
  static double parameterBytes(const Network& net);
  /// Bytes one network of `net` takes to compute its empirical kernel on m1 (and m2; 0: X2 = X1)
  /// points: parameters, activations of every layer, the m1 by m2 work matrices.
  static double kernelBytes(const Network& net, Eigen::Index m1, Eigen::Index m2 = 0);
  /// The widest Dense layer of `net` (1 if none).
  static int widestLayer(const Network& net);

private:
  struct Trace {
    std::vector<Eigen::MatrixXd> denseInputs; ///< H_l entering each Dense layer (m by n_in)
    std::vector<Eigen::MatrixXd> preActivations; ///< Z entering each activation layer (by layer index)
    Eigen::MatrixXd output;
  };
  Trace run(const Eigen::MatrixXd& X) const;
  /// Δ_l = ∂f_output/∂z_l for each Dense layer (m by width_l).
  std::vector<Eigen::MatrixXd> backward(const Trace& trace, int output) const;

  Network m_net;
  std::vector<Eigen::MatrixXd> m_W; ///< per Dense: width by n_in
  std::vector<Eigen::VectorXd> m_b; ///< per Dense: width (zero-size without a bias)
  std::vector<int> m_denseOfLayer;  ///< layer index → Dense index or −1
};

/// Monte-Carlo kernel of the network as it is: the mean of `samples` finite networks' empirical kernels
/// (seeds seed, seed+1, …) with the network's own hidden widths. Refuses (MemoryLimitError) networks
/// whose parameters, activations and m1 by m2 work matrices do not fit in memory; InputError for
/// NaN/inf inputs; NumericalError when the kernel overflows.
Eigen::MatrixXd monteCarloKernelAtWidths(const Network& net, const Eigen::MatrixXd& X1, const Eigen::MatrixXd* X2,
                                         bool ntk, int samples, std::uint64_t seed, const JobControl& job = {});

/// The same with every hidden width set to `width` (`ntk-cli kernel --empirical --width N`). Refuses (MemoryLimitError) widths whose parameters, activations and
/// m1 by m2 work matrices do not fit in memory; InputError for NaN/inf inputs; NumericalError when the
/// kernel overflows.
Eigen::MatrixXd monteCarloKernel(const Network& net, const Eigen::MatrixXd& X1, const Eigen::MatrixXd* X2,
                                 bool ntk, int width, int samples, std::uint64_t seed, const JobControl& job = {});

} // namespace ntk
