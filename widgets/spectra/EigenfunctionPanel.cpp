#include "widgets/spectra/EigenfunctionPanel.h"

#include <algorithm>
#include <string>
#include <unordered_set>
#include <cmath>

#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QSpinBox>

#include "widgets/common/CheckedSpinBox.h"
#include <QStackedWidget>
#include <QTimer>
#include <QVBoxLayout>

#include "widgets/common/FigurePainter.h"
#include "widgets/common/HeatmapView.h"
#include "widgets/common/PlotWidget.h"
#include "widgets/spectra/SphereView.h"
#include "core/spectra/SphereSpectrum.h"
#include "core/spectra/SphericalHarmonics.h"
#include "core/util/Errors.h"

namespace ntk::gui {

namespace {

/// Lat-long points of S² in SphereView's layout: θ_i = π(i+½)/nTheta (outer), φ_j = 2πj/nPhi.
Eigen::MatrixXd latLongPoints(int nTheta, int nPhi)
{
  Eigen::MatrixXd X(Eigen::Index(nTheta) * nPhi, 3);
  for (int i = 0; i < nTheta; ++i)
    for (int j = 0; j < nPhi; ++j) {
      const double theta = M_PI * (i + 0.5) / nTheta, phi = 2 * M_PI * j / nPhi;
      X.row(Eigen::Index(i) * nPhi + j) << std::sin(theta) * std::cos(phi), std::sin(theta) * std::sin(phi), std::cos(theta);
    }
  return X;
}

/// Row-major n^2 values (first coordinate fastest) as an n×n matrix: row = v₂ index, column = v₁ index.
Eigen::MatrixXd squareOf(const Eigen::VectorXd& v, int n)
{
  Eigen::MatrixXd M(n, n);
  for (int r = 0; r < n; ++r)
    for (int c = 0; c < n; ++c) M(r, c) = v(Eigen::Index(r) * n + c);
  return M;
}

Eigen::VectorXd anglesOf(const Eigen::MatrixXd& X)
{
  Eigen::VectorXd a(X.rows());
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    const double t = std::atan2(X(i, 1), X(i, 0));
    a(i) = t < 0 ? t + 2 * M_PI : t;
  }
  return a;
}

QString greekKind(bool ntk) { return ntk ? QStringLiteral("NTK") : QStringLiteral("NNGP"); }

/// One basis function of a grid row's eigenspace: cos or sin 2πν·v.
struct GridBasisFunction {
  Eigen::VectorXi nu;         ///< its frequency
  bool sine = false;
  bool selfConjugate = false; ///< ν ≡ −ν (mod n): cos 2πν·v = ±1 on the grid, without the √2
  Eigen::VectorXd values;     ///< n^d values, unit mean square
};

/// Column j of gridEigenspace(g, row) — what `ntk-cli spectrum --domain grid --eigenfunction row`
/// writes as column j — computed alone, since a row of equal (e.g. zero) eigenvalues can hold most of
/// the grid. `group` = gridEigenGroups(g)[row]. gridEigenspace's documented order: the row's indices in
/// group order, each ±ν pair once (at its first member), adding gridEigenfunctions(ν)'s columns — cos,
/// then sin unless sin ≡ 0 on the grid, i.e. unless ν ≡ −ν (mod n).
GridBasisFunction gridEigenspaceColumn(const GridSpectrum& g, const std::vector<int>& group, int j)
{
  const long n = g.n;
  auto key = [n](const Eigen::VectorXi& nu) {
    long k = 0;
    for (Eigen::Index a = 0; a < nu.size(); ++a) k = k * n + ((nu(a) % n) + n) % n;
    return k;
  };
  std::unordered_set<long> done;
  int column = 0;
  for (int i : group) {
    const Eigen::VectorXi nu = g.frequency.row(i).transpose();
    const long plus = key(nu), minus = key(Eigen::VectorXi(-nu));
    if (done.count(plus)) continue;
    done.insert(plus);
    done.insert(minus);
    const int columns = plus == minus ? 1 : 2;
    if (j < column + columns) {
      const Eigen::MatrixXd f = gridEigenfunctions(g, nu);
      GridBasisFunction out;
      out.nu = nu;
      out.sine = j > column;
      out.selfConjugate = plus == minus;
      out.values = f.col(std::min<Eigen::Index>(j - column, f.cols() - 1));
      return out;
    }
    column += columns;
  }
  throw InputError("index j = " + std::to_string(j) + " outside the row's eigenspace of dimension " + std::to_string(column));
}

} // namespace

