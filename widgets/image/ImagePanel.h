// ImagePanel — the "image" panel: Tancik et al. (2020) on one picture. An image (a bundled sample,
// a file from the dialog, or one dropped onto the panel) is regressed from every s-th pixel, side by
// side: the ground truth, the exact NTK and/or NNGP kernel regression (ImageKernelRegression), the real
// finite MLP trained step by step (MlpTrainer), and the aligned bicubic upsampling of the same pixels,
// each captioned with its held-out PSNR; a PSNR-over-steps chart (MLP train / held-out, kernels and
// bicubic as horizontal lines); a log time slider (∞ at the right) with Play that shows the kernel
// gradient flow f_t — the image sharpens from low to high frequencies; and the kernel's 2-D power
// spectrum on the training grid (log scale), i.e. what the encoding did.
// In: the network m_doc->networkFor(objectName()), used exactly — its input_dim (must be 2: the pixel
// coordinates x, y; otherwise nothing is computed and requirementReason() says why), encoding, layers and
// widths, for the kernels and the MLP alike (the MLP's readout is the image's channel count, or widened
// from 1). The encoding controls edit that network through the document (one undo step each). Panel-only:
// the image, stride, relative ridge, methods, MLP steps / learning rate, time.
// Refusals: a stride, step count, ridge or learning rate out of range stays visible, marked, with the reason
// (statusMessage), and nothing is fitted or trained until it is fixed; an MLP whose output width fits neither
// the image's channels nor 1, or whose memory estimate (float32 parameters, Adam state, activations of the
// training batch) exceeds what the machine has, is not offered (mlpRefusal(), with the estimate).
// The encoding sweep (Sweep encodings: button, View menu, Ctrl+Shift+E): ImageEncodingSweep for the image,
// stride, kernel (NTK unless only the NNGP is ticked), ridge and network shown, off the GUI thread with
// progress and Cancel; its table and PSNR-against-σ chart (ImageSweepView) in the "Encoding sweep" tab
// below the pictures. A click on a row sets the network's encoding (and the ridge box, should the row's
// ridge differ) to that row's, one undo step, so the pictures show exactly that fit. A sweep computed for other settings stays visible, marked stale with what changed.
// Looking closely: a linked zoom (wheel or a dragged rectangle over any picture shows the same pixel region
// in all of them, pixel-exact; double click resets), a full-size view of one picture (1:1…, or a picture's
// context menu), and the difference view |prediction − truth| with its colour bar (0 … kDifferenceMax).
// Out: the views; requirementChanged() when the network starts or stops fitting an image; exportView: PNG/SVG of the whole comparison, CSV/NPY of the MLP's PSNR history
// (rows: step, loss, PSNR train, PSNR held-out, PSNR all); savePrediction writes one result as an image.
// Training pixels (the "Train on" row, TrainingPixelsControl): every s-th pixel, a random fraction p (the CLI's
// --mask random:P mask) or a mask painted on the ground truth picture (one undo step per stroke or Mask menu
// action, in the document's history). With a mask the kernels are exact regressions on the masked pixels
// (MaskedImageRegression: CG with the FFT product; encoding none refused, it is not stationary), the time
// slider evaluates their Chebyshev flow off-thread with progress and Cancel, bicubic is n/a (stride grid
// only), the MLP trains on the masked pixels; held-out PSNRs are over the other pixels. A mask edit marks the
// pictures stale (kernelStaleReason()) and refits after a pause (kMaskRefitDelayMs) once the stroke ends.
// Work: the kernel fits run off the GUI thread (launchJob; newer requests cancel older ones), the time
// slider evaluates predictAt(t) off-thread coalesced to the newest t, the MLP trains on a worker thread
// and streams a snapshot every few steps (queued), cancellable at any step. While hidden, network edits
// only mark the panel stale. GUI thread only.
#pragma once
#include <array>
#include <atomic>
#include <cmath>
#include <functional>
#include <memory>
#include <vector>

#include <Eigen/Dense>
#include <QFutureWatcher>

