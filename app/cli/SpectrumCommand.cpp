// SpectrumCommand.cpp — `ntk-cli spectrum` (CONVENTIONS §5) and `ntk-cli bench spectrum`.
// In: a network file, the kernel kind and a domain: the sphere S^{d−1} (Funk–Hecke, exact), the
// periodic grid of [0,1)^d (FFT of one kernel row) or a point file (Gram eigenvalues of K/m).
// Out: S.csv with rows `k,lambda,multiplicity`; with `--fit kmin:kmax` one JSON line per fitted
// power law λ_k ≈ C k^{−p} on stdout; with `--eigenfunction k` the eigenfunction(s) instead of the
// spectrum: one row per evaluation point, its coordinates then one column per basis function of the
// eigenspace (sphere: N(d,k) columns in SphericalHarmonics.h order; grid: the √2 cos, √2 sin pairs
// of table row k — |ν| = k in 1-D, the k-th group of equal eigenvalues in 2-D; points: the Nyström
// eigenfunction of the k-th largest eigenvalue). Options that do not apply to the chosen domain are
// refused, and every check runs before anything is written. With --header the CSV's first line names the
// columns: k,lambda,multiplicity, or x0,x1,…,phi0,phi1,… for eigenfunctions. Progress on stderr
// (CliProgress.h).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <tbb/global_control.h>

#include "app/cli/CliCommands.h"
#include "app/cli/CliProgress.h"
#include "app/cli/TableOutput.h"
#include "core/network/NetworkJson.h"
#include "core/spectra/GramSpectrum.h"
#include "core/spectra/GridSpectrum.h"
#include "core/spectra/PowerLawFit.h"
#include "core/spectra/SphereSpectrum.h"
#include "core/spectra/SphericalHarmonics.h"
#include "core/util/Errors.h"
#include "core/util/MatrixIO.h"
#include "core/util/MemoryEstimate.h"

