// SpectrumPanel — the "spectrum" panel: Mercer eigenvalues of the current network's NTK or NNGP on a
// log-log plot, with a power-law fit, exact zeros, multiplicities and pinned comparison curves.
// In: the NetworkDocument (recomputed after every edit while the panel — or a consumer such as the
// eigenfunction panel — is visible; otherwise marked dirty and recomputed on show), the kernel kind,
// the domain and its size, the fit range, the plot mode.
// Domains: "Sphere S^{d−1} (Funk–Hecke)" (encoding none, d = input_dim ≥ 2: exact λ_k, k = 0…kmax),
// "Periodic grid (FFT)" (gridIsPeriodic: n points per axis, d ∈ {1, 2}), "Random points (Gram)"
// (always: eigenvalues of K(X,X)/m for m points, uniform on S^{d−1} for encoding none and in [0,1)^d
// otherwise, fixed seed).
// Out: the plot; `eigenSelected(row)` when a point is clicked (row = degree k on the sphere and 1-D
// grid, the eigenvalue group on the 2-D grid, the eigen-index i for points), with a status line
// pointing to the Eigenfunctions tab; `eigenfunctionRequested(row)` when one is double-clicked
// (MainWindow then shows that tab); the last result (with
// the eigenvectors the eigenfunction panel needs); exportView: PNG/SVG figure, CSV/NPY rows
// `k,lambda,multiplicity` as `ntk-cli spectrum` writes them.
// Work runs off the GUI thread (QtConcurrent); a newer request cancels the older one, whose result is
// dropped; a cancelled request leaves the previous result on screen.
#pragma once
#include <atomic>
#include <memory>
#include <vector>

#include <Eigen/Dense>
#include <QFutureWatcher>

#include "widgets/common/AnalysisPanel.h"
#include "widgets/common/FigurePainter.h"

#include "core/network/Network.h"
#include "core/spectra/GramSpectrum.h"
#include "core/spectra/GridSpectrum.h"
#include "core/spectra/PowerLawFit.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QSpinBox;
class QTimer;
class QVBoxLayout;

namespace ntk::gui {

class CheckedSpinBox;
class NetworkDocument;
class PlotWidget;

enum class SpectrumDomain { Sphere = 0, Grid = 1, Points = 2 };

/// One plotted spectrum; also what a pin keeps.
struct SpectrumCurve {
  QString label;                ///< network summary and kernel, for the legend
  SpectrumDomain domain = SpectrumDomain::Points;
  int dim = 1;                  ///< d (input_dim)
  Eigen::VectorXd index;        ///< x of each row: degree k (sphere, 1-D grid: k = |ν|) or rank r ≥ 1
  Eigen::VectorXd lambda;       ///< eigenvalue of each row; NaN: hidden round-off (≤ 0 or ≤ 1e-13·λ_max)
  Eigen::VectorXd rawLambda;    ///< the computed values, round-off included (CSV export)
  Eigen::VectorXd multiplicity; ///< dimension of each row's eigenspace
  bool exactZeros = false;      ///< λ = 0 rows are exact (Funk–Hecke), not round-off
  int hidden = 0;               ///< rows hidden as round-off
  QString indexName;            ///< x-axis title in "by degree" mode
  QString domainName;           ///< short domain and size, e.g. "S² Funk–Hecke, k ≤ 128" (pin legends)
  int rows() const { return int(lambda.size()); }
};

struct SpectrumResult {
  int generation = 0;
  Network net;                  ///< the snapshot the spectrum was computed for
  bool ntk = true;
  SpectrumDomain domain = SpectrumDomain::Points;
  int size = 0;                 ///< kmax, n or m
  SpectrumCurve curve;
  std::shared_ptr<const GridSpectrum> grid;      ///< grid domain
  std::shared_ptr<const GramSpectrum> gram;      ///< points domain (with eigenvectors)
  std::shared_ptr<const Eigen::MatrixXd> points; ///< points domain: X, m by d
  QString description;          ///< one line about how it was computed
  QString error;
  bool cancelled = false;
  double seconds = 0.0;
  bool valid() const { return curve.rows() > 0; }
};

class SpectrumPanel : public AnalysisPanel {
  Q_OBJECT

public:
  static constexpr int kMaxPins = 4;

  explicit SpectrumPanel(NetworkDocument* doc, QWidget* parent = nullptr);
  ~SpectrumPanel() override;

