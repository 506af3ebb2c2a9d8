// ImageFft.h — the FFT building blocks of the image kernel regressions (ImageKernelRegression,
// MaskedImageRegression): fftw_malloc'ed arrays, a real 2-D transform pair, the restricted product of a
// circulant with real eigenvalues (blocked, pruned transforms), and through it the product of a 2-level
// Toeplitz matrix with an even symbol by a vector (its circulant embedding); both products in double or,
// for the masked regression's CG, in single precision (CirculantProductT / ToeplitzProductT<float>,
// through fftwf; about 0.64 of the double product's time at a 1024² embedding).
// In: grid sizes and the embedded symbol. Out: transforms / products; see each class.
// Internal to core/image (not part of the engine's public API). Thread-safety: construction and
// destruction take the FFTW planner lock; execution is thread-safe with per-call buffers.
#pragma once
#include <algorithm>
#include <complex>
#include <cstddef>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include <fftw3.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include "core/util/Errors.h"
#include "core/util/FftwPlanner.h"

namespace ntk::imagefft {

using Complex = std::complex<double>;
template <class T>
struct FftwFree {
  void operator()(T* p) const { fftw_free(p); }
};
/// An fftw_malloc'ed array: every such array has the alignment the plans were made with.
template <class T>
using FftwArray = std::unique_ptr<T[], FftwFree<T>>;

template <class T>
FftwArray<T> fftwArray(std::size_t n)
{
  void* p = fftw_malloc(sizeof(T) * std::max<std::size_t>(n, 1));
  if (!p) throw std::bad_alloc();
  return FftwArray<T>(static_cast<T*>(p));
}

/// FFTW's double (fftw_*) and single-precision (fftwf_*) interfaces under one name, for the products
/// templated on their scalar: Fftw<Real>::plan, ::complex and the calls the products make.
template <class Real>
struct Fftw;
template <>
struct Fftw<double> {
  using plan = fftw_plan;
  using complex = fftw_complex;
  template <class... A> static plan manyR2c(A... a) { return fftw_plan_many_dft_r2c(a...); }
  template <class... A> static plan manyC2r(A... a) { return fftw_plan_many_dft_c2r(a...); }
  template <class... A> static plan manyC2c(A... a) { return fftw_plan_many_dft(a...); }
  static void r2c(plan p, double* in, complex* out) { fftw_execute_dft_r2c(p, in, out); }
  static void c2r(plan p, complex* in, double* out) { fftw_execute_dft_c2r(p, in, out); }
  static void c2c(plan p, complex* in, complex* out) { fftw_execute_dft(p, in, out); }
  static void destroy(plan p) { fftw_destroy_plan(p); }
};
template <>
struct Fftw<float> {
  using plan = fftwf_plan;
  using complex = fftwf_complex;
  template <class... A> static plan manyR2c(A... a) { return fftwf_plan_many_dft_r2c(a...); }
  template <class... A> static plan manyC2r(A... a) { return fftwf_plan_many_dft_c2r(a...); }
  template <class... A> static plan manyC2c(A... a) { return fftwf_plan_many_dft(a...); }
  static void r2c(plan p, float* in, complex* out) { fftwf_execute_dft_r2c(p, in, out); }
  static void c2r(plan p, complex* in, float* out) { fftwf_execute_dft_c2r(p, in, out); }
  static void c2c(plan p, complex* in, complex* out) { fftwf_execute_dft(p, in, out); }
  static void destroy(plan p) { fftwf_destroy_plan(p); }
};

/// A real 2-D transform pair on rows × cols (row-major, columns fastest): forward r2c to
/// rows × (cols/2 + 1), unnormalised inverse c2r (which destroys its input). execute is thread-safe.
class RealFft2 {
public:
  RealFft2(int rows, int cols, unsigned planFlags = FFTW_ESTIMATE) : m_rows(rows), m_cols(cols)
  {
    auto in = fftwArray<double>(realSize());
    auto out = fftwArray<Complex>(complexSize());
    std::lock_guard<std::mutex> lock(fftwPlannerMutex());
    m_forward = fftw_plan_dft_r2c_2d(rows, cols, in.get(), reinterpret_cast<fftw_complex*>(out.get()), planFlags);
    m_inverse = fftw_plan_dft_c2r_2d(rows, cols, reinterpret_cast<fftw_complex*>(out.get()), in.get(), planFlags);
    if (!m_forward || !m_inverse) {
      if (m_forward) fftw_destroy_plan(m_forward);
      if (m_inverse) fftw_destroy_plan(m_inverse);
      throw NumericalError("image regression: FFTW could not plan a " + std::to_string(rows) + " x " +
                           std::to_string(cols) + " transform");
    }
  }
  ~RealFft2()
  {
    std::lock_guard<std::mutex> lock(fftwPlannerMutex());
    fftw_destroy_plan(m_forward);
    fftw_destroy_plan(m_inverse);
  }
  RealFft2(const RealFft2&) = delete;
  RealFft2& operator=(const RealFft2&) = delete;

