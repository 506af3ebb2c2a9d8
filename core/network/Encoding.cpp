#include "core/network/Encoding.h"

#include <cmath>

#include "core/util/Errors.h"
#include "core/util/SeededNormal.h"

namespace ntk {

std::string Encoding::kindName(EncodingKind kind)
{
  switch (kind) {
  case EncodingKind::None: return "none";
  case EncodingKind::Basic: return "basic";
  case EncodingKind::Positional: return "positional";
  case EncodingKind::Gaussian: return "gaussian";
  case EncodingKind::Fourier: return "fourier";
  }
  return "?";
}

Eigen::Index Encoding::outputDim(int inputDim) const
{
  const Eigen::Index d = inputDim;
  switch (kind) {
  case EncodingKind::None: return d;
  case EncodingKind::Basic: return 2 * d;
  case EncodingKind::Positional: return 2 * Eigen::Index(levels) * d;
  case EncodingKind::Gaussian: return 2 * Eigen::Index(features);
  case EncodingKind::Fourier: return 2 * B.rows();
  }
  return d;
}

Eigen::MatrixXd Encoding::frequencies(int d) const
{
  switch (kind) {
  case EncodingKind::None: return {};
  case EncodingKind::Basic: return Eigen::MatrixXd::Identity(d, d);
  case EncodingKind::Positional: {
    Eigen::MatrixXd b = Eigen::MatrixXd::Zero(Eigen::Index(levels) * d, d);
    for (Eigen::Index i = 0; i < d; ++i)
      for (int j = 0; j < levels; ++j) b(i * levels + j, i) = std::pow(sigma, double(j) / levels);
    return b;
  }
  case EncodingKind::Gaussian: {
    SeededNormal normal(seed);
    Eigen::MatrixXd b(features, d);
    for (Eigen::Index r = 0; r < features; ++r)
      for (Eigen::Index c = 0; c < d; ++c) b(r, c) = sigma * normal();
    return b;
  }
  case EncodingKind::Fourier:
    if (B.cols() != d)
      throw InputError("fourier encoding: B has " + std::to_string(B.cols()) + " columns but input_dim is " +
                       std::to_string(d));
    return B;
  }
  return {};
}

Eigen::MatrixXd Encoding::apply(const Eigen::MatrixXd& V) const
{
  if (kind == EncodingKind::None) return V;
  const Eigen::MatrixXd b = frequencies(int(V.cols()));
  const Eigen::MatrixXd phase = (2.0 * M_PI) * (V * b.transpose());
  Eigen::MatrixXd out(V.rows(), 2 * b.rows());
  out.leftCols(b.rows()) = phase.array().cos().matrix();
  out.rightCols(b.rows()) = phase.array().sin().matrix();
  return out;
}

} // namespace ntk
