// TopoptNetwork.cpp — the neural method's network: embedding → encoding, NTK parameterisation with a
// bias share β and unit-second-moment activations, and the element-centre inputs.
#include "core/topopt/TopoptNetwork.h"

#include <algorithm>
#include <cmath>

#include "core/util/Errors.h"
#include "core/util/NumberText.h"

namespace ntk {
namespace {

constexpr int kMaxDepth = 64;

/// c_φ = 1/√E[φ(u)²], u ~ N(0, 1): ReLU √2; sin(ωu): E = (1 − e^{−2ω²})/2.
double secondMomentNormaliser(ActivationKind kind, double omega)
{
  if (kind == ActivationKind::Relu) return std::sqrt(2.0);
  return 1.0 / std::sqrt(0.5 * (1.0 - std::exp(-2.0 * omega * omega)));
}

Encoding embeddingEncoding(const TopoptNetworkOptions& o, int nelx, int nely)
{
  Encoding e;
  switch (o.embedding) {
  case TopoptEmbedding::None: e.kind = EncodingKind::None; break;
  case TopoptEmbedding::Torus: e.kind = EncodingKind::Basic; break;
  case TopoptEmbedding::Fourier: {
    // v = p/S and B ~ N(0, σ²): E[cos 2πb·(v − v')] = exp(−2π²σ²|Δp|²/S²) = exp(−|Δp|²/(2ℓ²)).
    const double S = 2.0 * std::max(nelx, nely);
    e.kind = EncodingKind::Gaussian;
    e.sigma = S / (2.0 * M_PI * o.ell);
    e.features = o.features;
    e.seed = o.featureSeed;
    break;
  }
  }
  return e;
}

} // namespace

void TopoptNetworkOptions::validate() const
{
  if (embedding == TopoptEmbedding::Fourier) {
    if (!(std::isfinite(ell) && ell > 0.0))
      throw InputError("ell must be a positive number of elements (got " + numberText(ell) + ")");
    if (features < 1 || features > kMaxWidth / 2)
      throw InputError("features must lie in [1, " + std::to_string(kMaxWidth / 2) + "] (got " +
                       std::to_string(features) + ")");
  }
  if (activation != ActivationKind::Relu && activation != ActivationKind::Sin)
    throw InputError("activation must be relu or sin");
  if (activation == ActivationKind::Sin && !(std::isfinite(omega) && omega > 0.0))
    throw InputError("omega must be a positive number (got " + numberText(omega) + ")");
  if (width < 1 || width > kMaxWidth)
    throw InputError("width must lie in [1, " + std::to_string(kMaxWidth) + "] (got " + std::to_string(width) + ")");
  if (depth < 1 || depth > kMaxDepth)
    throw InputError("depth must lie in [1, " + std::to_string(kMaxDepth) + "] hidden layers (got " +
                     std::to_string(depth) + ")");
  if (!(beta >= 0.0 && beta < 1.0)) throw InputError("beta must lie in [0, 1) (got " + numberText(beta) + ")");
}

std::string embeddingName(TopoptEmbedding e)
{
  switch (e) {
  case TopoptEmbedding::None: return "none";
  case TopoptEmbedding::Torus: return "torus";
  case TopoptEmbedding::Fourier: return "fourier";
  }
  return "?";
}

TopoptEmbedding embeddingFromName(const std::string& name)
{
  if (name == "none") return TopoptEmbedding::None;
  if (name == "torus") return TopoptEmbedding::Torus;
  if (name == "fourier") return TopoptEmbedding::Fourier;
  throw InputError("unknown embedding '" + name + "' (expected none, torus or fourier)");
}

Network topoptNetwork(const TopoptNetworkOptions& o, int nelx, int nely)
{
  o.validate();
  if (nelx < 1 || nely < 1)
    throw InputError("the grid must be at least 1 x 1 elements (got " + std::to_string(nelx) + " x " +
                     std::to_string(nely) + ")");
  Network net;
  net.inputDim = 2;
  net.encoding = embeddingEncoding(o, nelx, nely);
  net.parameterization = Parameterization::Ntk;
  const Activation phi(o.activation, o.activation == ActivationKind::Sin ? o.omega : 0.0);
  const double share = std::sqrt(1.0 - o.beta * o.beta);
  const double c = secondMomentNormaliser(o.activation, o.omega);
  for (int i = 0; i < o.depth; ++i) {
    net.layers.push_back(DenseLayer{o.width, share * (i == 0 ? 1.0 : c), o.beta});
    net.layers.push_back(ActivationLayer{phi});
  }
  net.layers.push_back(DenseLayer{1, share * c, o.beta});
  net.validate();
  return net;
}

Eigen::MatrixXd topoptInputs(int nelx, int nely, int refine)
{
  if (nelx < 1 || nely < 1)
    throw InputError("the grid must be at least 1 x 1 elements (got " + std::to_string(nelx) + " x " +
                     std::to_string(nely) + ")");
  if (refine < 1 || refine > 64) throw InputError("refine must lie in [1, 64] (got " + std::to_string(refine) + ")");
  const Eigen::Index nx = Eigen::Index(nelx) * refine, ny = Eigen::Index(nely) * refine;
  const double S = 2.0 * std::max(nelx, nely);
  const double h = 1.0 / refine; // the refined element's edge, in elements
  Eigen::MatrixXd v(nx * ny, 2);
  for (Eigen::Index ex = 0; ex < nx; ++ex)
    for (Eigen::Index ey = 0; ey < ny; ++ey) {
      const Eigen::Index e = ex * ny + ey;
      v(e, 0) = (double(ex) + 0.5) * h / S;
      v(e, 1) = (double(ey) + 0.5) * h / S;
    }
  return v;
}

} // namespace ntk
