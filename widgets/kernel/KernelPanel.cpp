#include "widgets/kernel/KernelPanel.h"
#include "widgets/common/CheckedSpinBox.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QSettings>
#include <QSlider>
#include <QSpinBox>
#include <QSplitter>
#include <QTimer>
#include <QVBoxLayout>

#include "widgets/common/FigurePainter.h"
#include "widgets/common/HeatmapView.h"
#include "widgets/common/LinePlotView.h"
#include "widgets/network/NetworkDocument.h"
#include "core/kernels/NtkGram.h"
#include "core/nets/FiniteNetwork.h"

namespace ntk::gui {

namespace {

struct JobInput {
  Network net;
  int m = 128;
  bool empirical = false;
  bool ntk = true;
  int samples = 4;
  int generation = 0;
};

/// "512-512": the hidden widths, input to output (the readout is not hidden).
QString hiddenWidthsText(const Network& net)
{
  QStringList widths;
  for (size_t i = 0; i + 1 < net.layers.size(); ++i)
    if (const auto* d = std::get_if<DenseLayer>(&net.layers[i])) widths << QString::number(d->width);
  return widths.isEmpty() ? QObject::tr("none") : widths.join(QLatin1Char('-'));
}

/// The grid the panel shows: t_i = i/m, mapped to inputs by the rule in the header.
Eigen::MatrixXd gridInputs(const Network& net, const Eigen::VectorXd& t, QString* domain)
{
  Eigen::MatrixXd X = Eigen::MatrixXd::Zero(t.size(), net.inputDim);
  if (net.encoding.kind == EncodingKind::None && net.inputDim >= 2) {
    X.col(0) = (2.0 * M_PI * t).array().cos().matrix();
    X.col(1) = (2.0 * M_PI * t).array().sin().matrix();
    *domain = net.inputDim == 2 ? QStringLiteral("unit circle x = (cos 2πt, sin 2πt)")
                                : QStringLiteral("unit circle x = (cos 2πt, sin 2πt, 0, …)");
  } else {
    X.col(0) = t;
    *domain = net.inputDim == 1 ? QStringLiteral("v ∈ [0, 1)") : QStringLiteral("v = (t, 0, …)");
  }
  return X;
}

KernelResult runJob(const JobInput& in, const JobFlags& flags)
{
  KernelResult r;
  r.generation = in.generation;
  const auto t0 = std::chrono::steady_clock::now();
  catchJobErrors([&] {
    r.t = Eigen::VectorXd::LinSpaced(in.m, 0.0, double(in.m - 1) / in.m);
    const Eigen::MatrixXd X = gridInputs(in.net, r.t, &r.domain);
    const double share = in.empirical ? 0.7 : 1.0;
    GramResult g = computeGram(in.net, X, nullptr, GramRequest{}, flags.control(0.0, share));
    r.nngp = std::move(g.nngp);
    r.ntk = std::move(g.ntk);
    if (in.empirical) {
      r.empirical = monteCarloKernelAtWidths(in.net, X, nullptr, in.ntk, in.samples, 1, flags.control(share, 1.0 - share));
      r.finiteWidths = hiddenWidthsText(in.net);
    }
  }, &r.cancelled, &r.error);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

} // namespace

KernelPanel::KernelPanel(NetworkDocument* doc, QWidget* parent)
    : AnalysisPanel(parent), m_doc(doc), m_watcher(new QFutureWatcher<KernelResult>(this))
{
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  auto* controls = new QHBoxLayout;
  m_kind = new QComboBox;
  m_kind->addItem(tr("NTK Θ"));
  m_kind->addItem(tr("NNGP K"));
  m_kind->setToolTip(tr("NTK: Θ_l = q_l + W²·Ṫ·Θ_{l−1} (training dynamics)\nNNGP: q_l = W²·T(q_{l−1}) + b² (prior covariance)"));
  controls->addWidget(new QLabel(tr("Kernel")));
  controls->addWidget(m_kind);
  // Refused, not clamped: m above 2048 makes the heatmap slower than a drag (ntk-cli kernel has no cap).
  m_grid = new CheckedSpinBox(8, 2048);
  m_grid->setObjectName(QStringLiteral("gridSize"));
  m_grid->setValueQuietly(128);
  m_grid->setCheck([](int m) {
    return (m < 8 || m > 2048) ? tr("grid m = %1 is outside 8 … 2048 (the view's cap; use ntk-cli kernel for larger grids)").arg(m)
                               : QString();
  });
  m_grid->setToolTipBase(tr("Number of grid points m: t_i = i/m. The Gram is m×m (8 … 2048)."));
  controls->addWidget(new QLabel(tr("Grid m")));
  controls->addWidget(m_grid);
  m_row = new QSlider(Qt::Horizontal);
  m_row->setToolTip(tr("Row of the kernel shown in the line plot: K(x_r, ·). Click the heatmap to pick a row."));
  m_rowLabel = new QLabel;
  m_rowLabel->setMinimumWidth(90);
  m_empirical = new QCheckBox(tr("Finite net"));
  m_empirical->setToolTip(tr("Overlay the Monte-Carlo kernel of finite networks, the mean over S random initialisations:\n"
                             "NTK: the empirical NTK J(x)J(x')ᵀ;  NNGP: W²·h(x)·h(x')/n + b² of the readout's input h.\n"
                             "Relative error ≈ 3/√n for one network, smaller for the mean of S."));
  controls->addWidget(m_empirical);
  // The finite networks are the network itself: its widths, set in the Network dock (no private copy).
  m_finiteWidths = new QLabel;
  m_finiteWidths->setObjectName(QStringLiteral("finiteWidths"));
  m_finiteWidths->setToolTip(tr("Hidden widths of the finite networks: the network's own, set in the Network dock\n"
                                "(All hidden widths × 2 / × ½ there). Relative error ≈ 3/√n."));
  controls->addWidget(m_finiteWidths);
  m_empiricalSamples = new CheckedSpinBox(1, 256);
  m_empiricalSamples->setObjectName(QStringLiteral("finiteSamples"));
  m_empiricalSamples->setValueQuietly(4);
  m_empiricalSamples->setPrefix(tr("S = "));
  m_empiricalSamples->setToolTip(tr("Number of random initialisations averaged"));
  controls->addWidget(m_empiricalSamples);
  controls->addStretch(1);
  layout->addLayout(controls);
  auto* rowControls = new QHBoxLayout;
  rowControls->addWidget(new QLabel(tr("Row t₀")));
  m_row->setMinimumWidth(160);
  rowControls->addWidget(m_row, 1);
  rowControls->addWidget(m_rowLabel);
  layout->addLayout(rowControls);

  auto* split = new QSplitter(Qt::Horizontal);
  m_heatmap = new HeatmapView;
  m_plot = new LinePlotView;
  m_heatmap->setMinimumSize(220, 220);
  m_plot->setMinimumSize(220, 200);
  split->addWidget(m_heatmap);
  split->addWidget(m_plot);
  split->setStretchFactor(0, 1);
  split->setStretchFactor(1, 1);
  split->setObjectName(QStringLiteral("kernelSplitter"));
  m_splitter = split;
  layout->addWidget(split, 1);

  m_coalesce = new QTimer(this);
  m_coalesce->setSingleShot(true);
  m_coalesce->setInterval(0);

  restoreSettings();
  connect(m_coalesce, &QTimer::timeout, this, &KernelPanel::startJob);
  for (auto* spin : {m_grid, m_empiricalSamples}) {
    connect(spin, &CheckedSpinBox::valueAccepted, this, &KernelPanel::saveSettings);
    connect(spin, &CheckedSpinBox::valueAccepted, this, &KernelPanel::scheduleRecompute);
    connect(spin, &CheckedSpinBox::valueRefused, this,
            [this](const QString& why) { emit statusMessage(tr("Refused: %1 — nothing recomputed until it is fixed").arg(why)); });
  }
  connect(m_kind, &QComboBox::currentIndexChanged, this, &KernelPanel::saveSettings);
  connect(m_empirical, &QCheckBox::toggled, this, &KernelPanel::saveSettings);
  connect(m_splitter, &QSplitter::splitterMoved, this, [this] {
    m_userSplit = true; // only a drag emits splitterMoved, not setSizes
    saveSettings();
  });
  connect(m_watcher, &QFutureWatcher<KernelResult>::finished, this, &KernelPanel::onJobFinished);
  connect(m_doc, &NetworkDocument::changed, this, [this] {
    m_finiteWidths->setText(tr("n = %1").arg(hiddenWidthsText(m_doc->networkFor(objectName()))));
    if (isVisible())
      scheduleRecompute();
    else
      m_dirty = true; // hidden: recomputed when shown
  });
  connect(m_kind, &QComboBox::currentIndexChanged, this, [this](int) {
    emit kindChanged(showsNtk());
    if (m_empirical->isChecked())
      scheduleRecompute();
    else
      showResult();
  });
  connect(m_empirical, &QCheckBox::toggled, this, &KernelPanel::scheduleRecompute);
  connect(m_row, &QSlider::valueChanged, this, &KernelPanel::setSelectedRow);
  connect(m_heatmap, &HeatmapView::rowSelected, this, [this](int row) { m_row->setValue(row); });
  m_dirty = true; // computed when first shown (the first tab: at startup)
  m_finiteWidths->setText(tr("n = %1").arg(hiddenWidthsText(m_doc->networkFor(objectName()))));
}

void KernelPanel::showEvent(QShowEvent* event)
{
  AnalysisPanel::showEvent(event);
  if (m_dirty) scheduleRecompute();
}

void KernelPanel::resizeEvent(QResizeEvent* event)
{
  AnalysisPanel::resizeEvent(event);
  QTimer::singleShot(0, this, &KernelPanel::fitHeatmapWidth); // once the layout has sized the splitter
}

void KernelPanel::fitHeatmapWidth()
{
  if (m_userSplit) return;
  // Side by side when the panel is wide, heatmap above the row plot when it is not (two views
  // side by side in a narrow panel left each small); the heatmap gets what fills it.
  const bool wide = width() >= 1.3 * m_splitter->height();
  m_splitter->setOrientation(wide ? Qt::Horizontal : Qt::Vertical);
  const int total = (wide ? m_splitter->width() : m_splitter->height()) - m_splitter->handleWidth();
  if (total <= 0) return;
  // The row plot keeps at least 38 % (its labels need room); the heatmap at least a third.
  const int fill = wide ? m_heatmap->widthToFillHeight(m_splitter->height()) : m_heatmap->heightToFillWidth(m_splitter->width());
  const int wanted = std::clamp(fill, total / 3, total * 62 / 100);
  m_splitter->setSizes({wanted, total - wanted});
}

void KernelPanel::restoreSettings()
{
  QSettings settings;
  settings.beginGroup(QStringLiteral("kernelPanel"));
  m_grid->setValue(settings.value(QStringLiteral("grid"), 128).toInt());
  m_kind->setCurrentIndex(settings.value(QStringLiteral("showNtk"), true).toBool() ? 0 : 1);
  m_empiricalSamples->setValue(settings.value(QStringLiteral("finiteSamples"), 4).toInt());
  m_empirical->setChecked(settings.value(QStringLiteral("finite"), false).toBool());
  m_userSplit = settings.value(QStringLiteral("splitterByUser"), false).toBool();
  if (m_userSplit) m_splitter->restoreState(settings.value(QStringLiteral("splitter")).toByteArray());
}

void KernelPanel::saveSettings()
{
  QSettings settings;
  settings.beginGroup(QStringLiteral("kernelPanel"));
  settings.setValue(QStringLiteral("grid"), m_grid->acceptedValue());
  settings.setValue(QStringLiteral("showNtk"), showsNtk());
  settings.setValue(QStringLiteral("finiteSamples"), m_empiricalSamples->acceptedValue());
  settings.setValue(QStringLiteral("finite"), m_empirical->isChecked());
  settings.setValue(QStringLiteral("splitter"), m_splitter->saveState());
  settings.setValue(QStringLiteral("splitterByUser"), m_userSplit);
}

KernelPanel::~KernelPanel()
{
  // Cancel, then wait, before the members the job's result lands in go away.
  stopJob();
  m_watcher->waitForFinished();
}

bool KernelPanel::isBusy() const { return m_watcher->isRunning() || m_pending || m_coalesce->isActive(); }

const Eigen::MatrixXd& KernelPanel::shownMatrix() const { return showsNtk() ? m_result.ntk : m_result.nngp; }

bool KernelPanel::showsNtk() const { return m_kind->currentIndex() == 0; }

void KernelPanel::setShowNtk(bool ntk) { m_kind->setCurrentIndex(ntk ? 0 : 1); }

void KernelPanel::setGridSize(int m) { m_grid->setValue(m); }

int KernelPanel::gridSize() const { return m_grid->acceptedValue(); }

void KernelPanel::setSelectedRow(int row)
{
  m_selectedRow = row;
  // Remember where t₀ is, not the index: changing m keeps the same point.
  if (m_result.t.size() > 0 && row >= 0 && row < m_result.t.size()) m_rowPosition = m_result.t(row);
  if (m_row->value() != row) m_row->setValue(row);
  m_heatmap->setSelectedRow(row);
  updateRowPlot();
}

void KernelPanel::setFiniteNetworkOverlay(bool on, int samples)
{
  m_empiricalSamples->setValue(samples);
  m_empirical->setChecked(on);
}

void KernelPanel::scheduleRecompute()
{
  m_dirty = false;
  m_pending = true;
  stopJob(); // a newer request cancels the older one
  m_coalesce->start();
}

void KernelPanel::cancel()
{
  m_pending = false;
  m_coalesce->stop();
  stopJob();
}

void KernelPanel::startJob()
{
  if (m_watcher->isRunning()) return; // onJobFinished starts the pending job
  m_pending = false;
  JobInput in;
  in.net = m_doc->networkFor(objectName());
  in.m = m_grid->acceptedValue();
  in.empirical = m_empirical->isChecked();
  in.ntk = showsNtk();
  in.samples = m_empiricalSamples->acceptedValue();
  in.generation = ++m_generation;
  launchJob(m_watcher, [in](const JobFlags& flags) { return runJob(in, flags); });
  emit statusMessage(tr("Computing the %1×%1 NNGP and NTK%2…").arg(in.m).arg(in.empirical ? tr(" and finite nets") : QString()));
}

void KernelPanel::onJobFinished()
{
  KernelResult r = m_watcher->future().result();
  if (m_pending) {
    startJob(); // superseded: drop this result, run the newest request
    return;
  }
  endJob();
  if (r.cancelled) {
    emit statusMessage(tr("Kernel computation cancelled — the views still show the previous network"));
    emit idle();
    return;
  }
  if (!r.error.isEmpty()) {
    emit statusMessage(tr("Kernel not computed: %1 — the views still show the previous network").arg(r.error));
    emit idle();
    return;
  }
  m_result = std::move(r);
  showResult();
  emit statusMessage(tr("%1×%1 NNGP + NTK%2 in %3 ms")
                         .arg(m_result.t.size())
                         .arg(m_result.empirical.size() ? tr(" + finite nets") : QString())
                         .arg(m_result.seconds * 1000.0, 0, 'f', 1));
  emit idle();
}

void KernelPanel::showResult()
{
  const Eigen::MatrixXd& K = shownMatrix();
  if (K.size() == 0) return;
  const int m = int(K.rows());
  const QString name = showsNtk() ? tr("NTK Θ(t, t′)") : tr("NNGP K(t, t′)");
  m_heatmap->setMatrix(K, 0.0, 1.0, tr("%1 on %2").arg(name, m_result.domain));
  m_heatmap->setAxisTitles(QStringLiteral("t"), QStringLiteral("t′"));
  fitHeatmapWidth(); // the title's lines may have changed the heatmap's margins
  {
    const QSignalBlocker block(m_row);
    m_row->setRange(0, m - 1);
    m_selectedRow = std::clamp(int(std::lround(m_rowPosition * m)), 0, m - 1);
    m_row->setValue(m_selectedRow);
  }
  m_heatmap->setSelectedRow(m_selectedRow);
  updateRowPlot();
}

void KernelPanel::updateRowPlot()
{
  const Eigen::MatrixXd& K = shownMatrix();
  if (K.size() == 0 || m_selectedRow < 0 || m_selectedRow >= K.rows()) return;
  const double tr0 = m_result.t(m_selectedRow);
  m_rowLabel->setText(tr("t = %1").arg(tr0, 0, 'f', 3));
  std::vector<LinePlotView::Series> series;
  const QString name = showsNtk() ? tr("NTK Θ(t₀, t)") : tr("NNGP K(t₀, t)");
  series.emplace_back(tr("%1, infinite width").arg(name), K.row(m_selectedRow).transpose());
  const bool empiricalMatches = m_result.empirical.rows() == K.rows() && m_empirical->isChecked();
  if (empiricalMatches)
    series.emplace_back(tr("finite nets n = %1, S = %2").arg(m_result.finiteWidths).arg(m_empiricalSamples->acceptedValue()),
                        m_result.empirical.row(m_selectedRow).transpose());
  m_plot->setSeries(m_result.t, series, QStringLiteral("t"), name, tr("Kernel row at t₀ = %1").arg(tr0, 0, 'f', 3));
}

void KernelPanel::paintFigure(QPainter& p, const QRectF& rect) const
{
  const Eigen::MatrixXd& K = shownMatrix();
  const QString name = showsNtk() ? tr("NTK Θ(t, t′)") : tr("NNGP K(t, t′)");
  const QRectF left(rect.left(), rect.top(), rect.width() * 0.47, rect.height());
  const QRectF right(rect.left() + rect.width() * 0.47, rect.top(), rect.width() * 0.53, rect.height());
  paintHeatmapFigure(p, left, K, 0.0, 1.0, tr("%1 on %2").arg(name, m_result.domain), QStringLiteral("t"));
  std::vector<PlotSeries> series;
  if (K.size() && m_selectedRow >= 0 && m_selectedRow < K.rows()) {
    series.push_back({tr("infinite width"), K.row(m_selectedRow).transpose(), {}, false, {}});
    if (m_result.empirical.rows() == K.rows())
      series.push_back({tr("finite nets n = %1, S = %2").arg(m_result.finiteWidths).arg(m_empiricalSamples->acceptedValue()),
                        m_result.empirical.row(m_selectedRow).transpose(), {}, true, {}});
  }
  const double t0 = (m_selectedRow >= 0 && m_selectedRow < m_result.t.size()) ? m_result.t(m_selectedRow) : 0.0;
  paintLinePlotFigure(p, right, m_result.t, series, QStringLiteral("t"),
                      showsNtk() ? tr("NTK Θ(t₀, t)") : tr("NNGP K(t₀, t)"), tr("Kernel row at t₀ = %1").arg(t0, 0, 'f', 3));
}

bool KernelPanel::exportView(const QString& path, QString* error)
{
  return exportFigureOrMatrix(path, QSize(1600, 700), shownMatrix(), error);
}

} // namespace ntk::gui
