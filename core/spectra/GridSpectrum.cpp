// GridSpectrum.cpp — eigenvalues of a circulant Gram on the periodic grid of [0,1)^d, d ∈ {1, 2}.
// In: a network with an integer-frequency encoding (or a kernel row), n points per axis.
// Out: λ_ν = (1/m) Σ_j K(0, v_j) e^{−2πiν·v_j} for every frequency ν, the grouped table rows (one
// grouping, shared by the order, the rows and the eigenspaces), the real eigenfunctions √2 cos / √2 sin.
// How: one Gram row from the engine, one real-to-complex FFT (FFTW, FFTW_ESTIMATE); the spectrum of a
// real even row is real and symmetric in ν, so the half spectrum FFTW returns fills the rest.
#include "core/spectra/GridSpectrum.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <memory>
#include <mutex>
#include <numeric>
#include <string>

#include <fftw3.h>

#include "core/util/Errors.h"
#include "core/util/FftwPlanner.h"
#include "core/util/MemoryEstimate.h"

namespace ntk {

namespace {

constexpr double kPi = 3.14159265358979323846;


/// Owns an FFTW plan; destroys it under the planner mutex.
class FftwPlan {
public:
  explicit FftwPlan(fftw_plan plan) : m_plan(plan) {}
  ~FftwPlan()
  {
    if (m_plan) {
      std::lock_guard<std::mutex> lock(fftwPlannerMutex());
      fftw_destroy_plan(m_plan);
    }
  }
  FftwPlan(const FftwPlan&) = delete;
  FftwPlan& operator=(const FftwPlan&) = delete;
  void execute() const { fftw_execute(m_plan); }

private:
  fftw_plan m_plan;
};

/// Signed frequency of FFT index i on an n-point axis: (−n/2, n/2].
int signedFrequency(int i, int n) { return 2 * i <= n ? i : i - n; }

void requireGridSize(int dim, int n)
{
  if (dim != 1 && dim != 2)
    throw InputError("grid spectrum: the grid is 1-D or 2-D, but input_dim = " + std::to_string(dim));
  if (n < 2) throw InputError("grid spectrum: n = " + std::to_string(n) + " points per axis (needs ≥ 2)");
}

bool isInteger(double f) { return std::abs(f - std::round(f)) <= 1e-12 * std::max(1.0, std::abs(f)); }

} // namespace

bool gridIsPeriodic(const Network& net, std::string* why)
{
  auto refuse = [&](const std::string& reason) {
    if (why) *why = reason;
    return false;
  };
  if (net.inputDim != 1 && net.inputDim != 2)
    return refuse("the periodic grid is 1-D or 2-D, but input_dim = " + std::to_string(net.inputDim));
  switch (net.encoding.kind) {
  case EncodingKind::None:
    return refuse("encoding none: the kernel is not a function of v − v' modulo 1 (use the sphere or points)");
  case EncodingKind::Gaussian:
    return refuse("gaussian encoding: its frequencies are not integers, so the kernel is not 1-periodic");
  case EncodingKind::Basic:
  case EncodingKind::Positional:
  case EncodingKind::Fourier: {
    const Eigen::MatrixXd B = net.encoding.frequencies(net.inputDim);
    if (B.size() == 0) return refuse(net.encoding.name() + " encoding has no frequencies");
    for (Eigen::Index r = 0; r < B.rows(); ++r)
      for (Eigen::Index c = 0; c < B.cols(); ++c)
        if (!std::isfinite(B(r, c)) || !isInteger(B(r, c)))
          return refuse(net.encoding.name() + " encoding: frequency " + std::to_string(B(r, c)) +
                        " is not an integer, so the kernel is not 1-periodic");
    break;
  }
  }
  if (why) why->clear();
  return true;
}

Eigen::MatrixXd periodicGridPoints(int dim, int n)
{
  requireGridSize(dim, n);
  const Eigen::Index m = dim == 1 ? Eigen::Index(n) : Eigen::Index(n) * n;
  Eigen::MatrixXd V(m, dim);
  for (Eigen::Index idx = 0; idx < m; ++idx) {
    V(idx, 0) = double(idx % n) / n;
    if (dim == 2) V(idx, 1) = double(idx / n) / n;
  }
  return V;
}

GridSpectrum periodicGridSpectrumFromRow(const Eigen::VectorXd& row, int dim, int n)
{
  requireGridSize(dim, n);
  const Eigen::Index m = dim == 1 ? Eigen::Index(n) : Eigen::Index(n) * n;
  if (row.size() != m)
    throw InputError("grid spectrum: the kernel row has " + std::to_string(row.size()) + " values, expected " +
                     std::to_string(m));
  if (!row.allFinite()) throw InputError("grid spectrum: the kernel row is not finite");

  // FFTW's r2c layout: d = 1 → n/2+1 outputs; d = 2 (rows r slow, columns c fast) → n by n/2+1.
  const int half = n / 2 + 1;
  const Eigen::Index outSize = dim == 1 ? half : Eigen::Index(n) * half;
  std::vector<double> in(row.data(), row.data() + m); // the planner may scribble on its arrays
  std::vector<std::complex<double>> out(static_cast<size_t>(outSize));
  std::unique_ptr<FftwPlan> plan;
  {
    std::lock_guard<std::mutex> lock(fftwPlannerMutex());
    auto* outPtr = reinterpret_cast<fftw_complex*>(out.data());
    fftw_plan p = dim == 1 ? fftw_plan_dft_r2c_1d(n, in.data(), outPtr, FFTW_ESTIMATE)
                           : fftw_plan_dft_r2c_2d(n, n, in.data(), outPtr, FFTW_ESTIMATE);
    if (!p) throw NumericalError("grid spectrum: FFTW could not plan a transform of size " + std::to_string(n));
    plan = std::make_unique<FftwPlan>(p);
  }
  std::copy(row.data(), row.data() + m, in.begin()); // FFTW_ESTIMATE leaves inputs alone; be safe anyway
  plan->execute();

  GridSpectrum s;
  s.dim = dim;
  s.n = n;
  s.row = row;
  s.eigenvalues.resize(m);
  s.frequency.resize(m, dim);
  const double invM = 1.0 / double(m);
  // The real part is the spectrum of the even part of the row; the odd part is rounding (K is symmetric).
  if (dim == 1) {
    for (int i = 0; i < n; ++i) {
      const int j = i < half ? i : n - i; // λ(−ν) = λ(ν)
      s.eigenvalues(i) = out[size_t(j)].real() * invM;
      s.frequency(i, 0) = signedFrequency(i, n);
    }
  } else {
    for (int r = 0; r < n; ++r) {
      for (int c = 0; c < n; ++c) {
        // Hermitian symmetry: X(r, c) = conj X(−r, −c) for the columns FFTW leaves out.
        const bool stored = c < half;
        const int rr = stored ? r : (n - r) % n;
        const int cc = stored ? c : n - c;
        const Eigen::Index idx = Eigen::Index(r) * n + c;
        s.eigenvalues(idx) = out[size_t(Eigen::Index(rr) * half + cc)].real() * invM;
        s.frequency(idx, 0) = signedFrequency(c, n); // first coordinate ↔ column
        s.frequency(idx, 1) = signedFrequency(r, n);
      }
    }
    // Columns 0 and n/2 hold ν and −ν as two separate FFT outputs whose real parts differ by rounding;
    // averaging makes λ(ν) = λ(−ν) bit for bit, so the pair can never be split between two table rows.
    const Eigen::VectorXd raw = s.eigenvalues;
    for (int r = 0; r < n; ++r)
      for (int c = 0; c < n; ++c)
        s.eigenvalues(Eigen::Index(r) * n + c) =
            0.5 * (raw(Eigen::Index(r) * n + c) + raw(Eigen::Index((n - r) % n) * n + (n - c) % n));
  }
  return s;
}

GridSpectrum periodicGridSpectrum(const Network& net, KernelKind kind, int n, const JobControl& job)
{
  net.validate();
  requireGridSize(net.inputDim, n);
  std::string why;
  if (!gridIsPeriodic(net, &why)) throw NetworkError("grid spectrum: " + why);
  const double m = std::pow(double(n), net.inputDim);
  // The row, the FFT buffers and the spectrum with its frequencies: ~8 doubles per grid point.
  requireMemory(estimateGramBytes(net, 1, Eigen::Index(std::min(m, 1e15)), 1) + 8.0 * 8.0 * m + 8.0 * m * net.inputDim,
                "the grid spectrum of " + std::to_string(n) + (net.inputDim == 2 ? "² points" : " points"));
  job.checkCancelled();
  const Eigen::MatrixXd V = periodicGridPoints(net.inputDim, n);
  const Eigen::MatrixXd origin = V.topRows(1);
  const Eigen::VectorXd row = kernelMatrix(net, origin, &V, kind, job).row(0).transpose();
  job.checkCancelled();
  return periodicGridSpectrumFromRow(row, net.inputDim, n);
}

namespace {

/// Indices by decreasing eigenvalue, and where each group of equal eigenvalues starts (plus m at the
/// end). A group holds the eigenvalues within 1e-12 of the largest |λ| below its first (largest)
/// member (the FFT makes equal eigenvalues differ by rounding); inside a group the order is |ν|, then
/// ν, so it does not depend on rounding. gridOrderByEigenvalue, gridEigenGroups and gridSpectrumRows
/// all read this one grouping.
struct EigenOrder {
  std::vector<int> order;
  std::vector<size_t> starts;
};

EigenOrder orderByEigenvalue(const GridSpectrum& s)
{
  const size_t m = size_t(s.eigenvalues.size());
  EigenOrder out;
  out.order.resize(m);
  std::iota(out.order.begin(), out.order.end(), 0);
  auto norm2 = [&](int i) {
    long acc = 0;
    for (Eigen::Index c = 0; c < s.frequency.cols(); ++c) acc += long(s.frequency(i, c)) * s.frequency(i, c);
    return acc;
  };
  std::vector<int>& order = out.order;
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return s.eigenvalues(a) > s.eigenvalues(b); });
  const double tol = 1e-12 * (m > 0 ? s.eigenvalues.cwiseAbs().maxCoeff() : 0.0);
  for (size_t start = 0; start < m;) {
    size_t end = start + 1;
    while (end < m && s.eigenvalues(order[start]) - s.eigenvalues(order[end]) <= tol) ++end;
    std::sort(order.begin() + std::ptrdiff_t(start), order.begin() + std::ptrdiff_t(end), [&](int a, int b) {
      const long na = norm2(a), nb = norm2(b);
      if (na != nb) return na < nb;
      for (Eigen::Index c = 0; c < s.frequency.cols(); ++c)
        if (s.frequency(a, c) != s.frequency(b, c)) return s.frequency(a, c) < s.frequency(b, c);
      return false;
    });
    out.starts.push_back(start);
    start = end;
  }
  out.starts.push_back(m);
  return out;
}

