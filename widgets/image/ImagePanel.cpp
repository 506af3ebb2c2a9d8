#include "widgets/image/ImagePanel.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <utility>

#include <QAction>
#include <QCheckBox>
#include <QDialog>
#include <QScreen>
#include <QScrollArea>
#include <QTabWidget>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontMetricsF>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QMimeData>
#include <QPainter>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QSlider>
#include <QSplitter>
#include <QTimer>
#include <QUndoStack>
#include <QToolButton>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include "widgets/common/CheckedSpinBox.h"
#include "widgets/common/DecadeSpinBox.h"
#include "widgets/common/FigurePainter.h"
#include "widgets/image/ImageSweepView.h"
#include "widgets/image/SweepFigure.h"
#include "widgets/image/ImageTile.h"
#include "widgets/image/MaskPainter.h"
#include "widgets/image/MaskedKernelFits.h"
#include "widgets/image/TrainingPixelsControl.h"
#include "widgets/common/LogTimeSlider.h"
#include "widgets/network/NetworkDocument.h"
#include "widgets/network/PanelStateCommand.h"
#include "widgets/common/PlotWidget.h"
#include "core/image/ImageDataset.h"
#include "core/network/NetworkJson.h"
#include "core/nets/MlpTrainer.h"
#include "core/util/Errors.h"

