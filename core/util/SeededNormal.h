// SeededNormal.h — reproducible N(0,1) samples from an integer seed.
// In: a 64-bit seed. Out: the same sequence of standard normals on every platform and compiler
// (std::normal_distribution is implementation-defined, so we do Box–Muller on mt19937_64 ourselves).
#pragma once
#include <cmath>
#include <cstdint>
#include <random>

namespace ntk {

class SeededNormal {
public:
  explicit SeededNormal(std::uint64_t seed) : m_engine(seed) {}

  double operator()()
  {
    if (m_hasSpare) {
      m_hasSpare = false;
      return m_spare;
    }
    // 53-bit uniforms in (0,1]: u1 never 0, so log is finite.
    const double u1 = (double((m_engine() >> 11) + 1)) * 0x1.0p-53;
    const double u2 = double(m_engine() >> 11) * 0x1.0p-53;
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double a = 2.0 * 3.14159265358979323846 * u2;
    m_spare = r * std::sin(a);
    m_hasSpare = true;
    return r * std::cos(a);
  }

private:
  std::mt19937_64 m_engine;
  double m_spare = 0.0;
  bool m_hasSpare = false;
};

} // namespace ntk
