// LabelledBox — a label and its control kept together on one line (so wrapping control rows, FlowLayout,
// never separate a box from its name). In: the label text and the control. Out: a new widget holding
// both (the control is reparented to it). GUI thread only.
#pragma once
#include <QHBoxLayout>
#include <QLabel>
#include <QWidget>

namespace ntk::gui {

inline QWidget* labelledBox(const QString& text, QWidget* box)
{
  auto* w = new QWidget;
  auto* row = new QHBoxLayout(w);
  row->setContentsMargins(0, 0, 0, 0);
  row->addWidget(new QLabel(text));
  row->addWidget(box);
  return w;
}

} // namespace ntk::gui
