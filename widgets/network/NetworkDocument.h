// NetworkDocument — NTK Studio's one document: one or more named networks (plain ntk::Network
// values with stable ids), which network each panel uses, and the one undo history (QUndoStack)
// that every user action goes through (the AVO "document wraps core values" pattern).
// In: edits as functions Network& → void; structural edits (add, rename, remove a network; bind a
// panel). Out: `changed()` after anything a panel reads changed; finer signals for the dock.
// The current network is the one the Network dock edits; the main window keeps it equal to the
// network of the panel on screen, so "edit the network" always means the network you are looking at.
// An edit that makes a network invalid is refused (the value is left as it was) and reported by
// `editRejected(message)`. Consecutive edits with the same key (a spin box being dragged) merge into
// one undo step. Every undo step records the panel it was made on (DocumentCommand).
// `toJson()` is the document as a session file will hold it (networks, current, panel bindings).
// GUI thread only.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include <QHash>
#include <QObject>
#include <QString>

#include "core/network/Network.h"

class QUndoStack;

namespace ntk::gui {

/// One network of the document.
struct NamedNetwork {
  int id = 0;       ///< stable, never reused within a document
  QString name;     ///< unique within the document, non-empty
  Network network;
  QString path;     ///< the file it was opened from / saved to (empty: untitled)
};

class NetworkDocument : public QObject {
  Q_OBJECT

public:
  explicit NetworkDocument(QObject* parent = nullptr);

  QUndoStack* undoStack() const { return m_undo; }

  // ---- the networks
  const std::vector<NamedNetwork>& networks() const { return m_networks; }
  /// Null when no network has `id`.
  const NamedNetwork* find(int id) const;
  const NamedNetwork* findByName(const QString& name) const;
  int currentId() const { return m_current; }
  /// The current network: the one the Network dock edits.
  const Network& network() const;
  /// The network `id` (precondition: it exists; otherwise the current one).
  const Network& network(int id) const;
  QString networkName(int id) const;
  QString currentName() const { return networkName(m_current); }
  /// Makes `id` current (a view choice, not an undo step). Emits currentChanged and changed.
  void setCurrent(int id);
  /// `base`, or `base 2`, `base 3`, … — the first name no network has.
  QString uniqueName(const QString& base) const;

  // ---- which network each panel uses
  /// The network the panel named `panel` (its objectName, the `--panel` name) uses: the one bound to
  /// it, else the first network. Panels read their network only through this, never a private copy.
  int networkIdFor(const QString& panel) const;
  const Network& networkFor(const QString& panel) const;
  QString networkNameFor(const QString& panel) const { return networkName(networkIdFor(panel)); }
  /// Lets `panel` use network `id` (a view choice, not an undo step). Emits panelBindingChanged and,
  /// when that changes the panel's network, changed.
  void bindPanel(const QString& panel, int id);

  // ---- edits (undoable)
  /// Applies `edit` to a copy of the current network; pushes an undo step if the result is valid.
  /// `mergeKey` non-empty lets consecutive edits of the same control merge. Returns false (and emits
  /// editRejected) otherwise.
  bool edit(const QString& description, const std::function<void(Network&)>& edit, const QString& mergeKey = {});
  /// The same for network `id`.
  bool editNetwork(int id, const QString& description, const std::function<void(Network&)>& edit,
                   const QString& mergeKey = {});
  /// Replaces the whole current network as one undo step (e.g. a template).
  bool replace(const Network& net, const QString& description);
  /// Adds a network named `name` (made unique), makes it current and binds the panel the edit is made
  /// from (editContext) to it. One undo step. Returns its id, or −1 (editRejected) if `net` is invalid.
  int addNetwork(const QString& name, const Network& net, const QString& description = {});
  /// Renames; refuses (false, `why`) an empty name or one another network has. One undo step.
  bool renameNetwork(int id, const QString& name, QString* why = nullptr);
  /// Removes a network; refuses to remove the last one. Panels bound to it fall back to the first
  /// network. One undo step.
  bool removeNetwork(int id, QString* why = nullptr);

  // ---- files (the current network)
  /// Load/save network JSON; on failure returns false with `error` set and leaves the document
  /// untouched. Load replaces the current network (its name becomes the file's base name) and
  /// clears the undo history.
  bool load(const QString& path, QString* error);
  bool save(const QString& path, QString* error);
  /// Replaces the current network by `net`, untitled, and clears the undo history.
  void reset(const Network& net);
  QString filePath() const;
  bool isModified() const;

  /// The whole document as JSON: {"format": "ntk-studio.document/1", "networks": [{"name", "network"}],
  /// "current": name, "panels": {panel: network name}} — what a session file will embed.
  std::string toJson() const;
  /// Replaces the whole document by `text` (toJson's format) and clears the undo history; on a
  /// malformed document returns false with the reason (naming the key) and changes nothing.
  bool fromJson(const std::string& text, QString* error);

  // ---- used by the undo commands and the main window
  /// Sets network `id` without pushing anything.
  void setNetworkDirect(int id, const Network& net);
  /// The panel (tab name) edits are made from now: undo steps record it (DocumentCommand), and
  /// `contextTitle` is what their text names ("… (Kernel)").
  void setEditContext(const QString& panelName, const QString& title = {});
  QString editContext() const { return m_context; }
  QString editContextTitle() const { return m_contextTitle; }
  /// Called by DocumentCommand on undo/redo: emits contextActivated(context).
  void activateContext(const QString& context) { emit contextActivated(context); }

  /// Everything structural a structural undo step swaps.
  struct Structure {
    std::vector<NamedNetwork> networks;
    int current = 0;
    QHash<QString, int> bindings;
  };
  Structure structure() const { return {m_networks, m_current, m_bindings}; }
  void setStructureDirect(const Structure& s);

signals:
  /// Something a panel reads changed: a network's value, the current network, a binding.
  void changed();
  void editRejected(const QString& message);
  void filePathChanged(const QString& path);
  /// The list of networks or their names changed.
  void networksChanged();
  void currentChanged(int id);
  void panelBindingChanged(const QString& panel);
  /// An undo/redo step made in panel `context` was just applied: show that panel.
  void contextActivated(const QString& context);

private:
  NamedNetwork* findMutable(int id);
  void pushStructure(const QString& description, const Structure& after);

  std::vector<NamedNetwork> m_networks;
  int m_current = 0;
  int m_nextId = 1;
  QHash<QString, int> m_bindings;
  QUndoStack* m_undo;
  QString m_context, m_contextTitle;
};

} // namespace ntk::gui
