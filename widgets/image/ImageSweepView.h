// ImageSweepView — the encoding sweep of the image panel (Tancik et al. 2020's table and figure): a table
// with one row per fit — encoding, σ, ridge, train PSNR, held-out PSNR, (with MLP: the trained MLP's train
// and held-out PSNR,) solver — and bicubic as the last
// row, beside two charts against σ (log axis): held-out PSNR (peaks) and train PSNR (rises; near
// interpolation it lies 50–150 dB above the held-out values, hence its own axis), for positional and
// Gaussian features, with encoding none and basic (no σ) and bicubic as horizontal lines.
// In: an EncodingSweepResult with the words that describe what it was computed for ("astronaut, stride 2,
// NTK, ridge 1e-06"), and whether it still matches the panel's settings (setStale with the reason).
// Out: the views; rowActivated(index of the sweep row) when a row is clicked (not the bicubic row); the
// CSV of the table (writeCsv: a header, then one line per row, numbers with 17 digits) and the figure
// (paintFigure, the chart with its status line; PNG/SVG through saveFigure).
// A stale result stays visible but is marked: a red line above the table, "(stale)" in the chart title.
// GUI thread only.
#pragma once
#include <QString>
#include <QWidget>

#include "core/image/ImageEncodingSweep.h"

class QCheckBox;
class QLabel;
class QPushButton;
class QSplitter;
class QTableWidget;
class QToolButton;
class QPainter;
class QRectF;

namespace ntk::gui {

class PlotWidget;

class ImageSweepView : public QWidget {
  Q_OBJECT

public:
  explicit ImageSweepView(QWidget* parent = nullptr);

  /// Shows `result`, computed for `description`; not stale.
  void setResult(const EncodingSweepResult& result, const QString& description);
  /// Removes the result (the message says why there is none).
  void clearResult(const QString& message);
  /// Marks the result stale with `reason` (empty: current again).
  void setStale(const QString& reason);
  /// A line while the sweep runs ("Sweeping… 4 of 10 fits"), or empty.
  void setRunning(const QString& text);

  bool hasResult() const { return m_has; }
  bool isStale() const { return !m_stale.isEmpty(); }
  QString staleReason() const { return m_stale; }
  const EncodingSweepResult& result() const { return m_result; }
  QString description() const { return m_description; }
  QString statusText() const;
  QTableWidget* table() const { return m_table; }
  /// Held-out PSNR against σ, and train PSNR against σ.
  PlotWidget* chart() const { return m_chart; }
  PlotWidget* trainChart() const { return m_trainChart; }
  /// Both charts side by side into `rect` (the figure's lower half).
  void paintCharts(QPainter& p, const QRectF& rect) const;
  /// The button that exports (a menu: CSV table, PNG/SVG chart); the panel fills its menu.
  QToolButton* exportButton() const { return m_exportButton; }
  /// "with MLP": whether the next sweep also trains the MLP with every encoding (the panel reads it and
  /// sets its text and tooltip: steps, learning rate, widths).
  QCheckBox* mlpCheck() const { return m_mlpCheck; }
  /// Whether the result has MLP columns (the sweep trained MLPs).
  bool hasMlpRows() const;
  /// Selects the table row of sweep row `index` (no signal); −1 clears the selection.
  void selectRow(int index);

  /// The table as CSV: encoding, sigma, ridge, psnr_train, psnr_heldout, psnr_all, path, cg_iterations,
  /// seconds, note (with MLP rows then mlp_steps, mlp_psnr_train, mlp_psnr_heldout, mlp_psnr_all,
  /// mlp_seconds, mlp_note); bicubic as the last row. False with the reason.
  bool writeCsv(const QString& path, QString* error) const;
  /// The chart with the status line above it (the figure export).
  void paintFigure(QPainter& p, const QRectF& rect) const;

signals:
  void rowActivated(int index);

private:
  void fillTable();
  void updateChart();
  void updateStatus();
  void showMlpColumns(bool show);

  QLabel* m_status;
  QTableWidget* m_table;
  PlotWidget* m_chart;
  PlotWidget* m_trainChart;
  QToolButton* m_exportButton;
  QCheckBox* m_mlpCheck;
  QSplitter* m_split;
  EncodingSweepResult m_result;
  QString m_description, m_stale, m_running, m_message;
  bool m_has = false;
};

} // namespace ntk::gui