namespace ntk::gui {

namespace {

QString formatTime(double t)
{
  if (std::isinf(t)) return QStringLiteral("∞");
  return QString::number(t, 'g', 3);
}

QString formatPsnr(double db)
{
  if (std::isinf(db)) return QStringLiteral("∞\u00a0dB");
  if (!std::isfinite(db)) return QStringLiteral("—");
  return QStringLiteral("%1\u00a0dB").arg(db, 0, 'f', 2); // no-break space: a wrapped caption keeps "24.32 dB" whole
}

/// ": period 508 × 508 px, frequencies moved ≤ 0.25" for a mirror fit (what the rounding cost); empty otherwise.
QString mirrorNote(const ImageRegressionReport& report)
{
  if (report.path != RegressionPath::Mirror) return {};
  return QObject::tr(": period %1 × %2 px, frequencies rounded to 1/L, max change %3")
      .arg(report.periodWidth)
      .arg(report.periodHeight)
      .arg(report.maxFrequencyRounding, 0, 'g', 3);
}

} // namespace

double ImagePanel::timeForSliderPosition(int position)
{
  return LogTimeSlider::timeForPosition(position, kLogTimeMin, kLogTimeMax, kSliderLogSteps);
}

int ImagePanel::sliderPositionForTime(double t)
{
  return LogTimeSlider::positionForTime(t, kLogTimeMin, kLogTimeMax, kSliderLogSteps);
}

ImagePanel::ImagePanel(NetworkDocument* doc, QWidget* parent)
    : AnalysisPanel(parent), m_doc(doc), m_autoWatcher(new QFutureWatcher<AutoSigmaJob>(this)),
      m_autoStop(std::make_shared<std::atomic<bool>>(false)), m_sweepWatcher(new QFutureWatcher<SweepJob>(this)),
      m_kernelWatcher(new QFutureWatcher<KernelFitResult>(this)), m_evalWatcher(new QFutureWatcher<TimeEvaluation>(this)),
      m_evalProgress(new QTimer(this)), m_pixels(new TrainingPixelsControl), m_maskRefit(new QTimer(this)),
      m_mlpWatcher(new QFutureWatcher<MlpSnapshot>(this)), m_mlpStop(std::make_shared<std::atomic<bool>>(false))
{
  setObjectName(QStringLiteral("image")); // the panel's name for networkFor(); MainWindow::addPanel sets the same
  setAcceptDrops(true);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  createImageControls();
  createEncodingControls();
  createFitControls();
  createMlpControls();
  createSweepAndZoomControls();
  layoutControlRows(layout);
  createTimeAndNotes(layout);

  // Views: the pictures side by side; below them, in tabs, the PSNR chart with the kernel spectrum, and
  // the encoding sweep.
  auto* splitter = new QSplitter(Qt::Vertical);
  m_splitter = splitter;
  splitter->addWidget(createTiles());
  m_pixels->paintOn(m_truthTile);
  m_bottomTabs = new QTabWidget;
  m_bottomTabs->setDocumentMode(true);
  m_bottomTabs->addTab(createChartAndSpectrum(), tr("PSNR && spectrum"));
  m_sweepView = new ImageSweepView;
  m_bottomTabs->addTab(m_sweepView, tr("Encoding sweep"));
  splitter->addWidget(m_bottomTabs);
  splitter->setStretchFactor(0, 3); // the pictures first (balanceSplitter: 256 px at 1400 × 820)
  splitter->setStretchFactor(1, 2);
  splitter->installEventFilter(this);
  connect(splitter, &QSplitter::splitterMoved, this, [this] { m_userSplit = true; });
  layout->addWidget(splitter, 1);

  m_coalesce = new QTimer(this);
  m_coalesce->setSingleShot(true);
  m_coalesce->setInterval(0);

  restoreSettings();
  updateNetwork();
  loadInitialImage();
  updateSampleCombo();
  updateTimeControls();
  updateTiles();
  updateChart();

  connectJobs();
  connectDocument();
  connectImageControls();
  connectEncodingControls();
  connectFitControls();
  connectMlpControls();
  connectTimeSlider();
  connectSweepAndZoom();
  connectTrainingPixels();
  m_dirty = true; // fitted when first shown
}

void ImagePanel::createImageControls()
{
  m_sampleCombo = new QComboBox;
  m_sampleCombo->setToolTip(tr("The image to fit: a bundled sample, or the file you opened or dropped onto the panel"));
  m_sampleCombo->setMinimumContentsLength(8);
  m_sampleCombo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  m_openButton = new QPushButton(tr("Open…"));
  m_openButton->setToolTip(tr("Open an image file (PNG, JPEG, BMP, … anything Qt reads); you can also drop a file onto the panel.\n"
                              "Colour images are fitted per channel with one shared kernel; grey images as one channel."));
  m_saveButton = new QToolButton;
  m_saveButton->setText(tr("Save image"));
  m_saveButton->setPopupMode(QToolButton::InstantPopup);
  m_saveButton->setToolTip(tr("Save one of the pictures (ground truth, NTK, NNGP, MLP, bicubic) as an image file;\n"
                              "File ▸ Export view writes the whole comparison (PNG/SVG) or the MLP PSNR history (CSV/NPY)."));
  auto* saveMenu = new QMenu(m_saveButton);
  const QList<QPair<QString, QString>> saveItems = {{tr("Ground truth…"), QStringLiteral("truth")},
                                                    {tr("NTK prediction…"), QStringLiteral("ntk")},
                                                    {tr("NNGP prediction…"), QStringLiteral("nngp")},
                                                    {tr("MLP prediction…"), QStringLiteral("mlp")},
                                                    {tr("Bicubic upsampling…"), QStringLiteral("bicubic")}};
  for (const auto& [label, which] : saveItems)
    saveMenu->addAction(label, this, [this, which = which] {
      const QString path = QFileDialog::getSaveFileName(this, tr("Save image"), QStringLiteral("%1_%2.png").arg(m_imageName, which),
                                                        tr("PNG image (*.png);;JPEG image (*.jpg);;All files (*)"));
      if (path.isEmpty()) return;
      QString err;
      emit statusMessage(savePrediction(path, which, &err) ? tr("Saved %1").arg(path) : tr("Not saved: %1").arg(err));
    });
  m_saveButton->setMenu(saveMenu);
}

void ImagePanel::createEncodingControls()
{
  // These edit the network's own encoding (through the document, one undo step each): they show what the
  // Network dock shows, and the other panels see the same encoding.
  m_encodingCombo = new QComboBox;
  m_encodingCombo->addItem(tr("none"));
  m_encodingCombo->addItem(tr("basic"));
  m_encodingCombo->addItem(tr("positional"));
  m_encodingCombo->addItem(tr("Gaussian"));
  m_encodingCombo->addItem(tr("fourier (integer B)"));
  m_encodingCombo->setToolTip(
      tr("The network's input encoding γ(v) of the pixel coordinates v = (col/W, row/H) ∈ [0,1)² (Tancik et al. 2020).\n"
         "This edits the network (one undo step; the Network dock shows it):\n"
         "  none: v itself — the kernel is not stationary and only small images can be fitted (dense Gram)\n"
         "  basic: [cos 2πv, sin 2πv] — one frequency: blurry\n"
         "  positional: frequencies σ^{j/M}, j = 0…M−1, on each axis\n"
         "  Gaussian: 2M features [cos 2πBv, sin 2πBv], B ~ N(0, σ²) — σ sets the sharpness (σ ≈ 10 for 256² images)\n"
         "  fourier (integer B): the current frequencies rounded to integers — a 1-periodic kernel: the exact FFT\n"
         "  solve and the time slider (gradient flow f_t) on the exact domain too (the mirrored domain gives every\n"
         "  encoding that, with a smaller rounding: see Domain)"));
  m_sigmaSpin = new CheckedDoubleSpinBox(0.01, 1000.0, 2);
  m_sigmaSpin->setPrefix(tr("σ = "));
  m_sigmaSpin->setCheck([](double v) {
    return std::isfinite(v) && v > 0.0 ? QString() : tr("σ must be a positive number (got %1)").arg(v);
  });
  m_sigmaSpin->setToolTipBase(tr("positional: the top frequency scale σ; Gaussian: the standard deviation of B.\n"
                                 "Too small: blurry; too large: noisy, aliased interpolation between the training pixels."));
  m_levelsSpin = new CheckedSpinBox(1, 64);
  m_levelsSpin->setPrefix(tr("M = "));
  m_levelsSpin->setToolTipBase(tr("positional: number of frequency levels M per axis"));
  m_featuresSpin = new CheckedSpinBox(1, 4096);
  m_featuresSpin->setPrefix(tr("M = "));
  m_featuresSpin->setToolTipBase(tr("Gaussian: number of rows M of B (2M features)"));
  m_autoSigmaButton = new QPushButton(tr("Auto σ"));
  m_autoSigmaButton->setToolTip(tr("Choose σ and the ridge from the training pixels alone, by the GP marginal likelihood with the pixels'\n"
                                   "8-bit rounding variance q²/12 as the known noise (ml-quant: ridge = (q²/12)/a², the amplitude a² fitted;\n"
                                   "σ in 1 … 32, ridge in 1e-9 … 1; one FFT spectrum of the training Gram per σ tried), and set\n"
                                   "both (one undo step). The line under the time slider states the chosen values."));
  m_roundButton = new QPushButton(tr("Integer frequencies"));
  m_roundButton->setToolTip(tr("Round the encoding's frequencies B to integers (it becomes a 'fourier' encoding; one undo step).\n"
                               "Then the kernel k(v − v') is 1-periodic and the training grid regular: the Gram is block-circulant,\n"
                               "the exact regression is an FFT solve, and the time slider (gradient flow f_t) is instant.\n"
                               "Not needed for the time slider on the mirrored domain (Domain), which rounds far less."));
}

void ImagePanel::createFitControls()
{
  m_strideSpin = new CheckedSpinBox(1, kMaxStride);
  m_strideSpin->setCheck([this](int s) {
    if (s < 1 || s > kMaxStride) return tr("stride %1 is outside 1 … %2").arg(s).arg(kMaxStride);
    if (!m_image.empty() && (s > m_image.width || s > m_image.height))
      return tr("stride %1 is larger than the %2 × %3 image").arg(s).arg(m_image.width).arg(m_image.height);
    return QString();
  });
  m_strideSpin->setToolTipBase(tr("Training pixels: every s-th pixel in each direction (rows 0, s, 2s, …).\n"
                                  "The held-out PSNR is measured on the other pixels (3 of 4 for s = 2).\n"
                                  "Used when Train on is 'every s-th pixel' (disabled for a random fraction or a painted mask)."));
  // Decade boxes take any number; the panel refuses what is out of range (decadeRefusal), so a typed value
  // stays visible with the reason instead of being clamped.
  m_ridgeSpin = new DecadeSpinBox(-1e12, 1e12);
  m_ridgeSpin->setProperty("baseToolTip", tr("Relative ridge λ: Θ(X,X) → Θ(X,X) + λ·mean diag Θ(X,X)·I (CONVENTIONS §5; default 1e-6;\n"
                                             "0 … %1). Arrows step by ×√10.").arg(kMaxRidge));
  m_ridgeSpin->setToolTip(m_ridgeSpin->property("baseToolTip").toString());
  m_domainCombo = new QComboBox;
  m_domainCombo->addItem(tr("mirrored"), int(RegressionPath::Mirror));
  m_domainCombo->addItem(tr("exact"), int(RegressionPath::Auto));
  m_domainCombo->setItemData(0, tr("The training grid reflected about its first and last training pixel (period 2(n−1)s pixels per axis,\n"
                                   "no wrap-around of one border onto the other); the encoding's true frequencies rounded to the\n"
                                   "nearest multiple of 1/L (L = the period in units of the image): the largest change is shown under\n"
                                   "the time slider. The Gram is block-circulant: an exact FFT solve of that problem, and the time\n"
                                   "slider / Play is instant."),
                             Qt::ToolTipRole);
  m_domainCombo->setItemData(1, tr("The exact regression of the network's own kernel on the training pixels: an FFT solve with an instant\n"
                                   "time slider when every frequency is an integer and the stride divides the image (circulant);\n"
                                   "otherwise conjugate gradients (Toeplitz): t = ∞ in seconds, finite t by a Chebyshev expansion\n"
                                   "(seconds to tens of seconds per position of the slider)."),
                             Qt::ToolTipRole);
  m_domainCombo->setToolTip(tr("Where the kernel regressions are solved:\n"
                               "  mirrored (default): the mirrored periodic domain, frequencies rounded to 1/L (max change shown),\n"
                               "    exact FFT solve, instant time slider\n"
                               "  exact: the network's own frequencies — Toeplitz/CG for non-integer ones (t = ∞, slow finite t)\n"
                               "Encoding none and integer frequencies (1-periodic: mirrored copies would alias onto training\n"
                               "pixels one period away) are always fitted exactly — dense, circulant (instant) or Toeplitz."));
  m_ntkCheck = new QCheckBox(tr("NTK"));
  m_ntkCheck->setToolTip(tr("Exact kernel regression with the neural tangent kernel Θ: the infinitely wide network trained\n"
                            "to convergence by gradient flow on the training pixels (mean prediction)."));
  m_nngpCheck = new QCheckBox(tr("NNGP"));
  m_nngpCheck->setToolTip(tr("Kernel regression with the NNGP kernel K: only the readout layer trained (GP posterior mean)."));
  m_mlpCheck = new QCheckBox(tr("MLP"));
  m_mlpCheck->setToolTip(tr("The real finite network (the network's layers and widths, one output per image channel, sigmoid\n"
                            "output) trained with Adam on the training pixels — press Train."));
}

void ImagePanel::createMlpControls()
{
  m_stepsSpin = new CheckedSpinBox(1, kMaxSteps);
  m_stepsSpin->setSuffix(tr(" steps"));
  m_stepsSpin->setToolTipBase(tr("Adam steps of the MLP on minibatches of 1024 training pixels, reshuffled every epoch\n"
                                 "(default 2000, as the CLI; a 20-step warm-up, then the rate halves every 300 steps down to 5 %).\n"
                                 "On the bundled 256² photographs it passes 22 dB held-out within ~100 steps."));
  m_lrSpin = new DecadeSpinBox(-1e12, 1e12, tr("lr "));
  m_lrSpin->setProperty("baseToolTip", tr("Adam's peak learning rate (default 3e-2 — the NTK parameterisation needs a larger step than\n"
                                          "Tancik's 1e-3; %1 … %2). Arrows step by ×√10.").arg(kMinLearningRate).arg(kMaxLearningRate));
  m_lrSpin->setToolTip(m_lrSpin->property("baseToolTip").toString());
  m_trainButton = new QPushButton(tr("Train MLP"));
  m_trainButton->setToolTip(tr("Train the MLP from a fresh initialisation; the picture and the PSNR chart update every few steps.\n"
                               "Press again (or Esc / Cancel) to stop at the current step."));
}

void ImagePanel::layoutControlRows(QBoxLayout* layout)
{
  // Controls on short rows, so the panel fits a small screen (the main window's test: ≤ 960 px).
  auto addRow = [layout](std::initializer_list<QWidget*> widgets) {
    auto* row = new QHBoxLayout;
    for (QWidget* w : widgets) row->addWidget(w);
    row->addStretch(1);
    layout->addLayout(row);
  };
  addRow({new QLabel(tr("Image")), m_sampleCombo, m_openButton, m_saveButton, m_fullSizeButton, m_diffCheck});
  addRow({new QLabel(tr("Encoding")), m_encodingCombo, m_sigmaSpin, m_autoSigmaButton, m_levelsSpin, m_featuresSpin});
  addRow({new QLabel(tr("Stride")), m_strideSpin, new QLabel(tr("Ridge")), m_ridgeSpin, new QLabel(tr("  Methods")), m_ntkCheck,
          m_nngpCheck, m_mlpCheck});
  // What makes the kernel periodic (the time slider instant): the mirrored domain, or integer frequencies. Beside
  // the training pixels, not the Gaussian encoding's controls (that would widen the panel past a small screen); the
  // domain is hidden while a mask trains, which needs the room for its own controls and has no domain to choose.
  m_domainLabel = new QLabel(tr("  Domain"));
  addRow({m_pixels, m_domainLabel, m_domainCombo, m_roundButton});
  addRow({new QLabel(tr("MLP")), m_stepsSpin, m_lrSpin, m_trainButton, m_sweepButton});
}

void ImagePanel::createTimeAndNotes(QBoxLayout* layout)
{
  m_timeSlider = new LogTimeSlider(kLogTimeMin, kLogTimeMax, kSliderLogSteps); // starts at t = ∞
  m_timeSlider->setSweepDuration(5000, 40);
  layout->addWidget(m_timeSlider);

  // Why the network cannot fit an image (input_dim ≠ 2, …), in red; hidden when it can.
  m_noteLabel = new QLabel;
  m_noteLabel->setWordWrap(true);
  m_noteLabel->setObjectName(QStringLiteral("imageNote"));
  m_noteLabel->setStyleSheet(QStringLiteral("color: #b00020"));
  layout->addWidget(m_noteLabel);
  m_infoLabel = new QLabel;
  m_infoLabel->setWordWrap(true);
  m_infoLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(m_infoLabel);
}

QWidget* ImagePanel::createTiles()
{
  auto* tiles = new QWidget;
  auto* tileLayout = new QHBoxLayout(tiles);
  m_tileLayout = tileLayout;
  tileLayout->setContentsMargins(0, 0, 0, 0);
  m_truthTile = new ImageTile(tr("Ground truth"));
  m_ntkTile = new ImageTile(tr("NTK regression"));
  m_nngpTile = new ImageTile(tr("NNGP regression"));
  m_mlpTile = new ImageTile(tr("MLP"));
  m_bicubicTile = new ImageTile(tr("Bicubic (training pixels)"));
  m_truthTile->setToolTip(tr("The image; the regressions see only every s-th pixel of it"));
  m_bicubicTile->setToolTip(tr("The classical baseline on the same pixels: aligned bicubic upsampling (Keys, a = −0.5)"));
  m_mlpTile->setToolTip(tr("The finite MLP's prediction at every pixel, updated every few training steps"));
  for (ImageTile* t : {m_truthTile, m_ntkTile, m_nngpTile, m_mlpTile, m_bicubicTile}) tileLayout->addWidget(t, 1);
  return tiles;
}

QWidget* ImagePanel::createChartAndSpectrum()
{
  auto* bottom = new QWidget;
  auto* bottomLayout = new QHBoxLayout(bottom);
  bottomLayout->setContentsMargins(0, 0, 0, 0);
  m_chart = new PlotWidget;
  m_chart->setObjectName(QStringLiteral("psnrChart"));
  m_chart->setMinimumSize(160, 100); // the pictures get the height first (balanceSplitter)
  m_chart->setToolTip(tr("Held-out and training PSNR of the MLP over its training steps; the kernel regressions (t = ∞)\n"
                         "and bicubic upsampling as horizontal lines. Wheel: zoom; drag: pan; double click: reset."));
  m_spectrumTile = new ImageTile(tr("Kernel power spectrum (log)"));
  m_spectrumTile->setToolTip(tr("|FFT of the kernel k(v − v') on the training grid|, log scale (8 decades), frequency 0 in the\n"
                                "centre: the eigenvalues of the training Gram. The encoding decides how far out it reaches —\n"
                                "frequencies where it is tiny are learnt last (or never)."));
  bottomLayout->addWidget(m_chart, 2);
  bottomLayout->addWidget(m_spectrumTile, 1);
  return bottom;
}

void ImagePanel::loadInitialImage()
{
  // The last image, or the first bundled sample (not fitted until the panel is shown).
  QSettings s;
  const QString last = s.value(QStringLiteral("imagePanel/image")).toString();
  const QStringList samples = bundledSampleNames();
  bool loaded = false;
  if (!last.isEmpty()) {
    if (last.startsWith(QStringLiteral(":/images/")))
      loaded = loadSample(QFileInfo(last).completeBaseName());
    else
      loaded = loadImage(last);
  }
  if (!loaded && !samples.isEmpty()) {
    const QString preferred = samples.filter(QRegularExpression(QStringLiteral("^astronaut"))).value(0, samples.first());
    loadSample(preferred);
  }
  m_lastError.clear();
}

void ImagePanel::connectJobs()
{
  connect(m_coalesce, &QTimer::timeout, this, &ImagePanel::startKernelJob);
  connect(m_kernelWatcher, &QFutureWatcher<KernelFitResult>::finished, this, &ImagePanel::onKernelFinished);
  connect(m_evalWatcher, &QFutureWatcher<TimeEvaluation>::finished, this, &ImagePanel::onEvaluationFinished);
  connect(m_evalProgress, &QTimer::timeout, this, [this] {
    if (m_kernelWatcher->isRunning()) return; // its own progress is shown
    if (!std::exchange(m_evalBusyShown, true)) emit busyChanged(true);
    emit progressChanged(m_evalFlags.percent->load());
    m_evalProgress->start(100);
  });
  connect(m_mlpWatcher, &QFutureWatcher<MlpSnapshot>::finished, this, &ImagePanel::onMlpFinished);
}

void ImagePanel::connectDocument()
{
  connect(m_doc, &NetworkDocument::changed, this, [this] {
    updateNetwork();
    resetMlp(tr("the network changed"));
    m_fit = KernelFitResult{}; // fitted with another network: not shown as this one's
    m_shownKernel.clear();
    m_shownPsnr.clear();
    updateTiles();
    updateChart();
    updateTimeControls();
    if (!isVisible()) {
      m_dirty = true;
      return;
    }
    scheduleRecompute();
  });
}

void ImagePanel::connectImageControls()
{
  connect(m_sampleCombo, &QComboBox::activated, this, [this](int index) {
    const QString data = m_sampleCombo->itemData(index).toString();
    if (data.startsWith(QStringLiteral(":/images/")))
      loadSample(QFileInfo(data).completeBaseName());
    else if (!data.isEmpty())
      loadImage(data);
  });
  connect(m_openButton, &QPushButton::clicked, this, &ImagePanel::openImageDialog);
}

template <class Box> void ImagePanel::forwardRefusals(Box* box)
{
  connect(box, &Box::valueRefused, this, [this](const QString& reason) { emit statusMessage(tr("Refused: %1").arg(reason)); });
}

QString ImagePanel::ridgeRefusal() const
{
  const double v = m_ridgeSpin->value();
  return std::isfinite(v) && v >= 0.0 && v <= kMaxRidge ? QString() : tr("ridge %1 is outside 0 … %2").arg(v).arg(kMaxRidge);
}

QString ImagePanel::learningRateRefusal() const
{
  const double v = m_lrSpin->value();
  return std::isfinite(v) && v >= kMinLearningRate && v <= kMaxLearningRate
             ? QString()
             : tr("learning rate %1 is outside %2 … %3").arg(v).arg(kMinLearningRate).arg(kMaxLearningRate);
}

bool ImagePanel::markDecade(QDoubleSpinBox* box, const QString& reason)
{
  // The same marking as CheckedSpinBox: the value stays as typed, red, the reason in the tooltip and the status bar.
  const QString tip = box->property("baseToolTip").toString();
  box->setStyleSheet(reason.isEmpty() ? QString() : QStringLiteral("background-color: #ffd0d0;"));
  box->setToolTip(reason.isEmpty() ? tip : tr("Refused: %1\n\n%2").arg(reason, tip));
  if (!reason.isEmpty()) emit statusMessage(tr("Refused: %1").arg(reason));
  return reason.isEmpty();
}

QString ImagePanel::refusedSetting(bool forMlp) const
{
  if (m_strideSpin->isRefused()) return m_strideSpin->refusal();
  if (const QString r = m_pixels->refusal(); !r.isEmpty()) return r;
  if (const QString r = ridgeRefusal(); !r.isEmpty() && !forMlp) return r;
  if (forMlp && m_stepsSpin->isRefused()) return m_stepsSpin->refusal();
  if (const QString r = learningRateRefusal(); !r.isEmpty() && forMlp) return r;
  return {};
}

void ImagePanel::connectEncodingControls()
{
  connect(m_encodingCombo, &QComboBox::activated, this, &ImagePanel::chooseEncodingKind);
  connect(m_sigmaSpin, &CheckedDoubleSpinBox::valueAccepted, this, [this](double v) {
    if (!editEncoding(tr("Set encoding σ = %1").arg(v), [v](Encoding& e) { e.sigma = v; }, QStringLiteral("image/sigma")))
      m_sigmaSpin->markRefused(m_lastError);
  });
  connect(m_levelsSpin, &CheckedSpinBox::valueAccepted, this, [this](int v) {
    if (!editEncoding(tr("Set positional encoding levels M = %1").arg(v), [v](Encoding& e) { e.levels = v; },
                      QStringLiteral("image/levels")))
      m_levelsSpin->markRefused(m_lastError);
  });
  connect(m_featuresSpin, &CheckedSpinBox::valueAccepted, this, [this](int v) {
    if (!editEncoding(tr("Set Gaussian encoding features M = %1").arg(v), [v](Encoding& e) { e.features = v; },
                      QStringLiteral("image/features")))
      m_featuresSpin->markRefused(m_lastError);
  });
  connect(m_roundButton, &QPushButton::clicked, this, [this] { chooseEncodingKind(int(EncodingKind::Fourier)); });
  connect(m_autoSigmaButton, &QPushButton::clicked, this, &ImagePanel::chooseSigmaAutomatically);
  connect(m_autoWatcher, &QFutureWatcher<AutoSigmaJob>::finished, this, &ImagePanel::onAutoSigmaFinished);
  forwardRefusals(m_sigmaSpin);
  forwardRefusals(m_levelsSpin);
  forwardRefusals(m_featuresSpin);
}

void ImagePanel::connectFitControls()
{
  connect(m_strideSpin, &CheckedSpinBox::valueAccepted, this, [this](int stride) {
    m_pixels->setStride(stride);
    settingsChanged();
  });
  forwardRefusals(m_strideSpin);
  connect(m_ridgeSpin, &QDoubleSpinBox::valueChanged, this, [this] {
    if (markDecade(m_ridgeSpin, ridgeRefusal())) kernelMethodsChanged();
  });
  connect(m_domainCombo, &QComboBox::currentIndexChanged, this, &ImagePanel::kernelMethodsChanged);
  connect(m_ntkCheck, &QCheckBox::toggled, this, &ImagePanel::kernelMethodsChanged);
  connect(m_nngpCheck, &QCheckBox::toggled, this, &ImagePanel::kernelMethodsChanged);
}

void ImagePanel::connectMlpControls()
{
  connect(m_mlpCheck, &QCheckBox::toggled, this, [this](bool on) {
    if (!on) stopTraining();
    saveSettings();
    updateTiles();
    updateChart();
  });
  connect(m_stepsSpin, &CheckedSpinBox::valueAccepted, this, [this] {
    saveSettings();
    updateTiles();
    updateChart();
  });
  forwardRefusals(m_stepsSpin);
  connect(m_lrSpin, &QDoubleSpinBox::valueChanged, this, [this] {
    if (!markDecade(m_lrSpin, learningRateRefusal())) return;
    saveSettings();
    updateTiles();
  });
  connect(m_trainButton, &QPushButton::clicked, this, [this] {
    // A run that was already told to stop (reset by a settings change, Stop) only finishes its step:
    // the button says "Train MLP" then, and pressing it starts a new run.
    if (isTraining() && !m_mlpStop->load())
      stopTraining();
    else
      startTraining();
  });
}

void ImagePanel::connectTrainingPixels()
{
  m_maskRefit->setSingleShot(true);
  m_maskRefit->setInterval(kMaskRefitDelayMs);
  connect(m_maskRefit, &QTimer::timeout, this, [this] {
    if (m_pixels->painter()->isStroking()) return m_maskRefit->start(); // the stroke's end refits
    settingsChanged();
  });
  connect(m_pixels, &TrainingPixelsControl::settingsChanged, this, [this] {
    const bool stride = m_pixels->mode() == TrainingPixels::Stride;
    m_strideSpin->setEnabled(stride);
    m_domainLabel->setVisible(stride);
    m_domainCombo->setVisible(stride);
    settingsChanged();
  });
  connect(m_pixels, &TrainingPixelsControl::statusMessage, this, &ImagePanel::statusMessage);
  connect(m_pixels, &TrainingPixelsControl::paintedMaskChanged, this, &ImagePanel::maskChanged);
  connect(m_pixels, &TrainingPixelsControl::maskEdited, this,
          [this](const std::vector<bool>& before, const std::vector<bool>& after, const QString& text) {
            m_doc->undoStack()->push(new PanelStateCommand<ImagePanel, std::vector<bool>>(m_doc, this, &ImagePanel::restoreMask, text, before, after));
          });
}

std::vector<bool> ImagePanel::trainMask() const { return m_pixels->trainMask(); }

QString ImagePanel::strideGridOnly() const
{
  return tr("it works on every s-th pixel (as ntk-cli refuses --sigma auto with --mask) — set Train on to every s-th pixel");
}

void ImagePanel::restoreMask(const std::vector<bool>& mask)
{
  if (m_pixels->mode() != TrainingPixels::Painted) m_pixels->setMode(TrainingPixels::Painted); // show what the step changed
  m_pixels->setPaintedMask(mask);
}

void ImagePanel::maskChanged()
{
  if (m_pixels->mode() != TrainingPixels::Painted) return;
  if (!m_fit.fits.empty() || !m_mlpImage.empty()) m_maskStale = tr("the mask changed");
  updateTiles();
  m_maskRefit->start(); // restarted by every edit: strokes in a row fit once
}

void ImagePanel::connectTimeSlider()
{
  connect(m_timeSlider, &LogTimeSlider::timeChanged, this, [this] {
    updateTimeControls();
    requestEvaluation();
  });
  connect(m_timeSlider, &LogTimeSlider::timeSettled, this, &ImagePanel::saveSettings);
}
ImagePanel::~ImagePanel()
{
  saveSettings();
  // Cancel, then wait, before the members the results land in go away.
  stopJob();
  m_mlpStop->store(true);
  m_evalFlags.stop->store(true);
  m_kernelWatcher->waitForFinished();
  m_evalWatcher->waitForFinished();
  m_mlpWatcher->waitForFinished();
  m_sweepWatcher->waitForFinished();
  m_autoStop->store(true);
  m_autoWatcher->waitForFinished();
}

void ImagePanel::restoreSettings()
{
  // Panel-only settings; the encoding and the widths are the network's.
  QSettings s;
  s.beginGroup(QStringLiteral("imagePanel"));
  const QSignalBlocker b1(m_ridgeSpin), b2(m_ntkCheck), b3(m_nngpCheck), b4(m_mlpCheck), b5(m_lrSpin), b6(m_timeSlider),
      b7(m_domainCombo);
  const int stride = s.value(QStringLiteral("stride"), 2).toInt(), steps = s.value(QStringLiteral("steps"), kDefaultSteps).toInt();
  // A stored value outside today's limits falls back to the default.
  m_strideSpin->setValueQuietly(stride >= 1 && stride <= kMaxStride ? stride : 2);
  m_ridgeSpin->setValue(s.value(QStringLiteral("ridge"), 1e-6).toDouble());
  m_ntkCheck->setChecked(s.value(QStringLiteral("ntk"), true).toBool());
  m_nngpCheck->setChecked(s.value(QStringLiteral("nngp"), false).toBool());
  m_mlpCheck->setChecked(s.value(QStringLiteral("mlp"), true).toBool());
  m_stepsSpin->setValueQuietly(steps >= 1 && steps <= kMaxSteps ? steps : kDefaultSteps);
  m_lrSpin->setValue(s.value(QStringLiteral("lr"), ntk::MlpOptions{}.learningRate).toDouble());
  m_timeSlider->setPosition(s.value(QStringLiteral("time"), kSliderLogSteps + 1).toInt());
  m_domainCombo->setCurrentIndex(s.value(QStringLiteral("domain")).toString() == QStringLiteral("exact") ? 1 : 0);
  {
    const QSignalBlocker block(m_sweepView->mlpCheck());
    m_sweepView->mlpCheck()->setChecked(s.value(QStringLiteral("sweepMlp"), false).toBool());
  }
  if (!ridgeRefusal().isEmpty()) m_ridgeSpin->setValue(1e-6);
  if (!learningRateRefusal().isEmpty()) m_lrSpin->setValue(ntk::MlpOptions{}.learningRate);
}

void ImagePanel::saveSettings()
{
  QSettings s;
  s.beginGroup(QStringLiteral("imagePanel"));
  if (!m_strideSpin->isRefused()) s.setValue(QStringLiteral("stride"), m_strideSpin->value());
  if (ridgeRefusal().isEmpty()) s.setValue(QStringLiteral("ridge"), m_ridgeSpin->value());
  s.setValue(QStringLiteral("ntk"), m_ntkCheck->isChecked());
  s.setValue(QStringLiteral("nngp"), m_nngpCheck->isChecked());
  s.setValue(QStringLiteral("mlp"), m_mlpCheck->isChecked());
  s.setValue(QStringLiteral("sweepMlp"), m_sweepView->mlpCheck()->isChecked());
  if (!m_stepsSpin->isRefused()) s.setValue(QStringLiteral("steps"), m_stepsSpin->value());
  if (learningRateRefusal().isEmpty()) s.setValue(QStringLiteral("lr"), m_lrSpin->value());
  s.setValue(QStringLiteral("time"), m_timeSlider->position());
  s.setValue(QStringLiteral("domain"), domain() == RegressionPath::Mirror ? QStringLiteral("mirror") : QStringLiteral("exact"));
  if (!m_imagePath.isEmpty()) s.setValue(QStringLiteral("image"), m_imagePath);
}

// ---- state ----

bool ImagePanel::isBusy() const
{
  return m_kernelWatcher->isRunning() || m_pending || m_coalesce->isActive() || m_maskRefit->isActive() || m_evalWatcher->isRunning() || m_evalPending ||
         isTraining() || isSweeping() || m_autoWatcher->isRunning();
}

bool ImagePanel::isTraining() const { return m_mlpWatcher->isRunning(); }

int ImagePanel::fitIndex(KernelKind kind) const
{
  for (std::size_t i = 0; i < m_fit.fits.size(); ++i)
    if (m_fit.fits[i].kind == kind) return int(i);
  return -1;
}

bool ImagePanel::hasKernelFit(KernelKind kind) const { return fitIndex(kind) >= 0; }

Image ImagePanel::kernelPrediction(KernelKind kind) const
{
  const int i = fitIndex(kind);
  return i >= 0 && std::size_t(i) < m_shownKernel.size() ? m_shownKernel[std::size_t(i)] : Image{};
}

double ImagePanel::kernelPsnr(KernelKind kind) const
{
  const int i = fitIndex(kind);
  return i >= 0 && std::size_t(i) < m_shownPsnr.size() ? m_shownPsnr[std::size_t(i)] : std::numeric_limits<double>::quiet_NaN();
}

bool ImagePanel::timeSupported() const { return !m_fit.fits.empty() && fitHasTime(m_fit.fits.front()); }

Eigen::MatrixXd ImagePanel::psnrHistory() const
{
  Eigen::MatrixXd h(Eigen::Index(m_history.size()), 5);
  for (std::size_t i = 0; i < m_history.size(); ++i)
    for (int j = 0; j < 5; ++j) h(Eigen::Index(i), j) = m_history[i][std::size_t(j)];
  return h;
}

QString ImagePanel::kindName(KernelKind kind) const { return kind == KernelKind::Ntk ? tr("NTK") : tr("NNGP"); }

// ---- settings ----

double ImagePanel::time() const { return m_timeSlider->time(); }

RegressionPath ImagePanel::domain() const { return RegressionPath(m_domainCombo->currentData().toInt()); }

void ImagePanel::setDomain(RegressionPath domain)
{
  const int index = m_domainCombo->findData(int(domain));
  if (index < 0) {
    emit statusMessage(tr("Refused: the domain is mirror or exact, not %1").arg(QString::fromStdString(regressionPathName(domain))));
    return;
  }
  m_domainCombo->setCurrentIndex(index);
}

QSlider* ImagePanel::timeSlider() const { return m_timeSlider->slider(); }

void ImagePanel::setTime(double t) { m_timeSlider->setTime(t); }

void ImagePanel::setStride(int stride) { m_strideSpin->setValue(stride); }

void ImagePanel::setRidge(double relativeRidge) { m_ridgeSpin->setValue(relativeRidge); }

void ImagePanel::setMethods(bool ntk, bool nngp, bool mlp)
{
  const bool kernelsChanged = m_ntkCheck->isChecked() != ntk || m_nngpCheck->isChecked() != nngp;
  {
    const QSignalBlocker b1(m_ntkCheck), b2(m_nngpCheck); // one refit for both boxes
    m_ntkCheck->setChecked(ntk);
    m_nngpCheck->setChecked(nngp);
  }
  if (kernelsChanged) kernelMethodsChanged();
  m_mlpCheck->setChecked(mlp);
}

bool ImagePanel::showsNtk() const { return m_ntkCheck->isChecked() && !m_nngpCheck->isChecked(); }

bool ImagePanel::showsNngp() const { return m_nngpCheck->isChecked() && !m_ntkCheck->isChecked(); }

bool ImagePanel::showsBothKernels() const { return m_ntkCheck->isChecked() && m_nngpCheck->isChecked(); }

void ImagePanel::setShowNtk(bool ntk) { setMethods(ntk, !ntk, m_mlpCheck->isChecked()); }

void ImagePanel::kernelMethodsChanged()
{
  saveSettings();
  updateTiles();
  updateChart();
  if (isVisible())
    scheduleRecompute();
  else
    m_dirty = true;
}

// ---- the network ----

const Network& ImagePanel::network() const { return m_doc->networkFor(objectName()); }

QString ImagePanel::networkName() const { return m_doc->networkNameFor(objectName()); }

QString ImagePanel::mlpTitle() const { return ntk::gui::mlpTitle(network()); }

bool ImagePanel::editEncoding(const QString& description, const std::function<void(Encoding&)>& edit, const QString& mergeKey)
{
  // The document says why it refuses an edit (editRejected, emitted inside edit()): keep that reason for the
  // refused control and the status bar.
  QString why;
  const QMetaObject::Connection listen =
      connect(m_doc, &NetworkDocument::editRejected, this, [&why](const QString& message) { why = message; });
  const bool ok = m_doc->editNetwork(m_doc->networkIdFor(objectName()), description,
                                     [&edit](Network& n) { edit(n.encoding); }, mergeKey);
  disconnect(listen);
  if (!ok) {
    m_lastError = why.isEmpty() ? tr("%1 refused: the network would be invalid").arg(description) : why;
    emit statusMessage(tr("%1 refused: %2").arg(description, m_lastError));
    const QSignalBlocker block(m_encodingCombo); // the kind shown is the network's; a refused number stays, marked
    m_encodingCombo->setCurrentIndex(int(network().encoding.kind));
  }
  return ok;
}

bool ImagePanel::setEncoding(const Encoding& encoding)
{
  return editEncoding(tr("Set encoding to %1").arg(encodingDescription(encoding)), [encoding](Encoding& e) { e = encoding; });
}

void ImagePanel::chooseEncodingKind(int index)
{
  const auto kind = EncodingKind(index);
  const Network& net = network();
  if (kind == net.encoding.kind && kind != EncodingKind::Fourier) return;
  Encoding next = net.encoding; // σ, levels, features and seed stay: switching back restores them
  if (kind == EncodingKind::Fourier) {
    try {
      next = withIntegerFrequencies(net.encoding, net.inputDim);
    } catch (const NtkError& e) {
      emit statusMessage(tr("Encoding not changed: %1").arg(QString::fromStdString(e.what())));
      updateEncodingControls();
      return;
    }
    if (net.encoding.kind == EncodingKind::Fourier && next.B == net.encoding.B) {
      updateEncodingControls();
      return; // already integer
    }
  } else {
    next.kind = kind;
  }
  const QString text = kind == EncodingKind::Fourier && net.encoding.kind != EncodingKind::None
                           ? tr("Round the encoding's frequencies to integers (%1)").arg(encodingDescription(next))
                           : tr("Set encoding to %1").arg(encodingDescription(next));
  editEncoding(text, [next](Encoding& e) { e = next; });
}

void ImagePanel::setMlpOptions(int steps, double learningRate)
{
  m_stepsSpin->setValue(steps);
  m_lrSpin->setValue(learningRate);
}

void ImagePanel::updateEncodingControls()
{
  // Shows the network's encoding (no signals: this is a view of the document).
  const Encoding& e = network().encoding;
  {
    const QSignalBlocker block(m_encodingCombo);
    // Choosing "fourier" rounds the frequencies; a network's own non-integer B is shown as what it is.
    const bool givenB = e.kind == EncodingKind::Fourier && !hasIntegerFrequencies(e);
    m_encodingCombo->setItemText(int(EncodingKind::Fourier), givenB ? tr("fourier (given B)") : tr("fourier (integer B)"));
    m_encodingCombo->setCurrentIndex(int(e.kind));
  }
  m_sigmaSpin->setValueQuietly(e.sigma);
  m_levelsSpin->setValueQuietly(e.levels);
  m_featuresSpin->setValueQuietly(e.features);
  const bool positional = e.kind == EncodingKind::Positional, gaussian = e.kind == EncodingKind::Gaussian;
  m_sigmaSpin->setVisible(positional || gaussian);
  m_autoSigmaButton->setVisible(positional || gaussian);
  m_levelsSpin->setVisible(positional);
  m_featuresSpin->setVisible(gaussian);
  m_roundButton->setVisible(positional || gaussian || (e.kind == EncodingKind::Fourier && !hasIntegerFrequencies(e)));
  m_domainCombo->setEnabled(e.kind != EncodingKind::None); // no frequencies to put on a period: exact (dense)
}

void ImagePanel::settingsChanged()
{
  m_maskRefit->stop();
  m_maskStale.clear(); // what is shown from now on is for these settings (or nothing)
  saveSettings();
  updateNetwork();
  resetMlp(tr("the settings changed"));
  m_fit = KernelFitResult{}; // fitted for other settings: not shown as these
  m_shownKernel.clear();
  m_shownPsnr.clear();
  updateTiles();
  updateChart();
  updateTimeControls();
  if (isVisible())
    scheduleRecompute();
  else
    m_dirty = true;
}

void ImagePanel::updateNetwork()
{
  const Network& net = network();
  const QString reason = imageRequirementReason(net, networkName());
  const bool changed = reason != m_unavailable;
  m_unavailable = reason;
  if (!reason.isEmpty()) {
    m_fit = KernelFitResult{};
    m_shownKernel.clear();
    m_shownPsnr.clear();
  }
  m_noteLabel->setText(reason);
  m_noteLabel->setVisible(!reason.isEmpty());
  m_noteLabel->setToolTip(QString::fromStdString(net.summary()));
  updateEncodingControls();
  updateMlpNetwork();
  if (changed) emit requirementChanged();
}

void ImagePanel::updateMlpNetwork()
{
  // The MLP is the network itself; only its readout follows the image's channels (or it is refused).
  m_mlpRefusal.clear();
  m_mlpBrief.clear();
  if (!m_unavailable.isEmpty()) {
    m_mlpRefusal = m_mlpBrief = m_unavailable;
  } else if (!m_image.empty()) {
    Network mlp;
    if (!mlpNetworkFor(network(), m_image.channels, &mlp, &m_mlpRefusal)) {
      m_mlpBrief = tr("Not trained: the network's output width is %1; this image needs %2 (or 1).")
                       .arg(network().outputDim())
                       .arg(m_image.channels);
    } else {
      m_mlpNet = std::move(mlp);
      m_mlpRefusal = mlpMemoryRefusal(m_mlpNet, m_image.width, m_image.height, m_image.channels, m_strideSpin->value(), &m_mlpBrief);
    }
  }
  m_trainButton->setEnabled(m_mlpRefusal.isEmpty() || isTraining());
  m_trainButton->setToolTip(m_mlpRefusal.isEmpty()
                                ? tr("Train the MLP from a fresh initialisation; the picture and the PSNR chart update every few steps.\n"
                                     "Press again (or Esc / Cancel) to stop at the current step.")
                                : tr("Not available: %1").arg(m_mlpRefusal));
}

// ---- images ----

void ImagePanel::updateSampleCombo()
{
  const QSignalBlocker block(m_sampleCombo);
  m_sampleCombo->clear();
  for (const QString& name : bundledSampleNames()) m_sampleCombo->addItem(name, bundledSamplePath(name));
  if (!m_imagePath.isEmpty() && !m_imagePath.startsWith(QStringLiteral(":/images/")))
    m_sampleCombo->addItem(QFileInfo(m_imagePath).fileName(), m_imagePath);
  else if (m_imagePath.isEmpty() && !m_image.empty())
    m_sampleCombo->addItem(m_imageName, QString());
  const int current = m_sampleCombo->findData(m_imagePath);
  m_sampleCombo->setCurrentIndex(current >= 0 ? current : m_sampleCombo->count() - 1);
}

bool ImagePanel::acceptImage(Image image, const QString& name, const QString& source, QString* error)
{
  if (image.empty() || (image.channels != 1 && image.channels != 3)) {
    const QString why = tr("%1: not a grey or RGB image").arg(name);
    if (error) *error = why;
    m_lastError = why;
    emit statusMessage(tr("Image not loaded: %1 — still showing %2").arg(why, m_imageName));
    return false;
  }
  if (m_unavailable.isEmpty()) {
    try {
      requireImageMemory(network(), image.width, image.height, image.channels, m_strideSpin->value());
    } catch (const NtkError& e) {
      const QString why = tr("%1 (%2 × %3) is too large: %4").arg(name).arg(image.width).arg(image.height).arg(QString::fromStdString(e.what()));
      if (error) *error = why;
      m_lastError = why;
      emit statusMessage(tr("Image not loaded: %1").arg(why));
      return false;
    }
  }
  m_image = std::move(image);
  ++m_imageSerial;
  m_zoom = QRect(); // another picture: the whole of it
  m_imageName = name;
  m_imagePath = source;
  m_lastError.clear();
  m_pixels->setImage(m_image.width, m_image.height, m_strideSpin->value());
  m_maskRefit->stop();
  m_maskStale.clear();
  updateMlpNetwork(); // its readout follows the image's channels
  resetMlp(tr("a new image"));
  m_fit = KernelFitResult{};
  m_shownKernel.clear();
  m_shownPsnr.clear();
  updateSampleCombo();
  saveSettings();
  updateTiles();
  updateChart();
  updateTimeControls();
  emit statusMessage(tr("Image %1: %2 × %3, %4").arg(name).arg(m_image.width).arg(m_image.height)
                         .arg(m_image.channels == 1 ? tr("grey") : tr("RGB")));
  if (isVisible())
    scheduleRecompute();
  else
    m_dirty = true;
  return true;
}

bool ImagePanel::loadSample(const QString& name, QString* error)
{
  Image img;
  QString err;
  // A network that cannot fit an image does not decide which images load: estimate with the default 2-D one.
  const Network net = m_unavailable.isEmpty() ? network() : Network::defaultNetwork(2);
  if (!loadImageFile(bundledSamplePath(name), net, m_strideSpin->value(), &img, &err)) {
    if (error) *error = err;
    m_lastError = err;
    emit statusMessage(tr("Sample not loaded: %1").arg(err));
    return false;
  }
  return acceptImage(std::move(img), name, bundledSamplePath(name), error);
}

bool ImagePanel::loadImage(const QString& path, QString* error)
{
  Image img;
  QString err;
  const Network net = m_unavailable.isEmpty() ? network() : Network::defaultNetwork(2);
  if (!loadImageFile(path, net, m_strideSpin->value(), &img, &err)) {
    if (error) *error = err;
    m_lastError = err;
    emit statusMessage(m_image.empty() ? tr("Image not loaded: %1").arg(err)
                                       : tr("Image not loaded: %1 — still showing %2").arg(err, m_imageName));
    updateSampleCombo(); // back to the image shown
    return false;
  }
  return acceptImage(std::move(img), QFileInfo(path).completeBaseName(), QFileInfo(path).absoluteFilePath(), error);
}

bool ImagePanel::setImage(const Image& image, const QString& name, QString* error)
{
  return acceptImage(image, name, QString(), error);
}

void ImagePanel::openImageDialog()
{
  const QString path = QFileDialog::getOpenFileName(this, tr("Open image"), QString(),
                                                    tr("Images (*.png *.jpg *.jpeg *.bmp *.gif *.ppm *.pgm *.tif *.tiff *.webp);;All files (*)"));
  if (path.isEmpty()) return;
  loadImage(path);
}

void ImagePanel::dragEnterEvent(QDragEnterEvent* event)
{
  const QMimeData* mime = event->mimeData();
  if (mime->hasUrls() && !mime->urls().isEmpty() && mime->urls().first().isLocalFile()) event->acceptProposedAction();
}

void ImagePanel::dropEvent(QDropEvent* event)
{
  const QList<QUrl> urls = event->mimeData()->urls();
  if (urls.isEmpty() || !urls.first().isLocalFile()) return;
  event->acceptProposedAction();
  loadImage(urls.first().toLocalFile());
}

bool ImagePanel::savePrediction(const QString& path, const QString& which, QString* error) const
{
  Image img;
  if (which == QLatin1String("truth"))
    img = m_image;
  else if (which == QLatin1String("ntk"))
    img = kernelPrediction(KernelKind::Ntk);
  else if (which == QLatin1String("nngp"))
    img = kernelPrediction(KernelKind::Nngp);
  else if (which == QLatin1String("mlp"))
    img = m_mlpImage;
  else if (which == QLatin1String("bicubic"))
    img = m_fit.bicubic;
  else {
    if (error) *error = tr("unknown picture '%1' (truth, ntk, nngp, mlp, bicubic)").arg(which);
    return false;
  }
  if (img.empty()) {
    if (error) *error = tr("no %1 picture yet").arg(which);
    return false;
  }
  if (!qimageFromImage(img).save(path)) {
    if (error) *error = tr("could not write %1 (unknown image format or not writable)").arg(path);
    return false;
  }
  return true;
}

// ---- kernel job ----

void ImagePanel::showEvent(QShowEvent* event)
{
  AnalysisPanel::showEvent(event);
  if (m_dirty) {
    updateNetwork();
    scheduleRecompute();
  }
  if (m_sweepOnShow) {
    m_sweepOnShow = false;
    startSweep(); // after the fit (the screenshot shows both)
  }
}

void ImagePanel::balanceSplitter()
{
  // Square pictures as wide as their tiles (title and caption above and below), between 55 % and 74 % of
  // the height — until the user drags the handle.
  const int h = m_splitter->height();
  if (h <= 0 || m_userSplit) return;
  int pictures = 0;
  for (ImageTile* t : comparisonTiles()) pictures += t->isVisibleTo(this) && !t->image().isNull();
  const int narrow = m_mlpTile->isVisibleTo(this) && m_mlpTile->image().isNull() ? m_mlpTile->maximumWidth() : 0;
  const int side = (m_splitter->width() - narrow) / std::max(3, pictures) - 8;
  const int want = std::clamp(side + 4 * fontMetrics().height() + 12, h * 55 / 100, h * 74 / 100);
  const QSignalBlocker block(m_splitter);
  m_splitter->setSizes({want, h - want});
}

bool ImagePanel::eventFilter(QObject* watched, QEvent* event)
{
  if (watched == m_splitter && event->type() == QEvent::Resize) QTimer::singleShot(0, this, &ImagePanel::balanceSplitter);
  return AnalysisPanel::eventFilter(watched, event);
}

void ImagePanel::scheduleRecompute()
{
  m_evalFlags.stop->store(true); // its picture would be for the old fit
  m_dirty = false;
  m_pending = true;
  stopJob(); // a newer request cancels the older one
  m_coalesce->start();
}

void ImagePanel::cancel()
{
  if (m_kernelWatcher->isRunning() || m_pending) m_dirty = true; // refitted on the next show
  m_pending = false;
  m_coalesce->stop();
  m_evalPending = false;
  m_evalFlags.stop->store(true);
  if (m_maskRefit->isActive()) { // the mask edit's refit: not now, on the next show or edit
    m_maskRefit->stop();
    m_dirty = true;
  }
  m_sweepPending = false;
  m_autoStop->store(true);
  stopJob(); // the kernel fit or the sweep, whichever runs
  stopTraining();
  updateSweepAction();
  setPlaying(false);
}

void ImagePanel::startKernelJob()
{
  if (m_kernelWatcher->isRunning() || m_sweepWatcher->isRunning()) return; // their finish starts the pending job
  m_pending = false;
  auto nothing = [this](const QString& why) {
    if (!why.isEmpty()) emit statusMessage(why);
    updateTiles();
    continueAfterKernel();
  };
  if (m_image.empty()) return nothing(tr("Image: open an image (or drop one onto the panel)"));
  if (!m_unavailable.isEmpty()) return nothing(tr("Image: %1").arg(m_unavailable));
  if (const QString refused = refusedSetting(false); !refused.isEmpty())
    return nothing(tr("Image not fitted until this is fixed: %1").arg(refused));
  const Network net = network(); // a snapshot for the worker: the document's network, unchanged
  const Image image = m_image;
  const int stride = m_strideSpin->value();
  if (const std::vector<bool> mask = m_pixels->trainMask(); !mask.empty()) {
    if (const QString why = maskRefusal(net, mask); !why.isEmpty()) {
      m_fit = KernelFitResult{};
      m_shownKernel.clear();
      m_shownPsnr.clear();
      m_lastError = why;
      updateChart();
      return nothing(tr("Image not fitted: %1").arg(why));
    }
    return launchMaskedKernelJob(net, mask);
  }
  const long long trainPixels = (long long)((image.width + stride - 1) / stride) * ((image.height + stride - 1) / stride);
  if (net.encoding.kind == EncodingKind::None && trainPixels > kMaxDensePixels && (m_ntkCheck->isChecked() || m_nngpCheck->isChecked())) {
    // Not stationary: only the dense Gram (cubic cost) can solve it.
    m_fit = KernelFitResult{};
    m_shownKernel.clear();
    m_shownPsnr.clear();
    m_lastError = tr("without an encoding the kernel is not stationary and needs the dense %1 × %1 Gram of the training pixels "
                     "(at most %2 here) — choose an encoding, or a stride of at least %3")
                      .arg(trainPixels)
                      .arg(kMaxDensePixels)
                      .arg(int(std::ceil(std::sqrt(double(image.width) * image.height / kMaxDensePixels))));
    updateChart();
    return nothing(tr("Image not fitted: %1").arg(m_lastError));
  }
  const double ridge = m_ridgeSpin->value();
  const bool ntk = m_ntkCheck->isChecked(), nngp = m_nngpCheck->isChecked();
  const RegressionPath domain = this->domain();
  launchKernelFits([net, image, stride, ridge, ntk, nngp, domain](const JobFlags& flags) {
    return computeKernelFits(net, image, stride, ridge, ntk, nngp, domain, flags);
  });
  emit statusMessage(tr("Fitting %1 (%2 × %3, stride %4) with the %5…")
                         .arg(m_imageName)
                         .arg(image.width)
                         .arg(image.height)
                         .arg(stride)
                         .arg(ntk && nngp ? tr("NTK and NNGP") : ntk ? tr("NTK") : nngp ? tr("NNGP") : tr("bicubic baseline")));
}

QString ImagePanel::maskRefusal(const Network& net, const std::vector<bool>& mask) const
{
  if (net.encoding.kind == EncodingKind::None && (m_ntkCheck->isChecked() || m_nngpCheck->isChecked()))
    return tr("a mask needs a stationary kernel (the FFT product of the masked solve); without an encoding the kernel "
              "is not stationary — choose an encoding, or train on every s-th pixel");
  if (std::find(mask.begin(), mask.end(), true) == mask.end()) return tr("the painted mask has no training pixel — paint some, or Mask ▸ Fill");
  return {};
}

void ImagePanel::launchKernelFits(std::function<KernelFitResult(const JobFlags&)> fits)
{
  const int generation = ++m_generation;
  launchJob(m_kernelWatcher, [fits = std::move(fits), generation](const JobFlags& flags) {
    KernelFitResult r = fits(flags);
    r.generation = generation;
    return r;
  });
  updateTiles();
}

void ImagePanel::launchMaskedKernelJob(const Network& net, const std::vector<bool>& mask)
{
  const Image image = m_image;
  const double ridge = m_ridgeSpin->value();
  const bool ntk = m_ntkCheck->isChecked(), nngp = m_nngpCheck->isChecked();
  launchKernelFits([net, image, mask, ridge, ntk, nngp](const JobFlags& flags) {
    return computeMaskedKernelFits(net, image, mask, ridge, ntk, nngp, flags);
  });
  emit statusMessage(tr("Fitting %1 on %2 with the %3 (conjugate gradients on the masked pixels)…")
                         .arg(m_imageName, m_pixels->countText(), ntk && nngp ? tr("NTK and NNGP") : ntk ? tr("NTK") : nngp ? tr("NNGP") : tr("no kernel")));
}

void ImagePanel::onKernelFinished()
{
  KernelFitResult r = m_kernelWatcher->future().result();
  if (m_pending) {
    startKernelJob(); // superseded: drop this result, run the newest request
    return;
  }
  endJob(isTraining());
  if (r.generation != m_generation) {
    continueAfterKernel();
    return;
  }
  if (r.cancelled) {
    emit statusMessage(tr("Image fit cancelled"));
    m_lastError = tr("cancelled");
  } else if (!r.error.isEmpty()) {
    m_lastError = r.error;
    m_fit = KernelFitResult{};
    m_shownKernel.clear();
    m_shownPsnr.clear();
    emit statusMessage(tr("Image not fitted: %1").arg(r.error));
  } else {
    m_lastError.clear();
    m_fit = std::move(r);
    ++m_fitCount;
    showFitsAtInfinity();
    const long long trainPixels = m_fit.fits.empty() ? 0 : fitTrainPixels(m_fit.fits.front());
    QStringList parts;
    for (const KernelImageFit& f : m_fit.fits)
      parts << tr("%1 held-out PSNR %2 (%3 path%4, %5 s)")
                   .arg(kindName(f.kind), formatPsnr(f.report.psnrHeldOut), fitPathName(f), mirrorNote(f.report))
                   .arg(f.report.seconds, 0, 'f', 2);
    parts << (m_fit.bicubic.empty() ? tr("bicubic n/a with a mask") : tr("bicubic %1").arg(formatPsnr(m_fit.bicubicPsnrHeldOut)));
    if (!m_autoNote.isEmpty() && network().encoding.sigma == m_autoSigma && m_ridgeSpin->value() == m_autoRidge) parts << m_autoNote;
    m_infoLabel->setText(tr("%1 training pixels of %2 · %3").arg(trainPixels).arg(m_image.width * m_image.height).arg(parts.join(QStringLiteral(" · "))));
    emit statusMessage(tr("Image %1 fitted in %2 s: %3").arg(m_imageName).arg(m_fit.seconds, 0, 'f', 2).arg(parts.join(QStringLiteral("; "))));
    updateTimeControls();
    if (!std::isinf(time()) && timeSupported()) requestEvaluation();
  }
  updateTiles();
  updateChart();
  continueAfterKernel();
}

// ---- time slider ----

void ImagePanel::setPlaying(bool on) { m_timeSlider->setPlaying(on); }

void ImagePanel::updateTimeControls()
{
  const bool noTime = !m_fit.fits.empty() && !timeSupported();
  m_timeSlider->slider()->setEnabled(!noTime);
  m_timeSlider->playButton()->setEnabled(!noTime);
  const QString tip = tr("Training time t of gradient flow on the training pixels (loss (1/2m)Σ‖f(x_i) − y_i‖²), log scale\n"
                         "from 10⁻¹ to 10⁷; the right end is t = ∞ (kernel regression). Each Fourier mode of the kernel\n"
                         "converges as 1 − e^{−λt/m}: low frequencies (large λ) first, fine detail last.");
  const int stride = m_strideSpin->value();
  const bool strideDivides = m_image.empty() || (m_image.width % stride == 0 && m_image.height % stride == 0);
  const QString noTip =
      strideDivides
          ? tr("Only t = ∞ is available for this encoding: its frequencies are not integers, so the kernel is not\n"
               "periodic on the pixel grid and the regression is solved by conjugate gradients (Toeplitz path).\n"
               "Tick 'integer' (or use basic / positional with integer σ^{j/M}) for the time slider.")
          : tr("Only t = ∞ is available: the stride %1 does not divide the %2 × %3 image, so the training grid is not\n"
               "periodic and the regression is solved by conjugate gradients (Toeplitz path).\n"
               "Choose a stride that divides both sides (1, 2, 4, … for 256 × 256) for the time slider.")
                .arg(stride)
                .arg(m_image.width)
                .arg(m_image.height);
  m_timeSlider->slider()->setToolTip(noTime ? noTip : tip);
  m_timeSlider->playButton()->setToolTip(noTime ? noTip
                                                : tr("Sweep t log-uniformly from 10⁻¹ to ∞ over about five seconds: the kernel picture sharpens\n"
                                                     "from low to high frequencies (large-eigenvalue modes are learnt first)"));
  if (noTime && m_timeSlider->isPlaying()) setPlaying(false);
}

void ImagePanel::requestEvaluation()
{
  if (m_fit.fits.empty()) return;
  if (std::isinf(time()) || !timeSupported()) {
    m_evalPending = false;
    if (m_evalWatcher->isRunning()) {
      m_evalPending = true; // the newest request (∞) is applied when the running one is done
      return;
    }
    showFitsAtInfinity();
    updateTiles();
    if (!isBusy()) emit idle();
    return;
  }
  m_evalPending = true;
  if (!m_evalWatcher->isRunning()) startEvaluation();
}

void ImagePanel::startEvaluation()
{
  m_evalPending = false;
  if (std::isinf(time()) || !timeSupported()) {
    requestEvaluation();
    return;
  }
  TimeEvaluation e;
  e.fits = m_fit.fits;
  e.heldOutMask = m_fit.heldOutMask;
  e.truth = m_image;
  e.t = time();
  m_evalFlags = e.flags; // Cancel stops it; its progress is polled (the Chebyshev flow may take seconds at large t)
  m_evalWatcher->setFuture(QtConcurrent::run([e]() mutable {
    const double share = 1.0 / double(std::max<std::size_t>(1, e.fits.size()));
    bool cancelled = false;
    catchJobErrors(
        [&] {
          for (std::size_t i = 0; i < e.fits.size(); ++i) {
            e.images.push_back(kernelFlowAt(e.fits[i], e.t, e.flags.control(share * double(i), share)));
            e.psnrs.push_back(psnr(e.images.back(), e.truth, e.heldOutMask.empty() ? nullptr : &e.heldOutMask));
          }
        },
        &cancelled, &e.failure);
    if (cancelled) e.failure = QObject::tr("cancelled");
    if (!e.failure.isEmpty()) e.images.clear();
    e.truth = Image{};
    return e;
  }));
  // Progress and Cancel once it takes a while (the circulant path answers within milliseconds: no flicker
  // while Play runs; the Chebyshev flow of the Toeplitz and masked paths may take seconds at late t).
  if (!m_evalProgress->isActive()) m_evalProgress->start(250);
}

void ImagePanel::onEvaluationFinished()
{
  TimeEvaluation e = m_evalWatcher->future().result();
  const bool current = !m_fit.fits.empty() && !e.fits.empty() && fitSolver(e.fits.front()) == fitSolver(m_fit.fits.front()) &&
                       e.images.size() == m_fit.fits.size();
  if (current) {
    m_shownKernel = std::move(e.images);
    m_shownPsnr = std::move(e.psnrs);
    m_shownTime = e.t;
    updateTiles();
  } else if (!e.failure.isEmpty()) {
    emit statusMessage(tr("Gradient flow at t = %1 not computed: %2").arg(formatTime(e.t), e.failure));
  }
  if (m_evalPending && !m_fit.fits.empty())
    return startEvaluation();
  m_evalProgress->stop();
  const bool shown = std::exchange(m_evalBusyShown, false);
  if (!isBusy()) {
    if (shown) {
      emit progressChanged(100);
      emit busyChanged(false);
    }
    emit idle();
  }
}

// ---- MLP ----

void ImagePanel::resetMlp(const QString& why)
{
  const bool had = isTraining() || !m_history.empty() || !m_mlpImage.empty();
  m_mlpStop->store(true);
  ++m_mlpGeneration; // snapshots of the old run are dropped
  m_history.clear();
  m_mlpImage = Image{};
  m_mlpStepsDone = 0;
  m_mlpMessage = had ? tr("MLP reset: %1 — press Train").arg(why) : QString();
  m_trainButton->setText(tr("Train MLP"));
  m_trainButton->setEnabled(m_mlpRefusal.isEmpty());
  updateTiles();
  updateChart();
}

void ImagePanel::stopTraining()
{
  m_mlpStop->store(true);
  if (isTraining()) { // the current step finishes first (onMlpFinished re-enables the button)
    m_trainButton->setText(tr("Stopping…"));
    m_trainButton->setEnabled(false);
  }
}

void ImagePanel::startTraining()
{
  updateMlpNetwork(); // the memory available now decides
  const QString refused = !m_mlpRefusal.isEmpty() ? m_mlpRefusal : refusedSetting(true);
  if (m_image.empty() || !refused.isEmpty()) {
    emit statusMessage(m_image.empty() ? tr("MLP: open an image first") : tr("MLP not trained: %1").arg(refused));
    updateTiles();
    return;
  }
  if (isTraining()) {
    m_mlpStop->store(true);
    m_mlpWatcher->waitForFinished(); // at most one step
  }
  if (!m_mlpCheck->isChecked()) {
    const QSignalBlocker block(m_mlpCheck);
    m_mlpCheck->setChecked(true);
  }
  const int generation = ++m_mlpGeneration;
  m_mlpStop = std::make_shared<std::atomic<bool>>(false);
  m_history.clear();
  m_mlpImage = Image{};
  m_mlpStepsDone = 0;
  m_mlpMessage.clear();
  m_mlpStepsTarget = m_stepsSpin->value();
  const Network net = m_mlpNet;
  const Image image = m_image;
  const int stride = m_strideSpin->value();
  const std::vector<bool> mask = m_pixels->trainMask(); // empty: every s-th pixel
  const int steps = m_mlpStepsTarget;
  MlpOptions options;
  options.learningRate = m_lrSpin->value();
  const std::shared_ptr<std::atomic<bool>> stop = m_mlpStop;
  const int every = std::max(1, steps / 30);
  m_mlpWatcher->setFuture(QtConcurrent::run([this, net, image, stride, mask, steps, options, stop, generation, every] {
    MlpSnapshot last;
    last.generation = generation;
    last.last = true;
    JobControl job;
    job.stop = stop.get();
    catchJobErrors(
        [&] {
          MlpTrainer trainer = mask.empty() ? MlpTrainer(net, image, stride, options) : MlpTrainer(net, image, mask, options);
          const ImageDataset& data = trainer.dataset();
          last.trained = trainer.network();
          auto snapshot = [&](double loss) {
            MlpSnapshot s;
            s.generation = generation;
            s.step = trainer.steps();
            s.loss = loss;
            s.prediction = trainer.predict();
            s.psnrTrain = psnr(s.prediction, image, &data.trainMask);
            s.psnrHeldOut = psnr(s.prediction, image, &data.heldOutMask);
            s.psnrAll = psnr(s.prediction, image);
            return s;
          };
          auto post = [this](MlpSnapshot s) {
            QMetaObject::invokeMethod(this, [this, s = std::move(s)] { onMlpSnapshot(s); }, Qt::QueuedConnection);
          };
          {
            MlpSnapshot init = snapshot(0.0); // the initialisation: its loss is the training MSE
            init.loss = std::pow(10.0, -init.psnrTrain / 10.0);
            init.trained = trainer.network();
            post(std::move(init));
          }
          auto lastPost = std::chrono::steady_clock::now();
          double snapshotCost = 0.0;
          double loss = std::numeric_limits<double>::quiet_NaN();
          for (int i = 0; i < steps; ++i) {
            job.checkCancelled();
            loss = trainer.step(job);
            if (i + 1 == steps) break;
            const auto now = std::chrono::steady_clock::now();
            // About 30 pictures per run, but evaluating all pixels costs ~2 steps: at most a quarter of the time.
            const double since = std::chrono::duration<double>(now - lastPost).count();
            if ((trainer.steps() % every == 0 && since > 3.0 * snapshotCost) || since > std::max(3.0, 6.0 * snapshotCost)) {
              post(snapshot(loss));
              lastPost = std::chrono::steady_clock::now();
              snapshotCost = std::chrono::duration<double>(lastPost - now).count();
            }
          }
          last = snapshot(loss);
          last.last = true;
          last.trained = trainer.network();
        },
        &last.cancelled, &last.error);
    return last;
  }));
  m_trainButton->setText(tr("Stop MLP"));
  m_trainButton->setEnabled(true);
  updateTiles();
  emit busyChanged(true);
  emit statusMessage(tr("Training %1 (%2 steps, Adam, lr %3)…").arg(ntk::gui::mlpTitle(net)).arg(steps).arg(options.learningRate));
}

void ImagePanel::onMlpSnapshot(const MlpSnapshot& s)
{
  if (s.generation != m_mlpGeneration) return;
  m_mlpStepsDone = s.step;
  if (!s.trained.layers.empty()) m_trainedNet = s.trained;
  if (!s.prediction.empty()) m_mlpImage = s.prediction;
  if (m_history.empty() || m_history.back()[0] < s.step)
    m_history.push_back({double(s.step), s.loss, s.psnrTrain, s.psnrHeldOut, s.psnrAll});
  if (!m_kernelWatcher->isRunning() && m_mlpStepsTarget > 0) emit progressChanged(std::clamp(100 * s.step / m_mlpStepsTarget, 0, 100));
  updateTiles();
  updateChart();
}

void ImagePanel::onMlpFinished()
{
  const MlpSnapshot s = m_mlpWatcher->future().result();
  m_trainButton->setEnabled(m_mlpRefusal.isEmpty());
  if (s.generation == m_mlpGeneration) {
    m_trainButton->setText(tr("Train MLP"));
    if (!s.prediction.empty()) onMlpSnapshot(s);
    if (s.cancelled) {
      m_mlpMessage = tr("stopped at step %1").arg(m_mlpStepsDone);
      emit statusMessage(tr("MLP training stopped at step %1").arg(m_mlpStepsDone));
    } else if (!s.error.isEmpty()) {
      m_mlpMessage = tr("MLP not trained: %1").arg(s.error);
      emit statusMessage(m_mlpMessage);
    } else {
      emit statusMessage(tr("MLP trained %1 steps: held-out PSNR %2 (train %3)")
                             .arg(s.step)
                             .arg(formatPsnr(s.psnrHeldOut), formatPsnr(s.psnrTrain)));
    }
    updateTiles();
    updateChart();
  }
  if (!isBusy()) {
    emit progressChanged(100);
    emit busyChanged(false);
    emit idle();
  }
}

// ---- views ----

void ImagePanel::updateTiles()
{
  if (m_fit.fits.empty() && m_fit.bicubic.empty()) m_infoLabel->clear(); // no fit shown: no numbers about one
  const bool computing = m_kernelWatcher->isRunning() || m_pending || m_coalesce->isActive();
  const QString waiting = !m_unavailable.isEmpty() ? m_unavailable
                          : m_image.empty()        ? tr("no image")
                          : computing              ? tr("computing…")
                          : !m_lastError.isEmpty() ? tr("not computed: %1").arg(m_lastError)
                                                   : tr("not computed yet");
  if (m_image.empty())
    m_truthTile->setMessage(tr("Open an image, pick a sample, or drop a file here"));
  else if (m_pixels->mode() == TrainingPixels::Stride)
    m_truthTile->setImage(qimageFromImage(m_image), tr("%1 × %2, stride %3").arg(m_image.width).arg(m_image.height).arg(m_strideSpin->value()));
  else
    m_truthTile->setImage(qimageFromImage(m_image), tr("%1 × %2, %3").arg(m_image.width).arg(m_image.height).arg(m_pixels->countText()));
  // The training pixels of a mask, translucent over the truth (every s-th pixel is not drawn: a regular grid).
  m_truthTile->setOverlay(m_pixels->mode() == TrainingPixels::Stride || m_image.empty()
                              ? QImage()
                              : maskOverlayImage(m_pixels->trainMask(), m_image.width, m_image.height));
  const QString timeText = std::isinf(m_shownTime) ? QString() : tr(", t = %1").arg(formatTime(m_shownTime));
  // The difference view: |prediction − truth| in viridis, one scale for every picture (the colour bar).
  const bool difference = differenceView() && !m_image.empty();
  const TileScale scale{difference, kDifferenceMax, tr("|prediction − truth|")};
  auto picture = [&](const Image& prediction) {
    return difference ? differenceImage(prediction, m_image, kDifferenceMax) : qimageFromImage(prediction);
  };
  for (ImageTile* t : {m_ntkTile, m_nngpTile, m_mlpTile, m_bicubicTile}) t->setScale(scale);
  auto kernelTile = [&](ImageTile* tile, KernelKind kind, bool on) {
    tile->setVisible(on);
    const int i = fitIndex(kind);
    tile->setTitle(tr("%1 %2").arg(kindName(kind), std::isinf(m_shownTime) ? tr("regression") : tr("gradient flow")));
    if (i >= 0 && std::size_t(i) < m_shownKernel.size())
      tile->setImage(picture(m_shownKernel[std::size_t(i)]),
                     tr("held-out PSNR %1%2").arg(formatPsnr(m_shownPsnr[std::size_t(i)]), timeText));
    else
      tile->setMessage(waiting);
  };
  kernelTile(m_ntkTile, KernelKind::Ntk, m_ntkCheck->isChecked());
  kernelTile(m_nngpTile, KernelKind::Nngp, m_nngpCheck->isChecked());

  m_mlpTile->setVisible(m_mlpCheck->isChecked());
  m_mlpTile->setTitle(mlpTitle());
  if (!m_mlpImage.empty() && !m_history.empty()) {
    m_mlpTile->setImage(picture(m_mlpImage), tr("held-out PSNR %1 · step\u00a0%2/%3")
                                                         .arg(formatPsnr(m_history.back()[3]))
                                                         .arg(m_mlpStepsDone)
                                                         .arg(isTraining() ? m_mlpStepsTarget : std::max(m_mlpStepsDone, m_mlpStepsTarget)));
  } else if (isTraining()) {
    m_mlpTile->setMessage(tr("initialising…"));
  } else {
    QString text = m_mlpMessage.isEmpty() ? QString() : m_mlpMessage + QStringLiteral("\n\n");
    text += tr("Press Train MLP to train the finite network (%1 Adam steps, lr %2) on the training pixels.")
                .arg(m_stepsSpin->value())
                .arg(m_lrSpin->value());
    m_mlpTile->setMessage(m_image.empty() || !m_unavailable.isEmpty() ? waiting
                          : !m_mlpRefusal.isEmpty()                  ? m_mlpBrief
                                                                     : text);
  }

  const bool masked = m_pixels->mode() != TrainingPixels::Stride;
  if (!m_fit.bicubic.empty())
    m_bicubicTile->setImage(picture(m_fit.bicubic), tr("held-out PSNR %1").arg(formatPsnr(m_fit.bicubicPsnrHeldOut)));
  else
    m_bicubicTile->setMessage(masked ? tr("n/a with a mask: bicubic interpolation needs the regular grid of every s-th pixel") : waiting);

  if (m_fit.spectrum.size() > 0)
    m_spectrumTile->setImage(powerSpectrumImage(m_fit.spectrum), tr("%1 kernel on the %2 × %3 training grid; 0 at the centre")
                                                                    .arg(kindName(m_fit.fits.front().kind))
                                                                    .arg(m_fit.spectrum.cols())
                                                                    .arg(m_fit.spectrum.rows()));
  else if (masked)
    m_spectrumTile->setMessage(tr("n/a with a mask: the spectrum is the kernel's on the regular training grid"));
  else
    m_spectrumTile->setMessage(m_ntkCheck->isChecked() || m_nngpCheck->isChecked() ? waiting : tr("tick NTK or NNGP"));
  // A picture gets the width; a tile with only a message (the MLP before training) stays narrow.
  if (isVisible()) QTimer::singleShot(0, this, &ImagePanel::balanceSplitter); // a picture more or fewer
  for (ImageTile* t : comparisonTiles()) {
    const bool picture = !t->image().isNull();
    m_tileLayout->setStretchFactor(t, picture ? 1 : 0);
    t->setMaximumWidth(picture ? QWIDGETSIZE_MAX : 12 * fontMetrics().averageCharWidth() + 60);
    t->setView(m_zoom);
  }
  if (!m_maskStale.isEmpty()) // pictures for the mask before the edit: say so until the refit replaces them
    for (ImageTile* t : {m_ntkTile, m_nngpTile, m_mlpTile})
      if (!t->image().isNull()) t->setImage(t->image(), tr("stale (%1) · %2").arg(m_maskStale, t->caption()));
  updateSweepStale(); // every settings change passes here
}

void ImagePanel::updateChart()
{
  std::vector<PlotSeries> series;
  double xmax = std::max(1.0, double(m_stepsSpin->value()));
  if (!m_history.empty()) xmax = std::max(xmax, m_history.back()[0]);
  if (!m_history.empty() && m_mlpCheck->isChecked()) {
    // Step 0 (the initialisation) is kept; PSNRs are finite unless a prediction is exact.
    const Eigen::Index n = Eigen::Index(m_history.size());
    Eigen::VectorXd x(n), train(n), held(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      x(i) = m_history[std::size_t(i)][0];
      train(i) = std::min(m_history[std::size_t(i)][2], 100.0);
      held(i) = std::min(m_history[std::size_t(i)][3], 100.0);
    }
    // A blurry MLP has train ≈ held-out: the held-out line is drawn first and the train curve on top of it,
    // dashed with markers, so both curves (and both legend entries) stay visible.
    PlotSeries s;
    s.name = tr("MLP held-out");
    s.x = x;
    s.y = held;
    s.color = seriesColor(1);
    s.lineWidth = 2.2;
    series.push_back(s);
    s.name = tr("MLP train");
    s.y = train;
    s.color = seriesColor(0);
    s.lineWidth = 1.0;
    s.dashed = true;
    s.style = SeriesStyle::LineAndMarkers;
    s.marker = MarkerShape::Square;
    series.push_back(s);
  }
  auto line = [&](const QString& name, double value, QColor color) {
    if (!std::isfinite(value)) return;
    PlotSeries s;
    s.name = name;
    s.x = Eigen::Vector2d(0.0, xmax);
    s.y = Eigen::Vector2d(value, value);
    s.color = color;
    s.dashed = true;
    s.pickable = false;
    series.push_back(s);
  };
  for (const KernelImageFit& f : m_fit.fits)
    if ((f.kind == KernelKind::Ntk && m_ntkCheck->isChecked()) || (f.kind == KernelKind::Nngp && m_nngpCheck->isChecked()))
      line(tr("%1 held-out (t = ∞)").arg(kindName(f.kind)), f.report.psnrHeldOut, seriesColor(f.kind == KernelKind::Ntk ? 2 : 3));
  if (!m_fit.bicubic.empty()) line(tr("bicubic held-out"), m_fit.bicubicPsnrHeldOut, QColor(110, 110, 110));
  if (series.empty()) {
    m_chart->clear();
    return;
  }
  PlotOptions o;
  o.xTitle = tr("MLP training step");
  o.yTitle = tr("PSNR (dB)");
  o.title = tr("PSNR over training");
  m_chart->setPlot(std::move(series), o, true);
}

void ImagePanel::paintFigure(QPainter& p, const QRectF& rect) const
{
  QString title = m_imageName.isEmpty() ? tr("Image regression") : tr("Image regression of %1").arg(m_imageName);
  if (!m_image.empty()) title += tr(" (%1 × %2, stride %3)").arg(m_image.width).arg(m_image.height).arg(m_strideSpin->value());
  const double em = beginFigure(p, rect, title);
  const double small = 0.62 * em; // tiles and the network line
  QRectF body = rect.adjusted(em, 2.0 * em, -em, -0.5 * em);
  {
    // The network the kernels belong to, on one line under the title.
    QFont f = p.font();
    f.setPixelSize(std::max(6, int(small)));
    p.setFont(f);
    p.setPen(QColor(60, 60, 60));
    const QString net = QString::fromStdString(network().summary()) + (m_unavailable.isEmpty() ? QString() : QStringLiteral(" — ") + m_unavailable);
    p.drawText(QRectF(body.left(), body.top(), body.width(), 1.4 * small), Qt::AlignCenter | Qt::TextSingleLine,
               QFontMetricsF(f).elidedText(net, Qt::ElideMiddle, body.width()));
    body.setTop(body.top() + 1.8 * small);
  }
  std::vector<const ImageTile*> tiles = {m_truthTile};
  if (m_ntkCheck->isChecked()) tiles.push_back(m_ntkTile);
  if (m_nngpCheck->isChecked()) tiles.push_back(m_nngpTile);
  if (m_mlpCheck->isChecked()) tiles.push_back(m_mlpTile);
  tiles.push_back(m_bicubicTile);
  const double gap = em;
  const double w = (body.width() - gap * double(tiles.size() - 1)) / double(tiles.size());
  const double topHeight = std::min(body.height() * 0.55, w + 3.5 * small);
  for (std::size_t i = 0; i < tiles.size(); ++i)
    tiles[i]->paintTo(p, QRectF(body.left() + double(i) * (w + gap), body.top(), w, topHeight), small);
  const QRectF lower(body.left(), body.top() + topHeight + gap, body.width(), body.bottom() - body.top() - topHeight - gap);
  if (m_bottomTabs->currentWidget() == m_sweepView && m_sweepView->hasResult()) {
    m_sweepView->paintCharts(p, lower); // the sweep tab in front: its charts
    p.restore();
    return;
  }
  const QRectF chartRect(lower.left(), lower.top(), lower.width() * 0.64, lower.height());
  if (m_chart->series().empty())
    paintFigureMessage(p, chartRect, tr("no PSNR data yet"), small);
  else
    m_chart->paintFigure(p, chartRect, false);
  m_spectrumTile->paintTo(p, QRectF(chartRect.right() + gap, lower.top(), lower.right() - chartRect.right() - gap, lower.height()), small);
  p.restore();
}

bool ImagePanel::exportView(const QString& path, QString* error)
{
  // With the sweep tab in front, its table is the data (CSV) and its chart the lower half of the figure.
  const bool sweepShown = m_bottomTabs->currentWidget() == m_sweepView && m_sweepView->hasResult();
  const QString suffix = QFileInfo(path).suffix().toLower();
  if (sweepShown && suffix == QLatin1String("csv")) return exportSweepTable(path, error);
  if (sweepShown && suffix == QLatin1String("npy")) {
    if (error) *error = tr("the sweep table is exported as .csv (it has text columns)");
    return false;
  }
  return exportFigureOrMatrix(path, QSize(2200, 1250), psnrHistory(), error,
                              tr("no MLP PSNR history yet: train the MLP first (the PNG/SVG figure can be exported now)"));
}

void ImagePanel::showFitsAtInfinity()
{
  // t = ∞: each kernel's exact regression, as fitted.
  m_shownKernel.clear();
  m_shownPsnr.clear();
  for (const KernelImageFit& f : m_fit.fits) {
    m_shownKernel.push_back(f.prediction);
    m_shownPsnr.push_back(f.report.psnrHeldOut);
  }
  m_shownTime = std::numeric_limits<double>::infinity();
}

// ---- the encoding sweep ----

void ImagePanel::createSweepAndZoomControls()
{
  m_sweepAction = new QAction(tr("Sweep &encodings"), this);
  m_sweepAction->setShortcut(QKeySequence(tr("Ctrl+Shift+E")));
  m_sweepAction->setShortcutContext(Qt::WindowShortcut);
  m_sweepButton = new QToolButton;
  m_sweepButton->setDefaultAction(m_sweepAction);
  m_sweepButton->setToolButtonStyle(Qt::ToolButtonTextOnly);
  updateSweepAction();

  m_fullSizeButton = new QToolButton;
  m_fullSizeButton->setText(tr("1:1…"));
  m_fullSizeButton->setPopupMode(QToolButton::InstantPopup);
  m_fullSizeButton->setToolTip(tr("Open one picture at full size (1:1, or enlarged by whole pixels) in its own window.\n"
                                  "Also: right click on a picture. Zoom all pictures at once: wheel or drag a rectangle\n"
                                  "over any picture; double click resets."));
  auto* menu = new QMenu(m_fullSizeButton);
  const QList<QPair<QString, QString>> items = {{tr("Ground truth"), QStringLiteral("truth")},
                                                {tr("NTK"), QStringLiteral("ntk")},
                                                {tr("NNGP"), QStringLiteral("nngp")},
                                                {tr("MLP"), QStringLiteral("mlp")},
                                                {tr("Bicubic"), QStringLiteral("bicubic")}};
  for (const auto& [label, which] : items)
    menu->addAction(label, this, [this, which = which] {
      if (!openFullSizeView(which)) emit statusMessage(tr("No %1 picture yet").arg(which));
    });
  m_fullSizeButton->setMenu(menu);

  m_diffCheck = new QCheckBox(tr("|Error|"));
  m_diffCheck->setToolTip(tr("Show |prediction − truth| (the mean over colour channels) instead of each prediction, in viridis\n"
                             "from 0 to %1 (brighter: larger error; clipped above), with the colour bar under each picture.\n"
                             "The ground truth stays as it is.").arg(kDifferenceMax));
}

void ImagePanel::connectSweepAndZoom()
{
  connect(m_sweepAction, &QAction::triggered, this, [this] {
    if (isSweeping())
      cancelSweep();
    else
      startSweep();
  });
  connect(m_sweepWatcher, &QFutureWatcher<SweepJob>::finished, this, &ImagePanel::onSweepFinished);
  connect(m_sweepView, &ImageSweepView::rowActivated, this, [this](int index) { showSweepRow(index); });
  connect(m_sweepView->mlpCheck(), &QCheckBox::toggled, this, [this] {
    saveSettings();
    updateSweepStale();
  });
  updateSweepMlpCheck();
  auto* exportMenu = new QMenu(m_sweepView->exportButton());
  exportMenu->addAction(tr("Table as CSV…"), this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export sweep table"), QStringLiteral("%1_sweep.csv").arg(m_imageName),
                                                      tr("CSV table (*.csv)"));
    if (path.isEmpty()) return;
    QString err;
    emit statusMessage(exportSweepTable(path, &err) ? tr("Exported %1").arg(path) : tr("Not exported: %1").arg(err));
  });
  exportMenu->addAction(tr("Chart as PNG or SVG…"), this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export sweep chart"), QStringLiteral("%1_sweep.png").arg(m_imageName),
                                                      tr("PNG image (*.png);;SVG figure (*.svg)"));
    if (path.isEmpty()) return;
    QString err;
    emit statusMessage(exportSweepChart(path, &err) ? tr("Exported %1").arg(path) : tr("Not exported: %1").arg(err));
  });
  m_sweepView->exportButton()->setMenu(exportMenu);

  for (ImageTile* t : comparisonTiles()) {
    connect(t, &ImageTile::viewRequested, this, &ImagePanel::setZoomRegion);
    connect(t, &ImageTile::viewResetRequested, this, [this] { setZoomRegion({}); });
    connect(t, &ImageTile::fullSizeRequested, this, [this, t] {
      for (const QString& which : {QStringLiteral("truth"), QStringLiteral("ntk"), QStringLiteral("nngp"), QStringLiteral("mlp"),
                                   QStringLiteral("bicubic")})
        if (tile(which) == t) openFullSizeView(which);
    });
  }
  connect(m_diffCheck, &QCheckBox::toggled, this, &ImagePanel::setDifferenceView);
}

