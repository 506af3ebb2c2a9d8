// NetworkDocument — the network being edited, as a Qt document: a plain ntk::Network value plus
// an undo stack, a file path and a modified flag (the AVO "document wraps a core value" pattern).
// In: edits as functions Network& → void with a key; Out: `changed()` after every accepted change.
// An edit that makes the network invalid is refused (the value is left as it was) and reported by
// `editRejected(message)`. Consecutive edits with the same key (a spin box being dragged) merge
// into one undo step.
#pragma once
#include <functional>

#include <QObject>
#include <QString>

#include "core/network/Network.h"

class QUndoStack;

namespace ntk::gui {

class NetworkDocument : public QObject {
  Q_OBJECT

public:
  explicit NetworkDocument(QObject* parent = nullptr);

  /// The current network: the one the Network dock edits.
  const Network& network() const { return m_network; }
  /// The network the panel named `panel` (its objectName, the `--panel` name) uses. Panels read
  /// their network only through this, never through a private copy.
  const Network& networkFor(const QString& panel) const;
  QUndoStack* undoStack() const { return m_undo; }

  /// Applies `edit` to a copy; pushes an undo step if the result is valid. `mergeKey` non-empty lets
  /// consecutive edits of the same control merge. Returns false (and emits editRejected) otherwise.
  bool edit(const QString& description, const std::function<void(Network&)>& edit, const QString& mergeKey = {});
  /// Replaces the whole network as one undo step (e.g. a template).
  bool replace(const Network& net, const QString& description);

  /// Load/save JSON; on failure returns false with `error` set and leaves the document untouched.
  bool load(const QString& path, QString* error);
  bool save(const QString& path, QString* error);
  /// A fresh default network, clean undo history.
  void reset(const Network& net);

  QString filePath() const { return m_path; }
  bool isModified() const;

  /// Used by the undo commands: sets the value without pushing anything.
  void setNetworkDirect(const Network& net);

  /// The panel (tab name) edits are made from now: undo steps record it (DocumentCommand).
  void setEditContext(const QString& panelName) { m_context = panelName; }
  QString editContext() const { return m_context; }
  /// Called by DocumentCommand on undo/redo: emits contextActivated(context).
  void activateContext(const QString& context) { emit contextActivated(context); }

signals:
  void changed();
  void editRejected(const QString& message);
  void filePathChanged(const QString& path);
  /// An undo/redo step made in panel `context` was just applied: show that panel.
  void contextActivated(const QString& context);

private:
  Network m_network;
  QUndoStack* m_undo;
  QString m_path;
  QString m_context;
};

} // namespace ntk::gui
