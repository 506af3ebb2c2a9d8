#include "core/kernels/ReluBlock.h"

#include <algorithm>
#include <cmath>

namespace ntk {

namespace {

inline double acosInline(double x)
{
  // fdlibm e_acos.c rational approximation of asin on [0, 0.5]; the two branches become a blend.
  constexpr double pS0 = 1.66666666666666657415e-01, pS1 = -3.25565818622400915405e-01,
                   pS2 = 2.01212532134862925881e-01, pS3 = -4.00555345006794114027e-02,
                   pS4 = 7.91534994289814532176e-04, pS5 = 3.47933107596021167570e-05,
                   qS1 = -2.40339491173441421878e+00, qS2 = 2.02094576023350569471e+00,
                   qS3 = -6.88283971605453293030e-01, qS4 = 7.70381505559019352791e-02;
  constexpr double pio2 = 1.57079632679489655800e+00, pi = 3.14159265358979311600e+00;
  const double ax = std::fabs(x);
  const bool big = ax > 0.5;
  const double z = big ? 0.5 * (1.0 - ax) : x * x;
  const double p = z * (pS0 + z * (pS1 + z * (pS2 + z * (pS3 + z * (pS4 + z * pS5)))));
  const double qq = 1.0 + z * (qS1 + z * (qS2 + z * (qS3 + z * qS4)));
  const double sz = std::sqrt(z); // computed for every lane: the select below must not branch
  const double s = big ? sz : x;
  const double as = s + s * (p / qq);
  const double bigValue = x > 0 ? 2.0 * as : pi - 2.0 * as;
  return big ? bigValue : pio2 - as;
}

} // namespace

__attribute__((target_clones("avx2", "default"))) void
reluDualBlock(double* q, double* ntk, std::ptrdiff_t rows, std::ptrdiff_t cols, std::ptrdiff_t ld, const double* var1,
              const double* var2, double alpha)
{
  constexpr double pi = 3.14159265358979323846, inv2pi = 1.0 / (2.0 * 3.14159265358979323846);
  const double a2 = (1.0 - alpha) * (1.0 - alpha);
  for (std::ptrdiff_t j = 0; j < cols; ++j) {
    double* qc = q + j * ld;
    double* tc = ntk ? ntk + j * ld : nullptr;
    const double v2 = var2[j];
    if (tc) {
      for (std::ptrdiff_t i = 0; i < rows; ++i) {
        const double c = qc[i];
        // ρ = q12/√(q11 q22): exactly 1 when q12 = q11 = q22 (the diagonal), where arccos is
        // infinitely sensitive; √q11·√q22 would leave 1 − ε there and an error of √ε.
        const double s = std::sqrt(var1[i] * v2);
        const double rho = std::min(1.0, std::max(-1.0, s > 0.0 ? c / s : 0.0));
        const double t = acosInline(rho);
        const double T = s * (std::sqrt(1.0 - rho * rho) + (pi - t) * rho) * inv2pi;
        const double Td = (pi - t) * inv2pi;
        qc[i] = a2 * T + alpha * c;
        tc[i] *= a2 * Td + alpha;
      }
    } else {
      for (std::ptrdiff_t i = 0; i < rows; ++i) {
        const double c = qc[i];
        const double s = std::sqrt(var1[i] * v2);
        const double rho = std::min(1.0, std::max(-1.0, s > 0.0 ? c / s : 0.0));
        const double t = acosInline(rho);
        qc[i] = a2 * s * (std::sqrt(1.0 - rho * rho) + (pi - t) * rho) * inv2pi + alpha * c;
      }
    }
  }
}

} // namespace ntk
