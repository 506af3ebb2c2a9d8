// JobControl.h — cancellation flag + progress callback handed to every long core call.
// In: an optional pointer to an atomic stop flag owned by the caller, an optional progress
// callback (fraction in [0,1]). Out: `checkCancelled()` throws CancelledError once the flag is set.
// Core never knows who listens: the Qt layer wires these to a QPromise / progress bar.
// Thread-safety: report() may be called from worker threads; the callback must be thread-safe.
#pragma once
#include <atomic>
#include <functional>

#include "core/util/Errors.h"

namespace ntk {

struct JobControl {
  const std::atomic<bool>* stop = nullptr;       ///< raised by the owner to cancel
  std::function<void(double)> progress;          ///< fraction done, in [0,1]

  bool cancelled() const { return stop && stop->load(std::memory_order_relaxed); }
  void checkCancelled() const {
    if (cancelled()) throw CancelledError();
  }
  void report(double fraction) const {
    if (progress) progress(fraction);
  }
};

} // namespace ntk
