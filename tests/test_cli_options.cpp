// test_cli_options — the options every ntk-cli command shares: --version prints the CMake project
// version; a job of more than a second reports its progress on stderr (plain lines, at most about one a
// second, and a final "done" line when stderr is not a terminal; one bar redrawn with '\r' on a
// terminal), quick jobs stay silent and --quiet silences it; --header puts one line of column names
// above the CSV and leaves the rows byte for byte as they are without it (.npy refuses it).
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

#include "CliRun.h"
#include "TestUtil.h"
#include "core/network/NetworkJson.h"
#include "core/util/MatrixIO.h"

using namespace ntk;
using ntktest::runCli;
using Run = ntktest::CliRun;

namespace {

QByteArray readAll(const QString& path)
{
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

/// The file without its first line.
QByteArray afterFirstLine(const QByteArray& text) { return text.mid(text.indexOf('\n') + 1); }
QByteArray firstLine(const QByteArray& text) { return text.left(text.indexOf('\n')); }

QStringList nonEmptyLines(const QString& text)
{
  QStringList lines = text.split(QLatin1Char('\n'));
  lines.removeAll(QString());
  return lines;
}

} // namespace

class TestCliOptions : public QObject {
  Q_OBJECT

private slots:
  void initTestCase()
  {
    QVERIFY(m_dir.isValid());
    m_net = ntktest::mlp(2, 3, Activation(ActivationKind::Relu), std::sqrt(2.0), 0.1, 64);
    saveNetwork(m_net, path("net.json"));
    writeCsvMatrix(path("x.csv"), ntktest::uniformInputs(7, 2, 1));
    writeCsvMatrix(path("x2.csv"), ntktest::uniformInputs(4, 2, 2));
    Eigen::MatrixXd train(12, 3);
    train << ntktest::uniformInputs(12, 2, 3), ntktest::uniformInputs(12, 1, 4);
    writeCsvMatrix(path("train.csv"), train);
  }

  void versionIsTheProjectVersion()
  {
    const Run r = runCli({"--version"});
    QCOMPARE(r.code, 0);
    QCOMPARE(r.out, QStringLiteral("ntk-cli " NTK_VERSION "\n"));
    QVERIFY(QRegularExpression(QStringLiteral("^ntk-cli \\d+\\.\\d+\\.\\d+\n$")).match(r.out).hasMatch());
    QVERIFY(r.err.isEmpty());
    const Run help = runCli({"--help"});
    QVERIFY(help.out.contains(QStringLiteral("--version")) && help.out.contains(QStringLiteral("--quiet")));
  }

  void quickJobsStaySilent()
  {
    const Run r = runCli({"kernel", "--net", qpath("net.json"), "--x", qpath("x.csv"), "--out", qpath("quick.csv")});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(r.err.isEmpty(), qPrintable(r.err));
  }

