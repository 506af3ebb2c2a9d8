#include "widgets/network/NetworkDocument.h"

#include <algorithm>

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QUndoStack>
#include <nlohmann/json.hpp>

#include "core/network/NetworkJson.h"
#include "core/util/Errors.h"
#include "widgets/network/DocumentCommand.h"

namespace ntk::gui {

namespace {

/// One edit of one network: its value before and after. Merges with the next command of the same key
/// so dragging a spin box from 1.0 to 2.0 is one undo step, not a hundred.
class SetNetworkCommand : public DocumentCommand {
public:
  SetNetworkCommand(NetworkDocument* doc, int id, Network before, Network after, const QString& text, const QString& key)
      : DocumentCommand(doc, text), m_id(id), m_before(std::move(before)), m_after(std::move(after)), m_key(key),
        m_lastEdit(QDateTime::currentMSecsSinceEpoch())
  {
  }
  void apply(bool forward) override { document()->setNetworkDirect(m_id, forward ? m_after : m_before); }
  int id() const override { return m_key.isEmpty() ? -1 : 1; }
  bool mergeWith(const QUndoCommand* other) override
  {
    // One drag = one step: merge the same control's edits only while they keep coming (< 1 s apart),
    // so two separate edits of W_std a few seconds apart stay two undo steps.
    const auto* o = dynamic_cast<const SetNetworkCommand*>(other);
    if (!o || o->m_key != m_key || o->m_id != m_id || o->m_lastEdit - m_lastEdit > kMergeWindowMs) return false;
    m_after = o->m_after;
    m_lastEdit = o->m_lastEdit;
    setText(o->text()); // the text names the final value
    return true;
  }

private:
  int m_id;
  Network m_before, m_after;
  QString m_key;
  qint64 m_lastEdit;
  static constexpr qint64 kMergeWindowMs = 1000;
};

/// Add, rename, remove a network: the document's structure before and after.
class SetStructureCommand : public DocumentCommand {
public:
  SetStructureCommand(NetworkDocument* doc, NetworkDocument::Structure before, NetworkDocument::Structure after,
                      const QString& text)
      : DocumentCommand(doc, text), m_before(std::move(before)), m_after(std::move(after))
  {
  }
  void apply(bool forward) override { document()->setStructureDirect(forward ? m_after : m_before); }

private:
  NetworkDocument::Structure m_before, m_after;
};

QString quoted(const QString& name) { return QStringLiteral("‘%1’").arg(name); }

} // namespace

DocumentCommand::DocumentCommand(NetworkDocument* doc, const QString& text) : m_doc(doc), m_context(doc->editContext())
{
  const QString title = doc->editContextTitle();
  setText(title.isEmpty() ? text : QStringLiteral("%1 (%2)").arg(text, title));
}

void DocumentCommand::undo()
{
  apply(false);
  m_doc->activateContext(m_context);
}

void DocumentCommand::redo()
{
  apply(true);
  if (m_pushed) m_doc->activateContext(m_context);
  m_pushed = true;
}

NetworkDocument::NetworkDocument(QObject* parent) : QObject(parent), m_undo(new QUndoStack(this))
{
  m_networks.push_back({m_nextId++, tr("main"), Network::defaultNetwork(1), {}});
  m_current = m_networks.front().id;
}

const NamedNetwork* NetworkDocument::find(int id) const
{
  for (const NamedNetwork& n : m_networks)
    if (n.id == id) return &n;
  return nullptr;
}

NamedNetwork* NetworkDocument::findMutable(int id) { return const_cast<NamedNetwork*>(find(id)); }

const NamedNetwork* NetworkDocument::findByName(const QString& name) const
{
  for (const NamedNetwork& n : m_networks)
    if (n.name == name) return &n;
  return nullptr;
}

const Network& NetworkDocument::network() const { return network(m_current); }

const Network& NetworkDocument::network(int id) const
{
  const NamedNetwork* n = find(id);
  return n ? n->network : m_networks.front().network;
}

QString NetworkDocument::networkName(int id) const
{
  const NamedNetwork* n = find(id);
  return n ? n->name : QString();
}

void NetworkDocument::setCurrent(int id)
{
  if (id == m_current || !find(id)) return;
  m_current = id;
  emit currentChanged(id);
  emit filePathChanged(filePath());
  emit changed();
}

QString NetworkDocument::uniqueName(const QString& base) const
{
  const QString stem = base.trimmed().isEmpty() ? tr("network") : base.trimmed();
  if (!findByName(stem)) return stem;
  for (int i = 2;; ++i)
    if (const QString candidate = QStringLiteral("%1 %2").arg(stem).arg(i); !findByName(candidate)) return candidate;
}

int NetworkDocument::networkIdFor(const QString& panel) const
{
  const int id = m_bindings.value(panel, 0);
  return find(id) ? id : m_networks.front().id;
}

const Network& NetworkDocument::networkFor(const QString& panel) const { return network(networkIdFor(panel)); }

void NetworkDocument::bindPanel(const QString& panel, int id)
{
  if (!find(id)) return;
  const int before = networkIdFor(panel);
  m_bindings.insert(panel, id);
  emit panelBindingChanged(panel);
  if (before != id) emit changed();
}

bool NetworkDocument::edit(const QString& description, const std::function<void(Network&)>& fn, const QString& mergeKey)
{
  return editNetwork(m_current, description, fn, mergeKey);
}

bool NetworkDocument::editNetwork(int id, const QString& description, const std::function<void(Network&)>& fn,
                                  const QString& mergeKey)
{
  const NamedNetwork* target = find(id);
  if (!target) return false;
  Network next = target->network;
  fn(next);
  try {
    next.validate();
  } catch (const NtkError& e) {
    emit editRejected(QString::fromStdString(e.what()));
    return false;
  }
  // Name the network only when there is more than one: "Set width of layer 1 to 1024 in ‘wide’".
  const QString text = m_networks.size() > 1 ? tr("%1 in %2").arg(description, quoted(target->name)) : description;
  m_undo->push(new SetNetworkCommand(this, id, target->network, next, text, mergeKey));
  return true;
}

bool NetworkDocument::replace(const Network& net, const QString& description)
{
  return edit(description, [&net](Network& n) { n = net; });
}

void NetworkDocument::pushStructure(const QString& description, const Structure& after)
{
  m_undo->push(new SetStructureCommand(this, structure(), after, description));
}

int NetworkDocument::addNetwork(const QString& name, const Network& net, const QString& description)
{
  try {
    net.validate();
  } catch (const NtkError& e) {
    emit editRejected(QString::fromStdString(e.what()));
    return -1;
  }
  Structure after = structure();
  const int id = m_nextId++;
  const QString unique = uniqueName(name);
  after.networks.push_back({id, unique, net, {}});
  after.current = id;
  if (!m_context.isEmpty()) after.bindings.insert(m_context, id);
  pushStructure(description.isEmpty() ? tr("New network %1").arg(quoted(unique)) : description, after);
  return id;
}

bool NetworkDocument::renameNetwork(int id, const QString& name, QString* why)
{
  const QString trimmed = name.trimmed();
  QString reason;
  if (!find(id))
    reason = tr("no such network");
  else if (trimmed.isEmpty())
    reason = tr("a network needs a name");
  else if (const NamedNetwork* other = findByName(trimmed); other && other->id != id)
    reason = tr("another network is already called %1").arg(quoted(trimmed));
  if (!reason.isEmpty()) {
    if (why) *why = reason;
    emit editRejected(reason);
    return false;
  }
  if (trimmed == networkName(id)) return true;
  Structure after = structure();
  for (NamedNetwork& n : after.networks)
    if (n.id == id) n.name = trimmed;
  pushStructure(tr("Rename %1 to %2").arg(quoted(networkName(id)), quoted(trimmed)), after);
  return true;
}

bool NetworkDocument::removeNetwork(int id, QString* why)
{
  if (!find(id) || m_networks.size() < 2) {
    const QString reason = find(id) ? tr("the document needs at least one network") : tr("no such network");
    if (why) *why = reason;
    emit editRejected(reason);
    return false;
  }
  Structure after = structure();
  std::erase_if(after.networks, [id](const NamedNetwork& n) { return n.id == id; });
  if (after.current == id) after.current = after.networks.front().id;
  for (auto it = after.bindings.begin(); it != after.bindings.end();)
    it = (it.value() == id) ? after.bindings.erase(it) : std::next(it);
  pushStructure(tr("Delete network %1").arg(quoted(networkName(id))), after);
  return true;
}

void NetworkDocument::setNetworkDirect(int id, const Network& net)
{
  if (NamedNetwork* n = findMutable(id)) {
    n->network = net;
    emit changed();
  }
}

void NetworkDocument::setStructureDirect(const Structure& s)
{
  for (const NamedNetwork& n : s.networks) m_nextId = std::max(m_nextId, n.id + 1); // ids are never reused
  const bool currentMoved = s.current != m_current;
  m_networks = s.networks;
  m_current = s.current;
  m_bindings = s.bindings;
  emit networksChanged();
  if (currentMoved) emit currentChanged(m_current);
  emit filePathChanged(filePath());
  for (auto it = m_bindings.cbegin(); it != m_bindings.cend(); ++it) emit panelBindingChanged(it.key());
  emit changed();
}

void NetworkDocument::setEditContext(const QString& panelName, const QString& title)
{
  m_context = panelName;
  m_contextTitle = title;
}

bool NetworkDocument::load(const QString& path, QString* error)
{
  // QFile, not std::ifstream: the path may be a Qt resource (":/networks/…") or hold non-ASCII names.
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) {
    if (error) *error = tr("cannot open '%1': %2").arg(path, file.errorString());
    return false;
  }
  const QByteArray text = file.readAll();
  try {
    Network net = networkFromJson(text.toStdString());
    m_undo->clear();
    NamedNetwork* current = findMutable(m_current);
    current->network = std::move(net);
    current->path = path;
    const QString base = QFileInfo(path).completeBaseName();
    if (const NamedNetwork* other = findByName(base); !other || other->id == m_current)
      current->name = base;
    else
      current->name = uniqueName(base);
    m_undo->setClean();
    emit networksChanged();
    emit filePathChanged(path);
    emit changed();
    return true;
  } catch (const NtkError& e) {
    if (error) *error = path + QStringLiteral(": ") + QString::fromStdString(e.what());
    return false;
  }
}