EigenfunctionPanel::EigenfunctionPanel(SpectrumPanel* spectrum, QWidget* parent)
    : AnalysisPanel(parent), m_spectrum(spectrum), m_watcher(new QFutureWatcher<EigenfunctionResult>(this))
{
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  auto* controls = new QHBoxLayout;
  m_rowLabel = new QLabel(tr("degree k"));
  // Refused, not clamped: a row or index beyond the spectrum stays visible with the reason, and
  // nothing recomputes until it is fixed. (0 … 99999 only sizes the boxes; the checks are the limits.)
  m_row = new CheckedSpinBox(0, 99999);
  m_row->setCheck([this](int row) {
    const int rows = m_spectrum->result().curve.rows();
    if (row >= 0 && row < rows) return QString();
    return rows == 0 ? tr("no spectrum computed yet")
                     : tr("%1 = %2: the spectrum has rows 0 … %3 (a larger k max, n or m in the Spectrum tab gives more)")
                           .arg(m_rowLabel->text())
                           .arg(row)
                           .arg(rows - 1);
  });
  m_row->setToolTipBase(tr("Which eigenvalue: the degree k on the sphere, the frequency |ν| on a 1-D grid, the table row k\n"
                       "(a group of equal eigenvalues) on a 2-D grid, the eigen-index i (0 = largest) for random points. Clicking a point of the\n"
                       "spectrum sets it."));
  m_j = new CheckedSpinBox(0, 99999);
  m_j->setCheck([this](int j) {
    const int count = eigenspaceSize();
    return j >= 0 && j < count ? QString() : tr("index j = %1: this eigenspace has j = 0 … %2").arg(j).arg(count - 1);
  });
  m_j->setToolTipBase(tr("Index j within the eigenspace, 0 … N(d,k)−1.\n"
                     "S¹: j = 0 → √2 cos kφ, j = 1 → √2 sin kφ.  S²: m = j − k; m < 0 ↔ sin(|m|φ), m > 0 ↔ cos(mφ), m = 0 zonal.\n"
                     "Grid: column j of row k's eigenspace as `ntk-cli spectrum --eigenfunction k` writes it — the cos / sin\n"
                     "pairs of the frequencies ±ν sharing the eigenvalue, in turn."));
  m_jInfo = new QLabel;
  controls->addWidget(m_rowLabel);
  controls->addWidget(m_row);
  controls->addWidget(new QLabel(tr("index j")));
  controls->addWidget(m_j);
  controls->addWidget(m_jInfo);
  m_info = new QLabel;
  m_info->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
  m_info->setStyleSheet(QStringLiteral("color: #555;"));
  controls->addWidget(m_info, 1);
  layout->addLayout(controls);

  m_stack = new QStackedWidget;
  m_placeholder = new QLabel(tr("Computing the spectrum…"));
  m_placeholder->setAlignment(Qt::AlignCenter);
  m_plot = new PlotWidget;
  m_heatmap = new HeatmapView;
  m_sphere = new SphereView;
  m_sphere->setToolTip(tr("Left drag rotates, wheel zooms, middle drag pans. Blue < 0 < red; the line is the equator, the\n"
                          "stubs mark the poles (z axis). Real spherical harmonics are orthonormal: ∫ Y² dσ = 1."));
  m_stack->addWidget(m_placeholder);
  m_stack->addWidget(m_plot);
  m_stack->addWidget(m_heatmap);
  m_stack->addWidget(m_sphere);
  layout->addWidget(m_stack, 1);

  m_coalesce = new QTimer(this);
  m_coalesce->setSingleShot(true);
  m_coalesce->setInterval(0);
  connect(m_coalesce, &QTimer::timeout, this, &EigenfunctionPanel::startJob);
  connect(m_watcher, &QFutureWatcher<EigenfunctionResult>::finished, this, &EigenfunctionPanel::onJobFinished);
  connect(m_spectrum, &SpectrumPanel::resultChanged, this, &EigenfunctionPanel::onSpectrumChanged);
  connect(m_spectrum, &SpectrumPanel::eigenSelected, this, &EigenfunctionPanel::setRow);
  // The spectrum panel went idle: catch up if this view is shown and stale (e.g. it was shown while
  // the spectrum pinned a file, which emits no resultChanged); with no spectrum at all (error,
  // cancel) say so instead of "Computing…".
  connect(m_spectrum, &SpectrumPanel::idle, this, [this] {
    if (m_spectrum->isBusy()) return;
    if (!m_spectrum->result().valid())
      m_placeholder->setText(tr("No spectrum to show (the status bar says why). Press F5 to compute it again."));
    else if (m_dirty && isVisible())
      scheduleRecompute();
  });
  connect(m_row, &CheckedSpinBox::valueAccepted, this, [this] {
    m_rowChosen = true;
    updateRanges();
    recomputeIfShown();
  });
  connect(m_j, &CheckedSpinBox::valueAccepted, this, [this] {
    updateRanges();
    recomputeIfShown();
  });
  for (CheckedSpinBox* box : {m_row, m_j})
    connect(box, &CheckedSpinBox::valueRefused, this, [this](const QString& why) {
      emit statusMessage(tr("Refused: %1 — the view still shows the previous eigenfunction").arg(why));
    });
  updateRanges();
}

