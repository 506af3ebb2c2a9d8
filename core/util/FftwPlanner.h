// FftwPlanner.h — the one lock every FFTW plan creation and destruction in core/ takes.
// In: nothing. Out: a process-wide mutex. Why: FFTW's planner (fftw_plan_*, fftw_destroy_plan) is not
// thread-safe — two files each with their own lock could still plan at the same time — while
// fftw_execute on distinct plans/arrays is.
#pragma once
#include <mutex>

namespace ntk {

std::mutex& fftwPlannerMutex();

} // namespace ntk