  int rows() const { return m_rows; }
  int cols() const { return m_cols; }
  int halfCols() const { return m_cols / 2 + 1; }
  std::size_t realSize() const { return std::size_t(m_rows) * m_cols; }
  std::size_t complexSize() const { return std::size_t(m_rows) * halfCols(); }
  void forward(double* in, Complex* out) const
  {
    fftw_execute_dft_r2c(m_forward, in, reinterpret_cast<fftw_complex*>(out));
  }
  void inverse(Complex* in, double* out) const
  {
    fftw_execute_dft_c2r(m_inverse, reinterpret_cast<fftw_complex*>(in), out);
  }

private:
  int m_rows, m_cols;
  fftw_plan m_forward = nullptr, m_inverse = nullptr;
};

/// `count` equal 1-D transforms run as chunks of at most `chunk` (the last one shorter): one FFTW plan per
/// chunk length, executed at any chunk start (the caller keeps those starts at the planned alignment).
/// `plan(howmany, flags)` makes a plan for howmany transforms at the base pointers. Not copyable.
template <class Real>
class ChunkedPlans {
public:
  ChunkedPlans() = default;
  template <class MakePlan>
  void make(int count, int chunk, unsigned flags, MakePlan&& plan)
  {
    m_count = count;
    m_chunk = std::max(1, std::min(chunk, count));
    m_full = plan(m_chunk, flags);
    const int rest = count % m_chunk;
    m_rest = rest > 0 ? plan(rest, flags) : nullptr;
    if (!m_full || (rest > 0 && !m_rest)) throw NumericalError("image regression: FFTW could not plan a transform batch");
  }
  ~ChunkedPlans() { destroy(); }
  ChunkedPlans(const ChunkedPlans&) = delete;
  ChunkedPlans& operator=(const ChunkedPlans&) = delete;
  void destroy()
  {
    if (m_full) Fftw<Real>::destroy(m_full);
    if (m_rest) Fftw<Real>::destroy(m_rest);
    m_full = m_rest = nullptr;
  }
  int chunks() const { return (m_count + m_chunk - 1) / m_chunk; }
  int chunkSize() const { return m_chunk; }
  /// [first, first + length) of chunk k.
  int first(int k) const { return k * m_chunk; }
  int length(int k) const { return std::min(m_chunk, m_count - k * m_chunk); }
  typename Fftw<Real>::plan planOf(int k) const { return length(k) == m_chunk ? m_full : m_rest; }

private:
  int m_count = 0, m_chunk = 1;
  typename Fftw<Real>::plan m_full = nullptr, m_rest = nullptr;
};

/// y = R C Rᵀ x + shift·x for a circulant C on a gridRows × gridCols torus with real eigenvalues (an
/// even symbol) and R the restriction to the top-left rows × cols (rows ≤ gridRows, cols ≤ gridCols): the
/// input is zero-padded, the output read there. The eigenvalues come in r2c layout, gridRows ×
/// (gridCols/2 + 1) row-major, with the 1/(gridRows·gridCols) of the inverse folded in.
/// The transforms are pruned by hand — row r2c only on the `rows` rows that hold x, column FFTs on all
/// gridCols/2 + 1 columns, row c2r back only on the `rows` rows that are read — and cache-blocked (why: at
/// 512² the Toeplitz embedding's spectrum is 8 MB, and whole-array column passes with a stride of
/// gridCols/2 + 1 ran at half speed): each block of kColumnBlock columns is transposed into a contiguous
/// per-thread scratch, transformed, multiplied by the eigenvalues and transformed back while in cache, and
/// the row stages run per block of kRowBlock rows through a per-thread buffer, fused with the padding and
/// the copies in and out. Blocks run in parallel (TBB). apply() is thread-safe (per-call spectrum).
template <class Real>
class CirculantProductT {
public:
  using Cx = std::complex<Real>;
  using F = Fftw<Real>;
  /// Measured at 512² (Toeplitz embedding 1024²), one core: 8 × 8 is within noise of the best of 4 … 32;
  /// 1.7 times faster than whole-array column passes.
  static constexpr int kRowBlock = 8, kColumnBlock = 8;
  CirculantProductT(int rows, int cols, int gridRows, int gridCols, const std::vector<double>& eigenvalues,
                    unsigned planFlags = FFTW_ESTIMATE)
      : m_rows(rows), m_cols(cols), m_gridRows(gridRows), m_gridCols(gridCols),
        m_lambda(std::size_t(gridRows) * (gridCols / 2 + 1))
  {
    const std::size_t hc = std::size_t(halfCols()), gr = std::size_t(gridRows);
    for (std::size_t i = 0; i < gr; ++i) // column by column (column j: its gridRows entries), as the column stage reads it
      for (std::size_t j = 0; j < hc; ++j) m_lambda[j * gr + i] = Real(eigenvalues[i * hc + j]);
    auto rowBuf = fftwArray<Real>(rowBufferSize());
    auto spec = fftwArray<Cx>(spectrumSize());
    auto scratch = fftwArray<Cx>(columnScratchSize());
    auto* c = reinterpret_cast<typename F::complex*>(spec.get());
    auto* sc = reinterpret_cast<typename F::complex*>(scratch.get());
    const int h = halfCols();
    // A row block starts k·kRowBlock·h complex numbers (8 or 16 bytes each) into the spectrum: with a
    // block that is a multiple of 4 every start keeps the base alignment the plans were made with (32
    // bytes, float or double). Buffers and scratch are fftw_malloc'ed, as at planning.
    static_assert(kRowBlock % 4 == 0, "row blocks of a multiple of 4 keep the SIMD alignment");
    std::lock_guard<std::mutex> lock(fftwPlannerMutex());
    try {
      m_rowForward.make(rows, kRowBlock, planFlags, [&](int n, unsigned f) {
        return F::manyR2c(1, &gridCols, n, rowBuf.get(), nullptr, 1, gridCols, c, nullptr, 1, h, f);
      });
      m_rowInverse.make(rows, kRowBlock, planFlags, [&](int n, unsigned f) {
        return F::manyC2r(1, &gridCols, n, c, nullptr, 1, h, rowBuf.get(), nullptr, 1, gridCols, f);
      });
      m_colForward.make(h, kColumnBlock, planFlags, [&](int n, unsigned f) {
        return F::manyC2c(1, &gridRows, n, sc, nullptr, 1, gridRows, sc, nullptr, 1, gridRows, FFTW_FORWARD, f);
      });
      m_colInverse.make(h, kColumnBlock, planFlags, [&](int n, unsigned f) {
        return F::manyC2c(1, &gridRows, n, sc, nullptr, 1, gridRows, sc, nullptr, 1, gridRows, FFTW_BACKWARD, f);
      });
    } catch (const NumericalError&) {
      destroyPlans();
      throw NumericalError("image regression: FFTW could not plan a " + std::to_string(gridRows) + " x " +
                           std::to_string(gridCols) + " circulant product");
    }
  }
  ~CirculantProductT()
  {
    std::lock_guard<std::mutex> lock(fftwPlannerMutex());
    destroyPlans();
  }
  CirculantProductT(const CirculantProductT&) = delete;
  CirculantProductT& operator=(const CirculantProductT&) = delete;

