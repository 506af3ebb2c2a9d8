// TableOutput.h — how ntk-cli writes a result matrix, with or without a CSV header.
// In: the output path, the matrix (rows by columns), one name per column, and whether --header was given.
// Out: the file. Without --header exactly ntk::writeMatrix (.npy by extension, else CSV with no
// header, 17 significant digits: a contract scripts rely on). With --header one more first line,
// the column names joined by commas; the rows below it are byte for byte the same.
// Errors: InputError when --header is asked for a .npy file (checkHeaderTarget, before any work).
#pragma once
#include <string>
#include <vector>

#include <Eigen/Dense>

namespace ntkcli {

/// Refuses `--header` with a .npy output: call it before the work starts.
void checkHeaderTarget(const std::string& path, bool header);

/// `prefix0,prefix1,…` (count names).
std::vector<std::string> numberedColumns(const std::string& prefix, long count);

/// Writes m to path; with `header` the first line names the columns (columns.size() == m.cols()).
void writeTable(const std::string& path, const Eigen::MatrixXd& m, const std::vector<std::string>& columns, bool header);

} // namespace ntkcli
