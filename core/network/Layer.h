// Layer.h — the two layer types of a fully-connected network, each a *kernel transform* (NT stax):
// it knows its finite forward pass and its infinite-width NNGP/NTK map.
// Kernel state convention (CONVENTIONS §1): a block of pairs carries nngp (q) and ntk (Θ); the
// network input enters as q = x·x'/d0, Θ = 0, so the first Dense is the same map as every other.
// Thread-safety: immutable values; all methods const and safe on disjoint blocks.
#pragma once
#include <optional>
#include <variant>

#include <Eigen/Dense>

#include "core/network/Activation.h"

namespace ntk {

enum class Parameterization { Ntk, Standard };

/// z = (W_std/√n_in)·W·h + b_std·b (NTK) or z = W·h + b, W ~ N(0, W_std²/n_in), b ~ N(0, b_std²) (standard).
struct DenseLayer {
  int width = 1;
  double wStd = 1.0;
  std::optional<double> bStd = 0.0; ///< nullopt: no bias parameter at all

  /// q ← W²q + b²;  Θ ← q_new + W²Θ (NTK)  or  Θ ← n_in·q_in + B + W²Θ (standard, B = 1 with a bias).
  void applyKernel(Eigen::Ref<Eigen::ArrayXXd> nngp, Eigen::ArrayXXd* ntk, int nIn, Parameterization p) const;
  /// Per-point variance map q ← W²q + b².
  double varianceMap(double q) const { return wStd * wStd * q + bias2(); }
  double bias2() const { return bStd ? *bStd * *bStd : 0.0; }

  /// Multiplier of W in the forward pass: W_std/√n_in (NTK) or 1 (standard; W carries the scale).
  double weightScale(int nIn, Parameterization p) const;
  /// Multiplier of b in the forward pass: b_std (NTK) or 1 (standard), 0 without a bias.
  double biasScale(Parameterization p) const;
  /// Z = H·(scale·W)ᵀ + bscale·b: H is m by n_in, W width by n_in, b width. Out: m by width.
  Eigen::MatrixXd forward(const Eigen::MatrixXd& H, const Eigen::MatrixXd& W, const Eigen::VectorXd& b,
                          Parameterization p) const;
  bool operator==(const DenseLayer&) const = default;
};

/// Elementwise φ: q ← T(q), Θ ← Ṫ·Θ.
struct ActivationLayer {
  Activation activation;
  void applyKernel(Eigen::Ref<Eigen::ArrayXXd> nngp, Eigen::ArrayXXd* ntk, const double* var1,
                   const double* var2) const
  {
    activation.applyToBlock(nngp, ntk, var1, var2);
  }
  double varianceMap(double q) const { return activation.varianceMap(q); }
  Eigen::MatrixXd forward(const Eigen::MatrixXd& Z) const
  {
    return Z.unaryExpr([this](double z) { return activation.value(z); });
  }
  Eigen::MatrixXd derivative(const Eigen::MatrixXd& Z) const
  {
    return Z.unaryExpr([this](double z) { return activation.derivative(z); });
  }
  bool operator==(const ActivationLayer& o) const { return activation == o.activation; }
};

using Layer = std::variant<DenseLayer, ActivationLayer>;

} // namespace ntk
