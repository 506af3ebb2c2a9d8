// GUI tests of the image panel's encoding sweep and of looking closely at its pictures: the sweep runs
// off the GUI thread and fills the table and both charts with the core sweep's numbers; a setting changed
// afterwards (stride, network) marks it stale, and changing it back makes it current again; a click on a
// table row sets that row's encoding as one undo step and the panel then shows that fit (its held-out PSNR
// is the row's); with MLP ticked in the sweep tab every row also has the trained MLP's PSNRs (equal to the
// core sweep with the panel's MLP steps and lr) in two extra columns, the held-out chart draws them as
// "MLP …" series (legend entries in the exported figure, swatches in the table on screen), the CSV has their columns, and unticking marks the sweep stale; the
// sweep can be cancelled; the CSV holds the table and the chart exports as PNG/SVG.
// The zoom is linked (a wheel or a dragged rectangle over one picture shows the same pixel region in all of
// them, drawn pixel-exact; a double click resets), the full-size view shows whole pixels, the difference
// view shows |prediction − truth| on its colour scale, and the MLP chart's legend names both curves with the
// train curve drawn on top of the held-out one. Auto σ sets the σ and ridge ml-quant chooses, as one undo step. Runs under xvfb-run like the other GUI tests.
#include <cmath>

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDialog>
#include <QFile>
#include <QLabel>
#include <QSettings>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QtTest>

#include "GuiTestUtil.h"
#include "widgets/common/Colormap.h"
#include "widgets/common/PlotWidget.h"
#include "widgets/image/ImageModel.h"
#include "widgets/image/ImagePanel.h"
#include "widgets/image/ImageSweepView.h"
#include "widgets/image/SweepFigure.h"
#include "widgets/image/ImageTile.h"
#include "widgets/network/NetworkDocument.h"
#include "core/image/ImageRidgeSelection.h"

using namespace ntk;
using namespace ntk::gui;

