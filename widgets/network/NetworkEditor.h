// NetworkEditor — the form-based network builder: input and encoding, parameterisation, and the
// layer list (add, remove, reorder; width, activation, W_std, b_std per layer).
// In: a NetworkDocument. Out: edits pushed to the document (undoable; spin-box drags merge).
// It redraws itself from the document on `changed()`, rebuilding the layer table only when the
// layer structure changed, so a spin box being dragged keeps its focus.
#pragma once
#include <QWidget>

class QComboBox;
class QDoubleSpinBox;
class QSpinBox;
class QTableWidget;
class QPushButton;
class QLabel;

namespace ntk::gui {

class NetworkDocument;

class NetworkEditor : public QWidget {
  Q_OBJECT

public:
  explicit NetworkEditor(NetworkDocument* doc, QWidget* parent = nullptr);

  /// The table (tests poke its cell widgets).
  QTableWidget* layerTable() const { return m_table; }

public slots:
  void refresh();
  void addHiddenLayer();
  void removeSelectedLayer();
  void moveSelectedLayer(int delta);

private:
  void rebuildTable();
  void updateTableValues();
  void updateEncodingControls();
  QString structureSignature() const;

  NetworkDocument* m_doc;
  QSpinBox* m_inputDim;
  QComboBox* m_encoding;
  QSpinBox* m_levels;
  QDoubleSpinBox* m_sigma;
  QSpinBox* m_features;
  QSpinBox* m_seed;
  QComboBox* m_parameterization;
  QTableWidget* m_table;
  QLabel* m_summary;
  QString m_tableSignature;
  QPushButton* m_remove;
  QPushButton* m_up;
  QPushButton* m_down;
};

} // namespace ntk::gui
