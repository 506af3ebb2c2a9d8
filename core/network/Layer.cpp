#include "core/network/Layer.h"

#include <cmath>

#include "core/util/DenseBlas.h"

namespace ntk {

void DenseLayer::applyKernel(Eigen::Ref<Eigen::ArrayXXd> nngp, Eigen::ArrayXXd* ntk, int nIn,
                             Parameterization p) const
{
  const double w2 = wStd * wStd, b2 = bias2();
  if (ntk) {
    if (p == Parameterization::Ntk) {
      nngp = w2 * nngp + b2;
      *ntk = nngp + w2 * *ntk;
    } else {
      const double B = bStd ? 1.0 : 0.0;
      *ntk = double(nIn) * nngp + B + w2 * *ntk;
      nngp = w2 * nngp + b2;
    }
  } else {
    nngp = w2 * nngp + b2;
  }
}

double DenseLayer::weightScale(int nIn, Parameterization p) const
{
  return p == Parameterization::Ntk ? wStd / std::sqrt(double(nIn)) : 1.0;
}

double DenseLayer::biasScale(Parameterization p) const
{
  if (!bStd) return 0.0;
  return p == Parameterization::Ntk ? *bStd : 1.0;
}

Eigen::MatrixXd DenseLayer::forward(const Eigen::MatrixXd& H, const Eigen::MatrixXd& W, const Eigen::VectorXd& b,
                                    Parameterization p) const
{
  Eigen::MatrixXd Z;
  gemm(H, false, W, true, Z, weightScale(int(H.cols()), p)); // OpenBLAS: the finite network's hot product
  const double bs = biasScale(p);
  if (bs != 0.0) Z.rowwise() += (bs * b).transpose();
  return Z;
}

} // namespace ntk