namespace {

bool waitIdle(const ImagePanel* panel, int timeoutMs = 180000) { return ntktest::waitIdle(panel, timeoutMs); }

/// With NTK_IMAGE_EXPORT_DIR set, keeps a grab of the panel (to look at).
void keepGrab(QWidget* w, const QString& name)
{
  const QString keep = qEnvironmentVariable("NTK_IMAGE_EXPORT_DIR");
  if (!keep.isEmpty()) w->grab().save(QDir(keep).filePath(name));
}

void wheelOver(QWidget* w, QPointF pos, int delta)
{
  QWheelEvent e(pos, w->mapToGlobal(pos), QPoint(), QPoint(0, delta), Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
  QCoreApplication::sendEvent(w, &e);
}

/// A 64 × 64 RGB picture (fast sweeps): smooth shapes plus a fine checker the encodings have to learn.
Image testPicture()
{
  Image img(64, 64, 3);
  for (int r = 0; r < img.height; ++r)
    for (int c = 0; c < img.width; ++c) {
      const double x = double(c) / img.width, y = double(r) / img.height;
      img.at(r, c, 0) = float(0.5 + 0.35 * std::sin(2 * M_PI * 3 * x) * std::cos(2 * M_PI * 2 * y));
      img.at(r, c, 1) = float(0.5 + 0.3 * std::cos(2 * M_PI * 5 * (x + y)));
      img.at(r, c, 2) = float(0.2 + 0.6 * y + 0.1 * ((r / 3 + c / 3) % 2));
    }
  return img;
}

} // namespace

class TestImageSweep : public QObject {
  Q_OBJECT

private slots:
  void init()
  {
    QSettings().clear();
    m_doc = std::make_unique<NetworkDocument>();
    QVERIFY(m_doc->edit(QStringLiteral("image network"), [](Network& n) { n = defaultImageNetwork(); }));
    m_doc->undoStack()->clear();
    m_panel = std::make_unique<ImagePanel>(m_doc.get());
    m_panel->resize(1400, 820);
    m_panel->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_panel.get()));
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY(m_panel->setImage(testPicture(), QStringLiteral("test")));
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY(m_panel->hasKernelFit(KernelKind::Ntk));
  }
  void cleanup()
  {
    m_panel.reset();
    m_doc.reset();
  }

  void sweepFillsTableAndCharts()
  {
    QSignalSpy progress(m_panel.get(), &AnalysisPanel::progressChanged);
    m_panel->sweepAction()->trigger();
    QVERIFY(m_panel->isSweeping());
    QCOMPARE(m_panel->sweepAction()->text(), QStringLiteral("Cancel sweep"));
    QVERIFY(waitIdle(m_panel.get()));
    const ImageSweepView* view = m_panel->sweepView();
    QVERIFY(view->hasResult());
    QVERIFY(!view->isStale());
    QVERIFY(!progress.isEmpty());
    // The table is the core sweep's result for the panel's settings, computed independently here.
    EncodingSweepOptions o;
    o.ridge = 1e-6;
    o.noneDenseLimit = ImagePanel::kMaxDensePixels;
    o.domain = m_panel->domain(); // the panel's default: the mirrored periodic domain
    QCOMPARE(o.domain, RegressionPath::Mirror);
    const EncodingSweepResult ref = sweepImageEncodings(m_panel->network(), m_panel->groundTruth(), 2, o);
    const EncodingSweepResult& got = view->result();
    QCOMPARE(got.rows.size(), ref.rows.size());
    QCOMPARE(view->table()->rowCount(), int(ref.rows.size()) + 1); // + bicubic
    for (std::size_t i = 0; i < ref.rows.size(); ++i) {
      QCOMPARE(got.rows[i].encoding, ref.rows[i].encoding);
      QCOMPARE(got.rows[i].computed, ref.rows[i].computed);
      if (!ref.rows[i].computed) continue;
      QVERIFY(std::abs(got.rows[i].psnrHeldOut - ref.rows[i].psnrHeldOut) < 1e-6);
      QCOMPARE(view->table()->item(int(i), 3)->text(), QString::number(ref.rows[i].psnrHeldOut, 'f', 2));
    }
    QCOMPARE(view->table()->item(int(ref.rows.size()), 0)->text(), QStringLiteral("bicubic"));
    QVERIFY(std::abs(got.bicubicPsnrHeldOut - ref.bicubicPsnrHeldOut) < 1e-9);
    // Held-out chart: positional and Gaussian against σ (their rows' values), the σ-free rows and bicubic as lines.
    const auto& held = view->chart()->series();
    QVERIFY(held.size() >= 3);
    QCOMPARE(held[1].name, QStringLiteral("Gaussian"));
    int g = 0;
    for (const EncodingSweepRow& r : ref.rows)
      if (r.encoding == EncodingKind::Gaussian && r.computed) {
        QCOMPARE(held[1].x(g), r.sigma);
        QVERIFY(std::abs(held[1].y(g) - r.psnrHeldOut) < 1e-6);
        QVERIFY(std::abs(view->trainChart()->series()[1].y(g) - r.psnrTrain) < 1e-6);
        ++g;
      }
    QCOMPARE(g, 4);
    QCOMPARE(held.back().name, QStringLiteral("bicubic"));
    QCOMPARE(held.back().y(0), ref.bicubicPsnrHeldOut);
  }

  void sweepWithMlpRows()
  {
    m_panel->setMlpOptions(8, 1e-2);
    QVERIFY(waitIdle(m_panel.get()));
    const ImageSweepView* view = m_panel->sweepView();
    QCheckBox* check = view->mlpCheck();
    QVERIFY(!check->isChecked()); // kernel rows only unless asked
    QCOMPARE(check->text(), QStringLiteral("with MLP (8 steps)"));
    QVERIFY2(check->toolTip().contains(mlpTitle(m_panel->network())) && check->toolTip().contains(QStringLiteral("lr 0.01")),
             qPrintable(check->toolTip()));
    check->setChecked(true);
    m_panel->sweepAction()->trigger();
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY(view->hasResult() && !view->isStale());
    QVERIFY(view->hasMlpRows());
    EncodingSweepOptions o;
    o.ridge = 1e-6;
    o.noneDenseLimit = ImagePanel::kMaxDensePixels;
    o.domain = m_panel->domain();
    o.mlpSteps = 8;
    o.mlp.learningRate = 1e-2;
    const EncodingSweepResult ref = sweepImageEncodings(m_panel->network(), m_panel->groundTruth(), 2, o);
    const EncodingSweepResult& got = view->result();
    QCOMPARE(got.rows.size(), ref.rows.size());
    QVERIFY(!view->table()->isColumnHidden(4) && !view->table()->isColumnHidden(5));
    for (std::size_t i = 0; i < ref.rows.size(); ++i) {
      QVERIFY(got.rows[i].mlp.computed);
      QCOMPARE(got.rows[i].mlp.steps, 8);
      QCOMPARE(got.rows[i].mlp.psnrHeldOut, ref.rows[i].mlp.psnrHeldOut);
      QCOMPARE(got.rows[i].mlp.psnrTrain, ref.rows[i].mlp.psnrTrain);
      QCOMPARE(view->table()->item(int(i), 5)->text(), QString::number(ref.rows[i].mlp.psnrHeldOut, 'f', 2));
    }
    // The held-out chart: the MLP's own series (on screen their swatches are in the MLP held-out column; the
    // exported figure has legend entries for them, as sweepChart names them).
    int mlpSeries = 0;
    for (const PlotSeries& s : view->chart()->series()) {
      if (s.name == QStringLiteral("MLP Gaussian")) {
        QCOMPARE(s.y.size(), Eigen::Index(4));
        QCOMPARE(s.y(0), ref.rows[6].mlp.psnrHeldOut); // none, basic, 4 positional, then Gaussian σ = 2
        QVERIFY(s.dashed);
      }
      mlpSeries += s.name.startsWith(QStringLiteral("MLP"));
    }
    QCOMPARE(mlpSeries, 4); // MLP positional, Gaussian, none, basic
    QVERIFY(!view->table()->item(6, 5)->icon().isNull());
    const SweepChart figure = sweepChart(got, false, false);
    QCOMPARE(std::count(figure.mlp.begin(), figure.mlp.end(), true), 4L);
    for (const PlotSeries& s : view->trainChart()->series()) QVERIFY(!s.name.startsWith(QStringLiteral("MLP")));
    QTemporaryDir dir;
    QString err;
    QVERIFY2(view->writeCsv(dir.filePath(QStringLiteral("s.csv")), &err), qPrintable(err));
    QFile f(dir.filePath(QStringLiteral("s.csv")));
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(f.readAll()).trimmed().split(QLatin1Char('\n'));
    QVERIFY(lines[0].endsWith(QStringLiteral(",mlp_steps,mlp_psnr_train,mlp_psnr_heldout,mlp_psnr_all,mlp_seconds,mlp_note")));
    QCOMPARE(lines[1].split(QLatin1Char(','))[12].toDouble(), ref.rows[0].mlp.psnrHeldOut);
    keepGrab(m_panel.get(), QStringLiteral("sweep_mlp.png"));
    // Other MLP steps, or no MLP rows: stale with the reason.
    m_panel->setMlpOptions(9, 1e-2);
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY2(view->staleReason().contains(QStringLiteral("MLP steps are now 9")), qPrintable(view->staleReason()));
    m_panel->setMlpOptions(8, 1e-2);
    check->setChecked(false);
    QVERIFY2(view->staleReason().contains(QStringLiteral("no longer asked for")), qPrintable(view->staleReason()));
    m_panel->startSweep();
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY(!view->hasMlpRows());
    QVERIFY(view->table()->isColumnHidden(4) && view->table()->isColumnHidden(5));
  }

  void aChangedSettingMarksTheSweepStale()
  {
    m_panel->startSweep();
    QVERIFY(waitIdle(m_panel.get()));
    const ImageSweepView* view = m_panel->sweepView();
    QVERIFY(view->hasResult() && !view->isStale());
    m_panel->setStride(4);
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY(view->isStale());
    QVERIFY2(view->staleReason().contains(QStringLiteral("stride is now 4")), qPrintable(view->staleReason()));
    QVERIFY(view->statusText().startsWith(QStringLiteral("Stale")));
    QVERIFY(view->chart()->options().title.contains(QStringLiteral("stale")));
    m_panel->setStride(2); // the settings it was computed for: current again
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY(!view->isStale());
    // A network edit the rows depend on (a hidden width) marks it stale; undo makes it current again.
    QVERIFY(m_doc->edit(QStringLiteral("width"), [](Network& n) { std::get<DenseLayer>(n.layers[0]).width = 128; }));
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY2(view->staleReason().contains(QStringLiteral("network")), qPrintable(view->staleReason()));
    m_doc->undoStack()->undo();
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY(!view->isStale());
    // Another image, the NNGP instead of the NTK: stale with the reason.
    m_panel->setShowNtk(false);
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY2(view->staleReason().contains(QStringLiteral("NNGP")), qPrintable(view->staleReason()));
  }

  void clickingARowShowsThatFit()
  {
    m_panel->startSweep();
    QVERIFY(waitIdle(m_panel.get()));
    const ImageSweepView* view = m_panel->sweepView();
    const auto& rows = view->result().rows;
    int row = -1;
    for (std::size_t i = 0; i < rows.size(); ++i)
      if (rows[i].encoding == EncodingKind::Gaussian && rows[i].sigma == 8.0) row = int(i);
    QVERIFY(row >= 0 && rows[std::size_t(row)].computed);
    const int steps = m_doc->undoStack()->count();
    const Encoding before = m_panel->network().encoding;
    QTableWidget* table = view->table();
    table->scrollToItem(table->item(row, 0));
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, table->visualItemRect(table->item(row, 2)).center());
    QVERIFY(waitIdle(m_panel.get()));
    QCOMPARE(m_panel->network().encoding.kind, EncodingKind::Gaussian);
    QCOMPARE(m_panel->network().encoding.sigma, 8.0);
    QCOMPARE(table->currentRow(), row);
    // The pictures show that fit: the panel's own fit has the row's held-out PSNR.
    QVERIFY(m_panel->hasKernelFit(KernelKind::Ntk));
    const double diff = std::abs(m_panel->kernelPsnr(KernelKind::Ntk) - rows[std::size_t(row)].psnrHeldOut);
    QVERIFY2(diff < 0.01, qPrintable(QStringLiteral("panel %1 dB, row %2 dB")
                                         .arg(m_panel->kernelPsnr(KernelKind::Ntk))
                                         .arg(rows[std::size_t(row)].psnrHeldOut)));
    QVERIFY(!view->isStale()); // the sweep covers every encoding: choosing one of its rows keeps it current
    // One undo step, and it restores the encoding.
    QCOMPARE(m_doc->undoStack()->count(), steps + 1);
    m_doc->undoStack()->undo();
    QVERIFY(waitIdle(m_panel.get()));
    QCOMPARE(m_panel->network().encoding.kind, before.kind);
    QCOMPARE(m_panel->network().encoding.B, before.B);
    // A basic row through the API as well.
    for (std::size_t i = 0; i < rows.size(); ++i)
      if (rows[i].encoding == EncodingKind::Basic) QVERIFY(m_panel->showSweepRow(int(i)));
    QVERIFY(waitIdle(m_panel.get()));
    QCOMPARE(m_panel->network().encoding.kind, EncodingKind::Basic);
  }

  void theSweepCanBeCancelled()
  {
    // A larger picture, so the sweep is still running when it is cancelled.
    Image big(256, 256, 3);
    const Image small = testPicture();
    for (int r = 0; r < 256; ++r)
      for (int c = 0; c < 256; ++c)
        for (int ch = 0; ch < 3; ++ch) big.at(r, c, ch) = small.at(r % 64, c % 64, ch) * 0.9f + 0.05f * float((r * 7 + c * 3) % 5) / 5.0f;
    QVERIFY(m_panel->setImage(big, QStringLiteral("big")));
    QVERIFY(waitIdle(m_panel.get()));
    QSignalSpy status(m_panel.get(), &AnalysisPanel::statusMessage);
    QElapsedTimer clock;
    m_panel->sweepAction()->trigger();
    QVERIFY(m_panel->isSweeping());
    QTest::qWait(100);
    QVERIFY(m_panel->isSweeping()); // still running: Cancel stops work in progress
    clock.start();
    m_panel->sweepAction()->trigger(); // the same action is "Cancel sweep" now
    QVERIFY(waitIdle(m_panel.get()));
    const qint64 ms = clock.elapsed();
    QVERIFY(!m_panel->isSweeping());
    QVERIFY(!m_panel->sweepView()->hasResult());
    bool said = false;
    for (const auto& args : status) said = said || args.at(0).toString().contains(QStringLiteral("sweep cancelled"));
    QVERIFY(said);
    QCOMPARE(m_panel->sweepAction()->text(), QStringLiteral("Sweep &encodings"));
    qInfo("sweep stopped %lld ms after Cancel", ms);
    QVERIFY2(ms < 5000, qPrintable(QString::number(ms)));
    // Esc / the main window's Cancel (cancel()) stops it too; afterwards a sweep runs to the end.
    m_panel->startSweep();
    QTest::qWait(50);
    m_panel->cancel();
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY(!m_panel->sweepView()->hasResult());
  }

  void zoomIsLinkedAcrossTiles()
  {
    m_panel->setMethods(true, true, false);
    QVERIFY(waitIdle(m_panel.get()));
    QApplication::processEvents();
    ImageTile* ntk = m_panel->tile(QStringLiteral("ntk"));
    QVERIFY(!ntk->imageRect().isEmpty());
    // Three notches in over the NTK picture: every picture shows the same region.
    const QPointF at = ntk->imageRect().center() + QPointF(10, -5);
    const QPointF pixelBefore = ntk->pixelAt(at);
    for (int i = 0; i < 3; ++i) wheelOver(ntk, at, 120);
    const QRect region = m_panel->zoomRegion();
    QVERIFY(!region.isEmpty());
    QVERIFY(region.width() < 64 && region.height() < 64);
    for (ImageTile* t : m_panel->comparisonTiles()) QCOMPARE(t->view(), region);
    QApplication::processEvents();
    keepGrab(m_panel.get(), QStringLiteral("image_zoom.png"));
    ntk->repaint();
    QVERIFY(std::abs(ntk->pixelAt(at).x() - pixelBefore.x()) < 1.0); // about the cursor
    // Pixel-exact: the centre of each drawn cell has the colour of that image pixel (nearest neighbour).
    ImageTile* truth = m_panel->tile(QStringLiteral("truth"));
    truth->repaint();
    const QImage shot = truth->grab().toImage();
    const QImage img = truth->image().convertToFormat(QImage::Format_RGB32);
    const QRectF drawn = truth->imageRect();
    const double cell = drawn.width() / region.width();
    QVERIFY(cell > 4.0);
    for (int k = 0; k < 5; ++k) {
      const int px = region.left() + (k * 3) % region.width(), py = region.top() + (k * 5) % region.height();
      const QPointF centre(drawn.left() + (px - region.left() + 0.5) * cell, drawn.top() + (py - region.top() + 0.5) * cell);
      const QColor seen = shot.pixelColor(int(centre.x() * shot.devicePixelRatio()), int(centre.y() * shot.devicePixelRatio()));
      const QColor want = img.pixelColor(px, py);
      QVERIFY2(std::abs(seen.red() - want.red()) <= 1 && std::abs(seen.green() - want.green()) <= 1 &&
                   std::abs(seen.blue() - want.blue()) <= 1,
               qPrintable(QStringLiteral("pixel (%1, %2): drawn %3, image %4").arg(px).arg(py).arg(seen.name(), want.name())));
    }
    // A rectangle dragged over the bicubic picture: all pictures show those pixels.
    m_panel->setZoomRegion({});
    ImageTile* bicubic = m_panel->tile(QStringLiteral("bicubic"));
    bicubic->repaint();
    const QRectF b = bicubic->imageRect();
    const QPoint p0 = (b.topLeft() + QPointF(b.width() * 0.25, b.height() * 0.25)).toPoint();
    const QPoint p1 = (b.topLeft() + QPointF(b.width() * 0.5, b.height() * 0.625)).toPoint();
    const QPointF q0 = bicubic->pixelAt(p0), q1 = bicubic->pixelAt(p1);
    QTest::mousePress(bicubic, Qt::LeftButton, {}, p0);
    QTest::mouseMove(bicubic, (p0 + p1) / 2);
    QTest::mouseMove(bicubic, p1);
    QTest::mouseRelease(bicubic, Qt::LeftButton, {}, p1);
    const QRect dragged = m_panel->zoomRegion();
    QCOMPARE(dragged, QRect(QPoint(int(std::floor(q0.x())), int(std::floor(q0.y()))),
                            QPoint(int(std::ceil(q1.x())) - 1, int(std::ceil(q1.y())) - 1)));
    for (ImageTile* t : m_panel->comparisonTiles()) QCOMPARE(t->view(), dragged);
    // Double click on any picture: the whole image everywhere.
    QTest::mouseDClick(m_panel->tile(QStringLiteral("nngp")), Qt::LeftButton, {}, m_panel->tile(QStringLiteral("nngp"))->imageRect().center().toPoint());
    QVERIFY(m_panel->zoomRegion().isEmpty());
    for (ImageTile* t : m_panel->comparisonTiles()) QVERIFY(t->view().isEmpty());
  }

  void differenceViewShowsTheErrorOnItsScale()
  {
    m_panel->setDifferenceView(true);
    ImageTile* ntk = m_panel->tile(QStringLiteral("ntk"));
    QApplication::processEvents();
    keepGrab(m_panel.get(), QStringLiteral("image_difference.png"));
    QVERIFY(ntk->scale().shown);
    QCOMPARE(ntk->scale().max, ImagePanel::kDifferenceMax);
    QVERIFY(!m_panel->tile(QStringLiteral("truth"))->scale().shown);
    QCOMPARE(m_panel->tile(QStringLiteral("truth"))->image(), qimageFromImage(m_panel->groundTruth()));
    // Each pixel: viridis at mean_c |prediction − truth| / max, computed here.
    const Image pred = m_panel->kernelPrediction(KernelKind::Ntk), truth = m_panel->groundTruth();
    const QImage shown = ntk->image();
    QCOMPARE(shown.size(), QSize(truth.width, truth.height));
    for (int k = 0; k < 40; ++k) {
      const int r = (k * 13) % truth.height, c = (k * 29 + 1) % truth.width;
      double d = 0;
      for (int ch = 0; ch < 3; ++ch) d += std::abs(double(pred.at(r, c, ch)) - double(truth.at(r, c, ch)));
      const double u = std::min(1.0, d / 3.0 / ImagePanel::kDifferenceMax);
      const Rgb8 want = viridisTable()[std::size_t(std::lround(u * 255))];
      const QColor got = shown.pixelColor(c, r);
      QCOMPARE(got.red(), int(want[0]));
      QCOMPARE(got.green(), int(want[1]));
      QCOMPARE(got.blue(), int(want[2]));
    }
    // The training pixels are fitted (nearly) exactly: dark; the colour bar is painted under the picture.
    QCOMPARE(shown.pixelColor(0, 0), QColor(viridisTable()[0][0], viridisTable()[0][1], viridisTable()[0][2]));
    m_panel->setDifferenceView(false);
    QCOMPARE(ntk->image(), qimageFromImage(pred));
    QVERIFY(!ntk->scale().shown);
  }

  void fullSizeViewShowsWholePixels()
  {
    QDialog* d = m_panel->openFullSizeView(QStringLiteral("ntk"));
    QVERIFY(d);
    auto* combo = d->findChild<QComboBox*>();
    auto* label = d->findChild<QLabel*>(QStringLiteral("fullSizeImage"));
    QVERIFY(combo && label);
    const QImage src = m_panel->tile(QStringLiteral("ntk"))->image();
    const int k = combo->currentData().toInt();
    QVERIFY(k >= 1);
    QCOMPARE(label->pixmap().size(), src.size() * k);
    combo->setCurrentIndex(combo->findData(1));
    QCOMPARE(label->pixmap().size(), src.size());
    QCOMPARE(label->pixmap().toImage().convertToFormat(QImage::Format_RGB32), src.convertToFormat(QImage::Format_RGB32));
    combo->setCurrentIndex(combo->findData(4));
    const QImage four = label->pixmap().toImage().convertToFormat(QImage::Format_RGB32);
    for (int k2 = 0; k2 < 10; ++k2) {
      const int x = (k2 * 7) % src.width(), y = (k2 * 11) % src.height();
      QCOMPARE(four.pixel(4 * x + 3, 4 * y + 2), src.convertToFormat(QImage::Format_RGB32).pixel(x, y));
    }
    d->close();
    QVERIFY(!m_panel->openFullSizeView(QStringLiteral("mlp"))); // no MLP picture yet
  }

  void exportsTheTableAndTheChart()
  {
    QTemporaryDir dir;
    QString err;
    QVERIFY(!m_panel->exportSweepTable(dir.filePath(QStringLiteral("none.csv")), &err));
    QVERIFY(err.contains(QStringLiteral("no sweep")));
    m_panel->startSweep();
    QVERIFY(waitIdle(m_panel.get()));
    const QString csv = dir.filePath(QStringLiteral("sweep.csv"));
    QVERIFY2(m_panel->exportSweepTable(csv, &err), qPrintable(err));
    QFile f(csv);
    QVERIFY(f.open(QIODevice::ReadOnly | QIODevice::Text));
    const QStringList lines = QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    const auto& rows = m_panel->sweepView()->result().rows;
    QCOMPARE(lines.size(), int(rows.size()) + 2);
    QVERIFY(lines[0].startsWith(QStringLiteral("encoding,sigma,ridge,psnr_train,psnr_heldout")));
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const QStringList cells = lines[int(i) + 1].split(QLatin1Char(','));
      QCOMPARE(cells[0], QString::fromStdString(Encoding::kindName(rows[i].encoding)));
      if (rows[i].computed) QCOMPARE(cells[4].toDouble(), rows[i].psnrHeldOut); // 17 digits: exact
    }
    QVERIFY(lines.last().startsWith(QStringLiteral("bicubic,")));
    QCOMPARE(lines.last().split(QLatin1Char(','))[4].toDouble(), m_panel->sweepView()->result().bicubicPsnrHeldOut);
    for (const QString name : {QStringLiteral("sweep.png"), QStringLiteral("sweep.svg")}) {
      QVERIFY2(m_panel->exportSweepChart(dir.filePath(name), &err), qPrintable(err));
      QVERIFY(QFileInfo(dir.filePath(name)).size() > 2000);
    }
    const QImage png(dir.filePath(QStringLiteral("sweep.png")));
    QVERIFY(ntktest::distinctColours(png) > 8);
    QVERIFY(!m_panel->exportSweepChart(dir.filePath(QStringLiteral("sweep.jpg")), &err));
    // File ▸ Export view with the sweep tab in front: CSV is the sweep table; the figure has its charts.
    QVERIFY2(m_panel->exportView(dir.filePath(QStringLiteral("view.csv")), &err), qPrintable(err));
    QFile v(dir.filePath(QStringLiteral("view.csv")));
    QVERIFY(v.open(QIODevice::ReadOnly | QIODevice::Text));
    QVERIFY(v.readLine().startsWith("encoding,sigma"));
    QVERIFY2(m_panel->exportView(dir.filePath(QStringLiteral("view.png")), &err), qPrintable(err));
    const QString keep = qEnvironmentVariable("NTK_IMAGE_EXPORT_DIR");
    if (!keep.isEmpty()) {
      QFile::copy(dir.filePath(QStringLiteral("sweep.png")), QDir(keep).filePath(QStringLiteral("sweep_chart.png")));
      QFile::copy(dir.filePath(QStringLiteral("view.png")), QDir(keep).filePath(QStringLiteral("sweep_view.png")));
    }
  }

  void autoSigmaChoosesByMlQuantAsOneUndoStep()
  {
    Encoding g;
    g.kind = EncodingKind::Gaussian;
    g.sigma = 3.0;
    g.features = 128;
    g.seed = 2;
    QVERIFY(m_panel->setEncoding(g));
    QVERIFY(waitIdle(m_panel.get()));
    const int steps = m_doc->undoStack()->count();
    // The same selection computed here, independently of the panel.
    RidgeSelectionOptions o;
    o.criterion = SelectionCriterion::QuantisedLikelihood;
    const RidgeSelection want = selectSigmaRidge(m_panel->network(), m_panel->groundTruth(), 2, o);
    m_panel->chooseSigmaAutomatically();
    QVERIFY(waitIdle(m_panel.get()));
    QCOMPARE(m_panel->network().encoding.sigma, want.sigma);
    QCOMPARE(m_panel->network().encoding.features, 128);
    QCOMPARE(m_doc->undoStack()->count(), steps + 1);
    const QString info = m_panel->findChildren<QLabel*>().size() ? [&] {
      for (QLabel* l : m_panel->findChildren<QLabel*>())
        if (l->text().contains(QStringLiteral("chosen by ml-quant"))) return l->text();
      return QString();
    }() : QString();
    QVERIFY2(info.contains(QStringLiteral("σ = %1").arg(want.sigma, 0, 'g', 4)), qPrintable(info));
    QVERIFY2(info.contains(QStringLiteral("ridge %1").arg(want.ridge, 0, 'g', 3)), qPrintable(info));
    QVERIFY(m_panel->hasKernelFit(KernelKind::Ntk));
    m_doc->undoStack()->undo(); // σ and the ridge together
    QVERIFY(waitIdle(m_panel.get()));
    QCOMPARE(m_panel->network().encoding.sigma, 3.0);
  }

  void theMlpLegendShowsBothCurves()
  {
    m_panel->setMlpOptions(4, 1e-2);
    m_panel->startTraining();
    QVERIFY(waitIdle(m_panel.get()));
    QCOMPARE(m_panel->mlpStepsDone(), 4);
    const PlotWidget* chart = m_panel->findChild<PlotWidget*>(QStringLiteral("psnrChart")); // PSNR over training steps
    QVERIFY(chart);
    int train = -1, held = -1;
    for (std::size_t i = 0; i < chart->series().size(); ++i) {
      if (chart->series()[i].name == QStringLiteral("MLP train")) train = int(i);
      if (chart->series()[i].name == QStringLiteral("MLP held-out")) held = int(i);
    }
    QVERIFY(train >= 0 && held >= 0);
    QVERIFY(chart->series()[std::size_t(train)].inLegend && chart->series()[std::size_t(held)].inLegend);
    // Train is painted after (on top of) held-out, dashed with markers: visible where the curves coincide.
    QVERIFY(train > held);
    QVERIFY(chart->series()[std::size_t(train)].dashed);
    QVERIFY(chart->series()[std::size_t(train)].style != SeriesStyle::Line);
  }

private:
  std::unique_ptr<NetworkDocument> m_doc;
  std::unique_ptr<ImagePanel> m_panel;
};

QTEST_MAIN(TestImageSweep)
#include "test_image_sweep.moc"
