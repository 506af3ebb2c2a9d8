#include "widgets/image/ImageSweepView.h"

#include <algorithm>
#include <cmath>

#include <QCheckBox>
#include <QFile>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QIcon>
#include <QPainter>
#include <QPixmap>
#include <QScrollBar>
#include <QSplitter>
#include <QTableWidget>
#include <QTextStream>
#include <QToolButton>
#include <QVBoxLayout>

#include "widgets/common/NiceTicks.h"
#include "widgets/common/PlotWidget.h"
#include "widgets/image/SweepFigure.h"

namespace ntk::gui {

namespace {

constexpr int kColumns = 7, kSolverColumn = 6; ///< encoding, σ, train, held-out, MLP train, MLP held-out, solver

QString number17(double v) { return std::isfinite(v) ? QString::number(v, 'g', 17) : QString(); }

QString psnrCell(double db) { return std::isfinite(db) ? QString::number(db, 'f', 2) : QStringLiteral("—"); }

/// The CSV field `text`, quoted when it holds a comma, a quote or a line break.
QString csvField(QString text)
{
  if (!text.contains(QLatin1Char(',')) && !text.contains(QLatin1Char('"')) && !text.contains(QLatin1Char('\n'))) return text;
  text.replace(QStringLiteral("\""), QStringLiteral("\"\""));
  return QLatin1Char('"') + text + QLatin1Char('"');
}

/// The line of a chart series as a small icon: the table is the charts' legend on screen. `marker`: a
/// dot on the line (the σ encodings' curves); `thick`: the MLP's levels (none, basic).
QIcon swatch(const QColor& color, bool dashed, bool marker, bool thick = false)
{
  QPixmap pix(18, 10);
  pix.fill(Qt::transparent);
  QPainter p(&pix);
  p.setRenderHint(QPainter::Antialiasing);
  p.setPen(QPen(color, thick ? 3.5 : 2.5, dashed ? Qt::DashLine : Qt::SolidLine));
  p.drawLine(QPointF(1, 5), QPointF(17, 5));
  if (marker) {
    p.setBrush(color);
    p.drawEllipse(QPointF(9, 5), 3, 3);
  }
  return QIcon(pix);
}

} // namespace

ImageSweepView::ImageSweepView(QWidget* parent) : QWidget(parent)
{
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  auto* top = new QHBoxLayout;
  m_status = new QLabel;
  m_status->setWordWrap(true);
  m_status->setObjectName(QStringLiteral("sweepStatus"));
  m_exportButton = new QToolButton;
  m_exportButton->setText(tr("Export sweep"));
  m_exportButton->setPopupMode(QToolButton::InstantPopup);
  m_exportButton->setToolTip(tr("Write the sweep table as CSV, or the PSNR-against-σ chart as PNG/SVG"));
  m_mlpCheck = new QCheckBox(tr("with MLP"));
  m_mlpCheck->setObjectName(QStringLiteral("sweepMlpCheck"));
  top->addWidget(m_status, 1);
  top->addWidget(m_mlpCheck);
  top->addWidget(m_exportButton);
  layout->addLayout(top);

  // The ridge is the same in every row (the panel's): it is in the line above the table and in the CSV.
  m_table = new QTableWidget(0, kColumns);
  m_table->setHorizontalHeaderLabels(
      {tr("Encoding"), tr("σ"), tr("Train dB"), tr("Held-out dB"), tr("MLP train"), tr("MLP held-out"), tr("Solver")});
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->setSelectionMode(QAbstractItemView::SingleSelection);
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_table->verticalHeader()->setVisible(false);
  m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
  m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  m_table->horizontalHeader()->setStretchLastSection(true);
  m_table->setIconSize(QSize(18, 10));
  m_table->setToolTip(tr("Tancik et al.'s table (its swatches are the charts' legend): exact kernel regression of the image with each encoding (train and held-out\n"
                         "PSNR in dB), and with MLP the finite network trained with each encoding (its own two columns). Click a row to show that fit in the pictures above (it sets the network's encoding:\n"
                         "one undo step)."));
  m_chart = new PlotWidget;
  m_chart->setToolTip(tr("Held-out PSNR against σ: it peaks — too small a σ blurs, too large a σ interpolates noisily\n"
                         "between the training pixels. Encodings without σ (none, basic) and bicubic are horizontal lines.\n"
                         "With MLP: the trained MLP's held-out PSNR as dashed lines (◆ positional, ▲ Gaussian; thick dashed\n"
                         "levels for none and basic) — their swatches are in the table's MLP held-out column.\n"
                         "Click a point to show that fit. Wheel: zoom; drag: pan; double click: reset."));
  m_trainChart = new PlotWidget;
  m_trainChart->setToolTip(tr("Train PSNR against σ: it rises — a larger σ fits the training pixels ever more exactly\n"
                              "(with a tiny ridge kernel regression nearly interpolates: these values are far above the\n"
                              "held-out ones). Click a point to show that fit."));
  m_chart->setMinimumSize(120, 100); // a small window keeps its minimum size; the charts shrink
  m_trainChart->setMinimumSize(120, 100);
  auto* split = new QSplitter(Qt::Horizontal);
  m_split = split;
  split->addWidget(m_table);
  split->addWidget(m_chart);
  split->addWidget(m_trainChart);
  split->setStretchFactor(0, 4);
  split->setStretchFactor(1, 4);
  split->setStretchFactor(2, 3);
  layout->addWidget(split, 1);

  connect(m_table, &QTableWidget::cellClicked, this, [this](int row, int) {
    if (m_has && row >= 0 && std::size_t(row) < m_result.rows.size()) emit rowActivated(row);
  });
  for (PlotWidget* chart : {m_chart, m_trainChart})
    connect(chart, &PlotWidget::pointClicked, this, [this, chart](int series, int index) {
      if (series < 0 || std::size_t(series) >= chart->series().size()) return;
      const QList<QVariant> list = chart->property(qPrintable(QStringLiteral("rows%1").arg(series))).toList();
      if (index >= 0 && index < list.size()) {
        selectRow(list[index].toInt());
        emit rowActivated(list[index].toInt());
      }
    });
  clearResult(tr("Press Sweep encodings to fit none, basic, positional and Gaussian encodings at several σ."));
}

void ImageSweepView::setResult(const EncodingSweepResult& result, const QString& description)
{
  m_result = result;
  m_description = description;
  m_stale.clear();
  m_running.clear();
  m_has = true;
  fillTable();
  updateChart();
  updateStatus();
}

void ImageSweepView::clearResult(const QString& message)
{
  m_result = EncodingSweepResult{};
  m_has = false;
  m_stale.clear();
  m_message = message;
  m_table->setRowCount(0);
  showMlpColumns(false);
  m_chart->clear();
  m_trainChart->clear();
  updateStatus();
}

void ImageSweepView::setStale(const QString& reason)
{
  if (reason == m_stale) return;
  m_stale = reason;
  updateChart();
  updateStatus();
}

void ImageSweepView::setRunning(const QString& text)
{
  m_running = text;
  updateStatus();
}

QString ImageSweepView::statusText() const
{
  if (!m_running.isEmpty()) return m_running;
  if (!m_has) return m_message;
  if (!m_stale.isEmpty()) return tr("Stale: computed for %1 — %2. Sweep again to update.").arg(m_description, m_stale);
  const QString fits = hasMlpRows() ? tr("%1 fits and %1 MLPs").arg(m_result.rows.size()) : tr("%1 fits").arg(m_result.rows.size());
  return tr("%1: %2 in %3 s").arg(m_description, fits).arg(m_result.seconds, 0, 'f', 2);
}

void ImageSweepView::updateStatus()
{
  m_status->setText(statusText());
  m_status->setStyleSheet(m_has && !m_stale.isEmpty() && m_running.isEmpty() ? QStringLiteral("color: #b00020; font-weight: bold")
                                                                             : QString());
  m_exportButton->setEnabled(m_has);
}

void ImageSweepView::fillTable()
{
  const auto& rows = m_result.rows;
  m_table->setRowCount(int(rows.size()) + 1);
  auto set = [this](int r, int c, const QString& text, const QString& tip = {}) {
    auto* item = new QTableWidgetItem(text);
    if (c > 0 && c < kSolverColumn) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    if (!tip.isEmpty()) item->setToolTip(tip);
    m_table->setItem(r, c, item);
  };
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const EncodingSweepRow& row = rows[i];
    const int r = int(i);
    const QString note = QString::fromStdString(row.note);
    set(r, 0, sweepEncodingName(row.encoding), note);
    const bool level = row.encoding == EncodingKind::Basic || row.encoding == EncodingKind::None;
    m_table->item(r, 0)->setIcon(swatch(sweepEncodingColor(row.encoding), level, !level));
    set(r, 1, std::isfinite(row.sigma) ? QString::number(row.sigma, 'g', 4) : QStringLiteral("—"));
    set(r, 2, row.computed ? psnrCell(row.psnrTrain) : QStringLiteral("—"));
    set(r, 3, row.computed ? psnrCell(row.psnrHeldOut) : QStringLiteral("—"));
    const QString mlpTip = row.mlp.computed ? tr("MLP: %1 steps, %2 s; PSNR on all pixels %3 dB")
                                                  .arg(row.mlp.steps)
                                                  .arg(row.mlp.seconds, 0, 'f', 2)
                                                  .arg(row.mlp.psnrAll, 0, 'f', 2)
                                            : QString::fromStdString(row.mlp.note);
    set(r, 4, row.mlp.computed ? psnrCell(row.mlp.psnrTrain) : QStringLiteral("—"), mlpTip);
    set(r, 5, row.mlp.computed ? psnrCell(row.mlp.psnrHeldOut) : QStringLiteral("—"), mlpTip);
    if (row.mlp.computed) // the held-out chart's MLP series: dashed with markers, or a thick dashed level
      m_table->item(r, 5)->setIcon(swatch(sweepEncodingColor(row.encoding), true, !level, level));
    const QString solver = row.computed ? tr("%1%2, %3 s")
                                              .arg(QString::fromStdString(regressionPathName(row.path)))
                                              .arg(row.cgIterations > 0 ? tr(" (%1 CG)").arg(row.cgIterations) : QString())
                                              .arg(row.seconds, 0, 'f', 2)
                                        : tr("not computed: %1").arg(note);
    set(r, kSolverColumn, solver, note);
  }
  const int b = int(rows.size());
  set(b, 0, tr("bicubic"), tr("Aligned bicubic upsampling of the same training pixels (the classical baseline)"));
  m_table->item(b, 0)->setIcon(swatch(QColor(110, 110, 110), true, false));
  set(b, 1, QStringLiteral("—"));
  set(b, 2, psnrCell(m_result.bicubicPsnrTrain));
  set(b, 3, psnrCell(m_result.bicubicPsnrHeldOut));
  set(b, 4, QStringLiteral("—"));
  set(b, 5, QStringLiteral("—"));
  set(b, kSolverColumn, tr("baseline"));
  showMlpColumns(hasMlpRows());
  // The numbers stay visible: the table gets the width of its columns up to the (MLP) held-out PSNR when
  // there is room (the charts share the rest; hidden columns have width 0).
  m_table->resizeColumnsToContents();
  int width = 2 * m_table->frameWidth() + m_table->verticalScrollBar()->sizeHint().width() + 4;
  for (int c = 0; c < kSolverColumn; ++c) width += m_table->columnWidth(c);
  const int total = m_split->width() - 2 * m_split->handleWidth();
  if (total > 0) {
    const int t = std::min(width, hasMlpRows() ? total * 3 / 5 : total / 2);
    m_split->setSizes({t, (total - t) * 55 / 100, total - t - (total - t) * 55 / 100});
  }
  for (int c = 0; c < m_table->columnCount(); ++c) {
    QFont f = m_table->item(b, c)->font();
    f.setItalic(true);
    m_table->item(b, c)->setFont(f);
    m_table->item(b, c)->setFlags(Qt::ItemIsEnabled);
  }
}

