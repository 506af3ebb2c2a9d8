#include "widgets/network/NetworkEditor.h"

#include <cmath>

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QStackedWidget>
#include <QTableWidget>
#include <QVBoxLayout>

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

QDoubleSpinBox* makeDouble(double lo, double hi, int decimals, double step, const QString& tip)
{
  auto* s = new QDoubleSpinBox;
  s->setRange(lo, hi);
  s->setDecimals(decimals);
  s->setSingleStep(step);
  s->setKeyboardTracking(false);
  s->setToolTip(tip);
  s->setAccelerated(true);
  return s;
}

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

  auto* input = new QGroupBox(tr("Input and encoding"));
  auto* form = new QFormLayout(input);
  m_inputDim = new QSpinBox;
  m_inputDim->setRange(1, 16);
  m_inputDim->setToolTip(tr("Raw input dimension d; inputs v ∈ [0,1)^d.\nWith encoding none and d ≥ 2 the views sample the unit circle."));
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
  m_levels = new QSpinBox;
  m_levels->setRange(1, 64);
  m_levels->setToolTip(tr("Positional encoding: M levels, frequencies f_j = σ^{j/M}, j = 0…M−1"));
  form->addRow(tr("Levels M"), m_levels);
  m_sigma = makeDouble(0.0, 1000.0, 3, 0.5, tr("σ: frequency scale. Gaussian: B_ij ~ N(0, σ²); positional: top frequency σ"));
  m_sigma->setObjectName(QStringLiteral("encodingSigma"));
  form->addRow(tr("Scale σ"), m_sigma);
  m_features = new QSpinBox;
  m_features->setRange(1, 8192);
  m_features->setToolTip(tr("Gaussian encoding: M rows of B (2M features)"));
  form->addRow(tr("Features M"), m_features);
  m_seed = new QSpinBox;
  m_seed->setRange(0, 1 << 30);
  m_seed->setToolTip(tr("Seed of the Gaussian frequency matrix B"));
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
  const int widths[ColCount] = {15 * ch, 10 * ch, 10 * ch, 10 * ch, 5 * ch, 11 * ch};
  int total = 0;
  for (int c = 0; c < ColCount; ++c) {
    m_table->horizontalHeader()->setSectionResizeMode(c, QHeaderView::Fixed);
    m_table->setColumnWidth(c, widths[c]);
    total += widths[c];
  }
  m_table->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  m_table->setMinimumWidth(total + 2 * m_table->frameWidth() + 4);
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
  layout->addWidget(layers, 1);
  m_summary = new QLabel;
  m_summary->setWordWrap(true);
  m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(m_summary);

  connect(add, &QPushButton::clicked, this, &NetworkEditor::addHiddenLayer);
  connect(m_remove, &QPushButton::clicked, this, &NetworkEditor::removeSelectedLayer);
  connect(m_up, &QPushButton::clicked, this, [this] { moveSelectedLayer(-1); });
  connect(m_down, &QPushButton::clicked, this, [this] { moveSelectedLayer(+1); });

  connect(m_inputDim, &QSpinBox::valueChanged, this, [this](int v) {
    m_doc->edit(tr("Set input dimension"), [v](Network& n) {
      n.inputDim = v;
      if (n.encoding.kind == EncodingKind::Fourier && n.encoding.B.cols() != v) n.encoding.kind = EncodingKind::Gaussian;
    }, QStringLiteral("input_dim"));
  });
  connect(m_encoding, &QComboBox::activated, this, [this](int index) {
    const auto kind = EncodingKind(m_encoding->itemData(index).toInt());
    m_doc->edit(tr("Set encoding"), [kind](Network& n) { n.encoding.kind = kind; });
  });
  connect(m_levels, &QSpinBox::valueChanged, this,
          [this](int v) { m_doc->edit(tr("Set levels"), [v](Network& n) { n.encoding.levels = v; }, QStringLiteral("levels")); });
  connect(m_sigma, &QDoubleSpinBox::valueChanged, this,
          [this](double v) { m_doc->edit(tr("Set σ"), [v](Network& n) { n.encoding.sigma = v; }, QStringLiteral("sigma")); });
  connect(m_features, &QSpinBox::valueChanged, this, [this](int v) {
    m_doc->edit(tr("Set features"), [v](Network& n) { n.encoding.features = v; }, QStringLiteral("features"));
  });
  connect(m_seed, &QSpinBox::valueChanged, this, [this](int v) {
    m_doc->edit(tr("Set seed"), [v](Network& n) { n.encoding.seed = std::uint64_t(v); }, QStringLiteral("seed"));
  });
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
  // A refused edit must not leave the control showing a value the network does not have.
  connect(m_doc, &NetworkDocument::editRejected, this, &NetworkEditor::refresh, Qt::QueuedConnection);
  refresh();
}

