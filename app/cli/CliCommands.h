// CliCommands.h — the pieces ntk-cli's subcommands share, and one registration function per command
// that lives in its own file (SpectrumCommand.cpp, DynamicsCommand.cpp, …).
// In: the CLI11 app and the adder of the shared options (--threads, --quiet). Out: a Command whose `run` is called when
// its subcommand was parsed; it returns the exit status and throws ntk::NtkError on bad input
// (main prints one line and exits 2).
#pragma once
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/network/Network.h"
#include "core/util/Errors.h"

namespace ntkcli {

/// "--samples must be >= 1": one short line, where CLI::PositiveNumber prints a 300-character range.
inline CLI::Validator atLeast(const std::string& option, long long lo)
{
  return CLI::Validator(
      [option, lo](std::string& text) -> std::string {
        errno = 0;
        char* end = nullptr;
        const long long v = std::strtoll(text.c_str(), &end, 10);
        if (end == text.c_str() || *end != '\0' || errno == ERANGE) return option + " must be an integer";
        if (v < lo) return option + " must be >= " + std::to_string(lo);
        return {};
      },
      ">= " + std::to_string(lo));
}

/// A seed is a full 64-bit unsigned value; "-1" must not wrap to 2^64 − 1.
inline CLI::Validator seedValue()
{
  return CLI::Validator(
      [](std::string& text) -> std::string {
        errno = 0;
        char* end = nullptr;
        const bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
        std::strtoull(text.c_str(), &end, 10);
        if (!digits || *end != '\0' || errno == ERANGE) return "--seed must be an integer in [0, 18446744073709551615]";
        return {};
      },
      "0 .. 2^64-1");
}


/// A whole-string double, or an InputError naming the option and the text. Underflow (1e-400) is a
/// number; overflow (1e400) is refused.
inline double parseNumber(const std::string& text, const std::string& option)
{
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end == text.c_str() || *end != '\0')
    throw ntk::InputError(option + " must be a number (got '" + text + "')");
  if (errno == ERANGE && std::isinf(v)) throw ntk::InputError(option + ": '" + text + "' is out of the range of a double");
  return v;
}

/// P of `--mask random:P` (text: what follows "random:"): 0 < P ≤ 1, or an InputError.
/// --widths "16,32,64" → {16, 32, 64}: integers in [1, kMaxWidth], or an InputError naming the entry.
inline std::vector<int> parseWidthList(const std::string& list)
{
  std::vector<int> widths;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = list.find(',', start);
    const std::string token = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    errno = 0;
    char* end = nullptr;
    const long long v = std::strtoll(token.c_str(), &end, 10);
    if (token.empty() || end == token.c_str() || *end != '\0' || errno == ERANGE || v < 1 || v > ntk::kMaxWidth)
      throw ntk::InputError("--widths: widths must be integers in [1, " + std::to_string(ntk::kMaxWidth) + "] (got '" +
                            token + "')");
    widths.push_back(int(v));
    if (comma == std::string::npos) return widths;
    start = comma + 1;
  }
}

inline double parseRandomMaskFraction(const std::string& text)
{
  const double p = parseNumber(text, "--mask random:P");
  if (!(p > 0.0 && p <= 1.0)) throw ntk::InputError("--mask random:P needs a fraction 0 < P <= 1 (got '" + text + "')");
  return p;
}

/// Writes `text` to `path`; on any failure removes what was written and throws InputError naming the file.
inline void writeText(const std::string& path, const std::string& text)
{
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw ntk::InputError("cannot write " + path + ": " + std::strerror(errno));
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  const bool closed = std::fclose(f) == 0;
  if (!ok || !closed) {
    std::remove(path.c_str());
    throw ntk::InputError("cannot write " + path);
  }
}

/// The last file of a command: writes the report `text` to `reportPath`; if that fails, also removes
/// the result `resultPath` written just before, so a refused command leaves nothing half-written.
inline void writeReportOrRemoveResult(const std::string& resultPath, const std::string& reportPath,
                                      const std::string& text)
{
  try {
    writeText(reportPath, text);
  } catch (...) {
    std::remove(resultPath.c_str());
    throw;
  }
}

/// A JSON number with 17 significant digits; non-finite values (a PSNR of +∞) as null.
inline std::string jsonNumber(double v)
{
  if (!std::isfinite(v)) return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

inline std::string jsonString(const std::string& s)
{
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

struct Command {
  CLI::App* sub = nullptr;       ///< parsed when *sub is true
  std::function<int()> run;      ///< the command's body; runs after --threads took effect
};

using AddThreads = std::function<void(CLI::App*)>;

/// `ntk-cli spectrum` (SpectrumCommand.cpp), and `ntk-cli bench spectrum` under the given bench command.
Command addSpectrumCommand(CLI::App& app, const AddThreads& addThreads);
Command addBenchSpectrumCommand(CLI::App& bench, const AddThreads& addThreads);
/// `ntk-cli dynamics` (DynamicsCommand.cpp).
Command addDynamicsCommand(CLI::App& app, const AddThreads& addThreads);
/// `ntk-cli fit-image` (FitImageCommand.cpp).
Command addFitImageCommand(CLI::App& app, const AddThreads& addThreads);
/// `ntk-cli bench image` (BenchImageCommand.cpp).
Command addBenchImageCommand(CLI::App& bench, const AddThreads& addThreads);
/// `ntk-cli topopt` (TopoptCommand.cpp) and `ntk-cli bench topopt` (BenchTopoptCommand.cpp).
Command addTopoptCommand(CLI::App& app, const AddThreads& addThreads);
Command addBenchTopoptCommand(CLI::App& bench, const AddThreads& addThreads);
/// `ntk-cli sweep-image` (SweepImageCommand.cpp).
Command addSweepImageCommand(CLI::App& app, const AddThreads& addThreads);
/// `ntk-cli ntk-filter` (NtkFilterCommand.cpp).
Command addNtkFilterCommand(CLI::App& app, const AddThreads& addThreads);
/// `ntk-cli regress` (RegressCommand.cpp).
Command addRegressCommand(CLI::App& app, const AddThreads& addThreads);
/// `ntk-cli experiment width` and `experiment theory` under the `experiment` group, and
/// `ntk-cli bench experiment-width` (ExperimentWidthCommand.cpp).
Command addExperimentWidthCommand(CLI::App& experiment, const AddThreads& addThreads);
Command addExperimentTheoryCommand(CLI::App& experiment, const AddThreads& addThreads);
Command addBenchExperimentWidthCommand(CLI::App& bench, const AddThreads& addThreads);

/// `ntk-cli experiment evolution` and `ntk-cli experiment linearization` under the given experiment command,
/// and `ntk-cli bench experiment-training` (ExperimentTrainingCommand.cpp).
std::vector<Command> addExperimentTrainingCommands(CLI::App& experiment, const AddThreads& addThreads);
Command addBenchExperimentTrainingCommand(CLI::App& bench, const AddThreads& addThreads);
/// `ntk-cli bench experiment`: bench experiment-width, then bench experiment-training.
Command addBenchExperimentCommand(CLI::App& bench, const AddThreads& addThreads);
/// The `bench experiment-width` run (its JSON line on stdout); 0 on success.
int benchExperimentWidth(int repeats);

} // namespace ntkcli
