#include "widgets/common/AnalysisPanel.h"

#include <QFileInfo>
#include <QPainter>
#include <QTimer>

#include "widgets/common/FigurePainter.h"
#include "core/util/Errors.h"
#include "core/util/MatrixIO.h"

namespace ntk::gui {

AnalysisPanel::AnalysisPanel(QWidget* parent) : QWidget(parent), m_progressTimer(new QTimer(this))
{
  m_progressTimer->setInterval(50);
  connect(m_progressTimer, &QTimer::timeout, this, [this] { emit progressChanged(m_job.percent->load()); });
}

JobFlags AnalysisPanel::newJob(Progress progress)
{
  m_job = JobFlags{};
  m_jobPolled = progress == Progress::Polled;
  if (m_jobPolled) m_progressTimer->start();
  return m_job;
}

void AnalysisPanel::endJob(bool otherWork)
{
  m_progressTimer->stop();
  if (m_jobPolled) emit progressChanged(100);
  if (!otherWork) emit busyChanged(false);
}

void AnalysisPanel::stopJob() { m_job.stop->store(true); }

bool AnalysisPanel::jobStopped() const { return m_job.stop->load(); }

bool AnalysisPanel::exportFigureOrMatrix(const QString& path, QSize figureSize, const Eigen::MatrixXd& data, QString* error,
                                         const QString& noDataReason) const
{
  const QString suffix = QFileInfo(path).suffix().toLower();
  if (data.size() == 0 && noDataReason.isEmpty()) {
    if (error) *error = tr("nothing to export yet");
    return false;
  }
  if (suffix == QLatin1String("png") || suffix == QLatin1String("svg")) {
    const bool ok = saveFigure(path, figureSize, [this](QPainter& p, const QRectF& r) { paintFigure(p, r); });
    if (!ok && error) *error = tr("could not write %1").arg(path);
    return ok;
  }
  if (suffix == QLatin1String("csv") || suffix == QLatin1String("npy")) {
    if (data.size() == 0) {
      if (error) *error = noDataReason;
      return false;
    }
    try {
      writeMatrix(path.toStdString(), data);
      return true;
    } catch (const NtkError& e) {
      if (error) *error = QString::fromStdString(e.what());
      return false;
    }
  }
  if (error) *error = tr("unknown export format '.%1' (use png, svg, csv or npy)").arg(suffix);
  return false;
}

} // namespace ntk::gui
