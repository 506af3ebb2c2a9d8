// KernelTheoryReadouts.h — numbers the theory attaches to a training Gram (survey §6.3).
// In: the NTK Gram Θ(X,X) (m by m, symmetric PSD), targets Y (m), optionally a seed for shuffling.
// Out: λ_min and λ_max of H = Θ/m; the gradient-flow convergence bound it implies,
//   L(t) ≤ e^{−2 λ_min t} L(0)   (the residual decays at least as e^{−λ_min t} in every direction);
// the largest stable gradient-descent step 2/λ_max; and the data-dependent complexity of Arora et al.
// (2019), √(Yᵀ Θ⁻¹ Y / m), for Y and for Y with its entries shuffled (a seeded permutation): true
// structure gives a visibly smaller value.
// Θ with λ_min ≤ 1e-13·λ_max: the complexity is computed on the span of the eigenvectors above that
// threshold and `singular` is set (never silently ∞ or NaN).
// Errors: InputError for sizes that do not match or non-finite entries.
#pragma once
#include <cstdint>

#include <Eigen/Dense>

namespace ntk {

struct KernelTheoryReadouts {
  double lambdaMin = 0.0;           ///< of H = Θ/m
  double lambdaMax = 0.0;
  double maxStableLearningRate = 0.0; ///< 2 / λ_max
  double complexity = 0.0;          ///< √(Yᵀ Θ⁻¹ Y / m)
  double shuffledComplexity = 0.0;  ///< the same with Y shuffled
  bool singular = false;
  /// e^{−2 λ_min t}: the bound on L(t)/L(0) under gradient flow.
  double lossBoundFactor(double t) const;
};

KernelTheoryReadouts kernelTheoryReadouts(const Eigen::MatrixXd& theta, const Eigen::VectorXd& Y,
                                          std::uint64_t shuffleSeed = 1);

} // namespace ntk