EigenfunctionPanel::~EigenfunctionPanel()
{
  stopJob();
  m_watcher->waitForFinished();
}

bool EigenfunctionPanel::isBusy() const { return m_watcher->isRunning() || m_pending || m_coalesce->isActive(); }
int EigenfunctionPanel::row() const { return m_row->value(); }
int EigenfunctionPanel::indexInEigenspace() const { return m_j->value(); }
QWidget* EigenfunctionPanel::currentView() const { return m_stack->currentWidget(); }

void EigenfunctionPanel::setRow(int row)
{
  m_rowChosen = true;
  m_row->setValue(row);
}
void EigenfunctionPanel::setIndexInEigenspace(int j) { m_j->setValue(j); }
const AnalysisPanel* EigenfunctionPanel::upstream() const { return m_spectrum; }

void EigenfunctionPanel::recomputeIfShown()
{
  if (isVisible()) {
    scheduleRecompute();
  } else {
    updateRanges();
    m_dirty = true;
  }
}

void EigenfunctionPanel::showEvent(QShowEvent* event)
{
  AnalysisPanel::showEvent(event);
  if (!m_consuming) {
    m_consuming = true;
    m_spectrum->setConsumerActive(true); // computes the spectrum if it is stale
  }
  if (m_dirty && m_spectrum->result().valid() && !m_spectrum->isBusy()) scheduleRecompute();
}

void EigenfunctionPanel::hideEvent(QHideEvent* event)
{
  AnalysisPanel::hideEvent(event);
  if (m_consuming) {
    m_consuming = false;
    m_spectrum->setConsumerActive(false);
  }
}

void EigenfunctionPanel::onSpectrumChanged()
{
  if (!m_rowChosen) {
    // Until a point is chosen, show degree 3 (k = 0 is a constant; 3 shows the structure).
    m_row->setValueQuietly(std::min(3, std::max(0, m_spectrum->result().curve.rows() - 1)));
  }
  recomputeIfShown();
}

int EigenfunctionPanel::eigenspaceSize() const
{
  const SpectrumResult& s = m_spectrum->result();
  const int row = m_row->value();
  if (row < 0 || row >= s.curve.rows()) return 1;
  if (s.domain == SpectrumDomain::Sphere && s.curve.dim >= 4) return 1; // only the zonal harmonic is drawn in high dimension
  return int(std::clamp(s.curve.multiplicity(row), 1.0, 1e6));
}

