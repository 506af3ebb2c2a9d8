#include "widgets/spectra/SpectrumPanel.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QTimer>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include "widgets/network/NetworkDocument.h"
#include "widgets/common/CheckedSpinBox.h"
#include "widgets/common/PlotWidget.h"
#include "core/network/NetworkJson.h"
#include "core/spectra/SphereSpectrum.h"
#include "core/util/Errors.h"

namespace ntk::gui {

namespace {

constexpr unsigned long long kPointsSeed = 20240601ULL; ///< the Gram domain's points are reproducible
constexpr double kRoundOff = 1e-13;                     ///< relative to λ_max: below, Gram/FFT values are noise
// Size limits of the three domains (what a desktop computes in seconds; ntk-cli takes more).
constexpr int kMinKmax = 4, kMaxKmax = 4000;
constexpr int kMaxGridN1 = 4096, kMaxGridN2 = 512;
constexpr int kMinPoints = 16, kMaxPoints = 6000;
const double kNaN = std::numeric_limits<double>::quiet_NaN();

QString sphereName(int d) { return d == 2 ? QStringLiteral("S¹") : d == 3 ? QStringLiteral("S²") : QStringLiteral("S^%1").arg(d - 1); }

/// Uniform points of the Gram domain: on S^{d−1} when the network reads raw unit vectors, in [0,1)^d otherwise.
Eigen::MatrixXd gramDomainPoints(const Network& net, int m)
{
  if (net.encoding.kind == EncodingKind::None && net.inputDim >= 2) return uniformSpherePoints(m, net.inputDim, kPointsSeed);
  std::mt19937_64 rng(kPointsSeed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Eigen::MatrixXd X(m, net.inputDim);
  for (Eigen::Index i = 0; i < X.rows(); ++i)
    for (Eigen::Index j = 0; j < X.cols(); ++j) X(i, j) = u(rng);
  return X;
}

/// Hides round-off (≤ 0, or tiny against λ_max) as NaN; returns how many.
int hideRoundOff(Eigen::VectorXd& lambda)
{
  const double top = lambda.size() ? lambda.cwiseAbs().maxCoeff() : 0.0;
  int hidden = 0;
  for (Eigen::Index i = 0; i < lambda.size(); ++i)
    if (!(lambda(i) > kRoundOff * top)) lambda(i) = kNaN, ++hidden;
  return hidden;
}

/// The letter of a curve's x in fit legends: k for degrees and frequencies, r for ranks of distinct
/// eigenvalues, i for Gram ranks (as on the axis).
QString indexSymbol(const SpectrumCurve& c)
{
  switch (c.domain) {
  case SpectrumDomain::Sphere: return QStringLiteral("k");
  case SpectrumDomain::Grid: return c.dim == 1 ? QStringLiteral("k") : QStringLiteral("r");
  case SpectrumDomain::Points: break;
  }
  return QStringLiteral("i");
}

QString formatExponent(const PowerLaw& law)
{
  // Digits to the standard error's first significant figure (at least 2, at most 4 decimals).
  const int decimals = law.stderror > 0 ? std::clamp(int(std::ceil(-std::log10(law.stderror))) + 1, 2, 4) : 3;
  return QStringLiteral("p = %1 ± %2").arg(law.exponent, 0, 'f', decimals).arg(law.stderror, 0, 'f', decimals);
}

QString bytesText(double bytes)
{
  return bytes >= 1e9 ? QStringLiteral("%1 GB").arg(bytes / 1e9, 0, 'g', 3) : QStringLiteral("%1 MB").arg(bytes / 1e6, 0, 'g', 3);
}

QString kmaxRefusal(int kmax)
{
  if (kmax < kMinKmax) return QObject::tr("k max = %1: at least %2 degrees are computed").arg(kmax).arg(kMinKmax);
  if (kmax > kMaxKmax)
    return QObject::tr("k max = %1: at most %2 degrees here (each λ_k is a quadrature of a Gegenbauer polynomial); "
                       "ntk-cli spectrum takes more")
        .arg(kmax)
        .arg(kMaxKmax);
  return {};
}

QString gridRefusal(int n, int dim)
{
  const int cap = dim == 2 ? kMaxGridN2 : kMaxGridN1;
  if (n < 8) return QObject::tr("n = %1: at least 8 grid points per axis").arg(n);
  if (n > cap) {
    const double points = std::pow(double(n), dim == 2 ? 2.0 : 1.0);
    return QObject::tr("n = %1 is %2 grid points (a kernel row of %3); at most %4 per axis here")
        .arg(n)
        .arg(points, 0, 'g', 4)
        .arg(bytesText(8.0 * points))
        .arg(cap);
  }
  return {};
}

QString pointsRefusal(int m)
{
  if (m < kMinPoints) return QObject::tr("m = %1: at least %2 points").arg(m).arg(kMinPoints);
  if (m > kMaxPoints)
    return QObject::tr("m = %1 needs a %1×%1 Gram matrix (%2); at most %3 points (%4) here — "
                       "ntk-cli spectrum --domain points takes more")
        .arg(m)
        .arg(bytesText(8.0 * double(m) * double(m)))
        .arg(kMaxPoints)
        .arg(bytesText(8.0 * kMaxPoints * kMaxPoints));
  return {};
}

Eigen::VectorXd logSpaced(double a, double b, int n)
{
  Eigen::VectorXd x(n);
  for (int i = 0; i < n; ++i) x(i) = std::exp(std::log(a) + (std::log(b) - std::log(a)) * i / (n - 1));
  return x;
}

} // namespace

SpectrumPanel::SpectrumPanel(NetworkDocument* doc, QWidget* parent)
    : AnalysisPanel(parent), m_doc(doc), m_watcher(new QFutureWatcher<SpectrumResult>(this)),
      m_pinWatcher(new QFutureWatcher<SpectrumResult>(this))
{
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  buildKernelDomainAndSizeRows(layout);
  buildFitAndPinRow(layout);

  m_plot = new PlotWidget;
  m_plot->setToolTip(tr("Mercer eigenvalues λ_k of the kernel (uniform measure on the domain), log–log.\n"
                        "λ_k = c_d ∫ K(t) P_k(t)(1−t²)^{(d−3)/2} dt on the sphere, multiplicity N(d,k); a power law λ ≈ C k^{−p}\n"
                        "is a straight line. ▽ in the bottom strip: λ = 0 exactly. Click a point to choose its eigenfunction\n"
                        "(Eigenfunctions tab); double-click it to open that tab.\n"
                        "Wheel: zoom · drag: pan · double click on empty space: reset the view."));
  layout->addWidget(m_plot, 1);

  m_coalesce = new QTimer(this);
  m_coalesce->setSingleShot(true);
  m_coalesce->setInterval(0);

  restoreSettings();
  updateDomainChoices();
  updateSizeControls();

  connectControls();
  m_dirty = true; // computed when first shown
  updatePlot();
}

void SpectrumPanel::buildKernelDomainAndSizeRows(QVBoxLayout* layout)
{
  auto* row1 = new QHBoxLayout;
  m_kind = new QComboBox;
  m_kind->addItem(tr("NTK Θ"));
  m_kind->addItem(tr("NNGP K"));
  m_kind->setToolTip(tr("Which kernel's Mercer eigenvalues: the NTK Θ (training dynamics: the error along eigenfunction k\n"
                        "decays like e^{−η λ_k t}) or the NNGP K (prior covariance).\n"
                        "With bias, NTK λ_k ~ k^{−d} and NNGP λ_k ~ k^{−(d+2)} on S^{d−1}."));
  row1->addWidget(new QLabel(tr("Kernel")));
  row1->addWidget(m_kind);
  m_domain = new QComboBox;
  m_domain->addItem(tr("Sphere Sᵈ⁻¹ (Funk–Hecke)"));
  m_domain->addItem(tr("Periodic grid (FFT)"));
  m_domain->addItem(tr("Random points (Gram)"));
  m_domain->setItemData(0, tr("Exact eigenvalues of a zonal kernel on the sphere, uniform measure (Funk–Hecke):\n"
                              "λ_k = c_d ∫₋₁¹ K(t) P_k(t) (1−t²)^{(d−3)/2} dt,  P_k Gegenbauer with P_k(1) = 1,\n"
                              "c_d = |S^{d−2}|/|S^{d−1}| (1/π on S¹, 1/2 on S²), each with multiplicity\n"
                              "N(d,k) = (2k+d−2)/k · C(k+d−3, k−1)  (1, 2, 2, … on S¹; 2k+1 on S²).\n"
                              "Needs encoding none and input_dim = d ≥ 2."),
                        Qt::ToolTipRole);
  m_domain->setItemData(1, tr("A stationary 1-periodic kernel on the regular grid of [0,1)^d is circulant: its eigenvalues\n"
                              "are the DFT of one kernel row divided by m = n^d, eigenfunctions √2 cos 2πν·v, √2 sin 2πν·v.\n"
                              "Needs an encoding whose frequencies are all integers (basic, integer positional, fourier)."),
                        Qt::ToolTipRole);
  m_domain->setItemData(2, tr("Eigenvalues of the Gram matrix K(X,X)/m for m random points (fixed seed) — Monte-Carlo estimates\n"
                              "of the Mercer eigenvalues for the points' distribution: uniform on S^{d−1} (encoding none),\n"
                              "uniform in [0,1)^d otherwise. Always available."),
                        Qt::ToolTipRole);
  row1->addWidget(new QLabel(tr("Domain")));
  row1->addWidget(m_domain);
  m_sizeLabel = new QLabel;
  // Sizes are refused, not bent, when out of range: the box keeps what was typed, says why, and
  // nothing recomputes until it is fixed (100000 points used to become 6000 silently).
  m_kmax = new CheckedSpinBox(kMinKmax, kMaxKmax);
  m_kmax->setCheck(&kmaxRefusal);
  m_kmax->setValue(128);
  m_kmax->setToolTipBase(tr("Highest degree k computed (λ_0 … λ_kmax), %1 … %2").arg(kMinKmax).arg(kMaxKmax));
  m_gridN = new CheckedSpinBox(8, kMaxGridN1);
  m_gridN->setCheck([this](int n) { return gridRefusal(n, m_doc->networkFor(objectName()).inputDim); });
  m_gridN->setValue(256);
  m_gridN->setToolTipBase(tr("Grid points per axis n (m = n^d points): frequencies |ν| ≤ n/2; at most %1 on a line, %2 per axis on a square")
                              .arg(kMaxGridN1)
                              .arg(kMaxGridN2));
  m_points = new CheckedSpinBox(kMinPoints, kMaxPoints);
  m_points->setCheck(&pointsRefusal);
  m_points->setValue(1000);
  m_points->setSingleStep(100);
  m_points->setToolTipBase(tr("Number of random points m: the Gram matrix is m×m (dense eigensolver up to 3000, Lanczos beyond); "
                              "%1 … %2 here (ntk-cli spectrum takes more)")
                               .arg(kMinPoints)
                               .arg(kMaxPoints));
  row1->addStretch(1);
  layout->addLayout(row1);
  // Three short rows rather than one long one: the panel must fit beside the editor on a small screen.
  auto* rowSize = new QHBoxLayout;
  rowSize->addWidget(m_sizeLabel);
  for (CheckedSpinBox* s : {m_kmax, m_gridN, m_points}) rowSize->addWidget(s);
  m_mode = new QComboBox;
  m_mode->addItem(tr("by degree k"));
  m_mode->addItem(tr("by rank, counting multiplicity"));
  for (QComboBox* combo : {m_domain, m_mode}) {
    combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    combo->setMinimumContentsLength(14);
  }
  m_domain->setMinimumContentsLength(26); // alone with the kernel on its row: room for the full name
  m_mode->setToolTip(tr("By degree: one point per eigenspace, λ_k against k.\n"
                        "By rank: the eigenvalues sorted decreasingly, each repeated N(d,k) times, against their rank r —\n"
                        "what the Gram eigenvalues of m points estimate. On S^{d−1}, r ~ k^{d−1}."));
  rowSize->addWidget(new QLabel(tr("Plot")));
  rowSize->addWidget(m_mode);
  m_logK = new QCheckBox(tr("log x"));
  m_logK->setChecked(true);
  m_logK->setToolTip(tr("Logarithmic x axis (k = 0 is then listed in the legend instead of plotted)"));
  rowSize->addWidget(m_logK);
  rowSize->addStretch(1);
  layout->addLayout(rowSize);
}

void SpectrumPanel::buildFitAndPinRow(QVBoxLayout* layout)
{
  auto* row2 = new QHBoxLayout;
  auto* fitLabel = new QLabel;
  m_fitLabel = fitLabel;
  const QString fitTip = tr("Least-squares line through (log k, log λ_k) over the range: λ_k ≈ C·k^{−p}, with the standard\n"
                            "error of p. Exact zeros are left out. When even and odd degrees differ (one parity zero, or\n"
                            "exponents apart by more than 3 standard errors) they are fitted and drawn separately.");
  fitLabel->setToolTip(fitTip);
  row2->addWidget(fitLabel);
  // The fit range is refused, not bent: k_min ≥ 1 and k_min < k_max (the fit uses the part of it the
  // spectrum has, and says which).
  m_fitMin = new CheckedSpinBox(1, 9999);
  m_fitMin->setObjectName(QStringLiteral("fitMin"));
  m_fitMin->setValueQuietly(4);
  m_fitMax = new CheckedSpinBox(2, 9999);
  m_fitMax->setObjectName(QStringLiteral("fitMax"));
  m_fitMax->setValueQuietly(64);
  m_fitMin->setCheck([this](int v) {
    return v < 1 ? tr("the fit starts at k ≥ 1 (got %1)").arg(v)
                 : v >= m_fitMax->acceptedValue() ? tr("the fit range %1 – %2 is empty").arg(v).arg(m_fitMax->acceptedValue())
                                                  : QString();
  });
  m_fitMax->setCheck([this](int v) {
    return v <= m_fitMin->acceptedValue() ? tr("the fit range %1 – %2 is empty").arg(m_fitMin->acceptedValue()).arg(v)
                                          : v > 1000000 ? tr("k max %1 is above 10⁶").arg(v) : QString();
  });
  for (CheckedSpinBox* s : {m_fitMin, m_fitMax}) s->setToolTipBase(fitTip);
  row2->addWidget(m_fitMin);
  row2->addWidget(new QLabel(tr("–")));
  row2->addWidget(m_fitMax);
  m_pin = new QPushButton(tr("Pin"));
  m_pin->setToolTip(tr("Keep the current curve on the plot to compare with later networks (up to %1)").arg(kMaxPins));
  m_pinFile = new QPushButton(tr("Pin file…"));
  m_pinFile->setToolTip(tr("Compute the spectrum of a network file (same kernel and domain kind) and pin it"));
  m_clearPins = new QPushButton(tr("Clear"));
  m_clearPins->setToolTip(tr("Remove all pinned curves"));
  row2->addWidget(m_pin);
  row2->addWidget(m_pinFile);
  row2->addWidget(m_clearPins);
  row2->addStretch(1);
  layout->addLayout(row2);
  m_info = new QLabel;
  m_info->setWordWrap(true); // a cut-off description hid its numbers
  m_info->setMinimumWidth(0);
  m_info->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred); // long descriptions must not widen the window
  m_info->setStyleSheet(QStringLiteral("color: #555;"));
  layout->addWidget(m_info);
}

void SpectrumPanel::connectControls()
{
  connect(m_coalesce, &QTimer::timeout, this, &SpectrumPanel::startJob);
  connect(m_watcher, &QFutureWatcher<SpectrumResult>::finished, this, &SpectrumPanel::onJobFinished);
  connect(m_pinWatcher, &QFutureWatcher<SpectrumResult>::finished, this, &SpectrumPanel::onPinJobFinished);
  connect(m_doc, &NetworkDocument::changed, this, &SpectrumPanel::onNetworkChanged);
  connect(m_kind, &QComboBox::currentIndexChanged, this, [this] {
    saveSettings();
    scheduleRecompute();
  });
  connect(m_domain, &QComboBox::activated, this, [this] { m_userChoseDomain = true; });
  connect(m_domain, &QComboBox::currentIndexChanged, this, [this] {
    updateSizeControls();
    saveSettings();
    scheduleRecompute();
  });
  for (CheckedSpinBox* s : {m_kmax, m_gridN, m_points}) {
    connect(s, &CheckedSpinBox::valueAccepted, this, [this] {
      saveSettings();
      scheduleRecompute();
    });
    connect(s, &CheckedSpinBox::valueRefused, this, [this](const QString& why) {
      emit statusMessage(tr("Refused: %1 — the plot still shows the previous spectrum").arg(why));
    });
  }
  for (CheckedSpinBox* s : {m_fitMin, m_fitMax}) {
    connect(s, &CheckedSpinBox::valueAccepted, this, [this] {
      saveSettings();
      updatePlot();
    });
    connect(s, &CheckedSpinBox::valueRefused, this, [this](const QString& why) {
      emit statusMessage(tr("Refused: %1 — the fit still uses %2 – %3").arg(why).arg(m_fitMin->acceptedValue()).arg(m_fitMax->acceptedValue()));
    });
  }
  connect(m_mode, &QComboBox::currentIndexChanged, this, [this] {
    saveSettings();
    updatePlot();
  });
  connect(m_logK, &QCheckBox::toggled, this, [this] {
    saveSettings();
    updatePlot();
  });
  connect(m_pin, &QPushButton::clicked, this, &SpectrumPanel::pinCurrent);
  connect(m_clearPins, &QPushButton::clicked, this, &SpectrumPanel::clearPins);
  connect(m_pinFile, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Pin the spectrum of a network"), QString(),
                                                      tr("Network (*.json);;All files (*)"));
    if (path.isEmpty()) return;
    QString error;
    if (!pinNetworkFile(path, &error)) emit statusMessage(tr("Could not pin %1: %2").arg(path, error));
  });
  connect(m_plot, &PlotWidget::pointClicked, this, [this](int series, int index) {
    if (series != m_pickSeries || index < 0 || index >= int(m_pickRows.size())) return;
    const int row = m_pickRows[size_t(index)];
    selectRow(row);
    const double lambda = m_result.curve.rawLambda.size() > row ? m_result.curve.rawLambda(row) : m_result.curve.lambda(row);
    emit statusMessage(tr("Selected %1 (λ = %2): its eigenfunction is in the Eigenfunctions tab — double-click the point to open it")
                           .arg(rowName(row))
                           .arg(lambda, 0, 'g', 4));
  });
  connect(m_plot, &PlotWidget::pointDoubleClicked, this, [this](int series, int index) {
    if (series != m_pickSeries || index < 0 || index >= int(m_pickRows.size())) return;
    const int row = m_pickRows[size_t(index)];
    if (row != m_selectedRow) selectRow(row);
    emit eigenfunctionRequested(row);
  });
}