bool ImagePanel::isSweeping() const { return m_sweepWatcher->isRunning() || m_sweepPending; }

void ImagePanel::updateSweepAction()
{
  const bool running = isSweeping();
  m_sweepAction->setText(running ? tr("Cancel sweep") : tr("Sweep &encodings"));
  m_sweepAction->setToolTip(
      running ? tr("Stop the encoding sweep (Esc cancels it too)")
              : tr("Fit the image with every encoding — none, basic, and positional and Gaussian features at σ = 2, 4, 8, 16 —\n"
                   "by exact kernel regression at the current stride, ridge and kernel (NTK, or NNGP when only it is ticked),\n"
                   "and show Tancik et al.'s table (train and held-out PSNR, bicubic beside) and PSNR against σ (%1);\n"
                   "with MLP (the check in the sweep tab) every row also trains the finite network")
                    .arg(m_sweepAction->shortcut().toString(QKeySequence::NativeText)));
  m_sweepAction->setStatusTip(running ? tr("Stop the encoding sweep") : tr("Fit every encoding at several σ and tabulate the PSNRs"));
}

ImagePanel::SweepSettings ImagePanel::currentSweepSettings() const
{
  SweepSettings s;
  s.imageSerial = m_imageSerial;
  s.stride = m_strideSpin->value();
  s.kind = !m_ntkCheck->isChecked() && m_nngpCheck->isChecked() ? KernelKind::Nngp : KernelKind::Ntk;
  s.ridge = m_ridgeSpin->value();
  s.domain = domain();
  s.mlpSteps = m_sweepView->mlpCheck()->isChecked() ? m_stepsSpin->value() : 0;
  s.mlpLr = s.mlpSteps > 0 ? m_lrSpin->value() : 0.0;
  if (m_unavailable.isEmpty()) {
    // The rows' networks: the encoding kind and σ of the network do not matter (every row replaces them),
    // its layers, positional levels and Gaussian features/seed do.
    try {
      s.networks = networkToJson(sweepNetwork(network(), EncodingKind::Positional, 1.0), 0) +
                   networkToJson(sweepNetwork(network(), EncodingKind::Gaussian, 1.0), 0);
    } catch (const std::exception& e) {
      s.networks = e.what();
    }
  }
  return s;
}

