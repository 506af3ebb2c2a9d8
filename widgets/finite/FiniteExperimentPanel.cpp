// FiniteExperimentPanel.cpp — layout, the one job at a time, export.
#include "widgets/finite/FiniteExperimentPanel.h"

#include <algorithm>

#include <QLabel>
#include <QPainter>
#include <QPushButton>
#include <QTimer>
#include <QVBoxLayout>

#include "widgets/common/CheckedSpinBox.h"
#include "widgets/common/LabelledBox.h"
#include "widgets/dynamics/FlowLayout.h"
#include "widgets/finite/FigureFunctionWidget.h"
#include "widgets/network/NetworkDocument.h"

namespace ntk::gui {

FiniteExperimentPanel::FiniteExperimentPanel(NetworkDocument* doc, QWidget* parent)
    : AnalysisPanel(parent), m_doc(doc), m_watcher(new QFutureWatcher<Outcome>(this))
{
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  m_controls = new FlowLayout;
  layout->addLayout(m_controls);
  m_run = new QPushButton(tr("Run"));
  m_run->setObjectName(QStringLiteral("finiteRun"));
  m_run->setToolTip(tr("Run the experiment again (F5); while it runs: Cancel (Esc)"));
  m_info = new QLabel;
  m_info->setWordWrap(true);
  m_info->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(m_info);
  m_figure = new FigureFunctionWidget([this](QPainter& p, const QRectF& r, double em) { paintContent(p, r, em); });
  layout->addWidget(m_figure, 1);
  m_coalesce = new QTimer(this);
  m_coalesce->setSingleShot(true);
  m_coalesce->setInterval(0);
  connect(m_coalesce, &QTimer::timeout, this, &FiniteExperimentPanel::startJob);
  connect(m_watcher, &QFutureWatcher<Outcome>::finished, this, &FiniteExperimentPanel::onJobFinished);
  connect(m_run, &QPushButton::clicked, this, [this] { isBusy() ? cancel() : scheduleRecompute(); });
  connect(m_doc, &NetworkDocument::changed, this, [this] {
    if (isVisible())
      scheduleRecompute();
    else
      m_dirty = true;
  });
}

FiniteExperimentPanel::~FiniteExperimentPanel()
{
  stopJob();
  m_watcher->waitForFinished();
}

QWidget* FiniteExperimentPanel::figureWidget() const { return m_figure; }

void FiniteExperimentPanel::addControl(QWidget* w)
{
  m_controls->removeWidget(m_run);
  m_controls->addWidget(w);
  m_controls->addWidget(m_run); // the button stays last
}

CheckedSpinBox* FiniteExperimentPanel::addSpinControl(const QString& label, int lo, int hi, int value, const QString& tip)
{
  auto* box = new CheckedSpinBox(lo, hi);
  box->setValue(value);
  box->setToolTipBase(tip);
  addControl(labelledBox(label, box));
  connect(box, &CheckedSpinBox::valueAccepted, this, &FiniteExperimentPanel::scheduleRecompute);
  connect(box, &CheckedSpinBox::valueRefused, this, &FiniteExperimentPanel::statusMessage);
  return box;
}

void FiniteExperimentPanel::setInfo(const QString& text) { m_info->setText(text); }
QString FiniteExperimentPanel::infoText() const { return m_info->text(); }

bool FiniteExperimentPanel::isBusy() const { return m_watcher->isRunning() || m_pending || m_coalesce->isActive(); }

void FiniteExperimentPanel::scheduleRecompute()
{
  m_dirty = false;
  m_pending = true;
  stopJob(); // a newer request cancels the older one
  m_coalesce->start();
}

void FiniteExperimentPanel::cancel()
{
  if (isBusy()) m_dirty = true;
  m_pending = false;
  m_coalesce->stop();
  stopJob();
  if (!m_watcher->isRunning()) m_run->setText(tr("Run"));
}

void FiniteExperimentPanel::showEvent(QShowEvent* event)
{
  AnalysisPanel::showEvent(event);
  if (m_dirty) scheduleRecompute();
}

void FiniteExperimentPanel::startJob()
{
  if (m_watcher->isRunning()) return; // onJobFinished starts the pending job
  m_pending = false;
  QString refusal;
  Job job = makeJob(&refusal);
  if (!job) {
    setInfo(refusal);
    emit statusMessage(tr("%1 not run: %2").arg(experimentName(), refusal));
    m_figure->update();
    if (!isBusy()) emit idle();
    return;
  }
  const int generation = ++m_generation;
  launchJob(m_watcher, [job = std::move(job), generation](const JobFlags& flags) {
    Outcome o;
    o.generation = generation;
    catchJobErrors([&] { o.result = job(flags); }, &o.cancelled, &o.error);
    return o;
  });
  m_run->setText(tr("Cancel"));
  emit statusMessage(tr("Running the %1…").arg(experimentName()));
}

void FiniteExperimentPanel::onJobFinished()
{
  const Outcome o = m_watcher->future().result();
  if (m_pending) {
    startJob(); // superseded: run the newest request
    return;
  }
  endJob();
  m_run->setText(tr("Run"));
  if (o.cancelled)
    emit statusMessage(tr("%1 cancelled — the plots still show the previous result").arg(experimentName()));
  else if (!o.error.isEmpty())
    emit statusMessage(tr("%1 not computed: %2").arg(experimentName(), o.error));
  else if (o.generation == m_generation) {
    applyResult(o.result);
    ++m_resultCount;
    m_figure->update();
  }
  if (!isBusy()) emit idle();
}

bool FiniteExperimentPanel::computeNow(QString* error)
{
  stopJob();
  m_pending = false;
  m_coalesce->stop();
  m_watcher->waitForFinished();
  m_dirty = false;
  QString refusal;
  const Job job = makeJob(&refusal);
  if (!job) {
    if (error) *error = refusal;
    setInfo(refusal);
    return false;
  }
  std::any result;
  bool cancelled = false;
  QString err;
  if (!catchJobErrors([&] { result = job(JobFlags{}); }, &cancelled, &err)) {
    if (error) *error = cancelled ? tr("cancelled") : err;
    return false;
  }
  ++m_generation;
  applyResult(result);
  ++m_resultCount;
  m_figure->update();
  return true;
}

void FiniteExperimentPanel::paintFigure(QPainter& p, const QRectF& rect) const
{
  paintContent(p, rect, std::max(10.0, rect.height() / 40.0));
}

bool FiniteExperimentPanel::exportView(const QString& path, QString* error)
{
  return exportFigureOrMatrix(path, QSize(1800, 900), exportData(), error, tr("nothing to export yet"));
}

} // namespace ntk::gui