SpectrumPanel::~SpectrumPanel()
{
  // Cancel, then wait, before the members the results land in go away.
  stopJob();
  if (m_pinStop) m_pinStop->store(true);
  m_watcher->waitForFinished();
  m_pinWatcher->waitForFinished();
}

void SpectrumPanel::restoreSettings()
{
  QSettings settings;
  settings.beginGroup(QStringLiteral("spectrumPanel"));
  const QSignalBlocker b1(m_kind), b2(m_kmax), b3(m_gridN), b4(m_points), b5(m_fitMin), b6(m_fitMax), b7(m_mode), b8(m_logK);
  m_kind->setCurrentIndex(settings.value(QStringLiteral("showNtk"), true).toBool() ? 0 : 1);
  // A stored size outside today's limits falls back to the default (it is not shown as refused:
  // the user did not type it now).
  const int kmax = settings.value(QStringLiteral("kmax"), 128).toInt();
  const int points = settings.value(QStringLiteral("points"), 1000).toInt();
  m_kmax->setValueQuietly(kmaxRefusal(kmax).isEmpty() ? kmax : 128);
  m_points->setValueQuietly(pointsRefusal(points).isEmpty() ? points : 1000);
  const int fitMin = settings.value(QStringLiteral("fitMin"), 4).toInt(), fitMax = settings.value(QStringLiteral("fitMax"), 64).toInt();
  const bool fitOk = fitMin >= 1 && fitMin < fitMax && fitMax <= 1000000;
  m_fitMin->setValueQuietly(fitOk ? fitMin : 4);
  m_fitMax->setValueQuietly(fitOk ? fitMax : 64);
  m_mode->setCurrentIndex(settings.value(QStringLiteral("byRank"), false).toBool() ? 1 : 0);
  m_logK->setChecked(settings.value(QStringLiteral("logX"), true).toBool());
}

