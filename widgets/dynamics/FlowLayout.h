// FlowLayout — lays its items out left to right and wraps to a new line when the width runs out (the
// Qt "flow layout" example), so the dynamics panel's control rows fit a narrow window instead of
// forcing the window wide. In: items (widgets or layouts), spacing. Out: their geometry; the minimum
// width is the widest single item, the height follows the width (heightForWidth). GUI thread only.
#pragma once
#include <QLayout>
#include <QList>

namespace ntk::gui {

class FlowLayout : public QLayout {
public:
  explicit FlowLayout(QWidget* parent = nullptr, int hSpacing = 8, int vSpacing = 4);
  ~FlowLayout() override;

  void addItem(QLayoutItem* item) override;
  int count() const override { return int(m_items.size()); }
  QLayoutItem* itemAt(int index) const override;
  QLayoutItem* takeAt(int index) override;
  Qt::Orientations expandingDirections() const override { return {}; }
  bool hasHeightForWidth() const override { return true; }
  int heightForWidth(int width) const override;
  QSize minimumSize() const override;
  QSize sizeHint() const override;
  void setGeometry(const QRect& rect) override;

private:
  /// Places the items in `rect` (or only measures, when `apply` is false); returns the height used.
  int arrange(const QRect& rect, bool apply) const;

  QList<QLayoutItem*> m_items;
  int m_hSpacing, m_vSpacing;
};

} // namespace ntk::gui
