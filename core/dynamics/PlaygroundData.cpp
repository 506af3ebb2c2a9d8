// PlaygroundData.cpp — TF Playground's 2-D data sets (dataset.ts), scaled to [0, 1)², with label noise
// and a seeded train/test split. The formulas are in PlaygroundData.h.
#include "core/dynamics/PlaygroundData.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "core/util/Errors.h"
#include "core/util/SeededNormal.h"

namespace ntk {

namespace {

constexpr double kPi = 3.14159265358979323846;

/// Uniform on [lo, hi) from 53 random bits: the same numbers on every platform (std's distributions
/// are implementation-defined).
class SeededUniform {
public:
  explicit SeededUniform(std::uint64_t seed) : m_engine(seed) {}
  double operator()(double lo, double hi) { return lo + (hi - lo) * double(m_engine() >> 11) * 0x1.0p-53; }
  std::mt19937_64& engine() { return m_engine; }

private:
  std::mt19937_64 m_engine;
};

/// A point at `radius` and `angle` in TF's convention (x = r sin a, y = r cos a).
Eigen::RowVector2d polar(double radius, double angle) { return {radius * std::sin(angle), radius * std::cos(angle)}; }

void circle(int n, SeededUniform& u, Eigen::MatrixXd& p, Eigen::VectorXd& c)
{
  const double radius = 5.0;
  const int positives = n / 2;
  for (int i = 0; i < n; ++i) {
    const bool inside = i < positives;
    const double r = inside ? u(0.0, 0.5 * radius) : u(0.7 * radius, radius);
    p.row(i) = polar(r, u(0.0, 2.0 * kPi));
    c(i) = inside ? 1.0 : -1.0;
  }
}

void xorData(int n, SeededUniform& u, Eigen::MatrixXd& p, Eigen::VectorXd& c)
{
  const double padding = 0.3;
  for (int i = 0; i < n; ++i) {
    double x = u(-5.0, 5.0), y = u(-5.0, 5.0);
    x += x > 0 ? padding : -padding;
    y += y > 0 ? padding : -padding;
    p.row(i) = Eigen::RowVector2d(x, y);
    c(i) = x * y >= 0 ? 1.0 : -1.0;
  }
}

void gaussians(int n, std::uint64_t seed, Eigen::MatrixXd& p, Eigen::VectorXd& c)
{
  SeededNormal normal(seed);
  const double stddev = std::sqrt(0.5);
  const int positives = n / 2;
  for (int i = 0; i < n; ++i) {
    const double centre = i < positives ? 2.0 : -2.0;
    const double x = centre + stddev * normal();
    const double y = centre + stddev * normal();
    p.row(i) = Eigen::RowVector2d(x, y);
    c(i) = i < positives ? 1.0 : -1.0;
  }
}

void spiral(int n, Eigen::MatrixXd& p, Eigen::VectorXd& c)
{
  const int positives = n / 2;
  auto arm = [&](int first, int count, double delta, double label) {
    for (int i = 0; i < count; ++i) {
      const double r = 5.0 * i / count;
      const double angle = 1.75 * 2.0 * kPi * i / count + delta;
      p.row(first + i) = polar(r, angle);
      c(first + i) = label;
    }
  };
  arm(0, positives, 0.0, 1.0);
  arm(positives, n - positives, kPi, -1.0);
}

} // namespace

std::string playgroundDatasetName(PlaygroundDataset dataset)
{
  switch (dataset) {
  case PlaygroundDataset::Circle: return "circle";
  case PlaygroundDataset::Xor: return "xor";
  case PlaygroundDataset::Gaussians: return "gaussians";
  case PlaygroundDataset::Spiral: return "spiral";
  }
  return "?";
}

void playgroundPoints(PlaygroundDataset dataset, int count, std::uint64_t seed, Eigen::MatrixXd& planePoints,
                      Eigen::VectorXd& labels)
{
  if (count < 2) throw InputError("a data set needs at least 2 points (got " + std::to_string(count) + ")");
  planePoints.resize(count, 2);
  labels.resize(count);
  SeededUniform uniform(seed);
  switch (dataset) {
  case PlaygroundDataset::Circle: circle(count, uniform, planePoints, labels); break;
  case PlaygroundDataset::Xor: xorData(count, uniform, planePoints, labels); break;
  case PlaygroundDataset::Gaussians: gaussians(count, seed, planePoints, labels); break;
  case PlaygroundDataset::Spiral: spiral(count, planePoints, labels); break;
  }
}

PlaygroundSample samplePlaygroundData(PlaygroundDataset dataset, int count, double noiseStd, double trainShare,
                                      std::uint64_t seed)
{
  if (!std::isfinite(noiseStd) || noiseStd < 0.0)
    throw InputError("the label noise std must be a finite number >= 0 (got " + std::to_string(noiseStd) + ")");
  if (!(trainShare > 0.0 && trainShare < 1.0))
    throw InputError("the training share must lie strictly between 0 and 1 (got " + std::to_string(trainShare) + ")");
  Eigen::MatrixXd plane;
  Eigen::VectorXd labels;
  playgroundPoints(dataset, count, seed, plane, labels);
  const int m = int(std::lround(trainShare * count));
  if (m < 1) throw InputError("a training share of " + std::to_string(trainShare) + " of " + std::to_string(count) +
                              " points leaves no training point");

  // Independent streams for the split and the noise, so changing σ keeps the same split and points.
  std::vector<int> order(static_cast<size_t>(count));
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 shuffler(seed ^ 0x9e3779b97f4a7c15ULL);
  for (int i = count - 1; i > 0; --i) { // Fisher–Yates with our own index draw (std::shuffle varies)
    const int j = int(shuffler() % std::uint64_t(i + 1));
    std::swap(order[size_t(i)], order[size_t(j)]);
  }
  SeededNormal noise(seed ^ 0x5851f42d4c957f2dULL);
  const double below1 = std::nextafter(1.0, 0.0);
  PlaygroundSample s;
  s.trainX.resize(m, 2);
  s.trainY.resize(m);
  s.trainLabel.resize(m);
  s.testX.resize(count - m, 2);
  s.testY.resize(count - m);
  s.testLabel.resize(count - m);
  for (int k = 0; k < count; ++k) {
    const int i = order[size_t(k)];
    const bool train = k < m;
    Eigen::MatrixXd& X = train ? s.trainX : s.testX;
    Eigen::VectorXd& Y = train ? s.trainY : s.testY;
    Eigen::VectorXd& C = train ? s.trainLabel : s.testLabel;
    const int row = train ? k : k - m;
    for (int d = 0; d < 2; ++d) X(row, d) = std::clamp(playgroundToUnit(plane(i, d)), 0.0, below1);
    C(row) = labels(i);
    Y(row) = labels(i) + noiseStd * noise();
  }
  return s;
}

} // namespace ntk
