// MemoryEstimate.h — how much memory the machine can give, and a guard for big allocations.
// In: a byte count and a description of what it is for. Out: nothing, or MemoryLimitError whose
// message states the estimate and what is available, so a user sees why a size was refused.
#pragma once
#include <cstdint>
#include <string>

namespace ntk {

/// Bytes the OS reports as available (MemAvailable in /proc/meminfo; physical RAM if unknown).
std::uint64_t availableMemoryBytes();

/// "1.5 GiB", "320 MiB": a human-readable size.
std::string formatBytes(double bytes);

/// Throws MemoryLimitError when `bytes` exceeds `fraction` of the available memory.
void requireMemory(double bytes, const std::string& what, double fraction = 0.8);

} // namespace ntk