QString NetworkEditor::structureSignature() const
{
  QString s;
  for (const Layer& l : m_doc->network().layers) s += std::holds_alternative<DenseLayer>(l) ? QLatin1Char('D') : QLatin1Char('A');
  return s;
}

void NetworkEditor::refresh()
{
  const Network& n = m_doc->network();
  {
    const QSignalBlocker b1(m_inputDim), b2(m_encoding), b3(m_levels), b4(m_sigma), b5(m_features), b6(m_seed),
        b7(m_parameterization);
    m_inputDim->setValue(n.inputDim);
    m_encoding->setCurrentIndex(m_encoding->findData(int(n.encoding.kind)));
    m_levels->setValue(n.encoding.levels);
    m_sigma->setValue(n.encoding.sigma);
    m_features->setValue(n.encoding.features);
    m_seed->setValue(int(n.encoding.seed));
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
  m_summary->setText(QString::fromStdString(n.summary()));
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
      auto* width = new QSpinBox;
      width->setRange(1, 1 << 20);
      width->setKeyboardTracking(false);
      width->setToolTip(tr("Width n_l. The infinite-width kernels do not depend on it (NTK parameterisation);\n"
                           "the standard-parameterisation NTK scales with it; the finite network uses it."));
      m_table->setCellWidget(row, ColWidth, width);
      auto* w = makeDouble(0.0, 100.0, 3, 0.05, tr("W_std: weight scale σ_w. q ← σ_w²·q + σ_b²"));
      m_table->setCellWidget(row, ColW, w);
      auto* b = makeDouble(0.0, 100.0, 3, 0.05, tr("b_std: bias scale σ_b. q ← σ_w²·q + σ_b²"));
      m_table->setCellWidget(row, ColB, b);
      auto* bias = new QCheckBox;
      bias->setToolTip(tr("Has a bias parameter. Unchecked = b_std null: no bias at all\n(differs from b_std = 0 in the standard-parameterisation NTK: +1 per layer)."));
      m_table->setCellWidget(row, ColBias, bias);
      connect(width, &QSpinBox::valueChanged, this, [this, idx](int v) {
        m_doc->edit(tr("Set width"), [idx, v](Network& net) { std::get<DenseLayer>(net.layers[idx]).width = v; },
                    QStringLiteral("width%1").arg(idx));
      });
      connect(w, &QDoubleSpinBox::valueChanged, this, [this, idx](double v) {
        m_doc->edit(tr("Set W_std"), [idx, v](Network& net) { std::get<DenseLayer>(net.layers[idx]).wStd = v; },
                    QStringLiteral("W%1").arg(idx));
      });
      connect(b, &QDoubleSpinBox::valueChanged, this, [this, idx](double v) {
        m_doc->edit(tr("Set b_std"), [idx, v](Network& net) { std::get<DenseLayer>(net.layers[idx]).bStd = v; },
                    QStringLiteral("b%1").arg(idx));
      });
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
      connect(param, &QDoubleSpinBox::valueChanged, this, [this, idx](double v) {
        m_doc->edit(tr("Set activation parameter"), [idx, v](Network& net) {
          auto& a = std::get<ActivationLayer>(net.layers[idx]).activation;
          a = Activation(a.kind(), v);
        }, QStringLiteral("param%1").arg(idx));
      });
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
      auto* width = qobject_cast<QSpinBox*>(m_table->cellWidget(row, ColWidth));
      auto* w = qobject_cast<QDoubleSpinBox*>(m_table->cellWidget(row, ColW));
      auto* b = qobject_cast<QDoubleSpinBox*>(m_table->cellWidget(row, ColB));
      auto* bias = qobject_cast<QCheckBox*>(m_table->cellWidget(row, ColBias));
      if (!width || !w || !b || !bias) continue;
      const QSignalBlocker s1(width), s2(w), s3(b), s4(bias);
      width->setValue(d->width);
      w->setValue(d->wStd);
      bias->setChecked(d->bStd.has_value());
      b->setEnabled(d->bStd.has_value());
      if (d->bStd) b->setValue(*d->bStd);
    } else {
      const Activation& a = std::get<ActivationLayer>(l).activation;
      auto* combo = qobject_cast<QComboBox*>(m_table->cellWidget(row, ColType));
      auto* paramStack = qobject_cast<QStackedWidget*>(m_table->cellWidget(row, ColParam));
      auto* param = paramStack ? qobject_cast<QDoubleSpinBox*>(paramStack->widget(1)) : nullptr;
      if (!combo || !param) continue;
      const QSignalBlocker s1(combo), s2(param);
      combo->setCurrentIndex(activationIndex(a.kind()));
      const bool hasParam = a.kind() == ActivationKind::LeakyRelu || a.kind() == ActivationKind::Sin;
      paramStack->setCurrentIndex(hasParam ? 1 : 0);
      param->setValue(hasParam ? a.parameter() : 0.0);
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
