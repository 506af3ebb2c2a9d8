#include "widgets/window/AboutBox.h"

#include <QCoreApplication>
#include <QMessageBox>
#include <QPixmap>

namespace ntk::gui {

namespace {

QString tr(const char* text) { return QCoreApplication::translate("ntk::gui::AboutBox", text); }

} // namespace

QString aboutHtml(const PanelSummaries& panels, const QString& version)
{
  QString list;
  for (const auto& [title, what] : panels)
    list += QStringLiteral("<li><b>%1</b> — %2</li>").arg(title.toHtmlEscaped(), what.toHtmlEscaped());
  return tr("<h3>NTK Studio %1</h3>"
            "<p>The exact infinite-width neural tangent kernel (NTK) and NNGP kernel of the network you build, "
            "with the finite network's Monte-Carlo kernel beside them, and what they imply. The <b>Network</b> "
            "dock edits the network (encoding, layers, parameterisation; every edit undoable); every panel "
            "recomputes off the GUI thread after each edit:</p><ul>%2</ul>"
            "<p><code>ntk-cli</code> reproduces every number from the command line; <nobr><code>ntk-studio "
            "--screenshot</code></nobr> renders a panel to a file; without a display <code>ntk-studio</code> writes a "
            "headless demo. Help ▸ Guide (F1) explains each panel.</p>"
            "<p>Mathematics: L. Golikov, E. Pokonechnyy, V. Korviakov, <i>Neural Tangent Kernel: A Survey</i> "
            "(2022); kernel conventions as in Neural Tangents; Fourier features after Tancik et al. (2020).</p>"
            "<p>The Image panel's bundled sample pictures: scikit-image sample data — astronaut "
            "and text (public domain), coffee, chelsea and camera (CC0); sources in "
            "<code>resources/images/LICENSES.md</code>.</p>"
            "<p>Built with Qt %3, VTK, Eigen, oneTBB, FFTW, Spectra, LAPACK/OpenBLAS, nlohmann-json, CLI11 and "
            "libpng.</p>")
      .arg(version.toHtmlEscaped(), list, QString::fromLatin1(qVersion()));
}

QMessageBox* showAboutBox(QWidget* parent, const PanelSummaries& panels, const QString& version)
{
  auto* box = new QMessageBox(parent);
  box->setObjectName(QStringLiteral("aboutNtkStudio"));
  box->setAttribute(Qt::WA_DeleteOnClose);
  box->setWindowTitle(tr("About NTK Studio"));
  box->setIconPixmap(QPixmap(QStringLiteral(":/icons/ntk-studio.svg")).scaled(64, 64, Qt::KeepAspectRatio, Qt::SmoothTransformation));
  box->setTextFormat(Qt::RichText);
  box->setText(aboutHtml(panels, version));
  box->setStandardButtons(QMessageBox::Close);
  box->open(); // not exec(): the window keeps running (and tests can read the box)
  return box;
}

} // namespace ntk::gui
