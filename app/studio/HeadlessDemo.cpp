#include "HeadlessDemo.h"

#include <chrono>
#include <cmath>
#include <cstdio>

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPainter>
#include <QTextStream>

#include "FigurePainter.h"
#include "core/kernels/NtkGram.h"
#include "core/nets/FiniteNetwork.h"
#include "core/network/NetworkJson.h"
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
