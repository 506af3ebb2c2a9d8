// GUI tests of the image panel's training pixels (inpainting): a random fraction p is exactly round(p·W·H)
// pixels and the CLI's mask (the partial Fisher–Yates shuffle of CONVENTIONS, re-implemented here), the
// masked fit is MaskedImageRegression's prediction for that mask (and its flow at finite t), painting with
// mouse events sets exactly the brush's pixels (right button erases), one stroke is one undo step, a mask
// edit marks the pictures stale until the refit, encoding none is refused with the reason, bicubic is n/a,
// the MLP trains on the masked pixels (held-out PSNR on the others), and masks load / save as PNG with the
// CLI's rule. Runs under xvfb-run like the other GUI tests.
#include <cmath>
#include <numeric>
#include <random>

#include <QComboBox>
#include <QMouseEvent>
#include <QSettings>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QtTest>

#include "GuiTestUtil.h"
#include "core/image/MaskedImageRegression.h"
#include "core/nets/MlpTrainer.h"
#include "widgets/image/ImageModel.h"
#include "widgets/image/ImagePanel.h"
#include "widgets/image/ImageTile.h"
#include "widgets/image/MaskPainter.h"
#include "widgets/image/TrainingPixelsControl.h"
#include "widgets/network/NetworkDocument.h"

using namespace ntk;
using namespace ntk::gui;

namespace {

constexpr int kW = 40, kH = 36;

/// A smooth RGB test picture, quick to fit.
Image smallPicture()
{
  Image img(kW, kH, 3);
  for (int r = 0; r < kH; ++r)
    for (int c = 0; c < kW; ++c) {
      const double x = double(c) / kW, y = double(r) / kH;
      img.at(r, c, 0) = float(0.5 + 0.4 * std::sin(2 * M_PI * x) * std::cos(2 * M_PI * y));
      img.at(r, c, 1) = float(0.5 + 0.4 * std::cos(4 * M_PI * x));
      img.at(r, c, 2) = float(0.3 + 0.5 * y);
    }
  return img;
}

/// The default 2-D network with a Gaussian encoding (σ = 3, 64 features): stationary, non-integer frequencies.
Network maskTestNetwork()
{
  Network n = Network::defaultNetwork(2);
  n.encoding.kind = EncodingKind::Gaussian;
  n.encoding.sigma = 3.0;
  n.encoding.features = 64;
  n.encoding.seed = 1;
  return n;
}

/// CONVENTIONS' random-subset rule, written out independently of core: a partial Fisher–Yates shuffle of
/// 0 … n−1 driven by std::mt19937_64(seed) (swap k with k + rng() mod (n − k)); the first round(p·n) train.
std::vector<bool> conventionsRandomMask(int width, int height, double p, std::uint64_t seed)
{
  const std::size_t n = std::size_t(width) * std::size_t(height), m = std::size_t(std::llround(p * double(n)));
  std::vector<std::size_t> pixels(n);
  std::iota(pixels.begin(), pixels.end(), std::size_t(0));
  std::mt19937_64 engine(seed);
  std::vector<bool> chosen(n, false);
  for (std::size_t k = 0; k < m; ++k) {
    const std::size_t pick = k + std::size_t(engine() % std::uint64_t(n - k)); // uniform over the pixels not yet chosen
    std::swap(pixels[k], pixels[pick]);
    chosen[pixels[k]] = true;
  }
  return chosen;
}

double maxAbsDifference(const Image& a, const Image& b)
{
  if (a.data.size() != b.data.size() || a.data.empty()) return 1e9;
  double d = 0.0;
  for (std::size_t i = 0; i < a.data.size(); ++i) d = std::max(d, std::abs(double(a.data[i]) - double(b.data[i])));
  return d;
}

long long countOf(const std::vector<bool>& m) { return (long long)std::count(m.begin(), m.end(), true); }

} // namespace

class TestImageMask : public QObject {
  Q_OBJECT

