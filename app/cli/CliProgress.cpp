// CliProgress.cpp — see CliProgress.h.
#include "app/cli/CliProgress.h"

#include <algorithm>
#include <atomic>
#include <cmath>

#include <sys/ioctl.h>
#include <unistd.h>

namespace ntkcli {

namespace {

std::atomic<bool> g_quiet{false};

/// A plain line repeats an unchanged text only this often (a heartbeat through a long silent step).
constexpr std::chrono::seconds kHeartbeat{10};
constexpr int kBarWidth = 24;

/// Columns of the terminal on stderr (0 when unknown): a longer line would wrap and break the redraw.
std::size_t terminalColumns(std::FILE* stream)
{
  winsize ws{};
  if (::ioctl(::fileno(stream), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 0;
}

} // namespace

void setQuiet(bool q) { g_quiet = q; }
bool quiet() { return g_quiet; }

Progress::Settings Progress::defaults()
{
  Settings s;
  s.terminal = ::isatty(::fileno(stderr)) == 1;
  s.enabled = !quiet();
  return s;
}

Progress::Progress(std::string label, Settings settings)
    : m_label(std::move(label)), m_settings(settings), m_start(Clock::now()), m_lastPlain(m_start)
{
  if (m_settings.enabled) m_ticker = std::thread([this] { tick(); });
}

Progress::~Progress()
{
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_finished) return;
    m_finished = true;
  }
  m_wake.notify_all();
  if (m_ticker.joinable()) m_ticker.join();
  // Not finished: the job failed or was stopped. Clear the bar so the error prints on a clean line.
  if (m_shown && m_settings.terminal) {
    std::fputs("\r\x1b[K", m_settings.stream);
    std::fflush(m_settings.stream);
  }
}

void Progress::update(double fraction, const std::string& detail)
{
  std::lock_guard<std::mutex> lock(m_mutex);
  if (std::isfinite(fraction)) m_fraction = std::max(m_fraction, std::clamp(fraction, 0.0, 1.0));
  if (!detail.empty()) m_detail = detail;
}

void Progress::setDetail(const std::string& detail)
{
  std::lock_guard<std::mutex> lock(m_mutex);
  m_detail = detail;
}

ntk::JobControl Progress::job(double from, double to)
{
  ntk::JobControl j;
  j.progress = [this, from, to](double f) { update(from + (to - from) * std::clamp(f, 0.0, 1.0)); };
  return j;
}

void Progress::finish()
{
  {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_finished) return;
    m_finished = true;
  }
  m_wake.notify_all();
  if (m_ticker.joinable()) m_ticker.join();
  std::lock_guard<std::mutex> lock(m_mutex);
  if (m_shown) draw(true);
}

std::string Progress::duration(double seconds)
{
  char buf[32];
  const long s = long(std::lround(std::max(0.0, seconds)));
  if (s < 60) std::snprintf(buf, sizeof buf, "%lds", s);
  else if (s < 3600) std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
  return buf;
}

double Progress::elapsed() const { return std::chrono::duration<double>(Clock::now() - m_start).count(); }

void Progress::tick()
{
  std::unique_lock<std::mutex> lock(m_mutex);
  // Silent for the first `delay`: a job that ends before then prints nothing.
  if (m_wake.wait_until(lock, m_start + m_settings.delay, [this] { return m_finished; })) return;
  const auto period = m_settings.terminal ? m_settings.terminalInterval : std::min(m_settings.plainInterval, std::chrono::milliseconds(250));
  while (!m_finished) {
    draw(false);
    m_wake.wait_for(lock, period, [this] { return m_finished; });
  }
}

std::string Progress::line(bool final) const
{
  const double t = elapsed();
  char buf[64];
  std::string head = "ntk-cli " + m_label + ": ";
  if (final) {
    std::snprintf(buf, sizeof buf, "done in %.1f s", t);
    return head + buf;
  }
  std::snprintf(buf, sizeof buf, "%3d%%", int(std::floor(100.0 * m_fraction)));
  if (m_settings.terminal) {
    const int filled = int(std::lround(kBarWidth * m_fraction));
    head += "[" + std::string(std::size_t(filled), '#') + std::string(std::size_t(kBarWidth - filled), '-') + "] ";
  }
  head += buf;
  std::string tail = "  (" + duration(t) + " elapsed";
  // An ETA from the rate so far, once there is a rate to speak of.
  if (m_fraction >= 0.002 && m_fraction < 1.0) tail += ", ETA " + duration(t * (1.0 - m_fraction) / m_fraction);
  tail += ")";
  std::string detail = m_detail.empty() ? std::string() : "  " + m_detail;
  // On a terminal the line must not wrap (the '\r' redraw would stack lines): shorten the detail.
  const std::size_t columns = m_settings.terminal ? terminalColumns(m_settings.stream) : 0;
  if (columns > 0 && head.size() + detail.size() + tail.size() >= columns) {
    const std::size_t room = columns - 1 > head.size() + tail.size() ? columns - 1 - head.size() - tail.size() : 0;
    detail = room > 3 ? detail.substr(0, room - 3) + "..." : std::string();
  }
  return head + detail + tail;
}

void Progress::draw(bool final)
{
  std::FILE* out = m_settings.stream;
  if (m_settings.terminal) {
    const std::string text = line(final);
    // '\r', the line, then erase what a longer previous line left behind.
    std::fprintf(out, "\r%s\x1b[K%s", text.c_str(), final ? "\n" : "");
    std::fflush(out);
    m_shown = true;
    return;
  }
  const auto now = Clock::now();
  // What the line says apart from the clock: an unchanged line is repeated only as a heartbeat.
  char pct[16];
  std::snprintf(pct, sizeof pct, "%d", int(std::floor(100.0 * m_fraction)));
  const std::string content = std::string(pct) + "|" + m_detail;
  if (!final) {
    if (m_shown && now - m_lastPlain < m_settings.plainInterval) return;
    if (m_shown && content == m_lastText && now - m_lastPlain < kHeartbeat) return;
  }
  std::fprintf(out, "%s\n", line(final).c_str());
  std::fflush(out);
  m_lastText = content;
  m_lastPlain = now;
  m_shown = true;
}

} // namespace ntkcli