#include "core/image/ImageEncodingSweep.h"
#include "core/image/ImageRidgeSelection.h"
#include "widgets/common/AnalysisPanel.h"
#include "widgets/common/PanelJob.h"
#include "widgets/image/ImageModel.h"

class QAction;
class QBoxLayout;
class QDialog;
class QSplitter;
class QTabWidget;
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QSlider;
class QTimer;
class QToolButton;

namespace ntk::gui {

class NetworkDocument;
class CheckedSpinBox;
class CheckedDoubleSpinBox;
class ImageTile;
class PlotWidget;
class LogTimeSlider;
class ImageSweepView;
class TrainingPixelsControl;

class ImagePanel : public AnalysisPanel {
  Q_OBJECT

public:
  /// Slider positions 0…kSliderLogSteps are t = 10^(kLogTimeMin … kLogTimeMax); kSliderLogSteps + 1 is ∞.
  static constexpr int kSliderLogSteps = 800;
  static constexpr double kLogTimeMin = -1.0, kLogTimeMax = 7.0;
  static double timeForSliderPosition(int position);
  /// Encoding none is not stationary: the dense Gram is used, up to this many training pixels.
  static constexpr long long kMaxDensePixels = 8192;
  static int sliderPositionForTime(double t);
  /// Limits of the panel's own settings (larger values are refused, with the reason).
  static constexpr int kMaxStride = 64, kMaxSteps = 100000;
  static constexpr double kMaxRidge = 10.0, kMinLearningRate = 1e-7, kMaxLearningRate = 10.0;
  static constexpr int kDefaultSteps = 2000; ///< the MLP's steps, as ntk-cli fit-image
  /// The difference view's colour scale: |prediction − truth| from 0 to this (values in [0, 1]; clipped above).
  static constexpr double kDifferenceMax = 0.25;
  /// A mask edit refits after this pause without further edits (strokes in a row fit once).
  static constexpr int kMaskRefitDelayMs = 400;

  explicit ImagePanel(NetworkDocument* doc, QWidget* parent = nullptr);
  ~ImagePanel() override;

  bool isBusy() const override;
  /// .png/.svg: the comparison figure; .csv/.npy: the MLP PSNR history (step, loss, train, held-out, all).
  bool exportView(const QString& path, QString* error) override;
  void paintFigure(QPainter& p, const QRectF& rect) const override;

  /// Loads a bundled sample (a name from bundledSampleNames()); the previous image is kept on failure.
  bool loadSample(const QString& name, QString* error = nullptr);
  /// Loads any image file Qt reads; the previous image is kept on failure (the reason is also shown).
  bool loadImage(const QString& path, QString* error = nullptr);
  /// Uses `image` (1 or 3 channels) under `name`.
  bool setImage(const Image& image, const QString& name, QString* error = nullptr);
  /// Writes one result ("truth", "ntk", "nngp", "mlp", "bicubic") as an image file (format by suffix).
  bool savePrediction(const QString& path, const QString& which, QString* error = nullptr) const;

