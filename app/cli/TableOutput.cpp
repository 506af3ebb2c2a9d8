// TableOutput.cpp — see TableOutput.h.
#include "app/cli/TableOutput.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "core/util/Errors.h"
#include "core/util/MatrixIO.h"

namespace ntkcli {

namespace {

bool isNpy(const std::string& path) { return path.size() >= 4 && path.compare(path.size() - 4, 4, ".npy") == 0; }

} // namespace

void checkHeaderTarget(const std::string& path, bool header)
{
  if (header && isNpy(path)) throw ntk::InputError("--header applies to CSV output, not to the .npy file " + path);
}

std::vector<std::string> numberedColumns(const std::string& prefix, long count)
{
  std::vector<std::string> names;
  for (long i = 0; i < count; ++i) names.push_back(prefix + std::to_string(i));
  return names;
}

void writeTable(const std::string& path, const Eigen::MatrixXd& m, const std::vector<std::string>& columns, bool header)
{
  if (!header) {
    ntk::writeMatrix(path, m);
    return;
  }
  checkHeaderTarget(path, header);
  if (Eigen::Index(columns.size()) != m.cols())
    throw std::logic_error("writeTable: " + std::to_string(columns.size()) + " column names for " +
                              std::to_string(m.cols()) + " columns");
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) throw ntk::InputError("cannot write '" + path + "': " + std::strerror(errno));
  for (std::size_t j = 0; j < columns.size(); ++j) std::fprintf(f, j ? ",%s" : "%s", columns[j].c_str());
  std::fputc('\n', f);
  // The same rows as ntk::writeCsvMatrix (a test compares them byte for byte).
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    for (Eigen::Index j = 0; j < m.cols(); ++j) std::fprintf(f, j ? ",%.17g" : "%.17g", m(i, j));
    std::fputc('\n', f);
  }
  if (std::fclose(f) != 0) throw ntk::InputError("error writing '" + path + "'");
}

} // namespace ntkcli
