// SeededShuffle.h — a reproducible permutation from a 64-bit generator.
// In: a vector and a mt19937_64. Out: the vector permuted by Fisher–Yates with our own index draw
// (std::shuffle and std::uniform_int_distribution are implementation-defined), so the same seed gives
// the same order on every platform and compiler.
#pragma once
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace ntk {

template <class T> void seededShuffle(std::vector<T>& v, std::mt19937_64& rng)
{
  for (std::size_t i = v.size(); i > 1; --i) {
    const std::size_t j = std::size_t(rng() % std::uint64_t(i));
    std::swap(v[i - 1], v[j]);
  }
}

} // namespace ntk