  // The Monte-Carlo kernel of many points: one network, so the progress must come from inside it.
  void longJobReportsProgressUnlessQuiet()
  {
    Run r;
    double seconds = 0.0;
    QStringList args;
    // Grow the job until it takes long enough to be reported, whatever the machine.
    for (int m = 600; m <= 9600; m *= 2) {
      writeCsvMatrix(path("many.csv"), ntktest::uniformInputs(m, 2, 5));
      args = QStringList{"kernel", "--net", qpath("net.json"), "--x", qpath("many.csv"), "--out", qpath("many_k.npy"),
                         "--empirical", "--width", "1024"};
      QElapsedTimer clock;
      clock.start();
      r = runCli(args);
      seconds = clock.elapsed() / 1000.0;
      QVERIFY2(r.code == 0, qPrintable(r.err));
      if (seconds > 4.0) break;
    }
    QVERIFY2(seconds > 4.0, "could not make a job last 4 s");
    QVERIFY(r.out.isEmpty());
    const QStringList lines = nonEmptyLines(r.err);
    QVERIFY2(lines.size() >= 2, qPrintable(r.err)); // a progress line and the final line
    QVERIFY2(!r.err.contains(QLatin1Char('\r')), "not a terminal: plain lines, no redrawn bar");
    // At most about one line a second (and the final one).
    QVERIFY2(lines.size() <= int(seconds) + 2, qPrintable(QStringLiteral("%1 lines in %2 s").arg(lines.size()).arg(seconds)));
    const QRegularExpression progressLine(QStringLiteral("^ntk-cli kernel: +(\\d+)%  .*\\(\\S+ elapsed(, ETA \\S+)?\\)$"));
    bool between = false; // one network: the fraction must move inside it, not jump from 0 % to 100 %
    for (int i = 0; i + 1 < lines.size(); ++i) {
      const QRegularExpressionMatch m = progressLine.match(lines[i]);
      QVERIFY2(m.hasMatch(), qPrintable(lines[i]));
      between = between || (m.captured(1).toInt() > 0 && m.captured(1).toInt() < 100);
    }
    QVERIFY2(between, qPrintable(r.err));
    QVERIFY2(QRegularExpression(QStringLiteral("^ntk-cli kernel: done in \\d+\\.\\d s$")).match(lines.last()).hasMatch(),
             qPrintable(lines.last()));

    // --quiet, after or before the subcommand: nothing on stderr, the same result.
    const QByteArray before = readAll(qpath("many_k.npy"));
    const Run quiet = runCli(args + QStringList{"--quiet"});
    QVERIFY2(quiet.code == 0, qPrintable(quiet.err));
    QVERIFY2(quiet.err.isEmpty(), qPrintable(quiet.err));
    QCOMPARE(readAll(qpath("many_k.npy")), before);
    const Run quietFirst = runCli(QStringList{"--quiet"} + args);
    QVERIFY2(quietFirst.code == 0 && quietFirst.err.isEmpty(), qPrintable(quietFirst.err));
    m_longKernel = args;
  }

  // On a terminal (script(1) gives the command a pseudo-terminal): one bar redrawn with '\r'.
  void terminalGetsOneRedrawnBar()
  {
    if (m_longKernel.isEmpty()) QSKIP("needs the long job of longJobReportsProgressUnlessQuiet");
    const QString script = QStandardPaths::findExecutable(QStringLiteral("script"));
    if (script.isEmpty()) QSKIP("script(1) is not installed");
    QStringList quoted{QStringLiteral(NTK_CLI_PATH)};
    for (const QString& a : m_longKernel) quoted << QLatin1Char('\'') + a + QLatin1Char('\'');
    QProcess p;
    p.start(script, {QStringLiteral("-qec"), quoted.join(QLatin1Char(' ')), QStringLiteral("/dev/null")});
    QVERIFY(p.waitForFinished(120000));
    QCOMPARE(p.exitCode(), 0);
    const QString text = QString::fromUtf8(p.readAllStandardOutput());
    QVERIFY2(text.contains(QStringLiteral("\rntk-cli kernel: [")), qPrintable(text));
    QVERIFY2(QRegularExpression(QStringLiteral("\\[#*-*\\] +\\d+%")).match(text).hasMatch(), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("done in")), qPrintable(text));
    // Redrawn in place: the bar never starts a new line of its own before the final one.
    QCOMPARE(nonEmptyLines(QString(text).remove(QLatin1Char('\r'))).size(), 1);
  }

  // fit-image --method mlp: step/total, the loss and the held-out PSNR once recorded.
  void mlpTrainingReportsStepsLossAndPsnr()
  {
    Network net = ntktest::mlp(2, 3, Activation(ActivationKind::Relu), std::sqrt(2.0), 0.1, 128);
    net.encoding.kind = EncodingKind::Basic;
    saveNetwork(net, path("mlp.json"));
    Run r;
    double seconds = 0.0;
    for (int steps = 40; steps <= 5120; steps *= 2) {
      QElapsedTimer clock;
      clock.start();
      r = runCli({"fit-image", "--image", QStringLiteral(NTK_RESOURCES_DIR "/images/camera_256.png"), "--net",
                  qpath("mlp.json"), "--method", "mlp", "--steps", QString::number(steps), "--record-every", "10",
                  "--out", qpath("mlp.png"), "--report", qpath("mlp.json.report")});
      seconds = clock.elapsed() / 1000.0;
      QVERIFY2(r.code == 0, qPrintable(r.err));
      if (seconds > 3.0) break;
    }
    QVERIFY2(seconds > 3.0, "could not make the training last 3 s");
    const QRegularExpression line(QStringLiteral(
        "^ntk-cli fit-image: +\\d+%  step (\\d+)/(\\d+), loss \\S+, PSNR held-out [0-9.]+ dB \\(step \\d+\\)  "
        "\\(\\S+ elapsed, ETA \\S+\\)$"));
    const QStringList lines = nonEmptyLines(r.err);
    bool found = false;
    for (const QString& l : lines)
      if (const auto m = line.match(l); m.hasMatch()) {
        found = true;
        QVERIFY(m.captured(1).toInt() <= m.captured(2).toInt());
      }
    QVERIFY2(found, qPrintable(r.err));
    QVERIFY2(lines.last().startsWith(QStringLiteral("ntk-cli fit-image: done in")), qPrintable(r.err));
  }