void SpectrumPanel::saveSettings()
{
  QSettings settings;
  settings.beginGroup(QStringLiteral("spectrumPanel"));
  settings.setValue(QStringLiteral("showNtk"), showsNtk());
  if (!m_kmax->isRefused()) settings.setValue(QStringLiteral("kmax"), m_kmax->value());
  if (!m_points->isRefused()) settings.setValue(QStringLiteral("points"), m_points->value());
  settings.setValue(QStringLiteral("fitMin"), m_fitMin->acceptedValue());
  settings.setValue(QStringLiteral("fitMax"), m_fitMax->acceptedValue());
  settings.setValue(QStringLiteral("byRank"), rankMode());
  settings.setValue(QStringLiteral("logX"), m_logK->isChecked());
}

bool SpectrumPanel::isBusy() const
{
  return m_watcher->isRunning() || m_pinWatcher->isRunning() || m_pending || m_coalesce->isActive();
}

bool SpectrumPanel::showsNtk() const { return m_kind->currentIndex() == 0; }
void SpectrumPanel::setShowNtk(bool ntk) { m_kind->setCurrentIndex(ntk ? 0 : 1); }
SpectrumDomain SpectrumPanel::domain() const { return SpectrumDomain(std::max(0, m_domain->currentIndex())); }
bool SpectrumPanel::rankMode() const { return m_mode->currentIndex() == 1; }
void SpectrumPanel::setRankMode(bool byRank) { m_mode->setCurrentIndex(byRank ? 1 : 0); }