bool NetworkDocument::save(const QString& path, QString* error)
{
  try {
    saveNetwork(network(), path.toStdString());
    findMutable(m_current)->path = path;
    m_undo->setClean();
    emit filePathChanged(path);
    return true;
  } catch (const NtkError& e) {
    if (error) *error = QString::fromStdString(e.what());
    return false;
  }
}

void NetworkDocument::reset(const Network& net)
{
  m_undo->clear();
  NamedNetwork* current = findMutable(m_current);
  current->network = net;
  current->path.clear();
  emit filePathChanged(QString());
  emit changed();
}

QString NetworkDocument::filePath() const
{
  const NamedNetwork* n = find(m_current);
  return n ? n->path : QString();
}

bool NetworkDocument::isModified() const { return !m_undo->isClean(); }

std::string NetworkDocument::toJson() const
{
  nlohmann::ordered_json doc;
  doc["format"] = "ntk-studio.document/1";
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const NamedNetwork& n : m_networks)
    list.push_back({{"name", n.name.toStdString()}, {"network", nlohmann::ordered_json::parse(networkToJson(n.network))}});
  doc["networks"] = list;
  doc["current"] = currentName().toStdString();
  nlohmann::ordered_json panels = nlohmann::ordered_json::object();
  QStringList names = m_bindings.keys();
  names.sort();
  for (const QString& p : names) panels[p.toStdString()] = networkNameFor(p).toStdString();
  doc["panels"] = panels;
  return doc.dump(2);
}