  void headerNamesTheColumns_data()
  {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("header");
    const QString net = qpath("net.json");
    QTest::newRow("kernel") << QStringList{"kernel", "--net", net, "--x", qpath("x.csv")} << "x_0,x_1,x_2,x_3,x_4,x_5,x_6";
    QTest::newRow("kernel x2") << QStringList{"kernel", "--net", net, "--x", qpath("x.csv"), "--x2", qpath("x2.csv"), "--kind", "nngp"}
                               << "x2_0,x2_1,x2_2,x2_3";
    QTest::newRow("spectrum sphere") << QStringList{"spectrum", "--net", net, "--kmax", "6"} << "k,lambda,multiplicity";
    QTest::newRow("spectrum points") << QStringList{"spectrum", "--net", net, "--domain", "points", "--x", qpath("x.csv")}
                                     << "k,lambda,multiplicity";
    QTest::newRow("eigenfunction") << QStringList{"spectrum", "--net", net, "--eigenfunction", "2", "--grid", "16"}
                                   << "x0,x1,phi0,phi1";
    QTest::newRow("dynamics") << QStringList{"dynamics", "--net", net, "--train", qpath("train.csv"), "--test", qpath("x.csv"),
                                             "--t", "0, 2.5,inf"}
                              << "mean_t=0,variance_t=0,mean_t=2.5,variance_t=2.5,mean_t=inf,variance_t=inf";
    QTest::newRow("dynamics gd") << QStringList{"dynamics", "--net", net, "--train", qpath("train.csv"), "--test", qpath("x.csv"),
                                                "--t", "0,3", "--gd-lr", "0.1"}
                                 << "mean_step=0,variance_step=0,mean_step=3,variance_step=3";
  }

  void headerNamesTheColumns()
  {
    QFETCH(QStringList, args);
    QFETCH(QString, header);
    const Run plain = runCli(args + QStringList{"--out", qpath("plain.csv")});
    QVERIFY2(plain.code == 0, qPrintable(plain.err));
    const Run headed = runCli(args + QStringList{"--out", qpath("headed.csv"), "--header"});
    QVERIFY2(headed.code == 0, qPrintable(headed.err));
    const QByteArray withoutHeader = readAll(qpath("plain.csv")), withHeader = readAll(qpath("headed.csv"));
    QVERIFY(!withoutHeader.isEmpty());
    QCOMPARE(QString::fromUtf8(firstLine(withHeader)), header);
    QCOMPARE(afterFirstLine(withHeader), withoutHeader); // the rows are untouched
    // Without --header the first line is data: as many numbers as the header names columns.
    const Eigen::MatrixXd m = readMatrix(path("plain.csv"));
    QCOMPARE(m.cols(), Eigen::Index(header.count(QLatin1Char(',')) + 1));
  }

  void headerRefusedForNpy()
  {
    QFile::remove(qpath("h.npy"));
    const Run r = runCli({"kernel", "--net", qpath("net.json"), "--x", qpath("x.csv"), "--out", qpath("h.npy"), "--header"});
    const QString problem = ntktest::refusalProblem(r, QStringLiteral("--header applies to CSV output"), m_dir.path());
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    QVERIFY(!QFile::exists(qpath("h.npy")));
  }

private:
  std::string path(const char* name) const { return qpath(QLatin1String(name)).toStdString(); }
  QString qpath(const QString& name) const { return m_dir.filePath(name); }

  QTemporaryDir m_dir;
  Network m_net;
  QStringList m_longKernel; ///< arguments of a kernel job that takes over 4 s here
};

QTEST_APPLESS_MAIN(TestCliOptions)
#include "test_cli_options.moc"
