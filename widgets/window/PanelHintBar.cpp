#include "widgets/window/PanelHintBar.h"

#include <QHBoxLayout>
#include <QHash>
#include <QLabel>
#include <QSettings>
#include <QStyle>
#include <QTabWidget>
#include <QToolButton>
#include <QVBoxLayout>

namespace ntk::gui {

namespace {

const QString kDismissedKey = QStringLiteral("hints/dismissed");

QStringList dismissedPanels() { return QSettings().value(kDismissedKey).toStringList(); }

} // namespace

QString PanelHintBar::hintFor(const QString& name)
{
  static const QHash<QString, const char*> hints = {
      {QStringLiteral("kernel"),
       QT_TR_NOOP("Click the heatmap (or drag Row t₀) to move the kernel row, then tick Finite net and compare a "
                  "width of 64 with 4096.")},
      {QStringLiteral("spectrum"),
       QT_TR_NOOP("Open File ▸ Examples ▸ Bias-free 2-layer ReLU on the circle: its odd eigenvalues k ≥ 3 are exactly "
                  "zero. Pin it, add a bias, and compare.")},
      {QStringLiteral("eigenfunctions"),
       QT_TR_NOOP("Double-click a point in the Spectrum tab, then step the degree k up: eigenfunctions oscillate "
                  "faster as λ falls.")},
      {QStringLiteral("dynamics"),
       QT_TR_NOOP("Press Play: gradient flow fits the slow sine first and the fast ones last. Click to add a "
                  "training point, right-click to remove one.")},
      {QStringLiteral("regimes"),
       QT_TR_NOOP("Raise c towards 1: the kernel distance grows; far past 1 the runs diverge (▲). Wider networks "
                  "move their kernel less.")},
      {QStringLiteral("width"),
       QT_TR_NOOP("Compare the fitted slope with −0.5 (fluctuations ∝ n^(−1/2)), then switch the kernel to NNGP.")},
      {QStringLiteral("image"),
       QT_TR_NOOP("Press Sweep encodings: train PSNR rises with σ, held-out PSNR peaks. Click a row to show that "
                  "fit, then press Play.")},
      {QStringLiteral("topopt"),
       QT_TR_NOOP("Press Play and watch the beam grow; click a node to add a load while it runs (Ctrl+Z undoes). "
                  "Ctrl+click shows the NTK filter.")},
  };
  const auto it = hints.constFind(name);
  return it == hints.constEnd() ? QString() : tr(it.value());
}

PanelHintBar::PanelHintBar(QTabWidget* tabs, QWidget* parent)
    : QFrame(parent), m_tabs(tabs), m_label(new QLabel), m_close(new QToolButton)
{
  setObjectName(QStringLiteral("panelHint"));
  setFrameShape(QFrame::StyledPanel);
  setAutoFillBackground(true);
  QPalette pal = palette();
  pal.setColor(QPalette::Window, pal.color(QPalette::ToolTipBase));
  pal.setColor(QPalette::WindowText, pal.color(QPalette::ToolTipText));
  setPalette(pal);

  m_label->setObjectName(QStringLiteral("panelHintText"));
  m_label->setWordWrap(true); // a narrow window wraps the hint instead of clipping it
  m_label->setTextFormat(Qt::PlainText);
  m_close->setObjectName(QStringLiteral("panelHintClose"));
  m_close->setAutoRaise(true);
  m_close->setIcon(style()->standardIcon(QStyle::SP_TitleBarCloseButton));
  m_close->setToolTip(tr("Hide this hint (Help ▸ Show panel hints brings the hints back)"));
  connect(m_close, &QToolButton::clicked, this, &PanelHintBar::dismiss);

  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(8, 3, 3, 3);
  layout->addWidget(m_label, 1);
  layout->addWidget(m_close, 0, Qt::AlignTop);

  connect(tabs, &QTabWidget::currentChanged, this, &PanelHintBar::refresh);
  refresh();
}

QString PanelHintBar::text() const { return m_label->text(); }

void PanelHintBar::refresh()
{
  const QWidget* page = m_tabs->currentWidget();
  m_panel = page ? page->objectName() : QString();
  const QString hint = hintFor(m_panel);
  const bool show = !hint.isEmpty() && !dismissedPanels().contains(m_panel);
  if (show) m_label->setText(tr("Try this first (%1): %2").arg(m_tabs->tabText(m_tabs->currentIndex()).remove(QLatin1Char('&')), hint));
  setVisible(show);
}

void PanelHintBar::dismiss()
{
  if (m_panel.isEmpty()) return;
  QStringList dismissed = dismissedPanels();
  if (!dismissed.contains(m_panel)) dismissed << m_panel;
  QSettings().setValue(kDismissedKey, dismissed);
  refresh();
}

void PanelHintBar::resetDismissed()
{
  QSettings().remove(kDismissedKey);
  refresh();
}

QWidget* withPanelHints(QTabWidget* tabs)
{
  auto* box = new QWidget;
  auto* layout = new QVBoxLayout(box);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(2);
  layout->addWidget(new PanelHintBar(tabs));
  layout->addWidget(tabs, 1);
  return box;
}

} // namespace ntk::gui