namespace ntkcli {

namespace {

struct SpectrumOptions {
  std::string net, kind = "ntk", domain = "sphere", x, out, fit;
  int dim = 0, kmax = 128, grid = 0, top = 0, eigenfunction = -1;
  bool header = false;
};

ntk::KernelKind kernelKind(const std::string& kind) { return kind == "ntk" ? ntk::KernelKind::Ntk : ntk::KernelKind::Nngp; }

/// "kmin:kmax" → the two integers (1 ≤ kmin < kmax).
std::pair<int, int> parseFitRange(const std::string& text)
{
  const auto colon = text.find(':');
  int lo = 0, hi = 0;
  char tail = 0;
  if (colon == std::string::npos || std::sscanf(text.c_str(), "%d:%d%c", &lo, &hi, &tail) != 2)
    throw ntk::InputError("--fit must look like kmin:kmax, e.g. 8:128 (got '" + text + "')");
  if (lo < 1 || hi <= lo) throw ntk::InputError("--fit needs 1 <= kmin < kmax (got " + text + ")");
  return {lo, hi};
}

void writeRows(const SpectrumOptions& o, const std::vector<ntk::SpectrumRow>& rows)
{
  Eigen::MatrixXd table(Eigen::Index(rows.size()), 3);
  for (std::size_t i = 0; i < rows.size(); ++i)
    table.row(Eigen::Index(i)) << double(rows[i].k), rows[i].lambda, rows[i].multiplicity;
  writeTable(o.out, table, {"k", "lambda", "multiplicity"}, o.header);
}

/// The coordinates of each evaluation point, then the eigenfunctions' values there.
void writeEigenfunctions(const SpectrumOptions& o, const Eigen::MatrixXd& points, const Eigen::MatrixXd& values)
{
  Eigen::MatrixXd out(points.rows(), points.cols() + values.cols());
  out << points, values;
  std::vector<std::string> names = numberedColumns("x", long(points.cols()));
  for (const std::string& phi : numberedColumns("phi", long(values.cols()))) names.push_back(phi);
  writeTable(o.out, out, names, o.header);
}

void printFit(const char* which, const ntk::PowerLaw& f, int kmin, int kmax)
{
  if (!f.valid) {
    std::printf("{\"fit\": \"%s\", \"kmin\": %d, \"kmax\": %d, \"valid\": false, \"points\": %d, \"zeros\": %d}\n", which,
                kmin, kmax, f.points, f.zeros);
    return;
  }
  std::printf("{\"fit\": \"%s\", \"kmin\": %d, \"kmax\": %d, \"valid\": true, \"exponent\": %.10g, \"stderr\": %.4g, "
              "\"C\": %.10g, \"points\": %d, \"zeros\": %d}\n",
              which, kmin, kmax, f.exponent, f.stderror, std::exp(f.logC), f.points, f.zeros);
}

/// Refuses a --fit range that reaches past the table (`lastK`, set by `option`) before anything is
/// written: a fit silently cut to the table would report another range than the one asked for.
void requireFitWithin(const std::string& range, long lastK, const std::string& option)
{
  if (range.empty()) return;
  const auto [lo, hi] = parseFitRange(range);
  if (hi > lastK)
    throw ntk::InputError("--fit " + range + " reaches k = " + std::to_string(hi) + " but the table stops at k = " +
                          std::to_string(lastK) + " (raise " + option + ")");
  (void)lo;
}

/// Prints the fits: the single line, and the even/odd lines when they differ.
void printFits(const Eigen::VectorXd& lambdaByK, const std::string& range)
{
  const auto [lo, hi] = parseFitRange(range);
  const ntk::SpectrumFit fit = ntk::fitSpectrum(lambdaByK, lo, hi);
  printFit("all", fit.all, fit.kmin, fit.kmax);
  if (fit.parityDiffers) {
    printFit("even", fit.even, fit.kmin, fit.kmax);
    printFit("odd", fit.odd, fit.kmin, fit.kmax);
  }
}

int runSphere(const SpectrumOptions& o, ntk::Network net, Progress& progress)
{
  const int d = o.dim > 0 ? o.dim : net.inputDim;
  if (d != net.inputDim)
    throw ntk::InputError("--dim " + std::to_string(d) + " differs from the network's input_dim " +
                          std::to_string(net.inputDim) + " (the sphere is S^{input_dim-1})");
  if (o.eigenfunction >= 0) {
    // Zonal kernels share their eigenfunctions: the real spherical harmonics of degree k.
    if (d != 2 && d != 3) throw ntk::InputError("--eigenfunction on the sphere is available for d = 2 and 3 (got d = " + std::to_string(d) + ")");
    // The harmonics' recurrences cost O(k²) per point: beyond this degree a request runs for minutes.
    constexpr int kMaxHarmonicDegree = 4096;
    if (o.eigenfunction > kMaxHarmonicDegree)
      throw ntk::InputError("--eigenfunction on the sphere is limited to degree " + std::to_string(kMaxHarmonicDegree));
    const int n = o.grid > 0 ? o.grid : (d == 2 ? 256 : 64);
    const double points = d == 2 ? double(n) : 2.0 * double(n) * n;
    const double columns = ntk::sphereMultiplicity(d, o.eigenfunction);
    // The values, the points and the table with coordinates that is written.
    ntk::requireMemory(8.0 * points * (2.0 * columns + 2.0 * d),
                       "the " + std::to_string(long(columns)) + " eigenfunctions of degree " +
                           std::to_string(o.eigenfunction) + " at " + std::to_string(long(points)) + " points");
    const Eigen::MatrixXd X = d == 2 ? ntk::circleGrid(n) : ntk::sphereLatLongGrid(n, 2 * n);
    const int count = int(columns);
    Eigen::MatrixXd values(X.rows(), count);
    for (int j = 0; j < count; ++j) {
      progress.update(double(j) / count, "harmonic " + std::to_string(j + 1) + "/" + std::to_string(count));
      values.col(j) = ntk::realSphericalHarmonic(o.eigenfunction, j, X);
    }
    progress.setDetail("writing " + o.out);
    writeEigenfunctions(o, X, values);
    return 0;
  }
  progress.setDetail("Funk-Hecke, degrees 0.." + std::to_string(o.kmax));
  const ntk::SphereSpectrum s = ntk::funkHeckeSpectrum(net, kernelKind(o.kind), o.kmax, progress.job());
  if (!s.converged) // the table is still written: the status goes to stderr, with how far off it may be
    std::fprintf(stderr, "warning: the Funk-Hecke rule did not converge at %d nodes; lambda_k may be off by up to %.3g\n",
                 s.nodes, s.error.maxCoeff());
  std::vector<ntk::SpectrumRow> rows;
  for (int k = 0; k <= o.kmax; ++k) rows.push_back({k, s.lambda(k), s.multiplicity(k)});
  requireFitWithin(o.fit, o.kmax, "--kmax");
  writeRows(o, rows);
  if (!o.fit.empty()) printFits(s.lambda, o.fit);
  return 0;
}

int runGrid(const SpectrumOptions& o, const ntk::Network& net, Progress& progress)
{
  const int n = o.grid > 0 ? o.grid : (net.inputDim == 1 ? 1024 : 64);
  progress.setDetail("FFT of the " + std::to_string(n) + (net.inputDim == 1 ? "" : " x " + std::to_string(n)) + " grid");
  const ntk::GridSpectrum s = ntk::periodicGridSpectrum(net, kernelKind(o.kind), n, progress.job());
  const std::vector<ntk::SpectrumRow> rows = ntk::gridSpectrumRows(s);
  if (o.eigenfunction >= 0) {
    // k is the table's row: |ν| in 1-D, the k-th group of equal eigenvalues in 2-D; all of its basis.
    if (o.eigenfunction >= int(rows.size()))
      throw ntk::InputError("--eigenfunction must be < " + std::to_string(rows.size()) + ", the rows of the " +
                            std::to_string(s.dim) + "-D grid table" + (s.dim == 1 ? " (|nu| <= grid/2)" : ""));
    writeEigenfunctions(o, ntk::periodicGridPoints(s.dim, n), ntk::gridEigenspace(s, o.eigenfunction));
    return 0;
  }
  requireFitWithin(o.fit, long(rows.size()) - 1, "--grid");
  writeRows(o, rows);
  if (!o.fit.empty()) {
    Eigen::VectorXd byK(Eigen::Index(rows.size()));
    for (std::size_t i = 0; i < rows.size(); ++i) byK(Eigen::Index(i)) = rows[i].lambda;
    printFits(byK, o.fit);
  }
  return 0;
}

/// Evaluation points for Nyström eigenfunctions: an n-point interval (d = 1) or n×n box (d = 2)
/// spanning the data, or the data points themselves in higher dimension.
Eigen::MatrixXd nystromGrid(const Eigen::MatrixXd& X, int n)
{
  const Eigen::RowVectorXd lo = X.colwise().minCoeff(), hi = X.colwise().maxCoeff();
  if (X.cols() == 1) {
    Eigen::MatrixXd G(n, 1);
    for (int i = 0; i < n; ++i) G(i, 0) = lo(0) + (hi(0) - lo(0)) * i / std::max(1, n - 1);
    return G;
  }
  if (X.cols() == 2) {
    Eigen::MatrixXd G(Eigen::Index(n) * n, 2);
    for (int r = 0; r < n; ++r)
      for (int c = 0; c < n; ++c)
        G.row(Eigen::Index(r) * n + c) << lo(0) + (hi(0) - lo(0)) * c / std::max(1, n - 1),
            lo(1) + (hi(1) - lo(1)) * r / std::max(1, n - 1);
    return G;
  }
  return X;
}

int runPoints(const SpectrumOptions& o, const ntk::Network& net, Progress& progress)
{
  if (o.x.empty()) throw ntk::InputError("--domain points needs --x X.csv");
  const Eigen::MatrixXd X = ntk::readMatrix(o.x);
  if (X.cols() != net.inputDim)
    throw ntk::InputError(o.x + " has " + std::to_string(X.cols()) + " columns but the network's input_dim is " +
                          std::to_string(net.inputDim));
  if (X.rows() < 1) throw ntk::InputError(o.x + " has no points");
  int top = o.top > 0 ? o.top : int(std::min<Eigen::Index>(X.rows(), X.rows() <= ntk::kDenseEigenLimit ? X.rows() : 100));
  if (top > X.rows()) throw ntk::InputError("--top " + std::to_string(top) + " exceeds the " + std::to_string(X.rows()) + " points");
  const bool vectors = o.eigenfunction >= 0;
  if (vectors) top = std::max(top, o.eigenfunction + 1);
  if (vectors && o.eigenfunction >= X.rows())
    throw ntk::InputError("--eigenfunction must be < the number of points " + std::to_string(X.rows()));
  const int evalN = o.grid > 0 ? o.grid : (X.cols() == 1 ? 512 : 64);
  if (vectors) {
    // Refuse an evaluation grid beyond memory before any work: the points, the values and the table
    // with coordinates (the Nyström chunks are bounded separately).
    const double d = double(X.cols());
    const double points = X.cols() == 1 ? double(evalN) : X.cols() == 2 ? double(evalN) * evalN : double(X.rows());
    ntk::requireMemory(8.0 * points * (2.0 * d + 2.0),
                       "the Nystrom eigenfunction at " + std::to_string((long long)points) + " points");
  }
  progress.setDetail("Gram eigenvalues of " + std::to_string(X.rows()) + " points");
  const ntk::GramSpectrum s = ntk::gramSpectrum(net, kernelKind(o.kind), X, top, vectors, progress.job(0.0, vectors ? 0.6 : 1.0));
  if (vectors) {
    const Eigen::MatrixXd G = nystromGrid(X, evalN);
    progress.setDetail("Nystrom eigenfunction at " + std::to_string(G.rows()) + " points");
    const Eigen::MatrixXd f =
        ntk::nystromEigenfunctions(net, kernelKind(o.kind), X, s, G, {o.eigenfunction}, progress.job(0.6, 1.0));
    writeEigenfunctions(o, G, f);
    return 0;
  }
  std::vector<ntk::SpectrumRow> rows;
  for (Eigen::Index i = 0; i < s.eigenvalues.size(); ++i) rows.push_back({long(i), s.eigenvalues(i), 1.0});
  requireFitWithin(o.fit, long(s.eigenvalues.size()), "--top"); // the fit's k is the rank i + 1
  writeRows(o, rows);
  if (!o.fit.empty()) {
    // Index i ↦ k = i + 1: the rank, so that k^{−p} is a Weyl-law fit of the ordered eigenvalues.
    Eigen::VectorXd byK(s.eigenvalues.size() + 1);
    byK << 0.0, s.eigenvalues;
    printFits(byK, o.fit);
  }
  return 0;
}

int runSpectrum(const SpectrumOptions& o)
{
  const ntk::Network net = ntk::loadNetwork(o.net);
  checkHeaderTarget(o.out, o.header);
  Progress progress("spectrum");
  const int status = o.domain == "sphere" ? runSphere(o, net, progress)
                     : o.domain == "grid" ? runGrid(o, net, progress)
                                          : runPoints(o, net, progress);
  progress.finish();
  return status;
}

struct BenchSpectrumOptions {
  std::string net, route = "sphere", kind = "ntk";
  int kmax = 256, grid = 1024, m = 4000, repeats = 7;
};

int runBenchSpectrum(const BenchSpectrumOptions& o)
{
  if (o.repeats < 5) throw ntk::InputError("--repeats must be >= 5 (the figure is a median)");
  const ntk::Network net = ntk::loadNetwork(o.net);
  const ntk::KernelKind kind = kernelKind(o.kind);
  Eigen::MatrixXd X;
  if (o.route == "gram") X = ntk::uniformSpherePoints(o.m, net.inputDim, 12345);
  std::vector<double> seconds;
  double checksum = 0.0;
  Progress progress("bench spectrum");
  for (int r = 0; r < o.repeats; ++r) {
    progress.setDetail("run " + std::to_string(r + 1) + "/" + std::to_string(o.repeats));
    const ntk::JobControl job = progress.job(double(r) / o.repeats, double(r + 1) / o.repeats);
    const auto t0 = std::chrono::steady_clock::now();
    if (o.route == "sphere") checksum = ntk::funkHeckeSpectrum(net, kind, o.kmax, job).lambda.sum();
    else if (o.route == "grid") checksum = ntk::periodicGridSpectrum(net, kind, o.grid, job).eigenvalues.sum();
    else checksum = ntk::gramSpectrum(net, kind, X, 0, false, job).eigenvalues.sum();
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    progress.update(double(r + 1) / o.repeats);
  }
  progress.finish();
  std::sort(seconds.begin(), seconds.end());
  const std::string size = o.route == "sphere" ? "\"kmax\": " + std::to_string(o.kmax)
                           : o.route == "grid" ? "\"grid\": " + std::to_string(o.grid)
                                               : "\"m\": " + std::to_string(o.m);
  std::printf("{\"bench\": \"spectrum\", \"route\": \"%s\", \"kind\": \"%s\", %s, \"dim\": %d, \"threads\": %d, "
              "\"repeats\": %d, \"seconds\": %.9g, \"min_seconds\": %.9g, \"checksum\": %.17g}\n",
              o.route.c_str(), o.kind.c_str(), size.c_str(), net.inputDim,
              int(tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism)), o.repeats,
              seconds[seconds.size() / 2], seconds.front(), checksum);
  return 0;
}

} // namespace