void SpectrumPanel::setDomain(SpectrumDomain d)
{
  if (!isDomainAvailable(d)) return;
  m_userChoseDomain = true;
  m_domain->setCurrentIndex(int(d));
}

CheckedSpinBox* SpectrumPanel::sizeSpin(SpectrumDomain d) const
{
  return d == SpectrumDomain::Sphere ? m_kmax : d == SpectrumDomain::Grid ? m_gridN : m_points;
}

void SpectrumPanel::setDomainSize(int size) { sizeSpin(domain())->setValue(size); }

void SpectrumPanel::setFitRange(int kmin, int kmax)
{
  // Both ends at once: checking one against the other's old value would refuse a valid new range.
  if (kmin < 1 || kmin >= kmax) {
    m_fitMin->setValue(kmin); // shown, marked, with the reason
    return;
  }
  m_fitMin->setValueQuietly(kmin);
  m_fitMax->setValueQuietly(kmax);
  saveSettings();
  updatePlot();
}

bool SpectrumPanel::isDomainAvailable(SpectrumDomain d, QString* why) const
{
  const Network& net = m_doc->networkFor(objectName());
  switch (d) {
  case SpectrumDomain::Sphere:
    if (net.encoding.kind != EncodingKind::None) {
      if (why) *why = tr("the input encoding maps x off the sphere, so the kernel is not zonal (Funk–Hecke needs encoding none)");
      return false;
    }
    if (net.inputDim < 2) {
      if (why) *why = tr("input_dim = 1: S⁰ is two points (use input_dim ≥ 2 for a sphere)");
      return false;
    }
    return true;
  case SpectrumDomain::Grid: {
    if (net.inputDim > 2) {
      if (why) *why = tr("the FFT grid supports input_dim 1 or 2 (this network has %1)").arg(net.inputDim);
      return false;
    }
    std::string reason;
    bool ok = false;
    try {
      ok = gridIsPeriodic(net, &reason);
    } catch (const std::exception& e) {
      reason = e.what();
    }
    if (!ok && why) *why = QString::fromStdString(reason);
    return ok;
  }
  case SpectrumDomain::Points: return true;
  }
  return false;
}

void SpectrumPanel::updateDomainChoices()
{
  // Disable what does not apply (with the reason in the item's tooltip and the info line), and
  // fall back to the natural domain: the exact one when there is one.
  auto* model = qobject_cast<QStandardItemModel*>(m_domain->model());
  QStringList unavailable;
  bool available[3];
  for (int i = 0; i < 3; ++i) {
    QString why;
    available[i] = isDomainAvailable(SpectrumDomain(i), &why);
    if (model) {
      QStandardItem* item = model->item(i);
      item->setFlags(available[i] ? item->flags() | Qt::ItemIsEnabled : item->flags() & ~Qt::ItemIsEnabled);
      const QString base = m_domain->itemData(i, Qt::ToolTipRole).toString().section(QStringLiteral("\n\nUnavailable:"), 0, 0);
      m_domain->setItemData(i, available[i] ? base : base + tr("\n\nUnavailable: %1").arg(why), Qt::ToolTipRole);
    }
    if (!available[i]) unavailable << tr("%1 unavailable: %2").arg(m_domain->itemText(i).section(QLatin1Char(' '), 0, 1), why);
  }
  const int natural = available[0] ? 0 : available[1] ? 1 : 2;
  const int current = m_domain->currentIndex();
  if (current < 0 || !available[current] || !m_userChoseDomain) {
    const QSignalBlocker block(m_domain);
    m_domain->setCurrentIndex(natural);
  }
  m_domain->setToolTip(unavailable.isEmpty() ? tr("All three domains apply to this network.") : unavailable.join(QLatin1Char('\n')));
  // The grid size's natural default depends on the dimension (256 points on a line, 64² on a square).
  const int d = m_doc->networkFor(objectName()).inputDim;
  if (d != m_gridDim) {
    m_gridN->setValueQuietly(d == 2 ? 64 : 256);
    m_gridDim = d;
  }
  updateSizeControls();
}