  // State, for tests and scripting.
  const Image& groundTruth() const { return m_image; }
  QString imageName() const { return m_imageName; }
  bool hasKernelFit(KernelKind kind) const;
  /// The kernel prediction shown (at the current t); empty before the fit.
  Image kernelPrediction(KernelKind kind) const;
  /// Held-out PSNR of the shown kernel prediction (NaN before the fit).
  double kernelPsnr(KernelKind kind) const;
  double bicubicPsnr() const { return m_fit.bicubicPsnrHeldOut; }
  const Image& mlpPrediction() const { return m_mlpImage; }
  /// Rows: step, loss, PSNR train, PSNR held-out, PSNR all.
  Eigen::MatrixXd psnrHistory() const;
  int mlpStepsDone() const { return m_mlpStepsDone; }
  bool isTraining() const;
  bool timeSupported() const;
  /// The domain the kernel regressions are solved on: RegressionPath::Mirror (the default: the mirrored
  /// periodic domain, frequencies rounded to its period, instant time slider) or RegressionPath::Auto (exact).
  RegressionPath domain() const;
  double time() const;
  QSlider* timeSlider() const;
  const Eigen::MatrixXd& kernelSpectrum() const { return m_fit.spectrum; }
  QString lastError() const { return m_lastError; }
  /// Kernel fits shown so far (+1 per recompute).
  int fitCount() const { return m_fitCount; }
  /// The network the panel fits: m_doc->networkFor(objectName()), exactly.
  const Network& network() const;
  /// The finite network the MLP trains (network() with the readout sized to the image's channels);
  /// meaningful when mlpRefusal() is empty.
  const Network& mlpNetwork() const { return m_mlpNet; }
  /// The network the last (or current) MLP run actually trained (MlpTrainer::network()); empty layers before a run.
  const Network& trainedNetwork() const { return m_trainedNet; }
  // The encoding sweep.
  /// "Sweep encodings" (Ctrl+Shift+E): starts the sweep, or cancels the running one. MainWindow puts it in View.
  QAction* sweepAction() const { return m_sweepAction; }
  bool isSweeping() const;
  const ImageSweepView* sweepView() const { return m_sweepView; }
  /// Why the sweep shown no longer matches the settings (empty: it matches, or there is none).
  QString sweepStaleReason() const;
  /// Runs the sweep once when the panel is next shown (`--panel image --screenshot` shows it).
  void sweepWhenShown() { m_sweepOnShow = true; }
  /// Sets the network's encoding to sweep row `index`'s (one undo step) and shows that fit; false if refused.
  bool showSweepRow(int index);
  /// Sets the ridge box (the undo step of a sweep row restores it through this).
  void restoreRidge(const double& ridge);
  /// The sweep table as CSV / the chart as PNG or SVG (by suffix). False with the reason.
  bool exportSweepTable(const QString& path, QString* error) const;
  bool exportSweepChart(const QString& path, QString* error) const;

  // Looking closely.
  /// The pictures that share the zoom (ground truth, NTK, NNGP, MLP, bicubic).
  std::vector<ImageTile*> comparisonTiles() const;
  /// The picture named "truth", "ntk", "nngp", "mlp" or "bicubic" (null otherwise).
  ImageTile* tile(const QString& which) const;
  /// The region of the image every picture shows (pixels; empty: all).
  QRect zoomRegion() const { return m_zoom; }
  bool differenceView() const;
  /// A window with one picture at an integer scale (1:1 by default); null when it has no image.
  QDialog* openFullSizeView(const QString& which);

  // Training pixels.
  TrainingPixelsControl* trainingPixels() const { return m_pixels; }
  /// The mask the fits train on (H·W, row-major): empty for every s-th pixel.
  std::vector<bool> trainMask() const;
  /// Shows `mask` as the painted mask: the undo history's steps call this.
  void restoreMask(const std::vector<bool>& mask);
  /// Why the pictures shown no longer match the settings (a mask edit awaiting its refit); empty when they match.
  QString kernelStaleReason() const { return m_maskStale; }

