// CliRun.h — runs ntk-cli (NTK_CLI_PATH) as a user scripts it, for the CLI test suites.
// In: the arguments. Out: exit code, stdout and stderr (code −1 when it did not finish in 2 minutes).
#pragma once
#include <cmath>

#include <QByteArray>
#include <QFile>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <nlohmann/json.hpp>

namespace ntktest {

struct CliRun {
  int code = -1;
  QString out, err;
};

inline CliRun runCli(const QStringList& args)
{
  QProcess p;
  p.start(QStringLiteral(NTK_CLI_PATH), args);
  if (!p.waitForFinished(120000)) return {};
  return {p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()), QString::fromUtf8(p.readAllStandardError())};
}

/// Empty when `r` is a clean refusal — exit code 2, one line on stderr that contains `mustContain` and
/// is shorter than 150 characters once `tmpDir` (long temporary paths) is removed, nothing on
/// stdout — otherwise what is wrong with it.
inline QString refusalProblem(const CliRun& r, const QString& mustContain, const QString& tmpDir)
{
  if (r.code != 2) return QStringLiteral("exit code %1, not 2 (stderr: %2)").arg(r.code).arg(r.err);
  if (r.err.trimmed().count(QLatin1Char('\n')) != 0) return QStringLiteral("more than one line: ") + r.err;
  if (!r.err.contains(mustContain)) return QStringLiteral("'%1' not in: %2").arg(mustContain, r.err);
  if (QString(r.err).remove(tmpDir).size() >= 150) return QStringLiteral("too long: ") + r.err;
  if (!r.out.isEmpty()) return QStringLiteral("stdout not empty: ") + r.out;
  return {};
}

/// A JSON report written by a command (discarded/empty when missing or malformed).
inline nlohmann::json readJson(const QString& file)
{
  QFile f(file);
  if (!f.open(QIODevice::ReadOnly)) return {};
  return nlohmann::json::parse(f.readAll().toStdString(), nullptr, false);
}

/// A number of a report, NaN when the key is missing or not a number.
inline double number(const nlohmann::json& j, const char* key)
{
  return j.contains(key) && j[key].is_number() ? j[key].get<double>() : std::nan("");
}

inline QByteArray readAll(const QString& file)
{
  QFile f(file);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

/// Writes `bytes` to `file` (replacing it); false when it cannot be written.
inline bool writeAll(const QString& file, const QByteArray& bytes)
{
  QFile f(file);
  return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
}

} // namespace ntktest