/// Index of the frequency −ν (mod n) of index i.
Eigen::Index conjugateIndex(const GridSpectrum& s, Eigen::Index i)
{
  const Eigen::Index n = s.n;
  if (s.dim == 1) return (n - i) % n;
  const Eigen::Index r = i / n, c = i % n;
  return ((n - r) % n) * n + (n - c) % n;
}

} // namespace

std::vector<int> gridOrderByEigenvalue(const GridSpectrum& s) { return orderByEigenvalue(s).order; }

std::vector<std::vector<int>> gridEigenGroups(const GridSpectrum& s)
{
  std::vector<std::vector<int>> groups;
  if (s.dim == 1) {
    for (int k = 0; k <= s.n / 2; ++k) {
      groups.push_back({k});
      if (k != 0 && 2 * k != s.n) groups.back().push_back(s.n - k); // −k
    }
    return groups;
  }
  const EigenOrder o = orderByEigenvalue(s);
  for (size_t g = 0; g + 1 < o.starts.size(); ++g)
    groups.emplace_back(o.order.begin() + std::ptrdiff_t(o.starts[g]), o.order.begin() + std::ptrdiff_t(o.starts[g + 1]));
  return groups;
}

std::vector<SpectrumRow> gridSpectrumRows(const GridSpectrum& s)
{
  std::vector<SpectrumRow> rows;
  for (const std::vector<int>& group : gridEigenGroups(s)) {
    double sum = 0.0;
    for (int i : group) sum += s.eigenvalues(i);
    SpectrumRow r;
    r.k = long(rows.size()); // 1-D: |ν|; 2-D: the rank of the group
    r.lambda = sum / double(group.size());
    r.multiplicity = double(group.size());
    rows.push_back(r);
  }
  return rows;
}

