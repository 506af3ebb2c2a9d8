// ConjugateGradients.h — preconditioned conjugate gradients for one right-hand side of a symmetric
// positive definite operator known only by its product (the image regressions' FFT Grams).
// In: apply(x, y): y ← A x; precondition(r, z): z ← P⁻¹ r; b; the relative-residual tolerance and the
// iteration cap; `what` names the solver in errors ("image regression"), `advice` says what to change
// ("raise the ridge or the tolerance"); onResidual(rel) after every iteration (progress).
// Out: x from 0 with ‖b − A x‖ ≤ tol·‖b‖ (x = 0 when b = 0); returns the iterations used.
// Throws CancelledError (job), NumericalError when the cap is reached or pᵀAp ≤ 0 (A not positive
// definite along a direction, in practice a ridge too small for rounding).
// refinedConjugateGradients: the same solve with a cheaper, less exact product (single-precision FFTs)
// inside iterative refinement whose residual is recomputed with the exact one (see below).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "core/util/JobControl.h"

namespace ntk {

using VectorMap = std::function<void(const std::vector<double>&, std::vector<double>&)>;

int conjugateGradients(const VectorMap& apply, const VectorMap& precondition, const std::vector<double>& b,
                       std::vector<double>& x, double tolerance, int maxIterations, const std::string& what,
                       const std::string& advice, const JobControl& job = {},
                       const std::function<void(double)>& onResidual = {});

/// Mixed-precision iterative refinement around conjugateGradients: `applyFast` is A up to rounding (e.g.
/// single-precision FFTs, relative error ~1e-7), `applyExact` is A in double. Each round solves
/// A d = r by PCG with applyFast to a relative residual max(tolerance·‖b‖/‖r‖, innerFloor), adds d to x
/// and recomputes the true residual r = b − A x with applyExact; it stops when ‖r‖ ≤ tolerance·‖b‖.
/// A round that does not halve ‖r‖ (the fast product's rounding reached), or whose PCG fails (pᵀAp ≤ 0
/// or the iteration cap, e.g. a ridge so small that the fast product's rounding makes A indefinite; that
/// round is dropped, so the cap can be spent twice), hands the rest to PCG with applyExact (whose recursive residual then decides, as in conjugateGradients). So the result meets the
/// same double-precision residual test as conjugateGradients.
/// Returns the PCG iterations of all rounds (exact products for the residuals not counted);
/// `rounds` (optional) receives the number of rounds. onResidual gets the relative residual of b.
int refinedConjugateGradients(const VectorMap& applyExact, const VectorMap& applyFast, const VectorMap& precondition,
                              const std::vector<double>& b, std::vector<double>& x, double tolerance, double innerFloor,
                              int maxIterations, const std::string& what, const std::string& advice,
                              const JobControl& job = {}, const std::function<void(double)>& onResidual = {},
                              int* rounds = nullptr);

} // namespace ntk
