// GridSpectrum.h — Mercer spectrum of a stationary, 1-periodic kernel on the regular grid of [0,1)^d.
// In: a Network with input_dim d ∈ {1, 2} whose encoding makes its kernel a function of v − v' with
// period 1 in every coordinate (basic, positional or fourier encodings whose frequencies are all
// integers), the kernel kind, n (grid n points per axis, m = n^d). Out: the eigenvalues of K(X,X)/m —
// the DFT of one kernel row divided by m — indexed by the integer frequency ν ∈ (−n/2, n/2]^d, whose
// eigenfunctions are e^{2πiν·v} (real form: √2 cos, √2 sin). Cost: one kernel row (m entries) + FFTW.
// Anything else (encoding none, gaussian or non-integer positional frequencies: Toeplitz, not
// circulant) is refused by `gridIsPeriodic` with the reason; callers fall back to GramSpectrum.
// Thread-safety: re-entrant (FFTW planning is serialised inside).
#pragma once
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "core/kernels/NtkGram.h"
#include "core/util/JobControl.h"

namespace ntk {

/// One line of a spectrum table: `k,lambda,multiplicity` (CONVENTIONS §5).
struct SpectrumRow {
  long k = 0;
  double lambda = 0.0;
  double multiplicity = 1.0;
};

struct GridSpectrum {
  int dim = 1;                 ///< d
  int n = 0;                   ///< points per axis
  Eigen::VectorXd eigenvalues; ///< n^d values of K/m in FFTW order (index i ↔ frequency(i))
  Eigen::MatrixXi frequency;   ///< n^d by d: signed integer frequency ν of each eigenvalue
  Eigen::VectorXd row;         ///< K(v_0 = 0, v_j), the kernel row, n^d values (row-major for d = 2)
};

/// True when the grid route applies; otherwise false and `why` says what breaks periodicity.
bool gridIsPeriodic(const Network& net, std::string* why = nullptr);

/// Throws NetworkError (with the reason) when !gridIsPeriodic, InputError for n < 2 or d ∉ {1,2},
/// MemoryLimitError for grids that do not fit.
GridSpectrum periodicGridSpectrum(const Network& net, KernelKind kind, int n, const JobControl& job = {});
/// The same from a given kernel row (tests; d = 1 or 2, row of n^d values, row-major).
GridSpectrum periodicGridSpectrumFromRow(const Eigen::VectorXd& row, int dim, int n);

/// Table rows. d = 1: k = |ν| = 0…⌊n/2⌋, multiplicity 2 except ν = 0 and ν = n/2.
/// d = 2: k = max(|ν1|, |ν2|) is not an eigen-grouping, so rows are the distinct eigenvalues
/// (equal to 1e-12 relative) in decreasing order, k = rank of the group, multiplicity = group size.
std::vector<SpectrumRow> gridSpectrumRows(const GridSpectrum& s);

/// Eigenvalue indices sorted by decreasing eigenvalue (ties broken by |ν|, then ν). In 2-D the runs of
/// equal eigenvalues are exactly the groups of gridEigenGroups (one grouping code).
std::vector<int> gridOrderByEigenvalue(const GridSpectrum& s);

/// The eigenvalue indices behind each row of gridSpectrumRows, in row order: group k holds row k's
/// multiplicity indices (1-D: ν = ±k; 2-D: a run of gridOrderByEigenvalue). λ(ν) = λ(−ν) exactly, so ±ν
/// always share a group.
std::vector<std::vector<int>> gridEigenGroups(const GridSpectrum& s);

/// A real orthonormal basis (unit mean square on the grid) of table row k's eigenspace: n^d by
/// multiplicity, the gridEigenfunctions columns of each ±ν pair of the row in group order.
/// InputError when k is not a row of the table.
Eigen::MatrixXd gridEigenspace(const GridSpectrum& s, long k);

/// The real eigenfunction(s) of frequency ν on the grid (n^d values each, unit mean square):
/// column 0 = √2 cos 2πν·v (1 for ν = 0), column 1 = √2 sin 2πν·v (absent when sin ≡ 0 on the grid).
/// Where sin ≡ 0 (ν = 0, or n/2 in every nonzero component) column 0 is cos 2πν·v = ±1 without the √2.
Eigen::MatrixXd gridEigenfunctions(const GridSpectrum& s, const Eigen::VectorXi& nu);

/// The grid points v (n^d by d), row-major (first coordinate fastest for d = 2: v = (col/n, row/n)).
Eigen::MatrixXd periodicGridPoints(int dim, int n);

} // namespace ntk