QString ImagePanel::sweepDescription(const SweepSettings& s) const
{
  const QString text = tr("%1, stride %2, %3, ridge %4").arg(m_imageName).arg(s.stride).arg(kindName(s.kind)).arg(s.ridge, 0, 'g', 3);
  return s.mlpSteps > 0 ? tr("%1, MLP %2 steps (lr %3)").arg(text).arg(s.mlpSteps).arg(s.mlpLr, 0, 'g', 3) : text;
}

QString ImagePanel::sweepStaleReason() const
{
  if (!m_sweepView->hasResult()) return {};
  const SweepSettings now = currentSweepSettings(), was = m_sweepSettings;
  QStringList why;
  if (now.imageSerial != was.imageSerial) why << tr("the image is now %1").arg(m_imageName);
  if (now.stride != was.stride) why << tr("the stride is now %1").arg(now.stride);
  if (now.kind != was.kind) why << tr("the kernel is now the %1").arg(kindName(now.kind));
  if (now.ridge != was.ridge) why << tr("the ridge is now %1").arg(now.ridge, 0, 'g', 3);
  if (now.domain != was.domain) why << tr("the domain is now %1").arg(m_domainCombo->currentText());
  if (now.networks != was.networks) why << tr("the network changed");
  if (now.mlpSteps != was.mlpSteps)
    why << (now.mlpSteps == 0   ? tr("MLP rows are no longer asked for")
            : was.mlpSteps == 0 ? tr("MLP rows are now asked for")
                                : tr("the MLP steps are now %1").arg(now.mlpSteps));
  else if (now.mlpLr != was.mlpLr) why << tr("the MLP learning rate is now %1").arg(now.mlpLr, 0, 'g', 3);
  if (m_pixels->mode() != TrainingPixels::Stride) why << tr("the fits now train on a mask (the sweep is on every s-th pixel)");
  return why.join(QStringLiteral(", "));
}

