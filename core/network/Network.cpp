#include "core/network/Network.h"

#include <cmath>
#include <sstream>

#include "core/util/Errors.h"

namespace ntk {

namespace {
bool finiteNonNegative(double v) { return std::isfinite(v) && v >= 0.0; }
} // namespace

int Network::outputDim() const
{
  for (auto it = layers.rbegin(); it != layers.rend(); ++it)
    if (const auto* d = std::get_if<DenseLayer>(&*it)) return d->width;
  return 0;
}

int Network::denseCount() const
{
  int n = 0;
  for (const Layer& l : layers) n += std::holds_alternative<DenseLayer>(l) ? 1 : 0;
  return n;
}

void Network::validate() const
{
  const std::string maxWidth = std::to_string(kMaxWidth);
  if (inputDim < 1) throw NetworkError("input_dim must be >= 1 (got " + std::to_string(inputDim) + ")");
  if (inputDim > kMaxWidth)
    throw NetworkError("input_dim must be <= " + maxWidth + " (got " + std::to_string(inputDim) + ")");
  // The encoded width d0 in double: 2·levels·input_dim must be judged before anything of that size exists.
  const double d0 = double(encodedDim());
  const auto tooWide = [&](const std::string& key, long long value) {
    return NetworkError(key + " = " + std::to_string(value) + " makes the encoded input " +
                        std::to_string((long long)d0) + " wide; the limit is " + maxWidth);
  };
  switch (encoding.kind) {
  case EncodingKind::Basic:
    if (d0 > kMaxWidth) throw tooWide("input_dim", inputDim);
    break;
  case EncodingKind::Positional:
    if (encoding.levels < 1) throw NetworkError("encoding.levels must be >= 1");
    if (d0 > kMaxWidth) throw tooWide("encoding.levels", encoding.levels);
    if (!(std::isfinite(encoding.sigma) && encoding.sigma > 0)) throw NetworkError("encoding.sigma must be a positive number");
    break;
  case EncodingKind::Gaussian:
    if (encoding.features < 1) throw NetworkError("encoding.features must be >= 1");
    if (d0 > kMaxWidth) throw tooWide("encoding.features", encoding.features);
    if (!finiteNonNegative(encoding.sigma)) throw NetworkError("encoding.sigma must be a finite number >= 0");
    break;
  case EncodingKind::Fourier:
    if (encoding.B.rows() < 1) throw NetworkError("encoding.B must have at least one row");
    if (d0 > kMaxWidth) throw tooWide("encoding.B rows", (long long)encoding.B.rows());
    if (encoding.B.cols() != inputDim)
      throw NetworkError("encoding.B rows have " + std::to_string(encoding.B.cols()) + " entries but input_dim is " +
                         std::to_string(inputDim));
    if (!encoding.B.allFinite()) throw NetworkError("encoding.B holds a non-finite value");
    break;
  default: break;
  }
  if (layers.empty()) throw NetworkError("layers: the network has no layers");
  bool previousWasActivation = false;
  for (size_t i = 0; i < layers.size(); ++i) {
    const std::string where = "layers[" + std::to_string(i) + "]";
    if (const auto* d = std::get_if<DenseLayer>(&layers[i])) {
      if (d->width < 1) throw NetworkError(where + ".width must be >= 1 (got " + std::to_string(d->width) + ")");
      if (d->width > kMaxWidth)
        throw NetworkError(where + ".width must be <= " + maxWidth + " (got " + std::to_string(d->width) + ")");
      if (!finiteNonNegative(d->wStd)) throw NetworkError(where + ".W_std must be a finite number >= 0");
      if (d->bStd && !finiteNonNegative(*d->bStd)) throw NetworkError(where + ".b_std must be a finite number >= 0 or null");
      previousWasActivation = false;
    } else {
      if (i == 0) throw NetworkError(where + ": the first layer must be dense");
      if (previousWasActivation) throw NetworkError(where + ": two activations in a row");
      const Activation& a = std::get<ActivationLayer>(layers[i]).activation;
      if (!std::isfinite(a.parameter())) throw NetworkError(where + ": activation parameter is not finite");
      previousWasActivation = true;
    }
  }
  if (!std::holds_alternative<DenseLayer>(layers.back())) throw NetworkError("layers: the last layer must be dense");
}

Network Network::withHiddenWidth(int width) const
{
  Network n = *this;
  int seen = 0;
  const int total = denseCount();
  for (Layer& l : n.layers)
    if (auto* d = std::get_if<DenseLayer>(&l))
      if (++seen < total) d->width = width;
  return n;
}

std::string Network::summary() const
{
  std::ostringstream s;
  s << "in(" << inputDim << ")";
  if (encoding.kind != EncodingKind::None) s << " → " << encoding.name() << "(" << encodedDim() << ")";
  for (const Layer& l : layers) {
    if (const auto* d = std::get_if<DenseLayer>(&l))
      s << " → Dense(" << d->width << ")";
    else
      s << " → " << std::get<ActivationLayer>(l).activation.label();
  }
  s << (parameterization == Parameterization::Ntk ? " [ntk]" : " [standard]");
  return s.str();
}

Network Network::defaultNetwork(int inputDim)
{
  Network n;
  n.inputDim = inputDim;
  n.encoding.kind = inputDim == 1 ? EncodingKind::Basic : EncodingKind::None;
  const double w = std::sqrt(2.0);
  for (int i = 0; i < 3; ++i) {
    n.layers.push_back(DenseLayer{512, w, 0.1});
    n.layers.push_back(ActivationLayer{Activation(ActivationKind::Relu)});
  }
  n.layers.push_back(DenseLayer{1, 1.0, 0.0});
  return n;
}

} // namespace ntk