  int halfCols() const { return m_gridCols / 2 + 1; }
  /// The spectrum apply() works in: rows × (gridCols/2 + 1) complex numbers.
  std::size_t spectrumSize() const { return std::size_t(m_rows) * halfCols(); }
  /// The eigenvalues (scaled as given), column by column.
  const std::vector<Real>& eigenvalues() const { return m_lambda; }

  /// y = R C Rᵀ x + shift·x (x, y: rows × cols row-major; spec: spectrumSize(), fftw_malloc'ed).
  void apply(const Real* x, Real* y, Real shift, Cx* spec) const
  {
    const std::size_t cols = std::size_t(m_cols), gc = std::size_t(m_gridCols), gr = std::size_t(m_gridRows),
                      rows = std::size_t(m_rows), hc = std::size_t(halfCols());
    auto* c = reinterpret_cast<typename F::complex*>(spec);
    tbb::parallel_for(0, m_rowForward.chunks(), [&](int k) {
      const std::size_t i0 = std::size_t(m_rowForward.first(k)), n = std::size_t(m_rowForward.length(k));
      Real* b = m_rowBuffer.local().get();
      for (std::size_t i = 0; i < n; ++i) {
        std::copy(x + (i0 + i) * cols, x + (i0 + i + 1) * cols, b + i * gc);
        std::fill(b + i * gc + cols, b + (i + 1) * gc, Real(0));
      }
      F::r2c(m_rowForward.planOf(k), b, c + i0 * hc);
    });
    tbb::parallel_for(0, m_colForward.chunks(), [&](int k) {
      // Rows [0, rows) from the row stage, [rows, gridRows) zero; only rows [0, rows) of the result are read.
      const std::size_t j0 = std::size_t(m_colForward.first(k)), n = std::size_t(m_colForward.length(k));
      Cx* t = m_columnScratch.local().get();
      for (std::size_t j = 0; j < n; ++j) std::fill(t + j * gr + rows, t + (j + 1) * gr, Cx(0));
      for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t j = 0; j < n; ++j) t[j * gr + i] = spec[i * hc + j0 + j];
      auto* tc = reinterpret_cast<typename F::complex*>(t);
      F::c2c(m_colForward.planOf(k), tc, tc);
      const Real* lambda = m_lambda.data() + j0 * gr;
      for (std::size_t q = 0; q < n * gr; ++q) t[q] *= lambda[q];
      F::c2c(m_colInverse.planOf(k), tc, tc);
      for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t j = 0; j < n; ++j) spec[i * hc + j0 + j] = t[j * gr + i];
    });
    tbb::parallel_for(0, m_rowInverse.chunks(), [&](int k) {
      const std::size_t i0 = std::size_t(m_rowInverse.first(k)), n = std::size_t(m_rowInverse.length(k));
      Real* b = m_rowBuffer.local().get();
      F::c2r(m_rowInverse.planOf(k), c + i0 * hc, b);
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < cols; ++j) y[(i0 + i) * cols + j] = b[i * gc + j] + shift * x[(i0 + i) * cols + j];
    });
  }

