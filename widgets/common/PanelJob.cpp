#include "widgets/common/PanelJob.h"

#include <new>

#include "core/util/Errors.h"

namespace ntk::gui {

JobControl JobFlags::control(double from, double share) const
{
  JobControl job;
  job.stop = stop.get();
  job.progress = [percent = percent, from, share](double f) { percent->store(int(100 * (from + share * f))); };
  return job;
}

bool catchJobErrors(const std::function<void()>& work, bool* cancelled, QString* error)
{
  try {
    work();
    return true;
  } catch (const CancelledError&) {
    *cancelled = true;
  } catch (const std::bad_alloc&) {
    *error = QStringLiteral("out of memory");
  } catch (const std::exception& e) { // NtkError and the standard library's
    *error = QString::fromStdString(e.what());
  }
  return false;
}

} // namespace ntk::gui
