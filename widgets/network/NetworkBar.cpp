#include "widgets/network/NetworkBar.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>
#include <QSignalBlocker>

#include "widgets/network/NetworkDocument.h"

namespace ntk::gui {

namespace {

QString quoted(const QString& name) { return QStringLiteral("‘%1’").arg(name); }

/// The network with input_dim `d`; an explicit B of another width cannot follow, so it becomes the
/// seeded Gaussian encoding (the same rule as the Network dock's input_dim box).
Network withInputDim(Network n, int d)
{
  n.inputDim = d;
  if (n.encoding.kind == EncodingKind::Fourier && n.encoding.B.cols() != d) n.encoding.kind = EncodingKind::Gaussian;
  return n;
}

} // namespace

NetworkBar::NetworkBar(NetworkDocument* doc, const QString& panel, const QString& panelTitle, QWidget* parent)
    : QWidget(parent), m_doc(doc), m_panel(panel), m_panelTitle(panelTitle)
{
  setObjectName(QStringLiteral("networkBar"));
  // Two rows: which network (and what is wrong with it), then the offers — so a hidden tab's offers do
  // not make the window wider than a 1024-pixel screen.
  auto* column = new QVBoxLayout(this);
  column->setContentsMargins(4, 2, 4, 2);
  column->setSpacing(2);
  auto* row = new QHBoxLayout;
  auto* offers = new QHBoxLayout;
  column->addLayout(row);
  column->addLayout(offers);
  auto* label = new QLabel(tr("Network"));
  m_combo = new QComboBox;
  m_combo->setObjectName(QStringLiteral("panelNetwork"));
  m_combo->setToolTip(tr("The network this panel uses. The Network dock edits it while this panel is shown;\n"
                         "File ▸ New network and the dock's buttons add more."));
  m_combo->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  m_summary = new QLabel;
  m_summary->setObjectName(QStringLiteral("networkSummary"));
  m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_summary->setWordWrap(true); // long networks wrap: never elided, never widening the window
  m_problem = new QLabel;
  m_problem->setObjectName(QStringLiteral("networkProblem"));
  m_problem->setWordWrap(true);
  m_problem->setStyleSheet(QStringLiteral("color: #a40000;"));
  m_fix = new QPushButton;
  m_fix->setObjectName(QStringLiteral("fixInputDim"));
  m_new = new QPushButton;
  m_new->setObjectName(QStringLiteral("newNetworkForPanel"));
  row->addWidget(label);
  row->addWidget(m_combo);
  row->addWidget(m_summary, 1);
  row->addWidget(m_problem, 2);
  offers->addStretch(1);
  offers->addWidget(m_fix);
  offers->addWidget(m_new);

  connect(m_combo, &QComboBox::activated, this, [this](int index) {
    const int id = m_combo->itemData(index).toInt();
    m_doc->bindPanel(m_panel, id);
    m_doc->setCurrent(id);
  });
  connect(m_fix, &QPushButton::clicked, this, &NetworkBar::applyFix);
  connect(m_new, &QPushButton::clicked, this, &NetworkBar::makeNetworkForPanel);
  connect(m_doc, &NetworkDocument::changed, this, &NetworkBar::refresh);
  connect(m_doc, &NetworkDocument::networksChanged, this, &NetworkBar::refresh);
  connect(m_doc, &NetworkDocument::panelBindingChanged, this, &NetworkBar::refresh);
  refresh();
}

void NetworkBar::setRequirement(int inputDim, const QString& purpose)
{
  m_requiredDim = inputDim;
  m_purpose = purpose;
  refresh();
}

QString NetworkBar::mismatch() const
{
  const Network& net = m_doc->networkFor(m_panel);
  if (m_requiredDim <= 0 || net.inputDim == m_requiredDim) return {};
  return tr("%1 needs input_dim %2 (%3); %4 has input_dim %5.")
      .arg(m_panelTitle)
      .arg(m_requiredDim)
      .arg(m_purpose, quoted(m_doc->networkNameFor(m_panel)))
      .arg(net.inputDim);
}

void NetworkBar::refresh()
{
  const int id = m_doc->networkIdFor(m_panel);
  {
    const QSignalBlocker block(m_combo);
    m_combo->clear();
    for (const NamedNetwork& n : m_doc->networks()) m_combo->addItem(n.name, n.id);
    m_combo->setCurrentIndex(m_combo->findData(id));
  }
  const Network& net = m_doc->network(id);
  m_summary->setText(QString::fromStdString(net.summary()));
  m_summary->setToolTip(m_summary->text());
  const QString problem = mismatch();
  m_problem->setText(problem);
  m_problem->setVisible(!problem.isEmpty());
  m_fix->setVisible(!problem.isEmpty());
  m_new->setVisible(!problem.isEmpty());
  m_summary->setVisible(problem.isEmpty());
  if (problem.isEmpty()) return;
  const QString name = m_doc->networkName(id);
  m_fix->setText(tr("Set input_dim of %1 to %2").arg(quoted(name.size() > 16 ? name.left(15) + QStringLiteral("…") : name))
                     .arg(m_requiredDim));
  m_fix->setToolTip(tr("An undoable edit of %1: every panel that uses it sees the change.").arg(quoted(name)));
  m_new->setText(tr("New %1-D network for this panel").arg(m_requiredDim));
  m_new->setToolTip(tr("Adds a copy of %1 with input_dim %2, named and listed in the Network dock, and lets %3 use it.")
                        .arg(quoted(name))
                        .arg(m_requiredDim)
                        .arg(m_panelTitle));
}

bool NetworkBar::applyFix()
{
  if (m_requiredDim <= 0) return false;
  const int id = m_doc->networkIdFor(m_panel);
  const int d = m_requiredDim;
  return m_doc->editNetwork(id, tr("Set input_dim to %1").arg(d), [d](Network& n) { n = withInputDim(n, d); });
}

bool NetworkBar::makeNetworkForPanel()
{
  if (m_requiredDim <= 0) return false;
  const int source = m_doc->networkIdFor(m_panel);
  const QString name = tr("%1 (%2-D)").arg(m_doc->networkName(source)).arg(m_requiredDim);
  // addNetwork binds the panel the edit is made from; make sure that is this panel.
  const QString context = m_doc->editContext(), title = m_doc->editContextTitle();
  m_doc->setEditContext(m_panel, m_panelTitle);
  const int id = m_doc->addNetwork(name, withInputDim(m_doc->network(source), m_requiredDim),
                                   tr("New network %1 for %2").arg(quoted(m_doc->uniqueName(name)), m_panelTitle));
  m_doc->setEditContext(context, title);
  return id >= 0;
}

} // namespace ntk::gui
