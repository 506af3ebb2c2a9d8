// NetworkBar — the line at the top of every panel that says which network the panel uses, and lets
// the user choose another one. When the panel needs a particular input (the image panel: input_dim
// 2; the 1-D playground: input_dim 1) and the network has another, the bar says so and offers two
// explicit fixes: change the network's input_dim (an undoable edit of that network, which every panel
// using it sees) or make a new network for this panel (a named copy with the needed input_dim).
// Nothing is copied or changed until the user clicks.
// In: the document, the panel's name (objectName) and title. Out: document edits and bindings.
// GUI thread only.
#pragma once
#include <QWidget>

class QComboBox;
class QLabel;
class QPushButton;

namespace ntk::gui {

class NetworkDocument;

class NetworkBar : public QWidget {
  Q_OBJECT

public:
  NetworkBar(NetworkDocument* doc, const QString& panel, const QString& panelTitle, QWidget* parent = nullptr);

  /// The input dimension the panel needs now (0: any) and why ("x, y pixel coordinates").
  void setRequirement(int inputDim, const QString& purpose);
  /// Non-empty while the panel's network does not meet the requirement.
  QString mismatch() const;

  QComboBox* networkCombo() const { return m_combo; }
  QPushButton* fixButton() const { return m_fix; }
  QPushButton* newNetworkButton() const { return m_new; }

public slots:
  void refresh();
  /// The offers, also for tests and menus.
  bool applyFix();
  bool makeNetworkForPanel();

private:
  NetworkDocument* m_doc;
  QString m_panel, m_panelTitle;
  int m_requiredDim = 0;
  QString m_purpose;
  QComboBox* m_combo;
  QLabel* m_summary;
  QLabel* m_problem;
  QPushButton* m_fix;
  QPushButton* m_new;
};

} // namespace ntk::gui
