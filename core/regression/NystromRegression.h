// NystromRegression.h — NTK / NNGP kernel (ridge) regression of any point set through M Nyström centres,
// solved by Falkon (Rudi, Carratino & Rosasco 2017, Algorithm 1): never forms the n × n Gram.
// In: a Network, training inputs X (n by input_dim, raw: the encoding is applied by the engine), targets
// Y (n by C, C ≥ 1 channels sharing the kernel), the kernel kind, a ridge r ≥ 0 relative to the mean
// diagonal of the training Gram (CONVENTIONS §5: λ = r · mean_i K(x_i, x_i)), the number of centres M and
// a seed. Out: the coefficients α (M by C) of f(x) = K(x, C) α, the fitted values at the training points,
// predictions at any test points, the CG iteration count and the final relative residual.
// The problem (Nyström KRR): min_α ‖K_nM α − Y‖² + λ αᵀ K_MM α, i.e. (K_nMᵀ K_nM + λ K_MM) α = K_nMᵀ Y,
// the exact kernel regression f = K (K + λI)⁻¹ Y restricted to span{K(·, c_j)}. With M ≥ n every training
// point is a centre (in order) and it is that exact solve: α = (K + λI)⁻¹ Y.
// Centres: M training points drawn uniformly without replacement (seeded; identical on every platform)
// among those where K(x, x) > 0 (where it is 0, K(·, x) = 0: such a centre spans nothing).
// Solver: Falkon's preconditioner B = T⁻¹A⁻¹ with T = chol(K_MM + εM·k̄·I) (upper, k̄ the mean diagonal:
// the paper's εM jitter made relative) and A = chol(T Tᵀ/M + (λ/n) I), conjugate gradients on
// Bᵀ H B β = Bᵀ K_nMᵀ Y / n (H = K_nMᵀK_nM/n + (λ/n) K_MM), all channels together (one matrix product
// per iteration for C right-hand sides), to a relative residual `cgTolerance` of every channel; α = Bβ.
// As in the paper, H's ridge term uses TᵀT = K_MM + jI: positive definite even when K_MM is singular, and
// within about j/λ (1e-7 at λ = 1e-6 of the diagonal) of the exact solve when M = n.
// K_nM (n by M, computed once by the engine in row blocks, in parallel) is kept for the iterations:
// O(nM) per iteration, memory n·M doubles, estimated and refused (MemoryLimitError) before allocating.
// Errors: InputError (shapes, NaN, ridge, M < 1), NumericalError (a Cholesky that fails, CG that does not
// converge in maxCgIterations — the message says to raise the ridge), MemoryLimitError, CancelledError
// (checked between kernel tiles, blocks and CG iterations). Progress: fractions in [0, 1].
// Thread-safety: const methods may run concurrently.
#pragma once
#include <cstdint>
#include <vector>

#include <Eigen/Dense>

#include "core/kernels/NtkGram.h"
#include "core/network/Network.h"
#include "core/util/JobControl.h"

namespace ntk {

struct NystromOptions {
  KernelKind kind = KernelKind::Ntk;
  double ridge = 1e-6;          ///< relative to the mean diagonal of the training Gram; ≥ 0
  Eigen::Index centres = 1000;  ///< M; M ≥ n uses every training point (the exact solve)
  std::uint64_t seed = 0;       ///< which centres
  double cgTolerance = 1e-8;    ///< relative residual of the preconditioned system, every channel
  int maxCgIterations = 1000;
};

class NystromRegression {
public:
  /// Fits. Throws as the file comment says.
  NystromRegression(const Network& net, const Eigen::MatrixXd& X, const Eigen::MatrixXd& Y,
                    const NystromOptions& options = {}, const JobControl& job = {});

  /// f(Xtest) (rows by C), in row blocks of the engine's K(Xtest, C). Throws InputError for a column
  /// count other than input_dim or non-finite inputs; CancelledError; MemoryLimitError.
  Eigen::MatrixXd predict(const Eigen::MatrixXd& Xtest, const JobControl& job = {}) const;

  /// f at the training points (n by C), from the kept K_nM: no kernel evaluations.
  const Eigen::MatrixXd& fitted() const { return m_fitted; }
  const Eigen::MatrixXd& coefficients() const { return m_alpha; } ///< α, M by C
  const Eigen::MatrixXd& centres() const { return m_centres; }    ///< M by input_dim
  const std::vector<Eigen::Index>& centreIndices() const { return m_centreIndex; } ///< rows of X, increasing
  /// Every training point where the kernel is not zero is a centre: the exact regression.
  bool exact() const { return m_exact; }
  int cgIterations() const { return m_iterations; }
  double residual() const { return m_residual; }           ///< final relative CG residual (max over channels)
  double ridgeAbsolute() const { return m_ridgeAbsolute; } ///< λ = r · mean diagonal
  double jitter() const { return m_jitter; }               ///< added to K_MM's diagonal for T

private:
  Network m_net;
  KernelKind m_kind = KernelKind::Ntk;
  Eigen::MatrixXd m_centres, m_alpha, m_fitted;
  std::vector<Eigen::Index> m_centreIndex;
  int m_iterations = 0;
  bool m_exact = false;
  double m_residual = 0.0, m_ridgeAbsolute = 0.0, m_jitter = 0.0;
};

/// The M centres (M ≥ n: all) drawn from n points for a seed: increasing row indices.
std::vector<Eigen::Index> nystromCentreIndices(Eigen::Index n, Eigen::Index centres, std::uint64_t seed);

/// Bytes a fit needs (K_nM, K_MM, the two factors, CG vectors), for requireMemory.
double estimateNystromBytes(const Network& net, Eigen::Index n, Eigen::Index centres, Eigen::Index channels);

} // namespace ntk
