#include "widgets/common/VtkFonts.h"

#include <QFileInfo>
#include <QString>
#include <string>

#include <QStringList>

#include <vtkStdString.h>
#include <vtkTextProperty.h>
#include <vtkTextRenderer.h>

namespace ntk::gui {

const char* unicodeFontFile()
{
  static const std::string path = [] {
    for (const char* p : {"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans.ttf"})
      if (QFileInfo::exists(QString::fromLatin1(p))) return std::string(p);
    return std::string();
  }();
  return path.c_str();
}

void styleVtkText(vtkTextProperty* text, int fontSize, bool bold)
{
  const char* font = unicodeFontFile();
  if (*font) {
    text->SetFontFamily(VTK_FONT_FILE);
    text->SetFontFile(font);
  } else {
    text->SetFontFamilyToArial();
  }
  text->SetFontSize(fontSize);
  text->SetColor(0.1, 0.1, 0.1);
  text->SetBold(bold);
  text->ItalicOff();
  text->ShadowOff();
}

std::pair<int, int> vtkTextSize(vtkTextProperty* property, const std::string& text, int dpi)
{
  vtkTextRenderer* renderer = vtkTextRenderer::GetInstance();
  int box[4] = {0, 0, 0, 0};
  if (!renderer || text.empty() || !renderer->GetBoundingBox(property, vtkStdString(text), box, dpi)) return {0, 0};
  return {box[1] - box[0], box[3] - box[2]};
}

std::string wrapVtkText(vtkTextProperty* property, const QString& text, double maxWidth, int dpi)
{
  QStringList lines;
  QString line;
  for (const QString& word : text.split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
    const QString candidate = line.isEmpty() ? word : line + QLatin1Char(' ') + word;
    if (!line.isEmpty() && vtkTextSize(property, candidate.toStdString(), dpi).first > maxWidth) {
      lines << line;
      line = word;
    } else {
      line = candidate;
    }
  }
  if (!line.isEmpty()) lines << line;
  return lines.join(QLatin1Char('\n')).toStdString();
}

} // namespace ntk::gui