private:
  std::size_t rowBufferSize() const { return std::size_t(kRowBlock) * m_gridCols; }
  std::size_t columnScratchSize() const { return std::size_t(kColumnBlock) * m_gridRows; }
  void destroyPlans()
  {
    for (ChunkedPlans<Real>* p : {&m_rowForward, &m_rowInverse, &m_colForward, &m_colInverse}) p->destroy();
  }
  int m_rows, m_cols, m_gridRows, m_gridCols;
  std::vector<Real> m_lambda; ///< gridRows × (gridCols/2 + 1), column by column
  ChunkedPlans<Real> m_rowForward, m_rowInverse, m_colForward, m_colInverse; ///< per block of rows / columns
  /// Per-thread row buffer (kRowBlock rows of gridCols) and column scratch (kColumnBlock columns of gridRows).
  mutable tbb::enumerable_thread_specific<FftwArray<Real>> m_rowBuffer{[this] { return fftwArray<Real>(rowBufferSize()); }};
  mutable tbb::enumerable_thread_specific<FftwArray<Cx>> m_columnScratch{
      [this] { return fftwArray<Cx>(columnScratchSize()); }};
};
using CirculantProduct = CirculantProductT<double>;

/// y = T·x for a 2-level Toeplitz T on a rows × cols grid whose symbol is even (t(−i, −j) = t(i, j)): the
/// CirculantProduct of its 2rows × 2cols circulant embedding, whose eigenvalues are then real. Real: the
/// scalar of the transforms (double; float for a faster, 1e-7-accurate product inside mixed-precision CG).
template <class Real>
class ToeplitzProductT {
public:
  using Cx = std::complex<Real>;
  /// `embedded`: the first column of the circulant, 2rows × 2cols row-major.
  ToeplitzProductT(int rows, int cols, const double* embedded, unsigned planFlags = FFTW_ESTIMATE)
      : ToeplitzProductT(rows, cols, embeddingEigenvalues(rows, cols, embedded), planFlags)
  {
  }
  /// `eigenvalues`: embeddingEigenvalues(rows, cols, embedded), computed once for products of both scalars.
  ToeplitzProductT(int rows, int cols, const std::vector<double>& eigenvalues, unsigned planFlags = FFTW_ESTIMATE)
      : m_rows(rows), m_cols(cols), m_product(rows, cols, 2 * rows, 2 * cols, eigenvalues, planFlags)
  {
  }

