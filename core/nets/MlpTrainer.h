// MlpTrainer.h — real training of the finite network on an image (Tancik et al. 2020): the network's
// encoding, then its Dense/φ layers with the readout widened to the image's channels and a sigmoid on
// the output, float32, minibatch or full batch, Adam or SGD, on the training pixels of an ImageDataset.
// In: a Network (input_dim 2; its hidden widths, activations, W_std/b_std initialisation and
// parameterisation), the image, the stride (or a training mask: any set of pixels), MlpOptions. Out: one step at a time (so a GUI can show the
// image every few steps and cancel between steps), the current prediction at every pixel, and PSNR on
// train / held-out / all pixels after any step.
// Loss: mean squared error over training pixels and channels. Defaults (measured on the bundled 256²
// photographs at stride 2 with the Image panel's network, 3 × 256 ReLU in the NTK parameterisation on a
// Gaussian encoding σ = 10, 256 features): Adam, lr 3e-2, minibatches of 1024 training pixels shuffled
// every epoch, a 20-step linear warm-up, then the rate halves every 300 steps down to 5 % of lr. They
// pass 22 dB held-out on the astronaut after about 100 steps (a few seconds on two cores) and approach
// 25 dB by about 1000. Tancik et al.'s setting (standard parameterisation: full batch, constant lr 1e-3,
// 2000 steps) is batchSize 0, schedule {} and that lr; in the NTK parameterisation Adam's per-weight step
// moves the function about √width/W_std times less, hence the larger rate here.
// Parallel: the matrix products are OpenBLAS sgemm (its own threads; AVX2/AVX-512 kernels chosen at run
// time), the elementwise work oneTBB over pixel blocks; deterministic for a given seed and thread count.
// Thread-safety: const methods may run concurrently with each other, not with step()/setParameters().
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <Eigen/Dense>

#include "core/image/Image.h"
#include "core/image/ImageDataset.h"
#include "core/network/Network.h"
#include "core/util/JobControl.h"

namespace ntk {

enum class Optimizer { Adam, Sgd };

/// The learning rate at step t = 1, 2, …: a linear warm-up lr·t/warmupSteps over the first warmupSteps
/// steps, then lr · 2^(−(t − warmupSteps)/halfLife), never below lr · floor (> 0: Adam needs a positive
/// rate). halfLife 0: no decay; warmupSteps 0: no warm-up; a default-constructed schedule ({0, 0, 1}) is
/// the constant rate. It does not depend on the total number of steps, so a longer run follows the same
/// curve and keeps improving at lr · floor.
struct LearningRateSchedule {
  int warmupSteps = 0;
  double halfLife = 0.0; ///< steps
  double floor = 1.0;    ///< in (0, 1]
  /// InputError naming the field: warmupSteps < 0, halfLife < 0 or not finite, floor outside (0, 1].
  void validate() const;
  /// The factor multiplying the base learning rate at step t ≥ 1.
  double factor(int step) const;
};

struct MlpOptions {
  Optimizer optimizer = Optimizer::Adam;
  double learningRate = 3e-2;
  LearningRateSchedule schedule{20, 300.0, 0.05};
  int batchSize = 1024;       ///< 0: full batch (all training pixels); ≥ the training pixels: full batch too
  std::uint64_t seed = 0;     ///< initialisation and minibatch order
  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
};

struct MlpProgress {
  int step = 0;
  double loss = 0.0;          ///< training MSE of the last step's batch
  double psnrTrain = 0.0, psnrHeldOut = 0.0, psnrAll = 0.0; ///< filled by evaluate()
};

/// `net` with its last Dense layer's width set to `channels` (the network MlpTrainer trains on an image).
Network withReadoutWidth(const Network& net, int channels);

/// The bytes MlpTrainer allocates (and checks with requireMemory) to train `net`, its readout widened to
/// `channels`, on `trainPixels` pixels of a width × height image (all of them: no held-out pixels).
double estimateMlpTrainerBytes(const Network& net, int width, int height, int channels, Eigen::Index trainPixels,
                               const MlpOptions& options);

class MlpTrainer {
public:
  /// Throws NetworkError (input_dim ≠ 2), InputError (bad stride, lr ≤ 0 or NaN, batch < 0),
  /// MemoryLimitError.
  MlpTrainer(const Network& net, const Image& image, int stride, const MlpOptions& options = {});
  /// Trains on the pixels where `trainMask` (H·W, row-major) is true (makeMaskedImageDataset); the
  /// held-out pixels are the others. Throws as above, InputError for a bad mask.
  MlpTrainer(const Network& net, const Image& image, const std::vector<bool>& trainMask, const MlpOptions& options = {});
  ~MlpTrainer();
  MlpTrainer(MlpTrainer&&) noexcept;
  MlpTrainer& operator=(MlpTrainer&&) noexcept;

  /// One optimiser step; returns the batch loss. Checks `job` before starting.
  double step(const JobControl& job = {});
  int steps() const;
  /// Prediction at every pixel (sigmoid outputs, [0,1]).
  Image predict() const;
  /// PSNRs of the current prediction (psnrHeldOut is NaN when every pixel is a training pixel, stride 1).
  MlpProgress evaluate() const;

  // Inspection and testing (additive).
  /// The dataset trained on (training pixels, masks).
  const ImageDataset& dataset() const;
  /// The network actually trained: the given one with its last Dense width set to the image's channels.
  const Network& network() const;
  Eigen::Index parameterCount() const;
  /// Dense parameters in layer order (W: width by n_in, b: width, empty without a bias). At step 0 they
  /// are FiniteNetwork(network(), seed)'s, rounded to float; the forward pass is z = g_W·W·h + g_b·b with
  /// g_W, g_b = DenseLayer::weightScale/biasScale.
  const std::vector<Eigen::MatrixXf>& weights() const;
  const std::vector<Eigen::VectorXf>& biases() const;
  /// Replaces the parameters (same shapes; InputError otherwise). Optimiser state is kept.
  void setParameters(const std::vector<Eigen::MatrixXf>& weights, const std::vector<Eigen::VectorXf>& biases);
  /// The MSE loss and its gradient on the training pixels `rows` (indices into dataset().trainX; all of
  /// them when empty), at the current parameters, without a step. gradW/gradB are resized to match.
  double lossAndGradient(const std::vector<int>& rows, std::vector<Eigen::MatrixXf>& gradW,
                         std::vector<Eigen::VectorXf>& gradB) const;

private:
  /// Both constructors: `dataset` is the image's split (makeImageDataset / makeMaskedImageDataset).
  void init(const Network& net, const Image& image, const std::function<ImageDataset()>& dataset, const MlpOptions& options);
  struct Impl;
  std::unique_ptr<Impl> d_;
};

} // namespace ntk
