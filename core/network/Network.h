// Network.h — a fully-connected network as the user builds it: encoding, then Dense/φ layers.
// In: input_dim, an Encoding, a Parameterization, layers (Dense, φ, Dense, …, Dense).
// Out: derived sizes (encoded width d0, output width k, hidden widths), and validate(), which throws
// NetworkError naming the offending layer/key for NaN or negative hyper-parameters, widths < 1 or
// > kMaxWidth (the encoded width d0 too), two activations in a row, or a network that does not end
// in a Dense layer. Every size below kMaxWidth fits an int, and products of two of them fit Eigen::Index.
#pragma once
#include <string>
#include <vector>

#include "core/network/Encoding.h"
#include "core/network/Layer.h"

namespace ntk {

/// Largest width a Dense layer, the raw input or the encoded input may have (2^24). Far beyond what a
/// kernel or a finite network can use, and small enough that width·width never wraps in 64 bits.
inline constexpr int kMaxWidth = 1 << 24;

struct Network {
  int inputDim = 1;
  Encoding encoding;
  Parameterization parameterization = Parameterization::Ntk;
  std::vector<Layer> layers;

  /// Width of the encoded input (d0), 64-bit: validate() caps it at kMaxWidth.
  Eigen::Index encodedDim() const { return encoding.outputDim(inputDim); }
  /// Width of the last Dense layer (k).
  int outputDim() const;
  int denseCount() const;
  /// Throws NetworkError on anything that cannot be computed.
  void validate() const;
  /// A copy whose hidden Dense widths (all but the last Dense) are `width`.
  Network withHiddenWidth(int width) const;
  /// One line, e.g. "gaussian(256,σ=10) → Dense(256) → ReLU → Dense(1) [ntk]".
  std::string summary() const;

  /// The default network of the GUI and the demos: 3 hidden ReLU layers, W_std = √2, b_std = 0.1.
  static Network defaultNetwork(int inputDim = 1);
};

} // namespace ntk
