// GUI tests of the image panel (Tancik et al. 2020 on one picture): a bundled sample is fitted with the
// NTK (a held-out PSNR, pictures not blank), the time slider changes the kernel picture (t → ∞ gives the
// regression back, a non-periodic encoding disables it), the MLP trains a few steps and its PSNR
// curve grows, cancel stops training and fitting, an unreadable file keeps the previous image, a hidden
// panel does not compute, and the exports write files. The panel fits the document's network exactly: a
// hidden width edited in the document is the width the MLP trains (and its caption), a 1-D network is
// refused with the reason and nothing is fitted, the encoding control edits the document (undo restores
// it), invalid stride/steps are refused without a recompute, and a huge MLP is refused with its memory
// estimate. The default network's true Gaussian frequencies on the default mirrored domain: the time slider
// works (one FFT pair per position) and t = ∞ is the Mirror regression's predict(); the exact domain takes
// the Toeplitz path. Screenshots at 1024 × 700 and 1920 × 1080 go to the build directory.
// Runs under xvfb-run like the other GUI tests.
#include <cmath>

#include <QComboBox>
#include <QElapsedTimer>
#include <QFile>
#include <QLabel>
#include <QMimeData>
#include <QPushButton>
#include <QRegularExpression>
#include <QUndoStack>
#include <QImageReader>
#include <QLineEdit>
#include <QSettings>
#include <QSlider>
#include <QTemporaryDir>
#include <QtTest>

#include "widgets/common/CheckedSpinBox.h"
#include "widgets/common/DecadeSpinBox.h"
#include "GuiTestUtil.h"
#include "widgets/image/ImageModel.h"
#include "widgets/image/ImagePanel.h"
#include "widgets/image/ImageTile.h"
#include "widgets/common/PlotWidget.h"
#include "widgets/network/NetworkDocument.h"
#include "core/util/Errors.h"
#include "core/nets/MlpTrainer.h"
#include "core/util/MatrixIO.h"

using namespace ntk;
using namespace ntk::gui;

namespace {

bool waitIdle(const ImagePanel* panel, int timeoutMs = 120000) { return ntktest::waitIdle(panel, timeoutMs); }

double meanAbsDifference(const Image& a, const Image& b)
{
  if (a.data.size() != b.data.size() || a.data.empty()) return 1e9;
  double s = 0.0;
  for (std::size_t i = 0; i < a.data.size(); ++i) s += std::abs(double(a.data[i]) - double(b.data[i]));
  return s / double(a.data.size());
}

/// A smooth 48 × 48 RGB test picture (quick to train on).
Image smallPicture()
{
  Image img(48, 48, 3);
  for (int r = 0; r < img.height; ++r)
    for (int c = 0; c < img.width; ++c) {
      const double x = double(c) / img.width, y = double(r) / img.height;
      img.at(r, c, 0) = float(0.5 + 0.4 * std::sin(2 * M_PI * x) * std::cos(2 * M_PI * y));
      img.at(r, c, 1) = float(0.5 + 0.4 * std::cos(4 * M_PI * x));
      img.at(r, c, 2) = float(0.3 + 0.5 * y);
    }
  return img;
}

/// The network the tests fit: the default 2-D network (3 × 512 ReLU) with a Gaussian encoding
/// (σ = 10, 256 features) rounded to integer frequencies — the periodic FFT path with the time slider.
Network imageTestNetwork()
{
  Network n = Network::defaultNetwork(2);
  Encoding g;
  g.kind = EncodingKind::Gaussian;
  g.sigma = 10.0;
  g.features = 256;
  g.seed = 1;
  n.encoding = withIntegerFrequencies(g, 2);
  return n;
}

/// Hidden Dense widths of `net`, readout excluded.
std::vector<int> widthsOf(const Network& net) { return hiddenWidths(net); }

/// Sets the hidden Dense widths of the document's network (in order) as one edit.
bool setWidths(NetworkDocument* doc, const std::vector<int>& widths)
{
  return doc->edit(QStringLiteral("widths"), [widths](Network& n) {
    std::size_t i = 0;
    std::vector<DenseLayer*> dense;
    for (Layer& l : n.layers)
      if (auto* d = std::get_if<DenseLayer>(&l)) dense.push_back(d);
    for (; i + 1 < dense.size() && i < widths.size(); ++i) dense[i]->width = widths[i];
  });
}

Encoding encodingOf(EncodingKind kind, int size, double sigma)
{
  Encoding e;
  e.kind = kind;
  e.sigma = sigma;
  e.levels = size;
  e.features = size;
  e.seed = 1;
  return e;
}

void keepFigure(ImagePanel* panel, const QString& name)
{
  const QString keep = qEnvironmentVariable("NTK_IMAGE_EXPORT_DIR");
  if (keep.isEmpty()) return;
  QString err;
  QVERIFY2(panel->exportView(QDir(keep).filePath(name), &err), qPrintable(err));
  QVERIFY(panel->grab().save(QDir(keep).filePath(QStringLiteral("widget_") + name)));
}

} // namespace

