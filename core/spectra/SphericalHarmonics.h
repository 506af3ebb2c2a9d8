// SphericalHarmonics.h — the eigenfunctions of every zonal kernel on S¹ and S²: real Fourier modes and
// real spherical harmonics, orthonormal w.r.t. the uniform probability measure (so ∫ Y² dσ = 1).
// In: degree k, an index j within the eigenspace (0 … N(d,k)−1), points on the unit circle/sphere.
// Out: Y_{k,j}(x). Order within degree k: on S¹ j = 0 → √2 cos kφ, j = 1 → √2 sin kφ (k = 0: 1);
// on S² j = 0…2k ↔ m = −k…k, m < 0 ↔ sin(|m|φ), m > 0 ↔ cos(mφ), m = 0 ↔ zonal.
// Thread-safety: pure functions.
#pragma once
#include <Eigen/Dense>

namespace ntk {

/// X: n by d (d = 2 or 3), rows on the unit sphere (normalised here). Returns n values.
Eigen::VectorXd realSphericalHarmonic(int k, int j, const Eigen::MatrixXd& X);

/// A latitude–longitude grid on S² with nTheta polar rows and nPhi azimuth columns, as points
/// (nTheta·nPhi by 3, row-major: polar index outer). Polar angles are cell centres (no poles twice).
Eigen::MatrixXd sphereLatLongGrid(int nTheta, int nPhi);

/// n equally spaced points on S¹ (angle 2πi/n), n by 2.
Eigen::MatrixXd circleGrid(int n);

} // namespace ntk
