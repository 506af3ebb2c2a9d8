// TopoptNetwork.h — the network of the neural method (Dupuis & Jacot 2021) as a document Network.
// In: TopoptNetworkOptions (embedding none | torus | fourier with length scale ℓ in elements,
// activation relu | sin(ω), hidden width and depth, bias share β) and the grid size.
// Out: a Network (input_dim 2) whose encoding is the embedding and whose W_std/b_std realise the NTK
// parameterisation with bias share β and activations normalised to unit second moment:
// z = √(1−β²)·c_φ/√n · W h + β b,  c_φ = 1/√E[φ(u)²] for u ~ N(0,1) (the first Dense: c = 1).
// Coordinates: the element centre p = (ex + ½, ey + ½) (elements, ey from the top) enters as
// v = p / S with S = 2·max(nelx, nely), so v ∈ (0, ½]²:
//   none    v itself (raw coordinates; the NTK is not translation invariant),
//   torus   the basic encoding [cos 2πv, sin 2πv] — a torus of period 2·max(nelx, nely) elements,
//           so opposite edges of the domain are never neighbours and the NTK is stationary,
//   fourier Gaussian features with σ = S/(2πℓ): the encoding's own kernel is exp(−|Δp|²/(2ℓ²)).
// topoptInputs gives v for every element centre, or for a grid refined `refine` times (the continuous
// field rendered at 2× and 4×).
#pragma once
#include <cstdint>
#include <string>

#include <Eigen/Dense>

#include "core/network/Network.h"

namespace ntk {

enum class TopoptEmbedding { None, Torus, Fourier };

struct TopoptNetworkOptions {
  TopoptEmbedding embedding = TopoptEmbedding::Fourier;
  double ell = 2.0;                ///< fourier: length scale in elements
  int features = 256;              ///< fourier: Gaussian features (encoded width 2·features)
  std::uint64_t featureSeed = 0;
  ActivationKind activation = ActivationKind::Relu; ///< Relu or Sin
  double omega = 1.0;              ///< sin(ω z)
  int width = 128;                 ///< 128: as good as 256 on MBB 60 × 20 and twice as fast
  int depth = 2;                   ///< hidden Dense layers
  double beta = 0.1;               ///< bias share, in [0, 1)

  /// InputError naming the option.
  void validate() const;
};

std::string embeddingName(TopoptEmbedding e);                 ///< "none", "torus", "fourier"
TopoptEmbedding embeddingFromName(const std::string& name);   ///< InputError otherwise

Network topoptNetwork(const TopoptNetworkOptions& options, int nelx, int nely);
/// Network inputs v (elementCount·refine² by 2) in element order of the refined grid.
Eigen::MatrixXd topoptInputs(int nelx, int nely, int refine = 1);

} // namespace ntk
