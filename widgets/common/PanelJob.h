// PanelJob — what a panel's background job shares with the GUI thread, and how its failures become
// the result's fields (the panels' job bodies and DynamicsModel's buildDynamics use both).
// Thread-safety: JobFlags are atomics shared by the GUI thread and one job; catchJobErrors runs on any thread.
#pragma once
#include <atomic>
#include <functional>
#include <memory>

#include <QString>

#include "core/util/JobControl.h"

namespace ntk::gui {

/// The task holds a copy, so a job that outlives its request (superseded, cancelled) keeps valid flags.
struct JobFlags {
  std::shared_ptr<std::atomic<bool>> stop = std::make_shared<std::atomic<bool>>(false); ///< raised by the panel
  std::shared_ptr<std::atomic<int>> percent = std::make_shared<std::atomic<int>>(0);    ///< written by the job
  /// core's JobControl for a step that covers the fractions [from, from + share] of the whole job.
  JobControl control(double from = 0.0, double share = 1.0) const;
};

/// Runs `work` (a job's body) and records what it throws: CancelledError sets `*cancelled`;
/// bad_alloc sets `*error` to "out of memory"; NtkError and other std::exceptions, to their message.
/// Returns true when `work` returned normally.
bool catchJobErrors(const std::function<void()>& work, bool* cancelled, QString* error);

} // namespace ntk::gui