void SpectrumPanel::updateModeChoices()
{
  // The first mode plots what the domain's table lists: its words must match the x axis.
  const SpectrumDomain d = domain();
  const int dim = m_doc->networkFor(objectName()).inputDim;
  const QString first = d == SpectrumDomain::Sphere ? tr("by degree k")
                        : d == SpectrumDomain::Grid ? (dim == 1 ? tr("by frequency k") : tr("by distinct eigenvalue, rank r"))
                                                    : tr("by rank i");
  m_mode->setItemText(0, first);
  // Gram eigenvalues have multiplicity 1 each: both modes are the same plot.
  m_mode->setEnabled(d != SpectrumDomain::Points);
  const QString var = d == SpectrumDomain::Points ? QStringLiteral("i") : d == SpectrumDomain::Grid && dim == 2 ? QStringLiteral("r") : QStringLiteral("k");
  m_fitLabel->setText(tr("Fit C·%1⁻ᵖ on").arg(var));
}

void SpectrumPanel::updateSizeControls()
{
  updateModeChoices();
  const SpectrumDomain d = domain();
  m_kmax->setVisible(d == SpectrumDomain::Sphere);
  m_gridN->setVisible(d == SpectrumDomain::Grid);
  m_points->setVisible(d == SpectrumDomain::Points);
  m_sizeLabel->setText(d == SpectrumDomain::Sphere ? tr("k max") : d == SpectrumDomain::Grid ? tr("n") : tr("m"));
  m_sizeLabel->setToolTip(sizeSpin(d)->toolTip());
}

bool SpectrumPanel::wanted() const { return isVisible() || m_consumers > 0; }

void SpectrumPanel::setConsumerActive(bool active)
{
  m_consumers = std::max(0, m_consumers + (active ? 1 : -1));
  if (active && m_dirty) scheduleRecompute();
}

void SpectrumPanel::showEvent(QShowEvent* event)
{
  AnalysisPanel::showEvent(event);
  if (m_dirty) scheduleRecompute();
}

void SpectrumPanel::onNetworkChanged()
{
  updateDomainChoices();
  if (wanted())
    scheduleRecompute();
  else
    m_dirty = true; // hidden: recomputed when shown
}

void SpectrumPanel::scheduleRecompute()
{
  m_dirty = false;
  m_pending = true;
  stopJob(); // a newer request cancels the older one
  m_coalesce->start();
}

void SpectrumPanel::cancel()
{
  const bool hadWork = isBusy();
  m_pending = false;
  m_coalesce->stop();
  stopJob();
  if (m_pinStop) m_pinStop->store(true);
  if (hadWork) m_dirty = true; // the shown curve may be stale: recompute on the next show
  if (!m_watcher->isRunning() && !m_pinWatcher->isRunning()) {
    emit busyChanged(false);
    emit idle();
  }
}

void SpectrumPanel::startJob()
{
  if (m_watcher->isRunning()) return; // onJobFinished starts the pending job
  m_pending = false;
  if (const CheckedSpinBox* size = sizeSpin(domain()); size->isRefused()) {
    // Nothing is computed from a refused value; the previous spectrum stays.
    emit statusMessage(tr("Refused: %1 — the plot still shows the previous spectrum").arg(size->refusal()));
    if (!m_pinWatcher->isRunning()) emit idle();
    return;
  }
  Request in;
  in.net = m_doc->networkFor(objectName());
  in.ntk = showsNtk();
  in.domain = domain();
  in.size = sizeSpin(in.domain)->value();
  in.generation = ++m_generation;
  launchJob(m_watcher, [in](const JobFlags& flags) { return compute(in, flags); });
  const QString what = in.domain == SpectrumDomain::Sphere ? tr("Funk–Hecke λ_0…λ_%1").arg(in.size)
                       : in.domain == SpectrumDomain::Grid ? tr("FFT spectrum on a %1-point grid").arg(in.size)
                                                           : tr("Gram eigenvalues of %1 points").arg(in.size);
  emit statusMessage(tr("Computing the %1 (%2)…").arg(what, in.ntk ? tr("NTK") : tr("NNGP")));
}

