// test_matrix_io — core/util/MatrixIO: CSV (17 significant digits, CONVENTIONS §5) and .npy round trips are
// bit-exact; malformed CSV (ragged rows, non-numbers) gives an InputError naming the file and the line.
#include <QtTest>

#include <QTemporaryDir>

#include <cmath>
#include <fstream>
#include <limits>
#include <random>

#include "core/util/Errors.h"
#include "core/util/MatrixIO.h"

using namespace ntk;

namespace {

Eigen::MatrixXd awkwardMatrix()
{
  std::mt19937_64 g(99);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  Eigen::MatrixXd m(7, 5);
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < m.cols(); ++j) m(i, j) = u(g) * std::pow(10.0, double(int(i * 5 + j) % 41 - 20));
  m(0, 0) = 0.1;
  m(0, 1) = 1.0 / 3.0;
  m(0, 2) = std::numeric_limits<double>::denorm_min();
  m(0, 3) = std::numeric_limits<double>::max();
  m(0, 4) = -0.0;
  m(1, 0) = 1.0 + std::numeric_limits<double>::epsilon();
  m(1, 1) = -std::numeric_limits<double>::min();
  return m;
}

void writeText(const std::string& path, const std::string& text)
{
  std::ofstream out(path);
  out << text;
}

} // namespace

class TestMatrixIo : public QObject {
  Q_OBJECT
  QTemporaryDir m_dir;
  std::string path(const char* name) const { return (m_dir.path() + "/" + name).toStdString(); }

private slots:
  void initTestCase() { QVERIFY(m_dir.isValid()); }

  void csvRoundTripBitExact()
  {
    const Eigen::MatrixXd m = awkwardMatrix();
    writeCsvMatrix(path("m.csv"), m);
    const Eigen::MatrixXd back = readCsvMatrix(path("m.csv"));
    QCOMPARE(back.rows(), m.rows());
    QCOMPARE(back.cols(), m.cols());
    for (Eigen::Index i = 0; i < m.rows(); ++i)
      for (Eigen::Index j = 0; j < m.cols(); ++j)
        QVERIFY2(std::memcmp(&back(i, j), &m(i, j), sizeof(double)) == 0 || (m(i, j) == 0 && back(i, j) == 0),
                 qPrintable(QString("(%1,%2): %3 vs %4").arg(i).arg(j).arg(back(i, j), 0, 'g', 17).arg(m(i, j), 0, 'g', 17)));
    // writeMatrix / readMatrix pick CSV for other extensions; no header, one row per line, comma separated.
    writeMatrix(path("m.txt"), m);
    QVERIFY(readMatrix(path("m.txt")) == m);
    std::ifstream in(path("m.csv"));
    std::string first;
    std::getline(in, first);
    QCOMPARE(std::count(first.begin(), first.end(), ','), std::ptrdiff_t(4));
    QVERIFY2(first.rfind("0.10000000000000001,", 0) == 0, first.c_str()); // 17 significant digits
  }

  void csvTolerantReading()
  {
    // CRLF line ends, spaces, blank lines and # comments are accepted.
    writeText(path("t.csv"), "# a comment\r\n1, 2.5 ,3\r\n\r\n-4,5e-3,6\r\n");
    const Eigen::MatrixXd m = readCsvMatrix(path("t.csv"));
    Eigen::MatrixXd ref(2, 3);
    ref << 1, 2.5, 3, -4, 5e-3, 6;
    QCOMPARE(m, ref);
  }

