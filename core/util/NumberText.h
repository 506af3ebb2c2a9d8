// NumberText.h — a double as a user reads it in a message: 6 significant digits, no trailing zeros
// ("1.5", "1e-09", "nan"), where std::to_string would print "1.500000" and "0.000000".
#pragma once
#include <cstdio>
#include <string>

namespace ntk {

inline std::string numberText(double v)
{
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

/// Three significant digits ("0.00123", "1.5e+03"): residuals and tolerances in a one-line message.
inline std::string shortNumberText(double v)
{
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

} // namespace ntk