class TestImagePanel : public QObject {
  Q_OBJECT

private slots:
  void init()
  {
    QSettings().clear(); // every test starts from the defaults (the panel remembers its settings)
    m_doc = std::make_unique<NetworkDocument>();
    QVERIFY(m_doc->edit(QStringLiteral("image test network"), [](Network& n) { n = imageTestNetwork(); }));
    m_doc->undoStack()->clear();
    m_panel = std::make_unique<ImagePanel>(m_doc.get());
    m_panel->resize(1500, 900);
    m_panel->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_panel.get()));
    QVERIFY(waitIdle(m_panel.get()));
  }
  void cleanup()
  {
    m_panel.reset();
    m_doc.reset();
  }

  void bundledSamplesExist()
  {
    const QStringList samples = bundledSampleNames();
    QVERIFY2(samples.size() >= 3, qPrintable(samples.join(QLatin1Char(','))));
    for (const QString& s : samples) QVERIFY(!QImageReader(bundledSamplePath(s)).read().isNull());
  }

  void fitsASampleWithTheNtk()
  {
    QVERIFY(m_panel->imageName().startsWith(QStringLiteral("astronaut")));
    QCOMPARE(m_panel->groundTruth().width, 256);
    QCOMPARE(m_panel->groundTruth().channels, 3);
    QVERIFY2(m_panel->hasKernelFit(KernelKind::Ntk), qPrintable(m_panel->lastError()));
    QVERIFY(m_panel->requirementReason().isEmpty());
    QVERIFY(m_panel->requirementReason().isEmpty());
    QCOMPARE(m_panel->network().encoding.kind, EncodingKind::Fourier); // the document's own, not a copy
    const double ntk = m_panel->kernelPsnr(KernelKind::Ntk);
    QVERIFY2(ntk > 18.0 && ntk < 60.0, qPrintable(QString::number(ntk)));
    QVERIFY(m_panel->bicubicPsnr() > 15.0);
    QCOMPARE(m_panel->kernelPrediction(KernelKind::Ntk).width, 256);
    QVERIFY(m_panel->kernelSpectrum().rows() == 128 && m_panel->kernelSpectrum().cols() == 128);
    QVERIFY(m_panel->timeSupported()); // integer Gaussian frequencies: the periodic (circulant) path
    QCOMPARE(m_panel->fitCount(), 1);
    // The pictures are not blank.
    const QImage shot = m_panel->grab().toImage();
    QVERIFY(ntktest::distinctColours(shot) > 500);
    for (ImageTile* tile : m_panel->findChildren<ImageTile*>())
      if (tile->isVisible() && tile->title() != QStringLiteral("MLP 512-512-512"))
        QVERIFY2(!tile->image().isNull(), qPrintable(tile->title() + QStringLiteral(": ") + tile->message()));
    keepFigure(m_panel.get(), QStringLiteral("image_fit.png"));
  }

  void nngpToo()
  {
    m_panel->setMethods(true, true, false);
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY(m_panel->hasKernelFit(KernelKind::Ntk));
    QVERIFY(m_panel->hasKernelFit(KernelKind::Nngp));
    QVERIFY(std::isfinite(m_panel->kernelPsnr(KernelKind::Nngp)));
    QVERIFY(meanAbsDifference(m_panel->kernelPrediction(KernelKind::Ntk), m_panel->kernelPrediction(KernelKind::Nngp)) > 1e-6);
  }

  void timeSliderChangesThePicture()
  {
    QVERIFY(m_panel->timeSlider()->isEnabled());
    const Image limit = m_panel->kernelPrediction(KernelKind::Ntk);
    const double psnrLimit = m_panel->kernelPsnr(KernelKind::Ntk);
    m_panel->setTime(1.0);
    QVERIFY(waitIdle(m_panel.get()));
    const Image early = m_panel->kernelPrediction(KernelKind::Ntk);
    QVERIFY(meanAbsDifference(early, limit) > 1e-3);
    QVERIFY(m_panel->kernelPsnr(KernelKind::Ntk) < psnrLimit);
    m_panel->setTime(1e4);
    QVERIFY(waitIdle(m_panel.get()));
    const Image later = m_panel->kernelPrediction(KernelKind::Ntk);
    QVERIFY(meanAbsDifference(later, limit) < meanAbsDifference(early, limit));
    keepFigure(m_panel.get(), QStringLiteral("image_t1e4.png"));
    m_panel->setTime(INFINITY);
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY(meanAbsDifference(m_panel->kernelPrediction(KernelKind::Ntk), limit) < 1e-9);

    // A Gaussian encoding with non-integer frequencies: the Toeplitz/dense paths answer finite t too
    // (Chebyshev flow / eigendecomposition), so the slider stays enabled.
    QVERIFY(m_panel->setEncoding(encodingOf(EncodingKind::Gaussian, 64, 10.0)));
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY2(m_panel->hasKernelFit(KernelKind::Ntk), qPrintable(m_panel->lastError()));
    QVERIFY(m_panel->timeSupported());
    QVERIFY(m_panel->timeSlider()->isEnabled());
  }

  void defaultUsesTrueFrequenciesOnTheMirroredDomain()
  {
    // A new document's image network: Gaussian σ = 10 with its true (non-integer) frequencies. The default
    // domain is the mirrored periodic one: an FFT solve, so the time slider works, and t = ∞ is predict().
    QVERIFY(m_doc->edit(QStringLiteral("default image network"), [](Network& n) { n = defaultImageNetwork(); }));
    QVERIFY(waitIdle(m_panel.get()));
    QCOMPARE(m_panel->network().encoding.kind, EncodingKind::Gaussian);
    QCOMPARE(m_panel->domain(), RegressionPath::Mirror);
    QVERIFY2(m_panel->hasKernelFit(KernelKind::Ntk), qPrintable(m_panel->lastError()));
    QVERIFY(m_panel->timeSupported());
    QVERIFY(m_panel->timeSlider()->isEnabled());
    auto infoText = [this] {
      for (QLabel* l : m_panel->findChildren<QLabel*>())
        if (l->text().contains(QStringLiteral("training pixels of"))) return l->text();
      return QString();
    };
    QVERIFY2(infoText().contains(QStringLiteral("mirror path")) && infoText().contains(QStringLiteral("max change")),
             qPrintable(infoText()));
    const Image limit = m_panel->kernelPrediction(KernelKind::Ntk);
    const double psnrMirror = m_panel->kernelPsnr(KernelKind::Ntk);
    QVERIFY2(psnrMirror > 18.0, qPrintable(QString::number(psnrMirror)));
    // The panel's picture at ∞ is the mirror regression's predict().
    const KernelFitResult direct =
        computeKernelFits(m_panel->network(), m_panel->groundTruth(), 2, 1e-6, true, false, RegressionPath::Mirror, JobFlags{});
    QVERIFY2(direct.error.isEmpty() && direct.fits.size() == 1, qPrintable(direct.error));
    QCOMPARE(direct.fits[0].report.path, RegressionPath::Mirror);
    QVERIFY(meanAbsDifference(direct.fits[0].prediction, limit) < 1e-7);
    // Finite t: one FFT pair per slider position.
    QElapsedTimer clock;
    clock.start();
    m_panel->setTime(10.0);
    QVERIFY(waitIdle(m_panel.get()));
    qInfo("mirror: t = 10 shown after %lld ms", (long long)clock.elapsed());
    const Image early = m_panel->kernelPrediction(KernelKind::Ntk);
    QVERIFY(meanAbsDifference(early, limit) > 1e-3);
    QVERIFY(meanAbsDifference(early, direct.fits[0].regression->predictAt(10.0)) < 1e-7);
    m_panel->setTime(INFINITY);
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY(meanAbsDifference(m_panel->kernelPrediction(KernelKind::Ntk), limit) < 1e-9);
    // The exact domain: the Toeplitz path of the same frequencies, a different (exact) regression.
    m_panel->setDomain(RegressionPath::Auto);
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY2(m_panel->hasKernelFit(KernelKind::Ntk), qPrintable(m_panel->lastError()));
    QVERIFY2(infoText().contains(QStringLiteral("toeplitz path")), qPrintable(infoText()));
    qInfo("held-out PSNR: mirror %.2f dB, exact %.2f dB", psnrMirror, m_panel->kernelPsnr(KernelKind::Ntk));
    QVERIFY(meanAbsDifference(m_panel->kernelPrediction(KernelKind::Ntk), limit) > 1e-5);
    QCOMPARE(QSettings().value(QStringLiteral("imagePanel/domain")).toString(), QStringLiteral("exact"));
    m_panel->setDomain(RegressionPath::Toeplitz); // not a domain: refused, nothing changes
    QCOMPARE(m_panel->domain(), RegressionPath::Auto);
  }

  void playSweepsToInfinity()
  {
    QString err;
    QVERIFY(m_panel->setImage(smallPicture(), QStringLiteral("small"), &err));
    QVERIFY(waitIdle(m_panel.get()));
    m_panel->setTime(0.1);
    QVERIFY(waitIdle(m_panel.get()));
    const double early = m_panel->kernelPsnr(KernelKind::Ntk);
    m_panel->setPlaying(true);
    QTRY_VERIFY_WITH_TIMEOUT(m_panel->timeSlider()->value() > ImagePanel::kSliderLogSteps, 20000);
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY(std::isinf(m_panel->time()));
    QVERIFY(m_panel->kernelPsnr(KernelKind::Ntk) > early);
  }

  void withoutEncodingSmallImagesOnly()
  {
    QVERIFY(m_panel->setEncoding(encodingOf(EncodingKind::None, 8, 10.0)));
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY(!m_panel->hasKernelFit(KernelKind::Ntk)); // 16384 training pixels: refused, with the reason
    QVERIFY2(m_panel->lastError().contains(QStringLiteral("stride")), qPrintable(m_panel->lastError()));
    m_panel->setStride(4); // 4096 pixels: the dense path
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY2(m_panel->hasKernelFit(KernelKind::Ntk), qPrintable(m_panel->lastError()));
    QVERIFY(std::isfinite(m_panel->kernelPsnr(KernelKind::Ntk)));
  }

  void hugeImagesAreRefusedWithTheEstimate()
  {
    QVERIFY_THROWS_EXCEPTION(MemoryLimitError, requireImageMemory(m_panel->network(), 200000, 200000, 3, 1));
    requireImageMemory(m_panel->network(), 256, 256, 3, 2); // no throw
  }

  void mlpTrainsAndItsPsnrGrows()
  {
    QString err;
    QVERIFY2(m_panel->setImage(smallPicture(), QStringLiteral("small"), &err), qPrintable(err));
    // Low frequencies for a smooth 48 × 48 picture; a narrow network trains fast.
    QVERIFY(m_panel->setEncoding(withIntegerFrequencies(encodingOf(EncodingKind::Positional, 4, 4.0), 2)));
    QVERIFY(setWidths(m_doc.get(), {32, 32, 32}));
    m_panel->setMlpOptions(40, 1e-2);
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY(m_panel->hasKernelFit(KernelKind::Ntk));
    m_panel->startTraining();
    QVERIFY(m_panel->isTraining());
    QVERIFY(waitIdle(m_panel.get()));
    QCOMPARE(m_panel->mlpStepsDone(), 40);
    const Eigen::MatrixXd h = m_panel->psnrHistory();
    QVERIFY2(h.rows() >= 3, qPrintable(QString::number(h.rows())));
    QCOMPARE(h(0, 0), 0.0);
    QCOMPARE(h(h.rows() - 1, 0), 40.0);
    const QString curve = QStringLiteral("train %1 → %2, held-out %3 → %4")
                              .arg(h(0, 2)).arg(h(h.rows() - 1, 2)).arg(h(0, 3)).arg(h(h.rows() - 1, 3));
    qInfo("%s", qPrintable(curve));
    QVERIFY2(h(h.rows() - 1, 2) > h(0, 2) + 3.0, qPrintable(curve));
    QVERIFY2(h(h.rows() - 1, 3) > h(0, 3) + 3.0, qPrintable(curve));
    QCOMPARE(m_panel->mlpPrediction().width, 48);
    keepFigure(m_panel.get(), QStringLiteral("image_mlp.png"));

    // CSV / NPY: the PSNR history.
    QTemporaryDir dir;
    const QString csv = dir.filePath(QStringLiteral("h.csv")), npy = dir.filePath(QStringLiteral("h.npy"));
    QVERIFY2(m_panel->exportView(csv, &err), qPrintable(err));
    QVERIFY2(m_panel->exportView(npy, &err), qPrintable(err));
    const Eigen::MatrixXd back = readMatrix(csv.toStdString());
    QCOMPARE(back.rows(), h.rows());
    QCOMPARE(back.cols(), Eigen::Index(5));
    QVERIFY(QFileInfo(npy).size() > 0);
    QVERIFY2(m_panel->savePrediction(dir.filePath(QStringLiteral("mlp.png")), QStringLiteral("mlp"), &err), qPrintable(err));
    QCOMPARE(QImage(dir.filePath(QStringLiteral("mlp.png"))).size(), QSize(48, 48));
  }

  void mlpOnASampleStreamsAndStaysResponsive()
  {
    // The 256 × 256 sample (16384 training pixels, 512 features, width 64): the picture and the chart
    // update while it trains, the event loop keeps running, and Stop ends the run within about a step.
    QVERIFY(m_panel->imageName().startsWith(QStringLiteral("astronaut")));
    QVERIFY(setWidths(m_doc.get(), {64, 64, 64}));
    constexpr int kSteps = 200; // minibatch steps are short (25–40 ms): enough of them for several pictures on a slow machine
    m_panel->setMlpOptions(kSteps, 3e-2);
    QVERIFY(waitIdle(m_panel.get()));
    auto* chart = m_panel->findChild<PlotWidget*>(QStringLiteral("psnrChart"));
    QVERIFY(chart);
    const std::size_t kernelLines = chart->series().size(); // NTK and bicubic horizontal lines
    m_panel->startTraining();
    QElapsedTimer loop, total;
    total.start();
    qint64 worst = 0;
    int snapshotsSeen = 0, lastStep = -1;
    bool sawPartialPicture = false;
    while (m_panel->isTraining() && total.elapsed() < 120000) {
      loop.start();
      QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
      worst = std::max(worst, loop.elapsed());
      if (m_panel->mlpStepsDone() != lastStep) {
        lastStep = m_panel->mlpStepsDone();
        ++snapshotsSeen;
        if (lastStep > 0 && lastStep < kSteps && !m_panel->mlpPrediction().empty()) sawPartialPicture = true;
      }
      QThread::msleep(5);
    }
    QVERIFY(waitIdle(m_panel.get()));
    const Eigen::Index received = m_panel->psnrHistory().rows(); // every picture the worker posted, however the loop polled
    qInfo("%d steps in %lld ms, %lld pictures received, %d seen by polling, longest event-loop pass %lld ms", kSteps, total.elapsed(),
          static_cast<long long>(received), snapshotsSeen, worst);
    QCOMPARE(m_panel->mlpStepsDone(), kSteps);
    QVERIFY2(received >= 3, qPrintable(QString::number(received))); // step 0, some steps between, the last step
    QVERIFY(sawPartialPicture);
    QVERIFY2(worst < 400, qPrintable(QString::number(worst))); // generous: CI machines are shared
    QCOMPARE(chart->series().size(), kernelLines + 2);          // + MLP train and held-out
    QCOMPARE(m_panel->psnrHistory()(m_panel->psnrHistory().rows() - 1, 0), double(kSteps));
    keepFigure(m_panel.get(), QStringLiteral("image_mlp256.png"));

    // Stop: within a step or two.
    m_panel->setMlpOptions(5000, 1e-3);
    m_panel->startTraining();
    QTRY_VERIFY_WITH_TIMEOUT(m_panel->mlpStepsDone() >= 2, 60000);
    QElapsedTimer stop;
    stop.start();
    m_panel->stopTraining();
    QTRY_VERIFY_WITH_TIMEOUT(!m_panel->isTraining(), 10000);
    qInfo("stopped after %lld ms at step %d", stop.elapsed(), m_panel->mlpStepsDone());
    QVERIFY(stop.elapsed() < 3000);
    QVERIFY(m_panel->mlpStepsDone() < 5000);
    QVERIFY(!m_panel->mlpPrediction().empty());
  }

  void decadeSpinBoxTakesTypedValuesWithAPrefix()
  {
    DecadeSpinBox box(1e-7, 10.0, QStringLiteral("lr "));
    box.setValue(1e-3);
    QCOMPARE(box.text(), QStringLiteral("lr 0.001"));
    QSignalSpy changed(&box, &QDoubleSpinBox::valueChanged);
    box.selectAll(); // the number, not the prefix
    QTest::keyClicks(&box, QStringLiteral("0.02"));
    QTest::keyClick(&box, Qt::Key_Return);
    QCOMPARE(box.value(), 0.02);
    QCOMPARE(changed.count(), 1);
    box.stepBy(2); // ×10
    QVERIFY(std::abs(box.value() - 0.2) < 1e-12);
    QVERIFY(box.sizeHint().width() > box.fontMetrics().horizontalAdvance(QStringLiteral("lr 0.00e-00")));
    DecadeSpinBox ridge(0.0, 10.0);
    ridge.setValue(1e-12);
    ridge.stepBy(-1);
    QCOMPARE(ridge.value(), 0.0); // down to zero
    ridge.stepBy(1);
    QCOMPARE(ridge.value(), 1e-8);
  }

  void cancelStopsTrainingAndFitting()
  {
    QString err;
    QVERIFY(m_panel->setImage(smallPicture(), QStringLiteral("small"), &err));
    QVERIFY(setWidths(m_doc.get(), {32, 32, 32}));
    m_panel->setMlpOptions(100000, 1e-3);
    QVERIFY(waitIdle(m_panel.get()));
    m_panel->startTraining();
    QTRY_VERIFY_WITH_TIMEOUT(m_panel->mlpStepsDone() >= 1, 60000);
    QElapsedTimer timer;
    timer.start();
    m_panel->cancel();
    QVERIFY(waitIdle(m_panel.get(), 10000));
    QVERIFY(timer.elapsed() < 10000);
    QVERIFY(!m_panel->isTraining());
    QVERIFY(m_panel->mlpStepsDone() < 100000);
    QVERIFY(!m_panel->mlpPrediction().empty()); // the last snapshot stays

    // A fit cancelled right away leaves the panel idle.
    m_panel->scheduleRecompute();
    QVERIFY(m_panel->isBusy());
    m_panel->cancel();
    QVERIFY(waitIdle(m_panel.get(), 30000));
  }

  void unreadableFileKeepsThePreviousImage()
  {
    QTemporaryDir dir;
    const QString bad = dir.filePath(QStringLiteral("broken.png"));
    QFile f(bad);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("this is not a PNG file at all");
    f.close();
    const QString before = m_panel->imageName();
    const Image truth = m_panel->groundTruth();
    QString err;
    QVERIFY(!m_panel->loadImage(bad, &err));
    QVERIFY2(err.contains(QStringLiteral("broken.png")), qPrintable(err));
    QCOMPARE(m_panel->imageName(), before);
    QCOMPARE(m_panel->groundTruth().data, truth.data);
    QVERIFY(!m_panel->loadImage(dir.filePath(QStringLiteral("missing.png")), &err));
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY(m_panel->hasKernelFit(KernelKind::Ntk));

    // Dropped onto the panel.
    QImage green(24, 20, QImage::Format_RGB32);
    green.fill(QColor(20, 180, 40));
    const QString pngPath = dir.filePath(QStringLiteral("green.png"));
    QVERIFY(green.save(pngPath));
    auto* mime = new QMimeData;
    mime->setUrls({QUrl::fromLocalFile(pngPath)});
    QDragEnterEvent enter(QPoint(200, 200), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(m_panel.get(), &enter); // makes the panel the drop target
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(200, 200), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(m_panel.get(), &drop);
    delete mime;
    QVERIFY2(m_panel->imageName() == QStringLiteral("green"), qPrintable(m_panel->imageName() + QStringLiteral(": ") + m_panel->lastError()));
    QCOMPARE(m_panel->groundTruth().width, 24);

    // A real file in another format loads (JPEG through QImage).
    QImage jpg(40, 30, QImage::Format_RGB32);
    jpg.fill(QColor(200, 40, 40));
    const QString jpgPath = dir.filePath(QStringLiteral("red.jpg"));
    QVERIFY(jpg.save(jpgPath));
    QVERIFY2(m_panel->loadImage(jpgPath, &err), qPrintable(err));
    QCOMPARE(m_panel->imageName(), QStringLiteral("red"));
    QCOMPARE(m_panel->groundTruth().width, 40);
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY2(m_panel->hasKernelFit(KernelKind::Ntk), qPrintable(m_panel->lastError()));
  }

  void hiddenPanelWaitsUntilShown()
  {
    const int fits = m_panel->fitCount();
    m_panel->hide();
    m_doc->edit(QStringLiteral("erf"), [](Network& n) {
      for (Layer& l : n.layers)
        if (auto* a = std::get_if<ActivationLayer>(&l)) a->activation = Activation(ActivationKind::Erf);
    });
    QTest::qWait(100);
    QVERIFY(!m_panel->isBusy());
    QCOMPARE(m_panel->fitCount(), fits);
    m_panel->show();
    QVERIFY(waitIdle(m_panel.get()));
    QCOMPARE(m_panel->fitCount(), fits + 1);
    QVERIFY(m_panel->hasKernelFit(KernelKind::Ntk));
  }

  void exportsTheFigure()
  {
    QTemporaryDir dir;
    QString err;
    for (const QString& name : {QStringLiteral("f.png"), QStringLiteral("f.svg")}) {
      QVERIFY2(m_panel->exportView(dir.filePath(name), &err), qPrintable(err));
      QVERIFY(QFileInfo(dir.filePath(name)).size() > 1000);
    }
    const QImage fig(dir.filePath(QStringLiteral("f.png")));
    QVERIFY(ntktest::distinctColours(fig) > 500);
    // No MLP history yet: the data formats say why.
    QVERIFY(!m_panel->exportView(dir.filePath(QStringLiteral("f.csv")), &err));
    QVERIFY(err.contains(QStringLiteral("MLP")));
    QVERIFY(!m_panel->exportView(dir.filePath(QStringLiteral("f.txt")), &err));
    QVERIFY2(m_panel->savePrediction(dir.filePath(QStringLiteral("ntk.png")), QStringLiteral("ntk"), &err), qPrintable(err));
    QCOMPARE(QImage(dir.filePath(QStringLiteral("ntk.png"))).size(), QSize(256, 256));
    QVERIFY(!m_panel->savePrediction(dir.filePath(QStringLiteral("mlp.png")), QStringLiteral("mlp"), &err));
  }

  void theMlpHasTheDocumentsWidths()
  {
    QString err;
    QVERIFY2(m_panel->setImage(smallPicture(), QStringLiteral("small"), &err), qPrintable(err));
    QVERIFY(setWidths(m_doc.get(), {24, 16, 8}));
    QVERIFY(waitIdle(m_panel.get()));
    QCOMPARE(m_panel->mlpTitle(), QStringLiteral("MLP 24-16-8"));
    QVERIFY2(m_panel->mlpRefusal().isEmpty(), qPrintable(m_panel->mlpRefusal()));
    QCOMPARE(widthsOf(m_panel->mlpNetwork()), (std::vector<int>{24, 16, 8}));
    m_panel->setMlpOptions(2, 1e-3);
    m_panel->startTraining();
    QVERIFY(waitIdle(m_panel.get()));
    QCOMPARE(m_panel->mlpStepsDone(), 2);
    // What MlpTrainer trained: the document's hidden widths, one readout unit per RGB channel.
    QCOMPARE(widthsOf(m_panel->trainedNetwork()), (std::vector<int>{24, 16, 8}));
    QCOMPARE(m_panel->trainedNetwork().outputDim(), 3);
    auto* mlpTile = findTile(QStringLiteral("MLP 24-16-8"));
    QVERIFY(mlpTile);
    QVERIFY(!mlpTile->image().isNull());

    // Another width in the document: another MLP, another caption; the old run is reset.
    QVERIFY(setWidths(m_doc.get(), {40}));
    QVERIFY(waitIdle(m_panel.get()));
    QCOMPARE(m_panel->mlpTitle(), QStringLiteral("MLP 40-16-8"));
    QVERIFY(findTile(QStringLiteral("MLP 40-16-8")));
    QCOMPARE(m_panel->mlpStepsDone(), 0);
    m_panel->startTraining();
    QVERIFY(waitIdle(m_panel.get()));
    QCOMPARE(widthsOf(m_panel->trainedNetwork()), (std::vector<int>{40, 16, 8}));

    // A readout that fits neither the image's channels nor 1 is refused, with the reason; 3 is used as it is.
    QVERIFY(m_doc->edit(QStringLiteral("readout 5"), [](Network& n) { std::get<DenseLayer>(n.layers.back()).width = 5; }));
    QVERIFY(m_panel->mlpRefusal().contains(QStringLiteral("output width")));
    QVERIFY(!findTrainButton()->isEnabled());
    m_panel->startTraining();
    QVERIFY(!m_panel->isTraining());
    QCOMPARE(m_panel->mlpStepsDone(), 0);
    QVERIFY(m_doc->edit(QStringLiteral("readout 3"), [](Network& n) { std::get<DenseLayer>(n.layers.back()).width = 3; }));
    QVERIFY(m_panel->mlpRefusal().isEmpty());
    QVERIFY(findTrainButton()->isEnabled());
    QVERIFY(waitIdle(m_panel.get()));
  }

  void aHugeMlpIsRefusedWithItsEstimate()
  {
    // Width 1,000,000 in the first two hidden layers: ~10¹² parameters, terabytes — refused before training.
    QVERIFY(setWidths(m_doc.get(), {1000000, 1000000}));
    QVERIFY(waitIdle(m_panel.get()));
    QCOMPARE(m_panel->mlpTitle(), QStringLiteral("MLP 1000000-1000000-512"));
    const QString why = m_panel->mlpRefusal();
    QVERIFY2(why.contains(QStringLiteral("MLP 1000000-1000000-512")) && why.contains(QStringLiteral("TiB")) &&
                 why.contains(QStringLiteral("available")),
             qPrintable(why));
    QVERIFY(!findTrainButton()->isEnabled());
    QSignalSpy status(m_panel.get(), &AnalysisPanel::statusMessage);
    m_panel->startTraining();
    QVERIFY(!m_panel->isTraining());
    QVERIFY(!status.isEmpty() && status.last().at(0).toString().contains(QStringLiteral("TiB")));
    // The estimate is MlpTrainer's own: it refuses the same network with the same number.
    auto needs = [](const QString& message) {
      const QRegularExpressionMatch m = QRegularExpression(QStringLiteral("needs ([0-9.]+ [KMGTP]?i?B)")).match(message);
      return m.captured(1);
    };
    QString trainerSays;
    try {
      MlpTrainer trainer(m_panel->mlpNetwork(), m_panel->groundTruth(), 2);
    } catch (const MemoryLimitError& e) {
      trainerSays = QString::fromStdString(e.what());
    }
    QVERIFY2(!needs(trainerSays).isEmpty(), qPrintable(trainerSays));
    QCOMPARE(needs(why), needs(trainerSays));
    // The kernels do not depend on widths: they are still fitted.
    QVERIFY2(m_panel->hasKernelFit(KernelKind::Ntk), qPrintable(m_panel->lastError()));
  }

  void aOneDimensionalNetworkIsRefused()
  {
    const int fits = m_panel->fitCount();
    QSignalSpy requirement(m_panel.get(), &ImagePanel::requirementChanged);
    QCOMPARE(m_panel->requiredInputDim(), 2);
    QVERIFY(m_panel->requirementReason().isEmpty());
    QVERIFY(m_doc->edit(QStringLiteral("1-D"), [](Network& n) {
      n.inputDim = 1;
      n.encoding.kind = EncodingKind::Basic;
    }));
    QVERIFY(waitIdle(m_panel.get()));
    QCOMPARE(requirement.count(), 1);
    const QString why = m_panel->requirementReason();
    QVERIFY2(why.contains(QStringLiteral("needs input_dim 2 (x, y pixel coordinates)")) && why.contains(QStringLiteral("has input_dim 1")),
             qPrintable(why));
    QCOMPARE(m_panel->fitCount(), fits);
    QVERIFY(!m_panel->hasKernelFit(KernelKind::Ntk));
    QVERIFY(!m_panel->mlpRefusal().isEmpty());
    auto* note = m_panel->findChild<QLabel*>(QStringLiteral("imageNote"));
    QVERIFY(note && note->isVisible() && note->text() == why);
    for (ImageTile* tile : m_panel->findChildren<ImageTile*>())
      QVERIFY2(tile->title() == QStringLiteral("Ground truth") || tile->image().isNull(), qPrintable(tile->title()));
    m_panel->scheduleRecompute();
    QVERIFY(waitIdle(m_panel.get()));
    QCOMPARE(m_panel->fitCount(), fits);
    keepScreenshot(QStringLiteral("image_panel_1d_refused.png"), QSize(1024, 700));

    // Undo: the 2-D network is back and fitted.
    m_doc->undoStack()->undo();
    QVERIFY(waitIdle(m_panel.get()));
    QCOMPARE(requirement.count(), 2);
    QVERIFY(m_panel->requirementReason().isEmpty());
    QVERIFY(!note->isVisible());
    QCOMPARE(m_panel->fitCount(), fits + 1);
  }

  void theEncodingControlEditsTheDocument()
  {
    QComboBox* combo = nullptr;
    for (auto* c : m_panel->findChildren<QComboBox*>())
      if (c->count() == 5 && c->itemText(3) == QStringLiteral("Gaussian")) combo = c;
    QVERIFY(combo);
    const Encoding before = m_doc->network().encoding;
    QCOMPARE(combo->currentIndex(), int(EncodingKind::Fourier)); // it shows the network's encoding
    const int steps = m_doc->undoStack()->count();
    combo->setCurrentIndex(int(EncodingKind::Gaussian));
    emit combo->activated(int(EncodingKind::Gaussian));
    QCOMPARE(m_doc->network().encoding.kind, EncodingKind::Gaussian);
    QCOMPARE(m_doc->network().encoding.sigma, 10.0);
    QCOMPARE(m_doc->undoStack()->count(), steps + 1);
    QCOMPARE(m_doc->undoStack()->undoText(), QStringLiteral("Set encoding to Gaussian σ = 10 (256 features)"));
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY(m_panel->timeSupported()); // non-integer frequencies: finite t too (Chebyshev flow)

    // σ edits the network's σ, one undo step.
    auto* sigma = m_panel->findChildren<CheckedDoubleSpinBox*>().value(0);
    QVERIFY(sigma && sigma->isVisible());
    sigma->setValue(5.0);
    QCOMPARE(m_doc->network().encoding.sigma, 5.0);
    QCOMPARE(m_doc->undoStack()->count(), steps + 2);
    m_doc->undoStack()->undo();
    QCOMPARE(m_doc->network().encoding.sigma, 10.0);
    QCOMPARE(sigma->value(), 10.0);

    // Undo restores the previous encoding, and the control shows it.
    m_doc->undoStack()->undo();
    QCOMPARE(m_doc->network().encoding.kind, before.kind);
    QCOMPARE(m_doc->network().encoding.B, before.B);
    QCOMPARE(combo->currentIndex(), int(EncodingKind::Fourier));
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY(m_panel->timeSupported());
  }

  void invalidStrideAndStepsAreRefused()
  {
    const int fits = m_panel->fitCount();
    QSignalSpy status(m_panel.get(), &AnalysisPanel::statusMessage);
    CheckedSpinBox *stride = nullptr, *steps = nullptr;
    for (auto* box : m_panel->findChildren<CheckedSpinBox*>()) {
      if (box->suffix() == QStringLiteral(" steps")) steps = box;
      if (box->toolTip().contains(QStringLiteral("every s-th pixel"))) stride = box;
    }
    QVERIFY(stride && steps);
    // Typed, as a user would: the value stays visible, marked, with the reason; nothing is recomputed.
    stride->selectAll();
    QTest::keyClicks(stride, QStringLiteral("500"));
    QTest::keyClick(stride, Qt::Key_Return);
    QCOMPARE(stride->text(), QStringLiteral("500"));
    QVERIFY(stride->isRefused());
    QVERIFY(!status.isEmpty());
    QVERIFY2(status.last().at(0).toString().contains(QStringLiteral("500 is outside 1 … 64")), qPrintable(status.last().at(0).toString()));
    QVERIFY(stride->toolTip().startsWith(QStringLiteral("Refused")));
    QVERIFY(!m_panel->isBusy());
    QTest::qWait(50);
    QCOMPARE(m_panel->fitCount(), fits);
    m_panel->setStride(0);
    QVERIFY(stride->isRefused());
    QVERIFY(!m_panel->isBusy());
    QCOMPARE(m_panel->fitCount(), fits);
    m_panel->setStride(4); // fixed: fitted again
    QVERIFY(!stride->isRefused());
    QVERIFY(waitIdle(m_panel.get()));
    QCOMPARE(m_panel->fitCount(), fits + 1);

    // A ridge outside 0 … 10: kept, refused, not fitted; a valid one is fitted again.
    m_panel->setRidge(100.0);
    QVERIFY2(status.last().at(0).toString().contains(QStringLiteral("ridge 100 is outside 0 … 10")), qPrintable(status.last().at(0).toString()));
    QVERIFY(!m_panel->isBusy());
    QCOMPARE(m_panel->fitCount(), fits + 1);
    m_panel->setStride(2); // another setting changes: still not fitted while the ridge is refused
    QVERIFY(waitIdle(m_panel.get()));
    QCOMPARE(m_panel->fitCount(), fits + 1);
    m_panel->setRidge(1e-6);
    QVERIFY(waitIdle(m_panel.get()));
    QCOMPARE(m_panel->fitCount(), fits + 2);

    m_panel->setMlpOptions(0, 1e-3);
    QVERIFY(steps->isRefused());
    QVERIFY2(status.last().at(0).toString().contains(QStringLiteral("0 is outside 1 … 100000")), qPrintable(status.last().at(0).toString()));
    QVERIFY(!m_panel->isBusy());
    QCOMPARE(m_panel->fitCount(), fits + 2);
    m_panel->startTraining(); // refused steps: no training
    QVERIFY(!m_panel->isTraining());
  }

  void screenshotsAtTwoSizes()
  {
    // Looked at by a person: every caption whole (PSNRs, widths), no clipped controls.
    QString err;
    QVERIFY(setWidths(m_doc.get(), {256, 256, 256}));
    m_panel->setMethods(true, true, true); // five pictures: the narrowest tiles
    QVERIFY(waitIdle(m_panel.get()));
    m_panel->setMlpOptions(3, 1e-3);
    m_panel->startTraining();
    QVERIFY(waitIdle(m_panel.get()));
    QVERIFY(findTile(QStringLiteral("MLP 256-256-256")));
    keepScreenshot(QStringLiteral("image_panel_1024x700.png"), QSize(1024, 700));
    keepScreenshot(QStringLiteral("image_panel_1920x1080.png"), QSize(1920, 1080));
  }

private:
  ImageTile* findTile(const QString& title) const
  {
    for (ImageTile* tile : m_panel->findChildren<ImageTile*>())
      if (tile->title() == title) return tile;
    return nullptr;
  }
  QPushButton* findTrainButton() const
  {
    for (auto* b : m_panel->findChildren<QPushButton*>())
      if (b->text() == QStringLiteral("Train MLP")) return b;
    return nullptr;
  }
  /// The panel at `size`, grabbed into the test's build directory (tests/gui/NAME).
  void keepScreenshot(const QString& name, QSize size)
  {
    m_panel->resize(size);
    QTest::qWait(100);
    QCoreApplication::processEvents();
    const QString path = QDir(QCoreApplication::applicationDirPath()).filePath(name);
    QVERIFY(m_panel->grab().save(path));
    qInfo("screenshot %s", qPrintable(path));
  }

  std::unique_ptr<NetworkDocument> m_doc;
  std::unique_ptr<ImagePanel> m_panel;
};

QTEST_MAIN(TestImagePanel)
#include "test_image_panel.moc"
