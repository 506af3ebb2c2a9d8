// GUI test: every figure painted with QPainter (kernel heatmap and row, spectrum, eigenfunctions,
// line plots, the S² sphere) fits its text — at the sizes a 1024×700 and a 1920×1080 window give
// the views, and at the export sizes. A recording paint device (TextRecorder.h) sees every text the
// painter draws: none may be elided ('…'), clipped or outside the figure, no two may overlap; log
// axes label decades as 10ⁿ; a constant matrix's colour bar says "constant" with its value.
// The checker itself is tested on a figure that breaks each rule, so these checks can fail.
#include <QSettings>
#include <QtTest>

#include "widgets/common/FigurePainter.h"
#include "widgets/common/PlotWidget.h"
#include "widgets/kernel/KernelPanel.h"
#include "widgets/network/NetworkDocument.h"
#include "widgets/spectra/EigenfunctionPanel.h"
#include "widgets/spectra/SpectrumPanel.h"
#include "widgets/window/MainWindow.h"
#include "TextRecorder.h"
#include "core/network/NetworkJson.h"

using namespace ntk;
using namespace ntk::gui;
using ntktest::TextRecorder;

namespace {

QString texts(const TextRecorder& rec)
{
  QStringList all;
  for (const auto& t : rec.labels()) all << t.text;
  return all.join(QStringLiteral(" | "));
}

/// Paints `paint` into a recorder of `size` and returns the problems found, prefixed with `what`.
template <class Paint>
QStringList recordAndCheck(const QString& what, QSize size, Paint paint, QStringList* seen = nullptr)
{
  TextRecorder rec(size);
  {
    QPainter p(&rec);
    paint(p, QRectF(QPointF(0, 0), QSizeF(size)));
  }
  if (seen) *seen << texts(rec);
  QStringList problems;
  for (const QString& problem : ntktest::textProblems(rec, QRectF(QPointF(0, 0), QSizeF(size))))
    problems << QStringLiteral("%1 at %2×%3: %4").arg(what).arg(size.width()).arg(size.height()).arg(problem);
  return problems;
}

Network sphereNetwork(int d)
{
  Network n;
  n.inputDim = d;
  n.encoding.kind = EncodingKind::None;
  n.layers.push_back(DenseLayer{512, std::sqrt(2.0), 0.1});
  n.layers.push_back(ActivationLayer{Activation(ActivationKind::Relu)});
  n.layers.push_back(DenseLayer{1, 1.0, 0.1});
  return n;
}

} // namespace

class TestFigureText : public QObject {
  Q_OBJECT

private:
  std::unique_ptr<MainWindow> m_window;
  QStringList m_problems;

  template <class T>
  T* panel(const char* name) const { return m_window->findChild<T*>(QString::fromLatin1(name)); }
  void show(const char* name)
  {
    QVERIFY(m_window->showPanel(QString::fromLatin1(name)));
    QVERIFY(m_window->waitUntilIdle(90000));
    QTest::qWait(50);
  }
  /// The on-screen plot (a QPainter widget) rendered into a recorder, and the panel's figure at the
  /// panel's size and at its export size.
  void checkPanel(const QString& what, AnalysisPanel* p, QWidget* plotWidget, QSize exportSize)
  {
    if (plotWidget && plotWidget->isVisible()) {
      TextRecorder rec(plotWidget->size());
      plotWidget->render(&rec);
      for (const QString& problem : ntktest::textProblems(rec, QRectF(QPointF(0, 0), QSizeF(plotWidget->size()))))
        m_problems << QStringLiteral("%1 (screen) at %2×%3: %4").arg(what).arg(plotWidget->width()).arg(plotWidget->height()).arg(problem);
    }
    auto paint = [p](QPainter& painter, const QRectF& r) { p->paintFigure(painter, r); };
    m_problems << recordAndCheck(what + QStringLiteral(" (figure)"), p->size(), paint);
    m_problems << recordAndCheck(what + QStringLiteral(" (export)"), exportSize, paint);
  }

private slots:
  void initTestCase() { QSettings().clear(); }

