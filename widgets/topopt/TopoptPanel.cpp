// TopoptPanel.cpp — controls, views, problem edits as undo steps, the two runs, the NTK filter, files.
#include "widgets/topopt/TopoptPanel.h"

#include <algorithm>
#include <cmath>

#include <QButtonGroup>
#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPainter>
#include <QSignalBlocker>
#include <QSlider>
#include <QSplitter>
#include <QStandardItemModel>
#include <QToolButton>
#include <QUndoStack>
#include <QVBoxLayout>

#include "core/network/NetworkJson.h"
#include "core/topopt/TopoptProblemJson.h"
#include "core/util/Errors.h"
#include "widgets/common/CheckedSpinBox.h"
#include "widgets/common/FigurePainter.h"
#include "widgets/common/PlotWidget.h"
#include "widgets/dynamics/FlowLayout.h"
#include "widgets/dynamics/TransportBar.h"
#include "widgets/network/NetworkDocument.h"
#include "widgets/network/PanelStateCommand.h"

namespace ntk::gui {

namespace {

const QString kSimpTip = QObject::tr(
    "Modified SIMP (top88): E(y) = Emin + y^p (E0 − Emin), E0 = 1, Emin = 1e-9, ν = 0.3.\n"
    "Minimise the compliance c = Fᵀu with K(y) u = F subject to Σy = V·N.");
const QString kOcTip = QObject::tr(
    "Optimality criteria: x_new = clamp(x·√(−∂c/∂x / (λ ∂V/∂x)), x ± 0.2, [0, 1]),\n"
    "λ by bisection so that the volume is V; stop when max |x_new − x| < 0.01.");
const QString kNeuralTip = QObject::tr(
    "Dupuis & Jacot (2021): the density is the output of a network at each element centre,\n"
    "  y = sigmoid(x̂ − x̂₀ + logit V + b),  b by bisection so that Σy = V·N;\n"
    "no filter: at infinite width the network acts like SIMP filtered by its NTK Θ.");

constexpr double kEllMin = 0.5, kEllMax = 32.0;
constexpr int kEllSteps = 120; // slider positions: ℓ = 0.5 · 2^(6·i/120)

QLabel* label(const QString& text) { return new QLabel(text); }

/// Widgets that stay together on one line when the control rows wrap (a label and its box).
QWidget* group(std::initializer_list<QWidget*> widgets)
{
  auto* box = new QWidget;
  auto* row = new QHBoxLayout(box);
  row->setContentsMargins(0, 0, 0, 0);
  for (QWidget* w : widgets) row->addWidget(w);
  return box;
}

/// "Could not open NAME: reason" without naming the file twice (core's reasons often start with the
/// whole path, "PATH: …", or quote it, "cannot open 'PATH': …").
QString openProblemFailure(const QString& path, QString reason)
{
  const QString name = QFileInfo(path).fileName();
  if (reason.startsWith(path + QStringLiteral(": "))) reason = reason.mid(path.size() + 2);
  if (reason.contains(path) || reason.contains(name)) {
    reason.replace(QLatin1Char('\'') + path + QLatin1Char('\''), name).replace(path, name);
    return reason.left(1).toUpper() + reason.mid(1);
  }
  return QObject::tr("Could not open %1: %2").arg(name, reason);
}

QString nodeText(int ix, int iy) { return QStringLiteral("(%1, %2)").arg(ix).arg(iy); }

QString forceText(double fx, double fy) { return QStringLiteral("(%1, %2)").arg(fx, 0, 'g', 3).arg(fy, 0, 'g', 3); }

/// The reason core refuses `s` for the classic method (empty when valid).
QString simpRefusal(const TopoptSettings& s)
{
  if (!(s.penal >= 1.0 && s.penal <= 10.0))
    return QObject::tr("penalty p = %1 must be between 1 and 10 (p < 1 rewards grey; top88 uses 3)").arg(s.penal);
  try {
    simpOptions(s).validate();
  } catch (const NtkError& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

QString neuralSettingsRefusal(const TopoptSettings& s)
{
  try {
    neuralOptions(s).validate();
  } catch (const NtkError& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

QString gridRefusal(const QString& name, int n, int other)
{
  if (n < 1) return QObject::tr("%1 = %2: the grid needs at least 1 element along each side").arg(name).arg(n);
  if (n > 2000) return QObject::tr("%1 = %2 is above 2000 elements").arg(name).arg(n);
  if (double(n) * other > double(kMaxTopoptElements))
    return QObject::tr("%1 = %2 makes %3 elements, more than %4").arg(name).arg(n).arg(double(n) * other, 0, 'g', 3).arg(kMaxTopoptElements);
  return {};
}

double ellForPosition(int i) { return kEllMin * std::pow(2.0, std::log2(kEllMax / kEllMin) * i / kEllSteps); }
int positionForEll(double ell)
{
  return std::clamp(int(std::lround(std::log2(std::max(ell, 1e-9) / kEllMin) / std::log2(kEllMax / kEllMin) * kEllSteps)), 0, kEllSteps);
}

} // namespace

// ---------------------------------------------------------------- construction

TopoptPanel::TopoptPanel(NetworkDocument* doc, QWidget* parent)
    : AnalysisPanel(parent), m_doc(doc), m_problem(defaultTopoptProblem()),
      m_classic(new TopoptRunner(TopoptRunner::Kind::Classic, this)),
      m_neural(new TopoptRunner(TopoptRunner::Kind::Neural, this)), m_filterWatcher(new QFutureWatcher<FilterResult>(this))
{
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  buildControls();
  buildViews();
  connectControls();
  connectNeuralControls();
  connectViews(m_classicView);
  connectViews(m_neuralView);
  showProblemInControls();
  setMethod(m_settings.method);
  updateViews();
  updateCurves();
  updateInfo();
}

TopoptPanel::~TopoptPanel()
{
  // The runners join their threads in their destructors (children: deleted after this body).
  m_filterWatcher->waitForFinished();
}

void TopoptPanel::buildControls()
{
  auto* layout = static_cast<QVBoxLayout*>(this->layout());
  // Row 1: the problem and the classic method.
  auto* row1 = new FlowLayout;
  m_presetCombo = new QComboBox;
  for (const std::string& name : presetProblemNames())
    m_presetCombo->addItem(presetLabel(QString::fromStdString(name)), QString::fromStdString(name));
  m_presetCombo->addItem(tr("custom (edited)"), QStringLiteral("custom"));
  if (auto* model = qobject_cast<QStandardItemModel*>(m_presetCombo->model())) model->item(m_presetCombo->count() - 1)->setEnabled(false);
  m_presetCombo->setToolTip(tr("The problem: top88's MBB half-beam (load at the top-left, symmetry on the left edge, roller at\n"
                               "the bottom right), a cantilever (left edge clamped, load at the middle of the right edge),\n"
                               "DeepTopo's Michell case (middle half of the left edge clamped), a bridge (bottom corners\n"
                               "pinned, load at the bottom middle). Edit it on the grid with the tools below; every edit\n"
                               "is a step of Edit ▸ Undo."));
  row1->addWidget(group({label(tr("Problem")), m_presetCombo}));
  m_nelxSpin = new CheckedSpinBox(1, 2000);
  m_nelySpin = new CheckedSpinBox(1, 2000);
  m_nelxSpin->setToolTipBase(tr("nelx: elements along x (unit squares)"));
  m_nelySpin->setToolTipBase(tr("nely: elements along y"));
  m_nelxSpin->setCheck([this](int n) { return gridRefusal(QStringLiteral("nelx"), n, m_problem.nely); });
  m_nelySpin->setCheck([this](int n) { return gridRefusal(QStringLiteral("nely"), n, m_problem.nelx); });
  for (CheckedSpinBox* box : {m_nelxSpin, m_nelySpin}) box->setKeyboardTracking(false);
  row1->addWidget(group({label(tr("Grid")), m_nelxSpin, label(QStringLiteral("×")), m_nelySpin}));
  m_volfracSpin = new CheckedDoubleSpinBox(0.05, 0.95, 2);
  m_volfracSpin->setSingleStep(0.05);
  m_volfracSpin->setToolTipBase(tr("Volume fraction V: the share of the domain the material may fill, Σy = V·N, 0 < V < 1.\n\n") + kSimpTip);
  m_volfracSpin->setCheck([this](double v) {
    TopoptSettings s = m_settings;
    s.volfrac = v;
    return simpRefusal(s);
  });
  row1->addWidget(group({label(tr("V")), m_volfracSpin}));
  m_penalSpin = new CheckedDoubleSpinBox(1.0, 10.0, 1);
  m_penalSpin->setSingleStep(0.5);
  m_penalSpin->setToolTipBase(tr("Penalty p of SIMP: E(y) = Emin + y^p (E0 − Emin); p > 1 makes grey uneconomical.\n\n") + kSimpTip);
  m_penalSpin->setCheck([this](double v) {
    TopoptSettings s = m_settings;
    s.penal = v;
    return simpRefusal(s);
  });
  row1->addWidget(group({label(tr("p")), m_penalSpin}));
  m_filterCombo = new QComboBox;
  m_filterCombo->addItem(tr("sensitivity"));
  m_filterCombo->addItem(tr("density"));
  m_filterCombo->addItem(tr("density + Heaviside"));
  m_filterCombo->setToolTip(tr("top88's filters, weights H_ij = max(0, rmin − dist(i, j)):\n"
                               "  sensitivity: ∂c/∂x_e ← Σ_j H_ej x_j ∂c/∂x_j / (max(10⁻³, x_e) Σ_j H_ej)\n"
                               "  density: y = H x / Σ_j H_ij (the chain rule filters the sensitivities too)\n"
                               "  + Heaviside: y = 1 − e^{−β ỹ} + ỹ e^{−β}, β doubling from 1 to 512 (crisp 0/1 designs)"));
  row1->addWidget(group({label(tr("Filter")), m_filterCombo}));
  m_rminSpin = new CheckedDoubleSpinBox(1.0, 20.0, 2);
  m_rminSpin->setSingleStep(0.25);
  m_rminSpin->setToolTipBase(tr("Filter radius rmin (elements): the cone H_ij = max(0, rmin − dist(i, j)) reaches\n"
                                "⌈rmin⌉ − 1 elements; it sets the thinnest member. Compare with the NTK filter's radius."));
  m_rminSpin->setCheck([this](double v) {
    TopoptSettings s = m_settings;
    s.rmin = v;
    return simpRefusal(s);
  });
  row1->addWidget(group({label(tr("rmin")), m_rminSpin}));
  auto* open = new QToolButton;
  open->setText(tr("Open…"));
  open->setObjectName(QStringLiteral("topoptOpenProblem"));
  open->setToolTip(tr("Open a problem file (ntk-studio.topopt-problem/1 JSON: grid, loads, supports, passive regions)"));
  auto* save = new QToolButton;
  save->setText(tr("Save…"));
  save->setObjectName(QStringLiteral("topoptSaveProblem"));
  save->setToolTip(tr("Save the problem as JSON (ntk-cli topopt --problem FILE reads it)"));
  row1->addWidget(group({open, save}));
  connect(open, &QToolButton::clicked, this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Open problem"), QString(), tr("Problem JSON (*.json);;All files (*)"));
    QString err;
    if (!path.isEmpty() && !openProblem(path, &err)) QMessageBox::warning(this, tr("Open problem"), err);
  });
  connect(save, &QToolButton::clicked, this, [this] {
    QString path = QFileDialog::getSaveFileName(this, tr("Save problem"), QStringLiteral("problem.json"), tr("Problem JSON (*.json)"));
    if (path.isEmpty()) return;
    if (QFileInfo(path).suffix().isEmpty()) path += QStringLiteral(".json");
    QString err;
    if (!saveProblem(path, &err))
      QMessageBox::warning(this, tr("Save problem"), err);
    else
      emit statusMessage(tr("Saved the problem to %1").arg(path));
  });
  layout->addLayout(row1);

  // Row 2: the transport, the method, and the neural method's network and optimiser.
  auto* row2 = new FlowLayout;
  m_transport = new TransportBar;
  m_transport->speedCombo()->hide();
  m_transport->loopCheck()->hide();
  m_transport->playButton()->setObjectName(QStringLiteral("topoptPlay"));
  m_transport->stepButton()->setObjectName(QStringLiteral("topoptStep"));
  m_transport->resetButton()->setObjectName(QStringLiteral("topoptReset"));
  m_transport->setTips(tr("Play: optimality-criteria (classic) / optimiser (neural) iterations until converged"), tr("Pause"),
                       tr("One iteration of every run the method uses"),
                       tr("Reset: back to iteration 0 (uniform density V) with the current settings"));
  row2->addWidget(m_transport);
  m_methodCombo = new QComboBox;
  m_methodCombo->addItem(tr("classic SIMP"));
  m_methodCombo->addItem(tr("neural"));
  m_methodCombo->addItem(tr("both, side by side"));
  m_methodCombo->setToolTip(tr("Classic: top88's SIMP with optimality criteria and a filter.\n"
                               "Neural: the density is a network's output (the panel's network, named at the top).\n"
                               "Both: the two runs side by side on the same problem.\n\n") + kOcTip + QStringLiteral("\n\n") + kNeuralTip);
  row2->addWidget(group({label(tr("Method")), m_methodCombo}));
  buildNeuralControls(row2);
  layout->addLayout(row2);

  // Row 3: the tools and the transport.
  auto* row3 = new FlowLayout;
  buildToolRow(row3);
  layout->addLayout(row3);
}

void TopoptPanel::buildNeuralControls(FlowLayout* row)
{
  // Straight into the row (a nested flow layout would not give the row its wrapped height).
  auto add = [this, row](QWidget* w) {
    m_neuralGroups.push_back(w);
    row->addWidget(w);
  };
  m_embeddingCombo = new QComboBox;
  m_embeddingCombo->addItem(tr("none (raw x, y)"), int(TopoptEmbedding::None));
  m_embeddingCombo->addItem(tr("torus"), int(TopoptEmbedding::Torus));
  m_embeddingCombo->addItem(tr("Fourier"), int(TopoptEmbedding::Fourier));
  m_embeddingCombo->setToolTip(tr("Embedding of the element centre p (elements), v = p / (2·max(nelx, nely)):\n"
                                  "  none: v itself — the NTK is not translation invariant (artefacts, broken symmetry)\n"
                                  "  torus: [cos 2πv, sin 2πv] — a stationary NTK\n"
                                  "  Fourier: Gaussian features, σ = S/(2πℓ): the embedding's kernel is exp(−|Δp|²/(2ℓ²))"));
  add(group({label(tr("Embedding")), m_embeddingCombo}));
  m_ellSpin = new CheckedDoubleSpinBox(0.25, 64.0, 2);
  m_ellSpin->setSingleStep(0.25);
  m_ellSpin->setKeyboardTracking(false);
  m_ellSpin->setToolTipBase(tr("Length scale ℓ of the Fourier embedding (elements): its kernel is exp(−|Δp|²/(2ℓ²)).\n"
                               "Larger ℓ: a wider NTK filter, thicker members (compare the filter's radius with rmin)."));
  add(group({label(tr("ℓ")), m_ellSpin}));
  m_activationCombo = new QComboBox;
  m_activationCombo->addItem(tr("ReLU"), int(ActivationKind::Relu));
  m_activationCombo->addItem(tr("sin(ωz)"), int(ActivationKind::Sin));
  m_activationCombo->setToolTip(tr("Hidden activation φ, normalised to unit second moment: φ/√E[φ(u)²], u ~ N(0, 1)"));
  add(group({label(tr("φ")), m_activationCombo}));
  m_omegaSpin = new CheckedDoubleSpinBox(0.1, 100.0, 2);
  m_omegaSpin->setKeyboardTracking(false);
  m_omegaSpin->setToolTipBase(tr("ω of sin(ωz)"));
  add(group({label(tr("ω")), m_omegaSpin}));
  m_widthSpin = new CheckedSpinBox(1, 4096);
  m_widthSpin->setKeyboardTracking(false);
  m_widthSpin->setToolTipBase(tr("Hidden width n of the network (NTK parameterisation: z = √(1−β²)·c_φ/√n · W h + β b)"));
  add(group({label(tr("width")), m_widthSpin}));
  m_betaSpin = new CheckedDoubleSpinBox(0.0, 0.99, 2);
  m_betaSpin->setSingleStep(0.05);
  m_betaSpin->setKeyboardTracking(false);
  m_betaSpin->setToolTipBase(tr("Bias share β ∈ [0, 1): z = √(1−β²)·c_φ/√n · W h + β b"));
  add(group({label(tr("β")), m_betaSpin}));
  m_optimizerCombo = new QComboBox;
  m_optimizerCombo->addItem(tr("Adam"));
  m_optimizerCombo->addItem(tr("Rprop"));
  m_optimizerCombo->setToolTip(tr("Optimiser of the network's parameters on the compliance (Adam: PyTorch's semantics)"));
  add(group({label(tr("Optimiser")), m_optimizerCombo}));
  m_lrSpin = new CheckedDoubleSpinBox(1e-5, 1.0, 4);
  m_lrSpin->setSingleStep(0.001);
  m_lrSpin->setKeyboardTracking(false);
  m_lrSpin->setToolTipBase(tr("Learning rate η of the optimiser"));
  add(group({label(tr("lr")), m_lrSpin}));
  m_renderCombo = new QComboBox;
  m_renderCombo->addItem(tr("1× grid"), 1);
  m_renderCombo->addItem(tr("2× grid"), 2);
  m_renderCombo->addItem(tr("4× grid"), 4);
  m_renderCombo->setToolTip(tr("The trained network is a continuous field: when its run stops, draw it on a grid 2 or 4\n"
                               "times finer than the elements (the same b and x̂₀)."));
  add(group({label(tr("Field")), m_renderCombo}));
}

void TopoptPanel::buildToolRow(FlowLayout* row)
{
  m_tools = new QButtonGroup(this);
  m_tools->setExclusive(true);
  struct ToolSpec {
    TopoptTool tool;
    QString text, tip;
  };
  const ToolSpec specs[] = {
      {TopoptTool::Load, tr("Load"), tr("Click a node to place a unit load (down); drag an arrow's tip to set its direction and\n"
                                        "magnitude (Shift: along an axis); right-click a tip or press Delete to remove it.")},
      {TopoptTool::FixX, tr("Fix x"), tr("Click or sweep over nodes to fix their x displacement; right-click a node to free it")},
      {TopoptTool::FixY, tr("Fix y"), tr("Click or sweep over nodes to fix their y displacement; right-click a node to free it")},
      {TopoptTool::FixXY, tr("Fix x+y"), tr("Click or sweep over nodes to clamp them; right-click a node to free it")},
      {TopoptTool::Solid, tr("Solid"), tr("Paint passive solid elements (always y = 1); right-click erases")},
      {TopoptTool::Void, tr("Void"), tr("Paint passive void elements (always y = 0), e.g. a hole; right-click erases")},
      {TopoptTool::Erase, tr("Erase"), tr("Make painted elements free again")},
      {TopoptTool::Filter, tr("NTK filter"),
       tr("Click an element (or Ctrl+click with any tool) to overlay the normalised NTK row\n"
          "Θ(p, ·)/Θ(p, p) of the panel's network there, with its effective radius (half-width at half\n"
          "maximum, solid circle) against rmin (dashed).")},
  };
  auto* tools = new QWidget;
  auto* line = new QHBoxLayout(tools);
  line->setContentsMargins(0, 0, 0, 0);
  line->setSpacing(2);
  for (const ToolSpec& s : specs) {
    auto* b = new QToolButton;
    b->setText(s.text);
    b->setToolTip(s.tip);
    b->setCheckable(true);
    b->setObjectName(QStringLiteral("topoptTool%1").arg(int(s.tool)));
    m_tools->addButton(b, int(s.tool));
    line->addWidget(b);
  }
  m_tools->button(int(TopoptTool::Load))->setChecked(true);
  row->addWidget(tools);
  m_brushSpin = new CheckedDoubleSpinBox(0.0, 20.0, 1);
  m_brushSpin->setValueQuietly(1.0);
  m_brushSpin->setToolTipBase(tr("Brush radius (elements) of Solid, Void and Erase"));
  row->addWidget(group({label(tr("brush")), m_brushSpin}));
}

void TopoptPanel::buildViews()
{
  m_splitter = new QSplitter(Qt::Vertical);
  m_splitter->setObjectName(QStringLiteral("topoptSplitter"));
  auto* designs = new QWidget;
  auto* designColumn = new QVBoxLayout(designs);
  designColumn->setContentsMargins(0, 0, 0, 0);
  designColumn->setSpacing(2);
  m_classicView = new TopoptGridView;
  m_classicView->setObjectName(QStringLiteral("topoptClassicView"));
  m_neuralView = new TopoptGridView;
  m_neuralView->setObjectName(QStringLiteral("topoptNeuralView"));
  for (TopoptGridView* v : {m_classicView, m_neuralView}) {
    v->setToolTip(tr("White: void, black: solid. Red arrows: loads (drag the tip); blue triangles: supports\n"
                     "(pointing right: x fixed, up: y fixed); red/blue tint: passive solid/void.\n"
                     "Tools above the view say what a click does; Ctrl+Z undoes every edit."));
    designColumn->addWidget(v, 1);
  }
  m_infoLabel = new QLabel;
  m_infoLabel->setObjectName(QStringLiteral("topoptInfo"));
  m_infoLabel->setWordWrap(true);
  m_infoLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
  designColumn->addWidget(m_infoLabel);
  m_splitter->addWidget(designs);

  auto* bottom = m_bottomSplitter = new QSplitter(Qt::Horizontal);
  bottom->setObjectName(QStringLiteral("topoptBottomSplitter"));
  m_compliancePlot = new PlotWidget;
  m_compliancePlot->setObjectName(QStringLiteral("topoptCompliance"));
  m_compliancePlot->setToolTip(tr("Compliance c = Fᵀu = uᵀK(y)u of each run against the iteration (a log axis when it spans more than a factor 20)"));
  m_volumePlot = new PlotWidget;
  m_volumePlot->setObjectName(QStringLiteral("topoptVolume"));
  m_volumePlot->setToolTip(tr("Mean physical density Σy/N after each iteration; dashed: the target V"));
  for (PlotWidget* w : {m_compliancePlot, m_volumePlot}) w->setMinimumSize(140, 100);
  bottom->addWidget(m_compliancePlot);
  bottom->addWidget(m_volumePlot);

  auto* filterBox = new QWidget;
  auto* filterColumn = new QVBoxLayout(filterBox);
  filterColumn->setContentsMargins(4, 0, 0, 0);
  auto* title = new QLabel(tr("<b>NTK filter</b>"));
  filterColumn->addWidget(title);
  m_ellLabel = new QLabel;
  filterColumn->addWidget(m_ellLabel);
  m_ellSlider = new QSlider(Qt::Horizontal);
  m_ellSlider->setObjectName(QStringLiteral("topoptEllSlider"));
  m_ellSlider->setRange(0, kEllSteps);
  m_ellSlider->setToolTip(tr("ℓ of the Fourier embedding, 0.5 … 32 elements (log scale): edits the panel's network and\n"
                             "redraws the NTK filter at the probed element. Only the Fourier embedding has an ℓ."));
  filterColumn->addWidget(m_ellSlider);
  m_filterLabel = new QLabel(tr("Ctrl+click the design (or use the NTK filter tool) to see the filter there"));
  m_filterLabel->setObjectName(QStringLiteral("topoptFilterInfo"));
  m_filterLabel->setWordWrap(true);
  m_filterLabel->setToolTip(tr("Effective radius: the radius of the disc whose area equals the area where the normalised\n"
                               "NTK row (Θ(p, q) − min Θ(p, ·)) / (Θ(p, p) − min Θ(p, ·)) is ≥ ½ — comparable with rmin."));
  filterColumn->addWidget(m_filterLabel, 1);
  auto* clear = new QToolButton;
  clear->setText(tr("Hide filter"));
  clear->setObjectName(QStringLiteral("topoptHideFilter"));
  connect(clear, &QToolButton::clicked, this, &TopoptPanel::clearFilter);
  m_filterExportCheck = new QCheckBox(tr("in exports"));
  m_filterExportCheck->setObjectName(QStringLiteral("topoptFilterInExports"));
  m_filterExportCheck->setToolTip(tr("Draw the NTK-filter overlay in PNG/SVG exports too (off: exports show the clean design)"));
  filterColumn->addWidget(clear, 0, Qt::AlignLeft);
  filterColumn->addWidget(m_filterExportCheck, 0, Qt::AlignLeft);
  filterBox->setMinimumWidth(140);
  bottom->addWidget(filterBox);
  bottom->setStretchFactor(0, 3);
  bottom->setStretchFactor(1, 2);
  bottom->setStretchFactor(2, 2);
  m_splitter->addWidget(bottom);
  m_splitter->setStretchFactor(0, 3);
  m_splitter->setStretchFactor(1, 2);
  layout()->addWidget(m_splitter);
  static_cast<QVBoxLayout*>(layout())->setStretchFactor(m_splitter, 1);
}

void TopoptPanel::connectControls()
{
  connect(m_presetCombo, &QComboBox::activated, this, [this](int i) {
    const QString name = m_presetCombo->itemData(i).toString();
    if (name != QLatin1String("custom")) setPreset(name);
  });
  auto resize = [this] { setGridSize(m_nelxSpin->acceptedValue(), m_nelySpin->acceptedValue()); };
  connect(m_nelxSpin, &CheckedSpinBox::valueAccepted, this, resize);
  connect(m_nelySpin, &CheckedSpinBox::valueAccepted, this, resize);
  for (CheckedSpinBox* box : {m_nelxSpin, m_nelySpin}) connect(box, &CheckedSpinBox::valueRefused, this, &TopoptPanel::statusMessage);
  auto setting = [this](CheckedDoubleSpinBox* box, double TopoptSettings::*field) {
    connect(box, &CheckedDoubleSpinBox::valueAccepted, this, [this, field](double v) {
      m_settings.*field = v;
      settingsChanged();
    });
    connect(box, &CheckedDoubleSpinBox::valueRefused, this, &TopoptPanel::statusMessage);
  };
  setting(m_volfracSpin, &TopoptSettings::volfrac);
  setting(m_penalSpin, &TopoptSettings::penal);
  setting(m_rminSpin, &TopoptSettings::rmin);
  connect(m_filterCombo, &QComboBox::currentIndexChanged, this, [this](int i) {
    m_settings.filter = TopoptFilterChoice(i);
    settingsChanged();
  });
  connect(m_methodCombo, &QComboBox::currentIndexChanged, this, [this](int i) { setMethod(TopoptMethod(i)); });
  connect(m_tools, &QButtonGroup::idClicked, this, [this](int id) { setTool(TopoptTool(id)); });
  connect(m_brushSpin, &CheckedDoubleSpinBox::valueAccepted, this, [this](double r) {
    for (TopoptGridView* v : {m_classicView, m_neuralView}) v->setBrushRadius(r);
  });
  connect(m_transport, &TransportBar::playToggled, this, [this](bool on) { on ? play() : pause(); });
  connect(m_transport, &TransportBar::stepRequested, this, [this] { step(1); });
  connect(m_transport, &TransportBar::resetRequested, this, &TopoptPanel::reset);
  for (TopoptRunner* r : {m_classic, m_neural}) {
    connect(r, &TopoptRunner::frameReceived, this, [this, r] { onFrame(r); });
    connect(r, &TopoptRunner::busyChanged, this, [this] { emit busyChanged(isBusy()); });
  }
  connect(m_filterWatcher, &QFutureWatcher<FilterResult>::finished, this, &TopoptPanel::onFilterFinished);
  connect(m_doc, &NetworkDocument::changed, this, &TopoptPanel::onDocumentChanged);
}

void TopoptPanel::connectNeuralControls()
{
  connect(m_embeddingCombo, &QComboBox::activated, this, [this] { editNetworkFromControls(tr("embedding %1").arg(m_embeddingCombo->currentText())); });
  connect(m_activationCombo, &QComboBox::activated, this, [this] { editNetworkFromControls(tr("activation %1").arg(m_activationCombo->currentText())); });
  connect(m_ellSpin, &CheckedDoubleSpinBox::valueAccepted, this, [this](double v) { editNetworkFromControls(tr("ℓ = %1").arg(v), QStringLiteral("topopt-ell")); });
  connect(m_omegaSpin, &CheckedDoubleSpinBox::valueAccepted, this, [this](double v) { editNetworkFromControls(tr("ω = %1").arg(v), QStringLiteral("topopt-omega")); });
  connect(m_widthSpin, &CheckedSpinBox::valueAccepted, this, [this](int v) { editNetworkFromControls(tr("width %1").arg(v), QStringLiteral("topopt-width")); });
  connect(m_betaSpin, &CheckedDoubleSpinBox::valueAccepted, this, [this](double v) { editNetworkFromControls(tr("β = %1").arg(v), QStringLiteral("topopt-beta")); });
  // Each network box is judged by the options it would make.
  auto check = [this](auto apply) {
    return [this, apply](auto v) -> QString {
      TopoptNetworkOptions o = networkOptionsFromControls();
      apply(o, v);
      try {
        o.validate();
      } catch (const NtkError& e) {
        return QString::fromStdString(e.what());
      }
      return {};
    };
  };
  m_ellSpin->setCheck(check([](TopoptNetworkOptions& o, double v) { o.ell = v; }));
  m_omegaSpin->setCheck(check([](TopoptNetworkOptions& o, double v) { o.omega = v; }));
  m_widthSpin->setCheck(check([](TopoptNetworkOptions& o, int v) { o.width = v; }));
  m_betaSpin->setCheck(check([](TopoptNetworkOptions& o, double v) { o.beta = v; }));
  m_lrSpin->setCheck([this](double v) {
    TopoptSettings s = m_settings;
    s.learningRate = v;
    return neuralSettingsRefusal(s);
  });
  connect(m_lrSpin, &CheckedDoubleSpinBox::valueAccepted, this, [this](double v) {
    m_settings.learningRate = v;
    m_neuralStale = true;
    settingsChanged();
  });
  connect(m_optimizerCombo, &QComboBox::currentIndexChanged, this, [this](int i) {
    m_settings.optimizer = i == 1 ? TopoptOptimizer::Rprop : TopoptOptimizer::Adam;
    settingsChanged();
  });
  for (CheckedDoubleSpinBox* box : {m_ellSpin, m_omegaSpin, m_betaSpin, m_lrSpin})
    connect(box, &CheckedDoubleSpinBox::valueRefused, this, &TopoptPanel::statusMessage);
  connect(m_widthSpin, &CheckedSpinBox::valueRefused, this, &TopoptPanel::statusMessage);
  connect(m_renderCombo, &QComboBox::currentIndexChanged, this, [this] { setRenderRefine(m_renderCombo->currentData().toInt()); });
  connect(m_ellSlider, &QSlider::valueChanged, this, [this](int i) {
    const double ell = std::round(ellForPosition(i) * 100.0) / 100.0;
    if (std::abs(ell - m_ellSpin->acceptedValue()) > 1e-9) setEll(ell);
  });
}

void TopoptPanel::connectViews(TopoptGridView* view)
{
  connect(view, &TopoptGridView::loadPlaced, this, [this](int ix, int iy) { placeLoad(ix, iy); });
  connect(view, &TopoptGridView::loadDragged, this, [this, view](int index, double fx, double fy) {
    // Live: the runs see the dragged load at once; the undo step is made on release.
    TopoptProblem live = m_problem;
    if (index < 0 || index >= int(live.loads.size())) return;
    live.loads[size_t(index)].fx = fx;
    live.loads[size_t(index)].fy = fy;
    TopoptGridView* other = view == m_classicView ? m_neuralView : m_classicView;
    TopoptDesignData d = other->data();
    d.problem = live;
    other->setData(d);
    if (problemRefusal(live).isEmpty()) {
      if (usesClassic(m_settings.method) && !m_classicStale) m_classic->setProblem(live);
      if (usesNeural(m_settings.method) && !m_neuralStale) m_neural->setProblem(live);
    }
  });
  connect(view, &PointEditView::pointDragFinished, this, [this, view](int index) {
    if (index < 0 || index >= int(view->data().problem.loads.size())) return;
    const PointLoad& l = view->data().problem.loads[size_t(index)];
    setLoadForce(index, l.fx, l.fy);
  });
  connect(view, &PointEditView::removePointRequested, this, &TopoptPanel::removeLoad);
  connect(view, &TopoptGridView::nodesFixed, this, &TopoptPanel::fixNodes);
  connect(view, &TopoptGridView::supportRemoved, this, &TopoptPanel::freeNode);
  connect(view, &TopoptGridView::elementsPainted, this, &TopoptPanel::paintPassive);
  connect(view, &TopoptGridView::filterRequested, this, &TopoptPanel::showFilterAt);
}

QToolButton* TopoptPanel::toolButton(TopoptTool tool) const { return qobject_cast<QToolButton*>(m_tools->button(int(tool))); }

QString TopoptPanel::requiredInputPurpose() const { return tr("the element centre x, y"); }

// ---------------------------------------------------------------- problem edits (undo steps)

void TopoptPanel::pushEdit(const QString& text, TopoptProblem after)
{
  if (after == m_problem) return;
  using ProblemEdit = PanelStateCommand<TopoptPanel, TopoptProblem>;
  m_doc->undoStack()->push(new ProblemEdit(m_doc, this, &TopoptPanel::restoreProblem, text, m_problem, std::move(after)));
}

void TopoptPanel::restoreProblem(const TopoptProblem& problem)
{
  const bool gridChanged = problem.nelx != m_problem.nelx || problem.nely != m_problem.nely;
  m_problem = problem;
  showProblemInControls();
  if (gridChanged) {
    clearFilter();
    const bool playing = anyRunPlaying();
    m_classicStale = m_neuralStale = true;
    if (m_classic->isConfigured() || m_neural->isConfigured()) {
      configureRuns(true);
      if (playing && runRefusal().isEmpty()) play();
    }
  } else {
    problemToRuns();
  }
  updateViews();
  updateInfo();
}

void TopoptPanel::problemToRuns()
{
  const QString refused = problemRefusal(m_problem);
  if (!refused.isEmpty()) {
    // Kept as edited (the next edit may fix it); the runs wait, the design says why.
    if (anyRunPlaying()) pause();
    emit statusMessage(tr("The problem cannot be solved: %1").arg(refused));
    return;
  }
  markResultsOutOfDate();
  if (m_classic->isConfigured() && !m_classicStale) m_classic->setProblem(m_problem);
  if (m_neural->isConfigured() && !m_neuralStale) m_neural->setProblem(m_problem);
}

void TopoptPanel::markResultsOutOfDate()
{
  bool newly = false;
  auto mark = [&](const TopoptRunner* r, int k, bool stale) {
    // A run that is stepping takes the edit at its next iteration: its frames stay current.
    if (!r->isConfigured() || stale || r->hasStepsPending() || r->lastFrame().history.empty()) return;
    newly |= !m_resultOutOfDate[k];
    m_resultOutOfDate[k] = true;
    m_outOfDateAt[k] = r->lastFrame().iteration;
  };
  if (usesClassic(m_settings.method)) mark(m_classic, 0, m_classicStale);
  if (usesNeural(m_settings.method)) mark(m_neural, 1, m_neuralStale);
  if (newly) emit statusMessage(tr("Problem changed — press Play or Step to continue from this design (Reset starts over)"));
}

void TopoptPanel::setPreset(const QString& name)
{
  TopoptProblem next;
  try {
    next = presetProblem(name.toStdString(), m_problem.nelx, m_problem.nely);
  } catch (const NtkError& e) {
    emit statusMessage(QString::fromStdString(e.what()));
    showProblemInControls();
    return;
  }
  pushEdit(tr("Problem: %1").arg(presetLabel(name)), next);
}

void TopoptPanel::setGridSize(int nelx, int nely)
{
  if (!gridRefusal(QStringLiteral("nelx"), nelx, nely).isEmpty() || !gridRefusal(QStringLiteral("nely"), nely, nelx).isEmpty()) return;
  if (nelx == m_problem.nelx && nely == m_problem.nely) return;
  pushEdit(tr("Grid %1 × %2").arg(nelx).arg(nely), resizedProblem(m_problem, nelx, nely));
}

void TopoptPanel::placeLoad(int ix, int iy, double fx, double fy)
{
  if (ix < 0 || iy < 0 || ix > m_problem.nelx || iy > m_problem.nely) return;
  for (const PointLoad& l : m_problem.loads)
    if (l.ix == ix && l.iy == iy) return; // one arrow per node: drag it instead
  TopoptProblem next = m_problem;
  next.name = "custom";
  next.loads.push_back({ix, iy, fx, fy});
  pushEdit(tr("Add load %1 at node %2").arg(forceText(fx, fy), nodeText(ix, iy)), next);
}

void TopoptPanel::setLoadForce(int index, double fx, double fy)
{
  if (index < 0 || index >= int(m_problem.loads.size())) return;
  TopoptProblem next = m_problem;
  next.name = "custom";
  PointLoad& l = next.loads[size_t(index)];
  l.fx = fx;
  l.fy = fy;
  if (next == m_problem) {
    restoreProblem(m_problem); // a drag that came back where it started: show the stored force again
    return;
  }
  pushEdit(tr("Load at node %1 to %2").arg(nodeText(l.ix, l.iy), forceText(fx, fy)), next);
}

void TopoptPanel::removeLoad(int index)
{
  if (index < 0 || index >= int(m_problem.loads.size())) return;
  TopoptProblem next = m_problem;
  next.name = "custom";
  const PointLoad l = next.loads[size_t(index)];
  next.loads.erase(next.loads.begin() + index);
  pushEdit(tr("Remove load at node %1").arg(nodeText(l.ix, l.iy)), next);
}

void TopoptPanel::fixNodes(const std::vector<std::pair<int, int>>& nodes, bool fixX, bool fixY)
{
  TopoptProblem next = m_problem;
  next.name = "custom";
  for (const auto& [ix, iy] : nodes) {
    if (ix < 0 || iy < 0 || ix > next.nelx || iy > next.nely) continue;
    auto it = std::find_if(next.supports.begin(), next.supports.end(), [&](const NodeSupport& s) { return s.ix == ix && s.iy == iy; });
    if (it == next.supports.end())
      next.supports.push_back({ix, iy, fixX, fixY});
    else if (nodes.size() == 1 && it->fixX == fixX && it->fixY == fixY)
      next.supports.erase(it); // clicking a node fixed the same way frees it
    else
      *it = {ix, iy, fixX, fixY};
  }
  const QString what = fixX && fixY ? tr("x and y") : fixX ? tr("x") : tr("y");
  const QString text = nodes.size() == 1 ? tr("Fix %1 at node %2").arg(what, nodeText(nodes[0].first, nodes[0].second))
                                         : tr("Fix %1 at %2 nodes").arg(what).arg(nodes.size());
  pushEdit(next.supports.size() < m_problem.supports.size() ? tr("Free node %1").arg(nodeText(nodes[0].first, nodes[0].second)) : text,
           next);
}

void TopoptPanel::freeNode(int ix, int iy)
{
  TopoptProblem next = m_problem;
  next.name = "custom";
  std::erase_if(next.supports, [&](const NodeSupport& s) { return s.ix == ix && s.iy == iy; });
  pushEdit(tr("Free node %1").arg(nodeText(ix, iy)), next);
}

void TopoptPanel::paintPassive(const std::vector<int>& elements, PassiveKind kind)
{
  TopoptProblem next = m_problem;
  next.name = "custom";
  if (next.passive.empty()) next.passive.assign(size_t(next.elementCount()), PassiveKind::None);
  int changed = 0;
  for (int e : elements)
    if (e >= 0 && e < next.elementCount() && next.passive[size_t(e)] != kind) {
      next.passive[size_t(e)] = kind;
      ++changed;
    }
  if (std::all_of(next.passive.begin(), next.passive.end(), [](PassiveKind k) { return k == PassiveKind::None; })) next.passive.clear();
  if (changed == 0) return;
  const QString what = kind == PassiveKind::Solid ? tr("solid") : kind == PassiveKind::Void ? tr("void") : tr("free");
  pushEdit(tr("Make %1 elements %2").arg(changed).arg(what), next);
}

bool TopoptPanel::saveProblem(const QString& path, QString* error) const
{
  try {
    saveTopoptProblem(m_problem, path.toStdString());
    return true;
  } catch (const NtkError& e) {
    if (error) *error = QString::fromStdString(e.what());
  } catch (const std::exception& e) {
    if (error) *error = QString::fromStdString(e.what());
  }
  return false;
}

bool TopoptPanel::openProblem(const QString& path, QString* error)
{
  TopoptProblem next;
  try {
    next = loadTopoptProblem(path.toStdString());
  } catch (const std::exception& e) {
    const QString why = openProblemFailure(path, QString::fromStdString(e.what()));
    if (error) *error = why;
    emit statusMessage(why);
    return false;
  }
  pushEdit(tr("Open problem %1").arg(QFileInfo(path).fileName()), next);
  emit statusMessage(tr("Opened %1 (%2 × %3, %4 loads, %5 supports)")
                         .arg(QFileInfo(path).fileName())
                         .arg(next.nelx)
                         .arg(next.nely)
                         .arg(next.loads.size())
                         .arg(next.supports.size()));
  return true;
}

void TopoptPanel::showProblemInControls()
{
  m_nelxSpin->setValueQuietly(m_problem.nelx);
  m_nelySpin->setValueQuietly(m_problem.nely);
  const QSignalBlocker block(m_presetCombo);
  const int i = m_presetCombo->findData(QString::fromStdString(m_problem.name));
  m_presetCombo->setCurrentIndex(i >= 0 ? i : m_presetCombo->count() - 1);
  m_volfracSpin->setValueQuietly(m_settings.volfrac);
  m_penalSpin->setValueQuietly(m_settings.penal);
  m_rminSpin->setValueQuietly(m_settings.rmin);
  m_lrSpin->setValueQuietly(m_settings.learningRate);
  {
    const QSignalBlocker b2(m_filterCombo), b3(m_optimizerCombo);
    m_filterCombo->setCurrentIndex(int(m_settings.filter));
    m_optimizerCombo->setCurrentIndex(m_settings.optimizer == TopoptOptimizer::Rprop ? 1 : 0);
  }
}

// ---------------------------------------------------------------- runs

void TopoptPanel::settingsChanged()
{
  // What a run reads changed: start again (and go on playing if it was).
  const bool playing = anyRunPlaying();
  m_classicStale = m_neuralStale = true;
  if (m_classic->isConfigured() || m_neural->isConfigured()) {
    configureRuns(true);
    if (playing && runRefusal().isEmpty()) play();
  }
  updateViews();
  updateCurves();
  updateInfo();
}

QString TopoptPanel::runRefusal() const
{
  for (const auto* box : {m_nelxSpin, m_nelySpin})
    if (box->isRefused()) return box->refusal();
  for (const auto* box : {m_volfracSpin, m_penalSpin, m_rminSpin})
    if (box->isRefused()) return box->refusal();
  if (const QString p = problemRefusal(m_problem); !p.isEmpty()) return p;
  if (m_settings.method == TopoptMethod::Neural)
    if (const QString n = neuralRefusal(); !n.isEmpty()) return n;
  return {};
}

QString TopoptPanel::neuralRefusal() const
{
  for (const auto* box : {m_ellSpin, m_omegaSpin, m_betaSpin, m_lrSpin})
    if (box->isRefused()) return box->refusal();
  if (m_widthSpin->isRefused()) return m_widthSpin->refusal();
  return neuralNetworkRefusal(panelNetwork(), panelNetworkName());
}

void TopoptPanel::configureRuns(bool force)
{
  if (!problemRefusal(m_problem).isEmpty()) return;
  if (usesClassic(m_settings.method) && (force || m_classicStale || !m_classic->isConfigured())) configureClassic();
  if (usesNeural(m_settings.method) && (force || m_neuralStale || !m_neural->isConfigured())) configureNeural();
}

void TopoptPanel::configureClassic()
{
  if (!simpRefusal(m_settings).isEmpty()) return;
  m_classic->configureClassic(m_problem, simpOptions(m_settings));
  m_classicStale = false;
  m_resultOutOfDate[0] = false;
  m_fps[0] = 0.0;
}

void TopoptPanel::configureNeural()
{
  m_fps[1] = 0.0;
  m_resultOutOfDate[1] = false;
  if (!neuralRefusal().isEmpty()) {
    m_neural->clear();
    m_neuralStale = true;
    return;
  }
  m_neuralRunNet = panelNetwork();
  m_neural->configureNeural(m_problem, m_neuralRunNet, neuralOptions(m_settings));
  m_neuralStale = false;
}

bool TopoptPanel::anyRunPlaying() const { return m_classic->isPlaying() || m_neural->isPlaying(); }

bool TopoptPanel::isPlaying() const { return anyRunPlaying(); }

void TopoptPanel::play()
{
  const QString refused = runRefusal();
  if (!refused.isEmpty()) {
    emit statusMessage(tr("Not started: %1").arg(refused));
    updateTransport();
    updateViews();
    return;
  }
  configureRuns(false);
  // Play goes on from the current design, also after convergence or the iteration cap (the cap counts
  // from the last edit); a run that is still finished says so and does not start. Reset starts over.
  QStringList said;
  auto start = [this, &said](TopoptRunner* r, int k) {
    if (!r->isConfigured()) return;
    said << runStartText(k, true);
    const TopoptFrame& f = r->lastFrame();
    if (f.finished && !f.running && !m_resultOutOfDate[k]) return;
    m_playClock[k].start();
    m_playFrames[k] = 0;
    r->play();
  };
  if (usesClassic(m_settings.method)) start(m_classic, 0);
  if (usesNeural(m_settings.method)) {
    if (const QString n = neuralRefusal(); !n.isEmpty())
      said << tr("Neural run not started: %1").arg(n);
    else
      start(m_neural, 1);
  }
  if (!said.isEmpty()) emit statusMessage(said.join(QStringLiteral(" · ")));
  updateTransport();
  updateViews();
}

QString TopoptPanel::runStartText(int k, bool play) const
{
  const TopoptRunner* r = k == 0 ? m_classic : m_neural;
  const QString name = k == 0 ? tr("Classic SIMP") : tr("Neural");
  const TopoptFrame& f = r->lastFrame();
  if (play && f.finished && !f.running && !m_resultOutOfDate[k])
    return f.converged ? tr("%1 has converged (iteration %2): nothing to play — edit the problem to go on from this design, "
                            "Step for more iterations, or Reset to start over")
                             .arg(name)
                             .arg(f.iteration)
                       : tr("%1 is at the iteration cap (%2 iterations since the last edit): edit the problem to go on "
                            "from this design, or Reset to start over")
                             .arg(name)
                             .arg(m_settings.maxIterations);
  if (f.iteration == 0) return tr("%1 starts from the uniform design V = %2").arg(name).arg(m_settings.volfrac);
  const QString what = m_resultOutOfDate[k] ? tr("the design of the previous problem") : tr("the current design");
  return play ? tr("%1 continues from iteration %2 (%3; Reset starts over)").arg(name).arg(f.iteration).arg(what)
              : tr("%1 steps on from iteration %2 (%3)").arg(name).arg(f.iteration).arg(what);
}

void TopoptPanel::pause()
{
  m_classic->pause();
  m_neural->pause();
  updateTransport();
}

void TopoptPanel::step(int n)
{
  const QString refused = runRefusal();
  if (!refused.isEmpty()) {
    emit statusMessage(tr("Not started: %1").arg(refused));
    updateTransport();
    return;
  }
  configureRuns(false);
  QStringList said;
  if (usesClassic(m_settings.method) && m_classic->isConfigured()) {
    said << runStartText(0, false);
    m_classic->step(n);
  }
  if (usesNeural(m_settings.method) && neuralRefusal().isEmpty() && m_neural->isConfigured()) {
    said << runStartText(1, false);
    m_neural->step(n);
  }
  if (!said.isEmpty()) emit statusMessage(said.join(QStringLiteral(" · ")));
  updateTransport();
}

void TopoptPanel::reset()
{
  pause();
  m_classicStale = m_neuralStale = true;
  configureRuns(true);
  m_fps[0] = m_fps[1] = 0.0;
  updateViews();
  updateCurves();
  updateInfo();
  emit statusMessage(tr("Reset: iteration 0, uniform density V = %1").arg(m_settings.volfrac));
}

void TopoptPanel::setMethod(TopoptMethod method)
{
  m_settings.method = method;
  {
    const QSignalBlocker block(m_methodCombo);
    m_methodCombo->setCurrentIndex(int(method));
  }
  for (QWidget* w : m_neuralGroups) w->setVisible(usesNeural(method));
  m_classicView->setVisible(usesClassic(method));
  m_neuralView->setVisible(usesNeural(method));
  arrangeViews();
  if (!usesClassic(method)) m_classic->pause();
  if (!usesNeural(method)) m_neural->pause();
  updateViews();
  updateCurves();
  updateInfo();
  updateTransport();
}

void TopoptPanel::arrangeViews()
{
  // One design: it over the curves (a wide domain uses the width). Two designs: stacked on the left,
  // each as wide as the other, and the curves and the filter stacked on the right, so that neither
  // the designs nor the curves are squeezed into a strip at 1024 × 700.
  const bool both = m_settings.method == TopoptMethod::Both;
  m_splitter->setOrientation(both ? Qt::Horizontal : Qt::Vertical);
  m_bottomSplitter->setOrientation(both ? Qt::Vertical : Qt::Horizontal);
  const int along = both ? m_splitter->width() : m_splitter->height();
  const int total = along > 0 ? along : 600;
  m_splitter->setSizes({total * (both ? 62 : 60) / 100, total * (both ? 38 : 40) / 100});
  const int across = both ? m_bottomSplitter->height() : m_bottomSplitter->width();
  const int room = across > 0 ? across : 400;
  m_bottomSplitter->setSizes({room * 3 / 8, room * 3 / 8, room * 2 / 8});
}

void TopoptPanel::setTool(TopoptTool tool)
{
  if (QAbstractButton* b = m_tools->button(int(tool)); b && !b->isChecked()) b->setChecked(true);
  for (TopoptGridView* v : {m_classicView, m_neuralView}) v->setTool(tool);
}

void TopoptPanel::onFrame(TopoptRunner* runner)
{
  const int k = runner == m_classic ? 0 : 1;
  const TopoptFrame& f = runner->lastFrame();
  if (f.running || m_playFrames[k] > 0) {
    ++m_playFrames[k];
    const double seconds = m_playClock[k].isValid() ? m_playClock[k].elapsed() / 1000.0 : 0.0;
    if (seconds > 0.2) m_fps[k] = m_playFrames[k] / seconds;
  }
  if (!f.running) m_playFrames[k] = 0;
  if (m_resultOutOfDate[k] && f.iteration > m_outOfDateAt[k]) m_resultOutOfDate[k] = false; // a new iteration ran
  updateViews();
  updateCurves();
  updateInfo();
  updateTransport();
  const QString name = k == 0 ? tr("Classic SIMP") : tr("Neural");
  if (!f.running && !f.error.isEmpty())
    emit statusMessage(tr("%1 stopped: %2").arg(name, f.error));
  else if (!f.running && f.finished && !f.history.empty())
    emit statusMessage(tr("%1 %2 after %3 iterations: c = %4")
                           .arg(name, f.converged ? tr("converged") : tr("stopped at the iteration cap"))
                           .arg(f.iteration)
                           .arg(f.history.back().compliance, 0, 'f', 3));
  if (f.running && m_settings.maxIterations > 0) emit progressChanged(std::clamp(100 * f.iteration / m_settings.maxIterations, 0, 100));
}

void TopoptPanel::updateTransport() { m_transport->setPlaying(anyRunPlaying()); }

QString TopoptPanel::runCaption(const TopoptFrame& f, bool neural) const
{
  if (f.history.empty()) return tr("iteration 0 · uniform density V = %1").arg(m_settings.volfrac);
  if (m_resultOutOfDate[neural ? 1 : 0])
    return tr("iteration %1 · problem changed — press Play or Step to continue from this design").arg(f.iteration);
  const TopoptIterate& it = f.history.back();
  QString text = tr("iteration %1 · c = %2 · volume %3 · change %4")
                     .arg(it.iteration)
                     .arg(it.compliance, 0, 'f', 2)
                     .arg(it.volume, 0, 'f', 3)
                     .arg(it.change, 0, 'f', 3);
  if (it.beta > 0) text += tr(" · β = %1").arg(it.beta);
  if (f.converged) text += tr(" · converged");
  if (neural && f.refine > 1 && f.rendered.size() > 0) text += tr(" · field at %1×").arg(f.refine);
  return text;
}

TopoptDesignData TopoptPanel::designData(bool neural, bool forFigure) const
{
  TopoptDesignData d;
  d.problem = m_problem;
  const TopoptRunner* runner = neural ? m_neural : m_classic;
  const TopoptFrame& f = runner->lastFrame();
  if (neural) {
    const TopoptNetworkOptions o = topoptOptionsFromNetwork(panelNetwork(), m_problem.nelx, m_problem.nely);
    QString emb = tr("%1 embedding").arg(QString::fromStdString(embeddingName(o.embedding)));
    if (o.embedding == TopoptEmbedding::Fourier) emb += tr(" ℓ = %1").arg(o.ell, 0, 'g', 3);
    d.title = tr("Neural (Dupuis–Jacot), network ‘%1’: %2, %3")
                  .arg(panelNetworkName(), emb, m_settings.optimizer == TopoptOptimizer::Adam ? tr("Adam") : tr("Rprop"));
  } else {
    d.title = tr("Classic SIMP (top88): %1 filter, rmin = %2, p = %3")
                  .arg(m_filterCombo->currentText())
                  .arg(m_settings.rmin)
                  .arg(m_settings.penal);
  }
  const bool sameGrid = f.nelx == m_problem.nelx && f.nely == m_problem.nely;
  if (f.density.size() == m_problem.elementCount() && sameGrid) {
    d.image = densityMatrix(f.density, m_problem.nelx, m_problem.nely);
    if (neural && f.refine > 1 && f.rendered.rows() == Eigen::Index(m_problem.nely) * f.refine) d.image = f.rendered;
    d.caption = runCaption(f, neural);
  }
  if (neural && !neuralRefusal().isEmpty())
    d.message = neuralRefusal();
  else if (const QString p = problemRefusal(m_problem); !p.isEmpty())
    d.message = tr("Cannot run: %1").arg(p);
  else if (!f.error.isEmpty())
    d.message = tr("Stopped: %1").arg(f.error);
  else if (d.image.size() == 0)
    d.message = tr("Press Play (or Step) to start");
  if (m_filter.weights.size() == m_problem.elementCount() && (!forFigure || filterInExports())) {
    d.filter = m_filter;
    // On screen the filter box beside the curves says it; a figure has to say it itself.
    if (forFigure) d.caption = d.caption.isEmpty() ? m_filter.label : d.caption + QStringLiteral(" · ") + m_filter.label;
  }
  return d;
}

void TopoptPanel::updateViews()
{
  m_classicView->setData(designData(false));
  m_neuralView->setData(designData(true));
}

void TopoptPanel::updateCurves()
{
  std::vector<TopoptCurve> curves;
  if (usesClassic(m_settings.method)) curves.push_back({tr("classic"), m_classic->lastFrame().history, topoptClassicColor()});
  if (usesNeural(m_settings.method)) curves.push_back({tr("neural"), m_neural->lastFrame().history, topoptNeuralColor()});
  std::vector<PlotSeries> series;
  PlotOptions options;
  topoptCompliancePlot(curves, &series, &options);
  if (series.empty()) options.notes << tr("no iterations yet");
  m_compliancePlot->setPlot(series, options, true);
  topoptVolumePlot(curves, m_settings.volfrac, &series, &options);
  m_volumePlot->setPlot(series, options, true);
}

QString TopoptPanel::infoText() const { return m_infoLabel->text(); }

void TopoptPanel::updateInfo()
{
  QStringList parts;
  auto line = [&](const QString& name, const TopoptRunner* r, int k) {
    const TopoptFrame& f = r->lastFrame();
    if (!r->isConfigured()) return;
    QString text = tr("%1: %2 iterations").arg(name).arg(f.iteration);
    if (f.stepSeconds > 0) text += tr(", %1 ms per step").arg(f.stepSeconds * 1000.0, 0, 'f', 1);
    if (m_fps[k] > 0) text += tr(", %1 frames/s").arg(m_fps[k], 0, 'f', 1);
    parts << text;
  };
  if (usesClassic(m_settings.method)) line(tr("Classic"), m_classic, 0);
  if (usesNeural(m_settings.method)) line(tr("Neural"), m_neural, 1);
  if (parts.isEmpty()) parts << tr("%1 × %2 elements, %3 loads, %4 supports")
                                    .arg(m_problem.nelx)
                                    .arg(m_problem.nely)
                                    .arg(m_problem.loads.size())
                                    .arg(m_problem.supports.size());
  m_infoLabel->setText(parts.join(QStringLiteral(" · ")));
}

bool TopoptPanel::isBusy() const
{
  return m_classic->isBusy() || m_neural->isBusy() || m_filterWatcher->isRunning() || m_filterPending;
}

void TopoptPanel::scheduleRecompute()
{
  // F5: the views are live; recompute the filter if one is shown.
  if (m_probeEx >= 0) startFilterJob();
}

void TopoptPanel::cancel()
{
  pause();
  m_filterPending = false;
  stopJob();
}

void TopoptPanel::showEvent(QShowEvent* event)
{
  AnalysisPanel::showEvent(event);
  onDocumentChanged();
  if (!m_previewed) {
    // The first look at the tab: a short classic run on the default problem, then paused.
    m_previewed = true;
    if (usesClassic(m_settings.method) && runRefusal().isEmpty()) {
      configureRuns(false);
      m_classic->step(kTopoptPreviewIterations);
      updateTransport();
    }
  }
}

// ---------------------------------------------------------------- the network

const Network& TopoptPanel::panelNetwork() const { return m_doc->networkFor(objectName()); }

QString TopoptPanel::panelNetworkName() const { return m_doc->networkNameFor(objectName()); }

void TopoptPanel::onDocumentChanged()
{
  std::string json;
  try {
    json = networkToJson(panelNetwork());
  } catch (const std::exception&) {
    json.clear();
  }
  if (json == m_networkJson) return;
  m_networkJson = json;
  showNetworkInControls();
  m_neuralStale = true;
  if (m_neural->isConfigured() || usesNeural(m_settings.method)) {
    const bool playing = m_neural->isPlaying();
    if (m_neural->isConfigured()) configureNeural();
    if (playing && neuralRefusal().isEmpty()) m_neural->play();
  }
  if (m_probeEx >= 0) startFilterJob();
  updateViews();
  updateCurves();
  updateInfo();
}

void TopoptPanel::showNetworkInControls()
{
  const TopoptNetworkOptions o = topoptOptionsFromNetwork(panelNetwork(), m_problem.nelx, m_problem.nely);
  {
    const QSignalBlocker b1(m_embeddingCombo), b2(m_activationCombo);
    m_embeddingCombo->setCurrentIndex(m_embeddingCombo->findData(int(o.embedding)));
    m_activationCombo->setCurrentIndex(m_activationCombo->findData(int(o.activation)));
  }
  m_ellSpin->setValueQuietly(std::round(o.ell * 100.0) / 100.0);
  m_omegaSpin->setValueQuietly(o.omega);
  m_widthSpin->setValueQuietly(o.width);
  m_betaSpin->setValueQuietly(o.beta);
  m_ellSpin->setEnabled(o.embedding == TopoptEmbedding::Fourier);
  m_omegaSpin->setEnabled(o.activation == ActivationKind::Sin);
  updateEllSlider();
}

void TopoptPanel::updateEllSlider()
{
  const TopoptNetworkOptions o = topoptOptionsFromNetwork(panelNetwork(), m_problem.nelx, m_problem.nely);
  const bool fourier = o.embedding == TopoptEmbedding::Fourier;
  {
    const QSignalBlocker block(m_ellSlider);
    m_ellSlider->setValue(positionForEll(o.ell));
  }
  m_ellSlider->setEnabled(fourier);
  m_ellLabel->setText(fourier ? tr("ℓ = %1 elements").arg(o.ell, 0, 'f', 2)
                              : tr("ℓ: only the Fourier embedding has one (now: %1)").arg(QString::fromStdString(embeddingName(o.embedding))));
  m_ellLabel->setWordWrap(true);
}

TopoptNetworkOptions TopoptPanel::networkOptionsFromControls() const
{
  TopoptNetworkOptions o = topoptOptionsFromNetwork(panelNetwork(), m_problem.nelx, m_problem.nely);
  o.embedding = TopoptEmbedding(m_embeddingCombo->currentData().toInt());
  o.ell = m_ellSpin->value();
  o.activation = ActivationKind(m_activationCombo->currentData().toInt());
  o.omega = m_omegaSpin->value();
  o.width = m_widthSpin->value();
  o.beta = m_betaSpin->value();
  return o;
}

void TopoptPanel::editNetworkFromControls(const QString& what, const QString& mergeKey)
{
  if (m_ellSpin->isRefused() || m_omegaSpin->isRefused() || m_widthSpin->isRefused() || m_betaSpin->isRefused()) return;
  Network net;
  try {
    net = topoptNetwork(networkOptionsFromControls(), m_problem.nelx, m_problem.nely);
  } catch (const NtkError& e) {
    emit statusMessage(tr("Network not changed: %1").arg(QString::fromStdString(e.what())));
    showNetworkInControls();
    return;
  }
  const int id = m_doc->networkIdFor(objectName());
  if (!m_doc->editNetwork(id, tr("Topology network: %1").arg(what), [net](Network& n) { n = net; }, mergeKey)) showNetworkInControls();
}

void TopoptPanel::setEll(double ell)
{
  if (m_embeddingCombo->currentData().toInt() != int(TopoptEmbedding::Fourier)) return;
  m_ellSpin->setValueQuietly(ell);
  editNetworkFromControls(tr("ℓ = %1").arg(ell), QStringLiteral("topopt-ell"));
  if (m_probeEx < 0) showFilterAt(m_problem.nelx / 2, m_problem.nely / 2); // something to look at
}

void TopoptPanel::setRenderRefine(int refine)
{
  {
    const QSignalBlocker block(m_renderCombo);
    m_renderCombo->setCurrentIndex(std::max(0, m_renderCombo->findData(refine)));
  }
  m_neural->setRenderRefine(refine);
}

// ---------------------------------------------------------------- the NTK filter

void TopoptPanel::showFilterAt(int ex, int ey)
{
  if (ex < 0 || ey < 0 || ex >= m_problem.nelx || ey >= m_problem.nely) return;
  m_probeEx = ex;
  m_probeEy = ey;
  startFilterJob();
}

void TopoptPanel::clearFilter()
{
  m_probeEx = m_probeEy = -1;
  m_filter = TopoptFilterOverlay{};
  m_filterLabel->setText(tr("Ctrl+click the design (or use the NTK filter tool) to see the filter there"));
  updateViews();
}

void TopoptPanel::startFilterJob()
{
  if (m_probeEx < 0) return;
  if (m_filterWatcher->isRunning()) { // the newest request runs when this one is done
    m_filterPending = true;
    return;
  }
  m_filterPending = false;
  const Network net = panelNetwork();
  const int nelx = m_problem.nelx, nely = m_problem.nely, ex = m_probeEx, ey = m_probeEy;
  if (net.inputDim != 2) {
    m_filterError = tr("the NTK filter needs a network with input_dim 2; ‘%1’ has %2").arg(panelNetworkName()).arg(net.inputDim);
    m_filterLabel->setText(m_filterError);
    return;
  }
  launchJob(
      m_filterWatcher,
      [net, nelx, nely, ex, ey](const JobFlags&) {
        FilterResult r;
        r.ex = ex;
        r.ey = ey;
        r.nelx = nelx;
        r.nely = nely;
        catchJobErrors([&] { r.row = ntkFilterAt(net, nelx, nely, ex, ey); }, &r.cancelled, &r.error);
        return r;
      },
      Progress::None);
  m_filterLabel->setText(tr("computing the NTK row at element (%1, %2)…").arg(ex).arg(ey));
}

void TopoptPanel::onFilterFinished()
{
  const FilterResult r = m_filterWatcher->future().result();
  endJob(m_classic->isBusy() || m_neural->isBusy() || m_filterPending);
  if (m_filterPending) {
    startFilterJob();
    return;
  }
  if (!r.error.isEmpty() || r.cancelled) {
    m_filterError = r.error;
    m_filterLabel->setText(r.cancelled ? tr("filter cancelled") : tr("NTK filter: %1").arg(r.error));
    return;
  }
  if (r.nelx != m_problem.nelx || r.nely != m_problem.nely) return; // the grid changed meanwhile
  m_filterError.clear();
  m_filter.weights = r.row.weights;
  m_filter.ex = r.ex;
  m_filter.ey = r.ey;
  m_filter.radius = r.row.radius;
  m_filter.label = tr("NTK filter at (%1, %2): radius %3 (solid) vs rmin %4 (dashed)").arg(r.ex).arg(r.ey).arg(r.row.radius, 0, 'f', 2).arg(m_settings.rmin);
  m_filterLabel->setText(tr("At (%1, %2): radius %3 %4 rmin %5")
                             .arg(r.ex)
                             .arg(r.ey)
                             .arg(r.row.radius, 0, 'f', 2)
                             .arg(r.row.radius > m_settings.rmin ? QStringLiteral(">") : QStringLiteral("≤"))
                             .arg(m_settings.rmin));
  m_filter.rmin = m_settings.rmin;
  updateViews();
  emit statusMessage(tr("NTK filter of ‘%1’ at element (%2, %3): effective radius %4 (rmin %5)")
                         .arg(panelNetworkName())
                         .arg(r.ex)
                         .arg(r.ey)
                         .arg(r.row.radius, 0, 'f', 2)
                         .arg(m_settings.rmin));
}

// ---------------------------------------------------------------- export

Eigen::MatrixXd TopoptPanel::classicDensity() const
{
  const TopoptFrame& f = m_classic->lastFrame();
  return f.nelx == m_problem.nelx && f.nely == m_problem.nely ? densityMatrix(f.density, f.nelx, f.nely) : Eigen::MatrixXd{};
}

Eigen::MatrixXd TopoptPanel::neuralDensity() const
{
  const TopoptFrame& f = m_neural->lastFrame();
  return f.nelx == m_problem.nelx && f.nely == m_problem.nely ? densityMatrix(f.density, f.nelx, f.nely) : Eigen::MatrixXd{};
}

QString TopoptPanel::exportFilter() const
{
  return tr("PNG image (*.png);;SVG figure (*.svg);;CSV density, nely rows × nelx columns (*.csv)");
}

QString TopoptPanel::neuralCsvPath(const QString& path)
{
  const QFileInfo info(path);
  return info.dir().filePath(info.completeBaseName() + QStringLiteral("-neural.") + info.suffix());
}

void TopoptPanel::setFilterInExports(bool on) { m_filterExportCheck->setChecked(on); }

bool TopoptPanel::filterInExports() const { return m_filterExportCheck->isChecked(); }

bool TopoptPanel::exportView(const QString& path, QString* error)
{
  m_exportSummary.clear();
  const QString suffix = QFileInfo(path).suffix().toLower();
  const QString noDesign = tr("no design yet: press Play or Step first");
  const QString name = QFileInfo(path).fileName();
  if (suffix == QLatin1String("png") || suffix == QLatin1String("svg")) {
    if (!exportFigureOrMatrix(path, QSize(1400, 900), Eigen::MatrixXd::Zero(1, 1), error, noDesign)) return false;
    const bool filter = m_filter.weights.size() == m_problem.elementCount();
    m_exportSummary = tr("Exported %1: %2%3")
                          .arg(path,
                               m_settings.method == TopoptMethod::Both ? tr("both designs and the curves")
                               : m_settings.method == TopoptMethod::Neural ? tr("the neural design and the curves")
                                                                           : tr("the classic design and the curves"),
                               !filter ? QString()
                               : filterInExports() ? tr(", with the NTK-filter overlay")
                                                   : tr(", without the NTK-filter overlay (tick “in exports” in the filter box to include it)"));
    return true;
  }
  if (suffix != QLatin1String("npy") && suffix != QLatin1String("csv")) {
    if (error) *error = tr("unknown export format '.%1' (use png, svg or csv)").arg(suffix);
    return false;
  }
  if (m_settings.method != TopoptMethod::Both) {
    const bool neural = m_settings.method == TopoptMethod::Neural;
    if (!exportFigureOrMatrix(path, QSize(1400, 900), neural ? neuralDensity() : classicDensity(), error, noDesign)) return false;
    m_exportSummary = tr("Exported the %1 design (%2 × %3) to %4").arg(neural ? tr("neural") : tr("classic")).arg(m_problem.nely).arg(m_problem.nelx).arg(path);
    return true;
  }
  // Both: two files, the classic design at PATH and the neural one beside it.
  const Eigen::MatrixXd classic = classicDensity(), neural = neuralDensity();
  if (classic.size() == 0 && neural.size() == 0) {
    if (error) *error = noDesign;
    return false;
  }
  QStringList written;
  if (classic.size() > 0) {
    if (!exportFigureOrMatrix(path, QSize(1400, 900), classic, error, noDesign)) return false;
    written << tr("the classic design to %1").arg(name);
  }
  if (neural.size() > 0) {
    const QString second = classic.size() > 0 ? neuralCsvPath(path) : path;
    if (!exportFigureOrMatrix(second, QSize(1400, 900), neural, error, noDesign)) return false;
    written << tr("the neural design to %1").arg(QFileInfo(second).fileName());
  }
  m_exportSummary = tr("Exported %1 (%2 rows × %3 columns each)").arg(written.join(tr(" and "))).arg(m_problem.nely).arg(m_problem.nelx);
  if (written.size() == 1) m_exportSummary += classic.size() > 0 ? tr("; the neural run has no design yet") : tr("; the classic run has no design yet");
  emit statusMessage(m_exportSummary);
  return true;
}

void TopoptPanel::paintFigure(QPainter& p, const QRectF& rect) const
{
  const double em = std::max(10.0, rect.height() / 50.0);
  p.save();
  p.fillRect(rect, Qt::white);
  const double designW = rect.width() * 0.62;
  std::vector<TopoptDesignData> designs;
  if (usesClassic(m_settings.method)) designs.push_back(designData(false, true));
  if (usesNeural(m_settings.method)) designs.push_back(designData(true, true));
  const double h = rect.height() / double(designs.size());
  for (size_t i = 0; i < designs.size(); ++i)
    paintTopoptDesign(p, QRectF(rect.left(), rect.top() + h * double(i), designW, h), designs[i], em);
  std::vector<TopoptCurve> curves;
  if (usesClassic(m_settings.method)) curves.push_back({tr("classic"), m_classic->lastFrame().history, topoptClassicColor()});
  if (usesNeural(m_settings.method)) curves.push_back({tr("neural"), m_neural->lastFrame().history, topoptNeuralColor()});
  const QRectF right(rect.left() + designW, rect.top(), rect.width() - designW, rect.height());
  paintTopoptCompliance(p, QRectF(right.left(), right.top(), right.width(), right.height() / 2), curves, em);
  paintTopoptVolume(p, QRectF(right.left(), right.center().y(), right.width(), right.height() / 2), curves, m_settings.volfrac, em);
  p.restore();
}

} // namespace ntk::gui
