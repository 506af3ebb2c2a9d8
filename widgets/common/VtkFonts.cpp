#include "widgets/common/VtkFonts.h"

#include <QFileInfo>
#include <QString>
#include <string>

#include <vtkTextProperty.h>

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

} // namespace ntk::gui
