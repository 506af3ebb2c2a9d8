// ElementStiffness.cpp — top88's KE, line for line.
#include "core/topopt/ElementStiffness.h"

namespace ntk {

ElementMatrix planeStressQ4Stiffness(double nu)
{
  Eigen::Matrix4d A11, A12, B11, B12;
  A11 << 12, 3, -6, -3, 3, 12, 3, 0, -6, 3, 12, -3, -3, 0, -3, 12;
  A12 << -6, -3, 0, 3, -3, -6, -3, -6, 0, -3, -6, 3, 3, -6, 3, -6;
  B11 << -4, 3, -2, 9, 3, -4, -9, 4, -2, -9, -4, -3, 9, 4, -3, -4;
  B12 << 2, -3, 4, -9, -3, 2, 9, -2, 4, 9, 2, 3, -9, -2, 3, 2;
  ElementMatrix A, B;
  A << A11, A12, A12.transpose(), A11;
  B << B11, B12, B12.transpose(), B11;
  return (A + nu * B) / (24.0 * (1.0 - nu * nu));
}

} // namespace ntk
