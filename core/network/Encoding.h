// Encoding.h — input encodings γ(v) of Tancik et al. 2020 (CONVENTIONS §3), applied before the first Dense.
// In: raw inputs V (m by d, v ∈ [0,1)^d by convention). Out: γ(V) (m by d0).
// Every non-trivial encoding is [cos 2πVBᵀ, sin 2πVBᵀ] for a frequency matrix B (M by d):
// basic B = I, positional B = diag blocks of σ^{j/M}, gaussian B ~ N(0,σ²) from a seed, fourier B given.
#pragma once
#include <cstdint>
#include <string>

#include <Eigen/Dense>

namespace ntk {

enum class EncodingKind { None, Basic, Positional, Gaussian, Fourier };

struct Encoding {
  EncodingKind kind = EncodingKind::None;
  int levels = 8;         ///< positional: M frequency levels per coordinate
  double sigma = 10.0;    ///< positional: top frequency scale; gaussian: std of B
  int features = 256;     ///< gaussian: M rows of B
  std::uint64_t seed = 0; ///< gaussian: generator seed
  Eigen::MatrixXd B;      ///< fourier: explicit rows of frequencies (M by d)

  static std::string kindName(EncodingKind kind);
  std::string name() const { return kindName(kind); }

  /// Width d0 of γ(v) for raw input dimension d, in 64-bit arithmetic (levels·d cannot wrap);
  /// Network::validate() caps it at kMaxWidth before anything is allocated.
  Eigen::Index outputDim(int inputDim) const;
  /// The frequency matrix B (M by d) for every kind except None (empty there).
  Eigen::MatrixXd frequencies(int inputDim) const;
  /// γ(V): m by d0.
  Eigen::MatrixXd apply(const Eigen::MatrixXd& V) const;
};

} // namespace ntk