void EigenfunctionPanel::updateRanges()
{
  const SpectrumResult& s = m_spectrum->result();
  const int rows = s.curve.rows();
  // A new spectrum with fewer rows: the row shown moves to the last one (the data changed, not the
  // user's value; a refused value the user typed stays as typed).
  if (!m_row->isRefused() && rows > 0 && m_row->value() >= rows) m_row->setValueQuietly(rows - 1);
  const QString rowName = s.domain == SpectrumDomain::Sphere ? tr("degree k")
                          : s.domain == SpectrumDomain::Grid ? (s.curve.dim == 1 ? tr("frequency k") : tr("table row k"))
                                                             : tr("eigen-index i");
  m_rowLabel->setText(rowName);
  const int row = m_row->value();
  const int count = eigenspaceSize();
  if (!m_j->isRefused() && m_j->value() >= count) m_j->setValueQuietly(count - 1);
  m_j->setEnabled(count > 1 || m_j->isRefused());
  if (s.domain == SpectrumDomain::Sphere && s.curve.dim == 3)
    m_jInfo->setText(tr("(m = %1)").arg(m_j->value() - row));
  else if (s.domain == SpectrumDomain::Sphere && s.curve.dim == 2)
    m_jInfo->setText(row == 0 ? tr("(constant)") : m_j->value() == 0 ? tr("(cos)") : tr("(sin)"));
  else
    m_jInfo->clear();
  if (row < rows) {
    const double lambda = s.curve.rawLambda.size() > row ? s.curve.rawLambda(row) : s.curve.lambda(row);
    m_info->setText(tr("λ = %1 (%2), multiplicity %3").arg(lambda, 0, 'g', 5).arg(greekKind(s.ntk)).arg(s.curve.multiplicity(row), 0, 'g', 6));
  } else {
    m_info->clear();
  }
}

void EigenfunctionPanel::scheduleRecompute()
{
  updateRanges();
  m_dirty = false;
  if (!m_spectrum->result().valid()) {
    m_dirty = true; // waits for the spectrum (resultChanged)
    if (!m_spectrum->isBusy()) m_spectrum->scheduleRecompute(); // F5 after a failed or cancelled spectrum
    return;
  }
  m_pending = true;
  stopJob();
  m_coalesce->start();
}

void EigenfunctionPanel::cancel()
{
  const bool hadWork = isBusy();
  m_pending = false;
  m_coalesce->stop();
  stopJob();
  if (hadWork) m_dirty = true;
  if (!m_watcher->isRunning()) {
    emit busyChanged(false);
    emit idle();
  }
}

void EigenfunctionPanel::startJob()
{
  if (m_watcher->isRunning()) return;
  m_pending = false;
  for (const CheckedSpinBox* box : {m_row, m_j})
    if (box->isRefused()) { // nothing is computed from a refused value
      emit statusMessage(tr("Refused: %1 — the view still shows the previous eigenfunction").arg(box->refusal()));
      emit idle();
      return;
    }
  Request in;
  in.spectrum = m_spectrum->result();
  in.row = std::clamp(m_row->value(), 0, std::max(0, in.spectrum.curve.rows() - 1));
  in.j = m_j->value();
  in.generation = ++m_generation;
  launchJob(m_watcher, [in](const JobFlags& flags) { return compute(in, flags); }, Progress::None);
}

