#include "core/util/SeededNormal.h"

#include <bit>
#include <cmath>

// No fused multiply-adds: the sequence must not depend on the instruction set the compiler targets.
#pragma GCC optimize("fp-contract=off")

namespace ntk {

double seededLog(double x)
{
  // fdlibm e_log.c: x = 2^k·m, m in [√½, √2), f = m − 1, s = f/(2 + f), log m = f − ½f² + s(½f² + R(s²)).
  constexpr double ln2Hi = 6.93147180369123816490e-01, ln2Lo = 1.90821492927058770002e-10;
  constexpr double Lg1 = 6.666666666666735130e-01, Lg2 = 3.999999999940941908e-01, Lg3 = 2.857142874366239149e-01,
                   Lg4 = 2.222219843214978396e-01, Lg5 = 1.818357216161805012e-01, Lg6 = 1.531383769920937332e-01,
                   Lg7 = 1.479819860511658591e-01;
  const std::uint64_t bits = std::bit_cast<std::uint64_t>(x);
  int k = int((bits >> 52) & 0x7ff) - 1023;
  double m = std::bit_cast<double>((bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL); // [1, 2)
  if (m > 1.41421356237309504880) {
    m *= 0.5;
    ++k;
  }
  const double f = m - 1.0, hfsq = 0.5 * f * f, s = f / (2.0 + f), z = s * s, w = z * z;
  const double t1 = w * (Lg2 + w * (Lg4 + w * Lg6)), t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
  const double dk = double(k);
  return dk * ln2Hi - ((hfsq - (s * (hfsq + (t1 + t2)) + dk * ln2Lo)) - f);
}

void seededSinCosTurns(double t, double& s, double& c)
{
  // t = n/4 + y exactly (t and n/4 are multiples of 2^-53), |y| ≤ 1/8; x = 2πy in [−π/4, π/4].
  constexpr double S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03,
                   S3 = -1.98412698298579493134e-04, S4 = 2.75573137070700676789e-06,
                   S5 = -2.50507602534068634195e-08, S6 = 1.58969099521155010221e-10;
  constexpr double C1 = 4.16666666666666019037e-02, C2 = -1.38888888888741095749e-03,
                   C3 = 2.48015872894767294178e-05, C4 = -2.75573143513906633035e-07,
                   C5 = 2.08757232129817482790e-09, C6 = -1.13596475577881948265e-11;
  const double n = std::nearbyint(4.0 * t);
  const double x = (t - 0.25 * n) * 6.28318530717958647692, z = x * x;
  const double sx = x + x * z * (S1 + z * (S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)))));
  const double hz = 0.5 * z, w = 1.0 - hz;
  const double cx = w + (((1.0 - w) - hz) + z * z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6))))));
  switch (int(n) & 3) {
  case 0: s = sx, c = cx; break;
  case 1: s = cx, c = -sx; break;
  case 2: s = -sx, c = -cx; break;
  default: s = -cx, c = sx; break;
  }
}

void SeededNormal::pair(double& c, double& s)
{
  // 53-bit uniforms: u1 in (0, 1] (never 0, so log is finite), u2 in [0, 1).
  const double u1 = double((m_engine() >> 11) + 1) * 0x1.0p-53;
  const double u2 = double(m_engine() >> 11) * 0x1.0p-53;
  const double r = std::sqrt(-2.0 * seededLog(u1));
  double sn, cs;
  seededSinCosTurns(u2, sn, cs);
  c = r * cs;
  s = r * sn;
}

void SeededNormal::fill(double* out, std::size_t n)
{
  std::size_t i = 0;
  if (n > 0 && m_hasSpare) {
    out[i++] = m_spare;
    m_hasSpare = false;
  }
  for (; i + 1 < n; i += 2) pair(out[i], out[i + 1]);
  if (i < n) out[i] = (*this)();
}

} // namespace ntk