Command addSpectrumCommand(CLI::App& app, const AddThreads& addThreads)
{
  auto o = std::make_shared<SpectrumOptions>();
  auto* sub = app.add_subcommand(
      "spectrum",
      "Mercer eigenvalues of the network's NNGP or NTK: rows k,lambda,multiplicity\n"
      "  sphere: exact (Funk-Hecke) on S^{d-1}, encoding none, d = input_dim\n"
      "  grid:   periodic grid of [0,1)^d (d = 1, 2), encodings with integer frequencies (FFT);\n"
      "          k = |nu| in 1-D, the rank of a group of equal eigenvalues in 2-D\n"
      "  points: eigenvalues of K(X,X)/m for the points in --x (top --top; k = index from 0)\n"
      "          (--fit uses the rank k+1, so that a fit of the ordered eigenvalues is a Weyl-law fit)\n"
      "With --eigenfunction k, --out receives the eigenfunction(s) of table row k instead: one row per\n"
      "evaluation point, its coordinates, then one column per basis function of the eigenspace\n"
      "(points: the one Nystrom eigenfunction of the k-th largest eigenvalue).");
  sub->add_option("--net", o->net, "Network JSON (format ntk-studio.network/1)")->required()->check(CLI::ExistingFile);
  sub->add_option("--kind", o->kind, "ntk or nngp (default ntk)")->check(CLI::IsMember({"ntk", "nngp"}));
  sub->add_option("--domain", o->domain, "sphere, grid or points (default sphere)")->check(CLI::IsMember({"sphere", "grid", "points"}));
  sub->add_option("--dim", o->dim, "sphere: d of S^{d-1} (must equal input_dim; default input_dim)")->check(atLeast("--dim", 2));
  auto* kmaxOption = sub->add_option("--kmax", o->kmax, "sphere: largest degree (default 128)")->check(atLeast("--kmax", 0));
  auto* gridOption = sub->add_option("--grid", o->grid,
                  "grid: points per axis of the periodic grid (default 1024 in 1-D, 64 in 2-D); with --eigenfunction: "
                  "the evaluation grid (circle: N angles; S^2: N x 2N latitude-longitude; points: N or N x N box)")
      ->check(atLeast("--grid", 2));
  sub->add_option("--x", o->x, "points: the point set, one row per point (CSV or .npy)")->check(CLI::ExistingFile);
  sub->add_option("--top", o->top, "points: how many leading eigenvalues (default all up to 3000 points, else 100)")
      ->check(atLeast("--top", 1));
  sub->add_option("--fit", o->fit, "Fit lambda_k = C k^-p over kmin:kmax and print it as JSON (even/odd apart when they differ)");
  sub->add_option("--eigenfunction", o->eigenfunction,
                  "Write the eigenfunction(s) of degree k (sphere), of table row k (grid: |nu| = k in 1-D, the k-th "
                  "group of equal eigenvalues in 2-D) or of the k-th largest eigenvalue (points)")
      ->check(atLeast("--eigenfunction", 0));
  sub->add_option("--out", o->out, "Output: .npy if the name ends in .npy, CSV otherwise")->required();
  sub->add_flag("--header", o->header,
                "CSV output: a first line naming the columns (k,lambda,multiplicity; x0,...,phi0,... for --eigenfunction)");
  addThreads(sub);
  return {sub, [o, kmaxOption, gridOption] {
            const bool eigenfunction = o->eigenfunction >= 0;
            if (eigenfunction && !o->fit.empty()) throw ntk::InputError("--fit and --eigenfunction do not go together");
            if (kmaxOption->count() > 0 && (o->domain != "sphere" || eigenfunction))
              throw ntk::InputError("--kmax belongs to --domain sphere without --eigenfunction");
            if (gridOption->count() > 0 && o->domain != "grid" && !eigenfunction)
              throw ntk::InputError("--grid belongs to --domain grid or to --eigenfunction");
            if (o->domain != "points" && (!o->x.empty() || o->top > 0))
              throw ntk::InputError("--x and --top belong to --domain points");
            if (o->domain != "sphere" && o->dim > 0) throw ntk::InputError("--dim belongs to --domain sphere");
            if (!o->fit.empty()) parseFitRange(o->fit); // a malformed range is refused before any work
            return runSpectrum(*o);
          }};
}