namespace {

/// Sphere S^{d−1}: the real harmonics Y_{k,j} (curves on S¹, the sphere on S², the zonal one beyond).
void sphereEigenfunction(const SpectrumResult& s, int row, int index, const QString& lambdaText, const QString& kind, const JobControl& job, EigenfunctionResult& r)
{
  const SpectrumCurve& c = s.curve;
  const int d = c.dim;
  const int k = row;
  if (d == 2) {
    const int n = std::max(512, 16 * k);
    const Eigen::MatrixXd X = circleGrid(n);
    r.view = EigenfunctionResult::View::Curves;
    r.x = anglesOf(X);
    r.x(0) = 0.0;
    r.curves.emplace_back(k == 0 ? QStringLiteral("Y₀ = 1") : QStringLiteral("j = 0: √2 cos %1φ").arg(k), realSphericalHarmonic(k, 0, X));
    if (k > 0) r.curves.emplace_back(QStringLiteral("j = 1: √2 sin %1φ").arg(k), realSphericalHarmonic(k, 1, X));
    r.selected = std::min(index, int(r.curves.size()) - 1);
    r.xTitle = QStringLiteral("angle φ (rad), x = (cos φ, sin φ)");
    r.yTitle = QStringLiteral("Y_k,j(φ)");
    r.title = QStringLiteral("Eigenfunctions of degree k = %1 on S¹ — %2 (%3), multiplicity %4").arg(k).arg(lambdaText, kind).arg(k == 0 ? 1 : 2);
  } else if (d == 3) {
    const int nTheta = std::clamp(4 * k + 48, 64, 360), nPhi = 2 * nTheta;
    const int j = std::clamp(index, 0, 2 * k);
    const Eigen::VectorXd v = realSphericalHarmonic(k, j, latLongPoints(nTheta, nPhi));
    job.checkCancelled();
    r.view = EigenfunctionResult::View::Sphere;
    r.matrix = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(v.data(), nTheta, nPhi);
    r.title = QStringLiteral("Y_%1,%2 on S² (m = %3) — %4 (%5), multiplicity %6").arg(k).arg(j).arg(j - k).arg(lambdaText, kind).arg(2 * k + 1);
  } else {
    // Only the zonal member can be drawn in high dimension: √N(d,k)·P_k(cos θ), unit mean square.
    const int n = std::max(400, 8 * k);
    r.view = EigenfunctionResult::View::Curves;
    r.x = Eigen::VectorXd::LinSpaced(n, 0.0, M_PI);
    Eigen::VectorXd y(n);
    std::vector<double> P(size_t(k) + 1);
    const double scale = std::sqrt(sphereMultiplicity(d, k));
    for (int i = 0; i < n; ++i) {
      gegenbauerNormalized(d, k, std::cos(r.x(i)), P.data());
      y(i) = scale * P[size_t(k)];
    }
    r.curves.emplace_back(QStringLiteral("zonal harmonic √N(d,k)·P_k(cos θ)"), y);
    r.xTitle = QStringLiteral("angle θ to the pole (rad)");
    r.yTitle = QStringLiteral("Y_k(θ)");
    r.title = QStringLiteral("Zonal eigenfunction of degree k = %1 on S^%2 — %3 (%4), multiplicity %5")
                  .arg(k).arg(d - 1).arg(lambdaText, kind).arg(c.multiplicity(row), 0, 'g', 6);
  }
}

/// Periodic grid: cos/sin curves over v (1-D), column j of the table row's eigenspace as a heatmap (2-D).
void gridEigenfunction(const SpectrumResult& s, int row, int j, const QString& lambdaText, const QString& kind, const JobControl& job, EigenfunctionResult& r)
{
  const SpectrumCurve& c = s.curve;
  if (!s.grid) throw InputError("no grid spectrum");
  const GridSpectrum& g = *s.grid;
  if (g.dim == 1) {
    Eigen::VectorXi nu(1);
    nu(0) = int(std::lround(c.index(row)));
    const Eigen::MatrixXd f = gridEigenfunctions(g, nu);
    r.view = EigenfunctionResult::View::Curves;
    r.x = periodicGridPoints(1, g.n).col(0);
    r.curves.emplace_back(nu(0) == 0 ? QStringLiteral("constant 1") : QStringLiteral("j = 0: √2 cos 2π·%1v").arg(nu(0)), f.col(0));
    if (f.cols() > 1) r.curves.emplace_back(QStringLiteral("j = 1: √2 sin 2π·%1v").arg(nu(0)), f.col(1));
    r.selected = std::min(j, int(r.curves.size()) - 1);
    r.xTitle = QStringLiteral("v");
    r.yTitle = QStringLiteral("eigenfunction");
    r.title = QStringLiteral("Frequency k = %1 on the %2-point grid — %3 (%4)").arg(nu(0)).arg(g.n).arg(lambdaText, kind);
  } else {
    // Table row k and column j of its eigenspace, as the CLI and the spectrum table number them.
    const std::vector<std::vector<int>> groups = gridEigenGroups(g);
    if (row >= int(groups.size())) throw InputError("row " + std::to_string(row) + " is not in the grid table");
    const std::vector<int>& group = groups[size_t(row)];
    const GridBasisFunction f = gridEigenspaceColumn(g, group, std::clamp(j, 0, int(group.size()) - 1));
    r.view = EigenfunctionResult::View::Heatmap;
    r.matrix = squareOf(f.values, g.n);
    r.x0 = 0.0;
    r.x1 = double(g.n - 1) / g.n;
    r.title = QStringLiteral("%1%2 2π(%3·v₁ + %4·v₂) — %5 (%6), row k = %7 of multiplicity %8")
                  .arg(f.selfConjugate ? QString() : QStringLiteral("√2 "), f.sine ? QStringLiteral("sin") : QStringLiteral("cos"))
                  .arg(f.nu(0)).arg(f.nu(1)).arg(lambdaText, kind).arg(row).arg(group.size());
  }
}

/// Random points: the Nyström eigenfunction φ_i(x) = K(x, X) u_i / (√m μ_i) on a curve, the sphere or [0,1)².
void nystromEigenfunction(const SpectrumResult& s, int row, int j, const QString& lambdaText, const QString& kind, const JobControl& job, EigenfunctionResult& r)
{
  const SpectrumCurve& c = s.curve;
  const int d = c.dim;
  if (!s.gram || !s.points) throw InputError("no Gram spectrum");
  const GramSpectrum& g = *s.gram;
  const Eigen::MatrixXd& X = *s.points;
  const KernelKind kk = s.ntk ? KernelKind::Ntk : KernelKind::Nngp;
  const std::vector<int> which{row};
  const bool onSphere = s.net.encoding.kind == EncodingKind::None && d >= 2;
  const double sqrtM = std::sqrt(double(X.rows()));
  const QString head = QStringLiteral("Nyström eigenfunction i = %1 of %2 points — %3 (%4)").arg(row).arg(X.rows()).arg(lambdaText, kind);
  if (row >= g.eigenvectors.cols()) throw InputError("eigenvector not computed (Lanczos kept the top ones only)");
  if (d == 1 || (onSphere && d == 2) || (onSphere && d >= 4)) {
    const int n = 600;
    Eigen::MatrixXd E = Eigen::MatrixXd::Zero(n, d);
    if (d == 1) {
      r.x = Eigen::VectorXd::LinSpaced(n, 0.0, 1.0 - 1.0 / n);
      E.col(0) = r.x;
      r.dataX = X.col(0);
      r.xTitle = QStringLiteral("v");
    } else {
      const Eigen::MatrixXd C = circleGrid(n); // the great circle in the x₁x₂ plane
      E.leftCols(2) = C;
      r.x = anglesOf(C);
      r.x(0) = 0.0;
      if (d == 2) r.dataX = anglesOf(X);
      r.xTitle = d == 2 ? QStringLiteral("angle φ (rad), x = (cos φ, sin φ)") : QStringLiteral("angle φ on the great circle x = (cos φ, sin φ, 0, …)");
    }
    const Eigen::MatrixXd f = nystromEigenfunctions(s.net, kk, X, g, E, which, job);
    r.view = EigenfunctionResult::View::Curves;
    r.curves.emplace_back(QStringLiteral("Nyström φ_i(x) = K(x,X)u_i/(√m μ_i)"), f.col(0));
    if (r.dataX.size()) r.dataY = sqrtM * g.eigenvectors.col(row);
    r.yTitle = QStringLiteral("φ_i");
    r.title = head;
  } else if (onSphere && d == 3) {
    const int nTheta = 64, nPhi = 128;
    const Eigen::MatrixXd f = nystromEigenfunctions(s.net, kk, X, g, latLongPoints(nTheta, nPhi), which, job);
    r.view = EigenfunctionResult::View::Sphere;
    r.matrix = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(f.data(), nTheta, nPhi);
    r.title = head;
  } else {
    // [0,1)^d, d ≥ 2: the (v₁, v₂) plane, further coordinates at ½.
    const int n = 64;
    Eigen::MatrixXd E = Eigen::MatrixXd::Constant(Eigen::Index(n) * n, d, 0.5);
    E.leftCols(2) = periodicGridPoints(2, n);
    const Eigen::MatrixXd f = nystromEigenfunctions(s.net, kk, X, g, E, which, job);
    r.view = EigenfunctionResult::View::Heatmap;
    r.matrix = squareOf(f.col(0), n);
    r.x0 = 0.0;
    r.x1 = double(n - 1) / n;
    r.title = d == 2 ? head : head + QStringLiteral(", v₃… = ½");
  }
}

} // namespace

