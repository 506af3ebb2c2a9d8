// NetworkEditor — the form-based network builder of the current network: which network (the
// document's list: new, duplicate, rename, delete), input and encoding, parameterisation, the layer
// list (add, remove, reorder; width, activation, W_std, b_std per layer) and "scale all widths".
// In: a NetworkDocument. Out: edits pushed to the document (undoable; spin-box drags merge).
// Refuse, don't bend: a value the document refuses stays in its box, marked, with the reason in the
// box's tooltip and in `valueRefused(reason)` (the status bar); the network keeps its last valid
// value, so nothing recomputes until the box is fixed.
// It redraws itself from the document on `changed()`, rebuilding the layer table only when the
// layer structure changed, so a spin box being dragged keeps its focus.
#pragma once
#include <functional>

#include <QWidget>

#include "core/network/Network.h"

class QComboBox;
class QDoubleSpinBox;
class QSpinBox;
class QTableWidget;
class QPushButton;
class QLabel;

namespace ntk::gui {

class NetworkDocument;
class CheckedSpinBox;
class CheckedDoubleSpinBox;

class NetworkEditor : public QWidget {
  Q_OBJECT

public:
  explicit NetworkEditor(NetworkDocument* doc, QWidget* parent = nullptr);

  /// The table (tests poke its cell widgets).
  QTableWidget* layerTable() const { return m_table; }
  QComboBox* networkList() const { return m_networks; }

signals:
  /// A typed value was refused: the reason (also in the box's tooltip).
  void valueRefused(const QString& reason);
  /// The user chose network `id` in the list (it is now current): the panel on screen should use it.
  void networkChosen(int id);

public slots:
  void refresh();
  void addHiddenLayer();
  void removeSelectedLayer();
  void moveSelectedLayer(int delta);
  /// Multiplies every hidden width by `factor` (rounded, at least 1): one undo step.
  bool scaleHiddenWidths(double factor);
  /// Sets every hidden width to `width`: one undo step (refused above the cap).
  bool setHiddenWidths(int width);
  void newNetwork();
  void duplicateNetwork();
  void renameNetwork();
  void deleteNetwork();

private:
  QWidget* createNetworkRow();
  QWidget* createWidthRow();
  /// Pushes the edit; when the document refuses it, marks `box` with the reason.
  template <class Box>
  void commit(Box* box, const QString& description, const std::function<void(Network&)>& edit, const QString& key = {});
  void refreshNetworkList();
  void rebuildTable();
  void updateTableValues();
  void updateEncodingControls();
  QString structureSignature() const;

  NetworkDocument* m_doc;
  QComboBox* m_networks;
  CheckedSpinBox* m_allWidths;
  QString m_lastRefusal;
  int m_shownId = 0;       ///< the network the controls show   ///< the document's reason for the edit just refused
  CheckedSpinBox* m_inputDim;
  QComboBox* m_encoding;
  CheckedSpinBox* m_levels;
  CheckedDoubleSpinBox* m_sigma;
  CheckedSpinBox* m_features;
  CheckedSpinBox* m_seed;
  QComboBox* m_parameterization;
  QTableWidget* m_table;
  QString m_tableSignature;
  QPushButton* m_remove;
  QPushButton* m_up;
  QPushButton* m_down;
};

} // namespace ntk::gui
