// ElementStiffness.h — the bilinear (Q4) plane-stress element stiffness of top88 for a unit square
// element of unit thickness and Young's modulus 1.
// In: Poisson's ratio ν. Out: KE (8 × 8), DOFs ordered as top88's edofMat: lower-left (x, y),
// lower-right, upper-right, upper-left. Symmetric positive semi-definite with the 3 rigid motions as
// its null space. Scale by E for a modulus E.
#pragma once
#include <Eigen/Dense>

namespace ntk {

using ElementMatrix = Eigen::Matrix<double, 8, 8>;

ElementMatrix planeStressQ4Stiffness(double nu);

} // namespace ntk