void ImageSweepView::updateChart()
{
  if (!m_has) {
    m_chart->clear();
    m_trainChart->clear();
    return;
  }
  for (const auto& [chart, train] : {std::pair{m_chart, false}, std::pair{m_trainChart, true}}) {
    SweepChart c = sweepChart(m_result, train, !m_stale.isEmpty());
    for (std::size_t i = 0; i < c.rows.size(); ++i) {
      QList<QVariant> list; // the sweep row of each point, per series (clicks)
      for (int row : c.rows[i]) list << row;
      chart->setProperty(qPrintable(QStringLiteral("rows%1").arg(i)), list);
    }
    // On screen the table's swatches are the legend (column Encoding: the kernel's series; MLP held-out: the
    // MLP's): a legend box would cover most of these small charts. Exported figures have legends.
    for (PlotSeries& s : c.series) s.inLegend = false;
    chart->setPlot(std::move(c.series), c.options, true);
  }
}

bool ImageSweepView::hasMlpRows() const
{
  return m_has && std::any_of(m_result.rows.begin(), m_result.rows.end(), [](const EncodingSweepRow& r) { return r.mlp.steps > 0; });
}

void ImageSweepView::showMlpColumns(bool show)
{
  m_table->setColumnHidden(4, !show);
  m_table->setColumnHidden(5, !show);
}

