// SphereSpectrum.h — exact Mercer eigenvalues of a zonal kernel on the sphere S^{d−1} (Funk–Hecke).
// In: a Network whose input lies on the unit sphere of R^d (encoding none, input_dim = d ≥ 2), the
// kernel kind, kmax. Out: λ_k for degrees k = 0…kmax w.r.t. the uniform probability measure, each
// with multiplicity N(d,k) (CONVENTIONS §2), and an estimate of the quadrature error.
// How: λ_k = c_d ∫_0^π K(cos θ) P_k(cos θ) sin^{d−2}θ dθ with Gauss–Legendre nodes in θ, not in
// t = cos θ: ReLU-type kernels are analytic in θ but not in t at t = ±1, so the θ rule converges
// geometrically. The profile K(cos θ) is one row of the engine's own Gram (e_1 against the nodes).
// The rule is doubled until two successive rules agree to 1e-12·λ_0 (or to 1e-15·max λ_k where λ_0 is
// smaller than 1e-3·max λ_k, e.g. λ_0 = 0 for a bias-free linear net; a capped rule says
// converged = false); values whose magnitude is below the resolution floor (the quadrature error plus
// rounding, ≥ 1e-13·λ_0) are reported as exactly 0, so bias-free ReLU's vanishing odd degrees show as
// zeros, not noise.
// Cost: building the Gauss–Legendre rule is O(n²) in its n ≈ 2·kmax nodes and not cancellable
// (≈ 0.2 s at kmax = 2000, 18 s at kmax = 20000 on one core); rules are cached per process.
// Thread-safety: re-entrant.
#pragma once
#include <functional>

#include <Eigen/Dense>

#include "core/kernels/NtkGram.h"
#include "core/util/JobControl.h"

namespace ntk {

struct SphereSpectrum {
  int dim = 3;                  ///< d: the sphere S^{d−1} ⊂ R^d
  Eigen::VectorXd lambda;       ///< λ_k, k = 0…kmax; 0 where below `floor`
  Eigen::VectorXd multiplicity; ///< N(d,k) (a double: it overflows int for large d and k)
  Eigen::VectorXd error;        ///< estimated absolute quadrature error of each λ_k
  double floor = 0.0;           ///< |λ_k| ≤ floor were set to 0
  int nodes = 0;                ///< Gauss–Legendre nodes in θ of the accepted rule
  bool converged = true;        ///< false: the node cap was reached first; `error` then says how far off
};

/// N(d,k) = (2k+d−2)/k · C(k+d−3, k−1); N(d,0) = 1. (1, 2, 2, … on S¹; 2k+1 on S².)
double sphereMultiplicity(int d, int k);
/// c_d = |S^{d−2}| / |S^{d−1}| (1/π for d = 2, 1/2 for d = 3).
double sphereMeasureConstant(int d);
/// P_0(t)…P_kmax(t), Gegenbauer normalised to P_k(1) = 1 (Chebyshev for d = 2, Legendre for d = 3).
void gegenbauerNormalized(int d, int kmax, double t, double* out);

/// Profile K(t) evaluated at many t at once (t in [−1, 1]); used for tests and custom kernels.
using ZonalProfile = std::function<Eigen::VectorXd(const Eigen::VectorXd& t)>;

/// Funk–Hecke spectrum of a given profile on S^{d−1}.
SphereSpectrum funkHeckeSpectrum(const ZonalProfile& profile, int d, int kmax, const JobControl& job = {});

/// Funk–Hecke spectrum of the network's NNGP or NTK. Throws NetworkError unless the encoding is none;
/// the sphere is S^{input_dim − 1}. kmax in [0, 100000].
SphereSpectrum funkHeckeSpectrum(const Network& net, KernelKind kind, int kmax, const JobControl& job = {});

/// The network's kernel profile K(t) for unit inputs with x·x' = t (encoding none).
ZonalProfile networkZonalProfile(const Network& net, KernelKind kind);

} // namespace ntk