  /// The largest eigenvalue of the circulant embedding: an upper bound of the spectrum of T and of every
  /// principal submatrix of T (Cauchy interlacing), for Chebyshev expansions.
  double embeddingMaxEigenvalue() const
  {
    const std::vector<Real>& lambda = m_product.eigenvalues();
    return std::max(0.0, double(*std::max_element(lambda.begin(), lambda.end()))) * 4.0 * m_rows * m_cols;
  }
  /// A tighter upper bound of λ_max for the principal submatrix of T on `support` (grid indices; all
  /// points when null): when every entry of T is ≥ 0 (`nonNegative`), Gershgorin's largest row sum
  /// max(T_S·1) — one product — if smaller than the embedding's λ_max; 1e-12 relative slack for the
  /// product's rounding. For a kernel with a large mean the row sums are ≈ λ_max, while the embedding
  /// sums the kernel over four times the grid.
  double maxEigenvalueBound(bool nonNegative, const std::vector<std::size_t>* support = nullptr) const
  {
    const double embedding = embeddingMaxEigenvalue();
    if (!nonNegative) return embedding;
    const std::size_t n = std::size_t(m_rows) * m_cols;
    auto x = fftwArray<Real>(n), y = fftwArray<Real>(n);
    auto spec = fftwArray<Cx>(spectrumSize());
    std::fill(x.get(), x.get() + n, Real(support ? 0 : 1));
    if (support)
      for (std::size_t k : *support) x[k] = Real(1);
    apply(x.get(), y.get(), Real(0), spec.get());
    double rowSum = 0.0;
    if (support)
      for (std::size_t k : *support) rowSum = std::max(rowSum, double(y[k]));
    else
      for (std::size_t k = 0; k < n; ++k) rowSum = std::max(rowSum, double(y[k]));
    return std::min(embedding, rowSum + 1e-12 * embedding);
  }
  int rows() const { return m_rows; }
  int cols() const { return m_cols; }
  std::size_t spectrumSize() const { return m_product.spectrumSize(); }

  /// y = T·x + shift·x (x, y: rows × cols row-major; spec: spectrumSize(), fftw_malloc'ed).
  void apply(const Real* x, Real* y, Real shift, Cx* spec) const { m_product.apply(x, y, shift, spec); }

  /// The circulant embedding's eigenvalues in r2c layout, 2rows × (cols + 1), with the 1/(4·rows·cols) of
  /// the inverse transform folded in.
  static std::vector<double> embeddingEigenvalues(int rows, int cols, const double* embedded)
  {
    const RealFft2 full(2 * rows, 2 * cols);
    auto e = fftwArray<double>(full.realSize());
    auto spec = fftwArray<Complex>(full.complexSize());
    std::copy(embedded, embedded + full.realSize(), e.get());
    full.forward(e.get(), spec.get());
    const double scale = 1.0 / (4.0 * rows * cols);
    std::vector<double> lambda(full.complexSize());
    for (std::size_t k = 0; k < lambda.size(); ++k) lambda[k] = spec[k].real() * scale; // even symbol: real
    return lambda;
  }
private:
  int m_rows, m_cols;
  CirculantProductT<Real> m_product;
};
using ToeplitzProduct = ToeplitzProductT<double>;

} // namespace ntk::imagefft
