// MatrixIO.h — dense matrices to and from files.
// In: a path and an Eigen matrix. Out: CSV (no header, one row per line, 17 significant digits,
// CONVENTIONS §5) or NumPy .npy (float64, C order). `writeMatrix` picks by extension.
// Errors: InputError naming the file and the line/column that could not be read.
#pragma once
#include <string>

#include <Eigen/Dense>

namespace ntk {

Eigen::MatrixXd readCsvMatrix(const std::string& path);
Eigen::MatrixXd readNpyMatrix(const std::string& path);
/// CSV or .npy by extension.
Eigen::MatrixXd readMatrix(const std::string& path);

void writeCsvMatrix(const std::string& path, const Eigen::MatrixXd& m);
void writeNpyMatrix(const std::string& path, const Eigen::MatrixXd& m);
/// .npy when the name ends in ".npy", CSV otherwise.
void writeMatrix(const std::string& path, const Eigen::MatrixXd& m);

} // namespace ntk