bool NetworkDocument::fromJson(const std::string& text, QString* error)
{
  auto fail = [error](const QString& why) {
    if (error) *error = why;
    return false;
  };
  Structure s;
  try {
    const nlohmann::json doc = nlohmann::json::parse(text);
    if (!doc.is_object() || doc.value("format", std::string()) != "ntk-studio.document/1")
      return fail(tr("not an NTK Studio document (\"format\" must be \"ntk-studio.document/1\")"));
    for (const auto& [key, value] : doc.items())
      if (key != "format" && key != "networks" && key != "current" && key != "panels") return fail(tr("unknown key \"%1\"").arg(QString::fromStdString(key)));
    const auto& list = doc.at("networks");
    if (!list.is_array() || list.empty()) return fail(tr("\"networks\" must be a non-empty array"));
    int id = 1;
    for (const auto& entry : list) {
      const QString name = QString::fromStdString(entry.at("name").get<std::string>()).trimmed();
      if (name.isEmpty()) return fail(tr("networks[%1]: empty name").arg(id - 1));
      for (const NamedNetwork& n : s.networks)
        if (n.name == name) return fail(tr("networks[%1]: the name ‘%2’ is used twice").arg(id - 1).arg(name));
      try {
        s.networks.push_back({id++, name, networkFromJson(entry.at("network").dump()), {}});
      } catch (const NtkError& e) {
        return fail(tr("network ‘%1’: %2").arg(name, QString::fromStdString(e.what())));
      }
    }
    auto idOf = [&s](const QString& name) {
      for (const NamedNetwork& n : s.networks)
        if (n.name == name) return n.id;
      return 0;
    };
    s.current = doc.contains("current") ? idOf(QString::fromStdString(doc["current"].get<std::string>())) : 1;
    if (!s.current) return fail(tr("\"current\" names no network of the document"));
    if (doc.contains("panels"))
      for (const auto& [panel, name] : doc["panels"].items()) {
        const int bound = idOf(QString::fromStdString(name.get<std::string>()));
        if (!bound) return fail(tr("panels.%1 names no network of the document").arg(QString::fromStdString(panel)));
        s.bindings.insert(QString::fromStdString(panel), bound);
      }
    m_nextId = id;
  } catch (const nlohmann::json::exception& e) {
    return fail(tr("malformed document: %1").arg(QString::fromUtf8(e.what())));
  }
  m_undo->clear();
  setStructureDirect(s);
  m_undo->setClean();
  return true;
}

} // namespace ntk::gui
