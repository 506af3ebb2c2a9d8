#include "widgets/common/CsvExport.h"

#include <QSaveFile>
#include <QTextStream>

namespace ntk::gui {

namespace {

QString formatNumber(double value)
{
  return QString::number(value, 'g', 17);
}

} // namespace

bool writeMatrixCsv(const Eigen::MatrixXd& matrix, const QString& path)
{
  // QSaveFile: a failed export never leaves a half-written file behind.
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) {
    return false;
  }
  QTextStream out(&file);
  for (Eigen::Index i = 0; i < matrix.rows(); ++i) {
    for (Eigen::Index j = 0; j < matrix.cols(); ++j) {
      if (j > 0) {
        out << ',';
      }
      out << formatNumber(matrix(i, j));
    }
    out << '\n';
  }
  out.flush();
  return out.status() == QTextStream::Ok && file.commit();
}

bool writeColumnsCsv(const QStringList& names, const std::vector<Eigen::VectorXd>& columns,
  const QString& path)
{
  if (names.size() != static_cast<qsizetype>(columns.size())) {
    return false;
  }
  const Eigen::Index rows = columns.empty() ? 0 : columns.front().size();
  for (const auto& column : columns) {
    if (column.size() != rows) {
      return false;
    }
  }
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) {
    return false;
  }
  QTextStream out(&file);
  QStringList quoted;
  for (const QString& name : names) {
    QString escaped = name;
    escaped.replace('"', "\"\"");
    quoted << (escaped.contains(',') || escaped.contains('"') ? '"' + escaped + '"' : escaped);
  }
  out << quoted.join(',') << '\n';
  for (Eigen::Index i = 0; i < rows; ++i) {
    for (std::size_t c = 0; c < columns.size(); ++c) {
      if (c > 0) {
        out << ',';
      }
      out << formatNumber(columns[c](i));
    }
    out << '\n';
  }
  out.flush();
  return out.status() == QTextStream::Ok && file.commit();
}

} // namespace ntk::gui