  void checkerFindsBrokenText()
  {
    // Two labels on top of each other, an elided caption and a text beyond the edge: all reported.
    TextRecorder rec(QSize(200, 100));
    {
      QPainter p(&rec);
      p.drawText(QPointF(10, 20), QStringLiteral("1000"));
      p.drawText(QPointF(14, 22), QStringLiteral("10⁶"));
      p.drawText(QPointF(10, 60), QStringLiteral("p = 1.9…"));
      p.drawText(QPointF(180, 90), QStringLiteral("beyond"));
      p.drawText(QRectF(100, 30, 20, 10), Qt::AlignLeft, QStringLiteral("clipped text"));
      p.drawText(QPointF(60, 80), QStringLiteral("MLP 2→51…NTK"));
      p.drawText(QPointF(10, 95), QStringLiteral("(t, 0, …)"));
    }
    QVERIFY(ntktest::isElided(QStringLiteral("MLP 2→51…NTK")));
    QVERIFY(!ntktest::isElided(QStringLiteral("x = (cos 2πt, sin 2πt, 0, …)")));
    const QStringList problems = ntktest::textProblems(rec, QRectF(0, 0, 200, 100));
    QVERIFY2(problems.join('\n').contains(QStringLiteral("overlap: \"1000\"")), qPrintable(problems.join('\n')));
    QVERIFY2(problems.join('\n').contains(QStringLiteral("elided: \"p = 1.9…\"")), qPrintable(problems.join('\n')));
    QVERIFY2(problems.join('\n').contains(QStringLiteral("outside the figure: \"beyond\"")), qPrintable(problems.join('\n')));
    QVERIFY2(problems.join('\n').contains(QStringLiteral("clipped: \"clipped text\"")), qPrintable(problems.join('\n')));
  }

  void decadesAreSuperscriptPowers()
  {
    QCOMPARE(decadeLabel(3), QStringLiteral("10³"));
    QCOMPARE(decadeLabel(-3), QStringLiteral("10⁻³"));
    QCOMPARE(decadeLabel(6), QStringLiteral("10⁶"));
    QCOMPARE(decadeLabel(0), QStringLiteral("10⁰"));
    QCOMPARE(decadeLabel(-12), QStringLiteral("10⁻¹²"));
  }

  void logAxesLabelDecadesWithoutOverlap_data()
  {
    QTest::addColumn<QSize>("size");
    for (QSize s : {QSize(260, 200), QSize(420, 300), QSize(640, 420), QSize(1400, 850)})
      QTest::newRow(qPrintable(QStringLiteral("%1x%2").arg(s.width()).arg(s.height()))) << s;
  }
  void logAxesLabelDecadesWithoutOverlap()
  {
    QFETCH(QSize, size);
    // x over 10⁻³ … 10⁶ (where "1000" and "10⁶" ran together), y over 12 decades.
    PlotSeries s;
    s.name = QStringLiteral("λ_k ≈ 2.5·k⁻²");
    s.x = Eigen::VectorXd::LinSpaced(61, -3.0, 6.0).unaryExpr([](double e) { return std::pow(10.0, e); });
    s.y = s.x.unaryExpr([](double x) { return 2.5 / (x * x); });
    PlotOptions o;
    o.logX = o.logY = true;
    o.title = QStringLiteral("A log–log plot with a long title that has to wrap when the figure is narrow, p = 2.000 ± 0.002");
    o.xTitle = QStringLiteral("degree k");
    o.yTitle = QStringLiteral("eigenvalue λ");
    o.notes << QStringLiteral("λ₀ = 0.3183 (k = 0, off the log axis)");
    TextRecorder rec(size);
    {
      QPainter p(&rec);
      paintPlot(p, QRectF(QPointF(0, 0), QSizeF(size)), {s}, o);
    }
    const QStringList problems = ntktest::textProblems(rec, QRectF(QPointF(0, 0), QSizeF(size)));
    QVERIFY2(problems.isEmpty(), qPrintable(problems.join('\n') + "\n" + texts(rec)));
    QVERIFY2(ntktest::decadeTexts(rec).size() >= 4, qPrintable(texts(rec)));
    for (const auto& t : rec.labels()) QVERIFY2(t.text != QStringLiteral("1000") && t.text != QStringLiteral("0.001"), qPrintable(texts(rec)));
  }

  void constantMatrixSaysSo()
  {
    // σ = 0: a constant kernel up to round-off. One label with the value, not 1.52 / 1.52 / 1.53.
    Eigen::MatrixXd k = Eigen::MatrixXd::Constant(32, 32, 1.5234567);
    k(3, 4) += 2e-15;
    TextRecorder rec(QSize(700, 600));
    {
      QPainter p(&rec);
      paintHeatmapFigure(p, QRectF(0, 0, 700, 600), k, 0.0, 1.0, QStringLiteral("NTK Θ(t, t′) with σ = 0"), QStringLiteral("t"));
    }
    const QString all = texts(rec);
    QVERIFY2(all.contains(QStringLiteral("constant")) && all.contains(QStringLiteral("1.52346")), qPrintable(all));
    QVERIFY2(ntktest::textProblems(rec, QRectF(0, 0, 700, 600)).isEmpty(), qPrintable(ntktest::textProblems(rec, QRectF(0, 0, 700, 600)).join('\n')));
    // A narrow range keeps its labels distinct.
    QStringList labels = tickLabels({1.5225, 1.523, 1.5235, 1.524});
    QCOMPARE(labels.removeDuplicates(), 0);
  }