Eigen::MatrixXd gridEigenspace(const GridSpectrum& s, long k)
{
  const std::vector<std::vector<int>> groups = gridEigenGroups(s);
  if (k < 0 || k >= long(groups.size()))
    throw InputError("grid eigenspace: row k = " + std::to_string(k) + " outside the table's 0…" +
                     std::to_string(long(groups.size()) - 1));
  const std::vector<int>& group = groups[size_t(k)];
  // A tail group of equal (near-zero) eigenvalues can hold most of the grid: size the result once.
  requireMemory(8.0 * double(s.eigenvalues.size()) * double(group.size()),
                "the " + std::to_string(group.size()) + " eigenfunctions of grid row " + std::to_string(k));
  std::vector<bool> done(size_t(s.eigenvalues.size()), false);
  Eigen::MatrixXd basis(s.eigenvalues.size(), Eigen::Index(group.size()));
  Eigen::Index filled = 0;
  for (int i : group) {
    if (done[size_t(i)]) continue;
    done[size_t(i)] = true;
    done[size_t(conjugateIndex(s, i))] = true; // ±ν share one cos/sin pair
    const Eigen::MatrixXd f = gridEigenfunctions(s, s.frequency.row(i).transpose());
    // Each index adds one column (a ±ν pair adds cos and sin; a self-conjugate ν, cos alone), since
    // λ(ν) = λ(−ν) exactly puts −ν in the same group; the check only guards that invariant.
    if (filled + f.cols() > basis.cols())
      throw NumericalError("grid eigenspace: row " + std::to_string(k) + " holds ν without −ν");
    basis.middleCols(filled, f.cols()) = f;
    filled += f.cols();
  }
  return basis;
}

Eigen::MatrixXd gridEigenfunctions(const GridSpectrum& s, const Eigen::VectorXi& nu)
{
  if (nu.size() != s.dim)
    throw InputError("grid eigenfunction: frequency has " + std::to_string(nu.size()) + " components, the grid " +
                     std::to_string(s.dim));
  const Eigen::MatrixXd V = periodicGridPoints(s.dim, s.n);
  // sin 2πν·v vanishes on the grid iff 2ν ≡ 0 (mod n) in every component (ν = 0 or Nyquist); then
  // cos 2πν·v = ±1 already has unit mean square and takes no √2.
  bool sinVanishes = true;
  for (Eigen::Index c = 0; c < nu.size(); ++c)
    if ((2L * nu(c)) % s.n != 0) sinVanishes = false;
  Eigen::VectorXd phase = 2.0 * kPi * (V * nu.cast<double>());
  Eigen::MatrixXd F(V.rows(), sinVanishes ? 1 : 2);
  const double scale = sinVanishes ? 1.0 : std::sqrt(2.0);
  F.col(0) = scale * phase.array().cos().matrix();
  if (!sinVanishes) F.col(1) = scale * phase.array().sin().matrix();
  return F;
}

} // namespace ntk
