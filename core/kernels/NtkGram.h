// NtkGram.h — exact infinite-width NNGP and NTK Gram matrices of a Network.
// In: the network, raw inputs X1 (m1 by input_dim) and optionally X2 (m2 by input_dim); the encoding
// is applied here. Out: K(X1, X2) (m1 by m2) for the NNGP and/or the NTK of one output; a k-output
// readout has kernel K ⊗ I_k (CONVENTIONS §1).
// How: per-point variances of every layer are computed once, in parallel chunks of points; the pair
// recursions run over tiles in parallel with oneTBB (upper-triangle tiles only when X2 is absent,
// mirrored). Refuses (MemoryLimitError, with the estimate) a request that exceeds the machine's memory,
// before allocating; checks cancellation between chunks of points and between tiles; throws
// NumericalError (naming the layer) when a variance or a kernel entry is not finite, never writing one.
// Thread-safety: re-entrant; the thread count is the caller's tbb::global_control / task_arena.
#pragma once
#include <Eigen/Dense>

#include "core/network/Network.h"
#include "core/util/JobControl.h"

namespace ntk {

enum class KernelKind { Nngp, Ntk };

struct GramRequest {
  bool nngp = true;
  bool ntk = true;
  int tile = 96; ///< tile edge; 96² doubles ×2 fit in L2
};

struct GramResult {
  Eigen::MatrixXd nngp; ///< empty unless requested
  Eigen::MatrixXd ntk;  ///< empty unless requested
};

/// Bytes the Gram(s) need: the outputs plus the encoded inputs and per-layer variances.
double estimateGramBytes(const Network& net, Eigen::Index m1, Eigen::Index m2, int matrices);

/// X2 == nullptr means X2 = X1 (symmetric: half the work).
GramResult computeGram(const Network& net, const Eigen::MatrixXd& X1, const Eigen::MatrixXd* X2,
                       const GramRequest& request = {}, const JobControl& job = {});

/// The diagonal K(x_i, x_i) of one kernel (m values), with the same arithmetic as the diagonal of the
/// symmetric Gram (computeGram with X2 == nullptr), at O(m) cost: what a relative ridge needs when the
/// Gram itself is never formed. Same errors as computeGram.
Eigen::VectorXd kernelDiagonal(const Network& net, const Eigen::MatrixXd& X, KernelKind kind, const JobControl& job = {});

/// One kernel, convenience wrapper.
Eigen::MatrixXd kernelMatrix(const Network& net, const Eigen::MatrixXd& X1, const Eigen::MatrixXd* X2,
                             KernelKind kind, const JobControl& job = {});

} // namespace ntk
