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
#include <tbb/parallel_invoke.h>

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
  RealFft2(int rows, int cols) : m_rows(rows), m_cols(cols)
  {
    auto in = fftwArray<double>(realSize());
    auto out = fftwArray<Complex>(complexSize());
    std::lock_guard<std::mutex> lock(fftwPlannerMutex());
    m_forward = fftw_plan_dft_r2c_2d(rows, cols, in.get(), reinterpret_cast<fftw_complex*>(out.get()), FFTW_ESTIMATE);
    m_inverse = fftw_plan_dft_c2r_2d(rows, cols, reinterpret_cast<fftw_complex*>(out.get()), in.get(), FFTW_ESTIMATE);
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

/// y = T·x for a 2-level Toeplitz T on a rows × cols grid whose symbol is even (t(−i, −j) = t(i, j)), via
/// its 2rows × 2cols circulant embedding, whose eigenvalues are then real (stored with the 1/(4·rows·cols)
/// of the inverse folded in). The transforms are pruned by hand: row r2c only on the `rows` rows that hold
/// x (the others are zero), column FFTs on all cols + 1 columns, and row c2r back only on the `rows` rows
/// that are read: 3/4 of the row work of a full 2-D pair. apply() is thread-safe (per-call buffers) and
/// runs each stage as two parallel halves.
class ToeplitzProduct {
public:
  /// `embedded`: the first column of the circulant, 2rows × 2cols row-major.
  ToeplitzProduct(int rows, int cols, const double* embedded) : m_rows(rows), m_cols(cols)
  {
    {
      const RealFft2 full(2 * rows, 2 * cols);
      auto e = fftwArray<double>(full.realSize());
      auto spec = fftwArray<Complex>(full.complexSize());
      std::copy(embedded, embedded + full.realSize(), e.get());
      full.forward(e.get(), spec.get());
      const double scale = 1.0 / (4.0 * rows * cols);
      m_lambda.resize(full.complexSize());
      for (size_t k = 0; k < m_lambda.size(); ++k) m_lambda[k] = spec[k].real() * scale; // even symbol: real
    }
    auto buf = fftwArray<double>(bufferSize());
    auto spec = fftwArray<Complex>(spectrumSize());
    // Each stage is planned as two halves (rows [0, r1), [r1, rows); columns likewise) so that TBB can run
    // them on two cores: with C = 3 channels on 2 cores the idle core steals the third channel's halves.
    // A half that starts off the base alignment is planned FFTW_UNALIGNED.
    const int hc = cols + 1, r1 = (rows + 1) / 2, c1 = (hc + 1) / 2;
    m_rowSplit = r1;
    m_colSplit = c1;
    auto* c = reinterpret_cast<fftw_complex*>(spec.get());
    std::lock_guard<std::mutex> lock(fftwPlannerMutex());
    auto flags = [](const void* base, const void* at) {
      return fftw_alignment_of(const_cast<double*>(static_cast<const double*>(base))) ==
                     fftw_alignment_of(const_cast<double*>(static_cast<const double*>(at)))
                 ? FFTW_ESTIMATE
                 : FFTW_ESTIMATE | FFTW_UNALIGNED;
    };
    const int n2c = 2 * cols, n2r = 2 * rows;
    for (int h = 0; h < 2; ++h) {
      const int row0 = h ? r1 : 0, nr = h ? rows - r1 : r1, col0 = h ? c1 : 0, nc = h ? hc - c1 : c1;
      double* b = buf.get() + size_t(row0) * n2c;
      fftw_complex* sr = c + size_t(row0) * hc;
      fftw_complex* sc = c + col0;
      const unsigned fr = flags(buf.get(), b) | flags(c, sr), fc = flags(c, sc);
      if (nr > 0) {
        m_rowForward[h] = fftw_plan_many_dft_r2c(1, &n2c, nr, b, nullptr, 1, n2c, sr, nullptr, 1, hc, fr);
        m_rowInverse[h] = fftw_plan_many_dft_c2r(1, &n2c, nr, sr, nullptr, 1, hc, b, nullptr, 1, n2c, fr);
      }
      if (nc > 0) {
        m_colForward[h] = fftw_plan_many_dft(1, &n2r, nc, sc, nullptr, hc, 1, sc, nullptr, hc, 1, FFTW_FORWARD, fc);
        m_colInverse[h] = fftw_plan_many_dft(1, &n2r, nc, sc, nullptr, hc, 1, sc, nullptr, hc, 1, FFTW_BACKWARD, fc);
      }
      if ((nr > 0 && (!m_rowForward[h] || !m_rowInverse[h])) || (nc > 0 && (!m_colForward[h] || !m_colInverse[h]))) {
        destroyPlans();
        throw NumericalError("image regression: FFTW could not plan the " + std::to_string(n2r) + " x " +
                             std::to_string(n2c) + " Toeplitz embedding");
      }
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
  std::size_t spectrumSize() const { return std::size_t(2 * m_rows) * (m_cols + 1); }

  /// y = T·x + shift·x (x, y: rows × cols row-major; buf, spec: bufferSize() / spectrumSize(), fftw_malloc'ed).
  void apply(const double* x, double* y, double shift, double* buf, Complex* spec) const
  {
    const size_t cols = size_t(m_cols), w2 = 2 * cols, hc = cols + 1;
    for (size_t i = 0; i < size_t(m_rows); ++i) {
      std::copy(x + i * cols, x + (i + 1) * cols, buf + i * w2);
      std::fill(buf + i * w2 + cols, buf + (i + 1) * w2, 0.0);
    }
    auto* c = reinterpret_cast<fftw_complex*>(spec);
    const size_t r1 = size_t(m_rowSplit), c1 = size_t(m_colSplit);
    // Both halves of a stage, in parallel (a half may be empty for a one-row grid: its plan is null).
    auto both = [](auto&& half) { tbb::parallel_invoke([&] { half(0); }, [&] { half(1); }); };
    both([&](int h) {
      if (m_rowForward[h]) fftw_execute_dft_r2c(m_rowForward[h], buf + (h ? r1 * w2 : 0), c + (h ? r1 * hc : 0));
    });
    std::fill(spec + size_t(m_rows) * hc, spec + spectrumSize(), Complex(0.0));
    both([&](int h) {
      if (m_colForward[h]) fftw_execute_dft(m_colForward[h], c + (h ? c1 : 0), c + (h ? c1 : 0));
    });
    for (size_t k = 0; k < m_lambda.size(); ++k) spec[k] *= m_lambda[k];
    both([&](int h) {
      if (m_colInverse[h]) fftw_execute_dft(m_colInverse[h], c + (h ? c1 : 0), c + (h ? c1 : 0));
    });
    both([&](int h) {
      if (m_rowInverse[h]) fftw_execute_dft_c2r(m_rowInverse[h], c + (h ? r1 * hc : 0), buf + (h ? r1 * w2 : 0));
    });
    for (size_t i = 0; i < size_t(m_rows); ++i)
      for (size_t j = 0; j < cols; ++j) y[i * cols + j] = buf[i * w2 + j] + shift * x[i * cols + j];
  }

private:
  void destroyPlans()
  {
    for (int h = 0; h < 2; ++h)
      for (fftw_plan p : {m_rowForward[h], m_colForward[h], m_colInverse[h], m_rowInverse[h]})
        if (p) fftw_destroy_plan(p);
  }
  int m_rows, m_cols;
  std::vector<double> m_lambda; ///< 2rows × (cols + 1), scaled
  int m_rowSplit = 0, m_colSplit = 0;
  fftw_plan m_rowForward[2] = {}, m_colForward[2] = {}, m_colInverse[2] = {}, m_rowInverse[2] = {}; ///< per half
};

} // namespace ntk::imagefft
