#include "core/util/MatrixIO.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "core/util/Errors.h"

namespace ntk {

namespace {

bool endsWith(const std::string& s, const std::string& suffix)
{
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

} // namespace

Eigen::MatrixXd readCsvMatrix(const std::string& path)
{
  std::ifstream in(path);
  if (!in) throw InputError("cannot open '" + path + "': " + std::strerror(errno));
  std::vector<std::vector<double>> rows;
  std::string line;
  int lineNo = 0;
  while (std::getline(in, line)) {
    ++lineNo;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    if (line[line.find_first_not_of(" \t")] == '#') continue;
    std::vector<double> row;
    int col = 0;
    // Split on every comma ourselves: getline(',') drops a trailing empty cell, so "0.1,0.2," would
    // silently read as two columns.
    for (size_t start = 0;;) {
      const size_t comma = line.find(',', start);
      const std::string cell = line.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      ++col;
      if (cell.find_first_not_of(" \t") == std::string::npos)
        throw InputError(path + ":" + std::to_string(lineNo) + ": column " + std::to_string(col) +
                         " is empty" + (comma == std::string::npos ? " (a trailing comma?)" : ""));
      const char* b = cell.c_str();
      char* e = nullptr;
      const double v = std::strtod(b, &e);
      while (e && (*e == ' ' || *e == '\t')) ++e;
      if (e == b || (e && *e != '\0'))
        throw InputError(path + ":" + std::to_string(lineNo) + ": column " + std::to_string(col) +
                         " is not a number: '" + cell + "'");
      if (!std::isfinite(v))
        throw InputError(path + ":" + std::to_string(lineNo) + ": column " + std::to_string(col) +
                         " is not finite");
      row.push_back(v);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    if (!rows.empty() && row.size() != rows.front().size())
      throw InputError(path + ":" + std::to_string(lineNo) + ": has " + std::to_string(row.size()) +
                       " columns, expected " + std::to_string(rows.front().size()));
    rows.push_back(std::move(row));
  }
  if (rows.empty()) throw InputError("'" + path + "' holds no rows");
  Eigen::MatrixXd m(rows.size(), rows.front().size());
  for (size_t i = 0; i < rows.size(); ++i)
    for (size_t j = 0; j < rows[i].size(); ++j) m(Eigen::Index(i), Eigen::Index(j)) = rows[i][j];
  return m;
}

Eigen::MatrixXd readNpyMatrix(const std::string& path)
{
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot open '" + path + "': " + std::strerror(errno));
  char magic[8];
  in.read(magic, 8);
  if (!in || std::memcmp(magic, "\x93NUMPY", 6) != 0) throw InputError("'" + path + "' is not a .npy file");
  const int major = static_cast<unsigned char>(magic[6]);
  std::uint32_t headerLen = 0;
  if (major == 1) {
    unsigned char b[2];
    in.read(reinterpret_cast<char*>(b), 2);
    headerLen = b[0] | (b[1] << 8);
  } else {
    unsigned char b[4];
    in.read(reinterpret_cast<char*>(b), 4);
    headerLen = b[0] | (b[1] << 8) | (b[2] << 16) | (std::uint32_t(b[3]) << 24);
  }
  std::string header(headerLen, '\0');
  in.read(header.data(), headerLen);
  if (!in) throw InputError("'" + path + "': truncated .npy header");
  if (header.find("'<f8'") == std::string::npos)
    throw InputError("'" + path + "': only float64 ('<f8') .npy arrays are supported");
  const bool fortran = header.find("'fortran_order': True") != std::string::npos;
  const auto lp = header.find('(', header.find("'shape'"));
  const auto rp = header.find(')', lp);
  if (lp == std::string::npos || rp == std::string::npos) throw InputError("'" + path + "': no shape in .npy header");
  std::vector<long long> dims;
  std::stringstream ss(header.substr(lp + 1, rp - lp - 1));
  std::string tok;
  while (std::getline(ss, tok, ','))
    if (tok.find_first_of("0123456789") != std::string::npos) {
      errno = 0;
      char* end = nullptr;
      const long long v = std::strtoll(tok.c_str(), &end, 10);
      if (errno == ERANGE || v <= 0)
        throw InputError("'" + path + "': .npy shape entry '" + tok + "' is not a positive size");
      dims.push_back(v);
    }
  if (dims.empty() || dims.size() > 2) throw InputError("'" + path + "': expected a 1-D or 2-D array");
  const long long r = dims[0], c = dims.size() == 2 ? dims[1] : 1;
  // The header is untrusted: check the shape against the bytes actually present before allocating it.
  const std::streamoff dataStart = in.tellg();
  in.seekg(0, std::ios::end);
  const double remaining = double(in.tellg() - dataStart);
  in.seekg(dataStart);
  const double needed = 8.0 * double(r) * double(c);
  if (!in || needed > remaining)
    throw InputError("'" + path + "': the header's shape (" + std::to_string(r) + ", " + std::to_string(c) + ") needs " +
                     std::to_string((long long)needed) + " bytes of data but the file has " +
                     std::to_string((long long)remaining));
  std::vector<double> data(size_t(r) * size_t(c));
  in.read(reinterpret_cast<char*>(data.data()), std::streamsize(data.size() * sizeof(double)));
  if (!in) throw InputError("'" + path + "': truncated .npy data");
  Eigen::MatrixXd m(r, c);
  for (long long i = 0; i < r; ++i)
    for (long long j = 0; j < c; ++j) m(i, j) = fortran ? data[size_t(j * r + i)] : data[size_t(i * c + j)];
  return m;
}

Eigen::MatrixXd readMatrix(const std::string& path)
{
  return endsWith(path, ".npy") ? readNpyMatrix(path) : readCsvMatrix(path);
}

void writeCsvMatrix(const std::string& path, const Eigen::MatrixXd& m)
{
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) throw InputError("cannot write '" + path + "': " + std::strerror(errno));
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    for (Eigen::Index j = 0; j < m.cols(); ++j) std::fprintf(f, j ? ",%.17g" : "%.17g", m(i, j));
    std::fputc('\n', f);
  }
  if (std::fclose(f) != 0) throw InputError("error writing '" + path + "'");
}

void writeNpyMatrix(const std::string& path, const Eigen::MatrixXd& m)
{
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (" + std::to_string(m.rows()) +
                       ", " + std::to_string(m.cols()) + "), }";
  // Pad so that magic(6)+version(2)+len(2)+header+'\n' is a multiple of 64.
  const size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::ofstream out(path, std::ios::binary);
  if (!out) throw InputError("cannot write '" + path + "': " + std::strerror(errno));
  out.write("\x93NUMPY\x01\x00", 8);
  const unsigned char len[2] = {static_cast<unsigned char>(header.size() & 0xff),
                                static_cast<unsigned char>(header.size() >> 8)};
  out.write(reinterpret_cast<const char*>(len), 2);
  out.write(header.data(), std::streamsize(header.size()));
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rm = m;
  out.write(reinterpret_cast<const char*>(rm.data()), std::streamsize(rm.size() * sizeof(double)));
  if (!out) throw InputError("error writing '" + path + "'");
}

void writeMatrix(const std::string& path, const Eigen::MatrixXd& m)
{
  if (endsWith(path, ".npy"))
    writeNpyMatrix(path, m);
  else
    writeCsvMatrix(path, m);
}

} // namespace ntk