SpectrumResult SpectrumPanel::compute(const Request& in, const JobFlags& flags)
{
  SpectrumResult r;
  r.generation = in.generation;
  r.net = in.net;
  r.ntk = in.ntk;
  r.domain = in.domain;
  r.size = in.size;
  const auto t0 = std::chrono::steady_clock::now();
  const KernelKind kind = in.ntk ? KernelKind::Ntk : KernelKind::Nngp;
  const JobControl job = flags.control();
  SpectrumCurve& c = r.curve;
  c.label = QStringLiteral("%1 — %2").arg(QString::fromStdString(in.net.summary()), in.ntk ? QStringLiteral("NTK") : QStringLiteral("NNGP"));
  c.domain = in.domain;
  c.dim = in.net.inputDim;
  c.domainName = in.domain == SpectrumDomain::Sphere ? QStringLiteral("%1 Funk–Hecke, k ≤ %2").arg(sphereName(c.dim)).arg(in.size)
                 : in.domain == SpectrumDomain::Grid ? QStringLiteral("FFT grid n = %1%2").arg(in.size).arg(c.dim == 2 ? QStringLiteral(" per axis") : QString())
                                                     : QStringLiteral("Gram of m = %1 points").arg(in.size);
  const bool ok = catchJobErrors([&] {
    switch (in.domain) {
    case SpectrumDomain::Sphere: {
      const SphereSpectrum s = funkHeckeSpectrum(in.net, kind, in.size, job);
      c.index = Eigen::VectorXd::LinSpaced(s.lambda.size(), 0.0, double(s.lambda.size() - 1));
      c.lambda = s.lambda;
      c.rawLambda = s.lambda;
      c.multiplicity = s.multiplicity;
      c.exactZeros = true;
      for (Eigen::Index k = 0; k < c.lambda.size(); ++k)
        if (c.lambda(k) < 0) c.lambda(k) = kNaN, ++c.hidden; // not positive definite beyond the floor: not plotted
      c.indexName = QStringLiteral("degree k");
      r.description = QStringLiteral("%1 ⊂ R%2, uniform measure; Funk–Hecke with %3 Gauss–Legendre nodes, zeros below %4")
                          .arg(sphereName(c.dim))
                          .arg(c.dim == 2 ? QStringLiteral("²") : c.dim == 3 ? QStringLiteral("³") : QStringLiteral("^%1").arg(c.dim))
                          .arg(s.nodes)
                          .arg(s.floor, 0, 'g', 2);
      break;
    }
    case SpectrumDomain::Grid: {
      auto grid = std::make_shared<GridSpectrum>(periodicGridSpectrum(in.net, kind, in.size, job));
      const std::vector<SpectrumRow> rows = gridSpectrumRows(*grid);
      const Eigen::Index n = Eigen::Index(rows.size());
      c.index.resize(n), c.lambda.resize(n), c.multiplicity.resize(n);
      for (Eigen::Index i = 0; i < n; ++i) {
        c.index(i) = grid->dim == 1 ? double(rows[size_t(i)].k) : double(i + 1);
        c.lambda(i) = rows[size_t(i)].lambda;
        c.multiplicity(i) = rows[size_t(i)].multiplicity;
      }
      c.rawLambda = c.lambda;
      c.hidden = hideRoundOff(c.lambda);
      c.indexName = grid->dim == 1 ? QStringLiteral("frequency k = |ν|") : QStringLiteral("rank of the distinct eigenvalue");
      r.description = grid->dim == 1 ? QStringLiteral("%1 grid points on [0,1), eigenfunctions √2 cos 2πkv, √2 sin 2πkv").arg(grid->n)
                                     : QStringLiteral("%1×%1 grid on [0,1)², eigenfunctions √2 cos/sin 2πν·v").arg(grid->n);
      r.grid = std::move(grid);
      break;
    }
    case SpectrumDomain::Points: {
      auto X = std::make_shared<Eigen::MatrixXd>(gramDomainPoints(in.net, in.size));
      const int top = in.size <= int(kDenseEigenLimit) ? 0 : 400;
      auto gram = std::make_shared<GramSpectrum>(gramSpectrum(in.net, kind, *X, top, true, job));
      c.lambda = gram->eigenvalues;
      c.index = Eigen::VectorXd::LinSpaced(c.lambda.size(), 1.0, double(c.lambda.size()));
      c.multiplicity = Eigen::VectorXd::Ones(c.lambda.size());
      c.rawLambda = c.lambda;
      c.hidden = hideRoundOff(c.lambda);
      c.indexName = QStringLiteral("rank i");
      const bool sphere = in.net.encoding.kind == EncodingKind::None && in.net.inputDim >= 2;
      r.description = QStringLiteral("%1 points uniform %2 (seed fixed); %3 eigenvalues of K/m")
                          .arg(in.size)
                          .arg(sphere ? QStringLiteral("on %1").arg(sphereName(in.net.inputDim))
                                      : QStringLiteral("in [0,1)%1").arg(in.net.inputDim == 1 ? QString() : QStringLiteral("^%1").arg(in.net.inputDim)))
                          .arg(gram->lanczos ? QStringLiteral("Lanczos: top") : QStringLiteral("dense: all"));
      r.gram = std::move(gram);
      r.points = std::move(X);
      break;
    }
    }
  }, &r.cancelled, &r.error);
  if (!ok) r.curve = SpectrumCurve{};
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

void SpectrumPanel::onJobFinished()
{
  SpectrumResult r = m_watcher->future().result();
  const bool stopped = jobStopped();
  if (m_pending) {
    startJob(); // superseded: drop this result, run the newest request
    return;
  }
  endJob(m_pinWatcher->isRunning());
  if (r.cancelled || stopped) {
    emit statusMessage(tr("Spectrum cancelled — the plot still shows the previous result"));
    emit idle();
    return;
  }
  if (!r.error.isEmpty()) {
    emit statusMessage(tr("Spectrum not computed: %1 — the plot still shows the previous result").arg(r.error));
    emit idle();
    return;
  }
  const bool sameKind = m_result.valid() && m_result.domain == r.domain && m_result.curve.dim == r.curve.dim;
  m_result = std::move(r);
  if (!sameKind || m_selectedRow >= m_result.curve.rows()) m_selectedRow = -1;
  updatePlot();
  emit statusMessage(tr("Spectrum: %1 rows in %2 ms — %3").arg(m_result.curve.rows()).arg(m_result.seconds * 1000.0, 0, 'f', 1).arg(m_result.description));
  emit resultChanged();
  emit idle();
}

void SpectrumPanel::selectRow(int row)
{
  if (row < 0 || row >= m_result.curve.rows()) return;
  m_selectedRow = row;
  const auto [s, i] = plotPointOfRow(row);
  m_plot->setHighlight(s, i);
  emit eigenSelected(row);
}

QString SpectrumPanel::rowName(int row) const
{
  const SpectrumCurve& c = m_result.curve;
  const int index = row < c.rows() ? int(std::lround(c.index(row))) : row;
  switch (m_result.domain) {
  case SpectrumDomain::Sphere: return tr("degree k = %1").arg(row);
  case SpectrumDomain::Grid: return c.dim == 1 ? tr("frequency k = %1").arg(index) : tr("eigenvalue group %1").arg(row);
  case SpectrumDomain::Points: break;
  }
  return tr("eigen-index i = %1").arg(row);
}

std::pair<int, int> SpectrumPanel::plotPointOfRow(int row) const
{
  if (m_pickSeries < 0) return {-1, -1};
  for (size_t i = 0; i < m_pickRows.size(); ++i)
    if (m_pickRows[i] == row) return {m_pickSeries, int(i)};
  return {-1, -1};
}

void SpectrumPanel::pinCurrent()
{
  if (!m_result.valid()) return;
  if (int(m_pins.size()) >= kMaxPins) m_pins.erase(m_pins.begin()); // the oldest makes room
  m_pins.push_back(m_result.curve);
  updatePlot();
  emit statusMessage(tr("Pinned: %1 (%2 of %3)").arg(m_result.curve.label).arg(m_pins.size()).arg(kMaxPins));
}

void SpectrumPanel::clearPins()
{
  m_pins.clear();
  updatePlot();
}

bool SpectrumPanel::pinNetworkFile(const QString& path, QString* error)
{
  Network net;
  try {
    net = loadNetwork(path.toStdString());
  } catch (const NtkError& e) {
    if (error) *error = QString::fromStdString(e.what());
    return false;
  }
  if (m_pinWatcher->isRunning()) {
    if (error) *error = tr("another file is still being pinned");
    return false;
  }
  if (sizeSpin(domain())->isRefused()) {
    if (error) *error = tr("the size is refused (%1): fix it first").arg(sizeSpin(domain())->refusal());
    return false;
  }
  // Same domain kind when it applies to that network, else the Gram domain (always defined).
  Request in;
  in.net = net;
  in.ntk = showsNtk();
  in.domain = domain();
  const bool sphereOk = net.encoding.kind == EncodingKind::None && net.inputDim >= 2;
  bool gridOk = false;
  try {
    gridOk = net.inputDim <= 2 && gridIsPeriodic(net);
  } catch (const std::exception&) {
  }
  if ((in.domain == SpectrumDomain::Sphere && !sphereOk) || (in.domain == SpectrumDomain::Grid && !gridOk)) in.domain = SpectrumDomain::Points;
  in.size = sizeSpin(in.domain)->value();
  if (in.domain == SpectrumDomain::Grid && net.inputDim != m_doc->networkFor(objectName()).inputDim) in.size = net.inputDim == 2 ? 64 : 256;
  const JobFlags pin; // its own flags: not polled, cancelled with the panel
  m_pinStop = pin.stop;
  const QString name = QFileInfo(path).fileName();
  m_pinWatcher->setProperty("fileName", name);
  m_pinWatcher->setFuture(QtConcurrent::run([in, pin] { return compute(in, pin); }));
  emit busyChanged(true);
  emit statusMessage(tr("Computing the spectrum of %1 to pin it…").arg(name));
  return true;
}

void SpectrumPanel::onPinJobFinished()
{
  SpectrumResult r = m_pinWatcher->future().result();
  if (!m_watcher->isRunning() && !m_pending) emit busyChanged(false);
  const QString name = m_pinWatcher->property("fileName").toString();
  if (r.cancelled || !r.error.isEmpty() || !r.valid()) {
    emit statusMessage(r.cancelled ? tr("Pinning %1 cancelled").arg(name) : tr("Could not pin %1: %2").arg(name, r.error));
  } else {
    r.curve.label = QStringLiteral("%1: %2").arg(name, r.curve.label);
    if (int(m_pins.size()) >= kMaxPins) m_pins.erase(m_pins.begin());
    m_pins.push_back(r.curve);
    updatePlot();
    emit statusMessage(tr("Pinned %1 (%2)").arg(name, r.description));
  }
  if (!isBusy()) emit idle();
}

namespace {

/// Plot series of one curve. Degree mode: one point per row. Rank mode: the eigenvalues sorted
/// decreasingly, each row a plateau of N(d,k) ranks (a staircase line), with a marker at each
/// plateau's first rank. `rowsOfPoints` receives, for the marker series, the row of every point.
void curveSeries(const SpectrumCurve& c, bool byRank, const QString& name, const QColor& colour, MarkerShape marker,
                 bool dashed, std::vector<PlotSeries>& out, int* markerSeries, std::vector<int>* rowsOfPoints)
{
  if (!byRank) {
    PlotSeries s;
    s.name = name;
    s.x = c.index;
    s.y = c.lambda;
    s.color = colour;
    s.dashed = dashed;
    s.style = SeriesStyle::LineAndMarkers;
    s.marker = marker;
    s.exactZeros = c.exactZeros;
    if (markerSeries) *markerSeries = int(out.size());
    if (rowsOfPoints) {
      rowsOfPoints->resize(size_t(c.rows()));
      std::iota(rowsOfPoints->begin(), rowsOfPoints->end(), 0);
    }
    out.push_back(std::move(s));
    return;
  }
  std::vector<int> order;
  for (int i = 0; i < c.rows(); ++i)
    if (std::isfinite(c.lambda(i))) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return c.lambda(a) > c.lambda(b); });
  const Eigen::Index n = Eigen::Index(order.size());
  PlotSeries stairs, starts;
  stairs.x.resize(2 * n), stairs.y.resize(2 * n);
  starts.x.resize(n), starts.y.resize(n);
  double rank = 1.0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const int row = order[size_t(i)];
    const double mult = std::max(1.0, c.multiplicity(row));
    stairs.x(2 * i) = rank, stairs.x(2 * i + 1) = rank + mult - 1.0;
    stairs.y(2 * i) = stairs.y(2 * i + 1) = c.lambda(row);
    starts.x(i) = rank, starts.y(i) = c.lambda(row);
    rank += mult;
  }
  stairs.name = name;
  stairs.color = starts.color = colour;
  stairs.dashed = dashed;
  stairs.style = SeriesStyle::LineAndMarkers; // legend sample: line and marker, like the pair drawn
  stairs.marker = starts.marker = marker;
  stairs.exactZeros = starts.exactZeros = c.exactZeros;
  stairs.pickable = false;
  stairs.style = SeriesStyle::Line;
  starts.style = SeriesStyle::Markers;
  starts.inLegend = false;
  out.push_back(std::move(stairs));
  if (markerSeries) *markerSeries = int(out.size());
  if (rowsOfPoints) *rowsOfPoints = order;
  out.push_back(std::move(starts));
}

