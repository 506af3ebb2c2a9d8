// ChannelProgress.h — the progress of channels solved in parallel (one CG or Chebyshev run each),
// reported as one figure: from + (to − from) · the mean of the channels' fractions.
// In: the channel count, the job whose progress callback receives it, the sub-range [from, to].
// Out: set(channel, fraction) stores the fraction (thread-safe) and reports when the job listens.
#pragma once
#include <atomic>
#include <memory>

#include "core/util/JobControl.h"

namespace ntk {

class ChannelProgress {
public:
  ChannelProgress(int channels, const JobControl& job, double from = 0.0, double to = 1.0)
    : fractions_(std::make_unique<std::atomic<double>[]>(size_t(channels))), channels_(channels), job_(job), from_(from),
      to_(to)
  {
    for (int c = 0; c < channels; ++c) fractions_[size_t(c)] = 0.0;
  }

  void set(int channel, double fraction)
  {
    fractions_[size_t(channel)] = fraction;
    if (!job_.progress) return;
    double sum = 0.0;
    for (int c = 0; c < channels_; ++c) sum += fractions_[size_t(c)].load();
    job_.report(from_ + (to_ - from_) * sum / channels_);
  }

private:
  std::unique_ptr<std::atomic<double>[]> fractions_;
  int channels_;
  const JobControl& job_;
  double from_, to_;
};

} // namespace ntk
