// TestUtil.h — small helpers shared by the core tests (header-only; no core logic duplicated here).
#pragma once
#include <cmath>
#include <fstream>
#include <cstdint>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

#include "core/network/Network.h"

namespace ntktest {

inline std::string dataPath(const std::string& name) { return std::string(NTK_TEST_DATA_DIR) + "/" + name; }

inline nlohmann::json loadJson(const std::string& name)
{
  std::ifstream in(dataPath(name));
  if (!in) throw std::runtime_error("cannot open test data " + dataPath(name));
  return nlohmann::json::parse(in);
}

inline Eigen::MatrixXd toMatrix(const nlohmann::json& rows)
{
  Eigen::MatrixXd m(Eigen::Index(rows.size()), Eigen::Index(rows.at(0).size()));
  for (size_t i = 0; i < rows.size(); ++i)
    for (size_t j = 0; j < rows[i].size(); ++j) m(Eigen::Index(i), Eigen::Index(j)) = rows[i][j].get<double>();
  return m;
}

/// max |A − B| / max |B| (the reference's comparison rule); +inf on a shape mismatch or NaN.
inline double relErrToMax(const Eigen::MatrixXd& A, const Eigen::MatrixXd& B)
{
  if (A.rows() != B.rows() || A.cols() != B.cols()) return INFINITY;
  if (!A.allFinite()) return INFINITY;
  const double scale = B.cwiseAbs().maxCoeff();
  return (A - B).cwiseAbs().maxCoeff() / scale;
}

/// m points uniform in [0,1)^d from a seeded mt19937_64 (53-bit mantissas), reproducible everywhere.
inline Eigen::MatrixXd uniformInputs(Eigen::Index m, int d, std::uint64_t seed)
{
  std::mt19937_64 g(seed);
  Eigen::MatrixXd X(m, d);
  for (Eigen::Index i = 0; i < m; ++i)
    for (int j = 0; j < d; ++j) X(i, j) = double(g() >> 11) * 0x1.0p-53;
  return X;
}

/// Dense(hidden), φ, …, Dense(out) with L Dense layers sharing W_std / b_std.
inline ntk::Network mlp(int inputDim, int L, ntk::Activation act, double wStd, std::optional<double> bStd,
                        int hidden, int out = 1, ntk::Parameterization p = ntk::Parameterization::Ntk)
{
  ntk::Network n;
  n.inputDim = inputDim;
  n.parameterization = p;
  for (int l = 0; l < L; ++l) {
    if (l > 0) n.layers.push_back(ntk::ActivationLayer{act});
    ntk::DenseLayer d;
    d.width = l + 1 == L ? out : hidden;
    d.wStd = wStd;
    d.bStd = bStd;
    n.layers.push_back(d);
  }
  return n;
}

} // namespace ntktest
