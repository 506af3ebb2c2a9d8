#include "widgets/network/NetworkDocument.h"
#include "widgets/network/DocumentCommand.h"

#include <QDateTime>
#include <QFile>
#include <QUndoCommand>
#include <QUndoStack>

#include "core/network/NetworkJson.h"
#include "core/util/Errors.h"

namespace ntk::gui {

namespace {

/// One user action: the network before and after. Merges with the next command of the same key
/// so dragging a spin box from 1.0 to 2.0 is one undo step, not a hundred.
class SetNetworkCommand : public DocumentCommand {
public:
  SetNetworkCommand(NetworkDocument* doc, Network before, Network after, const QString& text, const QString& key)
      : DocumentCommand(doc, text), m_doc(doc), m_before(std::move(before)), m_after(std::move(after)), m_key(key),
        m_lastEdit(QDateTime::currentMSecsSinceEpoch())
  {
  }
  void apply(bool forward) override { m_doc->setNetworkDirect(forward ? m_after : m_before); }
  int id() const override { return m_key.isEmpty() ? -1 : 1; }
  bool mergeWith(const QUndoCommand* other) override
  {
    // One drag = one step: merge the same control's edits only while they keep coming (< 1 s apart),
    // so two separate edits of W_std a few seconds apart stay two undo steps.
    const auto* o = static_cast<const SetNetworkCommand*>(other);
    if (o->m_key != m_key || o->m_lastEdit - m_lastEdit > kMergeWindowMs) return false;
    m_after = o->m_after;
    m_lastEdit = o->m_lastEdit;
    return true;
  }

private:
  NetworkDocument* m_doc;
  Network m_before, m_after;
  QString m_key;
  qint64 m_lastEdit;
  static constexpr qint64 kMergeWindowMs = 1000;
};

} // namespace

DocumentCommand::DocumentCommand(NetworkDocument* doc, const QString& text) : m_doc(doc), m_context(doc->editContext())
{
  setText(text);
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

NetworkDocument::NetworkDocument(QObject* parent)
    : QObject(parent), m_network(Network::defaultNetwork(1)), m_undo(new QUndoStack(this))
{
}

const Network& NetworkDocument::networkFor(const QString& panel) const
{
  Q_UNUSED(panel);
  return m_network;
}

bool NetworkDocument::edit(const QString& description, const std::function<void(Network&)>& fn, const QString& mergeKey)
{
  Network next = m_network;
  fn(next);
  try {
    next.validate();
  } catch (const NtkError& e) {
    emit editRejected(QString::fromStdString(e.what()));
    return false;
  }
  m_undo->push(new SetNetworkCommand(this, m_network, next, description, mergeKey));
  return true;
}

bool NetworkDocument::replace(const Network& net, const QString& description)
{
  return edit(description, [&net](Network& n) { n = net; });
}

void NetworkDocument::setNetworkDirect(const Network& net)
{
  m_network = net;
  emit changed();
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
    m_network = std::move(net);
    m_path = path;
    m_undo->setClean();
    emit filePathChanged(m_path);
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
    saveNetwork(m_network, path.toStdString());
    m_path = path;
    m_undo->setClean();
    emit filePathChanged(m_path);
    return true;
  } catch (const NtkError& e) {
    if (error) *error = QString::fromStdString(e.what());
    return false;
  }
}

void NetworkDocument::reset(const Network& net)
{
  m_undo->clear();
  m_network = net;
  m_path.clear();
  emit filePathChanged(m_path);
  emit changed();
}

bool NetworkDocument::isModified() const { return !m_undo->isClean(); }

} // namespace ntk::gui