EigenfunctionResult EigenfunctionPanel::compute(const Request& in, const JobFlags& flags)
{
  EigenfunctionResult r;
  r.generation = in.generation;
  const SpectrumResult& s = in.spectrum;
  const SpectrumCurve& c = s.curve;
  const int row = in.row;
  const double lambda = c.rawLambda.size() > row ? c.rawLambda(row) : c.lambda(row);
  const QString lambdaText = QStringLiteral("λ = %1").arg(lambda, 0, 'g', 4);
  const QString kind = greekKind(s.ntk);
  const JobControl job = flags.control();
  catchJobErrors([&] {
    switch (s.domain) {
    case SpectrumDomain::Sphere: sphereEigenfunction(s, row, in.j, lambdaText, kind, job, r); break;
    case SpectrumDomain::Grid: gridEigenfunction(s, row, in.j, lambdaText, kind, job, r); break;
    case SpectrumDomain::Points: nystromEigenfunction(s, row, in.j, lambdaText, kind, job, r); break;
    }
  }, &r.cancelled, &r.error);
  return r;
}

void EigenfunctionPanel::onJobFinished()
{
  EigenfunctionResult r = m_watcher->future().result();
  const bool stopped = jobStopped();
  if (m_pending) {
    startJob(); // superseded: drop this result, run the newest request
    return;
  }
  endJob();
  if (r.cancelled || stopped) {
    emit statusMessage(tr("Eigenfunction cancelled — the view still shows the previous one"));
    emit idle();
    return;
  }
  if (!r.error.isEmpty()) {
    emit statusMessage(tr("Eigenfunction not computed: %1").arg(r.error));
    emit idle();
    return;
  }
  m_result = std::move(r);
  showResult();
  emit statusMessage(m_result.title);
  emit idle();
}

