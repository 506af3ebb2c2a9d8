#include "core/util/MemoryEstimate.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "core/util/Errors.h"

namespace ntk {

std::uint64_t availableMemoryBytes()
{
  std::ifstream in("/proc/meminfo");
  std::string key;
  std::uint64_t kib = 0;
  std::string unit;
  while (in >> key >> kib >> unit) {
    if (key == "MemAvailable:") return kib * 1024ull;
  }
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long pageSize = sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && pageSize > 0) return std::uint64_t(pages) * std::uint64_t(pageSize);
  return 4ull << 30; // unknown: assume a small machine rather than a big one
}

std::string formatBytes(double bytes)
{
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int u = 0;
  while (bytes >= 1024.0 && u < 5) {
    bytes /= 1024.0;
    ++u;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
  return buf;
}

void requireMemory(double bytes, const std::string& what, double fraction)
{
  const double avail = double(availableMemoryBytes());
  if (bytes > fraction * avail) {
    throw MemoryLimitError(what + " needs " + formatBytes(bytes) + " but only " +
                           formatBytes(avail) + " is available on this machine");
  }
}

} // namespace ntk