Command addBenchSpectrumCommand(CLI::App& bench, const AddThreads& addThreads)
{
  auto o = std::make_shared<BenchSpectrumOptions>();
  auto* sub = bench.add_subcommand("spectrum", "Time a spectrum route (median of >= 5 runs), one JSON line");
  sub->add_option("--net", o->net, "Network JSON")->required()->check(CLI::ExistingFile);
  sub->add_option("--route", o->route, "sphere (Funk-Hecke), grid (FFT) or gram (dense eigenvalues of m sphere points)")
      ->check(CLI::IsMember({"sphere", "grid", "gram"}));
  sub->add_option("--kind", o->kind, "ntk or nngp")->check(CLI::IsMember({"ntk", "nngp"}));
  auto* kmax = sub->add_option("--kmax", o->kmax, "sphere: largest degree")->check(atLeast("--kmax", 0));
  auto* grid = sub->add_option("--grid", o->grid, "grid: points per axis")->check(atLeast("--grid", 2));
  auto* m = sub->add_option("--m", o->m, "gram: number of points")->check(atLeast("--m", 1));
  sub->add_option("--repeats", o->repeats, "Timed runs (>= 5)");
  addThreads(sub);
  return {sub, [o, kmax, grid, m] {
            // An option of another route would be ignored silently (and time the default size): refuse it.
            if (kmax->count() > 0 && o->route != "sphere") throw ntk::InputError("--kmax belongs to --route sphere");
            if (grid->count() > 0 && o->route != "grid") throw ntk::InputError("--grid belongs to --route grid");
            if (m->count() > 0 && o->route != "gram") throw ntk::InputError("--m belongs to --route gram");
            return runBenchSpectrum(*o);
          }};
}

} // namespace ntkcli