void EigenfunctionPanel::showResult()
{
  switch (m_result.view) {
  case EigenfunctionResult::View::None: m_stack->setCurrentWidget(m_placeholder); break;
  case EigenfunctionResult::View::Curves: {
    std::vector<PlotSeries> series;
    for (size_t i = 0; i < m_result.curves.size(); ++i) {
      PlotSeries s;
      s.name = m_result.curves[i].first;
      s.x = m_result.x;
      s.y = m_result.curves[i].second;
      s.color = seriesColor(int(i));
      const bool chosen = int(i) == m_result.selected;
      s.lineWidth = chosen ? 1.6 : 0.9;
      s.dashed = !chosen;
      s.pickable = false;
      series.push_back(std::move(s));
    }
    if (m_result.dataX.size()) {
      PlotSeries s;
      s.name = tr("√m·u_i at the %1 data points").arg(m_result.dataX.size());
      s.x = m_result.dataX;
      s.y = m_result.dataY;
      s.color = QColor(0, 0, 0, 140);
      s.style = SeriesStyle::Markers;
      s.pickable = false;
      series.push_back(std::move(s));
    }
    PlotOptions o;
    o.title = m_result.title;
    o.xTitle = m_result.xTitle;
    o.yTitle = m_result.yTitle;
    m_plot->setPlot(std::move(series), o);
    m_stack->setCurrentWidget(m_plot);
    break;
  }
  case EigenfunctionResult::View::Heatmap:
    m_heatmap->setMatrix(m_result.matrix, m_result.x0, m_result.x1, m_result.title);
    m_heatmap->setAxisTitles(QStringLiteral("v₁"), QStringLiteral("v₂"));
    m_stack->setCurrentWidget(m_heatmap);
    break;
  case EigenfunctionResult::View::Sphere:
    m_sphere->setFunction(m_result.matrix, m_result.title, tr("Y"), !m_sphereCameraSet);
    m_sphereCameraSet = true;
    m_stack->setCurrentWidget(m_sphere);
    break;
  }
}

void EigenfunctionPanel::paintFigure(QPainter& p, const QRectF& rect) const
{
  switch (m_result.view) {
  case EigenfunctionResult::View::Curves: m_plot->paintFigure(p, rect, false); break;
  case EigenfunctionResult::View::Heatmap:
    paintHeatmapFigure(p, rect, m_result.matrix, m_result.x0, m_result.x1, m_result.title, QStringLiteral("v₁"));
    break;
  case EigenfunctionResult::View::Sphere: paintSphereFigure(p, rect, m_result.matrix, m_result.title); break;
  case EigenfunctionResult::View::None: p.fillRect(rect, Qt::white); break;
  }
}

bool EigenfunctionPanel::exportView(const QString& path, QString* error)
{
  // Data: curves as columns x, then one per curve; heatmap / sphere: the matrix shown.
  Eigen::MatrixXd table;
  if (m_result.view == EigenfunctionResult::View::Curves) {
    table.resize(m_result.x.size(), Eigen::Index(m_result.curves.size()) + 1);
    table.col(0) = m_result.x;
    for (size_t i = 0; i < m_result.curves.size(); ++i) table.col(Eigen::Index(i) + 1) = m_result.curves[i].second;
  } else if (m_result.view != EigenfunctionResult::View::None) {
    table = m_result.matrix;
  }
  return exportFigureOrMatrix(path, QSize(1200, 900), table, error);
}

} // namespace ntk::gui
