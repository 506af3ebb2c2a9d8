// CliRun.h — runs ntk-cli (NTK_CLI_PATH) as a user scripts it, for the CLI test suites.
// In: the arguments. Out: exit code, stdout and stderr (code −1 when it did not finish in 2 minutes).
#pragma once
#include <QProcess>
#include <QString>
#include <QStringList>

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

} // namespace ntktest
