#include "HeadlessDemo.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>
#include <tuple>
#include <variant>

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPainter>
#include <QTextStream>

#include "widgets/dynamics/DynamicsModel.h"
#include "widgets/finite/FiniteDynamicsFigure.h"
#include "widgets/finite/RegimesModel.h"
#include "widgets/finite/WidthModel.h"
#include "widgets/common/FigurePainter.h"
#include "widgets/image/ImageModel.h"
#include "widgets/image/ImageTile.h"
#include "widgets/image/SweepFigure.h"
#include "widgets/topopt/TopoptFigure.h"
#include "widgets/topopt/TopoptModel.h"
#include "core/image/ImageDataset.h"
#include "core/image/ImageKernelRegression.h"
#include "core/kernels/NtkGram.h"
#include "core/nets/FiniteNetwork.h"
#include "core/network/NetworkJson.h"
#include "core/spectra/GridSpectrum.h"
#include "core/spectra/PowerLawFit.h"
#include "core/spectra/SphereSpectrum.h"
#include "core/image/ImageEncodingSweep.h"
#include "core/topopt/NeuralTopopt.h"
#include "core/topopt/NtkFilter.h"
#include "core/topopt/SimpSolver.h"
#include "core/topopt/TopoptNetwork.h"
#include "core/util/Errors.h"