void ImagePanel::updateSweepStale()
{
  updateSweepMlpCheck();
  m_sweepView->setStale(sweepStaleReason());
}

void ImagePanel::updateSweepMlpCheck()
{
  QCheckBox* check = m_sweepView->mlpCheck();
  const int steps = m_stepsSpin->value();
  check->setText(tr("with MLP (%1 steps)").arg(steps));
  const QString widths = m_unavailable.isEmpty() && !m_image.empty() ? mlpTitle() : tr("the network's MLP");
  const MlpOptions defaults;
  check->setToolTip(
      tr("Sweep with MLP rows: every encoding row also trains the finite network — %1, one output per image channel,\n"
         "the row's encoding — on the same training pixels for %2 Adam steps (lr %3 with a %4-step warm-up, halving every\n"
         "%5 steps down to %6 %; minibatches of %7; seed %8), as Train MLP does. Its train and held-out PSNR fill the MLP\n"
         "columns, and the held-out chart draws them as the dashed \"MLP …\" series. The MLPs run after the kernel fits,\n"
         "one after another: each takes as long as Train MLP with these steps. The steps and lr are the MLP row's above.")
          .arg(widths)
          .arg(steps)
          .arg(m_lrSpin->value(), 0, 'g', 3)
          .arg(defaults.schedule.warmupSteps)
          .arg(defaults.schedule.halfLife)
          .arg(100.0 * defaults.schedule.floor)
          .arg(defaults.batchSize)
          .arg(defaults.seed));
}