  void npyRoundTrip()
  {
    const Eigen::MatrixXd m = awkwardMatrix();
    writeNpyMatrix(path("m.npy"), m);
    const Eigen::MatrixXd back = readNpyMatrix(path("m.npy"));
    QCOMPARE(back.rows(), m.rows());
    QCOMPARE(back.cols(), m.cols());
    QVERIFY(std::memcmp(Eigen::MatrixXd(back).data(), m.data(), size_t(m.size()) * sizeof(double)) == 0);
    writeMatrix(path("w.npy"), m); // picks .npy by extension
    QVERIFY(readMatrix(path("w.npy")) == m);
    // The file is a valid NPY v1.0: magic, header length aligned to 64, C order, float64.
    std::ifstream in(path("m.npy"), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    QVERIFY(bytes.compare(0, 6, "\x93NUMPY") == 0);
    const size_t hlen = size_t(static_cast<unsigned char>(bytes[8])) | (size_t(static_cast<unsigned char>(bytes[9])) << 8);
    QCOMPARE((10 + hlen) % 64, size_t(0));
    const std::string header = bytes.substr(10, hlen);
    QVERIFY(header.find("'<f8'") != std::string::npos);
    QVERIFY(header.find("'fortran_order': False") != std::string::npos);
    QVERIFY(header.find("(7, 5)") != std::string::npos);
    QCOMPARE(bytes.size(), 10 + hlen + size_t(35 * 8));
    double second;
    std::memcpy(&second, bytes.data() + 10 + hlen + 8, 8); // C order: element (0,1)
    QCOMPARE(second, m(0, 1));
  }

  void malformedCsv_data()
  {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("lineTag");
    QTest::newRow("ragged row") << "1,2,3\n4,5,6\n7,8\n" << ":3";
    QTest::newRow("non-number") << "1,2\n3,abc\n" << ":2";
    QTest::newRow("trailing junk") << "1,2\n3,4\n5,6x\n" << ":3";
    QTest::newRow("empty cell") << "1,2\n3,,4\n" << ":2";
    QTest::newRow("ragged after comment") << "# header\n1,2\n1,2,3\n" << ":3";
    // getline(',') drops a trailing empty cell: "0.1,0.2," must not read as two columns.
    QTest::newRow("trailing comma") << "0.1,0.2,\n0.3,0.4,\n" << ":1: column 3 is empty";
    QTest::newRow("trailing comma on one line") << "0.1,0.2\n0.3,0.4,\n" << ":2: column 3 is empty";
    QTest::newRow("leading comma") << ",0.1,0.2\n" << ":1: column 1 is empty";
    QTest::newRow("blank cell") << "1, ,2\n" << ":1: column 2 is empty";
  }

  void malformedCsv()
  {
    QFETCH(QString, text);
    QFETCH(QString, lineTag);
    writeText(path("bad.csv"), text.toStdString());
    try {
      readCsvMatrix(path("bad.csv"));
      QFAIL("malformed CSV accepted");
    } catch (const InputError& e) {
      const QString msg = e.what();
      QVERIFY2(msg.contains("bad.csv" + lineTag), qPrintable(msg));
    }
  }

  // The .npy header is untrusted: its shape is checked (positive, no larger than the data present)
  // before anything of that size is allocated.
  void malformedNpyShape_data()
  {
    QTest::addColumn<QString>("shape");
    QTest::addColumn<QString>("mustContain");
    QTest::newRow("huge rows") << "(4000000000000, 2)" << "needs";
    QTest::newRow("more data than present") << "(3, 3)" << "needs";
    QTest::newRow("negative") << "(-3, 2)" << "not a positive size";
    QTest::newRow("zero") << "(0, 2)" << "not a positive size";
    QTest::newRow("overflowing entry") << "(99999999999999999999999, 1)" << "not a positive size";
  }

  void malformedNpyShape()
  {
    QFETCH(QString, shape);
    QFETCH(QString, mustContain);
    // A valid 2 x 2 file whose header then claims another shape.
    std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': " + shape.toStdString() + ", }";
    header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
    header.push_back('\n');
    {
      std::ofstream out(path("shape.npy"), std::ios::binary);
      out.write("\x93NUMPY\x01\x00", 8);
      const unsigned char len[2] = {static_cast<unsigned char>(header.size() & 0xff), static_cast<unsigned char>(header.size() >> 8)};
      out.write(reinterpret_cast<const char*>(len), 2);
      out << header;
      const double data[4] = {1, 2, 3, 4};
      out.write(reinterpret_cast<const char*>(data), sizeof data);
    }
    try {
      readNpyMatrix(path("shape.npy"));
      QFAIL("bad shape accepted");
    } catch (const InputError& e) {
      QVERIFY2(QString(e.what()).contains(mustContain) && QString(e.what()).contains("shape.npy"), e.what());
    }
  }

  void missingAndEmptyFiles()
  {
    try {
      readCsvMatrix(path("does_not_exist.csv"));
      QFAIL("missing file accepted");
    } catch (const InputError& e) {
      QVERIFY2(QString(e.what()).contains("does_not_exist.csv"), e.what());
    }
    writeText(path("empty.csv"), "\n# nothing\n");
    QVERIFY_THROWS_EXCEPTION(InputError, readCsvMatrix(path("empty.csv")));
    writeText(path("notnpy.npy"), "1,2,3\n");
    QVERIFY_THROWS_EXCEPTION(InputError, readNpyMatrix(path("notnpy.npy")));
  }
};

QTEST_APPLESS_MAIN(TestMatrixIo)
#include "test_matrix_io.moc"