  /// Why the MLP cannot be trained (input_dim, output width, memory with the estimate); empty when it can.
  QString mlpRefusal() const { return m_mlpRefusal; }
  /// The MLP tile's title: "MLP 256-256-256", the network's hidden widths.
  QString mlpTitle() const;
  /// The pixel coordinates (x, y) are the network's input.
  int requiredInputDim() const override { return 2; }
  QString requiredInputPurpose() const override { return tr("x, y pixel coordinates"); }
  /// Why the network cannot fit an image (input_dim ≠ 2, …); empty when it fits. Shown in the panel.
  QString requirementReason() const { return m_unavailable; }
  /// The same, under the dynamics panel's name.
  QString unavailableReason() const { return m_unavailable; }
  /// View ▸ Show NTK / Show NNGP: which kernel regression is fitted and shown. showsNtk: the NTK is ticked
  /// and the NNGP is not (showsNngp the other way round); showsBothKernels: both (the menu checks neither).
  bool showsNtk() const;
  bool showsNngp() const;
  bool showsBothKernels() const;

public slots:
  void scheduleRecompute() override;
  void cancel() override;
  void setTime(double t);
  void setPlaying(bool on);
  void setStride(int stride);
  void setRidge(double relativeRidge);
  /// RegressionPath::Mirror or RegressionPath::Auto (exact); anything else is refused (status bar).
  void setDomain(RegressionPath domain);
  void setMethods(bool ntk, bool nngp, bool mlp);
  /// Shows (and fits) only the NTK (true) or only the NNGP (false) regression; the MLP is left as it is.
  void setShowNtk(bool ntk);
  /// Edits the network's encoding through the document (one undo step, "Set encoding to …"); false when the
  /// document refuses it (the reason goes to the status bar).
  bool setEncoding(const ntk::Encoding& encoding);
  /// Panel-only MLP settings (the widths are the network's).
  void setMlpOptions(int steps, double learningRate);
  /// Starts (or restarts) MLP training for the MLP step count; no-op while the kernel has no image.
  void startTraining();
  void stopTraining();
  void openImageDialog();
  /// Starts the encoding sweep (after a running kernel fit); while one runs, cancels it.
  void startSweep();
  void cancelSweep();
  /// Shows `region` (pixels; empty: the whole image) in every comparison picture.
  void setZoomRegion(const QRect& region);
  void setDifferenceView(bool on);
  /// Auto σ (positional / Gaussian encodings): chooses σ and the ridge by generalised cross-validation on the
  /// training pixels (ImageRidgeSelection, off the GUI thread) and sets both as one undo step; the info line
  /// then states the chosen values.
  void chooseSigmaAutomatically();

protected:
  void showEvent(QShowEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;
  bool eventFilter(QObject* watched, QEvent* event) override;

private:
  struct MlpSnapshot {
    int generation = 0;
    int step = 0;
    double loss = 0.0, psnrTrain = 0.0, psnrHeldOut = 0.0, psnrAll = 0.0;
    Image prediction;
    Network trained; ///< MlpTrainer::network(), in the first and the last snapshot
    QString error;
    bool cancelled = false;
    bool last = false;
  };
  /// What a sweep was computed for: it is stale when any of these differ from the panel's now.
  struct SweepSettings {
    int imageSerial = -1;
    int stride = 0;
    KernelKind kind = KernelKind::Ntk;
    double ridge = 0.0;
    RegressionPath domain = RegressionPath::Auto;
    std::string networks; ///< the JSON of the networks its rows fit (sweepNetwork for positional and Gaussian)
    int mlpSteps = 0;     ///< "with MLP": the panel's MLP steps; 0: kernel rows only
    double mlpLr = 0.0;   ///< the panel's MLP learning rate (with MLP)
  };
  struct SweepJob {
    int generation = 0;
    SweepSettings settings;
    QString description;
    EncodingSweepResult result;
    QString error;
    bool cancelled = false;
  };
  struct AutoSigmaJob {
    int imageSerial = 0, stride = 0;
    std::string network; ///< the JSON of the network it chose for
    RidgeSelection selection;
    QString error;
    bool cancelled = false;
  };
  struct TimeEvaluation {
    std::vector<KernelImageFit> fits;
    JobFlags flags;
    std::vector<bool> heldOutMask;
    Image truth;
    double t = 0.0;
    std::vector<Image> images;
    std::vector<double> psnrs;
    QString failure;
  };

  // Construction, in parts.
  void createImageControls();
  void createEncodingControls();
  void createFitControls();
  void createMlpControls();
  void layoutControlRows(QBoxLayout* layout);
  void createTimeAndNotes(QBoxLayout* layout);
  QWidget* createTiles();
  QWidget* createChartAndSpectrum();
  void createSweepAndZoomControls();
  void connectSweepAndZoom();
  SweepSettings currentSweepSettings() const;
  QString sweepDescription(const SweepSettings& s) const;
  void updateSweepStale();
  /// The sweep's "with MLP" check: its text and tooltip say what would be trained (steps, lr, widths).
  void updateSweepMlpCheck();
  void launchSweep();
  void onSweepFinished();
  /// After a kernel job (or its refusal): the pending sweep starts, else idle() when nothing else runs.
  void continueAfterKernel();
  void updateSweepAction();
  void onAutoSigmaFinished();
  /// Gives the pictures the height their width allows (see the .cpp), unless the user moved the handle.
  void balanceSplitter();
  void loadInitialImage();
  void connectJobs();
  void connectDocument();
  void connectImageControls();
  void connectEncodingControls();
  void connectFitControls();
  void connectMlpControls();
  void connectTimeSlider();
  void connectTrainingPixels();
  /// Why the encoding sweep and Auto σ are refused with a mask.
  QString strideGridOnly() const;
  /// The painted mask changed (a stroke under way, an undo step): mark the pictures stale, refit after a pause.
  void maskChanged();
  /// Forwards a spin box's refusals to the status bar.
  template <class Box> void forwardRefusals(Box* box);

  /// Why the ridge / learning rate shown is refused (empty when valid).
  QString ridgeRefusal() const;
  QString learningRateRefusal() const;
  /// Marks `box` refused with `reason` (or clears the mark when it is empty); true when valid.
  bool markDecade(QDoubleSpinBox* box, const QString& reason);
  /// The first refused panel setting the kernels (forMlp false) or the MLP (true) would use; empty if none.
  QString refusedSetting(bool forMlp) const;
  /// How the network is named in messages.
  QString networkName() const;
  /// Shows every fitted kernel's t = ∞ prediction and held-out PSNR.
  void showFitsAtInfinity();
  /// Applies `edit` to the network's encoding as one undo step described by `description`.
  bool editEncoding(const QString& description, const std::function<void(Encoding&)>& edit, const QString& mergeKey = {});
  void chooseEncodingKind(int index);
  void updateNetwork();
  void updateMlpNetwork();
  void startKernelJob();
  /// Why the kernels cannot fit `mask` (encoding none, no training pixel); empty when they can.
  QString maskRefusal(const Network& net, const std::vector<bool>& mask) const;
  void launchMaskedKernelJob(const Network& net, const std::vector<bool>& mask);
  /// Runs `fits` as the kernel job (the newest generation; its result is shown by onKernelFinished).
  void launchKernelFits(std::function<KernelFitResult(const JobFlags&)> fits);
  void onKernelFinished();
  void requestEvaluation();
  void startEvaluation();
  void onEvaluationFinished();
  void onMlpSnapshot(const MlpSnapshot& s);
  void onMlpFinished();
  void resetMlp(const QString& why);
  void settingsChanged();
  /// The kernel methods changed: remember them, refit (or mark stale while hidden).
  void kernelMethodsChanged();
  void updateTiles();
  void updateChart();
  void updateTimeControls();
  void updateEncodingControls();
  void updateSampleCombo();
  void restoreSettings();
  void saveSettings();
  bool acceptImage(Image image, const QString& name, const QString& source, QString* error);
  QString kindName(KernelKind kind) const;
  int fitIndex(KernelKind kind) const;

  NetworkDocument* m_doc;
  // Controls.
  QComboBox* m_sampleCombo;
  QPushButton* m_openButton;
  QComboBox* m_encodingCombo;
  CheckedDoubleSpinBox* m_sigmaSpin;
  CheckedSpinBox* m_levelsSpin;
  CheckedSpinBox* m_featuresSpin;
  QPushButton* m_roundButton;
  CheckedSpinBox* m_strideSpin;
  QDoubleSpinBox* m_ridgeSpin;
  QComboBox* m_domainCombo; ///< data: int(RegressionPath) — Mirror or Auto (exact)
  QLabel* m_domainLabel = nullptr; ///< hidden with the combo when a mask trains (the domain needs the stride grid)
  QCheckBox* m_ntkCheck;
  QCheckBox* m_nngpCheck;
  QCheckBox* m_mlpCheck;
  CheckedSpinBox* m_stepsSpin;
  QDoubleSpinBox* m_lrSpin;
  QPushButton* m_trainButton;
  QToolButton* m_saveButton;
  LogTimeSlider* m_timeSlider;
  QLabel* m_noteLabel;
  QLabel* m_infoLabel;
  // Views.
  ImageTile* m_truthTile;
  ImageTile* m_ntkTile;
  ImageTile* m_nngpTile;
  ImageTile* m_mlpTile;
  ImageTile* m_bicubicTile;
  ImageTile* m_spectrumTile;
  PlotWidget* m_chart;
  QTimer* m_coalesce;
  QTabWidget* m_bottomTabs;
  QBoxLayout* m_tileLayout;
  QSplitter* m_splitter;
  bool m_userSplit = false; ///< the user dragged the handle: balanceSplitter leaves it
  ImageSweepView* m_sweepView;
  QAction* m_sweepAction;
  QToolButton* m_sweepButton;
  QToolButton* m_fullSizeButton;
  QCheckBox* m_diffCheck;
  QPushButton* m_autoSigmaButton;
  QFutureWatcher<AutoSigmaJob>* m_autoWatcher;
  std::shared_ptr<std::atomic<bool>> m_autoStop;
  QString m_autoNote;            ///< "σ = 7.3 and ridge 1e-7 chosen by GCV …" while those are the settings
  double m_autoSigma = NAN, m_autoRidge = NAN;
  QRect m_zoom;

  // Sweep job.
  QFutureWatcher<SweepJob>* m_sweepWatcher;
  int m_sweepGeneration = 0;
  bool m_sweepPending = false;
  bool m_sweepOnShow = false;
  SweepSettings m_sweepSettings; ///< of the sweep shown
  int m_imageSerial = 0;         ///< +1 per image accepted

  // Kernel job.
  QFutureWatcher<KernelFitResult>* m_kernelWatcher;
  int m_generation = 0;
  bool m_pending = false;
  bool m_dirty = true;
  int m_fitCount = 0;
  KernelFitResult m_fit;               ///< the fit shown (t = ∞ predictions)
  std::vector<Image> m_shownKernel;    ///< per fit: the prediction at m_shownTime
  std::vector<double> m_shownPsnr;     ///< per fit: its held-out PSNR
  double m_shownTime = INFINITY;
  QFutureWatcher<TimeEvaluation>* m_evalWatcher;
  bool m_evalPending = false;
  JobFlags m_evalFlags;     ///< of the running evaluation: Cancel stops it, its progress is shown
  QTimer* m_evalProgress;   ///< polls m_evalFlags.percent while an evaluation runs (from 250 ms on)
  bool m_evalBusyShown = false; ///< busyChanged(true) was emitted for the running evaluation

  // Training pixels.
  TrainingPixelsControl* m_pixels;
  QTimer* m_maskRefit;      ///< kMaskRefitDelayMs after the last mask edit
  QString m_maskStale;      ///< why the pictures are stale (mask edited, not yet refitted)

  // MLP training.
  QFutureWatcher<MlpSnapshot>* m_mlpWatcher;
  std::shared_ptr<std::atomic<bool>> m_mlpStop;
  int m_mlpGeneration = 0;
  int m_mlpStepsDone = 0;
  int m_mlpStepsTarget = 0;
  Image m_mlpImage;
  std::vector<std::array<double, 5>> m_history;
  QString m_mlpMessage;

  Network m_mlpNet;     ///< network() with the readout sized to the image (mlpNetworkFor)
  Network m_trainedNet; ///< what the last MLP run trained
  QString m_unavailable, m_mlpRefusal, m_lastError;
  QString m_mlpBrief; ///< m_mlpRefusal, short enough for the MLP picture
  Image m_image;
  QString m_imageName;
  QString m_imagePath; ///< file path or ":/images/…"
};

} // namespace ntk::gui
