// KernelPanel — the "kernel" panel: NTK/NNGP heatmap on a grid of inputs, and one kernel row as a
// line plot (with an optional Monte-Carlo finite-network overlay).
// In: the NetworkDocument (recomputed after every edit while shown; hidden, marked stale and
// recomputed when shown), grid size, kind, selected row.
// Out: the views; `exportView(path)` writes PNG/SVG (figure), CSV/NPY (matrix or row data).
// Work runs off the GUI thread (QtConcurrent); a newer request cancels the older one, whose result
// is dropped. Domain: v ∈ [0,1) on a grid (input_dim 1, or the first coordinate with an encoding),
// or the unit circle (cos 2πt, sin 2πt) when the encoding is none and input_dim ≥ 2.
#pragma once
#include <Eigen/Dense>
#include <QElapsedTimer>
#include <QFutureWatcher>

#include "widgets/common/AnalysisPanel.h"

#include "core/network/Network.h"

class QComboBox;
class QSpinBox;
class QSlider;
class QCheckBox;
class QLabel;
class QTimer;
class QSplitter;

namespace ntk::gui {

class NetworkDocument;
class HeatmapView;
class CheckedSpinBox;
class LinePlotView;

struct KernelResult {
  int generation = 0;
  Eigen::VectorXd t;        ///< grid coordinate of each point
  Eigen::MatrixXd nngp, ntk;
  Eigen::MatrixXd empirical; ///< Monte-Carlo kernel of the chosen kind (empty unless asked)
  QString finiteWidths;      ///< the hidden widths the finite networks had ("512-512")
  QString domain;            ///< "v ∈ [0,1)" or "circle"
  QString error;             ///< non-empty: the job failed with this message
  bool cancelled = false;
  double seconds = 0.0;
};

class KernelPanel : public AnalysisPanel {
  Q_OBJECT

public:
  explicit KernelPanel(NetworkDocument* doc, QWidget* parent = nullptr);
  ~KernelPanel() override;

  bool isBusy() const override;
  /// The matrix shown (NTK or NNGP); empty before the first result.
  const Eigen::MatrixXd& shownMatrix() const;
  bool showsNtk() const;
  /// Monte-Carlo kernel of the shown kind (empty unless the overlay is on).
  const Eigen::MatrixXd& empiricalMatrix() const { return m_result.empirical; }
  HeatmapView* heatmap() const { return m_heatmap; }
  LinePlotView* linePlot() const { return m_plot; }
  /// Kernel jobs started so far (tests: a hidden panel does not recompute).
  int jobCount() const { return m_generation; }

  /// .png/.svg: the two views as one figure; .csv/.npy: the shown matrix.
  bool exportView(const QString& path, QString* error) override;
  /// The heatmap + row figure painted without OpenGL (for export and the headless demo).
  void paintFigure(QPainter& p, const QRectF& rect) const override;

public slots:
  void scheduleRecompute() override;
  void cancel() override;
  void setShowNtk(bool ntk);
  void setGridSize(int m);
  void setSelectedRow(int row);
  /// The "Finite net" overlay: the mean of S finite networks with the network's own widths.
  void setFiniteNetworkOverlay(bool on, int samples);
  int gridSize() const;

signals:
  /// The shown kernel switched between NTK and NNGP.
  void kindChanged(bool ntk);

protected:
  void showEvent(QShowEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;

private:
  void startJob();
  void onJobFinished();
  void restoreSettings();
  void saveSettings();
  void showResult();
  void updateRowPlot();
  /// Gives the heatmap the splitter width at which its image fills the height (it sat small between
  /// empty bands), the row plot the rest — until the user drags the splitter.
  void fitHeatmapWidth();

  NetworkDocument* m_doc;
  HeatmapView* m_heatmap;
  LinePlotView* m_plot;
  QComboBox* m_kind;
  CheckedSpinBox* m_grid;
  QSlider* m_row;
  QLabel* m_rowLabel;
  QCheckBox* m_empirical;
  QLabel* m_finiteWidths;  ///< the network's hidden widths, which the finite networks use
  CheckedSpinBox* m_empiricalSamples;
  QTimer* m_coalesce;
  QSplitter* m_splitter = nullptr;
  bool m_userSplit = false; ///< the user placed the splitter (then it is kept, across sessions too)

  QFutureWatcher<KernelResult>* m_watcher;
  int m_generation = 0;
  bool m_pending = false;
  bool m_dirty = false; ///< the network changed while hidden
  KernelResult m_result;
  int m_selectedRow = -1;
  double m_rowPosition = 0.5; ///< t₀ of the plotted row, kept when m changes
};

} // namespace ntk::gui
