// FftwPlanner.cpp — the process-wide FFTW planner lock (see FftwPlanner.h).
#include "core/util/FftwPlanner.h"

namespace ntk {

std::mutex& fftwPlannerMutex()
{
  static std::mutex mutex;
  return mutex;
}

} // namespace ntk