  bool isBusy() const override;
  bool exportView(const QString& path, QString* error) override;
  void paintFigure(QPainter& p, const QRectF& rect) const override;

  const SpectrumResult& result() const { return m_result; }
  PlotWidget* plot() const { return m_plot; }
  bool showsNtk() const;
  SpectrumDomain domain() const;
  /// Whether the domain applies to the current network; if not, `why` says what prevents it.
  bool isDomainAvailable(SpectrumDomain domain, QString* why = nullptr) const;
  bool rankMode() const;
  /// The fit of the shown curve over the chosen range (by index).
  const SpectrumFit& fit() const { return m_fit; }
  int pinCount() const { return int(m_pins.size()); }
  int selectedRow() const { return m_selectedRow; }
  /// Plot series / point of a row of the current curve (for tests clicking it); (−1, −1) if not drawn.
  std::pair<int, int> plotPointOfRow(int row) const;
  /// Eigenfunction views and others that need the result call this while they are visible.
  void setConsumerActive(bool active);

public slots:
  void scheduleRecompute() override;
  void cancel() override;
  void setShowNtk(bool ntk);
  void setDomain(ntk::gui::SpectrumDomain domain);
  /// kmax, n or m of the current domain.
  void setDomainSize(int size);
  void setRankMode(bool byRank);
  void setFitRange(int kmin, int kmax);
  /// Selects a row (highlight) and emits eigenSelected.
  void selectRow(int row);
  void pinCurrent();
  void clearPins();
  /// Loads a network file and pins its spectrum (computed in the background, same domain kind).
  bool pinNetworkFile(const QString& path, QString* error = nullptr);

signals:
  void eigenSelected(int row);
  /// A point was double-clicked: show its eigenfunction (after eigenSelected(row)).
  void eigenfunctionRequested(int row);
  /// A new result is shown (the eigenfunction panel recomputes).
  void resultChanged();

protected:
  void showEvent(QShowEvent* event) override;

private:
  struct Request {
    Network net;
    bool ntk = true;
    SpectrumDomain domain = SpectrumDomain::Points;
    int size = 0;
    int generation = 0;
  };
  static SpectrumResult compute(const Request& in, const JobFlags& flags);
  /// The controls above the plot: kernel and domain; the domain's size, plot mode and log x; the fit
  /// range and the pins, with the info line under them.
  void buildKernelDomainAndSizeRows(QVBoxLayout* layout);
  void buildFitAndPinRow(QVBoxLayout* layout);
  void connectControls();
  bool wanted() const;
  void onNetworkChanged();
  void updateDomainChoices();
  void updateSizeControls();
  /// The plot-mode items and the fit label in the domain's words (degree k, frequency k, rank i).
  void updateModeChoices();
  void startJob();
  void onJobFinished();
  void onPinJobFinished();
  void updatePlot();
  void restoreSettings();
  void saveSettings();
  CheckedSpinBox* sizeSpin(SpectrumDomain domain) const;
  /// "degree k = 4" / "eigen-index i = 2" … of a row of the current result.
  QString rowName(int row) const;

  NetworkDocument* m_doc;
  PlotWidget* m_plot;
  QComboBox* m_kind;
  QComboBox* m_domain;
  QLabel* m_sizeLabel;
  CheckedSpinBox* m_kmax;
  CheckedSpinBox* m_gridN;
  CheckedSpinBox* m_points;
  QComboBox* m_mode;
  QLabel* m_fitLabel;
  QCheckBox* m_logK;
  CheckedSpinBox* m_fitMin;
  CheckedSpinBox* m_fitMax;
  QPushButton* m_pin;
  QPushButton* m_pinFile;
  QPushButton* m_clearPins;
  QLabel* m_info;
  QTimer* m_coalesce;

  QFutureWatcher<SpectrumResult>* m_watcher;
  QFutureWatcher<SpectrumResult>* m_pinWatcher;
  std::shared_ptr<std::atomic<bool>> m_pinStop;
  int m_generation = 0;
  bool m_pending = false;
  bool m_dirty = true;
  int m_consumers = 0;
  int m_gridDim = 0;         ///< input_dim the grid size was last defaulted for
  bool m_userChoseDomain = false;
  SpectrumResult m_result;
  SpectrumFit m_fit;
  std::vector<SpectrumCurve> m_pins;
  int m_selectedRow = -1;
  int m_pickSeries = -1;     ///< plot series whose points map to rows
  std::vector<int> m_pickRows; ///< point index → row of the current curve
};

} // namespace ntk::gui