void ImagePanel::startSweep()
{
  if (isSweeping()) return;
  if (m_image.empty()) return void(emit statusMessage(tr("Sweep: open an image first")));
  if (!m_unavailable.isEmpty()) return void(emit statusMessage(tr("Sweep not run: %1").arg(m_unavailable)));
  if (const QString refused = refusedSetting(false); !refused.isEmpty())
    return void(emit statusMessage(tr("Sweep not run until this is fixed: %1").arg(refused)));
  if (m_pixels->mode() != TrainingPixels::Stride) return void(emit statusMessage(tr("Sweep not run: %1").arg(strideGridOnly())));
  if (m_sweepView->mlpCheck()->isChecked() && !m_mlpRefusal.isEmpty())
    return void(emit statusMessage(tr("Sweep not run with MLP: %1").arg(m_mlpRefusal)));
  m_sweepPending = true;
  m_bottomTabs->setCurrentWidget(m_sweepView);
  m_sweepView->setRunning(tr("Sweep waiting for the current fit…"));
  updateSweepAction();
  emit busyChanged(true);
  // One job at a time: the kernel fit first (continueAfterKernel starts the sweep).
  if (m_kernelWatcher->isRunning() || m_pending || m_coalesce->isActive()) return;
  launchSweep();
}

void ImagePanel::cancelSweep()
{
  if (!isSweeping()) return;
  const bool waiting = m_sweepPending;
  m_sweepPending = false;
  if (m_sweepWatcher->isRunning()) stopJob();
  m_sweepView->setRunning(QString());
  updateSweepAction();
  emit statusMessage(tr("Encoding sweep cancelled"));
  if (waiting && !isBusy()) {
    emit busyChanged(false);
    emit idle();
  }
}

