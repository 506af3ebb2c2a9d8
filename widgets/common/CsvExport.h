// CsvExport — the views' "Export CSV" writers.
// In: a dense matrix, or named columns of equal length. Out: a CSV file; false if it could not be
// written. Numbers carry 17 significant digits so a round trip is exact (CONVENTIONS.md §5).
#pragma once

#include <Eigen/Dense>

#include <QString>
#include <QStringList>

#include <vector>

namespace ntk::gui {

// Writes [in] matrix (rows by cols) as CSV without a header, one matrix row per line.
bool writeMatrixCsv(const Eigen::MatrixXd& matrix, const QString& path);

// Writes a header line [in] names, then row i holds columns[0](i), columns[1](i), ...
// Precondition: names.size() == columns.size() and all columns have the same length.
bool writeColumnsCsv(const QStringList& names, const std::vector<Eigen::VectorXd>& columns,
  const QString& path);

} // namespace ntk::gui
