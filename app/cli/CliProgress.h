// CliProgress.h — progress of a long ntk-cli job on stderr.
// In: a label ("kernel"), then updates from the job: the fraction done in [0,1] (through update() or
// the ntk::JobControl from job()) and an optional detail ("step 700/2000, loss 1.2e-3").
// Out: nothing for the first second (quick jobs stay silent); then, on a terminal, one bar redrawn in
// place with '\r' (about 10 times a second), otherwise plain lines, at most about one a second; and a
// final line ("done in 12.3 s") once anything was shown. `--quiet` (setQuiet) silences all of it.
// A ticker thread draws, so a long step without updates still shows its elapsed time.
// Thread-safety: update() and the JobControl's callback may be called from any thread.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

#include "core/util/JobControl.h"

namespace ntkcli {

/// The global `--quiet` flag: progress off (errors still print).
void setQuiet(bool quiet);
bool quiet();

class Progress {
public:
  struct Settings {
    std::FILE* stream = stderr;
    bool terminal = false;                             ///< redraw one line with '\r'
    bool enabled = true;                               ///< false: print nothing at all
    std::chrono::milliseconds delay{1000};             ///< silent for this long
    std::chrono::milliseconds plainInterval{1000};     ///< at most one plain line per interval
    std::chrono::milliseconds terminalInterval{100};   ///< redraw period on a terminal
  };
  /// stderr; a terminal when isatty(stderr); enabled unless --quiet.
  static Settings defaults();

  explicit Progress(std::string label, Settings settings = defaults());
  ~Progress(); ///< finish()
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  /// Fraction done (clamped to [0,1]; never moves backwards) and what is being done now.
  void update(double fraction, const std::string& detail = {});
  /// Only the detail (the fraction stays).
  void setDetail(const std::string& detail);
  /// A JobControl whose fraction f maps to from + (to − from)·f of this job.
  ntk::JobControl job(double from = 0.0, double to = 1.0);
  /// Stops the ticker; prints the final line when anything was shown. Idempotent.
  void finish();

  /// "12s", "3m05s", "1h02m".
  static std::string duration(double seconds);

private:
  using Clock = std::chrono::steady_clock;
  void tick();
  void draw(bool final);
  std::string line(bool final) const;
  double elapsed() const;

  std::string m_label;
  Settings m_settings;
  Clock::time_point m_start;
  Clock::time_point m_lastPlain;
  mutable std::mutex m_mutex;
  std::condition_variable m_wake;
  double m_fraction = 0.0;
  std::string m_detail;
  std::string m_lastText;     ///< the last plain line's content (no repeat of an unchanged line)
  bool m_shown = false, m_finished = false;
  std::thread m_ticker;
};

} // namespace ntkcli