void ImagePanel::continueAfterKernel()
{
  if (m_sweepPending && !m_kernelWatcher->isRunning() && !m_pending && !m_coalesce->isActive()) {
    launchSweep();
    return;
  }
  if (!isBusy()) emit idle();
}

void ImagePanel::launchSweep()
{
  m_sweepPending = false;
  const SweepSettings settings = currentSweepSettings();
  const QString description = sweepDescription(settings);
  const Network base = network();
  const Image image = m_image;
  EncodingSweepOptions options;
  options.kind = settings.kind;
  options.ridge = settings.ridge; // the panel's: a row's fit is the panel's fit with that encoding
  options.domain = settings.domain;
  // Encoding none solves densely: as many training pixels as the panel's own fit allows.
  options.noneDenseLimit = std::max<Eigen::Index>(options.noneDenseLimit, kMaxDensePixels);
  options.mlpSteps = settings.mlpSteps; // the panel's MLP steps and lr, as Train MLP
  options.mlp.learningRate = settings.mlpSteps > 0 ? settings.mlpLr : options.mlp.learningRate;
  const int generation = ++m_sweepGeneration;
  const int rows = int(options.encodings.size() - 2 + 2 * options.sigmas.size());
  const QString fits = settings.mlpSteps > 0 ? tr("%1 fits and %1 MLPs").arg(rows) : tr("%1 fits").arg(rows);
  launchJob(m_sweepWatcher, [=](const JobFlags& flags) {
    SweepJob job;
    job.generation = generation;
    job.settings = settings;
    job.description = description;
    catchJobErrors([&] { job.result = sweepImageEncodings(base, image, settings.stride, options, flags.control()); }, &job.cancelled,
                   &job.error);
    return job;
  });
  m_sweepView->setRunning(tr("Sweeping %1: %2…").arg(description, fits));
  updateSweepAction();
  emit statusMessage(tr("Encoding sweep of %1 (%2)…").arg(description, fits));
}