PlotSeries fitSeries(const PowerLaw& law, int kmin, int kmax, const QString& name, const QColor& colour, Qt::PenStyle style)
{
  PlotSeries s;
  s.name = name;
  s.x = logSpaced(std::max(1, kmin), std::max(kmin + 1, kmax), 48);
  s.y.resize(s.x.size());
  for (Eigen::Index i = 0; i < s.x.size(); ++i) s.y(i) = law.at(s.x(i));
  s.color = colour;
  s.dashed = style != Qt::SolidLine;
  s.style = SeriesStyle::Line;
  s.pickable = false;
  s.lineWidth = 1.3;
  return s;
}

} // namespace

void SpectrumPanel::updatePlot()
{
  std::vector<PlotSeries> series;
  PlotOptions o;
  const SpectrumCurve& c = m_result.curve;
  const bool byRank = rankMode();
  o.logX = m_logK->isChecked();
  o.logY = true;
  o.yTitle = showsNtk() ? tr("NTK eigenvalue λ") : tr("NNGP eigenvalue λ");
  // The axis names what is plotted: degree k (Funk–Hecke), frequency k (1-D grid), rank r of the
  // distinct eigenvalue (2-D grid), rank i (Gram); the mode box and the fit legend use the same words.
  const bool countsMultiplicity = byRank && c.domain != SpectrumDomain::Points;
  o.xTitle = countsMultiplicity ? tr("rank r (each λ_k repeated N(d,k) times)") : (c.indexName.isEmpty() ? tr("degree k") : c.indexName);
  const QString domainName = c.domain == SpectrumDomain::Sphere ? tr("on %1 (Funk–Hecke, exact)").arg(sphereName(c.dim))
                             : c.domain == SpectrumDomain::Grid ? tr("on the periodic grid (FFT)")
                                                                : tr("of the Gram matrix K/m (random points)");
  o.title = m_result.valid() ? tr("Mercer spectrum of the %1 %2").arg(m_result.ntk ? tr("NTK") : tr("NNGP"), domainName)
                             : tr("Mercer spectrum (computing…)");
  m_pickSeries = -1;
  m_pickRows.clear();
  m_fit = SpectrumFit{};
  if (m_result.valid()) {
    curveSeries(c, byRank, tr("this network"), seriesColor(0), MarkerShape::Circle, false, series, &m_pickSeries, &m_pickRows);
    // Power-law fit over the chosen range, by index (degree or rank).
    if (!byRank || c.domain == SpectrumDomain::Points) {
      const int top = int(c.index.maxCoeff());
      Eigen::VectorXd byIndex = Eigen::VectorXd::Zero(top + 1);
      for (int i = 0; i < c.rows(); ++i)
        if (std::isfinite(c.lambda(i)) && c.index(i) >= 0) byIndex(int(c.index(i))) = c.lambda(i);
      const int kmin = m_fitMin->acceptedValue(), kmax = std::min(top, m_fitMax->acceptedValue());
      if (kmax > kmin) {
        m_fit = fitSpectrum(byIndex, kmin, kmax);
        const QString var = indexSymbol(c);
        if (m_fit.parityDiffers && c.exactZeros) {
          if (m_fit.even.valid)
            series.push_back(fitSeries(m_fit.even, kmin, kmax, tr("fit, even %1: %2").arg(var, formatExponent(m_fit.even)), QColor(20, 20, 20), Qt::DashLine));
          if (m_fit.odd.valid)
            series.push_back(fitSeries(m_fit.odd, kmin, kmax, tr("fit, odd %1: %2").arg(var, formatExponent(m_fit.odd)), QColor(120, 120, 120), Qt::DashLine));
          else
            o.notes << tr("odd %1 in [%2, %3]: all λ = 0 (no fit)").arg(var).arg(kmin).arg(kmax);
        } else if (m_fit.parityDiffers && m_fit.even.valid && m_fit.odd.valid) {
          series.push_back(fitSeries(m_fit.even, kmin, kmax, tr("fit, even %1: %2").arg(var, formatExponent(m_fit.even)), QColor(20, 20, 20), Qt::DashLine));
          series.push_back(fitSeries(m_fit.odd, kmin, kmax, tr("fit, odd %1: %2").arg(var, formatExponent(m_fit.odd)), QColor(120, 120, 120), Qt::DashLine));
        } else if (m_fit.all.valid) {
          series.push_back(fitSeries(m_fit.all, kmin, kmax, tr("fit %1 ∈ [%2, %3]: λ ≈ C·%1⁻ᵖ, %4").arg(var).arg(kmin).arg(kmax).arg(formatExponent(m_fit.all)),
                                     QColor(20, 20, 20), Qt::DashLine));
        } else {
          o.notes << tr("fit: fewer than 3 positive λ in [%1, %2]").arg(kmin).arg(kmax);
        }
      }
    } else {
      o.notes << tr("power-law fit: see “by degree k”");
    }
    if (o.logX && !byRank && c.rows() > 0 && c.index(0) == 0.0 && std::isfinite(c.lambda(0)))
      o.notes << tr("λ₀ = %1 (k = 0, off the log axis)").arg(c.lambda(0), 0, 'g', 4);
    if (c.hidden > 0) o.notes << tr("%1 values ≤ 1e−13·λ_max (round-off) not drawn").arg(c.hidden);
  }
  static const MarkerShape pinMarkers[] = {MarkerShape::Square, MarkerShape::Diamond, MarkerShape::TriangleUp, MarkerShape::Square};
  for (size_t p = 0; p < m_pins.size(); ++p) {
    const size_t before = series.size();
    // Each pin says its domain and network, and what its x is when that differs from the axis: a
    // pin from another domain was drawn as if it were of this one.
    const SpectrumCurve& pin = m_pins[p];
    QString where = pin.domainName;
    if (!byRank && m_result.valid() && pin.indexName != c.indexName) where += tr(", x = %1").arg(pin.indexName);
    curveSeries(pin, byRank, tr("pin %1 (%2): %3").arg(p + 1).arg(where, pin.label), seriesColor(int(p) + 1), pinMarkers[p % 4], true,
                series, nullptr, nullptr);
    for (size_t s = before; s < series.size(); ++s) series[s].pickable = false;
  }
  if (m_selectedRow >= 0)
    for (size_t i = 0; i < m_pickRows.size(); ++i)
      if (m_pickRows[i] == m_selectedRow) o.highlightSeries = m_pickSeries, o.highlightPoint = int(i);
  m_plot->setPlot(std::move(series), o, true);
  m_pin->setEnabled(m_result.valid());
  m_clearPins->setEnabled(!m_pins.empty());
  // The info line: how this was computed, and why other domains do not apply.
  QString info = m_result.valid() ? m_result.description : QString();
  const QString unavailable = m_domain->toolTip();
  m_info->setText(info);
  m_info->setToolTip(info + QStringLiteral("\n\n") + unavailable);
}

void SpectrumPanel::paintFigure(QPainter& p, const QRectF& rect) const { m_plot->paintFigure(p, rect, false); }

bool SpectrumPanel::exportView(const QString& path, QString* error)
{
  // Data: rows k,lambda,multiplicity, as `ntk-cli spectrum` writes them (round-off included, as computed).
  Eigen::MatrixXd table;
  if (m_result.valid()) {
    const SpectrumCurve& c = m_result.curve;
    table.resize(c.rows(), 3);
    table.col(0) = c.index;
    table.col(1) = c.rawLambda;
    table.col(2) = c.multiplicity;
  }
  return exportFigureOrMatrix(path, QSize(1400, 900), table, error);
}

} // namespace ntk::gui