namespace ntk::app {

namespace {

using gui::PlotSeries;

Network reluNet(int inputDim, EncodingKind enc, int depth, double sigma = 10.0)
{
  Network n;
  n.inputDim = inputDim;
  n.encoding.kind = enc;
  n.encoding.sigma = sigma;
  n.encoding.features = 128;
  n.encoding.seed = 1;
  for (int i = 0; i < depth - 1; ++i) {
    n.layers.push_back(DenseLayer{512, std::sqrt(2.0), 0.1});
    n.layers.push_back(ActivationLayer{Activation(ActivationKind::Relu)});
  }
  n.layers.push_back(DenseLayer{1, 1.0, 0.0});
  return n;
}

double seconds(std::chrono::steady_clock::time_point t0)
{
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// λ_k against k = 1…K as markers joined by a line; exact zeros go to the strip under the axis.
PlotSeries spectrumSeries(const Eigen::VectorXd& lambda, const QString& name, int colour, gui::MarkerShape marker)
{
  PlotSeries s;
  s.name = name;
  s.x = Eigen::VectorXd::LinSpaced(lambda.size() - 1, 1.0, double(lambda.size() - 1));
  s.y = lambda.tail(lambda.size() - 1);
  s.color = gui::seriesColor(colour);
  s.style = gui::SeriesStyle::LineAndMarkers;
  s.marker = marker;
  s.exactZeros = true;
  return s;
}

/// The fitted C k^{−p} over [kmin, kmax], dashed.
PlotSeries fitLine(const PowerLaw& law, int kmin, int kmax, const QString& name, QColor colour = QColor(30, 30, 30))
{
  PlotSeries s;
  s.name = name;
  s.x = Eigen::VectorXd::LinSpaced(32, std::log(double(kmin)), std::log(double(kmax))).array().exp();
  s.y = s.x.unaryExpr([&](double k) { return law.at(k); });
  s.color = colour.darker(150);
  s.dashed = true;
  s.style = gui::SeriesStyle::Line;
  return s;
}

QString exponentText(const PowerLaw& law)
{
  return QStringLiteral("p = %1 ± %2").arg(law.exponent, 0, 'f', 3).arg(law.stderror, 0, 'g', 2);
}

/// One topology-optimisation run of the demo: its design, history and the time it took.
struct TopoptDemoRun {
  QString name;
  Eigen::VectorXd density;
  std::vector<TopoptIterate> history;
  bool converged = false;
  double seconds = 0.0;
  double radius = 0.0; ///< neural: the NTK filter's effective radius at the domain's centre
};

/// 10. Classic SIMP vs the neural method (raw coordinates vs Fourier features) on the MBB beam, and the
/// NTK filters the two networks imply (Dupuis & Jacot 2021; survey §6.2). Appends to `md`, `report`
/// and `figures`.
void topoptDemo(const QDir& dir, QStringList& md, QJsonObject& report, QStringList& figures)
{
  const int nelx = 60, nely = 20;
  const TopoptProblem problem = mbbProblem(nelx, nely);
  SimpOptions simp;
  simp.rmin = 1.5;
  simp.filter = SimpFilter::Density;
  std::vector<TopoptDemoRun> runs;
  {
    auto t0 = std::chrono::steady_clock::now();
    SimpSolver solver(problem, simp);
    solver.run();
    runs.push_back({QStringLiteral("Classic SIMP (top88, density filter, rmin = 1.5)"), solver.physicalDensity(), solver.history(),
                    solver.converged(), seconds(t0)});
  }
  std::vector<std::pair<QString, Network>> nets;
  for (const auto& [embedding, label] : {std::pair{TopoptEmbedding::None, QStringLiteral("raw coordinates")},
                                         std::pair{TopoptEmbedding::Fourier, QStringLiteral("Fourier features, ℓ = 2")}}) {
    TopoptNetworkOptions o;
    o.embedding = embedding;
    nets.emplace_back(label, topoptNetwork(o, nelx, nely));
  }
  for (const auto& [label, net] : nets) {
    auto t0 = std::chrono::steady_clock::now();
    NeuralTopoptSolver solver(problem, net, NeuralTopoptOptions{});
    solver.run();
    TopoptDemoRun r{QStringLiteral("Neural, ") + label, solver.physicalDensity(), solver.history(), solver.converged(), seconds(t0)};
    r.radius = ntkFilterAt(net, nelx, nely, nelx / 2, nely / 2).radius;
    runs.push_back(std::move(r));
  }
  gui::saveFigure(dir.filePath(QStringLiteral("topopt_mbb_designs.png")), QSize(1000, 1050), [&](QPainter& p, const QRectF& r) {
    p.fillRect(r, Qt::white);
    const double h = r.height() / double(runs.size()), em = r.height() / 55.0;
    for (size_t i = 0; i < runs.size(); ++i) {
      gui::TopoptDesignData d;
      d.title = runs[i].name;
      d.problem = problem;
      d.image = gui::densityMatrix(runs[i].density, nelx, nely);
      d.caption = QStringLiteral("c = %1 after %2 iterations%3")
                      .arg(runs[i].history.back().compliance, 0, 'f', 2)
                      .arg(runs[i].history.size())
                      .arg(runs[i].radius > 0 ? QStringLiteral(" · NTK filter radius %1 at the centre").arg(runs[i].radius, 0, 'f', 2)
                                              : QString());
      gui::paintTopoptDesign(p, QRectF(r.left(), r.top() + h * double(i), r.width(), h), d, em);
    }
  });
  figures << QStringLiteral("topopt_mbb_designs.png");
  // The filters: at the centre and near the top-left corner. Without an embedding the row changes
  // across the domain; with Fourier features it is the same bump everywhere.
  struct Probe {
    int ex, ey;
  };
  const Probe probes[] = {{nelx / 2, nely / 2}, {4, 3}};
  QJsonObject filters;
  gui::saveFigure(dir.filePath(QStringLiteral("topopt_ntk_filters.png")), QSize(1400, 620), [&](QPainter& p, const QRectF& r) {
    p.fillRect(r, Qt::white);
    const double w = r.width() / 2.0, h = r.height() / 2.0, em = r.height() / 34.0;
    for (size_t n = 0; n < nets.size(); ++n)
      for (int k = 0; k < 2; ++k) {
        const NtkFilterRow row = ntkFilterAt(nets[n].second, nelx, nely, probes[k].ex, probes[k].ey);
        gui::TopoptDesignData d;
        d.title = QStringLiteral("NTK filter, %1, at element (%2, %3)").arg(nets[n].first).arg(probes[k].ex).arg(probes[k].ey);
        d.problem = problem;
        d.showProblem = false;
        d.image = Eigen::MatrixXd::Zero(nely, nelx);
        d.filter.weights = row.weights;
        d.filter.ex = probes[k].ex;
        d.filter.ey = probes[k].ey;
        d.filter.radius = row.radius;
        d.filter.rmin = simp.rmin;
        d.caption = QStringLiteral("effective radius %1 elements (solid) vs SIMP's rmin %2 (dashed)").arg(row.radius, 0, 'f', 2).arg(simp.rmin);
        gui::paintTopoptDesign(p, QRectF(r.left() + w * k, r.top() + h * double(n), w, h), d, em);
        filters[QStringLiteral("%1_%2_%3").arg(n == 0 ? QStringLiteral("none") : QStringLiteral("fourier")).arg(probes[k].ex).arg(probes[k].ey)] =
            row.radius;
      }
  });
  figures << QStringLiteral("topopt_ntk_filters.png");
  md << QString() << QStringLiteral("## Topology optimisation: classic SIMP vs the neural method (MBB beam 60 × 20, V = 0.5, p = 3)")
     << QString() << QStringLiteral("| method | compliance c | iterations | converged | NTK filter radius (centre) | seconds |")
     << QStringLiteral("|---|---:|---:|---|---:|---:|");
  QJsonArray rows;
  for (const TopoptDemoRun& r : runs) {
    md << QStringLiteral("| %1 | %2 | %3 | %4 | %5 | %6 |")
              .arg(r.name)
              .arg(r.history.back().compliance, 0, 'f', 2)
              .arg(r.history.size())
              .arg(r.converged ? QStringLiteral("yes") : QStringLiteral("no (cap)"))
              .arg(r.radius > 0 ? QString::number(r.radius, 'f', 2) : QStringLiteral("rmin = %1").arg(simp.rmin))
              .arg(r.seconds, 0, 'f', 2);
    rows.append(QJsonObject{{QStringLiteral("method"), r.name},
                            {QStringLiteral("compliance"), r.history.back().compliance},
                            {QStringLiteral("iterations"), int(r.history.size())},
                            {QStringLiteral("converged"), r.converged},
                            {QStringLiteral("ntk_filter_radius"), r.radius},
                            {QStringLiteral("seconds"), r.seconds}});
  }
  md << QString()
     << QStringLiteral("- NTK filter radius (half-width at half maximum) at the centre / near the top-left corner (4, 3): "
                       "raw coordinates %1 / %2, Fourier %3 / %4 elements — raw coordinates give a filter that changes "
                       "across the domain, the Fourier embedding the same one everywhere (`topopt_mbb_designs.png`, "
                       "`topopt_ntk_filters.png`).")
            .arg(filters[QStringLiteral("none_30_10")].toDouble(), 0, 'f', 2)
            .arg(filters[QStringLiteral("none_4_3")].toDouble(), 0, 'f', 2)
            .arg(filters[QStringLiteral("fourier_30_10")].toDouble(), 0, 'f', 2)
            .arg(filters[QStringLiteral("fourier_4_3")].toDouble(), 0, 'f', 2);
  report[QStringLiteral("topopt_mbb_60x20")] = rows;
  report[QStringLiteral("topopt_ntk_filter_radius")] = filters;
}

/// Real networks of widths 16 and 1024 (4 seeds, and their linearisations) trained beside the kernel.
void writeFiniteDynamicsFigure(const QDir& dir, QStringList& figures, QStringList& md, QJsonObject& report)
{
  const auto t0 = std::chrono::steady_clock::now();
  gui::DynamicsFigure fig;
  QString err;
  gui::DynamicsFigureOptions o;
  o.time = 30.0;
  if (!gui::computeDynamicsFigure(Network::defaultNetwork(1), o, &fig, &err) ||
      !gui::addFiniteNetworks(fig, Network::defaultNetwork(1), {16, 1024}, 4, true, o.time, &err))
    throw NtkError("finite dynamics figure: " + err.toStdString());
  const double secs = seconds(t0);
  gui::saveFigure(dir.filePath(QStringLiteral("finite_dynamics.png")), QSize(1800, 720),
                  [&](QPainter& p, const QRectF& r) { gui::paintDynamicsFigure(p, r, fig); });
  figures << QStringLiteral("finite_dynamics.png");
  md << QString() << QStringLiteral("## Finite networks against their limit") << QString()
     << QStringLiteral("- Real networks of widths 16 and 1024 (4 seeds each, and their linearisations, dashed) trained by "
                       "GD beside the NTK-GP posterior at t = 30 (`finite_dynamics.png`, %1 s).")
            .arg(secs, 0, 'f', 2);
  report[QStringLiteral("finite_dynamics_seconds")] = secs;
}

void writeRegimesFigure(const QDir& dir, QStringList& figures, QStringList& md, QJsonObject& report)
{
  const auto t0 = std::chrono::steady_clock::now();
  gui::RegimesSettings s;
  s.recordEvery = 5;
  const gui::RegimesResult r = gui::computeRegimes(Network::defaultNetwork(1), s, gui::JobFlags{});
  const double secs = seconds(t0);
  gui::saveFigure(dir.filePath(QStringLiteral("finite_regimes.png")), QSize(1600, 1000),
                  [&](QPainter& p, const QRectF& rect) { gui::paintRegimesFigure(p, rect, r, std::max(10.0, rect.height() / 40.0)); });
  figures << QStringLiteral("finite_regimes.png");
  md << QStringLiteral("- Lazy vs rich: kernel distance and weight change of widths 16 … 1024, NTK vs standard "
                       "parameterisation, η = ½·2/λ_max (`finite_regimes.png`, %1 s).")
            .arg(secs, 0, 'f', 2);
  report[QStringLiteral("finite_regimes_seconds")] = secs;
}

void writeWidthFigure(const QDir& dir, QStringList& figures, QStringList& md, QJsonObject& report)
{
  const auto t0 = std::chrono::steady_clock::now();
  const gui::WidthViewSettings s;
  const Network net = Network::defaultNetwork(2);
  const WidthSweepResult r = gui::computeWidthView(net, s, gui::JobFlags{});
  const double secs = seconds(t0);
  gui::saveFigure(dir.filePath(QStringLiteral("finite_width.png")), QSize(1800, 820), [&](QPainter& p, const QRectF& rect) {
    gui::paintWidthFigure(p, rect, r, s, net.inputDim, std::max(10.0, rect.height() / 40.0));
  });
  figures << QStringLiteral("finite_width.png");
  md << QStringLiteral("- Empirical NTK against the analytic one, widths 2⁴ … 2¹², 8 seeds, 64 points on the circle: "
                       "fitted slope %1 (theory −0.5) (`finite_width.png`, %2 s).")
            .arg(r.slope, 0, 'f', 3)
            .arg(secs, 0, 'f', 2);
  report[QStringLiteral("finite_width_slope")] = r.slope;
  report[QStringLiteral("finite_width_seconds")] = secs;
}

void writeFiniteNetworkFigures(const QDir& dir, QStringList& figures, QStringList& md, QJsonObject& report)
{
  writeFiniteDynamicsFigure(dir, figures, md, report);
  writeRegimesFigure(dir, figures, md, report);
  writeWidthFigure(dir, figures, md, report);
}

} // namespace

int runHeadlessDemo(const QString& outDir)
{
  QDir dir(outDir);
  if (!dir.mkpath(QStringLiteral("."))) {
    std::fprintf(stderr, "ntk-studio: cannot create output folder %s\n", qPrintable(outDir));
    return 2;
  }
  QJsonObject report;
  QStringList md;
  md << QStringLiteral("# NTK Studio — headless demo report") << QString();
  QStringList figures;
  try {
    // 1. The default network's NTK and NNGP on a grid of v ∈ [0,1) with the basic encoding.
    const int m = 256;
    const Eigen::VectorXd t = Eigen::VectorXd::LinSpaced(m, 0.0, double(m - 1) / m);
    const Network net = Network::defaultNetwork(1);
    auto t0 = std::chrono::steady_clock::now();
    const GramResult g = computeGram(net, t, nullptr);
    const double gramSeconds = seconds(t0);
    for (const auto& [name, K] : {std::pair<QString, const Eigen::MatrixXd*>{QStringLiteral("ntk"), &g.ntk},
                                  std::pair<QString, const Eigen::MatrixXd*>{QStringLiteral("nngp"), &g.nngp}}) {
      const QString file = QStringLiteral("kernel_%1_heatmap.png").arg(name);
      const QString title = name == QLatin1String("ntk") ? QStringLiteral("NTK Θ(t, t′), basic encoding, 3 ReLU layers")
                                                         : QStringLiteral("NNGP K(t, t′), basic encoding, 3 ReLU layers");
      gui::saveFigure(dir.filePath(file), QSize(900, 820), [&, K = K](QPainter& p, const QRectF& r) {
        gui::paintHeatmapFigure(p, r, *K, 0.0, 1.0, title, QStringLiteral("t"));
      });
      figures << file;
    }
    md << QStringLiteral("Network: `%1`").arg(QString::fromStdString(net.summary()))
       << QStringLiteral("- %1×%1 NNGP + NTK Gram in %2 ms (figures `kernel_ntk_heatmap.png`, `kernel_nngp_heatmap.png`).")
              .arg(m)
              .arg(gramSeconds * 1000, 0, 'f', 1);
    report[QStringLiteral("gram_seconds_256")] = gramSeconds;

    // 2. Depth: kernel rows at t0 = 0.5, normalised to 1 at t = t0.
    std::vector<PlotSeries> depthSeries;
    for (int depth : {2, 3, 5, 8}) {
      const Eigen::MatrixXd K = kernelMatrix(reluNet(1, EncodingKind::Basic, depth), t, nullptr, KernelKind::Ntk);
      const Eigen::VectorXd row = K.row(m / 2).transpose() / K(m / 2, m / 2);
      depthSeries.push_back({QStringLiteral("L = %1").arg(depth), row, {}, false});
    }
    gui::saveFigure(dir.filePath(QStringLiteral("ntk_rows_by_depth.png")), QSize(1000, 640), [&](QPainter& p, const QRectF& r) {
      gui::paintLinePlotFigure(p, r, t, depthSeries, QStringLiteral("t"), QStringLiteral("Θ(0.5, t) / Θ(0.5, 0.5)"),
                               QStringLiteral("NTK row by depth (ReLU, basic encoding)"));
    });
    figures << QStringLiteral("ntk_rows_by_depth.png");

    // 3. Fourier features: the Gaussian encoding's σ sets the kernel's width (Tancik et al. 2020).
    std::vector<PlotSeries> encSeries;
    for (double sigma : {1.0, 3.0, 10.0}) {
      const Eigen::MatrixXd K = kernelMatrix(reluNet(1, EncodingKind::Gaussian, 3, sigma), t, nullptr, KernelKind::Ntk);
      encSeries.push_back({QStringLiteral("gaussian σ = %1").arg(sigma), K.row(m / 2).transpose() / K(m / 2, m / 2), {}, false});
    }
    {
      const Eigen::MatrixXd K = kernelMatrix(reluNet(1, EncodingKind::Basic, 3), t, nullptr, KernelKind::Ntk);
      encSeries.push_back({QStringLiteral("basic"), K.row(m / 2).transpose() / K(m / 2, m / 2), {}, true});
    }
    gui::saveFigure(dir.filePath(QStringLiteral("ntk_rows_by_encoding.png")), QSize(1000, 640), [&](QPainter& p, const QRectF& r) {
      gui::paintLinePlotFigure(p, r, t, encSeries, QStringLiteral("t"), QStringLiteral("Θ(0.5, t) / Θ(0.5, 0.5)"),
                               QStringLiteral("Fourier features: σ sets the NTK's bandwidth"));
    });
    figures << QStringLiteral("ntk_rows_by_encoding.png");

    // 4. Finite networks approach the infinite-width NTK: relative Frobenius error vs width.
    Eigen::MatrixXd X(24, 3);
    for (int i = 0; i < X.rows(); ++i) {
      const double a = 2 * M_PI * i / X.rows();
      X.row(i) << std::cos(a), std::sin(a), 0.3 * std::cos(3 * a);
    }
    Network mc = reluNet(3, EncodingKind::None, 3);
    const Eigen::MatrixXd exact = kernelMatrix(mc, X, nullptr, KernelKind::Ntk);
    Eigen::VectorXd widths(7), errors(7), predicted(7);
    QJsonArray mcRows;
    md << QString() << QStringLiteral("## Finite width → infinite width (ReLU, L = 3, W_std = √2, b_std = 0.1, mean of 4 single networks)")
       << QString() << QStringLiteral("| width | relative Frobenius error | 3/√width |") << QStringLiteral("|---:|---:|---:|");
    int k = 0;
    for (int w : {32, 64, 128, 256, 512, 1024, 2048}) {
      // Mean error of single networks (not of their average): the law is ≈ 3/√width (CONVENTIONS §1).
      double err = 0.0;
      for (int s = 0; s < 4; ++s) {
        const Eigen::MatrixXd emp = monteCarloKernel(mc, X, nullptr, true, w, 1, 7 + std::uint64_t(s));
        err += 0.25 * (emp - exact).norm() / exact.norm();
      }
      widths(k) = w;
      errors(k) = err;
      predicted(k) = 3.0 / std::sqrt(double(w));
      md << QStringLiteral("| %1 | %2 | %3 |").arg(w).arg(err, 0, 'f', 4).arg(3.0 / std::sqrt(double(w)), 0, 'f', 4);
      mcRows.append(QJsonObject{{QStringLiteral("width"), w}, {QStringLiteral("relative_error"), err}});
      ++k;
    }
    report[QStringLiteral("monte_carlo")] = mcRows;
    const Eigen::VectorXd logW = widths.array().log10();
    gui::saveFigure(dir.filePath(QStringLiteral("finite_width_error.png")), QSize(1000, 640), [&](QPainter& p, const QRectF& r) {
      gui::paintLinePlotFigure(p, r, logW, {{QStringLiteral("‖Θ̂ − Θ‖/‖Θ‖, one network (mean of 4)"), errors, {}, false},
                                            {QStringLiteral("3/√width"), predicted, {}, true}},
                               QStringLiteral("log10 width"), QStringLiteral("relative error"),
                               QStringLiteral("Empirical NTK → analytic NTK as width grows"), true);
    });
    figures << QStringLiteral("finite_width_error.png");

    // 5. Mercer spectrum on S² (Funk–Hecke, exact): NTK ~ k^{−d}, NNGP ~ k^{−(d+2)} with d = 3.
    md << QString() << QStringLiteral("## Mercer spectra (Funk–Hecke on the sphere, exact)") << QString();
    {
      const int kmax = 256, fitMin = 64;
      const Network s2 = reluNet(3, EncodingKind::None, 3);
      std::vector<PlotSeries> series;
      QJsonObject fits;
      int colour = 0;
      for (const auto& [kind, label, law] : {std::tuple{KernelKind::Ntk, QStringLiteral("NTK"), 3},
                                             std::tuple{KernelKind::Nngp, QStringLiteral("NNGP"), 5}}) {
        t0 = std::chrono::steady_clock::now();
        const SphereSpectrum sp = funkHeckeSpectrum(s2, kind, kmax);
        const double secs = seconds(t0);
        const SpectrumFit fit = fitSpectrum(sp.lambda, fitMin, kmax);
        series.push_back(spectrumSeries(sp.lambda, label, colour, gui::MarkerShape::Circle));
        series.push_back(fitLine(fit.all, fitMin, kmax, QStringLiteral("%1 fit k ∈ [%2, %3]: %4 (theory %5)")
                                                           .arg(label).arg(fitMin).arg(kmax).arg(exponentText(fit.all)).arg(law),
                                 gui::seriesColor(colour)));
        ++colour;
        md << QStringLiteral("- ReLU (3 Dense, W_std √2, b_std 0.1) on S², %1: λ_k ≈ C k^−p with %2 over k ∈ [%3, %4] "
                             "(theory: %5); %6 degrees in %7 ms.")
                  .arg(label, exponentText(fit.all)).arg(fitMin).arg(kmax).arg(law).arg(kmax + 1).arg(secs * 1000, 0, 'f', 2);
        fits[label.toLower()] = QJsonObject{{QStringLiteral("exponent"), fit.all.exponent},
                                            {QStringLiteral("stderr"), fit.all.stderror},
                                            {QStringLiteral("seconds"), secs}};
      }
      report[QStringLiteral("sphere_spectrum_s2")] = fits;
      gui::PlotOptions o;
      o.logX = o.logY = true;
      o.xTitle = QStringLiteral("degree k");
      o.yTitle = QStringLiteral("eigenvalue λ_k (multiplicity 2k + 1)");
      o.title = QStringLiteral("Mercer spectrum on S²: the NTK decays as k⁻³, the NNGP as k⁻⁵");
      gui::saveFigure(dir.filePath(QStringLiteral("spectrum_sphere_s2.png")), QSize(1000, 680),
                      [&](QPainter& p, const QRectF& r) { gui::paintPlot(p, r, series, o); });
      figures << QStringLiteral("spectrum_sphere_s2.png");
    }

    // 6. Bias-free 2-layer ReLU on S¹: odd degrees k ≥ 3 vanish exactly; even ones decay as k⁻².
    {
      Network s1 = reluNet(2, EncodingKind::None, 2);
      for (Layer& layer : s1.layers)
        if (auto* dense = std::get_if<DenseLayer>(&layer)) *dense = DenseLayer{dense->width, 1.0, std::nullopt};
      const SphereSpectrum sp = funkHeckeSpectrum(s1, KernelKind::Ntk, 128);
      const SpectrumFit fit = fitSpectrum(sp.lambda, 8, 128);
      int zeros = 0;
      for (int k = 3; k <= 128; k += 2) zeros += sp.lambda(k) == 0.0;
      std::vector<PlotSeries> series{spectrumSeries(sp.lambda, QStringLiteral("NTK, bias-free 2-layer ReLU"), 0, gui::MarkerShape::Circle),
                                     fitLine(fit.even, 8, 128, QStringLiteral("even k ∈ [8, 128]: ") + exponentText(fit.even))};
      gui::PlotOptions o;
      o.logX = o.logY = true;
      o.xTitle = QStringLiteral("degree k");
      o.yTitle = QStringLiteral("eigenvalue λ_k");
      o.title = QStringLiteral("Bias-free 2-layer ReLU on the circle: λ_k = 0 for odd k ≥ 3");
      gui::saveFigure(dir.filePath(QStringLiteral("spectrum_relu2_circle.png")), QSize(1000, 680),
                      [&](QPainter& p, const QRectF& r) { gui::paintPlot(p, r, series, o); });
      figures << QStringLiteral("spectrum_relu2_circle.png");
      md << QStringLiteral("- Bias-free 2-layer ReLU NTK on S¹: λ₀ = %1 (3/(2π²) = %2), λ₁ = %3 (1/8); %4 of the 63 odd "
                           "degrees 3…127 are exactly 0; even degrees decay with %5.")
                .arg(sp.lambda(0), 0, 'g', 12).arg(3.0 / (2 * M_PI * M_PI), 0, 'g', 12).arg(sp.lambda(1), 0, 'g', 12)
                .arg(zeros).arg(exponentText(fit.even));
      report[QStringLiteral("relu2_circle_odd_zeros")] = zeros;
    }

    // 7. Fourier features flatten the spectrum: the periodic grid (FFT) with basic vs positional encodings.
    {
      std::vector<PlotSeries> series;
      int colour = 0;
      for (int levels : {1, 4, 6}) {
        Network net1 = reluNet(1, EncodingKind::Positional, 3);
        net1.encoding.levels = levels;
        net1.encoding.sigma = std::pow(2.0, levels); // f_j = 2^j: integer frequencies, so the grid is periodic
        const GridSpectrum g = periodicGridSpectrum(net1, KernelKind::Ntk, 512);
        const std::vector<SpectrumRow> rows = gridSpectrumRows(g);
        Eigen::VectorXd lambda(Eigen::Index(rows.size()));
        for (std::size_t i = 0; i < rows.size(); ++i) lambda(Eigen::Index(i)) = rows[i].lambda;
        const QString name = levels == 1 ? QStringLiteral("positional, 1 level (frequency 1 = basic)")
                                         : QStringLiteral("positional, %1 levels (frequencies 1, 2, …, %2)").arg(levels).arg(1 << (levels - 1));
        series.push_back(spectrumSeries(lambda, name, colour++, gui::MarkerShape::Circle));
      }
      gui::PlotOptions o;
      o.logX = o.logY = true;
      o.xTitle = QStringLiteral("frequency k");
      o.yTitle = QStringLiteral("NTK eigenvalue λ_k");
      o.title = QStringLiteral("Fourier features lift the high frequencies (periodic grid, 512 points, FFT)");
      gui::saveFigure(dir.filePath(QStringLiteral("spectrum_fourier_features.png")), QSize(1000, 680),
                      [&](QPainter& p, const QRectF& r) { gui::paintPlot(p, r, series, o); });
      figures << QStringLiteral("spectrum_fourier_features.png");
    }

    // 8. Spectral bias in training: gradient flow on a sum of sines, low frequencies first.
    {
      gui::DynamicsFigure fig;
      QString err;
      t0 = std::chrono::steady_clock::now();
      if (!gui::computeDynamicsFigure(Network::defaultNetwork(1), gui::DynamicsFigureOptions{}, &fig, &err))
        throw NtkError("dynamics figure: " + err.toStdString());
      const double secs = seconds(t0);
      gui::saveFigure(dir.filePath(QStringLiteral("dynamics_spectral_bias.png")), QSize(1800, 720),
                      [&](QPainter& p, const QRectF& r) { gui::paintDynamicsFigure(p, r, fig); });
      figures << QStringLiteral("dynamics_spectral_bias.png");
      md << QString() << QStringLiteral("## Training dynamics (kernel gradient flow, NTK-GP posterior)") << QString()
         << QStringLiteral("- Default network, 32 evenly spaced points of sin 2πx + ½ sin 6πx + ¼ sin 14πx + ⅛ sin 30πx, "
                           "shown at t = 10: the low-frequency modes are fitted, the high ones not yet "
                           "(`dynamics_spectral_bias.png`, computed in %1 ms).")
                .arg(secs * 1000, 0, 'f', 1);
      report[QStringLiteral("dynamics_seconds")] = secs;
    }

    // 8b. Finite networks against their limit (issue 12): trained networks over the NTK-GP posterior,
    //     lazy vs rich training, and the empirical kernel's error against the width.
    writeFiniteNetworkFigures(dir, figures, md, report);

    // 9. Image regression with Fourier features (Tancik et al. 2020): the exact infinite-width NTK of a
    //    whole photograph against bicubic, and gradient-flow time sharpening it from low to high frequencies.
    {
      const Image photo = gui::imageFromQImage(QImage(QStringLiteral(":/images/astronaut_256.png")));
      if (photo.empty()) throw NtkError("the bundled image :/images/astronaut_256.png is missing");
      const int stride = 2;
      const ImageDataset split = makeImageDataset(photo, stride);
      Network gaussian = reluNet(2, EncodingKind::Gaussian, 4, 10.0);
      gaussian.encoding.features = 256;
      Network basic = reluNet(2, EncodingKind::Basic, 4);
      // The gradient-flow time: the same Gaussian frequencies on the mirrored periodic domain (rounded to
      // multiples of 1/L of its period), an FFT solve with the flow in closed form.
      ImageRegressionOptions mirrored;
      mirrored.path = RegressionPath::Mirror;
      struct Tile {
        QString title, caption;
        QImage image;
      };
      std::vector<Tile> tiles{{QStringLiteral("Ground truth"), QStringLiteral("256 × 256, trained on every 2nd pixel"),
                               gui::qimageFromImage(photo)}};
      QJsonObject imageReport;
      for (const auto& [net, label, key] : {std::tuple{&basic, QStringLiteral("NTK, basic encoding"), QStringLiteral("basic")},
                                            std::tuple{&gaussian, QStringLiteral("NTK, Gaussian σ = 10"), QStringLiteral("gaussian")}}) {
        t0 = std::chrono::steady_clock::now();
        const ImageKernelRegression regression(*net, photo, stride);
        ImageRegressionReport rep;
        const Image prediction = regression.predict(&rep);
        const double secs = seconds(t0);
        tiles.push_back({label, QStringLiteral("held-out PSNR %1 dB (%2 path, %3 s)")
                                    .arg(rep.psnrHeldOut, 0, 'f', 2)
                                    .arg(QString::fromStdString(regressionPathName(rep.path)))
                                    .arg(secs, 0, 'f', 2),
                         gui::qimageFromImage(prediction)});
        imageReport[key] = QJsonObject{{QStringLiteral("psnr_heldout"), rep.psnrHeldOut}, {QStringLiteral("seconds"), secs}};
      }
      const Image bicubic = bicubicFromTrainingPixels(photo, stride);
      const double bicubicPsnr = psnr(bicubic, photo, &split.heldOutMask);
      tiles.push_back({QStringLiteral("Bicubic"), QStringLiteral("held-out PSNR %1 dB").arg(bicubicPsnr, 0, 'f', 2),
                       gui::qimageFromImage(bicubic)});
      imageReport[QStringLiteral("bicubic_psnr_heldout")] = bicubicPsnr;
      const ImageKernelRegression flow(gaussian, photo, stride, mirrored);
      ImageRegressionReport flowReport;
      flow.predict(&flowReport);
      for (double t : {1e2, 1e3, 1e4, kTimeInfinity}) {
        const Image at = flow.predictAt(t);
        const QString when = std::isinf(t) ? QStringLiteral("∞") : gui::decadeLabel(int(std::lround(std::log10(t))));
        tiles.push_back({QStringLiteral("Gradient flow, t = %1").arg(when),
                         QStringLiteral("held-out PSNR %1 dB").arg(psnr(at, photo, &split.heldOutMask), 0, 'f', 2),
                         gui::qimageFromImage(at)});
      }
      report[QStringLiteral("image_regression")] = imageReport;
      gui::saveFigure(dir.filePath(QStringLiteral("image_regression.png")), QSize(1600, 900), [&](QPainter& p, const QRectF& r) {
        p.fillRect(r, Qt::white);
        const double w = r.width() / 4.0, h = r.height() / 2.0, em = r.height() / 55.0;
        for (std::size_t i = 0; i < tiles.size(); ++i)
          gui::paintImageTile(p, QRectF(r.left() + w * double(i % 4), r.top() + h * double(i / 4), w, h).adjusted(6, 6, -6, -6),
                              tiles[i].image, tiles[i].title, tiles[i].caption, QString(), em);
      });
      figures << QStringLiteral("image_regression.png");
      md << QString() << QStringLiteral("## Image regression with Fourier features (exact infinite-width NTK)") << QString()
         << QStringLiteral("- Astronaut 256 × 256 (public domain, NASA), stride 2: NTK basic %1 dB, NTK Gaussian σ = 10 %2 dB, "
                           "bicubic %3 dB held-out PSNR (`image_regression.png`; bottom row: gradient flow with the Gaussian "
                           "frequencies on the mirrored periodic domain (rounded to 1/L of its period, max change %4), "
                           "sharpening from low to high frequencies).")
                .arg(imageReport[QStringLiteral("basic")].toObject()[QStringLiteral("psnr_heldout")].toDouble(), 0, 'f', 2)
                .arg(imageReport[QStringLiteral("gaussian")].toObject()[QStringLiteral("psnr_heldout")].toDouble(), 0, 'f', 2)
                .arg(bicubicPsnr, 0, 'f', 2)
                .arg(flowReport.maxFrequencyRounding, 0, 'g', 3);

      // Tancik et al.'s table as a figure: every encoding, positional and Gaussian at several σ, on the
      // photograph at 64 × 64 — 1024 training pixels at stride 2, so encoding none (the baseline) is
      // solved exactly, densely.
      const Image small = gui::imageFromQImage(QImage(QStringLiteral(":/images/astronaut_256.png"))
                                                   .scaled(64, 64, Qt::IgnoreAspectRatio, Qt::SmoothTransformation));
      t0 = std::chrono::steady_clock::now();
      EncodingSweepOptions sweepOptions;
      sweepOptions.sigmas = {1.0, 2.0, 4.0, 8.0}; // σ scales with the image: 64 px wide
      const EncodingSweepResult sweep = sweepImageEncodings(gaussian, small, stride, sweepOptions);
      const double sweepSeconds = seconds(t0);
      gui::saveFigure(dir.filePath(QStringLiteral("image_sweep.png")), QSize(1400, 560), [&](QPainter& p, const QRectF& r) {
        p.fillRect(r, Qt::white);
        gui::paintSweepCharts(p, r.adjusted(10, 10, -10, -10), sweep, false);
      });
      figures << QStringLiteral("image_sweep.png");
      QStringList rowsText;
      QJsonArray sweepRows;
      double bestGaussian = -INFINITY, bestSigma = NAN;
      for (const EncodingSweepRow& row : sweep.rows) {
        if (!row.computed) continue;
        if (row.encoding == EncodingKind::Gaussian && row.psnrHeldOut > bestGaussian)
          bestGaussian = row.psnrHeldOut, bestSigma = row.sigma;
        const QString name = gui::sweepEncodingName(row.encoding) +
                             (std::isfinite(row.sigma) ? QStringLiteral(" σ = %1").arg(row.sigma) : QString());
        rowsText << QStringLiteral("%1 %2 dB").arg(name).arg(row.psnrHeldOut, 0, 'f', 2);
        sweepRows.append(QJsonObject{{QStringLiteral("encoding"), QString::fromStdString(Encoding::kindName(row.encoding))},
                                     {QStringLiteral("sigma"), std::isfinite(row.sigma) ? QJsonValue(row.sigma) : QJsonValue()},
                                     {QStringLiteral("psnr_train"), row.psnrTrain},
                                     {QStringLiteral("psnr_heldout"), row.psnrHeldOut}});
      }
      report[QStringLiteral("image_sweep")] =
          QJsonObject{{QStringLiteral("rows"), sweepRows}, {QStringLiteral("bicubic_psnr_heldout"), sweep.bicubicPsnrHeldOut},
                      {QStringLiteral("seconds"), sweepSeconds}};
      md << QStringLiteral("- Encoding sweep (Tancik et al.'s table; `image_sweep.png`), the astronaut at 64 × 64, stride 2, "
                           "held-out PSNR: %1; bicubic %2 dB. Gaussian features peak at σ = %5 (%6 dB held-out) while their "
                           "train PSNR rises with σ (%3 fits in %4 s).")
                .arg(rowsText.join(QStringLiteral(", ")))
                .arg(sweep.bicubicPsnrHeldOut, 0, 'f', 2)
                .arg(rowsText.size())
                .arg(sweepSeconds, 0, 'f', 1)
                .arg(bestSigma)
                .arg(bestGaussian, 0, 'f', 2);
    }

    // 10. Topology optimisation, classic and neural, with the NTK filters.
    topoptDemo(dir, md, report, figures);
  } catch (const NtkError& e) {
    std::fprintf(stderr, "ntk-studio: demo failed: %s\n", e.what());
    return 2;
  }
  QJsonArray figs;
  for (const QString& f : figures) figs.append(f);
  report[QStringLiteral("figures")] = figs;
  md << QString() << QStringLiteral("Figures: ") + figures.join(QStringLiteral(", "));
  QFile mdFile(dir.filePath(QStringLiteral("report.md")));
  QFile jsonFile(dir.filePath(QStringLiteral("report.json")));
  if (!mdFile.open(QIODevice::WriteOnly | QIODevice::Text) || !jsonFile.open(QIODevice::WriteOnly)) {
    std::fprintf(stderr, "ntk-studio: cannot write the report in %s\n", qPrintable(outDir));
    return 2;
  }
  QTextStream(&mdFile) << md.join(QLatin1Char('\n')) << '\n';
  jsonFile.write(QJsonDocument(report).toJson());
  std::printf("NTK Studio headless demo: wrote %lld figures and report.md/report.json to %s\n",
              static_cast<long long>(figures.size()), qPrintable(QDir(outDir).absolutePath()));
  return 0;
}

} // namespace ntk::app