  /// The widget position of pixel (col, row)'s centre on the ground truth tile.
  QPointF pixelPosition(int col, int row) const
  {
    const QRectF r = m_panel->tile(QStringLiteral("truth"))->imageRect();
    return {r.left() + (col + 0.5) * r.width() / kW, r.top() + (row + 0.5) * r.height() / kH};
  }
  /// A stroke on the ground truth tile through `pixels` with `button` (mouse events, as a user's drag).
  void stroke(const std::vector<QPoint>& pixels, Qt::MouseButton button, Qt::KeyboardModifiers modifiers = {})
  {
    ImageTile* tile = m_panel->tile(QStringLiteral("truth"));
    auto send = [&](QEvent::Type type, const QPoint& px, Qt::MouseButton b, Qt::MouseButtons held) {
      const QPointF pos = pixelPosition(px.x(), px.y());
      QMouseEvent e(type, pos, tile->mapToGlobal(pos), b, held, modifiers);
      QCoreApplication::sendEvent(tile, &e);
    };
    send(QEvent::MouseButtonPress, pixels.front(), button, button);
    for (std::size_t i = 1; i < pixels.size(); ++i) send(QEvent::MouseMove, pixels[i], Qt::NoButton, button);
    send(QEvent::MouseButtonRelease, pixels.back(), button, Qt::NoButton);
  }
  /// With NTK_IMAGE_EXPORT_DIR set: the panel at the size it has in a 1024 × 700 window, to look at.
  void keepShot(const QString& name)
  {
    const QString keep = qEnvironmentVariable("NTK_IMAGE_EXPORT_DIR");
    if (keep.isEmpty()) return;
    const QSize size = m_panel->size();
    m_panel->resize(588, 600);
    QVERIFY(ntktest::waitIdle(m_panel.get(), 120000));
    QTest::qWait(200);
    QVERIFY(m_panel->grab().save(QDir(keep).filePath(name)));
    m_panel->resize(size);
  }
  void usePaintedMask()
  {
    m_panel->trainingPixels()->setMode(TrainingPixels::Painted);
    QVERIFY(ntktest::waitIdle(m_panel.get(), 120000));
    QVERIFY(!m_panel->tile(QStringLiteral("truth"))->imageRect().isEmpty());
  }

private slots:
  void init()
  {
    QSettings().clear();
    m_doc = std::make_unique<NetworkDocument>();
    QVERIFY(m_doc->edit(QStringLiteral("mask test network"), [](Network& n) { n = maskTestNetwork(); }));
    m_doc->undoStack()->clear();
    m_panel = std::make_unique<ImagePanel>(m_doc.get());
    m_panel->resize(1400, 820);
    m_panel->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_panel.get()));
    QVERIFY(ntktest::waitIdle(m_panel.get(), 120000));
    m_panel->setMethods(true, false, true);
    QString err;
    QVERIFY2(m_panel->setImage(smallPicture(), QStringLiteral("small"), &err), qPrintable(err));
    QVERIFY(ntktest::waitIdle(m_panel.get(), 120000));
  }
  void cleanup()
  {
    m_panel.reset();
    m_doc.reset();
  }

  void randomMaskIsTheClisMask()
  {
    m_panel->trainingPixels()->setRandom(0.3, 7);
    m_panel->trainingPixels()->setMode(TrainingPixels::Random);
    QVERIFY(ntktest::waitIdle(m_panel.get(), 120000));
    const std::vector<bool> mask = m_panel->trainMask();
    QCOMPARE(countOf(mask), std::llround(0.3 * kW * kH)); // 432
    QVERIFY(mask == conventionsRandomMask(kW, kH, 0.3, 7));
    QVERIFY(mask == randomPixelMask(kW, kH, 0.3, 7)); // what ntk-cli fit-image --mask random:0.3 --seed 7 uses
    m_panel->trainingPixels()->setRandom(0.3, 8);
    QVERIFY(ntktest::waitIdle(m_panel.get(), 120000));
    QVERIFY(m_panel->trainMask() != mask);
    QVERIFY(m_panel->trainMask() == conventionsRandomMask(kW, kH, 0.3, 8));
    // The encoding sweep and Auto σ work on the stride grid: refused with a mask, with the reason.
    QSignalSpy messages(m_panel.get(), &ImagePanel::statusMessage);
    m_panel->startSweep();
    QVERIFY(!m_panel->isSweeping());
    m_panel->chooseSigmaAutomatically();
    QVERIFY(!m_panel->isBusy());
    QCOMPARE(messages.size(), 2);
    for (const QList<QVariant>& m : messages) QVERIFY2(m.front().toString().contains(QStringLiteral("every s-th pixel")), qPrintable(m.front().toString()));
    // p outside (0, 1] is refused, shown, and nothing is fitted for it.
    m_panel->trainingPixels()->setRandom(0.0, 8);
    QVERIFY(ntktest::waitIdle(m_panel.get(), 120000));
    QVERIFY(m_panel->trainingPixels()->refusal().contains(QStringLiteral("0 < p")));
    QVERIFY(!m_panel->hasKernelFit(KernelKind::Ntk));
  }

  void maskedFitIsTheCoresRegression()
  {
    m_panel->trainingPixels()->setRandom(0.5, 3);
    m_panel->trainingPixels()->setMode(TrainingPixels::Random);
    QVERIFY(ntktest::waitIdle(m_panel.get(), 120000));
    QVERIFY2(m_panel->hasKernelFit(KernelKind::Ntk), qPrintable(m_panel->lastError()));
    const std::vector<bool> mask = randomPixelMask(kW, kH, 0.5, 3);
    const MaskedImageRegression core(m_panel->network(), smallPicture(), mask); // NTK, ridge 1e-6: the panel's defaults
    const Image expected = core.predict();
    QVERIFY2(maxAbsDifference(m_panel->kernelPrediction(KernelKind::Ntk), expected) < 1e-6,
             qPrintable(QString::number(maxAbsDifference(m_panel->kernelPrediction(KernelKind::Ntk), expected))));
    // Held-out PSNR on the pixels that did not train.
    QCOMPARE(m_panel->kernelPsnr(KernelKind::Ntk), psnr(m_panel->kernelPrediction(KernelKind::Ntk), smallPicture(), &core.heldOutMask()));
    QVERIFY2(m_panel->kernelPsnr(KernelKind::Ntk) > 20.0, qPrintable(QString::number(m_panel->kernelPsnr(KernelKind::Ntk))));
    // Bicubic and the spectrum are n/a with a mask, with the reason.
    QVERIFY(std::isnan(m_panel->bicubicPsnr()));
    QVERIFY(m_panel->tile(QStringLiteral("bicubic"))->message().contains(QStringLiteral("n/a with a mask")));
    // The mask is drawn over the truth.
    QCOMPARE(m_panel->tile(QStringLiteral("truth"))->overlay().size(), QSize(kW, kH));

    // The time slider: the masked regression's gradient flow (Chebyshev), off the GUI thread.
    QVERIFY(m_panel->timeSupported());
    m_panel->setTime(30.0);
    QVERIFY(ntktest::waitIdle(m_panel.get(), 120000));
    QVERIFY(std::abs(m_panel->time() / 30.0 - 1.0) < 0.03); // the slider's log grid: 100 positions a decade
    const Image flow = core.predictAt(m_panel->time());
    QVERIFY2(maxAbsDifference(m_panel->kernelPrediction(KernelKind::Ntk), flow) < 1e-6,
             qPrintable(QString::number(maxAbsDifference(m_panel->kernelPrediction(KernelKind::Ntk), flow))));
    QVERIFY(maxAbsDifference(flow, expected) > 1e-3);

    // Encoding none: refused with the reason, nothing fitted.
    Encoding none;
    none.kind = EncodingKind::None;
    QVERIFY(m_panel->setEncoding(none));
    QVERIFY(ntktest::waitIdle(m_panel.get(), 120000));
    QVERIFY(!m_panel->hasKernelFit(KernelKind::Ntk));
    QVERIFY2(m_panel->lastError().contains(QStringLiteral("stationary")), qPrintable(m_panel->lastError()));
    QVERIFY(m_panel->tile(QStringLiteral("ntk"))->message().contains(QStringLiteral("stationary")));
  }

  void cancelStopsTheMaskedFlow()
  {
    // A larger picture at a late t: the Chebyshev flow of the masked solve takes a while; Cancel stops it
    // between terms and the regression (t = ∞) stays shown, with the reason in the status bar.
    Image big(160, 160, 1);
    for (int r = 0; r < 160; ++r)
      for (int c = 0; c < 160; ++c) big.at(r, c, 0) = float(0.5 + 0.3 * std::sin(0.2 * c) * std::cos(0.13 * r));
    QString err;
    QVERIFY2(m_panel->setImage(big, QStringLiteral("big"), &err), qPrintable(err));
    m_panel->trainingPixels()->setRandom(0.5, 2);
    m_panel->trainingPixels()->setMode(TrainingPixels::Random);
    QVERIFY(ntktest::waitIdle(m_panel.get(), 120000));
    QVERIFY2(m_panel->hasKernelFit(KernelKind::Ntk), qPrintable(m_panel->lastError()));
    const Image limit = m_panel->kernelPrediction(KernelKind::Ntk);
    QSignalSpy messages(m_panel.get(), &ImagePanel::statusMessage);
    m_panel->setTime(1e7);
    QVERIFY(m_panel->isBusy());
    m_panel->cancel();
    QVERIFY(ntktest::waitIdle(m_panel.get(), 120000));
    QCOMPARE(maxAbsDifference(m_panel->kernelPrediction(KernelKind::Ntk), limit), 0.0);
    bool said = false;
    for (const QList<QVariant>& m : messages) said = said || m.front().toString().contains(QStringLiteral("cancelled"));
    QVERIFY(said);
  }

  void paintingSetsTheBrushPixels()
  {
    usePaintedMask();
    const std::vector<bool> grid = m_panel->trainMask(); // a new painted mask starts as every s-th pixel (s = 2)
    QCOMPARE(countOf(grid), (long long)(kW / 2) * (kH / 2));
    QVERIFY(grid[0] && !grid[1] && grid[2 * kW + 2]);
    TrainingPixelsControl* pixels = m_panel->trainingPixels();
    pixels->painter()->setBrushDiameter(3);
    QUndoStack* undo = m_doc->undoStack();
    const int steps = undo->count();

    // A left-drag from (10, 11) to (20, 11), brush 3: the 3 × 3 blocks along the row — rows 10…12, columns 9…21.
    stroke({{10, 11}, {14, 11}, {20, 11}}, Qt::LeftButton);
    std::vector<bool> expected = grid;
    for (int r = 10; r <= 12; ++r)
      for (int c = 9; c <= 21; ++c) expected[std::size_t(r * kW + c)] = true;
    QVERIFY(m_panel->trainMask() == expected);
    QCOMPARE(undo->count(), steps + 1); // one stroke, one undo step

    // Right-drag erases (brush 1: exactly the pixels under the cursor); Shift + left-drag too.
    pixels->painter()->setBrushDiameter(1);
    stroke({{30, 30}}, Qt::RightButton);
    expected[std::size_t(30 * kW + 30)] = false;
    QVERIFY(m_panel->trainMask() == expected);
    stroke({{10, 11}}, Qt::LeftButton, Qt::ShiftModifier);
    expected[std::size_t(11 * kW + 10)] = false;
    QVERIFY(m_panel->trainMask() == expected);
    QCOMPARE(undo->count(), steps + 3);

    // One undo restores the mask before the last stroke; three restore the stride grid; redo paints again.
    undo->undo();
    expected[std::size_t(11 * kW + 10)] = true;
    QVERIFY(m_panel->trainMask() == expected);
    undo->undo();
    undo->undo();
    QVERIFY(m_panel->trainMask() == grid);
    undo->redo();
    std::vector<bool> firstStroke = grid;
    for (int r = 10; r <= 12; ++r)
      for (int c = 9; c <= 21; ++c) firstStroke[std::size_t(r * kW + c)] = true;
    QVERIFY(m_panel->trainMask() == firstStroke);
  }

  void maskEditMarksStaleThenRefits()
  {
    usePaintedMask();
    QVERIFY2(m_panel->hasKernelFit(KernelKind::Ntk), qPrintable(m_panel->lastError()));
    QVERIFY(m_panel->kernelStaleReason().isEmpty());
    const int fits = m_panel->fitCount();
    m_panel->trainingPixels()->painter()->setBrushDiameter(5);
    stroke({{5, 5}, {25, 20}}, Qt::LeftButton);
    // Until the refit the pictures say they are for the previous mask.
    QVERIFY(!m_panel->kernelStaleReason().isEmpty());
    QVERIFY2(m_panel->tile(QStringLiteral("ntk"))->caption().startsWith(QStringLiteral("stale")),
             qPrintable(m_panel->tile(QStringLiteral("ntk"))->caption()));
    QVERIFY(m_panel->isBusy()); // the refit is pending
    QVERIFY(ntktest::waitIdle(m_panel.get(), 120000));
    QVERIFY(m_panel->kernelStaleReason().isEmpty());
    QCOMPARE(m_panel->fitCount(), fits + 1);
    QVERIFY(!m_panel->tile(QStringLiteral("ntk"))->caption().contains(QStringLiteral("stale")));
    keepShot(QStringLiteral("mask_painted.png"));
    const MaskedImageRegression core(m_panel->network(), smallPicture(), m_panel->trainMask());
    QVERIFY(maxAbsDifference(m_panel->kernelPrediction(KernelKind::Ntk), core.predict()) < 1e-6);
    // An undo is a mask edit too: stale, then refitted for the restored mask.
    m_doc->undoStack()->undo();
    QVERIFY(!m_panel->kernelStaleReason().isEmpty());
    QVERIFY(ntktest::waitIdle(m_panel.get(), 120000));
    QCOMPARE(m_panel->fitCount(), fits + 2);
  }

  void mlpTrainsOnTheMask()
  {
    m_panel->trainingPixels()->setRandom(0.4, 1);
    m_panel->trainingPixels()->setMode(TrainingPixels::Random);
    QVERIFY(ntktest::waitIdle(m_panel.get(), 120000));
    m_panel->setMlpOptions(6, 3e-2);
    m_panel->startTraining();
    QVERIFY(ntktest::waitIdle(m_panel.get(), 120000));
    QCOMPARE(m_panel->mlpStepsDone(), 6);
    const Eigen::MatrixXd h = m_panel->psnrHistory();
    QVERIFY(h.rows() >= 2);
    std::vector<bool> heldOut = m_panel->trainMask();
    const std::vector<bool> mask = heldOut;
    heldOut.flip();
    QCOMPARE(h(h.rows() - 1, 3), psnr(m_panel->mlpPrediction(), smallPicture(), &heldOut));
    QCOMPARE(h(h.rows() - 1, 2), psnr(m_panel->mlpPrediction(), smallPicture(), &mask));
    keepShot(QStringLiteral("mask_random.png"));
  }

  void masksLoadAndSaveAsPng()
  {
    usePaintedMask();
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    TrainingPixelsControl* pixels = m_panel->trainingPixels();
    const QString path = dir.filePath(QStringLiteral("mask.png"));
    QString err;
    QVERIFY2(pixels->saveMask(path, &err), qPrintable(err));
    QVERIFY(maskFromImage(readPng(path.toStdString())) == m_panel->trainMask()); // the CLI's MASK.png rule
    // A mask PNG of the image's size: one undo step.
    Image png(kW, kH, 3);
    for (int r = 0; r < kH; ++r) png.at(r, r % kW, r % 3) = 0.5f; // one channel nonzero is enough
    writePng(dir.filePath(QStringLiteral("diag.png")).toStdString(), png);
    const int steps = m_doc->undoStack()->count();
    QVERIFY2(pixels->loadMask(dir.filePath(QStringLiteral("diag.png")), &err), qPrintable(err));
    QCOMPARE(m_doc->undoStack()->count(), steps + 1);
    QVERIFY(m_panel->trainMask() == maskFromImage(readPng(dir.filePath(QStringLiteral("diag.png")).toStdString())));
    QCOMPARE(countOf(m_panel->trainMask()), (long long)kH);
    // Another size, or no training pixel: refused with the reason, the mask unchanged.
    writePng(dir.filePath(QStringLiteral("wrong.png")).toStdString(), Image(kW + 1, kH, 1));
    writePng(dir.filePath(QStringLiteral("empty.png")).toStdString(), Image(kW, kH, 1));
    QVERIFY(!pixels->loadMask(dir.filePath(QStringLiteral("wrong.png")), &err));
    QVERIFY2(err.contains(QStringLiteral("41 × 36")), qPrintable(err));
    QVERIFY(!pixels->loadMask(dir.filePath(QStringLiteral("empty.png")), &err));
    QVERIFY2(err.contains(QStringLiteral("no training pixel")), qPrintable(err));
    QCOMPARE(countOf(m_panel->trainMask()), (long long)kH);
    QCOMPARE(m_doc->undoStack()->count(), steps + 1);
  }

private:
  std::unique_ptr<NetworkDocument> m_doc;
  std::unique_ptr<ImagePanel> m_panel;
};

QTEST_MAIN(TestImageMask)
#include "test_image_mask.moc"