  void heatmapAndLineFiguresFit_data()
  {
    QTest::addColumn<QSize>("size");
    for (QSize s : {QSize(330, 300), QSize(480, 420), QSize(900, 760)}) QTest::newRow(qPrintable(QStringLiteral("%1x%2").arg(s.width()).arg(s.height()))) << s;
  }
  void heatmapAndLineFiguresFit()
  {
    QFETCH(QSize, size);
    Eigen::MatrixXd k(64, 64);
    for (int i = 0; i < 64; ++i)
      for (int j = 0; j < 64; ++j) k(i, j) = 1000.0 * std::exp(-std::abs(i - j) / 10.0);
    const QStringList heatmap = recordAndCheck(QStringLiteral("heatmap"), size, [&](QPainter& p, const QRectF& r) {
      paintHeatmapFigure(p, r, k, 0.0, 1.0, QStringLiteral("NTK Θ(t, t′) on unit circle x = (cos 2πt, sin 2πt, 0, …)"), QStringLiteral("t"));
    });
    QVERIFY2(heatmap.isEmpty(), qPrintable(heatmap.join('\n')));
    std::vector<PlotSeries> series{{QStringLiteral("NTK Θ(t₀, t), infinite width"), k.row(10).transpose(), {}, false, {}},
                                   {QStringLiteral("finite nets n = 512, S = 4"), 0.98 * k.row(10).transpose(), {}, true, {}}};
    const QStringList line = recordAndCheck(QStringLiteral("line plot"), size, [&](QPainter& p, const QRectF& r) {
      paintLinePlotFigure(p, r, Eigen::VectorXd::LinSpaced(64, 0.0, 63.0 / 64.0), series, QStringLiteral("t"), QStringLiteral("NTK Θ(t₀, t)"),
                          QStringLiteral("Kernel row at t₀ = 0.156"));
    });
    QVERIFY2(line.isEmpty(), qPrintable(line.join('\n')));
  }

  void panelsFitAtWindowSizes_data()
  {
    QTest::addColumn<QSize>("window");
    QTest::newRow("1024x700") << QSize(1024, 700);
    QTest::newRow("1920x1080") << QSize(1920, 1080);
  }
  void panelsFitAtWindowSizes()
  {
    QFETCH(QSize, window);
    QSettings().clear();
    m_window = std::make_unique<MainWindow>();
    m_window->resize(window);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QVERIFY(m_window->waitUntilIdle(90000));
    m_problems.clear();

    // Default network: kernel on [0,1), spectrum on the periodic grid, its eigenfunctions.
    show("kernel");
    checkPanel(QStringLiteral("kernel"), panel<KernelPanel>("kernel"), nullptr, QSize(1600, 700));
    show("spectrum");
    auto* spectrum = panel<SpectrumPanel>("spectrum");
    checkPanel(QStringLiteral("spectrum, grid"), spectrum, spectrum->plot(), QSize(1400, 900));
    spectrum->pinCurrent();
    spectrum->setDomain(SpectrumDomain::Points);
    QVERIFY(m_window->waitUntilIdle(90000));
    checkPanel(QStringLiteral("spectrum, Gram with a grid pin"), spectrum, spectrum->plot(), QSize(1400, 900));
    show("eigenfunctions");
    auto* eig = panel<EigenfunctionPanel>("eigenfunctions");
    checkPanel(QStringLiteral("eigenfunctions, Gram"), eig, eig->plot(), QSize(1400, 900));

    // A sphere network: Funk–Hecke with exact zeros, rank mode, the S² harmonic.
    QVERIFY(m_window->document()->replace(sphereNetwork(3), QStringLiteral("sphere")));
    spectrum->clearPins();
    spectrum->setDomain(SpectrumDomain::Sphere);
    show("spectrum");
    checkPanel(QStringLiteral("spectrum, S²"), spectrum, spectrum->plot(), QSize(1400, 900));
    spectrum->setRankMode(true);
    QTest::qWait(50);
    checkPanel(QStringLiteral("spectrum, S² by rank"), spectrum, spectrum->plot(), QSize(1400, 900));
    spectrum->setRankMode(false);
    show("eigenfunctions");
    checkPanel(QStringLiteral("eigenfunctions, S²"), eig, eig->plot(), QSize(1400, 900));
    show("kernel");
    checkPanel(QStringLiteral("kernel, circle"), panel<KernelPanel>("kernel"), nullptr, QSize(1600, 700));

    m_window.reset();
    QVERIFY2(m_problems.isEmpty(), qPrintable(m_problems.join('\n')));
  }

  void spectrumLogAxesShowPowersOfTen()
  {
    QSettings().clear();
    m_window = std::make_unique<MainWindow>();
    m_window->resize(1024, 700);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
    QVERIFY(m_window->waitUntilIdle(90000));
    show("spectrum");
    auto* spectrum = panel<SpectrumPanel>("spectrum");
    TextRecorder rec(spectrum->plot()->size());
    spectrum->plot()->render(&rec);
    QVERIFY2(ntktest::decadeTexts(rec).size() >= 3, qPrintable(texts(rec)));
    m_window.reset();
  }
};

QTEST_MAIN(TestFigureText)
#include "test_figure_text.moc"