void ImageSweepView::paintCharts(QPainter& p, const QRectF& rect) const
{
  if (m_has) paintSweepCharts(p, rect, m_result, !m_stale.isEmpty());
}

void ImageSweepView::selectRow(int index)
{
  const QSignalBlocker block(m_table);
  if (index < 0 || index >= m_table->rowCount())
    m_table->clearSelection();
  else
    m_table->selectRow(index);
}

bool ImageSweepView::writeCsv(const QString& path, QString* error) const
{
  if (!m_has) {
    if (error) *error = tr("no sweep yet: press Sweep encodings first");
    return false;
  }
  QFile f(path);
  if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text)) {
    if (error) *error = tr("could not write %1: %2").arg(path, f.errorString());
    return false;
  }
  QTextStream out(&f);
  const bool mlp = hasMlpRows();
  out << "encoding,sigma,ridge,psnr_train,psnr_heldout,psnr_all,path,cg_iterations,seconds,note"
      << (mlp ? ",mlp_steps,mlp_psnr_train,mlp_psnr_heldout,mlp_psnr_all,mlp_seconds,mlp_note" : "") << '\n';
  for (const EncodingSweepRow& r : m_result.rows) {
    out << QString::fromStdString(Encoding::kindName(r.encoding)) << ',' << number17(r.sigma) << ','
        << (r.computed ? number17(r.ridge) : QString()) << ',' << (r.computed ? number17(r.psnrTrain) : QString()) << ','
        << (r.computed ? number17(r.psnrHeldOut) : QString()) << ',' << (r.computed ? number17(r.psnrAll) : QString()) << ','
        << (r.computed ? QString::fromStdString(regressionPathName(r.path)) : QString()) << ',' << r.cgIterations << ','
        << number17(r.seconds) << ',' << csvField(QString::fromStdString(r.note));
    const EncodingSweepMlp& m = r.mlp;
    if (mlp)
      out << ',' << m.steps << ',' << (m.computed ? number17(m.psnrTrain) : QString()) << ','
          << (m.computed ? number17(m.psnrHeldOut) : QString()) << ',' << (m.computed ? number17(m.psnrAll) : QString())
          << ',' << number17(m.seconds) << ',' << csvField(QString::fromStdString(m.note));
    out << '\n';
  }
  out << "bicubic,,," << number17(m_result.bicubicPsnrTrain) << ',' << number17(m_result.bicubicPsnrHeldOut) << ','
      << number17(m_result.bicubicPsnrAll) << ",bicubic,0,," << (mlp ? ",,,,,," : "") << '\n';
  out.flush();
  if (f.error() != QFileDevice::NoError) {
    if (error) *error = tr("could not write %1: %2").arg(path, f.errorString());
    return false;
  }
  return true;
}

void ImageSweepView::paintFigure(QPainter& p, const QRectF& rect) const
{
  const double em = beginFigure(p, rect, tr("Encoding sweep"));
  const QRectF body = rect.adjusted(em, 2.0 * em, -em, -0.5 * em);
  QFont f = p.font();
  f.setPixelSize(std::max(6, int(0.7 * em)));
  p.setFont(f);
  p.setPen(m_has && !m_stale.isEmpty() ? QColor(176, 0, 32) : QColor(60, 60, 60));
  const QRectF line(body.left(), body.top(), body.width(), 1.4 * 0.7 * em);
  p.drawText(line, Qt::AlignCenter | Qt::TextSingleLine, QFontMetricsF(f).elidedText(statusText(), Qt::ElideMiddle, body.width()));
  const QRectF chartRect = body.adjusted(0, line.height() + 0.3 * em, 0, 0);
  if (m_chart->series().empty())
    paintFigureMessage(p, chartRect, statusText(), 0.7 * em);
  else
    paintCharts(p, chartRect);
  p.restore();
}

} // namespace ntk::gui
