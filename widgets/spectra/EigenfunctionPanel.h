// EigenfunctionPanel — the "eigenfunctions" panel: the Mercer eigenfunction(s) of one eigenvalue of
// the spectrum panel's result, drawn on the spectrum's domain.
// In: the SpectrumPanel (its last result: domain, network snapshot, grid spectrum or Gram
// eigenvectors) and a row of it — clicked there (`SpectrumPanel::eigenSelected`) or chosen with the
// spin boxes — plus the index j within the eigenspace.
// Out: sphere S¹: the curves √2 cos kφ, √2 sin kφ over the angle; S²: a rotatable 3-D sphere coloured
// by the real spherical harmonic Y_{k,j} (m = j − k); S^{d−1}, d ≥ 4: the zonal harmonic along a
// meridian; 1-D grid: cos/sin curves over v; 2-D grid: a heatmap of √2 cos/sin 2πν·v, column j of
// gridEigenspace(row) (the same function `ntk-cli spectrum --domain grid --eigenfunction k` writes); random points:
// the Nyström eigenfunction φ_i(x) = K(x, X) u_i / (√m μ_i) (a curve for d = 1 and on S¹ with the
// eigenvector's values at the data points, a heatmap on [0,1)² for d = 2, the sphere for points on S²).
// The title shows λ and the multiplicity. exportView: PNG/SVG figure, CSV/NPY of the values shown.
// Work (harmonics on fine grids, Nyström kernels) runs off the GUI thread; a newer request cancels
// the older one. Computes only while visible (a row chosen or a spectrum computed meanwhile marks it
// stale; it recomputes when shown); the spectrum panel computes for it when needed.
#pragma once
#include <atomic>
#include <memory>
#include <vector>

#include <Eigen/Dense>
#include <QFutureWatcher>

#include "widgets/common/AnalysisPanel.h"
#include "widgets/spectra/SpectrumPanel.h"

class QLabel;
class QSpinBox;
class QStackedWidget;
class QTimer;

namespace ntk::gui {

class CheckedSpinBox;
class HeatmapView;
class PlotWidget;
class SphereView;

struct EigenfunctionResult {
  enum class View { None, Curves, Heatmap, Sphere };
  int generation = 0;
  View view = View::None;
  // Curves: shared x, named values; `selected` is the one drawn bold (j).
  Eigen::VectorXd x;
  std::vector<std::pair<QString, Eigen::VectorXd>> curves;
  int selected = 0;
  Eigen::VectorXd dataX, dataY; ///< Gram eigenvector values at the data points (points domain, curves)
  QString xTitle, yTitle;
  // Heatmap: n×n on [0,1)² (row = v₂, column = v₁); Sphere: nTheta×nPhi lat-long values.
  Eigen::MatrixXd matrix;
  double x0 = 0.0, x1 = 1.0;
  QString title;
  QString error;
  bool cancelled = false;
};

class EigenfunctionPanel : public AnalysisPanel {
  Q_OBJECT

public:
  EigenfunctionPanel(SpectrumPanel* spectrum, QWidget* parent = nullptr);
  ~EigenfunctionPanel() override;

  bool isBusy() const override;
  bool exportView(const QString& path, QString* error) override;
  void paintFigure(QPainter& p, const QRectF& rect) const override;
  const AnalysisPanel* upstream() const override;

  const EigenfunctionResult& result() const { return m_result; }
  /// Jobs started so far (a hidden panel starts none; tests count them).
  int jobCount() const { return m_generation; }
  int row() const;
  int indexInEigenspace() const;
  PlotWidget* plot() const { return m_plot; }
  HeatmapView* heatmap() const { return m_heatmap; }
  SphereView* sphere() const { return m_sphere; }
  /// The view currently shown (for screenshots in tests).
  QWidget* currentView() const;

public slots:
  void scheduleRecompute() override;
  void cancel() override;
  /// Row of the spectrum table (degree k, grid row k, or eigen-index i) and j within its eigenspace.
  void setRow(int row);
  void setIndexInEigenspace(int j);

protected:
  void showEvent(QShowEvent* event) override;
  void hideEvent(QHideEvent* event) override;

private:
  struct Request {
    SpectrumResult spectrum;
    int row = 0;
    int j = 0;
    int generation = 0;
  };
  static EigenfunctionResult compute(const Request& in, const JobFlags& flags);
  void onSpectrumChanged();
  /// Recomputes now when shown, else marks the view stale (computed on show).
  void recomputeIfShown();
  void updateRanges();
  /// N(d,k) of the chosen row: how many j there are (1 where only the zonal function is drawn).
  int eigenspaceSize() const;
  void startJob();
  void onJobFinished();
  void showResult();

  SpectrumPanel* m_spectrum;
  QLabel* m_rowLabel;
  CheckedSpinBox* m_row;
  CheckedSpinBox* m_j;
  QLabel* m_jInfo;
  QLabel* m_info;
  QStackedWidget* m_stack;
  PlotWidget* m_plot;
  HeatmapView* m_heatmap;
  SphereView* m_sphere;
  QLabel* m_placeholder;
  QTimer* m_coalesce;
  QFutureWatcher<EigenfunctionResult>* m_watcher;
  int m_generation = 0;
  bool m_pending = false;
  bool m_dirty = true;
  bool m_consuming = false;
  bool m_sphereCameraSet = false;
  bool m_rowChosen = false; ///< the user (or the spectrum) picked a row; before, degree 3 is shown
  EigenfunctionResult m_result;
};

} // namespace ntk::gui
