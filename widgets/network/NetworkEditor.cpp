#include "widgets/network/NetworkEditor.h"

#include <algorithm>
#include <cmath>

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLineEdit>
#include <QLabel>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QStackedWidget>
#include <QToolButton>
#include <QStyle>
#include <QTableWidget>
#include <QVBoxLayout>

#include "widgets/common/CheckedSpinBox.h"
#include "widgets/network/NetworkDocument.h"

namespace ntk::gui {

namespace {

enum Column { ColType = 0, ColWidth, ColW, ColB, ColBias, ColParam, ColCount };

struct ActivationChoice {
  const char* label;
  ActivationKind kind;
  double defaultParam;
  const char* tip;
};

const ActivationChoice kActivations[] = {
    {"ReLU", ActivationKind::Relu, 0.0, "φ(z) = max(z, 0)\nT = √(q₁₁q₂₂)(sin t + (π−t) cos t)/2π,  Ṫ = (π−t)/2π,  t = arccos ρ"},
    {"LeakyReLU", ActivationKind::LeakyRelu, 0.1, "φ(z) = z for z > 0, αz otherwise\nT = (1−α)² T_relu + α q₁₂,  Ṫ = (1−α)² Ṫ_relu + α"},
    {"erf", ActivationKind::Erf, 0.0, "φ(z) = erf(z)\nT = (2/π) asin(2q₁₂/√((1+2q₁₁)(1+2q₂₂)))"},
    {"tanh", ActivationKind::Tanh, 0.0, "φ(z) = tanh(z)\nT, Ṫ by 2-D quadrature (no closed form), ~1e-10 accurate"},
    {"GELU", ActivationKind::Gelu, 0.0, "φ(z) = zΦ(z) (exact GELU), closed-form dual"},
    {"sin", ActivationKind::Sin, 1.0, "φ(z) = sin(ωz)\nT = ½(e^{−ω²(q₁₁+q₂₂−2q₁₂)/2} − e^{−ω²(q₁₁+q₂₂+2q₁₂)/2})"},
    {"identity", ActivationKind::Identity, 0.0, "φ(z) = z: a linear network,  T = q₁₂,  Ṫ = 1"},
};

int activationIndex(ActivationKind k)
{
  for (int i = 0; i < int(std::size(kActivations)); ++i)
    if (kActivations[i].kind == k) return i;
  return 0;
}

/// A number box whose value the document judges (Network::validate): what the user types stays as
/// typed; a refusal marks the box with core's reason (see NetworkEditor::commit).
CheckedDoubleSpinBox* makeDouble(double lo, double hi, int decimals, double step, const QString& tip)
{
  auto* s = new CheckedDoubleSpinBox(lo, hi, decimals);
  s->setCheck([](double) { return QString(); });
  s->setSingleStep(step);
  s->setToolTipBase(tip);
  return s;
}

CheckedSpinBox* makeInt(int lo, int hi, const QString& tip)
{
  auto* s = new CheckedSpinBox(lo, hi);
  s->setCheck([](int) { return QString(); });
  s->setToolTipBase(tip);
  return s;
}

void setUnlessRefused(CheckedSpinBox* box, int v)
{
  if (!box->isRefused()) box->setValueQuietly(v);
}

void setUnlessRefused(CheckedDoubleSpinBox* box, double v)
{
  if (!box->isRefused()) box->setValueQuietly(v);
}

QString quoted(const QString& name) { return QStringLiteral("‘%1’").arg(name); }

/// The hidden block [Dense, φ] that row `row` belongs to, or −1 (a file may hold Dense, Dense, …).
int blockStart(const Network& n, int row)
{
  const int last = int(n.layers.size()) - 1;
  if (row < 0 || row >= last) return -1;
  const bool dense = std::holds_alternative<DenseLayer>(n.layers[size_t(row)]);
  const int start = dense ? row : row - 1;
  if (start < 0 || start + 1 >= last + 1) return -1;
  if (!std::holds_alternative<DenseLayer>(n.layers[size_t(start)]) ||
      !std::holds_alternative<ActivationLayer>(n.layers[size_t(start + 1)]))
    return -1;
  return start;
}
} // namespace

NetworkEditor::NetworkEditor(NetworkDocument* doc, QWidget* parent) : QWidget(parent), m_doc(doc)
{
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(createNetworkRow());

  auto* input = new QGroupBox(tr("Input and encoding"));
  auto* form = new QFormLayout(input);
  m_inputDim = makeInt(1, 16, tr("Raw input dimension d; inputs v ∈ [0,1)^d.\nWith encoding none and d ≥ 2 the views sample the unit circle."));
  form->addRow(tr("Input dimension"), m_inputDim);
  m_encoding = new QComboBox;
  m_encoding->addItem(tr("none — γ(v) = v"), int(EncodingKind::None));
  m_encoding->addItem(tr("basic — [cos 2πv, sin 2πv]"), int(EncodingKind::Basic));
  m_encoding->addItem(tr("positional — frequencies σ^(j/M)"), int(EncodingKind::Positional));
  m_encoding->addItem(tr("gaussian — B ~ N(0, σ²)"), int(EncodingKind::Gaussian));
  m_encoding->addItem(tr("fourier — explicit B (from file)"), int(EncodingKind::Fourier));
  m_encoding->setToolTip(tr("Input encoding γ (Tancik et al. 2020): γ(v) = [cos 2πBv, sin 2πBv].\n"
                            "The NTK of the encoded network is stationary in v: K(v, v') = h(v − v')."));
  form->addRow(tr("Encoding"), m_encoding);
  m_levels = makeInt(1, 64, tr("Positional encoding: M levels, frequencies f_j = σ^{j/M}, j = 0…M−1"));
  form->addRow(tr("Levels M"), m_levels);
  m_sigma = makeDouble(0.0, 1000.0, 3, 0.5, tr("σ: frequency scale. Gaussian: B_ij ~ N(0, σ²); positional: top frequency σ"));
  m_sigma->setObjectName(QStringLiteral("encodingSigma"));
  form->addRow(tr("Scale σ"), m_sigma);
  m_features = makeInt(1, 8192, tr("Gaussian encoding: M rows of B (2M features)"));
  form->addRow(tr("Features M"), m_features);
  m_seed = makeInt(0, 1 << 30, tr("Seed of the Gaussian frequency matrix B"));
  // A seed is any non-negative number: the check is the box's (core stores it unsigned).
  m_seed->setCheck([](int v) { return v < 0 ? tr("the seed must be ≥ 0 (got %1)").arg(v) : QString(); });
  form->addRow(tr("Seed"), m_seed);
  m_parameterization = new QComboBox;
  m_parameterization->addItem(tr("NTK"), int(Parameterization::Ntk));
  m_parameterization->addItem(tr("standard"), int(Parameterization::Standard));
  m_parameterization->setToolTip(tr("NTK: z = (W_std/√n)·W·h + b_std·b,  Θ_l = q_l + W²·Ṫ·Θ_{l−1}\n"
                                    "standard: W ~ N(0, W_std²/n),  Θ_l = n_{l−1}·T + 1 + W²·Ṫ·Θ_{l−1}\n"
                                    "The NNGP is the same in both."));
  form->addRow(tr("Parameterisation"), m_parameterization);
  layout->addWidget(input);

  auto* layers = new QGroupBox(tr("Layers"));
  auto* lv = new QVBoxLayout(layers);
  m_table = new QTableWidget(0, ColCount);
  m_table->setHorizontalHeaderLabels({tr("Layer"), tr("Width"), tr("W_std"), tr("b_std"), tr("Bias"), tr("α / ω")});
  // Every column visible without scrolling: fixed, font-relative widths (HiDPI-safe); the spin boxes
  // shrink to their cells.
  const int ch = fontMetrics().averageCharWidth();
  // The number columns stretch into whatever width the dock has (at least 9–12 characters each).
  const int widths[ColCount] = {14 * ch, 13 * ch, 9 * ch, 9 * ch, 5 * ch, 9 * ch};
  const bool stretch[ColCount] = {false, false, true, true, false, false}; // width: fixed, fits 9 digits
  int total = 0;
  for (int c = 0; c < ColCount; ++c) {
    m_table->horizontalHeader()->setSectionResizeMode(c, stretch[c] ? QHeaderView::Stretch : QHeaderView::Fixed);
    m_table->setColumnWidth(c, widths[c]);
    total += widths[c];
  }
  m_table->horizontalHeader()->setMinimumSectionSize(5 * ch);
  m_table->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  // Room for the vertical scroll bar too: a long layer list must not squeeze "1.414" to "1.41".
  m_table->setMinimumWidth(total + 2 * m_table->frameWidth() + 4 + style()->pixelMetric(QStyle::PM_ScrollBarExtent));
  m_table->verticalHeader()->setVisible(false);
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->setSelectionMode(QAbstractItemView::SingleSelection);
  m_table->setToolTip(tr("Dense, φ, Dense, …, Dense. The last Dense is the readout (its width is the output dimension k;\n"
                         "the kernel of a k-output network is K ⊗ I_k)."));
  lv->addWidget(m_table);
  auto* buttons = new QHBoxLayout;
  auto* add = new QPushButton(tr("Add layer"));
  add->setToolTip(tr("Insert a Dense + activation block before the readout (Ctrl+L)"));
  m_remove = new QPushButton(tr("Remove"));
  m_remove->setToolTip(tr("Remove the selected hidden block (Dense and its activation) (Ctrl+Del)"));
  m_up = new QPushButton(tr("Up"));
  m_down = new QPushButton(tr("Down"));
  m_up->setToolTip(tr("Move the selected hidden block towards the input (Ctrl+Up)"));
  m_down->setToolTip(tr("Move the selected hidden block towards the output (Ctrl+Down)"));
  buttons->addWidget(add);
  buttons->addWidget(m_remove);
  buttons->addWidget(m_up);
  buttons->addWidget(m_down);
  lv->addLayout(buttons);
  lv->addWidget(createWidthRow());
  layout->addWidget(layers, 1);

  connect(add, &QPushButton::clicked, this, &NetworkEditor::addHiddenLayer);
  connect(m_remove, &QPushButton::clicked, this, &NetworkEditor::removeSelectedLayer);
  connect(m_up, &QPushButton::clicked, this, [this] { moveSelectedLayer(-1); });
  connect(m_down, &QPushButton::clicked, this, [this] { moveSelectedLayer(+1); });

  connect(m_inputDim, &CheckedSpinBox::valueAccepted, this, [this](int v) {
    commit(m_inputDim, tr("Set input_dim to %1").arg(v), [v](Network& n) {
      n.inputDim = v;
      if (n.encoding.kind == EncodingKind::Fourier && n.encoding.B.cols() != v) n.encoding.kind = EncodingKind::Gaussian;
    }, QStringLiteral("input_dim"));
  });
  connect(m_encoding, &QComboBox::activated, this, [this](int index) {
    const auto kind = EncodingKind(m_encoding->itemData(index).toInt());
    m_doc->edit(tr("Set encoding"), [kind](Network& n) { n.encoding.kind = kind; });
  });
  connect(m_levels, &CheckedSpinBox::valueAccepted, this, [this](int v) {
    commit(m_levels, tr("Set levels M to %1").arg(v), [v](Network& n) { n.encoding.levels = v; }, QStringLiteral("levels"));
  });
  connect(m_sigma, &CheckedDoubleSpinBox::valueAccepted, this, [this](double v) {
    commit(m_sigma, tr("Set σ to %1").arg(v), [v](Network& n) { n.encoding.sigma = v; }, QStringLiteral("sigma"));
  });
  connect(m_features, &CheckedSpinBox::valueAccepted, this, [this](int v) {
    commit(m_features, tr("Set features M to %1").arg(v), [v](Network& n) { n.encoding.features = v; }, QStringLiteral("features"));
  });
  connect(m_seed, &CheckedSpinBox::valueAccepted, this, [this](int v) {
    commit(m_seed, tr("Set seed to %1").arg(v), [v](Network& n) { n.encoding.seed = std::uint64_t(v); }, QStringLiteral("seed"));
  });
  for (auto* box : {m_inputDim, m_levels, m_features, m_seed})
    connect(box, &CheckedSpinBox::valueRefused, this, &NetworkEditor::valueRefused);
  connect(m_sigma, &CheckedDoubleSpinBox::valueRefused, this, &NetworkEditor::valueRefused);
  connect(m_parameterization, &QComboBox::activated, this, [this](int index) {
    const auto p = Parameterization(m_parameterization->itemData(index).toInt());
    m_doc->edit(tr("Set parameterisation"), [p](Network& n) { n.parameterization = p; });
  });
  connect(m_table, &QTableWidget::itemSelectionChanged, this, [this] {
    const int row = m_table->currentRow();
    const Network& n = m_doc->network();
    const int start = blockStart(n, row);
    m_remove->setEnabled(row >= 0 && row < int(n.layers.size()) - 1);
    m_up->setEnabled(start >= 0 && blockStart(n, start - 2) == start - 2);
    m_down->setEnabled(start >= 0 && blockStart(n, start + 2) == start + 2);
  });
  connect(m_doc, &NetworkDocument::changed, this, &NetworkEditor::refresh);
  connect(m_doc, &NetworkDocument::networksChanged, this, &NetworkEditor::refresh);
  // The document's reason, for the box that made the refused edit (see commit()).
  connect(m_doc, &NetworkDocument::editRejected, this, [this](const QString& why) { m_lastRefusal = why; });
  refresh();
}

QString NetworkEditor::structureSignature() const
{
  QString s;
  for (const Layer& l : m_doc->network().layers) s += std::holds_alternative<DenseLayer>(l) ? QLatin1Char('D') : QLatin1Char('A');
  return s;
}

template <class Box>
void NetworkEditor::commit(Box* box, const QString& description, const std::function<void(Network&)>& edit, const QString& key)
{
  m_lastRefusal.clear();
  if (!m_doc->edit(description, edit, key)) box->markRefused(m_lastRefusal.isEmpty() ? tr("refused") : m_lastRefusal);
}

QWidget* NetworkEditor::createNetworkRow()
{
  auto* box = new QGroupBox(tr("Networks of the document"));
  auto* row = new QHBoxLayout(box);
  m_networks = new QComboBox;
  m_networks->setObjectName(QStringLiteral("networkList"));
  m_networks->setToolTip(tr("The network this dock edits: the one the panel on screen uses.\n"
                            "Choosing another lets that panel use it."));
  row->addWidget(m_networks, 1);
  const struct {
    QString text, tip;
    void (NetworkEditor::*slot)();
  } buttons[] = {{tr("New"), tr("A new default network (File ▸ New network, Ctrl+N)"), &NetworkEditor::newNetwork},
                 {tr("Copy"), tr("A copy of this network under a new name"), &NetworkEditor::duplicateNetwork},
                 {tr("Rename"), tr("Rename this network (names are unique)"), &NetworkEditor::renameNetwork},
                 {tr("Delete"), tr("Delete this network (undoable); panels using it use the first network"),
                  &NetworkEditor::deleteNetwork}};
  for (const auto& b : buttons) {
    auto* button = new QToolButton; // compact: the dock must leave room for the panels at 1024 px
    button->setText(b.text);
    button->setToolTip(b.tip);
    connect(button, &QToolButton::clicked, this, b.slot);
    row->addWidget(button);
  }
  connect(m_networks, &QComboBox::activated, this, [this](int index) {
    const int id = m_networks->itemData(index).toInt();
    m_doc->setCurrent(id);
    emit networkChosen(id);
  });
  return box;
}

QWidget* NetworkEditor::createWidthRow()
{
  auto* w = new QWidget;
  auto* row = new QHBoxLayout(w);
  row->setContentsMargins(0, 0, 0, 0);
  row->addWidget(new QLabel(tr("All hidden widths")));
  auto* half = new QToolButton;
  half->setText(tr("× ½"));
  half->setToolTip(tr("Halve every hidden width (n_l ← max(1, round(n_l/2))): one undo step"));
  auto* twice = new QToolButton;
  twice->setText(tr("× 2"));
  twice->setToolTip(tr("Double every hidden width: one undo step.\nThe finite networks approach the kernel as 1/√n."));
  m_allWidths = makeInt(1, kMaxWidth, tr("Set every hidden width to n (the readout keeps its width)"));
  m_allWidths->setObjectName(QStringLiteral("allHiddenWidths"));
  m_allWidths->setPrefix(tr("n = "));
  row->addWidget(half);
  row->addWidget(twice);
  row->addWidget(m_allWidths, 1);
  connect(half, &QToolButton::clicked, this, [this] { scaleHiddenWidths(0.5); });
  connect(twice, &QToolButton::clicked, this, [this] { scaleHiddenWidths(2.0); });
  connect(m_allWidths, &CheckedSpinBox::valueAccepted, this, [this](int v) { setHiddenWidths(v); });
  connect(m_allWidths, &CheckedSpinBox::valueRefused, this, &NetworkEditor::valueRefused);
  return w;
}

bool NetworkEditor::scaleHiddenWidths(double factor)
{
  bool ok = true;
  m_lastRefusal.clear();
  ok = m_doc->edit(tr("Scale all hidden widths × %1").arg(factor), [factor](Network& n) {
    for (size_t i = 0; i + 1 < n.layers.size(); ++i)
      if (auto* d = std::get_if<DenseLayer>(&n.layers[i]))
        d->width = int(std::clamp(std::llround(d->width * factor), 1LL, (long long)kMaxWidth + 1));
  });
  if (!ok) emit valueRefused(m_lastRefusal);
  return ok;
}

bool NetworkEditor::setHiddenWidths(int width)
{
  m_lastRefusal.clear();
  const bool ok = m_doc->edit(tr("Set all hidden widths to %1").arg(width), [width](Network& n) {
    for (size_t i = 0; i + 1 < n.layers.size(); ++i)
      if (auto* d = std::get_if<DenseLayer>(&n.layers[i])) d->width = width;
  }, QStringLiteral("allWidths"));
  if (!ok) m_allWidths->markRefused(m_lastRefusal);
  return ok;
}

void NetworkEditor::newNetwork() { m_doc->addNetwork(tr("network"), Network::defaultNetwork(m_doc->network().inputDim)); }

void NetworkEditor::duplicateNetwork()
{
  const QString name = m_doc->uniqueName(tr("%1 copy").arg(m_doc->currentName()));
  m_doc->addNetwork(name, m_doc->network(), tr("Copy %1 as %2").arg(quoted(m_doc->currentName()), quoted(name)));
}

void NetworkEditor::renameNetwork()
{
  bool ok = false;
  const QString name = QInputDialog::getText(this, tr("Rename network"), tr("Name:"), QLineEdit::Normal, m_doc->currentName(), &ok);
  QString why;
  if (ok && !m_doc->renameNetwork(m_doc->currentId(), name, &why)) emit valueRefused(why);
}

void NetworkEditor::deleteNetwork()
{
  QString why;
  if (!m_doc->removeNetwork(m_doc->currentId(), &why)) emit valueRefused(why);
}

void NetworkEditor::refreshNetworkList()
{
  const QSignalBlocker block(m_networks);
  m_networks->clear();
  for (const NamedNetwork& n : m_doc->networks()) m_networks->addItem(n.name, n.id);
  m_networks->setCurrentIndex(m_networks->findData(m_doc->currentId()));
}

void NetworkEditor::refresh()
{
  refreshNetworkList();
  const Network& n = m_doc->network();
  if (m_doc->currentId() != m_shownId) {
    // Another network: what was typed (and refused) for the previous one does not apply to it.
    m_shownId = m_doc->currentId();
    m_tableSignature.clear();
    for (auto* box : {m_inputDim, m_levels, m_features, m_seed, m_allWidths}) box->setValueQuietly(box->value());
    m_sigma->setValueQuietly(m_sigma->value());
  }
  if (!m_allWidths->isRefused()) {
    // The box shows the common hidden width when all agree, else stays as it was.
    std::vector<int> widths;
    for (size_t i = 0; i + 1 < n.layers.size(); ++i)
      if (const auto* d = std::get_if<DenseLayer>(&n.layers[i])) widths.push_back(d->width);
    if (!widths.empty() && std::all_of(widths.begin(), widths.end(), [&](int w) { return w == widths.front(); }))
      m_allWidths->setValueQuietly(widths.front());
  }
  {
    const QSignalBlocker b1(m_inputDim), b2(m_encoding), b3(m_levels), b4(m_sigma), b5(m_features), b6(m_seed),
        b7(m_parameterization);
    // A refused box keeps what the user typed (marked) until it is fixed: refresh does not bend it back.
    setUnlessRefused(m_inputDim, n.inputDim);
    m_encoding->setCurrentIndex(m_encoding->findData(int(n.encoding.kind)));
    setUnlessRefused(m_levels, n.encoding.levels);
    setUnlessRefused(m_sigma, n.encoding.sigma);
    setUnlessRefused(m_features, n.encoding.features);
    setUnlessRefused(m_seed, int(n.encoding.seed));
    m_parameterization->setCurrentIndex(m_parameterization->findData(int(n.parameterization)));
  }
  updateEncodingControls();
  // "fourier" needs a B matrix, which only a file provides: offer it only when the network has one.
  if (auto* model = qobject_cast<QStandardItemModel*>(m_encoding->model()))
    if (QStandardItem* item = model->item(m_encoding->findData(int(EncodingKind::Fourier))))
      item->setEnabled(n.encoding.B.rows() > 0 && n.encoding.B.cols() == n.inputDim);
  if (structureSignature() != m_tableSignature)
    rebuildTable();
  else
    updateTableValues();
}

void NetworkEditor::updateEncodingControls()
{
  const EncodingKind k = m_doc->network().encoding.kind;
  m_levels->setEnabled(k == EncodingKind::Positional);
  m_sigma->setEnabled(k == EncodingKind::Positional || k == EncodingKind::Gaussian);
  m_features->setEnabled(k == EncodingKind::Gaussian);
  m_seed->setEnabled(k == EncodingKind::Gaussian);
}

void NetworkEditor::rebuildTable()
{
  const Network& n = m_doc->network();
  const int selected = m_table->currentRow();
  m_table->clearContents();
  m_table->setRowCount(int(n.layers.size()));
  const int last = int(n.layers.size()) - 1;
  for (int row = 0; row < int(n.layers.size()); ++row) {
    const size_t idx = size_t(row);
    if (std::holds_alternative<DenseLayer>(n.layers[idx])) {
      auto* label = new QTableWidgetItem(row == last ? tr("Dense (readout)") : tr("Dense"));
      label->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
      label->setToolTip(tr("z = (W_std/√n_in)·W·h + b_std·b   (NTK parameterisation)\nq ← W_std²·q + b_std²,  Θ ← q + W_std²·Θ"));
      m_table->setItem(row, ColType, label);
      auto* width = makeInt(1, kMaxWidth, tr("Width n_l. The infinite-width kernels do not depend on it (NTK parameterisation);\n"
                           "the standard-parameterisation NTK scales with it; every finite network (the kernel panel's\n"
                           "Monte-Carlo overlay, the image MLP) uses it. At most %1.").arg(kMaxWidth));
      m_table->setCellWidget(row, ColWidth, width);
      auto* w = makeDouble(0.0, 100.0, 3, 0.05, tr("W_std: weight scale σ_w. q ← σ_w²·q + σ_b²"));
      m_table->setCellWidget(row, ColW, w);
      auto* b = makeDouble(0.0, 100.0, 3, 0.05, tr("b_std: bias scale σ_b. q ← σ_w²·q + σ_b²"));
      m_table->setCellWidget(row, ColB, b);
      auto* bias = new QCheckBox;
      bias->setToolTip(tr("Has a bias parameter. Unchecked = b_std null: no bias at all\n(differs from b_std = 0 in the standard-parameterisation NTK: +1 per layer)."));
      m_table->setCellWidget(row, ColBias, bias);
      const int layerNo = int(idx) + 1;
      connect(width, &CheckedSpinBox::valueAccepted, this, [this, idx, width, layerNo](int v) {
        commit(width, tr("Set width of layer %1 to %2").arg(layerNo).arg(v),
               [idx, v](Network& net) { std::get<DenseLayer>(net.layers[idx]).width = v; }, QStringLiteral("width%1").arg(idx));
      });
      connect(w, &CheckedDoubleSpinBox::valueAccepted, this, [this, idx, w, layerNo](double v) {
        commit(w, tr("Set W_std of layer %1 to %2").arg(layerNo).arg(v),
               [idx, v](Network& net) { std::get<DenseLayer>(net.layers[idx]).wStd = v; }, QStringLiteral("W%1").arg(idx));
      });
      connect(b, &CheckedDoubleSpinBox::valueAccepted, this, [this, idx, b, layerNo](double v) {
        commit(b, tr("Set b_std of layer %1 to %2").arg(layerNo).arg(v),
               [idx, v](Network& net) { std::get<DenseLayer>(net.layers[idx]).bStd = v; }, QStringLiteral("b%1").arg(idx));
      });
      connect(width, &CheckedSpinBox::valueRefused, this, &NetworkEditor::valueRefused);
      connect(w, &CheckedDoubleSpinBox::valueRefused, this, &NetworkEditor::valueRefused);
      connect(b, &CheckedDoubleSpinBox::valueRefused, this, &NetworkEditor::valueRefused);
      connect(bias, &QCheckBox::toggled, this, [this, idx, b](bool on) {
        const double v = b->value();
        m_doc->edit(on ? tr("Add bias") : tr("Remove bias"), [idx, on, v](Network& net) {
          auto& d = std::get<DenseLayer>(net.layers[idx]);
          if (on)
            d.bStd = v;
          else
            d.bStd.reset();
        });
      });
    } else {
      auto* combo = new QComboBox;
      for (const ActivationChoice& c : kActivations) {
        combo->addItem(QString::fromUtf8(c.label));
        combo->setItemData(combo->count() - 1, QString::fromUtf8(c.tip), Qt::ToolTipRole);
      }
      combo->setToolTip(tr("Activation φ. Its dual T = E[φ(u)φ(v)], Ṫ = E[φ'(u)φ'(v)], (u,v) ~ N(0, Σ)"));
      m_table->setCellWidget(row, ColType, combo);
      auto* param = makeDouble(-100.0, 1000.0, 3, 0.1, tr("α for LeakyReLU (slope for z < 0), ω for sin(ωz)"));
      // An empty page for activations without a parameter, the spin box for those with one.
      auto* paramStack = new QStackedWidget;
      paramStack->addWidget(new QWidget);
      paramStack->addWidget(param);
      m_table->setCellWidget(row, ColParam, paramStack);
      for (int c = ColWidth; c <= ColBias; ++c) {
        auto* item = new QTableWidgetItem;
        item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
        m_table->setItem(row, c, item);
      }
      connect(combo, &QComboBox::activated, this, [this, idx](int i) {
        const ActivationChoice c = kActivations[i];
        m_doc->edit(tr("Set activation"), [idx, c](Network& net) {
          auto& a = std::get<ActivationLayer>(net.layers[idx]).activation;
          const double p = (c.kind == a.kind()) ? a.parameter() : c.defaultParam;
          a = Activation(c.kind, p);
        });
      });
      connect(param, &CheckedDoubleSpinBox::valueAccepted, this, [this, idx, param](double v) {
        commit(param, tr("Set α / ω of layer %1 to %2").arg(int(idx) + 1).arg(v), [idx, v](Network& net) {
          auto& a = std::get<ActivationLayer>(net.layers[idx]).activation;
          a = Activation(a.kind(), v);
        }, QStringLiteral("param%1").arg(idx));
      });
      connect(param, &CheckedDoubleSpinBox::valueRefused, this, &NetworkEditor::valueRefused);
    }
  }
  m_tableSignature = structureSignature();
  updateTableValues();
  if (selected >= 0 && selected < m_table->rowCount()) m_table->selectRow(selected);
  emit m_table->itemSelectionChanged();
}

void NetworkEditor::updateTableValues()
{
  const Network& n = m_doc->network();
  for (int row = 0; row < int(n.layers.size()); ++row) {
    const Layer& l = n.layers[size_t(row)];
    if (const auto* d = std::get_if<DenseLayer>(&l)) {
      auto* width = qobject_cast<CheckedSpinBox*>(m_table->cellWidget(row, ColWidth));
      auto* w = qobject_cast<CheckedDoubleSpinBox*>(m_table->cellWidget(row, ColW));
      auto* b = qobject_cast<CheckedDoubleSpinBox*>(m_table->cellWidget(row, ColB));
      auto* bias = qobject_cast<QCheckBox*>(m_table->cellWidget(row, ColBias));
      if (!width || !w || !b || !bias) continue;
      const QSignalBlocker s1(width), s2(w), s3(b), s4(bias);
      setUnlessRefused(width, d->width);
      setUnlessRefused(w, d->wStd);
      bias->setChecked(d->bStd.has_value());
      b->setEnabled(d->bStd.has_value());
      if (d->bStd) setUnlessRefused(b, *d->bStd);
    } else {
      const Activation& a = std::get<ActivationLayer>(l).activation;
      auto* combo = qobject_cast<QComboBox*>(m_table->cellWidget(row, ColType));
      auto* paramStack = qobject_cast<QStackedWidget*>(m_table->cellWidget(row, ColParam));
      auto* param = paramStack ? qobject_cast<CheckedDoubleSpinBox*>(paramStack->widget(1)) : nullptr;
      if (!combo || !param) continue;
      const QSignalBlocker s1(combo), s2(param);
      combo->setCurrentIndex(activationIndex(a.kind()));
      const bool hasParam = a.kind() == ActivationKind::LeakyRelu || a.kind() == ActivationKind::Sin;
      paramStack->setCurrentIndex(hasParam ? 1 : 0);
      setUnlessRefused(param, hasParam ? a.parameter() : 0.0);
    }
  }
}

void NetworkEditor::addHiddenLayer()
{
  m_doc->edit(tr("Add layer"), [](Network& n) {
    // Copy the last hidden block if there is one, else a ReLU block.
    DenseLayer dense{512, std::sqrt(2.0), 0.1};
    Activation act(ActivationKind::Relu);
    if (n.layers.size() >= 3) {
      dense = std::get<DenseLayer>(n.layers[n.layers.size() - 3]);
      act = std::get<ActivationLayer>(n.layers[n.layers.size() - 2]).activation;
    }
    n.layers.insert(n.layers.end() - 1, {Layer(dense), Layer(ActivationLayer{act})});
  });
}


void NetworkEditor::removeSelectedLayer()
{
  const int row = m_table->currentRow();
  const Network& net = m_doc->network();
  const int start = blockStart(net, row);
  if (start >= 0) {
    m_doc->edit(tr("Remove layer"), [start](Network& n) { n.layers.erase(n.layers.begin() + start, n.layers.begin() + start + 2); });
  } else if (row >= 0 && row < int(net.layers.size()) - 1) {
    // Not part of a [Dense, φ] block: remove the single layer if what remains is valid.
    m_doc->edit(tr("Remove layer"), [row](Network& n) { n.layers.erase(n.layers.begin() + row); });
  }
}

void NetworkEditor::moveSelectedLayer(int delta)
{
  const int row = m_table->currentRow();
  const Network& net = m_doc->network();
  const int start = blockStart(net, row);
  const int target = start + 2 * delta;
  if (start < 0 || blockStart(net, target) != target) return;
  if (m_doc->edit(tr("Move layer"), [start, target](Network& n) {
        std::swap(n.layers[size_t(start)], n.layers[size_t(target)]);
        std::swap(n.layers[size_t(start + 1)], n.layers[size_t(target + 1)]);
      }))
    m_table->selectRow(target + (row - start));
}

} // namespace ntk::gui
