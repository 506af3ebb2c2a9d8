#include "widgets/topopt/TopoptModel.h"

#include <algorithm>
#include <cmath>
#include <variant>

#include <QCoreApplication>

#include "core/util/Errors.h"

namespace ntk::gui {

namespace {

QString tr(const char* text) { return QCoreApplication::translate("TopoptModel", text); }

int scaled(int i, int from, int to) { return from <= 0 ? 0 : int(std::lround(double(i) * to / from)); }

} // namespace

TopoptProblem defaultTopoptProblem() { return mbbProblem(kTopoptDefaultNelx, kTopoptDefaultNely); }

Network defaultTopoptNetwork() { return topoptNetwork(TopoptNetworkOptions{}, kTopoptDefaultNelx, kTopoptDefaultNely); }

SimpOptions simpOptions(const TopoptSettings& s)
{
  SimpOptions o;
  o.volfrac = s.volfrac;
  o.material.penal = s.penal;
  o.filter = s.filter == TopoptFilterChoice::Sensitivity ? SimpFilter::Sensitivity : SimpFilter::Density;
  o.heaviside = s.filter == TopoptFilterChoice::DensityHeaviside;
  o.rmin = s.rmin;
  o.maxIterations = s.maxIterations;
  return o;
}

NeuralTopoptOptions neuralOptions(const TopoptSettings& s)
{
  NeuralTopoptOptions o;
  o.volfrac = s.volfrac;
  o.material.penal = s.penal;
  o.optimizer = s.optimizer;
  o.learningRate = s.learningRate;
  return o;
}

bool usesClassic(TopoptMethod m) { return m != TopoptMethod::Neural; }
bool usesNeural(TopoptMethod m) { return m != TopoptMethod::Classic; }

TopoptNetworkOptions topoptOptionsFromNetwork(const Network& net, int nelx, int nely)
{
  TopoptNetworkOptions o;
  const double S = 2.0 * std::max({nelx, nely, 1});
  switch (net.encoding.kind) {
  case EncodingKind::None: o.embedding = TopoptEmbedding::None; break;
  case EncodingKind::Basic: o.embedding = TopoptEmbedding::Torus; break;
  default:
    o.embedding = TopoptEmbedding::Fourier;
    if (net.encoding.kind == EncodingKind::Gaussian && net.encoding.sigma > 0.0) o.ell = S / (2.0 * M_PI * net.encoding.sigma);
    o.features = net.encoding.features;
    o.featureSeed = net.encoding.seed;
    break;
  }
  int dense = 0;
  bool firstDense = true, firstActivation = true;
  for (const Layer& layer : net.layers) {
    if (const auto* d = std::get_if<DenseLayer>(&layer)) {
      ++dense;
      if (firstDense) {
        o.width = d->width;
        o.beta = d->bStd.value_or(0.0);
        firstDense = false;
      }
    } else if (const auto* a = std::get_if<ActivationLayer>(&layer); a && firstActivation) {
      firstActivation = false;
      if (a->activation.kind() == ActivationKind::Sin) {
        o.activation = ActivationKind::Sin;
        o.omega = a->activation.parameter();
      } else {
        o.activation = ActivationKind::Relu;
      }
    }
  }
  o.depth = std::max(1, dense - 1);
  return o;
}

Eigen::MatrixXd densityMatrix(const Eigen::VectorXd& y, int nelx, int nely)
{
  if (y.size() != Eigen::Index(nelx) * nely || nelx <= 0 || nely <= 0) return {};
  return Eigen::Map<const Eigen::MatrixXd>(y.data(), nely, nelx); // element e = ex·nely + ey: column-major
}

TopoptProblem resizedProblem(const TopoptProblem& problem, int nelx, int nely)
{
  for (const std::string& preset : presetProblemNames())
    if (problem.name == preset) return presetProblem(preset, nelx, nely);
  TopoptProblem out;
  out.name = problem.name;
  out.nelx = nelx;
  out.nely = nely;
  auto node = [&](int ix, int iy) {
    return std::pair{std::clamp(scaled(ix, problem.nelx, nelx), 0, nelx), std::clamp(scaled(iy, problem.nely, nely), 0, nely)};
  };
  for (PointLoad l : problem.loads) {
    std::tie(l.ix, l.iy) = node(l.ix, l.iy);
    out.loads.push_back(l);
  }
  for (NodeSupport s : problem.supports) {
    std::tie(s.ix, s.iy) = node(s.ix, s.iy);
    const bool duplicate = std::any_of(out.supports.begin(), out.supports.end(), [&](const NodeSupport& o) { return o == s; });
    if (!duplicate) out.supports.push_back(s);
  }
  if (!problem.passive.empty()) {
    out.passive.assign(size_t(nelx) * size_t(nely), PassiveKind::None);
    for (int ex = 0; ex < nelx; ++ex)
      for (int ey = 0; ey < nely; ++ey) {
        const int sx = std::clamp(int((ex + 0.5) * problem.nelx / nelx), 0, problem.nelx - 1);
        const int sy = std::clamp(int((ey + 0.5) * problem.nely / nely), 0, problem.nely - 1);
        out.passive[size_t(out.elementIndex(ex, ey))] = problem.passiveAt(problem.elementIndex(sx, sy));
      }
  }
  return out;
}

QString neuralNetworkRefusal(const Network& net, const QString& name)
{
  if (net.inputDim != 2)
    return tr("the neural method needs input_dim 2 (the element centre x, y); ‘%1’ has input_dim %2").arg(name).arg(net.inputDim);
  if (net.outputDim() != 1)
    return tr("the neural method needs one output (the density); ‘%1’ has %2 — set the last Dense width to 1")
        .arg(name)
        .arg(net.outputDim());
  try {
    net.validate();
  } catch (const NtkError& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

QString problemRefusal(const TopoptProblem& problem)
{
  try {
    problem.validate();
  } catch (const NtkError& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

QString presetLabel(const QString& name)
{
  if (name == QLatin1String("mbb")) return tr("MBB beam");
  if (name == QLatin1String("cantilever")) return tr("cantilever");
  if (name == QLatin1String("michell")) return tr("Michell");
  if (name == QLatin1String("bridge")) return tr("bridge");
  return tr("custom");
}

} // namespace ntk::gui
