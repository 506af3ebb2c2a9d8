// FiniteNetworkTrainer.h — a real finite network (or its linearisation around initialisation) trained by
// full-batch gradient descent in float64, step by step, for comparison with the kernel dynamics
// (survey eq 5, 9, §5; Lee et al. 2019; Fort et al. 2020 for the kernel distance, eq 146–148).
// In: a Network with its hidden widths as they are (one scalar output), a seed (FiniteNetwork's
// initialisation), training inputs X (m by input_dim) and targets Y (m), test inputs x (n by input_dim),
// the learning rate η, and whether to train the network or its linearisation.
// Loss and time as KernelDynamics / `ntk-cli dynamics`: L = (1/2m) Σ_i (f(x_i) − y_i)², θ ← θ − η ∇_θ L,
// so gradient flow reads ḟ = −(1/m) Θ (f − Y) and s steps are time t = s·η.
// The linearised model f_lin(x; θ) = f(x; θ_0) + ∇_θ f(x; θ_0)(θ − θ_0) is trained in parameter space,
// with J_0ᵀv by a backward pass and J_0δ by a forward tangent pass at θ_0 (no materialised Jacobian):
// its outputs must equal the closed-form kernel dynamics with the empirical Θ_0 and f_0 (eq 9 with f_0).
// Out, at any step: train/test outputs, the loss, the empirical NTK on the training inputs Θ_t, the
// relative weight change ‖θ_t − θ_0‖/‖θ_0‖, and the kernel distance ρ(Θ_0, Θ_t) =
// 1 − ⟨Θ_0, Θ_t⟩_F / (‖Θ_0‖_F ‖Θ_t‖_F) (0 for the linearised model).
// Divergence: once the loss is not finite or exceeds 1e12 × its initial value (or 1e12 when that is 0)
// the trainer stops, keeps the last finite state and reports diverged() and the step; it never returns NaN.
// Errors: InputError (sizes, NaN/inf, η ≤ 0 or NaN, more than one output); MemoryLimitError before
// allocating.
// Thread-safety: one trainer per thread; distinct trainers run concurrently.
#pragma once
#include <cstdint>
#include <memory>

#include <Eigen/Dense>

#include "core/network/Network.h"

namespace ntk {

class FiniteNetworkTrainer {
public:
  FiniteNetworkTrainer(const Network& net, std::uint64_t seed, const Eigen::MatrixXd& Xtrain,
                       const Eigen::VectorXd& Ytrain, const Eigen::MatrixXd& Xtest, double learningRate,
                       bool linearised = false);
  ~FiniteNetworkTrainer();
  FiniteNetworkTrainer(FiniteNetworkTrainer&&) noexcept;
  FiniteNetworkTrainer& operator=(FiniteNetworkTrainer&&) noexcept;

  /// `count` more gradient-descent steps (fewer if the run diverges).
  void step(long long count);

  long long steps() const;
  double time() const;                     ///< steps · η
  double learningRate() const;
  bool linearised() const;
  bool diverged() const;
  long long divergedAtStep() const;        ///< −1 unless diverged

  double loss() const;                     ///< (1/2m) Σ (f(x_i) − y_i)²
  const Eigen::VectorXd& trainOutputs() const;
  const Eigen::VectorXd& testOutputs() const;
  const Eigen::VectorXd& initialTrainOutputs() const; ///< f_0(X)
  const Eigen::VectorXd& initialTestOutputs() const;  ///< f_0(x)
  const Eigen::MatrixXd& initialNtk() const;          ///< Θ_0(X, X), m by m
  Eigen::MatrixXd initialTestNtk() const;             ///< Θ_0(x, X), n by m
  Eigen::MatrixXd currentNtk() const;                 ///< Θ_t(X, X) (= Θ_0 for the linearised model)
  double kernelDistance() const;                      ///< ρ(Θ_0, Θ_t)
  double weightChange() const;                        ///< ‖θ_t − θ_0‖ / ‖θ_0‖

private:
  struct State;
  std::unique_ptr<State> d_;
};

/// Bytes one trainer of `net` on m training and n test points holds (parameters several times over, the
/// forward traces, the kernels): the trainer refuses (MemoryLimitError) before allocating when it does not fit.
double finiteTrainerBytes(const Network& net, Eigen::Index m, Eigen::Index n);

/// ρ(A, B) = 1 − ⟨A, B⟩_F / (‖A‖_F ‖B‖_F); 0 when both are zero, 1 when exactly one is.
double kernelDistance(const Eigen::MatrixXd& A, const Eigen::MatrixXd& B);

} // namespace ntk
