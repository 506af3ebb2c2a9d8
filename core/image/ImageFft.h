// ImageFft.h — the FFT building blocks of the image kernel regressions (ImageKernelRegression,
// MaskedImageRegression): fftw_malloc'ed arrays, a real 2-D transform pair, and the product of a
// 2-level Toeplitz matrix with an even symbol by a vector through its circulant embedding.
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
/// chunk length, executed at any chunk start. The chunk starts are multiples of `chunk`, so with an even
/// `chunk` every start has the base pointer's SIMD alignment (checked; FFTW_UNALIGNED otherwise).
/// `plan(howmany, flags)` makes a plan for howmany transforms at the base pointers. Not copyable.
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
    if (m_full) fftw_destroy_plan(m_full);
    if (m_rest) fftw_destroy_plan(m_rest);
    m_full = m_rest = nullptr;
  }
  int chunks() const { return (m_count + m_chunk - 1) / m_chunk; }
  int chunkSize() const { return m_chunk; }
  /// [first, first + length) of chunk k.
  int first(int k) const { return k * m_chunk; }
  int length(int k) const { return std::min(m_chunk, m_count - k * m_chunk); }
  fftw_plan planOf(int k) const { return length(k) == m_chunk ? m_full : m_rest; }

private:
  int m_count = 0, m_chunk = 1;
  fftw_plan m_full = nullptr, m_rest = nullptr;
};

/// y = T·x for a 2-level Toeplitz T on a rows × cols grid whose symbol is even (t(−i, −j) = t(i, j)), via
/// its 2rows × 2cols circulant embedding, whose eigenvalues are then real (stored with the 1/(4·rows·cols)
/// of the inverse folded in). The transforms are pruned by hand: row r2c only on the `rows` rows that hold
/// x (the others are zero), column FFTs on all cols + 1 columns, and row c2r back only on the `rows` rows
/// that are read: 3/4 of the row work of a full 2-D pair. Cache blocking (why: at 512² the spectrum is
/// 8 MB and whole-array column passes with a stride of cols + 1 ran at half speed): the column stage runs
/// per block of kColumnBlock columns — forward FFT, multiplication by the eigenvalues and inverse FFT while
/// the block is in cache — and the row stages per block of kRowBlock rows, fused with the copies in and
/// out; blocks run in parallel (TBB). apply() is thread-safe (per-call buffers).
class ToeplitzProduct {
public:
  /// Measured at 512² (embedding 1024²), one core: 8 × 8 is within noise of the best of 4 … 32.
  static constexpr int kRowBlock = 8, kColumnBlock = 8;
  /// `embedded`: the first column of the circulant, 2rows × 2cols row-major.
  ToeplitzProduct(int rows, int cols, const double* embedded, unsigned planFlags = FFTW_ESTIMATE)
      : m_rows(rows), m_cols(cols)
  {
    {
      const RealFft2 full(2 * rows, 2 * cols);
      auto e = fftwArray<double>(full.realSize());
      auto spec = fftwArray<Complex>(full.complexSize());
      std::copy(embedded, embedded + full.realSize(), e.get());
      full.forward(e.get(), spec.get());
      const double scale = 1.0 / (4.0 * rows * cols);
      m_lambda.resize(full.complexSize());
      // Even symbol: real. Stored column by column (column j: its 2rows entries), as the column stage reads it.
      const size_t hc = size_t(cols) + 1, n2r = 2 * size_t(rows);
      for (size_t i = 0; i < n2r; ++i)
        for (size_t j = 0; j < hc; ++j) m_lambda[j * n2r + i] = spec[i * hc + j].real() * scale;
    }
    auto buf = fftwArray<double>(bufferSize());
    auto spec = fftwArray<Complex>(spectrumSize());
    auto* c = reinterpret_cast<fftw_complex*>(spec.get());
    const int hc = cols + 1, n2c = 2 * cols, n2r = 2 * rows;
    // A chunk start k·block rows down is k·block·hc complex numbers (16 bytes each) away: with an even
    // block every start keeps the base alignment; column starts are k·block complex numbers away.
    static_assert(kRowBlock % 2 == 0 && kColumnBlock % 2 == 0, "even blocks keep the SIMD alignment");
    std::lock_guard<std::mutex> lock(fftwPlannerMutex());
    try {
      m_rowForward.make(rows, kRowBlock, planFlags, [&](int n, unsigned f) {
        return fftw_plan_many_dft_r2c(1, &n2c, n, buf.get(), nullptr, 1, n2c, c, nullptr, 1, hc, f);
      });
      m_rowInverse.make(rows, kRowBlock, planFlags, [&](int n, unsigned f) {
        return fftw_plan_many_dft_c2r(1, &n2c, n, c, nullptr, 1, hc, buf.get(), nullptr, 1, n2c, f);
      });
      auto scratch = fftwArray<Complex>(columnScratchSize());
      auto* sc = reinterpret_cast<fftw_complex*>(scratch.get());
      m_colForward.make(hc, kColumnBlock, planFlags, [&](int n, unsigned f) {
        return fftw_plan_many_dft(1, &n2r, n, sc, nullptr, 1, n2r, sc, nullptr, 1, n2r, FFTW_FORWARD, f);
      });
      m_colInverse.make(hc, kColumnBlock, planFlags, [&](int n, unsigned f) {
        return fftw_plan_many_dft(1, &n2r, n, sc, nullptr, 1, n2r, sc, nullptr, 1, n2r, FFTW_BACKWARD, f);
      });
    } catch (const NumericalError&) {
      destroyPlans();
      throw NumericalError("image regression: FFTW could not plan the " + std::to_string(n2r) + " x " +
                           std::to_string(n2c) + " Toeplitz embedding");
    }
  }
  ~ToeplitzProduct()
  {
    std::lock_guard<std::mutex> lock(fftwPlannerMutex());
    destroyPlans();
  }
  ToeplitzProduct(const ToeplitzProduct&) = delete;
  ToeplitzProduct& operator=(const ToeplitzProduct&) = delete;