void ImagePanel::onSweepFinished()
{
  SweepJob job = m_sweepWatcher->future().result();
  endJob(isTraining() || m_pending);
  if (job.generation == m_sweepGeneration) {
    m_sweepView->setRunning(QString());
    if (job.cancelled) {
      emit statusMessage(tr("Encoding sweep cancelled"));
    } else if (!job.error.isEmpty()) {
      emit statusMessage(tr("Encoding sweep failed: %1").arg(job.error));
      if (!m_sweepView->hasResult()) m_sweepView->clearResult(tr("Sweep failed: %1").arg(job.error));
    } else {
      m_sweepSettings = job.settings;
      m_sweepView->setResult(job.result, job.description);
      m_bottomTabs->setCurrentWidget(m_sweepView);
      // The row of the encoding shown, if the sweep has it.
      for (std::size_t i = 0; i < job.result.rows.size(); ++i) {
        const EncodingSweepRow& r = job.result.rows[i];
        const Encoding& e = network().encoding;
        if (r.encoding == e.kind && (!std::isfinite(r.sigma) || r.sigma == e.sigma)) m_sweepView->selectRow(int(i));
      }
      updateSweepStale();
      double best = -INFINITY;
      QString bestText;
      for (const EncodingSweepRow& r : job.result.rows)
        if (r.computed && r.psnrHeldOut > best) {
          best = r.psnrHeldOut;
          bestText = std::isfinite(r.sigma) ? tr("%1 σ = %2").arg(sweepEncodingName(r.encoding)).arg(r.sigma) : sweepEncodingName(r.encoding);
        }
      emit statusMessage(tr("Encoding sweep done in %1 s: best held-out %2 (%3), bicubic %4")
                             .arg(job.result.seconds, 0, 'f', 2)
                             .arg(formatPsnr(best), bestText, formatPsnr(job.result.bicubicPsnrHeldOut)));
    }
  }
  updateSweepAction();
  if (m_pending) {
    startKernelJob(); // a fit asked for while the sweep ran
    return;
  }
  if (!isBusy()) emit idle();
}

bool ImagePanel::showSweepRow(int index)
{
  const EncodingSweepResult& r = m_sweepView->result();
  if (index < 0 || std::size_t(index) >= r.rows.size()) return false;
  const EncodingSweepRow& row = r.rows[std::size_t(index)];
  m_sweepView->selectRow(index);
  Encoding next;
  try {
    next = sweepNetwork(network(), row.encoding, row.sigma).encoding;
  } catch (const std::exception& e) {
    emit statusMessage(tr("Sweep row not shown: %1").arg(QString::fromStdString(e.what())));
    return false;
  }
  // The row's fit is the network with that encoding and the row's ridge: both change, as one undo step.
  const Encoding& now = network().encoding;
  const bool sameEncoding = now.kind == next.kind && now.sigma == next.sigma && now.levels == next.levels &&
                            now.features == next.features && now.seed == next.seed && now.B == next.B;
  const double oldRidge = m_ridgeSpin->value(), newRidge = row.computed ? row.ridge : oldRidge;
  if (sameEncoding && oldRidge == newRidge) return true; // shown already
  const QString text = tr("Show sweep row: %1, ridge %2").arg(encodingDescription(next)).arg(newRidge, 0, 'g', 3);
  QUndoStack* stack = m_doc->undoStack();
  stack->beginMacro(text);
  if (oldRidge != newRidge)
    stack->push(new PanelStateCommand<ImagePanel, double>(m_doc, this, &ImagePanel::restoreRidge, tr("Set ridge %1").arg(newRidge, 0, 'g', 3),
                                                           oldRidge, newRidge));
  const bool ok = sameEncoding || editEncoding(tr("Set encoding to %1").arg(encodingDescription(next)), [next](Encoding& e) { e = next; });
  stack->endMacro();
  return ok;
}

void ImagePanel::restoreRidge(const double& ridge) { m_ridgeSpin->setValue(ridge); }

bool ImagePanel::exportSweepTable(const QString& path, QString* error) const { return m_sweepView->writeCsv(path, error); }

bool ImagePanel::exportSweepChart(const QString& path, QString* error) const
{
  if (!m_sweepView->hasResult()) {
    if (error) *error = tr("no sweep yet: press Sweep encodings first");
    return false;
  }
  const QString suffix = QFileInfo(path).suffix().toLower();
  if (suffix != QLatin1String("png") && suffix != QLatin1String("svg")) {
    if (error) *error = tr("the chart is written as .png or .svg, not .%1").arg(suffix);
    return false;
  }
  if (!saveFigure(path, QSize(1400, 900), [this](QPainter& p, const QRectF& r) { m_sweepView->paintFigure(p, r); })) {
    if (error) *error = tr("could not write %1").arg(path);
    return false;
  }
  return true;
}

// ---- looking closely ----

std::vector<ImageTile*> ImagePanel::comparisonTiles() const { return {m_truthTile, m_ntkTile, m_nngpTile, m_mlpTile, m_bicubicTile}; }

ImageTile* ImagePanel::tile(const QString& which) const
{
  if (which == QLatin1String("truth")) return m_truthTile;
  if (which == QLatin1String("ntk")) return m_ntkTile;
  if (which == QLatin1String("nngp")) return m_nngpTile;
  if (which == QLatin1String("mlp")) return m_mlpTile;
  if (which == QLatin1String("bicubic")) return m_bicubicTile;
  return nullptr;
}

void ImagePanel::setZoomRegion(const QRect& region)
{
  m_zoom = m_image.empty() ? QRect() : clampRegion(region, QSize(m_image.width, m_image.height));
  for (ImageTile* t : comparisonTiles()) t->setView(m_zoom);
  if (!m_zoom.isEmpty())
    emit statusMessage(tr("Zoom: pixels %1…%2 × %3…%4 of every picture (double click: whole image)")
                           .arg(m_zoom.left())
                           .arg(m_zoom.right())
                           .arg(m_zoom.top())
                           .arg(m_zoom.bottom()));
}

bool ImagePanel::differenceView() const { return m_diffCheck->isChecked(); }

void ImagePanel::setDifferenceView(bool on)
{
  if (m_diffCheck->isChecked() != on) {
    m_diffCheck->setChecked(on); // toggled comes back here
    return;
  }
  updateTiles();
}

QDialog* ImagePanel::openFullSizeView(const QString& which)
{
  const ImageTile* t = tile(which);
  if (!t || t->image().isNull()) return nullptr;
  const QImage image = t->image();
  auto* dialog = new QDialog(this);
  dialog->setAttribute(Qt::WA_DeleteOnClose);
  dialog->setObjectName(QStringLiteral("fullSizeView"));
  dialog->setWindowTitle(tr("%1 — %2 × %3").arg(t->title()).arg(image.width()).arg(image.height()));
  auto* layout = new QVBoxLayout(dialog);
  auto* row = new QHBoxLayout;
  auto* scaleCombo = new QComboBox;
  for (int k : {1, 2, 3, 4, 6, 8}) scaleCombo->addItem(k == 1 ? tr("1:1 (full size)") : tr("%1× (whole pixels)").arg(k), k);
  scaleCombo->setToolTip(tr("Every image pixel as k × k screen pixels (nearest neighbour, no smoothing)"));
  row->addWidget(new QLabel(tr("Scale")));
  row->addWidget(scaleCombo);
  row->addWidget(new QLabel(t->caption()), 1);
  layout->addLayout(row);
  auto* area = new QScrollArea;
  auto* label = new QLabel;
  label->setObjectName(QStringLiteral("fullSizeImage"));
  area->setWidget(label);
  area->setAlignment(Qt::AlignCenter);
  layout->addWidget(area, 1);
  auto show = [label, image](int k) {
    label->setPixmap(QPixmap::fromImage(image.scaled(image.size() * k, Qt::IgnoreAspectRatio, Qt::FastTransformation)));
    label->adjustSize();
  };
  connect(scaleCombo, &QComboBox::currentIndexChanged, dialog, [scaleCombo, show](int i) { show(scaleCombo->itemData(i).toInt()); });
  // The largest whole-pixel scale that fits most of the screen (at least 1:1).
  const QRect screen = this->screen() ? this->screen()->availableGeometry() : QRect(0, 0, 1280, 800);
  int k = 1;
  for (int c = 0; c < scaleCombo->count(); ++c) {
    const int kk = scaleCombo->itemData(c).toInt();
    if (image.width() * kk <= screen.width() * 0.8 && image.height() * kk <= screen.height() * 0.75) k = kk;
  }
  show(1);
  scaleCombo->setCurrentIndex(scaleCombo->findData(k));
  dialog->resize(std::min(screen.width() * 9 / 10, image.width() * k + 60), std::min(screen.height() * 9 / 10, image.height() * k + 100));
  dialog->show();
  return dialog;
}

// ---- automatic σ ----

void ImagePanel::chooseSigmaAutomatically()
{
  if (m_autoWatcher->isRunning()) return;
  const Network net = network();
  if (m_image.empty() || !m_unavailable.isEmpty()) return void(emit statusMessage(tr("Auto σ: %1").arg(m_image.empty() ? tr("open an image first") : m_unavailable)));
  if (net.encoding.kind != EncodingKind::Positional && net.encoding.kind != EncodingKind::Gaussian)
    return void(emit statusMessage(tr("Auto σ needs a positional or Gaussian encoding (σ is theirs)")));
  if (m_strideSpin->isRefused()) return void(emit statusMessage(tr("Auto σ not run until this is fixed: %1").arg(m_strideSpin->refusal())));
  if (m_pixels->mode() != TrainingPixels::Stride) return void(emit statusMessage(tr("Auto σ not run: %1").arg(strideGridOnly())));
  AutoSigmaJob job;
  job.imageSerial = m_imageSerial;
  job.stride = m_strideSpin->value();
  job.network = networkToJson(net, 0);
  RidgeSelectionOptions options;
  options.criterion = SelectionCriterion::QuantisedLikelihood; // fit-image --sigma auto --ridge auto: within 0.07 dB of the grid's best
  options.kind = !m_ntkCheck->isChecked() && m_nngpCheck->isChecked() ? KernelKind::Nngp : KernelKind::Ntk;
  m_autoStop = std::make_shared<std::atomic<bool>>(false);
  const std::shared_ptr<std::atomic<bool>> stop = m_autoStop;
  const Image image = m_image;
  m_autoWatcher->setFuture(QtConcurrent::run([job, net, image, options, stop]() mutable {
    JobControl control;
    control.stop = stop.get();
    catchJobErrors([&] { job.selection = selectSigmaRidge(net, image, job.stride, options, control); }, &job.cancelled, &job.error);
    return job;
  }));
  m_autoSigmaButton->setEnabled(false);
  emit busyChanged(true);
  emit statusMessage(tr("Choosing σ and the ridge by the marginal likelihood (ml-quant)…"));
}

void ImagePanel::onAutoSigmaFinished()
{
  const AutoSigmaJob job = m_autoWatcher->future().result();
  m_autoSigmaButton->setEnabled(true);
  const bool current = job.imageSerial == m_imageSerial && job.stride == m_strideSpin->value() && job.network == networkToJson(network(), 0);
  if (job.cancelled) {
    emit statusMessage(tr("Auto σ cancelled"));
  } else if (!job.error.isEmpty()) {
    emit statusMessage(tr("Auto σ failed: %1").arg(job.error));
  } else if (!current) {
    emit statusMessage(tr("Auto σ dropped: the image, stride or network changed while it ran"));
  } else {
    const RidgeSelection& sel = job.selection;
    m_autoSigma = sel.sigma;
    m_autoRidge = sel.ridge;
    m_autoNote = tr("σ = %1 and ridge %2 chosen by ml-quant on the training pixels (%3 spectra, %4 s%5)")
                     .arg(sel.sigma, 0, 'g', 4)
                     .arg(sel.ridge, 0, 'g', 3)
                     .arg(sel.evaluations)
                     .arg(sel.seconds, 0, 'f', 2)
                     .arg(sel.sigmaAtBound || sel.ridgeAtBound ? tr(", at the end of its range") : QString());
    // Both settings as one undo step (the ridge is the panel's, σ the network's).
    const double oldRidge = m_ridgeSpin->value();
    QUndoStack* stack = m_doc->undoStack();
    stack->beginMacro(tr("Auto σ = %1, ridge %2 (ml-quant)").arg(sel.sigma, 0, 'g', 4).arg(sel.ridge, 0, 'g', 3));
    if (oldRidge != sel.ridge)
      stack->push(new PanelStateCommand<ImagePanel, double>(m_doc, this, &ImagePanel::restoreRidge, tr("Set ridge %1").arg(sel.ridge, 0, 'g', 3),
                                                             oldRidge, sel.ridge));
    const double sigma = sel.sigma;
    if (network().encoding.sigma != sigma) editEncoding(tr("Set encoding σ = %1").arg(sigma, 0, 'g', 4), [sigma](Encoding& e) { e.sigma = sigma; });
    stack->endMacro();
    emit statusMessage(m_autoNote);
  }
  if (!isBusy()) {
    emit busyChanged(false);
    emit idle();
  }
}

} // namespace ntk::gui