  /// The largest eigenvalue of the circulant embedding: an upper bound of the spectrum of T and of every
  /// principal submatrix of T (Cauchy interlacing), for Chebyshev expansions.
  double embeddingMaxEigenvalue() const
  {
    double top = 0.0;
    for (double v : m_lambda) top = std::max(top, v);
    return top * 4.0 * m_rows * m_cols;
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
    auto x = fftwArray<double>(n), y = fftwArray<double>(n), buf = fftwArray<double>(bufferSize());
    auto spec = fftwArray<Complex>(spectrumSize());
    std::fill(x.get(), x.get() + n, support ? 0.0 : 1.0);
    if (support)
      for (std::size_t k : *support) x[k] = 1.0;
    apply(x.get(), y.get(), 0.0, buf.get(), spec.get());
    double rowSum = 0.0;
    if (support)
      for (std::size_t k : *support) rowSum = std::max(rowSum, y[k]);
    else
      for (std::size_t k = 0; k < n; ++k) rowSum = std::max(rowSum, y[k]);
    return std::min(embedding, rowSum + 1e-12 * embedding);
  }
  int rows() const { return m_rows; }
  int cols() const { return m_cols; }
  std::size_t bufferSize() const { return std::size_t(m_rows) * 2 * m_cols; }
  std::size_t spectrumSize() const { return std::size_t(m_rows) * (m_cols + 1); }

  /// y = T·x + shift·x (x, y: rows × cols row-major; buf, spec: bufferSize() / spectrumSize(), fftw_malloc'ed).
  void apply(const double* x, double* y, double shift, double* buf, Complex* spec) const
  {
    const size_t cols = size_t(m_cols), w2 = 2 * cols, hc = cols + 1, rows = size_t(m_rows);
    auto* c = reinterpret_cast<fftw_complex*>(spec);
    tbb::parallel_for(0, m_rowForward.chunks(), [&](int k) {
      const size_t i0 = size_t(m_rowForward.first(k)), n = size_t(m_rowForward.length(k));
      for (size_t i = i0; i < i0 + n; ++i) {
        std::copy(x + i * cols, x + (i + 1) * cols, buf + i * w2);
        std::fill(buf + i * w2 + cols, buf + (i + 1) * w2, 0.0);
      }
      fftw_execute_dft_r2c(m_rowForward.planOf(k), buf + i0 * w2, c + i0 * hc);
    });
    tbb::parallel_for(0, m_colForward.chunks(), [&](int k) {
      // The block's columns, transposed into a contiguous scratch: rows [0, rows) from the row stage,
      // [rows, 2rows) zero (the embedding's padding); only rows [0, rows) of the result are read.
      const size_t j0 = size_t(m_colForward.first(k)), n = size_t(m_colForward.length(k)), n2r = 2 * rows;
      Complex* t = m_scratch.local().get();
      for (size_t j = 0; j < n; ++j) std::fill(t + j * n2r + rows, t + (j + 1) * n2r, Complex(0.0));
      for (size_t i = 0; i < rows; ++i)
        for (size_t j = 0; j < n; ++j) t[j * n2r + i] = spec[i * hc + j0 + j];
      auto* tc = reinterpret_cast<fftw_complex*>(t);
      fftw_execute_dft(m_colForward.planOf(k), tc, tc);
      const double* lambda = m_lambda.data() + j0 * n2r;
      for (size_t q = 0; q < n * n2r; ++q) t[q] *= lambda[q];
      fftw_execute_dft(m_colInverse.planOf(k), tc, tc);
      for (size_t i = 0; i < rows; ++i)
        for (size_t j = 0; j < n; ++j) spec[i * hc + j0 + j] = t[j * n2r + i];
    });
    tbb::parallel_for(0, m_rowInverse.chunks(), [&](int k) {
      const size_t i0 = size_t(m_rowInverse.first(k)), n = size_t(m_rowInverse.length(k));
      fftw_execute_dft_c2r(m_rowInverse.planOf(k), c + i0 * hc, buf + i0 * w2);
      for (size_t i = i0; i < i0 + n; ++i)
        for (size_t j = 0; j < cols; ++j) y[i * cols + j] = buf[i * w2 + j] + shift * x[i * cols + j];
    });
  }

private:
  std::size_t columnScratchSize() const { return std::size_t(kColumnBlock) * 2 * m_rows; }
  void destroyPlans()
  {
    for (ChunkedPlans* p : {&m_rowForward, &m_rowInverse, &m_colForward, &m_colInverse}) p->destroy();
  }
  int m_rows, m_cols;
  std::vector<double> m_lambda; ///< 2rows × (cols + 1), scaled
  ChunkedPlans m_rowForward, m_rowInverse, m_colForward, m_colInverse; ///< per block of rows / columns
  /// Per-thread scratch of the column stage (kColumnBlock columns of 2rows), fftw_malloc'ed.
  mutable tbb::enumerable_thread_specific<FftwArray<Complex>> m_scratch{[this] { return fftwArray<Complex>(columnScratchSize()); }};
};

} // namespace ntk::imagefft
